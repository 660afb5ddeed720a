import { describe, expect, it } from "vitest";
import { parseCommand0166 } from "../src/index.js";

const bash = (script: string) => ["bash", "-lc", script];
const read = (cmd: string, name: string, path: string) => ({ type: "read", cmd, name, path });
const list = (cmd: string, path: string | null) => ({ type: "list_files", cmd, path });
const search = (cmd: string, query: string | null, path: string | null) => ({
  type: "search",
  cmd,
  query,
  path,
});
const unknown = (cmd: string) => ({ type: "unknown", cmd });

/** Cases from codex 0.166.0's parser (codex-rs/shell-command parse_command.rs) and from its wire output. */
describe("parseCommand0166 (codex 0.166.0's command summary)", () => {
  const cases: [string[], unknown[]][] = [
    [["git", "status"], [unknown("git status")]],
    [["git", "grep", "TODO", "src"], [search("git grep TODO src", "TODO", "src")]],
    [["git", "grep", "-l", "TODO", "src"], [search("git grep -l TODO src", "TODO", "src")]],
    [["git", "ls-files"], [list("git ls-files", null)]],
    [["git", "ls-files", "--exclude", "target", "src"], [list("git ls-files --exclude target src", "src")]],
    [bash("git status | wc -l"), [unknown("git status | wc -l")]],
    [bash("echo foo > bar"), [unknown("echo foo > bar")]],
    [
      bash("rg --version && node -v && pnpm -v && rg --files | wc -l && rg --files | head -n 40"),
      [unknown("rg --version && node -v && pnpm -v && rg --files | wc -l && rg --files | head -n 40")],
    ],
    [bash('rg -n "navigate-to-route" -S'), [search("rg -n navigate-to-route -S", "navigate-to-route", null)]],
    [
      bash('rg -n "BUG|FIXME|TODO|XXX|HACK" -S | head -n 200'),
      [search("rg -n 'BUG|FIXME|TODO|XXX|HACK' -S", "BUG|FIXME|TODO|XXX|HACK", null)],
    ],
    [bash("rg --files webview/src | sed -n"), [list("rg --files webview/src", "webview")]],
    [bash("rg --files | head -n 50"), [list("rg --files", null)]],
    [
      bash(
        "rg -l QkBindingController presentation/src/main/java | xargs perl -pi -e 's/QkBindingController/QkController/g'",
      ),
      [
        unknown(
          "rg -l QkBindingController presentation/src/main/java | xargs perl -pi -e 's/QkBindingController/QkController/g'",
        ),
      ],
    ],
    [["rg", "--files", "|", "nl", "-ba", "|", "foo"], [unknown("rg --files '|' nl -ba '|' foo")]],
    [["rg", "-l", "TODO", "src"], [search("rg -l TODO src", "TODO", "src")]],
    [["rga", "-l", "TODO", "src"], [search("rga -l TODO src", "TODO", "src")]],
    [bash("cat webview/README.md"), [read("cat webview/README.md", "README.md", "webview/README.md")]],
    [["zsh", "-lc", "cat README.md"], [read("cat README.md", "README.md", "README.md")]],
    [
      bash("bat --theme TwoDark README.md"),
      [read("bat --theme TwoDark README.md", "README.md", "README.md")],
    ],
    [bash("less -p TODO README.md"), [read("less -p TODO README.md", "README.md", "README.md")]],
    [["cd", "foo", "&&", "cat", "foo.txt"], [read("cat foo.txt", "foo.txt", "foo/foo.txt")]],
    [["cd", "--", "-weird", "&&", "cat", "foo.txt"], [read("cat foo.txt", "foo.txt", "-weird/foo.txt")]],
    [["cd", "dir1", "dir2", "&&", "cat", "foo.txt"], [read("cat foo.txt", "foo.txt", "dir2/foo.txt")]],
    [bash("cd foo && bar"), [unknown("cd foo && bar")]],
    [bash("cd foo && cat foo.txt"), [read("cat foo.txt", "foo.txt", "foo/foo.txt")]],
    [bash("ls -la | sed -n '1,120p'"), [list("ls -la", null)]],
    [["eza", "--color=always", "src"], [list("eza '--color=always' src", "src")]],
    [["tree", "-L", "2", "src"], [list("tree -L 2 src", "src")]],
    [["du", "-d", "2", "."], [list("du -d 2 .", ".")]],
    [bash("head -n 50 Cargo.toml"), [read("head -n 50 Cargo.toml", "Cargo.toml", "Cargo.toml")]],
    [bash("head Cargo.toml"), [read("head Cargo.toml", "Cargo.toml", "Cargo.toml")]],
    [bash("tail -n +10 a.log"), [read("tail -n +10 a.log", "a.log", "a.log")]],
    // Observed on the wire with 0.166.0 (gpt-5.5 exec_command).
    [bash("cat a.txt; echo done"), [unknown("cat a.txt; echo done")]],
    [bash("ls && pwd"), [unknown("ls && pwd")]],
    [bash("git status; git diff"), [unknown("git status; git diff")]],
    [bash("rg foo | head -n 3"), [search("rg foo", "foo", null)]],
    [bash("rg --files src | head"), [list("rg --files src", "src")]],
    [bash("nl -ba a.txt | sed -n 1,10p"), [read("nl -ba a.txt | sed -n 1,10p", "a.txt", "a.txt")]],
    [bash("cd src && rg foo"), [search("rg foo", "foo", null)]],
    [bash("ls src"), [list("ls src", "src")]],
    [bash("grep -n foo a.txt"), [search("grep -n foo a.txt", "foo", "a.txt")]],
    [bash("find . -name '*.ts'"), [search("find . -name '*.ts'", "*.ts", ".")]],
    [bash("find src -type f"), [list("find src -type f", "src")]],
    [bash("fd main src"), [search("fd main src", "main", "src")]],
    [bash("fd src/lib"), [list("fd src/lib", "lib")]],
    [bash("sed -n '1,200p' src/main.rs"), [read("sed -n '1,200p' src/main.rs", "main.rs", "src/main.rs")]],
    [bash("cat a.txt && cat a.txt"), [read("cat a.txt", "a.txt", "a.txt")]],
    [bash("echo hi && cat a.txt"), [read("cat a.txt", "a.txt", "a.txt")]],
    [bash("cat a.txt || true"), [read("cat a.txt", "a.txt", "a.txt")]],
    [
      bash("python3 -c 'import os; print(os.listdir())'"),
      [list("python3 -c 'import os; print(os.listdir())'", null)],
    ],
    [bash("echo $HOME"), [unknown("echo $HOME")]],
  ];
  it.each(cases)("%j", (argv, expected) => {
    expect(parseCommand0166(argv)).toEqual(expected);
  });
});

describe("parseCommand0166: what 0.166.0's grammar takes as plain words (observed with 0.166.0)", () => {
  const unknownScripts = [
    "ls ~/x",
    "ls *.txt",
    "cat a\\ b.txt",
    'cat "a\\"b.txt"',
    "ls &&",
    "ls ;; pwd",
    "; ls",
    "ls x=~/y",
    "ls -d */",
    "cat sub/[a].txt",
    "cat a]b.txt",
    "ls {a,b}",
    "cat a.txt # comment",
    "cat a.txt 2>/dev/null",
    'cat "$HOME/a.txt"',
  ];
  it.each(unknownScripts)("%s is one unknown", (script) => {
    expect(parseCommand0166(bash(script))).toEqual([unknown(script)]);
  });
  it("takes trailing semicolons, blank lines and mixed quotes", () => {
    // One command and no connector word: the script re-quoted as shlex splits it (`a.txt;` one word).
    expect(parseCommand0166(bash("cat a.txt;"))).toEqual([read("cat 'a.txt;'", "a.txt", "a.txt")]);
    expect(parseCommand0166(bash("cd sub\n\ncat a.txt\n"))).toEqual([
      read("cat a.txt", "a.txt", "sub/a.txt"),
    ]);
    expect(parseCommand0166(bash("cat 'a'\"b\".txt"))).toEqual([read("cat ab.txt", "ab.txt", "ab.txt")]);
  });
});
