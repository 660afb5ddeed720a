import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Message } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import {
  type Client0166,
  type Impl,
  initialize0166,
  type Request0166,
  SideBySide,
  settle,
  untyped,
} from "./helpers/side-by-side-0166.js";

/**
 * What codex-acp 2.6.0 calls beside sessions: `skills/extraRoots/set` (a multi-root workspace), `hooks/list`,
 * `config/mcpServer/reload` and `mcpServer/oauth/login`, through the real CLI and side by side with the real codex
 * 0.166.0 on the same CODEX_HOME and HOME when the binary is here (differences: app-server README, "0.166
 * connections").
 */
if (!SideBySide.available) console.warn(`workspace-extras-0166: ${SideBySide.reason}`);
const impls: Impl[] = SideBySide.available ? ["ours", "real"] : ["ours"];

const FIXTURES = fileURLToPath(new URL("../../core/test/fixtures/", import.meta.url));
const md = (name: string, description: string) => `---\nname: ${name}\ndescription: ${description}\n---\n`;
const ask = (c: Client0166, request: Request0166) => settle(c, request);

type Listing = { data: { cwd: string; skills: { name: string; scope: string; path: string }[] }[] };

/** A listing's non-system skills (`scope:name` at a path relative to `root`) per cwd (relative too). */
function skillsOf(answer: Record<string, unknown>, root: string) {
  const rel = (p: string) => path.relative(root, p);
  return (answer as Listing).data.map((e) => [
    rel(e.cwd),
    e.skills.filter((s) => s.scope !== "system").map((s) => `${s.scope}:${s.name}@${rel(s.path)}`),
  ]);
}

/** The methods of the messages received after `from`, responses as `answer`. */
const sinceMark = (c: Client0166, from: number) =>
  c.messages.slice(from).map((m: Message) => m.method ?? (m.error ? "error" : "answer"));

describe("skills/extraRoots/set on a 0.166 connection", () => {
  it("adds the roots' skills (as user skills) to every cwd, announces skills/changed, refuses relative paths", async () => {
    const codexHome = await SideBySide.home("", {
      "proj/.agents/skills/local/SKILL.md": md("local", "a project skill"),
      "extra/.agents/skills/xs/SKILL.md": md("x-skill", "from the first extra root"),
      "extra2/sk/ys/SKILL.md": md("y-skill", "from the second extra root"),
      "extra2/sk/file.txt": "not a root",
    });
    const root = path.dirname(codexHome);
    const proj = path.join(root, "proj");
    const extra = path.join(root, "extra");
    const runs: unknown[] = [];
    for (const impl of impls) {
      const c = await SideBySide.start(impl, codexHome, { cwd: proj, home: true });
      await initialize0166(c);
      const steps: unknown[] = [];
      const set = async (extraRoots: unknown) => {
        const from = c.messages.length;
        // A decode refusal's `data: {path}` is this server's addition (README, "0.166 connections").
        const { data: _path, ...answer } = await ask(c, untyped("skills/extraRoots/set", extraRoots));
        steps.push({ set: extraRoots, answer, seen: sinceMark(c, from) });
      };
      const list = async (cwds: string[]) =>
        steps.push(skillsOf(await ask(c, ["skills/list", { cwds }]), root));
      await list([proj, extra]);
      await set({
        extraRoots: [
          path.join(extra, ".agents", "skills"),
          path.join(root, "extra2", "sk", "..", "sk"),
          path.join(root, "missing"),
          path.join(root, "extra2", "sk", "file.txt"),
        ],
      });
      await list([proj, extra]);
      // The same list again: announced again.
      await set({ extraRoots: [path.join(root, "extra2", "sk")] });
      await list([proj]);
      await set({ extraRoots: ["relative/skills"] });
      await set({ extraRoots: [""] });
      await set({ extraRoots: ["~/skills"] });
      await set({});
      await list([proj]);
      await set({ extraRoots: [] });
      await list([proj, extra]);
      runs.push(steps);
    }
    const ours = runs[0] as unknown[];
    expect(ours).toEqual([
      [
        ["proj", ["repo:local@proj/.agents/skills/local/SKILL.md"]],
        ["extra", ["repo:x-skill@extra/.agents/skills/xs/SKILL.md"]],
      ],
      expect.objectContaining({ answer: {}, seen: ["skills/changed", "answer"] }),
      [
        [
          "proj",
          [
            "repo:local@proj/.agents/skills/local/SKILL.md",
            "user:x-skill@extra/.agents/skills/xs/SKILL.md",
            "user:y-skill@extra2/sk/ys/SKILL.md",
          ],
        ],
        ["extra", ["user:x-skill@extra/.agents/skills/xs/SKILL.md", "user:y-skill@extra2/sk/ys/SKILL.md"]],
      ],
      expect.objectContaining({ answer: {}, seen: ["skills/changed", "answer"] }),
      [["proj", ["repo:local@proj/.agents/skills/local/SKILL.md", "user:y-skill@extra2/sk/ys/SKILL.md"]]],
      ...Array.from({ length: 3 }, () =>
        expect.objectContaining({
          answer: {
            code: -32600,
            message: "Invalid request: AbsolutePathBuf deserialized without a base path",
          },
          seen: ["error"],
        }),
      ),
      expect.objectContaining({
        answer: { code: -32600, message: "Invalid request: missing field `extraRoots`" },
      }),
      // A refused call leaves the roots as they were.
      [["proj", ["repo:local@proj/.agents/skills/local/SKILL.md", "user:y-skill@extra2/sk/ys/SKILL.md"]]],
      expect.objectContaining({ answer: {}, seen: ["skills/changed", "answer"] }),
      [
        ["proj", ["repo:local@proj/.agents/skills/local/SKILL.md"]],
        ["extra", ["repo:x-skill@extra/.agents/skills/xs/SKILL.md"]],
      ],
    ]);
    if (runs[1]) expect(ours).toEqual(runs[1]);
  });

  it("refuses more than 64 distinct roots", async () => {
    const codexHome = await SideBySide.home();
    const c = await SideBySide.start("ours", codexHome);
    await initialize0166(c);
    const extraRoots = Array.from({ length: 65 }, (_, i) => `/tmp/root${i}`);
    expect(await ask(c, ["skills/extraRoots/set", { extraRoots }])).toEqual({
      code: -32600,
      message: "skills/extraRoots/set takes at most 64 distinct roots; got 65",
    });
    expect(
      await ask(c, ["skills/extraRoots/set", { extraRoots: [...extraRoots.slice(0, 64), "/tmp/root0/"] }]),
    ).toEqual({});
  });
});

describe("hooks/list on a 0.166 connection", () => {
  it("answers an entry per cwd or for a loaded thread, and 0.166.0's refusals", async () => {
    const codexHome = await SideBySide.home();
    const root = path.dirname(codexHome);
    const proj = path.join(root, "proj");
    await fs.mkdir(proj);
    const unknown = "00000000-0000-4000-8000-000000000000";
    const runs: unknown[] = [];
    for (const impl of impls) {
      const c = await SideBySide.start(impl, codexHome, { cwd: proj, home: true });
      await initialize0166(c);
      const { thread } = (await ask(c, ["thread/start", { cwd: root, ephemeral: true }])) as {
        thread: { id: string };
      };
      const answers = [
        await ask(c, ["hooks/list", {}]),
        await ask(c, ["hooks/list", { cwds: [] }]),
        await ask(c, ["hooks/list", { cwds: [root, "relative/dir", root] }]),
        await ask(c, ["hooks/list", { threadId: thread.id }]),
        await ask(c, ["hooks/list", { threadId: thread.id, cwds: [] }]),
        await ask(c, ["hooks/list", { threadId: thread.id, cwds: [root] }]),
        await ask(c, ["hooks/list", { threadId: unknown }]),
        await ask(c, ["hooks/list", { threadId: "bad" }]),
        await ask(c, untyped("hooks/list", null)),
      ];
      runs.push(JSON.parse(JSON.stringify(answers).replaceAll(thread.id, "<thread>")));
    }
    const entry = (cwd: string) => ({ cwd, hooks: [], warnings: [], errors: [] });
    expect(runs[0]).toEqual([
      { data: [entry(proj)] },
      { data: [entry(proj)] },
      { data: [entry(root), entry("relative/dir"), entry(root)] },
      { data: [entry(root)] },
      { data: [entry(root)] },
      { code: -32600, message: "specify either threadId or cwds" },
      { code: -32600, message: `thread not found: ${unknown}` },
      {
        code: -32600,
        message: "invalid thread id: invalid length: expected length 32 for simple format, found 3",
      },
      { code: -32600, message: "Invalid request: missing field `params`" },
    ]);
    if (runs[1]) expect(runs[0]).toEqual(runs[1]);
  });

  it("lists no hooks and warns about each configured hook source (this server runs no hooks)", async () => {
    const codexHome = await SideBySide.home(
      [
        "[[hooks.PreToolUse]]",
        'matcher = "Bash"',
        "[[hooks.PreToolUse.hooks]]",
        'type = "command"',
        'command = "echo hi"',
      ].join("\n"),
      {
        "codex-home/hooks.json": JSON.stringify({
          hooks: { Stop: [{ hooks: [{ type: "command", command: "true" }] }] },
        }),
      },
    );
    const c = await SideBySide.start("ours", codexHome, {
      args: ["-c", 'hooks.Stop=[{hooks=[{type="command",command="true"}]}]'],
    });
    await initialize0166(c);
    const warning = (p: string) => `hooks are not supported by this server; the hooks in ${p} do not run`;
    expect(await ask(c, ["hooks/list", { cwds: ["/"] }])).toEqual({
      data: [
        {
          cwd: "/",
          hooks: [],
          warnings: [
            warning(path.join(codexHome, "hooks.json")),
            warning(path.join(codexHome, "config.toml")),
            warning("/<session-flags>/config.toml"),
          ],
          errors: [],
        },
      ],
    });
  });
});

describe("config/mcpServer/reload and mcpServer/oauth/login on a 0.166 connection", () => {
  it("reloads the MCP config (mcpServerStatus/list shows the new server) and refuses logins as 0.166.0 does", async () => {
    const calc = [
      "[mcp_servers.calc]",
      'command = "node"',
      `args = [${JSON.stringify(path.join(FIXTURES, "calc-mcp-server.mjs"))}]`,
    ].join("\n");
    // An HTTP server on a port nothing listens on (127.0.0.1:9, as the reference's blocked proxies).
    const http = ["[mcp_servers.web]", 'url = "http://127.0.0.1:9/mcp"'].join("\n");
    const unknown = "00000000-0000-4000-8000-000000000000";
    const runs: Record<string, unknown>[][] = [];
    for (const impl of impls) {
      const codexHome = await SideBySide.home(calc);
      const c = await SideBySide.start(impl, codexHome);
      await initialize0166(c);
      const names = async () =>
        (
          (await ask(c, ["mcpServerStatus/list", { detail: "toolsAndAuthOnly" }])) as {
            data: { name: string }[];
          }
        ).data.map((s) => s.name);
      const before = await names();
      const config = path.join(codexHome, "config.toml");
      await fs.writeFile(
        config,
        `${calc}\n${http}\n${await fs.readFile(config, "utf8")}`.replace(/^\[mcp_servers\.calc\][^[]*/, ""),
      );
      const steps: Record<string, unknown>[] = [
        { before },
        { reload: await ask(c, ["config/mcpServer/reload", undefined]) },
        { reloadWithEmptyParams: await ask(c, untyped("config/mcpServer/reload", {})) },
        { after: await names() },
        { unknown: await ask(c, ["mcpServer/oauth/login", { name: "nope" }]) },
        { inherited: await ask(c, ["mcpServer/oauth/login", { name: "toString" }]) },
        { stdio: await ask(c, ["mcpServer/oauth/login", { name: "calc" }]) },
        { badThread: await ask(c, ["mcpServer/oauth/login", { name: "calc", threadId: "bad" }]) },
        { unknownThread: await ask(c, ["mcpServer/oauth/login", { name: "nope", threadId: unknown }]) },
      ];
      const web = await ask(c, ["mcpServer/oauth/login", { name: "web" }]);
      // Nothing listens there: each implementation's own words for the failed discovery after 0.166.0's prefix
      // (test/mcp-oauth-0166.e2e.test.ts has logins that go through).
      steps.push({ http: { code: web.code, message: String(web.message).split(": ")[0] } });
      runs.push(steps);
    }
    expect(runs[0]).toEqual([
      { before: ["calc"] },
      { reload: {} },
      { reloadWithEmptyParams: {} },
      { after: ["calc", "web"] },
      { unknown: { code: -32600, message: "No MCP server named 'nope' found." } },
      { inherited: { code: -32600, message: "No MCP server named 'toString' found." } },
      { stdio: { code: -32600, message: "OAuth login is only supported for streamable HTTP servers." } },
      {
        badThread: {
          code: -32600,
          message: "invalid thread id: invalid length: expected length 32 for simple format, found 3",
        },
      },
      { unknownThread: { code: -32600, message: `thread not found: ${unknown}` } },
      { http: { code: -32603, message: "failed to login to MCP server 'web'" } },
    ]);
    if (runs[1]) expect(runs[0]).toEqual(runs[1]);
  });
});
