import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { builtInProviders, type ModelProviderInfo } from "@codex-ts/config-loader";
import {
  type MockIssuer,
  type MockModelServer,
  responses,
  startMockIssuer,
  startMockModelServer,
  tempDir,
} from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuthManager, ModelClient } from "../src/index.js";

let home: string;
let issuer: MockIssuer;
let model: MockModelServer;

beforeEach(async () => {
  home = await tempDir("codex-auth-model-");
  issuer = await startMockIssuer();
  model = await startMockModelServer();
});
afterEach(async () => {
  await model.close();
  await issuer.close();
});

function clientFor(auth: AuthManager): ModelClient {
  return new ModelClient({
    // The built-in `openai` provider (no env_key: the stored login authenticates), pointed at the mock.
    provider: builtInProviders({ OPENAI_BASE_URL: model.baseUrl }, "0.58.0").openai as ModelProviderInfo,
    auth,
    env: {},
    originator: "codex_cli_rs",
    userAgent: () => "codex_cli_rs/0.58.0 (test)",
  });
}

async function sample(client: ModelClient): Promise<void> {
  model.enqueue(responses.turn(responses.message("hi")));
  const prompt = { model: "gpt-5", instructions: "", input: [], tools: [], conversationId: "c-1" };
  for await (const _ of client.stream(prompt, new AbortController().signal)) {
    // drain
  }
}

describe("AuthManager as the model client's auth source", () => {
  it("sends the API key as the Bearer token", async () => {
    const auth = new AuthManager({
      codexHome: home,
      storeMode: "file",
      chatgptBaseUrl: issuer.chatgptBaseUrl,
      originator: "codex_cli_rs",
      userAgent: () => "ua",
    });
    await auth.loginApiKey("sk-model");
    await sample(clientFor(auth));
    expect(model.requests[0]?.headers.authorization).toBe("Bearer sk-model");
    expect(model.requests[0]?.headers["chatgpt-account-id"]).toBeUndefined();
  });

  it("sends a refreshed ChatGPT token and the account id, refreshing a stale token first", async () => {
    const tokens = issuer.issueTokens();
    const stale = new Date(Date.now() - 9 * 24 * 3600 * 1000).toISOString();
    await writeFile(
      join(home, "auth.json"),
      JSON.stringify({
        OPENAI_API_KEY: null,
        tokens: { ...tokens, account_id: "acct-123" },
        last_refresh: stale,
      }),
    );
    const auth = new AuthManager({
      codexHome: home,
      storeMode: "file",
      issuer: issuer.issuer,
      chatgptBaseUrl: issuer.chatgptBaseUrl,
      originator: "codex_cli_rs",
      userAgent: () => "ua",
    });
    await sample(clientFor(auth));
    const fresh = issuer.accessTokens.at(-1);
    expect(fresh).not.toBe(tokens.access_token);
    expect(model.requests[0]?.headers.authorization).toBe(`Bearer ${fresh}`);
    expect(model.requests[0]?.headers["chatgpt-account-id"]).toBe("acct-123");
    expect(JSON.parse(await readFile(join(home, "auth.json"), "utf8")).tokens.access_token).toBe(fresh);
  });
});
