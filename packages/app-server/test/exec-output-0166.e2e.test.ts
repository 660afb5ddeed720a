import { CODEX_0166_BIN, type Message, useAppServerSuite } from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type MockServer0166,
  startExecCommandTurn,
  startMockServer0166,
} from "./helpers/mock-server-0166.js";

/**
 * What `gpt-5.5`'s exec_command answers the model, and what the client's command item shows, for outputs of known
 * size: on this server, and (where installed) on the native codex 0.166.0 with the same calls. 0.166.0 always
 * states the output's token count (four bytes a token), cuts at `max_output_tokens` (at most 10 000) under a
 * `Warning: truncated output` header, and shows the client the whole output (null when there is none).
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("exec output 0.166: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

interface Case {
  name: string;
  args: Record<string, unknown>;
  /** The output text after `Output:\n`, as 0.166.0 wrote it (checked against the binary when it is installed). */
  model?: string;
  tokens: number;
  shown: string | null | { length: number };
}

const CASES: Case[] = [
  { name: "empty", args: { cmd: "true" }, model: "", tokens: 0, shown: null },
  { name: "exit", args: { cmd: "echo oops; exit 3" }, model: "oops\n", tokens: 2, shown: "oops\n" },
  {
    name: "short",
    args: { cmd: "printf abcdefgh", max_output_tokens: 1 },
    model:
      "Warning: truncated output (original token count: 2)\nTotal output lines: 1\n\nab…1 tokens truncated…gh",
    tokens: 2,
    shown: "abcdefgh",
  },
  {
    name: "lines",
    args: { cmd: "seq 1 40", max_output_tokens: 10 },
    model:
      "Warning: truncated output (original token count: 28)\nTotal output lines: 40\n\n" +
      "1\n2\n3\n4\n5\n6\n7\n8\n9\n10…18 tokens truncated…4\n35\n36\n37\n38\n39\n40\n",
    tokens: 28,
    shown: { length: 111 },
  },
  {
    name: "zero",
    args: { cmd: "seq 1 5", max_output_tokens: 0 },
    model:
      "Warning: truncated output (original token count: 3)\nTotal output lines: 5\n\n…3 tokens truncated…",
    tokens: 3,
    shown: "1\n2\n3\n4\n5\n",
  },
  {
    // Four bytes on each side, never half a character: `a€` before the marker, one `€` after it.
    name: "utf8",
    args: { cmd: "printf 'a€€€€€€€€€€b'; printf '€€€€€€€€€€'", max_output_tokens: 2 },
    model:
      "Warning: truncated output (original token count: 16)\nTotal output lines: 1\n\na€…14 tokens truncated…€",
    tokens: 16,
    shown: "a€€€€€€€€€€b€€€€€€€€€€",
  },
  {
    // No `max_output_tokens`, and one above the ceiling: both cut at 10 000 tokens (40 000 bytes).
    name: "default",
    args: { cmd: "seq 1 20000" },
    tokens: 27224,
    shown: { length: 108894 },
  },
  {
    name: "ceiling",
    args: { cmd: "seq 1 20000", max_output_tokens: 50000 },
    tokens: 27224,
    shown: { length: 108894 },
  },
];

/** Runs one exec_command call per case on a thread of its own; resolves with what the model and client saw. */
async function run(s: MockServer0166, c: Case): Promise<{ output: string; shown: unknown }> {
  const { turnId, from } = await startExecCommandTurn(s, [
    { args: { login: false, ...c.args }, callId: `call_${c.name}` },
  ]);
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turnId,
    "turn/completed",
  );
  const completed = s.c.messages
    .slice(from)
    .filter((m: Message) => m.method === "item/completed")
    .map((m) => (m.params as { item: { type: string; aggregatedOutput?: unknown } }).item)
    .find((item) => item.type === "commandExecution");
  const body = s.mock.requests.at(-1)?.body as {
    input: { type: string; call_id?: string; output?: string }[];
  };
  const output = body.input.find(
    (i) => i.type === "function_call_output" && i.call_id === `call_${c.name}`,
  )?.output;
  return { output: String(output), shown: completed?.aggregatedOutput };
}

const results = new Map<Impl, Map<string, { output: string; shown: unknown }>>();

beforeAll(async () => {
  for (const impl of IMPLS) {
    const s = await startMockServer0166(suite, impl, {
      client: { name: "exec-output-0166", version: "1.0" },
      prefix: "codex-0166-exec-output-",
    });
    const byCase = new Map<string, { output: string; shown: unknown }>();
    for (const c of CASES) byCase.set(c.name, await run(s, c));
    results.set(impl, byCase);
  }
}, 240_000);

const HEADER = /^Chunk ID: [0-9a-f]{6}\nWall time: \d+\.\d{4} seconds\nProcess exited with code (\d+)\n/;

describe("gpt-5.5 exec_command output, as codex 0.166.0 gives it", () => {
  it.each(IMPLS.flatMap((impl) => CASES.map((c) => [impl, c.name] as const)))("%s: %s", (impl, name) => {
    const c = CASES.find((x) => x.name === name) as Case;
    const r = results.get(impl)?.get(name);
    if (!r) throw new Error(`no result for ${impl} ${name}`);
    expect(r.output).toMatch(HEADER);
    const rest = r.output.replace(HEADER, "");
    expect(rest.startsWith(`Original token count: ${c.tokens}\nOutput:\n`)).toBe(true);
    const text = rest.slice(`Original token count: ${c.tokens}\nOutput:\n`.length);
    if (c.model !== undefined) expect(text).toBe(c.model);
    else {
      // Cut at 10 000 tokens: the header, 20 000 bytes on each side of the marker.
      expect(text).toMatch(
        /^Warning: truncated output \(original token count: 27224\)\nTotal output lines: 20000\n\n/,
      );
      expect(text).toContain("…17224 tokens truncated…");
      expect(text.endsWith("19999\n20000\n")).toBe(true);
    }
    if (c.shown !== null && typeof c.shown === "object") expect(String(r.shown).length).toBe(c.shown.length);
    else expect(r.shown).toEqual(c.shown);
  });

  it.runIf(IMPLS.includes("real"))("ours and 0.166.0 give the model the same text", () => {
    for (const c of CASES) {
      const ours = results.get("ours")?.get(c.name)?.output.replace(HEADER, "");
      const real = results.get("real")?.get(c.name)?.output.replace(HEADER, "");
      expect({ case: c.name, text: ours }).toEqual({ case: c.name, text: real });
    }
  });
});
