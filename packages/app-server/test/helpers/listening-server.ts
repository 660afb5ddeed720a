import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import {
  AppServerClient,
  type Protocol0166,
  protocol0166,
  type WebSocketTransport,
} from "@codex-ts/app-server-client";
import { CLI_MAIN, CODEX_0166_BIN, referenceEnv0166 } from "@codex-ts/test-support";

/** A `codex app-server --listen …` process of the built CLI, with the addresses it printed. */
export interface ListeningServer {
  readonly child: ChildProcess;
  /** The `listening on` URLs, in `--listen` order (a `:0` port resolved). */
  readonly urls: string[];
  stderr(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after 10 s). */
  stop(): Promise<number | null>;
  /** Resolves with the exit code once the process ends. */
  readonly exited: Promise<number | null>;
}

export async function startListening(
  args: string[],
  env: NodeJS.ProcessEnv,
  expectedUrls: number,
  cwd: string,
): Promise<ListeningServer> {
  return spawnListening(
    process.execPath,
    [CLI_MAIN, "app-server", ...args],
    { ...process.env, ...env },
    expectedUrls,
    cwd,
  );
}

/**
 * The native codex 0.166.0 `app-server --listen …` on `codexHome`, offline (`referenceEnv0166`, HOME the directory
 * above `codexHome`). Throws when the binary is not installed (check `CODEX_0166_BIN` first).
 */
export async function startListeningNative(
  args: string[],
  codexHome: string,
  expectedUrls: number,
  cwd: string,
): Promise<ListeningServer> {
  if (!CODEX_0166_BIN) throw new Error("codex 0.166.0 is not installed");
  const env = referenceEnv0166(codexHome, path.dirname(codexHome));
  return spawnListening(CODEX_0166_BIN, ["app-server", ...args], env, expectedUrls, cwd);
}

async function spawnListening(
  command: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  expectedUrls: number,
  cwd: string,
): Promise<ListeningServer> {
  const child = spawn(command, argv, { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const urls = await new Promise<string[]>((resolve, reject) => {
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      if (err.length < 256 * 1024) err += chunk;
      // Ours prints `listening on URL`, 0.166.0 `listening on: URL`.
      const found = [...err.matchAll(/listening on:? (\S+)/g)].map((m) => m[1] as string);
      if (found.length >= expectedUrls) resolve(found);
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${err}`)));
  });
  return {
    child,
    urls,
    exited,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const cut = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(cut);
      return code;
    },
  };
}

export type ModernConnection = AppServerClient<Protocol0166, WebSocketTransport>;

/** A 0.166 client connected to `url` and initialized. */
export async function connect0166(url: string, name: string, token?: string): Promise<ModernConnection> {
  const c = await AppServerClient.connect(url, { protocol: protocol0166, token });
  await c.initialize({ name, version: "1.0.0" }, {});
  return c;
}

/** The status and body of a plain HTTP request to the listener at `ws://HOST:PORT`. */
export function httpGet(
  wsUrl: string,
  pathname: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(wsUrl);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: hostname, port, path: pathname, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: "" });
    });
    req.on("error", reject);
  });
}

/** A WebSocket upgrade request's answer (status), with the given extra headers. */
export function upgradeStatus(wsUrl: string, headers: Record<string, string>): Promise<number> {
  return httpGet(wsUrl, "/", {
    connection: "Upgrade",
    upgrade: "websocket",
    "sec-websocket-version": "13",
    "sec-websocket-key": Buffer.from("0123456789abcdef").toString("base64"),
    ...headers,
  }).then((r) => r.status);
}
