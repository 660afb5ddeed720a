import { PassThrough } from "node:stream";
import {
  AppServerClient,
  LineSplitter,
  type Transport,
  type TransportExit,
  type TransportSink,
} from "@codex-ts/app-server-client";
import { type AppServerPartsOptions, appServerParts } from "../app-server-parts.js";

/**
 * The client's `Transport` over an in-process server's input and output streams: one JSON line per message. The
 * connection counts as closed once the server has finished (`runAppServer` settled), not merely when its input ends,
 * so a caller that awaits `close()` knows every rollout has been flushed.
 */
class InProcessTransport implements Transport {
  constructor(
    private readonly toServer: PassThrough,
    private readonly fromServer: PassThrough,
    readonly closed: Promise<TransportExit>,
  ) {}

  start(sink: TransportSink): void {
    const lines = new LineSplitter((line) => sink.message(line));
    this.fromServer.setEncoding("utf8");
    this.fromServer.on("data", (chunk: string) => lines.push(chunk));
    this.fromServer.once("end", () => lines.end());
  }

  send(message: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.toServer.write(`${message}\n`, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Ends the server's input, its cue to stop running turns, flush rollouts and return. */
  close(): Promise<TransportExit> {
    this.toServer.end();
    return this.closed;
  }
}

/**
 * Our app server, run in this process on a pair of in-memory streams, and a typed client connected to it: `codex
 * exec` drives conversations through the same requests an editor sends, so there is one agent loop. In-process
 * (not a child) because the published CLI is one bundle: there is no second entry point to spawn, and the signals
 * and the exit status stay this process's own.
 */
export async function startInProcessServer(o: AppServerPartsOptions): Promise<AppServerClient> {
  const [server, core] = await Promise.all([
    import("../../lazy/app-server.js"),
    import("../../lazy/core.js"),
  ]);
  const toServer = new PassThrough();
  const fromServer = new PassThrough();
  const finished = server
    .runAppServer({
      stdin: toServer,
      stdout: fromServer,
      logSink: process.stderr,
      logLevel: process.env.CODEX_LOG_LEVEL === "debug" ? "debug" : "warn",
      ...appServerParts({ server, core }, o),
    })
    .then(
      (): TransportExit => ({ code: 0, signal: null }),
      (err: unknown): TransportExit => {
        process.stderr.write(`app server failed: ${err instanceof Error ? err.message : String(err)}\n`);
        return { code: 1, signal: null };
      },
    )
    .finally(() => fromServer.end());
  return new AppServerClient(new InProcessTransport(toServer, fromServer, finished));
}
