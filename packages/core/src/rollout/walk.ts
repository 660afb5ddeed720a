import { type Dirent, readdirSync } from "node:fs";
import { join, sep } from "node:path";
import { parseRolloutFileName } from "./paths.js";

/** A rollout file found under sessions/, with the sort key from its name. */
export interface Candidate {
  path: string;
  timestamp: string;
  id: string;
}

/**
 * The numbered subfolders of `dir` (year, month or day folders), highest number first; empty when it cannot be
 * read. Directory listings are synchronous: one costs microseconds, far less than an async round trip.
 */
function numericDirsDescending(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const e of entries) if (e.isDirectory() && /^\d+$/.test(e.name)) names.push(e.name);
  return names.sort((a, b) => Number(b) - Number(a));
}

/** Orders candidates newest first: by file-name timestamp, then id, both descending. */
export function compareNewestFirst(a: Candidate, b: Candidate): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * The day folders under `sessionsDir`, newest first (year, month and day folders descending by number). A folder's
 * path is joined when it is reached: a first page looks at a day or two of a year's folders.
 */
export function* dayDirsNewestFirst(sessionsDir: string): Generator<string> {
  for (const year of numericDirsDescending(sessionsDir)) {
    const yearDir = join(sessionsDir, year);
    for (const month of numericDirsDescending(yearDir)) {
      const monthDir = join(yearDir, month);
      for (const day of numericDirsDescending(monthDir)) yield join(monthDir, day);
    }
  }
}

/** The rollout files of one day folder, newest first; empty when it cannot be read. */
export function rolloutsInDay(day: string): Candidate[] {
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
 * for the days it looked at. Synchronous (a listing is a few microseconds): a caller awaiting each file pays no
 * async generator's promises per file.
 */
export function* walkNewestFirst(sessionsDir: string): Generator<Candidate> {
  for (const day of dayDirsNewestFirst(sessionsDir)) yield* rolloutsInDay(day);
}
