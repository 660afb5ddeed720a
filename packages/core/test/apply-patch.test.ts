import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyPatch, PatchParseError, parsePatch, planPatch } from "../src/index.js";

let dir: string;
beforeEach(async () => {
  dir = await tempDir("codex-patch-");
});
afterEach(async () => {});

const patch = (...lines: string[]) => ["*** Begin Patch", ...lines, "*** End Patch"].join("\n");
const read = (name: string) => readFile(join(dir, name), "utf8");

describe("parsePatch", () => {
  it("parses add, delete, update with move, context and end-of-file markers", () => {
    const hunks = parsePatch(
      patch(
        "*** Add File: a.txt",
        "+one",
        "+two",
        "*** Delete File: b.txt",
        "*** Update File: c.txt",
        "*** Move to: d.txt",
        "@@ fn main",
        " keep",
        "-old",
        "+new",
        "*** End of File",
      ),
    );
    expect(hunks).toEqual([
      { kind: "add", path: "a.txt", contents: "one\ntwo\n" },
      { kind: "delete", path: "b.txt" },
      {
        kind: "update",
        path: "c.txt",
        movePath: "d.txt",
        chunks: [
          {
            changeContext: "fn main",
            oldLines: ["keep", "old"],
            newLines: ["keep", "new"],
            isEndOfFile: true,
          },
        ],
      },
    ]);
  });

  it("accepts the heredoc form models send through the shell", () => {
    const text = `apply_patch <<'EOF'\n${patch("*** Add File: x", "+y")}\nEOF\n`;
    expect(parsePatch(text)).toEqual([{ kind: "add", path: "x", contents: "y\n" }]);
  });

  it("rejects malformed patches with a clear message", () => {
    expect(() => parsePatch("hello")).toThrow(PatchParseError);
    expect(() => parsePatch("*** Begin Patch\n*** Add File: x\n+y")).toThrow(
      "last line of the patch must be",
    );
    expect(() => parsePatch(patch("*** Frobnicate: x"))).toThrow("is not a valid hunk header");
    expect(() => parsePatch(patch("*** Update File: x"))).toThrow("is empty");
    expect(() => parsePatch(patch())).toThrow("no changes");
  });
});

describe("applyPatch", () => {
  it("adds, updates, moves and deletes files and reports them", async () => {
    await writeFile(join(dir, "old.txt"), "bye\n");
    await writeFile(join(dir, "code.rs"), 'fn main() {\n    println!("hi");\n}\n');
    const r = await applyPatch(
      patch(
        "*** Add File: sub/new.txt",
        "+hello",
        "*** Delete File: old.txt",
        "*** Update File: code.rs",
        "*** Move to: main.rs",
        "@@ fn main() {",
        '-    println!("hi");',
        '+    println!("hello");',
      ),
      dir,
    );
    expect(r).toMatchObject({
      success: true,
      stdout: "Success. Updated the following files:\nA sub/new.txt\nD old.txt\nM code.rs\n",
      stderr: "",
    });
    expect(await read("sub/new.txt")).toBe("hello\n");
    expect(await read("main.rs")).toBe('fn main() {\n    println!("hello");\n}\n');
    expect((await readdir(dir)).sort()).toEqual(["main.rs", "sub"]);
  });

  it("matches lines ignoring trailing whitespace and applies several chunks", async () => {
    await writeFile(join(dir, "f.txt"), "a  \nb\nc\nd\ne\n");
    const r = await applyPatch(
      patch("*** Update File: f.txt", "@@", " a", "-b", "+B", "@@", "-d", "+D"),
      dir,
    );
    expect(r.success).toBe(true);
    // Like Codex, the matched region is replaced by the patch text, context lines included.
    expect(await read("f.txt")).toBe("a\nB\nc\nD\ne\n");
  });

  it("changes nothing when any hunk does not apply", async () => {
    await writeFile(join(dir, "keep.txt"), "original\n");
    const r = await applyPatch(
      patch("*** Add File: added.txt", "+x", "*** Update File: keep.txt", "-not there", "+new"),
      dir,
    );
    expect(r.success).toBe(false);
    expect(r.stderr).toContain("Failed to find expected lines in keep.txt");
    expect(await read("keep.txt")).toBe("original\n");
    expect(await readdir(dir)).toEqual(["keep.txt"]);
  });

  it("fails cleanly when a file to update or delete is missing", async () => {
    const r = await applyPatch(patch("*** Delete File: ghost.txt"), dir);
    expect(r.success).toBe(false);
    expect(r.stderr).toContain("Failed to read file to delete");
    const bad = await applyPatch("not a patch", dir);
    expect(bad.success).toBe(false);
    expect(bad.stderr).toContain("*** Begin Patch");
  });
});

describe("planPatch", () => {
  it("describes changes by absolute path for approvals", async () => {
    await writeFile(join(dir, "u.txt"), "1\n2\n3\n");
    await writeFile(join(dir, "d.txt"), "gone\n");
    const changes = await planPatch(
      patch(
        "*** Add File: a.txt",
        "+hi",
        "*** Delete File: d.txt",
        "*** Update File: u.txt",
        " 1",
        "-2",
        "+two",
      ),
      dir,
    );
    expect(changes).toEqual({
      [join(dir, "a.txt")]: { add: { content: "hi\n" } },
      [join(dir, "d.txt")]: { delete: { content: "gone\n" } },
      [join(dir, "u.txt")]: {
        update: { unified_diff: "@@ -1,3 +1,3 @@\n 1\n-2\n+two\n 3\n", move_path: null },
      },
    });
    expect(await read("u.txt")).toBe("1\n2\n3\n");
  });
});
