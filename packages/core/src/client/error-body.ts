import { ERROR_BODY_MAX_BYTES, timerMs } from "./retry.js";

/**
 * The start of an error response's body as text, for the error message: at most `ERROR_BODY_MAX_BYTES`, and only
 * what arrives while the body keeps moving (each read waits at most `idleMs`), so a provider that sends an error
 * status and then a huge or endless body cannot stall or balloon the turn. The rest of the body is discarded.
 */
export function readErrorBody(response: Response, idleMs: number): Promise<string> {
  return readBodyText(response, idleMs, ERROR_BODY_MAX_BYTES);
}

/**
 * At most the first `maxBytes` of a response's body as text, read while it keeps moving (each read waits at most
 * `idleMs`); the rest is discarded. A caller that must tell a cut body from a whole one asks for one byte more
 * than it accepts.
 */
export async function readBodyText(response: Response, idleMs: number, maxBytes: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    // A body cut short or gone quiet ends the read: the message shows what did arrive.
    while (total < maxBytes) {
      const chunk = await nextChunk(reader, idleMs);
      if (typeof chunk === "string") break;
      chunks.push(chunk);
      total += chunk.byteLength;
    }
  } finally {
    reader.releaseLock();
    await response.body.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks).subarray(0, maxBytes);
  return new TextDecoder().decode(bytes);
}

/**
 * The next chunk of a body; "end" when it ended or broke off (a read that fails), "idle" when nothing came within
 * `idleMs`. The timer is cleared either way.
 */
export async function nextChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  idleMs: number,
): Promise<Uint8Array | "end" | "idle"> {
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<"idle">((resolve) => {
    timer = setTimeout(() => resolve("idle"), timerMs(idleMs));
  });
  const read = reader.read().then(
    (r) => (r.done ? ("end" as const) : r.value),
    () => "end" as const,
  );
  return Promise.race([read, idle]).finally(() => clearTimeout(timer));
}
