import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { isMissingPath, readBoundedFile, writeFileAtomically } from "@codex-ts/config-loader";
import { allowRuleLine, ExecPolicy, type PrefixRule, rulesFromCalls } from "./policy.js";
import { parseRulesFile, RulesSyntaxError } from "./syntax.js";

/** Where 0.166.0 keeps the user's rules (`CODEX_HOME/rules/*.rules`) and appends "always allow" rules. */
export const RULES_DIR = "rules";
export const DEFAULT_RULES_FILE = "default.rules";
/** A rules file is a few lines a person or an approval wrote; a bigger one is not read. */
export const RULES_FILE_MAX_BYTES = 1024 * 1024;

export interface LoadedExecPolicy {
  policy: ExecPolicy;
  /** Why the rules were not used (a file that does not parse, or cannot be read): the policy is then empty. */
  warning: string | null;
}

/**
 * The rules of `CODEX_HOME/rules/*.rules` (regular files, by name), as 0.166.0 loads them at a thread's start. As
 * there, one file that does not parse leaves the whole policy empty, with a warning; a file that cannot be read
 * (or is over RULES_FILE_MAX_BYTES) does too, where 0.166.0 would fail to start the thread.
 */
export async function loadExecPolicy(codexHome: string): Promise<LoadedExecPolicy> {
  const dir = join(codexHome, RULES_DIR);
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries.filter((e) => e.isFile() && e.name.endsWith(".rules")).map((e) => e.name);
  } catch (err) {
    if (isMissingPath(err)) return { policy: new ExecPolicy(), warning: null };
    return {
      policy: new ExecPolicy(),
      warning: `failed to read rules files from ${dir}: ${(err as Error).message}`,
    };
  }
  const rules: PrefixRule[] = [];
  for (const name of names.sort()) {
    const path = join(dir, name);
    let text: string;
    try {
      text = (await readBoundedFile(path, { maxBytes: RULES_FILE_MAX_BYTES })).toString("utf8");
    } catch (err) {
      return {
        policy: new ExecPolicy(),
        warning: `failed to read rules file ${path}: ${(err as Error).message}`,
      };
    }
    try {
      rulesFromCalls(parseRulesFile(text), rules);
    } catch (err) {
      if (!(err instanceof RulesSyntaxError)) throw err;
      return {
        policy: new ExecPolicy(),
        warning: `failed to parse rules file ${path}: ${err.detail} (problem is on or around line ${err.line})`,
      };
    }
  }
  return { policy: new ExecPolicy(rules), warning: null };
}

/**
 * Appends an allow rule for `prefix` to `CODEX_HOME/rules/default.rules` in 0.166.0's words (`prefix_rule(pattern=
 * ["git", "status"], decision="allow")`), unless the file has that line already. 0.166.0 appends in place under a
 * lock; here the file is rewritten through a temp file and a rename, so a crash never leaves half a line.
 */
export async function appendAllowRule(codexHome: string, prefix: readonly string[]): Promise<void> {
  if (prefix.length === 0) throw new Error("prefix rule requires at least one token");
  const dir = join(codexHome, RULES_DIR);
  const path = join(dir, DEFAULT_RULES_FILE);
  const line = allowRuleLine(prefix);
  await mkdir(dir, { recursive: true });
  let existing = "";
  try {
    existing = (await readBoundedFile(path, { maxBytes: RULES_FILE_MAX_BYTES })).toString("utf8");
  } catch (err) {
    if (!isMissingPath(err)) throw err;
  }
  if (existing.split("\n").some((l) => l.replace(/\r$/, "") === line)) return;
  const separator = existing !== "" && !existing.endsWith("\n") ? "\n" : "";
  await writeFileAtomically(path, `${existing}${separator}${line}\n`, { newFileMode: 0o600 });
}

/**
 * The rules of one CODEX_HOME as this process holds them: read again at each thread start (`reload`), so rules a
 * person or another process wrote since apply, and updated at once when the user allows a command for good
 * (`allow`), so every thread of the process honours it.
 */
export class ExecPolicyStore {
  private static readonly stores = new Map<string, ExecPolicyStore>();
  private policy = new ExecPolicy();
  /** The prefixes allowed in this process ("always allow"), kept across reloads. */
  private readonly allowedHere: string[][] = [];

  private constructor(readonly codexHome: string) {}

  /** The process's store for `codexHome`. */
  static for(codexHome: string): ExecPolicyStore {
    let store = ExecPolicyStore.stores.get(codexHome);
    if (!store) {
      store = new ExecPolicyStore(codexHome);
      ExecPolicyStore.stores.set(codexHome, store);
    }
    return store;
  }

  current(): ExecPolicy {
    return this.policy;
  }

  /**
   * Reads the rules files again; the warning when they could not be used. What this process allowed stays allowed
   * whatever the read found (a read that raced an `allow` may predate its line).
   */
  async reload(): Promise<string | null> {
    const loaded = await loadExecPolicy(this.codexHome);
    this.policy = this.allowedHere.reduce((p, prefix) => p.withAllowRule(prefix), loaded.policy);
    return loaded.warning;
  }

  /** Allows commands starting with `prefix` from now on: in `default.rules` and in this process at once. */
  async allow(prefix: readonly string[]): Promise<void> {
    this.allowedHere.push([...prefix]);
    this.policy = this.policy.withAllowRule(prefix);
    await appendAllowRule(this.codexHome, prefix);
  }
}
