import { execFile } from "node:child_process";

function git(cwd: string, args: string[], okCodes: number[] = [0]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile("git", args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: "utf8" }, (err, stdout) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve(okCodes.includes(code) ? stdout : null);
    });
  });
}

/**
 * The commit the local work is based on: the merge base of HEAD with `<remote>/<branch>` (or the remote's default
 * branch), trying `origin` first.
 */
async function baseSha(cwd: string): Promise<string | null> {
  const remotesOut = await git(cwd, ["remote"]);
  if (remotesOut === null) return null;
  const remotes = remotesOut.split("\n").filter(Boolean);
  remotes.sort((a, b) => (a === "origin" ? -1 : b === "origin" ? 1 : 0));
  const branch = (await git(cwd, ["rev-parse", "--abbrev-ref", "HEAD"]))?.trim();
  for (const remote of remotes) {
    const refs = [branch && branch !== "HEAD" ? `${remote}/${branch}` : null, `${remote}/HEAD`].filter(
      Boolean,
    );
    for (const ref of refs) {
      const base = await git(cwd, ["merge-base", "HEAD", ref as string]);
      if (base?.trim()) return base.trim();
    }
  }
  return null;
}

/**
 * `gitDiffToRemote`: the diff of the working tree (tracked changes plus untracked, non-ignored files) against the
 * commit it is based on upstream. Null when `cwd` is not a git work tree or has no remote base.
 */
export async function gitDiffToRemote(cwd: string): Promise<{ sha: string; diff: string } | null> {
  const inside = await git(cwd, ["rev-parse", "--is-inside-work-tree"]);
  if (inside?.trim() !== "true") return null;
  const sha = await baseSha(cwd);
  if (!sha) return null;
  const tracked = await git(cwd, ["diff", "--no-textconv", "--no-ext-diff", sha]);
  if (tracked === null) return null;
  const untrackedList = (await git(cwd, ["ls-files", "--others", "--exclude-standard", "-z"])) ?? "";
  let diff = tracked;
  for (const file of untrackedList.split("\0").filter(Boolean)) {
    // `--no-index` exits 1 when the files differ, which is always the case here.
    const d = await git(
      cwd,
      ["diff", "--no-textconv", "--no-ext-diff", "--binary", "--no-index", "--", "/dev/null", file],
      [0, 1],
    );
    if (d) diff += d;
  }
  return { sha, diff };
}
