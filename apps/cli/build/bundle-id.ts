import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";

/** What `src/codex.ts` holds until the build writes the bundle's hash in its place. */
export const BUNDLE_ID_PLACEHOLDER = "<bundle sha256: written by the build>";

/**
 * Writes the SHA-256 of the finished `bundle` into the built `launcher` in place of `BUNDLE_ID_PLACEHOLDER`, so that
 * the launcher names the bundle's code cache without hashing 2.5 MB at every start (src/launch/code-cache.ts). Runs
 * after every other rewrite of the bundle. Returns the hash; throws when the launcher has no placeholder (a build
 * that silently skipped this would only be slower, so say it).
 */
export async function writeBundleId(launcher: string, bundle: string): Promise<string> {
  const id = createHash("sha256")
    .update(await readFile(bundle))
    .digest("hex");
  const source = await readFile(launcher, "utf8");
  const quoted = JSON.stringify(BUNDLE_ID_PLACEHOLDER);
  const placeholder = literalPattern(quoted);
  if (source.search(placeholder) === -1)
    throw new Error(`${launcher}: no ${quoted} to replace with the bundle's hash`);
  await writeFile(launcher, source.replace(placeholder, JSON.stringify(id)));
  return id;
}

/**
 * Matches `text` as the minified build may write it: esbuild's `lineLimit` cuts a long string literal with line
 * continuations (a backslash and a line break, which the string's value does not include).
 */
function literalPattern(text: string): RegExp {
  const chars = [...text].map((c) => c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&"));
  return new RegExp(chars.join("(?:\\\\\\r?\\n)?"), "g");
}
