import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const demo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/demo-client.js");

describe("bundled demo client (pnpm demo)", () => {
  it("runs a thread with an approved command against the local model server, lists and archives, exits cleanly", async () => {
    const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
      const child = execFile(process.execPath, [demo], { encoding: "utf8" }, (err, out) =>
        resolve({ stdout: out, code: err ? (typeof err.code === "number" ? err.code : 1) : 0 }),
      );
      child.stdin?.end();
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/"userAgent":"codex_cli_rs\/0\.58\.0 \(.*\) .* \(demo-client; 1\.0\.0\)"/);
    expect(stdout).toContain("← execCommandApproval (server → client request)");
    expect(stdout).toContain('→ {"id":0,"result":{"decision":"approved"}}');
    expect(stdout).toMatch(
      /item\/completed commandExecution .* → completed exit 0, output ".*NOTES\.md\\nREADME\.md\\n"/,
    );
    expect(stdout).toContain("NOTES.md exists in the project: true");
    // The second listing, after the archive, holds only the first thread.
    const listings = stdout
      .split("\n")
      .filter((l) => l.startsWith('← {"id":5,') || l.startsWith('← {"id":7,'));
    expect(listings[0]).toContain('"preview":"Say hello"');
    expect(listings[1]).not.toContain('"preview":"Say hello"');
    expect(listings[1]).toContain('"preview":"Add a NOTES.md to the project"');
    expect(stdout).toContain('← {"id":6,"result":{}}');
    expect(stdout).toContain("unknown variant `no/such/method`");
    expect(stdout).toContain("server exited with code 0");
    // The same server, for a client of the 0.166 protocol.
    expect(stdout).toContain("← item/commandExecution/requestApproval (server → client request)");
    expect(stdout).toContain('"result":{"decision":"accept"}');
    expect(stdout).toContain("← serverRequest/resolved");
    expect(stdout).toMatch(
      /item\/completed commandExecution .* → completed exit 0, output "hello from the sandbox-free side\\n"/,
    );
    expect(stdout).toContain('← item/completed agentMessage "The command printed its greeting."');
    expect(stdout.match(/turn\/completed: completed/g)).toHaveLength(3);
    expect(stdout).toContain("0.166 server exited with code 0");
  });
});
