import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { REFERENCE_CODEX_0166_BIN, referenceEnv0166 } from "@codex-ts/test-support";
import { AppServerClient, type Message } from "./client.js";
import { stopServer } from "./stop-server.js";

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

/** A 0.166 `initialize` (non-null `capabilities`), as codex-acp sends it. */
export function initialize0166(c: AppServerClient, capabilities: unknown = { experimentalApi: true }) {
  return c.call("init", "initialize", { clientInfo: CLIENT_INFO_0166, capabilities });
}

export type Impl = "ours" | "real";

/**
 * Temp dirs and servers of one test file: `home()` makes a CODEX_HOME (and a sibling HOME for the reference),
 * `start(impl, codexHome)` spawns our CLI or the real 0.166.0 on it, `cleanup()` stops every server and removes
 * every dir, so nothing is left in the OS temp dir.
 */
export class SideBySide {
  private readonly dirs: string[] = [];
  private readonly clients: AppServerClient[] = [];

  /** Whether the reference binary is here; when not, `reason` says so (print it and compare ours alone). */
  static readonly available = REFERENCE_CODEX_0166_BIN !== undefined;
  static readonly reason =
    "codex 0.166.0 not found (set CODEX_REFERENCE_0166_BIN): checking this server alone";

  /** A CODEX_HOME (`<root>/codex-home`) with `toml` plus the offline tables; `files` are written under `<root>`. */
  async home(toml = "", files: Record<string, string> = {}): Promise<string> {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "codex-0166-"));
    this.dirs.push(root);
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
    return fs.realpath(codexHome);
  }

  /**
   * Spawns one server on `codexHome`. The reference's HOME is the directory above `codexHome`; ours gets the same
   * with `home: true` (else the test process's).
   */
  async start(
    impl: Impl,
    codexHome: string,
    o: { args?: string[]; cwd?: string; home?: boolean } = {},
  ): Promise<AppServerClient> {
    let c: AppServerClient;
    if (impl === "ours") {
      c = await AppServerClient.start({
        codexHome,
        args: o.args ?? [],
        ...(o.cwd ? { cwd: o.cwd } : {}),
        ...(o.home ? { env: { HOME: path.dirname(codexHome) } } : {}),
      });
    } else {
      const bin = REFERENCE_CODEX_0166_BIN;
      if (!bin) throw new Error(SideBySide.reason);
      const home = path.dirname(codexHome);
      const child = spawn(bin, ["app-server", ...(o.args ?? [])], {
        cwd: o.cwd ?? home,
        env: referenceEnv0166(codexHome, home),
        stdio: ["pipe", "pipe", "pipe"],
      });
      c = new AppServerClient(child);
    }
    this.clients.push(c);
    return c;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.clients.map((c) => stopServer(c)));
    for (const dir of this.dirs) await fs.rm(dir, { recursive: true, force: true });
  }
}

/** The messages of a response (result or error), without the 0.166 `emittedAtMs` stamps of notifications. */
export const answer = (m: Message) => (m.error ?? m.result) as Record<string, unknown>;
