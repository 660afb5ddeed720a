import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { internalError } from "@codex-ts/app-server-protocol";

/**
 * `gitDiffToRemote`, bounded. The work tree is the client's to name and may be hostile: its config can name
 * programs (`core.fsmonitor`, hooks, `filter.<driver>.clean`/`process`) that git would run unsandboxed, it can hold
 * thousands of untracked files or huge ones. So every git call here turns those programs off, the untracked files
 * are diffed in one call (not one git per file), and the whole request has a time limit and its output a size
 * limit.
 */

/** The diff a client gets at most; a larger one is an error (a cut diff would not apply). */
export const GIT_DIFF_MAX_BYTES = 16 * 1024 * 1024;
/** All git calls of one request together. */
export const GIT_DIFF_TIMEOUT_MS = 20_000;

/** Options that keep git from running anything the repository's config names. */
const SAFE_GIT = ["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "--no-optional-locks"];

class GitLimitError extends Error {}

interface GitCall {
  args: string[];
  okCodes?: number[];
  input?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs git in one work tree until one deadline, with the options every call gets. */
type Git = (call: GitCall) => Promise<string | null>;

function gitIn(cwd: string, deadline: number, options: readonly string[] = []): Git {
  return (call) => runGit(cwd, deadline, { ...call, args: [...options, ...call.args] });
}

/**
 * `-c` options that empty every filter driver the configuration defines: git would run a driver's `clean` or
 * `process` command on work-tree files while diffing them.
 */
async function filterOverrides(git: Git): Promise<string[]> {
  const names = await git({
    args: ["config", "-z", "--name-only", "--get-regexp", "^filter\\."],
    okCodes: [0, 1],
  });
  const drivers = new Set<string>();
  for (const name of (names ?? "").split("\0")) {
    const last = name.lastIndexOf(".");
    if (name.startsWith("filter.") && last > "filter.".length)
      drivers.add(name.slice("filter.".length, last));
  }
  return [...drivers].flatMap((d) =>
    ["clean=", "smudge=", "process=", "required=false"].flatMap((kv) => ["-c", `filter.${d}.${kv}`]),
  );
}

/** One git call's stdout, or null when it failed; throws GitLimitError past the deadline or the output cap. */
function runGit(cwd: string, deadline: number, call: GitCall): Promise<string | null> {
  const timeout = deadline - Date.now();
  if (timeout <= 0)
    return Promise.reject(new GitLimitError(`git took longer than ${GIT_DIFF_TIMEOUT_MS} ms`));
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      [...SAFE_GIT, ...call.args],
      {
        cwd,
        maxBuffer: GIT_DIFF_MAX_BYTES,
        encoding: "utf8",
        timeout,
        killSignal: "SIGKILL",
        env: { ...process.env, ...call.env },
      },
      (err, stdout) => {
        if ((err as { code?: unknown } | null)?.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") {
          reject(new GitLimitError(`the diff is over the ${GIT_DIFF_MAX_BYTES}-byte limit`));
          return;
        }
        if (err?.killed && Date.now() >= deadline) {
          reject(new GitLimitError(`git took longer than ${GIT_DIFF_TIMEOUT_MS} ms`));
          return;
        }
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve((call.okCodes ?? [0]).includes(code) ? stdout : null);
      },
    );
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(call.input ?? "");
  });
}

/**
 * The commit the local work is based on: the merge base of HEAD with `<remote>/<branch>` (or the remote's default
 * branch), trying `origin` first.
 */
async function baseSha(git: Git): Promise<string | null> {
  const remotesOut = await git({ args: ["remote"] });
  if (remotesOut === null) return null;
  const remotes = remotesOut.split("\n").filter(Boolean);
  remotes.sort((a, b) => (a === "origin" ? -1 : b === "origin" ? 1 : 0));
  const branch = (await git({ args: ["rev-parse", "--abbrev-ref", "HEAD"] }))?.trim();
  for (const remote of remotes) {
    const refs = [branch && branch !== "HEAD" ? `${remote}/${branch}` : null, `${remote}/HEAD`].filter(
      (r): r is string => r !== null,
    );
    for (const ref of refs) {
      const base = await git({ args: ["merge-base", "HEAD", ref] });
      if (base?.trim()) return base.trim();
    }
  }
  return null;
}

/**
 * The untracked files as new-file diffs, in one git call: they are added intent-to-add to a throwaway index that
 * holds nothing else, and that index is diffed against the work tree. The output is byte for byte what
 * `git diff --binary --no-index /dev/null <file>` gives for each file in turn (which 0.58.0 runs, one git per file).
 */
async function untrackedDiff(git: Git, files: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "codex-git-diff-"));
  try {
    const env = { GIT_INDEX_FILE: join(dir, "index") };
    const added = await git({
      args: [
        "--literal-pathspecs",
        "add",
        "--intent-to-add",
        "--pathspec-from-file=-",
        "--pathspec-file-nul",
      ],
      input: files.join("\0"),
      env,
    });
    if (added === null) return "";
    return (await git({ args: ["diff", "--no-textconv", "--no-ext-diff", "--binary"], env })) ?? "";
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `gitDiffToRemote`: the diff of the working tree (tracked changes plus untracked, non-ignored files) against the
 * commit it is based on upstream. Null when `cwd` is not a git work tree or has no remote base. Throws a -32603
 * RpcError when the diff is over GIT_DIFF_MAX_BYTES or git takes over GIT_DIFF_TIMEOUT_MS.
 */
export async function gitDiffToRemote(cwd: string): Promise<{ sha: string; diff: string } | null> {
  // git cannot run in a directory whose name holds a NUL: no diff, as 0.58.0 answers it.
  if (cwd.includes("\u0000")) return null;
  const deadline = Date.now() + GIT_DIFF_TIMEOUT_MS;
  try {
    const probe = gitIn(cwd, deadline);
    const inside = await probe({ args: ["rev-parse", "--is-inside-work-tree"] });
    if (inside?.trim() !== "true") return null;
    const git = gitIn(cwd, deadline, await filterOverrides(probe));
    const sha = await baseSha(git);
    if (!sha) return null;
    const tracked = await git({ args: ["diff", "--no-textconv", "--no-ext-diff", sha] });
    if (tracked === null) return null;
    const list = await git({ args: ["ls-files", "--others", "--exclude-standard", "-z"] });
    const untracked = (list ?? "").split("\0").filter(Boolean);
    const diff = tracked + (untracked.length > 0 ? await untrackedDiff(git, untracked) : "");
    if (Buffer.byteLength(diff, "utf8") > GIT_DIFF_MAX_BYTES)
      throw new GitLimitError(`the diff is over the ${GIT_DIFF_MAX_BYTES}-byte limit`);
    return { sha, diff };
  } catch (err) {
    if (err instanceof GitLimitError)
      throw internalError(
        `failed to compute git diff to remote for cwd: ${JSON.stringify(cwd)}: ${err.message}`,
      );
    throw err;
  }
}
