import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import {
  clampTimeoutMs,
  EXEC_OUTPUT_DELTA_MAX_BYTES,
  EXEC_OUTPUT_DELTA_MAX_TOTAL_BYTES,
  EXEC_OUTPUT_MAX_BYTES,
  EXEC_TIMEOUT_MAX_MS,
  HeadTailBuffer,
  parseCommand,
  runCommand,
  truncateCommandForDisplay,
} from "../src/index.js";
import { processGone } from "./helpers/processes.js";

/** Commands that print without end, run too long or cannot start (issue 14 rows 2 and 12, issue 21 row 4). */
let dir: string;
beforeAll(async () => {
  dir = await tempDir("codex-run-limits-");
});

const run = (command: string[], timeoutMs?: number) =>
  runCommand({ command, cwd: dir, sandbox: null, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });

describe("runCommand output capture", () => {
  it("600 MB of output is captured as 1 MiB per stream: head and tail around a marker; RSS stays low", {
    timeout: 60_000,
  }, async () => {
    const before = process.memoryUsage().rss;
    const deltas: number[] = [];
    const r = await runCommand({
      command: ["sh", "-c", "head -c 600000000 /dev/zero | tr '\\0' a; echo; echo tail-end; echo oops >&2"],
      cwd: dir,
      sandbox: null,
      timeoutMs: 60_000,
      onOutput: (_stream, chunk) => deltas.push(chunk.length),
    });
    expect(r.exitCode).toBe(0);
    expect(r.truncated).toBe(true);
    expect(r.stdoutBytes).toBe(600_000_000 + "\ntail-end\n".length);
    expect(r.stdout.startsWith("aaaa")).toBe(true);
    expect(r.stdout.endsWith("\ntail-end\n")).toBe(true);
    expect(r.stdout).toMatch(
      /\n\[\.\.\. \d+ bytes of output dropped: over the 1048576-byte capture limit \.\.\.\]\n/,
    );
    expect(Buffer.byteLength(r.stdout)).toBeLessThan(EXEC_OUTPUT_MAX_BYTES + 200);
    expect(r.stderr).toBe("oops\n");
    expect(r.aggregatedOutput.endsWith("oops\n") || r.aggregatedOutput.endsWith("tail-end\n")).toBe(true);
    // Streamed deltas are bounded: pieces of at most 8 KiB (Codex's), 8 MiB in all.
    expect(deltas.reduce((a, b) => a + b, 0)).toBe(EXEC_OUTPUT_DELTA_MAX_TOTAL_BYTES);
    expect(Math.max(...deltas)).toBeLessThanOrEqual(EXEC_OUTPUT_DELTA_MAX_BYTES);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it("`yes` until a 2 s timeout: a timed-out result with bounded output, not an exception", {
    timeout: 30_000,
  }, async () => {
    const r = await run(["yes"], 2000);
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBe(124);
    expect(r.stdoutBytes).toBeGreaterThan(EXEC_OUTPUT_MAX_BYTES);
    expect(r.stdout.startsWith("y\ny\n")).toBe(true);
    expect(Buffer.byteLength(r.stdout)).toBeLessThan(EXEC_OUTPUT_MAX_BYTES + 200);
  });

  it("HeadTailBuffer never cuts a character in two", () => {
    const b = new HeadTailBuffer(10);
    b.push(Buffer.from("ééééé")); // 10 bytes: fits
    expect(b.text()).toBe("ééééé");
    b.push(Buffer.from("€€€€")); // 12 more: head keeps 5 bytes (2 chars), tail 5 bytes
    const text = b.text();
    expect(text).not.toContain("\ufffd");
    expect(text.startsWith("éé\n[... ")).toBe(true);
    expect(text.endsWith("€")).toBe(true);
    expect(b.totalBytes).toBe(22);
  });
});

describe("runCommand timeouts", () => {
  it("clamps timeouts a timer cannot hold: 0 is the minimum (at once), 3e9 ms and none are the 24 h maximum", {
    timeout: 20_000,
  }, async () => {
    expect(clampTimeoutMs(0)).toBe(1);
    expect(clampTimeoutMs(-5)).toBe(1);
    expect(clampTimeoutMs(3_000_000_000)).toBe(EXEC_TIMEOUT_MAX_MS);
    expect(clampTimeoutMs(undefined)).toBe(EXEC_TIMEOUT_MAX_MS);
    expect(clampTimeoutMs(Number.NaN)).toBe(EXEC_TIMEOUT_MAX_MS);
    expect(EXEC_TIMEOUT_MAX_MS).toBeLessThan(2 ** 31);
    const zero = await run(["sleep", "30"], 0);
    expect(zero.timedOut).toBe(true);
    expect(zero.durationMs).toBeLessThan(5000);
    // 3e9 ms overflowed Node's timer to 1 ms before.
    const long = await run(["sh", "-c", "sleep 0.3; echo done"], 3_000_000_000);
    expect(long.timedOut).toBe(false);
    expect(long.stdout).toBe("done\n");
  });

  it("a command still running when the process exits is killed with its process group", {
    timeout: 30_000,
  }, async () => {
    const core = fileURLToPath(new URL("../dist/index.js", import.meta.url));
    const pidFile = join(dir, "grandchild.pid");
    // A host process that starts a long command (which puts a second process in its group), then exits. The pid
    // is written beside the file and renamed into place: the host must never see the file before the pid is in it.
    const script = `
      import { runCommand } from ${JSON.stringify(core)};
      import { existsSync } from "node:fs";
      void runCommand({ command: ["sh", "-c", "sleep 300 & echo $! > ${pidFile}.tmp && mv ${pidFile}.tmp ${pidFile}; sleep 300"], cwd: ${JSON.stringify(dir)}, sandbox: null, timeoutMs: 3e9 });
      const wait = () => (existsSync(${JSON.stringify(pidFile)}) ? process.exit(0) : setTimeout(wait, 20));
      wait();
    `;
    const host = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "inherit" });
    expect(await new Promise((r) => host.once("exit", r))).toBe(0);
    const pid = Number((await readFile(pidFile, "utf8")).trim());
    expect(pid).toBeGreaterThan(0);
    await processGone(pid);
  });
});

describe("commands that cannot start", () => {
  it("an argument list over the kernel's limit (E2BIG, thrown by spawn) is a failed result, not a rejection", async () => {
    const r = await run(["echo", "x".repeat(2 * 1024 * 1024)], 10_000);
    expect(r.exitCode).toBe(127);
    expect(r.spawnError).toBe("Argument list too long (os error 7)");
    expect(r.spawnErrorDebug).toBe(
      'Os { code: 7, kind: ArgumentListTooLong, message: "Argument list too long" }',
    );
  });
});

describe("commands as events show them", () => {
  it("cuts oversize commands for display; the summary of a 50 MB script is one cut `unknown`", () => {
    expect(truncateCommandForDisplay(["ls", "-la"])).toEqual(["ls", "-la"]);
    const shown = truncateCommandForDisplay(["echo", "x".repeat(50 * 1024 * 1024)]);
    expect(shown[0]).toBe("echo");
    expect(shown[1]).toMatch(/^x{16380}…\[52412420 more characters\]$/);
    const many = truncateCommandForDisplay(Array.from({ length: 1000 }, (_, i) => String(i)));
    expect(many.length).toBe(257);
    expect(many.at(-1)).toBe("…[744 more arguments]");
    const started = Date.now();
    const parsed = parseCommand(["bash", "-lc", `echo ${"y".repeat(50 * 1024 * 1024)}`]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(parsed).toHaveLength(1);
    expect(parsed[0]!.type).toBe("unknown");
    expect(parsed[0]!.cmd.length).toBeLessThan(17 * 1024 + 64);
  });
});
