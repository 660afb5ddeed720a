import { ERROR_BODY_MAX_BYTES, timerMs } from "./retry.js";

/**
 * The start of an error response's body as text, for the error message: at most `ERROR_BODY_MAX_BYTES`, and only
 * what arrives while the body keeps moving (each read waits at most `idleMs`), so a provider that sends an error
 * status and then a huge or endless body cannot stall or balloon the turn. The rest of the body is discarded.
 */
export async function readErrorBody(response: Response, idleMs: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < ERROR_BODY_MAX_BYTES) {
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
  const bytes = Buffer.concat(chunks).subarray(0, ERROR_BODY_MAX_BYTES);
  return new TextDecoder().decode(bytes);
}
