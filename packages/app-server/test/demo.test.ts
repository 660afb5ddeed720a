import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const demo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/demo-client.js");

describe("bundled demo client (pnpm demo)", () => {
  it("drives the built codex app-server end to end and the server exits cleanly", async () => {
    const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
      const child = execFile(process.execPath, [demo], { encoding: "utf8" }, (err, out) =>
        resolve({ stdout: out, code: err ? (typeof err.code === "number" ? err.code : 1) : 0 }),
      );
      child.stdin?.end();
    });
    expect(code).toBe(0);
    expect(stdout).toContain('"message":"Not initialized"');
    expect(stdout).toMatch(/"userAgent":"codex_cli_rs\/0\.58\.0 \(.*\) .* \(demo-client; 1\.0\.0\)"/);
    expect(stdout).toContain('"path":"src/main.ts"');
    expect(stdout).not.toContain("build/main.js");
    expect(stdout).toContain("+A line added after the last push.");
    expect(stdout).toContain("server exited with code 0");
  });
});
