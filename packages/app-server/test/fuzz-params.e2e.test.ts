import path from "node:path";
import { type ProtocolDefinition, protocol058, protocol0166 } from "@codex-ts/app-server-protocol";
import type { RpcMessage } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { LEAKED_JS_FAILURE } from "./helpers/leaked-failure.js";
import { startOfflineServer } from "./helpers/offline-server.js";
import { type Json, type JsonSchema, sampleValue as sample } from "./helpers/schema-sample.js";

/**
 * Every request method this server registers, for both protocol generations, sent with a plausible params object
 * built from its own schema and then with each field in turn replaced by a hostile value (wrong types, huge and
 * NUL-laden strings, out-of-range numbers, deep nesting, ids of nothing). Whatever the method, the server must answer
 * each request in time with a result or a JSON-RPC error (-32600/-32602/-32603) that is not a leaked JavaScript
 * failure, keep serving, and exit 0 at EOF. It catches the handler a new method forgot to guard.
 *
 * Paths in the samples point into the test's own temp dirs and no hostile value is a real system path: fs/remove,
 * fs/writeFile and fs/copy do what they are asked, and the tests may run as root.
 */

/** Methods left out: they reach for the network or a fixed local port, or end the process. */
const SKIPPED = /login|logout|upload|shutdown|^exit$/i;
/** Methods that end or move the live thread: sent after every other method. */
const DESTRUCTIVE = /archive|delete|unsubscribe|revert|remove|rollback|compact/;
/** Errors a client's bad input may get. */
const CLIENT_ERRORS = new Set([-32600, -32602, -32603]);
/** Methods 0.166.0 declares without implementing them: they answer -32601 (`… is not implemented yet`) as it does. */
const NOT_IMPLEMENTED = new Set(["thread/prediction/request"]);
const ANSWER_MS = 15_000;

function hostileValues(workDir: string): Json[] {
  let deep: Json = [];
  for (let i = 0; i < 64; i++) deep = [deep];
  return [
    "",
    "x".repeat(20_000),
    "a\u0000b",
    "../../..",
    "not-a-uuid",
    "00000000-0000-0000-0000-000000000000",
    path.join(workDir, "missing", "file"),
    -1,
    1e300,
    2 ** 63,
    1.5,
    true,
    null,
    [],
    {},
    deep,
    { nested: { deeper: { deepest: [1, "two", null] } } },
  ];
}

/** Copies of `base` with one leaf (or branch) replaced by each hostile value, with the replaced field's path. */
function* mutations(base: Json, hostile: Json[], at: string[] = []): Generator<[string, Json]> {
  if (base !== null && typeof base === "object")
    for (const key of Object.keys(base)) {
      const child = (base as Record<string, Json>)[key] as Json;
      for (const [p, v] of mutations(child, hostile, [...at, key]))
        yield [
          p,
          Array.isArray(base) ? base.map((x, i) => (String(i) === key ? v : x)) : { ...base, [key]: v },
        ];
    }
  if (at.length) for (const h of hostile) yield [at.join("."), h];
}

function paramsSchema(definition: { params?: z.ZodType }): JsonSchema | undefined {
  if (!definition.params) return undefined;
  return z.toJSONSchema(definition.params, { unrepresentable: "any", io: "input" }) as JsonSchema;
}

async function fuzz(protocol: ProtocolDefinition, generation: "0.58" | "0.166") {
  const { rpc, workDir } = await startOfflineServer("codex-fuzz-");
  await rpc.request(
    "initialize",
    generation === "0.166"
      ? { clientInfo: { name: "fuzz", title: null, version: "1" }, capabilities: { experimentalApi: true } }
      : { clientInfo: { name: "fuzz", title: null, version: "1" } },
  );
  rpc.notify("initialized");
  const started = await rpc.request("thread/start", generation === "0.166" ? { cwd: workDir } : {});
  const threadId = (started.result as { thread?: { id?: string } } | undefined)?.thread?.id;
  expect(threadId, JSON.stringify(started)).toBeTypeOf("string");

  const hostile = hostileValues(workDir);
  const methods = Object.keys(protocol.requests)
    .filter((m) => m !== "initialize" && !SKIPPED.test(m))
    .sort((a, b) => Number(DESTRUCTIVE.test(a)) - Number(DESTRUCTIVE.test(b)));
  const problems: string[] = [];
  let sent = 0;
  for (const method of methods) {
    const definition = (protocol.requests as Record<string, { params?: z.ZodType }>)[method] ?? {};
    const schema = paramsSchema(definition);
    const base = schema ? sample(schema, schema.$defs ?? {}, "", workDir) : null;
    if (base && typeof base === "object" && !Array.isArray(base)) {
      if ("threadId" in base) base.threadId = threadId ?? null;
      if ("conversationId" in base) base.conversationId = threadId ?? null;
    }
    const cases: [string, Json][] = [["(sample)", base], ...mutations(base, hostile)];
    // Each optional field too: with a plausible value, then with each hostile one.
    if (schema && base && typeof base === "object" && !Array.isArray(base))
      for (const [key, field] of Object.entries(schema.properties ?? {})) {
        if (key in base) continue;
        cases.push([key, { ...base, [key]: sample(field, schema.$defs ?? {}, key, workDir, 1) }]);
        for (const h of hostile) cases.push([key, { ...base, [key]: h }]);
      }
    for (const [field, params] of cases) {
      sent++;
      let answer: RpcMessage;
      try {
        answer = await rpc.request(method, params, ANSWER_MS);
      } catch {
        problems.push(
          `${method} ${field}: no answer within ${ANSWER_MS} ms; stderr: ${rpc.stderr.slice(-1500)}`,
        );
        continue;
      }
      const error = answer.error as { code?: number; message?: string } | undefined;
      if (
        error &&
        !CLIENT_ERRORS.has(error.code ?? 0) &&
        !(NOT_IMPLEMENTED.has(method) && error.code === -32601)
      )
        problems.push(`${method} ${field}: error code ${error.code} ${error.message?.slice(0, 120)}`);
      if (error && LEAKED_JS_FAILURE.test(error.message ?? ""))
        problems.push(`${method} ${field}: ${error.message?.slice(0, 200)}`);
    }
    if (problems.length > 20) break;
  }
  expect(problems, `after ${sent} requests`).toEqual([]);
  expect(sent).toBeGreaterThan(1000);
  // Still serving, and a clean exit at EOF.
  const listed = await rpc.request(generation === "0.166" ? "thread/list" : "listConversations", {});
  expect(listed.error).toBeUndefined();
  expect(await rpc.close()).toEqual({ code: 0, signal: null });
  expect(rpc.stderr).not.toMatch(/Uncaught|unhandled/i);
}

describe("every request method with hostile params", () => {
  it("0.166: each is answered in time with a result or a clear error; the server keeps serving", async () => {
    await fuzz(protocol0166, "0.166");
  }, 600_000);

  it("0.58: each is answered in time with a result or a clear error; the server keeps serving", async () => {
    await fuzz(protocol058, "0.58");
  }, 600_000);
});
