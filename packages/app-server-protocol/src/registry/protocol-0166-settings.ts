import * as g from "../schema/gen-0166.js";
import type { RequestSchema } from "./definition.js";
import { NoParams } from "./no-params.js";

/** A 0.166 request of the `v2` namespace (the feature groups' entries). */
export const v2m = <P extends RequestSchema["params"], R extends RequestSchema["response"]>(
  params: P,
  response: R,
) => ({ params, response, namespace: "v2" }) as const satisfies RequestSchema;

/**
 * 0.166.0's settings methods: models, config read and write, account, skills (their extra roots, their on/off
 * rules), hooks,
 * MCP server status, reload and OAuth login. Kept in a
 * module of their own so that branches adding other 0.166 methods touch `protocol-0166.ts` by one line each.
 */
export const settingsRequests0166 = {
  "model/list": v2m(g.ModelListParams, g.ModelListResponse),
  "config/read": v2m(g.ConfigReadParams, g.ConfigReadResponse),
  "config/value/write": v2m(g.ConfigValueWriteParams, g.ConfigWriteResponse),
  "config/batchWrite": v2m(g.ConfigBatchWriteParams, g.ConfigWriteResponse),
  "account/read": v2m(g.GetAccountParams, g.GetAccountResponse),
  "account/login/start": v2m(g.LoginAccountParams, g.LoginAccountResponse),
  "account/login/cancel": v2m(g.CancelLoginAccountParams, g.CancelLoginAccountResponse),
  "account/logout": v2m(NoParams, g.LogoutAccountResponse),
  // 0.166.0 reads these params as `Option<GetAccountRateLimitsParams>`: absent, null or the struct.
  "account/rateLimits/read": v2m(
    g.GetAccountRateLimitsParams.nullable().optional(),
    g.GetAccountRateLimitsResponse,
  ),
  "skills/list": v2m(g.SkillsListParams, g.SkillsListResponse),
  "skills/extraRoots/set": v2m(g.SkillsExtraRootsSetParams, g.SkillsExtraRootsSetResponse),
  "skills/config/write": v2m(g.SkillsConfigWriteParams, g.SkillsConfigWriteResponse),
  "hooks/list": v2m(g.HooksListParams, g.HooksListResponse),
  "mcpServerStatus/list": v2m(g.ListMcpServerStatusParams, g.ListMcpServerStatusResponse),
  "config/mcpServer/reload": v2m(NoParams, g.McpServerRefreshResponse),
  "mcpServer/oauth/login": v2m(g.McpServerOauthLoginParams, g.McpServerOauthLoginResponse),
} as const;

/** The names of the settings methods (the app server's settings handler group serves exactly these). */
export type SettingsMethod0166 = keyof typeof settingsRequests0166;

/** The notifications that go with them. */
export const settingsNotifications0166 = {
  "account/updated": g.AccountUpdatedNotification,
  "account/rateLimits/updated": g.AccountRateLimitsUpdatedNotification,
  "account/login/completed": g.AccountLoginCompletedNotification,
  "skills/changed": g.SkillsChangedNotification,
  "mcpServer/startupStatus/updated": g.McpServerStatusUpdatedNotification,
  "mcpServer/oauthLogin/completed": g.McpServerOauthLoginCompletedNotification,
} as const;
