import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeJsonSchemas } from "../src/index.js";

describe("writeJsonSchemas", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), "proto-schema-"));
    dirs.push(d);
    return d;
  };

  it("writes 0.58.0's layout: 23 top-level files + bundle, 42 under v1/, 37 under v2/", async () => {
    const out = fresh();
    await writeJsonSchemas(out);
    expect(readdirSync(out).filter((f) => f.endsWith(".json")).length).toBe(24);
    expect(readdirSync(join(out, "v1")).length).toBe(42);
    expect(readdirSync(join(out, "v2")).length).toBe(37);
    const start = JSON.parse(readFileSync(join(out, "v2", "ThreadStartParams.json"), "utf8"));
    expect(Object.keys(start.definitions).sort()).toEqual(["AskForApproval", "SandboxMode"]);
    const ev = readFileSync(join(out, "EventMsg.json"), "utf8");
    expect(ev).not.toContain("#/definitions/v2/");
    expect(readdirSync(out).some((f) => f.endsWith(".tmp"))).toBe(false);
  });

  it("is deterministic", async () => {
    const a = fresh();
    const b = fresh();
    const files = await writeJsonSchemas(a);
    await writeJsonSchemas(b);
    for (const f of files) expect(readFileSync(join(a, f), "utf8")).toBe(readFileSync(join(b, f), "utf8"));
  });
});
