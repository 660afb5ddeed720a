import path from "node:path";
import { CODEX_0166_BIN, responses, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166, startOnHome0166 } from "./helpers/mock-server-0166.js";

/**
 * Projects and thread sections (`project/*`, `threadSection/*`, `thread/section/move`) on this server and, where
 * it is installed, on the native codex 0.166.0, with the same steps and expectations (read off 0.166.0): the
 * built-in Pinned section, 0.166.0's cursors, refusals and notifications (each sent before its answer), and the
 * `section` / `sectionEnteredAt` / `projectId` of threads in `thread/read` and `thread/list` and its filters, also
 * seen by another server process on the same CODEX_HOME.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("projects: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const CLIENT = { name: "projects-test", version: "1.0" };
const PINNED = { id: "01984de2-8f74-7c91-a3b2-5c5e937cf318", name: "Pinned", appearance: null };
const UNKNOWN = "019a0000-0000-7000-8000-000000000000";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Client = MockServer0166["c"];
type Message = Client["messages"][number];

/** The answer of any request: `{answered}` or its error's `{code, message}`. */
async function answerOf(
  c: Client,
  method: string,
  params: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  try {
    return { answered: await (c.request as (m: string, p: unknown) => Promise<unknown>)(method, params) };
  } catch (err) {
    const e = err as { code?: number; message: string };
    return { code: e.code, message: e.message };
  }
}

/** A request's answer and the notifications (method and params) received before it, from `from` on. */
async function withNotes(c: Client, method: string, params: Record<string, unknown>) {
  const from = c.messages.length;
  const answer = await answerOf(c, method, params);
  const after = c.messages.slice(from);
  const answeredAt = after.findIndex((m: Message) => "id" in m && !("method" in m));
  const notes = after
    .slice(0, answeredAt < 0 ? after.length : answeredAt)
    .flatMap((m: Message) =>
      "method" in m && !("id" in m) && /^(project|thread\/project)\//.test(m.method)
        ? [{ method: m.method, params: m.params }]
        : [],
    );
  return { answer, notes };
}

const result = <T>(a: Record<string, unknown>) => a.answered as T;
interface Project {
  id: string;
  name: string;
  roots: { path: string }[];
  metadata: Record<string, string>;
  position: number;
  recencyAt: number | null;
}
interface ThreadPlace {
  id: string;
  section: { id: string; name: string } | null;
  sectionEnteredAt: number | null;
  projectId: string | null;
}
const place = (t: ThreadPlace) => ({
  section: t.section,
  entered: typeof t.sectionEnteredAt === "number",
  projectId: t.projectId,
});

/** A thread with one finished turn ("hi" → "ok"). */
async function threadWithTurn(s: MockServer0166): Promise<string> {
  const { thread } = await s.c.request("thread/start", { cwd: s.root, model: "gpt-5.5" });
  s.mock.enqueue({
    kind: "sse",
    events: [responses.created(), ...responses.message("ok"), responses.completed()],
  });
  const { turn } = await s.c.request("turn/start", {
    threadId: thread.id,
    input: [{ type: "text", text: "hi" }],
  });
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
    "turn/completed",
  );
  return thread.id;
}

describe("projects and thread sections compared with codex 0.166.0", () => {
  it.each(IMPLS)("%s: projects, their order, cursors and refusals", { timeout: 120_000 }, async (impl) => {
    const s = await startMockServer0166(suite, impl, { client: CLIENT, prefix: "codex-0166-projects-" });
    const ask = (method: string, params: Record<string, unknown>) => answerOf(s.c, method, params);
    expect(await ask("project/list", {})).toEqual({ answered: { data: [], nextCursor: null } });

    const made = await withNotes(s.c, "project/create", {
      idempotencyKey: "k1",
      name: " One ",
      roots: [{ path: "/a/../b" }, { path: "/nonexistent-root" }],
      metadata: { z: "1", a: "2" },
    });
    const one = result<{ project: Project }>(made.answer).project;
    expect(one).toMatchObject({
      name: "One",
      roots: [{ path: "/b" }, { path: "/nonexistent-root" }],
      metadata: { a: "2", z: "1" },
      position: 0,
      recencyAt: null,
    });
    expect(one.id).toMatch(UUID);
    expect(made.notes).toEqual([
      { method: "project/changed", params: { projectId: one.id, changeType: "created" } },
    ]);
    // The same key answers the same project, announced once.
    const again = await withNotes(s.c, "project/create", { idempotencyKey: "k1", name: "Other", roots: [] });
    expect([result<{ project: Project }>(again.answer).project, again.notes]).toEqual([one, []]);
    const two = result<{ project: Project }>(
      await ask("project/create", { idempotencyKey: "k2", name: "Two", roots: [] }),
    ).project;
    expect(two.position).toBe(1);

    const page1 = result<{ data: Project[]; nextCursor: string }>(await ask("project/list", { limit: 1 }));
    expect([page1.data.map((p) => p.id), page1.nextCursor]).toEqual([[one.id], `0|${one.id}`]);
    const page2 = result<{ data: Project[]; nextCursor: null }>(
      await ask("project/list", { limit: 1, cursor: page1.nextCursor }),
    );
    expect([page2.data.map((p) => p.id), page2.nextCursor]).toEqual([[two.id], null]);
    const desc = result<{ data: Project[]; nextCursor: string }>(
      await ask("project/list", { sortKey: "position", sortDirection: "desc", limit: 1 }),
    );
    expect([desc.data.map((p) => p.id), desc.nextCursor]).toEqual([[two.id], `v1|position|desc|1|${two.id}`]);
    const recency = result<{ data: Project[]; nextCursor: string }>(
      await ask("project/list", { sortKey: "recencyAt", limit: 1 }),
    );
    expect([recency.data.map((p) => p.id), recency.nextCursor]).toEqual([
      [two.id],
      `v1|recencyAt|desc|null|${two.id}`,
    ]);

    // Moving Two first; a move that changes nothing is not announced.
    const moved = await withNotes(s.c, "project/move", { projectId: two.id, beforeProjectId: one.id });
    expect(moved).toEqual({
      answer: { answered: {} },
      notes: [{ method: "project/changed", params: { projectId: two.id, changeType: "updated" } }],
    });
    expect(await withNotes(s.c, "project/move", { projectId: one.id })).toEqual({
      answer: { answered: {} },
      notes: [],
    });
    const order = result<{ data: Project[] }>(await ask("project/list", {}));
    expect(order.data.map((p) => [p.id, p.position])).toEqual([
      [two.id, 0],
      [one.id, 1],
    ]);

    const renamed = await withNotes(s.c, "project/update", { projectId: one.id, name: "Uno", roots: [] });
    expect(result<{ project: Project }>(renamed.answer).project).toMatchObject({ name: "Uno", roots: [] });
    expect(renamed.notes).toEqual([
      { method: "project/changed", params: { projectId: one.id, changeType: "updated" } },
    ]);
    expect((await withNotes(s.c, "project/update", { projectId: one.id, name: "Uno" })).notes).toEqual([]);
    expect(result<{ project: Project }>(await ask("project/read", { projectId: one.id })).project.name).toBe(
      "Uno",
    );

    const deleted = await withNotes(s.c, "project/delete", { projectId: one.id });
    expect(deleted).toEqual({
      answer: { answered: {} },
      notes: [{ method: "project/changed", params: { projectId: one.id, changeType: "deleted" } }],
    });

    const refusals: [string, Record<string, unknown>, number, string][] = [
      ["project/read", { projectId: "nope" }, -32602, "project not found: nope"],
      [
        "project/create",
        { idempotencyKey: "", name: "P", roots: [] },
        -32602,
        "idempotencyKey must not be empty",
      ],
      [
        "project/create",
        { idempotencyKey: "x".repeat(513), name: "P", roots: [] },
        -32602,
        "idempotencyKey must be at most 512 bytes",
      ],
      [
        "project/create",
        { idempotencyKey: "k", name: "  ", roots: [] },
        -32602,
        "project name must not be empty",
      ],
      [
        "project/create",
        { idempotencyKey: "k", name: "P", roots: [{ path: "rel/x" }] },
        -32600,
        "Invalid request: AbsolutePathBuf deserialized without a base path",
      ],
      [
        "project/create",
        { idempotencyKey: "k", name: "P", roots: [{ path: s.root }, { path: `${s.root}/` }] },
        -32602,
        `duplicate project root: ${s.root}`,
      ],
      [
        "project/create",
        { idempotencyKey: "k1", name: "P", roots: [] },
        -32602,
        "idempotency key refers to deleted project: k1",
      ],
      [
        "project/import",
        { idempotencyKey: "k3", name: "P", roots: [], threads: ["a", "a"] },
        -32602,
        "duplicate thread id: a",
      ],
      [
        "project/import",
        { idempotencyKey: "k3", name: "P", roots: [], threads: [UNKNOWN] },
        -32602,
        `thread not found: ${UNKNOWN}`,
      ],
      ["project/update", { projectId: "nope" }, -32602, "project not found: nope"],
      ["project/update", { projectId: two.id, name: "" }, -32602, "project name must not be empty"],
      ["project/move", { projectId: "nope" }, -32602, "project not found: nope"],
      [
        "project/move",
        { projectId: two.id, beforeProjectId: two.id },
        -32602,
        `project ${two.id} cannot be moved before itself`,
      ],
      ["project/move", { projectId: two.id, beforeProjectId: "zz" }, -32602, "before project not found: zz"],
      ["project/delete", { projectId: "nope" }, -32602, "project not found: nope"],
      ["project/list", { sortDirection: "asc" }, -32602, "sortDirection requires sortKey"],
      [
        "project/list",
        { cursor: "garbage" },
        -32602,
        "invalid project cursor: malformed or mismatched sort anchor",
      ],
      [
        "project/list",
        { sortKey: "recencyAt", cursor: page1.nextCursor },
        -32602,
        "invalid project cursor: malformed or mismatched sort anchor",
      ],
    ];
    for (const [method, params, code, message] of refusals)
      expect([method, await ask(method, params)]).toEqual([method, { code, message }]);

    // Without the experimental API the project methods and fields are refused (after a relative root); sections
    // are not experimental.
    await s.c.close();
    const plain = await startOnHome0166(suite, impl, {
      home: path.join(s.root, "codex-home"),
      cwd: s.root,
      client: CLIENT,
      capabilities: {},
    });
    const refused = (what: string) => ({
      code: -32600,
      message: `${what} requires experimentalApi capability`,
    });
    expect(await answerOf(plain, "project/list", {})).toEqual(refused("project/list"));
    expect(await answerOf(plain, "project/delete", { projectId: two.id })).toEqual(refused("project/delete"));
    expect(
      await answerOf(plain, "project/create", { idempotencyKey: "k", name: "P", roots: [{ path: "r" }] }),
    ).toEqual({
      code: -32600,
      message: "Invalid request: AbsolutePathBuf deserialized without a base path",
    });
    expect(await answerOf(plain, "thread/list", { projectId: null })).toEqual(
      refused("thread/list.projectId"),
    );
    expect(await answerOf(plain, "thread/metadata/update", { threadId: UNKNOWN, projectId: "" })).toEqual(
      refused("thread/metadata/update.projectId"),
    );
    expect(await answerOf(plain, "threadSection/list", {})).toEqual({
      answered: { data: [PINNED], nextCursor: null },
    });
  });

  it.each(IMPLS)("%s: thread sections and their refusals", { timeout: 120_000 }, async (impl) => {
    const s = await startMockServer0166(suite, impl, { client: CLIENT, prefix: "codex-0166-sections-" });
    const ask = (method: string, params: Record<string, unknown>) => answerOf(s.c, method, params);
    expect(await ask("threadSection/list", {})).toEqual({ answered: { data: [PINNED], nextCursor: null } });
    const created = result<{ section: { id: string } }>(
      await ask("threadSection/create", { name: " Work ", appearance: { color: "red" } }),
    ).section;
    expect(created).toEqual({ id: created.id, name: "Work", appearance: { icon: null, color: "red" } });
    expect(created.id).toMatch(UUID);
    expect(await ask("threadSection/list", { limit: 1 })).toEqual({
      answered: { data: [PINNED], nextCursor: PINNED.id },
    });
    expect(await ask("threadSection/list", { cursor: PINNED.id })).toEqual({
      answered: { data: [created], nextCursor: null },
    });
    // Appearance: absent keeps it, null clears it.
    expect(await ask("threadSection/update", { sectionId: created.id, name: "Job" })).toEqual({
      answered: { section: { ...created, name: "Job" } },
    });
    expect(
      await ask("threadSection/update", { sectionId: created.id, name: "Job", appearance: null }),
    ).toEqual({
      answered: { section: { id: created.id, name: "Job", appearance: null } },
    });
    expect(await ask("threadSection/delete", { sectionId: created.id })).toEqual({ answered: {} });
    expect(await ask("threadSection/list", {})).toEqual({ answered: { data: [PINNED], nextCursor: null } });

    const refusals: [string, Record<string, unknown>, number, string][] = [
      ["threadSection/create", { name: " " }, -32602, "section name must not be empty"],
      [
        "threadSection/create",
        { name: "S", appearance: { icon: "x".repeat(65) } },
        -32602,
        "section appearance icon must not exceed 64 bytes",
      ],
      [
        "threadSection/update",
        { sectionId: PINNED.id, name: "X" },
        -32602,
        "the built-in pinned section cannot be renamed",
      ],
      ["threadSection/update", { sectionId: "", name: "X" }, -32602, "sectionId must not be empty"],
      ["threadSection/update", { sectionId: "nope", name: "X" }, -32602, "thread section not found: nope"],
      [
        "threadSection/delete",
        { sectionId: PINNED.id },
        -32602,
        "the built-in pinned section cannot be deleted",
      ],
      ["threadSection/delete", { sectionId: "" }, -32602, "sectionId must not be empty"],
      ["threadSection/delete", { sectionId: created.id }, -32602, `thread section not found: ${created.id}`],
      [
        "thread/section/move",
        { threadId: "bad", sectionId: null },
        -32600,
        "invalid thread id: invalid length: expected length 32 for simple format, found 3",
      ],
      [
        "thread/section/move",
        { threadId: UNKNOWN, sectionId: PINNED.id },
        -32600,
        `thread not found: ${UNKNOWN}`,
      ],
    ];
    for (const [method, params, code, message] of refusals)
      expect([method, await ask(method, params)]).toEqual([method, { code, message }]);
  });

  it.each(IMPLS)(
    "%s: where threads are, in thread/read, thread/list and its filters",
    { timeout: 120_000 },
    async (impl) => {
      const s = await startMockServer0166(suite, impl, { client: CLIENT, prefix: "codex-0166-placed-" });
      const ask = (method: string, params: Record<string, unknown>) => answerOf(s.c, method, params);
      const first = await threadWithTurn(s);
      const second = await threadWithTurn(s);
      const move = (params: Record<string, unknown>) => ask("thread/section/move", params);
      const listed = async (params: Record<string, unknown>) =>
        result<{ data: ThreadPlace[] }>(await ask("thread/list", params)).data.map((t) => t.id);

      // Pinning: refusals in 0.166.0's words (-32600), then both threads pinned, the second before the first.
      expect(await move({ threadId: first, sectionId: "" })).toEqual({
        code: -32600,
        message: "sectionId must not be empty",
      });
      expect(await move({ threadId: first, sectionId: "nope" })).toEqual({
        code: -32600,
        message: "section nope does not exist",
      });
      expect(await move({ threadId: first, sectionId: null, beforeThreadId: second })).toEqual({
        code: -32600,
        message: "beforeThreadId requires a non-null sectionId",
      });
      expect(await move({ threadId: first, sectionId: PINNED.id, beforeThreadId: first })).toEqual({
        code: -32600,
        message: `thread ${first} cannot be moved before itself`,
      });
      expect(await move({ threadId: first, sectionId: PINNED.id, beforeThreadId: second })).toEqual({
        code: -32600,
        message: `before thread ${second} is not in section ${PINNED.id}`,
      });
      expect(await move({ threadId: first, sectionId: PINNED.id })).toEqual({ answered: {} });
      expect(await move({ threadId: second, sectionId: PINNED.id, beforeThreadId: first })).toEqual({
        answered: {},
      });
      const read = result<{ thread: ThreadPlace }>(await ask("thread/read", { threadId: first })).thread;
      expect(place(read)).toEqual({ section: PINNED, entered: true, projectId: null });
      expect((await listed({ sectionId: PINNED.id })).sort()).toEqual([first, second].sort());
      // The section's own order: the first pinned at the gap (1 000 000), the second midway before it.
      const bySection = result<{ data: ThreadPlace[]; nextCursor: string; backwardsCursor: string }>(
        await ask("thread/list", { sectionId: PINNED.id, sortKey: "section_position", limit: 1 }),
      );
      expect([bySection.data.map((t) => t.id), bySection.nextCursor, bySection.backwardsCursor]).toEqual([
        [second],
        `500000|${second}`,
        `500001|${second}`,
      ]);
      const rest = result<{ data: ThreadPlace[]; nextCursor: null }>(
        await ask("thread/list", {
          sectionId: PINNED.id,
          sortKey: "section_position",
          cursor: bySection.nextCursor,
        }),
      );
      expect([rest.data.map((t) => t.id), rest.nextCursor]).toEqual([[first], null]);
      expect(await ask("thread/list", { sortKey: "section_position" })).toEqual({
        code: -32600,
        message: "section-position sorting requires a section filter",
      });
      expect(
        await ask("thread/list", { sectionId: PINNED.id, sortKey: "section_position", cursor: "bad" }),
      ).toEqual({
        code: -32600,
        message: "invalid cursor: bad",
      });
      const resumed = result<{ thread: ThreadPlace }>(await ask("thread/resume", { threadId: first })).thread;
      expect(place(resumed)).toEqual({ section: PINNED, entered: true, projectId: null });
      expect(await listed({ sectionId: null })).toEqual([]);
      expect(await listed({ sectionId: "" })).toEqual([]);

      // A project: an import puts the first thread in it (announced before the answer), with its recency.
      const imported = await withNotes(s.c, "project/import", {
        idempotencyKey: "imp",
        name: "Imported",
        roots: [{ path: s.root }],
        threads: [first],
      });
      const project = result<{ project: Project }>(imported.answer).project;
      expect(typeof project.recencyAt).toBe("number");
      expect(imported.notes).toEqual([
        { method: "project/changed", params: { projectId: project.id, changeType: "created" } },
        { method: "thread/project/updated", params: { threadId: first, projectId: project.id } },
      ]);
      expect(await listed({ projectId: project.id })).toEqual([first]);
      expect(await listed({ projectId: null })).toEqual([second]);
      expect(await ask("thread/list", { projectId: "nope" })).toEqual({
        code: -32602,
        message: "project not found: nope",
      });
      expect(await ask("thread/list", { projectId: "" })).toEqual({
        code: -32602,
        message: "projectId must not be empty",
      });
      const all = result<{ data: ThreadPlace[] }>(await ask("thread/list", {})).data;
      expect(Object.fromEntries(all.map((t) => [t.id, place(t)]))).toEqual({
        [first]: { section: PINNED, entered: true, projectId: project.id },
        [second]: { section: PINNED, entered: true, projectId: null },
      });

      // thread/metadata/update moves the second thread in (announced once), then out.
      const assigned = await withNotes(s.c, "thread/metadata/update", {
        threadId: second,
        projectId: project.id,
      });
      expect(place(result<{ thread: ThreadPlace }>(assigned.answer).thread).projectId).toBe(project.id);
      expect(assigned.notes).toEqual([
        { method: "thread/project/updated", params: { threadId: second, projectId: project.id } },
      ]);
      expect(
        (await withNotes(s.c, "thread/metadata/update", { threadId: second, projectId: project.id })).notes,
      ).toEqual([]);
      const cleared = await withNotes(s.c, "thread/metadata/update", { threadId: second, projectId: "" });
      expect(cleared.notes).toEqual([
        { method: "thread/project/updated", params: { threadId: second, projectId: null } },
      ]);

      // Unpinning clears the section; another server on the same CODEX_HOME sees the same places.
      expect(await move({ threadId: second, sectionId: null })).toEqual({ answered: {} });
      await s.c.close();
      const other = await startOnHome0166(suite, impl, {
        home: path.join(s.root, "codex-home"),
        cwd: s.root,
        client: CLIENT,
      });
      const there = result<{ data: ThreadPlace[] }>(await answerOf(other, "thread/list", {})).data;
      expect(Object.fromEntries(there.map((t) => [t.id, place(t)]))).toEqual({
        [first]: { section: PINNED, entered: true, projectId: project.id },
        [second]: { section: null, entered: false, projectId: null },
      });
      // Deleting the project takes its thread out, announced after the project's deletion.
      const gone = await withNotes(other, "project/delete", { projectId: project.id });
      expect(gone.notes).toEqual([
        { method: "project/changed", params: { projectId: project.id, changeType: "deleted" } },
        { method: "thread/project/updated", params: { threadId: first, projectId: null } },
      ]);
      const after = result<{ thread: ThreadPlace }>(
        await answerOf(other, "thread/read", { threadId: first }),
      ).thread;
      expect(place(after)).toEqual({ section: PINNED, entered: true, projectId: null });
    },
  );
});
