import { readFileSync } from "node:fs";

/**
 * This process's peak resident set size in bytes: /proc/self/status VmHWM on Linux, which starts afresh at exec.
 * `process.resourceUsage().maxRSS` does not: on Linux it keeps the forked parent's peak, so a child started by a
 * big bench process would report the parent's memory.
 */
export function peakRssBytes() {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}
