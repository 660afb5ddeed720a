import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  type Client0166,
  type Impl,
  initialize0166,
  type Request0166,
  SideBySide,
  settle,
} from "./helpers/side-by-side-0166.js";

/**
 * `skills/list` and `mcpServerStatus/list` on a 0.166 connection, through the real CLI, and side by side with the
 * real codex 0.166.0 on the same CODEX_HOME and HOME when the binary is here (differences: app-server README,
 * "0.166 connections").
 */
if (!SideBySide.available) console.warn(`skills-mcp-0166: ${SideBySide.reason}`);
const impls: Impl[] = SideBySide.available ? ["ours", "real"] : ["ours"];

const FIXTURES = fileURLToPath(new URL("../../core/test/fixtures/", import.meta.url));

/** A typed request's result or error answer (the client checks a result against the method's schema). */
const ask = (c: Client0166, request: Request0166) => settle(c, request);

const md = (name: string, description: string) => `---\nname: ${name}\ndescription: ${description}\n---\n`;

type Entry = {
  cwd: string;
  skills: { name: string; scope: string; path: string; enabled: boolean; [k: string]: unknown }[];
  errors: { path: string; message: string }[];
};

describe("skills/list on a 0.166 connection", () => {
  it("lists the skills seen from each cwd, with their errors, as 0.166.0 does", async () => {
    const files: Record<string, string> = {
      "codex-home/skills/good/SKILL.md":
        "---\nname: good-skill\ndescription: Does   good\n  things\nmetadata:\n  short-description: Good short\n---\n# Body\n",
      "codex-home/skills/good/agents/openai.yaml":
        "interface:\n  display_name: Good Skill\n  brand_color: '#AABBCC'\n  icon_small: assets/small.png\ndependencies:\n  tools:\n    - type: mcp\n      value: echo\n",
      "codex-home/skills/noname/SKILL.md": "---\ndescription: No name here\n---\n",
      "codex-home/skills/nofm/SKILL.md": "# just markdown\n",
      "codex-home/skills/nodesc/SKILL.md": "---\nname: nodesc\n---\n",
      "codex-home/skills/long/SKILL.md": `---\nname: ${"n".repeat(65)}\ndescription: d\n---\n`,
      "codex-home/skills/multi/one/SKILL.md": md("twin", "first"),
      "codex-home/skills/multi/two/SKILL.md": md("twin", "second"),
      "codex-home/skills/.hidden/SKILL.md": md("hidden", "never listed"),
      "codex-home/skills/a/b/c/d/e/SKILL.md": md("deep5", "deep enough"),
      "codex-home/skills/a/b/c/d/e/f/g/SKILL.md": md("deep7", "too deep"),
      "outside/linked/SKILL.md": md("linked", "through a symlink"),
      ".agents/skills/homeskill/SKILL.md": md("homeskill", "from HOME"),
      "proj/.codex/skills/r1/SKILL.md": md("r1", "project codex skill"),
      "proj/.agents/skills/r2/SKILL.md": md("r2", "disabled by name"),
      "proj/sub/.agents/skills/r3/SKILL.md": md("r3", "sub agents skill"),
    };
    const codexHome = await SideBySide.home('[[skills.config]]\nname = "r2"\nenabled = false\n', files);
    const root = path.dirname(codexHome);
    const skills = path.join(codexHome, "skills");
    // Not UTF-8: a lone 0xE9 (Latin-1 "é") in the description.
    await fs.mkdir(path.join(skills, "utf8"));
    await fs.writeFile(
      path.join(skills, "utf8", "SKILL.md"),
      Buffer.concat([
        Buffer.from("---\nname: utf\ndescription: caf"),
        Buffer.from([0xe9]),
        Buffer.from("\n---\n"),
      ]),
    );
    await fs.symlink(path.join(root, "outside", "linked"), path.join(skills, "link"));
    await fs.mkdir(path.join(skills, "fifo"));
    execFileSync("mkfifo", [path.join(skills, "fifo", "SKILL.md"), path.join(skills, "fifo-dir")]);
    const proj = path.join(root, "proj");
    execFileSync("git", ["init", "-q", proj]);

    const cwds = [path.join(proj, "sub"), proj, path.join(root, "nowhere")];
    const runs: Entry[][] = [];
    // Ours first: the reference installs its bundled skills into CODEX_HOME/skills/.system when it starts.
    for (const impl of impls) {
      const c = await SideBySide.start(impl, codexHome, { cwd: proj, home: true });
      await initialize0166(c);
      const listed = (await ask(c, ["skills/list", { cwds }])) as { data: Entry[] };
      const byDefault = (await ask(c, ["skills/list", {}])) as { data: Entry[] };
      expect(byDefault.data.map((e) => e.cwd)).toEqual([proj]);
      expect(byDefault.data[0]?.skills).toEqual(listed.data[1]?.skills);
      runs.push(listed.data);
    }
    const ours = runs[0] ?? [];
    expect(ours.map((e) => e.cwd)).toEqual(cwds);
    const names = (e: Entry | undefined) =>
      e?.skills.filter((s) => s.scope !== "system").map((s) => [s.scope, s.name, s.enabled]);
    expect(names(ours[0])).toEqual([
      ["repo", "r1", true],
      ["repo", "r2", false],
      ["repo", "r3", true],
      ["user", "deep5", true],
      ["user", "good-skill", true],
      ["user", "homeskill", true],
      ["user", "linked", true],
      ["user", "noname", true],
      ["user", "twin", true],
      ["user", "twin", true],
    ]);
    expect(names(ours[1])?.map(([, n]) => n)).toEqual([
      "r1",
      "r2",
      "deep5",
      "good-skill",
      "homeskill",
      "linked",
      "noname",
      "twin",
      "twin",
    ]);
    expect(names(ours[2])?.[0]).toEqual(["user", "deep5", true]);
    expect(ours[0]?.skills.find((s) => s.name === "good-skill")).toEqual({
      name: "good-skill",
      description: "Does good things",
      shortDescription: "Good short",
      interface: {
        displayName: "Good Skill",
        shortDescription: null,
        iconSmall: path.join(skills, "good", "assets", "small.png"),
        iconLarge: null,
        iconSmallUrl: null,
        iconLargeUrl: null,
        brandColor: "#AABBCC",
        defaultPrompt: null,
      },
      dependencies: { tools: [{ type: "mcp", value: "echo" }] },
      path: path.join(skills, "good", "SKILL.md"),
      scope: "user",
      enabled: true,
      pluginId: null,
    });
    expect(ours[0]?.skills.find((s) => s.name === "linked")?.path).toBe(
      path.join(root, "outside", "linked", "SKILL.md"),
    );
    const fifoError = {
      path: path.join(skills, "fifo", "SKILL.md"),
      message: "failed to read file: not a regular file (a FIFO)",
    };
    expect(ours[0]?.errors).toEqual([
      fifoError,
      {
        path: path.join(skills, "long", "SKILL.md"),
        message: "invalid name: exceeds maximum length of 64 characters",
      },
      { path: path.join(skills, "nodesc", "SKILL.md"), message: "missing field `description`" },
      { path: path.join(skills, "nofm", "SKILL.md"), message: "missing YAML frontmatter delimited by ---" },
      {
        path: path.join(skills, "utf8", "SKILL.md"),
        message: "failed to read file: invalid utf-8 sequence of 1 bytes from index 30",
      },
    ]);
    if (runs[1]) {
      // The same skills and errors, except the FIFO, which 0.166.0 passes over in silence; system skills are the
      // reference's own bundle (it installs them; this server does not).
      const comparable = (entries: Entry[]) =>
        entries.map((e) => ({
          ...e,
          skills: e.skills.filter((s) => s.scope !== "system"),
          errors: e.errors.filter((x) => x.path !== fifoError.path),
        }));
      expect(comparable(ours)).toEqual(comparable(runs[1]));
    }
  });

  it("refuses more than 64 distinct cwds", async () => {
    const codexHome = await SideBySide.home();
    const c = await SideBySide.start("ours", codexHome);
    await initialize0166(c);
    const cwds = Array.from({ length: 65 }, (_, i) => `/tmp/x${i}`);
    expect(await ask(c, ["skills/list", { cwds }])).toEqual({
      code: -32600,
      message: "skills/list takes at most 64 distinct cwds; got 65",
    });
    expect(await ask(c, ["skills/list", { cwds: [...cwds.slice(0, 3), ...cwds.slice(0, 3)] }])).toMatchObject(
      {
        data: expect.arrayContaining([expect.objectContaining({ cwd: "/tmp/x0" })]),
      },
    );
  });
});

describe("mcpServerStatus/list on a 0.166 connection", () => {
  const toml = (extra = "") =>
    [
      "[mcp_servers.calc]",
      'command = "node"',
      `args = [${JSON.stringify(path.join(FIXTURES, "calc-mcp-server.mjs"))}]`,
      "[mcp_servers.broken]",
      'command = "/nonexistent/mcp-server"',
      "[mcp_servers.off]",
      'command = "node"',
      `args = [${JSON.stringify(path.join(FIXTURES, "calc-mcp-server.mjs"))}]`,
      "enabled = false",
      extra,
    ].join("\n");

  it("starts the configured servers and reports their tools, errors and auth status, paged", async () => {
    const codexHome = await SideBySide.home(toml());
    const runs: Record<string, unknown>[][] = [];
    for (const impl of impls) {
      const c = await SideBySide.start(impl, codexHome);
      await initialize0166(c);
      runs.push([
        await ask(c, ["mcpServerStatus/list", {}]),
        await ask(c, ["mcpServerStatus/list", { limit: 1, cursor: "1", detail: "toolsAndAuthOnly" }]),
        await ask(c, ["mcpServerStatus/list", { serverName: "calc" }]),
        await ask(c, ["mcpServerStatus/list", { serverName: "nope" }]),
        await ask(c, ["mcpServerStatus/list", { cursor: "4" }]),
        await ask(c, ["mcpServerStatus/list", { cursor: "abc" }]),
        await ask(c, ["mcpServerStatus/list", { threadId: "nope", detail: "toolsAndAuthOnly" }]),
      ]);
    }
    const [all, page, calc, none, past, badCursor, badThread] = runs[0] ?? [];
    type Status = { name: string; tools: Record<string, { name: string }>; [k: string]: unknown };
    const data = (all as { data: Status[] }).data;
    expect(data.map((s) => s.name)).toEqual(["broken", "calc", "off"]);
    expect(data[0]).toMatchObject({
      tools: {},
      toolsError: "MCP startup failed: No such file or directory (os error 2)",
      serverInfo: null,
      authStatus: "unsupported",
    });
    expect(data[1]).toMatchObject({
      runtimeStatus: null,
      pluginId: null,
      httpOrigin: null,
      serverInfo: {
        name: "calc",
        title: null,
        version: "1.0.0",
        description: null,
        icons: null,
        websiteUrl: null,
      },
      serverCapabilities: { tools: { listChanged: true } },
      toolListMeta: null,
      toolsError: null,
      resources: [],
      resourceTemplates: [],
      authStatus: "unsupported",
    });
    expect(Object.keys(data[1]?.tools ?? {}).sort()).toEqual(["add", "count", "fail", "slow"]);
    expect(data[1]?.tools.add).toEqual({
      name: "add",
      description: "Adds two numbers.",
      inputSchema: expect.objectContaining({ type: "object", required: ["a", "b"] }),
    });
    expect(data[2]).toMatchObject({ name: "off", tools: {}, toolsError: null, serverInfo: null });
    expect(page).toMatchObject({ data: [{ name: "calc" }], nextCursor: "2" });
    expect((calc as { data: Status[] }).data.map((s) => s.name)).toEqual(["calc"]);
    expect(none).toEqual({ data: [], nextCursor: null });
    expect(past).toEqual({ code: -32600, message: "cursor 4 exceeds total MCP servers 3" });
    expect(badCursor).toEqual({ code: -32600, message: "invalid cursor: abc" });
    expect(badThread).toEqual({
      code: -32600,
      message: expect.stringMatching(/^invalid thread id: invalid character: expected an optional prefix of/),
    });
    if (runs[1]) {
      // Same answers, but for the wording of a start failure (each server's own error text).
      const same = (x: unknown) =>
        JSON.parse(JSON.stringify(x).replace(/"MCP startup failed: [^"]*"/g, '"MCP startup failed"'));
      expect(same(runs[0])).toEqual(same(runs[1]));
    }
  });

  it("lists a resources-only server's resources, and gives a hanging server its startup timeout", async () => {
    const codexHome = await SideBySide.home(
      toml(
        [
          "[mcp_servers.docs]",
          'command = "node"',
          `args = [${JSON.stringify(path.join(FIXTURES, "docs-mcp-server.mjs"))}]`,
          "[mcp_servers.hang]",
          'command = "node"',
          'args = ["-e", "setInterval(() => {}, 1000)"]',
          "startup_timeout_sec = 1",
        ].join("\n"),
      ),
    );
    const c = await SideBySide.start("ours", codexHome);
    await initialize0166(c);
    const started = Date.now();
    const r = (await ask(c, ["mcpServerStatus/list", { serverName: "docs" }])) as {
      data: Record<string, unknown>[];
    };
    expect(r.data[0]).toMatchObject({
      name: "docs",
      tools: {},
      toolsError: null,
      serverCapabilities: { resources: { listChanged: true } },
      resources: [
        { uri: "docs://readme", name: "readme", title: "Read me", mimeType: "text/markdown" },
        { uri: "docs://changelog", name: "changelog", mimeType: "text/plain" },
      ],
      resourceTemplates: [
        { uriTemplate: "docs://pages/{name}", name: "page", description: "A page by name." },
      ],
    });
    const hang = (await ask(c, ["mcpServerStatus/list", { serverName: "hang" }])) as {
      data: Record<string, unknown>[];
    };
    // What was left of the timeout once the process ran, as Rust prints a Duration.
    expect(hang.data[0]?.toolsError).toMatch(
      /^MCP startup failed: timed out handshaking with MCP server after [\d.]+m?s: deadline has elapsed$/,
    );
    // Both answers came within the servers' startup timeouts (with room for a loaded machine).
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(c.running).toBe(true);
  });

  it("stops reading an endless resource list at 10,000 items and keeps what a failing list gave", async () => {
    const codexHome = await SideBySide.home(
      [
        "[mcp_servers.endless]",
        'command = "node"',
        `args = [${JSON.stringify(path.join(FIXTURES, "hostile-mcp-server.mjs"))}]`,
        'env = { HOSTILE_RESOURCE_PAGE = "3000" }',
      ].join("\n"),
    );
    const c = await SideBySide.start("ours", codexHome);
    await initialize0166(c);
    const r = (await ask(c, ["mcpServerStatus/list", {}])) as {
      data: {
        name: string;
        resources: { uri: string }[];
        resourceTemplates: unknown[];
        toolsError: unknown;
      }[];
    };
    const [endless] = r.data;
    expect(endless?.toolsError).toBeNull();
    expect(endless?.resources).toHaveLength(10_000);
    expect(endless?.resources.at(-1)?.uri).toBe("hostile://3/999");
    expect(endless?.resourceTemplates).toEqual([]);
    expect(c.running).toBe(true);
  });
});
