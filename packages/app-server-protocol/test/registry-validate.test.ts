import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  clientMethods,
  clientRequests,
  type Handlers,
  serverRequests,
  validateRequest,
} from "../src/index.js";

const REAL_CODEX = "/tmp/codex058/node_modules/.bin/codex";

/** Sends lines to the real 0.58.0 app-server and collects one reply per line. */
async function askReal(lines: object[]): Promise<{ error?: { message: string } }[]> {
  const child = spawn(REAL_CODEX, ["app-server"], { stdio: ["pipe", "pipe", "ignore"] });
  let out = "";
  child.stdout.setEncoding("utf8");
  const done = new Promise<void>((resolve) => {
    child.stdout.on("data", (d: string) => {
      out += d;
      if (out.split("\n").filter(Boolean).length >= lines.length) resolve();
    });
    child.on("exit", () => resolve());
  });
  child.stdin.write(`${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
  await done;
  child.kill();
  return out
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe("registry", () => {
  it("declares all 37 client requests of 0.58.0, each with params and response", () => {
    expect(clientMethods.length).toBe(37);
    expect(clientMethods.slice(0, 3)).toEqual(["initialize", "thread/start", "thread/resume"]);
    for (const m of clientMethods) expect(clientRequests[m].response).toBeDefined();
    expect(Object.keys(serverRequests)).toEqual(["applyPatchApproval", "execCommandApproval"]);
  });

  it("types handlers per method", async () => {
    const partial: Pick<Handlers, "getUserAgent"> = { getUserAgent: () => ({ userAgent: "x" }) };
    expect(await partial.getUserAgent(undefined)).toEqual({ userAgent: "x" });
  });
});

describe("validateRequest", () => {
  it("accepts valid params and methods without params", () => {
    const ok = validateRequest({ method: "initialize", params: { clientInfo: { name: "n", version: "1" } } });
    expect(ok).toMatchObject({ ok: true, method: "initialize" });
    expect(validateRequest({ method: "getUserAgent" })).toMatchObject({ ok: true });
  });

  it("names the missing field and its path", () => {
    const r = validateRequest({ method: "initialize", params: { clientInfo: { version: "1" } } });
    expect(r).toEqual({
      ok: false,
      code: -32600,
      message: "Invalid request: missing field `name`",
      path: "params.clientInfo.name",
    });
  });

  it("names wrong types, unknown variants and missing params", () => {
    const t = validateRequest({ method: "initialize", params: { clientInfo: { name: 5, version: "1" } } });
    expect(t).toMatchObject({
      message: "Invalid request: invalid type: integer `5`, expected a string",
      path: "params.clientInfo.name",
    });
    const e = validateRequest({ method: "thread/list", params: { limit: "ten" } });
    expect(!e.ok && e.message).toMatch(/^Invalid request: invalid type: string "ten", expected /);
    expect(!e.ok && e.path).toBe("params.limit");
    const m = validateRequest({ method: "initialize" });
    expect(!m.ok && m.message).toBe("Invalid request: missing field `params`");
    const v = validateRequest({ method: "thread/start", params: { approvalPolicy: "sometimes" } });
    expect(v).toMatchObject({
      message:
        "Invalid request: unknown variant `sometimes`, expected one of `unlessTrusted`, `onFailure`, `onRequest`, `never`",
      path: "params.approvalPolicy",
    });
  });

  it("words tagged and plain enums as serde does: unknown variant, missing tag, or the tagged variant's own problem", () => {
    const turn = (sandboxPolicy: unknown) =>
      validateRequest({
        method: "sendUserTurn",
        params: {
          conversationId: "01a22bc6-a033-7712-9ff2-e1355f32171c",
          items: [{ type: "text", data: { text: "hi" } }],
          cwd: "/",
          approvalPolicy: "never",
          sandboxPolicy,
          model: "m",
          summary: "auto",
        },
      });
    expect(turn({ mode: "read-only" })).toMatchObject({ ok: true });
    expect(turn({ type: "read-only" })).toMatchObject({
      message: "Invalid request: missing field `mode`",
      path: "params.sandboxPolicy.mode",
    });
    expect(turn({ mode: "open" })).toMatchObject({
      message:
        "Invalid request: unknown variant `open`, expected one of `danger-full-access`, `read-only`, `workspace-write`",
      path: "params.sandboxPolicy.mode",
    });
    expect(turn({ mode: "workspace-write", network_access: "yes" })).toMatchObject({
      message: 'Invalid request: invalid type: string "yes", expected a boolean',
      path: "params.sandboxPolicy.network_access",
    });
    const input = (item: unknown) =>
      validateRequest({ method: "turn/start", params: { threadId: "t", input: [item] } });
    expect(input({ type: "text" })).toMatchObject({
      message: "Invalid request: missing field `text`",
      path: "params.input[0].text",
    });
    expect(input({ type: "video" })).toMatchObject({
      message: "Invalid request: unknown variant `video`, expected one of `text`, `image`, `localImage`",
      path: "params.input[0].type",
    });
  });

  it("lists every method in registry order for an unknown method", () => {
    const r = validateRequest({ method: "no/such" });
    expect(!r.ok && r.message).toBe(
      `Invalid request: unknown variant \`no/such\`, expected one of ${clientMethods.map((m) => `\`${m}\``).join(", ")}`,
    );
  });

  describe.skipIf(!existsSync(REAL_CODEX))("against the real 0.58.0 binary", () => {
    it("produces the same unknown-method and missing-params messages", async () => {
      const [unknown, missing] = await askReal([
        { id: 1, method: "no/such" },
        { id: 2, method: "initialize" },
      ]);
      expect(unknown?.error?.message).toBe(
        (validateRequest({ method: "no/such" }) as { message: string }).message,
      );
      expect(missing?.error?.message).toBe("Invalid request: missing field `params`");
    }, 60_000);
  });
});
