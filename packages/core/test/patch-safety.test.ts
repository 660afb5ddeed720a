import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SandboxPolicy } from "@codex-ts/config-loader";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  applyPatch,
  assessPatchSafety,
  PATCH_OUTSIDE_ROOTS_REJECTION,
  type PatchApprovalPolicy,
  parsePatch,
  planChanges,
  resolveThroughSymlinks,
} from "../src/index.js";

/**
 * apply_patch cannot write outside the writable roots unasked (issue 14 row 3): every touched path — move targets
 * too — is checked after resolving symlinks, and applyPatch itself refuses to write through an escaping symlink.
 */
let base: string;
let work: string;
let outside: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "codex-patch-safety-"));
  work = join(base, "work");
  outside = join(base, "outside");
  await mkdir(work);
  await mkdir(outside);
  await writeFile(join(work, "a.txt"), "one\n");
  await symlink(outside, join(work, "link"));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const workspaceWrite = (roots: string[] = []): SandboxPolicy => ({
  mode: "workspace-write",
  writable_roots: roots,
  network_access: false,
  exclude_tmpdir_env_var: true,
  exclude_slash_tmp: true,
});

async function assess(
  patch: string,
  policy: SandboxPolicy = workspaceWrite(),
  approval: PatchApprovalPolicy = "on-request",
) {
  const changes = await planChanges(parsePatch(patch), work);
  return assessPatchSafety({ changes, cwd: work, sandboxPolicy: policy, approvalPolicy: approval });
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

describe("assessPatchSafety", () => {
  it("auto-approves a patch whose every path really lies in the workspace", async () => {
    const patch =
      "*** Begin Patch\n*** Update File: a.txt\n-one\n+two\n*** Add File: sub/new.txt\n+x\n*** End Patch";
    expect(await assess(patch)).toEqual({ decision: "auto-approve" });
  });

  it("a move whose target is outside asks the user (the source alone was checked before)", async () => {
    const target = join(outside, "moved.txt");
    const patch = `*** Begin Patch\n*** Update File: a.txt\n*** Move to: ${target}\n@@\n-one\n+two\n*** End Patch`;
    expect(await assess(patch)).toEqual({ decision: "ask-user", outside: [target] });
    expect(await assess(patch, workspaceWrite(), "never")).toEqual({
      decision: "reject",
      reason: PATCH_OUTSIDE_ROOTS_REJECTION,
      outside: [target],
    });
  });

  it("an added file under a symlink that leads out of the workspace is outside", async () => {
    const patch = "*** Begin Patch\n*** Add File: link/deeper/x.txt\n+pwned\n*** End Patch";
    expect(await assess(patch)).toEqual({ decision: "ask-user", outside: [join(work, "link/deeper/x.txt")] });
    // The same place named as a writable root is fine.
    expect(await assess(patch, workspaceWrite([outside]))).toEqual({ decision: "auto-approve" });
  });

  it("an update or delete of a symlink to a file outside is outside", async () => {
    await writeFile(join(outside, "secret.txt"), "one\n");
    await symlink(join(outside, "secret.txt"), join(work, "secret-link"));
    const del = "*** Begin Patch\n*** Delete File: secret-link\n*** End Patch";
    expect((await assess(del)).decision).toBe("ask-user");
  });

  it("the workspace's .git stays read-only, as in Codex", async () => {
    await mkdir(join(work, ".git", "hooks"), { recursive: true });
    const patch = "*** Begin Patch\n*** Add File: .git/hooks/pre-commit\n+#!/bin/sh\n*** End Patch";
    expect((await assess(patch)).decision).toBe("ask-user");
  });

  it("follows the policies: untrusted always asks, full access never does, read-only asks or refuses", async () => {
    const inside = "*** Begin Patch\n*** Update File: a.txt\n-one\n+two\n*** End Patch";
    expect((await assess(inside, workspaceWrite(), "untrusted")).decision).toBe("ask-user");
    const escaping = "*** Begin Patch\n*** Add File: link/x\n+x\n*** End Patch";
    expect(await assess(escaping, { mode: "danger-full-access" })).toEqual({ decision: "auto-approve" });
    expect((await assess(inside, { mode: "read-only" })).decision).toBe("ask-user");
    expect((await assess(inside, { mode: "read-only" }, "never")).decision).toBe("reject");
  });

  it("resolves through the nearest existing ancestor; a dangling symlink cannot be resolved", async () => {
    expect(await resolveThroughSymlinks(join(work, "link", "a", "b"))).toBe(join(outside, "a", "b"));
    await symlink(join(base, "nowhere"), join(work, "dangling"));
    expect(await resolveThroughSymlinks(join(work, "dangling", "x"))).toBeNull();
  });
});

describe("applyPatch refuses to write through a symlink that escapes", () => {
  it("Add File under an escaping symlink: refused, nothing written anywhere", async () => {
    const r = await applyPatch(
      "*** Begin Patch\n*** Add File: inside.txt\n+ok\n*** Add File: link/x.txt\n+pwned\n*** End Patch",
      work,
    );
    expect(r.success).toBe(false);
    expect(r.stderr).toContain(`refusing to write ${join(work, "link/x.txt")}`);
    expect(await exists(join(outside, "x.txt"))).toBe(false);
    expect(await exists(join(work, "inside.txt"))).toBe(false);
  });

  it("Update of a symlink to an outside file: refused, the outside file unchanged", async () => {
    await writeFile(join(outside, "target.txt"), "one\n");
    await symlink(join(outside, "target.txt"), join(work, "t-link"));
    const r = await applyPatch("*** Begin Patch\n*** Update File: t-link\n-one\n+two\n*** End Patch", work);
    expect(r.success).toBe(false);
    expect(await readFile(join(outside, "target.txt"), "utf8")).toBe("one\n");
  });

  it("symlinks that stay inside, and roots the caller adds, are written normally", async () => {
    await mkdir(join(work, "real"));
    await symlink(join(work, "real"), join(work, "inner"));
    const r = await applyPatch("*** Begin Patch\n*** Add File: inner/x.txt\n+ok\n*** End Patch", work);
    expect(r.success).toBe(true);
    expect(await readFile(join(work, "real/x.txt"), "utf8")).toBe("ok\n");
    const viaRoot = await applyPatch("*** Begin Patch\n*** Add File: link/y.txt\n+ok\n*** End Patch", work, {
      roots: [],
    });
    expect(viaRoot.success).toBe(true);
  });

  it("a FIFO named as the file to update fails at once instead of blocking", async () => {
    execFileSync("mkfifo", [join(work, "pipe")]);
    const r = await applyPatch("*** Begin Patch\n*** Update File: pipe\n-a\n+b\n*** End Patch", work);
    expect(r.success).toBe(false);
    expect(r.stderr).toContain("not a regular file");
  });
});
