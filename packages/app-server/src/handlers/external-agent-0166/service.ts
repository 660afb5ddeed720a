import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  CONFIG_FILE_MAX_BYTES,
  ConfigError,
  ConfigWriter,
  parseToml,
  readConfigText,
  type TomlTable,
  writeFileAtomically,
} from "@codex-ts/config-loader";
import { mcpConfigFromServers, readAgentMcpServers, readMcpJsonServers } from "./mcp.js";
import { rewriteAgentTerms } from "./rewrite-terms.js";
import {
  configFromSettings,
  effectiveSettings,
  type Json,
  type MissingValue,
  missingMcpServers,
  missingValues,
} from "./settings.js";
import { importSkills, missingSkills } from "./skills.js";
import type { AgentSource } from "./source.js";
import {
  findRepoRoot,
  isMissingOrEmptyTextFile,
  isNonEmptyTextFile,
  MigrationError,
  readSourceJson,
  readSourceText,
} from "./sources.js";

/** The item types this server detects and imports (0.166.0 also has plugins, hooks, commands, subagents…). */
export type MigrationItemType = "CONFIG" | "MCP_SERVER_CONFIG" | "SKILLS" | "AGENTS_MD";

/** One thing found to migrate, as `externalAgentConfig/detect` lists it. */
export interface DetectedItem {
  itemType: MigrationItemType;
  description: string;
  cwd: string | null;
  /** Names of what the item migrates (MCP servers, skills); null for whole files. */
  names?: { mcpServers?: string[]; skills?: string[] };
}

/** One thing migrated: its source and where it went. */
export interface ImportedThing {
  source: string;
  target: string;
}

/** Where one scope's files are: the home scope (`repo` null) or a repository's. */
interface Scope {
  repo: string | null;
  /** The other agent's directory of this scope (`~/.claude`, `<repo>/.claude`). */
  agentDir: string;
  settings: string;
  config: string;
  skillsSource: string;
  skillsTarget: string;
  agentsMdTarget: string;
  /** Where MCP servers are listed: the directory of `.mcp.json` / `.claude.json`, or Cursor's `mcp.json`. */
  mcpSource: string;
}

/**
 * Detects another agent's configuration (Claude Code: `~/.claude`, `CLAUDE.md`, `.claude/settings.json`, MCP
 * servers in `.mcp.json` / `.claude.json`, skills) and migrates it into Codex's files, as codex 0.166.0 does:
 * config values and MCP servers merged into `config.toml` without replacing what is set, `CLAUDE.md` copied to an
 * empty `AGENTS.md`, skills copied to `.agents/skills`, texts rewritten to speak of Codex.
 */
export class ExternalAgentConfigService {
  /** The other agent's home directory (`$HOME/.claude`, `$HOME/.cursor`). */
  private readonly agentHome: string;

  constructor(
    private readonly codexHome: string,
    homeDir: string,
    private readonly source: AgentSource,
  ) {
    this.agentHome = join(homeDir, source.dir);
  }

  private get isClaude(): boolean {
    return this.source.kind === "claude";
  }

  /**
   * Whether this server migrates an item type from this agent: Claude Code's config, MCP servers, skills and
   * instructions; Cursor's MCP servers and skills (its settings are not migrated, as in 0.166.0, and its rules are
   * not migrated here).
   */
  supports(itemType: string): itemType is MigrationItemType {
    const types: readonly string[] = this.isClaude
      ? ["CONFIG", "MCP_SERVER_CONFIG", "SKILLS", "AGENTS_MD"]
      : ["CONFIG", "MCP_SERVER_CONFIG", "SKILLS"];
    return types.includes(itemType);
  }

  /** The agent's name in messages. */
  get sourceName(): string {
    return this.isClaude ? "Claude Code" : "Cursor";
  }

  private scope(repo: string | null): Scope {
    if (repo === null) {
      return {
        repo,
        agentDir: this.agentHome,
        settings: join(this.agentHome, "settings.json"),
        config: join(this.codexHome, "config.toml"),
        skillsSource: join(this.agentHome, "skills"),
        // Beside CODEX_HOME, not under it: `~/.agents/skills` for the usual `~/.codex`.
        skillsTarget: join(dirname(this.codexHome), ".agents", "skills"),
        agentsMdTarget: join(this.codexHome, "AGENTS.md"),
        mcpSource: this.isClaude ? dirname(this.agentHome) : join(this.agentHome, "mcp.json"),
      };
    }
    const agentDir = join(repo, this.source.dir);
    return {
      repo,
      agentDir,
      settings: join(agentDir, "settings.json"),
      config: join(repo, ".codex", "config.toml"),
      skillsSource: join(agentDir, "skills"),
      skillsTarget: join(repo, ".agents", "skills"),
      agentsMdTarget: join(repo, "AGENTS.md"),
      mcpSource: this.isClaude ? repo : join(agentDir, "mcp.json"),
    };
  }

  /** The home scope (`includeHome`), then each working directory's repository, in the order given. */
  async detect(includeHome: boolean, cwds: readonly string[]): Promise<DetectedItem[]> {
    const items: DetectedItem[] = [];
    if (includeHome) await this.detectScope(this.scope(null), items);
    for (const cwd of cwds) {
      const repo = await findRepoRoot(cwd);
      if (repo !== null) await this.detectScope(this.scope(repo), items);
    }
    return items;
  }

  private async detectScope(s: Scope, items: DetectedItem[]): Promise<void> {
    const cwd = s.repo;
    // Cursor's settings are not migrated (0.166.0 neither).
    const settings = this.isClaude ? await effectiveSettings(s.settings) : undefined;
    if (settings !== undefined) {
      const migrated = configFromSettings(settings);
      if (Object.keys(migrated).length > 0) {
        const existing = await readExistingConfig(s.config);
        if (existing === undefined || missingValues(existing, migrated).length > 0) {
          items.push({ itemType: "CONFIG", description: `Migrate ${s.settings} into ${s.config}`, cwd });
        }
      }
    }
    const mcp = await this.mcpConfig(s, settings);
    if (Object.keys(mcp).length > 0) {
      const existing = await readExistingConfig(s.config);
      const names = serverNames(missingMcpServers(existing ?? {}, mcp));
      if (names.length > 0) {
        items.push({
          itemType: "MCP_SERVER_CONFIG",
          description: `Migrate MCP servers from ${s.mcpSource} into ${s.config}`,
          cwd,
          names: { mcpServers: names },
        });
      }
    }
    // 0.166.0 looks for Claude Code's hooks here and reads the local settings strictly for them: a bad one stops
    // detection.
    if (this.isClaude)
      await readSourceJson(join(s.agentDir, "settings.local.json"), "invalid hooks settings: ");
    const skills = await missingSkills(s.skillsSource, s.skillsTarget);
    if (skills.length > 0) {
      items.push({
        itemType: "SKILLS",
        description: `Migrate skills from ${s.skillsSource} to ${s.skillsTarget}`,
        cwd,
        names: { skills },
      });
    }
    const agentsMd = await this.agentsMdSource(s);
    if (agentsMd !== null && (await isMissingOrEmptyTextFile(s.agentsMdTarget))) {
      items.push({ itemType: "AGENTS_MD", description: `Migrate ${agentsMd} to ${s.agentsMdTarget}`, cwd });
    }
  }

  /**
   * The MCP servers of a scope as Codex config. A repository without settings of its own takes the home settings'
   * server filters (a bad home settings file is then ignored).
   */
  private async mcpConfig(s: Scope, settings: Json | undefined): Promise<TomlTable> {
    if (!this.isClaude) return mcpConfigFromServers(await readMcpJsonServers(s.mcpSource), undefined);
    let filters = settings;
    if (s.repo !== null && settings === undefined) {
      filters = await effectiveSettings(join(this.agentHome, "settings.json")).catch(() => undefined);
    }
    return mcpConfigFromServers(await readAgentMcpServers(s.mcpSource, this.agentHome), filters);
  }

  /** Claude Code's instructions file of a scope; none for Cursor (its rules are not migrated here). */
  private async agentsMdSource(s: Scope): Promise<string | null> {
    if (!this.isClaude) return null;
    const doc = this.source.rewrite.docFile;
    const candidates =
      s.repo === null ? [join(this.agentHome, doc)] : [join(s.repo, doc), join(s.agentDir, doc)];
    for (const path of candidates) if (await isNonEmptyTextFile(path)) return path;
    return null;
  }

  /**
   * The scope an import item names: home for a null or empty `cwd`, else the repository of `cwd`; null (nothing
   * to import) when `cwd` does not exist.
   */
  private async importScope(cwd: string | null | undefined): Promise<Scope | null> {
    if (!cwd) return this.scope(null);
    const repo = await findRepoRoot(cwd);
    return repo === null ? null : this.scope(repo);
  }

  /** Migrates one item; what it migrated (nothing when there was nothing left to do). */
  async importItem(itemType: MigrationItemType, cwd: string | null | undefined): Promise<ImportedThing[]> {
    const s = await this.importScope(cwd);
    if (s === null) return [];
    switch (itemType) {
      case "CONFIG":
        return this.importConfig(s);
      case "MCP_SERVER_CONFIG":
        return this.importMcpServers(s);
      case "SKILLS":
        return (await importSkills(s.skillsSource, s.skillsTarget, this.source.rewrite)).map((name) => ({
          source: name,
          target: name,
        }));
      case "AGENTS_MD":
        return this.importAgentsMd(s);
    }
  }

  private async importConfig(s: Scope): Promise<ImportedThing[]> {
    if (!this.isClaude) return [];
    const settings = await effectiveSettings(s.settings);
    if (settings === undefined) return [];
    const migrated = configFromSettings(settings);
    if (Object.keys(migrated).length === 0) return [];
    const existing = (await readExistingConfig(s.config)) ?? {};
    const changed = await writeMissing(s.config, missingValues(existing, migrated));
    return changed ? [{ source: s.settings, target: s.config }] : [];
  }

  private async importMcpServers(s: Scope): Promise<ImportedThing[]> {
    const mcp = await this.mcpConfig(s, this.isClaude ? await effectiveSettings(s.settings) : undefined);
    if (Object.keys(mcp).length === 0) return [];
    const existing = (await readExistingConfig(s.config)) ?? {};
    const added = missingMcpServers(existing, mcp);
    await writeMissing(s.config, added);
    return serverNames(added).map((name) => ({ source: name, target: name }));
  }

  private async importAgentsMd(s: Scope): Promise<ImportedThing[]> {
    const source = await this.agentsMdSource(s);
    if (source === null || !(await isMissingOrEmptyTextFile(s.agentsMdTarget))) return [];
    const text = (await readSourceText(source)) ?? "";
    await mkdir(dirname(s.agentsMdTarget), { recursive: true });
    await writeFileAtomically(s.agentsMdTarget, rewriteAgentTerms(text, this.source.rewrite));
    return [{ source, target: s.agentsMdTarget }];
  }
}

const serverNames = (values: MissingValue[]) => values.map((v) => v.path[1] as string);

/** A target config.toml as a table; undefined when there is none. One that does not parse stops the migration. */
async function readExistingConfig(path: string): Promise<TomlTable | undefined> {
  let text: string | undefined;
  try {
    text = await readConfigText(path, { maxBytes: CONFIG_FILE_MAX_BYTES, strictUtf8: true });
  } catch (err) {
    throw new MigrationError(`invalid existing config.toml: ${(err as Error).message}`, true);
  }
  if (text === undefined) return undefined;
  if (text.trim() === "") return {};
  try {
    return parseToml(text, path);
  } catch (err) {
    const why = err instanceof ConfigError ? err.message : String(err);
    throw new MigrationError(`invalid existing config.toml: ${why}`, true);
  }
}

/**
 * The values added to a config.toml through the config editor (the file's comments and layout kept), each only
 * where the file, as locked for the write, still has nothing: a concurrent writer's value is never replaced.
 */
async function writeMissing(path: string, values: MissingValue[]): Promise<boolean> {
  if (values.length === 0) return false;
  const writer = new ConfigWriter(dirname(path));
  return writer.apply(values.map((v) => ({ type: "setIfAbsent", path: v.path, value: v.value })));
}
