import { readdirSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type MockModelServer, startMockModelServer } from "@codex-ts/test-support";
import { AppServerClient, type Message } from "./client.js";
import { mockCodexHome } from "./mock-home.js";
import { RawServer } from "./raw-server.js";
import { stopServer } from "./stop-server.js";

/**
 * What the hostile-input suites share: servers on a mock model, temp dirs that are always removed, requests with a
 * deadline that fail loudly when the server dies instead of answering.
 */
export class HostileHarness {
  /** The mock model of the latest `home()` (each home gets its own, so no test eats another's script). */
  mock!: MockModelServer;
  private readonly mocks: MockModelServer[] = [];
  private readonly clients: AppServerClient[] = [];
  private readonly raws: RawServer[] = [];
  private readonly dirs: string[] = [];
  private nextId = 1;

  async setUp(): Promise<void> {}

  async tearDown(): Promise<void> {
    for (const c of this.clients.splice(0)) await stopServer(c);
    for (const r of this.raws.splice(0)) {
      r.kill();
      await r.exited;
    }
    for (const m of this.mocks.splice(0)) await m.close();
    for (const d of this.dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
  }

  async tempDir(prefix: string): Promise<string> {
    const d = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
    this.dirs.push(d);
    return d;
  }

  /** A CODEX_HOME on a new mock model (`mock`; extra top-level TOML in `toml`), removed at tear-down. */
  async home(toml?: string): Promise<string> {
    this.mock = await startMockModelServer([]);
    this.mocks.push(this.mock);
    const codexHome = await mockCodexHome(this.mock.baseUrl, {
      prefix: "codex-hostile-home-",
      ...(toml ? { toml } : {}),
    });
    this.dirs.push(codexHome);
    return codexHome;
  }

  /** An initialized server on its own CODEX_HOME (or the one given). */
  async server(codexHome?: string, env?: NodeJS.ProcessEnv): Promise<AppServerClient> {
    const c = await AppServerClient.start({
      codexHome: codexHome ?? (await this.home()),
      ...(env ? { env } : {}),
    });
    this.clients.push(c);
    await c.initialize();
    return c;
  }

  /** A server whose stdio the test drives byte by byte (not initialized; stdout not read yet). */
  raw(codexHome: string): RawServer {
    const r = RawServer.start(codexHome);
    this.raws.push(r);
    return r;
  }

  /** Sends a request (a raw line with `@ID@` for its id when given) and waits up to `ms` for its one answer. */
  async ask(c: AppServerClient, method: string, params?: unknown, o: { raw?: string; ms?: number } = {}) {
    const id = this.nextId++;
    if (o.raw !== undefined) c.sendRaw(o.raw.replace("@ID@", String(id)));
    else c.send(params === undefined ? { id, method } : { id, method, params });
    return answerOf(c, id, method, o.ms ?? 20_000);
  }
}

/** The answer to request `id`, waited for up to `ms`; throws when the server exits first. */
export async function answerOf(c: AppServerClient, id: number | string, what: string, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = c.messages.find((m) => m.id === id && m.method === undefined);
    if (found) return found;
    if (c.child.exitCode !== null || c.child.signalCode !== null)
      throw new Error(`server exited (${c.child.exitCode ?? c.child.signalCode}) before answering ${what}`);
    if (Date.now() > deadline) throw new Error(`${what} not answered within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const errorOf = (m: Message) =>
  m.error as { code: number; message: string; data?: unknown } | undefined;

/** How many file descriptors a live process has open (Linux; null elsewhere). */
export function openFds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/** Resolves once `pred` holds, polling every 20 ms; throws after `ms`. */
export async function until(pred: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
