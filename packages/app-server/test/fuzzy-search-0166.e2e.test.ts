import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { protocol0166 } from "@codex-ts/app-server-protocol";
import {
  CODEX_0166_BIN,
  errorOf,
  type Message,
  referenceEnv0166,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166 } from "./helpers/mock-server-0166.js";

/**
 * 0.166's fuzzy file searches over stdio, on this server and, where installed, on the native codex 0.166.0, in a
 * temp project: the one-shot `fuzzyFileSearch` (files and directories, each with its `match_type`) and the
 * experimental sessions — `sessionStart`/`sessionUpdate` answer at once, then notify `fuzzyFileSearch/sessionUpdated`
 * and `fuzzyFileSearch/sessionCompleted` in that order; 0.166.0's refusals. Scores are left out of the comparison:
 * this server's matcher scores as its 0.58 search does, not as 0.166.0's nucleo.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("fuzzy search 0.166: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const client = { name: "fuzzy-search", version: "1.0" };

async function project(s: MockServer0166): Promise<string> {
  const root = path.join(s.root, "proj");
  await mkdir(path.join(root, "src", "util"), { recursive: true });
  await mkdir(path.join(root, "docs"));
  for (const file of ["src/util/helper.ts", "src/main.ts", "docs/readme.md", "hello.txt"])
    await writeFile(path.join(root, file), "x");
  return root;
}

interface Match {
  root: string;
  path: string;
  match_type: string;
  file_name: string;
  score?: number;
  indices: number[] | null;
}

/** Matches without their scores, by path (the order then does not depend on the scores either). */
const comparable = (files: Match[]) =>
  files.map(({ score: _, ...m }) => m).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

/** The session messages (answers and notifications) since `from`, scores left out. */
function sessionTranscript(messages: Message[], from: number): unknown[] {
  return messages
    .slice(from)
    .filter((m) => (m.method ?? "").startsWith("fuzzyFileSearch/") || (m.id !== undefined && !m.method))
    .map((m) => {
      if (!m.method) return { answer: m.result ?? m.error };
      const p = m.params as { files?: Match[] };
      return { method: m.method, params: p.files ? { ...p, files: comparable(p.files) } : p };
    });
}

describe("fuzzy file search compared with codex 0.166.0", () => {
  it.each(IMPLS)("%s: fuzzyFileSearch matches files and directories", { timeout: 60_000 }, async (impl) => {
    const s = await startMockServer0166(suite, impl, { client, prefix: "codex-0166-fuzzy-" });
    const root = await project(s);
    const { files } = await s.c.request("fuzzyFileSearch", { query: "ut", roots: [root] });
    expect(comparable(files as Match[])).toEqual([
      { root, path: "src/util", match_type: "directory", file_name: "util", indices: [4, 5] },
      { root, path: "src/util/helper.ts", match_type: "file", file_name: "helper.ts", indices: [4, 5] },
    ]);
    expect(await s.c.request("fuzzyFileSearch", { query: "", roots: [root] })).toEqual({ files: [] });
    expect(await s.c.request("fuzzyFileSearch", { query: "ut", roots: [] })).toEqual({ files: [] });
    expect(
      await s.c.request("fuzzyFileSearch", { query: "ut", roots: [path.join(s.root, "missing")] }),
    ).toEqual({ files: [] });
  });

  it.each(IMPLS)(
    "%s: sessions answer, then notify updated and completed; refusals",
    { timeout: 60_000 },
    async (impl) => {
      const s = await startMockServer0166(suite, impl, { client, prefix: "codex-0166-fuzzy-" });
      const root = await project(s);
      // Each step: the request's answer, its query's `sessionUpdated` and a `sessionCompleted`. 0.166.0 sends the
      // two notifications from separate tasks (its walk and its matcher), so their order, and when the previous
      // query's last ones land, vary from run to run: a step waits for its own query's update and a completion,
      // leaves out an older query's late update, and is compared as what arrived, not in which order. This
      // server sends them in order, which is checked below.
      const step = async (query: string, send: () => Promise<unknown>) => {
        const from = s.c.messages.length;
        await send();
        const since = () => sessionTranscript(s.c.messages, from);
        const ownUpdate = (e: unknown) =>
          (e as { method?: string }).method === "fuzzyFileSearch/sessionUpdated" &&
          (e as { params: { query: string } }).params.query === query;
        const completed = (e: unknown) =>
          (e as { method?: string }).method === "fuzzyFileSearch/sessionCompleted";
        await s.c.waitUntil(
          () => since().some(ownUpdate) && since().some(completed),
          `fuzzyFileSearch/sessionUpdated "${query}" and sessionCompleted`,
        );
        const steps = since().filter(
          (e) => !(e as { method?: string }).method?.endsWith("sessionUpdated") || ownUpdate(e),
        );
        return {
          answer: steps.find((e) => "answer" in (e as object)),
          update: steps.find(ownUpdate),
          completed: steps.some(completed),
          inOrder: steps,
        };
      };
      const started = await step("", () =>
        s.c.request("fuzzyFileSearch/sessionStart", { sessionId: "s1", roots: [root] }),
      );
      const updated = await step("mai", () =>
        s.c.request("fuzzyFileSearch/sessionUpdate", { sessionId: "s1", query: "mai" }),
      );
      const emptied = await step("", () =>
        s.c.request("fuzzyFileSearch/sessionUpdate", { sessionId: "s1", query: "" }),
      );
      const what = ({ answer, update, completed }: Awaited<ReturnType<typeof step>>) => ({
        answer,
        update,
        completed,
      });
      const updatedFor = (query: string, files: unknown[]) => ({
        method: "fuzzyFileSearch/sessionUpdated",
        params: { sessionId: "s1", query, files },
      });
      const mainTs = {
        root,
        path: "src/main.ts",
        match_type: "file",
        file_name: "main.ts",
        indices: [4, 5, 6],
      };
      expect({ started: what(started), updated: what(updated), emptied: what(emptied) }).toEqual({
        started: { answer: { answer: {} }, update: updatedFor("", []), completed: true },
        updated: { answer: { answer: {} }, update: updatedFor("mai", [mainTs]), completed: true },
        emptied: { answer: { answer: {} }, update: updatedFor("", []), completed: true },
      });
      if (impl === "ours") {
        const completedFor = { method: "fuzzyFileSearch/sessionCompleted", params: { sessionId: "s1" } };
        expect([started.inOrder, updated.inOrder, emptied.inOrder]).toEqual([
          [{ answer: {} }, updatedFor("", []), completedFor],
          [{ answer: {} }, updatedFor("mai", [mainTs]), completedFor],
          [{ answer: {} }, updatedFor("", []), completedFor],
        ]);
      }
      expect(await s.c.request("fuzzyFileSearch/sessionStop", { sessionId: "s1" })).toEqual({});
      expect(await s.c.request("fuzzyFileSearch/sessionStop", { sessionId: "s1" })).toEqual({});
      expect([
        await errorOf(s.c.request("fuzzyFileSearch/sessionUpdate", { sessionId: "s1", query: "mai" })),
        await errorOf(s.c.request("fuzzyFileSearch/sessionStart", { sessionId: "s2", roots: [] })),
        await errorOf(s.c.request("fuzzyFileSearch/sessionStart", { sessionId: "", roots: [root] })),
      ]).toEqual([
        { code: -32600, message: "fuzzy file search session not found: s1" },
        {
          code: -32603,
          message: "failed to start fuzzy file search session: at least one search directory is required",
        },
        { code: -32600, message: "sessionId must not be empty" },
      ]);
    },
  );

  it.each(IMPLS)("%s: sessions need the experimental API", { timeout: 60_000 }, async (impl) => {
    const mock = await suite.newMock();
    const root = await suite.workdir("codex-0166-fuzzy-");
    const home = await suite.home({ mock, modern: true, dir: path.join(root, "codex-home") });
    const c = await suite.start({
      ...(impl === "real" ? { bin: "0.166" as const, env: referenceEnv0166(home, root) } : {}),
      home,
      protocol: protocol0166,
      cwd: root,
      initialize: false,
    });
    await c.initialize(client, {});
    expect(
      await errorOf(c.request("fuzzyFileSearch/sessionStart", { sessionId: "s1", roots: [root] })),
    ).toEqual({
      code: -32600,
      message: "fuzzyFileSearch/sessionStart requires experimentalApi capability",
    });
    // The one-shot search is stable API.
    expect(await c.request("fuzzyFileSearch", { query: "zzzz", roots: [root] })).toEqual({ files: [] });
  });
});
