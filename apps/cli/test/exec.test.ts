import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  type MockModelServer,
  mockCodexHome,
  REFERENCE_CODEX_BIN,
  requestText,
  responses,
  rolloutFiles,
  startMockModelServer,
  tempDir,
} from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CliOptions, runCli } from "./helpers/run-cli.js";

// `codex exec` end to end: the built CLI as a child process, the mock model server on 127.0.0.1, a temp CODEX_HOME.

let mock: MockModelServer;
let home: string;
let work: string;

beforeEach(async () => {
  mock = await startMockModelServer();
  home = await mockCodexHome(mock.baseUrl, { prefix: "codex-exec-home-" });
  work = await tempDir("codex-exec-work-");
});
afterEach(async () => {
  await mock.close();
});

const env = (codexHome = home) => ({ CODEX_HOME: codexHome, CODEX_API_KEY: "sk-exec-test" });
const exec = (args: string[], o: CliOptions = {}) =>
  runCli(["exec", ...args], { cwd: work, ...o, env: { ...env(), ...o.env } });

/** A turn that thinks, runs `echo hi` through the shell tool, then answers. */
function scriptShellTurn(m: MockModelServer): void {
  m.enqueue(
    responses.turn(
      responses.reasoning("thinking"),
      responses.functionCall("shell", { command: ["echo", "hi"] }, "c1"),
    ),
    responses.turn(responses.message("All done.")),
  );
}

/** The provider refuses the request (HTTP 400). */
function failingTurn(m: MockModelServer): void {
  m.enqueue({ kind: "http", status: 400, body: JSON.stringify({ error: { message: "bad model" } }) });
}

const lines = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("codex exec", () => {
  it("prints the answer on stdout and the progress on stderr, exit 0", async () => {
    scriptShellTurn(mock);
    const r = await exec(["--skip-git-repo-check", "say hi"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("All done.\n");
    expect(r.stderr).toContain("session id: ");
    expect(r.stderr).toContain("sandbox: read-only");
    expect(r.stderr).toContain("approval: never");
    expect(r.stderr).toMatch(/\nexec\necho hi in .* succeeded in \d+ms:\nhi\n/);
    expect(r.stderr).toContain("codex\nAll done.\n");
    expect(mock.requests).toHaveLength(2);
    expect(requestText(mock.requests[0]?.body)).toContain("say hi");
    expect(requestText(mock.requests[1]?.body)).toContain("hi\n");
    expect(await rolloutFiles(home)).toHaveLength(1);
  });

  it("reads the prompt from stdin when it is absent or `-`", async () => {
    mock.enqueue(responses.turn(responses.message("one")), responses.turn(responses.message("two")));
    const a = await exec(["--skip-git-repo-check"], { input: "prompt from a pipe\n" });
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toContain("Reading prompt from stdin...");
    const b = await exec(["--skip-git-repo-check", "-"], { input: "dash prompt" });
    expect(b.code, b.stderr).toBe(0);
    expect(requestText(mock.requests[0]?.body)).toContain("prompt from a pipe");
    expect(requestText(mock.requests[1]?.body)).toContain("dash prompt");
    const empty = await exec(["--skip-git-repo-check"], { input: "  \n" });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("No prompt provided via stdin.");
  });

  it("--json prints 0.58.0's JSONL events; -o writes the last message", async () => {
    scriptShellTurn(mock);
    const out = path.join(work, "nested", "last.txt");
    const r = await exec(["--json", "--skip-git-repo-check", "-o", out, "say hi"]);
    expect(r.code, r.stderr).toBe(0);
    const events = lines(r.stdout);
    expect(events.map((e) => e.type)).toEqual([
      "thread.started",
      "turn.started",
      "item.completed",
      "item.started",
      "item.completed",
      "item.completed",
      "turn.completed",
    ]);
    expect(events[0]?.thread_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(events[3]?.item).toEqual({
      id: "item_1",
      type: "command_execution",
      command: "echo hi",
      aggregated_output: "",
      exit_code: null,
      status: "in_progress",
    });
    expect(events[4]?.item).toMatchObject({
      id: "item_1",
      aggregated_output: "hi\n",
      exit_code: 0,
      status: "completed",
    });
    expect(events[5]?.item).toEqual({ id: "item_2", type: "agent_message", text: "All done." });
    expect(events[6]?.usage).toEqual({ input_tokens: 20, cached_input_tokens: 0, output_tokens: 10 });
    expect(await readFile(out, "utf8")).toBe("All done.");
  });

  it.skipIf(!REFERENCE_CODEX_BIN)(
    "--json matches codex 0.58.0 event for event on the same scripted turns",
    async () => {
      const run = async (bin: string | undefined, script: (m: MockModelServer) => void) => {
        const m = await startMockModelServer();
        try {
          script(m);
          const h = await mockCodexHome(m.baseUrl, { prefix: "codex-exec-cmp-" });
          const r = await runCli(["exec", "--json", "--skip-git-repo-check", "say hi"], {
            cwd: work,
            env: env(h),
            ...(bin ? { bin } : {}),
          });
          const events = lines(r.stdout).map((e) =>
            e.type === "thread.started" ? { ...e, thread_id: "<id>" } : e,
          );
          return { code: r.code, events };
        } finally {
          await m.close();
        }
      };
      const failing = (m: MockModelServer) =>
        m.enqueue({ kind: "http", status: 400, body: JSON.stringify({ error: { message: "bad model" } }) });
      for (const script of [scriptShellTurn, failing]) {
        const ours = await run(undefined, script);
        expect(ours).toEqual(await run(REFERENCE_CODEX_BIN, script));
        expect(ours.events.length).toBeGreaterThan(3);
      }
    },
  );

  it.skipIf(!REFERENCE_CODEX_BIN)("the human output matches codex 0.58.0's line for line", async () => {
    const run = async (bin: string | undefined, script: (m: MockModelServer) => void) => {
      const m = await startMockModelServer();
      try {
        script(m);
        const h = await mockCodexHome(m.baseUrl, { prefix: "codex-exec-cmp-" });
        const r = await runCli(["exec", "--skip-git-repo-check", "say hi"], {
          cwd: work,
          env: env(h),
          ...(bin ? { bin } : {}),
        });
        if (!bin)
          expect(r.stderr).toContain("\nSnapshots disabled: current directory is not a Git repository.\n");
        // Where that background event lands is a race in 0.58.0 (the snapshot runs beside the model request, and
        // its line can even split another), so the comparison leaves it out.
        const stderr = r.stderr
          .replace("Snapshots disabled: current directory is not a Git repository.\n", "")
          .replace(/^session id: .*$/m, "session id: <id>")
          .replace(/ succeeded in \d+ms:/g, " succeeded in <n>ms:");
        return { code: r.code, stdout: r.stdout, stderr };
      } finally {
        await m.close();
      }
    };
    const ours = await run(undefined, scriptShellTurn);
    expect(ours.stderr).toContain("echo hi in");
    expect(ours).toEqual(await run(REFERENCE_CODEX_BIN, scriptShellTurn));
    const failed = await run(undefined, failingTurn);
    expect(failed.code).toBe(1);
    expect(failed).toEqual(await run(REFERENCE_CODEX_BIN, failingTurn));
  });

  it("a model error: `error` and `turn.failed` events, exit 1, and -o says there was no message", async () => {
    mock.enqueue({ kind: "http", status: 400, body: JSON.stringify({ error: { message: "bad model" } }) });
    const out = path.join(work, "last.txt");
    const r = await exec(["--json", "--skip-git-repo-check", "-o", out, "x"]);
    expect(r.code).toBe(1);
    const events = lines(r.stdout);
    expect(events.map((e) => e.type)).toEqual(["thread.started", "turn.started", "error", "turn.failed"]);
    expect(String(events[2]?.message)).toContain("bad model");
    expect(events[3]?.error).toEqual({ message: events[2]?.message });
    expect(r.stderr).toContain(`Warning: no last agent message; wrote empty content to ${out}`);
    expect(await readFile(out, "utf8")).toBe("");
  });

  it("refuses outside a git repository without --skip-git-repo-check (exit 1), runs inside one", async () => {
    const r = await exec(["hello"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Not inside a trusted directory and --skip-git-repo-check was not specified.\n");
    expect(mock.requests).toHaveLength(0);
    execFileSync("git", ["init", "-q", work]);
    mock.enqueue(responses.turn(responses.message("in a repo")));
    const ok = await exec(["hello"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe("in a repo\n");
  });

  it("bad flags are usage errors (exit 2) and reach no model", async () => {
    const bogus = await exec(["--bogus", "x"]);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain("--bogus");
    const sandbox = await exec(["--sandbox", "nope", "x"]);
    expect(sandbox.code).toBe(2);
    expect(sandbox.stderr).toContain("read-only, workspace-write, danger-full-access");
    const cd = await exec(["--skip-git-repo-check", "-C", path.join(work, "missing"), "x"]);
    expect(cd.code).toBe(1);
    expect(cd.stderr).toContain("--cd is not a directory");
    expect(mock.requests).toHaveLength(0);
  });

  it("-m, -C and -c reach the model request and the session", async () => {
    mock.enqueue(responses.turn(responses.message("ok")));
    const sub = await tempDir("codex-exec-cd-");
    const r = await runCli(
      [
        "-c",
        'model_reasoning_effort="high"',
        "exec",
        "--skip-git-repo-check",
        "-m",
        "gpt-5",
        "-C",
        sub,
        "go",
      ],
      { cwd: work, env: env() },
    );
    expect(r.code, r.stderr).toBe(0);
    const body = mock.requests[0]?.body as { model?: string; reasoning?: { effort?: string } };
    expect(body.model).toBe("gpt-5");
    expect(body.reasoning?.effort).toBe("high");
    expect(r.stderr).toContain(`workdir: ${sub}`);
    expect(requestText(body)).toContain(sub);
  });

  it("-p picks a profile, --full-auto and the bypass flag choose the sandbox, -i attaches images, --color", async () => {
    await writeFile(
      path.join(home, "config.toml"),
      `${await readFile(path.join(home, "config.toml"), "utf8")}\n[profiles.fast]\nmodel = "o4-mini"\n`,
    );
    const png = path.join(work, "dot.png");
    // The smallest valid PNG: 1x1, one transparent pixel.
    await writeFile(
      png,
      Buffer.from(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
        "base64",
      ),
    );
    mock.enqueue(
      responses.turn(responses.message("a")),
      responses.turn(responses.message("b")),
      responses.turn(responses.message("c")),
    );
    const auto = await exec(["--skip-git-repo-check", "-p", "fast", "--full-auto", "-i", png, "look"]);
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stderr).toContain("sandbox: workspace-write [workdir, /tmp, $TMPDIR]\n");
    expect(auto.stderr).toContain("model: o4-mini");
    const first = mock.requests[0]?.body as { model?: string };
    expect(first.model).toBe("o4-mini");
    expect(JSON.stringify(first)).toContain("data:image/png;base64,");
    const bypass = await exec([
      "--skip-git-repo-check",
      "--dangerously-bypass-approvals-and-sandbox",
      "--color",
      "always",
      "go",
    ]);
    expect(bypass.code, bypass.stderr).toBe(0);
    expect(bypass.stderr).toContain("\x1b[1msandbox\x1b[22m: danger-full-access");
    expect(auto.stderr).not.toContain("\x1b[");
    const missing = await exec(["--skip-git-repo-check", "-i", path.join(work, "nope.png"), "go"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Image not found");
    expect(mock.requests).toHaveLength(2);
  });

  it("exec resume --last continues the last session: the second request carries the first turn", async () => {
    mock.enqueue(responses.turn(responses.message("first answer")));
    const first = await exec(["--json", "--skip-git-repo-check", "first question"]);
    expect(first.code, first.stderr).toBe(0);
    const threadId = lines(first.stdout)[0]?.thread_id;
    mock.enqueue(responses.turn(responses.message("second answer")));
    const second = await exec(["--json", "--skip-git-repo-check", "resume", "--last", "second question"]);
    expect(second.code, second.stderr).toBe(0);
    expect(lines(second.stdout)[0]).toEqual({ type: "thread.started", thread_id: threadId });
    const text = requestText(mock.requests[1]?.body);
    expect(text).toContain("first question");
    expect(text).toContain("first answer");
    expect(text).toContain("second question");
    expect(await rolloutFiles(home)).toHaveLength(1);

    mock.enqueue(responses.turn(responses.message("third answer")));
    const byId = await exec(["--skip-git-repo-check", "resume", String(threadId), "third question"]);
    expect(byId.code, byId.stderr).toBe(0);
    expect(byId.stdout).toBe("third answer\n");
    expect(requestText(mock.requests[2]?.body)).toContain("second answer");
    const unknown = await exec([
      "--skip-git-repo-check",
      "resume",
      "01a242dc-0000-7000-8000-000000000000",
      "x",
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("No saved session found with id 01a242dc-0000-7000-8000-000000000000");
  });

  it("Ctrl-C interrupts the turn, exits non-zero and leaves a rollout that resume continues", async () => {
    const slow = responses.turn(responses.message("a slow answer that never finishes"));
    if (slow.kind !== "sse") throw new Error("responses.turn builds an SSE stream");
    mock.enqueue({ ...slow, delayMs: 5_000 });
    const r = await exec(["--skip-git-repo-check", "long task"], {
      started: (child) => {
        const poll = setInterval(() => {
          if (mock.requests.length > 0) {
            clearInterval(poll);
            child.kill("SIGINT");
          }
        }, 50);
      },
    });
    expect(r.code).toBe(130);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("Interrupted");
    const files = await rolloutFiles(home);
    expect(files).toHaveLength(1);
    const rollout = await readFile(files[0] as string, "utf8");
    expect(rollout).toContain("long task");
    expect(rollout).toContain("turn_aborted");

    mock.enqueue(responses.turn(responses.message("resumed")));
    const resumed = await exec(["--skip-git-repo-check", "resume", "--last", "carry on"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toBe("resumed\n");
    const text = requestText(mock.requests.at(-1)?.body);
    expect(text).toContain("long task");
    expect(text).toContain("carry on");
  });
});

describe("codex exec --output-schema", () => {
  const SCHEMA = {
    type: "object",
    properties: { answer: { type: "string" } },
    required: ["answer"],
    additionalProperties: false,
  };

  /** The run's model requests' `text.format` and stderr, ours or 0.58.0's, with `schema` in `work/schema.json`. */
  const run = async (bin: string | undefined, schemaFile: string) => {
    const m = await startMockModelServer();
    try {
      m.enqueue(responses.turn(responses.message(JSON.stringify({ answer: "42" }))));
      const h = await mockCodexHome(m.baseUrl, { prefix: "codex-exec-schema-" });
      const r = await runCli(["exec", "--skip-git-repo-check", "--output-schema", schemaFile, "answer"], {
        cwd: work,
        env: env(h),
        ...(bin ? { bin } : {}),
      });
      const formats = m.requests.map((q) => (q.body as { text?: { format?: unknown } }).text?.format ?? null);
      return { code: r.code, stdout: r.stdout, stderr: r.stderr, formats };
    } finally {
      await m.close();
    }
  };

  it("sends the file's schema as the request's text.format (as 0.58.0 does) and prints the JSON answer", async () => {
    await writeFile(path.join(work, "schema.json"), JSON.stringify(SCHEMA));
    const ours = await run(undefined, "schema.json");
    expect(ours.code, ours.stderr).toBe(0);
    expect(ours.stdout).toBe('{"answer":"42"}\n');
    const expected = { type: "json_schema", strict: true, schema: SCHEMA, name: "codex_output_schema" };
    expect(ours.formats).toEqual([expected]);
    // Field order too: the body carries the format as 0.58.0 serializes it.
    expect(Object.keys(ours.formats[0] as object)).toEqual(["type", "strict", "schema", "name"]);
    if (REFERENCE_CODEX_BIN) {
      const real = await run(REFERENCE_CODEX_BIN, "schema.json");
      expect(real.code).toBe(0);
      expect(real.formats).toEqual(ours.formats);
    }
  });

  it("a missing, non-JSON or non-regular file stops exec before any request, exit 1, in 0.58.0's words", async () => {
    await writeFile(path.join(work, "bad.json"), "not json");
    const cases = [
      [
        "missing.json",
        "Failed to read output schema file missing.json: No such file or directory (os error 2)",
      ],
      [".", "Failed to read output schema file .: Is a directory (os error 21)"],
      ["bad.json", "Output schema file bad.json is not valid JSON: "],
    ] as const;
    for (const [file, words] of cases) {
      const ours = await run(undefined, file);
      expect({ code: ours.code, formats: ours.formats }).toEqual({ code: 1, formats: [] });
      expect(ours.stderr).toContain(words);
      if (REFERENCE_CODEX_BIN) {
        const real = await run(REFERENCE_CODEX_BIN, file);
        expect({ code: real.code, formats: real.formats }).toEqual({ code: 1, formats: [] });
        // 0.58.0's JSON parser words its complaint its own way (serde_json); the sentence before it is the same.
        expect(real.stderr).toContain(words);
      }
    }
  });

  it("refuses a file larger than the cap without reading it all", async () => {
    const big = path.join(work, "big.json");
    await writeFile(big, `"${"x".repeat(1024 * 1024 + 10)}"`);
    const ours = await run(undefined, "big.json");
    expect({ code: ours.code, formats: ours.formats }).toEqual({ code: 1, formats: [] });
    expect(ours.stderr).toContain("Failed to read output schema file big.json: larger than 1048576 bytes");
  });
});

/** Whether bubblewrap can build a sandbox here (containers without user namespaces cannot). */
function bwrapWorks(): boolean {
  const r = spawnSync("bwrap", ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "true"], {
    stdio: "ignore",
  });
  return r.status === 0;
}
const sandboxOk = bwrapWorks();
if (!sandboxOk)
  console.error("codex exec --add-dir: skipped (bubblewrap cannot create a sandbox on this machine)");

describe.skipIf(!sandboxOk)("codex exec --add-dir", () => {
  it("makes the given directory writable inside the workspace-write sandbox, and nothing else", async () => {
    const extra = await tempDir("codex-exec-extra-");
    const other = await tempDir("codex-exec-other-");
    // /tmp and $TMPDIR (where the temp dirs live) are excluded, so only the roots the sandbox names are writable.
    await writeFile(
      path.join(home, "config.toml"),
      `${await readFile(path.join(home, "config.toml"), "utf8")}\n[sandbox_workspace_write]\nexclude_slash_tmp = true\nexclude_tmpdir_env_var = true\n`,
    );
    const script = ["in-cwd", "in-extra", "in-other"]
      .map(
        (name, i) => `echo ${name} > ${JSON.stringify(path.join([work, extra, other][i] as string, name))}`,
      )
      .join("; ");
    const turn = () =>
      mock.enqueue(
        responses.turn(responses.functionCall("shell", { command: ["sh", "-c", `${script}; true`] }, "w1")),
        responses.turn(responses.message("wrote")),
      );
    turn();
    const r = await exec(["--skip-git-repo-check", "-s", "workspace-write", "--add-dir", extra, "write"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`sandbox: workspace-write [workdir, ${extra}]\n`);
    expect(existsSync(path.join(work, "in-cwd"))).toBe(true);
    expect(existsSync(path.join(extra, "in-extra"))).toBe(true);
    expect(existsSync(path.join(other, "in-other"))).toBe(false);
    expect(requestText(mock.requests[1]?.body)).toMatch(/Read-only file system|Permission denied/);

    // Without --add-dir the same directory stays read-only: the root is for that one session only.
    await rm(path.join(extra, "in-extra"));
    turn();
    const again = await exec(["--skip-git-repo-check", "-s", "workspace-write", "write again"]);
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(path.join(extra, "in-extra"))).toBe(false);
    expect(requestText(mock.requests[3]?.body)).toMatch(
      /in-extra.*(Read-only file system|Permission denied)/s,
    );
  });
});
