import { mkdir, realpath, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  combineInstructions,
  discoverProjectDocs,
  normalizeResponseItem,
  readProjectDocs,
} from "../src/index.js";

/**
 * Project docs discovery on real directories, with the outcomes the 0.58.0 binary gave for the same layouts
 * (see packages/app-server/test/project-docs.e2e.test.ts for the end-to-end comparison).
 */
let root: string;

beforeEach(async () => {
  root = await realpath(await tempDir("codex-project-doc-"));
});
afterEach(async () => {});

async function files(tree: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(tree)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), text);
  }
}

const docs = (cwd: string, maxBytes = 32 * 1024, fallbackFilenames: string[] = []) =>
  readProjectDocs(join(root, cwd), { maxBytes, fallbackFilenames });

describe("project docs", () => {
  it("joins the docs from the git root down to cwd, one per directory, override and fallbacks honoured", async () => {
    await files({
      ".git/HEAD": "ref: refs/heads/main\n",
      "AGENTS.md": "root doc\n",
      "sub/AGENTS.override.md": "sub override\n",
      "sub/AGENTS.md": "sub doc\n",
      "sub/deeper/CLAUDE.md": "claude doc\n",
      "sub/deeper/x/.keep": "",
    });
    expect(await docs("sub/deeper/x", undefined, ["", "CLAUDE.md"])).toBe(
      "root doc\n\n\nsub override\n\n\nclaude doc\n",
    );
    // Without the fallback name the deeper directory contributes nothing.
    expect(await docs("sub/deeper")).toBe("root doc\n\n\nsub override\n");
    expect(await discoverProjectDocs(join(root, "sub"), [])).toEqual([
      join(root, "AGENTS.md"),
      join(root, "sub/AGENTS.override.md"),
    ]);
  });

  it("takes a .git file (worktree) as the root and never looks above it", async () => {
    await files({
      "AGENTS.md": "outside\n",
      "repo/.git": "gitdir: /elsewhere\n",
      "repo/a/AGENTS.md": "a doc",
    });
    expect(await docs("repo/a")).toBe("a doc");
  });

  it("reads cwd alone when no git root is above it", async () => {
    await files({ "AGENTS.md": "parent\n", "a/AGENTS.md": "a doc\n" });
    expect(await docs("a")).toBe("a doc\n");
    expect(await docs("a/none")).toBeUndefined();
  });

  it("skips blank files, cuts at the byte budget, and is off at 0", async () => {
    await files({
      ".git/HEAD": "x",
      "AGENTS.md": "0123456789abcdef",
      "a/AGENTS.md": " \n\n",
      "a/b/AGENTS.md": "b",
    });
    expect(await docs("a/b", 10)).toBe("0123456789");
    expect(await docs("a/b", 17)).toBe("0123456789abcdef\n\nb");
    expect(await docs("a/b", 0)).toBeUndefined();
    // A multi-byte character cut in half decodes to U+FFFD, as Codex's lossy decoding does.
    await files({ "AGENTS.md": "é" });
    expect(await docs("a/b", 1)).toBe("\uFFFD");
  });

  it("follows symlinks and skips dangling ones", async () => {
    await files({ ".git/HEAD": "x", "real.md": "linked doc\n" });
    await mkdir(join(root, "a"));
    await symlink(join(root, "real.md"), join(root, "AGENTS.md"));
    await symlink(join(root, "missing.md"), join(root, "a/AGENTS.md"));
    expect(await docs("a")).toBe("linked doc\n");
  });

  it("puts the project-doc separator between the user's instructions and the docs", () => {
    expect(combineInstructions("home", "docs\n")).toBe("home\n\n--- project-doc ---\n\ndocs\n");
    expect(combineInstructions(undefined, "docs")).toBe("docs");
    expect(combineInstructions("home", undefined)).toBe("home");
    expect(combineInstructions(undefined, undefined)).toBeUndefined();
  });
});

describe("normalizeResponseItem", () => {
  it("drops Responses item ids and writes the fields in 0.58.0's order", () => {
    expect(
      normalizeResponseItem({
        id: "msg_1",
        type: "message",
        role: "assistant",
        content: [{ type: "output_text", text: "hi", annotations: [], logprobs: [] }],
      }),
    ).toEqual({ type: "message", role: "assistant", content: [{ type: "output_text", text: "hi" }] });
    const reasoning = normalizeResponseItem({
      type: "reasoning",
      id: "rs_1",
      summary: [],
      encrypted_content: "e",
    });
    expect(JSON.stringify(reasoning)).toBe(
      '{"type":"reasoning","summary":[],"content":null,"encrypted_content":"e"}',
    );
    const raw = [{ type: "reasoning_text", text: "t" }];
    expect(normalizeResponseItem({ type: "reasoning", id: "rs", summary: [], content: raw })).toEqual({
      type: "reasoning",
      summary: [],
      content: raw,
      encrypted_content: null,
    });
    expect(normalizeResponseItem({ type: "reasoning", summary: [], content: [] })).not.toHaveProperty(
      "content",
    );
    const custom = { id: "ctc_1", type: "custom_tool_call", name: "apply_patch", input: "p", call_id: "c" };
    expect(JSON.stringify(normalizeResponseItem(custom))).toBe(
      '{"type":"custom_tool_call","call_id":"c","name":"apply_patch","input":"p"}',
    );
    expect(
      normalizeResponseItem({
        id: "fc",
        type: "function_call",
        call_id: "c",
        name: "shell",
        arguments: "{}",
      }),
    ).toEqual({ type: "function_call", name: "shell", arguments: "{}", call_id: "c" });
    const output = { type: "function_call_output", call_id: "c", output: "ok" };
    expect(normalizeResponseItem(output)).toBe(output);
  });
});
