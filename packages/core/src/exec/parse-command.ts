import { posix } from "node:path";
import type { ParsedCommand } from "@codex-ts/app-server-protocol";
import {
  COMMAND_DISPLAY_MAX_CHARS,
  truncateCommandForDisplay,
  truncateForDisplay,
} from "./command-display.js";
import { scriptCommands, shellScriptOf, shlexJoin } from "./shell-words.js";

/** Flags of search tools that take a value, so the value is not mistaken for the query or the path. */
const RG_VALUE_FLAGS = new Set([
  "-g",
  "--glob",
  "-t",
  "--type",
  "-T",
  "--type-not",
  "-m",
  "--max-count",
  "-A",
  "-B",
  "-C",
  "-e",
  "--regexp",
  "-f",
  "--file",
  "--max-depth",
  "-d",
]);
const GREP_VALUE_FLAGS = new Set([
  "-e",
  "-f",
  "-m",
  "-A",
  "-B",
  "-C",
  "--include",
  "--exclude",
  "--exclude-dir",
]);
const FD_VALUE_FLAGS = new Set(["-e", "--extension", "-t", "--type", "-d", "--max-depth", "-E", "--exclude"]);

/** Positional arguments, skipping flags (and the values of flags that take one). */
function positionals(args: readonly string[], valueFlags: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      out.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("-") && a !== "-") {
      if (valueFlags.has(a)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

function withDir(dir: string | null, path: string): string {
  return dir && !posix.isAbsolute(path) ? posix.join(dir, path) : path;
}

function read(cmd: string, file: string, dir: string | null): ParsedCommand {
  return { type: "read", cmd, name: posix.basename(file), path: withDir(dir, file) };
}

/** Classifies one simple command; `dir` is the folder a preceding `cd` moved to. */
function classify(words: readonly string[], dir: string | null): ParsedCommand {
  const cmd = shlexJoin(words);
  const [program, ...args] = words;
  const unknown: ParsedCommand = { type: "unknown", cmd };
  switch (program) {
    case "cat": {
      const files = positionals(args);
      return files.length === 1 ? read(cmd, files[0]!, dir) : unknown;
    }
    case "nl": {
      const files = positionals(args);
      return files.length === 1 ? read(cmd, files[0]!, dir) : unknown;
    }
    case "head": {
      const files = positionals(args, new Set(["-n", "-c"]));
      return files.length === 1 ? read(cmd, files[0]!, dir) : unknown;
    }
    case "sed": {
      // Only the read-a-range form: sed -n 'A,Bp' FILE
      if (args.length === 3 && args[0] === "-n" && /^\d+(,\d+)?p$/.test(args[1]!))
        return read(cmd, args[2]!, dir);
      return unknown;
    }
    case "ls": {
      const paths = positionals(args, new Set(["-I", "--ignore", "-w", "--width"]));
      const path = paths[0];
      return { type: "list_files", cmd, path: path !== undefined ? withDir(dir, path) : dir };
    }
    case "rg":
    case "grep": {
      const [first, second] = positionals(args, program === "rg" ? RG_VALUE_FLAGS : GREP_VALUE_FLAGS);
      if (program === "rg" && args.includes("--files")) {
        return { type: "search", cmd, query: null, path: first !== undefined ? withDir(dir, first) : dir };
      }
      return {
        type: "search",
        cmd,
        query: first ?? null,
        path: second !== undefined ? withDir(dir, second) : dir,
      };
    }
    case "fd": {
      const [query, path] = positionals(args, FD_VALUE_FLAGS);
      return {
        type: "search",
        cmd,
        query: query ?? null,
        path: path !== undefined ? withDir(dir, path) : dir,
      };
    }
    case "find": {
      const path = args[0] !== undefined && !args[0].startsWith("-") ? args[0] : null;
      const nameAt = args.findIndex((a) => a === "-name" || a === "-iname" || a === "-path");
      const query = nameAt >= 0 ? (args[nameAt + 1] ?? null) : null;
      return { type: "search", cmd, query, path: path !== null ? withDir(dir, path) : dir };
    }
    default:
      return unknown;
  }
}

function collapseDuplicates(commands: ParsedCommand[]): ParsedCommand[] {
  return commands.filter((c, i) => i === 0 || JSON.stringify(c) !== JSON.stringify(commands[i - 1]));
}

/**
 * Summarises a command for approval UIs, as Codex's `parsed_cmd`: reads, listings and searches are recognised;
 * `bash -lc` scripts are split on `&&`, `||`, `;` and `|`; `cd DIR` parts are dropped but prefix later relative
 * paths; `echo` leaders are dropped; commands after a pipe that only format output stay `unknown`.
 */
export function parseCommand(argv: readonly string[]): ParsedCommand[] {
  const script = shellScriptOf(argv);
  // An oversize command is not analysed (tokenising megabytes blocks the event loop) and is shown cut.
  if (argv.reduce((n, a) => n + a.length, 0) > COMMAND_DISPLAY_MAX_CHARS) {
    return [
      { type: "unknown", cmd: truncateForDisplay(script ?? shlexJoin(truncateCommandForDisplay(argv))) },
    ];
  }
  if (script === null) return collapseDuplicates([classify(argv, null)]);
  const parts = scriptCommands(script);
  if (!parts) return [{ type: "unknown", cmd: script }];
  const out: ParsedCommand[] = [];
  let dir: string | null = null;
  let afterPipe = false;
  for (const [index, { words, after }] of parts.entries()) {
    const program = words[0];
    if (program === "cd" && words.length <= 2) {
      const target = words[1];
      dir = target === undefined ? null : withDir(dir, target);
    } else if (program === "echo" && index < parts.length - 1 && !afterPipe) {
      // echo leaders only decorate the output of what follows
    } else {
      const parsed = classify(words, dir);
      out.push(afterPipe && parsed.type === "read" ? { type: "unknown", cmd: parsed.cmd } : parsed);
    }
    afterPipe = after === "|";
  }
  return out.length ? collapseDuplicates(out) : [{ type: "unknown", cmd: script }];
}
