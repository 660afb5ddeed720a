import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { rolloutPathFor } from "../src/index.js";

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
