import { appendFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { CODEX_0166_BIN, errorOf, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { startMockServer0166 } from "./helpers/mock-server-0166.js";

/**
 * Codex 0.166.0's config layers beyond the user's, on a 0.166 connection: the project's `.codex/config.toml`
 * folders (listed with a `disabledReason` until the project is trusted, then applied to a thread started there),
 * the `system` layer and the managed requirements. The project steps run on this server and, where installed, on
 * the native codex 0.166.0, and the answers are compared with paths taken out. The system layer and requirements
 * live in /etc/codex, where 0.166.0 cannot be pointed elsewhere: this server reads them from the directory
 * `CODEX_TS_SYSTEM_CONFIG_DIR` names, and the expected answers are what 0.166.0 gave for the same files in
 * /etc/codex (a probe run by hand, the files removed right after).
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN)
  console.warn("config layers 0.166: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");
const client = { name: "layers-test", version: "1.0.0" };

/** A git project with `.codex` folders at its root (settings a project may and may not set) and in `sub`. */
async function makeProject(): Promise<string> {
  const project = await suite.workdir("layers-proj-");
  await mkdir(path.join(project, ".git"), { recursive: true });
  await writeFile(path.join(project, ".git", "HEAD"), "ref: refs/heads/main\n");
  await mkdir(path.join(project, ".codex"), { recursive: true });
  await mkdir(path.join(project, "sub", ".codex"), { recursive: true });
  await writeFile(
    path.join(project, ".codex", "config.toml"),
    [
      'model = "project-model"',
      'model_provider = "elsewhere"',
      'notify = ["sh", "-c", "true"]',
      'approval_policy = "never"',
      // 0.166.0 refuses `[permissions]` profiles without a default one.
      'default_permissions = ":read-only"',
      "[permissions.reviewer]",
      'description = "from the project"',
      "[features]",
      "shell_tool = false",
    ].join("\n"),
  );
  await writeFile(path.join(project, "sub", ".codex", "config.toml"), 'model_reasoning_effort = "high"\n');
  return project;
}

/** The answers of one implementation, its project and CODEX_HOME paths replaced by placeholders. */
async function projectRun(impl: Impl): Promise<unknown[]> {
  const project = await makeProject();
  const s = await startMockServer0166(suite, impl, { client, prefix: `layers-${impl}-` });
  const home = path.join(s.root, "codex-home");
  const cwd = path.join(project, "sub");
  const answers: unknown[] = [];
  const ask = async () => {
    answers.push(await s.c.request("config/read", { includeLayers: true, cwd }));
    answers.push(await s.c.request("permissionProfile/list", { cwd }));
  };
  await ask();
  await appendFile(
    path.join(home, "config.toml"),
    `\n[projects.${JSON.stringify(project)}]\ntrust_level = "trusted"\n`,
  );
  await ask();
  const started = (await s.c.request("thread/start", { cwd })) as Record<string, unknown>;
  answers.push({ model: started.model, approvalPolicy: started.approvalPolicy, sandbox: started.sandbox });
  // A thread's feature flags include its project's (the server's alone do not).
  const threadId = (started.thread as { id: string }).id;
  const shellTool = async (params: { threadId?: string }) =>
    (
      (await s.c.request("experimentalFeature/list", params)) as {
        data: { name: string; enabled: boolean }[];
      }
    ).data.find((f) => f.name === "shell_tool")?.enabled;
  answers.push({ thread: await shellTool({ threadId }), server: await shellTool({}) });
  // Paths out; the user layer's digest (its mock provider's port) too.
  const text = JSON.stringify(answers)
    .replaceAll(project, "<project>")
    .replaceAll(home, "<home>")
    .replace(/127\.0\.0\.1:\d+/g, "<mock>")
    .replace(/"user","file":"<home>\/config.toml","profile":null\},"version":"sha256:[0-9a-f]+"/g, '"user"}');
  return JSON.parse(text);
}

type Layer = { name: { type: string; dotCodexFolder?: string }; config: unknown; disabledReason?: string };

describe("project config layers on a 0.166 connection", () => {
  it("lists the project's folders off until it is trusted, then applies them, as 0.166.0 does", async () => {
    const runs = await Promise.all(IMPLS.map((impl) => projectRun(impl)));
    const [untrusted, profilesUntrusted, trusted, profilesTrusted, thread] = runs[0] as [
      { config: Record<string, unknown>; origins: Record<string, unknown>; layers: Layer[] },
      { data: { id: string }[] },
      { config: Record<string, unknown>; origins: Record<string, { name: unknown }>; layers: Layer[] },
      { data: { id: string; description: string | null; allowed: boolean }[] },
      Record<string, unknown>,
    ];
    const reason =
      "To load project-local config, hooks, and exec policies, add <project> as a trusted project in <home>/config.toml.";
    expect(untrusted.layers.map((l) => [l.name.type, l.name.dotCodexFolder, l.disabledReason])).toEqual([
      ["project", "<project>/sub/.codex", reason],
      ["project", "<project>/.codex", reason],
      ["user", undefined, undefined],
      ["system", undefined, undefined],
    ]);
    // The keys a project may not set are dropped from its layer.
    expect(untrusted.layers[1]?.config).toEqual({
      model: "project-model",
      approval_policy: "never",
      default_permissions: ":read-only",
      permissions: { reviewer: { description: "from the project" } },
      features: { shell_tool: false },
    });
    expect(untrusted.config.model).not.toBe("project-model");
    expect(untrusted.origins.model).toMatchObject({ name: { type: "user" } });
    expect(profilesUntrusted.data.map((p) => p.id)).not.toContain("reviewer");

    expect(trusted.layers.every((l) => l.disabledReason === undefined)).toBe(true);
    expect(trusted.config).toMatchObject({
      model: "project-model",
      model_reasoning_effort: "high",
      notify: null,
    });
    expect(trusted.origins.model?.name).toEqual({ type: "project", dotCodexFolder: "<project>/.codex" });
    expect(profilesTrusted.data.at(-1)).toEqual({
      id: "reviewer",
      description: "from the project",
      allowed: true,
    });
    expect(thread).toMatchObject({ model: "project-model", approvalPolicy: "never" });
    expect(runs[0]?.[5]).toEqual({ thread: false, server: true });
    if (runs[1]) expect(runs[0]).toEqual(runs[1]);
  });
});

describe("the system layer and managed requirements on a 0.166 connection", () => {
  it("reads /etc/codex (moved for the test), reports the requirements and holds threads and turns to them", async () => {
    const etc = await suite.workdir("layers-etc-");
    await writeFile(
      path.join(etc, "config.toml"),
      'model = "system-model"\nmodel_reasoning_effort = "low"\n',
    );
    await writeFile(
      path.join(etc, "requirements.toml"),
      [
        'allowed_approval_policies = ["on-request", "untrusted"]',
        'allowed_sandbox_modes = ["read-only", "workspace-write"]',
        'allowed_web_search_modes = ["cached"]',
      ].join("\n"),
    );
    const s = await startMockServer0166(suite, "ours", {
      client,
      prefix: "layers-req-",
      toml: 'approval_policy = "never"\nsandbox_mode = "danger-full-access"\n',
      env: { CODEX_TS_SYSTEM_CONFIG_DIR: etc },
    });
    const source = path.join(etc, "requirements.toml");
    const { requirements } = (await s.c.request("configRequirements/read", undefined)) as {
      requirements: Record<string, unknown>;
    };
    expect(requirements).toMatchObject({
      allowedLoginMethods: ["api", "chatgpt"],
      allowedApprovalPolicies: ["on-request", "untrusted"],
      allowedSandboxModes: ["read-only", "workspace-write"],
      allowedWebSearchModes: ["cached", "disabled"],
      allowedPermissionProfiles: null,
      featureRequirements: null,
    });
    expect(Object.keys(requirements)).toHaveLength(34);
    expect(await s.c.request("permissionProfile/list", {})).toEqual({
      data: [
        { id: ":read-only", description: null, allowed: true },
        { id: ":workspace", description: null, allowed: true },
        { id: ":danger-full-access", description: null, allowed: false },
      ],
      nextCursor: null,
    });
    const read = (await s.c.request("config/read", { includeLayers: true })) as {
      origins: Record<string, { name: unknown }>;
      layers: Layer[];
    };
    expect(read.layers.at(-1)?.name).toEqual({ type: "system", file: path.join(etc, "config.toml") });
    // The user's config sets the model (the mock's); the system layer's effort shows through.
    expect(read.origins.model_reasoning_effort?.name).toEqual({
      type: "system",
      file: path.join(etc, "config.toml"),
    });

    // The configured `never` and full access are refused: the thread starts with the required values, and says so.
    const started = (await s.c.request("thread/start", {})) as {
      thread: { id: string };
      approvalPolicy: string;
      sandbox: { type: string };
      reasoningEffort: string | null;
    };
    expect(started).toMatchObject({
      approvalPolicy: "on-request",
      sandbox: { type: "readOnly" },
      reasoningEffort: "low",
    });
    const approvalWarning = `Configured value for \`approval_policy\` is disallowed by requirements; falling back to required value OnRequest. Details: invalid value for \`approval_policy\`: \`Never\` is not in the allowed set [OnRequest, UnlessTrusted] (set by ${source})`;
    const readOnly =
      "Managed { file_system: Restricted { entries: [FileSystemSandboxEntry { path: Special { value: Root }, access: Read, missing_path_behavior: None }], glob_scan_max_depth: None }, network: Restricted }";
    const sandboxWarning = `Configured value for \`permission_profile\` is disallowed by requirements; falling back to required value ${readOnly}. Details: invalid value for \`sandbox_mode\`: \`DangerFullAccess\` is not in the allowed set [ReadOnly, WorkspaceWrite] (set by ${source})`;
    const isThreadWarning = (m: { method?: string; params?: unknown }) =>
      m.method === "warning" && (m.params as { threadId: string }).threadId === started.thread.id;
    await s.c.waitFor(
      (m) => isThreadWarning(m) && (m.params as { message: string }).message === sandboxWarning,
      "warning",
    );
    expect(
      s.c.messages.filter(isThreadWarning).map((m) => (m.params as { message: string }).message),
    ).toEqual([approvalWarning, sandboxWarning]);
    // 0.166.0 also sends each as a `configWarning`, before the answer.
    expect(s.c.messages.filter((m) => m.method === "configWarning").map((m) => m.params)).toEqual([
      { summary: approvalWarning, details: null },
      { summary: sandboxWarning, details: null },
    ]);
    // A turn asking for a refused value is refused, in 0.166.0's words.
    expect(
      await errorOf(
        s.c.request("turn/start", {
          threadId: started.thread.id,
          input: [{ type: "text", text: "hi", text_elements: [] }],
          approvalPolicy: "never",
        }),
      ),
    ).toEqual({
      code: -32600,
      message: `invalid thread settings override: invalid value for \`approval_policy\`: \`Never\` is not in the allowed set [OnRequest, UnlessTrusted] (set by ${source})`,
    });
    expect(
      await errorOf(
        s.c.request("turn/start", {
          threadId: started.thread.id,
          input: [{ type: "text", text: "hi", text_elements: [] }],
          sandboxPolicy: { type: "dangerFullAccess" },
        }),
      ),
    ).toEqual({
      code: -32600,
      message: `invalid thread settings override: invalid value for \`sandbox_mode\`: \`DangerFullAccess\` is not in the allowed set [ReadOnly, WorkspaceWrite] (set by ${source})`,
    });
    expect(
      await errorOf(
        s.c.request("turn/start", {
          threadId: started.thread.id,
          input: [{ type: "text", text: "hi", text_elements: [] }],
          permissions: ":danger-full-access",
        }),
      ),
    ).toEqual({ code: -32600, message: `invalid thread settings override: ${sandboxWarning}` });
  });
});
