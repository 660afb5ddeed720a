import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import {
  type AppServerBinary,
  REFERENCE_CODEX_BIN,
  responses,
  type TestAppServer,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * Project instructions and request item shapes through the built `codex app-server`: a temp git repo with AGENTS.md
 * files at several levels, a temp CODEX_HOME with its own AGENTS.md, and a mock model that answers with reasoning,
 * a shell call, an apply_patch call and messages. The expected texts are what the 0.58.0 binary sent for the same
 * layout; the last test runs both binaries side by side.
 */
const suite = useAppServerSuite();
/** A server on `codexHome`, initialized by `observe` once the model's script is queued. */
const start = (codexHome: string, bin: AppServerBinary = "ours") =>
  suite.start({ bin, home: codexHome, initialize: false });

type Item = Record<string, unknown>;
type Line = { type: string; payload: Record<string, unknown> };

async function home(extra = ""): Promise<string> {
  const toml = `approval_policy = "never"\nsandbox_mode = "danger-full-access"\n${extra}`;
  const dir = await suite.home({ toml, prefix: "codex-e2e-docs-" });
  // Surrounding whitespace is trimmed from CODEX_HOME's file (not from the project's).
  await fs.writeFile(path.join(dir, "AGENTS.md"), "\nhome doc\n\n");
  return dir;
}

/** A git repo: AGENTS.md at the root, an override beside AGENTS.md in sub/, a CLAUDE.md only in sub/deeper. */
async function repo(): Promise<string> {
  const dir = await suite.workdir("codex-e2e-repo-");
  execFileSync("git", ["init", "-q", dir]);
  const files: Record<string, string> = {
    "AGENTS.md": "root doc\n",
    "sub/AGENTS.override.md": "sub override\n",
    "sub/AGENTS.md": "sub doc\n",
    "sub/deeper/CLAUDE.md": "claude doc\n",
  };
  for (const [rel, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), text);
  }
  return dir;
}

const text = (item: Item) => (item.content as { text?: string }[] | undefined)?.[0]?.text ?? "";

/**
 * Two turns in `<repo>/sub/deeper`, the second with its cwd moved to the repo root; returns every request's input
 * and the rollout lines, with the temp paths replaced by placeholders.
 */
async function observe(c: TestAppServer, codexHome: string, root: string) {
  const mock = suite.mock;
  const first = mock.requests.length;
  mock.enqueue(
    responses.turn(
      responses.reasoning("think"),
      responses.functionCall("shell", { command: ["echo", "hi"] }),
    ),
    responses.turn(
      responses.customToolCall("apply_patch", "*** Begin Patch\n*** Add File: x.txt\n+x\n*** End Patch\n"),
    ),
    responses.turn(responses.message("done one")),
    responses.turn(responses.message("done two")),
  );
  await c.initialize();
  const cwd = path.join(root, "sub/deeper");
  const { thread } = await c.request("thread/start", { cwd });
  const completed = () => c.messages.filter((m) => m.method === "codex/event/task_complete").length;
  await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "q1" }] });
  await c.waitFor(() => completed() >= 1, "first task_complete");
  await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "q2" }], cwd: root });
  await c.waitFor(() => completed() >= 2, "second task_complete");
  const placeholders = (s: string) => s.replaceAll(root, "<REPO>").replaceAll(codexHome, "<HOME>");
  const inputs = JSON.parse(
    placeholders(JSON.stringify(mock.requests.slice(first).map((r) => (r.body as { input: Item[] }).input))),
  ) as Item[][];
  const lines = placeholders(await fs.readFile(thread.path, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Line);
  await c.close();
  return { inputs, lines };
}

const AGENTS_MESSAGE =
  "# AGENTS.md instructions for <REPO>/sub/deeper\n\n<INSTRUCTIONS>\nhome doc\n\n--- project-doc ---\n\n" +
  "root doc\n\n\nsub override\n\n\nclaude doc\n\n</INSTRUCTIONS>";

describe("project docs and request items", () => {
  it("sends CODEX_HOME's and the project's AGENTS.md files once, and no Responses item ids", {
    timeout: 90_000,
  }, async () => {
    const codexHome = await home('project_doc_fallback_filenames = ["CLAUDE.md"]');
    const c = await start(codexHome);
    const { inputs, lines } = await observe(c, codexHome, await repo());

    expect(inputs).toHaveLength(4);
    const [agents, env] = inputs[0]!;
    expect(agents).toEqual({
      type: "message",
      role: "user",
      content: [{ type: "input_text", text: AGENTS_MESSAGE }],
    });
    expect(text(env!)).toMatch(/^<environment_context>\n {2}<cwd><REPO>\/sub\/deeper<\/cwd>/);
    // The last request holds the whole history: the model's items come back without their `id`, reasoning with
    // `content: null`; the turn that moved to the repo root adds only an environment_context diff.
    expect(inputs[3]!.slice(2)).toEqual([
      { type: "message", role: "user", content: [{ type: "input_text", text: "q1" }] },
      {
        type: "reasoning",
        summary: [{ type: "summary_text", text: "think" }],
        content: null,
        encrypted_content: "enc",
      },
      {
        type: "function_call",
        name: "shell",
        arguments: '{"command":["echo","hi"]}',
        call_id: expect.any(String),
      },
      { type: "function_call_output", call_id: expect.any(String), output: expect.stringContaining("hi") },
      {
        type: "custom_tool_call",
        call_id: expect.any(String),
        name: "apply_patch",
        input: "*** Begin Patch\n*** Add File: x.txt\n+x\n*** End Patch\n",
      },
      {
        type: "custom_tool_call_output",
        call_id: expect.any(String),
        output: expect.stringContaining("A x.txt"),
      },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "done one" }] },
      {
        type: "message",
        role: "user",
        content: [
          { type: "input_text", text: "<environment_context>\n  <cwd><REPO></cwd>\n</environment_context>" },
        ],
      },
      { type: "message", role: "user", content: [{ type: "input_text", text: "q2" }] },
    ]);
    expect(inputs.flat().filter((i) => text(i).startsWith("# AGENTS.md"))).toHaveLength(4);

    // The rollout: the combined instructions in session_meta, and the same id-less items.
    expect(lines[0]!.payload.instructions).toBe(
      "home doc\n\n--- project-doc ---\n\nroot doc\n\n\nsub override\n\n\nclaude doc\n",
    );
    const items = lines.filter((l) => l.type === "response_item").map((l) => l.payload);
    expect(items.filter((i) => "id" in i)).toEqual([]);
    // The repo has no commit yet: each turn's ghost snapshot (undo point) is a commit without a parent, recorded
    // last in a turn whose last response called no tool.
    const snapshots = items.filter((i) => i.type === "ghost_snapshot");
    expect(snapshots.map((i) => (i.ghost_commit as { parent: unknown }).parent)).toEqual([null, null]);
    expect(items.at(-1)).toBe(snapshots[1]);
    expect(items.filter((i) => i.type !== "ghost_snapshot").at(-1)).toEqual({
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: "done two" }],
    });
  });

  it("leaves project docs out at project_doc_max_bytes = 0 and ignores the config key `instructions`", {
    timeout: 60_000,
  }, async () => {
    const codexHome = await home('project_doc_max_bytes = 0\ninstructions = "from config"');
    const c = await start(codexHome);
    const { inputs, lines } = await observe(c, codexHome, await repo());
    expect(text(inputs[0]![0]!)).toBe(
      "# AGENTS.md instructions for <REPO>/sub/deeper\n\n<INSTRUCTIONS>\nhome doc\n</INSTRUCTIONS>",
    );
    expect(lines[0]!.payload.instructions).toBe("home doc");
  });
});

const reference = REFERENCE_CODEX_BIN;
if (!reference) console.warn("skipping the comparison with the real codex 0.58.0: binary not found");

describe.skipIf(!reference)("project docs compared with the real codex app-server 0.58.0", () => {
  it("sends the same request inputs and records the same instructions and response items", {
    timeout: 120_000,
  }, async () => {
    const root = await repo();
    const ourHome = await home('project_doc_fallback_filenames = ["CLAUDE.md"]');
    const ourServer = await start(ourHome);
    const ours = await observe(ourServer, ourHome, root);
    // A fresh copy of the repo, as our run added x.txt to it.
    const realRoot = await repo();
    const realHome = await home('project_doc_fallback_filenames = ["CLAUDE.md"]');
    const real = await start(realHome, "reference");
    const theirs = await observe(real, realHome, realRoot);
    // Byte for byte, key order included; call ids (the shared mock's counter) and timings are left out.
    const shape = (inputs: Item[][]) =>
      JSON.stringify(inputs)
        .replace(/"call_\d+"/g, '"call"')
        .replace(/Wall time: [\d.]+ seconds/g, "Wall time: T seconds")
        .replace(/\\"duration_seconds\\":[\d.]+/g, '\\"duration_seconds\\":T');
    expect(shape(ours.inputs)).toBe(shape(theirs.inputs));
    expect(ours.lines[0]!.payload.instructions).toBe(theirs.lines[0]!.payload.instructions);
    // Ghost snapshots (undo points) are compared in ghost-snapshot.e2e.test.ts: 0.58.0 records each when git is
    // done, so their place among the turn's items races.
    const items = (lines: Line[]) =>
      shape(
        lines
          .filter((l) => l.type === "response_item" && l.payload.type !== "ghost_snapshot")
          .map((l) => [l.payload]),
      );
    expect(items(ours.lines)).toBe(items(theirs.lines));
  });
});
