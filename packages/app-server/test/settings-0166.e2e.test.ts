import fs from "node:fs/promises";
import path from "node:path";
import { parseToml } from "@codex-ts/config-loader";
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
 * The 0.166 settings methods (`model/list`, `config/*`, `account/*`) through the real CLI with a 0.166 client, and
 * the same requests to the real codex 0.166.0 on an identical CODEX_HOME when the binary is here: answers must
 * agree except where the README ("0.166 connections") lists a difference. Without the binary, the expectations
 * written here (read off 0.166.0) are checked against this server alone.
 */
if (!SideBySide.available) console.warn(`settings-0166: ${SideBySide.reason}`);
const impls: Impl[] = SideBySide.available ? ["ours", "real"] : ["ours"];

/** Sends requests in order on one 0.166 connection; returns each answer (result or error). */
async function session(
  impl: Impl,
  codexHome: string,
  requests: Request0166[],
  o: { args?: string[] } = {},
): Promise<{ answers: Record<string, unknown>[]; c: Client0166 }> {
  const c = await SideBySide.start(impl, codexHome, o);
  await initialize0166(c).catch((err: Error) => {
    throw new Error(`${impl}: ${err.message}\nstderr: ${c.stderr}`);
  });
  const answers: Record<string, unknown>[] = [];
  // Each answer is checked by the typed client against its method's response schema.
  for (const request of requests) answers.push(await settle(c, request));
  return { answers, c };
}

/** Notifications a server sent, as `{method, params}` (0.166.0 stamps each with `emittedAtMs`). */
const notifications = (c: Client0166, methods: string[]) =>
  c.messages
    .filter((m: Message) => m.method !== undefined && methods.includes(m.method))
    .map((m) => ({ method: m.method, params: m.params }));

describe("model/list on a 0.166 connection", () => {
  it("serves 0.166.0's catalogue: the picker's models, hidden ones on request, paged", async () => {
    const requests: Request0166[] = [
      ["model/list", {}],
      ["model/list", { includeHidden: true }],
      ["model/list", { limit: 2, cursor: "3" }],
      ["model/list", { limit: 0 }],
      ["model/list", { cursor: "9" }],
      ["model/list", { cursor: "10" }],
      ["model/list", { cursor: "x" }],
      untyped("model/list"),
      ["model/list", { limit: -1 }],
    ];
    const codexHome = await SideBySide.home();
    const runs = await Promise.all(impls.map((impl) => session(impl, codexHome, requests)));
    const [ours] = runs.map((r) => r.answers);
    const models = (a: unknown) => (a as { data: { id: string; isDefault: boolean }[] }).data;
    const ids = (a: unknown) => models(a).map((m) => m.id);
    expect(ids(ours?.[0])).toEqual([
      "gpt-6.1-sol",
      "gpt-6-astra",
      "gpt-6-sol",
      "gpt-6-luna",
      "gpt-5.6-sol",
      "gpt-6.1-terra",
      "gpt-5.6-terra",
      "gpt-5.6-luna",
      "gpt-5.5",
    ]);
    expect(models(ours?.[0]).map((m) => m.isDefault)).toEqual([true, ...Array(8).fill(false)]);
    expect(ids(ours?.[1])).toHaveLength(12);
    expect(ours?.[2]).toMatchObject({ nextCursor: "5" });
    expect(ids(ours?.[2])).toEqual(["gpt-6-luna", "gpt-5.6-sol"]);
    expect(ids(ours?.[3])).toEqual(["gpt-6.1-sol"]);
    expect(ours?.[4]).toEqual({ data: [], nextCursor: null });
    expect(ours?.[5]).toEqual({ code: -32600, message: "cursor 10 exceeds total models 9" });
    expect(ours?.[6]).toEqual({ code: -32600, message: "invalid cursor: x" });
    expect(ours?.[7]).toMatchObject({ code: -32600, message: "Invalid request: missing field `params`" });
    expect(ours?.[8]).toMatchObject({
      code: -32600,
      message: "Invalid request: invalid value: integer `-1`, expected u32",
    });
    if (runs[1]) {
      // Identical answers, byte for byte apart from the `data.path` this server adds to decode errors.
      const strip = (a: Record<string, unknown>) => {
        const { data: _d, ...rest } = a;
        return "code" in a ? rest : a;
      };
      expect(runs[0]?.answers.map(strip)).toEqual(runs[1].answers.map(strip));
    }
  });
});

describe("account/* on a 0.166 connection", () => {
  const flow: Request0166[] = [
    ["account/read", {}],
    ["account/rateLimits/read", undefined],
    ["account/login/start", { type: "apiKey", apiKey: "sk-test-key" }],
    ["account/read", { refreshToken: true }],
    ["account/rateLimits/read", {}],
    ["account/login/cancel", { loginId: "not-a-uuid" }],
    ["account/login/cancel", { loginId: "00000000-0000-0000-0000-000000000000" }],
    untyped("account/login/start", { type: "apiKey" }),
    ["account/logout", undefined],
    ["account/read", {}],
  ];

  it("reports, logs in with an API key and out, in 0.166's shapes (provider using OpenAI auth)", async () => {
    const codexHome = await SideBySide.home(
      'model_provider = "p"\n[model_providers.p]\nname = "P"\nbase_url = "http://127.0.0.1:9/v1"\nrequires_openai_auth = true\n',
    );
    const runs: { answers: Record<string, unknown>[]; notes: unknown[] }[] = [];
    for (const impl of impls) {
      // Each implementation from a logged-out store.
      await fs.rm(path.join(codexHome, "auth.json"), { force: true });
      const { answers, c } = await session(impl, codexHome, flow);
      runs.push({ answers, notes: notifications(c, ["account/updated", "account/login/completed"]) });
    }
    const ours = runs[0];
    expect(ours?.answers).toEqual([
      { account: null, requiresOpenaiAuth: true, workspaceRouting: null },
      { code: -32600, message: "codex account authentication required to read rate limits" },
      { type: "apiKey" },
      { account: { type: "apiKey" }, requiresOpenaiAuth: true, workspaceRouting: null },
      { code: -32600, message: "chatgpt authentication required to read rate limits" },
      { code: -32600, message: "invalid login id: not-a-uuid" },
      { status: "notFound" },
      expect.objectContaining({ code: -32600, message: "Invalid request: missing field `apiKey`" }),
      {},
      { account: null, requiresOpenaiAuth: true, workspaceRouting: null },
    ]);
    expect(ours?.notes).toEqual([
      {
        method: "account/login/completed",
        params: { loginId: null, success: true, error: null, onboardingEntrypoint: null },
      },
      { method: "account/updated", params: { authMode: "apikey", planType: null } },
      { method: "account/updated", params: { authMode: null, planType: null } },
    ]);
    if (runs[1]) {
      const strip = (a: Record<string, unknown>) => ("code" in a ? { code: a.code, message: a.message } : a);
      expect(ours?.answers.map(strip)).toEqual(runs[1].answers.map(strip));
      expect(ours?.notes).toEqual(runs[1].notes);
    }
  });

  it("reports no account for a provider without OpenAI auth, and refuses login kinds it does not have", async () => {
    const codexHome = await SideBySide.home(
      'model_provider = "mock"\n[model_providers.mock]\nname = "Mock"\nbase_url = "http://127.0.0.1:9/v1"\nrequires_openai_auth = false\n',
    );
    const { answers } = await session("ours", codexHome, [
      ["account/login/start", { type: "apiKey", apiKey: "sk-test-key" }],
      ["account/read", {}],
      ["account/login/start", { type: "chatgptAuthTokens", accessToken: "t", chatgptAccountId: "a" }],
      ["account/login/start", { type: "amazonBedrock", apiKey: "k", region: "us-east-1" }],
    ]);
    expect(answers).toEqual([
      { type: "apiKey" },
      { account: null, requiresOpenaiAuth: false, workspaceRouting: null },
      { code: -32600, message: "account/login/start.chatgptAuthTokens is not supported by this server" },
      { code: -32600, message: "account/login/start.amazonBedrock is not supported by this server" },
    ]);
    // The key was stored all the same (0.166.0 does the same), privately.
    expect((await fs.stat(path.join(codexHome, "auth.json"))).mode & 0o777).toBe(0o600);
  });
});

/** `config/read` answers of both servers, minus the system layer (/etc/codex/config.toml) only 0.166.0 reads. */
describe("config/read on a 0.166 connection", () => {
  const toml = [
    'model = "gpt-5.5"',
    'approval_policy = "never"',
    'notify = ["notify-send", "done"]',
    "[sandbox_workspace_write]",
    "network_access = true",
    "[shell_environment_policy]",
    'inherit = "core"',
    "[profiles.fast]",
    'model = "gpt-6-luna"',
    "[mcp_servers.local]",
    'command = "node"',
    'args = ["server.js"]',
    "[mcp_servers.web]",
    'url = "http://127.0.0.1:9/mcp"',
    "tool_timeout_sec = 2.5",
    "[model_providers.mock]",
    'name = "Mock"',
    'base_url = "http://127.0.0.1:9/v1"',
    "request_max_retries = 0",
  ].join("\n");

  it("prints the effective config in 0.166.0's shape, with origins and, when asked, the layers", async () => {
    const codexHome = await SideBySide.home(toml);
    const requests: Request0166[] = [
      ["config/read", {}],
      ["config/read", { includeLayers: true, cwd: path.dirname(codexHome) }],
    ];
    const args = ["-c", 'model_reasoning_effort="high"'];
    const runs = await Promise.all(impls.map((impl) => session(impl, codexHome, requests, { args })));
    const [plain, layered] = runs[0]?.answers ?? [];
    const config = plain?.config as Record<string, unknown>;
    expect(config).toMatchObject({
      model: "gpt-5.5",
      model_reasoning_effort: "high",
      approval_policy: "never",
      sandbox_mode: null,
      notify: ["notify-send", "done"],
      sandbox_workspace_write: {
        writable_roots: [],
        network_access: true,
        exclude_tmpdir_env_var: false,
        exclude_slash_tmp: false,
      },
      shell_environment_policy: expect.objectContaining({ inherit: "core", set: null }),
      history: { persistence: "save-all", max_bytes: null },
      project_doc_max_bytes: 32768,
      mcp_servers: {
        local: {
          command: "node",
          args: ["server.js"],
          environment_id: "local",
          enabled: true,
          tool_timeout_sec: null,
        },
        web: { url: "http://127.0.0.1:9/mcp", environment_id: "local", enabled: true, tool_timeout_sec: 2.5 },
      },
      profiles: { fast: expect.objectContaining({ model: "gpt-6-luna", model_provider: null }) },
      model_providers: {
        mock: expect.objectContaining({
          name: "Mock",
          wire_api: "responses",
          request_max_retries: 0,
          env_key: null,
        }),
      },
      features: expect.objectContaining({ plugins: false, network_proxy: null }),
    });
    expect(Object.keys(config)).toHaveLength(106);
    expect(plain).not.toHaveProperty("layers");
    const user = { type: "user", file: path.join(codexHome, "config.toml"), profile: null };
    const origins = plain?.origins as Record<string, { name: unknown; version: string }>;
    expect(origins.model?.name).toEqual(user);
    expect(origins.model_reasoning_effort?.name).toEqual({ type: "sessionFlags" });
    expect(origins["notify.1"]?.name).toEqual(user);
    expect(origins["mcp_servers.local.args.0"]?.name).toEqual(user);
    const layers = layered?.layers as { name: { type: string }; version: string; config: unknown }[];
    // 0.166.0's `system` layer (`/etc/codex/config.toml`) is listed even when the file is missing.
    expect(layers.map((l) => l.name.type)).toEqual(["sessionFlags", "user", "system"]);
    expect(layers[2]?.name).toEqual({ type: "system", file: "/etc/codex/config.toml" });
    expect(layers[0]?.config).toEqual({ model_reasoning_effort: "high" });
    expect(layers[1]?.config).toEqual(
      parseToml(await fs.readFile(path.join(codexHome, "config.toml"), "utf8"), "config.toml"),
    );
    expect(origins.model?.version).toBe(layers[1]?.version);
    if (runs[1]) {
      expect(runs[0]?.answers[0]).toEqual(runs[1].answers[0]);
      expect(runs[0]?.answers[1]).toEqual(runs[1].answers[1]);
    }
  });
});

describe("config/value/write and config/batchWrite on a 0.166 connection", () => {
  const edits: Request0166[] = [
    ["config/value/write", { keyPath: "model", value: "gpt-6-sol", mergeStrategy: "replace" }],
    ["config/read", {}],
    [
      "config/value/write",
      { keyPath: "model", value: "x", mergeStrategy: "replace", expectedVersion: "sha256:0" },
    ],
    ["config/value/write", { keyPath: "features.extra", value: true, mergeStrategy: "upsert" }],
    [
      "config/value/write",
      { keyPath: "model_providers.mock", value: { name: "Renamed" }, mergeStrategy: "upsert" },
    ],
    ["config/value/write", { keyPath: "model_reasoning_effort", value: "high", mergeStrategy: "replace" }],
    ["config/value/write", { keyPath: "approval_policy", value: "sometimes", mergeStrategy: "replace" }],
    ["config/value/write", { keyPath: "", value: 1, mergeStrategy: "replace" }],
    ["config/value/write", { keyPath: "a..b", value: 1, mergeStrategy: "replace" }],
    [
      "config/value/write",
      { keyPath: "model", value: "y", mergeStrategy: "replace", filePath: "/elsewhere/config.toml" },
    ],
    ["config/value/write", { keyPath: "model.sub", value: 1, mergeStrategy: "replace" }],
    [
      "config/batchWrite",
      {
        edits: [
          { keyPath: "model", value: "b1", mergeStrategy: "replace" },
          { keyPath: "sandbox_mode", value: "nope", mergeStrategy: "replace" },
        ],
      },
    ],
    [
      "config/batchWrite",
      {
        edits: [
          { keyPath: "model", value: null, mergeStrategy: "replace" },
          { keyPath: "x_extra.theme", value: { name: "dark", sizes: [1, 2] }, mergeStrategy: "replace" },
        ],
        reloadUserConfig: true,
      },
    ],
    ["config/value/write", { keyPath: "model_reasoning_effort", value: "low", mergeStrategy: "replace" }],
  ];
  const initial =
    '# my settings\napproval_policy = "on-request"\nmodel = "gpt-5.5"\n\n[model_providers.mock]\nname = "Mock" # the local one\nbase_url = "http://127.0.0.1:9/v1"\n';

  it("edits config.toml in place, all or nothing, and refuses what 0.166.0 refuses with its codes", async () => {
    const codexHome = await SideBySide.home(initial);
    const file = path.join(codexHome, "config.toml");
    const start = await fs.readFile(file, "utf8");
    const runs: { answers: Record<string, unknown>[]; text: string }[] = [];
    for (const impl of impls) {
      await fs.writeFile(file, start);
      // A version read from config/read is what a client passes back as expectedVersion.
      const { answers, c } = await session(impl, codexHome, edits, {
        args: ["-c", 'model_reasoning_effort="medium"'],
      });
      const version = (answers[0] as { version: string }).version;
      const ok = await settle(c, [
        "config/value/write",
        {
          keyPath: "model_verbosity",
          value: "low",
          mergeStrategy: "replace",
          expectedVersion: (answers[answers.length - 1] as { version: string }).version,
        },
      ]);
      answers.push(ok);
      expect(version).toMatch(/^sha256:[0-9a-f]{64}$/);
      runs.push({ answers, text: await fs.readFile(file, "utf8") });
    }
    const ours = runs[0];
    const a = ours?.answers ?? [];
    const written = {
      status: "ok",
      version: expect.stringMatching(/^sha256:/),
      filePath: file,
      overriddenMetadata: null,
    };
    expect(a[0]).toEqual(written);
    expect(a[1]?.config).toMatchObject({ model: "gpt-6-sol" });
    const refusal = (code: string, message: string | RegExp) => ({
      code: -32600,
      message: typeof message === "string" ? message : expect.stringMatching(message),
      data: { config_write_error_code: code },
    });
    expect(a[2]).toEqual(
      refusal(
        "configVersionConflict",
        "Configuration was modified since last read. Fetch latest version and retry.",
      ),
    );
    expect(a[3]).toEqual(written);
    expect(a[4]).toEqual(written);
    // A value the -c flags override is written, and reported as overridden.
    expect(a[5]).toEqual({
      ...written,
      status: "okOverridden",
      overriddenMetadata: {
        message: "Overridden by session flags",
        overridingLayer: { name: { type: "sessionFlags" }, version: expect.stringMatching(/^sha256:/) },
        effectiveValue: "medium",
      },
    });
    expect(a[6]).toEqual(refusal("configValidationError", /^Invalid configuration: .*approval_policy/));
    expect(a[7]).toEqual(refusal("configValidationError", "keyPath must not be empty"));
    expect(a[8]).toEqual(refusal("configValidationError", "keyPath segments must not be empty"));
    expect(a[9]).toEqual(refusal("configLayerReadonly", "Only writes to the user config are allowed"));
    expect(a[10]).toEqual(refusal("configValidationError", "cannot set value on non-table parent"));
    expect(a[11]).toEqual(refusal("configValidationError", /^Invalid configuration: .*sandbox_mode/));
    expect(a[12]).toEqual(written);
    expect(a[14]).toEqual({ ...written, version: expect.stringMatching(/^sha256:/) });
    const text = ours?.text ?? "";
    expect(text).toContain("# my settings");
    expect(text).toContain("# the local one");
    const saved = parseToml(text, "config.toml") as Record<string, Record<string, unknown>>;
    expect(saved.model).toBeUndefined();
    expect(saved).toMatchObject({
      model_reasoning_effort: "low",
      model_verbosity: "low",
      model_providers: { mock: { name: "Renamed", base_url: "http://127.0.0.1:9/v1" } },
      features: { extra: true, plugins: false },
      x_extra: { theme: { name: "dark", sizes: [1, 2] } },
    });
    expect(saved.approval_policy).toBe("on-request");
    expect(saved.sandbox_mode).toBeUndefined();
    if (runs[1]) {
      // Same outcomes, versions included; validation messages are worded by each server's own config schema.
      const outcome = (x: Record<string, unknown>) =>
        "code" in x ? { code: x.code, data: x.data } : "config" in x ? x : { ...x };
      expect(ours?.answers.map(outcome)).toEqual(runs[1].answers.map(outcome));
      expect(parseToml(ours?.text ?? "", "ours")).toEqual(parseToml(runs[1].text, "real"));
    }
  });
});
