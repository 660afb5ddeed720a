import { shlexSplit } from "../exec/parse-command-0166.js";
import { isKnownSafeCommand } from "../exec/safe-command.js";
import { scriptCommands, shellScriptOf, shlexJoin } from "../exec/shell-words.js";
import { type RulesCall, RulesSyntaxError, type RulesValue } from "./syntax.js";

/** What a rule says of a command it matches; the strictest of several wins (forbidden > prompt > allow). */
export type Decision = "allow" | "prompt" | "forbidden";

/** `prefix_rule(pattern, decision, match, not_match, justification)`: argv prefixes, one program each. */
export interface PrefixRule {
  program: string;
  /** The tokens after the program; a list is a set of alternatives for that position. */
  rest: (string | string[])[];
  decision: Decision;
  justification: string | null;
}

/** A rule that matched a command: the command's tokens it covered, and what it says. */
export interface RuleMatch {
  prefix: string[];
  decision: Decision;
  justification: string | null;
}

/** The prefix rules of the rules files (0.166.0's `Policy`), by program. */
export class ExecPolicy {
  private readonly byProgram = new Map<string, PrefixRule[]>();

  constructor(rules: readonly PrefixRule[] = []) {
    for (const rule of rules) {
      const list = this.byProgram.get(rule.program) ?? [];
      list.push(rule);
      this.byProgram.set(rule.program, list);
    }
  }

  get rules(): PrefixRule[] {
    return [...this.byProgram.values()].flat();
  }

  /** The rules whose pattern is a prefix of `argv`. */
  matches(argv: readonly string[]): RuleMatch[] {
    const [program] = argv;
    if (program === undefined) return [];
    const out: RuleMatch[] = [];
    for (const rule of this.byProgram.get(program) ?? []) {
      if (argv.length < rule.rest.length + 1) continue;
      const ok = rule.rest.every((token, i) => {
        const arg = argv[i + 1]!;
        return typeof token === "string" ? arg === token : token.includes(arg);
      });
      if (ok)
        out.push({
          prefix: argv.slice(0, rule.rest.length + 1),
          decision: rule.decision,
          justification: rule.justification,
        });
    }
    return out;
  }

  /** This policy with an allow rule for exactly `prefix` (an "always allow" the user chose). */
  withAllowRule(prefix: readonly string[]): ExecPolicy {
    const [program, ...rest] = prefix;
    if (program === undefined) return this;
    return new ExecPolicy([...this.rules, { program, rest, decision: "allow", justification: null }]);
  }
}

/** The rules a rules file's calls declare, appended to `into`; errors as `RulesSyntaxError` with the call's line. */
export function rulesFromCalls(calls: readonly RulesCall[], into: PrefixRule[]): void {
  for (const call of calls) {
    const fail = (detail: string): never => {
      throw new RulesSyntaxError(detail, call.line);
    };
    if (call.name === "network_rule" || call.name === "host_executable") continue; // not enforced here (README)
    if (call.name !== "prefix_rule") fail(`variable \`${call.name}\` not found`);
    const arg = (name: string, position: number): RulesValue | undefined =>
      call.named.get(name) ?? call.positional[position];
    const known = new Set(["pattern", "decision", "match", "not_match", "justification"]);
    for (const name of call.named.keys())
      if (!known.has(name)) fail(`prefix_rule() got an unexpected argument \`${name}\``);
    const pattern = arg("pattern", 0);
    if (!Array.isArray(pattern)) fail("prefix_rule() needs `pattern`, a list");
    const tokens = (pattern as RulesValue[]).map((t): string[] => {
      if (typeof t === "string") return [t];
      if (Array.isArray(t) && t.length > 0 && t.every((a) => typeof a === "string")) return t as string[];
      return fail("pattern element must be a string or list of strings");
    });
    if (tokens.length === 0) fail("pattern cannot be empty");
    const rawDecision = arg("decision", 1) ?? "allow";
    if (rawDecision !== "allow" && rawDecision !== "prompt" && rawDecision !== "forbidden")
      fail(`invalid decision: ${JSON.stringify(rawDecision)}`);
    const justification = arg("justification", 4) ?? null;
    if (justification !== null && (typeof justification !== "string" || justification.trim() === ""))
      fail("justification cannot be empty");
    const rest = tokens.slice(1).map((alts) => (alts.length === 1 ? alts[0]! : alts));
    const rules = tokens[0]!.map((program) => ({
      program,
      rest,
      decision: rawDecision as Decision,
      justification: justification as string | null,
    }));
    // `match` / `not_match`: examples the rule must (not) match, checked as 0.166.0 checks them at load.
    const own = new ExecPolicy(rules);
    for (const [name, position, want] of [
      ["match", 2, true],
      ["not_match", 3, false],
    ] as const) {
      const examples = arg(name, position) ?? [];
      if (!Array.isArray(examples)) fail(`\`${name}\` must be a list`);
      for (const example of examples as RulesValue[]) {
        const argv = typeof example === "string" ? shlexSplit(example) : example;
        if (argv === null) fail(`example string has invalid shell syntax: ${JSON.stringify(example)}`);
        if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === "string"))
          fail(`invalid example in \`${name}\`: ${JSON.stringify(example)}`);
        if (own.matches(argv as string[]).length > 0 !== want)
          fail(`example ${JSON.stringify(example)} ${want ? "does not match" : "matches"} the rule`);
      }
    }
    into.push(...rules);
  }
}

/** The simple commands a command line runs: a `bash -lc` script's commands, else the argv itself. */
export function commandsOf(argv: readonly string[]): string[][] {
  const script = shellScriptOf(argv);
  if (script === null) return [[...argv]];
  const commands = scriptCommands(script)
    ?.map((p) => p.words)
    .filter((w) => w.length > 0);
  return commands && commands.length > 0 ? commands : [[...argv]];
}

/** What the rules say of a command line, and the words 0.166.0 gives its approval for it. */
export type PolicyVerdict =
  /** Some command is forbidden: refused, with 0.166.0's reason. */
  | { kind: "forbidden"; reason: string }
  /** A rule asks for approval: asked with this reason, whatever the approval policy would do. */
  | { kind: "prompt"; reason: string }
  /** Every command is allowed by a rule: runs without asking, outside the sandbox. */
  | { kind: "allowed" }
  /** Not (wholly) covered: the approval policy decides; `amendment` is what "always allow" would add. */
  | { kind: "unmatched"; amendment: string[] | null };

export function evaluateCommand(policy: ExecPolicy, argv: readonly string[]): PolicyVerdict {
  const commands = commandsOf(argv);
  const perCommand = commands.map((c) => ({ command: c, matches: policy.matches(c) }));
  const all = perCommand.flatMap((p) => p.matches);
  const shown = render(argv);
  const strictest = (decision: Decision) =>
    all.filter((m) => m.decision === decision).sort((a, b) => b.prefix.length - a.prefix.length)[0];
  const forbidden = strictest("forbidden");
  if (forbidden)
    return {
      kind: "forbidden",
      reason: forbidden.justification
        ? `\`${shown}\` rejected: ${forbidden.justification}`
        : `\`${shown}\` rejected: policy forbids commands starting with \`${render(forbidden.prefix)}\``,
    };
  const prompt = strictest("prompt");
  if (prompt)
    return {
      kind: "prompt",
      reason: prompt.justification
        ? `\`${shown}\` requires approval: ${prompt.justification}`
        : `\`${shown}\` requires approval by policy`,
    };
  if (perCommand.every((p) => p.matches.some((m) => m.decision === "allow"))) return { kind: "allowed" };
  // "Always allow" adds the first command no rule covers that is not harmless by itself (0.166.0's heuristics'
  // first prompt), else the first uncovered one; never a bare shell or interpreter, which would allow anything.
  const uncovered = perCommand.filter((p) => p.matches.length === 0).map((p) => p.command);
  const amendment = uncovered.find((c) => !isKnownSafeCommand(c)) ?? uncovered[0] ?? null;
  return { kind: "unmatched", amendment: amendment && !tooBroad(amendment) ? amendment : null };
}

/** Prefixes 0.166.0 never proposes: a shell, an interpreter or a launcher alone would allow everything. */
const TOO_BROAD = new Set(
  [
    "python3",
    "python3 -",
    "python3 -c",
    "python",
    "python -",
    "python -c",
    "py",
    "py -3",
    "pythonw",
    "pyw",
    "pypy",
    "pypy3",
    "git",
    "bash",
    "bash -lc",
    "sh",
    "sh -c",
    "sh -lc",
    "zsh",
    "zsh -lc",
    "/bin/zsh",
    "/bin/zsh -lc",
    "/bin/bash",
    "/bin/bash -lc",
    "pwsh",
    "pwsh -Command",
    "pwsh -c",
    "powershell",
    "powershell -Command",
    "powershell -c",
    "powershell.exe",
    "powershell.exe -Command",
    "powershell.exe -c",
    "env",
    "sudo",
    "node",
    "node -e",
    "perl",
    "perl -e",
    "ruby",
    "ruby -e",
    "php",
    "php -r",
    "lua",
    "lua -e",
    "osascript",
  ].map((p) => p.split(" ").join("\0")),
);

function tooBroad(prefix: readonly string[]): boolean {
  return TOO_BROAD.has(prefix.join("\0"));
}

function render(argv: readonly string[]): string {
  return shlexJoin([...argv]);
}

/** One `prefix_rule` line allowing `prefix`, as 0.166.0 appends it to `default.rules`. */
export function allowRuleLine(prefix: readonly string[]): string {
  return `prefix_rule(pattern=[${prefix.map((t) => JSON.stringify(t)).join(", ")}], decision="allow")`;
}
