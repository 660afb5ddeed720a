import { describe, expect, it } from "vitest";
import { isKnownSafeCommand, parseCommand } from "../src/index.js";

const bash = (script: string) => ["bash", "-lc", script];

describe("parseCommand (examples observed with codex 0.58.0)", () => {
  const cases: [string[], unknown[]][] = [
    [["cat", "README.md"], [{ type: "read", cmd: "cat README.md", name: "README.md", path: "README.md" }]],
    [bash("cat README.md"), [{ type: "read", cmd: "cat README.md", name: "README.md", path: "README.md" }]],
    [
      bash("sed -n '1,200p' src/main.rs"),
      [{ type: "read", cmd: "sed -n '1,200p' src/main.rs", name: "main.rs", path: "src/main.rs" }],
    ],
    [bash("head -n 50 a.txt"), [{ type: "read", cmd: "head -n 50 a.txt", name: "a.txt", path: "a.txt" }]],
    [bash("nl -ba foo.rs"), [{ type: "read", cmd: "nl -ba foo.rs", name: "foo.rs", path: "foo.rs" }]],
    [bash("tail -20 b.log"), [{ type: "unknown", cmd: "tail -20 b.log" }]],
    [bash("ls -la src"), [{ type: "list_files", cmd: "ls -la src", path: "src" }]],
    [["ls"], [{ type: "list_files", cmd: "ls", path: null }]],
    [bash("rg --files"), [{ type: "search", cmd: "rg --files", query: null, path: null }]],
    [
      bash("rg -n 'fn main' src"),
      [{ type: "search", cmd: "rg -n 'fn main' src", query: "fn main", path: "src" }],
    ],
    [bash("grep -R TODO ."), [{ type: "search", cmd: "grep -R TODO .", query: "TODO", path: "." }]],
    [bash("find . -name '*.rs'"), [{ type: "search", cmd: "find . -name '*.rs'", query: "*.rs", path: "." }]],
    [bash("fd main src"), [{ type: "search", cmd: "fd main src", query: "main", path: "src" }]],
    [
      bash("cat a.txt | grep x"),
      [
        { type: "read", cmd: "cat a.txt", name: "a.txt", path: "a.txt" },
        { type: "search", cmd: "grep x", query: "x", path: null },
      ],
    ],
    [
      bash("rg -n foo | head -n 5"),
      [
        { type: "search", cmd: "rg -n foo", query: "foo", path: null },
        { type: "unknown", cmd: "head -n 5" },
      ],
    ],
    [bash("git status"), [{ type: "unknown", cmd: "git status" }]],
    [bash("wc -l f"), [{ type: "unknown", cmd: "wc -l f" }]],
    [bash("python3 script.py"), [{ type: "unknown", cmd: "python3 script.py" }]],
    [
      bash("cd foo && cat bar.txt"),
      [{ type: "read", cmd: "cat bar.txt", name: "bar.txt", path: "foo/bar.txt" }],
    ],
    [bash("echo hi && ls"), [{ type: "list_files", cmd: "ls", path: null }]],
    [bash("cat a && cat a"), [{ type: "read", cmd: "cat a", name: "a", path: "a" }]],
    [bash("touch made2.txt"), [{ type: "unknown", cmd: "touch made2.txt" }]],
  ];
  for (const [argv, expected] of cases) {
    it(JSON.stringify(argv), () => {
      expect(parseCommand(argv)).toEqual(expected);
    });
  }

  it("treats scripts it cannot model as one unknown command", () => {
    expect(parseCommand(bash("echo $(whoami) > out.txt"))).toEqual([
      { type: "unknown", cmd: "echo $(whoami) > out.txt" },
    ]);
    expect(parseCommand(bash("cat 'unterminated"))).toEqual([{ type: "unknown", cmd: "cat 'unterminated" }]);
    expect(parseCommand(bash("&& ls"))).toEqual([{ type: "unknown", cmd: "&& ls" }]);
  });
});

describe("isKnownSafeCommand", () => {
  it("accepts read-only programs and scripts made of them", () => {
    for (const argv of [
      ["cat", "x.txt"],
      ["ls", "-l"],
      ["find", ".", "-name", "*.rs"],
      ["git", "status"],
      bash("rg foo | head"),
      bash("echo hi && ls"),
    ]) {
      expect(isKnownSafeCommand(argv), JSON.stringify(argv)).toBe(true);
    }
  });
  it("rejects anything that can write or run other programs", () => {
    for (const argv of [
      ["touch", "x"],
      ["rm", "-rf", "/"],
      ["find", ".", "-delete"],
      ["find", ".", "-exec", "rm", "{}", ";"],
      ["rg", "--pre", "sh", "x"],
      ["git", "push"],
      ["sed", "-i", "s/a/b/", "f"],
      bash("ls > out.txt"),
      bash("cat x && rm y"),
      bash("echo $(rm -rf ~)"),
      [],
    ]) {
      expect(isKnownSafeCommand(argv), JSON.stringify(argv)).toBe(false);
    }
  });
});
