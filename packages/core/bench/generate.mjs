// Synthetic session stores in the exact on-disk format of Codex 0.58.0 (see ../../shared/spec/rollout.md), for
// benchmarks. File names, folders and lines come from the store's own helpers, so they match what it writes.
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { rolloutPathFor, serializeLine, uuidV7 } from "../dist/index.js";

const userMessage = (text) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });
const assistantMessage = (text) => ({
  type: "message",
  role: "assistant",
  content: [{ type: "output_text", text }],
});
const tokenCount = {
  type: "token_count",
  info: {
    total_token_usage: {
      input_tokens: 2400,
      cached_input_tokens: 0,
      output_tokens: 310,
      reasoning_output_tokens: 64,
      total_tokens: 2710,
    },
    last_token_usage: {
      input_tokens: 2400,
      cached_input_tokens: 0,
      output_tokens: 310,
      reasoning_output_tokens: 64,
      total_tokens: 2710,
    },
    model_context_window: 258400,
  },
  rate_limits: { primary: null, secondary: null },
};

/** The lines of one turn as 0.58.0 writes them: user message, events, turn context, tool call, reply. */
function turnLines(cwd, text, toolOutput) {
  const callId = `call_${randomUUID().slice(0, 8)}`;
  return [
    { type: "response_item", payload: userMessage(text) },
    { type: "event_msg", payload: { type: "user_message", message: text, images: [] } },
    {
      type: "turn_context",
      payload: {
        cwd,
        approval_policy: "on-request",
        sandbox_policy: {
          mode: "workspace-write",
          network_access: false,
          exclude_tmpdir_env_var: false,
          exclude_slash_tmp: false,
        },
        model: "gpt-5-codex",
        summary: "auto",
      },
    },
    { type: "event_msg", payload: { type: "agent_reasoning", text: "**Looking at the files**" } },
    { type: "event_msg", payload: tokenCount },
    {
      type: "response_item",
      payload: {
        type: "reasoning",
        summary: [{ type: "summary_text", text: "**Looking at the files**" }],
        content: null,
        encrypted_content: "gAAAAABo".padEnd(400, "x"),
      },
    },
    {
      type: "response_item",
      payload: {
        type: "function_call",
        name: "shell",
        arguments: JSON.stringify({ command: ["bash", "-lc", "ls -la"], workdir: cwd }),
        call_id: callId,
      },
    },
    {
      type: "response_item",
      payload: {
        type: "function_call_output",
        call_id: callId,
        output: JSON.stringify({ output: toolOutput, metadata: { exit_code: 0, duration_seconds: 0.1 } }),
      },
    },
    { type: "event_msg", payload: { type: "agent_message", message: `Done with: ${text.slice(0, 40)}` } },
    { type: "event_msg", payload: tokenCount },
    { type: "response_item", payload: assistantMessage(`Done with: ${text.slice(0, 40)}`) },
  ];
}

/** A few KB of AGENTS.md-style instructions, as real projects carry (recorded in session_meta and the head). */
const INSTRUCTIONS = Array.from(
  { length: 40 },
  (_, i) =>
    `- Rule ${i + 1}: keep modules small, name things for what they do, test with real files and processes.`,
).join("\n");

function metaLine(id, at, cwd, source, provider) {
  return {
    type: "session_meta",
    payload: {
      id,
      timestamp: at.toISOString(),
      cwd,
      originator: "codex_cli_rs",
      cli_version: "0.58.0",
      instructions: INSTRUCTIONS,
      source,
      model_provider: provider,
      git: {
        commit_hash: "3f1c2a9d0b7e4c5a8f6e1d2c3b4a59687766554e",
        branch: "main",
        repository_url: "https://github.com/acme/widgets.git",
      },
    },
  };
}

/** The first user message: every 100th (offset 37) mentions a rare topic, for search-term rows. */
export const RARE_TERM = "billing migration";
const firstMessage = (index) =>
  index % 100 === 37
    ? `task ${index}: plan the ${RARE_TERM} and run the tests`
    : `task ${index}: refactor the module and run the tests`;

/** The start of every session: meta, AGENTS.md and environment context, then the first turn (0.58.0's head). */
function sessionLines(id, at, index, source, provider) {
  const cwd = `/home/dev/projects/p${index % 50}`;
  return [
    metaLine(id, at, cwd, source, provider),
    {
      type: "response_item",
      payload: userMessage(
        `# AGENTS.md instructions for ${cwd}\n\n<INSTRUCTIONS>\n${INSTRUCTIONS}\n</INSTRUCTIONS>`,
      ),
    },
    {
      type: "response_item",
      payload: userMessage(
        `<environment_context>\n  <cwd>${cwd}</cwd>\n  <approval_policy>on-request</approval_policy>\n  <sandbox_mode>workspace-write</sandbox_mode>\n  <network_access>restricted</network_access>\n  <shell>bash</shell>\n</environment_context>`,
      ),
    },
    ...turnLines(cwd, firstMessage(index), "total 8\ndrwxr-xr-x 2 dev dev 4096 .\n"),
  ];
}

const text = (lines, at) => lines.map((l) => serializeLine(l, at)).join("");

/** The provider of every 100th session (offset 53): a filter on it selects 1% of the store. */
export const RARE_PROVIDER = "oss";

/**
 * Writes `count` sessions, `perDay` per local day going back from `newest`, newest first by index (index 0 is the
 * newest). Ids are UUID v7 as 0.58.0 mints them, except every 10th, a v4 (older Codex versions, other tools).
 * Every 20th session is an `exec` one (never listed), as in real stores; every 100th was recorded under
 * RARE_PROVIDER and every 100th mentions RARE_TERM. Cwds cycle over 50 projects. Returns the ids, newest first.
 */
export async function generateStore(
  codexHome,
  { count, perDay = 40, newest = new Date(2026, 10, 20, 18, 0, 0) },
) {
  const ids = [];
  const step = Math.floor((24 * 3600_000) / perDay);
  const madeDirs = new Set();
  const jobs = [];
  const flush = async () => {
    await Promise.all(jobs.splice(0).map((job) => job()));
  };
  for (let i = 0; i < count; i++) {
    const at = new Date(newest.getTime() - i * step);
    const id = i % 10 === 7 ? randomUUID() : uuidV7(at.getTime());
    ids.push(id);
    const path = rolloutPathFor(codexHome, at, id);
    const dir = dirname(path);
    if (!madeDirs.has(dir)) {
      madeDirs.add(dir);
      await mkdir(dir, { recursive: true });
    }
    const source = i % 20 === 19 ? "exec" : "vscode";
    const provider = i % 100 === 53 ? RARE_PROVIDER : "openai";
    jobs.push(() => writeFile(path, text(sessionLines(id, at, i, source, provider), at)));
    if (jobs.length === 256) await flush();
  }
  await flush();
  return ids;
}

/** Appends turns with 8 KiB tool outputs to a session until it holds about `bytes` bytes; returns its size. */
export async function growSession(path, bytes, { start = 0 } = {}) {
  const out = createWriteStream(path, { flags: "a" });
  let written = start;
  const output = "line of tool output: compiled module ok\n".repeat(200);
  const at = new Date();
  let turn = 0;
  while (written < bytes) {
    // ~1 MiB of turns per write, each turn with its own text so the parsed history is not deduplicated.
    let chunk = "";
    while (chunk.length < 1 << 20)
      chunk += text(turnLines("/home/dev/projects/p0", `follow-up ${++turn}`, output), at);
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return written;
}

/** Writes one session of about `bytes` bytes: a normal head followed by many turns. */
export async function writeLargeSession(codexHome, { at, bytes, id = randomUUID() }) {
  const path = rolloutPathFor(codexHome, at, id);
  await mkdir(dirname(path), { recursive: true });
  const head = text(sessionLines(id, at, 0, "vscode", "openai"), at);
  await writeFile(path, head);
  return { id, path, bytes: await growSession(path, bytes, { start: Buffer.byteLength(head) }) };
}
