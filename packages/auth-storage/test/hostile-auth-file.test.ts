import { execFileSync } from "node:child_process";
import { readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { beforeEach, describe, expect, it } from "vitest";
import { AuthStorageError, createAuthStore } from "../src/index.js";

// Issue 14 row 17: a damaged auth.json must never put any part of the key into an error (which the app server
// answers with and logs). Plus: auth.json that is not a regular file or absurdly big is an error, not a hang.

const KEY = "sk-proj-Zq8vR2mN4xT7wL1kP9cB3hJ6fD0sA5eY";

let home: string;

beforeEach(async () => {
  home = await tempDir("codex-hostile-auth-");
});

/** Every 4-character piece of the key: an error showing any of them leaks part of it. */
function leaks(text: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i + 4 <= KEY.length; i++)
    if (text.includes(KEY.slice(i, i + 4))) pieces.push(KEY.slice(i, i + 4));
  return pieces;
}

async function loadError(content: string): Promise<AuthStorageError> {
  await writeFile(join(home, "auth.json"), content);
  const err = await createAuthStore({ codexHome: home, mode: "file" })
    .load()
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(AuthStorageError);
  return err as AuthStorageError;
}

describe("auth.json errors never carry the key", () => {
  const half = KEY.length / 2;
  const damaged: Record<string, string> = {
    "key spanning a newline": `{\n  "OPENAI_API_KEY": "${KEY.slice(0, half)}\n${KEY.slice(half)}"\n}`,
    "unquoted key spanning a newline": `{"OPENAI_API_KEY": ${KEY.slice(0, half)}\n${KEY.slice(half)}}`,
    "unquoted key broken near its start": `{"OPENAI_API_KEY": ${KEY.slice(0, 5)}\n${KEY.slice(5)}}`,
    "bare key on two lines": `${KEY.slice(0, half)}\n${KEY.slice(half)}`,
    "key then garbage": `{"OPENAI_API_KEY": "${KEY}"}\n"${KEY}"`,
    "truncated after the key": `{"OPENAI_API_KEY": "${KEY}`,
    "control character in the key": `{"OPENAI_API_KEY": "${KEY.slice(0, 10)}\u0001${KEY.slice(10)}"}`,
  };
  for (const [name, content] of Object.entries(damaged)) {
    it(name, async () => {
      const err = await loadError(content);
      expect(leaks(err.message)).toEqual([]);
      expect(err.message).toMatch(
        new RegExp(`^failed to parse ${join(home, "auth.json")}: invalid JSON( at line \\d+ column \\d+)?$`),
      );
      // The file is reported, never rewritten.
      expect(await readFile(join(home, "auth.json"), "utf8")).toBe(content);
    });
  }

  it("says where the syntax error is", async () => {
    const err = await loadError(`{\n  "OPENAI_API_KEY": "${KEY.slice(0, half)}\n${KEY.slice(half)}"\n}`);
    expect(err.message).toBe(
      `failed to parse ${join(home, "auth.json")}: invalid JSON at line 2 column ${22 + half}`,
    );
  });

  it("a wrong type names the field, not the value", async () => {
    const err = await loadError(`{"OPENAI_API_KEY": ["${KEY}"]}`);
    expect(leaks(err.message)).toEqual([]);
    expect(err.message).toContain("invalid `OPENAI_API_KEY`");
  });
});

describe("auth.json that is not a credentials file", () => {
  it("a FIFO is an error at once, not a hang", async () => {
    execFileSync("mkfifo", [join(home, "auth.json")]);
    await expect(createAuthStore({ codexHome: home, mode: "file" }).load()).rejects.toThrow(
      `failed to read ${join(home, "auth.json")}: not a regular file (a FIFO)`,
    );
  });

  it("a 2 GiB sparse file is refused by its size", async () => {
    await writeFile(join(home, "auth.json"), "");
    await truncate(join(home, "auth.json"), 2 ** 31);
    await expect(createAuthStore({ codexHome: home, mode: "file" }).load()).rejects.toThrow(
      `failed to read ${join(home, "auth.json")}: file is too large (${2 ** 31} bytes; the limit is 1048576 bytes)`,
    );
  });
});
