import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { startOnHome0166 } from "./helpers/mock-server-0166.js";
import { NATIVE_WITH_ETC, NATIVE_WITH_ETC_REASON } from "./helpers/native-etc-codex.js";

/**
 * requirements.toml `[features]` pins a feature on or off over the user's config: `config/read` shows a pinned
 * flag of those a client may set as pinned, `experimentalFeature/list` shows every pinned one so, and a pinned-off
 * `shell_tool` takes exec_command / write_stdin from the model's tools. On this server (/etc/codex moved with
 * `CODEX_TS_SYSTEM_CONFIG_DIR`) and on the native codex 0.166.0 in a mount namespace where the test's folder is
 * /etc/codex; without it, ours alone against what 0.166.0 answered.
 */
const suite = useAppServerSuite();
const client = { name: "feature-requirements", version: "1.0.0" };
type Impl = "ours" | "real";
const IMPLS: Impl[] = NATIVE_WITH_ETC ? ["ours", "real"] : ["ours"];
if (!NATIVE_WITH_ETC) console.warn(`feature requirements: ${NATIVE_WITH_ETC_REASON}`);

const REQUIREMENTS = "[features]\nmulti_agent = false\nmemories = true\nshell_tool = false\n";
/** The user's own flags, which the pins contradict (written into the home's `[features]` table). */
const USER_FEATURES = "multi_agent = true\nmemories = false\nshell_tool = true\n";
const PICKED = ["multi_agent", "memories", "shell_tool"];

async function run(impl: Impl) {
  const mock = await suite.newMock();
  const root = await suite.workdir(`feature-req-${impl}-`);
  const etc = path.join(root, "etc-codex");
  await mkdir(etc);
  await writeFile(path.join(etc, "requirements.toml"), REQUIREMENTS);
  const home = await suite.home({ mock, modern: true, dir: path.join(root, "codex-home") });
  const file = path.join(home, "config.toml");
  await writeFile(
    file,
    (await readFile(file, "utf8")).replace("[features]\n", `[features]\n${USER_FEATURES}`),
  );
  const c = await startOnHome0166(suite, impl, { home, cwd: root, client, etcCodex: etc });

  const read = (await c.request("config/read", {})) as unknown as {
    config: { features: Record<string, unknown> };
  };
  const listed = (await c.request("experimentalFeature/list", {})).data
    .filter((f) => PICKED.includes(f.name))
    .map((f) => [f.name, f.enabled]);
  const { thread } = await c.request("thread/start", { model: "gpt-5.5" });
  await c.request("turn/start", {
    threadId: thread.id,
    input: [{ type: "text", text: "hi", text_elements: [] }],
  });
  await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
  // The turn's request (0.166.0 may first send a tool-less one of its own, for the memories pinned on).
  const bodies = mock.requests.map((r) => r.body as { tools?: { name?: string; type: string }[] });
  const turnRequest = bodies.find((b) => (b.tools ?? []).length > 0);
  const tools = (turnRequest?.tools ?? []).map((t) => t.name ?? t.type);
  return { features: read.config.features, listed, tools };
}

describe("requirements.toml [features] on a 0.166 connection", () => {
  it("pins the flags over the user's config, as 0.166.0 does", { timeout: 120_000 }, async () => {
    const runs = await Promise.all(IMPLS.map((impl) => run(impl)));
    const ours = runs[0];
    // `config/read` shows the settable `memories` pinned; `multi_agent` and `shell_tool` as the config says.
    expect(ours?.features).toMatchObject({ memories: true, multi_agent: true, shell_tool: true });
    expect(ours?.listed).toEqual([
      ["shell_tool", false],
      ["memories", true],
      ["multi_agent", false],
    ]);
    expect(ours?.tools).not.toContain("exec_command");
    expect(ours?.tools).not.toContain("write_stdin");
    expect(ours?.tools).toEqual([
      "request_user_input",
      "apply_patch",
      "view_image",
      "get_goal",
      "create_goal",
      "update_goal",
      "web_search",
    ]);
    if (runs[1]) expect(ours).toEqual(runs[1]);
  });
});
