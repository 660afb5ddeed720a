import { randomUUID } from "node:crypto";
import type { ResponseItemJson } from "../../client/types.js";
import * as ev from "../../events/constructors.js";
import { parseCommand } from "../../exec/parse-command.js";
import { type RunCommandResult, runCommand } from "../../exec/run-command.js";
import { commandEnvironment } from "../../exec/shell-env.js";
import { rustDurationDebug } from "../../mcp/startup-failure.js";
import {
  type ExecEndFields,
  execCommandEnd,
  failedExecEnd,
  truncateOutputForModel,
} from "../../tools/exec-output.js";
import { truncateText0166 } from "../../tools/truncate-0166.js";
import { rustDebugString } from "../../unified-exec/args.js";
import { userMessage } from "../context.js";
import type { Session } from "../session.js";
import { TurnAborted } from "../turn-aborted.js";
import { settleTask, startTask } from "./task.js";

/** 0.166.0 gives the user's command an hour unless the client names another timeout. */
export const USER_SHELL_TIMEOUT_MS = 60 * 60 * 1000;

/** What the history records of a command the user stopped (an interrupt), as 0.166.0 words it. */
const ABORTED = "command aborted by user";

/**
 * A user shell command when nothing runs (0.166's `thread/shellCommand` on an idle thread): a turn of its own that
 * runs the command and records its outcome for the model, with no model request (0.166.0's user shell task).
 */
export async function runUserShellTask(
  session: Session,
  id: string,
  command: string,
  timeoutMs: number | undefined,
): Promise<void> {
  const task = startTask(session, id, "regular");
  // The command's turn takes no steered input: nothing would send it to the model.
  session.steering.close();
  await settleTask(session, task, async () => {
    await session.historyReady();
    session.record(await runUserShellCommand(session, id, command, timeoutMs, task.signal));
    // Stopped by an interrupt: the turn ends as interrupted, its record kept (0.166.0's `command aborted by user`).
    if (task.signal.aborted) throw new TurnAborted();
  });
}

/**
 * A user shell command while a task runs: it runs at once, its events on that task, and its outcome joins the
 * turn's next model request (the turn makes one more for it, as 0.166.0's does); a turn that already decided to end
 * (or a task that sends the model nothing) gets it recorded straight away.
 */
export async function runUserShellInTask(
  session: Session,
  turnId: string,
  command: string,
  timeoutMs: number | undefined,
  signal: AbortSignal,
): Promise<void> {
  const record = await runUserShellCommand(session, turnId, command, timeoutMs, signal);
  if (!session.steering.addRecord(record)) session.record(record);
}

/**
 * Runs `command` with the user's shell (`<$SHELL or /bin/bash> -lc <command>`, unsandboxed, in the thread's cwd,
 * with the `shell_environment_policy` environment) between `exec_command_begin` (marked as the user's) and
 * `exec_command_end`, on the core's command runner and its output caps. Returns the `<user_shell_command>` user
 * message the model is given.
 */
async function runUserShellCommand(
  session: Session,
  turnId: string,
  command: string,
  timeoutMs: number | undefined,
  signal: AbortSignal,
): Promise<ResponseItemJson> {
  const callId = randomUUID();
  const argv = [process.env.SHELL || "/bin/bash", "-lc", command];
  const cwd = session.settings.cwd;
  session.emit(turnId, {
    ...ev.execCommandBegin(callId, { command: argv, cwd, parsedCmd: parseCommand(argv) }),
    is_user_shell_command: true,
  });
  const ran = await runCommand({
    command: argv,
    cwd,
    env: commandEnvironment(session.config.shellEnvironmentPolicy, { mode: "danger-full-access" }),
    sandbox: null,
    signal,
    // 0 is "time out at once" (the runner's minimum), never "no limit".
    timeoutMs: timeoutMs ?? USER_SHELL_TIMEOUT_MS,
    onOutput: (stream, chunk) => session.emit(turnId, ev.execCommandOutputDelta(callId, stream, chunk)),
  });
  const outcome = userShellOutcome(ran, signal.aborted);
  session.emit(turnId, ev.execCommandEnd(callId, outcome.end));
  const output = outcome.end.formatted_output;
  const limit = session.prompt().toolOutputLimit;
  const formatted =
    session.generation() === "0.166" && limit
      ? truncateText0166(output, limit)
      : truncateOutputForModel(output);
  return userMessage(userShellRecord(command, outcome.end.exit_code, outcome.seconds, formatted));
}

/**
 * The command's `exec_command_end` fields as 0.166.0 reports a user command: its output and exit code; a command
 * that timed out, could not start or was stopped as `execution error: …` (or `command aborted by user`) with exit
 * code -1 and no duration.
 */
function userShellOutcome(ran: RunCommandResult, aborted: boolean): { end: ExecEndFields; seconds: number } {
  const failed = (text: string) => ({ end: failedExecEnd(text), seconds: 0 });
  if (aborted) return failed(ABORTED);
  if (ran.timedOut) return failed(`execution error: Sandbox(Timeout { output: ${execOutputDebug(ran)} })`);
  if (ran.spawnErrorDebug !== undefined) return failed(`execution error: Io(${ran.spawnErrorDebug})`);
  // 0.166.0 aggregates a user command's output as its stdout, then its stderr (the deltas stream as they come).
  const aggregatedOutput = ran.stdout + ran.stderr;
  const { end } = execCommandEnd({ ...ran, aggregatedOutput, timedOut: false });
  // Its `formatted_output` and record carry the whole output (the record is cut for the model below).
  return { end: { ...end, formatted_output: aggregatedOutput }, seconds: ran.durationMs / 1000 };
}

/** Rust's `Debug` of the `ExecToolCallOutput` a timed-out command left, which 0.166.0 shows as the error. */
function execOutputDebug(ran: RunCommandResult): string {
  const stream = (text: string) =>
    `StreamOutput { text: ${rustDebugString(text)}, truncated_after_lines: None }`;
  const duration = rustDurationDebug(BigInt(Math.max(0, Math.round(ran.durationMs * 1_000_000))));
  return `ExecToolCallOutput { exit_code: 124, stdout: ${stream(ran.stdout)}, stderr: ${stream(ran.stderr)}, aggregated_output: ${stream(ran.aggregatedOutput)}, duration: ${duration}, timed_out: true }`;
}

/** 0.166.0's `<user_shell_command>` message: the command, its exit code, duration (4 decimals) and output. */
export function userShellRecord(command: string, exitCode: number, seconds: number, output: string): string {
  return [
    "<user_shell_command>",
    "<command>",
    command,
    "</command>",
    "<result>",
    `Exit code: ${exitCode}`,
    `Duration: ${seconds.toFixed(4)} seconds`,
    "Output:",
    output,
    "</result>",
    "</user_shell_command>",
  ].join("\n");
}
