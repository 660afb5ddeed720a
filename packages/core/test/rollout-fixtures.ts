import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { rolloutPathFor, SessionsStore } from "../src/index.js";

/** Test helpers shared by the rollout tests: sessions written in the exact on-disk shape of Codex 0.58.0. */
export interface FakeSession {
  id?: string;
  at: Date;
  text?: string;
  source?: unknown;
  provider?: string | null;
  userEvent?: boolean;
  extraResponseItems?: number;
  /** session_meta.cwd; default `/work/project`. */
  cwd?: string;
}

export const userMessage = (text: string) => ({
  type: "message",
  role: "user",
  content: [{ type: "input_text", text }],
});

/** Writes a rollout in the exact on-disk shape Codex 0.58.0 produces. */
export async function writeSession(home: string, s: FakeSession): Promise<{ id: string; path: string }> {
  const id = s.id ?? randomUUID();
  const path = rolloutPathFor(home, s.at, id);
  await mkdir(join(path, ".."), { recursive: true });
  const ts = s.at.toISOString();
  const meta: Record<string, unknown> = {
    id,
    timestamp: ts,
    cwd: s.cwd ?? "/work/project",
    originator: "codex_cli_rs",
    cli_version: "0.58.0",
    instructions: null,
    source: s.source ?? "vscode",
  };
  if (s.provider !== null) meta.model_provider = s.provider ?? "openai";
  const lines: unknown[] = [{ timestamp: ts, type: "session_meta", payload: meta }];
  lines.push({
    timestamp: ts,
    type: "response_item",
    payload: userMessage("<environment_context>\n  <cwd>/w</cwd>\n</environment_context>"),
  });
  for (let i = 0; i < (s.extraResponseItems ?? 0); i++) {
    lines.push({
      timestamp: ts,
      type: "response_item",
      payload: { type: "message", role: "assistant", content: [{ type: "output_text", text: `a${i}` }] },
    });
  }
  lines.push({ timestamp: ts, type: "response_item", payload: userMessage(s.text ?? `hello ${id}`) });
  if (s.userEvent !== false) {
    lines.push({
      timestamp: ts,
      type: "event_msg",
      payload: { type: "user_message", message: s.text ?? "hello", images: [] },
    });
  }
  await writeFile(path, lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
  return { id, path };
}

export const minutes = (n: number) => new Date(Date.UTC(2026, 10, 20, 12, 0, 0) + n * 60_000);

/** Rollouts the real codex 0.166.0 wrote (see fixtures/rollouts-0166/README.md), and the threads in them. */
export const FIXTURE_0166 = join(import.meta.dirname, "fixtures", "rollouts-0166");
export const PARENT_0166 = "01a241ad-5417-7fb3-9c8e-24f0707d17b2";
export const FORK_0166 = "01a241ad-b524-77b2-a1a9-e4042ee75721";
export const LEGACY_0166_RESUMED = "01a2419f-1378-71d2-b203-9be47a56bb0d";

/** One rollout line (`{timestamp, type, payload}`, newline-terminated). */
export const rolloutLine = (type: string, payload: unknown, at = "2026-11-20T12:00:00.000Z") =>
  `${JSON.stringify({ timestamp: at, type, payload })}\n`;

/** Bytes this process has read so far (Linux /proc/self/io `rchar`, page-cache hits included); null elsewhere. */
export function bytesRead(): number | null {
  if (!existsSync("/proc/self/io")) return null;
  const m = /^rchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"));
  return m ? Number(m[1]) : null;
}

/** A fresh CODEX_HOME in the OS temp dir and a store over it for each test, both removed after it. */
export function tempStore(prefix: string): { readonly home: string; readonly store: SessionsStore } {
  const current = { home: "", store: null as SessionsStore | null };
  beforeEach(async () => {
    current.home = await mkdtemp(join(tmpdir(), prefix));
    current.store = new SessionsStore(current.home);
  });
  afterEach(async () => {
    current.store?.close();
    await rm(current.home, { recursive: true, force: true });
  });
  return {
    get home() {
      return current.home;
    },
    get store() {
      if (!current.store) throw new Error("tempStore is used inside a test only");
      return current.store;
    },
  };
}

/** The turns of 0.166.0's fork in the fixture, in order: six inherited from its parent, then its own. */
export const FORK_0166_TURNS = [
  "01a241ad-5c0f-76f1-9872-1d3828075af6",
  "01a241ad-6bb0-77a0-95d5-ee9c206bd0e2",
  "01a241ad-73d2-7801-8190-940a0134eb41",
  "01a241ad-7c4d-71c1-8c7b-283d7eda4ed3",
  "01a241ad-85b5-73e3-8eff-e07de9866372",
  "01a241ad-a5fe-7600-b77d-085400311658",
  "01a241ad-bcbb-7971-bc7f-281adb7cb231",
];

/** A 0.58.0 session_meta line (cwd `/w`, vscode, openai). */
export function legacyMetaLine(id: string, at = minutes(0)): string {
  return rolloutLine("session_meta", {
    id,
    timestamp: at.toISOString(),
    cwd: "/w",
    originator: "codex_cli_rs",
    cli_version: "0.58.0",
    instructions: null,
    source: "vscode",
    model_provider: "openai",
  });
}

/** Writes a 0.58.0 rollout: its session_meta line, then `body` (lines). */
export async function writeLegacyRollout(
  home: string,
  body: string,
  id: string = randomUUID(),
  at = minutes(0),
): Promise<{ id: string; path: string }> {
  const path = rolloutPathFor(home, at, id);
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, legacyMetaLine(id, at) + body);
  return { id, path };
}
