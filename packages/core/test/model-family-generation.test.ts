import { describe, expect, it } from "vitest";
import { modelFamily } from "../src/client/model-family.js";
import { reasoningFor } from "../src/conversation/request-shape.js";

// What decides a model's request on a 0.166 thread (app-server's model-generic-0166 e2e test compares the requests
// with the native 0.166.0).
describe("model families by generation", () => {
  it("keeps 0.58.0's families unless the thread is 0.166's", () => {
    expect(modelFamily("gpt-5-codex").toolset).toBe("0.58");
    expect(modelFamily("llama3.1").supportsReasoning).toBe(false);
    expect(modelFamily("gpt-5-codex", { generation: "0.58" }).applyPatchTool).toBe("freeform");
  });

  it("gives every name outside 0.166.0's catalogue the generic family on a 0.166 thread", () => {
    for (const model of ["llama3.1", "my-model", "gpt-5-codex", "o3", "gpt-oss:20b", "codex-mini-latest"]) {
      const family = modelFamily(model, { generation: "0.166" });
      expect(family).toMatchObject({
        toolset: "generic",
        mcpTools: "namespaces",
        supportsReasoning: true,
        supportsVerbosity: false,
        applyPatchTool: null,
        localShell: false,
        toolOutputLimit: { unit: "bytes", max: 10_000 },
      });
    }
  });

  it("keeps the catalogue's own families on a 0.166 thread", () => {
    expect(modelFamily("gpt-5.5", { generation: "0.166" }).toolset).toBe("unified");
    expect(modelFamily("gpt-6.1-terra", { generation: "0.166" }).toolset).toBe("none");
  });

  it("sends the generic family's summary auto unless chosen, and leaves out none", () => {
    expect(reasoningFor("llama3.1", null, null, {}, "0.166")).toEqual({ summary: "auto" });
    expect(reasoningFor("llama3.1", "high", "detailed", {}, "0.166")).toEqual({
      effort: "high",
      summary: "detailed",
    });
    expect(reasoningFor("llama3.1", null, "none", {}, "0.166")).toEqual({});
    const off = { raw: { model_supports_reasoning_summaries: false } };
    expect(reasoningFor("llama3.1", null, null, off, "0.166")).toEqual({ summary: "auto" });
    expect(reasoningFor("llama3.1", null, null, off)).toBeUndefined();
  });
});
