import { type Command, CommanderError, Option } from "commander";
import { globalOptions } from "../../global-options.js";
import type { ExecOptions } from "./run.js";
import type { ResumeTarget } from "./session.js";

/**
 * The exec run and what it loads (the in-process server, the client, the protocol) are evaluated when exec runs,
 * not when the CLI starts: every other command, `codex app-server` above all, starts without them.
 */
async function runExec(...args: Parameters<typeof import("./run.js").runExec>): Promise<number> {
  return (await import("./run.js")).runExec(...args);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The options `codex exec` and `codex exec resume` share (0.58.0 accepts them before or after `resume`). */
function addExecOptions(cmd: Command): Command {
  return cmd
    .option(
      "-i, --image <FILE>",
      "image(s) to attach to the prompt (repeatable, or comma-separated)",
      collect,
    )
    .option("-m, --model <MODEL>", "model the agent should use")
    .option(
      "--oss",
      "use the local open-source provider (Ollama: pulls the model if missing; --model defaults to gpt-oss:20b)",
    )
    .addOption(
      new Option("-s, --sandbox <SANDBOX_MODE>", "sandbox policy for model-generated commands").choices([
        "read-only",
        "workspace-write",
        "danger-full-access",
      ]),
    )
    .option("--full-auto", "low-friction sandboxed automatic execution (--sandbox workspace-write)")
    .option(
      "--dangerously-bypass-approvals-and-sandbox",
      "skip all confirmation prompts and run commands without a sandbox (only inside an external sandbox)",
    )
    .option("-C, --cd <DIR>", "use this directory as the agent's working root")
    .option("--skip-git-repo-check", "allow running outside a Git repository")
    .option(
      "--add-dir <DIR>",
      "another directory the workspace-write sandbox lets commands write (repeatable)",
      collect,
    )
    .addOption(
      new Option("--color <COLOR>", "color of the human output")
        .choices(["always", "never", "auto"])
        .default("auto"),
    )
    .option("--json", "print events to stdout as JSONL")
    .option("-o, --output-last-message <FILE>", "write the agent's last message to this file")
    .option(
      "--output-schema <FILE>",
      "path to a JSON Schema file describing the model's final response shape",
    );
}

interface RawExecOptions {
  image?: string[];
  model?: string;
  oss?: boolean;
  sandbox?: ExecOptions["sandbox"];
  fullAuto?: boolean;
  dangerouslyBypassApprovalsAndSandbox?: boolean;
  cd?: string;
  skipGitRepoCheck?: boolean;
  addDir?: string[];
  color: ExecOptions["color"];
  json?: boolean;
  outputLastMessage?: string;
  outputSchema?: string;
  last?: boolean;
}

function execOptions(
  raw: RawExecOptions,
  prompt: string | undefined,
  resume: ResumeTarget | null,
): ExecOptions {
  return {
    prompt,
    images: raw.image ?? [],
    model: raw.model,
    oss: raw.oss === true,
    sandbox: raw.sandbox,
    fullAuto: raw.fullAuto === true,
    dangerouslyBypassApprovalsAndSandbox: raw.dangerouslyBypassApprovalsAndSandbox === true,
    cd: raw.cd,
    skipGitRepoCheck: raw.skipGitRepoCheck === true,
    addDir: raw.addDir ?? [],
    color: raw.color,
    json: raw.json === true,
    outputLastMessage: raw.outputLastMessage,
    outputSchema: raw.outputSchema,
    resume,
  };
}

/** A usage error: said on stderr, exit status 2 (as clap's). */
function usageError(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  throw new CommanderError(2, "codex.exec.usage", message);
}

/** A non-zero exit status from an exec run, carried out of commander's action to `run()`. */
function exitWith(code: number): void {
  if (code !== 0) throw new CommanderError(code, "codex.exec", "");
}

/**
 * `codex exec [PROMPT]` and `codex exec resume (--last | <SESSION_ID>) [PROMPT]`: one headless turn, on the same
 * app server (in-process) as editors use. Options given to `exec` before `resume` apply to the resumed run too.
 */
export function registerExec(program: Command): void {
  const exec = addExecOptions(
    program
      .command("exec")
      .alias("e")
      .description("Run Codex non-interactively")
      .argument("[PROMPT]", "instructions for the agent; read from stdin when absent or `-`"),
  ).action(async (prompt: string | undefined, raw: RawExecOptions, command: Command) => {
    exitWith(await runExec(execOptions(raw, prompt, null), globalOptions(command)));
  });
  addExecOptions(
    exec
      .command("resume")
      .description("Resume a previous session by id or pick the most recent with --last")
      .argument("[SESSION_ID]", "the session (conversation) id to continue")
      .argument("[PROMPT]", "instructions for the agent; read from stdin when absent or `-`")
      .option("--last", "resume the most recent recorded session"),
  ).action(
    async (first: string | undefined, second: string | undefined, raw: RawExecOptions, command: Command) => {
      const merged: RawExecOptions = { ...exec.opts<RawExecOptions>(), ...definedOnly(raw) };
      // With --last there is no id: the one positional argument is the prompt.
      const [sessionId, prompt] = raw.last ? [undefined, first] : [first, second];
      if (raw.last && second !== undefined) usageError("with --last, give at most one argument (the prompt)");
      if (!raw.last && sessionId === undefined) usageError("give a SESSION_ID or --last");
      const target: ResumeTarget = sessionId === undefined ? { last: true } : { sessionId };
      exitWith(await runExec(execOptions(merged, prompt, target), globalOptions(command)));
    },
  );
}

/** The options the user actually gave `resume` (commander fills defaults, which must not hide `exec`'s). */
function definedOnly(raw: RawExecOptions): Partial<RawExecOptions> {
  return Object.fromEntries(
    Object.entries(raw).filter(([k, v]) => v !== undefined && !(k === "color" && v === "auto")),
  ) as Partial<RawExecOptions>;
}
