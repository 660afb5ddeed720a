import { realpath } from "node:fs/promises";
import { resolve } from "node:path";
import {
  type gen0166,
  INVALID_REQUEST,
  internalError,
  type Protocol0166,
  RpcError,
} from "@codex-ts/app-server-protocol";
import {
  type ConfigEdit,
  ConfigError,
  type ConfigLayer,
  type ConfigRequirements,
  ConfigVersionConflictError,
  type ConfigWriter,
  checkConfigTable,
  configVersion,
  enabledLayers,
  isTomlTable,
  jsonToToml,
  mergeTables,
  type TomlTable,
} from "@codex-ts/config-loader";
import type { Handlers } from "../../handler.js";
import { RuntimeFeatures, runtimeFeatures } from "../config-info-0166/runtime-features.js";
import { configShape0166 } from "./config-shape.js";

type LayerMetadata = gen0166.ConfigLayerMetadata;

/** How 0.166.0 names a layer (`ConfigLayerSource`). */
function layerName(layer: ConfigLayer): gen0166.ConfigLayerSource {
  switch (layer.kind) {
    case "system":
      return { type: "system", file: layer.file ?? layer.source };
    case "project":
      return { type: "project", dotCodexFolder: layer.dotCodexFolder ?? layer.source };
    case "user":
      return { type: "user", file: layer.file ?? layer.source, profile: null };
    case "sessionFlags":
      return { type: "sessionFlags" };
    case "legacyManagedConfigTomlFromFile":
      return { type: "legacyManagedConfigTomlFromFile", file: layer.file ?? layer.source };
    case "legacyManagedConfigTomlFromMdm":
      return { type: "legacyManagedConfigTomlFromMdm" };
    case "request":
      // Not a layer of the server's config; no `config/read` reports one.
      return { type: "sessionFlags" };
  }
}

const metadata = (layer: ConfigLayer): LayerMetadata => ({
  name: layerName(layer),
  version: configVersion(layer.table),
});

/** Every leaf of a table by dotted path (array elements by index), as 0.166.0's `origins` keys them. */
function leafPaths(value: unknown, prefix: string, out: string[]): string[] {
  if (isTomlTable(value)) {
    for (const [key, child] of Object.entries(value))
      leafPaths(child, prefix ? `${prefix}.${key}` : key, out);
  } else if (Array.isArray(value) && value.length > 0) {
    value.forEach((child, i) => {
      leafPaths(child, `${prefix}.${i}`, out);
    });
  } else if (prefix) {
    out.push(prefix);
  }
  return out;
}

/** A `config/value/write` / `config/batchWrite` refusal, with the code 0.166.0 puts in `data`. */
function writeError(
  code: "configValidationError" | "configVersionConflict" | "configLayerReadonly",
  message: string,
) {
  return new RpcError(INVALID_REQUEST, message, { config_write_error_code: code });
}

function keyPath(path: string): string[] {
  if (path === "") throw writeError("configValidationError", "keyPath must not be empty");
  const segments = path.split(".");
  if (segments.some((s) => s === ""))
    throw writeError("configValidationError", "keyPath segments must not be empty");
  return segments;
}

function valueAt(table: TomlTable, path: readonly string[]): unknown {
  let node: unknown = table;
  for (const key of path) {
    if (!isTomlTable(node)) return undefined;
    node = node[key];
  }
  return node;
}

export interface ConfigServices0166 {
  /**
   * The server's config layers, lowest precedence first (`/etc/codex/config.toml`, `CODEX_HOME/config.toml`, with a
   * `cwd` that folder's project layers, `-c`, managed).
   */
  layers(cwd?: string): Promise<ConfigLayer[]>;
  /** The one config writer of the server. */
  writer: ConfigWriter;
  /** The managed requirements (their `[features]` pins show in `config/read`). */
  requirements?: (() => Promise<ConfigRequirements | null>) | undefined;
}

/**
 * 0.166.0's `config/read`, `config/value/write` and `config/batchWrite` over the layers `loadConfig` merges and
 * the one `ConfigWriter`. Reads see the files as they are now; writes go to `CODEX_HOME/config.toml` only,
 * comment-preserving, all edits of a batch or none, refused when `expectedVersion` is stale or the result would
 * not load.
 */
export function createConfigHandlers0166(
  s: ConfigServices0166,
): Handlers<Protocol0166, "config/read" | "config/value/write" | "config/batchWrite"> {
  const readLayers = async (cwd?: string) => {
    try {
      return await s.layers(cwd);
    } catch (err) {
      throw internalError(`failed to read configuration layers: ${(err as Error).message}`);
    }
  };

  /** Writes the edits and reports, as 0.166.0 does, whether a higher layer overrides what was written. */
  const write = async (
    edits: readonly { keyPath: string; value: unknown; mergeStrategy: gen0166.MergeStrategy }[],
    p: { filePath?: string | null | undefined; expectedVersion?: string | null | undefined },
  ): Promise<gen0166.ConfigWriteResponse> => {
    if (p.filePath != null && resolve(p.filePath) !== resolve(s.writer.path)) {
      throw writeError("configLayerReadonly", "Only writes to the user config are allowed");
    }
    const paths = edits.map((e) => keyPath(e.keyPath));
    let configEdits: ConfigEdit[];
    try {
      configEdits = edits.map((e, i) => ({
        type: "writeValue",
        path: paths[i] ?? [],
        value: e.value === null ? null : jsonToToml(e.value),
        merge: e.mergeStrategy,
      }));
    } catch (err) {
      throw writeError("configValidationError", `Invalid configuration: ${(err as Error).message}`);
    }
    let result: Awaited<ReturnType<ConfigWriter["write"]>>;
    try {
      result = await s.writer.write(configEdits, {
        ...(p.expectedVersion != null ? { expectedVersion: p.expectedVersion } : {}),
        validate: (table) => checkConfigTable(table, s.writer.path),
      });
    } catch (err) {
      if (err instanceof ConfigVersionConflictError) throw writeError("configVersionConflict", err.message);
      if (err instanceof ConfigError) {
        const message = err.message.startsWith("cannot set value")
          ? err.message
          : `Invalid configuration: ${err.message}`;
        throw writeError("configValidationError", message);
      }
      throw internalError(`failed to write config: ${(err as Error).message}`);
    }
    const filePath = await realpath(s.writer.path).catch(() => s.writer.path);
    const overridden = await overriddenBy(paths, await readLayers());
    return {
      status: overridden ? "okOverridden" : "ok",
      version: result.version,
      filePath,
      overriddenMetadata: overridden,
    };
  };

  return {
    async "config/read"(p) {
      // With a `cwd`, that folder's project layers too (0.166.0 lists an untrusted one with its `disabledReason`
      // but leaves it out of the config and the origins).
      const layers = (await readLayers(p.cwd ?? undefined)).filter((l) => l.kind !== "request");
      const enabled = enabledLayers(layers);
      const merged = enabled.map((l) => l.table).reduce(mergeTables, {});
      const origins: Record<string, LayerMetadata> = {};
      for (const layer of enabled) {
        const meta = metadata(layer);
        for (const path of leafPaths(layer.table, "", [])) origins[path] = meta;
      }
      const config = configShape0166(merged) as gen0166.Config;
      // Flags a client set at run time show where the config does not set them, as in 0.166.0.
      const configured = isTomlTable(merged.features) ? merged.features : {};
      const features = config.features as Record<string, unknown> | undefined;
      // A flag requirements.toml pins shows as pinned, whatever the config says (0.166.0 shows the settable ones so).
      const pinned = (await s.requirements?.().catch(() => null))?.features?.pinned ?? {};
      for (const name of RuntimeFeatures.settable) {
        const on = runtimeFeatures.get(name);
        if (features && typeof pinned[name] === "boolean") features[name] = pinned[name];
        else if (features && on !== undefined && !(name in configured)) features[name] = on;
      }
      if (!p.includeLayers) return { config, origins };
      const listed = [...layers].reverse().map((layer) => ({
        ...metadata(layer),
        config: layer.table,
        ...(layer.disabledReason !== undefined ? { disabledReason: layer.disabledReason } : {}),
      }));
      return { config, origins, layers: listed };
    },

    "config/value/write": (p) => write([p], p),

    "config/batchWrite": (p) => write(p.edits, p),
  };
}

/** The first written path a layer above the user's sets to something else, as 0.166.0's `overriddenMetadata`. */
async function overriddenBy(
  paths: readonly string[][],
  layers: readonly ConfigLayer[],
): Promise<gen0166.OverriddenMetadata | null> {
  // The layers above the user's (the system layer is below it), highest first.
  const user = layers.findIndex((l) => l.kind === "user");
  const above = enabledLayers(layers.slice(user + 1))
    .filter((l) => l.kind !== "request")
    .reverse();
  for (const path of paths) {
    for (const layer of above) {
      const effectiveValue = valueAt(layer.table, path);
      if (effectiveValue === undefined) continue;
      const message =
        layer.kind === "sessionFlags" ? "Overridden by session flags" : "Overridden by managed configuration";
      return { message, overridingLayer: metadata(layer), effectiveValue };
    }
  }
  return null;
}
