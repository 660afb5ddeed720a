import fs from "node:fs";
import path from "node:path";
import { CODEX_0166_BIN, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { startMockServer0166, startOnHome0166 } from "./helpers/mock-server-0166.js";
import { revert, runTurn, type TurnView, turnTexts } from "./helpers/reverted-0166.js";

/**
 * A paginated thread that codex 0.166.0 reverted twice (`thread/revert` starts a continuation rollout each time,
 * `…-<thread id>_<history id>.jsonl`, whose `history_base` keeps part of the history before it), then read,
 * resumed, continued, forked, archived, unarchived and deleted by this server: the history is the one 0.166.0
 * shows, a turn run here is appended to the newest continuation (so 0.166.0 reads it back), and the continuations
 * move and go with their thread.
 */
const suite = useAppServerSuite();
const CLIENT = { name: "revert-chains-test", version: "1.0" };
if (!CODEX_0166_BIN) console.warn("revert chains: codex 0.166.0 not found (CODEX_0166_BIN); skipped");

const rollouts = (home: string) =>
  (fs.readdirSync(home, { recursive: true }) as string[])
    .filter((f) => f.endsWith(".jsonl") && f.includes("rollout-"))
    .sort();

describe.skipIf(!CODEX_0166_BIN)("threads codex 0.166.0 reverted", () => {
  it("read, resumed, continued, forked, archived and deleted here", { timeout: 180_000 }, async () => {
    const real = await startMockServer0166(suite, "real", {
      client: CLIENT,
      prefix: "codex-0166-revert-chain-",
    });
    const home = path.join(real.root, "codex-home");
    const { thread } = await real.c.request("thread/start", { cwd: real.root, model: "gpt-5.5" });
    const id = thread.id;
    await runTurn(real, id, "one");
    await runTurn(real, id, "two");
    const t3 = await runTurn(real, id, "three");
    await revert(real, id, t3);
    await runTurn(real, id, "four");
    const t5 = await runTurn(real, id, "five");
    // The second revert cuts inside the first continuation: its `history_base` names that continuation.
    await revert(real, id, t5);
    await runTurn(real, id, "six");
    const realRead = await real.c.request("thread/read", { threadId: id, includeTurns: true });
    expect(turnTexts(realRead.thread.turns as TurnView[])).toEqual([
      "one → re one",
      "two → re two",
      "four → re four",
      "six → re six",
    ]);
    await real.c.close();
    expect(rollouts(home).filter((f) => f.includes("_"))).toHaveLength(2);

    // Read here, not loaded: the same turns and pages as 0.166.0's.
    const ours = await startOnHome0166(suite, "ours", { home, cwd: real.root, client: CLIENT });
    const read = await ours.request("thread/read", { threadId: id, includeTurns: true });
    expect(read.thread.turns.map((t) => t.id)).toEqual(realRead.thread.turns.map((t) => t.id));
    expect(turnTexts(read.thread.turns as TurnView[])).toEqual(
      turnTexts(realRead.thread.turns as TurnView[]),
    );
    const page = await ours.request("thread/turns/list", { threadId: id, limit: 2 });
    expect(page.data.map((t) => t.id)).toEqual(
      realRead.thread.turns
        .slice(2)
        .reverse()
        .map((t) => t.id),
    );
    const next = await ours.request("thread/turns/list", { threadId: id, limit: 2, cursor: page.nextCursor });
    expect(next.data.map((t) => t.id)).toEqual(
      realRead.thread.turns
        .slice(0, 2)
        .reverse()
        .map((t) => t.id),
    );
    const list = await ours.request("thread/list", {});
    expect(list.data.map((t) => t.id)).toEqual([id]);

    // Resumed and continued here: the model sees the kept history only; the turn lands in the newest continuation.
    const resumed = await ours.request("thread/resume", { threadId: id });
    const newest = rollouts(home).at(-1)!;
    expect(resumed.thread.path).toBe(path.join(home, newest));
    const mock = real.mock;
    const before = mock.requests.length;
    await runTurn({ c: ours, mock, root: real.root }, id, "seven");
    const sent = JSON.stringify(mock.requests.slice(before).map((r) => r.body));
    for (const kept of ["re one", "re two", "re four", "re six"]) expect(sent).toContain(kept);
    for (const gone of ["re three", "re five"]) expect(sent).not.toContain(gone);
    expect(fs.readFileSync(path.join(home, newest), "utf8")).toContain('"seven"');

    // Loaded (its rollout now the newest continuation), the thread reads the same, its turn included.
    const loadedRead = await ours.request("thread/read", { threadId: id, includeTurns: true });
    expect(turnTexts(loadedRead.thread.turns as TurnView[])).toEqual([
      ...turnTexts(realRead.thread.turns as TurnView[]),
      "seven → re seven",
    ]);
    const loadedPage = await ours.request("thread/turns/list", { threadId: id, limit: 1 });
    expect(loadedPage.data.map((t) => t.id)).toEqual([loadedRead.thread.turns.at(-1)!.id]);

    // A fork made here has the same history.
    const fork = await ours.request("thread/fork", { threadId: id });
    const forkRead = await ours.request("thread/read", { threadId: fork.thread.id, includeTurns: true });
    expect(turnTexts(forkRead.thread.turns as TurnView[])).toEqual([
      ...turnTexts(realRead.thread.turns as TurnView[]),
      "seven → re seven",
    ]);
    await ours.close();

    // 0.166.0 resumes the thread with what this server appended: its next turn's model input has "seven" and its
    // answer, and not the reverted turns. (Its `thread/read` shows its own threads from its history database, which
    // turns written by another process do not reach: the README's "0.166.0 keeps the items of its own paginated
    // threads in a database".)
    const again = await startOnHome0166(suite, "real", { home, cwd: real.root, client: CLIENT });
    await again.request("thread/resume", { threadId: id });
    const mark = mock.requests.length;
    await runTurn({ c: again, mock, root: real.root }, id, "eight");
    const sentThere = JSON.stringify(mock.requests.slice(mark).map((r) => r.body));
    for (const kept of ["re one", "re two", "re four", "re six", "re seven"])
      expect(sentThere).toContain(kept);
    for (const gone of ["re three", "re five"]) expect(sentThere).not.toContain(gone);
    await again.close();

    // Archive, unarchive and delete move or remove every rollout of the thread.
    const mine = () => rollouts(home).filter((f) => f.includes(id));
    const other = await startOnHome0166(suite, "ours", { home, cwd: real.root, client: CLIENT });
    await other.request("thread/archive", { threadId: id });
    expect(mine().map((f) => f.split(path.sep)[0])).toEqual([
      "archived_sessions",
      "archived_sessions",
      "archived_sessions",
    ]);
    const archivedRead = await other.request("thread/read", { threadId: id, includeTurns: true });
    expect(archivedRead.thread.turns).toHaveLength(6);
    await other.request("thread/unarchive", { threadId: id });
    expect(mine().map((f) => f.split(path.sep)[0])).toEqual(["sessions", "sessions", "sessions"]);
    const unarchivedRead = await other.request("thread/read", { threadId: id, includeTurns: true });
    expect(unarchivedRead.thread.turns).toHaveLength(6);
    await other.request("thread/delete", { threadId: fork.thread.id });
    await other.request("thread/delete", { threadId: id });
    expect(mine()).toEqual([]);
    await other.close();
  });
});
