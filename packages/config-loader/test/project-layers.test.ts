import { mkdir, realpath, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { beforeEach, describe, expect, it } from "vitest";
import { loadConfig, readConfigLayers, SYSTEM_CONFIG_DIR_ENV } from "../src/index.js";

let root: string;
let home: string;
let etc: string;
let project: string;
let cwd: string;

/** Writes `text` at `path` (under `root`), creating its directories. */
async function put(path: string, text: string): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, text);
}

beforeEach(async () => {
  root = await realpath(await tempDir("codex-layers-"));
  home = join(root, "home");
  etc = join(root, "etc");
  project = join(root, "proj");
  cwd = join(project, "a", "b");
  await mkdir(home, { recursive: true });
  await mkdir(etc, { recursive: true });
  // A checkout's `.git` has a HEAD: 0.166.0 takes an empty `.git` directory for no project root.
  await put(join(project, ".git", "HEAD"), "ref: refs/heads/main\n");
  await mkdir(cwd, { recursive: true });
  await put(
    join(project, ".codex", "config.toml"),
    [
      'model = "proj-model"',
      'model_provider = "elsewhere"',
      'chatgpt_base_url = "http://127.0.0.1:9/"',
      'notify = ["sh"]',
      'profile = "p"',
      'model_instructions_file = "instructions.md"',
      'approval_policy = "never"',
      "[features]",
      "respect_system_proxy = true",
      "shell_tool = false",
    ].join("\n"),
  );
  await mkdir(join(project, "a", ".codex"), { recursive: true }); // a folder without config.toml
  await put(join(cwd, ".codex", "config.toml"), 'model_reasoning_effort = "high"\n');
});

const env = () => ({ [SYSTEM_CONFIG_DIR_ENV]: etc });
const layersAt = (dir: string) =>
  readConfigLayers({ codexHome: home, env: env(), systemLayer: true, projectCwd: dir });
const trust = (dir: string, level: string) =>
  put(join(home, "config.toml"), `[projects.${JSON.stringify(dir)}]\ntrust_level = "${level}"\n`);

describe("0.166.0's project layers", () => {
  it("lists the .codex folders from the project root down to cwd, off until the project is trusted", async () => {
    const layers = await layersAt(cwd);
    expect(layers.map((l) => [l.kind, l.dotCodexFolder ?? l.file])).toEqual([
      ["system", join(etc, "config.toml")],
      ["user", join(home, "config.toml")],
      ["project", join(project, ".codex")],
      ["project", join(project, "a", ".codex")],
      ["project", join(cwd, ".codex")],
    ]);
    const reason = `To load project-local config, hooks, and exec policies, add ${project} as a trusted project in ${join(home, "config.toml")}.`;
    for (const layer of layers.slice(2)) expect(layer.disabledReason).toBe(reason);
    // The keys a project may not set are gone from the layer, relative paths are resolved from its folder.
    expect(layers[2]?.table).toEqual({
      model: "proj-model",
      model_instructions_file: join(project, ".codex", "instructions.md"),
      approval_policy: "never",
      features: { shell_tool: false },
    });
    expect(layers[3]?.table).toEqual({});
    const config = await loadConfig({ codexHome: home, env: env(), modern: { projectCwd: cwd } });
    expect(config.model).not.toBe("proj-model");
    expect(config.modelReasoningEffort).toBeUndefined();
  });

  it("applies them to a trusted project, nearest folder last, and never the denied keys", async () => {
    await trust(project, "trusted");
    await writeFile(join(project, ".codex", "instructions.md"), "project instructions");
    const layers = await layersAt(cwd);
    expect(layers.every((l) => l.disabledReason === undefined)).toBe(true);
    const config = await loadConfig({
      codexHome: home,
      env: env(),
      overrides: { cwd },
      modern: { projectCwd: cwd },
    });
    expect(config.model).toBe("proj-model");
    expect(config.modelReasoningEffort).toBe("high");
    expect(config.approvalPolicy).toBe("never");
    expect(config.modelProviderId).toBe("openai");
    expect(config.notify).toBeUndefined();
    // A trusted project runs in a workspace-write sandbox unless one is set.
    expect(config.sandboxPolicy.mode).toBe("workspace-write");
  });

  it("decides each folder by its own [projects] entry first, and says when it is marked untrusted", async () => {
    await trust(cwd, "trusted");
    let layers = await layersAt(cwd);
    expect(layers.map((l) => l.disabledReason === undefined)).toEqual([true, true, false, false, true]);
    await trust(project, "untrusted");
    layers = await layersAt(cwd);
    expect(layers[4]?.disabledReason).toBe(
      `${project} is marked as untrusted in the effective configuration. To load project-local config, hooks, and exec policies, update its trust setting. If that setting is managed by your organization, contact your administrator.`,
    );
    const config = await loadConfig({
      codexHome: home,
      env: env(),
      overrides: { cwd },
      modern: { projectCwd: cwd },
    });
    expect(config.approvalPolicy).toBe("untrusted");
    expect(config.sandboxPolicy.mode).toBe("workspace-write");
  });

  it("tolerates an unparsable file in an untrusted folder and refuses it in a trusted one", async () => {
    await writeFile(join(project, ".codex", "config.toml"), 'model = "broken\n');
    expect((await layersAt(cwd))[2]?.table).toEqual({});
    await trust(project, "trusted");
    await expect(layersAt(cwd)).rejects.toThrow(
      `Error parsing project config file ${join(project, ".codex", "config.toml")}:1:`,
    );
  });

  it("takes cwd as the root when no marker is found, and never reads CODEX_HOME as a project folder", async () => {
    await put(join(root, "plain", "x", ".codex", "config.toml"), 'model = "x"\n');
    await put(join(root, "plain", ".codex", "config.toml"), 'model = "plain"\n');
    await mkdir(join(root, "plain", ".git"), { recursive: true });
    const plain = await layersAt(join(root, "plain", "x"));
    expect(plain.filter((l) => l.kind === "project").map((l) => l.dotCodexFolder)).toEqual([
      join(root, "plain", "x", ".codex"),
    ]);
    const dotHome = join(root, "user");
    await mkdir(join(dotHome, ".codex"), { recursive: true });
    const asHome = await readConfigLayers({
      codexHome: join(dotHome, ".codex"),
      env: env(),
      systemLayer: true,
      projectCwd: dotHome,
    });
    expect(asHome.filter((l) => l.kind === "project")).toEqual([]);
  });

  it("lets a linked worktree inherit its repository's trust", async () => {
    const repo = join(root, "repo");
    const worktree = join(root, "wt");
    await put(join(repo, ".git", "HEAD"), "ref: refs/heads/main\n");
    await mkdir(join(repo, ".git", "worktrees", "wt"), { recursive: true });
    await put(join(worktree, ".git"), `gitdir: ${join(repo, ".git", "worktrees", "wt")}\n`);
    await put(join(worktree, ".codex", "config.toml"), 'model = "wt"\n');
    const [layer] = (await layersAt(worktree)).filter((l) => l.kind === "project");
    expect(layer?.disabledReason).toBe(
      `To load project-local config, hooks, and exec policies, add ${repo} as a trusted project in ${join(home, "config.toml")}.`,
    );
    await trust(repo, "trusted");
    const config = await loadConfig({
      codexHome: home,
      env: env(),
      overrides: { cwd: worktree },
      modern: { projectCwd: worktree },
    });
    expect(config.model).toBe("wt");
  });

  it("leaves 0.58.0's loading alone: no system layer, no project layers, no requirements", async () => {
    await trust(project, "trusted");
    await writeFile(join(etc, "config.toml"), 'model = "system-model"\n');
    await writeFile(join(etc, "requirements.toml"), 'allowed_approval_policies = ["untrusted"]\n');
    const config = await loadConfig({ codexHome: home, env: env(), overrides: { cwd } });
    expect(config.model).toBe("gpt-5-codex");
    expect(config.approvalPolicy).toBe("on-request");
    expect(config.sandboxPolicy.mode).toBe("read-only");
    expect(config.requirements).toBeNull();
    const layers = await readConfigLayers({ codexHome: home, env: env() });
    expect(layers.map((l) => l.kind)).toEqual(["user"]);
  });
});

describe("0.166.0's system layer and requirements", () => {
  const modern = (overrides = {}) =>
    loadConfig({ codexHome: home, env: env(), overrides: { cwd: root, ...overrides }, modern: {} });

  it("reads /etc/codex/config.toml under the user's config, its paths from its folder", async () => {
    await writeFile(join(etc, "config.toml"), 'model = "system-model"\nmodel_reasoning_effort = "low"\n');
    await writeFile(join(home, "config.toml"), 'model_reasoning_effort = "high"\n');
    const config = await modern();
    expect(config.model).toBe("system-model");
    expect(config.modelReasoningEffort).toBe("high");
  });

  it("falls back to the first allowed approval policy and to read-only, and says so", async () => {
    await writeFile(
      join(etc, "requirements.toml"),
      'allowed_approval_policies = ["untrusted", "on-request"]\nallowed_sandbox_modes = ["read-only", "workspace-write"]\n',
    );
    await writeFile(
      join(home, "config.toml"),
      'approval_policy = "never"\nsandbox_mode = "danger-full-access"\n',
    );
    const config = await modern();
    const source = join(etc, "requirements.toml");
    expect(config.requirements).toEqual({
      approvalPolicy: { allowed: ["untrusted", "on-request"], source },
      sandboxMode: { allowed: ["read-only", "workspace-write"], source },
    });
    expect(config.approvalPolicy).toBe("untrusted");
    expect(config.sandboxPolicy.mode).toBe("read-only");
    expect(config.configWarnings).toEqual([
      `Configured value for \`approval_policy\` is disallowed by requirements; falling back to required value UnlessTrusted. Details: invalid value for \`approval_policy\`: \`Never\` is not in the allowed set [UnlessTrusted, OnRequest] (set by ${source})`,
      // 0.166.0 names the read-only permission profile it falls back to in its debug form.
      `Configured value for \`permission_profile\` is disallowed by requirements; falling back to required value Managed { file_system: Restricted { entries: [FileSystemSandboxEntry { path: Special { value: Root }, access: Read, missing_path_behavior: None }], glob_scan_max_depth: None }, network: Restricted }. Details: invalid value for \`sandbox_mode\`: \`DangerFullAccess\` is not in the allowed set [ReadOnly, WorkspaceWrite] (set by ${source})`,
    ]);
  });

  it("refuses no approvals with a full-access sandbox the requirements refuse", async () => {
    await writeFile(join(etc, "requirements.toml"), 'allowed_sandbox_modes = ["read-only"]\n');
    await expect(modern({ approvalPolicy: "never", sandboxMode: "danger-full-access" })).rejects.toThrow(
      '`approval_policy = "never"` cannot be used because requirements do not allow `sandbox_mode = "danger-full-access"`',
    );
  });

  it("reads managed_config.toml's approval policy and sandbox as requirements, and no file as none", async () => {
    expect((await modern()).requirements).toBeNull();
    await writeFile(join(etc, "requirements.toml"), "");
    expect((await modern()).requirements).toBeNull();
    await writeFile(join(etc, "managed_config.toml"), 'sandbox_mode = "workspace-write"\n');
    const source = join(etc, "managed_config.toml");
    expect((await modern()).requirements).toEqual({
      sandboxMode: { allowed: ["read-only", "workspace-write"], source },
    });
  });

  it("names the file and key of a bad requirement", async () => {
    await writeFile(join(etc, "requirements.toml"), 'allowed_approval_policies = ["sometimes"]\n');
    await expect(modern()).rejects.toThrow(
      `${join(etc, "requirements.toml")}: invalid value for \`allowed_approval_policies.0\``,
    );
  });
});
