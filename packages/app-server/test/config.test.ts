import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppServerClient } from "./helpers/client.js";

let codexHome: string;
afterAll(() => fs.rm(codexHome, { recursive: true, force: true }));

describe("setDefaultModel", () => {
  it("persists model and effort to config.toml through the config writer, keeping comments", async () => {
    codexHome = await fs.mkdtemp(path.join(os.tmpdir(), "codex-home-"));
    await fs.writeFile(path.join(codexHome, "config.toml"), '# my settings\napproval_policy = "never"\n');
    const c = await AppServerClient.start({ codexHome });
    await c.initialize();
    expect(await c.call(1, "setDefaultModel", { model: "gpt-5.1", reasoningEffort: "high" })).toEqual({
      id: 1,
      result: {},
    });
    const text = await fs.readFile(path.join(codexHome, "config.toml"), "utf8");
    expect(text).toContain("# my settings");
    expect(text).toContain('approval_policy = "never"');
    expect(text).toMatch(/^model = "gpt-5.1"$/m);
    expect(text).toMatch(/^model_reasoning_effort = "high"$/m);
    expect(
      (await c.call(2, "setDefaultModel", { model: "x", reasoningEffort: "extreme" })).error,
    ).toMatchObject({ code: -32600 });
    expect(await c.close()).toEqual({ code: 0, signal: null });
  });
});
