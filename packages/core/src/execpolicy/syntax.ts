/**
 * The part of Starlark that rules files are written in (`~/.codex/rules/*.rules`, codex 0.166's exec policy):
 * top-level calls with literal arguments, e.g.
 *
 *     # Prompt before `gh pr view` runs outside the sandbox.
 *     prefix_rule(pattern = ["gh", "pr", ["view", "list"]], decision = "prompt", match = ["gh pr view 7"])
 *
 * Values are strings (single or double quotes, the usual escapes), lists, `None`, `True` and `False`; comments
 * run from `#` to the end of the line. 0.166.0 evaluates the files with a whole Starlark interpreter; a file
 * using more of the language (variables, loops, functions) is refused here with its line, and, as a file 0.166.0
 * cannot parse, leaves the policy empty (files.ts).
 */

export type RulesValue = string | boolean | null | RulesValue[];

export interface RulesCall {
  name: string;
  positional: RulesValue[];
  named: Map<string, RulesValue>;
  line: number;
}

export class RulesSyntaxError extends Error {
  override readonly name = "RulesSyntaxError";
  constructor(
    readonly detail: string,
    readonly line: number,
  ) {
    super(`${detail} (line ${line})`);
  }
}

type Token =
  | { kind: "ident"; value: string; line: number }
  | { kind: "string"; value: string; line: number }
  | { kind: "punct"; value: "(" | ")" | "[" | "]" | "," | "="; line: number }
  | { kind: "end"; line: number };

const ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "\\": "\\",
  '"': '"',
  "'": "'",
  "0": "\0",
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === "\n") {
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if ("()[],=".includes(c)) {
      tokens.push({ kind: "punct", value: c as "(" | ")" | "[" | "]" | "," | "=", line });
      i++;
    } else if (c === '"' || c === "'") {
      const start = line;
      let value = "";
      let j = i + 1;
      for (; j < text.length && text[j] !== c; j++) {
        const d = text[j]!;
        if (d === "\n") throw new RulesSyntaxError("unterminated string", start);
        if (d !== "\\") {
          value += d;
          continue;
        }
        const e = text[++j];
        if (e === undefined) break;
        if (e === "u" || e === "x") {
          const digits = text.slice(j + 1, j + (e === "u" ? 5 : 3));
          if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== (e === "u" ? 4 : 2))
            throw new RulesSyntaxError(`invalid escape \\${e}${digits}`, line);
          value += String.fromCharCode(Number.parseInt(digits, 16));
          j += digits.length;
        } else if (e in ESCAPES) {
          value += ESCAPES[e];
        } else {
          throw new RulesSyntaxError(`invalid escape \\${e}`, line);
        }
      }
      if (j >= text.length) throw new RulesSyntaxError("unterminated string", start);
      tokens.push({ kind: "string", value, line: start });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_]/.test(text[j]!)) j++;
      tokens.push({ kind: "ident", value: text.slice(i, j), line });
      i = j;
    } else {
      throw new RulesSyntaxError(`unexpected character ${JSON.stringify(c)}`, line);
    }
  }
  tokens.push({ kind: "end", line });
  return tokens;
}

/** The calls of a rules file, in order; `RulesSyntaxError` for anything else. */
export function parseRulesFile(text: string): RulesCall[] {
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at]!;
  const take = () => tokens[at++]!;
  const expect = (value: string) => {
    const t = take();
    if (t.kind !== "punct" || t.value !== value)
      throw new RulesSyntaxError(`expected \`${value}\`, found ${describe(t)}`, t.line);
  };
  const value = (): RulesValue => {
    const t = take();
    if (t.kind === "string") return t.value;
    if (t.kind === "ident") {
      if (t.value === "None") return null;
      if (t.value === "True") return true;
      if (t.value === "False") return false;
      throw new RulesSyntaxError(`variable \`${t.value}\` not found`, t.line);
    }
    if (t.kind === "punct" && t.value === "[") {
      const items: RulesValue[] = [];
      while (!(peek().kind === "punct" && (peek() as { value: string }).value === "]")) {
        items.push(value());
        const sep = peek();
        if (sep.kind === "punct" && sep.value === ",") take();
        else break;
      }
      expect("]");
      return items;
    }
    throw new RulesSyntaxError(`expected a value, found ${describe(t)}`, t.line);
  };
  const calls: RulesCall[] = [];
  while (peek().kind !== "end") {
    const name = take();
    if (name.kind !== "ident")
      throw new RulesSyntaxError(`expected a call, found ${describe(name)}`, name.line);
    expect("(");
    const call: RulesCall = { name: name.value, positional: [], named: new Map(), line: name.line };
    while (!(peek().kind === "punct" && (peek() as { value: string }).value === ")")) {
      const next = tokens[at + 1];
      const head = peek();
      if (head.kind === "ident" && next?.kind === "punct" && next.value === "=") {
        take();
        take();
        if (call.named.has(head.value))
          throw new RulesSyntaxError(`argument \`${head.value}\` given twice`, head.line);
        call.named.set(head.value, value());
      } else {
        if (call.named.size > 0)
          throw new RulesSyntaxError("positional argument after a named one", head.line);
        call.positional.push(value());
      }
      const sep = peek();
      if (sep.kind === "punct" && sep.value === ",") take();
      else break;
    }
    expect(")");
    calls.push(call);
  }
  return calls;
}

function describe(t: Token): string {
  if (t.kind === "end") return "the end of the file";
  if (t.kind === "string") return "a string";
  return `\`${t.value}\``;
}
