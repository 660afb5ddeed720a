import { basename } from "node:path";

const PATCH_PROGRAMS = new Set(["apply_patch", "applypatch"]);
const SHELLS = new Set(["bash", "sh", "zsh"]);

/** `apply_patch <<'EOF'` … `EOF` as a whole script (quoted or bare delimiter, optional `-`). */
const HEREDOC =
  /^\s*(?:apply_patch|applypatch)\s+<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1[ \t]*\n([\s\S]*?)\n\2[ \t]*\n?\s*$/;

/**
 * The patch text when a shell tool call is really an apply_patch invocation, else null. 0.58.0 intercepts these
 * and applies the patch itself (patch events, approval as for the apply_patch tool) instead of running a program —
 * checked with the real binary for `["apply_patch", PATCH]`, `["applypatch", PATCH]` and
 * `[bash|sh, -lc|-c, "apply_patch <<'EOF'\nPATCH\nEOF"]`. Other shapes (such as `cd dir && apply_patch …`) run as
 * ordinary commands here.
 */
export function patchFromShellCommand(command: readonly string[]): string | null {
  const [program, ...rest] = command;
  if (program === undefined) return null;
  if (PATCH_PROGRAMS.has(program) && rest.length === 1) return rest[0] ?? null;
  if (command.length === 3 && SHELLS.has(basename(program)) && (rest[0] === "-lc" || rest[0] === "-c")) {
    const match = HEREDOC.exec(rest[1] ?? "");
    if (match) return match[3] ?? null;
  }
  return null;
}
