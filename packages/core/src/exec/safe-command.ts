import { scriptCommands, shellScriptOf } from "./shell-words.js";

/** Programs that only read: running them cannot change anything, whatever their arguments. */
const ALWAYS_SAFE = new Set([
  "cat",
  "cd",
  "echo",
  "false",
  "grep",
  "head",
  "ls",
  "nl",
  "pwd",
  "tail",
  "true",
  "wc",
  "which",
  "whoami",
  "basename",
  "dirname",
  "stat",
  "uname",
  "date",
  "tree",
  "du",
  "df",
]);
const UNSAFE_FIND_OPTIONS = new Set([
  "-exec",
  "-execdir",
  "-ok",
  "-okdir",
  "-delete",
  "-fls",
  "-fprint",
  "-fprint0",
  "-fprintf",
]);
const UNSAFE_RG_OPTIONS = new Set(["--pre", "--hostname-bin", "-z", "--search-zip"]);
const SAFE_GIT_SUBCOMMANDS = new Set(["status", "log", "diff", "show", "branch"]);

function isSafeSimpleCommand(words: readonly string[]): boolean {
  const [program, ...args] = words;
  if (program === undefined) return false;
  if (ALWAYS_SAFE.has(program)) return true;
  switch (program) {
    case "find":
      return !args.some((a) => UNSAFE_FIND_OPTIONS.has(a));
    case "rg":
      return !args.some((a) => UNSAFE_RG_OPTIONS.has(a) || a.startsWith("--pre="));
    case "fd":
      return !args.some((a) => a === "-x" || a === "--exec" || a === "-X" || a === "--exec-batch");
    case "git":
      return args[0] !== undefined && SAFE_GIT_SUBCOMMANDS.has(args[0]);
    case "sed":
      return args.length === 3 && args[0] === "-n" && /^\d+(,\d+)?p$/.test(args[1]!);
    default:
      return false;
  }
}

/**
 * Whether a command can run without asking under the `untrusted` policy: a known read-only program, or a
 * `bash -lc` script made only of such programs joined by `&&`, `||`, `;` or `|` (no redirections or
 * substitutions).
 */
export function isKnownSafeCommand(argv: readonly string[]): boolean {
  const script = shellScriptOf(argv);
  if (script === null) return isSafeSimpleCommand(argv);
  return scriptCommands(script)?.every((p) => isSafeSimpleCommand(p.words)) ?? false;
}
