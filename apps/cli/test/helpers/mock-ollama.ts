import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface MockOllamaOptions {
  /** Models the server has (`/api/tags`, `/v1/models`). */
  models?: string[];
  /** Progress lines `/api/pull` streams (200, NDJSON); default: a one-layer download ending in success. */
  pullLines?: unknown[];
  /** The chat answer's text. */
  answer?: string;
}

export interface MockOllama {
  /** The OpenAI-compatible base URL (`…/v1`), as `CODEX_OSS_BASE_URL` takes it. */
  baseUrl: string;
  /** `METHOD /path` of every request, in order, with its body. */
  requests: { line: string; body: string }[];
  close(): Promise<void>;
}

export const DEFAULT_PULL_LINES: unknown[] = [
  { status: "pulling manifest" },
  {
    status: "pulling 8934d96d3f08",
    digest: "sha256:8934d96d3f08",
    total: 2_147_483_648,
    completed: 1_073_741_824,
  },
  {
    status: "pulling 8934d96d3f08",
    digest: "sha256:8934d96d3f08",
    total: 2_147_483_648,
    completed: 2_147_483_648,
  },
  { status: "verifying sha256 digest" },
  { status: "success" },
];

/**
 * A local Ollama on 127.0.0.1 as `codex exec --oss` sees it: the model lists, a streamed `/api/pull` that adds the
 * model, and Chat Completions answering with one streamed message.
 */
export async function startMockOllama(o: MockOllamaOptions = {}): Promise<MockOllama> {
  const models = new Set(o.models ?? []);
  const requests: MockOllama["requests"] = [];
  const json = (res: import("node:http").ServerResponse, value: unknown) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(value));
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (d: string) => {
      body += d;
    });
    req.on("end", () => {
      requests.push({ line: `${req.method} ${req.url}`, body });
      if (req.url === "/v1/models")
        return json(res, { object: "list", data: [...models].map((id) => ({ id })) });
      if (req.url === "/api/tags") return json(res, { models: [...models].map((name) => ({ name })) });
      if (req.url === "/api/pull") {
        const lines = o.pullLines ?? DEFAULT_PULL_LINES;
        if (lines.some((l) => (l as { status?: string }).status === "success"))
          models.add((JSON.parse(body) as { model: string }).model);
        res.writeHead(200, { "content-type": "application/x-ndjson" });
        res.end(lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
        return;
      }
      if (req.url === "/v1/chat/completions") {
        res.writeHead(200, { "content-type": "text/event-stream" });
        const chunk = (delta: object, finish: string | null) =>
          `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
        res.end(
          `${chunk({ content: o.answer ?? "hello from oss" }, null)}${chunk({}, "stop")}data: [DONE]\n\n`,
        );
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A base URL where nothing listens: a port just freed. */
export async function closedBaseUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/v1`;
}
