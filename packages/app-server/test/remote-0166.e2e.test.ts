import fs from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BackendRequest,
  type MockChatgptBackend,
  startMockChatgptBackend,
  writeApiKeyAuth,
  writeChatgptAuth,
} from "./helpers/mock-chatgpt-backend.js";
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
 * 0.166's remaining methods through the real CLI, side by side with the real codex 0.166.0 when the binary is here:
 * user verification, the ChatGPT account's extras, the remote plugin catalog, the thread extras — without a login,
 * with an API key, and with a ChatGPT login whose backend is a mock on 127.0.0.1.
 */
if (!SideBySide.available) console.warn(`remote-0166: ${SideBySide.reason}`);
const impls: Impl[] = SideBySide.available ? ["ours", "real"] : ["ours"];

/** An answer as compared: ours adds the refused field's path to a decode error. */
const comparable = (answer: Record<string, unknown>) => {
  const { data, ...rest } = answer;
  return data === undefined || (typeof data === "object" && data !== null && "path" in data) ? rest : answer;
};

const UNKNOWN_THREAD = "019a0000-0000-7000-8000-000000000000";

/** A plugin of the remote catalog as its backend describes it. */
const REMOTE_PLUGIN = {
  id: "linear@openai-curated-remote",
  name: "linear",
  scope: "GLOBAL",
  installation_policy: "AVAILABLE",
  authentication_policy: "ON_USE",
  availability: "ENABLED",
  release: {
    version: "1.2.0",
    display_name: "Linear",
    description: "Issues",
    keywords: ["issues"],
    interface: {
      short_description: "Track issues",
      developer_name: "Linear",
      capabilities: ["Read"],
      logo_url: "https://example.com/logo.png",
      default_prompt: "Show my issues",
      screenshot_urls: ["https://example.com/s.png"],
    },
  },
};
const COMMAND = { type: "command", source: "shell", command: "rm -rf build", cwd: "/tmp" };

/** What a client may ask without a ChatGPT login (and without a loaded thread). */
const requests: Request0166[] = [
  ["userVerification/enroll", {}],
  ["userVerification/delete", {}],
  ["userVerification/verify", { challenge: "AAAA", description: "d", title: "t" }],
  untyped("userVerification/verify", {}),
  ["userVerification/cancel", { requestId: 5 }],
  ["userVerification/cancel", { requestId: "x" }],
  untyped("userVerification/cancel", { requestId: 1.5 }),
  ["account/usage/read", undefined],
  ["account/usage/read", { threadId: "t" }],
  ["account/usage/read", { threadId: UNKNOWN_THREAD }],
  ["account/rateLimitResetCredit/consume", { idempotencyKey: "k" }],
  untyped("account/rateLimitResetCredit/consume", {}),
  ["account/workspaceMessages/read", undefined],
  ["account/sendAddCreditsNudgeEmail", { creditType: "credits" }],
  untyped("account/sendAddCreditsNudgeEmail", { creditType: "bogus" }),
  ["account/gatewayOAuth/read", undefined],
  ["account/gatewayOAuth/cancel", undefined],
  ["accountSession/switch", { sessionId: "s", accountId: "a" }],
  ["plugin/search", { searchTerm: "x" }],
  ["plugin/search", { searchTerm: "x", scope: "global", limit: 0, cursor: "c" }],
  ["plugin/search", { searchTerm: "x", cwds: ["relative"] }],
  untyped("plugin/search", {}),
  ["plugin/share/save", { pluginPath: "/tmp" }],
  ["plugin/share/save", { pluginPath: "relative" }],
  ["plugin/share/updateTargets", { remotePluginId: "r", discoverability: "PRIVATE", shareTargets: [] }],
  ["plugin/share/list", {}],
  ["plugin/share/checkout", { remotePluginId: "r" }],
  ["plugin/share/delete", { remotePluginId: "r.x" }],
  ["thread/increment_elicitation", { threadId: "nope" }],
  ["thread/increment_elicitation", { threadId: UNKNOWN_THREAD }],
  ["thread/decrement_elicitation", { threadId: UNKNOWN_THREAD }],
  ["thread/prediction/request", { threadId: UNKNOWN_THREAD, sourceTurnId: "t" }],
  ["thread/sample/cancel", { requestId: 3 }],
  ["thread/approveGuardianDeniedAction", { threadId: "nope", event: {} }],
  ["thread/approveGuardianDeniedAction", { threadId: "nope", event: 5 }],
  ["thread/approveGuardianDeniedAction", { threadId: "nope", event: "bad" }],
  [
    "thread/approveGuardianDeniedAction",
    { threadId: "nope", event: { id: "g", status: "bogus", action: COMMAND } },
  ],
  [
    "thread/approveGuardianDeniedAction",
    { threadId: "nope", event: { id: "g", status: "denied", action: { type: "x" } } },
  ],
  [
    "thread/approveGuardianDeniedAction",
    { threadId: "nope", event: { id: "g", status: "denied", action: { type: "command" } } },
  ],
  [
    "thread/approveGuardianDeniedAction",
    { threadId: "nope", event: { id: 5, status: "denied", action: COMMAND } },
  ],
  [
    "thread/approveGuardianDeniedAction",
    { threadId: "nope", event: { id: "g", status: "denied", action: COMMAND } },
  ],
  [
    "thread/approveGuardianDeniedAction",
    { threadId: UNKNOWN_THREAD, event: { id: "g", status: "denied", action: COMMAND } },
  ],
  ["mock/experimentalMethod", { value: "hi" }],
  ["mock/experimentalMethod", {}],
];

/** The experimental ones, refused without the capability (after their params are read). */
const experimental: Request0166[] = [
  ["userVerification/enroll", {}],
  ["userVerification/cancel", { requestId: 5 }],
  ["accountSession/switch", { sessionId: "s", accountId: "a" }],
  ["plugin/search", { searchTerm: "" }],
  ["plugin/search", { searchTerm: "x", cwds: ["relative"] }],
  ["thread/increment_elicitation", { threadId: "x" }],
  ["thread/decrement_elicitation", { threadId: "x" }],
  ["thread/prediction/request", { threadId: "x", sourceTurnId: "t" }],
  ["thread/sample/cancel", { requestId: 3 }],
  ["mock/experimentalMethod", {}],
  // Not experimental: its event is read.
  ["thread/approveGuardianDeniedAction", { threadId: "x", event: {} }],
];

async function run(c: Client0166, list: Request0166[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const request of list) out.push(comparable(await settle(c, request)));
  return out;
}

describe("the remaining 0.166 methods", () => {
  it("answers without a ChatGPT login as 0.166.0 does: no login, an API key, with and without the experimental API", async () => {
    const runs: Record<string, unknown> = {};
    for (const impl of impls) {
      for (const login of ["none", "apiKey"] as const) {
        const codexHome = await SideBySide.home();
        if (login === "apiKey") await writeApiKeyAuth(codexHome);
        const c = await SideBySide.start(impl, codexHome, { home: true });
        await initialize0166(c);
        runs[`${impl} ${login}`] = await run(c, requests);
        expect(await c.close()).toMatchObject({ code: 0 });
      }
      const plain = await SideBySide.start(impl, await SideBySide.home(), { home: true });
      await initialize0166(plain, {});
      runs[`${impl} plain`] = await run(plain, experimental);
      expect(await plain.close()).toMatchObject({ code: 0 });
    }
    const ours = runs["ours none"] as Record<string, unknown>[];
    // With an API key the same answers, except that the missing login is a ChatGPT one.
    expect(JSON.stringify(runs["ours apiKey"])).toEqual(
      JSON.stringify(ours).replaceAll("codex account authentication", "chatgpt authentication"),
    );
    const at = (method: string, params: unknown) =>
      ours[
        requests.findIndex(
          (r) => Array.isArray(r) && r[0] === method && JSON.stringify(r[1]) === JSON.stringify(params),
        )
      ];
    expect(at("userVerification/enroll", {})).toEqual({
      code: -32603,
      message: "User verification is not available in this build or account.",
      data: { type: "unavailable", reason: "providerUnavailable" },
    });
    expect(at("account/usage/read", undefined)).toEqual({
      code: -32600,
      message: "codex account authentication required to read token usage",
    });
    expect(at("account/gatewayOAuth/read", undefined)).toEqual({
      providerId: "openai",
      providerName: "OpenAI",
      required: false,
      status: null,
      error: null,
    });
    expect(at("plugin/share/list", {})).toEqual({ code: -32600, message: "plugin sharing is not enabled" });
    expect(at("thread/prediction/request", { threadId: UNKNOWN_THREAD, sourceTurnId: "t" })).toEqual({
      code: -32601,
      message: "thread/prediction/request is not implemented yet",
    });
    expect(at("mock/experimentalMethod", { value: "hi" })).toEqual({ echoed: "hi" });
    expect((runs["ours plain"] as unknown[]).slice(0, 3)).toEqual([
      { code: -32600, message: "userVerification/enroll requires experimentalApi capability" },
      { code: -32600, message: "userVerification/cancel requires experimentalApi capability" },
      { code: -32600, message: "accountSession/switch requires experimentalApi capability" },
    ]);
    if (SideBySide.available) {
      expect(runs["ours none"]).toEqual(runs["real none"]);
      expect(runs["ours apiKey"]).toEqual(runs["real apiKey"]);
      expect(runs["ours plain"]).toEqual(runs["real plain"]);
    }
  });

  it("counts a loaded thread's out-of-band elicitations and records an approved Guardian denial in its history", async () => {
    const runs: unknown[] = [];
    const approvals: string[][] = [];
    for (const impl of impls) {
      const codexHome = await SideBySide.home();
      const c = await SideBySide.start(impl, codexHome, { home: true });
      await initialize0166(c);
      const started = await settle(c, ["thread/start", {}]);
      const thread = started.thread as { id: string; path: string };
      const threadId = thread.id;
      const steps: Request0166[] = [
        ["thread/increment_elicitation", { threadId }],
        ["thread/increment_elicitation", { threadId }],
        ["thread/decrement_elicitation", { threadId }],
        ["thread/decrement_elicitation", { threadId }],
        ["thread/decrement_elicitation", { threadId }],
        ["thread/increment_elicitation", { threadId: `urn:uuid:${threadId}` }],
        [
          "thread/approveGuardianDeniedAction",
          { threadId, event: { id: "g1", status: "approved", action: COMMAND } },
        ],
        [
          "thread/approveGuardianDeniedAction",
          {
            threadId,
            event: { id: "g2", turn_id: "t", status: "denied", risk_level: "high", action: COMMAND },
          },
        ],
        ["thread/prediction/request", { threadId, sourceTurnId: "t" }],
        ["account/usage/read", { threadId }],
      ];
      runs.push(await run(c, steps));
      // 0.166.0 writes its rollout in the background: wait for the approval to land (ours has, when it answers).
      const rollout = await readWhen(thread.path, (text) => text.includes("manually approved"));
      approvals.push(
        rollout
          .split("\n")
          .filter((line) => line.includes('"role":"developer"') && line.includes("manually approved"))
          .map((line) => JSON.parse(line).payload.content[0].text as string),
      );
      expect(await c.close()).toMatchObject({ code: 0 });
    }
    expect(runs[0]).toEqual([
      { count: 1, paused: true },
      { count: 2, paused: true },
      { count: 1, paused: true },
      { count: 0, paused: false },
      { code: -32600, message: "out-of-band elicitation count is already zero" },
      { count: 1, paused: true },
      {},
      {},
      { code: -32601, message: "thread/prediction/request is not implemented yet" },
      { code: -32600, message: "codex account authentication required to read token usage" },
    ]);
    // The one denied action is approved, in 0.166.0's words.
    expect(approvals[0]).toEqual([
      [
        "The user has manually approved a specific action that was previously `Rejected`.",
        "",
        "Treat this as approval to perform that exact action in the same context in which it was originally requested.",
        "Do not assume this also authorizes similar operations with different payloads.",
        "",
        "Approved action:",
        JSON.stringify({ action: COMMAND, outcome: "allowed" }, null, 2),
      ].join("\n"),
    ]);
    if (runs[1]) expect([runs[0], approvals[0]]).toEqual([runs[1], approvals[1]]);
  });

  describe("with a ChatGPT login", () => {
    let backend: MockChatgptBackend;
    beforeAll(async () => {
      backend = await startMockChatgptBackend();
    });
    afterAll(() => backend.close());

    /** The backend's requests of one run, as compared: the servers' own start-up requests (plugin lists) left out. */
    const calls = (from: number): Omit<BackendRequest, "authorization" | "accountId">[] =>
      backend.requests
        .slice(from)
        .filter(
          (r) =>
            !/^(ps\/plugins\/(list|installed|suggested)|plugins\/featured|wham\/accounts\/check)/.test(
              r.path,
            ),
        )
        .map(({ method, path, body }) => ({ method, path, body }));

    const chatgptRequests: Request0166[] = [
      ["account/usage/read", undefined],
      ["account/usage/read", { threadId: UNKNOWN_THREAD.toUpperCase() }],
      ["account/usage/read", { threadId: "019a0000-0000-7000-8000-0000000000ff" }],
      ["account/rateLimitResetCredit/consume", { idempotencyKey: "k", creditId: "c1" }],
      ["account/rateLimitResetCredit/consume", { idempotencyKey: "k2" }],
      ["account/workspaceMessages/read", undefined],
      ["account/sendAddCreditsNudgeEmail", { creditType: "usage_limit" }],
      ["accountSession/switch", { sessionId: "s", accountId: "a" }],
      ["accountSession/list", {}],
      ["accountSession/switch", { sessionId: "user-1", accountId: "acct-1" }],
      ["accountSession/switch", { sessionId: "user-1", accountId: "acct-2" }],
      ["plugin/search", { searchTerm: "  linear  ", scope: "personal", limit: 0, cursor: "c1" }],
      ["plugin/search", { searchTerm: "   " }],
      [
        "plugin/share/updateTargets",
        {
          remotePluginId: "p1",
          discoverability: "UNLISTED",
          shareTargets: [{ principalType: "user", principalId: "u2", role: "reader" }],
        },
      ],
      [
        "plugin/share/updateTargets",
        {
          remotePluginId: "p1",
          discoverability: "LISTED",
          shareTargets: [{ principalType: "workspace", principalId: "acct-1", role: "reader" }],
        },
      ],
      ["plugin/share/delete", { remotePluginId: "p1" }],
      ["plugin/share/delete", { remotePluginId: "p2" }],
      ["plugin/share/list", {}],
      ["plugin/share/checkout", { remotePluginId: "missing" }],
      ["plugin/share/save", { pluginPath: "/nonexistent-plugin-dir" }],
    ];

    it("calls its backend as 0.166.0 does and answers with what it says", async () => {
      backend.routes = {
        "GET wham/profiles/me": [
          200,
          {
            stats: {
              lifetime_tokens: 5,
              peak_daily_tokens: 7,
              longest_running_turn_sec: 3,
              current_streak_days: 1,
              longest_streak_days: 2,
              daily_usage_buckets: [{ start_date: "2026-01-01", tokens: 4 }],
            },
          },
        ],
        "POST wham/rate-limit-reset-credits/consume": [200, { code: "nothing_to_reset" }],
        "POST wham/usage/thread_usage/query": [
          200,
          {
            threads: [
              {
                thread_id: UNKNOWN_THREAD,
                estimated_usage_credits_micros: 5,
                native_usage_usd_micros: 9,
                groups: [
                  { model: "gpt-5.5", input_tokens: 1, output_tokens: 3, estimated_usage_credits_micros: 5 },
                ],
              },
            ],
          },
        ],
        "GET wham/workspace-messages": [
          200,
          {
            messages: [
              {
                message_id: "m1",
                message_body: "hello",
                message_type: "headline",
                created_at: "2026-01-01T00:00:00Z",
              },
              { message_id: "m2", message_body: "later", message_type: "other" },
            ],
          },
        ],
        "POST wham/accounts/send_add_credits_nudge_email": [429, { detail: "cooling down" }],
        "GET ps/plugins/search": [200, { plugins: [REMOTE_PLUGIN], pagination: { next_page_token: "next" } }],
        "PUT ps/plugins/p1/shares": [
          200,
          {
            discoverability: "UNLISTED",
            principals: [{ principal_type: "user", principal_id: "u1", role: "owner", name: "Owner" }],
          },
        ],
        "DELETE public/plugins/workspace/p1": [204],
        "DELETE public/plugins/workspace/p2": [200, {}],
        "GET ps/plugins/workspace/created": [200, { plugins: [], pagination: { next_page_token: null } }],
      };
      const runs: unknown[] = [];
      for (const impl of impls) {
        const codexHome = await SideBySide.home(`chatgpt_base_url = "${backend.baseUrl}"`);
        // Sharing needs the `plugins` feature, which the offline config turns off.
        const config = `${codexHome}/config.toml`;
        await fs.writeFile(
          config,
          (await fs.readFile(config, "utf8")).replace("plugins = false", "plugins = true"),
        );
        await writeChatgptAuth(codexHome);
        const c = await SideBySide.start(impl, codexHome, { home: true });
        await initialize0166(c);
        const from = backend.requests.length;
        const answers = await run(c, chatgptRequests);
        runs.push({ answers: answers.map(redactPort), calls: calls(from) });
        expect(await c.close()).toMatchObject({ code: 0 });
      }
      const ours = runs[0] as { answers: unknown[]; calls: unknown[] };
      expect(ours.answers.slice(1, 3)).toEqual([
        {
          summary: {
            lifetimeTokens: null,
            peakDailyTokens: null,
            longestRunningTurnSec: null,
            currentStreakDays: null,
            longestStreakDays: null,
          },
          dailyUsageBuckets: null,
          threadUsage: {
            threadId: UNKNOWN_THREAD,
            estimatedUsageCreditsMicros: 5,
            estimatedUsageUsdMicros: null,
            nativeUsageUsdMicros: 9,
            groups: [
              {
                model: "gpt-5.5",
                reasoningEffort: null,
                speed: null,
                estimatedUsageCreditsMicros: 5,
                netNewInputTokens: null,
                cachedInputTokens: null,
                inputTokens: 1,
                outputTokens: 3,
                totalTokens: null,
              },
            ],
          },
        },
        { code: -32603, message: "failed to fetch thread usage: thread usage returned unexpected threads" },
      ]);
      expect([ours.answers[0], ...ours.answers.slice(3, 7)]).toEqual([
        {
          summary: {
            lifetimeTokens: 5,
            peakDailyTokens: 7,
            longestRunningTurnSec: 3,
            currentStreakDays: 1,
            longestStreakDays: 2,
          },
          dailyUsageBuckets: [{ startDate: "2026-01-01", tokens: 4 }],
          threadUsage: null,
        },
        { outcome: "nothingToReset" },
        { outcome: "nothingToReset" },
        {
          featureEnabled: true,
          messages: [
            {
              messageId: "m1",
              messageType: "headline",
              messageBody: "hello",
              createdAt: 1767225600,
              archivedAt: null,
            },
            {
              messageId: "m2",
              messageType: "unknown",
              messageBody: "later",
              createdAt: null,
              archivedAt: null,
            },
          ],
        },
        { status: "cooldown_active" },
      ]);
      const session = {
        sessionId: "user-1",
        email: "user@example.com",
        userId: "user-1",
        displayName: null,
        imageUrl: null,
        lastUsedAt: "TIME",
        isActive: true,
        selectedWorkspaceAccountId: "acct-1",
        workspaces: [{ accountId: "acct-1", name: null, imageUrl: null, kind: null }],
      };
      expect(ours.answers.slice(8, 11)).toEqual([
        { activeSessionId: "user-1", sessions: [session] },
        { activeSessionId: "user-1", sessions: [session] },
        { code: -32603, message: "Failed to fetch workspace metadata" },
      ]);
      expect(ours.calls).toContainEqual({
        method: "POST",
        path: "wham/rate-limit-reset-credits/consume",
        body: { redeem_request_id: "k", credit_id: "c1" },
      });
      if (runs[1]) expect(runs[0]).toEqual(runs[1]);
    });

    it("reports the backend's failures in 0.166.0's words", async () => {
      backend.routes = {
        "GET wham/workspace-messages": [404, { detail: "Not Found" }],
        "POST wham/accounts/send_add_credits_nudge_email": [500, { detail: "boom" }],
        "GET wham/profiles/me": [200, { profile: {} }],
        "GET ps/plugins/search": [503, { e: 1 }],
        "GET ps/plugins/workspace/created": [401, { e: 1 }],
      };
      const failing: Request0166[] = [
        ["account/usage/read", { threadId: UNKNOWN_THREAD }],
        ["account/workspaceMessages/read", undefined],
        ["account/sendAddCreditsNudgeEmail", { creditType: "credits" }],
        ["account/rateLimitResetCredit/consume", { idempotencyKey: "k" }],
        ["plugin/search", { searchTerm: "x" }],
        ["plugin/share/list", {}],
        [
          "plugin/share/updateTargets",
          { remotePluginId: "p9", discoverability: "PRIVATE", shareTargets: [] },
        ],
      ];
      const runs: unknown[] = [];
      for (const impl of impls) {
        const codexHome = await SideBySide.home(`chatgpt_base_url = "${backend.baseUrl}"`);
        const config = `${codexHome}/config.toml`;
        await fs.writeFile(
          config,
          (await fs.readFile(config, "utf8")).replace("plugins = false", "plugins = true"),
        );
        await writeChatgptAuth(codexHome);
        const c = await SideBySide.start(impl, codexHome, { home: true });
        await initialize0166(c);
        runs.push((await run(c, failing)).map(redactPort));
        expect(await c.close()).toMatchObject({ code: 0 });
      }
      expect((runs[0] as unknown[]).slice(1, 3)).toEqual([
        { featureEnabled: false, messages: [] },
        {
          code: -32603,
          message:
            'failed to notify workspace owner: POST http://127.0.0.1:PORT/backend-api/wham/accounts/send_add_credits_nudge_email failed: 500 Internal Server Error; content-type=application/json; body={"detail":"boom"}',
        },
      ]);
      if (runs[1]) expect(runs[0]).toEqual(runs[1]);
    });
  });
});

/**
 * An answer with what differs between runs replaced: the mock backend's port, and when a login was loaded
 * (`lastUsedAt`).
 */
function redactPort(answer: unknown): unknown {
  return JSON.parse(
    JSON.stringify(answer)
      .replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:PORT")
      .replace(/"lastUsedAt":\d+/g, '"lastUsedAt":"TIME"'),
  );
}

/** `file`'s text once `ready` holds for it (polled; the harness's test timeout bounds the wait). */
async function readWhen(file: string, ready: (text: string) => boolean): Promise<string> {
  for (;;) {
    const text = await fs.readFile(file, "utf8").catch(() => "");
    if (ready(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
