import { appendFile, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { minutes, tempStore, writeLegacyRollout } from "./rollout-fixtures.js";

// thread/search's store half (issue: stored-history search): the turn index keeps each rollout's message texts,
// searchThreads lists the threads holding a term with a snippet, turnsWithText names the turns; appends are seen,
// a rewritten rollout is indexed again.

const t = tempStore("codex-search-");
const line = (type: string, payload: unknown) =>
  `${JSON.stringify({ timestamp: "2026-11-20T10:00:00.000Z", type, payload })}\n`;
const user = (text: string) =>
  line("response_item", { type: "message", role: "user", content: [{ type: "input_text", text }] }) +
  line("event_msg", { type: "user_message", message: text, images: [] });
const agent = (text: string) => line("event_msg", { type: "agent_message", message: text });
const search = (searchTerm: string, limit?: number, cursor?: string | null) =>
  t.store.searchThreads({
    searchTerm,
    defaultProvider: "openai",
    limit: limit ?? null,
    cursor: cursor ?? null,
  });
const hits = async (term: string) =>
  (await search(term)).items.map((h) => [h.thread.conversationId, h.snippet]);

describe("searchThreads", () => {
  it("finds user and agent messages case-insensitively, newest first, with 0.166.0's snippets", async () => {
    const a = await writeLegacyRollout(
      t.home,
      user("## My request for Codex:\nfix the Straße parser") + agent("Done: the  parser\nnow works"),
      undefined,
      minutes(0),
    );
    const long = `${"x".repeat(60)} needle ${"y".repeat(120)}`;
    const b = await writeLegacyRollout(t.home, user("another thread") + agent(long), undefined, minutes(5));
    // Text the user did not write (a response item alone) and commands are not conversation text.
    await writeLegacyRollout(
      t.home,
      user("third") +
        line("response_item", {
          type: "message",
          role: "assistant",
          content: [{ type: "output_text", text: "hidden" }],
        }),
      undefined,
      minutes(9),
    );
    expect(await hits("STRASSE")).toEqual([]);
    expect(await hits("straße")).toEqual([[a.id, "fix the Straße parser"]]);
    // Matched in the text as written (a term across a line break does not match, as in 0.166.0, which greps the
    // JSON lines); the snippet has its whitespace collapsed.
    expect(await hits("PARSER NOW")).toEqual([]);
    expect(await hits("NOW WORKS")).toEqual([[a.id, "Done: the parser now works"]]);
    expect(await hits("hidden")).toEqual([]);
    // 49 characters before the match (the space and 48 x) and 96 after it (the space and 95 y).
    const cut = long.split(" ");
    expect(await hits("needle")).toEqual([
      [b.id, `... ${cut[0]!.slice(-48)} needle ${cut[2]!.slice(0, 95)} ...`],
    ]);
    expect((await hits("thread")).map(([id]) => id)).toEqual([b.id]);
    expect((await hits("r")).map(([id]) => id).length).toBe(3);
    // Pages: one match more than the limit says there is a next page; its cursor continues after the last.
    const first = await search("r", 2);
    expect(first.items).toHaveLength(2);
    const rest = await search("r", 2, first.nextCursor);
    expect(rest.items.map((h) => h.thread.conversationId)).toEqual([a.id]);
    expect(rest.nextCursor).toBeNull();
  });

  it("takes the term literally: SQL and JSON characters, long terms", async () => {
    const a = await writeLegacyRollout(t.home, user('50% of "a_b" \\ done') + agent("ok"));
    expect(await hits('% of "a_b" \\')).toEqual([[a.id, '50% of "a_b" \\ done']]);
    expect(await hits("%")).toEqual([[a.id, '50% of "a_b" \\ done']]);
    expect(await hits("a%b")).toEqual([]);
    expect(await hits("x".repeat(100_000))).toEqual([]);
  });

  it("sees appended messages, and a rewritten rollout's new text only", async () => {
    const a = await writeLegacyRollout(t.home, user("first ask") + agent("first answer"));
    expect(await hits("second")).toEqual([]);
    await appendFile(a.path, user("second ask") + agent("second answer"));
    expect(await hits("second ask")).toEqual([[a.id, "second ask"]]);
    const turns = await t.store.turnsWithText({ threadId: a.id }, "ANSWER", 0, 10);
    expect(turns.turns.map((x) => x.position)).toEqual([0, 1]);
    expect(
      (await t.store.turnsWithText({ threadId: a.id }, "answer", 1, 10)).turns.map((x) => x.turnId),
    ).toEqual([turns.turns[1]!.turnId]);
    // Rewritten in place (shorter): indexed again from the start.
    const { legacyMetaLine } = await import("./rollout-fixtures.js");
    await writeFile(a.path, legacyMetaLine(a.id) + user("other"));
    expect(await hits("second")).toEqual([]);
    expect(await hits("other")).toEqual([[a.id, "other"]]);
  });
});
