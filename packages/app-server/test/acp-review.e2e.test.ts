import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import {
  AcpClient,
  CLI_MAIN,
  CODEX_0166_BIN,
  CODEX_ACP_ENTRY,
  type MockRoute,
  type PromptOutcome,
  readTeeLog,
  requestText,
  responses,
  startBlockingProxy,
  startMockModelServer,
  tempDir,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { acpWorkspace } from "./helpers/acp-flows.js";

/**
 * The editor's `/review` and `/review-branch` through the real `@agentclientprotocol/codex-acp` 2.6.0: the adapter
 * sends `review/start {threadId, target, delivery: "inline"}` and waits for the review turn's `turn/completed`;
 * the editor sees the rendered review as the agent's message. Run against this server and, when installed, codex
 * 0.166.0, whose editor-visible outcome must be the same.
 */
if (!CODEX_ACP_ENTRY) console.warn("skipping the codex-acp /review test: codex-acp 2.6.0 is not installed");

/** The adapter's own title request, answered by content so the scripted queue stays in step. */
const ROUTES: MockRoute[] = [
  {
    name: "title",
    match: (b) =>
      (b as { model?: string } | null)?.model === "gpt-5.6-luna" ||
      requestText(b).includes("generate a very short title"),
    answer: () => responses.turn(responses.message(JSON.stringify({ title: "Review the changes" }))),
  },
];

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.com", ...args], { cwd });
}

const reviewOf = (file: string, explanation: string) =>
  JSON.stringify({
    findings: [
      {
        title: "[P2] Keep the newline",
        body: "The file lost its last newline.",
        confidence_score: 0.6,
        priority: 2,
        code_location: { absolute_file_path: file, line_range: { start: 1, end: 1 } },
      },
    ],
    overall_correctness: "patch is incorrect",
    overall_explanation: explanation,
    overall_confidence_score: 0.6,
  });

interface EditorRun {
  review: PromptOutcome;
  branch: PromptOutcome;
  /** What the adapter sent: the review/start params. */
  sent: unknown[];
  text: (p: PromptOutcome) => string;
}

async function editorRun(command: string[]): Promise<EditorRun> {
  const tmp = await fs.realpath(await tempDir("codex-acp-review-"));
  const mock = await startMockModelServer([], { routes: ROUTES });
  const proxy = await startBlockingProxy();
  try {
    const ws = await acpWorkspace(tmp, { baseUrl: mock.baseUrl, command, proxyEnv: proxy.env });
    git(ws.cwd, "init", "-q", "-b", "main");
    await fs.writeFile(path.join(ws.cwd, "a.txt"), "one\n");
    git(ws.cwd, "add", ".");
    git(ws.cwd, "commit", "-q", "-m", "first");
    git(ws.cwd, "checkout", "-q", "-b", "feature");
    await fs.writeFile(path.join(ws.cwd, "a.txt"), "two");
    const file = path.join(ws.cwd, "a.txt");
    const editor = AcpClient.start({ entry: CODEX_ACP_ENTRY as string, env: ws.env, cwd: ws.cwd });
    try {
      await editor.initialize();
      const { sessionId } = await editor.newSession(ws.cwd);
      mock.enqueue(responses.turn(responses.message(reviewOf(file, "The newline is gone."))));
      const review = await editor.prompt(sessionId, "/review");
      mock.enqueue(responses.turn(responses.message(reviewOf(file, "Against main too."))));
      const branch = await editor.prompt(sessionId, "/review-branch main");
      await editor.stop();
      const tee = await readTeeLog(ws.log);
      const sent = tee
        .filter((e) => e.dir === "c2s" && e.msg.method === "review/start")
        .map((e) => {
          const p = e.msg.params as { threadId: string };
          return { ...p, threadId: p.threadId === sessionId ? "<session>" : p.threadId };
        });
      const text = (p: PromptOutcome) =>
        p.updates
          .filter((u) => u.sessionUpdate === "agent_message_chunk")
          .map((u) => (u.content as { text: string }).text)
          .join("")
          .replaceAll(tmp, "<tmp>");
      return { review, branch, sent, text };
    } finally {
      await editor.stop().catch(() => undefined);
    }
  } finally {
    await mock.close();
    await proxy.close();
  }
}

describe.skipIf(!CODEX_ACP_ENTRY)("codex-acp 2.6.0: /review and /review-branch", () => {
  const outcomes = new Map<string, unknown>();

  it.each(CODEX_0166_BIN ? ["ours", "real"] : ["ours"])(
    "%s: the review runs inline and the editor shows the rendered findings",
    { timeout: 240_000 },
    async (impl) => {
      const run = await editorRun(
        impl === "ours" ? [process.execPath, CLI_MAIN] : [CODEX_0166_BIN as string],
      );
      expect(run.sent).toEqual([
        { threadId: "<session>", target: { type: "uncommittedChanges" }, delivery: "inline" },
        { threadId: "<session>", target: { type: "baseBranch", branch: "main" }, delivery: "inline" },
      ]);
      expect(run.review.result?.stopReason).toBe("end_turn");
      expect(run.branch.result?.stopReason).toBe("end_turn");
      const finding =
        "Review comment:\n\n- [P2] Keep the newline — <tmp>/project/a.txt:1-1\n  The file lost its last newline.";
      expect(run.text(run.review)).toContain(`The newline is gone.\n\n${finding}`);
      expect(run.text(run.branch)).toContain(`Against main too.\n\n${finding}`);
      outcomes.set(impl, {
        review: { stop: run.review.result?.stopReason, text: run.text(run.review) },
        branch: { stop: run.branch.result?.stopReason, text: run.text(run.branch) },
      });
    },
  );

  it.skipIf(!CODEX_0166_BIN)("the editor sees the same as with codex 0.166.0", () => {
    expect(outcomes.get("ours")).toEqual(outcomes.get("real"));
  });
});
