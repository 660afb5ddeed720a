import type { Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { FileReadError, readBoundedFile } from "@codex-ts/config-loader";
import { osErrorText } from "../rollout/os-error.js";

// Local images (the user's `localImage` inputs, the `view_image` tool) read as `data:` URLs through config-loader's
// bounded reader: only regular files (never blocking on a FIFO or a device), within a size cap, of an image type,
// and never Codex's own credential files.

/** The largest local image attached (the provider's own per-image limit); a larger one becomes a placeholder text. */
export const IMAGE_MAX_BYTES = 20 * 1024 * 1024;

/** Files in CODEX_HOME that hold credentials (login tokens, API keys, bearer tokens): never attached as images. */
const CREDENTIAL_FILES = ["auth.json", "config.toml"];

/** Image MIME types by extension, for files whose content is not a format recognised below (as 0.58.0 falls back). */
const IMAGE_MIME: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".bmp": "image/bmp",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
  ".ico": "image/x-icon",
  ".svg": "image/svg+xml",
  ".avif": "image/avif",
  ".heic": "image/heic",
  ".heif": "image/heif",
};

/** Common non-image types, so the refusal names the type as 0.58.0 does (`unsupported MIME type \`text/plain\``). */
const OTHER_MIME: Record<string, string> = {
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".csv": "text/csv",
  ".html": "text/html",
  ".css": "text/css",
  ".js": "text/javascript",
  ".json": "application/json",
  ".toml": "application/toml",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
  ".xml": "text/xml",
  ".pdf": "application/pdf",
  ".zip": "application/zip",
  ".gz": "application/gzip",
};

/** An image's format from its first bytes (the formats the Responses API takes), or null. */
function sniffImage(data: Buffer): string | null {
  const starts = (bytes: number[], at = 0) => bytes.every((b, i) => data[at + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (starts([0xff, 0xd8, 0xff])) return "image/jpeg";
  if (
    data
      .subarray(0, 6)
      .toString("latin1")
      .match(/^GIF8[79]a$/)
  )
    return "image/gif";
  if (data.subarray(0, 4).toString("latin1") === "RIFF" && data.subarray(8, 12).toString("latin1") === "WEBP")
    return "image/webp";
  return null;
}

/**
 * A local image as a `data:` URL, or why it is not attached: `reason` as 0.58.0 words it (where it has one), `cause`
 * the failure alone (an OS error's text, the refused type), as 0.166.0 words a queued attachment's.
 */
export type LocalImage = { ok: true; url: string } | { ok: false; reason: string; cause: string };

/**
 * Reads the image at `path` (absolute). The MIME type comes from the content when it is PNG, JPEG, GIF or WebP,
 * else from an image extension (0.58.0 sends such a file as it is); anything else is refused, as are non-regular
 * files (directories, FIFOs, devices: checked before opening, so nothing blocks), files over `IMAGE_MAX_BYTES`
 * and CODEX_HOME's credential files (by identity, so a symlink or hard link to them is refused too). `shownPath` is
 * the path as the caller named it, used in the reasons.
 */
export async function readLocalImage(
  path: string,
  opts: { shownPath?: string; codexHome?: string } = {},
): Promise<LocalImage> {
  const shown = opts.shownPath ?? path;
  const unreadable = (why: string): LocalImage => ({
    ok: false,
    reason: `failed to read image at ${shown}: ${why}`,
    cause: why,
  });
  let data: Buffer;
  try {
    data = await readBoundedFile(path, {
      maxBytes: IMAGE_MAX_BYTES,
      vet: async (st) => {
        if (await isCredentialFile(st, opts.codexHome)) throw new CredentialFileRefused();
      },
    });
  } catch (err) {
    if (err instanceof CredentialFileRefused) return unreadable("refusing to read a Codex credentials file");
    // Rust's wording for a directory (0.58.0 tries to read it); the reader's own for the kinds it would block on.
    if (err instanceof FileReadError && err.kind === "a directory")
      return unreadable("Is a directory (os error 21)");
    return unreadable(osErrorText(err));
  }
  const ext = extname(path).toLowerCase();
  const mime = sniffImage(data) ?? IMAGE_MIME[ext];
  if (mime) return { ok: true, url: `data:${mime};base64,${data.toString("base64")}` };
  const other = OTHER_MIME[ext];
  const reason = other ? `unsupported MIME type \`${other}\`` : "unsupported MIME type (unknown)";
  return { ok: false, reason, cause: reason };
}

/** The text 0.58.0 puts in a message in place of a local image it could not attach. */
export function unreadableImageText(shownPath: string, reason: string): string {
  return `Codex could not read the local image at \`${shownPath}\`: ${reason}`;
}

/** Thrown by the reader's vetting of a credentials file; turned into the refusal text above. */
class CredentialFileRefused extends Error {}

async function isCredentialFile(st: Stats, codexHome: string | undefined): Promise<boolean> {
  if (!codexHome) return false;
  for (const name of CREDENTIAL_FILES) {
    const other = await stat(join(codexHome, name)).catch(() => null);
    if (other && other.dev === st.dev && other.ino === st.ino) return true;
  }
  return false;
}
