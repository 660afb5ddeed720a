import type { TomlValue } from "@codex-ts/json-to-toml";
import { isTomlTable } from "@codex-ts/json-to-toml";
import { parse as parsePreserving, patch as patchPreserving } from "@decimalturn/toml-patch";
import { ConfigError } from "./errors.js";
import type { McpServerConfig } from "./mcp.js";
import { renderMcpServers } from "./mcp-toml.js";
import { checkRequestValue } from "./request-values.js";
import { parseToml } from "./toml-file.js";
import type { ConfigEdit } from "./writer.js";

/** Applies edits to config text and returns the new text (pure). `ConfigWriter` loads this module on its first write. */
export function renderEdits(
  original: string,
  edits: readonly ConfigEdit[],
  profile: string | undefined,
  source: string,
): string {
  parseToml(original, source); // a syntax error is reported with its position and nothing is written
  const doc = parsePreserving(original) as Record<string, unknown>;
  const activeProfile = profile ?? (typeof doc.profile === "string" ? doc.profile : undefined);
  let mcpServers: Record<string, McpServerConfig> | undefined;
  for (const edit of edits) {
    switch (edit.type) {
      case "setModel": {
        if (edit.model !== null) checkRequestValue(null, "model", edit.model);
        const scope = activeProfile !== undefined ? ["profiles", activeProfile] : [];
        setOrClear(doc, [...scope, "model"], edit.model);
        setOrClear(doc, [...scope, "model_reasoning_effort"], edit.effort);
        break;
      }
      case "setPath":
        // A value TOML cannot hold (a lone surrogate, absurd nesting) is refused naming its key.
        checkRequestValue(null, edit.path.join("."), edit.value);
        setOrClear(doc, edit.path, edit.value);
        break;
      case "clearPath":
        setOrClear(doc, edit.path, null);
        break;
      case "writeValue":
        if (edit.value !== null) checkRequestValue(null, edit.path.join("."), edit.value);
        writeValue(doc, edit.path, edit.value, edit.merge);
        break;
      case "setIfAbsent":
        checkRequestValue(null, edit.path.join("."), edit.value);
        setIfAbsent(doc, edit.path, edit.value);
        break;
      case "replaceMcpServers":
        mcpServers = edit.servers;
        delete doc.mcp_servers;
        break;
    }
  }
  let text = original.trim() === "" && Object.keys(doc).length === 0 ? "" : patchPreserving(original, doc);
  if (mcpServers !== undefined && Object.keys(mcpServers).length > 0) {
    const body = renderMcpServers(mcpServers);
    text = text.trimEnd() === "" ? body : `${text.trimEnd()}\n\n${body}`;
  }
  return text;
}

function setOrClear(doc: Record<string, unknown>, path: readonly string[], value: TomlValue | null): void {
  const parents = path.slice(0, -1);
  const last = path[path.length - 1];
  if (last === undefined) throw new ConfigError("config edit with an empty path");
  let node: Record<string, unknown> = doc;
  for (const key of parents) {
    const child = node[key];
    if (!isTomlTable(child)) {
      if (value === null) return; // clearing never creates tables
      node[key] = {};
    }
    node = node[key] as Record<string, unknown>;
  }
  if (value === null) delete node[last];
  else node[last] = value;
}

/** The `setIfAbsent` edit (see `ConfigEdit`). */
function setIfAbsent(doc: Record<string, unknown>, path: readonly string[], value: TomlValue): void {
  const last = path[path.length - 1];
  if (last === undefined) throw new ConfigError("config edit with an empty path");
  let node: Record<string, unknown> = doc;
  for (const key of path.slice(0, -1)) {
    if (node[key] === undefined) node[key] = {};
    const child = node[key];
    if (!isTomlTable(child)) return;
    node = child as Record<string, unknown>;
  }
  if (node[last] === undefined) node[last] = value;
}

/** The `writeValue` edit (see `ConfigEdit`): tables on the way are created, anything else there is refused. */
function writeValue(
  doc: Record<string, unknown>,
  path: readonly string[],
  value: TomlValue | null,
  merge: "replace" | "upsert",
): void {
  let node: Record<string, unknown> = doc;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (child === undefined) {
      if (value === null) return;
      node[key] = {};
    } else if (!isTomlTable(child)) {
      throw new ConfigError("cannot set value on non-table parent");
    }
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last === undefined) throw new ConfigError("config edit with an empty path");
  const existing = node[last];
  if (value === null) delete node[last];
  else if (merge === "upsert" && isTomlTable(existing) && isTomlTable(value)) mergeInto(existing, value);
  else node[last] = value;
}

/** Merges `overlay` into `target` in place, key by key; tables merge recursively, anything else replaces. */
function mergeInto(target: Record<string, unknown>, overlay: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(overlay)) {
    const existing = target[key];
    if (isTomlTable(existing) && isTomlTable(value)) mergeInto(existing, value);
    else target[key] = value;
  }
}
