import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A connection attempt the proxy refused. */
export interface BlockedAttempt {
  kind: "http" | "connect";
  target: string;
}

export interface BlockingProxy {
  readonly url: string;
  /** Every attempt to go through the proxy, refused. */
  readonly attempts: BlockedAttempt[];
  /** HTTP(S)_PROXY / ALL_PROXY (both cases) at the proxy, and NO_PROXY for 127.0.0.1 and localhost. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * An HTTP proxy on 127.0.0.1 that refuses everything and records what was tried. A child whose proxy variables
 * point at it cannot reach the internet, and a test can see if it tried (only 127.0.0.1 is ever allowed).
 */
export async function startBlockingProxy(): Promise<BlockingProxy> {
  const attempts: BlockedAttempt[] = [];
  const server = createServer((req, res) => {
    attempts.push({ kind: "http", target: req.url ?? "" });
    res.writeHead(403);
    res.end("blocked by the test proxy");
  });
  server.on("connect", (req, socket) => {
    attempts.push({ kind: "connect", target: req.url ?? "" });
    socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env: Record<string, string> = { NO_PROXY: "127.0.0.1,localhost", no_proxy: "127.0.0.1,localhost" };
  for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"]) {
    env[name] = url;
    env[name.toLowerCase()] = url;
  }
  return {
    url,
    attempts,
    env,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
