import fs from "node:fs/promises";
import path from "node:path";
import { startAppServer, tempDir } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

describe("setDefaultModel", () => {
  it("persists model and effort to config.toml through the config writer, keeping comments", async () => {
    const codexHome = await tempDir("codex-home-");
    await fs.writeFile(path.join(codexHome, "config.toml"), '# my settings\napproval_policy = "never"\n');
    const c = await startAppServer({ home: codexHome });
    await c.initialize();
    expect(await c.request("setDefaultModel", { model: "gpt-5.1", reasoningEffort: "high" })).toEqual({});
    const text = await fs.readFile(path.join(codexHome, "config.toml"), "utf8");
    expect(text).toContain("# my settings");
    expect(text).toContain('approval_policy = "never"');
    expect(text).toMatch(/^model = "gpt-5.1"$/m);
    expect(text).toMatch(/^model_reasoning_effort = "high"$/m);
    // An effort the protocol does not have: only the raw escape hatch can send it.
    const bad = await c.raw.call("bad", "setDefaultModel", { model: "x", reasoningEffort: "extreme" });
    expect(bad.error).toMatchObject({ code: -32600 });
    expect(await c.close()).toEqual({ code: 0, signal: null });
  });
});
