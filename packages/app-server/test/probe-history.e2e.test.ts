import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CLI_MAIN, CODEX_0166_BIN, offeredTools, responses, type ScriptedResponse, startMockModelServer, writeModernCodexHome } from "@codex-ts/test-support";
import { it } from "vitest";
import { ModernClient } from "./helpers/modern-client.js";

function shellCall(cmd: string, callId: string): (body: unknown) => ScriptedResponse {
  return (body) =>
    responses.turn(
      offeredTools(body).includes("exec_command")
        ? responses.functionCall("exec_command", { cmd, yield_time_ms: 2000 }, callId)
        : responses.functionCall("shell", { command: ["bash", "-lc", cmd] }, callId),
    );
}
it("probe", async () => {
  const pick = (w?: string) => (w === "ours" ? [process.execPath, CLI_MAIN] : [CODEX_0166_BIN!]);
  const which = pick(process.env.WRITER);
  const reader = pick(process.env.READER);
  const tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "probe-")));
  const mock = await startMockModelServer();
  const home = await writeModernCodexHome(path.join(tmp, "home"), mock.baseUrl);
  const cwd = path.join(tmp, "project");
  await fs.mkdir(cwd);
  const c = await ModernClient.start(which, { codexHome: home, cwd });
  const out: unknown[] = [];
  const r = await c.call<{ thread: { id: string } }>("thread/start", { cwd, approvalPolicy: "never", sandbox: "danger-full-access" });
  const id = r.thread.id;
  mock.enqueue(responses.turn(...responses.reasoning("thinking"), responses.message("hello there")));
  await c.turn(id, "first question");
  mock.enqueue(shellCall("echo hi", "call_1"), responses.turn(responses.message("ran it")));
  await c.turn(id, "run echo");
  const patch = "*** Begin Patch\n*** Add File: b.txt\n+bee\n*** End Patch";
  mock.enqueue((body: unknown) => responses.turn(offeredTools(body).includes("apply_patch") ? responses.customToolCall("apply_patch", patch, "call_p") : responses.functionCall("shell", { command: ["apply_patch", patch] }, "call_p")), responses.turn(responses.message("patched")));
  await c.turn(id, "patch it");
  for (const [m, p] of [
    ["thread/list", {}],
    ["thread/list", { limit: 1, sortKey: "updated_at" }],
    ["thread/read", { threadId: id }],
    ["thread/read", { threadId: id, includeTurns: true }],
    ["thread/turns/list", { threadId: id }],
    ["thread/turns/list", { threadId: id, limit: 1 }],
    ["thread/turns/list", { threadId: id, limit: 1, sortDirection: "asc", itemsView: "full" }],
    ["thread/items/list", { threadId: id }],
    ["thread/items/list", { threadId: id, limit: 2 }],
    ["thread/read", { threadId: "01a241ad-5417-7fb3-9c8e-24f0707d17b2" }],
    ["thread/read", { threadId: "nope" }],
    ["thread/turns/list", { threadId: "01a241ad-5417-7fb3-9c8e-24f0707d17b2" }],
    ["thread/items/list", { threadId: "01a241ad-5417-7fb3-9c8e-24f0707d17b2" }],
    ["thread/turns/list", { threadId: id, cursor: "garbage" }],
    ["thread/items/list", { threadId: id, cursor: "garbage" }],
    ["thread/list", { cursor: "garbage" }],
  ] as const) {
    const m2 = await c.peer.request(m, p);
    out.push({ m, p, r: m2.result ?? m2.error });
  }
  await c.close();
  // fresh process: not loaded
  const d = await ModernClient.start(reader, { codexHome: home, cwd });
  for (const [m, p] of [
    ["thread/read", { threadId: id, includeTurns: true }],
    ["thread/turns/list", { threadId: id, limit: 1 }],
    ["thread/items/list", { threadId: id, limit: 3 }],
    ["thread/resume", { threadId: id, excludeTurns: true, initialTurnsPage: { limit: 1 } }],
  ] as const) {
    const m2 = await d.peer.request(m, p);
    out.push({ m, p, r: m2.result ?? m2.error });
  }
  await d.close();
  await fs.writeFile(`/tmp/probe/${`${process.env.WRITER}-${process.env.READER}`}.json`, JSON.stringify(out, null, 1));
  const files = await fs.readdir(path.join(home, "sessions"), { recursive: true });
  for (const f of files) if (f.endsWith(".jsonl")) await fs.copyFile(path.join(home, "sessions", f), `/tmp/probe/${`${process.env.WRITER}-${process.env.READER}`}.jsonl`);
  await mock.close();
  await fs.rm(tmp, { recursive: true, force: true });
}, 60000);
