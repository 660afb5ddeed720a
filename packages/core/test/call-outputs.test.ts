import { describe, expect, it } from "vitest";
import { formatInputForModel } from "../src/index.js";

/** What a request carries for a history whose calls and outputs do not pair up (e.g. a rollout cut mid-tool). */
describe("calls and outputs in a request (0.58.0's pairing)", () => {
  it("answers calls that have no output with `aborted` right after them and drops outputs without a call", () => {
    const history = [
      { type: "function_call", name: "shell", arguments: '{"command":["ls"]}', call_id: "c1" },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "between" }] },
      { type: "custom_tool_call", status: "completed", call_id: "c3", name: "apply_patch", input: "x" },
      {
        type: "local_shell_call",
        call_id: "c4",
        status: "completed",
        action: { type: "exec", command: ["pwd"] },
      },
      { type: "function_call", name: "shell", arguments: "{}", call_id: "c5" },
      { type: "function_call_output", call_id: "c5", output: "kept" },
      { type: "function_call_output", call_id: "c9", output: "orphan" },
      { type: "custom_tool_call_output", call_id: "c8", output: "orphan2" },
    ];
    expect(formatInputForModel(history, [])).toEqual([
      history[0],
      { type: "function_call_output", call_id: "c1", output: "aborted" },
      history[1],
      history[2],
      { type: "custom_tool_call_output", call_id: "c3", output: "aborted" },
      history[3],
      { type: "function_call_output", call_id: "c4", output: "aborted" },
      history[4],
      history[5],
    ]);
    // The history itself is left as it was.
    expect(history).toHaveLength(8);
  });
});
