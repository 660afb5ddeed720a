import { spawn } from "node:child_process";
import { CLI_MAIN, JsonRpcChild, tempDir } from "@codex-ts/test-support";

/**
 * Our app server over stdio in a temp CODEX_HOME and work dir, unable to reach anything: the provider and every
 * proxy point at a closed local port. The server's own requests (approvals, elicitations) are declined. For the
 * param fuzzers, which send whatever a schema allows.
 */
export async function startOfflineServer(prefix: string): Promise<{ rpc: JsonRpcChild; workDir: string }> {
  const home = await tempDir(`${prefix}home-`);
  const workDir = await tempDir(`${prefix}work-`);
  const child = spawn(process.execPath, [CLI_MAIN, "app-server"], {
    cwd: workDir,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      CODEX_HOME: home,
      OPENAI_API_KEY: "sk-fuzz",
      OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
      HTTPS_PROXY: "http://127.0.0.1:9",
      HTTP_PROXY: "http://127.0.0.1:9",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const rpc = new JsonRpcChild(child, { jsonrpc: false, onRequest: () => ({ decision: "decline" }) });
  return { rpc, workDir };
}
