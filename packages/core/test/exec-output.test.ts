import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  applyPatchToolType,
  execCommandEnd,
  execToolOutput,
  FREEFORM_APPLY_PATCH_TOOL,
  formatInputForModel,
  renderStructuredOutput,
  runCommand,
  type ToolSpec,
  truncateOutputForModel,
} from "../src/index.js";

/** Outputs the real 0.58.0 stored and sent for three long commands (see the fixture's `source`). */
const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/exec-output-058.json", import.meta.url), "utf8"),
) as {
  cases: {
    name: string;
    output: { lines: number; width: number };
    durationMs: number;
    stored: string;
    sentWithFreeformApplyPatch: string;
  }[];
};

function generated(o: { lines: number; width: number }): string {
  let text = "";
  for (let i = 0; i < o.lines; i++)
    text += o.width === 0 ? `${i + 1}\n` : `${String(i % 10).repeat(o.width)}\n`;
  return text;
}

describe("execToolOutput / truncateOutputForModel", () => {
  it("stores a short output whole, as the JSON string 0.58.0 writes (seconds keep a decimal point)", () => {
    expect(execToolOutput({ aggregatedOutput: "hi\n", exitCode: 0, durationMs: 812 })).toEqual({
      formatted: "hi\n",
      forHistory: '{"output":"hi\\n","metadata":{"exit_code":0,"duration_seconds":0.8}}',
    });
    expect(execToolOutput({ aggregatedOutput: "", exitCode: 0, durationMs: 20 }).forHistory).toBe(
      '{"output":"","metadata":{"exit_code":0,"duration_seconds":0.0}}',
    );
    expect(execToolOutput({ aggregatedOutput: "x", exitCode: 2, durationMs: 2_040 }).forHistory).toBe(
      '{"output":"x","metadata":{"exit_code":2,"duration_seconds":2.0}}',
    );
  });

  it("prefixes a timed-out command's output (observed: exit 124, 0.5 s)", () => {
    const out = execToolOutput({
      aggregatedOutput: "start\n",
      exitCode: 124,
      durationMs: 514,
      timedOut: true,
    });
    expect(out.formatted).toBe("command timed out after 514 milliseconds\nstart\n");
    expect(out.forHistory).toBe(
      '{"output":"command timed out after 514 milliseconds\\nstart\\n","metadata":{"exit_code":124,"duration_seconds":0.5}}',
    );
  });

  for (const c of fixture.cases) {
    it(`cuts long output exactly as 0.58.0 stored it: ${c.name}`, () => {
      const out = execToolOutput({
        aggregatedOutput: generated(c.output),
        exitCode: 0,
        durationMs: c.durationMs,
      });
      expect(out.forHistory).toBe(c.stored);
      expect(out.formatted).toBe((JSON.parse(c.stored) as { output: string }).output);
    });
  }

  it("keeps outputs at the limits whole and never splits a multi-byte character", () => {
    const atLines = "a\n".repeat(256);
    expect(truncateOutputForModel(atLines)).toBe(atLines);
    const atBytes = "b".repeat(10 * 1024);
    expect(truncateOutputForModel(atBytes)).toBe(atBytes);
    const wide = "é".repeat(6000); // 12000 bytes on one line
    const cut = truncateOutputForModel(wide);
    expect(cut.startsWith("Total output lines: 1\n\n")).toBe(true);
    expect(cut).not.toContain("\uFFFD");
    const head = cut.slice("Total output lines: 1\n\n".length).split("\n[... output truncated")[0] ?? "";
    expect(head).toBe("é".repeat(2560));
  });
});

describe("execCommandEnd", () => {
  it("a command that cannot start: Rust's io::Error Debug text everywhere, exit -1, no duration (as 0.58.0)", async () => {
    const result = await runCommand({
      command: ["definitely-not-a-command-xyz"],
      cwd: process.cwd(),
      sandbox: null,
    });
    const text = 'execution error: Io(Os { code: 2, kind: NotFound, message: "No such file or directory" })';
    expect(execCommandEnd(result)).toEqual({
      end: {
        stdout: "",
        stderr: text,
        aggregated_output: text,
        exit_code: -1,
        duration: { secs: 0, nanos: 0 },
        formatted_output: text,
      },
      forHistory: text,
    });
  });

  it("a finished command: whole streams, the cut formatted output, the structured history string", () => {
    const { end, forHistory } = execCommandEnd({
      stdout: "a\n",
      stderr: "b\n",
      aggregatedOutput: "a\nb\n",
      exitCode: 1,
      durationMs: 1_234,
    });
    expect(end).toEqual({
      stdout: "a\n",
      stderr: "b\n",
      aggregated_output: "a\nb\n",
      exit_code: 1,
      duration: { secs: 1, nanos: 234_000_000 },
      formatted_output: "a\nb\n",
    });
    expect(forHistory).toBe('{"output":"a\\nb\\n","metadata":{"exit_code":1,"duration_seconds":1.2}}');
  });
});

describe("renderStructuredOutput", () => {
  for (const c of fixture.cases.filter((c) => c.stored.length <= 10_240)) {
    it(`renders as 0.58.0 sent it: ${c.name}`, () => {
      expect(renderStructuredOutput(c.stored)).toBe(c.sentWithFreeformApplyPatch);
    });
  }

  it("renders short outputs and leaves plain text alone", () => {
    expect(
      renderStructuredOutput('{"output":"hi\\n","metadata":{"exit_code":0,"duration_seconds":0.1}}'),
    ).toBe("Exit code: 0\nWall time: 0.1 seconds\nOutput:\nhi\n");
    expect(renderStructuredOutput('{"output":"","metadata":{"exit_code":0,"duration_seconds":0.0}}')).toBe(
      "Exit code: 0\nWall time: 0 seconds\nOutput:\n",
    );
    expect(renderStructuredOutput("exec command rejected by user")).toBeNull();
    expect(renderStructuredOutput('{"output":1,"metadata":{"exit_code":0,"duration_seconds":0}}')).toBeNull();
    expect(
      renderStructuredOutput('{"output":"x","metadata":{"exit_code":0.5,"duration_seconds":0}}'),
    ).toBeNull();
    expect(renderStructuredOutput("[1,2]")).toBeNull();
  });
});

describe("formatInputForModel", () => {
  const stored = (out: string) =>
    `{"output":${JSON.stringify(out)},"metadata":{"exit_code":0,"duration_seconds":0.0}}`;
  const history = [
    { type: "function_call", name: "shell", call_id: "c1", arguments: "{}" },
    { type: "function_call_output", call_id: "c1", output: stored("one\n") },
    { type: "custom_tool_call", name: "apply_patch", call_id: "c2", input: "*** Begin Patch" },
    { type: "custom_tool_call_output", call_id: "c2", output: stored("Success.\n") },
    { type: "function_call", name: "mcp__s__t", call_id: "c3", arguments: "{}" },
    { type: "function_call_output", call_id: "c3", output: stored("not a command\n") },
    { type: "function_call", name: "shell", call_id: "c4", arguments: "{}" },
    { type: "function_call_output", call_id: "c4", output: "exec command rejected by user" },
  ];
  const functionTools: ToolSpec[] = [
    { type: "function", name: "apply_patch", description: "", strict: false, parameters: {} },
  ];

  it("re-renders command outputs only when the freeform apply_patch tool is offered", () => {
    const sent = formatInputForModel(history, [FREEFORM_APPLY_PATCH_TOOL]);
    expect(sent.map((i) => i.output)).toEqual([
      undefined,
      "Exit code: 0\nWall time: 0 seconds\nOutput:\none\n",
      undefined,
      "Exit code: 0\nWall time: 0 seconds\nOutput:\nSuccess.\n",
      undefined,
      stored("not a command\n"),
      undefined,
      "exec command rejected by user",
    ]);
    expect(history[1]?.output).toBe(stored("one\n"));
    expect(formatInputForModel(history, functionTools)).toEqual(history);
  });

  it("cuts every long tool output as 0.58.0's history does, JSON included, before any re-rendering", () => {
    for (const c of fixture.cases) {
      const items = [
        { type: "function_call", name: "shell", call_id: "c", arguments: "{}" },
        { type: "function_call_output", call_id: "c", output: c.stored },
      ];
      expect(formatInputForModel(items, [FREEFORM_APPLY_PATCH_TOOL])[1]?.output).toBe(
        c.sentWithFreeformApplyPatch,
      );
    }
    const long = "x".repeat(20_000);
    // (An output is only sent with its call: 0.58.0 drops outputs without one.)
    const mcp = formatInputForModel(
      [
        { type: "function_call", name: "mcp__s__t", call_id: "m", arguments: "{}" },
        { type: "function_call_output", call_id: "m", output: long },
      ],
      [],
    );
    expect(mcp[1]?.output).toBe(truncateOutputForModel(long));
    expect(String(mcp[1]?.output)).toMatch(/^Total output lines: 1\n\nx{5120}\n\[\.\.\. output truncated/);
  });
});

describe("applyPatchToolType (which apply_patch tool 0.58.0 offered each model)", () => {
  it("freeform for gpt-5-codex*, gpt-5.1*, codex-*; function for gpt-oss; else none unless asked for", () => {
    for (const m of [
      "gpt-5-codex",
      "gpt-5-codex-mini",
      "gpt-5.1",
      "gpt-5.1-codex",
      "gpt-5.1-codex-mini",
      "codex-foo",
    ])
      expect(applyPatchToolType(m, {})).toBe("freeform");
    for (const m of ["o3", "gpt-5", "gpt-4.1", "codex-mini-latest", "mock-model"]) {
      expect(applyPatchToolType(m, {})).toBeNull();
      expect(applyPatchToolType(m, { apply_patch_freeform: true })).toBe("freeform");
      expect(applyPatchToolType(m, {}, true)).toBe("freeform");
    }
    expect(applyPatchToolType("gpt-oss:20b", {})).toBe("function");
    // The family's own form wins over the feature.
    expect(applyPatchToolType("gpt-oss:20b", { apply_patch_freeform: true })).toBe("function");
  });
});
