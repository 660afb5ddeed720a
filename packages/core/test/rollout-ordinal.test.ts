import { open, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nextOrdinal } from "../src/rollout/ordinal.js";
import { reopenRecorder } from "../src/rollout/recorder.js";

/**
 * Appending to a paginated rollout (one codex 0.166.0 started) continues its line numbers, which 0.166.0 needs to
 * resume it: from the last complete line's `ordinal`, whatever that line's length, a torn tail left aside.
 */
let dir: string;
beforeEach(async () => {
  dir = await tempDir("codex-ordinal-");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const line = (ordinal: number | null, payload: object = { type: "token_count" }) =>
  `${JSON.stringify({
    timestamp: "2026-12-05T10:00:00.000Z",
    ...(ordinal === null ? {} : { ordinal }),
    type: "event_msg",
    payload,
  })}\n`;

async function ordinalAfter(text: string): Promise<number> {
  const path = join(dir, "r.jsonl");
  await writeFile(path, text);
  const handle = await open(path, "r");
  try {
    return await nextOrdinal(handle, Buffer.byteLength(text));
  } finally {
    await handle.close();
  }
}

describe("nextOrdinal", () => {
  it("continues from the last complete line", async () => {
    expect(await ordinalAfter(line(0) + line(1) + line(2))).toBe(3);
    // A fork by reference starts from its parent's numbers.
    expect(await ordinalAfter(line(41) + line(42))).toBe(43);
  });

  it("leaves a torn last line aside", async () => {
    expect(
      await ordinalAfter(`${line(0)}${line(1)}{"timestamp":"2026-12-05T10:00:00.000Z","ordinal":2,"ty`),
    ).toBe(2);
  });

  it("finds the start of a last line longer than one read", async () => {
    const big = line(1, { type: "agent_message", message: "x".repeat(200_000) });
    expect(await ordinalAfter(line(0) + big)).toBe(2);
  });

  it("counts the lines when the last one has no ordinal, and starts at 0 in an empty file", async () => {
    expect(await ordinalAfter(line(0) + line(1) + line(null))).toBe(3);
    expect(await ordinalAfter("")).toBe(0);
  });
});

describe("a paginated rollout reopened for appending", () => {
  it("numbers the lines it appends after the existing ones; a legacy one gets none", async () => {
    const path = join(dir, "p.jsonl");
    await writeFile(path, line(0) + line(1));
    const paginated = await reopenRecorder(path, path, "paginated");
    paginated.recordAsIs([
      { type: "event_msg", payload: { type: "task_started", model_context_window: null } },
    ]);
    paginated.record([
      { type: "event_msg", payload: { type: "user_message", message: "kept out", images: [] } },
      { type: "event_msg", payload: { type: "token_count", info: null, rate_limits: null } },
    ]);
    await paginated.shutdown();
    const lines = (await readFile(path, "utf8"))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.ordinal, l.payload.type])).toEqual([
      [0, "token_count"],
      [1, "token_count"],
      [2, "task_started"],
      [3, "token_count"],
    ]);

    const legacyPath = join(dir, "l.jsonl");
    await writeFile(legacyPath, line(null));
    const legacy = await reopenRecorder(legacyPath);
    legacy.record([{ type: "event_msg", payload: { type: "user_message", message: "kept", images: [] } }]);
    await legacy.shutdown();
    const last = JSON.parse((await readFile(legacyPath, "utf8")).trimEnd().split("\n").at(-1) ?? "");
    expect(last).not.toHaveProperty("ordinal");
    expect(last.payload.message).toBe("kept");
  });
});
