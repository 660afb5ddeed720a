import net from "node:net";
import path from "node:path";

/**
 * A gate that holds the start of test MCP servers (core's `gated-mcp-server.mjs` with `MCP_GATE=<path>`): each
 * such server connects to this Unix socket and answers nothing until the gate opens, so a test decides when their
 * handshakes can complete, without sleeping. Once open, servers that connect later pass at once.
 */
export interface McpGate {
  /** The socket path, for the server's `MCP_GATE`. */
  readonly path: string;
  /** How many servers have connected so far. */
  readonly arrivals: number;
  /** Resolves once `count` servers (in all) have connected and are held (or passed, once open). */
  arrived(count?: number): Promise<void>;
  /** Lets every held server start, and every later one. */
  open(): void;
  close(): Promise<void>;
}

/** Listens on `<dir>/mcp-gate.sock` (keep `dir` short: a socket path has at most 107 bytes). */
export async function startMcpGate(dir: string): Promise<McpGate> {
  const socketPath = path.join(dir, "mcp-gate.sock");
  const held = new Set<net.Socket>();
  let arrivals = 0;
  let opened = false;
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = net.createServer((socket) => {
    arrivals++;
    socket.on("error", () => {});
    socket.on("close", () => held.delete(socket));
    if (opened) socket.end("go");
    else held.add(socket);
    for (const w of waiters.filter((w) => arrivals >= w.count)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    path: socketPath,
    get arrivals() {
      return arrivals;
    },
    arrived(count = 1) {
      if (arrivals >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    open() {
      opened = true;
      for (const socket of held) socket.end("go");
      held.clear();
    },
    async close() {
      for (const socket of held) socket.destroy();
      held.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
