/**
 * 0.166.0 summarises a shell script only when its bash grammar check sees plain words and simple command lists;
 * this is that check (parse-command-0166.ts).
 */

/** Unquoted characters that make 0.166.0's bash grammar see more than plain words (globs, tildes, escapes, ...). */
const NOT_PLAIN = new Set(["$", "`", "(", ")", "<", ">", "{", "}", "*", "?", "[", "]", "\\", "~"]);

/**
 * The simple commands of a script made only of plain words (bare, `'raw'`, or `"text"` without `$`, backticks or
 * backslashes) joined by `&&`, `||`, `|`, `;` or newlines, as 0.166.0's tree-sitter check accepts them; null for
 * anything else (redirects, expansions, globs, comments, a missing command around an operator).
 */
export function plainCommands(script: string): string[][] | null {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = "";
  let inWord = false;
  /** Whether the last command ended with `&&`, `||` or `|`, which need a command after them. */
  let pendingOp = false;
  const endWord = () => {
    if (inWord) words.push(word);
    word = "";
    inWord = false;
  };
  const endCommand = (op: "&&" | "||" | "|" | ";" | "\n"): boolean => {
    endWord();
    // Blank lines are fine (also after `&&`); an operator needs a command before it.
    if (words.length === 0) return op === "\n";
    commands.push(words);
    words = [];
    pendingOp = op === "&&" || op === "||" || op === "|";
    return true;
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
      const end = script.indexOf('"', i + 1);
      if (end < 0) return null;
      const text = script.slice(i + 1, end);
      if (/[$`\\]/.test(text)) return null;
      word += text;
      inWord = true;
      i = end;
    } else if (c === " " || c === "\t") {
      endWord();
    } else if (c === "\n") {
      if (!endCommand("\n")) return null;
    } else if (c === ";") {
      if (script[i + 1] === ";" || !endCommand(";")) return null;
    } else if (c === "&") {
      if (script[i + 1] !== "&" || !endCommand("&&")) return null;
      i++;
    } else if (c === "|") {
      const op = script[i + 1] === "|" ? "||" : "|";
      if (script[i + 1] === "&" || !endCommand(op)) return null;
      if (op === "||") i++;
    } else if (NOT_PLAIN.has(c) || (c === "#" && !inWord) || (c === "!" && !inWord)) {
      return null;
    } else {
      word += c;
      inWord = true;
    }
  }
  endWord();
  if (words.length) commands.push(words);
  else if (pendingOp) return null;
  return commands.length ? commands : null;
}
