import { REFERENCE_CODEX_BIN, rolloutFiles, tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closedBaseUrl, type MockOllama, startMockOllama } from "./helpers/mock-ollama.js";
import { type CliRun, runCli } from "./helpers/run-cli.js";

// `codex exec --oss` end to end: the built CLI (and, where installed, codex 0.58.0) against a local Ollama on
// 127.0.0.1: the server is probed, a missing model pulled with its progress on stderr, and the turn runs on the
// built-in `oss` provider (Chat Completions).

let home: string;
let work: string;
const servers: MockOllama[] = [];

beforeEach(async () => {
  home = await tempDir("codex-oss-home-");
  work = await tempDir("codex-oss-work-");
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function ollama(o: Parameters<typeof startMockOllama>[0] = {}): Promise<MockOllama> {
  const s = await startMockOllama(o);
  servers.push(s);
  return s;
}

const run = (baseUrl: string, args: string[], bin?: string): Promise<CliRun> =>
  runCli(["exec", "--oss", ...args], {
    cwd: work,
    ...(bin ? { bin } : {}),
    env: { CODEX_HOME: home, CODEX_OSS_BASE_URL: baseUrl, OPENAI_API_KEY: "", CODEX_API_KEY: "" },
  });

/** Runs `exec --oss` on a server without the model: it must pull it, then answer. */
async function pulledAndAnswered(s: MockOllama, bin?: string): Promise<CliRun> {
  const r = await run(s.baseUrl, ["--skip-git-repo-check", "say hi"], bin);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toBe("hello from oss\n");
  expect(s.requests.map((q) => q.line)).toEqual([
    "GET /v1/models",
    "GET /api/tags",
    "POST /api/pull",
    "POST /v1/chat/completions",
  ]);
  return r;
}

describe("codex exec --oss", () => {
  it("pulls a missing default model with its progress on stderr, then runs the turn on the oss provider", async () => {
    const s = await ollama();
    const r = await pulledAndAnswered(s);
    expect(JSON.parse(s.requests[2]!.body)).toEqual({ model: "gpt-oss:20b", stream: true });
    expect(JSON.parse(s.requests[3]!.body).model).toBe("gpt-oss:20b");
    // The progress, rewritten in place on one line: the statuses (not the manifest step), the header, the bytes.
    expect(r.stderr).toContain("\rPulling model gpt-oss:20b...");
    expect(r.stderr).not.toContain("pulling manifest");
    expect(r.stderr).toContain("\r\x1b[2KDownloading model: total 2.00 GB\n");
    expect(r.stderr).toMatch(/\r1\.00\/2\.00 GB \(50\.0%\) [\d.]+ MB\/s/);
    expect(r.stderr).toMatch(/\rsuccess *\n/);
    expect(r.stderr).toContain("provider: oss");
    expect(r.stderr).toContain("model: gpt-oss:20b");
  });

  it("runs a model the server already has without pulling it (--model)", async () => {
    const s = await ollama({ models: ["llama3.2:3b"] });
    const r = await run(s.baseUrl, ["--skip-git-repo-check", "-m", "llama3.2:3b", "say hi"]);
    expect(r.code, r.stderr).toBe(0);
    expect(s.requests.map((q) => q.line)).toEqual([
      "GET /v1/models",
      "GET /api/tags",
      "POST /v1/chat/completions",
    ]);
    expect(JSON.parse(s.requests[2]!.body).model).toBe("llama3.2:3b");
    expect(r.stderr).not.toContain("Pulling model");
  });

  it("without a server: 0.58.0's error, exit 1, nothing recorded (checked before the git repository)", async () => {
    const r = await run(await closedBaseUrl(), ["say hi"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "Error: OSS setup failed: No running Ollama server detected. Start it with: `ollama serve` (after installing). Install instructions: https://github.com/ollama/ollama?tab=readme-ov-file#ollama\n",
    );
    expect(await rolloutFiles(home)).toEqual([]);
  });

  it("a pull the server reports failed inside its stream: the error, exit 1", async () => {
    const s = await ollama({
      pullLines: [{ status: "pulling manifest" }, { error: "pull model manifest: file does not exist" }],
    });
    const r = await run(s.baseUrl, ["--skip-git-repo-check", "say hi"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "\rPulling model gpt-oss:20b...Error: OSS setup failed: Pull failed: pull model manifest: file does not exist\n",
    );
    expect(s.requests.map((q) => q.line)).not.toContain("POST /v1/chat/completions");
  });

  it("a pull stream that ends without success is an error too", async () => {
    const s = await ollama({
      pullLines: [{ status: "pulling manifest" }, "not json", { status: "verifying" }],
    });
    const r = await run(s.baseUrl, ["--skip-git-repo-check", "say hi"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: OSS setup failed: Pull stream ended unexpectedly without success.\n");
  });

  it.skipIf(!REFERENCE_CODEX_BIN)("answers, pulls and fails as codex 0.58.0 does", async () => {
    for (const bin of [undefined, REFERENCE_CODEX_BIN]) {
      const r = await pulledAndAnswered(await ollama(), bin);
      expect(r.stderr).toContain("\rPulling model gpt-oss:20b...");
      expect(r.stderr).toContain("\r\x1b[2KDownloading model: total 2.00 GB\n");
      const down = await run(await closedBaseUrl(), ["say hi"], bin);
      expect(down.code).toBe(1);
      expect(down.stderr.split("\n")[0]).toBe(
        "Error: OSS setup failed: No running Ollama server detected. Start it with: `ollama serve` (after installing). Install instructions: https://github.com/ollama/ollama?tab=readme-ov-file#ollama",
      );
    }
  });
});
