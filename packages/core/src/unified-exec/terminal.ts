import { spawn } from "node:child_process";
import { closeSync, constants, openSync } from "node:fs";

/**
 * A process on a terminal of its own: a PTY from `@lydell/node-pty` (prebuilt binaries, no compiler needed), or —
 * when that cannot load on this machine — plain pipes (stdin a pipe, stdout and stderr merged), which behaves like a
 * PTY for line-based programs but without echo, `\r\n` line ends or a terminal size, and programs that check
 * `isatty` act as in a script. Either way the process leads its own process group, which `kill()` ends as a whole.
 */
export interface TerminalProcess {
  readonly pid: number;
  readonly kind: TerminalKind;
  /** Bytes (a Buffer) reach the process as they are; a string is written as UTF-8. */
  write(data: string | Buffer): void;
  onData(listener: (chunk: Buffer) => void): void;
  /** Called once, after all output was delivered. A process ended by a signal reports 1, as 0.58.0 does. */
  onExit(listener: (exitCode: number) => void): void;
  /** SIGKILL to the whole process group. */
  kill(): void;
  /** A new size of its terminal; throws on pipes, which have none. */
  resize(size: TerminalSize): void;
}

/** A terminal's size in character cells. */
export interface TerminalSize {
  cols: number;
  rows: number;
}

export type TerminalKind = "pty" | "pipes";

/** 0.58.0's PTY size. */
const COLS = 80;
const ROWS = 24;

type NodePty = typeof import("@lydell/node-pty");
let ptyModule: Promise<NodePty | null> | undefined;

/** node-pty, loaded on first use (it is native code, and most sessions never run unified exec); null if it fails. */
function loadPty(): Promise<NodePty | null> {
  ptyModule ??= import("@lydell/node-pty").then(
    (m) => m,
    (err: unknown) => {
      process.stderr.write(
        `unified exec: PTY support could not be loaded (${err instanceof Error ? err.message : String(err)}); commands run on pipes\n`,
      );
      return null;
    },
  );
  return ptyModule;
}

/** Which kind of terminal `spawnTerminal` gives on this machine. */
export async function terminalKind(): Promise<TerminalKind> {
  return (await loadPty()) ? "pty" : "pipes";
}

export async function spawnTerminal(
  argv: readonly string[],
  o: { cwd: string; env: Record<string, string>; kind?: TerminalKind; size?: TerminalSize },
): Promise<TerminalProcess> {
  const pty = o.kind === "pipes" ? null : await loadPty();
  return pty ? spawnPty(pty, argv, o) : spawnPipes(argv, o);
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function spawnPty(
  pty: NodePty,
  argv: readonly string[],
  o: { cwd: string; env: Record<string, string>; size?: TerminalSize },
) {
  const [file, ...args] = argv;
  const child = pty.spawn(file as string, args, {
    cwd: o.cwd,
    env: o.env,
    cols: o.size?.cols ?? COLS,
    rows: o.size?.rows ?? ROWS,
    // 0.58.0's PTYs get TERM=dumb when the environment has none (node-pty would pick xterm).
    name: o.env.TERM ?? "dumb",
    encoding: null,
  });
  // Holding the terminal's other end open ourselves keeps the kernel from hanging the PTY up the moment the
  // process exits: libuv treats that hang-up as end of file even while output is still queued, and node-pty would
  // lose the tail of a long output (seen with `seq 1 100000`). node-pty drains what is left and reports the exit
  // 200 ms later; then the hold is released.
  let hold: number | null = null;
  const ptsName: unknown = Reflect.get(child, "ptsName");
  if (typeof ptsName === "string") {
    try {
      hold = openSync(ptsName, constants.O_RDWR | constants.O_NOCTTY);
    } catch {
      hold = null;
    }
  }
  let exited = false;
  const release = () => {
    if (hold !== null) {
      closeSync(hold);
      hold = null;
    }
  };
  const process_: TerminalProcess = {
    pid: child.pid,
    kind: "pty",
    write: (data) => {
      // node-pty's type says string, but it hands the data to its socket, which writes a Buffer's bytes as they are.
      if (!exited) child.write(data as string);
    },
    onData: (listener) => {
      child.onData((d: string | Buffer) => listener(typeof d === "string" ? Buffer.from(d, "utf8") : d));
    },
    onExit: (listener) => {
      child.onExit(({ exitCode, signal }) => {
        exited = true;
        release();
        listener(signal ? 1 : exitCode);
      });
    },
    kill: () => killGroup(child.pid),
    resize: ({ cols, rows }) => {
      if (!exited) child.resize(cols, rows);
    },
  };
  return process_;
}

/**
 * Node's "pipes" are socket pairs, and bash takes a socket on its stdin for a remote shell (rshd, sshd) and then
 * reads ~/.bashrc even for `bash -c`, unless SHLVL says it runs inside another shell. Real pipes (what codex
 * 0.166.0 gives a command without `tty`) never make it do so: a SHLVL of at least 1 keeps the two alike.
 */
function nestedShellEnv(env: Record<string, string>): Record<string, string> {
  return Number(env.SHLVL) >= 1 ? env : { ...env, SHLVL: "1" };
}

function spawnPipes(
  argv: readonly string[],
  o: { cwd: string; env: Record<string, string> },
): TerminalProcess {
  const [file, ...args] = argv;
  const child = spawn(file as string, args, {
    cwd: o.cwd,
    env: nestedShellEnv(o.env),
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const dataListeners: Array<(chunk: Buffer) => void> = [];
  const emit = (chunk: Buffer) => {
    for (const l of dataListeners) l(chunk);
  };
  child.stdout?.on("data", emit);
  child.stderr?.on("data", emit);
  child.stdin?.on("error", () => {
    // the process closed its input; writes are dropped
  });
  let exitCode: number | null = null;
  const exitListeners: Array<(code: number) => void> = [];
  child.on("close", (code, signal) => {
    exitCode = signal ? 1 : (code ?? 1);
    for (const l of exitListeners) l(exitCode);
  });
  child.on("error", (err) => {
    emit(Buffer.from(`${err.message}\n`));
  });
  return {
    pid: child.pid ?? -1,
    kind: "pipes",
    write: (data) => {
      if (exitCode === null && child.stdin?.writable) child.stdin.write(data);
    },
    onData: (listener) => {
      dataListeners.push(listener);
    },
    onExit: (listener) => {
      if (exitCode !== null) listener(exitCode);
      else exitListeners.push(listener);
    },
    kill: () => {
      if (child.pid) killGroup(child.pid);
    },
    resize: () => {
      throw new Error("process is not attached to a PTY");
    },
  };
}
