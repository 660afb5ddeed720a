import { stat } from "node:fs/promises";
import path from "node:path";
import { type gen0166, invalidRequest, type Protocol0166 } from "@codex-ts/app-server-protocol";
import { type ConfigLayer, isTomlTable } from "@codex-ts/config-loader";
import type { Handlers } from "../../handler.js";

export interface HooksServices0166 {
  codexHome: string;
  /** The server's config layers (where 0.166.0 finds `[hooks]` tables). */
  layers(): Promise<ConfigLayer[]>;
  /** A loaded thread's cwd, or the registry's refusal (`invalid thread id: …`, `thread not found: <id>`). */
  threadCwd(rawId: string): string;
}

/** Where a layer's `[hooks]` table is, named as 0.166.0 names it in its hook keys and warnings. */
function layerHooksPath(layer: ConfigLayer): string {
  return layer.kind === "sessionFlags" ? "/<session-flags>/config.toml" : (layer.file ?? layer.source);
}

const isFile = (p: string) =>
  stat(p).then(
    (s) => s.isFile(),
    () => false,
  );

/**
 * The hook sources 0.166.0 would read (`CODEX_HOME/hooks.json` and each layer's `[hooks]` table), each turned into
 * a warning: this server runs no hooks, so it lists none, and says so rather than answer as if none were configured.
 */
async function unsupportedHookWarnings(s: HooksServices0166): Promise<string[]> {
  const sources: string[] = [];
  const json = path.join(s.codexHome, "hooks.json");
  if (await isFile(json)) sources.push(json);
  for (const layer of await s.layers()) {
    const hooks = layer.table.hooks;
    if (isTomlTable(hooks) && Object.keys(hooks).some((k) => k !== "state"))
      sources.push(layerHooksPath(layer));
  }
  return sources.map((p) => `hooks are not supported by this server; the hooks in ${p} do not run`);
}

/**
 * 0.166.0 `hooks/list {cwds?, threadId?}` → `{data: [{cwd, hooks, warnings, errors}]}`: one entry per cwd asked,
 * echoed as given (none or an empty list: the server's cwd), or the loaded thread's cwd. Refusals in 0.166.0's
 * words: both a thread and cwds (`specify either threadId or cwds`), a bad or unknown thread id. This server runs
 * no hooks: `hooks` is always empty, and configured hooks show as warnings (app-server README).
 */
export function createHooksHandler0166(s: HooksServices0166): Handlers<Protocol0166, "hooks/list"> {
  return {
    async "hooks/list"(p) {
      const cwds = p.cwds ?? [];
      if (p.threadId != null && cwds.length > 0) throw invalidRequest("specify either threadId or cwds");
      const listed =
        p.threadId != null ? [s.threadCwd(p.threadId)] : cwds.length > 0 ? cwds : [process.cwd()];
      const warnings = await unsupportedHookWarnings(s);
      const data: gen0166.HooksListEntry[] = listed.map((cwd) => ({ cwd, hooks: [], warnings, errors: [] }));
      return { data };
    },
  };
}
