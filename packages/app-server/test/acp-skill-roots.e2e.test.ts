import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  AcpClient,
  CLI_MAIN,
  CODEX_0166_BIN,
  CODEX_ACP_ENTRY,
  readTeeLog,
  requestText,
  responses,
  startBlockingProxy,
  startMockModelServer,
  type TeeEntry,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { acpWorkspace } from "./helpers/acp-flows.js";

/**
 * A multi-root editor workspace through the real `@agentclientprotocol/codex-acp` 2.6.0: `session/new` with
 * `additionalDirectories` makes the adapter call `skills/extraRoots/set` (each directory's `.agents/skills`) before
 * it starts the thread, then list the skills of the cwd and of every directory, and offer them as `$<name>`
 * commands. The same session against codex 0.166.0 when it is installed; the editor must see the same.
 */
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("acp-skill-roots: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const skillMd = (name: string, description: string) =>
  `---\nname: ${name}\ndescription: ${description}\n---\n`;

interface Seen {
  newSession: "ok" | string;
  /** The app server's answers to the adapter's `skills/extraRoots/set` calls. */
  extraRootsSet: { roots: unknown; answer: unknown }[];
  /** `skills/changed` notifications the app server sent. */
  skillsChanged: number;
  /** Per listed cwd, the non-system skills `skills/list` answered (`scope:name`). */
  listed: [string, string[]][];
  /** The `$skill` commands the editor was offered (from the session or its command updates), of the listed skills. */
  commands: string[];
  prompt: unknown;
  /** The `<skill>` messages (their names) the prompt's model request carried. */
  injected: string[];
}

/** The names of the `<skill>` user messages in a model request. */
function injectedSkills(body: unknown): string[] {
  const input =
    (body as { input?: { role?: string; content?: { text?: string }[] }[] } | undefined)?.input ?? [];
  return input.flatMap((item) =>
    (item.content ?? []).flatMap((part) => {
      const name = /^<skill>\n<name>([^<]*)<\/name>/.exec(part.text ?? "")?.[1];
      return item.role === "user" && name ? [name] : [];
    }),
  );
}

async function runSession(impl: Impl): Promise<Seen> {
  if (!CODEX_ACP_ENTRY) throw new Error("codex-acp 2.6.0 is not installed");
  const tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-acp-roots-")));
  const mock = await startMockModelServer([], {
    routes: [
      {
        name: "title",
        match: (b) => requestText(b).includes("generate a very short title"),
        answer: () => responses.turn(responses.message(JSON.stringify({ title: "A title" }))),
      },
    ],
  });
  const proxy = await startBlockingProxy();
  try {
    const command = impl === "ours" ? [process.execPath, CLI_MAIN] : [CODEX_0166_BIN as string];
    const { cwd, log, env } = await acpWorkspace(tmp, {
      baseUrl: mock.baseUrl,
      command,
      proxyEnv: proxy.env,
    });
    const other = path.join(tmp, "other-root");
    const empty = path.join(tmp, "empty-root");
    await fs.mkdir(path.join(other, ".agents", "skills", "deploy"), { recursive: true });
    await fs.mkdir(empty);
    await fs.writeFile(
      path.join(other, ".agents", "skills", "deploy", "SKILL.md"),
      skillMd("deploy-other", "Deploys the other root"),
    );
    await fs.mkdir(path.join(cwd, ".agents", "skills", "local"), { recursive: true });
    await fs.writeFile(
      path.join(cwd, ".agents", "skills", "local", "SKILL.md"),
      skillMd("local-skill", "A project skill"),
    );
    const acp = AcpClient.start({ entry: CODEX_ACP_ENTRY, env, cwd });
    try {
      await acp.initialize();
      const created = await acp.peer.request("session/new", {
        cwd,
        mcpServers: [],
        additionalDirectories: [other, empty],
      });
      const sessionId = (created.result as { sessionId?: string } | undefined)?.sessionId;
      let prompt: unknown = null;
      let injected: string[] = [];
      if (sessionId) {
        // The editor gets the skills as commands once the adapter has listed them (a user types after that).
        await acp.waitForUpdate(sessionId, "available_commands_update");
        mock.enqueue(responses.turn(responses.message("Done.")));
        // Mentions the extra root's skill: its SKILL.md joins the turn (codex-acp sends the text as typed).
        const answer = await acp.prompt(sessionId, "Hello $deploy-other");
        prompt = answer.result ?? answer.error;
        const turnRequest = mock.requests.find((r) => requestText(r.body).includes("Hello $deploy-other"));
        injected = injectedSkills(turnRequest?.body);
      }
      await acp.stop();
      const tee = await readTeeLog(log);
      const seen = fromTee(tee, tmp);
      return {
        newSession: created.error ? JSON.stringify(created.error) : "ok",
        ...seen,
        commands: offeredSkills(acp, created.result, seen.listed),
        prompt,
        injected,
      };
    } finally {
      if (acp.peer.child.exitCode === null) await acp.stop();
    }
  } finally {
    await mock.close();
    await proxy.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** What the adapter asked the app server about skills, and what it answered (paths relative to `tmp`). */
function fromTee(tee: TeeEntry[], tmp: string): Pick<Seen, "extraRootsSet" | "skillsChanged" | "listed"> {
  const rel = (p: unknown) => (typeof p === "string" ? path.relative(tmp, p) : p);
  const answerOf = (id: unknown) => tee.find((e) => e.dir !== "c2s" && e.msg.id === id && !e.msg.method)?.msg;
  const sent = (method: string) => tee.filter((e) => e.dir === "c2s" && e.msg.method === method);
  const extraRootsSet = sent("skills/extraRoots/set").map((e) => {
    const a = answerOf(e.msg.id);
    return {
      roots: ((e.msg.params as { extraRoots: string[] }).extraRoots ?? []).map(rel),
      answer: a?.error ?? a?.result,
    };
  });
  const listed: [string, string[]][] = [];
  // The session's listing (the adapter lists again after each turn, racing its own stop).
  for (const e of sent("skills/list").slice(0, 1)) {
    const data = (
      answerOf(e.msg.id)?.result as { data?: { cwd: string; skills: { name: string; scope: string }[] }[] }
    )?.data;
    for (const entry of data ?? [])
      listed.push([
        String(rel(entry.cwd)),
        entry.skills.filter((s) => s.scope !== "system").map((s) => `${s.scope}:${s.name}`),
      ]);
  }
  const skillsChanged = tee.filter((e) => e.dir !== "c2s" && e.msg.method === "skills/changed").length;
  return { extraRootsSet, skillsChanged, listed };
}

/** The `$<skill>` commands the editor saw offered, sorted (codex 0.166.0's bundled skills left out). */
function offeredSkills(acp: AcpClient, created: unknown, listed: Seen["listed"]): string[] {
  const names = new Set<string>();
  const add = (commands: unknown) => {
    for (const c of (commands as { name?: string }[] | undefined) ?? [])
      if (c.name?.startsWith("$")) names.add(c.name);
  };
  add((created as { availableCommands?: unknown } | undefined)?.availableCommands);
  for (const e of acp.peer.log) {
    const u = (
      e.msg.params as { update?: { sessionUpdate?: string; availableCommands?: unknown } } | undefined
    )?.update;
    if (e.dir === "in" && u?.sessionUpdate === "available_commands_update") add(u.availableCommands);
  }
  const ours = new Set(listed.flatMap(([, skills]) => skills.map((s) => `$${s.split(":")[1]}`)));
  return [...names].filter((n) => ours.has(n)).sort();
}

describe.skipIf(!CODEX_ACP_ENTRY)("codex-acp 2.6.0 with additional workspace directories", () => {
  it("sets the skill roots, lists and offers their skills, and runs the session, as with codex 0.166.0", {
    timeout: 180_000,
  }, async () => {
    const runs: Record<string, Seen> = {};
    for (const impl of IMPLS) runs[impl] = await runSession(impl);
    const ours = runs.ours as Seen;
    expect(ours.newSession).toBe("ok");
    expect(ours.extraRootsSet).toEqual([
      { roots: ["other-root/.agents/skills", "empty-root/.agents/skills"], answer: {} },
    ]);
    expect(ours.skillsChanged).toBe(1);
    expect(ours.commands).toEqual(["$deploy-other", "$local-skill"]);
    expect(ours.injected).toEqual(["deploy-other"]);
    if (runs.real) expect(ours).toEqual(runs.real);
  });
});
