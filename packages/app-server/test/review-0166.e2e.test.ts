import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { type Protocol0166, protocol0166 } from "@codex-ts/app-server-protocol";
import {
  CODEX_0166_BIN,
  type Message,
  type MockModelServer,
  referenceEnv0166,
  requestText,
  responses,
  type TestAppServer,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * `review/start` (0.166), as codex-acp 2.6.0's `/review`, `/review-branch` and `/review-commit` send it: `{threadId,
 * target, delivery: "inline"}`, then the turn's `turn/completed` on `reviewThreadId`. The same script runs against
 * this server and codex 0.166.0 (when installed) on a git repository with a branch, a commit and uncommitted
 * changes: the answer, the review turn's notifications (`enteredReviewMode`, the reviewer's prompt, the
 * `exitedReviewMode` text, the rendered answer), the reviewer's model request, what the thread's next request
 * carries of the review, how the reviewer's answer is parsed, and the refusals. The rollout this server writes is
 * then read back by both (`thread/read`, `thread/turns/list`).
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("0.166 review/start: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

type Client = TestAppServer<Protocol0166>;
type Json = Record<string, unknown>;

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.com", ...args], {
    cwd,
    encoding: "utf8",
  }).trim();
}

/** A repository on branch `feature` (one commit ahead of `main`) with an uncommitted change. */
async function repository(root: string): Promise<{ repo: string; sha: string; base: string }> {
  const repo = path.join(root, "repo");
  await fs.mkdir(repo);
  git(repo, "init", "-q", "-b", "main");
  await fs.writeFile(path.join(repo, "a.txt"), "one\n");
  git(repo, "add", ".");
  git(repo, "commit", "-q", "-m", "first");
  const base = git(repo, "rev-parse", "HEAD");
  git(repo, "checkout", "-q", "-b", "feature");
  await fs.writeFile(path.join(repo, "a.txt"), "two\n");
  git(repo, "commit", "-q", "-am", "second change");
  const sha = git(repo, "rev-parse", "HEAD");
  await fs.writeFile(path.join(repo, "a.txt"), "three\n");
  return { repo, sha, base };
}

interface Setup {
  c: Client;
  mock: MockModelServer;
  root: string;
  home: string;
  repo: string;
  /** Replaces this run's paths and hashes by placeholders (the two runs differ only there). */
  norm: (v: unknown) => unknown;
}

async function start(impl: Impl, home: string, root: string, cwd: string): Promise<Client> {
  const c =
    impl === "ours"
      ? // No ghost snapshots in the user's turn: 0.166.0 skips their lines when it numbers a legacy rollout's
        // lines (README), which would shift the turn ids compared below.
        await suite.start({
          home,
          protocol: protocol0166,
          cwd,
          args: ["-c", "features.ghost_commit=false"],
          initialize: false,
        })
      : await suite.start({
          bin: "0.166",
          home,
          protocol: protocol0166,
          cwd,
          env: referenceEnv0166(home, root),
          initialize: false,
        });
  await c.initialize({ name: "review-test", version: "1.0" }, { experimentalApi: true });
  return c;
}

async function setup(impl: Impl): Promise<Setup> {
  const mock = await suite.newMock();
  const root = await suite.workdir("review-");
  const home = await suite.home({ mock, modern: true, dir: path.join(root, "codex-home") });
  const { repo, sha, base } = await repository(root);
  const c = await start(impl, home, root, repo);
  const norm = (v: unknown): unknown =>
    JSON.parse(
      JSON.stringify(v)
        .replaceAll(root, "<root>")
        .replaceAll(sha, "<sha>")
        .replaceAll(sha.slice(0, 7), "<short>")
        .replaceAll(base, "<base>"),
    );
  return { c, mock, root, home, repo, norm };
}

/** The reviewer's answer: 0.166.0's `ReviewOutputEvent` as JSON. */
function reviewJson(repo: string): string {
  return JSON.stringify({
    findings: [
      {
        title: "[P1] Keep the first line",
        body: "The change drops it.\nCallers read it.",
        confidence_score: 0.8,
        priority: 1,
        code_location: { absolute_file_path: path.join(repo, "a.txt"), line_range: { start: 1, end: 1 } },
      },
      {
        title: "[P3] Name the file",
        body: "Minor.",
        confidence_score: 0.4,
        priority: 3,
        code_location: { absolute_file_path: path.join(repo, "b.txt"), line_range: { start: 2, end: 4 } },
      },
    ],
    overall_correctness: "patch is incorrect",
    overall_explanation: "  One line is lost.  ",
    overall_confidence_score: 0.7,
  });
}

const isUuid = (s: unknown) => typeof s === "string" && /^[0-9a-f-]{36}$/.test(s);

/** A review turn's notifications, from the review/start answer to its turn/completed. */
interface ReviewTurn {
  answer: Json;
  /** `method itemType` of each notification, without what only 0.166.0 sends (see the README). */
  steps: string[];
  items: { type: string; text: string }[];
  completed: Json;
  /** The reviewer's model request's last input text (its prompt). */
  prompt: string | null;
}

function itemText(item: Json): string {
  if (typeof item.review === "string") return item.review;
  if (typeof item.text === "string") return item.text;
  const content = item.content as { text?: string }[] | undefined;
  return content?.map((c) => c.text ?? "").join("") ?? "";
}

async function review(s: Setup, threadId: string, target: Json, answer: unknown): Promise<ReviewTurn> {
  if (answer !== undefined) s.mock.enqueue(answer as Parameters<MockModelServer["enqueue"]>[0]);
  const requestsBefore = s.mock.requests.length;
  const from = s.c.messages.length;
  const result = (await s.c.request("review/start", {
    threadId,
    target: target as never,
    delivery: "inline",
  })) as unknown as Json & { turn: { id: string }; reviewThreadId: string };
  expect(result.reviewThreadId).toBe(threadId);
  const turnId = result.turn.id;
  const done = await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turnId,
    "the review's turn/completed",
  );
  const notes = s.c.messages.slice(from).filter((m) => m.method !== undefined && m.id === undefined);
  const completedIds = new Set(
    notes
      .filter((m) => m.method === "item/completed")
      .map((m) => (m.params as { item: { id: string } }).item.id),
  );
  const steps: string[] = [];
  const items: ReviewTurn["items"] = [];
  for (const m of notes.slice(0, notes.indexOf(done) + 1)) {
    const params = m.params as Json;
    // Only 0.166.0 sends these: read state, and the reviewer's raw message opened and never completed.
    if (m.method === "thread/readState/changed" || m.method === "account/rateLimits/updated") continue;
    // Ours may send the thread's start after the answer the window opens on.
    if (m.method === "thread/started") continue;
    const item = params.item as Json | undefined;
    if (m.method === "item/started" && item?.type === "agentMessage" && !completedIds.has(String(item.id)))
      continue;
    steps.push(item ? `${m.method} ${String(item.type)}` : String(m.method));
    if (m.method === "item/completed" && item) items.push({ type: String(item.type), text: itemText(item) });
  }
  const reviewerRequests = s.mock.requests.slice(requestsBefore);
  const input = (reviewerRequests[0]?.body as { input?: Json[] } | undefined)?.input ?? [];
  const last = input.at(-1) as { content?: { text?: string }[] } | undefined;
  const turn = (done.params as { turn: Json }).turn;
  return {
    answer: result,
    steps,
    items,
    completed: {
      status: turn.status,
      itemsView: turn.itemsView,
      items: (turn.items as Json[]).map(itemText),
    },
    prompt: last?.content?.[0]?.text ?? null,
  };
}

/** The answer as both implementations give it, ids and times aside. */
function answerShape(a: Json): unknown {
  const turn = a.turn as Json & { items: Json[] };
  return {
    turn: {
      ...turn,
      id: isUuid(turn.id) ? "<uuid>" : turn.id,
      items: turn.items.map((i) => ({ ...i, id: i.id === turn.id ? "<turn id>" : i.id })),
    },
    reviewThreadId: "<thread>",
  };
}

/** The user and assistant messages a later model request carries of the reviews (their `<user_action>`s). */
function reviewMemory(body: unknown): string[] {
  const input = (body as { input?: Json[] }).input ?? [];
  return input
    .filter((i) => i.role === "assistant" || (i.role === "user" && itemText(i).startsWith("<user_action>")))
    .map((i) => `${String(i.role)}: ${itemText(i)}`);
}

interface Run {
  targets: Record<string, unknown>;
  memory: string[];
  outputs: Record<string, unknown>;
  refusals: unknown[];
  preview: string;
}

const runs = new Map<Impl, Run>();
const effects = new Map<Impl, unknown>();
const replaced = new Map<Impl, unknown>();
/** This server's CODEX_HOME after its run, with the rollout both implementations read back. */
let oursHome: { home: string; root: string; repo: string; threadId: string } | null = null;

describe("0.166 review/start compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: the four targets, the reviewer's request, the review kept in the thread, parsing, refusals",
    { timeout: 180_000 },
    async (impl) => {
      const s = await setup(impl);
      const { thread } = await s.c.request("thread/start", { cwd: s.repo });
      const run: Run = { targets: {}, memory: [], outputs: {}, refusals: [], preview: "" };
      const targets: [string, Json][] = [
        ["uncommittedChanges", { type: "uncommittedChanges" }],
        ["baseBranch", { type: "baseBranch", branch: "main" }],
        ["commit", { type: "commit", sha: git(s.repo, "rev-parse", "HEAD"), title: "second change" }],
        ["custom", { type: "custom", instructions: "  Focus on a.txt  " }],
      ];
      for (const [name, target] of targets) {
        const r = await review(s, thread.id, target, responses.turn(responses.message(reviewJson(s.repo))));
        run.targets[name] = s.norm({ ...r, answer: answerShape(r.answer) });
      }

      // The thread's next turn carries each review as a `<user_action>` message and the rendered answer.
      s.mock.enqueue(responses.turn(responses.message("Noted.")));
      const { turn } = await s.c.request("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: "fix it" }],
      });
      await s.c.waitFor(
        (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
      );
      run.memory = s.norm(reviewMemory(s.mock.requests.at(-1)?.body)) as string[];

      // The reviewer's answer parsed as 0.166.0 parses it: JSON inside prose, plain text, nothing, a failure.
      const custom = { type: "custom", instructions: "again" };
      const cases: [string, unknown][] = [
        ["embedded", responses.turn(responses.message(`Here it is:\n${reviewJson(s.repo)}\nDone.`))],
        ["plain", responses.turn(responses.message("  Looks fine to me.  "))],
        [
          "badPriority",
          responses.turn(responses.message(reviewJson(s.repo).replace('"priority":1', '"priority":null'))),
        ],
        ["empty", responses.turn(responses.message(""))],
        ["failed", { kind: "http", status: 400, body: '{"error":{"message":"bad request"}}' }],
      ];
      for (const [name, answer] of cases) {
        const r = await review(s, thread.id, custom, answer);
        run.outputs[name] = s.norm({ steps: r.steps, items: r.items, completed: r.completed });
      }

      const bad = async (params: unknown) => {
        const m = (await s.c.raw.call(`bad-${run.refusals.length}`, "review/start", params)) as Message;
        const e = m.error as { code: number; message: string } | undefined;
        return e ? { code: e.code, message: e.message } : { result: "answered" };
      };
      for (const params of [
        { threadId: "00000000-0000-0000-0000-000000000000", target: { type: "uncommittedChanges" } },
        { threadId: "nope", target: { type: "uncommittedChanges" } },
        { threadId: thread.id, target: { type: "custom", instructions: "   " } },
        { threadId: thread.id, target: { type: "baseBranch", branch: "" } },
        { threadId: thread.id, target: { type: "commit", sha: "" } },
        { threadId: thread.id, target: { type: "bogus" } },
        { threadId: thread.id },
        { threadId: thread.id, target: { type: "uncommittedChanges" }, delivery: "detached" },
      ])
        run.refusals.push(await bad(params));

      const { thread: read } = await s.c.request("thread/read", { threadId: thread.id });
      run.preview = read.preview;
      runs.set(impl, run);

      if (impl === "ours") {
        await s.c.close();
        oursHome = { home: s.home, root: s.root, repo: s.repo, threadId: thread.id };
      }

      // What both must show (checked here too, so that this server is checked where 0.166.0 is not installed).
      const uncommitted = run.targets.uncommittedChanges as ReviewTurn;
      expect(uncommitted.steps).toEqual([
        "item/started enteredReviewMode",
        "item/completed enteredReviewMode",
        "thread/status/changed",
        "turn/started",
        "item/started userMessage",
        "item/completed userMessage",
        "item/started exitedReviewMode",
        "item/completed exitedReviewMode",
        "item/started agentMessage",
        "item/completed agentMessage",
        "thread/status/changed",
        "turn/completed",
      ]);
      const rendered = [
        "One line is lost.",
        "",
        "Full review comments:",
        "",
        "- [P1] Keep the first line — <root>/repo/a.txt:1-1",
        "  The change drops it.",
        "  Callers read it.",
        "",
        "- [P3] Name the file — <root>/repo/b.txt:2-4",
        "  Minor.",
      ].join("\n");
      expect(uncommitted.items).toEqual([
        { type: "enteredReviewMode", text: "current changes" },
        {
          type: "userMessage",
          text: "Review the current code changes (staged, unstaged, and untracked files) and provide prioritized findings.",
        },
        { type: "exitedReviewMode", text: rendered },
        { type: "agentMessage", text: rendered },
      ]);
      expect(uncommitted.completed).toEqual({ status: "completed", itemsView: "summary", items: [rendered] });
      expect((run.targets.baseBranch as ReviewTurn).prompt).toBe(
        "Review the code changes against the base branch 'main'. The merge base commit for this comparison is <base>. Run `git diff <base>` to inspect the changes relative to main. Provide prioritized, actionable findings.",
      );
      expect((run.targets.commit as ReviewTurn).items[0]).toEqual({
        type: "enteredReviewMode",
        text: "commit <short>: second change",
      });
      expect((run.targets.custom as ReviewTurn).prompt).toBe("Focus on a.txt");
      expect(run.memory).toHaveLength(8);
      expect(run.memory[0]).toBe(
        `user: <user_action>\n  <context>User initiated a review task. Here's the full review output from reviewer model. User may select one or more comments to resolve.</context>\n  <action>review</action>\n  <results>\n  One line is lost.\n\n${rendered.split("\n\n").slice(1).join("\n\n")}\n  </results>\n  </user_action>\n`,
      );
      expect(run.outputs.plain).toMatchObject({
        items: [
          { type: "enteredReviewMode", text: "again" },
          { type: "userMessage", text: "again" },
          { type: "exitedReviewMode", text: "Looks fine to me." },
          { type: "agentMessage", text: "Looks fine to me." },
        ],
      });
      expect(run.outputs.failed).toMatchObject({
        completed: { status: "failed", items: [] },
        items: [
          { type: "enteredReviewMode" },
          { type: "userMessage" },
          { type: "exitedReviewMode", text: "Reviewer failed to output a response." },
          {
            type: "agentMessage",
            text: "Review was interrupted. Please re-run /review and wait for it to complete.",
          },
        ],
      });
      expect(run.refusals.slice(2, 5)).toEqual([
        { code: -32600, message: "instructions must not be empty" },
        { code: -32600, message: "branch must not be empty" },
        { code: -32600, message: "sha must not be empty" },
      ]);
    },
  );

  it.each(IMPLS)(
    "%s: the reviewer's commands run without asking anyone and are not shown; an interrupt ends the review",
    { timeout: 180_000 },
    async (impl) => {
      const s = await setup(impl);
      const { thread } = await s.c.request("thread/start", { cwd: s.repo });
      s.mock.enqueue(
        responses.turn(
          responses.functionCall(
            "exec_command",
            { cmd: "echo reviewed", yield_time_ms: 2000 },
            "call_review_1",
          ),
        ),
        responses.turn(
          responses.functionCall(
            "exec_command",
            {
              cmd: "echo escalated",
              sandbox_permissions: "require_escalated",
              justification: "Look at the diff",
              yield_time_ms: 2000,
            },
            "call_review_2",
          ),
        ),
      );
      const approved = await review(
        s,
        thread.id,
        { type: "uncommittedChanges" },
        responses.turn(responses.reasoning("Reading the diff"), responses.message(reviewJson(s.repo))),
      );
      const asked = s.c.messages.filter((m) => m.method === "item/commandExecution/requestApproval");
      const calls = s.mock.requests.map((r) => requestText(r.body));
      // 0.166.0 shows a reviewer's command (source `unifiedExecStartup`) when it is still starting after a moment:
      // under CI load its login shell is, so those steps are left out of its transcript. Every command it shows must
      // be such a one; ours shows none, and is held to that.
      const shown = s.c.messages.filter(
        (m) => m.method === "item/started" && (m.params as { item: Json }).item.type === "commandExecution",
      );
      const startupOnly =
        impl === "real" &&
        shown.every((m) => (m.params as { item: Json }).item.source === "unifiedExecStartup");
      const steps = startupOnly
        ? approved.steps.filter(
            (step) => !/^item\/(started|completed) commandExecution$|^item\/commandExecution\//.test(step),
          )
        : approved.steps;

      // An interrupt while the reviewer's answer streams (held after its first delta until the interrupt cuts it):
      // the review exits without output.
      s.mock.enqueue({
        kind: "sse",
        holdAfter: 3,
        events: [
          responses.created(),
          ...responses.message("x".repeat(40), undefined, 40),
          responses.completed(),
        ],
      });
      const from = s.c.messages.length;
      const { turn } = await s.c.request("review/start", {
        threadId: thread.id,
        target: { type: "custom", instructions: "slow" },
      });
      await s.c.waitFor(
        (m) =>
          s.c.messages.indexOf(m) >= from &&
          m.method === "item/completed" &&
          (m.params as { item: Json }).item.type === "userMessage",
      );
      // An empty turn id interrupts whatever runs: 0.166.0 refuses the review's own id (its running turn is the
      // reviewer's, whose id only `turn/started` shows; README).
      await s.c.request("turn/interrupt", { threadId: thread.id, turnId: "" });
      const done = await s.c.waitFor(
        (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
      );
      const interrupted = s.c.messages
        .slice(from, s.c.messages.indexOf(done) + 1)
        .filter((m) => m.method === "item/completed")
        .map((m) => {
          const item = (m.params as { item: Json }).item;
          return [item.type, itemText(item)];
        });

      // Nobody is asked: the reviewer runs with approval policy `never` and its tool calls are not shown.
      expect(asked).toEqual([]);
      expect(steps).not.toContain("item/started commandExecution");
      expect(steps).toContain("item/completed reasoning");
      if (impl === "ours") expect(calls.at(1)).toContain("Output:\n");
      expect(calls.at(2)).toContain(
        "approval policy is Never; reject command — you cannot ask for escalated permissions if the approval policy is Never",
      );
      expect((done.params as { turn: Json }).turn.status).toBe("interrupted");
      expect(interrupted).toEqual([
        ["enteredReviewMode", "slow"],
        ["userMessage", "slow"],
        ["exitedReviewMode", "Reviewer failed to output a response."],
        ["agentMessage", "Review was interrupted. Please re-run /review and wait for it to complete."],
      ]);
      effects.set(impl, { steps, interrupted });
    },
  );

  it.each(IMPLS)(
    "%s: a review asked for while a turn runs replaces that turn",
    { timeout: 120_000 },
    async (impl) => {
      const s = await setup(impl);
      const { thread } = await s.c.request("thread/start", { cwd: s.repo });
      // Held after its first delta: the turn runs until the review replaces it.
      s.mock.enqueue({
        kind: "sse",
        holdAfter: 3,
        events: [
          responses.created(),
          ...responses.message("y".repeat(30), undefined, 30),
          responses.completed(),
        ],
      });
      const from = s.c.messages.length;
      const { turn } = await s.c.request("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: "slow" }],
      });
      await s.c.waitFor((m) => m.method === "item/agentMessage/delta");
      const r = await review(
        s,
        thread.id,
        { type: "custom", instructions: "now" },
        responses.turn(responses.message("Fine.")),
      );
      const ended = s.c.messages
        .slice(from)
        .find((m) => m.method === "turn/completed" && (m.params as { turn: Json }).turn.id === turn.id);
      if (!ended) throw new Error("the replaced turn did not complete");
      expect((ended.params as { turn: Json }).turn.status).toBe("interrupted");
      expect(s.c.messages.indexOf(ended)).toBeLessThan(
        s.c.messages.findIndex(
          (m) =>
            m.method === "item/started" && (m.params as { item: Json }).item.type === "enteredReviewMode",
        ),
      );
      expect(r.completed).toEqual({ status: "completed", itemsView: "summary", items: ["Fine."] });
      replaced.set(impl, r.items);
    },
  );

  it.skipIf(!CODEX_0166_BIN)("the replaced turn and the review go as in codex 0.166.0", () => {
    expect(replaced.get("ours")).toEqual(replaced.get("real"));
  });

  it.skipIf(!CODEX_0166_BIN)("the reviewer's tools and the interrupt go as in codex 0.166.0", () => {
    expect(effects.get("ours")).toEqual(effects.get("real"));
  });

  it.skipIf(!CODEX_0166_BIN)("this server and codex 0.166.0 agree", () => {
    const ours = runs.get("ours");
    const real = runs.get("real");
    expect(ours).toBeDefined();
    expect(real).toBeDefined();
    // The answer's turn, the notifications, items, prompts and texts: equal once paths and hashes are placeholders.
    expect(ours?.targets).toEqual(real?.targets);
    expect(ours?.memory).toEqual(real?.memory);
    expect(ours?.outputs).toEqual(real?.outputs);
    expect(ours?.refusals).toEqual(real?.refusals);
    expect(ours?.preview).toBe(real?.preview);
  });

  it("the rollout reads back as one turn per review, the same in this server and codex 0.166.0", {
    timeout: 120_000,
  }, async () => {
    if (!oursHome) throw new Error("the first test did not run");
    const { home, root, repo, threadId } = oursHome;
    const read = async (impl: Impl) => {
      const c = await start(impl, home, root, repo);
      try {
        const { thread } = await c.request("thread/read", { threadId, includeTurns: true });
        const page = await c.request("thread/turns/list", { threadId, itemsView: "full", limit: 3 });
        const listed = await c.request("thread/list", {});
        return {
          turns: thread.turns.map((t) => ({
            id: t.id,
            status: t.status,
            items: t.items.map((i) => ({ id: i.id, type: i.type, text: itemText(i as Json) })),
          })),
          page: page.data.map((t) => t.id),
          preview: listed.data.map((t) => t.preview),
        };
      } finally {
        await c.close();
      }
    };
    const ours = await read("ours");
    // Four reviews of the four targets, the user's turn, five reviews of the parsing cases.
    expect(ours.turns).toHaveLength(10);
    expect(ours.turns[0]?.items.map((i) => i.type)).toEqual([
      "userMessage",
      "enteredReviewMode",
      "exitedReviewMode",
      "agentMessage",
    ]);
    expect(ours.turns[0]?.items[1]?.text).toBe("current changes");
    expect(ours.turns.at(-1)?.items.map((i) => [i.type, i.text])).toEqual([
      ["userMessage", "again"],
      ["enteredReviewMode", "again"],
      ["exitedReviewMode", "Reviewer failed to output a response."],
      ["agentMessage", "Review was interrupted. Please re-run /review and wait for it to complete."],
    ]);
    expect(ours.preview).toEqual([
      "Review the current code changes (staged, unstaged, and untracked files) and provide prioritized findings.",
    ]);
    // 0.166.0 reads this server's rollout as a legacy thread: the same turns and items, its items numbered
    // `item-<n>` where this server shows the live stream's ids (README, "Stored history").
    const withoutItemIds = (r: typeof ours) => ({
      ...r,
      turns: r.turns.map((t) => ({ ...t, items: t.items.map(({ id: _, ...rest }) => rest) })),
    });
    if (CODEX_0166_BIN) expect(withoutItemIds(ours)).toEqual(withoutItemIds(await read("real")));
  });
});
