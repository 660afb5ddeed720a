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
    while (total < maxBytes) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), timerMs(idleMs));
      });
      const chunk = await Promise.race([reader.read(), idle]).finally(() => clearTimeout(timer));
      if (chunk === null || chunk.done) break;
      chunks.push(chunk.value);
      total += chunk.value.byteLength;
    }
  } catch {
    // A body cut short: the message shows what did arrive.
  } finally {
    reader.releaseLock();
    await response.body.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks).subarray(0, maxBytes);
  return new TextDecoder().decode(bytes);
}
