import fs from "node:fs/promises";
import path from "node:path";
import { CODEX_0166_BIN, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { startMockServer0166 } from "./helpers/mock-server-0166.js";
import { CHILD_TASK, runAgentTurn } from "./helpers/multi-agent.js";

/**
 * Sub-agent roles (`[agents.<role>]`: `description`, `config_file`), on this server and (where it is installed) on
 * the native codex 0.166.0 with the same config and script: `spawn_agent`'s `agent_type` lists the user's roles by
 * name (a role without a description is not offered), then the built-in ones, each with what its file fixes; an
 * agent spawned as a role runs its file's model, effort and developer instructions.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
type Item = Record<string, unknown>;
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("multi-agent roles: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const TOML = [
  "[agents.reviewer]",
  'description = "Reviews code changes carefully."',
  'config_file = "roles/reviewer.toml"',
  "[agents.plain]",
  'description = "A plain role without a file."',
  "[agents.nodesc]",
  'config_file = "roles/nodesc.toml"',
  "",
].join("\n");

describe("multi-agent roles (0.166)", () => {
  it.each(IMPLS)("%s: agent_type lists the roles; a role's agent runs its config file", async (impl) => {
    const s = await startMockServer0166(suite, impl, {
      client: { name: "roles_client", version: "1.0" },
      prefix: "codex-0166-agent-roles-",
      toml: TOML,
    });
    const home = path.join(s.root, "codex-home");
    await fs.mkdir(path.join(home, "roles"), { recursive: true });
    await fs.writeFile(
      path.join(home, "roles", "reviewer.toml"),
      'model = "role-model"\nmodel_reasoning_effort = "high"\ndeveloper_instructions = "ROLE INSTRUCTIONS"\n',
    );
    await fs.writeFile(path.join(home, "roles", "nodesc.toml"), 'model = "other-model"\n');
    await runAgentTurn(s, "my-model", [
      () => ["spawn_agent", { message: CHILD_TASK, agent_type: "reviewer" }],
    ]);
    const isChild = (b: Item) => {
      const input = JSON.stringify(b.input);
      return input.includes(CHILD_TASK) && !input.includes("function_call");
    };
    await s.c.waitUntil(() => s.mock.requests.some((r) => isChild(r.body as Item)), "the agent's request");
    const bodies = s.mock.requests.map((r) => r.body as Item);
    const namespace = ((bodies[0] as Item).tools as Item[]).find((t) => t.name === "multi_agent_v1") as Item;
    const spawn = (namespace.tools as Item[]).find((t) => t.name === "spawn_agent") as Item;
    const agentType = (spawn.parameters as { properties: Record<string, Item> }).properties
      .agent_type as Item;
    expect(agentType.type).toBe("string");
    const description = String(agentType.description);
    expect(description.split("\n").filter((l) => /^\w+: \{$/.test(l))).toEqual([
      "plain: {",
      "reviewer: {",
      "default: {",
      "explorer: {",
      "worker: {",
    ]);
    expect(description).toContain("plain: {\nA plain role without a file.\n}");
    expect(description).toMatch(
      /reviewer: \{\nReviews code changes carefully\.\n- [^\n]*`role-model`[^\n]*`high`/,
    );
    const child = bodies.find(isChild) as Item;
    expect(child.model).toBe("role-model");
    expect((child.reasoning as Item).effort).toBe("high");
    expect(JSON.stringify(child.input)).toContain("ROLE INSTRUCTIONS");
    const output = bodies
      .flatMap((b) => (b.input as Item[]).filter((i) => i.type === "function_call_output"))
      .find((i) => i.call_id === "call_s0") as Item;
    expect(Object.keys(JSON.parse(String(output.output)))).toEqual(["agent_id", "nickname"]);
  });
});
