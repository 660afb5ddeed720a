import fs from "node:fs/promises";
import path from "node:path";
import { AppServerError, protocol0166 } from "@codex-ts/app-server-client";
import { type AppServerBinary, mockCodexHome, responses, startAppServer, startMockModelServer, tempDir } from "@codex-ts/test-support";
import { it } from "vitest";

const OUT = "/work/wt/hist-parity/scratch";
function start(bin: AppServerBinary, home: string, cwd: string) {
  return startAppServer({ bin, home, cwd, env: { HOME: home }, protocol: protocol0166 }).then(async (c) => {
    await c.initialize({ name: "probe", version: "1.0" }, { experimentalApi: true });
    return c;
  });
}
type C = Awaited<ReturnType<typeof start>>;
async function turn(c: C, threadId: string, text: string) {
  const done = c.messages.filter((m) => m.method === "turn/completed").length;
  await c.request("turn/start", { threadId, input: [{ type: "text", text, text_elements: [] }] });
  await c.waitUntil(() => c.messages.filter((m) => m.method === "turn/completed").length > done, "turn/completed");
}
async function req(c: C, method: string, params: unknown) {
  try { return { method, params, result: await c.request(method as "thread/list", params as never) }; }
  catch (err) { if (err instanceof AppServerError) return { method, params, error: err.toBody() }; throw err; }
}
it("probe", { timeout: 300_000 }, async () => {
  const root = await tempDir("probe-");
  for (const writer of ["ours", "0.166"] as const) {
    const model = await startMockModelServer();
    const home = await mockCodexHome(model.baseUrl, { dir: path.join(root, writer, "home"), modern: true });
    const project = path.join(root, writer, "project");
    await fs.mkdir(project, { recursive: true });
    const c = await start(writer, home, project);
    const settings = { approvalPolicy: "never", sandbox: "danger-full-access" } as const;
    const { thread } = await c.request("thread/start", { cwd: project, ...settings });
    model.enqueue(responses.turn(...responses.reasoning("thinking"), responses.message("hello there")));
    await turn(c, thread.id, "first question");
    model.enqueue(responses.turn(responses.message("a1"), responses.message("a2")));
    await turn(c, thread.id, "second");
    model.enqueue(responses.turn(...responses.reasoning("r3"), responses.message("three")));
    await turn(c, thread.id, "third");
    const second = await c.request("thread/start", { cwd: project, ...settings });
    model.enqueue(responses.turn(responses.message("elsewhere")));
    await turn(c, second.thread.id, "zebra");
    await c.close();
    for (const reader of ["0.166", "ours"] as const) {
      const copy = path.join(root, `${writer}-${reader}`);
      await fs.cp(path.join(root, writer), copy, { recursive: true, preserveTimestamps: true });
      const r = await start(reader, path.join(copy, "home"), path.join(copy, "project"));
      const id = thread.id;
      const out = [];
      const steps: [string, unknown][] = [
        ["thread/read", { threadId: id, includeTurns: true }],
        ["thread/turns/list", { threadId: id, limit: 1, itemsView: "full" }],
        ["thread/turns/list", { threadId: id, limit: 1, itemsView: "full", cursor: "$next" }],
        ["thread/turns/list", { threadId: id, limit: 2, itemsView: "full", sortDirection: "asc" }],
        ["thread/items/list", { threadId: id, limit: 3 }],
        ["thread/items/list", { threadId: id, limit: 3, cursor: "$next" }],
        ["thread/items/list", { threadId: id, limit: 3, sortDirection: "desc" }],
        ["thread/items/list", { threadId: id, turnId: "$turn2" }],
        ["thread/list", { excludedThreadIds: [id] }],
        ["thread/list", { excludedThreadIds: ["bad"] }],
        ["thread/list", { excludedThreadIds: Array.from({ length: 101 }, () => id) }],
        ["thread/list", { excludedThreadIds: [] }],
        ["thread/list", { originators: ["x"] }],
        ["thread/list", { originators: [] }],
        ["thread/list", { parentThreadId: id }],
        ["thread/list", { parentThreadId: "bad" }],
        ["thread/list", { ancestorThreadId: id }],
        ["thread/list", { ancestorThreadId: id, parentThreadId: id }],
        ["thread/list", { attachedToThreadId: id }],
        ["thread/list", { attachedToThreadId: id, parentThreadId: id }],
        ["thread/list", { projectId: "p" }],
        ["thread/list", { projectId: null }],
        ["thread/list", { sectionId: "s" }],
        ["thread/list", { sectionId: null }],
        ["thread/fork", { threadId: id, ephemeral: true, excludeTurns: true }],
        ["thread/fork", { threadId: id, attachToSource: true, excludeTurns: true }],
        ["thread/list", { attachedToThreadId: id }],
        ["thread/list", {}],
      ];
      let last: Record<string, unknown> = {};
      let turn2 = "";
      for (const [m, p] of steps) {
        const params = JSON.parse(JSON.stringify(p).replaceAll('"$next"', JSON.stringify(last.nextCursor ?? null)).replaceAll('"$turn2"', JSON.stringify(turn2)));
        const a = await req(r, m, params);
        if (m === "thread/read") turn2 = ((a.result as any)?.thread?.turns?.[1]?.id) ?? "";
        last = (a.result ?? {}) as Record<string, unknown>;
        out.push(a);
      }
      await r.close();
      await fs.writeFile(path.join(OUT, `${writer}-by-${reader}.json`), JSON.stringify({ id, second: second.thread.id, out }, null, 1));
    }
    await model.close();
  }
  await fs.rm(root, { recursive: true, force: true });
});
