/**
 * Codex's patch format (the `apply_patch` tool's input):
 *
 *   *** Begin Patch
 *   *** Add File: path         followed by `+` lines
 *   *** Delete File: path
 *   *** Update File: path      optionally `*** Move to: path`, then chunks:
 *   @@ [context line]          then ` ` (context), `-` (old) and `+` (new) lines, optionally `*** End of File`
 *   *** End Patch
 */
export type PatchHunk =
  | { kind: "add"; path: string; contents: string }
  | { kind: "delete"; path: string }
  | { kind: "update"; path: string; movePath?: string; chunks: UpdateChunk[] };

export interface UpdateChunk {
  /** The `@@ <text>` line that locates the chunk, if any. */
  changeContext?: string;
  oldLines: string[];
  newLines: string[];
  /** The chunk must match at the end of the file. */
  isEndOfFile: boolean;
}

export class PatchParseError extends Error {
  override readonly name: string = "PatchParseError";
}

/** A patch with no file operations: 0.58.0 parses it and then refuses it (`patch rejected: empty patch`). */
export class EmptyPatchError extends PatchParseError {
  override readonly name = "EmptyPatchError";
}

const BEGIN = "*** Begin Patch";
const END = "*** End Patch";
const ADD = "*** Add File: ";
const DELETE = "*** Delete File: ";
const UPDATE = "*** Update File: ";
const MOVE = "*** Move to: ";
const EOF_MARKER = "*** End of File";

/** Strips the `apply_patch <<'EOF' … EOF` heredoc wrapper models sometimes send through the shell. */
function unwrapHeredoc(lines: string[]): string[] {
  const first = lines[0]?.trim() ?? "";
  if (/^(apply_patch|applypatch)\s+<<-?\s*['"]?(\w+)['"]?$/.test(first)) {
    const marker = /<<-?\s*['"]?(\w+)['"]?$/.exec(first)![1]!;
    const end = lines.findLastIndex((l) => l.trim() === marker);
    if (end > 0) return lines.slice(1, end);
  }
  return lines;
}

export function parsePatch(text: string): PatchHunk[] {
  let lines = unwrapHeredoc(text.replace(/\r\n/g, "\n").trim().split("\n"));
  lines = lines.map((l, i) => (i === 0 || i === lines.length - 1 ? l.trim() : l));
  if (lines[0] !== BEGIN)
    throw new PatchParseError(`invalid patch: The first line of the patch must be '${BEGIN}'`);
  if (lines[lines.length - 1] !== END)
    throw new PatchParseError(`invalid patch: The last line of the patch must be '${END}'`);
  const body = lines.slice(1, -1);
  const hunks: PatchHunk[] = [];
  let i = 0;
  while (i < body.length) {
    const line = body[i]!;
    const lineNumber = i + 2;
    if (line.startsWith(ADD)) {
      const path = line.slice(ADD.length).trim();
      const contents: string[] = [];
      i++;
      while (i < body.length && body[i]!.startsWith("+")) contents.push(body[i++]!.slice(1));
      hunks.push({ kind: "add", path, contents: contents.length ? `${contents.join("\n")}\n` : "" });
    } else if (line.startsWith(DELETE)) {
      hunks.push({ kind: "delete", path: line.slice(DELETE.length).trim() });
      i++;
    } else if (line.startsWith(UPDATE)) {
      const path = line.slice(UPDATE.length).trim();
      i++;
      let movePath: string | undefined;
      if (body[i]?.startsWith(MOVE)) movePath = body[i++]!.slice(MOVE.length).trim();
      const chunks: UpdateChunk[] = [];
      while (i < body.length && !body[i]!.startsWith("*** ")) {
        const [chunk, next] = parseChunk(body, i, chunks.length === 0, path);
        chunks.push(chunk);
        i = next;
      }
      if (chunks.length === 0) throw new PatchParseError(`Update file hunk for path '${path}' is empty`);
      hunks.push({ kind: "update", path, ...(movePath ? { movePath } : {}), chunks });
    } else if (line.trim() === "") {
      i++;
    } else {
      throw new PatchParseError(
        `'${line}' is not a valid hunk header. Valid hunk headers: '*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}' (line ${lineNumber})`,
      );
    }
  }
  if (hunks.length === 0) throw new EmptyPatchError("The patch contains no changes");
  for (const h of hunks) if (h.path === "") throw new PatchParseError("A hunk names an empty path");
  return hunks;
}

function parseChunk(body: string[], start: number, first: boolean, path: string): [UpdateChunk, number] {
  let i = start;
  const chunk: UpdateChunk = { oldLines: [], newLines: [], isEndOfFile: false };
  const header = body[i]!;
  if (header === "@@" || header.startsWith("@@ ")) {
    const context = header.slice(2).trim();
    if (context) chunk.changeContext = context;
    i++;
  } else if (!first) {
    throw new PatchParseError(
      `Expected update hunk to start with a @@ context marker, got: '${header}' in ${path}`,
    );
  }
  let sawLine = false;
  while (i < body.length) {
    const line = body[i]!;
    if (line === EOF_MARKER) {
      chunk.isEndOfFile = true;
      i++;
      break;
    }
    if (line.startsWith("@@") || line.startsWith("*** ")) break;
    const tag = line[0];
    const rest = line.slice(1);
    if (tag === " " || line === "") {
      chunk.oldLines.push(rest);
      chunk.newLines.push(rest);
    } else if (tag === "-") {
      chunk.oldLines.push(rest);
    } else if (tag === "+") {
      chunk.newLines.push(rest);
    } else {
      throw new PatchParseError(
        `Unexpected line in update hunk for ${path}: '${line}'. Every line should start with ' ', '+' or '-'`,
      );
    }
    sawLine = true;
    i++;
  }
  if (!sawLine) throw new PatchParseError(`Update hunk for ${path} does not contain any lines`);
  return [chunk, i];
}
