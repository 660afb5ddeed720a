import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { protocol0166 } from "@codex-ts/app-server-protocol";
import {
  CODEX_0166_BIN,
  type Message,
  type MockModelServer,
  referenceEnv0166,
  responses,
  type TestAppServer,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * What a 0.166 thread's model is told about skills, on this server and (where it is installed) on the native codex
 * 0.166.0 with the same files: the `<skills_instructions>` section of the first request's developer message (its
 * root aliases and skill lines; the prose is each implementation's own), the `<skill>` messages a mention adds to a
 * turn, the user message item of a `skill` input, disabled skills left out, and broken skill files that do not
 * break a turn. System skills are switched off (`[skills.bundled] enabled = false`): 0.166.0 installs its own.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("skills-prompt-0166: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

interface Server {
  c: TestAppServer<typeof protocol0166>;
  mock: MockModelServer;
  root: string;
  proj: string;
}

const md = (name: string, description: string, body = "# Body\n") =>
  `---\nname: ${name}\ndescription: ${description}\n---\n${body}`;

/** The skill files every server here starts with, relative to its root (HOME is the root). */
const FILES: Record<string, string> = {
  "codex-home/skills/user-one/SKILL.md": md("user-one", "User skill one", "# User one\nDo the thing.\n"),
  "codex-home/skills/off/SKILL.md": md("off-skill", "Turned off by the config"),
  "codex-home/skills/bad/SKILL.md": "no front matter here\n",
  "codex-home/skills/nested/deeper/SKILL.md": md("deep-one", "Two levels down"),
  "proj/.codex/skills/repo-a/SKILL.md": md("repo-a", "Repo codex skill"),
  "proj/.agents/skills/repo-b/SKILL.md": md("repo-b", "Repo agents skill", "B body line\n"),
  ".agents/skills/home-h/SKILL.md": md("home-h", "Home agents skill"),
  "extra/.agents/skills/extra-c/SKILL.md": md("extra-c", "Extra root skill"),
  // Not listed for the model (its policy forbids implicit use), yet a mention brings it in.
  "codex-home/skills/quiet/SKILL.md": md("quiet-one", "Only when asked"),
  "codex-home/skills/quiet/agents/openai.yaml": "policy:\n  allow_implicit_invocation: false\n",
};

const BASE_TOML =
  '[skills.bundled]\nenabled = false\n[[skills.config]]\nname = "off-skill"\nenabled = false\n';

async function start(impl: Impl, toml = ""): Promise<Server> {
  const mock = await suite.newMock();
  const root = await suite.workdir("codex-0166-skills-");
  for (const [rel, text] of Object.entries(FILES)) {
    await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await fs.writeFile(path.join(root, rel), text);
  }
  const proj = path.join(root, "proj");
  execFileSync("git", ["init", "-q", proj]);
  const home = await suite.home({
    mock,
    modern: true,
    dir: path.join(root, "codex-home"),
    toml: toml + BASE_TOML,
  });
  const c =
    impl === "ours"
      ? await suite.start({ home, protocol: protocol0166, cwd: root, initialize: false, env: { HOME: root } })
      : await suite.start({
          bin: "0.166",
          home,
          protocol: protocol0166,
          cwd: root,
          env: referenceEnv0166(home, root),
          initialize: false,
        });
  await c.initialize({ name: "skills-0166", version: "1.0" }, { experimentalApi: true });
  await c.request("skills/extraRoots/set", { extraRoots: [path.join(root, "extra", ".agents", "skills")] });
  return { c, mock, root, proj };
}

async function thread(s: Server, config?: Record<string, unknown>): Promise<string> {
  const { thread } = await s.c.request("thread/start", {
    cwd: s.proj,
    model: "gpt-5.5",
    approvalPolicy: "never",
    sandbox: "danger-full-access",
    ...(config ? { config } : {}),
  });
  return thread.id;
}

type Input = { type: "text"; text: string } | { type: "skill"; name: string; path: string };

/** Runs one turn (the model answers "ok") and gives its notifications. */
async function turn(s: Server, threadId: string, input: Input[]): Promise<Message[]> {
  s.mock.enqueue({
    kind: "sse",
    events: [responses.created(), ...responses.message("ok"), responses.completed()],
  });
  const from = s.c.messages.length;
  const { turn } = await s.c.request("turn/start", { threadId, input });
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
    "turn/completed",
  );
  return s.c.messages.slice(from).filter((m) => m.method !== undefined && m.id === undefined);
}

interface InputItem {
  type: string;
  role?: string;
  content?: { text?: string }[];
}

/** The input of the mock's last request, as `role: text` per content part, the root written `<ROOT>`. */
function lastInput(s: Server): { role: string; text: string }[] {
  const body = s.mock.requests.at(-1)?.body as { input: InputItem[] } | undefined;
  if (!body) throw new Error("no model request");
  return body.input.flatMap((item) =>
    (item.content ?? []).map((part) => ({
      role: item.role ?? item.type,
      text: (part.text ?? "").replaceAll(s.root, "<ROOT>"),
    })),
  );
}

const SECTION = "<skills_instructions>";

/**
 * The section with its prose left out (the intro line and the rules after `### How to use skills`, which are each
 * implementation's own words): what the model is told about which skills exist and where.
 */
function sectionFacts(text: string): string[] {
  const lines = text.split("\n");
  const rules = lines.indexOf("### How to use skills");
  return [...lines.slice(0, 2), "<intro>", ...lines.slice(3, rules + 1), "<rules>", lines.at(-1) ?? ""];
}

function section(input: { role: string; text: string }[]) {
  const at = input.findIndex((p) => p.text.startsWith(SECTION));
  return {
    at,
    role: input[at]?.role,
    facts: at >= 0 ? sectionFacts(input[at]?.text ?? "") : null,
    beforeEnvironment: at < input.findIndex((p) => p.text.startsWith("<environment_context>")),
  };
}

/** The `<skill>` messages of the last request after its last plain user text. */
function injected(s: Server): string[] {
  const input = lastInput(s);
  const last = input.findLastIndex((p) => p.role === "user" && !p.text.startsWith("<skill>"));
  return input.slice(last + 1).map((p) => p.text);
}

const skillMessage = (name: string, rel: string, contents: string) =>
  `<skill>\n<name>${name}</name>\n<path><ROOT>/${rel}</path>\n${contents}\n</skill>`;

describe("skills offered to a 0.166 thread's model, compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: the section lists the enabled skills by aliased root; mentions add the skills' files",
    { timeout: 120_000 },
    async (impl) => {
      const s = await start(impl);
      const id = await thread(s);
      await turn(s, id, [{ type: "text", text: "hi" }]);
      const first = section(lastInput(s));
      expect(first.role).toBe("developer");
      expect(first.beforeEnvironment).toBe(true);
      expect(first.facts).toEqual([
        SECTION,
        "## Skills",
        "<intro>",
        "### Skill roots",
        "- `r0` = `<ROOT>/proj/.codex/skills`",
        "- `r1` = `<ROOT>/codex-home/skills`",
        "- `r2` = `<ROOT>/.agents/skills`",
        "- `r3` = `<ROOT>/extra/.agents/skills`",
        "- `r4` = `<ROOT>/proj/.agents/skills`",
        "### Available skills",
        "- repo-a: Repo codex skill (file: r0/repo-a/SKILL.md)",
        "- repo-b: Repo agents skill (file: r4/repo-b/SKILL.md)",
        "- deep-one: Two levels down (file: r1/nested/deeper/SKILL.md)",
        "- extra-c: Extra root skill (file: r3/extra-c/SKILL.md)",
        "- home-h: Home agents skill (file: r2/home-h/SKILL.md)",
        "- user-one: User skill one (file: r1/user-one/SKILL.md)",
        "### How to use skills",
        "<rules>",
        "</skills_instructions>",
      ]);
      expect(injected(s)).toEqual([]);

      // `$name` mentions, in the skills' order; a disabled, unknown or plain-text name adds nothing.
      await turn(s, id, [
        { type: "text", text: "use $user-one, $off-skill, $nope and repo-a, then $repo-b and $quiet-one." },
      ]);
      expect(injected(s)).toEqual([
        skillMessage(
          "repo-b",
          "proj/.agents/skills/repo-b/SKILL.md",
          FILES["proj/.agents/skills/repo-b/SKILL.md"]!,
        ),
        skillMessage(
          "quiet-one",
          "codex-home/skills/quiet/SKILL.md",
          FILES["codex-home/skills/quiet/SKILL.md"]!,
        ),
        skillMessage(
          "user-one",
          "codex-home/skills/user-one/SKILL.md",
          FILES["codex-home/skills/user-one/SKILL.md"]!,
        ),
      ]);
      // The section is sent once, at the start of the history.
      expect(lastInput(s).filter((p) => p.text.startsWith(SECTION))).toHaveLength(1);

      // A selected `skill` item: shown in the user message item, left out of the model's message, its file added.
      const skillPath = path.join(s.proj, ".codex", "skills", "repo-a", "SKILL.md");
      const events = await turn(s, id, [
        { type: "skill", name: "repo-a", path: skillPath },
        { type: "text", text: "with a skill item" },
      ]);
      const item = events.find(
        (m) =>
          m.method === "item/completed" &&
          (m.params as { item: { type: string } }).item.type === "userMessage",
      )?.params as { item: { content: unknown[] } };
      expect(item.item.content).toEqual([
        { type: "skill", name: "repo-a", path: skillPath },
        { type: "text", text: "with a skill item", text_elements: [] },
      ]);
      expect(lastInput(s).at(-2)).toEqual({ role: "user", text: "with a skill item" });
      expect(injected(s)).toEqual([
        skillMessage(
          "repo-a",
          "proj/.codex/skills/repo-a/SKILL.md",
          FILES["proj/.codex/skills/repo-a/SKILL.md"]!,
        ),
      ]);

      // A skill item naming a file that is no skill (no front matter) adds nothing and the turn goes on.
      const bad = path.join(s.root, "codex-home", "skills", "bad", "SKILL.md");
      const badTurn = await turn(s, id, [
        { type: "skill", name: "bad", path: bad },
        { type: "text", text: "and $bad" },
      ]);
      expect(injected(s)).toEqual([]);
      expect(badTurn.at(-1)?.method).toBe("turn/completed");
    },
  );

  it.each(IMPLS)(
    "%s: skills the thread's config turns off, or the config's include_instructions = false",
    { timeout: 120_000 },
    async (impl) => {
      const s = await start(impl);
      // As codex-acp sends them: `skills.config` rules in thread/start's config.
      const id = await thread(s, { skills: { config: [{ name: "user-one", enabled: false }] } });
      await turn(s, id, [{ type: "text", text: "$user-one and $home-h" }]);
      const lines = section(lastInput(s)).facts ?? [];
      expect(lines.filter((l) => l.startsWith("- ") && !l.startsWith("- `"))).toEqual([
        "- repo-a: Repo codex skill (file: r0/repo-a/SKILL.md)",
        "- repo-b: Repo agents skill (file: r4/repo-b/SKILL.md)",
        "- deep-one: Two levels down (file: r1/nested/deeper/SKILL.md)",
        "- extra-c: Extra root skill (file: r3/extra-c/SKILL.md)",
        "- home-h: Home agents skill (file: r2/home-h/SKILL.md)",
      ]);
      expect(injected(s).map((t) => t.split("\n")[1])).toEqual(["<name>home-h</name>"]);

      const quiet = await start(impl, "[skills]\ninclude_instructions = false\n");
      const quietId = await thread(quiet);
      await turn(quiet, quietId, [{ type: "text", text: "$user-one" }]);
      expect(section(lastInput(quiet)).at).toBe(-1);
      // Mentions still add the skill's file.
      expect(injected(quiet).map((t) => t.split("\n")[1])).toEqual(["<name>user-one</name>"]);
    },
  );
});

describe("skills and broken files on this server", () => {
  it("a listed skill whose file grew past the size limit, or turned into a FIFO, is not read; the turn goes on", async () => {
    const s = await start("ours");
    const id = await thread(s);
    await turn(s, id, [{ type: "text", text: "hi" }]);
    // Changed after the thread listed them (a thread keeps its skills): one is too large now, one a FIFO.
    const big = path.join(s.root, "codex-home", "skills", "user-one", "SKILL.md");
    await fs.writeFile(big, md("user-one", "User skill one", `${"y".repeat(2 * 1024 * 1024)}\n`));
    const fifo = path.join(s.proj, ".codex", "skills", "repo-a", "SKILL.md");
    await fs.rm(fifo);
    execFileSync("mkfifo", [fifo]);
    const events = await turn(s, id, [
      { type: "skill", name: "repo-a", path: fifo },
      { type: "text", text: "$user-one $repo-a $repo-b" },
    ]);
    expect(injected(s).map((t) => t.split("\n")[1])).toEqual(["<name>repo-b</name>"]);
    const warnings = events
      .filter((m) => m.method === "warning")
      .map((m) => String((m.params as { message: string }).message).replaceAll(s.root, "<ROOT>"));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^Failed to load skill repo-a at <ROOT>\/proj\/\.codex\/skills\/repo-a\/SKILL\.md: .*FIFO/,
      ),
      expect.stringMatching(
        /^Failed to load skill user-one at <ROOT>\/codex-home\/skills\/user-one\/SKILL\.md: .*1048576/,
      ),
    ]);
    const last = events.at(-1);
    expect(last?.method).toBe("turn/completed");
    expect((last?.params as { turn: { status: string } } | undefined)?.turn.status).toBe("completed");
  });

  it("a 0.58 connection's conversation is told about no skills", async () => {
    const mock = await suite.newMock();
    const root = await suite.workdir("codex-058-skills-");
    const home = await suite.home({ mock, dir: path.join(root, "codex-home") });
    await fs.mkdir(path.join(home, "skills", "s1"), { recursive: true });
    await fs.writeFile(path.join(home, "skills", "s1", "SKILL.md"), md("s1", "Should stay unseen"));
    const c = await suite.start({ home, cwd: root });
    mock.enqueue({
      kind: "sse",
      events: [responses.created(), ...responses.message("ok"), responses.completed()],
    });
    const { conversationId } = (await c.request("newConversation", { cwd: root })) as {
      conversationId: string;
    };
    await c.request("addConversationListener", { conversationId });
    await c.request("sendUserMessage", { conversationId, items: [{ type: "text", data: { text: "$s1" } }] });
    await c.waitFor((m) => m.method === "codex/event/task_complete", "task_complete");
    const body = JSON.stringify(mock.requests.at(-1)?.body);
    expect(body).not.toContain("skills_instructions");
    expect(body).not.toContain("<skill>");
  });
});

describe("skills/config/write compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: turns a skill off or on by name or path in config.toml; the next turn's mentions follow",
    { timeout: 120_000 },
    async (impl) => {
      const s = await start(impl, "# kept comment\n");
      const userOne = path.join(s.root, "codex-home", "skills", "user-one", "SKILL.md");
      const answers: unknown[] = [];
      let n = 0;
      const write = async (params: unknown) => {
        const m = await s.c.raw.call(`w${++n}`, "skills/config/write", params);
        answers.push(JSON.parse(JSON.stringify(m.result ?? m.error).replaceAll(s.root, "<ROOT>")));
      };
      const rules = async () => {
        const text = await fs.readFile(path.join(s.root, "codex-home", "config.toml"), "utf8");
        return text
          .replaceAll(s.root, "<ROOT>")
          .split("\n[")
          .filter((t) => t.startsWith("[skills.config]]"));
      };
      await write({ name: " user-one ", enabled: false });
      await write({
        path: path.join(s.root, "codex-home", "skills", "user-one", ".", "SKILL.md"),
        enabled: false,
      });
      await write({ name: "user-one", enabled: true });
      const afterOn = await rules();
      await write({ enabled: false });
      await write({ name: "x", path: userOne, enabled: false });
      await write({ path: "relative/SKILL.md", enabled: false });
      expect(answers).toEqual([
        { effectiveEnabled: false },
        { effectiveEnabled: false },
        { effectiveEnabled: true },
        { code: -32602, message: "skills/config/write requires exactly one of path or name" },
        { code: -32602, message: "skills/config/write requires exactly one of path or name" },
        { code: -32600, message: "Invalid request: AbsolutePathBuf deserialized without a base path" },
      ]);
      // The base config's rule stays; the name rule is gone again; the path rule holds (normalized).
      expect(afterOn).toEqual([
        '[skills.config]]\nname = "off-skill"\nenabled = false\n',
        '[skills.config]]\npath = "<ROOT>/codex-home/skills/user-one/SKILL.md"\nenabled = false\n',
      ]);
      expect(await fs.readFile(path.join(s.root, "codex-home", "config.toml"), "utf8")).toContain(
        "# kept comment\n",
      );
      const id = await thread(s);
      await turn(s, id, [{ type: "text", text: "$user-one $home-h" }]);
      expect(injected(s).map((t) => t.split("\n")[1])).toEqual(["<name>home-h</name>"]);
      // A thread keeps the skills it started with: turning one on again reaches the next thread only.
      await write({ path: userOne, enabled: true });
      await turn(s, id, [{ type: "text", text: "$user-one" }]);
      expect(injected(s)).toEqual([]);
      const next = await thread(s);
      await turn(s, next, [{ type: "text", text: "$user-one" }]);
      expect(injected(s).map((t) => t.split("\n")[1])).toEqual(["<name>user-one</name>"]);
    },
  );
});

describe.skipIf(!CODEX_0166_BIN)("a 0.166.0 rollout's skill items, read by this server", () => {
  it("shows a user message's skill item as 0.166.0 wrote it", { timeout: 120_000 }, async () => {
    const s = await start("real");
    const id = await thread(s);
    const skillPath = path.join(s.proj, ".codex", "skills", "repo-a", "SKILL.md");
    await turn(s, id, [
      { type: "skill", name: "repo-a", path: skillPath },
      { type: "text", text: "with a skill item" },
    ]);
    const ours = await suite.start({
      home: path.join(s.root, "codex-home"),
      protocol: protocol0166,
      cwd: s.root,
      initialize: false,
      env: { HOME: s.root },
    });
    await ours.initialize({ name: "skills-0166", version: "1.0" }, { experimentalApi: true });
    const userMessages = async (c: Server["c"]) => {
      const { thread } = await c.request("thread/read", { threadId: id, includeTurns: true });
      return thread.turns.flatMap((t) =>
        t.items.filter((i) => i.type === "userMessage").map((i) => i.content),
      );
    };
    expect(await userMessages(ours)).toEqual(await userMessages(s.c));
    expect(await userMessages(ours)).toEqual([
      [
        { type: "skill", name: "repo-a", path: skillPath },
        { type: "text", text: "with a skill item", text_elements: [] },
      ],
    ]);
  });
});
