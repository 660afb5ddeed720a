import { join } from "node:path";
import { activePlugins, PLUGINS_CACHE_DIR, type TomlTable } from "@codex-ts/config-loader";
import type { SkillRoot } from "./types.js";

/**
 * The skill directories of the plugins installed and enabled in `table` (a merged config): each plugin's `skills`
 * paths from its manifest, else its `skills/`, in its cached copy under CODEX_HOME/plugins/cache. User scope, as
 * 0.166.0 lists plugin skills, shown to the model under one root per marketplace; none when the feature is off.
 */
export async function pluginSkillRoots(codexHome: string, table: TomlTable): Promise<SkillRoot[]> {
  const roots: SkillRoot[] = [];
  for (const plugin of await activePlugins(codexHome, table)) {
    const dirs = plugin.manifest.skills.length > 0 ? plugin.manifest.skills : [join(plugin.root, "skills")];
    const owner = { id: plugin.key, name: plugin.id.pluginName };
    const alias = join(codexHome, PLUGINS_CACHE_DIR, plugin.id.marketplaceName);
    for (const path of dirs) roots.push({ path, scope: "user", plugin: owner, alias });
  }
  return roots;
}
