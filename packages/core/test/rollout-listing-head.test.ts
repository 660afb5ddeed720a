import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { beforeEach, describe, expect, it } from "vitest";
import { readHead } from "../src/index.js";
import { factsFromHead } from "../src/rollout/facts.js";
import { readListedHead } from "../src/rollout/head.js";
import { userMessage } from "./rollout-fixtures.js";

// Listing reads heads with the big values it never shows left out (head-line.ts): the session_meta's
// instructions and injected-context messages. Whatever a head holds, what listing derives from it must be what a
// whole parse gives (readHead parses every line whole).

const ID = "01a1fa1d-8100-77f1-86f7-4229716eee98";
const TS = "2026-11-20T18:00:00.000Z";
/** Long enough to be cut, with the escapes serde writes: newlines, quotes, backslashes. */
const LONG = Array.from({ length: 40 }, (_, i) => `- Rule ${i}: say "why", not C:\\path\\${i}.`).join("\n");

let home: string;
beforeEach(async () => {
  home = await tempDir("codex-listing-head-");
});

const metaLine = (payload: Record<string, unknown>) => ({ timestamp: TS, type: "session_meta", payload });
const meta058 = (extra: Record<string, unknown> = {}) => ({
  id: ID,
  timestamp: TS,
  cwd: "/home/dev/p0",
  originator: "codex_cli_rs",
  cli_version: "0.58.0",
  instructions: LONG,
  source: "cli",
  model_provider: "openai",
  ...extra,
});
const item = (payload: unknown) => ({ timestamp: TS, type: "response_item", payload });
const userEvent = {
  timestamp: TS,
  type: "event_msg",
  payload: { type: "user_message", message: "hi", images: [] },
};
const agents = `# AGENTS.md instructions for /home/dev/p0\n\n<INSTRUCTIONS>\n${LONG}\n</INSTRUCTIONS>`;

async function writeRollout(name: string, lines: unknown[], tail = "\n"): Promise<string> {
  const dir = join(home, "sessions", "2026", "11", "20");
  await mkdir(dir, { recursive: true });
  const path = join(dir, `rollout-2026-11-20T18-00-00-${name}.jsonl`);
  await writeFile(path, lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + tail);
  return path;
}

/** Listing's facts of the file, checked against the whole parse's; returns the listing head. */
async function sameFacts(path: string) {
  const listed = (await readListedHead(path)).head;
  const whole = await readHead(path);
  expect(factsFromHead(listed)).toEqual(factsFromHead(whole));
  expect([listed.complete, listed.records.length, listed.sawUserEvent]).toEqual([
    whole.complete,
    whole.records.length,
    whole.sawUserEvent,
  ]);
  return listed;
}

describe("listing heads leave out what listing never reads, and read the same", () => {
  it("a 0.58.0 head: instructions and the AGENTS.md message are cut, the preview and meta are whole", async () => {
    const path = await writeRollout("a", [
      metaLine(meta058({ git: { branch: "main" } })),
      item(userMessage(agents)),
      item(userMessage("<environment_context>\n  <cwd>/home/dev/p0</cwd>\n</environment_context>")),
      item(userMessage(`task: ${LONG}`)),
      userEvent,
    ]);
    const head = await sameFacts(path);
    expect(head.meta?.instructions).toBeNull();
    expect(factsFromHead(head).summary?.preview).toBe(`task: ${LONG}`);
  });

  it("a 0.166.0 head: base_instructions.text is cut", async () => {
    const { instructions: _, ...rest } = meta058();
    const path = await writeRollout("b", [
      metaLine({ ...rest, base_instructions: { text: LONG }, history_mode: "paginated" }),
      item(userMessage("hello")),
      userEvent,
    ]);
    const head = await sameFacts(path);
    expect(head.meta).toMatchObject({ base_instructions: { text: "" } });
  });

  it("an `instructions` key nested before the payload's own is parsed whole", async () => {
    const { instructions: _, source: __, ...rest } = meta058();
    const nestedOnly = await writeRollout("c", [
      metaLine({ ...rest, source: { custom: { kind: "x", instructions: LONG } } }),
      item(userMessage("hello")),
      userEvent,
    ]);
    expect((await sameFacts(nestedOnly)).meta?.source).toEqual({ custom: { kind: "x", instructions: LONG } });
    const both = await writeRollout("d", [
      metaLine({ ...rest, source: { custom: { kind: "x", instructions: LONG } }, instructions: LONG }),
      item(userMessage("hello")),
      userEvent,
    ]);
    expect((await sameFacts(both)).meta?.source).toEqual({ custom: { kind: "x", instructions: LONG } });
  });

  it("an injected part after real text is the preview, whole; after white space it is injected", async () => {
    const message = (parts: string[]) => ({
      type: "message",
      role: "user",
      content: parts.map((text) => ({ type: "input_text", text })),
    });
    const realFirst = await writeRollout("e", [
      metaLine(meta058()),
      item(message(["look: ", agents])),
      userEvent,
    ]);
    expect(factsFromHead(await sameFacts(realFirst)).summary?.preview).toBe(`look: ${agents}`);
    const blankFirst = await writeRollout("f", [
      metaLine(meta058()),
      item(message([" \n", agents])),
      item(userMessage("the task")),
      userEvent,
    ]);
    expect(factsFromHead(await sameFacts(blankFirst)).summary?.preview).toBe("the task");
  });

  it("values that end in escaped backslashes or quotes, and keys that only appear inside strings", async () => {
    const tricky = `${LONG}\\`; // the value ends in `\\"`
    const quoted = `${LONG} ,"instructions":"x" {"text":"<environment_context>`;
    for (const [name, instructions] of [
      ["g", tricky],
      ["h", quoted],
      ["i", `${LONG}"`],
    ] as const) {
      const path = await writeRollout(name, [
        metaLine(meta058({ instructions })),
        item(userMessage(`${agents}\\`)),
        item(userMessage(quoted)),
        userEvent,
      ]);
      expect(factsFromHead(await sameFacts(path)).summary?.preview).toBe(quoted);
    }
  });

  it("torn and broken lines are skipped as a whole parse skips them", async () => {
    const metaText = JSON.stringify(metaLine(meta058()));
    const cut = metaText.indexOf(LONG.slice(0, 20)) + 100;
    await sameFacts(await writeRollout("j", [metaText.slice(0, cut)], ""));
    await sameFacts(await writeRollout("k", [metaText.slice(0, -3)], ""));
    await sameFacts(
      await writeRollout("l", [metaText, JSON.stringify(item(userMessage(agents))).slice(0, -2), userEvent]),
    );
    await sameFacts(
      await writeRollout("m", [metaText, `{"x":1,${JSON.stringify(item(userMessage(agents))).slice(1)}`]),
    );
  });
});
