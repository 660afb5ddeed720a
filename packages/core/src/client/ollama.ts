import { nextChunk, readBodyText } from "./error-body.js";

/** The built-in open-source provider (`codex exec --oss`) and the model it runs when none is given (0.58.0's). */
export const OSS_PROVIDER_ID = "oss";
export const DEFAULT_OSS_MODEL = "gpt-oss:20b";

/** 0.58.0's words when the local server does not answer its probe. */
export const OLLAMA_CONNECTION_ERROR =
  "No running Ollama server detected. Start it with: `ollama serve` (after installing). Install instructions: https://github.com/ollama/ollama?tab=readme-ov-file#ollama";
/** The probe and the model list each get this long (0.58.0 bounds the connection by 5 s). */
const REQUEST_TIMEOUT_MS = 5_000;
/** A model list larger than this is not read (treated as unknown, so the pull is not attempted). */
const MODEL_LIST_MAX_BYTES = 1024 * 1024;
/** A pull whose progress stream sends nothing for this long has stalled (0.58.0 waits forever). */
const PULL_IDLE_TIMEOUT_MS = 5 * 60_000;
/** Progress lines are small JSON objects; a longer line is skipped, never held. */
const PULL_LINE_MAX_CHARS = 64 * 1024;

/** What a model pull reports, as Ollama streams it (one JSON object per line). */
export type PullEvent =
  | { type: "status"; status: string }
  | { type: "progress"; digest: string; total?: number; completed?: number }
  | { type: "success" }
  | { type: "error"; message: string };

/** Why `ensureOssReady` could not prepare the server; the message is 0.58.0's, without its "OSS setup failed". */
export class OssSetupError extends Error {}

/** `http://host:11434/v1` → `http://host:11434`: Ollama's own API lives at the host root. */
export function ollamaHostRoot(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, "");
  return trimmed.endsWith("/v1") ? trimmed.slice(0, -3).replace(/\/+$/, "") : trimmed;
}

/**
 * Gets the local Ollama server ready for `model` as 0.58.0's `--oss` does: probes it (`/v1/models` for a base URL
 * ending in `/v1`, else `/api/tags`), lists its models (`/api/tags`), and pulls the model when it is not there,
 * reporting the pull's progress. A model list that cannot be read is not fatal: the run goes on and the model
 * request says what is wrong. Throws `OssSetupError`.
 */
export async function ensureOssReady(
  baseUrl: string,
  model: string,
  onPull: (event: PullEvent) => void,
): Promise<void> {
  const root = ollamaHostRoot(baseUrl);
  const openAiCompatible = /\/v1\/*$/.test(baseUrl);
  const probe = await get(`${root}${openAiCompatible ? "/v1/models" : "/api/tags"}`);
  if (!probe?.ok) throw new OssSetupError(OLLAMA_CONNECTION_ERROR);
  await probe.body?.cancel().catch(() => undefined);
  const models = await listModels(root);
  if (models === null || models.includes(model)) return;
  await pull(root, model, onPull);
}

async function get(url: string): Promise<Response | null> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch {
    return null;
  }
}

/** The names of the models the server has (`/api/tags`); null when they cannot be known. */
async function listModels(root: string): Promise<string[] | null> {
  const res = await get(`${root}/api/tags`);
  if (!res) return null;
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    return []; // 0.58.0 takes a refused list as an empty one, and pulls
  }
  const text = await readBodyText(res, REQUEST_TIMEOUT_MS, MODEL_LIST_MAX_BYTES + 1);
  if (text.length > MODEL_LIST_MAX_BYTES) return null;
  try {
    const models = (JSON.parse(text) as { models?: unknown }).models;
    if (!Array.isArray(models)) return [];
    return models.flatMap((m) =>
      typeof (m as { name?: unknown })?.name === "string" ? [(m as { name: string }).name] : [],
    );
  } catch {
    return null;
  }
}

/** Pulls `model` (`POST /api/pull`, streamed), reporting each event; resolves on success. */
async function pull(root: string, model: string, onPull: (event: PullEvent) => void): Promise<void> {
  onPull({ type: "status", status: `Pulling model ${model}...` });
  let res: Response;
  // Only the answer's headers are timed: the download itself streams for as long as it makes progress.
  const starting = new AbortController();
  const timer = setTimeout(() => starting.abort(), REQUEST_TIMEOUT_MS);
  try {
    res = await fetch(`${root}/api/pull`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, stream: true }),
      signal: starting.signal,
    });
  } catch (err) {
    throw new OssSetupError(`failed to start pull: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new OssSetupError(`failed to start pull: HTTP ${res.status} ${res.statusText}`.trimEnd());
  }
  for await (const line of ndjsonLines(res)) {
    for (const event of pullEvents(line)) {
      onPull(event);
      // Ollama answers 200 and reports a failed pull inside the stream.
      if (event.type === "error") throw new OssSetupError(`Pull failed: ${event.message}`);
      if (event.type === "success") return;
    }
  }
  throw new OssSetupError("Pull stream ended unexpectedly without success.");
}

/** One progress line as events: its status (then success), its layer's byte counts, or its error. */
export function pullEvents(value: unknown): PullEvent[] {
  if (typeof value !== "object" || value === null) return [];
  const v = value as Record<string, unknown>;
  const events: PullEvent[] = [];
  if (typeof v.status === "string") {
    events.push({ type: "status", status: v.status });
    if (v.status === "success") events.push({ type: "success" });
  }
  const count = (n: unknown) => (typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : undefined);
  const total = count(v.total);
  const completed = count(v.completed);
  if (total !== undefined || completed !== undefined)
    events.push({
      type: "progress",
      digest: typeof v.digest === "string" ? v.digest : "",
      ...(total !== undefined ? { total } : {}),
      ...(completed !== undefined ? { completed } : {}),
    });
  if (typeof v.error === "string") events.push({ type: "error", message: v.error });
  return events;
}

/** The parsed JSON lines of a streamed body; a line that is too long or not JSON is skipped. */
async function* ndjsonLines(res: Response): AsyncGenerator<unknown> {
  if (!res.body) return;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  let skipping = false;
  try {
    for (;;) {
      // A connection that breaks ends the stream, as 0.58.0's does (then: no success seen).
      const chunk = await nextChunk(reader, PULL_IDLE_TIMEOUT_MS);
      if (chunk === "idle")
        throw new OssSetupError(`the pull sent no progress for ${PULL_IDLE_TIMEOUT_MS / 1000} s`);
      if (chunk === "end") break;
      pending += decoder.decode(chunk, { stream: true });
      let nl = pending.indexOf("\n");
      while (nl !== -1) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!skipping) {
          const parsed = parseJson(line);
          if (parsed !== undefined) yield parsed;
        }
        skipping = false;
        nl = pending.indexOf("\n");
      }
      if (pending.length > PULL_LINE_MAX_CHARS) {
        pending = "";
        skipping = true; // the rest of this line, up to its newline, is dropped too
      }
    }
    if (!skipping) {
      const last = parseJson(pending);
      if (last !== undefined) yield last;
    }
  } finally {
    reader.releaseLock();
    await res.body.cancel().catch(() => undefined);
  }
}

function parseJson(line: string): unknown {
  if (line.trim() === "") return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
