import type { gen0166 } from "@codex-ts/app-server-protocol";
import type { AuthManager } from "@codex-ts/core";

/**
 * The account sessions 0.166.0 reports (`accountSession/list`, `accountSession/switch`): a ChatGPT login is one
 * session, named by its user, active, in its workspace (the login's account); other logins have none. `lastUsedAt`
 * is when this server first read it (0.166.0 reports when it loaded the login). Workspace names and kinds, which
 * 0.166.0 looks up with `wham/accounts/check`, are not looked up here (null).
 */
export class AccountSessions {
  private readonly loadedAt = Math.floor(Date.now() / 1000);

  constructor(private readonly auth: AuthManager) {}

  async list(): Promise<gen0166.AccountSessionsResponse> {
    const auth = await this.auth.current();
    if (auth?.mode !== "chatgpt" || !auth.userId) return { activeSessionId: null, sessions: [] };
    const workspace = auth.accountId ?? null;
    return {
      activeSessionId: auth.userId,
      sessions: [
        {
          sessionId: auth.userId,
          email: auth.email ?? null,
          userId: auth.userId,
          displayName: null,
          imageUrl: null,
          lastUsedAt: this.loadedAt,
          isActive: true,
          selectedWorkspaceAccountId: workspace,
          workspaces: workspace ? [{ accountId: workspace, name: null, imageUrl: null, kind: null }] : [],
        },
      ],
    };
  }
}
