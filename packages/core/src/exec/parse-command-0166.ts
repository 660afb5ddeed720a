import { posix } from "node:path";
import type { ParsedCommand } from "@codex-ts/app-server-protocol";
import { beforeConnector, CONNECTORS, nonFlags, operands, withoutFlagValues } from "./command-args.js";
import {
  COMMAND_DISPLAY_MAX_CHARS,
  truncateCommandForDisplay,
  truncateForDisplay,
} from "./command-display.js";
import { plainCommands } from "./plain-script-0166.js";
import { shellScriptOf, shlexJoin } from "./shell-words.js";

/**
 * Codex 0.166.0's command summary (`parsed_cmd`, shown to clients as `commandActions`). It differs from 0.58.0's
 * (`parseCommand`) in ways every client shows: a command with any part it cannot classify is ONE `unknown` holding
 * the whole script; pipeline helpers (`head`, `wc`, `sed -n 1,9p`, ...) are dropped instead of listed; `rg --files`
 * and a `find`/`fd` without a name filter are listings; search and listing paths are shortened for display
 * (`webview/src` → `webview`) and not moved by a leading `cd`, while read paths are. Paths stay as written here;
 * the app server makes read paths absolute against the command's cwd.
 */
export function parseCommand0166(argv: readonly string[]): ParsedCommand[] {
  const script = shellScriptOf(argv);
  // An oversize command is not analysed (tokenising megabytes blocks the event loop) and is shown cut.
  if (argv.reduce((n, a) => n + a.length, 0) > COMMAND_DISPLAY_MAX_CHARS) {
    return [
      { type: "unknown", cmd: truncateForDisplay(script ?? shlexJoin(truncateCommandForDisplay(argv))) },
    ];
  }
  const parsed = script !== null ? parseScript(script) : parseArgv(argv);
  const deduped = parsed.filter((c, i) => i === 0 || !sameCommand(c, parsed[i - 1]!));
  if (deduped.some((c) => c.type === "unknown")) return [{ type: "unknown", cmd: script ?? shlexJoin(argv) }];
  return deduped;
}

function sameCommand(a: ParsedCommand, b: ParsedCommand): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A script of plain commands joined by `&&`, `||`, `;`, `|`; anything else (redirects, `$`) is one unknown. */
function parseScript(script: string): ParsedCommand[] {
  const parts = plainCommands(script);
  if (!parts) return [{ type: "unknown", cmd: script }];
  const commands = parts.filter((words) => !isFormattingHelper(words));
  if (commands.length === 0) return [{ type: "unknown", cmd: script }];
  let out = summarizeWithCd(commands);
  if (out.length > 1) {
    out = out.filter((c) => !(c.type === "unknown" && c.cmd === "true"));
    out = simplify(out);
  }
  if (out.length !== 1) return out;
  // One command left: its own words when the script chained several, else the whole script re-quoted; a read
  // piped through `sed -n` shows the script as typed.
  const scriptWords = shlexSplit(script) ?? [script];
  const hadConnectors = parts.length > 1 || scriptWords.some((w) => CONNECTORS.has(w));
  const only = out[0]!;
  if (only.type === "unknown") return out;
  if (!hadConnectors) return [{ ...only, cmd: shlexJoin(scriptWords) }];
  if (only.type === "read" && scriptWords.includes("|") && hasAdjacent(scriptWords, "sed", "-n")) {
    return [{ ...only, cmd: script }];
  }
  return out;
}

function hasAdjacent(words: readonly string[], first: string, second: string): boolean {
  return words.some((w, i) => w === first && words[i + 1] === second);
}

/** A plain argv (no shell): `yes |`-style prefixes dropped, split on connector words. */
function parseArgv(argv: readonly string[]): ParsedCommand[] {
  let words = [...argv];
  if ((["yes", "y", "no", "n"] as const).some((p) => words[0] === p) && words[1] === "|")
    words = words.slice(2);
  const commands: string[][] = [[]];
  for (const w of words) {
    if (CONNECTORS.has(w)) {
      if (commands.at(-1)!.length) commands.push([]);
    } else commands.at(-1)!.push(w);
  }
  if (commands.at(-1)!.length === 0) commands.pop();
  return simplify(summarizeWithCd(commands));
}

/** Summarises each command; a `cd DIR` is dropped but moves the read paths of the commands after it. */
function summarizeWithCd(commands: readonly string[][]): ParsedCommand[] {
  const out: ParsedCommand[] = [];
  let dir: string | null = null;
  for (const words of commands) {
    if (words[0] === "cd") {
      const target = cdTarget(words.slice(1));
      if (target !== null) dir = dir === null ? target : joinPath(dir, target);
      continue;
    }
    const parsed = summarize(words);
    out.push(
      parsed.type === "read" && dir !== null ? { ...parsed, path: joinPath(dir, parsed.path) } : parsed,
    );
  }
  return out;
}

function joinPath(base: string, rel: string): string {
  if (posix.isAbsolute(rel) || base === "") return rel;
  return base.endsWith("/") ? base + rel : `${base}/${rel}`;
}

/** The folder `cd` moves to: the last operand, or the one after `--`. */
function cdTarget(args: readonly string[]): string | null {
  let target: string | null = null;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--") return args[i + 1] ?? null;
    if (!args[i]!.startsWith("-")) target = args[i]!;
  }
  return target;
}

/** Drops leading `echo`s, `cd`s followed by something, `true`s and bare `nl -flags` until nothing changes. */
function simplify(commands: ParsedCommand[]): ParsedCommand[] {
  let out = commands;
  for (;;) {
    if (out.length <= 1) return out;
    const head = (c: ParsedCommand) => (c.type === "unknown" ? (shlexSplit(c.cmd) ?? []) : null);
    const first = head(out[0]!);
    if (first?.[0] === "echo") {
      out = out.slice(1);
      continue;
    }
    const cd = out.findIndex((c) => head(c)?.[0] === "cd");
    if (cd >= 0 && out.length > cd + 1) {
      out = out.filter((_, i) => i !== cd);
      continue;
    }
    const drop = out.findIndex((c) => {
      const words = head(c);
      if (!words) return false;
      return (
        (c.type === "unknown" && c.cmd === "true") ||
        (words[0] === "nl" && words.slice(1).every((w) => w.startsWith("-")))
      );
    });
    if (drop < 0) return out;
    out = out.filter((_, i) => i !== drop);
  }
}

const digits = (s: string | undefined) => s !== undefined && /^\d+$/.test(s);
const plusDigits = (s: string | undefined) => s !== undefined && /^\+?\d*$/.test(s) && s !== "";

/** Pipeline helpers that only format another command's output (`head -n 40`, `wc -l`, `sed -n 1,9p`). */
function isFormattingHelper(words: readonly string[]): boolean {
  const [program, ...args] = words;
  switch (program) {
    case "wc":
    case "tr":
    case "cut":
    case "sort":
    case "uniq":
    case "tee":
    case "column":
    case "yes":
    case "printf":
      return true;
    case "xargs":
      return !isMutatingXargs(args);
    case "awk":
      return awkDataFile(args) === null;
    case "head":
      return (
        args.length === 0 ||
        (args.length === 1 && args[0]!.startsWith("-")) ||
        (args.length === 2 && (args[0] === "-n" || args[0] === "-c") && digits(args[1]))
      );
    case "tail":
      return (
        args.length === 0 ||
        (args.length === 1 && args[0]!.startsWith("-")) ||
        (args.length === 2 && (args[0] === "-n" || args[0] === "-c") && plusDigits(args[1]))
      );
    case "sed":
      return sedReadPath(args) === null;
    default:
      return false;
  }
}

/** `xargs perl -pi ...`, `xargs sed -i ...`, `xargs rg --replace ...` edit files: not mere formatting. */
function isMutatingXargs(args: readonly string[]): boolean {
  let i = 0;
  let sub: readonly string[] | null = null;
  while (i < args.length) {
    const a = args[i]!;
    if (a === "--") {
      sub = args.slice(i + 1);
      break;
    }
    if (!a.startsWith("-")) {
      sub = args.slice(i);
      break;
    }
    i += ["-E", "-e", "-I", "-L", "-n", "-P", "-s"].includes(a) ? 2 : 1;
  }
  if (!sub || sub.length === 0) return false;
  const [program, ...rest] = sub;
  const inPlace = rest.some((w) => w.startsWith("-i") || w.startsWith("-pi"));
  if (program === "perl" || program === "ruby") return inPlace;
  if (program === "sed") return inPlace || rest.includes("--in-place");
  if (program === "rg") return rest.includes("--replace");
  return false;
}

/** The last path component worth showing, skipping `build`, `dist`, `node_modules` and `src` (`webview/src` → `webview`). */
export function shortDisplayPath(path: string): string {
  const trimmed = path.replaceAll("\\", "/").replace(/\/+$/, "");
  const parts = trimmed.split("/").filter((p) => p && !["build", "dist", "node_modules", "src"].includes(p));
  return parts.at(-1) ?? trimmed;
}

/** `sed -n 12p` / `sed -n 1,20p`. */
function isSedRange(arg: string | undefined): boolean {
  return arg !== undefined && /^\d+(,\d+)?p$/.test(arg);
}

/** The file of `sed -n A,Bp FILE`; null for any other sed. */
function sedReadPath(rawArgs: readonly string[]): string | null {
  const args = beforeConnector(rawArgs);
  if (!args.includes("-n")) return null;
  let range = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "-e" || args[i] === "--expression") {
      if (isSedRange(args[i + 1])) range = true;
      i++;
    } else if (args[i] === "-f" || args[i] === "--file") i++;
  }
  if (!range) range = args.some((a) => !a.startsWith("-") && isSedRange(a));
  if (!range) return null;
  const files = withoutFlagValues(args, ["-e", "-f", "--expression", "--file"]).filter(
    (a) => !a.startsWith("-"),
  );
  if (files.length === 0) return null;
  return isSedRange(files[0]) ? (files[1] ?? null) : files[0]!;
}

/** The data file of `awk PROGRAM FILE` (or `awk -f SCRIPT FILE`); null when awk reads a pipe. */
function awkDataFile(rawArgs: readonly string[]): string | null {
  if (rawArgs.length === 0) return null;
  const args = beforeConnector(rawArgs);
  const scriptFile = args.some((a) => a === "-f" || a === "--file");
  const files = withoutFlagValues(args, ["-F", "-v", "-f", "--field-separator", "--assign", "--file"]).filter(
    (a) => !a.startsWith("-"),
  );
  if (scriptFile) return files[0] ?? null;
  return files[1] ?? null;
}

function isPathish(s: string): boolean {
  return s === "." || s === ".." || s.includes("/") || s.includes("\\");
}

const LS_VALUE_FLAGS = ["-I", "-w", "--block-size", "--format", "--time-style", "--color", "--quoting-style"];
const EZA_VALUE_FLAGS = ["-I", "--ignore-glob", "--color", "--sort", "--time-style", "--time"];
const TREE_VALUE_FLAGS = ["-L", "-P", "-I", "--charset", "--filelimit", "--sort"];
const DU_VALUE_FLAGS = ["-d", "--max-depth", "-B", "--block-size", "--exclude", "--time-style"];
const RG_VALUE_FLAGS = [
  ...["-g", "--glob", "--iglob", "-t", "--type", "--type-add", "--type-not"],
  ...["-m", "--max-count", "-A", "-B", "-C", "--context", "--max-depth"],
];
const AG_VALUE_FLAGS = [
  "-G",
  "-g",
  "--file-search-regex",
  "--ignore-dir",
  "--ignore-file",
  "--path-to-ignore",
];
const FD_VALUE_FLAGS = ["-t", "--type", "-e", "--extension", "-E", "--exclude", "--search-path"];
const BAT_VALUE_FLAGS = [
  ...["--theme", "--language", "--style", "--terminal-width", "--tabs", "--line-range", "--map-syntax"],
];
const LESS_VALUE_FLAGS = [
  ...["-p", "-P", "-x", "-y", "-z", "-j", "--pattern", "--prompt", "--tabs", "--shift", "--jump-target"],
];

/** Classifies one simple command. */
function summarize(words: readonly string[]): ParsedCommand {
  const cmd = shlexJoin(words);
  const [program = "", ...args] = words;
  const unknown: ParsedCommand = { type: "unknown", cmd };
  const read = (path: string | null | undefined): ParsedCommand =>
    path ? { type: "read", cmd, name: shortDisplayPath(path), path } : unknown;
  const list = (path: string | null | undefined): ParsedCommand => ({
    type: "list_files",
    cmd,
    path: path ? shortDisplayPath(path) : null,
  });
  const search = (query: string | null | undefined, path: string | null | undefined): ParsedCommand => ({
    type: "search",
    cmd,
    query: query ?? null,
    path: path ? shortDisplayPath(path) : null,
  });
  const single = (valueFlags: readonly string[] = []) => {
    const files = operands(args, valueFlags);
    return files.length === 1 ? files[0] : null;
  };
  switch (program) {
    case "ls":
      return list(operands(args, LS_VALUE_FLAGS)[0]);
    case "eza":
    case "exa":
      return list(operands(args, EZA_VALUE_FLAGS)[0]);
    case "tree":
      return list(operands(args, TREE_VALUE_FLAGS)[0]);
    case "du":
      return list(operands(args, DU_VALUE_FLAGS)[0]);
    case "rg":
    case "rga":
    case "ripgrep-all": {
      const found = nonFlags(args, RG_VALUE_FLAGS);
      if (beforeConnector(args).includes("--files")) return list(found[0]);
      return search(found[0], found[1]);
    }
    case "git":
      if (args[0] === "grep") return grepLike(cmd, args.slice(1));
      if (args[0] === "ls-files")
        return list(operands(args.slice(1), ["--exclude", "--exclude-from", "--pathspec-from-file"])[0]);
      return unknown;
    case "fd": {
      const found = nonFlags(args, FD_VALUE_FLAGS);
      if (found.length === 1) return isPathish(found[0]!) ? list(found[0]) : search(found[0], null);
      if (found.length >= 2) return search(found[0], found[1]);
      return list(null);
    }
    case "find": {
      const rest = beforeConnector(args);
      const root = rest.find((a) => !a.startsWith("-") && a !== "!" && a !== "(" && a !== ")");
      const at = rest.findIndex((a) => ["-name", "-iname", "-path", "-regex"].includes(a));
      const query = at >= 0 ? (rest[at + 1] ?? null) : null;
      return query !== null ? search(query, root) : list(root);
    }
    case "grep":
    case "egrep":
    case "fgrep":
      return grepLike(cmd, args);
    case "ag":
    case "ack":
    case "pt": {
      const found = nonFlags(args, AG_VALUE_FLAGS);
      return search(found[0], found[1]);
    }
    case "cat":
    case "more":
      return read(single());
    case "bat":
    case "batcat":
      return read(single(BAT_VALUE_FLAGS));
    case "less":
      return read(single(LESS_VALUE_FLAGS));
    case "head":
      return read(headTailFile(args, false));
    case "tail":
      return read(headTailFile(args, true));
    case "awk":
      return read(awkDataFile(args));
    case "nl":
      return read(withoutFlagValues(args, ["-s", "-w", "-v", "-i", "-b"]).find((a) => !a.startsWith("-")));
    case "sed":
      return read(sedReadPath(args));
    default:
      if (/^python([23](\..*)?)?$/.test(program) && pythonWalksFiles(args)) return list(null);
      return unknown;
  }
}

/**
 * The file of `head -n 50 FILE`, `head -n50 FILE` or `head FILE` (tail: counts may start with `+`). A `-n` whose
 * count is not a number still counts as the flag for head (0.166.0 reads `-n` alone as `-n` + no digits).
 */
function headTailFile(args: readonly string[], tail: boolean): string | null {
  const count = tail ? /^\+?\d+$/ : /^\d+$/;
  const compact = tail ? /^\+?\d+$/ : /^\d*$/;
  const first = args[0];
  const spaced = first === "-n" && args[1] !== undefined && count.test(args[1]);
  if (first?.startsWith("-n") && (spaced || compact.test(first.slice(2)))) {
    const file = (spaced ? args.slice(2) : args).find((a) => !a.startsWith("-"));
    if (file !== undefined) return file;
  }
  if (args.length === 1 && !args[0]!.startsWith("-")) return args[0]!;
  return null;
}

/** grep and git grep: the pattern (`-e`/`-f` or the first operand) and the path after it. */
function grepLike(cmd: string, rawArgs: readonly string[]): ParsedCommand {
  const args = beforeConnector(rawArgs);
  const found: string[] = [];
  let pattern: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      found.push(...args.slice(i + 1));
      break;
    }
    if (["-e", "--regexp", "-f", "--file"].includes(a)) {
      if (i + 1 < args.length && pattern === null) pattern = args[i + 1]!;
      i++;
      continue;
    }
    if (
      ["-m", "--max-count", "-C", "--context", "-A", "--after-context", "-B", "--before-context"].includes(a)
    ) {
      i++;
      continue;
    }
    if (!a.startsWith("-")) found.push(a);
  }
  const query = pattern ?? found[0] ?? null;
  const path = found[pattern !== null ? 0 : 1];
  return { type: "search", cmd, query, path: path !== undefined ? shortDisplayPath(path) : null };
}

function pythonWalksFiles(args: readonly string[]): boolean {
  const rest = beforeConnector(args);
  const at = rest.indexOf("-c");
  const script = at >= 0 ? rest[at + 1] : undefined;
  if (script === undefined) return false;
  return ["os.walk", "os.listdir", "os.scandir", "glob.glob", "glob.iglob", "pathlib.Path", ".rglob("].some(
    (s) => script.includes(s),
  );
}

/**
 * Splits a string into words like Rust's `shlex::split` (POSIX quoting, no operators: `a|b` stays one word); null
 * on an unclosed quote or a trailing backslash.
 */
export function shlexSplit(text: string): string[] | null {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\n") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else if (c === "#" && !inWord) {
      const nl = text.indexOf("\n", i);
      if (nl < 0) break;
      i = nl;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return null;
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && j + 1 < text.length && '$`"\\\n'.includes(text[j + 1]!)) {
          j++;
          if (text[j] !== "\n") word += text[j];
        } else word += text[j];
      }
      if (j >= text.length) return null;
      inWord = true;
      i = j;
    } else if (c === "\\") {
      if (i + 1 >= text.length) return null;
      i++;
      if (text[i] !== "\n") word += text[i];
      inWord = true;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
