import { readFile } from "node:fs/promises";
import { extname } from "node:path";

const MIME: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
};

/**
 * A local image as a `data:` URL (MIME type from the extension, else `application/octet-stream`), for the user's
 * `localImage` inputs and the `view_image` tool. Rejects when the file cannot be read.
 */
export async function imageDataUrl(path: string): Promise<string> {
  const data = await readFile(path);
  return `data:${MIME[extname(path).toLowerCase()] ?? "application/octet-stream"};base64,${data.toString("base64")}`;
}
