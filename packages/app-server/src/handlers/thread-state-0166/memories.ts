import { lstat, open, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { invalidRequest, type Protocol0166 } from "@codex-ts/app-server-protocol";
import { type ConfigLayer, type ConfigRequirements, isTomlTable, mergeTables } from "@codex-ts/config-loader";
import { forgetExtractedMemories } from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import { parseThreadId } from "../../threads/registry.js";
import { runtimeFeatures } from "../config-info-0166/runtime-features.js";
import { requireExperimental, type ThreadStateServices0166, usingState, whereabouts } from "./threads.js";

/** Where 0.166.0 keeps the consolidated memories, and the summary a thread is given of them. */
const MEMORIES_DIR = "memories";
const SUMMARY_FILE = "memory_summary.md";

/** The summary file of a CODEX_HOME's memories. */
export const memorySummaryPath = (codexHome: string) => join(codexHome, MEMORIES_DIR, SUMMARY_FILE);
/** Longest summary read; a larger file is treated as unreadable (0.166.0's summary is a short digest). */
const MAX_SUMMARY_BYTES = 1024 * 1024;

type MemoryMethods = "thread/memoryMode/set" | "thread/memory/read" | "memory/reset" | "rollout/compress";

/** The summary file's text when it is a regular file within the cap and not blank; else null. */
async function readSummary(path: string): Promise<string | null> {
  const file = await open(path, "r").catch(() => null);
  if (!file) return null;
  try {
    const st = await file.stat();
    if (!st.isFile() || st.size > MAX_SUMMARY_BYTES) return null;
    const buf = Buffer.alloc(st.size);
    const { bytesRead } = await file.read(buf, 0, st.size, 0);
    const text = buf.subarray(0, bytesRead).toString("utf8");
    return text.trim() === "" ? null : text;
  } catch {
    return null;
  } finally {
    await file.close();
  }
}

/**
 * The memory methods: a thread's memory mode (whether it may feed the memories; kept, as this server extracts
 * none), the summary of the memories a thread is given (`CODEX_HOME/memories/memory_summary.md`, when the
 * `memories` feature is on and `[memories] use_memories` is not false), forgetting every memory, and
 * `rollout/compress`, acknowledged without work: this server never compresses rollouts.
 */
export function createMemoryHandlers0166(s: ThreadStateServices0166): Handlers<Protocol0166, MemoryMethods> {
  const memoriesDir = join(s.codexHome, MEMORIES_DIR);

  return {
    async "thread/memoryMode/set"(p) {
      requireExperimental(s, "thread/memoryMode/set");
      const id = parseThreadId(p.threadId);
      const where = await whereabouts(s, id);
      if (where.kind === "unknown") throw invalidRequest(`no rollout found for thread id ${id}`);
      if (where.kind === "loaded" && where.ephemeral)
        throw invalidRequest(`ephemeral thread does not support metadata updates: ${id}`);
      usingState(() => s.state.memoryModes.set(id, p.mode));
      return {};
    },

    async "thread/memory/read"(p) {
      requireExperimental(s, "thread/memory/read");
      const id = parseThreadId(p.threadId);
      // Only a started or resumed thread has memories selected (a stored one not loaded is unknown here, as there).
      const loaded = s.registry.get(id);
      if (!loaded) throw invalidRequest(`thread not found: ${id}`);
      // A thread is given the memories there were when it loaded.
      if (!loaded.hadMemorySummary || !(await s.memoriesInUse())) return { summary: null };
      return { summary: await readSummary(memorySummaryPath(s.codexHome)) };
    },

    async "memory/reset"() {
      requireExperimental(s, "memory/reset");
      // The directory stays; what is in it goes (a link inside is removed, never followed).
      const st = await lstat(memoriesDir).catch(() => null);
      if (st?.isDirectory())
        for (const name of await readdir(memoriesDir))
          await rm(join(memoriesDir, name), { recursive: true, force: true });
      usingState(() => forgetExtractedMemories(s.codexHome));
      return {};
    },

    async "rollout/compress"() {
      requireExperimental(s, "rollout/compress");
      return {};
    },
  };
}

/**
 * Whether threads are given the memories: the `memories` feature (the config's value, else the run-time one, else
 * off, 0.166.0's default) and `[memories] use_memories` (default true).
 */
export async function memoriesInUse(
  layers: (() => Promise<ConfigLayer[]>) | undefined,
  requirements?: () => Promise<ConfigRequirements | null>,
): Promise<boolean> {
  const merged = layers ? (await layers().catch(() => [])).map((l) => l.table).reduce(mergeTables, {}) : {};
  const features = isTomlTable(merged.features) ? merged.features : {};
  const memories = isTomlTable(merged.memories) ? merged.memories : {};
  // requirements.toml may pin the feature, whatever the config says.
  const pinned = (await requirements?.().catch(() => null))?.features?.pinned.memories;
  const feature =
    pinned ?? (typeof features.memories === "boolean" ? features.memories : runtimeFeatures.get("memories"));
  return feature === true && memories.use_memories !== false;
}
