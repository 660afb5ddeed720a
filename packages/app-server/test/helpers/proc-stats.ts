import { readFileSync } from "node:fs";

/**
 * Peak resident memory of a live process so far, in MiB (`VmHWM` of /proc/<pid>/status; Linux only — null
 * elsewhere or once the process is gone). Tests read it from the server just before closing it.
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

/** The limit the reliability issues set for the server's peak RSS. */
export const PEAK_RSS_LIMIT_MIB = 300;
