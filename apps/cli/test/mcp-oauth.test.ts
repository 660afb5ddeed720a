import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type MockMcpOauthServer,
  REFERENCE_CODEX_BIN,
  startMockMcpOauthServer,
  tempDir,
} from "@codex-ts/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { type CliOptions, type CliRun, runCli } from "./helpers/run-cli.js";

/**
 * `codex mcp login` / `logout` on an OAuth-protected MCP server (test-support's mock on 127.0.0.1; the "browser" is
 * the test following the printed URL), side by side with codex 0.58.0 where it is installed: the same output, the
 * tokens in `CODEX_HOME/.credentials.json` (0600) that `mcp list` then reports as `OAuth`, and the same refusals.
 */
type Impl = "ours" | "real";
const IMPLS: Impl[] = REFERENCE_CODEX_BIN ? ["ours", "real"] : ["ours"];
if (!REFERENCE_CODEX_BIN)
  console.error("mcp login: comparisons with codex 0.58.0 skipped (no CODEX_REFERENCE_BIN)");

const mocks: MockMcpOauthServer[] = [];
afterEach(async () => {
  await Promise.all(mocks.splice(0).map((m) => m.close()));
});

async function setup(rmcp: boolean): Promise<{ home: string; oauth: MockMcpOauthServer }> {
  const oauth = await startMockMcpOauthServer();
  mocks.push(oauth);
  const home = await tempDir("codex-mcp-oauth-cli-");
  await writeFile(
    join(home, "config.toml"),
    [
      'mcp_oauth_credentials_store = "file"',
      ...(rmcp ? ["[features]", "rmcp_client = true"] : []),
      "[mcp_servers.prot]",
      `url = "${oauth.url}"`,
      "[mcp_servers.loc]",
      'command = "x"',
      "",
    ].join("\n"),
  );
  return { home, oauth };
}

const run = (impl: Impl, home: string, args: string[], started?: CliOptions["started"]) =>
  runCli(args, {
    env: { CODEX_HOME: home, BROWSER: "true", DISPLAY: "" },
    ...(impl === "real" ? { bin: REFERENCE_CODEX_BIN as string } : {}),
    ...(started ? { started } : {}),
  });

/** The run's output with the mock's port and the login's random parts (client, state, PKCE, callback) masked. */
const masked = (r: CliRun, oauth: MockMcpOauthServer) => ({
  code: r.code,
  stdout: r.stdout.replaceAll(oauth.issuer, "<issuer>").replace(/\?\S+/g, "?<query>"),
  stderr: r.stderr.split("\n")[0],
});

describe("codex mcp login / logout, compared with codex 0.58.0", () => {
  it.each(IMPLS)(
    "%s: login prints the URL, the browser signs in, list says OAuth, logout removes it",
    async (impl) => {
      const { home, oauth } = await setup(true);
      let signedIn: Promise<{ status: number; body: string }> | undefined;
      const login = await run(impl, home, ["mcp", "login", "prot", "--scopes", "read,write"], (child) => {
        let out = "";
        child.stdout?.on("data", (d: string) => {
          out += d;
          const url = /(http:\/\/127\.0\.0\.1:\d+\/authorize\S+)/.exec(out)?.[1];
          if (url && !signedIn) signedIn = oauth.authorizeInBrowser(url);
        });
      });
      expect(masked(login, oauth)).toEqual({
        code: 0,
        stdout:
          "Authorize `prot` by opening this URL in your browser:\n<issuer>/authorize?<query>\n\nSuccessfully logged in to MCP server 'prot'.\n",
        stderr: "",
      });
      expect(await signedIn).toEqual({
        status: 200,
        body: "Authentication complete. You may close this window.",
      });
      expect(oauth.lastScopes).toEqual(["read", "write"]);
      const file = join(home, ".credentials.json");
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const [entry] = Object.values(
        JSON.parse(await readFile(file, "utf8")) as Record<string, Record<string, unknown>>,
      );
      expect(entry).toMatchObject({ server_name: "prot", server_url: oauth.url, scopes: [] });
      expect(oauth.accessTokens.has(String(entry?.access_token))).toBe(true);

      const list = await run(impl, home, ["mcp", "list", "--json"]);
      const statuses = (JSON.parse(list.stdout) as { name: string; auth_status: string }[]).map((s) => [
        s.name,
        s.auth_status,
      ]);
      expect(statuses).toEqual([
        ["loc", "unsupported"],
        ["prot", "o_auth"],
      ]);
      expect((await run(impl, home, ["mcp", "list"])).stdout).toMatch(/prot .* enabled {2}OAuth/);

      expect(masked(await run(impl, home, ["mcp", "logout", "prot"]), oauth)).toEqual({
        code: 0,
        stdout: "Removed OAuth credentials for 'prot'.\n",
        stderr: "",
      });
      expect(masked(await run(impl, home, ["mcp", "logout", "prot"]), oauth)).toEqual({
        code: 0,
        stdout: "No OAuth credentials stored for 'prot'.\n",
        stderr: "",
      });
    },
  );

  it.each(IMPLS)("%s: refusals", async (impl) => {
    const { home, oauth } = await setup(true);
    const refused = async (args: string[]) => masked(await run(impl, home, args), oauth);
    expect(await refused(["mcp", "login", "nope"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "Error: No MCP server named 'nope' found.",
    });
    expect(await refused(["mcp", "login", "loc"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "Error: OAuth login is only supported for streamable HTTP servers.",
    });
    expect(await refused(["mcp", "logout", "nope"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "Error: No MCP server named 'nope' found in configuration.",
    });
    expect(await refused(["mcp", "logout", "loc"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "Error: OAuth logout is only supported for streamable_http transports.",
    });
    const gated = await setup(false);
    expect(masked(await run(impl, gated.home, ["mcp", "login", "prot"]), gated.oauth)).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "Error: OAuth login is only supported when [features].rmcp_client is true in config.toml. See https://github.com/openai/codex/blob/main/docs/config.md#feature-flags for details.",
    });
  });
});
