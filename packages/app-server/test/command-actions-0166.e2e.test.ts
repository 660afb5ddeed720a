import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Protocol0166, protocol0166 } from "@codex-ts/app-server-protocol";
import { CODEX_0166_BIN, type Message, type TestAppServer, useAppServerSuite } from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type MockServer0166,
  startExecCommandTurn,
  startMockServer0166,
} from "./helpers/mock-server-0166.js";

/**
 * The `command` and `commandActions` a client sees on `gpt-5.5`'s exec_command items: on this server, and (where
 * installed) on the native codex 0.166.0 with the same calls. 0.166.0 joins the shell's argv the way Rust's
 * `shlex` quotes, summarises the script with its newer parser (any part it cannot classify makes one `unknown`
 * of the whole script) and sends read paths absolute. Paths are shown with the workspace as `R`, its parent `P`.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN)
  console.warn("command actions 0.166: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

interface Seen {
  command: string;
  commandActions: unknown[];
}

/** With `expected`: checked on each server; without: only compared with 0.166.0 (when installed). */
const CASES: { cmd: string; expected?: Seen }[] = [
  {
    cmd: "cat a.txt",
    expected: {
      command: "/bin/bash -c 'cat a.txt'",
      commandActions: [{ type: "read", command: "cat a.txt", name: "a.txt", path: "R/a.txt" }],
    },
  },
  {
    cmd: "cat a.txt; echo done",
    expected: {
      command: "/bin/bash -c 'cat a.txt; echo done'",
      commandActions: [{ type: "unknown", command: "cat a.txt; echo done" }],
    },
  },
  {
    cmd: "ls && pwd",
    expected: {
      command: "/bin/bash -c 'ls && pwd'",
      commandActions: [{ type: "unknown", command: "ls && pwd" }],
    },
  },
  {
    cmd: "sleep 0; echo done",
    expected: {
      command: "/bin/bash -c 'sleep 0; echo done'",
      commandActions: [{ type: "unknown", command: "sleep 0; echo done" }],
    },
  },
  {
    cmd: "git status; git diff",
    expected: {
      command: "/bin/bash -c 'git status; git diff'",
      commandActions: [{ type: "unknown", command: "git status; git diff" }],
    },
  },
  {
    cmd: "rg foo | head -n 3",
    expected: {
      command: "/bin/bash -c 'rg foo | head -n 3'",
      commandActions: [{ type: "search", command: "rg foo", query: "foo", path: null }],
    },
  },
  {
    cmd: "rg --files src | head",
    expected: {
      command: "/bin/bash -c 'rg --files src | head'",
      commandActions: [{ type: "listFiles", command: "rg --files src", path: "src" }],
    },
  },
  {
    cmd: "nl -ba a.txt | sed -n 1,10p",
    expected: {
      command: "/bin/bash -c 'nl -ba a.txt | sed -n 1,10p'",
      commandActions: [
        { type: "read", command: "nl -ba a.txt | sed -n 1,10p", name: "a.txt", path: "R/a.txt" },
      ],
    },
  },
  {
    cmd: "cat ../up.txt",
    expected: {
      command: "/bin/bash -c 'cat ../up.txt'",
      commandActions: [{ type: "read", command: "cat ../up.txt", name: "up.txt", path: "P/up.txt" }],
    },
  },
  {
    cmd: "cd sub && cat a.txt",
    expected: {
      command: "/bin/bash -c 'cd sub && cat a.txt'",
      commandActions: [{ type: "read", command: "cat a.txt", name: "a.txt", path: "R/sub/a.txt" }],
    },
  },
  {
    cmd: "ls src",
    expected: {
      command: "/bin/bash -c 'ls src'",
      commandActions: [{ type: "listFiles", command: "ls src", path: "src" }],
    },
  },
  {
    cmd: "grep -n foo a.txt",
    expected: {
      command: "/bin/bash -c 'grep -n foo a.txt'",
      commandActions: [{ type: "search", command: "grep -n foo a.txt", query: "foo", path: "a.txt" }],
    },
  },
  {
    cmd: "find . -name '*.ts'",
    expected: {
      command: `/bin/bash -c "find . -name '*.ts'"`,
      commandActions: [{ type: "search", command: "find . -name '*.ts'", query: "*.ts", path: "." }],
    },
  },
  {
    cmd: "cd src && rg foo",
    expected: {
      command: "/bin/bash -c 'cd src && rg foo'",
      commandActions: [{ type: "search", command: "rg foo", query: "foo", path: null }],
    },
  },
  {
    cmd: "sed -n '1,5p' sub/a.txt",
    expected: {
      command: `/bin/bash -c "sed -n '1,5p' sub/a.txt"`,
      commandActions: [
        { type: "read", command: "sed -n '1,5p' sub/a.txt", name: "a.txt", path: "R/sub/a.txt" },
      ],
    },
  },
  {
    cmd: "head -n 5 a.txt && tail -n 2 a.txt",
    expected: {
      command: "/bin/bash -c 'head -n 5 a.txt && tail -n 2 a.txt'",
      commandActions: [
        { type: "read", command: "head -n 5 a.txt", name: "a.txt", path: "R/a.txt" },
        { type: "read", command: "tail -n 2 a.txt", name: "a.txt", path: "R/a.txt" },
      ],
    },
  },
  {
    cmd: "echo $HOME",
    expected: {
      command: "/bin/bash -c 'echo $HOME'",
      commandActions: [{ type: "unknown", command: "echo $HOME" }],
    },
  },
  {
    cmd: "echo it's",
    expected: {
      command: `/bin/bash -c "echo it's"`,
      commandActions: [{ type: "unknown", command: "echo it's" }],
    },
  },
  {
    cmd: 'rg -n "a b" src/lib',
    expected: {
      command: `/bin/bash -c 'rg -n "a b" src/lib'`,
      commandActions: [{ type: "search", command: "rg -n 'a b' src/lib", query: "a b", path: "lib" }],
    },
  },
  {
    cmd: "git ls-files | wc -l",
    expected: {
      command: "/bin/bash -c 'git ls-files | wc -l'",
      commandActions: [{ type: "listFiles", command: "git ls-files", path: null }],
    },
  },
  {
    cmd: "cat a.txt | grep x",
    expected: {
      command: "/bin/bash -c 'cat a.txt | grep x'",
      commandActions: [
        { type: "read", command: "cat a.txt", name: "a.txt", path: "R/a.txt" },
        { type: "search", command: "grep x", query: "x", path: null },
      ],
    },
  },
  {
    cmd: "echo x > out.txt",
    expected: {
      command: "/bin/bash -c 'echo x > out.txt'",
      commandActions: [{ type: "unknown", command: "echo x > out.txt" }],
    },
  },
  { cmd: "cat 'a b.txt'" },
  { cmd: "cat héllo.txt" },
  { cmd: "cat ./a.txt && cat /etc/hostname" },
  { cmd: "cat -- a.txt" },
  { cmd: "rg -g '*.ts' foo src" },
  { cmd: "git grep -n foo -- sub" },
  { cmd: "ls ~/x" },
  { cmd: "tree -L 2 sub/src" },
  { cmd: "cd sub && cd .. && cat a.txt" },
  { cmd: "echo a=b,c" },
  { cmd: "ls *.txt" },
  { cmd: "cat a\\ b.txt" },
  { cmd: 'cat "a\\"b.txt"' },
  { cmd: "ls &&" },
  { cmd: "ls ;; pwd" },
  { cmd: "cat a.txt;" },
  { cmd: "ls {a,b}" },
  { cmd: "ls x=~/y" },
  { cmd: "ls -d */" },
  { cmd: "cat sub/[a].txt" },
  { cmd: "; ls" },
  { cmd: "ls\n\n;pwd" },
  { cmd: "cat 'a'\"b\".txt" },
  { cmd: "ls ?.txt" },
  { cmd: "echo a!b" },
  { cmd: "cat a.txt |& cat" },
  { cmd: "cat a.txt & cat a.txt" },
  { cmd: "ls &&\npwd" },
  { cmd: "FOO=1 cat a.txt" },
  { cmd: "cat a]b.txt" },
  { cmd: 'cat "a\'b.txt"' },
  { cmd: "cat a%b,c@d+e.txt" },
  { cmd: "cat a.txt a.txt" },
  { cmd: "ls -la | sed -n '1,120p'" },
  { cmd: "tail -n +2 a.txt" },
  { cmd: "awk '{print $1}' a.txt" },
  { cmd: "cat a.txt 2>/dev/null" },
  { cmd: "rg --files | nl -ba | foo" },
  { cmd: "cat a.txt # comment" },
  { cmd: "cd sub\ncat a.txt" },
  { cmd: "echo héllo wörld" },
  { cmd: "git log --oneline -n 3 | cat" },
  { cmd: "cat a.txt || true" },
  { cmd: "cd .. && ls" },
  { cmd: "cd /tmp && cat a.txt" },
  { cmd: "head -n 3 a.txt | tail -n 1" },
  { cmd: "sed -n 2p a.txt | cat -A" },
  { cmd: "grep -rn \"x\" --include='*.txt' ." },
  { cmd: "find . -maxdepth 2 -type f | sort" },
  { cmd: "wc -l a.txt" },
  { cmd: "python3 -c 'import os; print(os.listdir())'" },
  { cmd: "cat a.txt\n" },
  { cmd: "  cat   a.txt  " },
  { cmd: 'cat "$HOME/a.txt"' },
];

/** Runs one exec_command call on a thread of its own; resolves with the item the client saw start. */
async function run(s: MockServer0166, cmd: string, n: number): Promise<Seen> {
  const { turnId, from } = await startExecCommandTurn(s, [
    { args: { cmd, login: false }, callId: `call_${n}` },
  ]);
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turnId,
    "turn/completed",
  );
  const commandItem = (method: string) =>
    s.c.messages
      .slice(from)
      .filter((m: Message) => m.method === method)
      .map((m) => (m.params as { item: { type: string } & Partial<Seen> }).item)
      .find((i) => i.type === "commandExecution");
  const item = commandItem("item/started");
  const completed = commandItem("item/completed");
  // The completed item shows the same command and actions as the started one.
  expect({ command: completed?.command, commandActions: completed?.commandActions }).toEqual({
    command: item?.command,
    commandActions: item?.commandActions,
  });
  const parent = path.dirname(s.root);
  const shown = JSON.stringify({ command: item?.command, commandActions: item?.commandActions })
    .replaceAll(s.root, "R")
    .replaceAll(parent, "P");
  return JSON.parse(shown) as Seen;
}

const APPROVED = "cd sub && cat a.txt";

/** One escalated exec_command on an on-request thread: what the approval request and the command item show. */
async function runApproved(
  s: MockServer0166,
): Promise<{ asked: Seen & { cwd: string }; item: Seen & { cwd: string } }> {
  const args = {
    cmd: APPROVED,
    login: false,
    sandbox_permissions: "require_escalated",
    justification: "why not",
  };
  const { turnId, from } = await startExecCommandTurn(s, [{ args, callId: "call_approved" }], {
    approvalPolicy: "on-request",
    sandbox: "read-only",
  });
  const request = await s.c.waitFor(
    (m) => m.method === "item/commandExecution/requestApproval" && s.c.messages.indexOf(m) >= from,
    "requestApproval",
  );
  s.c.answer(request, { decision: "accept" });
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turnId,
    "turn/completed",
  );
  const item = s.c.messages
    .slice(from)
    .filter((m: Message) => m.method === "item/started")
    .map((m) => (m.params as { item: { type: string } & Partial<Seen> & { cwd?: string } }).item)
    .find((i) => i.type === "commandExecution");
  const pick = (o: { command?: unknown; commandActions?: unknown; cwd?: unknown } | undefined) => ({
    command: o?.command,
    cwd: o?.cwd,
    commandActions: o?.commandActions,
  });
  const shown = JSON.stringify({ asked: pick(request.params as Record<string, unknown>), item: pick(item) })
    .replaceAll(s.root, "R")
    .replaceAll(path.dirname(s.root), "P");
  return JSON.parse(shown);
}

/** The command items of every stored thread's history (`thread/read {includeTurns}`), sorted, root as `R`. */
async function storedCommandItems(c: TestAppServer<Protocol0166>, root: string): Promise<unknown[]> {
  const { data } = await c.request("thread/list", { limit: 100 });
  const items: string[] = [];
  for (const t of data) {
    const { thread } = await c.request("thread/read", { threadId: t.id, includeTurns: true });
    for (const turn of thread.turns)
      for (const item of turn.items)
        if (item.type === "commandExecution")
          items.push(
            JSON.stringify({ command: item.command, cwd: item.cwd, commandActions: item.commandActions })
              .replaceAll(root, "R")
              .replaceAll(path.dirname(root), "P"),
          );
  }
  return items.sort().map((i) => JSON.parse(i));
}

const results = new Map<Impl, Seen[]>();
/** 0.166.0's history of its own threads, and this server's reading of the same store. */
const stored = new Map<Impl, unknown[]>();
const approved = new Map<Impl, unknown>();

beforeAll(async () => {
  for (const impl of IMPLS) {
    const s = await startMockServer0166(suite, impl, {
      client: { name: "command-actions-0166", version: "1.0" },
      prefix: "codex-0166-command-actions-",
    });
    await mkdir(path.join(s.root, "sub"), { recursive: true });
    await mkdir(path.join(s.root, "src"), { recursive: true });
    await writeFile(path.join(s.root, "a.txt"), "foo\nx\n");
    await writeFile(path.join(s.root, "sub", "a.txt"), "sub\n");
    const seen: Seen[] = [];
    for (const [n, c] of CASES.entries()) seen.push(await run(s, c.cmd, n));
    results.set(impl, seen);
    approved.set(impl, await runApproved(s));
    if (impl === "real") {
      stored.set("real", await storedCommandItems(s.c, s.root));
      const ours = await suite.start({
        home: path.join(s.root, "codex-home"),
        protocol: protocol0166,
        cwd: s.root,
        initialize: false,
      });
      await ours.initialize({ name: "command-actions-0166", version: "1.0" }, { experimentalApi: true });
      stored.set("ours", await storedCommandItems(ours, s.root));
    }
  }
}, 300_000);

describe("gpt-5.5 exec_command items' command and commandActions, as codex 0.166.0 shows them", () => {
  const expected = CASES.flatMap((c, n) => (c.expected ? [[c.cmd, n] as const] : []));
  it.each(IMPLS.flatMap((impl) => expected.map(([cmd, n]) => [impl, cmd, n] as const)))(
    "%s: %s",
    (impl, _, n) => {
      expect(results.get(impl)?.[n]).toEqual(CASES[n]!.expected);
    },
  );

  it.each(IMPLS)("%s: an approved command's request and item", (impl) => {
    const seen = {
      command: `/bin/bash -c '${APPROVED}'`,
      cwd: "R",
      commandActions: [{ type: "read", command: "cat a.txt", name: "a.txt", path: "R/sub/a.txt" }],
    };
    expect(approved.get(impl)).toEqual({ asked: seen, item: seen });
  });

  it.runIf(IMPLS.includes("real"))("0.166.0's stored commands read back as 0.166.0 shows them", () => {
    expect(stored.get("real")?.length).toBeGreaterThan(CASES.length);
    expect(stored.get("ours")).toEqual(stored.get("real"));
  });

  it.runIf(IMPLS.includes("real"))("ours and 0.166.0 show the same", () => {
    expect(approved.get("ours")).toEqual(approved.get("real"));
    const ours = results.get("ours")?.map((seen, n) => ({ cmd: CASES[n]!.cmd, ...seen }));
    const real = results.get("real")?.map((seen, n) => ({ cmd: CASES[n]!.cmd, ...seen }));
    expect(ours).toEqual(real);
  });
});
