import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const demo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/demo-two-clients.js");

describe("two-client demo (pnpm demo, after the stdio demo)", () => {
  it("the watcher sees the editor's turn stream and answers its approval; the editor is told it was resolved", {
    timeout: 60_000,
  }, async () => {
    const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
      execFile(process.execPath, [demo], { encoding: "utf8" }, (err, out) =>
        resolve({ stdout: out, code: err ? (typeof err.code === "number" ? err.code : 1) : 0 }),
      );
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /--- two clients, one server: codex app-server --listen ws:\/\/127\.0\.0\.1:\d+ ---/,
    );
    expect(stdout).toContain("[editor]  ← item/commandExecution/requestApproval (left to the watcher)");
    expect(stdout).toMatch(
      /\[watcher\] ← item\/commandExecution\/requestApproval: run `.*SHARED\.md.*`\? approving/,
    );
    expect(stdout).toMatch(
      /\[editor\] {2}← serverRequest\/resolved \(request \d+ was answered by another client\)/,
    );
    for (const who of ["editor ", "watcher"]) {
      expect(stdout).toContain(`[${who}] ← item/completed commandExecution`);
      expect(stdout).toContain(`[${who}] ← item/completed agentMessage`);
    }
    expect(stdout).toContain("turn/completed on the editor: completed, on the watcher: completed");
    expect(stdout).toContain("SHARED.md exists in the project: true");
    expect(stdout).toContain("listening server exited with code 0");
  });
});
