import fs from "node:fs/promises";
import path from "node:path";
import {
  AppServerError,
  type Protocol0166,
  protocol0166,
  type RequestArgs,
  type RequestMethod,
} from "@codex-ts/app-server-client";
import {
  CODEX_0166_BIN,
  type Message,
  referenceEnv0166,
  startAppServer,
  type TestAppServer,
  tempDir,
} from "@codex-ts/test-support";

/**
 * The tables every side-by-side config.toml ends with: 0.166.0 kept offline and quiet (`[features] plugins` off,
 * no analytics, feedback or update check). A test's own TOML goes before them and must not define these tables.
 */
export const OFFLINE_0166_TOML = [
  "[analytics]",
  "enabled = false",
  "[feedback]",
  "enabled = false",
  "[features]",
  "plugins = false",
  "",
].join("\n");

export const CLIENT_INFO_0166 = { name: "acp", title: null, version: "2.6.0" };

/** A harness client speaking 0.166 to ours or to the real 0.166.0. */
export type Client0166 = TestAppServer<Protocol0166>;

/**
 * A 0.166 request as a `[method, params]` pair, each pair checked against the method's params type, or one the
 * typed client would refuse to build (`untyped`: e.g. params a test leaves out on purpose), sent raw.
 */
export type Request0166 =
  | {
      [M in RequestMethod<Protocol0166>]: [method: M, params: RequestArgs<Protocol0166, M>[0]];
    }[RequestMethod<Protocol0166>]
  | Untyped;

interface Untyped {
  untyped: true;
  method: RequestMethod<Protocol0166>;
  params: unknown;
}

/** A request whose params break the method's type on purpose (the server's answer to it is under test). */
export const untyped = (method: RequestMethod<Protocol0166>, params?: unknown): Untyped => ({
  untyped: true,
  method,
  params,
});

let untypedIds = 0;

/**
 * Sends a typed request (its answer checked by the client against the method's response schema); resolves with the
 * result, or with the error answer (`{code, message}`, and `data` when there is some) the server gave.
 */
export async function settle(c: Client0166, request: Request0166): Promise<Record<string, unknown>> {
  if (!Array.isArray(request)) {
    const m = await c.raw.call(`untyped-${++untypedIds}`, request.method, request.params);
    if (m.result !== undefined) protocol0166.requests[request.method].response.parse(m.result);
    return answer(m);
  }
  const [method, params] = request;
  // The pair was checked where it was written; TypeScript cannot carry that through a union of methods.
  const send = c.request.bind(c) as (method: string, params: unknown) => Promise<Record<string, unknown>>;
  try {
    return await send(method, params);
  } catch (err) {
    if (!(err instanceof AppServerError)) throw err;
    return { code: err.code, message: err.message, ...(err.data === undefined ? {} : { data: err.data }) };
  }
}

/**
 * A request sent as raw JSON-RPC by id (e.g. a handshake a typed client would complete differently); resolves with
 * the whole response message (result or error).
 */
export function call(c: Client0166, id: number | string, method: string, params?: unknown): Promise<Message> {
  return c.raw.call(String(id), method, params);
}

/** A 0.166 `initialize` (non-null `capabilities`) as codex-acp sends it: no `initialized` notification after. */
export function initialize0166(c: Client0166, capabilities: unknown = { experimentalApi: true }) {
  return call(c, "init", "initialize", { clientInfo: CLIENT_INFO_0166, capabilities });
}

export type Impl = "ours" | "real";

/**
 * CODEX_HOMEs and servers of one test file, on the test-support harness (which removes the dirs and stops the
 * servers after the file): `home()` makes a CODEX_HOME (and a sibling HOME for the reference), `start(impl,
 * codexHome)` spawns our CLI or the real 0.166.0 on it.
 */
export const SideBySide = {
  /** Whether the reference binary is here; when not, `reason` says so (print it and compare ours alone). */
  available: CODEX_0166_BIN !== undefined,
  reason: "codex 0.166.0 not found (set CODEX_0166_BIN): checking this server alone",

  /** A CODEX_HOME (`<root>/codex-home`) with `toml` plus the offline tables; `files` are written under `<root>`. */
  async home(toml = "", files: Record<string, string> = {}): Promise<string> {
    const root = await tempDir("codex-0166-");
    const codexHome = path.join(root, "codex-home");
    await fs.mkdir(codexHome);
    await fs.writeFile(
      path.join(codexHome, "config.toml"),
      `check_for_update_on_startup = false\n${toml}\n${OFFLINE_0166_TOML}`,
    );
    for (const [rel, text] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await fs.writeFile(path.join(root, rel), text);
    }
    return codexHome;
  },

  /**
   * Spawns one server on `codexHome`. The reference runs offline (`referenceEnv0166`) with HOME the directory
   * above `codexHome`; ours gets the same HOME with `home: true` (else the test process's).
   */
  async start(
    impl: Impl,
    codexHome: string,
    o: { args?: string[]; cwd?: string; home?: boolean } = {},
  ): Promise<Client0166> {
    const home = path.dirname(codexHome);
    if (impl === "ours") {
      return startAppServer({
        home: codexHome,
        protocol: protocol0166,
        args: o.args ?? [],
        ...(o.cwd ? { cwd: o.cwd } : {}),
        ...(o.home ? { env: { HOME: home } } : {}),
      });
    }
    return startAppServer({
      bin: "0.166",
      home: codexHome,
      protocol: protocol0166,
      args: o.args ?? [],
      cwd: o.cwd ?? home,
      env: referenceEnv0166(codexHome, home),
    });
  },
};

/** The messages of a response (result or error), without the 0.166 `emittedAtMs` stamps of notifications. */
export const answer = (m: Message) => (m.error ?? m.result) as Record<string, unknown>;
