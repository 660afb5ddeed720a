import { type Dirent, readdirSync } from "node:fs";
import { join, sep } from "node:path";
import { parseRolloutFileName } from "./paths.js";

/** A rollout file found under sessions/, with the sort key from its name. */
export interface Candidate {
  path: string;
  timestamp: string;
  id: string;
}

/** Directory listings are synchronous: one costs microseconds, far less than an async round trip. */
function numericDirsDescending(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory() && /^\d+$/.test(e.name))
    .sort((a, b) => Number(b.name) - Number(a.name))
    .map((e) => join(dir, e.name));
}

/** Orders candidates newest first: by file-name timestamp, then id, both descending. */
export function compareNewestFirst(a: Candidate, b: Candidate): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** The day folders under `sessionsDir`, newest first (year, month and day folders descending by number). */
export async function* dayDirsNewestFirst(sessionsDir: string): AsyncGenerator<string> {
  for (const year of numericDirsDescending(sessionsDir)) {
    for (const month of numericDirsDescending(year)) {
      yield* numericDirsDescending(month);
    }
  }
}

/** The rollout files of one day folder, newest first; empty when it cannot be read. */
export async function rolloutsInDay(day: string): Promise<Candidate[]> {
  let entries: Dirent[];
  try {
    entries = readdirSync(day, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: Candidate[] = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const parsed = parseRolloutFileName(e.name);
    if (parsed) files.push({ path: `${day}${sep}${e.name}`, ...parsed });
  }
  return files.sort(compareNewestFirst);
}

/**
 * Yields the rollout files under `sessionsDir` newest first, one day folder at a time (names that are not
 * numbers are skipped). Only directories are listed; no file is opened, so a caller that stops early pays only
 * for the days it looked at.
 */
export async function* walkNewestFirst(sessionsDir: string): AsyncGenerator<Candidate> {
  for await (const day of dayDirsNewestFirst(sessionsDir)) yield* await rolloutsInDay(day);
}
