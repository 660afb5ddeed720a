import fs from "node:fs/promises";
import path from "node:path";
import { clientMethods } from "@codex-ts/app-server-protocol";
import { startAppServer, tempDir } from "@codex-ts/test-support";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/**
 * The built `codex app-server` fed a seeded stream of arbitrary requests: known and unknown methods with params
 * built from the protocol's own field names and hostile values, between malformed lines. Whatever arrives, the
 * server must answer each request exactly once with a JSON-RPC error code 0.58.0 uses, never leak a JavaScript
 * exception as an answer, keep stdout pure JSON, and go on serving.
 */

/** Methods that would reach outside the temp CODEX_HOME (bind the login port, run or search at random paths). */
const UNSAFE = new Set(["execOneOffCommand", "fuzzyFileSearch", "account/login/start", "loginChatGpt"]);
const METHODS = [...clientMethods.filter((m) => !UNSAFE.has(m) && m !== "initialize"), "no/such/method"];

const FIELDS = [
  "conversationId",
  "threadId",
  "turnId",
  "items",
  "input",
  "cwd",
  "path",
  "rolloutPath",
  "limit",
  "cursor",
  "pageSize",
  "approvalPolicy",
  "sandbox",
  "sandboxPolicy",
  "mode",
  "type",
  "text",
  "data",
  "model",
  "effort",
  "summary",
  "apiKey",
  "loginId",
  "includeLogs",
  "classification",
  "subscriptionId",
  "config",
  "history",
  "overrides",
  "clientInfo",
  "refreshToken",
  "includeToken",
  "reasoningEffort",
  "modelProviders",
  "writable_roots",
];
const STRINGS = [
  "",
  "never",
  "read-only",
  "workspace-write",
  "dangerFullAccess",
  "text",
  "image",
  "localImage",
  "apiKey",
  "01a22bc6-a033-7712-9ff2-e1355f32171c",
  "../../etc/passwd",
  "sessions/../../x.jsonl",
  "\u0000",
  "é✓",
];

const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 2 ** 40 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(...STRINGS),
);
const { value: jsonValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...FIELDS), tie("value"), { maxKeys: 5 }),
  ),
}));
const line = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom("{not json", "[1,2]", '{"id":null}', '"text"', "") },
  {
    weight: 19,
    arbitrary: fc.record({
      method: fc.constantFrom(...METHODS),
      params: fc.option(jsonValue, { nil: undefined }),
    }),
  },
);

describe("arbitrary client input", () => {
  it("every request gets exactly one answer with 0.58.0's error codes; the server keeps serving", {
    timeout: 120_000,
  }, async () => {
    const codexHome = await tempDir("codex-e2e-fuzz-");
    // A provider nobody listens on: a turn that does start fails fast instead of reaching anything.
    await fs.writeFile(
      path.join(codexHome, "config.toml"),
      'model_provider = "closed"\n[model_providers.closed]\nname = "Closed"\nbase_url = "http://127.0.0.1:9/v1"\nrequest_max_retries = 0\nstream_max_retries = 0\n',
    );
    // Every line is written raw: the point is what a typed client would never send. The handshake too, so that
    // no id of the typed client's meets the batch's integer ids.
    const c = await startAppServer({ home: codexHome });
    await c.raw.call("init", "initialize", {
      clientInfo: { name: "test-client", title: null, version: "1.2.3" },
    });

    const [batch] = fc.sample(fc.array(line, { minLength: 1000, maxLength: 1000 }), {
      seed: 20261130,
      numRuns: 1,
    });
    const ids: number[] = [];
    for (const [i, entry] of batch!.entries()) {
      if (typeof entry === "string") {
        await c.raw.send(entry);
        continue;
      }
      const id = i + 1;
      ids.push(id);
      await c.raw.send(
        JSON.stringify(
          entry.params === undefined ? { id, method: entry.method } : { id, ...entry, params: entry.params },
        ),
      );
    }
    // A request behind all of them: once it is answered, everything before it has been read.
    await c.raw.call("after", "getUserAgent");
    for (const id of ids) await c.waitFor((m) => m.id === id && m.method === undefined, `answer to ${id}`);

    const answers = c.messages.filter((m) => m.method === undefined && typeof m.id === "number");
    const perId = new Map<unknown, number>();
    for (const a of answers) perId.set(a.id, (perId.get(a.id) ?? 0) + 1);
    expect([...perId.values()].every((n) => n === 1)).toBe(true);
    expect(perId.size).toBe(ids.length);
    const errors = answers.flatMap((a) => (a.error ? [a.error as { code: number; message: string }] : []));
    // Most of it is rejected, but not all: some methods accept what they were given and run.
    const served = answers.filter((a) => a.result !== undefined).length;
    expect(errors.length).toBeGreaterThan(ids.length / 2);
    expect(served).toBeGreaterThan(0);
    if (process.env.FUZZ_STATS) {
      const methodOf = new Map(batch!.map((e, i) => [i + 1, typeof e === "string" ? "raw" : e.method]));
      const counts: Record<string, number> = {};
      for (const a of answers.filter((x) => x.result !== undefined)) {
        const m = String(methodOf.get(a.id as number));
        counts[m] = (counts[m] ?? 0) + 1;
      }
      console.log(`served ${served} of ${ids.length}:`, JSON.stringify(counts));
    }
    for (const e of errors) {
      expect([-32600, -32603]).toContain(e.code);
      expect(e.message).not.toMatch(
        /TypeError|ReferenceError|is not a function|Cannot read propert|\bat .*\.js:\d+/,
      );
    }
    // Server-to-client requests (approvals) must never be sent for this input; stdout carried only JSON-RPC, and
    // every notification it caused passes the registry.
    expect(c.messages.some((m) => m.method !== undefined && m.id !== undefined)).toBe(false);
    expect(c.wireViolations).toEqual([]);
    expect(c.stderr).not.toMatch(/Unhandled|uncaught|FATAL/i);
    expect(c.running).toBe(true);
    expect((await c.raw.call("still-there", "getUserAgent")).result).toMatchObject({
      userAgent: expect.any(String),
    });
    expect((await c.close()).code).toBe(0);
  });
});
