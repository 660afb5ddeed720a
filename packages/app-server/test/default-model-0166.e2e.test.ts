import { REFERENCE_CODEX_BIN, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { CLIENT_INFO_0166, SideBySide } from "./helpers/side-by-side-0166.js";

/**
 * The model a thread gets when neither the request nor the config names one: 0.166 threads 0.166.0's default (what
 * its `thread/start` reports on a CODEX_HOME with no `model`), 0.58 conversations 0.58.0's.
 */
const suite = useAppServerSuite();
if (!SideBySide.available) console.warn(`default model: ${SideBySide.reason}`);

describe("the default model when the config names none", () => {
  it("a 0.166 thread gets 0.166.0's default model, as 0.166.0's thread/start reports it", {
    timeout: 120_000,
  }, async () => {
    const started: Record<string, unknown> = {};
    for (const impl of SideBySide.available ? (["ours", "real"] as const) : (["ours"] as const)) {
      const home = await SideBySide.home();
      const c = await SideBySide.start(impl, home, { home: true });
      await c.initialize(CLIENT_INFO_0166, {});
      const { model, modelProvider } = await c.request("thread/start", {});
      started[impl] = { model, modelProvider };
      await c.close();
    }
    // What 0.166.0 reported on a CODEX_HOME with no `model` (the first model of its built-in catalogue).
    expect(started.ours).toEqual({ model: "gpt-6.1-sol", modelProvider: "openai" });
    if (started.real) expect(started.ours).toEqual(started.real);
  });

  it("a 0.58 conversation keeps 0.58.0's default model", { timeout: 120_000 }, async () => {
    const home = await SideBySide.home();
    const c = await suite.start({ home });
    const { model } = await c.request("newConversation", {});
    // 0.58.0's default (its `newConversation` on a CODEX_HOME with no `model`).
    expect(model).toBe("gpt-5-codex");
    if (REFERENCE_CODEX_BIN) {
      const ref = await suite.start({ bin: "reference", home: await SideBySide.home() });
      expect((await ref.request("newConversation", {})).model).toBe(model);
    }
  });
});
