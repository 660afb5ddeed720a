import { existsSync, statSync } from "node:fs";
import path from "node:path";

/** Largest prompt read from stdin; more is refused rather than sent to the model. */
export const MAX_STDIN_PROMPT_BYTES = 8 * 1024 * 1024;

/** A problem with what the user gave `codex exec`: reported on stderr, exit status 1. */
export class ExecInputError extends Error {
  override readonly name = "ExecInputError";
}

/** Reads all of stdin as UTF-8, refusing more than `limit` bytes. */
export async function readStdin(limit: number, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > limit) throw new ExecInputError(`${what} on stdin is larger than ${limit} bytes.`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The prompt, as codex 0.58.0 takes it: the argument, or stdin when the argument is absent or `-`. An absent
 * argument with a terminal on stdin is an error (there is nothing to read); an empty stdin is one too.
 */
export async function resolvePrompt(arg: string | undefined): Promise<string> {
  if (arg !== undefined && arg !== "-") return arg;
  if (arg === undefined && process.stdin.isTTY) {
    throw new ExecInputError(
      "No prompt provided. Either specify one as an argument or pipe the prompt into stdin.",
    );
  }
  if (arg === undefined) process.stderr.write("Reading prompt from stdin...\n");
  const text = await readStdin(MAX_STDIN_PROMPT_BYTES, "The prompt");
  if (text.trim() === "") throw new ExecInputError("No prompt provided via stdin.");
  return text;
}

/** `-i a.png,b.png -i c.png`: every path, resolved from the process's directory, each an existing regular file. */
export function resolveImages(values: readonly string[], base: string): string[] {
  return values
    .flatMap((v) => v.split(","))
    .filter((v) => v !== "")
    .map((v) => {
      const abs = path.resolve(base, v);
      if (!existsSync(abs) || !statSync(abs).isFile()) throw new ExecInputError(`Image not found: ${abs}`);
      return abs;
    });
}

/** Whether `dir` is inside a git work tree (a `.git` directory or file in it or an ancestor). */
export function insideGitRepo(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, ".git"))) return true;
    if (path.dirname(d) === d) return false;
  }
}
