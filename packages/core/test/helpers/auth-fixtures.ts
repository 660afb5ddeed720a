import { join } from "node:path";
import { type MockIssuer, startMockIssuer, tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach } from "vitest";
import { AuthManager, type AuthManagerOptions } from "../../src/index.js";

/** What each AuthManager test gets fresh: a CODEX_HOME, a mock OAuth issuer, and managers closed after the test. */
export interface AuthFixtures {
  readonly home: string;
  readonly issuer: MockIssuer;
  /** A file-store AuthManager over `home` talking to `issuer`, identifying itself as 0.58.0; closed after the test. */
  manager(extra?: Partial<AuthManagerOptions>): AuthManager;
  /** `home`'s auth.json. */
  authFile(): string;
}

/** Registers the hooks of an AuthManager suite; the returned object is filled in before each test. */
export function useAuthFixtures(prefix: string): AuthFixtures {
  const managers: AuthManager[] = [];
  let home = "";
  let issuer: MockIssuer | undefined;
  const fx: AuthFixtures = {
    get home() {
      return home;
    },
    get issuer() {
      if (!issuer) throw new Error("the mock issuer starts before each test");
      return issuer;
    },
    manager(extra = {}) {
      const m = new AuthManager({
        codexHome: fx.home,
        storeMode: "file",
        issuer: fx.issuer.issuer,
        chatgptBaseUrl: fx.issuer.chatgptBaseUrl,
        originator: "codex_cli_rs",
        userAgent: () => "codex_cli_rs/0.58.0 (test)",
        loginPort: 0,
        ...extra,
      });
      managers.push(m);
      return m;
    },
    authFile: () => join(fx.home, "auth.json"),
  };
  beforeEach(async () => {
    home = await tempDir(prefix);
    issuer = await startMockIssuer();
  });
  afterEach(async () => {
    for (const m of managers.splice(0)) m.close();
    await issuer?.close();
    issuer = undefined;
  });
  return fx;
}
