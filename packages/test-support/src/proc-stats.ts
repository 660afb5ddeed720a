import { readdirSync, readFileSync } from "node:fs";
import { expect } from "vitest";

/** The limit the reliability issues (14, 21) set for an app server's peak RSS under hostile input. */
export const PEAK_RSS_LIMIT_MIB = 300;

/**
 * Peak resident memory of a live process so far, in MiB (`VmHWM` of /proc/<pid>/status; Linux only — null
 * elsewhere or once the process is gone).
 */
export function peakRssMiB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  } catch {
    return null;
  }
}

/**
 * The server process's peak RSS so far is under `limitMiB` (default `PEAK_RSS_LIMIT_MIB`). Read it while the
 * server still runs (before closing it); where it cannot be measured (not Linux) nothing is asserted. `SHOW_RSS=1`
 * prints the figure.
 */
export function expectPeakRssBelow(
  server: { pid: number | undefined },
  what: string,
  limitMiB = PEAK_RSS_LIMIT_MIB,
): void {
  const peak = peakRssMiB(server.pid);
  if (process.env.SHOW_RSS) console.log(`peak RSS ${what}: ${peak} MiB`);
  if (peak !== null) expect(peak, `peak RSS ${what}`).toBeLessThan(limitMiB);
}

/** How many file descriptors a live process has open (Linux; null elsewhere or once it is gone). */
export function openFds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}
