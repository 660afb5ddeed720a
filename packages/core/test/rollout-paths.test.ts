import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isNormalRelative, joinNormalized } from "../src/rollout/paths.js";

// joinNormalized skips path.join's normalization only where it would change nothing: same result as join for a
// normalized absolute directory, whatever the relative part.
describe("joinNormalized", () => {
  const dirs = ["/home/u/.codex", "/home/u/.codex/", "/", "/a b/c-d.e"];
  const rels = [
    "sessions",
    "sessions/2026/11/20/rollout-x.jsonl",
    "a/.b/c..d/...",
    "",
    ".",
    "..",
    "a/./b",
    "a/../../b",
    "a//b",
    "/abs",
    "a/",
    "../x",
    "a\\b",
  ];
  for (const dir of dirs) {
    for (const rel of rels) {
      it(`joins ${JSON.stringify(dir)} and ${JSON.stringify(rel)} as join does`, () => {
        expect(joinNormalized(dir, rel)).toBe(join(dir, rel));
      });
    }
  }

  it("joins a relative directory with join (an absolute one must come normalized)", () => {
    expect(joinNormalized("rel/dir", "x")).toBe(join("rel/dir", "x"));
    expect(joinNormalized("./rel", "../x")).toBe(join("./rel", "../x"));
  });

  it("tells normal relative paths", () => {
    expect(isNormalRelative("a/b.c/..d")).toBe(true);
    for (const rel of ["", ".", "..", "a/.", "./a", "a/../b", "a//b", "/a", "a/"])
      expect(isNormalRelative(rel)).toBe(false);
  });
});
