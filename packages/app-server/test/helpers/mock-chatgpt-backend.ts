import fs from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { makeJwt } from "@codex-ts/test-support";

/** One request the mock backend received. */
export interface BackendRequest {
  method: string;
  /** The path under the backend's base (`wham/usage?x=1`), query included. */
  path: string;
  body: unknown;
  authorization: string | undefined;
  accountId: string | undefined;
}

/** An answer: a status and a JSON body (none for 204). */
export type BackendReply = [status: number, body?: unknown];

export interface MockChatgptBackend {
  /** `http://127.0.0.1:<port>/backend-api/`: a config's `chatgpt_base_url`. */
  readonly baseUrl: string;
  readonly requests: BackendRequest[];
  /** Answers by `"<METHOD> <path without query>"`; anything else is a 404 `{"detail":"Not Found"}`. */
  routes: Record<string, BackendReply>;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? null : (JSON.parse(text) as unknown);
}

/**
 * A ChatGPT backend on 127.0.0.1 (`/backend-api/…`): every request recorded, answered from `routes`. The servers
 * under test call it with a ChatGPT login (`writeChatgptAuth`) and `chatgpt_base_url` pointed here.
 */
export async function startMockChatgptBackend(): Promise<MockChatgptBackend> {
  const requests: BackendRequest[] = [];
  const backend = { routes: {} as Record<string, BackendReply> };
  const server = createServer((req, res) => {
    void readJson(req).then((body) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const under = url.pathname.replace(/^\/backend-api\//, "");
      requests.push({
        method: req.method ?? "",
        path: `${under}${url.search}`,
        body,
        authorization: req.headers.authorization,
        accountId: req.headers["chatgpt-account-id"] as string | undefined,
      });
      const [status, reply] = backend.routes[`${req.method} ${under}`] ?? [404, { detail: "Not Found" }];
      res.writeHead(status, { "content-type": "application/json" });
      res.end(status === 204 ? undefined : JSON.stringify(reply ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(backend, {
    baseUrl: `http://127.0.0.1:${port}/backend-api/`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** Claims of the ChatGPT login `writeChatgptAuth` stores. */
export const CHATGPT_LOGIN = { email: "user@example.com", accountId: "acct-1", userId: "user-1" } as const;

/** Stores a fresh ChatGPT login (unsigned tokens, as the servers read them) in `codexHome`'s auth.json. */
export async function writeChatgptAuth(codexHome: string): Promise<void> {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const auth = {
    "https://api.openai.com/auth": {
      chatgpt_plan_type: "pro",
      chatgpt_account_id: CHATGPT_LOGIN.accountId,
      chatgpt_user_id: CHATGPT_LOGIN.userId,
    },
  };
  const record = {
    OPENAI_API_KEY: null,
    tokens: {
      id_token: makeJwt({ email: CHATGPT_LOGIN.email, exp, ...auth }),
      access_token: makeJwt({ exp, ...auth }),
      refresh_token: "refresh-1",
      account_id: CHATGPT_LOGIN.accountId,
    },
    last_refresh: new Date().toISOString(),
  };
  await fs.writeFile(path.join(codexHome, "auth.json"), JSON.stringify(record), { mode: 0o600 });
}

/** Stores an API-key login in `codexHome`'s auth.json. */
export async function writeApiKeyAuth(codexHome: string): Promise<void> {
  await fs.writeFile(path.join(codexHome, "auth.json"), JSON.stringify({ OPENAI_API_KEY: "sk-test" }), {
    mode: 0o600,
  });
}
