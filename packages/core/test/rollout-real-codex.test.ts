import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  type MockModelServer,
  mockCodexHome,
  startAppServer,
  startMockModelServer,
  type TestAppServer,
  tempDir,
} from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SessionSummary, SessionsStore } from "../src/index.js";
import { converse, referenceBin } from "./rollout-real-codex-client.js";

if (!referenceBin) console.error("rollout interop: skipped, the real codex 0.58.0 binary is not installed");

const hasGit = (() => {
  try {
    execFileSync("git", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** A git work tree with one commit, a branch and an origin, so session_meta carries git info. */
function makeGitRepo(dir: string): void {
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      cwd: dir,
      stdio: "ignore",
    });
  git("init", "-q", "-b", "feature/x");
  git("remote", "add", "origin", "https://example.com/acme/widgets.git");
  git("commit", "-q", "--allow-empty", "-m", "first");
}

/** Our summary in the real server's v1 ConversationSummary shape, to compare field by field. */
function asConversationSummary(s: SessionSummary) {
  return {
    conversationId: s.conversationId,
    path: s.path,
    preview: s.preview,
    timestamp: s.timestamp,
    modelProvider: s.modelProvider,
    cwd: s.cwd,
    cliVersion: s.cliVersion,
    source: s.source,
    gitInfo: s.git
      ? {
          sha: s.git.commit_hash ?? null,
          branch: s.git.branch ?? null,
          origin_url: s.git.repository_url ?? null,
        }
      : null,
  };
}

interface RealPage {
  items: ReturnType<typeof asConversationSummary>[];
  nextCursor: string | null;
}

/** Every page of the real server's listing, `pageSize` at a time. */
async function realPages(client: TestAppServer, pageSize: number): Promise<RealPage[]> {
  const pages: RealPage[] = [];
  let cursor: string | null = null;
  do {
    const page: RealPage = (await client.request("listConversations", { pageSize, cursor })) as RealPage;
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < 20);
  return pages;
}

async function ourPages(store: SessionsStore, pageSize: number): Promise<RealPage[]> {
  const pages: RealPage[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.list({ pageSize, cursor, defaultProvider: "mock" });
    pages.push({ items: page.items.map(asConversationSummary), nextCursor: page.nextCursor });
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < 20);
  return pages;
}

describe.skipIf(!referenceBin)("interop with the real Codex 0.58.0", () => {
  let mock: MockModelServer;
  let home: string;
  let work: string;
  const made: { conversationId: string; rolloutPath: string }[] = [];
  let realListing: RealPage;
  let realResume: { conversationId: string; initialMessages: unknown[] };

  beforeAll(async () => {
    mock = await startMockModelServer();
    home = await mockCodexHome(mock.baseUrl, { prefix: "codex-interop-home-" });
    work = await tempDir("codex-interop-work-");
    if (hasGit) makeGitRepo(work);
    const client = await startAppServer({ bin: "reference", home, cwd: work });
    try {
      await client.initialize();
      made.push(await converse(client, work, ["first task in the repo", "and a second turn"]));
      made.push(await converse(client, work, ["some context\n## My request for Codex:\n  fix the bug  "]));
      // A conversation that never got input: its file exists but it is not listed.
      made.push(await client.request("newConversation", { cwd: work }));
      realListing = (await client.request("listConversations", { pageSize: 10 })) as RealPage;
      realResume = (await client.request("resumeConversation", { path: made[0]?.rolloutPath ?? null })) as {
        conversationId: string;
        initialMessages: unknown[];
      };
    } catch (err) {
      throw new Error(`${(err as Error).message}\nstderr: ${client.stderr.slice(-4000)}`);
    } finally {
      await client.close();
    }
  }, 120_000);

  afterAll(async () => {
    await mock?.close();
  });

  it("lists the real binary's sessions with the same summaries it gives", async () => {
    expect(realListing.items.map((i) => i.conversationId)).toEqual([
      made[1]?.conversationId,
      made[0]?.conversationId,
    ]);
    const ours = await new SessionsStore(home).list({ defaultProvider: "mock", pageSize: 10 });
    expect(ours.items.map(asConversationSummary)).toEqual(realListing.items);
    expect(ours.nextCursor).toBe(realListing.nextCursor);
    expect(ours.items[1]?.preview).toBe("first task in the repo");
    expect(ours.items[0]?.preview).toBe("fix the bug");
    if (hasGit) expect(ours.items[0]?.git).toMatchObject({ branch: "feature/x" });
  });

  it("summarizes and finds the real binary's sessions by id", async () => {
    const store = new SessionsStore(home);
    for (const { conversationId, rolloutPath } of made) {
      expect(await store.findPathById(conversationId)).toBe(rolloutPath);
    }
    const summary = await store.readSummary(made[0]?.rolloutPath as string, "mock");
    expect(asConversationSummary(summary)).toEqual(realListing.items[1]);
  });

  it("resumes the real binary's session with the initial messages it gives", async () => {
    const loaded = await new SessionsStore(home).loadHistory(made[0]?.rolloutPath as string);
    expect(loaded.conversationId).toBe(made[0]?.conversationId);
    expect(loaded.meta.cli_version).toBe("0.58.0");
    const events = loaded.items.filter((i) => i.type === "event_msg").map((i) => i.payload);
    expect(realResume.conversationId).toBe(made[0]?.conversationId);
    expect(events).toEqual(realResume.initialMessages);
    expect(events.filter((e) => (e as { type: string }).type === "user_message")).toHaveLength(2);
    expect(loaded.items.some((i) => i.type === "turn_context")).toBe(true);
  });

  it("writes sessions the real binary lists, pages, summarizes and resumes like ours", async () => {
    const store = new SessionsStore(home);
    const written: string[] = [];
    const userMessage = (text: string) => ({
      type: "message",
      role: "user",
      content: [{ type: "input_text", text }],
    });
    for (let i = 0; i < 3; i++) {
      const id = randomUUID();
      const recorder = await store.createRecorder({
        id,
        cwd: work,
        originator: "codex_cli_rs",
        cliVersion: "0.58.0",
        instructions: null,
        source: "vscode",
        modelProvider: "mock",
        git: { commit_hash: "0123456789abcdef0123456789abcdef01234567", branch: "main" },
        startedAt: new Date(Date.now() + (i + 1) * 2000),
      });
      recorder.record([
        {
          type: "response_item",
          payload: userMessage("<environment_context>\n</environment_context>") as never,
        },
        { type: "response_item", payload: userMessage(`written by codex-ts ${i}`) as never },
        {
          type: "event_msg",
          payload: { type: "user_message", message: `written by codex-ts ${i}`, images: [] },
        },
        { type: "event_msg", payload: { type: "agent_message", message: `reply ${i}` } },
      ] as never);
      await recorder.shutdown();
      written.push(id);
    }
    const path = (await store.findPathById(written[0] as string)) as string;
    const client = await startAppServer({ bin: "reference", home, cwd: work });
    let real: RealPage[];
    let summary: { summary: unknown };
    let resumed: { conversationId: string; initialMessages?: unknown[] | null | undefined };
    try {
      await client.initialize();
      real = await realPages(client, 2);
      summary = await client.request("getConversationSummary", { conversationId: written[0] as string });
      resumed = await client.request("resumeConversation", { path });
    } finally {
      await client.close();
    }
    expect(real.flatMap((p) => p.items.map((i) => i.conversationId)).slice(0, 3)).toEqual(
      [...written].reverse(),
    );
    expect(await ourPages(store, 2)).toEqual(real);
    expect(summary.summary).toEqual(asConversationSummary(await store.readSummary(path, "mock")));
    const ours = await store.loadHistory(path);
    expect(resumed.conversationId).toBe(written[0]);
    expect(resumed.initialMessages).toEqual(
      ours.items.filter((i) => i.type === "event_msg").map((i) => i.payload),
    );
  }, 120_000);
});
