import type { ModelProviderInfo } from "@codex-ts/config-loader";
import { headerSafeName } from "../user-agent.js";
import { chatBody } from "./chat-request.js";
import { chatStreamEvents } from "./chat-stream.js";
import { readErrorBody } from "./error-body.js";
import { rateLimitsFromHeaders } from "./rate-limits.js";
import { responsesBody, responsesStreamEvents } from "./responses.js";
import {
  headersTimeoutMs,
  retryAfter,
  retryBackoffMs,
  SILENT_RETRY_WAIT_MAX_MS,
  sleepUnlessAborted,
  turnRetryDelayMs,
} from "./retry.js";
import { sseEvents } from "./sse.js";
import { ModelError, type ModelEvent, type Prompt } from "./types.js";

/** 0.58.0's report of an HTTP 500 it gave up retrying (its `InternalServerError`). */
const INTERNAL_SERVER_ERROR_MESSAGE =
  "We're currently experiencing high demand, which may cause temporary errors.";

export interface AuthSource {
  current(): Promise<{ mode: string; getToken(): Promise<string>; accountId?: string | null } | null>;
}

export interface ModelClientOptions {
  provider: ModelProviderInfo;
  auth?: AuthSource | undefined;
  env?: NodeJS.ProcessEnv;
  originator: string;
  userAgent: () => string;
  /** `show_raw_agent_reasoning`: Chat responses stream their deltas instead of arriving whole (0.58.0). */
  showRawAgentReasoning?: boolean;
  /** Called before each retry with Codex's "Reconnecting... n/N" text. */
  onRetry?: (message: string) => void;
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/** Streams model responses from one provider over real HTTP, with Codex's retry rules. */
export class ModelClient {
  constructor(private readonly o: ModelClientOptions) {}

  private url(): string {
    const p = this.o.provider;
    const base = (p.baseUrl ?? "https://api.openai.com/v1").replace(/\/+$/, "");
    const path = p.wireApi === "chat" ? "/chat/completions" : "/responses";
    const query = new URLSearchParams(p.queryParams).toString();
    return `${base}${path}${query ? `?${query}` : ""}`;
  }

  private async headers(conversationId: string): Promise<Record<string, string>> {
    const p = this.o.provider;
    const env = this.o.env ?? process.env;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "text/event-stream",
      originator: headerSafeName(this.o.originator),
      "user-agent": this.o.userAgent(),
      // 0.58.0 names the conversation only in Responses requests.
      ...(p.wireApi === "chat" ? {} : { conversation_id: conversationId, session_id: conversationId }),
      ...p.httpHeaders,
    };
    for (const [header, variable] of Object.entries(p.envHttpHeaders)) {
      const value = env[variable];
      if (value !== undefined && value.trim() !== "") headers[header] = value;
    }
    let token = p.experimentalBearerToken;
    if (token === undefined && p.envKey !== undefined) {
      const value = env[p.envKey];
      if (value !== undefined && value.trim() !== "") token = value;
    }
    if (token === undefined) {
      const auth = await this.o.auth?.current();
      if (auth) {
        token = await auth.getToken();
        if (auth.mode === "chatgpt" && auth.accountId) headers["chatgpt-account-id"] = auth.accountId;
      } else if (p.envKey !== undefined) {
        throw ModelError.fatal(
          `Missing environment variable: \`${p.envKey}\`.${p.envKeyInstructions ? ` ${p.envKeyInstructions}` : ""}`,
        );
      }
    }
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    return headers;
  }

  /**
   * Streams one sampling request, with 0.58.0's two layers of retries (see `ModelErrorRetry`). HTTP failures (429,
   * 5xx, no response) are re-sent silently up to `requestMaxRetries` (a long `Retry-After` announced first; then
   * reported as 0.58.0 words it: "exceeded retry limit, last status: …", or its "high demand" message for a 500);
   * any failure that is not fatal — those, other statuses, a stream that drops, stalls or fails before
   * `completed`, a response whose headers never come — is then retried as a whole up to `streamMaxRetries`, each time
   * with a `Reconnecting... n/N` notice (`options.onRetry` replaces the client's notice for this request: a side
   * request such as the sandbox assessment retries silently). `options.turnRetries: false` leaves that outer layer
   * to the caller: a turn runs it itself, since each attempt is a new request of the turn. Every wait is
   * interruptible through `signal`.
   */
  async *stream(
    prompt: Prompt,
    signal: AbortSignal,
    options: { onRetry?: (message: string) => void; turnRetries?: boolean } = {},
  ): AsyncGenerator<ModelEvent> {
    const onRetry = options.onRetry ?? this.o.onRetry;
    const budget = options.turnRetries === false ? 0 : this.streamMaxRetries;
    for (let retries = 0; ; ) {
      try {
        yield* this.withRequestRetries(prompt, signal, onRetry);
        return;
      } catch (err) {
        const e = asModelError(err);
        if (signal.aborted || e.fatal || retries >= budget) throw e;
        retries += 1;
        onRetry?.(`Reconnecting... ${retries}/${budget}`);
        await sleepUnlessAborted(turnRetryDelayMs(e, retries), signal);
        if (signal.aborted) throw signal.reason;
      }
    }
  }

  /** The provider's `stream_max_retries`: how often a failed request of a turn is sent again. */
  get streamMaxRetries(): number {
    return this.o.provider.streamMaxRetries;
  }

  /**
   * One request, re-sent while it fails at the HTTP level within `requestMaxRetries`: silently, as 0.58.0 does,
   * unless the provider asked for a `Retry-After` longer than `SILENT_RETRY_WAIT_MAX_MS` — that wait (capped) is
   * announced first with `Reconnecting... n/N`, n/N counting these re-sends, so no long wait is ever silent.
   */
  private async *withRequestRetries(
    prompt: Prompt,
    signal: AbortSignal,
    onRetry: ((message: string) => void) | undefined,
  ): AsyncGenerator<ModelEvent> {
    const budget = this.o.provider.requestMaxRetries;
    for (let attempt = 1; ; attempt++) {
      try {
        yield* this.attempt(prompt, signal);
        return;
      } catch (err) {
        if (signal.aborted) throw err;
        const e = asModelError(err);
        if (e.retry !== "request") throw e;
        // Used up: the turn retries it with its own backoff (0.58.0 does not repeat the Retry-After there).
        if (attempt > budget) throw new ModelError(e.details.exhaustedMessage ?? e.message, "turn");
        if ((e.details.requestedRetryAfterMs ?? 0) > SILENT_RETRY_WAIT_MAX_MS)
          onRetry?.(`Reconnecting... ${attempt}/${budget}`);
        await sleepUnlessAborted(e.retryAfterMs ?? retryBackoffMs(attempt), signal);
        if (signal.aborted) throw signal.reason;
      }
    }
  }

  private async *attempt(prompt: Prompt, signal: AbortSignal): AsyncGenerator<ModelEvent> {
    const provider = this.o.provider;
    const chat = provider.wireApi === "chat";
    // 0.58.0 refuses an output schema on the Chat wire before sending anything (so, e.g., the sandbox assessment
    // sends no request and reports no risk).
    if (chat && prompt.textFormat)
      throw ModelError.fatal(
        "unsupported operation: output_schema is not supported for Chat Completions API",
      );
    const body = chat ? chatBody(prompt) : responsesBody(prompt);
    const url = this.url();
    const headers = await this.headers(prompt.conversationId);
    // The request's own controller: the turn's interrupt aborts it, and so does the wait for headers running out.
    const request = new AbortController();
    const forward = () => request.abort(signal.reason);
    if (signal.aborted) forward();
    signal.addEventListener("abort", forward, { once: true });
    try {
      const response = await this.send(url, headers, JSON.stringify(body), request, signal);
      if (!response.ok) throw await this.statusError(response, chat);
      if (!chat) yield { type: "rate_limits", snapshot: rateLimitsFromHeaders(response.headers) };
      const idleMs = provider.streamIdleTimeoutMs;
      yield* chat
        ? chatStreamEvents(sseEvents(response, signal, idleMs), { streaming: this.o.showRawAgentReasoning })
        : responsesStreamEvents(response, signal, idleMs);
    } finally {
      signal.removeEventListener("abort", forward);
    }
  }

  /**
   * Sends the request and waits for the response headers, at most the provider's `stream_idle_timeout_ms` (0.58.0
   * has no such bound: a provider that accepts the connection and never answers holds its turn forever).
   */
  private async send(
    url: string,
    headers: Record<string, string>,
    body: string,
    request: AbortController,
    signal: AbortSignal,
  ): Promise<Response> {
    const timeoutMs = headersTimeoutMs(this.o.provider);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      request.abort();
    }, timeoutMs);
    try {
      return await fetch(url, { method: "POST", headers, body, signal: request.signal });
    } catch (err) {
      if (signal.aborted) throw err;
      if (timedOut)
        throw ModelError.turn(
          `Connection failed: no response from ${url} within ${timeoutMs} ms (stream_idle_timeout_ms)`,
        );
      // reqwest's wording, as 0.58.0 reports a request that got no response.
      throw new ModelError(`Connection failed: error sending request for url (${url})`, "request");
    } finally {
      clearTimeout(timer);
    }
  }

  /** The failure an error status stands for, with the start of its body (bounded: see `readErrorBody`). */
  private async statusError(response: Response, chat: boolean): Promise<ModelError> {
    const text = await readErrorBody(response, this.o.provider.streamIdleTimeoutMs);
    const status = `${response.status} ${STATUS_TEXT[response.status] ?? response.statusText}`.trim();
    // A usage limit is final: 0.58.0 neither re-sends the request nor retries the turn.
    if (text.includes("usage_limit_reached")) return ModelError.fatal(`unexpected status ${status}: ${text}`);
    const resent = response.status === 429 || response.status >= 500;
    if (!resent) return new ModelError(`unexpected status ${status}: ${text}`, "turn");
    const wait = retryAfter(response.headers.get("retry-after"), this.o.provider);
    return new ModelError(`unexpected status ${status}: ${text}`, "request", {
      retryAfterMs: wait?.waitMs,
      requestedRetryAfterMs: wait?.requestedMs,
      // A retried status that keeps failing is reported by its status alone (0.58.0); on the Responses wire a 500
      // reads as "high demand" instead.
      exhaustedMessage:
        response.status === 500 && !chat
          ? INTERNAL_SERVER_ERROR_MESSAGE
          : `exceeded retry limit, last status: ${status}`,
    });
  }
}

/** Anything thrown while streaming as a ModelError: an unexpected failure (e.g. fetching a token) is re-sent. */
function asModelError(err: unknown): ModelError {
  return err instanceof ModelError ? err : new ModelError((err as Error).message, "request");
}
