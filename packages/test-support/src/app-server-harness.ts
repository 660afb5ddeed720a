import {
  AppServerError,
  type AppServerErrorBody,
  type Protocol058,
  type ProtocolDefinition,
  protocol058,
  type RequestOptions,
  StdioTransport,
  type Transport,
} from "@codex-ts/app-server-client";
import { track } from "./harness-registry.js";
import { CLI_MAIN, CODEX_0166_BIN, REFERENCE_CODEX_BIN } from "./reference-codex.js";
import { tempDir } from "./temp-dirs.js";
import { TestAppServer } from "./test-app-server.js";

/**
 * The process harness: starts ours, the real 0.58.0 or the native 0.166.0 as `codex app-server` (or connects to any
 * transport) and hands back a recording, checking `TestAppServer`, stopped after the test file.
 */

/** Which server to start: ours (the built CLI), the real 0.58.0, the native 0.166.0, or any executable. */
export type AppServerBinary = "ours" | "reference" | "0.166" | { path: string };

export interface StartAppServerOptions<P extends ProtocolDefinition = Protocol058> {
  /** Default `ours`. `reference` and `0.166` throw when the binary is not installed (check the constants first). */
  bin?: AppServerBinary;
  /** CODEX_HOME (default: a fresh temp dir). */
  home?: string;
  /** Added to the environment (which is this process's plus CODEX_HOME). */
  env?: Record<string, string | undefined>;
  /** Arguments after `app-server` (ours: e.g. `-c model="o3"`, `--enable …`). */
  args?: string[];
  cwd?: string;
  /** The protocol generation the client speaks (default 0.58.0). */
  protocol?: P;
}

function command(bin: AppServerBinary): {
  command: string;
  args: string[];
  reference: boolean;
  label: string;
} {
  if (bin === "ours") return { command: process.execPath, args: [CLI_MAIN], reference: false, label: "ours" };
  if (bin === "reference") {
    if (!REFERENCE_CODEX_BIN) throw new Error("the real codex 0.58.0 is not installed (REFERENCE_CODEX_BIN)");
    return { command: REFERENCE_CODEX_BIN, args: [], reference: true, label: "codex 0.58.0" };
  }
  if (bin === "0.166") {
    if (!CODEX_0166_BIN) throw new Error("the native codex 0.166.0 is not installed (CODEX_0166_BIN)");
    return { command: CODEX_0166_BIN, args: [], reference: true, label: "codex 0.166.0" };
  }
  return { command: bin.path, args: [], reference: true, label: bin.path };
}

/**
 * Starts `codex app-server` (ours unless `bin` says otherwise) with CODEX_HOME = `home` (a fresh temp dir by
 * default) and returns the harness client, not yet initialized. The vitest setup stops it after the test file.
 */
export function startAppServer(
  options?: StartAppServerOptions<Protocol058>,
): Promise<TestAppServer<Protocol058>>;
export function startAppServer<P extends ProtocolDefinition>(
  options: StartAppServerOptions<P> & { protocol: P },
): Promise<TestAppServer<P>>;
export async function startAppServer<P extends ProtocolDefinition>(
  options: StartAppServerOptions<P> = {},
): Promise<TestAppServer<P>> {
  const bin = command(options.bin ?? "ours");
  const home = options.home ?? (await tempDir("codex-home-"));
  // Ours gets a fixed terminal (the user agent names it); the Rust binaries log errors only.
  const env = bin.reference
    ? { ...process.env, CODEX_HOME: home, RUST_LOG: "error", ...options.env }
    : { ...process.env, CODEX_HOME: home, TERM: "xterm", TERM_PROGRAM: "", ...options.env };
  let client: TestAppServer<P> | undefined;
  const early: string[] = [];
  const transport = await StdioTransport.spawn({
    command: bin.command,
    args: [...bin.args, "app-server", ...(options.args ?? [])],
    env,
    cwd: options.cwd,
    onStderr: (text) => (client ? client.appendStderr(text) : early.push(text)),
  });
  const protocol = (options.protocol ?? protocol058) as P;
  client = track(new TestAppServer(transport, protocol, bin.label));
  for (const text of early) client.appendStderr(text);
  return client;
}

/**
 * A harness client on any transport (e.g. an in-process server's streams, see `connectInProcess`), checked and
 * stopped like the ones `startAppServer` makes.
 */
export function connectAppServer(transport: Transport, label?: string): TestAppServer<Protocol058>;
export function connectAppServer<P extends ProtocolDefinition>(
  transport: Transport,
  label: string,
  protocol: P,
): TestAppServer<P>;
export function connectAppServer<P extends ProtocolDefinition>(
  transport: Transport,
  label = "in-process",
  protocol?: P,
): TestAppServer<P> {
  return track(new TestAppServer(transport, (protocol ?? protocol058) as P, label));
}

/** Resolves with the JSON-RPC error a request was answered with; fails when it succeeded instead. */
export async function errorOf(request: Promise<unknown>): Promise<AppServerErrorBody> {
  try {
    const result = await request;
    throw new Error(`expected an error, got the result ${JSON.stringify(result)}`);
  } catch (err) {
    if (err instanceof AppServerError) return err.toBody();
    throw err;
  }
}

export { stopAppServers, takeWireViolations } from "./harness-registry.js";
export type { RequestOptions };
export { TestAppServer };
