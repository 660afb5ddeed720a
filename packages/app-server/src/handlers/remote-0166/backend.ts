import { internalError, invalidRequest, type RpcError } from "@codex-ts/app-server-protocol";
import type { AuthManager, BackendAnswer } from "@codex-ts/core";

type Method = "GET" | "POST" | "PUT" | "DELETE";

/**
 * `404 Not Found`: a status as 0.166.0's errors show it (its HTTP client's status line). `node:http` is loaded here,
 * on a failure, not when the server starts (its start-up loads no HTTP module).
 */
async function statusLine(status: number): Promise<string> {
  const { STATUS_CODES } = await import("node:http");
  const reason = STATUS_CODES[status];
  return reason ? `${status} ${reason}` : String(status);
}

/** What an error shows of an answer after its own words: `; content-type=…; body=…`, as 0.166.0's. */
function answerTail(a: BackendAnswer): string {
  return `; content-type=${a.contentType ?? ""}; body=${a.text}`;
}

/** Parses an answer's JSON body; `undefined` when it is not JSON. */
function json(a: BackendAnswer): unknown {
  try {
    return JSON.parse(a.text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The account backend (`<chatgpt_base_url>wham/…`) as 0.166.0's account methods call it: a ChatGPT login is required
 * (-32600 `codex account authentication required <what>` without a login, `chatgpt authentication required <what>`
 * with an API key); a failed call is -32603
 * `failed to <purpose>: <METHOD> <url> failed: <status>; content-type=…; body=…`, an answer it cannot read
 * `failed to <purpose>: Decode error for <url>: …`.
 */
export class AccountBackend {
  constructor(private readonly auth: AuthManager) {}

  async call(
    o: {
      method: Method;
      path: string;
      body?: unknown;
      required: string;
      purpose: string;
      /** Statuses other than 2xx that are answers, read as `read(null, answer)` (a nudge's 429 cooldown). */
      alsoOk?: readonly number[];
    },
    /** Reads the answer's JSON; returns undefined (or throws) when it does not have the expected shape. */
    read: (body: unknown, answer: BackendAnswer) => unknown,
  ): Promise<unknown> {
    // No login at all is worded as a missing account, another login (an API key) as a missing ChatGPT one.
    const mode = (await this.auth.current())?.mode;
    if (mode !== "chatgpt")
      throw invalidRequest(`${mode ? "chatgpt" : "codex account"} authentication required ${o.required}`);
    let answer: BackendAnswer | null;
    try {
      answer = await this.auth.chatgptBackendRequest(o.method, o.path, o.body);
    } catch (err) {
      throw internalError(`failed to ${o.purpose}: ${(err as Error).message}`);
    }
    if (!answer) throw invalidRequest(`chatgpt authentication required ${o.required}`);
    if (o.alsoOk?.includes(answer.status)) return read(null, answer);
    if (answer.status < 200 || answer.status >= 300) {
      const line = await statusLine(answer.status);
      throw internalError(
        `failed to ${o.purpose}: ${answer.method} ${answer.url} failed: ${line}${answerTail(answer)}`,
      );
    }
    return readAnswer(answer, (a) => `failed to ${o.purpose}: ${a}`, read);
  }

  /** Whether there is a ChatGPT login (the backend can be called). */
  async hasChatgptLogin(): Promise<boolean> {
    return (await this.auth.current())?.mode === "chatgpt";
  }
}

/**
 * The remote plugin catalog (`<chatgpt_base_url>ps/plugins/…`, `public/plugins/…`) as 0.166.0's plugin methods call
 * it, every failure worded `<operation>: …`: without a ChatGPT login -32600 `chatgpt authentication required for
 * remote plugin catalog`; an answer of another status than expected `remote plugin catalog request to <url> failed
 * with status <status>: <body>` (-32600 for a 404, else -32603); an unreadable one -32603 `failed to parse remote
 * plugin catalog response from <url>: …`.
 */
export class PluginCatalogBackend {
  constructor(private readonly auth: AuthManager) {}

  async call(
    o: {
      method: Method;
      path: string;
      body?: unknown;
      operation: string;
      /** The statuses that mean success (default any 2xx). */
      ok?: (status: number) => boolean;
      /** The URL the errors show, when not the one requested (0.166.0 leaves a search's query out). */
      shownPath?: string;
    },
    read: (body: unknown, answer: BackendAnswer) => unknown,
  ): Promise<unknown> {
    let answer: BackendAnswer | null;
    try {
      answer = await this.auth.chatgptBackendRequest(o.method, o.path, o.body);
    } catch (err) {
      throw internalError(`${o.operation}: remote plugin catalog request failed: ${(err as Error).message}`);
    }
    if (!answer)
      throw invalidRequest(`${o.operation}: chatgpt authentication required for remote plugin catalog`);
    const shown = o.shownPath
      ? answer.url.slice(0, answer.url.length - o.path.length) + o.shownPath
      : answer.url;
    const ok = o.ok ?? ((status: number) => status >= 200 && status < 300);
    if (!ok(answer.status)) {
      const line = await statusLine(answer.status);
      const message = `${o.operation}: remote plugin catalog request to ${shown} failed with status ${line}: ${answer.text}`;
      throw answer.status === 404 ? invalidRequest(message) : internalError(message);
    }
    return readAnswer(
      answer,
      (detail) => `${o.operation}: ${detail}`,
      read,
      (_a, why) =>
        internalError(`${o.operation}: failed to parse remote plugin catalog response from ${shown}: ${why}`),
    );
  }

  /** Whether there is a ChatGPT login (the catalog can be called). */
  async hasChatgptLogin(): Promise<boolean> {
    return (await this.auth.current())?.mode === "chatgpt";
  }

  /** The ChatGPT login's workspace (account id), if any. */
  async accountId(): Promise<string | null> {
    const auth = await this.auth.current();
    return auth?.mode === "chatgpt" ? (auth.accountId ?? null) : null;
  }
}

/** A successful answer read by `read`; an unreadable one is `unreadable`'s error. */
function readAnswer(
  answer: BackendAnswer,
  word: (detail: string) => string,
  read: (body: unknown, answer: BackendAnswer) => unknown,
  unreadable: (a: BackendAnswer, why: string) => RpcError = (a, why) =>
    internalError(word(`Decode error for ${a.url}: ${why}${answerTail(a)}`)),
): unknown {
  // An answer without a body (204) is read as `null`.
  const body = answer.text === "" ? null : json(answer);
  let result: unknown;
  try {
    result = body === undefined ? undefined : read(body, answer);
  } catch (err) {
    throw unreadable(answer, (err as Error).message);
  }
  if (result === undefined)
    throw unreadable(answer, body === undefined ? "expected JSON" : "unexpected shape");
  return result;
}
