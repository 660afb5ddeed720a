import { randomUUID } from "node:crypto";
import type {
  ExternalAgentMethod0166,
  gen0166,
  Protocol0166,
  ProtocolPeer,
} from "@codex-ts/app-server-protocol";
import type { Handlers } from "../../handler.js";
import { ImportHistoryStore } from "./history-store.js";
import { type DetectedItem, ExternalAgentConfigService } from "./service.js";
import { agentSource } from "./source.js";
import { MigrationError } from "./sources.js";

type ItemType = gen0166.ExternalAgentConfigMigrationItemType;
type TypeResult = gen0166.ExternalAgentConfigImportTypeResult;
type Failure = gen0166.ExternalAgentConfigImportItemTypeFailure;
type MigrationItem = gen0166.ExternalAgentConfigMigrationItem;

/** The order 0.166.0 groups an import's results in (its item types' declaration order). */
const RESULT_ORDER: readonly ItemType[] = [
  "CONFIG",
  "SKILLS",
  "AGENTS_MD",
  "PLUGINS",
  "MCP_SERVER_CONFIG",
  "SUBAGENTS",
  "HOOKS",
  "COMMANDS",
  "MEMORY",
  "SESSIONS",
];

/** A detected item on the wire: every detail list present (as 0.166.0 sends them), names where the item has some. */
function wireItem(item: DetectedItem): MigrationItem {
  const details = item.names
    ? {
        plugins: [],
        skills: (item.names.skills ?? []).map((name) => ({ name })),
        sessions: [],
        mcpServers: (item.names.mcpServers ?? []).map((name) => ({ name })),
        hooks: [],
        subagents: [],
        commands: [],
      }
    : null;
  return { itemType: item.itemType, description: item.description, cwd: item.cwd, details };
}

export interface ExternalAgentServices0166 {
  codexHome: string;
  /** The user's home directory: the other agent's configuration is under `<home>/.claude`. */
  homeDir: string;
  peer: ProtocolPeer<Protocol0166>;
}

/**
 * `externalAgentConfig/detect`, `externalAgentConfig/import` (answered with its id at once, then one `progress`
 * notification per item and a `completed` one with the results grouped by type), and the import history
 * (`import/recordHistory`, `import/readHistories`, kept by `ImportHistoryStore`).
 */
export function createExternalAgentHandlers0166(
  s: ExternalAgentServices0166,
): Handlers<Protocol0166, Extract<ExternalAgentMethod0166, `externalAgentConfig/${string}`>> {
  const service = (migrationSource: string | null | undefined) =>
    new ExternalAgentConfigService(s.codexHome, s.homeDir, agentSource(migrationSource));
  const history = ImportHistoryStore.for(s.codexHome);

  /** One item imported: what went where, or why it failed (the failure is a result, never a thrown error). */
  const importOne = async (item: MigrationItem, from: ExternalAgentConfigService): Promise<TypeResult> => {
    const cwd = item.cwd ?? null;
    const result: TypeResult = { itemType: item.itemType, successes: [], failures: [] };
    const fail = (message: string, errorType: string) => {
      const failure: Failure = {
        itemType: item.itemType,
        errorType,
        subErrorType: null,
        failureStage: "import_request_failed",
        message,
        cwd,
        source: null,
      };
      result.failures.push(failure);
    };
    const itemType = item.itemType;
    if (!from.supports(itemType)) {
      fail(
        `${itemType} migration from ${from.sourceName} is not supported by this server`,
        "unsupported_item_type",
      );
      return result;
    }
    try {
      for (const done of await from.importItem(itemType, cwd)) {
        result.successes.push({
          itemType: item.itemType,
          cwd,
          source: done.source,
          target: done.target,
          title: null,
        });
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const errorType =
        err instanceof MigrationError && message.includes("invalid existing config.toml")
          ? "invalid_existing_config"
          : "external_agent_config_import_error";
      fail(message, errorType);
    }
    return result;
  };

  const grouped = (results: TypeResult[]): TypeResult[] =>
    RESULT_ORDER.filter((type) => results.some((r) => r.itemType === type)).map((itemType) => ({
      itemType,
      successes: results.filter((r) => r.itemType === itemType).flatMap((r) => r.successes),
      failures: results.filter((r) => r.itemType === itemType).flatMap((r) => r.failures),
    }));

  const runImport = async (
    importId: string,
    items: MigrationItem[],
    providerId: string | null,
    from: ExternalAgentConfigService,
  ) => {
    const results: TypeResult[] = [];
    for (const item of items) {
      const result = await importOne(item, from);
      results.push(result);
      await s.peer.notify("externalAgentConfig/import/progress", { importId, itemTypeResults: [result] });
    }
    const itemTypeResults = grouped(results);
    await history.add({
      importId,
      providerId,
      completedAtMs: Date.now(),
      successes: itemTypeResults.flatMap((r) => r.successes),
      failures: itemTypeResults.flatMap((r) => r.failures),
    });
    await s.peer.notify("externalAgentConfig/import/completed", { importId, itemTypeResults });
  };

  return {
    async "externalAgentConfig/detect"(p) {
      const items = await service(p.migrationSource).detect(p.includeHome === true, p.cwds ?? []);
      return { items: items.map(wireItem), connectors: [] };
    },

    async "externalAgentConfig/import"(p, ctx) {
      const importId = randomUUID();
      const sent = await ctx.respond({ importId });
      if (p.migrationItems.length > 0) {
        runImport(importId, p.migrationItems, p.providerId ?? null, service(p.migrationSource)).catch(
          (err: unknown) =>
            ctx.server.log("error", `externalAgentConfig/import ${importId}: ${(err as Error).message}`),
        );
      }
      return sent;
    },

    async "externalAgentConfig/import/recordHistory"(p) {
      const importId = randomUUID();
      await history.add({
        importId,
        providerId: p.providerId,
        completedAtMs: Date.now(),
        successes: p.itemTypeResults.flatMap((r) =>
          r.successes.map((x) => ({
            itemType: x.itemType,
            cwd: x.cwd ?? null,
            source: x.source ?? null,
            target: x.target ?? null,
            title: x.title ?? null,
          })),
        ),
        failures: p.itemTypeResults.flatMap((r) =>
          r.failures.map((x) => ({
            itemType: x.itemType,
            errorType: x.errorType ?? null,
            subErrorType: x.subErrorType ?? null,
            failureStage: x.failureStage,
            message: x.message,
            cwd: x.cwd ?? null,
            source: x.source ?? null,
          })),
        ),
      });
      return { importId };
    },

    async "externalAgentConfig/import/readHistories"() {
      return { data: await history.list(), connectors: [] };
    },
  };
}
