import { stat } from "node:fs/promises";
import { internalError } from "@codex-ts/app-server-protocol";
import { osErrorText } from "@codex-ts/core";

/** A request's `env`: what it names overrides the base, a null value unsets it. */
export function withEnvOverrides(
  base: Record<string, string>,
  overrides: Record<string, string | null> | null | undefined,
): Record<string, string> {
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === null) delete base[key];
    else base[key] = value;
  }
  return base;
}

/**
 * A missing or unusable cwd is refused as 0.166.0's spawn refuses it (`<failure>: No such file or directory (os
 * error 2)`, `…: Not a directory (os error 20)`), whether or not a sandbox would start first.
 */
export async function checkCwd(cwd: string, failure: string): Promise<void> {
  const st = await stat(cwd).catch((err: unknown) => {
    throw internalError(`${failure}: ${osErrorText(err)}`);
  });
  if (!st.isDirectory()) throw internalError(`${failure}: Not a directory (os error 20)`);
}
