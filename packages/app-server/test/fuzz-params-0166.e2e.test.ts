import { protocol0166 } from "@codex-ts/app-server-protocol";
import type { RpcMessage } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { LEAKED_JS_FAILURE } from "./helpers/leaked-failure.js";
import { startOfflineServer } from "./helpers/offline-server.js";
import {
  type Json,
  type JsonSchema,
  resolveSchema as resolve,
  sampleValue as sample,
} from "./helpers/schema-sample.js";

/**
 * Every 0.166 client request method (the experimental API on, so the experimental methods too), sent with params
 * derived from its own schema and broken on purpose, one way per request: each field of the wrong type, null, a
 * 100 000-character string, left out when required, a thread or turn id of nothing; and the params themselves
 * absent, null, an array, a string. A method's cases go out together (they race each other, as a careless client's
 * would). Every request must get exactly one response — a result, or an error with a code and a message that is not
 * a leaked JavaScript failure — the server must keep serving (`thread/list` afterwards) and exit 0 at EOF.
 * `fuzz-params.e2e.test.ts` is the deeper, slower walk (every leaf, both generations); this one is 0.166's quick one.
 */

/** Methods left out: they reach for the network or a fixed local port, or end the process. */
const SKIPPED = /login|logout|upload|shutdown|^exit$/i;
/** Methods that end or move the live thread: sent after every other method. */
const DESTRUCTIVE = /archive|delete|unsubscribe|revert|remove|rollback|compact/;
const ANSWER_MS = 20_000;
const UNKNOWN_ID = "01a241ad-5417-7fb3-9c8e-24f0707d17b2";

/** A value of another JSON type than the field's sample (a string for a number, an object for a string, …). */
function wrongType(value: Json): Json {
  if (typeof value === "string") return 42;
  if (typeof value === "number") return "forty-two";
  if (typeof value === "boolean") return "yes";
  if (Array.isArray(value)) return { not: "an array" };
  if (value !== null && typeof value === "object") return ["not", "an", "object"];
  return 7;
}

/** The broken params of one method, each with what was broken. */
function cases(schema: JsonSchema | undefined, workDir: string, threadId: string): [string, unknown][] {
  const out: [string, unknown][] = [
    ["params absent", undefined],
    ["params null", null],
    ["params an array", [threadId]],
    ["params a string", threadId],
  ];
  const s = resolve(schema, schema?.$defs ?? {});
  if (!schema || !s) return out;
  const defs = schema.$defs ?? {};
  const base = sample(schema, defs, "", workDir);
  if (base === null || typeof base !== "object" || Array.isArray(base)) return out;
  for (const key of ["threadId", "conversationId"]) if (key in base) base[key] = threadId;
  out.push(["(sample)", base]);
  const properties = s.properties ?? {};
  for (const key of Object.keys(base)) {
    const { [key]: _left, ...rest } = base;
    out.push([`${key} missing`, rest]);
  }
  for (const [key, field] of Object.entries(properties)) {
    const value = key in base ? (base[key] as Json) : sample(field, defs, key, workDir, 1);
    out.push([`${key} wrong type`, { ...base, [key]: wrongType(value) }]);
    out.push([`${key} null`, { ...base, [key]: null }]);
    out.push([`${key} huge`, { ...base, [key]: "h".repeat(100_000) }]);
    if (/id$/i.test(key)) out.push([`${key} of nothing`, { ...base, [key]: UNKNOWN_ID }]);
  }
  return out;
}

describe("0.166 request methods with malformed params", () => {
  it("every request gets exactly one answer, a result or a clear error; the server keeps serving", async () => {
    const { rpc, workDir } = await startOfflineServer("codex-fuzz0166-");
    await rpc.request("initialize", {
      clientInfo: { name: "fuzz", title: null, version: "1" },
      capabilities: { experimentalApi: true },
    });
    rpc.notify("initialized");
    const started = await rpc.request("thread/start", { cwd: workDir });
    const threadId = (started.result as { thread?: { id?: string } } | undefined)?.thread?.id;
    expect(threadId, JSON.stringify(started)).toBeTypeOf("string");

    const methods = Object.keys(protocol0166.requests)
      .filter((m) => m !== "initialize" && !SKIPPED.test(m))
      .sort((a, b) => Number(DESTRUCTIVE.test(a)) - Number(DESTRUCTIVE.test(b)));
    const problems: string[] = [];
    for (const method of methods) {
      const definition = (protocol0166.requests as Record<string, { params?: z.ZodType }>)[method] ?? {};
      const schema = definition.params
        ? (z.toJSONSchema(definition.params, { unrepresentable: "any", io: "input" }) as JsonSchema)
        : undefined;
      await Promise.all(
        cases(schema, workDir, threadId as string).map(async ([what, params]) => {
          let answer: RpcMessage;
          try {
            answer = await rpc.request(method, params, ANSWER_MS);
          } catch {
            problems.push(`${method} ${what}: no answer within ${ANSWER_MS} ms`);
            return;
          }
          const error = answer.error as { code?: unknown; message?: unknown } | undefined;
          if (error) {
            if (typeof error.code !== "number" || typeof error.message !== "string" || error.message === "")
              problems.push(
                `${method} ${what}: error without a code and a message: ${JSON.stringify(error)}`,
              );
            else if (LEAKED_JS_FAILURE.test(error.message))
              problems.push(`${method} ${what}: ${error.message.slice(0, 200)}`);
          } else if (!("result" in answer)) problems.push(`${method} ${what}: neither result nor error`);
        }),
      );
      if (problems.length > 20) break;
    }
    // Still serving; then every request sent had exactly one answer (none twice, none for an id never sent).
    const listed = await rpc.request("thread/list", {});
    expect(listed.error).toBeUndefined();
    const answers = new Map<string, number>();
    for (const e of rpc.log)
      if (e.dir === "in" && e.msg.method === undefined && e.msg.id !== undefined)
        answers.set(String(e.msg.id), (answers.get(String(e.msg.id)) ?? 0) + 1);
    const sentRequests = rpc.log.filter(
      (e) => e.dir === "out" && e.msg.method !== undefined && e.msg.id !== undefined,
    );
    for (const e of sentRequests) {
      const n = answers.get(String(e.msg.id)) ?? 0;
      if (n !== 1) problems.push(`${e.msg.method} (id ${e.msg.id}): ${n} answers`);
    }
    expect(problems.slice(0, 30), `after ${sentRequests.length} requests`).toEqual([]);
    expect(sentRequests.length).toBeGreaterThan(1000);
    expect(await rpc.close()).toEqual({ code: 0, signal: null });
    expect(rpc.stderr).not.toMatch(/Uncaught|unhandled/i);
  }, 180_000);
});
