// Two clients on one `codex app-server --listen ws://127.0.0.1:0` (0.166 protocol): the "editor" starts a thread and
// a turn; the "watcher" joins the same thread, watches the turn stream and answers the approval the model's command
// needs; the editor is told the approval was resolved elsewhere. Local only: the bundled mock model on 127.0.0.1.
// Run by `pnpm demo` after the stdio demo.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AppServerClient, protocol0166 } from "@codex-ts/app-server-client";
import { removeTempDirs, responses, startMockModelServer, tempDir } from "@codex-ts/test-support";
import { demoCodexHome } from "./demo-home.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = process.env.CODEX_CLI ?? path.resolve(here, "../../../apps/cli/dist/main.js");
const model = await startMockModelServer([
  responses.turn(
    // The modern thread's command tool (0.166.0's exec_command; its threads have no `shell`).
    responses.functionCall(
      "exec_command",
      { cmd: "echo shared > SHARED.md", yield_time_ms: 10_000 },
      "call_shared",
    ),
  ),
  responses.turn(responses.message("SHARED.md is written; both clients saw it happen.", undefined, 4)),
]);
const codexHome = await demoCodexHome("codex-demo2-home-", model.baseUrl);
const project = await tempDir("codex-demo2-project-");
const server = spawn(process.execPath, [cli, "app-server", "--listen", "ws://127.0.0.1:0"], {
  cwd: project,
  env: { ...process.env, CODEX_HOME: codexHome },
  stdio: ["ignore", "inherit", "pipe"],
});
try {
  const url = await new Promise<string>((resolve, reject) => {
    let err = "";
    server.stderr?.setEncoding("utf8");
    server.stderr?.on("data", (chunk: string) => {
      err += chunk;
      const m = /listening on (ws:\/\/\S+)/.exec(err);
      if (m?.[1]) resolve(m[1]);
    });
    server.once("exit", (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
  console.log(`\n--- two clients, one server: codex app-server --listen ${url} ---\n`);
  const editor = await AppServerClient.connect(url, { protocol: protocol0166 });
  const watcher = await AppServerClient.connect(url, { protocol: protocol0166 });
  await editor.initialize({ name: "editor", version: "1.0.0" }, {});
  await watcher.initialize({ name: "watcher", version: "1.0.0" }, {});
  // The editor leaves approvals to the watcher (it never answers); the watcher approves.
  editor.onApproval(({ method }) => {
    console.log(`  [editor]  ← ${method} (left to the watcher)`);
    return new Promise(() => {});
  });
  watcher.onApproval(({ method, params }) => {
    console.log(`  [watcher] ← ${method}: run \`${(params as { command: string }).command}\`? approving`);
    return "approve";
  });
  editor.on("serverRequest/resolved", ({ requestId }) =>
    console.log(`  [editor]  ← serverRequest/resolved (request ${requestId} was answered by another client)`),
  );
  for (const [name, c] of [
    ["editor ", editor],
    ["watcher", watcher],
  ] as const) {
    c.on("turn/started", ({ turn }) => console.log(`  [${name}] ← turn/started ${turn.id}`));
    c.on("item/completed", ({ item }) => console.log(`  [${name}] ← item/completed ${item.type}`));
  }
  const { thread } = await editor.request("thread/start", {
    cwd: project,
    approvalPolicy: "untrusted",
    sandbox: "workspace-write",
  });
  console.log(`  [editor]  → thread/start: ${thread.id}`);
  await watcher.request("thread/resume", { threadId: thread.id });
  console.log(`  [watcher] → thread/resume ${thread.id} (joins the live thread)`);
  const done = (c: typeof editor) =>
    new Promise<string>((resolve) => c.on("turn/completed", ({ turn }) => resolve(turn.status)));
  const finished = Promise.all([done(editor), done(watcher)]);
  await editor.request("turn/start", {
    threadId: thread.id,
    input: [{ type: "text", text: "Write SHARED.md" }],
  });
  const [a, b] = await finished;
  console.log(`  turn/completed on the editor: ${a}, on the watcher: ${b}`);
  console.log(`  SHARED.md exists in the project: ${existsSync(path.join(project, "SHARED.md"))}`);
  await editor.close();
  await watcher.close();
} finally {
  server.kill("SIGTERM");
  if (server.exitCode === null) await new Promise((r) => server.once("exit", r));
  console.log(`listening server exited with code ${server.exitCode}`);
  await model.close();
  await removeTempDirs();
}
