import { describe, expect, it } from "vitest";
import { lineCount, truncate0166, truncateText0166, truncateTokens0166 } from "../src/tools/truncate-0166.js";
import { OutputBuffer } from "../src/unified-exec/output-buffer.js";

// The expected texts are codex 0.166.0's, observed through exec_command (app-server's exec-output-0166 e2e test
// compares them with the binary where it is installed).
describe("0.166.0's token cut of a tool output", () => {
  it("leaves output within the budget alone and counts four bytes a token", () => {
    expect(
      truncateTokens0166({ head: "oops\n", tail: "", dropped: false, totalBytes: 5, lineCount: 1 }, 10),
    ).toEqual({
      text: "oops\n",
      originalTokenCount: 2,
    });
    expect(truncateText0166("abcdefgh", 2)).toBe("abcdefgh");
  });

  it("keeps two bytes a token on each side, on character boundaries, under the warning header", () => {
    expect(truncateText0166("abcdefgh", 1)).toBe(
      "Warning: truncated output (original token count: 2)\nTotal output lines: 1\n\nab…1 tokens truncated…gh",
    );
    expect(truncateText0166("€".repeat(10), 1)).toBe(
      "Warning: truncated output (original token count: 8)\nTotal output lines: 1\n\n…7 tokens truncated…",
    );
    expect(truncateText0166("1\n2\n3\n4\n5\n", 0)).toBe(
      "Warning: truncated output (original token count: 3)\nTotal output lines: 5\n\n…3 tokens truncated…",
    );
  });

  it("counts lines as str::lines does", () => {
    expect([lineCount(""), lineCount("a"), lineCount("a\n"), lineCount("a\nb"), lineCount("\n\n")]).toEqual([
      0, 1, 1, 2, 2,
    ]);
  });

  it("counts the bytes and lines of a buffer's dropped middle too", () => {
    const buffer = new OutputBuffer(8);
    buffer.push(Buffer.from("é\n".repeat(100)));
    const taken = buffer.take();
    expect(taken).toMatchObject({ dropped: true, totalBytes: 300, lineCount: 100 });
    const cut = truncateTokens0166(taken, 1);
    expect(cut.originalTokenCount).toBe(75);
    expect(cut.text).toBe(
      "Warning: truncated output (original token count: 75)\nTotal output lines: 100\n\né…74 tokens truncated…\n",
    );
  });
});

// 0.166.0's cut for a model outside its catalogue (observed through exec_command with `llama3.1`: `seq 1 3000` and
// 8 000 `é`; app-server's model-generic-0166 e2e test compares a turn with the binary).
describe("0.166.0's byte cut of a tool output", () => {
  const bytes = (max: number) => ({ unit: "bytes" as const, max });

  it("leaves output within the budget alone", () => {
    expect(truncateText0166("abcdefgh", bytes(8))).toBe("abcdefgh");
  });

  it("keeps half the bytes on each side, on character boundaries, and counts the characters dropped", () => {
    expect(truncateText0166("abcdefghij", bytes(4))).toBe(
      "Warning: truncated output (original token count: 3)\nTotal output lines: 1\n\nab…6 chars truncated…ij",
    );
    const text = `${"é".repeat(8000)}\n`;
    const cut = truncateText0166(text, bytes(10_000));
    expect(
      cut.startsWith("Warning: truncated output (original token count: 4001)\nTotal output lines: 1\n\n"),
    ).toBe(true);
    expect(cut.endsWith(`${"é".repeat(2500)}…3001 chars truncated…${"é".repeat(2499)}\n`)).toBe(true);
  });

  it("counts a middle the buffer dropped a character a byte", () => {
    const out = { head: "abcd", tail: "wxyz", dropped: true, totalBytes: 20, lineCount: 1 };
    expect(truncate0166(out, bytes(4)).text).toBe(
      "Warning: truncated output (original token count: 5)\nTotal output lines: 1\n\nab…16 chars truncated…yz",
    );
  });
});
