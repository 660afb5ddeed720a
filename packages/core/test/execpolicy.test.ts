import { chmod, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  appendAllowRule,
  ExecPolicy,
  ExecPolicyStore,
  evaluateCommand,
  loadExecPolicy,
  parseRulesFile,
  RULES_FILE_MAX_BYTES,
} from "../src/execpolicy/index.js";

let home: string;
beforeEach(async () => {
  home = await tempDir("codex-execpolicy-");
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const rules = (text: string) => writeFile(join(home, "rules", "default.rules"), text);
const bash = (script: string) => ["/bin/bash", "-lc", script];

describe("rules files", () => {
  it("parse calls with named or positional literals, comments, trailing commas and escapes", () => {
    const calls = parseRulesFile(
      '# a comment\nprefix_rule(["gh", "pr", [\'view\', "list"]], "prompt",)\nprefix_rule(pattern = ["a\\tb"], justification = "x\\u0041") # end\n',
    );
    expect(calls.map((c) => [c.name, c.positional, [...c.named]])).toEqual([
      ["prefix_rule", [["gh", "pr", ["view", "list"]], "prompt"], []],
      [
        "prefix_rule",
        [],
        [
          ["pattern", ["a\tb"]],
          ["justification", "xA"],
        ],
      ],
    ]);
  });

  it("refuse what they cannot hold, with the line: the whole policy is then empty, with a warning", async () => {
    await mkdir(join(home, "rules"));
    const cases: [string, string][] = [
      ['x = ["ls"]\nprefix_rule(pattern=x)', "expected `(`, found `=` (problem is on or around line 2)"],
      [
        '\n\nprefix_rule(pattern=["ls"], decision="maybe")',
        'invalid decision: "maybe" (problem is on or around line 4)',
      ],
      ['prefix_rule(pattern=[], decision="allow")', "pattern cannot be empty"],
      ['prefix_rule(pattern=["ls"], match=["rm -rf /"])', 'example "rm -rf /" does not match the rule'],
      ['prefix_rule(pattern=["ls"], not_match=["ls -l"])', 'example "ls -l" matches the rule'],
      ['prefix_rule(pattern=["ls"], colour="red")', "prefix_rule() got an unexpected argument `colour`"],
      ['allow_everything("ls")', "variable `allow_everything` not found"],
      ['prefix_rule(pattern=["ls"]', "expected `)`, found the end of the file"],
      ["prefix_rule(pattern=['ls])", "unterminated string"],
    ];
    for (const [text, warning] of cases) {
      await rules(`prefix_rule(pattern=["git"])\n${text}`);
      const loaded = await loadExecPolicy(home);
      expect(loaded.policy.rules, text).toEqual([]);
      expect(loaded.warning, text).toContain(warning);
    }
  });

  it("load every *.rules regular file by name; a missing directory is no rules; a huge file is not read", async () => {
    expect(await loadExecPolicy(home)).toEqual({ policy: new ExecPolicy(), warning: null });
    await mkdir(join(home, "rules"));
    await writeFile(join(home, "rules", "b.rules"), 'prefix_rule(["b"])');
    await writeFile(
      join(home, "rules", "a.rules"),
      'prefix_rule(["a"], decision="forbidden")\nnetwork_rule(host="x", protocol="https", decision="allow")',
    );
    await writeFile(join(home, "rules", "notes.txt"), "not a rules file(");
    await mkdir(join(home, "rules", "dir.rules"));
    const loaded = await loadExecPolicy(home);
    expect(loaded.warning).toBeNull();
    expect(loaded.policy.rules.map((r) => [r.program, r.decision])).toEqual([
      ["a", "forbidden"],
      ["b", "allow"],
    ]);
    await writeFile(join(home, "rules", "big.rules"), "#".repeat(RULES_FILE_MAX_BYTES + 1));
    expect((await loadExecPolicy(home)).warning).toMatch(/^failed to read rules file .*big\.rules/);
  });
});

describe("evaluating a command", () => {
  const policy = new ExecPolicy([
    { program: "git", rest: ["status"], decision: "allow", justification: null },
    { program: "git", rest: [["push", "fetch"]], decision: "prompt", justification: null },
    { program: "rm", rest: [], decision: "forbidden", justification: null },
    { program: "curl", rest: [], decision: "forbidden", justification: "use the fetch tool" },
  ]);
  const verdict = (argv: string[]) => evaluateCommand(policy, argv);

  it("takes each command of a bash -lc script: the strictest rule wins, with 0.166.0's reasons", () => {
    expect(verdict(bash("git status && rm -rf build"))).toEqual({
      kind: "forbidden",
      reason:
        "`/bin/bash -lc 'git status && rm -rf build'` rejected: policy forbids commands starting with `rm`",
    });
    expect(verdict(["curl", "x"])).toEqual({
      kind: "forbidden",
      reason: "`curl x` rejected: use the fetch tool",
    });
    expect(verdict(bash("git fetch origin"))).toEqual({
      kind: "prompt",
      reason: "`/bin/bash -lc 'git fetch origin'` requires approval by policy",
    });
    expect(verdict(bash("git status -s | git status"))).toEqual({ kind: "allowed" });
  });

  it("proposes the first uncovered command that is not harmless, never a bare shell or interpreter", () => {
    expect(verdict(bash("git status; cat a; make test"))).toEqual({
      kind: "unmatched",
      amendment: ["make", "test"],
    });
    expect(verdict(bash("cat a"))).toEqual({ kind: "unmatched", amendment: ["cat", "a"] });
    expect(verdict(["python3"])).toEqual({ kind: "unmatched", amendment: null });
    // A script the tokenizer does not model is one command: the whole argv.
    expect(verdict(bash("echo $(date) > out"))).toEqual({
      kind: "unmatched",
      amendment: bash("echo $(date) > out"),
    });
  });
});

describe("always allow", () => {
  it("appends 0.166.0's line once, after a missing final newline, keeping the file's mode", async () => {
    await appendAllowRule(home, ["echo", 'say "hi"']);
    const path = join(home, "rules", "default.rules");
    expect(await readFile(path, "utf8")).toBe(
      'prefix_rule(pattern=["echo", "say \\"hi\\""], decision="allow")\n',
    );
    await appendAllowRule(home, ["echo", 'say "hi"']);
    await writeFile(path, '# mine\nprefix_rule(pattern=["ls"], decision="allow")');
    await chmod(path, 0o644);
    await appendAllowRule(home, ["make"]);
    expect(await readFile(path, "utf8")).toBe(
      '# mine\nprefix_rule(pattern=["ls"], decision="allow")\nprefix_rule(pattern=["make"], decision="allow")\n',
    );
    expect((await stat(path)).mode & 0o777).toBe(0o644);
    await expect(appendAllowRule(home, [])).rejects.toThrow("prefix rule requires at least one token");
  });

  it("the store honours the rule at once and a reload reads what others wrote", async () => {
    const store = ExecPolicyStore.for(home);
    expect(ExecPolicyStore.for(home)).toBe(store);
    await store.reload();
    await store.allow(["make", "test"]);
    expect(evaluateCommand(store.current(), ["make", "test", "-j"])).toEqual({
      kind: "allowed",
    });
    await rules('prefix_rule(["make"], decision="forbidden")\n');
    expect(await store.reload()).toBeNull();
    expect(evaluateCommand(store.current(), ["make", "test"]).kind).toBe("forbidden");
  });
});
