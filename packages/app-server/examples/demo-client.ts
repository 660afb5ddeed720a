// A small client of `codex app-server`, the way an editor drives it, on the typed client
// `@codex-ts/app-server-client`: spawn the server over stdio, send typed requests, answer its approval requests,
// print what streams back. The "model" is the bundled local mock model server on 127.0.0.1 with a scripted reply, so
// this runs with no API key and no network. Run with `pnpm demo`. It speaks both protocol generations: 0.58.0's
// (threads, an approved command, listing and archiving) and then, on a second connection, today's 0.166 one turn.
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  AppServerClient,
  AppServerError,
  type Protocol058,
  protocol0166,
  type StdioTransport,
} from "@codex-ts/app-server-client";
import { removeTempDirs, responses, startMockModelServer, tempDir } from "@codex-ts/test-support";
import { demoCodexHome } from "./demo-home.js";

type DemoClient = AppServerClient<Protocol058, StdioTransport>;

const clip = (text: string, max = 200) => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

/** Prints every message as it goes out and every response as it comes in (notifications are rendered below). */
function traceWire(client: DemoClient): void {
  client.onMessage((direction, message) => {
    if (direction === "out") console.log(`→ ${clip(JSON.stringify(message), 160)}`);
    else if (message.method === undefined) console.log(`← ${clip(JSON.stringify(message), 300)}\n`);
  });
}

/**
 * Prints a turn's stream the way an editor would render it, from the client's typed notification handlers (called
 * in wire order); resolves with the turn once `turn/completed` arrives.
 */
function renderTurn(client: DemoClient): Promise<{ id: string; status: string }> {
  let streaming = false;
  const endStream = () => {
    if (streaming) process.stdout.write("\n");
    streaming = false;
  };
  const stops: Array<() => void> = [];
  stops.push(client.on("turn/started", ({ turn }) => console.log(`  ← turn/started (turn ${turn.id})`)));
  for (const method of ["item/started", "item/completed"] as const)
    stops.push(
      client.on(method, ({ item }) => {
        endStream();
        const detail =
          item.type === "commandExecution"
            ? ` \`${item.command}\`${method === "item/completed" ? ` → exit ${item.exit_code}, output ${JSON.stringify(item.aggregated_output)}` : ""}`
            : item.type === "agentMessage" && method === "item/completed"
              ? ` ${JSON.stringify(item.text)}`
              : "";
        console.log(`  ← ${method} ${item.type}${detail}`);
      }),
    );
  stops.push(
    client.on("item/agentMessage/delta", ({ delta }) => {
      if (!streaming) process.stdout.write("  ← item/agentMessage/delta: ");
      streaming = true;
      process.stdout.write(delta);
    }),
  );
  return new Promise((resolve) => {
    stops.push(
      client.on("turn/completed", ({ turn }) => {
        endStream();
        console.log(`  ← turn/completed: ${turn.status}\n`);
        for (const stop of stops) stop();
        resolve(turn);
      }),
    );
  });
}

/** Sends a line the typed client never would (bad input), and waits for the answer when it is a request. */
async function sendRaw(client: DemoClient, line: string, id?: string): Promise<void> {
  console.log(`→ ${line}${id === undefined ? "   (not JSON: no reply, logged on stderr)" : ""}`);
  const answered =
    id === undefined
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const stop = client.onMessage((direction, message) => {
            if (direction === "in" && message.id === id) {
              stop();
              resolve();
            }
          });
        });
  await client.transport.writeRaw(`${line}\n`);
  await answered;
}

/**
 * Today's protocol (codex 0.166, what e.g. the ACP adapter speaks): the same server, chosen per connection by the
 * handshake's `capabilities`; one thread and one streamed turn with 0.166's notifications.
 */
async function modernTurn(codexHome: string, project: string): Promise<void> {
  console.log("--- a 0.166 client (initialize with capabilities) ---");
  const client = await AppServerClient.spawn({
    command: process.execPath,
    args: [cli, "app-server"],
    env: { ...process.env, CODEX_HOME: codexHome },
    stderr: "inherit",
    protocol: protocol0166,
  });
  client.onMessage((direction, message) => {
    if (direction === "out") console.log(`→ ${clip(JSON.stringify(message), 160)}`);
    else if (message.method === undefined) console.log(`← ${clip(JSON.stringify(message), 300)}\n`);
  });
  const init = await client.initialize({ name: "demo-client", title: "Demo", version: "1.0.0" }, {});
  console.log(`(0.166 handshake: platform ${init.platformFamily}/${init.platformOs})\n`);
  const { thread } = await client.request("thread/start", { cwd: project });
  let streaming = false;
  client.on("turn/started", ({ turn }) => console.log(`  ← turn/started (turn ${turn.id}, ${turn.status})`));
  client.on("item/agentMessage/delta", ({ delta }) => {
    if (!streaming) process.stdout.write("  ← item/agentMessage/delta: ");
    streaming = true;
    process.stdout.write(delta);
  });
  const done = new Promise<string>((resolve) =>
    client.on("turn/completed", ({ turn }) => {
      if (streaming) process.stdout.write("\n");
      console.log(`  ← turn/completed (0.166): ${turn.status} in ${turn.durationMs} ms\n`);
      resolve(turn.status);
    }),
  );
  await client.request("turn/start", {
    threadId: thread.id,
    input: [{ type: "text", text: "Say hello, 0.166" }],
  });
  await done;
  const exit = await client.close();
  console.log(`0.166 server exited with code ${exit.code}`);
}

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = process.env.CODEX_CLI ?? path.resolve(here, "../../../apps/cli/dist/main.js");
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
  // The 0.166 connection's turn.
  responses.turn(responses.message("Hello from a 0.166 client's turn.", undefined, 4)),
]);
try {
  const codexHome = await demoCodexHome("codex-demo-home-", model.baseUrl);
  const project = await tempDir("codex-demo-project-");
  await fs.writeFile(path.join(project, "README.md"), "# demo project\n");
  console.log(`local model server: ${model.baseUrl}`);
  console.log(`spawning: node ${path.relative(process.cwd(), cli)} app-server   (CODEX_HOME=${codexHome})\n`);
  const client = await AppServerClient.spawn({
    command: process.execPath,
    args: [cli, "app-server"],
    env: { ...process.env, CODEX_HOME: codexHome },
    stderr: "inherit",
  });
  traceWire(client);
  // The server asks before running an untrusted command; this client says yes (without a handler: declined).
  client.onApproval(({ method, kind, params }) => {
    const what =
      kind === "command" ? `run \`${(params as { command: string[] }).command.join(" ")}\`` : "edit files";
    console.log(`  ← ${method} (server → client request): ${what} in ${(params as { cwd: string }).cwd}?`);
    return "approve";
  });
  await client.initialize({ name: "demo-client", title: "Demo", version: "1.0.0" });

  // A thread whose commands need the user's approval (untrusted commands ask first), sandboxed to the project.
  const { thread } = await client.request("thread/start", {
    cwd: project,
    approvalPolicy: "unlessTrusted",
    sandbox: "workspaceWrite",
  });
  const turn = renderTurn(client);
  await client.request("turn/start", {
    threadId: thread.id,
    input: [{ type: "text", text: "Add a NOTES.md to the project" }],
  });
  await turn;
  console.log(`NOTES.md exists in the project: ${existsSync(path.join(project, "NOTES.md"))}\n`);

  // A second thread, so there is something to list and archive.
  const { thread: second } = await client.request("thread/start", { cwd: project });
  const turn2 = renderTurn(client);
  await client.request("turn/start", { threadId: second.id, input: [{ type: "text", text: "Say hello" }] });
  await turn2;

  await client.request("thread/list", { limit: 10 });
  await client.request("thread/archive", { threadId: second.id });
  await client.request("thread/list", { limit: 10 });

  // Bad input gets a clear error and the server carries on.
  await sendRaw(client, "this is not json");
  await sendRaw(client, JSON.stringify({ id: "bad-method", method: "no/such/method" }), "bad-method");
  try {
    await client.request("thread/archive", { threadId: "not-a-uuid" });
  } catch (err) {
    if (!(err instanceof AppServerError)) throw err;
    console.log(`(thread/archive rejected with AppServerError ${err.code}: ${err.message})\n`);
  }
  const exit = await client.close();
  console.log(`server exited with code ${exit.code}`);
  console.log(`rollout of the first thread: ${path.relative(codexHome, thread.path)}\n`);

  await modernTurn(codexHome, project);
} finally {
  await model.close();
  await removeTempDirs();
}
