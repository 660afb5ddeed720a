import {
  type ConfigEdit,
  type ConfigLayer,
  type ConfigWriter,
  isTomlTable,
  mergeTables,
  type TomlTable,
} from "@codex-ts/config-loader";

/** What the plugin methods serve from. */
export interface PluginServices0166 {
  codexHome: string;
  /** `$HOME` of the server, for the home marketplace (`~/.agents/plugins/marketplace.json`). */
  homeDir: string | undefined;
  /** The server's config layers, read again on every call (so edits by other processes show). */
  layers(): Promise<ConfigLayer[]>;
  /** The server's one config writer: `[marketplaces.*]` and `[plugins.*]` entries are edited through it. */
  writer: ConfigWriter;
}

/** The effective config table of the server's layers. */
export async function mergedConfig(s: Pick<PluginServices0166, "layers">): Promise<TomlTable> {
  return (await s.layers()).map((l) => l.table).reduce(mergeTables, {});
}

/**
 * The edit removing `[<table>."<key>"]` from the user's config; the whole `[<table>]` when that entry is its last,
 * so no empty table header stays behind (0.166.0 leaves none).
 */
export async function removeEntry(
  s: Pick<PluginServices0166, "layers">,
  table: string,
  key: string,
): Promise<ConfigEdit> {
  const user = (await s.layers()).find((l) => l.kind === "user")?.table[table];
  const last = isTomlTable(user) && Object.keys(user).every((k) => k === key);
  return { type: "writeValue", path: last ? [table] : [table, key], value: null, merge: "replace" };
}
