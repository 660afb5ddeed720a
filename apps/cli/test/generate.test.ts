import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import { run } from "../src/index.js";

describe("codex app-server generate-json-schema", () => {
  let out: string;
  beforeAll(async () => {
    out = await tempDir("cli-gen-");
  });

  it("writes the bundle and per-type files into --out", async () => {
    const target = join(out, "nested", "schema");
    expect(await run(["app-server", "generate-json-schema", "--out", target])).toBe(0);
    expect(existsSync(join(target, "codex_app_server_protocol.schemas.json"))).toBe(true);
    expect(readdirSync(join(target, "v2")).length).toBe(37);
  });

  it("rejects a missing --out with a non-zero exit", async () => {
    expect(await run(["app-server", "generate-json-schema"])).not.toBe(0);
  });

  it("--protocol 0.166 writes 0.166.0's layout; --experimental adds its experimental fields", async () => {
    const stable = join(out, "stable-0166");
    const full = join(out, "full-0166");
    expect(await run(["app-server", "generate-json-schema", "--protocol", "0.166", "--out", stable])).toBe(0);
    expect(
      await run([
        "app-server",
        "generate-json-schema",
        "--protocol",
        "0.166",
        "--experimental",
        "--out",
        full,
      ]),
    ).toBe(0);
    for (const dir of [stable, full]) {
      expect(existsSync(join(dir, "codex_app_server_protocol.schemas.json"))).toBe(true);
      expect(existsSync(join(dir, "codex_app_server_protocol.v2.schemas.json"))).toBe(true);
      expect(readdirSync(join(dir, "v1")).sort()).toEqual([
        "InitializeParams.json",
        "InitializeResponse.json",
      ]);
      expect(readdirSync(join(dir, "v2"))).toContain("SkillsListResponse.json");
    }
    const account = (dir: string) =>
      JSON.parse(readFileSync(join(dir, "v2", "GetAccountResponse.json"), "utf8")) as { properties: object };
    expect(Object.keys(account(full).properties)).toContain("workspaceRouting");
    expect(Object.keys(account(stable).properties)).not.toContain("workspaceRouting");
  });

  it("refuses --experimental without --protocol 0.166, and an unknown protocol, as usage errors", async () => {
    expect(await run(["app-server", "generate-json-schema", "--experimental", "--out", join(out, "x")])).toBe(
      2,
    );
    expect(
      await run(["app-server", "generate-json-schema", "--protocol", "0.1", "--out", join(out, "y")]),
    ).toBe(2);
    expect(existsSync(join(out, "x"))).toBe(false);
    expect(existsSync(join(out, "y"))).toBe(false);
  });
});

describe("codex app-server generate-ts", () => {
  let out: string;
  beforeAll(async () => {
    out = await tempDir("cli-gen-ts-");
  });

  it("writes index.ts with the v2 namespace and v2/ files", async () => {
    expect(await run(["app-server", "generate-ts", "--out", out])).toBe(0);
    expect(existsSync(join(out, "index.ts"))).toBe(true);
    expect(existsSync(join(out, "v2", "ThreadStartParams.ts"))).toBe(true);
  });

  it("--protocol 0.166 writes the implemented 0.166 types", async () => {
    const dir = join(out, "ts-0166");
    expect(
      await run(["app-server", "generate-ts", "--protocol", "0.166", "--experimental", "--out", dir]),
    ).toBe(0);
    expect(readFileSync(join(dir, "ClientRequest.ts"), "utf8")).toContain('method: "mcpServerStatus/list"');
    // Only the 0.166 types this server has schemas for (gen-0166.ts, which also holds the stored-history methods'
    // types): thread/start's, thread/fork's, command/exec's and thread/shellCommand's, not that of
    // `remoteControl/client/list`, which no one implements.
    expect(existsSync(join(dir, "v2", "ThreadStartParams.ts"))).toBe(true);
    expect(existsSync(join(dir, "v2", "ThreadForkParams.ts"))).toBe(true);
    expect(existsSync(join(dir, "v2", "CommandExecParams.ts"))).toBe(true);
    expect(existsSync(join(dir, "v2", "RemoteControlClientsListParams.ts"))).toBe(false);
    expect(existsSync(join(dir, "v2", "ThreadShellCommandParams.ts"))).toBe(true);
  });
});
