import { shellJoin } from "@codex-ts/app-server";
import {
  type EventOf,
  type ExecEvent,
  type ExecOutput,
  mcpCallSucceeded,
  type SessionInfo,
} from "./events.js";

/** Longest command output shown on the terminal per command (the model sees its own, separately capped copy). */
const MAX_SHOWN_OUTPUT_LINES = 20;

export interface Styles {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  magenta(text: string): string;
}

const plain: Styles = { bold: (t) => t, dim: (t) => t, green: (t) => t, red: (t) => t, magenta: (t) => t };
const ansi = (open: number, close: number) => (t: string) => `\x1b[${open}m${t}\x1b[${close}m`;
const colored: Styles = {
  bold: ansi(1, 22),
  dim: ansi(2, 22),
  green: ansi(32, 39),
  red: ansi(31, 39),
  magenta: ansi(35, 39),
};

/** `--color always|never|auto` (auto: when stderr is a terminal and `NO_COLOR` is unset). */
export function stylesFor(color: "always" | "never" | "auto"): Styles {
  if (color === "always") return colored;
  if (color === "never") return plain;
  return process.stderr.isTTY && !process.env.NO_COLOR ? colored : plain;
}

/**
 * `codex exec` for a person: progress on stderr (the session header, the prompt, reasoning, commands with their
 * output, file changes, the answer, tokens used) in the layout of codex 0.58.0, and the final answer alone on
 * stdout so `answer=$(codex exec …)` captures just that.
 */
export class HumanOutput implements ExecOutput {
  private readonly commands = new Map<string, { command: string; cwd: string }>();
  private tokens: number | null = null;
  private error = false;
  private last: string | null = null;

  constructor(
    private readonly err: (text: string) => void,
    private readonly s: Styles,
  ) {}

  sessionStarted(info: SessionInfo): void {
    const s = this.s;
    const rows: [string, string][] = [
      ["workdir", info.cwd],
      ["model", info.model],
      ["provider", info.provider],
      ["approval", info.approval],
      ["sandbox", info.sandbox],
      ["reasoning effort", info.reasoningEffort ?? "none"],
      ["reasoning summaries", info.reasoningSummary],
      ["session id", info.sessionId],
    ];
    this.err(`OpenAI Codex v0.58.0 (research preview)\n--------\n`);
    for (const [k, v] of rows) this.err(`${s.bold(k)}: ${v}\n`);
    this.err(`--------\n${s.bold(s.magenta("user"))}\n${info.prompt}\n`);
  }

  interrupted(): void {
    this.err(
      `${this.s.red("Interrupted")}: the turn was stopped; resume it with \`codex exec resume --last\`.\n`,
    );
  }

  lastMessage(): string | null {
    return this.last;
  }

  failed(): boolean {
    return this.error;
  }

  event(msg: ExecEvent): void {
    const s = this.s;
    switch (msg.type) {
      case "background_event":
      case "deprecation_notice":
        this.err(`${s.dim("message" in msg ? msg.message : msg.summary)}\n`);
        return;
      case "agent_reasoning":
        this.err(`${s.bold(s.magenta("thinking"))}\n${msg.text}\n`);
        return;
      case "agent_message":
        this.last = msg.message;
        this.err(`${s.bold(s.magenta("codex"))}\n${msg.message}\n`);
        return;
      case "exec_command_begin": {
        const command = shellJoin(msg.command);
        this.commands.set(msg.call_id, { command, cwd: msg.cwd });
        // 0.58.0 names the command once, with its outcome, when it ends.
        this.err(`${s.bold(s.magenta("exec"))}\n`);
        return;
      }
      case "exec_command_end":
        this.commandEnded(msg);
        return;
      case "patch_apply_begin":
        this.err(
          `${s.bold(s.magenta("file update"))}\n${Object.entries(msg.changes)
            .map(([path, c]) => `${"add" in c ? "A" : "delete" in c ? "D" : "M"} ${path}`)
            .join("\n")}\n`,
        );
        return;
      case "patch_apply_end":
        this.err(
          msg.success
            ? `${s.green("apply_patch succeeded")}\n`
            : `${s.red("apply_patch failed")}\n${msg.stderr}\n`,
        );
        return;
      case "mcp_tool_call_begin":
        this.err(`${s.bold("tool")} ${msg.invocation.server}.${msg.invocation.tool}\n`);
        return;
      case "mcp_tool_call_end":
        this.err(
          `${msg.invocation.server}.${msg.invocation.tool} ${mcpCallSucceeded(msg.result) ? s.green("success") : s.red("failed")}\n`,
        );
        return;
      case "web_search_end":
        this.err(`${s.bold("web search")}: ${msg.query}\n`);
        return;
      case "plan_update":
        this.err(
          `${s.bold("Plan update")}\n${msg.plan.map((p) => `  ${p.status === "completed" ? "✓" : "□"} ${p.step}`).join("\n")}\n`,
        );
        return;
      case "token_count":
        if (msg.info) this.tokens = msg.info.total_token_usage.total_tokens;
        return;
      case "warning":
      case "stream_error":
        this.err(`${s.dim(msg.message)}\n`);
        return;
      case "error":
        this.error = true;
        this.err(`${s.red("ERROR:")} ${msg.message}\n`);
        return;
      case "task_complete":
        if (this.tokens !== null) this.err(`${s.bold(s.magenta("tokens used"))}\n${this.tokens}\n`);
        return;
      default:
        return;
    }
  }

  private commandEnded(msg: EventOf<"exec_command_end">): void {
    const s = this.s;
    const started = this.commands.get(msg.call_id);
    this.commands.delete(msg.call_id);
    const what = started ? `${s.bold(started.command)} in ${started.cwd}` : "command";
    const ms = Math.round(msg.duration.secs * 1000 + msg.duration.nanos / 1e6);
    const outcome =
      msg.exit_code === 0 ? s.green(`succeeded in ${ms}ms:`) : s.red(`exited ${msg.exit_code} in ${ms}ms:`);
    const lines = (msg.aggregated_output ?? "").split("\n");
    if (lines.at(-1) === "") lines.pop();
    const shown =
      lines.length > MAX_SHOWN_OUTPUT_LINES
        ? [
            ...lines.slice(0, MAX_SHOWN_OUTPUT_LINES),
            s.dim(`… ${lines.length - MAX_SHOWN_OUTPUT_LINES} more lines`),
          ]
        : lines;
    this.err(`${what} ${outcome}\n${shown.map((l) => s.dim(l)).join("\n")}${shown.length ? "\n" : ""}`);
  }
}
