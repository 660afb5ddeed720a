import { chmod, unlink } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { DEFAULT_MAX_LINE_BYTES } from "../rpc/peer.js";
import type { ListenTarget } from "./listen-url.js";
import { FailedHandshakes } from "./rate-limit.js";
import type { TransportConnection, TransportListener } from "./transport.js";
import { prepareSocketPath } from "./unix-socket-path.js";
import { websocketConnection } from "./websocket-connection.js";

/** What the listener's handshake check says about one upgrade request. */
export type HandshakeVerdict = { ok: true } | { ok: false; reason: string };

export interface WebSocketListenerOptions {
  target: Extract<ListenTarget, { kind: "unix" | "ws" }>;
  onConnection(connection: TransportConnection): void;
  /** Checks the upgrade request's credentials (`Authorization`); none: every handshake is accepted. */
  authorize?: ((req: IncomingMessage) => HandshakeVerdict | Promise<HandshakeVerdict>) | undefined;
  /** Frames above this many bytes close the connection (1009). Default 16 MiB, as a stdio line. */
  maxMessageBytes?: number | undefined;
  /** Connections at once; more are refused 503 at the handshake. Default 1024. */
  maxConnections?: number | undefined;
  log?: ((level: "error" | "warn" | "info" | "debug", message: string) => void) | undefined;
}

const DEFAULT_MAX_CONNECTIONS = 1024;

function refuse(socket: Duplex, status: number, text: string, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** `/readyz` and `/healthz` answer 200 once the listener accepts; anything else that is not an upgrade is 404. */
function answerHttp(req: IncomingMessage, res: ServerResponse): void {
  if (req.headers.origin !== undefined) {
    res.writeHead(403, { "content-type": "text/plain" }).end("requests with an Origin header are refused\n");
    return;
  }
  const pathname = (req.url ?? "/").split("?")[0];
  if (req.method === "GET" && (pathname === "/readyz" || pathname === "/healthz")) {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    return;
  }
  res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
}

/**
 * JSON-RPC over WebSocket on a TCP address or a unix socket (later Codex serves its control socket as WebSocket
 * too), one message per text frame. Before a connection exists: a request carrying an `Origin` header is refused
 * 403 (a browser page must not drive a local agent), the credentials are checked (401, with failed attempts
 * rate-limited per address: 429), and the connection count is bounded (503). Plain HTTP gets `/readyz` and
 * `/healthz`. A unix socket is created 0600 in a 0700 directory and removed on close.
 */
export async function listenWebSocket(opts: WebSocketListenerOptions): Promise<TransportListener> {
  const log = opts.log ?? (() => {});
  const maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const failures = new FailedHandshakes();
  // ws (and the http, https, tls and zlib it loads) only for a listener: a stdio server starts without them.
  const [{ default: http }, { WebSocketServer }] = await Promise.all([import("node:http"), import("ws")]);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxMessageBytes ?? DEFAULT_MAX_LINE_BYTES,
    perMessageDeflate: false,
  });
  const server = http.createServer(answerHttp);
  const sockets = new Set<Duplex>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    void upgrade(req, socket, head);
  });
  const peerName = (req: IncomingMessage) =>
    opts.target.kind === "unix" ? "unix" : `${req.socket.remoteAddress ?? "?"}`;

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const who = peerName(req);
    if (req.headers.origin !== undefined) {
      log("warn", `refused a websocket handshake from ${who}: it carries an Origin header`);
      refuse(socket, 403, "Forbidden", "requests with an Origin header are refused");
      return;
    }
    if (failures.blocked(who)) {
      refuse(socket, 429, "Too Many Requests", "too many failed handshakes; retry later");
      return;
    }
    if (opts.authorize) {
      let verdict: HandshakeVerdict;
      try {
        verdict = await opts.authorize(req);
      } catch (err) {
        verdict = { ok: false, reason: err instanceof Error ? err.message : String(err) };
      }
      if (!verdict.ok) {
        failures.record(who);
        // The reason names what was wrong, never the credential itself.
        log("warn", `refused a websocket handshake from ${who}: ${verdict.reason}`);
        refuse(socket, 401, "Unauthorized", verdict.reason);
        return;
      }
    }
    if (wss.clients.size >= maxConnections) {
      refuse(socket, 503, "Service Unavailable", "Server overloaded; retry later.");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const description = `websocket ${who}`;
      opts.onConnection(
        websocketConnection(ws, description, () => log("warn", `${description}: binary frame ignored`)),
      );
    });
  }

  const target = opts.target;
  if (target.kind === "unix") await prepareSocketPath(target.socketPath);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const done = () => {
      server.off("error", reject);
      resolve();
    };
    if (target.kind === "unix") server.listen(target.socketPath, done);
    else server.listen(target.port, target.host, done);
  });
  server.on("error", (err) => log("error", `listener: ${err.message}`));
  let url: string;
  if (target.kind === "unix") {
    await chmod(target.socketPath, 0o600);
    url = `unix://${target.socketPath}`;
  } else {
    const addr = server.address();
    const port = typeof addr === "object" && addr ? addr.port : target.port;
    url = target.host.includes(":") ? `ws://[${target.host}]:${port}` : `ws://${target.host}:${port}`;
  }
  let closing: Promise<void> | null = null;
  return {
    url,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const ws of wss.clients) ws.close(1001, "server shutting down");
        // Connections that do not finish the close handshake soon are cut.
        const cut = setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
          for (const s of sockets) s.destroy();
        }, 2000);
        await closed;
        clearTimeout(cut);
        wss.close();
        if (target.kind === "unix") await unlink(target.socketPath).catch(() => undefined);
      })();
      return closing;
    },
  };
}
