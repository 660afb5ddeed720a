// A small client of `codex app-server`, the way an editor drives it: spawn the server, talk JSON-RPC lite over its
// stdio, answer its approval requests, print what streams back. The "model" is the bundled local mock model server
// on 127.0.0.1 with a scripted reply, so this runs with no API key and no network. Run with `pnpm demo`.
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { responses, startMockModelServer } from "@codex-ts/test-support";

type Message = {
  id?: number | string;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
};

const clip = (text: string, max = 200) => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

class Client {
  private nextId = 0;
  private readonly waiting = new Map<number | string, (m: Message) => void>();
  private readonly watchers: Array<(m: Message) => void> = [];
  private buffer = "";

  constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      this.buffer += chunk;
      let nl = this.buffer.indexOf("\n");
      while (nl !== -1) {
        const msg = JSON.parse(this.buffer.slice(0, nl)) as Message;
        this.buffer = this.buffer.slice(nl + 1);
        nl = this.buffer.indexOf("\n");
        if (msg.id !== undefined && msg.method === undefined) this.waiting.get(msg.id)?.(msg);
        else for (const w of [...this.watchers]) w(msg);
      }
    });
  }

  /** Every notification and server request from now on. */
  watch(fn: (m: Message) => void): () => void {
    this.watchers.push(fn);
    return () => this.watchers.splice(this.watchers.indexOf(fn), 1);
  }

  async call(method: string, params?: unknown): Promise<Message> {
    const id = this.nextId++;
    const line = JSON.stringify(params === undefined ? { id, method } : { id, method, params });
    console.log(`→ ${clip(line, 160)}`);
    const reply = await new Promise<Message>((resolve) => {
      this.waiting.set(id, resolve);
      this.child.stdin.write(`${line}\n`);
    });
    console.log(`← ${clip(JSON.stringify(reply), 300)}\n`);
    return reply;
  }

  respond(id: number | string, result: unknown): void {
    const line = JSON.stringify({ id, result });
    console.log(`→ ${line}`);
    this.child.stdin.write(`${line}\n`);
  }

  /** Writes a raw line, to show that bad input does not break the server. */
  raw(line: string): void {
    console.log(`→ ${line}   (not JSON: no reply, logged on stderr)`);
    this.child.stdin.write(`${line}\n`);
  }

  close(): Promise<number | null> {
    return new Promise((resolve) => {
      this.child.once("exit", resolve);
      this.child.stdin.end();
    });
  }
}

/** Prints a turn's stream the way an editor would render it, approving the command the model wants to run. */
function renderTurn(client: Client): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let streaming = false;
    const endStream = () => {
      if (streaming) process.stdout.write("\n");
      streaming = false;
    };
    const stop = client.watch((m) => {
      const p = m.params ?? {};
      switch (m.method) {
        case "turn/started":
          console.log(`  ← turn/started (turn ${(p.turn as { id: string }).id})`);
          break;
        case "item/started":
        case "item/completed": {
          endStream();
          const item = p.item as Record<string, unknown>;
          // 0.58.0 spells a command's outcome in snake_case, 0.166.0 in camelCase.
          const exit = item.exit_code ?? item.exitCode;
          const output = item.aggregated_output ?? item.aggregatedOutput;
          const detail =
            item.type === "commandExecution"
              ? ` \`${item.command}\`${m.method === "item/completed" ? ` → ${item.status ?? ""} exit ${exit}, output ${JSON.stringify(output)}` : ""}`
              : item.type === "agentMessage" && m.method === "item/completed"
                ? ` ${JSON.stringify(item.text)}`
                : "";
          console.log(`  ← ${m.method} ${item.type}${detail}`);
          break;
        }
        case "item/agentMessage/delta":
          if (!streaming) process.stdout.write("  ← item/agentMessage/delta: ");
          streaming = true;
          process.stdout.write(String(p.delta));
          break;
        case "execCommandApproval":
          endStream();
          console.log(
            `  ← execCommandApproval (server → client request): run \`${(p.command as string[]).join(" ")}\` in ${p.cwd}?`,
          );
          client.respond(m.id as number, { decision: "approved" });
          break;
        case "item/commandExecution/requestApproval":
          endStream();
          console.log(
            `  ← item/commandExecution/requestApproval (server → client request): run \`${p.command}\`? (${p.reason})`,
          );
          client.respond(m.id as number, { decision: "accept" });
          break;
        case "thread/status/changed":
          console.log(`  ← thread/status/changed: ${JSON.stringify(p.status)}`);
          break;
        case "turn/completed":
          endStream();
          console.log(`  ← turn/completed: ${(p.turn as { status: string }).status}\n`);
          stop();
          resolve(p.turn as Record<string, unknown>);
          break;
        default:
          if (m.method && !m.method.startsWith("codex/event/")) console.log(`  ← ${m.method}`);
      }
    });
  });
}

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = process.env.CODEX_CLI ?? path.resolve(here, "../../../apps/cli/dist/main.js");
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "codex-demo-"));
const model = await startMockModelServer([
  // Turn 1: the model asks to run a command (which needs approval), then reports what it did.
  responses.turn(
    responses.functionCall(
      "shell",
      { command: ["bash", "-c", "echo '# Notes' > NOTES.md && ls"], workdir: null },
      "call_notes",
    ),
  ),
  responses.turn(
    responses.message(
      "I created NOTES.md with a heading; the project now has NOTES.md and README.md.",
      undefined,
      6,
    ),
  ),
  // Turn 2, on a second thread: a plain answer.
  responses.turn(responses.message("Hello! Nothing to run for this one.")),
  // Turn 3, for a client of today's (0.166) protocol: a command outside the read-only sandbox, then an answer.
  responses.turn(
    responses.functionCall(
      "shell",
      {
        command: ["bash", "-lc", "echo hello from the sandbox-free side"],
        with_escalated_permissions: true,
        justification: "print a greeting",
      },
      "call_hello",
    ),
  ),
  responses.turn(responses.message("The command printed its greeting.", undefined, 4)),
]);
try {
  const codexHome = path.join(tmp, "home");
  const project = path.join(tmp, "project");
  await fs.mkdir(codexHome);
  await fs.mkdir(project);
  await fs.writeFile(path.join(project, "README.md"), "# demo project\n");
  await fs.writeFile(
    path.join(codexHome, "config.toml"),
    [
      'model = "gpt-5-codex"',
      'model_provider = "local"',
      "[model_providers.local]",
      'name = "bundled local model server"',
      `base_url = "${model.baseUrl}"`,
      'wire_api = "responses"',
      "",
    ].join("\n"),
  );
  console.log(`local model server: ${model.baseUrl}`);
  console.log(`spawning: node ${path.relative(process.cwd(), cli)} app-server   (CODEX_HOME=${codexHome})\n`);
  const child = spawn(process.execPath, [cli, "app-server"], {
    env: { ...process.env, CODEX_HOME: codexHome },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const client = new Client(child);
  await client.call("initialize", { clientInfo: { name: "demo-client", title: "Demo", version: "1.0.0" } });

  // A thread whose commands need the user's approval (untrusted commands ask first), sandboxed to the project.
  const started = await client.call("thread/start", {
    cwd: project,
    approvalPolicy: "unlessTrusted",
    sandbox: "workspaceWrite",
  });
  const threadOf = (m: Message) => m.result?.thread as { id: string; path: string };
  const thread = threadOf(started);
  const turn = renderTurn(client);
  await client.call("turn/start", {
    threadId: thread.id,
    input: [{ type: "text", text: "Add a NOTES.md to the project" }],
  });
  await turn;
  console.log(`NOTES.md exists in the project: ${existsSync(path.join(project, "NOTES.md"))}\n`);

  // A second thread, so there is something to list and archive.
  const second = await client.call("thread/start", { cwd: project });
  const secondId = threadOf(second).id;
  const turn2 = renderTurn(client);
  await client.call("turn/start", { threadId: secondId, input: [{ type: "text", text: "Say hello" }] });
  await turn2;

  await client.call("thread/list", { limit: 10 });
  await client.call("thread/archive", { threadId: secondId });
  await client.call("thread/list", { limit: 10 });

  // Bad input gets a clear error and the server carries on.
  client.raw("this is not json");
  await client.call("no/such/method");
  await client.call("thread/archive", { threadId: "not-a-uuid" });
  console.log(`server exited with code ${await client.close()}`);
  console.log(`rollout of the first thread: ${path.relative(codexHome, thread.path)}\n`);

  // Today's clients (codex 0.166, e.g. the ACP adapter editors ship) say so at initialize with `capabilities`; the
  // same server then speaks their protocol: UUIDv7 turn ids, thread status changes, item/* with item times,
  // approvals as item/commandExecution/requestApproval, serverRequest/resolved, emittedAtMs on each notification.
  console.log("--- a client of the 0.166 protocol ---\n");
  const modern = new Client(
    spawn(process.execPath, [cli, "app-server"], {
      env: { ...process.env, CODEX_HOME: codexHome },
      stdio: ["pipe", "pipe", "inherit"],
    }),
  );
  await modern.call("initialize", {
    clientInfo: { name: "demo-editor", version: "2.0.0" },
    capabilities: { experimentalApi: true },
  });
  const modernThread = threadOf(
    await modern.call("thread/start", { cwd: project, approvalPolicy: "on-request", sandbox: "read-only" }),
  );
  const turn3 = renderTurn(modern);
  await modern.call("turn/start", {
    threadId: modernThread.id,
    input: [{ type: "text", text: "Greet me from the shell", text_elements: [] }],
  });
  await turn3;
  console.log(`0.166 server exited with code ${await modern.close()}`);
} finally {
  await model.close();
  await fs.rm(tmp, { recursive: true, force: true });
}
