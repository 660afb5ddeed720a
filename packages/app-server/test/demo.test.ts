import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const demo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/demo-client.js");

describe("bundled demo client (pnpm demo, on AppServerClient)", () => {
  it("runs a thread with an approved command against the local model server, lists and archives, then a 0.166 turn", async () => {
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
      /item\/completed commandExecution .* → exit 0, output ".*NOTES\.md\\nREADME\.md\\n"/,
    );
    expect(stdout).toContain("NOTES.md exists in the project: true");
    expect(stdout.match(/turn\/completed: completed/g)).toHaveLength(2);
    // The client numbers its requests from 1: initialize, two threads with a turn each, then list (6), archive (7)
    // and list again (8). The second listing, after the archive, holds only the first thread.
    const listings = stdout
      .split("\n")
      .filter((l) => l.startsWith('← {"id":6,') || l.startsWith('← {"id":8,'));
    expect(listings[0]).toContain('"preview":"Say hello"');
    expect(listings[1]).not.toContain('"preview":"Say hello"');
    expect(listings[1]).toContain('"preview":"Add a NOTES.md to the project"');
    expect(stdout).toContain('← {"id":7,"result":{}}');
    expect(stdout).toContain("unknown variant `no/such/method`");
    expect(stdout).toContain("thread/archive rejected with AppServerError -32600: invalid thread id");
    expect(stdout).toContain("server exited with code 0");
    // Then one turn on a second connection speaking 0.166: the handshake declares capabilities.
    expect(stdout).toContain(
      '→ {"id":1,"method":"initialize","params":{"clientInfo":{"name":"demo-client","title":"Demo","version":"1.0.0"},"capabilities":{}}}',
    );
    expect(stdout).toContain("(0.166 handshake: platform unix/linux)");
    expect(stdout).toMatch(/← turn\/started \(turn [0-9a-f-]{36}, inProgress\)/);
    expect(stdout).toContain("← item/agentMessage/delta: Hello from a 0.166 client's turn.");
    expect(stdout).toMatch(/← turn\/completed \(0\.166\): completed in \d+ ms/);
    expect(stdout).toContain("0.166 server exited with code 0");
  });
});
