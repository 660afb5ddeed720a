import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, featureOverride, findCodexHome, loadConfig, parseOverride } from "../src/index.js";

let home: string;
const noManaged = { configPath: null } as const;

beforeEach(async () => {
  home = await tempDir("codex-config-");
});
afterEach(async () => {});

async function writeConfig(text: string): Promise<void> {
  await writeFile(join(home, "config.toml"), text);
}

function load(opts: Parameters<typeof loadConfig>[0] = {}) {
  return loadConfig({ codexHome: home, managed: noManaged, env: {}, ...opts });
}

describe("findCodexHome", () => {
  it("uses CODEX_HOME when it exists", () => {
    expect(findCodexHome({ CODEX_HOME: home })).toContain("codex-config-");
  });
  it("names the path when CODEX_HOME is missing", () => {
    expect(() => findCodexHome({ CODEX_HOME: join(home, "nope") })).toThrow(/nope.*does not exist/);
  });
  it("falls back to ~/.codex", () => {
    expect(findCodexHome({ HOME: "/home/someone" })).toBe("/home/someone/.codex");
  });
});

describe("parseOverride", () => {
  it("parses TOML values", () => {
    expect(parseOverride('model="o3"')).toEqual(["model", "o3"]);
    expect(parseOverride("a.b = 5")).toEqual(["a.b", 5]);
    expect(parseOverride("x=[1, 2]")).toEqual(["x", [1, 2]]);
    expect(parseOverride("flag=true")).toEqual(["flag", true]);
    expect(parseOverride("t={a=1}")[1]).toEqual(expect.objectContaining({ a: 1 }));
  });
  it("falls back to a literal string with quotes trimmed", () => {
    expect(parseOverride("model=o3")).toEqual(["model", "o3"]);
    expect(parseOverride('k=abc"')).toEqual(["k", "abc"]);
    expect(parseOverride('k="abc')).toEqual(["k", "abc"]);
    expect(parseOverride("k=  spaced value ")).toEqual(["k", "spaced value"]);
    expect(parseOverride("k=a=b")).toEqual(["k", "a=b"]);
  });
  it("rejects overrides without = or key", () => {
    expect(() => parseOverride("model")).toThrow("Invalid override (missing '='): model");
    expect(() => parseOverride(" =x")).toThrow("Empty key in override:  =x");
  });
  it("maps --enable/--disable to features", () => {
    expect(featureOverride("web_search_request", true)).toEqual(["features.web_search_request", true]);
  });
});

describe("loadConfig defaults and layers", () => {
  it("has Codex's defaults with no config file", async () => {
    const c = await load();
    expect(c.model).toBe("gpt-5-codex");
    expect(c.modelProviderId).toBe("openai");
    expect(c.modelProvider.wireApi).toBe("responses");
    expect(c.modelProvider.requiresOpenaiAuth).toBe(true);
    expect(c.approvalPolicy).toBe("on-request");
    expect(c.sandboxPolicy).toEqual({ mode: "read-only" });
    expect(c.features.view_image_tool).toBe(true);
    expect(c.features.ghost_commit).toBe(true);
    expect(c.toolsViewImage).toBe(true);
    expect(c.cliAuthCredentialsStore).toBe("file");
    expect(c.chatgptBaseUrl).toBe("https://chatgpt.com/backend-api/");
  });

  it("layers config.toml < -c < request < managed file < managed preferences", async () => {
    await writeConfig('model = "from-config"\napproval_policy = "never"\n[features]\nx = true\n');
    const managedPath = join(home, "managed.toml");
    expect((await load({ cliOverrides: [parseOverride("model=from-cli")] })).model).toBe("from-cli");
    expect(
      (
        await load({
          cliOverrides: [parseOverride("model=from-cli")],
          requestOverrides: { model: "from-request" },
        })
      ).model,
    ).toBe("from-request");
    await writeFile(managedPath, 'model = "from-managed"\n');
    const managed = await load({
      cliOverrides: [parseOverride("model=from-cli")],
      managed: { configPath: managedPath },
    });
    expect(managed.model).toBe("from-managed");
    expect(managed.approvalPolicy).toBe("never");
    const prefs = Buffer.from('model = "from-prefs"\n').toString("base64");
    const withPrefs = await load({
      managed: { configPath: managedPath, preferencesBase64: () => ` ${prefs}\n` },
    });
    expect(withPrefs.model).toBe("from-prefs");
    expect(withPrefs.features.x).toBe(true);
  });

  it("merges tables key by key and replaces arrays", async () => {
    await writeConfig('notify = ["a", "b"]\n[sandbox_workspace_write]\nnetwork_access = true\n');
    const c = await load({
      cliOverrides: [parseOverride('notify=["c"]'), parseOverride("sandbox_mode=workspace-write")],
      requestOverrides: { "sandbox_workspace_write.writable_roots": ["/tmp/extra"] },
    });
    expect(c.notify).toEqual(["c"]);
    expect(c.sandboxPolicy).toEqual({
      mode: "workspace-write",
      writable_roots: ["/tmp/extra"],
      network_access: true,
      exclude_tmpdir_env_var: false,
      exclude_slash_tmp: false,
    });
  });

  it("typed overrides beat profile, which beats top level", async () => {
    await writeConfig(
      'model = "top"\nprofile = "fast"\n[profiles.fast]\nmodel = "pm"\napproval_policy = "never"\n',
    );
    const c = await load();
    expect(c.model).toBe("pm");
    expect(c.activeProfile).toBe("fast");
    expect(c.approvalPolicy).toBe("never");
    expect((await load({ overrides: { model: "typed" } })).model).toBe("typed");
    expect((await load({ requestOverrides: { "profiles.x.model": "px", profile: "x" } })).model).toBe("px");
  });

  it("reports an unknown profile", async () => {
    await expect(load({ overrides: { profile: "ghost" } })).rejects.toThrow(
      "config profile `ghost` not found",
    );
  });

  it("request null values become empty strings as in Codex", async () => {
    expect((await load({ requestOverrides: { model: null } })).model).toBe("");
  });

  it("resolves providers: built-ins win, user providers default to chat", async () => {
    await writeConfig(
      [
        'model_provider = "mock"',
        "[model_providers.mock]",
        'name = "Mock"',
        'base_url = "http://127.0.0.1:1/v1"',
        "request_max_retries = 500",
        "[model_providers.openai]",
        'name = "Hijack"',
        'base_url = "http://127.0.0.1:2"',
      ].join("\n"),
    );
    const c = await load({ env: { OPENAI_BASE_URL: "http://127.0.0.1:3/v1" } });
    expect(c.modelProvider.name).toBe("Mock");
    expect(c.modelProvider.wireApi).toBe("chat");
    expect(c.modelProvider.requestMaxRetries).toBe(100);
    expect(c.modelProviders.openai!.name).toBe("OpenAI");
    expect(c.modelProviders.openai!.baseUrl).toBe("http://127.0.0.1:3/v1");
    expect(c.modelProviders.oss!.baseUrl).toBe("http://localhost:11434/v1");
    await expect(load({ overrides: { modelProvider: "nope" } })).rejects.toThrow(
      "Model provider `nope` not found",
    );
  });

  it("resolves features: legacy toggles, [features], profiles; top-level assessment key does nothing", async () => {
    await writeConfig(
      [
        "experimental_sandbox_command_assessment = true",
        "[tools]",
        "view_image = false",
        "[features]",
        "web_search_request = true",
        "future_flag = true",
      ].join("\n"),
    );
    const c = await load();
    expect(c.features.experimental_sandbox_command_assessment).toBe(false);
    expect(c.toolsViewImage).toBe(false);
    expect(c.toolsWebSearch).toBe(true);
    expect(c.features.future_flag).toBe(true);
    const enabled = await load({
      cliOverrides: [featureOverride("experimental_sandbox_command_assessment", true)],
    });
    expect(enabled.features.experimental_sandbox_command_assessment).toBe(true);
  });

  it("accepts both spellings of the credentials store key and rejects other values", async () => {
    await writeConfig('cli_auth_credentials_store_mode = "keyring"\n');
    expect((await load()).cliAuthCredentialsStore).toBe("keyring");
    await writeConfig('cli_auth_credentials_store = "auto"\ncli_auth_credentials_store_mode = "keyring"\n');
    expect((await load()).cliAuthCredentialsStore).toBe("auto");
    await writeConfig('cli_auth_credentials_store = "ephemeral"\n');
    await expect(load()).rejects.toThrow(/cli_auth_credentials_store/);
  });

  it("keeps unknown keys and ignores them", async () => {
    await writeConfig('model = "m"\nbrand_new_key = 3\n[tui]\nnotifications = true\n');
    const c = await load();
    expect(c.model).toBe("m");
    expect(c.raw.brand_new_key).toBe(3);
  });

  it("reads user instructions from CODEX_HOME/AGENTS.override.md or AGENTS.md, trimmed, as 0.58.0 does", async () => {
    expect((await load()).userInstructions).toBeUndefined();
    await writeFile(join(home, "AGENTS.md"), "\n  Always be nice.\n\n");
    expect((await load()).userInstructions).toBe("Always be nice.");
    // A blank override does not hide AGENTS.md; a non-blank one wins.
    await writeFile(join(home, "AGENTS.override.md"), "  \n");
    expect((await load()).userInstructions).toBe("Always be nice.");
    await writeFile(join(home, "AGENTS.override.md"), "Override.\n");
    expect((await load()).userInstructions).toBe("Override.");
    // 0.58.0 accepts the config key `instructions` but uses it nowhere.
    await writeConfig('instructions = "From config"\n');
    expect((await load()).userInstructions).toBe("Override.");
  });

  it("resolves the project doc settings with 0.58.0's defaults", async () => {
    expect(await load()).toMatchObject({ projectDocMaxBytes: 32 * 1024, projectDocFallbackFilenames: [] });
    await writeConfig('project_doc_max_bytes = 0\nproject_doc_fallback_filenames = ["CLAUDE.md"]\n');
    expect(await load()).toMatchObject({ projectDocMaxBytes: 0, projectDocFallbackFilenames: ["CLAUDE.md"] });
  });

  it("validates MCP servers with Codex's messages", async () => {
    await writeConfig('[mcp_servers.docs]\ncommand = "npx"\nargs = ["-y", "x"]\nstartup_timeout_ms = 2500\n');
    const c = await load();
    expect(c.mcpServers.docs).toEqual({
      transport: { type: "stdio", command: "npx", args: ["-y", "x"], envVars: [] },
      enabled: true,
      startupTimeoutSec: 2.5,
    });
    await writeConfig('[mcp_servers.bad]\nargs = ["x"]\n');
    await expect(load()).rejects.toThrow("invalid transport in `mcp_servers.bad`");
    await writeConfig('[mcp_servers.web]\nurl = "http://127.0.0.1:1"\nbearer_token = "secret"\n');
    await expect(load()).rejects.toThrow("bearer_token is not supported for streamable_http");
  });

  it("reads 0.166.0's per-tool approval modes (inline or as tables); a mode it does not know is refused", async () => {
    await writeConfig(
      '[mcp_servers.a]\ncommand = "x"\ntools = {search = {approval_mode = "prompt"}}\n' +
        '[mcp_servers.b]\ncommand = "x"\n[mcp_servers.b.tools.delete]\napproval_mode = "approve"\n' +
        "[mcp_servers.b.tools.other]\n",
    );
    const { mcpServers } = await load();
    expect([mcpServers.a?.toolApprovalModes, mcpServers.b?.toolApprovalModes]).toEqual([
      { search: "prompt" },
      { delete: "approve" },
    ]);
    await writeConfig(
      '[mcp_servers.docs]\ncommand = "x"\n[mcp_servers.docs.tools.delete]\napproval_mode = "maybe"\n',
    );
    await expect(load()).rejects.toThrow(/approval_mode/);
  });
});

describe("loadConfig bad input", () => {
  it("names file, line and column on a syntax error", async () => {
    await writeConfig('model = "ok"\nbroken = = 1\n');
    const err = await load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(
      new RegExp(`${join(home, "config.toml")}:2:\\d+: TOML syntax error`),
    );
  });

  it("names file, dotted key and expected type on a wrong type", async () => {
    await writeConfig("[model_providers.x]\nname = 5\n");
    await expect(load()).rejects.toThrow(
      new RegExp(
        `${join(home, "config.toml")}: invalid value for \`model_providers.x.name\`: .*expected string`,
      ),
    );
  });

  it("attributes a bad -c value to the overrides, not the file", async () => {
    await expect(load({ cliOverrides: [parseOverride("approval_policy=sometimes")] })).rejects.toThrow(
      /^-c overrides: invalid value for `approval_policy`/,
    );
  });

  it("reports a broken managed layer instead of skipping it", async () => {
    const managedPath = join(home, "managed.toml");
    await writeFile(managedPath, "model = \n");
    await expect(load({ managed: { configPath: managedPath } })).rejects.toThrow(/managed\.toml:1:\d+/);
    await expect(
      load({ managed: { configPath: null, preferencesBase64: () => "bW9kZWwgPQ==" } }),
    ).rejects.toThrow(/managed preferences/);
  });

  it("never rewrites a file on read", async () => {
    const text = "# comment\nmodel = 'x'   \n";
    await writeConfig(text);
    await load();
    expect(await readFile(join(home, "config.toml"), "utf8")).toBe(text);
    await mkdir(join(home, "sessions"));
  });
});

describe("model_reasoning_summary: chosen or defaulted", () => {
  it("is auto and defaulted when nothing sets it", async () => {
    const cfg = await load();
    expect([cfg.modelReasoningSummary, cfg.modelReasoningSummaryDefaulted]).toEqual(["auto", true]);
  });
  it("is chosen when config.toml sets it, even to auto", async () => {
    await writeConfig('model_reasoning_summary = "auto"\n');
    const cfg = await load();
    expect([cfg.modelReasoningSummary, cfg.modelReasoningSummaryDefaulted]).toEqual(["auto", false]);
  });
  it("is chosen when a profile or a -c override sets it", async () => {
    await writeConfig('profile = "p"\n[profiles.p]\nmodel_reasoning_summary = "detailed"\n');
    const fromProfile = await load();
    expect([fromProfile.modelReasoningSummary, fromProfile.modelReasoningSummaryDefaulted]).toEqual([
      "detailed",
      false,
    ]);
    await writeConfig("");
    const fromOverride = await load({ cliOverrides: [["model_reasoning_summary", "concise"]] });
    expect([fromOverride.modelReasoningSummary, fromOverride.modelReasoningSummaryDefaulted]).toEqual([
      "concise",
      false,
    ]);
  });
});
