import { type Protocol0166, protocol0166, type SettingsMethod0166 } from "@codex-ts/app-server-protocol";
import type { Config, McpServerConfig } from "@codex-ts/config-loader";
import type { Handlers } from "../../handler.js";
import type { SkillExtraRoots } from "../../skill-extra-roots.js";
import type { AccountService } from "../account-service.js";
import { unavailable } from "../unavailable.js";
import { createAccountHandlers0166 } from "./account.js";
import { type ConfigServices0166, createConfigHandlers0166 } from "./config.js";
import { createHooksHandler0166 } from "./hooks.js";
import { createMcpConfigHandlers0166, type McpOauthLoginEnd } from "./mcp-config.js";
import { createMcpStatusHandler0166, type ThreadMcpLookup } from "./mcp-status.js";
import { modelListHandler0166 } from "./models.js";
import { createSkillsHandler0166 } from "./skills.js";

/** What the 0.166 settings methods serve from; a method whose service is missing answers that it is not available. */
export interface SettingsServices0166 {
  account?: AccountService | undefined;
  /** The server's config layers (the runtime's `configLayers`) and its one config writer. */
  config?: ConfigServices0166 | undefined;
  /** `$HOME`, for the user's `~/.agents/skills`. */
  homeDir?: string | undefined;
  /** The config as it is now (`mcpServerStatus/list` reports its `mcp_servers`). */
  currentConfig?: (() => Promise<Config>) | undefined;
  /** A 0.166 thread's MCP connection state (`mcpServerStatus/list {threadId}`), from the live thread methods. */
  threadMcp?: ThreadMcpLookup | undefined;
  /** The skill roots clients added (`skills/extraRoots/set`), one list per server. */
  skillExtraRoots: SkillExtraRoots;
  /** Sends `skills/changed` on the connection. */
  notifySkillsChanged(): Promise<void>;
  /** A loaded 0.166 thread's cwd, or the thread registry's refusal (`hooks/list`, `mcpServer/oauth/login`). */
  threadCwd(rawId: string): string;
  /** Tells each loaded thread's client how its MCP servers stand (after `config/mcpServer/reload`). */
  reannounceMcpStartup?: (() => void) | undefined;
  /** Sends `mcpServer/oauthLogin/completed` on the connection. */
  notifyOauthLoginCompleted(end: McpOauthLoginEnd): void;
  /** A loaded 0.166 thread's own configuration of an MCP server (`mcpServer/oauth/login {threadId}`). */
  threadMcpServer(threadId: string, name: string): McpServerConfig | undefined;
  /** Starts a loaded 0.166 thread's MCP server again (after an OAuth login); a thread gone by then is skipped. */
  restartThreadMcpServer(threadId: string, name: string): Promise<void>;
}

/**
 * The 0.166 settings methods: `model/list`, `skills/list`, `skills/extraRoots/set`, `hooks/list`,
 * `mcpServerStatus/list`, `config/mcpServer/reload`, `mcpServer/oauth/login`, `config/read`,
 * `config/value/write`, `config/batchWrite`, `account/*`. One group of the 0.166 handler table, as
 * `settingsRequests0166` is one group of the registry (its type is spelt out: inferred, it is too large to emit).
 */
export function createSettingsHandlers0166(
  s: SettingsServices0166,
): Handlers<Protocol0166, SettingsMethod0166> {
  return {
    ...modelListHandler0166,
    ...(s.config
      ? {
          ...createSkillsHandler0166({
            codexHome: s.config.writer.codexHome,
            homeDir: s.homeDir,
            layers: s.config.layers,
            extraRoots: s.skillExtraRoots,
            notifyChanged: s.notifySkillsChanged,
            writer: s.config.writer,
          }),
          ...createHooksHandler0166({
            codexHome: s.config.writer.codexHome,
            layers: s.config.layers,
            threadCwd: s.threadCwd,
          }),
        }
      : unavailable(
          protocol0166,
          ["skills/list", "skills/extraRoots/set", "skills/config/write", "hooks/list"],
          "a CODEX_HOME",
        )),
    ...(s.currentConfig
      ? {
          ...createMcpStatusHandler0166({
            currentConfig: s.currentConfig,
            env: process.env,
            threadMcp: s.threadMcp,
          }),
          ...createMcpConfigHandlers0166({
            currentConfig: s.currentConfig,
            requireThread: (id) => void s.threadCwd(id),
            reannounceMcpStartup: s.reannounceMcpStartup ?? (() => {}),
            notifyOauthLoginCompleted: s.notifyOauthLoginCompleted,
            restartThreadMcpServer: s.restartThreadMcpServer,
            threadMcpServer: s.threadMcpServer,
          }),
        }
      : unavailable(
          protocol0166,
          ["mcpServerStatus/list", "config/mcpServer/reload", "mcpServer/oauth/login"],
          "a process config",
        )),
    ...(s.config
      ? createConfigHandlers0166(s.config)
      : unavailable(
          protocol0166,
          ["config/read", "config/value/write", "config/batchWrite"],
          "a CODEX_HOME",
        )),
    ...(s.account
      ? createAccountHandlers0166(s.account)
      : unavailable(
          protocol0166,
          [
            "account/read",
            "account/login/start",
            "account/login/cancel",
            "account/logout",
            "account/rateLimits/read",
          ],
          "an account store",
        )),
  };
}
