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
