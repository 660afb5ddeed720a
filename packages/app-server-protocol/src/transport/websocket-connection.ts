import { Readable, Writable } from "node:stream";
import type { WebSocket } from "ws";
import type { TransportConnection } from "./transport.js";

/**
 * A WebSocket as a `TransportConnection`: each text frame is one JSON-RPC message. Incoming frames become lines
 * (raw CR/LF cannot occur inside a JSON string, so turning them into spaces keeps a pretty-printed message one
 * valid line); each outgoing line is sent as one text frame. Reading pauses the socket while the peer's queue is
 * full, and a write completes when the frame was handed to the socket, so a slow reader slows the server down
 * instead of filling its memory. Binary frames are not messages and are dropped (logged by the caller).
 */
export function websocketConnection(
  ws: WebSocket,
  description: string,
  onBinaryFrame: () => void = () => {},
): TransportConnection {
  const input = new Readable({
    read: () => ws.resume(),
  });
  ws.on("message", (data, isBinary) => {
    if (isBinary) {
      onBinaryFrame();
      return;
    }
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString("utf8")
      : Buffer.isBuffer(data)
        ? data.toString("utf8")
        : Buffer.from(new Uint8Array(data)).toString("utf8");
    if (!input.push(`${text.replace(/[\r\n]/g, " ")}\n`)) ws.pause();
  });
  const output = new Writable({
    // Lines are written whole, one per call (LineWriter), each without the trailing newline as a frame.
    write(chunk: Buffer | string, _encoding, done) {
      if (ws.readyState !== ws.OPEN) {
        done();
        return;
      }
      const line = chunk.toString();
      ws.send(line.endsWith("\n") ? line.slice(0, -1) : line, { binary: false }, () => done());
    },
  });
  const ended = () => {
    input.push(null);
    // The writer watches `close`: lines for a gone client are dropped, never buffered.
    output.destroy();
  };
  ws.on("close", ended);
  ws.on("error", () => ws.terminate());
  return { input, output, description, close: () => ws.close(1001, "server shutting down") };
}
