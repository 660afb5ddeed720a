import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { errorOf, startAppServer, type TestAppServer, tempDir } from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";

let tmp: string;
let client: TestAppServer;

async function write(rel: string, text = "x\n") {
  const abs = path.join(tmp, rel);
  await fs.mkdir(path.dirname(abs), { recursive: true });
  await fs.writeFile(abs, text);
}

beforeAll(async () => {
  tmp = await tempDir("as-workspace-");
  client = await startAppServer();
  await client.initialize();
});

describe("fuzzyFileSearch", () => {
  it("finds files by fuzzy name, honours nested .gitignore files, skips .git, ranks file-name hits first", async () => {
    await write("proj/.gitignore", "node_modules/\n*.log\n");
    await write("proj/src/main.rs");
    await write("proj/src/deep/mainframe.ts");
    await write("proj/docs/m_a_i_n.md");
    await write("proj/node_modules/main.js");
    await write("proj/main.log");
    await write("proj/.git/refs/heads/main");
    await write("proj/pkg/.gitignore", "generated/\n");
    await write("proj/pkg/generated/main.ts");
    await write("proj/pkg/main.ts");
    const root = path.join(tmp, "proj");
    const res = await client.request("fuzzyFileSearch", {
      query: "main",
      roots: [root],
      cancellationToken: null,
    });
    const files = res.files;
    const paths = files.map((f) => f.path);
    expect(paths.sort()).toEqual(["docs/m_a_i_n.md", "pkg/main.ts", "src/deep/mainframe.ts", "src/main.rs"]);
    const main = files.find((f) => f.path === "src/main.rs");
    expect(main).toMatchObject({ root, file_name: "main.rs", indices: [4, 5, 6, 7] });
    // Consecutive file-name matches outrank a scattered match.
    const ordered = res.files.map((f) => f.path);
    expect(ordered.at(-1)).toBe("docs/m_a_i_n.md");
    expect(
      await client.request("fuzzyFileSearch", { query: "", roots: [root], cancellationToken: null }),
    ).toEqual({
      files: [],
    });
    expect(await client.raw.call("no-roots", "fuzzyFileSearch", { query: "x" })).toMatchObject({
      error: { code: -32600, message: "Invalid request: missing field `roots`" },
    });
  });

  it("a second search with the same cancellation token cancels the first, which answers with no files", async () => {
    for (let d = 0; d < 20; d++) {
      await write(`big/d${d}/alpha${d}.txt`);
    }
    const root = path.join(tmp, "big");
    // Both requests in one write, so the second is read while the first runs.
    await client.raw.send(
      [
        JSON.stringify({
          id: "10",
          method: "fuzzyFileSearch",
          params: { query: "alpha", roots: [root], cancellationToken: "t" },
        }),
        JSON.stringify({
          id: "11",
          method: "fuzzyFileSearch",
          params: { query: "alpha1", roots: [root], cancellationToken: "t" },
        }),
      ].join("\n"),
    );
    const first = await client.waitFor((m) => m.id === "10");
    const second = await client.waitFor((m) => m.id === "11");
    expect(first.result).toEqual({ files: [] });
    expect((second.result as { files: unknown[] }).files.length).toBeGreaterThan(0);
  });
});

describe("gitDiffToRemote", () => {
  it("diffs tracked and untracked changes against the remote base; errors outside a repository", async () => {
    const repo = path.join(tmp, "repo");
    const remote = path.join(tmp, "remote.git");
    const g = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
    await write("repo/README.md", "hi\n");
    await write("repo/.gitignore", "ignored.txt\n");
    g("init", "-q", "-b", "main");
    g("-c", "user.email=a@b", "-c", "user.name=a", "add", "-A");
    g("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "init");
    execFileSync("git", ["init", "-q", "--bare", remote]);
    g("remote", "add", "origin", remote);
    g("push", "-q", "origin", "main");
    const sha = g("rev-parse", "HEAD");
    await write("repo/README.md", "hi\nchanged\n");
    await write("repo/new.txt", "new\n");
    await write("repo/ignored.txt", "secret\n");
    const res = await client.request("gitDiffToRemote", { cwd: repo });
    expect(res.sha).toBe(sha);
    expect(res.diff).toContain("diff --git a/README.md b/README.md");
    expect(res.diff).toContain("+changed");
    expect(res.diff).toContain("diff --git a/new.txt b/new.txt\nnew file mode 100644");
    expect(res.diff).not.toContain("ignored.txt");
    const outside = path.join(tmp, "not-a-repo");
    await fs.mkdir(outside);
    expect(await errorOf(client.request("gitDiffToRemote", { cwd: outside }))).toEqual({
      code: -32600,
      message: `failed to compute git diff to remote for cwd: ${JSON.stringify(outside)}`,
    });
  });
});
