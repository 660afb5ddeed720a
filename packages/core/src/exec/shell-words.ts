/**
 * A small POSIX-shell tokenizer for the scripts models send as `bash -lc "<script>"`: words (with quotes and
 * backslashes resolved) and the control operators that join simple commands. Anything it does not model
 * (redirections, substitutions, subshells, heredocs, globs are fine) makes it give up, so callers fall back to
 * treating the script as one opaque command.
 */
export type ShellToken = { kind: "word"; value: string } | { kind: "op"; value: "&&" | "||" | ";" | "|" };

const UNSUPPORTED = new Set(["<", ">", "(", ")", "`", "&", "{", "}"]);

export function tokenizeScript(script: string): ShellToken[] | null {
  const tokens: ShellToken[] = [];
  let word = "";
  let inWord = false;
  const flush = () => {
    if (inWord) tokens.push({ kind: "word", value: word });
    word = "";
    inWord = false;
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      if (end < 0) return null;
      word += script.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < script.length && script[j] !== '"'; j++) {
        const d = script[j]!;
        if (d === "$" || d === "`") return null;
        if (d === "\\" && j + 1 < script.length && '"\\$`\n'.includes(script[j + 1]!)) {
          j++;
          word += script[j];
        } else {
          word += d;
        }
      }
      if (j >= script.length) return null;
      inWord = true;
      i = j;
    } else if (c === "\\") {
      if (i + 1 >= script.length) return null;
      i++;
      if (script[i] !== "\n") {
        word += script[i];
        inWord = true;
      }
    } else if (c === " " || c === "\t") {
      flush();
    } else if (c === "\n" || c === ";") {
      flush();
      tokens.push({ kind: "op", value: ";" });
    } else if (c === "&" && script[i + 1] === "&") {
      flush();
      tokens.push({ kind: "op", value: "&&" });
      i++;
    } else if (c === "|") {
      flush();
      if (script[i + 1] === "|") {
        tokens.push({ kind: "op", value: "||" });
        i++;
      } else {
        tokens.push({ kind: "op", value: "|" });
      }
    } else if (c === "$" || UNSUPPORTED.has(c) || (c === "#" && !inWord)) {
      return null;
    } else {
      word += c;
      inWord = true;
    }
  }
  flush();
  return tokens;
}

/** Splits tokens into simple commands (word lists); null when an operator has no command on one side. */
export function splitCommands(
  tokens: ShellToken[],
): { words: string[]; after: ShellToken["value"] | null }[] | null {
  const out: { words: string[]; after: ShellToken["value"] | null }[] = [];
  let words: string[] = [];
  for (const t of tokens) {
    if (t.kind === "word") {
      words.push(t.value);
      continue;
    }
    if (words.length === 0) {
      if (t.value === ";") continue; // blank lines and trailing semicolons
      return null;
    }
    out.push({ words, after: t.value });
    words = [];
  }
  if (words.length) out.push({ words, after: null });
  return out.length ? out : null;
}

/** A script's simple commands (`tokenizeScript`, then `splitCommands`); null when the script is not modelled. */
export function scriptCommands(
  script: string,
): { words: string[]; after: ShellToken["value"] | null }[] | null {
  const tokens = tokenizeScript(script);
  return tokens ? splitCommands(tokens) : null;
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Joins words for display, quoting like shlex: safe words bare, others in single quotes. */
export function shellJoin(words: readonly string[]): string {
  return words.map((w) => (w !== "" && SAFE_WORD.test(w) ? w : `'${w.replace(/'/g, `'"'"'`)}'`)).join(" ");
}

/** `["bash", "-lc", script]` (or sh/zsh, `-c`): the script, else null. */
export function shellScriptOf(argv: readonly string[]): string | null {
  if (argv.length !== 3) return null;
  const shell = argv[0]!.split("/").pop();
  if (!["bash", "sh", "zsh"].includes(shell ?? "") || !["-lc", "-c"].includes(argv[1]!)) return null;
  return argv[2]!;
}

/** Bytes a word may keep bare (Rust `shlex`'s conservative set: no `=`, `,`, `%`, globs, braces or `~`). */
const BARE_OK = /^[A-Za-z0-9+\-./:@\]_]$/;
const QUOTE_BARE = 1;
const QUOTE_SINGLE = 2;
const QUOTE_DOUBLE = 4;

/** Which quoting styles can carry the character `c` (non-ASCII is never left bare). */
function stylesFor(c: string): number {
  let ok = QUOTE_SINGLE | QUOTE_DOUBLE;
  if (c.charCodeAt(0) < 0x80 && BARE_OK.test(c)) ok |= QUOTE_BARE;
  if (c === "'" || c === "^" || c === "\\") ok &= ~QUOTE_SINGLE;
  if (c === "`" || c === "$" || c === "!" || c === "^") ok &= ~QUOTE_DOUBLE;
  return ok;
}

/**
 * Quotes one word the way Codex's display strings do (Rust `shlex::try_quote`): the longest run that one style can
 * carry is emitted bare, else in single quotes, else in double quotes with `"` and `\` escaped, and the next run
 * starts over — so `it's` becomes `"it's"` rather than the POSIX `'it'"'"'s'`. A leading `^` only fits in single
 * quotes.
 */
export function shlexQuote(word: string): string {
  if (word === "") return "''";
  const chars = [...word];
  let out = "";
  let i = 0;
  while (i < chars.length) {
    let ok = QUOTE_BARE | QUOTE_SINGLE | QUOTE_DOUBLE;
    let j = i;
    if (chars[j] === "^") {
      ok = QUOTE_SINGLE;
      j++;
    }
    for (; j < chars.length; j++) {
      const next = ok & stylesFor(chars[j]!);
      if (next === 0) break;
      ok = next;
    }
    const run = chars.slice(i, j).join("");
    if (ok & QUOTE_BARE) out += run;
    else if (ok & QUOTE_SINGLE) out += `'${run}'`;
    else out += `"${run.replace(/["\\]/g, "\\$&")}"`;
    i = j;
  }
  return out;
}

/** `shlexQuote` over argv joined by single spaces; a word holding a NUL falls back to a plain space join, as Codex does. */
export function shlexJoin(words: readonly string[]): string {
  if (words.some((w) => w.includes("\0"))) return words.join(" ");
  return words.map(shlexQuote).join(" ");
}
