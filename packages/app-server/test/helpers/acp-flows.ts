import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  AcpClient,
  type BlockedAttempt,
  CODEX_ACP_ENTRY,
  gate,
  type MockRoute,
  mockCodexHome,
  offeredTools,
  type PermissionAsked,
  type PromptOutcome,
  type RecordedRequest,
  readTeeLog,
  requestText,
  responses,
  type ScriptedResponse,
  startBlockingProxy,
  startMockModelServer,
  type TeeEntry,
  writeCodexWrapper,
} from "@codex-ts/test-support";

/**
 * The editor flows of issue 15, driven through codex-acp 2.6.0 against an app server: initialize, a new session, a
 * streamed answer, a mode and model change and a prompt after it, a shell call the editor approves, a cancelled
 * slow turn, and input added to a running turn (`_session/steering`). The same script runs against this server and
 * against codex 0.166.0, so their transcripts can be compared.
 */

/**
 * Requests the adapter makes on its own, answered by content so the scripted queue stays in step: its title
 * request (answered `title`) and the compaction 0.166.0 runs before a first turn on another model family
 * (answered `summary`).
 */
export function adapterRoutes(title: string, summary: string): MockRoute[] {
  return [
    {
      name: "title",
      match: (b) =>
        (b as { model?: string } | null)?.model === "gpt-5.6-luna" ||
        requestText(b).includes("generate a very short title"),
      answer: () => responses.turn(responses.message(JSON.stringify({ title }))),
    },
    {
      name: "compaction",
      match: (b) => requestText(b).includes("CONTEXT CHECKPOINT COMPACTION"),
      answer: () => responses.turn(responses.message(summary)),
    },
  ];
}

const ROUTES = adapterRoutes("Say hello to the mock", "Summary: a greeting.");

/**
 * The shell call: `shell` where the request offers it (0.58.0's families), else 0.166.0's `exec_command`, which its
 * code-mode models (sent no tools) run too.
 */
function shellCall(body: unknown): ScriptedResponse {
  const justification = "Print hello to check the shell works";
  if (!offeredTools(body).includes("shell"))
    return responses.turn(
      responses.functionCall(
        "exec_command",
        { cmd: "echo hello", sandbox_permissions: "require_escalated", justification, yield_time_ms: 2000 },
        "call_shell_1",
      ),
    );
  return responses.turn(
    responses.functionCall(
      "shell",
      { command: ["bash", "-lc", "echo hello"], with_escalated_permissions: true, justification },
      "call_shell_1",
    ),
  );
}

/**
 * An answer that streams its first word, then holds the rest until `until` settles (never, without it) or the
 * client cuts it: the turn runs whenever the cancel or the steer arrives, and as much of it has streamed on both
 * servers compared, however long the adapter takes to pass them on (a merely slow answer streamed more words on a
 * loaded machine).
 */
function heldAnswer(words: number, until?: Promise<unknown>): ScriptedResponse {
  const text = Array.from({ length: words }, (_, i) => `word${i} `).join("");
  return {
    kind: "sse",
    // created, the message's output_item.added, its first delta.
    holdAfter: 3,
    until,
    events: [responses.created(), ...responses.message(text, undefined, words), responses.completed()],
  };
}

export interface FlowRun {
  sessionId: string;
  newSession: Record<string, unknown>;
  /** The model the session was switched to (`session/set_model`), as `<model>[<effort>]`. */
  switchedTo: string;
  prompts: Record<"hello" | "afterSettings" | "shell" | "cancel" | "steer", PromptOutcome>;
  steer: unknown;
  permissions: PermissionAsked[];
  /** Model requests answered from the scripted queue (not the adapter's own title requests). */
  turnRequests: RecordedRequest[];
  allRequests: RecordedRequest[];
  /** Every app-server line both ways. */
  tee: TeeEntry[];
  internetAttempts: BlockedAttempt[];
  adapterExit: { code: number | null; signal: NodeJS.Signals | null };
}

/** Waits until nothing new happened for `quietMs` (the adapter's title turn runs after a prompt ends). */
export async function settle(signals: () => string, quietMs = 800, maxMs = 15_000): Promise<void> {
  const start = Date.now();
  let last = signals();
  let since = Date.now();
  while (Date.now() - start < maxMs) {
    await new Promise((r) => setTimeout(r, 100));
    const now = signals();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
}

/**
 * Runs the flows with `command` as the app server (`CODEX_PATH` is a wrapper around it), in a temp dir removed
 * afterwards. Requires codex-acp (`CODEX_ACP_ENTRY`).
 */
export async function runAcpFlows(o: {
  command: string[];
  /** Which model `session/set_model` picks from the session's list (default: another model, high effort). */
  switchModel?: (session: Record<string, unknown>) => string;
}): Promise<FlowRun> {
  if (!CODEX_ACP_ENTRY) throw new Error("codex-acp 2.6.0 is not installed");
  const tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-acp-flows-")));
  const mock = await startMockModelServer([], { routes: ROUTES });
  const proxy = await startBlockingProxy();
  try {
    const { cwd, log, env } = await acpWorkspace(tmp, {
      baseUrl: mock.baseUrl,
      command: o.command,
      proxyEnv: proxy.env,
    });
    await fs.writeFile(path.join(cwd, "README.md"), "# a project\n");
    const acp = AcpClient.start({ entry: CODEX_ACP_ENTRY, env, cwd });
    const quiet = () => settle(() => `${acp.peer.log.length}/${mock.requests.length}`);
    try {
      await acp.initialize();
      const newSession = await acp.newSession(cwd);
      const sessionId = newSession.sessionId;
      await quiet();

      mock.enqueue(
        responses.turn(responses.message("Hello from the mock model, streamed in chunks.", undefined, 4)),
      );
      const hello = await acp.prompt(sessionId, "Say hello");
      await quiet();

      // Read-only mode, so the shell call below is the user's to approve (the default mode asks a reviewer model).
      await acp.setMode(sessionId, "read-only");
      const switchedTo = (o.switchModel ?? otherModel)(newSession);
      await acp.setModel(sessionId, switchedTo);
      mock.enqueue(responses.turn(responses.message("Answered with the new settings.")));
      const afterSettings = await acp.prompt(sessionId, "Which model are you?");
      await quiet();

      mock.enqueue(shellCall, responses.turn(responses.message("The command printed hello.")));
      const shell = await acp.prompt(sessionId, "Run echo hello");
      await quiet();

      mock.enqueue(heldAnswer(40));
      const cancelFrom = acp.peer.mark();
      const cancelling = acp.prompt(sessionId, "Write a long text");
      await acp.waitForUpdate(sessionId, "agent_message_chunk", cancelFrom);
      acp.cancel(sessionId);
      const cancel = await cancelling;
      await quiet();

      // The steered input cuts the held answer short; should a server not, the rest goes once it was steered.
      const afterSteer = gate();
      mock.enqueue(heldAnswer(12, afterSteer.until), responses.turn(responses.message("Steered answer.")));
      const steerFrom = acp.peer.mark();
      const steering = acp.prompt(sessionId, "Start something");
      await acp.waitForUpdate(sessionId, "agent_message_chunk", steerFrom);
      const steer = await acp.peer.request("_session/steering", {
        sessionId,
        prompt: [{ type: "text", text: "Also say bye" }],
      });
      afterSteer.open();
      const steered = await steering;
      await quiet();

      return {
        sessionId,
        newSession,
        switchedTo,
        prompts: { hello, afterSettings, shell, cancel, steer: steered },
        steer: steer.result ?? steer.error,
        permissions: acp.permissions,
        turnRequests: mock.requests.filter(
          (r) => r.answeredBy !== undefined && !r.answeredBy.startsWith("route:"),
        ),
        allRequests: [...mock.requests],
        tee: await readTeeLog(log),
        internetAttempts: [...proxy.attempts],
        adapterExit: await acp.stop(),
      };
    } finally {
      if (acp.peer.child.exitCode === null) await acp.stop();
    }
  } finally {
    await mock.close();
    await proxy.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** A model of the session's list other than the current one (`<model>[<effort>]`), preferring another model. */
export function otherModel(session: Record<string, unknown>): string {
  const models = session.models as { currentModelId: string; availableModels: { modelId: string }[] };
  const base = (id: string) => id.replace(/\[.*\]$/, "");
  const current = models.currentModelId;
  // Another model at high effort, of the gpt-5 line where there is one: this server's core sends a reasoning effort
  // only to model families it knows (0.58.0's table), and 0.166.0's catalogue lists gpt-6 models first.
  const candidates = models.availableModels.filter(
    (m) => base(m.modelId) !== base(current) && m.modelId.endsWith("[high]"),
  );
  const other =
    candidates.find((m) => m.modelId.startsWith("gpt-5")) ??
    candidates[0] ??
    models.availableModels.find((m) => m.modelId !== current);
  if (!other) throw new Error(`no other model to switch to: ${JSON.stringify(models)}`);
  return other.modelId;
}

/**
 * The current model at high effort. codex 0.166.0 gives the models of its own catalogue a code-mode tool set and
 * compacts before switching model family, so against it the flows only change the effort (the recon did the same).
 */
export function sameModelHigh(session: Record<string, unknown>): string {
  const models = session.models as { currentModelId: string };
  return `${models.currentModelId.replace(/\[.*\]$/, "")}[high]`;
}

/** What codex-acp runs with in a test (see `acpWorkspace`). */
export interface AcpWorkspace {
  home: string;
  cwd: string;
  /** The app server's wire log (the `CODEX_PATH` wrapper's tee). */
  log: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The files and environment for codex-acp under `tmp`: a modern CODEX_HOME on the mock model at `baseUrl`, an
 * empty project dir and user HOME, a `CODEX_PATH` wrapper that runs `command` and logs its wire, and `proxyEnv`
 * (a blocking proxy's) so that nothing reaches beyond 127.0.0.1.
 */
export async function acpWorkspace(
  tmp: string,
  o: { baseUrl: string; command: string[]; proxyEnv: NodeJS.ProcessEnv },
): Promise<AcpWorkspace> {
  const home = await mockCodexHome(o.baseUrl, { modern: true, dir: path.join(tmp, "codex-home") });
  const cwd = path.join(tmp, "project");
  await fs.mkdir(cwd);
  await fs.mkdir(path.join(tmp, "user-home"));
  const log = path.join(tmp, "app-server.jsonl");
  const codexPath = await writeCodexWrapper(path.join(tmp, "bin"), { command: o.command, log });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: path.join(tmp, "user-home"),
    LANG: "C.UTF-8",
    TERM: "dumb",
    ...o.proxyEnv,
    CODEX_HOME: home,
    CODEX_PATH: codexPath,
    NO_BROWSER: "1",
    RUST_LOG: "warn",
    // Not the adapter's AIR prompt suggestions (they would add model traffic of their own).
    CODEX_ACP_PROMPT_SUGGESTIONS: "false",
  };
  return { home, cwd, log, env };
}
