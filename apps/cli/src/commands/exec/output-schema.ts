import path from "node:path";
import { FileReadError, readBoundedFile } from "@codex-ts/config-loader";
import { osErrorText } from "@codex-ts/core";
import { ExecInputError } from "./input.js";

/** Largest `--output-schema` file read; a schema is a few KiB, so more is a wrong path rather than a schema. */
export const OUTPUT_SCHEMA_MAX_BYTES = 1024 * 1024;

/**
 * `codex exec --output-schema FILE`: the file's JSON, sent as the turn's schema for the model's answer. Only a
 * regular file up to OUTPUT_SCHEMA_MAX_BYTES is read; a missing, unreadable or non-JSON file stops exec before
 * anything is sent, in 0.58.0's words. Like 0.58.0, any JSON value is taken: the provider judges the schema.
 */
export async function readOutputSchema(file: string, base: string): Promise<unknown> {
  const abs = path.resolve(base, file);
  let text: string;
  try {
    text = (await readBoundedFile(abs, { maxBytes: OUTPUT_SCHEMA_MAX_BYTES })).toString("utf8");
  } catch (err) {
    throw new ExecInputError(`Failed to read output schema file ${file}: ${readFailure(err)}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ExecInputError(`Output schema file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Why the file could not be read, as 0.58.0 says it (a directory is its `Is a directory (os error 21)`). */
function readFailure(err: unknown): string {
  if (err instanceof FileReadError) {
    if (err.kind === "a directory") return "Is a directory (os error 21)";
    return err.reason === "too-large"
      ? `larger than ${OUTPUT_SCHEMA_MAX_BYTES} bytes`
      : `it is ${err.kind}, not a regular file`;
  }
  return osErrorText(err);
}
