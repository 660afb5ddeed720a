import { randomUUID } from "node:crypto";
import {
  type MockModelServer,
  mockCodexHome,
  startAppServer,
  startMockModelServer,
  tempDir,
} from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RolloutLineAt, SessionsStore, type TurnIndexPage } from "../src/index.js";
import { converse, referenceBin } from "./rollout-real-codex-client.js";

// The turn index and forks against rollouts the real codex 0.58.0 writes, and forks it then resumes and continues.

if (!referenceBin)
  console.error("turn index interop: skipped, the real codex 0.58.0 binary is not installed");

async function userMessagesOf(store: SessionsStore, page: TurnIndexPage): Promise<string[][]> {
  const out: string[][] = [];
  for (const turn of page.turns) {
    const texts: string[] = [];
    for await (const l of store.readLines(page.path, turn, page.generation)) texts.push(...userText(l));
    out.push(texts);
  }
  return out;
}

function userText(l: RolloutLineAt): string[] {
  const p = l.line?.payload as { type?: string; message?: string } | undefined;
  return l.line?.type === "event_msg" && p?.type === "user_message" ? [p.message ?? ""] : [];
}

describe.skipIf(!referenceBin)("turn index and forks with the real Codex 0.58.0", () => {
  let mock: MockModelServer;
  let home: string;
  let work: string;
  let made: { conversationId: string; rolloutPath: string };

  beforeAll(async () => {
    mock = await startMockModelServer();
    home = await mockCodexHome(mock.baseUrl, { prefix: "codex-turns-interop-home-" });
    work = await tempDir("codex-turns-interop-work-");
    const client = await startAppServer({ bin: "reference", home, cwd: work });
    try {
      await client.initialize();
      made = await converse(client, work, ["first request", "second request", "third request"]);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nstderr: ${client.stderr.slice(-4000)}`);
    } finally {
      await client.close();
    }
  }, 120_000);

  afterAll(async () => {
    await mock?.close();
  });

  it("finds one turn per user message in the real binary's rollout, and reads each back alone", async () => {
    const store = new SessionsStore(home);
    const page = await store.turns({ threadId: made.conversationId });
    expect(page.path).toBe(made.rolloutPath);
    expect(page.turns.map((t) => [t.turnId.startsWith("rollout-"), t.status])).toEqual([
      [true, "completed"],
      [true, "completed"],
      [true, "completed"],
    ]);
    expect(await userMessagesOf(store, page)).toEqual([
      ["first request"],
      ["second request"],
      ["third request"],
    ]);
    store.close();
  });

  it("forks at a turn; the real binary resumes the fork with the copied history and continues it", async () => {
    const store = new SessionsStore(home);
    const source = await store.turns({ threadId: made.conversationId });
    const forkId = randomUUID();
    const fork = await store.fork({
      source: { threadId: made.conversationId },
      lastTurnId: source.turns[1]!.turnId,
      id: forkId,
    });
    const copied = (await store.loadHistory(fork.path)).items
      .filter((i) => i.type === "event_msg")
      .map((i) => i.payload);

    const client = await startAppServer({ bin: "reference", home, cwd: work });
    let resumed: { conversationId: string; initialMessages?: unknown[] | null | undefined };
    let listed: { items: { conversationId: string; preview: string }[] };
    try {
      await client.initialize();
      resumed = await client.request("resumeConversation", { path: fork.path });
      const conversationId = resumed.conversationId;
      await client.request("addConversationListener", { conversationId });
      const done = client.waitFor(
        (m) =>
          m.method === "codex/event/task_complete" &&
          (m.params as { conversationId?: string }).conversationId === conversationId,
        "task_complete",
      );
      await client.request("sendUserMessage", {
        conversationId,
        items: [{ type: "text", data: { text: "fourth, in the fork" } }],
      });
      await done;
      listed = await client.request("listConversations", { pageSize: 10 });
    } catch (err) {
      throw new Error(`${(err as Error).message}\nstderr: ${client.stderr.slice(-4000)}`);
    } finally {
      await client.close();
    }
    expect(resumed.conversationId).toBe(forkId);
    expect(resumed.initialMessages).toEqual(copied);
    expect(copied.filter((e) => (e as { type: string }).type === "user_message")).toHaveLength(2);
    expect(listed.items.find((i) => i.conversationId === forkId)?.preview).toBe("first request");

    // The real binary appended a turn to the fork: the index grows by it.
    const after = await store.turns({ threadId: forkId });
    expect(await userMessagesOf(store, after)).toEqual([
      ["first request"],
      ["second request"],
      ["fourth, in the fork"],
    ]);
    store.close();
  }, 120_000);
});
