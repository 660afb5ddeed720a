import { createHash } from "node:crypto";
import { join } from "node:path";
import type { TomlTable } from "@codex-ts/json-to-toml";
import { ConfigError } from "./errors.js";
import { type ConfigOverride, jsonOverrides, overridesTable } from "./overrides.js";
import { checkRequestValue } from "./request-values.js";
import { parseToml, readTomlFile } from "./toml-file.js";
import { emptyTable } from "./toml-table.js";

/**
 * Where a layer comes from, in Codex 0.166.0's words (`ConfigLayerSource`): the user's `config.toml`, the process
 * `-c` flags (`sessionFlags`), a request's `config` map, `managed_config.toml` and the macOS managed preferences.
 */
export type ConfigLayerKind =
  | "user"
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
  readonly table: TomlTable;
}

/** Where the managed layers come from; both are injectable so they can be tested anywhere. */
export interface ManagedSources {
  /** `managed_config.toml`; default `/etc/codex/managed_config.toml` on Unix, `CODEX_HOME/...` on Windows. */
  configPath?: string | null;
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
}

export const CONFIG_FILE = "config.toml";

async function managedLayers(codexHome: string, managed: ManagedSources | undefined): Promise<ConfigLayer[]> {
  const layers: ConfigLayer[] = [];
  const defaultPath =
    process.platform === "win32" ? join(codexHome, "managed_config.toml") : "/etc/codex/managed_config.toml";
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
 * Every config layer, lowest precedence first: `CODEX_HOME/config.toml` (an empty table when missing), `-c`
 * overrides, the request's `config` map, `managed_config.toml`, macOS managed preferences. Managed layers beat
 * `-c`, as in Codex 0.58.0. `loadConfig` merges exactly these; `config/read` reports them.
 */
export async function readConfigLayers(opts: ConfigLayerOptions): Promise<ConfigLayer[]> {
  const configPath = join(opts.codexHome, CONFIG_FILE);
  const layers: ConfigLayer[] = [
    {
      kind: "user",
      source: configPath,
      file: configPath,
      table: (await readTomlFile(configPath)) ?? emptyTable(),
    },
  ];
  if (opts.cliOverrides?.length) {
    for (const [key, value] of opts.cliOverrides) checkRequestValue("-c overrides", key, value);
    layers.push({ kind: "sessionFlags", source: "-c overrides", table: overridesTable(opts.cliOverrides) });
  }
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
  layers.push(...(await managedLayers(opts.codexHome, opts.managed)));
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
