import { statSync } from "node:fs";
import path from "node:path";
import type { ExecCommandBeginEvent } from "@codex-ts/app-server-protocol";
import type { SandboxPolicy } from "@codex-ts/config-loader";
import type { ToolOutputLimit } from "../client/model-family.js";
import type { PauseGate } from "../conversation/out-of-band-elicitations.js";
import { parseCommand } from "../exec/parse-command.js";
import { SandboxUnavailableError, sandboxedArgv } from "../exec/run-command.js";
import { TOOL_OUTPUT_TOKENS_0166, truncate0166 } from "../tools/truncate-0166.js";
import { type ExecCommandArgs, rustDebugString, type WriteStdinArgs } from "./args.js";
import { BackgroundTerminals } from "./background.js";
import { deltaEvent, endEvent, retainedText, type UnifiedExecEvent } from "./events.js";
import type { TakenOutput } from "./output-buffer.js";
import { DEFAULT_MAX_OUTPUT_TOKENS, formatResponse, newChunkId, truncateToTokens } from "./output-text.js";
import { resolveProgram } from "./program.js";
import { UnifiedExecSession } from "./session.js";
import type { TerminalKind } from "./terminal.js";

/** Yield times are clamped to this range (0.58.0: `yield_time_ms: 1` waits 0.25 s, `100000` waits 30 s). */
export const MIN_YIELD_TIME_MS = 250;
export const MAX_YIELD_TIME_MS = 30_000;
/** Without `yield_time_ms`, exec_command waits 0.25 s and write_stdin 10 s (observed with 0.58.0). */
export const DEFAULT_EXEC_YIELD_TIME_MS = 250;
export const DEFAULT_WRITE_STDIN_YIELD_TIME_MS = 10_000;
/** Open sessions per conversation; storing one more ends the least recently used (0.58.0 has no limit). */
export const MAX_SESSIONS = 64;
/** 0.166.0's session ids: random numbers in [1000, 100000). */
const MODERN_ID_MIN = 1_000;
const MODERN_ID_END = 100_000;
/** The most recently used sessions are never the ones ended to make room. */
const PROTECTED_RECENT = 8;
/** After writing input, 0.58.0 gives the process this long to react before it starts collecting. */
const INPUT_SETTLE_MS = 100;

const DENIAL =
  /Read-only file system|Permission denied|Operation not permitted|Network is unreachable|Could not resolve host/i;

export type { UnifiedExecEvent } from "./events.js";

/** What one `exec_command` / `write_stdin` call produced. */
export interface UnifiedExecOutcome {
  /** The function_call_output text for the model (uncapped: requests cap every tool output as 0.58.0 does). */
  output: string;
  /** Events to send after the call, in this order (0.58.0: `exec_command_end` first when the process ended). */
  events: UnifiedExecEvent[];
  /** Set while the process keeps running (the id the model passes to write_stdin). */
  sessionId: number | null;
  /** Set once the process has ended. */
  exitCode: number | null;
  /** The process ended non-zero under a sandbox with output that looks like a denial (for a retry/approval). */
  sandboxDenied: boolean;
  /** write_stdin only: what the 0.166 protocol reports as `item/commandExecution/terminalInteraction`. */
  interaction?: { callId: string; processId: string; stdin: string };
}

export interface ExecCommandContext {
  /** The exec_command call's id. */
  callId: string;
  /** The turn's working directory (a relative `workdir` is resolved against it). */
  cwd: string;
  /** The environment after `shell_environment_policy` (`commandEnvironment`). */
  env: Record<string, string>;
  /** null runs unconfined (danger-full-access, or approved to run without the sandbox). */
  sandbox: SandboxPolicy | null;
  /** Aborting kills the process if it is still in its first yield (0.58.0 does so on interrupt). */
  signal?: AbortSignal;
  /**
   * 0.166.0's exec_command (its `gpt-5.5` tools): plain pipes unless the call asks for `tty`, and a 10 s first
   * yield unless it gives one. Without it, 0.58.0's: a terminal always, 0.25 s.
   */
  modern?: boolean;
  /** `modern` calls: how the model's copy of the output is cut (the model family's; default 0.166.0's 10 000 tokens). */
  outputLimit?: ToolOutputLimit | null;
  /**
   * Called once the command has started (before its first yield) with its process id: for `modern` calls the
   * session id it is kept under (0.166.0 shows that id from the start), else the OS process id.
   */
  onSpawn?: (processId: number) => void;
  /** `modern` calls: hears of the command's end when it comes while no call polls it (see BackgroundTerminals). */
  onBackgroundEnd?: (events: UnifiedExecEvent[]) => void;
}

/** 0.166.0's exec_command waits this long for output when the call names no `yield_time_ms`. */
export const DEFAULT_EXEC_YIELD_TIME_MS_0166 = 10_000;

export interface UnifiedExecManagerOptions {
  /** While set, yield times do not run (the conversation's out-of-band elicitations). */
  pause?: PauseGate;
  /** Force the pipe fallback instead of a PTY (tests). */
  terminal?: TerminalKind;
  maxSessions?: number;
}

/**
 * The unified exec sessions of one conversation (0.58.0 keeps one manager per session): `exec_command` starts a
 * command on a terminal of its own and returns what it printed within the yield time; a command still running then
 * is kept under a session id (0, 1, 2, … in the order they are kept; ids are never reused) for `write_stdin` to feed
 * and poll. Sessions outlive turns and interrupts, as in 0.58.0; `terminateAll` ends them (conversation shutdown).
 */
export class UnifiedExecManager {
  private readonly sessions = new Map<number, UnifiedExecSession>();
  /** Every live process, kept or still in its first yield, so `terminateAll` reaches all of them. */
  private readonly live = new Set<UnifiedExecSession>();
  /** Ids of 0.166 sessions still in their first yield. */
  private readonly reserved = new Set<number>();
  /** The kept sessions of 0.166.0's exec_command, as the client sees them (`thread/backgroundTerminals/*`). */
  readonly background = new BackgroundTerminals(this.sessions);
  private nextId = 0;
  private closed = false;

  constructor(private readonly options: UnifiedExecManagerOptions = {}) {}

  /** The argv the session runs (before sandboxing), which approvals and sandbox assessment show. */
  static shellCommand(args: ExecCommandArgs): string[] {
    return [args.shell, args.login ? "-lc" : "-c", args.cmd];
  }

  /** The `exec_command_begin` event, sent before approval (0.58.0's order): the command is the bare `cmd`. */
  static beginEvent(
    callId: string,
    args: ExecCommandArgs,
    turnCwd: string,
  ): { type: "exec_command_begin" } & ExecCommandBeginEvent {
    return {
      type: "exec_command_begin",
      call_id: callId,
      command: [args.cmd],
      cwd: UnifiedExecManager.workdir(args, turnCwd),
      parsed_cmd: parseCommand([args.cmd]),
      is_user_shell_command: false,
    };
  }

  /** Where the command runs: `workdir` resolved against the turn's cwd, or the turn's cwd. */
  static workdir(args: ExecCommandArgs, turnCwd: string): string {
    return args.workdir ? path.resolve(turnCwd, args.workdir) : turnCwd;
  }

  /** The ids of the sessions kept now, oldest first. */
  get sessionIds(): number[] {
    return [...this.sessions.keys()];
  }

  async execCommand(args: ExecCommandArgs, ctx: ExecCommandContext): Promise<UnifiedExecOutcome> {
    if (this.closed) return failure(createSessionError("the conversation is shutting down"));
    const cwd = UnifiedExecManager.workdir(args, ctx.cwd);
    if (!isDirectory(cwd)) {
      return failure(createSessionError(`working directory ${cwd} does not exist or is not a directory`));
    }
    const program = resolveProgram(args.shell, cwd, ctx.env);
    if ("error" in program) return failure(createSessionError(program.error));
    let argv: string[];
    try {
      argv = sandboxedArgv([program.path, args.login ? "-lc" : "-c", args.cmd], ctx.sandbox, cwd, ctx.env, {
        newSession: false,
      });
    } catch (err) {
      if (err instanceof SandboxUnavailableError) return failure(createSessionError(err.message));
      throw err;
    }
    let session: UnifiedExecSession;
    try {
      session = await UnifiedExecSession.start(argv, {
        cwd,
        env: ctx.env,
        callId: ctx.callId,
        ...terminalChoice(this.options.terminal, ctx.modern === true && args.tty !== true),
      });
    } catch (err) {
      return failure(createSessionError(err instanceof Error ? err.message : String(err)));
    }
    this.live.add(session);
    void session.waitForExit().then(() => this.live.delete(session));
    // 0.166.0 names a command by its session id from the start; 0.58.0 numbers the sessions it keeps.
    const reserved = ctx.modern ? this.reserveModernId() : null;
    ctx.onSpawn?.(reserved ?? session.pid);

    const started = performance.now();
    session.polls++;
    const taken = await session
      .collect(
        started +
          clampYield(
            args.yieldTimeMs,
            ctx.modern ? DEFAULT_EXEC_YIELD_TIME_MS_0166 : DEFAULT_EXEC_YIELD_TIME_MS,
          ),
        ctx.signal,
        this.options.pause,
      )
      .finally(() => session.polls--);
    const wallTimeMs = performance.now() - started;
    if (reserved !== null) this.reserved.delete(reserved);
    if (ctx.signal?.aborted && !session.hasExited) {
      session.kill();
      this.live.delete(session);
    }
    const cut = cutFor(
      ctx.modern === true ? (ctx.outputLimit ?? CATALOGUE_LIMIT) : null,
      taken,
      args.maxOutputTokens,
    );
    const events: UnifiedExecEvent[] = [];
    let sessionId: number | null = null;
    if (session.hasExited) {
      events.push(endEvent(session, cut.shown));
    } else if (!ctx.signal?.aborted) {
      sessionId = this.store(session, reserved);
      if (reserved !== null)
        this.background.watch(sessionId, session, {
          command: args.cmd,
          cwd,
          onEnd: ctx.onBackgroundEnd,
        });
    }
    if (cut.shown !== "") events.push(deltaEvent(session.callId, cut.shown));
    const exitCode = session.exitCode;
    return {
      output: formatResponse({
        chunkId: newChunkId(),
        wallTimeMs,
        exitCode,
        sessionId,
        originalTokenCount: cut.originalTokenCount,
        output: cut.output,
      }),
      events,
      sessionId,
      exitCode,
      sandboxDenied:
        ctx.sandbox !== null &&
        ctx.sandbox.mode !== "danger-full-access" &&
        exitCode !== null &&
        exitCode !== 0 &&
        DENIAL.test(cut.shown),
    };
  }

  /** Session ids 0.166.0-style: random, unused, taken from the spawn until the session is kept (or not). */
  private reserveModernId(): number {
    let id: number;
    do id = MODERN_ID_MIN + Math.floor(Math.random() * (MODERN_ID_END - MODERN_ID_MIN));
    while (this.sessions.has(id) || this.reserved.has(id));
    this.reserved.add(id);
    return id;
  }

  async writeStdin(
    args: WriteStdinArgs,
    o: { signal?: AbortSignal; outputLimit?: ToolOutputLimit | null; modern?: boolean } = {},
  ): Promise<UnifiedExecOutcome> {
    const session = this.sessions.get(args.sessionId);
    // `modern`: a 0.166 thread's call, refused in 0.166.0's words (checked with the native binary).
    if (!session)
      return failure(
        o.modern
          ? `write_stdin failed: Unknown process id ${args.sessionId}`
          : `write_stdin failed: UnknownSessionId { session_id: ${args.sessionId} }`,
      );
    session.lastUsed = performance.now();
    if (args.chars !== "") {
      session.write(args.chars);
      await sleep(INPUT_SETTLE_MS, o.signal);
    }
    const started = performance.now();
    session.polls++;
    const taken = await session
      .collect(
        started + clampYield(args.yieldTimeMs, DEFAULT_WRITE_STDIN_YIELD_TIME_MS),
        o.signal,
        this.options.pause,
      )
      .finally(() => session.polls--);
    const wallTimeMs = performance.now() - started;
    // The sessions 0.166.0's exec_command kept (background terminals) are polled its way too.
    const limit = session.background !== null ? (o.outputLimit ?? CATALOGUE_LIMIT) : null;
    const cut = cutFor(limit, taken, args.maxOutputTokens);
    const events: UnifiedExecEvent[] = [];
    const exited = session.hasExited;
    if (exited) {
      this.sessions.delete(args.sessionId);
      events.push(endEvent(session, cut.shown));
    }
    if (cut.shown !== "") events.push(deltaEvent(session.callId, cut.shown));
    return {
      output: formatResponse({
        chunkId: newChunkId(),
        wallTimeMs,
        exitCode: session.exitCode,
        sessionId: exited ? null : args.sessionId,
        originalTokenCount: cut.originalTokenCount,
        output: cut.output,
      }),
      events,
      sessionId: exited ? null : args.sessionId,
      exitCode: session.exitCode,
      sandboxDenied: false,
      interaction: { callId: session.callId, processId: String(args.sessionId), stdin: args.chars },
    };
  }

  /** Ends every process (their whole process groups) and forgets the sessions; later calls are refused. */
  async terminateAll(): Promise<void> {
    this.closed = true;
    const all = [...this.live, ...this.sessions.values()];
    this.sessions.clear();
    this.live.clear();
    for (const s of all) s.kill();
    await Promise.all(all.map((s) => Promise.race([s.waitForExit(), sleep(2000)])));
  }

  private store(session: UnifiedExecSession, id: number | null): number {
    const max = this.options.maxSessions ?? MAX_SESSIONS;
    while (this.sessions.size >= max) this.pruneOne();
    id ??= this.nextId++;
    this.sessions.set(id, session);
    return id;
  }

  /** Ends one session to make room: an ended one if any, else the least recently used, never the newest few. */
  private pruneOne(): void {
    const byUse = [...this.sessions.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    const candidates = byUse.slice(0, Math.max(1, byUse.length - PROTECTED_RECENT));
    const victim = candidates.find(([, s]) => s.hasExited) ?? candidates[0];
    if (!victim) return;
    const [id, session] = victim;
    if (session.background && !session.hasExited) {
      this.background.end(id, session);
      return;
    }
    this.sessions.delete(id);
    session.kill();
  }
}

/** The terminal a command gets: the manager's forced kind (tests), else pipes when asked, else the default. */
function terminalChoice(forced: TerminalKind | undefined, pipes: boolean): { terminal?: TerminalKind } {
  if (forced) return { terminal: forced };
  return pipes ? { terminal: "pipes" } : {};
}

function clampYield(requested: number | null, fallback: number): number {
  return Math.min(MAX_YIELD_TIME_MS, Math.max(MIN_YIELD_TIME_MS, requested ?? fallback));
}

const CATALOGUE_LIMIT: ToolOutputLimit = { unit: "tokens", max: TOOL_OUTPUT_TOKENS_0166 };

/**
 * One poll's output for the model (`output`, `originalTokenCount`) and for the client's events (`shown`). 0.58.0
 * (`limit` null) gives both the same cut text; 0.166.0 cuts the model's copy to the model's limit (10 000 tokens for
 * its catalogue, 10 000 bytes for other models), or to `max_output_tokens` tokens when the call asks for fewer, and
 * shows the client the whole output (here: as much as the buffer retained). Observed with the native binary.
 */
function cutFor(limit: ToolOutputLimit | null, taken: TakenOutput, maxOutputTokens: number | null) {
  if (limit === null) {
    const cut = truncateToTokens(taken, maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS);
    return { ...cut, shown: cut.output };
  }
  // A smaller `max_output_tokens` asks for a token cut; a larger one leaves the model's own (a byte limit stays one:
  // `max_output_tokens: 5000` on 10 000 bytes still cuts at 10 000 bytes, observed with the native binary).
  const limitTokens = limit.unit === "tokens" ? limit.max : Math.floor(limit.max / 4);
  const asked = maxOutputTokens !== null && maxOutputTokens < limitTokens;
  const cut = truncate0166(taken, asked ? { unit: "tokens", max: maxOutputTokens } : limit);
  return { output: cut.text, originalTokenCount: cut.originalTokenCount, shown: retainedText(taken) };
}

/** 0.58.0's `exec_command failed: CreateSession { message: "Rejected(\"Failed to create unified exec session: …\")" }`. */
function createSessionError(reason: string): string {
  const inner = `Rejected(${rustDebugString(`Failed to create unified exec session: ${reason}`)})`;
  return `exec_command failed: CreateSession { message: ${rustDebugString(inner)} }`;
}

function failure(output: string): UnifiedExecOutcome {
  return { output, events: [], sessionId: null, exitCode: null, sandboxDenied: false };
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    timer.unref?.();
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
