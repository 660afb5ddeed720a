import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import type { TomlTable } from "@codex-ts/json-to-toml";
import { ConfigError } from "./errors.js";
import { type ConfigOverride, jsonOverrides, overridesTable } from "./overrides.js";
import { readProjectLayers } from "./project-layers.js";
import { resolveLayerPaths } from "./project-paths.js";
import { checkRequestValue } from "./request-values.js";
import { systemConfigDir } from "./system-paths.js";
import { parseToml, readTomlFile } from "./toml-file.js";
import { emptyTable, mergeTables } from "./toml-table.js";

/**
 * Where a layer comes from, in Codex 0.166.0's words (`ConfigLayerSource`): `/etc/codex/config.toml` (`system`),
 * the user's `config.toml`, a project's `.codex/config.toml`, the process `-c` flags (`sessionFlags`), a request's
 * `config` map, `managed_config.toml` and the macOS managed preferences.
 */
export type ConfigLayerKind =
  | "system"
  | "user"
  | "project"
  | "sessionFlags"
  | "request"
  | "legacyManagedConfigTomlFromFile"
  | "legacyManagedConfigTomlFromMdm";

/** One config layer as read: its origin, a label for error messages, the file behind it, and its table. */
export interface ConfigLayer {
  readonly kind: ConfigLayerKind;
  /** Names the layer in error messages (`<path>`, `-c overrides`, `request config`, …). */
  readonly source: string;
  /** The file the layer was read from (user and managed-file layers; the user's even when it does not exist). */
  readonly file?: string;
  /** A project layer's `.codex` folder. */
  readonly dotCodexFolder?: string;
  /**
   * Why the layer is off (a project layer of an untrusted folder): it is reported but not merged. Merge
   * `enabledLayers(layers)`, never all of them.
   */
  readonly disabledReason?: string;
  readonly table: TomlTable;
}

/** The layers that count: all but those with a `disabledReason`. */
export function enabledLayers<T extends { disabledReason?: string | undefined }>(layers: readonly T[]): T[] {
  return layers.filter((l) => l.disabledReason === undefined);
}

/** Where the managed layers come from; both are injectable so they can be tested anywhere. */
export interface ManagedSources {
  /** `managed_config.toml`; default `/etc/codex/managed_config.toml` on Unix, `CODEX_HOME/...` on Windows. */
  configPath?: string | null;
  /** 0.166.0's `system` layer; default `/etc/codex/config.toml` (`CODEX_TS_SYSTEM_CONFIG_DIR` moves `/etc/codex`). */
  systemConfigPath?: string | null;
  /** 0.166.0's managed requirements; default `/etc/codex/requirements.toml`. */
  requirementsPath?: string | null;
  /** macOS managed preferences (`com.openai.codex` / `config_toml_base64`): base64 TOML, or undefined. */
  preferencesBase64?: () => string | undefined;
}

export interface ConfigLayerOptions {
  codexHome: string;
  /** Process-level `-c` overrides (including `--enable/--disable`), in order. */
  cliOverrides?: readonly ConfigOverride[] | undefined;
  /** A request's JSON `config` map of dotted keys; sits above `-c`. */
  requestOverrides?: Record<string, unknown> | null | undefined;
  managed?: ManagedSources | undefined;
  /** Where `/etc/codex` is (`CODEX_TS_SYSTEM_CONFIG_DIR`); the process's environment when absent. */
  env?: NodeJS.ProcessEnv | undefined;
  /**
   * Codex 0.166.0's layers: the `system` layer (`/etc/codex/config.toml`, an empty table when missing) under the
   * user's. 0.58.0 has none, so its conversations go without.
   */
  systemLayer?: boolean | undefined;
  /** Codex 0.166.0's project layers for this directory (between the user's layer and `-c`); none when absent. */
  projectCwd?: string | undefined;
}

export const CONFIG_FILE = "config.toml";

/** `/etc/codex/<name>` (or the directory `CODEX_TS_SYSTEM_CONFIG_DIR` names). */
export function systemFile(name: string, env?: NodeJS.ProcessEnv): string {
  return join(systemConfigDir(env ?? process.env), name);
}

/** The paths of the machine-wide files, the caller's choices first. */
export function systemPaths(managed: ManagedSources | undefined, env?: NodeJS.ProcessEnv) {
  return {
    config: managed?.systemConfigPath === undefined ? systemFile(CONFIG_FILE, env) : managed.systemConfigPath,
    requirements:
      managed?.requirementsPath === undefined
        ? systemFile("requirements.toml", env)
        : managed.requirementsPath,
  };
}

async function managedLayers(
  codexHome: string,
  managed: ManagedSources | undefined,
  env: NodeJS.ProcessEnv | undefined,
): Promise<ConfigLayer[]> {
  const layers: ConfigLayer[] = [];
  const defaultPath =
    process.platform === "win32"
      ? join(codexHome, "managed_config.toml")
      : systemFile("managed_config.toml", env);
  const path = managed?.configPath === undefined ? defaultPath : managed.configPath;
  if (path !== null) {
    const table = await readTomlFile(path);
    if (table) layers.push({ kind: "legacyManagedConfigTomlFromFile", source: path, file: path, table });
  }
  const base64 = managed?.preferencesBase64?.();
  if (base64 !== undefined) {
    const source = "managed preferences (com.openai.codex config_toml_base64)";
    const text = Buffer.from(base64.trim(), "base64").toString("utf8");
    if (text.includes("\uFFFD")) throw new ConfigError(`${source}: decoded value is not valid UTF-8`, source);
    layers.push({ kind: "legacyManagedConfigTomlFromMdm", source, table: parseToml(text, source) });
  }
  return layers;
}

/**
 * Every config layer, lowest precedence first: (0.166.0's) `/etc/codex/config.toml`, `CODEX_HOME/config.toml` (an
 * empty table when missing), (0.166.0's) the project's `.codex/config.toml` folders, `-c` overrides, the request's
 * `config` map, `managed_config.toml`, macOS managed preferences. Managed layers beat `-c`, as in Codex 0.58.0.
 * `loadConfig` merges the enabled ones; `config/read` reports them all.
 */
export async function readConfigLayers(opts: ConfigLayerOptions): Promise<ConfigLayer[]> {
  const configPath = join(opts.codexHome, CONFIG_FILE);
  const layers: ConfigLayer[] = [];
  const systemPath = opts.systemLayer ? systemPaths(opts.managed, opts.env).config : null;
  if (systemPath) {
    const table = (await readTomlFile(systemPath)) ?? emptyTable();
    layers.push({
      kind: "system",
      source: systemPath,
      file: systemPath,
      table: resolveLayerPaths(table, dirname(systemPath)),
    });
  }
  layers.push({
    kind: "user",
    source: configPath,
    file: configPath,
    table: (await readTomlFile(configPath)) ?? emptyTable(),
  });
  let flags: ConfigLayer | undefined;
  if (opts.cliOverrides?.length) {
    for (const [key, value] of opts.cliOverrides) checkRequestValue("-c overrides", key, value);
    flags = { kind: "sessionFlags", source: "-c overrides", table: overridesTable(opts.cliOverrides) };
  }
  if (opts.projectCwd !== undefined) {
    // Where the project's root is and whether it is trusted come from the layers below it and the `-c` flags.
    const below = [...layers, ...(flags ? [flags] : [])]
      .map((l) => l.table)
      .reduce(mergeTables, emptyTable());
    for (const p of await readProjectLayers({
      cwd: opts.projectCwd,
      codexHome: opts.codexHome,
      userConfigFile: configPath,
      below,
    })) {
      layers.push({
        kind: "project",
        source: p.file,
        file: p.file,
        dotCodexFolder: p.dotCodexFolder,
        table: p.table,
        ...(p.disabledReason !== undefined ? { disabledReason: p.disabledReason } : {}),
      });
    }
  }
  if (flags) layers.push(flags);
  if (opts.requestOverrides && Object.keys(opts.requestOverrides).length > 0) {
    for (const [key, value] of Object.entries(opts.requestOverrides)) {
      checkRequestValue("request config", key, value);
    }
    layers.push({
      kind: "request",
      source: "request config",
      table: overridesTable(jsonOverrides(opts.requestOverrides)),
    });
  }
  layers.push(...(await managedLayers(opts.codexHome, opts.managed, opts.env)));
  return layers;
}

/** Rust's `String` order (UTF-8 bytes), which serde_json's sorted maps use. */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** JSON with object keys sorted byte-wise and no whitespace (serde_json's compact form of a sorted map). */
export function canonicalJson(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort(byBytes)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * The version of a layer's contents as Codex 0.166.0 reports it (`config/read`, `config/value/write`):
 * `sha256:` and the hex digest of the table as compact JSON with sorted keys. Two files with the same settings
 * have the same version, whatever their comments or formatting.
 */
export function configVersion(table: TomlTable): string {
  return `sha256:${createHash("sha256").update(canonicalJson(table)).digest("hex")}`;
}
