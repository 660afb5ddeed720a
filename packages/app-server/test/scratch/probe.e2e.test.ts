import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CLI_MAIN, CODEX_0166_BIN, responses, startMockModelServer, writeModernCodexHome } from "@codex-ts/test-support";
import { it } from "vitest";
import { ModernClient } from "../helpers/modern-client.js";

const UNKNOWN = "01a241ad-5417-7fb3-9c8e-24f0707d17b2";
it("probe", async () => {
  const which = process.env.PROBE === "ours" ? [process.execPath, CLI_MAIN] : [CODEX_0166_BIN!];
  const tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "probe-")));
  const mock = await startMockModelServer();
  const home = await writeModernCodexHome(path.join(tmp, "home"), mock.baseUrl);
  await fs.writeFile(path.join(home, "config.toml"), "thread_unload_delay_secs = 1\n" + (await fs.readFile(path.join(home, "config.toml"), "utf8")));
  const cwd = path.join(tmp, "p"); await fs.mkdir(cwd);
  const c = await ModernClient.start(which, { codexHome: home, cwd });
  const log = (label: string, m: unknown) => console.log(label, JSON.stringify(m, null, 0).replaceAll(tmp, "<tmp>"));
  const r = async (method: string, params: unknown) => { const m = await c.peer.request(method, params); log(`${method} ${JSON.stringify(params)} =>`, m.result ?? m.error); return m.result as any; };
  const st = await r("thread/start", { cwd });
  const id = st.thread.id;
  mock.enqueue(responses.turn(responses.message("A1")));
  await c.turn(id, "Q1");
  mock.enqueue(responses.turn(responses.message("A2")));
  await c.turn(id, "Q2");
  await r("thread/name/set", { threadId: id, name: "My name" });
  await r("thread/name/set", { threadId: UNKNOWN, name: "x" });
  await r("thread/name/set", { threadId: "nope", name: "x" });
  await r("thread/name/set", { threadId: id, name: "" });
  await r("thread/name/set", { threadId: id, name: "  Named  " });
  await r("thread/loaded/list", {});
  await r("thread/loaded/list", {limit: 0});
  const f = await r("thread/fork", { threadId: id });
  const f2 = await r("thread/fork", { threadId: id, lastTurnId: f.thread.turns[0].id });
  const f3 = await r("thread/fork", { threadId: id, beforeTurnId: f.thread.turns[0].id, excludeTurns: true, model: "other-model", cwd: tmp });
  await r("thread/fork", { threadId: UNKNOWN });
  await r("thread/fork", { threadId: "nope" });
  await r("thread/fork", { threadId: id, lastTurnId: "bogus" });
  await r("thread/fork", { threadId: id, beforeTurnId: "bogus" });
  await r("thread/fork", { threadId: id, beforeTurnId: "x", lastTurnId: "y" });
  await r("thread/loaded/list", {});
  await r("thread/loaded/list", {limit: 1});
  await r("thread/compact/start", { threadId: UNKNOWN });
  mock.enqueue(responses.turn(responses.message("SUMMARY")));
  await r("thread/compact/start", { threadId: id });
  await new Promise((res) => setTimeout(res, 1500));
  await r("thread/archive", { threadId: id });
  await r("thread/archive", { threadId: id });
  await r("thread/archive", { threadId: UNKNOWN });
  await r("thread/archive", { threadId: "nope" });
  await r("thread/unarchive", { threadId: id });
  await r("thread/unarchive", { threadId: id });
  await r("thread/unarchive", { threadId: UNKNOWN });
  await r("thread/unsubscribe", { threadId: f.thread.id });
  await r("thread/unsubscribe", { threadId: f.thread.id });
  await r("thread/unsubscribe", { threadId: UNKNOWN });
  await r("thread/unsubscribe", { threadId: "nope" });
  await r("thread/delete", { threadId: f2.thread.id });
  await r("thread/delete", { threadId: f2.thread.id });
  await r("thread/delete", { threadId: UNKNOWN });
  await r("thread/delete", { threadId: "nope" });
  await new Promise((res) => setTimeout(res, 2500));
  await r("thread/loaded/list", {});
  await r("thread/unarchive", { threadId: "nope" });
  await r("thread/loaded/list", { cursor: "nope" });
  await r("thread/compact/start", { threadId: "nope" });
  const names = new Map<unknown, string>();
  for (const e of c.tee()) {
    const m = e.msg;
    if (e.dir === "c2s") { names.set(m.id, m.method!); console.log("STEP →", m.method); continue; }
    if (m.method) { if (!["account/rateLimits/updated","remoteControl/status/changed"].includes(m.method)) console.log("STEP ⇐", m.method, m.method.startsWith("item/") ? (m.params as any).item?.type : m.method === "thread/status/changed" ? (m.params as any).status.type : ""); continue; }
    console.log("STEP ←", names.get(m.id), m.error ? "ERR " + (m.error as any).message.replaceAll(tmp, "<tmp>") : "");
  }
  const files = await fs.readdir(path.join(home, "sessions"), { recursive: true });
  log("files", files);
  for (const f of files) if (f.endsWith(".jsonl")) { const t = await fs.readFile(path.join(home, "sessions", f), "utf8"); console.log("FILE", f, t.split("\n").map(l => l.slice(0, 400)).join("\n")); }
  try { console.log("INDEX", await fs.readFile(path.join(home, "session_index.jsonl"), "utf8")); } catch {}
  await c.close(); await mock.close();
  await fs.rm(tmp, { recursive: true, force: true });
}, 120000);
