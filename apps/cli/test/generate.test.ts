import { existsSync, readdirSync } from "node:fs";
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
});
