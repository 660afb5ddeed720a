import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeRequest, protocol058 } from "../src/index.js";

/**
 * The decode's words against the real 0.58.0's: every method's valid params, then the same with each field (at every
 * depth) removed or replaced by a value of every other JSON kind, plus params of the wrong shape, a positional
 * sequence and unknown methods. All are sent before `initialize` (0.58.0 decodes first and then answers
 * `Not initialized`), so nothing runs.
 */

const REFERENCE = [process.env.CODEX_REFERENCE_BIN, "/tmp/codex058/node_modules/.bin/codex"].find(
  (p): p is string => !!p && existsSync(p),
);

const U = "01a22bc6-a033-7712-9ff2-e1355f32171c";
const ITEM = { type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] };
const WS = {
  writable_roots: ["/tmp"],
  network_access: false,
  exclude_tmpdir_env_var: false,
  exclude_slash_tmp: false,
};
const SETTINGS = {
  model: "m",
  modelProvider: "p",
  cwd: "/",
  config: { a: 1 },
  baseInstructions: "b",
  developerInstructions: "d",
};
const V1 = {
  ...SETTINGS,
  profile: "x",
  approvalPolicy: "never",
  sandbox: "read-only",
  compactPrompt: "c",
  includeApplyPatchTool: true,
};
const V2 = { ...SETTINGS, approvalPolicy: "never", sandbox: "readOnly" };

/** One valid params object per 0.58.0 method (undefined: the method takes none). */
const EXAMPLES: Record<string, unknown> = {
  initialize: { clientInfo: { name: "n", title: "t", version: "1" } },
  "thread/start": V2,
  "thread/resume": { threadId: U, history: [ITEM], path: "/x", ...V2 },
  "thread/archive": { threadId: U },
  "thread/list": { cursor: "c", limit: 5, modelProviders: ["a"] },
  "thread/compact": { threadId: U },
  "turn/start": {
    threadId: U,
    input: [
      { type: "text", text: "hi" },
      { type: "image", url: "u" },
      { type: "localImage", path: "/p" },
    ],
    cwd: "/",
    approvalPolicy: "never",
    sandboxPolicy: { mode: "workspaceWrite", ...WS },
    model: "m",
    effort: "low",
    summary: "auto",
  },
  "turn/interrupt": { threadId: U, turnId: "0" },
  "model/list": { cursor: "1", limit: 2 },
  "account/login/start": { type: "apiKey", apiKey: "k" },
  "account/login/cancel": { loginId: U },
  "account/logout": undefined,
  "account/rateLimits/read": undefined,
  "feedback/upload": { classification: "bug", reason: "r", conversationId: U, includeLogs: true },
  "account/read": { refreshToken: true },
  newConversation: V1,
  getConversationSummary: { conversationId: U },
  listConversations: { pageSize: 3, cursor: "c", modelProviders: ["a"] },
  resumeConversation: { path: "/x", conversationId: U, history: [ITEM], overrides: V1 },
  archiveConversation: { conversationId: U, rolloutPath: "/x" },
  sendUserMessage: {
    conversationId: U,
    items: [
      { type: "text", data: { text: "hi" } },
      { type: "image", data: { image_url: "u" } },
      { type: "localImage", data: { path: "/p" } },
    ],
  },
  sendUserTurn: {
    conversationId: U,
    items: [{ type: "text", data: { text: "hi" } }],
    cwd: "/",
    approvalPolicy: "never",
    sandboxPolicy: { mode: "workspace-write", ...WS },
    model: "m",
    effort: "low",
    summary: "auto",
  },
  interruptConversation: { conversationId: U },
  addConversationListener: { conversationId: U, experimentalRawEvents: false },
  removeConversationListener: { subscriptionId: U },
  gitDiffToRemote: { cwd: "/" },
  loginApiKey: { apiKey: "k" },
  loginChatGpt: undefined,
  cancelLoginChatGpt: { loginId: U },
  logoutChatGpt: undefined,
  getAuthStatus: { includeToken: true, refreshToken: false },
  getUserSavedConfig: undefined,
  setDefaultModel: { model: "m", reasoningEffort: "low" },
  getUserAgent: undefined,
  userInfo: undefined,
  fuzzyFileSearch: { query: "q", roots: ["/"], cancellationToken: "t" },
  execOneOffCommand: {
    command: ["ls"],
    timeoutMs: 5,
    cwd: "/",
    sandboxPolicy: { mode: "workspace-write", ...WS },
  },
};

const OTHER_VALUES = [null, 5, -1, 1.5, "x", true, [], {}, 4294967296, "01a22bc6a033771"];

function* paths(v: unknown, prefix: (string | number)[] = []): Generator<(string | number)[]> {
  if (v === null || typeof v !== "object") return;
  for (const [k, x] of Object.entries(v)) {
    const path = [...prefix, Array.isArray(v) ? Number(k) : k];
    yield path;
    yield* paths(x, path);
  }
}

function edit(root: unknown, path: (string | number)[], value: unknown, remove: boolean): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (!remove) cur[last] = value;
  else if (Array.isArray(cur)) cur.splice(Number(last), 1);
  else delete cur[last];
  return copy;
}

type Request = { method: string; params?: unknown };

function corpus(): Request[] {
  const out: Request[] = [];
  for (const [method, example] of Object.entries(EXAMPLES)) {
    out.push({ method });
    for (const params of [null, [], [null], ["x"], 5, "x", true, {}, { extra: 1 }])
      out.push({ method, params });
    if (example === undefined) continue;
    out.push({ method, params: example }, { method, params: Object.values(example as object) });
    for (const path of paths(example)) {
      out.push({ method, params: edit(example, path, undefined, true) });
      for (const value of OTHER_VALUES) out.push({ method, params: edit(example, path, value, false) });
    }
  }
  out.push({ method: "no/such" }, { method: "" }, { method: "Initialize" });
  // `initialize` last: once one succeeds, the rest answer `Already initialized` after their decode.
  return [...out.filter((r) => r.method !== "initialize"), ...out.filter((r) => r.method === "initialize")];
}

/** What this implementation answers to the corpus, with the handshake as the server does it. */
function ours(requests: Request[]): unknown[] {
  let initialized = false;
  return requests.map((r) => {
    const d = decodeRequest(protocol058, r);
    if (!d.ok) return { code: d.error.code, message: d.error.message };
    if (r.method !== "initialize") return { code: -32600, message: "Not initialized" };
    const answer = initialized ? { code: -32600, message: "Already initialized" } : "initialized";
    initialized = true;
    return answer;
  });
}

async function reference(bin: string, requests: Request[], home: string): Promise<unknown[]> {
  const child = spawn(bin, ["app-server"], {
    env: { ...process.env, CODEX_HOME: home },
    stdio: ["pipe", "pipe", "ignore"],
  });
  const answers = new Map<unknown, unknown>();
  let buffer = "";
  const all = new Promise<void>((resolve) => {
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
        const m = JSON.parse(buffer.slice(0, nl)) as { id: number; error?: unknown; result?: unknown };
        buffer = buffer.slice(nl + 1);
        answers.set(m.id, m.error ?? "initialized");
        if (answers.size === requests.length) resolve();
      }
    });
    child.on("exit", () => resolve());
  });
  child.stdin.write(requests.map((r, id) => `${JSON.stringify({ id, ...r })}\n`).join(""));
  await all;
  child.stdin.end();
  child.kill();
  return requests.map((_, id) => answers.get(id));
}

/**
 * Where this decode and 0.58.0 still differ, as known gaps (both kept so the exported schema stays the reference's):
 * - `ResponseItem` (history items) has a catch-all variant in 0.58.0 (`#[serde(other)]`), so an unknown item type
 *   is accepted there and refused here;
 * - a v2 `workspaceWrite` sandbox policy without one of its flags or roots: 0.58.0 defaults them (serde), its
 *   exported TS type (which ours reproduces) requires them.
 */
const KNOWN = (r: Request) => {
  if (JSON.stringify(r).includes('"history":[{"type":')) return true;
  const policy = (r.params as { sandboxPolicy?: Record<string, unknown> } | undefined)?.sandboxPolicy;
  return (
    r.method === "turn/start" &&
    policy?.mode === "workspaceWrite" &&
    Object.keys(WS).some((field) => !Object.hasOwn(policy, field))
  );
};

describe.skipIf(!REFERENCE)("decode errors against the real 0.58.0", () => {
  const home = mkdtempSync(join(tmpdir(), "codex-decode-words-"));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("words every malformed request of the corpus as 0.58.0 does", async () => {
    const requests = corpus();
    const theirs = await reference(REFERENCE as string, requests, home);
    const mine = ours(requests);
    const differ = requests
      .map((r, i) => ({ request: r, ours: mine[i], reference: theirs[i] }))
      .filter((d) => JSON.stringify(d.ours) !== JSON.stringify(d.reference));
    console.log(`decode: ${requests.length - differ.length}/${requests.length} answers identical to 0.58.0`);
    expect(differ.filter((d) => !KNOWN(d.request))).toEqual([]);
    expect(requests.length).toBeGreaterThan(2000);
  }, 120_000);
});
