import { join } from "node:path";
import {
  type Config,
  ConfigWriter,
  findCodexHome,
  MCP_SERVER_NAME,
  type McpServerConfig,
  type McpServerToml,
  readTomlFile,
  resolveMcpServer,
} from "@codex-ts/config-loader";
import { hasStoredMcpOauth } from "@codex-ts/core";
import { type Command, InvalidArgumentError } from "commander";
import { effectiveConfig, McpCommandError, runReporting } from "./mcp-common.js";
import { registerMcpOauth } from "./mcp-oauth.js";

function parseEnvEntry(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError("environment entries must be in KEY=VALUE form");
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** The effective config's servers (every layer, `-c` included), as the listing commands show them. */
async function effectiveServers(command: Command): Promise<Record<string, McpServerConfig>> {
  return (await effectiveConfig(command)).mcpServers;
}

/** The streamable HTTP servers (without a bearer token variable) that have an OAuth sign-in stored. */
async function signedInServers(config: Config): Promise<Set<string>> {
  const names = await Promise.all(
    Object.entries(config.mcpServers).map(async ([name, s]) =>
      s.transport.type === "streamable_http" &&
      !s.transport.bearerTokenEnvVar &&
      (await hasStoredMcpOauth({
        codexHome: config.codexHome,
        mode: config.mcpOauthCredentialsStore,
        serverName: name,
        serverUrl: s.transport.url,
      }))
        ? name
        : null,
    ),
  );
  return new Set(names.filter((n): n is string => n !== null));
}

/** The servers written in config.toml itself: edits rewrite only these, never values from other layers. */
async function savedServers(codexHome: string): Promise<Record<string, McpServerConfig>> {
  const path = join(codexHome, "config.toml");
  const table = (await readTomlFile(path)) ?? {};
  const raw = (table.mcp_servers ?? {}) as Record<string, McpServerToml>;
  return Object.fromEntries(Object.entries(raw).map(([name, s]) => [name, resolveMcpServer(name, s, path)]));
}

const sortedNames = (servers: Record<string, unknown>) => Object.keys(servers).sort();
const sortedEntries = (map: Record<string, string> | undefined) =>
  Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function authStatus(
  server: McpServerConfig,
  signedIn: boolean,
): "unsupported" | "bearer_token" | "not_logged_in" | "o_auth" {
  if (server.transport.type === "stdio") return "unsupported";
  if (server.transport.bearerTokenEnvVar) return "bearer_token";
  return signedIn ? "o_auth" : "not_logged_in";
}
const AUTH_LABEL = {
  unsupported: "Unsupported",
  bearer_token: "Bearer token",
  not_logged_in: "Not logged in",
  o_auth: "OAuth",
};

function transportJson(server: McpServerConfig): Record<string, unknown> {
  const t = server.transport;
  if (t.type === "stdio") {
    return {
      type: "stdio",
      command: t.command,
      args: t.args,
      env: t.env ? Object.fromEntries(sortedEntries(t.env)) : null,
      env_vars: t.envVars,
      cwd: t.cwd ?? null,
    };
  }
  return {
    type: "streamable_http",
    url: t.url,
    bearer_token_env_var: t.bearerTokenEnvVar ?? null,
    http_headers: t.httpHeaders ? Object.fromEntries(sortedEntries(t.httpHeaders)) : null,
    env_http_headers: t.envHttpHeaders ? Object.fromEntries(sortedEntries(t.envHttpHeaders)) : null,
  };
}

/** Left-aligned columns padded to the widest cell, joined by two spaces (the last column is padded too). */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => r.map((cell, col) => cell.padEnd(widths[col]!)).join("  ")).join("\n");
}

function maskedEnv(server: McpServerConfig): string {
  if (server.transport.type !== "stdio") return "-";
  const parts = [
    ...sortedEntries(server.transport.env).map(([k]) => `${k}=*****`),
    ...server.transport.envVars,
  ];
  return parts.length ? parts.join(", ") : "-";
}

function listText(servers: Record<string, McpServerConfig>, signedIn: Set<string>): string {
  const names = sortedNames(servers);
  if (names.length === 0) return "No MCP servers configured yet. Try `codex mcp add my-tool -- my-command`.";
  const status = (s: McpServerConfig) => (s.enabled ? "enabled" : "disabled");
  const stdio = [["Name", "Command", "Args", "Env", "Cwd", "Status", "Auth"]];
  const http = [["Name", "Url", "Bearer Token Env Var", "Status", "Auth"]];
  for (const name of names) {
    const s = servers[name]!;
    const t = s.transport;
    if (t.type === "stdio") {
      stdio.push([
        name,
        t.command,
        t.args.join(" ") || "-",
        maskedEnv(s),
        t.cwd ?? "-",
        status(s),
        AUTH_LABEL[authStatus(s, false)],
      ]);
    } else {
      const auth = AUTH_LABEL[authStatus(s, signedIn.has(name))];
      http.push([name, t.url, t.bearerTokenEnvVar ?? "-", status(s), auth]);
    }
  }
  const tables = [stdio, http].filter((t) => t.length > 1).map(table);
  return tables.join("\n\n");
}

function getText(name: string, s: McpServerConfig): string {
  if (!s.enabled) return `${name} (disabled)`;
  const lines = [name, "  enabled: true"];
  const t = s.transport;
  if (t.type === "stdio") {
    lines.push("  transport: stdio", `  command: ${t.command}`, `  args: ${t.args.join(" ") || "-"}`);
    lines.push(`  cwd: ${t.cwd ?? "-"}`, `  env: ${maskedEnv(s)}`);
  } else {
    const headers = sortedEntries(t.httpHeaders).map(([k]) => `${k}=*****`);
    const envHeaders = sortedEntries(t.envHttpHeaders).map(([k, v]) => `${k}=${v}`);
    lines.push(
      "  transport: streamable_http",
      `  url: ${t.url}`,
      `  bearer_token_env_var: ${t.bearerTokenEnvVar ?? "-"}`,
    );
    lines.push(
      `  http_headers: ${headers.join(", ") || "-"}`,
      `  env_http_headers: ${envHeaders.join(", ") || "-"}`,
    );
  }
  lines.push(`  remove: codex mcp remove ${name}`);
  return lines.join("\n");
}

function checkName(name: string): void {
  if (!MCP_SERVER_NAME.test(name)) {
    throw new McpCommandError(`invalid server name '${name}' (use letters, numbers, '-', '_')`);
  }
}

/** `codex mcp list|get|add|remove`: manage `[mcp_servers]` in config.toml through the config writer. */
export function registerMcp(program: Command): void {
  const mcp = program.command("mcp").description("Manage MCP servers in config.toml");

  mcp
    .command("list")
    .description("List configured MCP servers")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }, command: Command) => {
      const config = await effectiveConfig(command);
      const servers = config.mcpServers;
      const signedIn = await signedInServers(config);
      if (opts.json) {
        const out = sortedNames(servers).map((name) => {
          const s = servers[name]!;
          return {
            name,
            enabled: s.enabled,
            transport: transportJson(s),
            startup_timeout_sec: s.startupTimeoutSec ?? null,
            tool_timeout_sec: s.toolTimeoutSec ?? null,
            auth_status: authStatus(s, signedIn.has(name)),
          };
        });
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        process.stdout.write(`${listText(servers, signedIn)}\n`);
      }
    });

  mcp
    .command("get")
    .description("Show one MCP server")
    .argument("<name>")
    .option("--json", "print JSON")
    .action((name: string, opts: { json?: boolean }, command: Command) =>
      runReporting(async () => {
        const server = (await effectiveServers(command))[name];
        if (!server) throw new McpCommandError(`No MCP server named '${name}' found.`);
        if (opts.json) {
          const out = {
            name,
            enabled: server.enabled,
            transport: transportJson(server),
            enabled_tools: server.enabledTools ?? null,
            disabled_tools: server.disabledTools ?? null,
            startup_timeout_sec: server.startupTimeoutSec ?? null,
            tool_timeout_sec: server.toolTimeoutSec ?? null,
          };
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        } else {
          process.stdout.write(`${getText(name, server)}\n`);
        }
      }),
    );

  mcp
    .command("add")
    .description("Add an MCP server: `add NAME [--env K=V]... -- COMMAND [ARGS]...` or `add NAME --url URL`")
    .argument("<name>")
    .argument("[command...]")
    .option("--env <KEY=VALUE>", "environment variable for a stdio server (repeatable)", parseEnvEntry)
    .option("--url <URL>", "URL of a streamable HTTP server")
    .option("--bearer-token-env-var <VAR>", "environment variable holding the bearer token (with --url)")
    .action(
      (
        name: string,
        commandLine: string[],
        opts: { env?: Record<string, string>; url?: string; bearerTokenEnvVar?: string },
        command: Command,
      ) =>
        runReporting(async () => {
          checkName(name);
          if (opts.url !== undefined && commandLine.length > 0) {
            command.error("error: --url cannot be used with a command", {
              exitCode: 2,
              code: "commander.conflictingOption",
            });
          }
          if (opts.bearerTokenEnvVar !== undefined && opts.url === undefined) {
            command.error("error: --bearer-token-env-var requires --url", {
              exitCode: 2,
              code: "commander.missingArgument",
            });
          }
          let server: McpServerConfig;
          if (opts.url !== undefined) {
            if (opts.env) throw new McpCommandError("command is required");
            server = {
              transport: {
                type: "streamable_http",
                url: opts.url,
                ...(opts.bearerTokenEnvVar !== undefined
                  ? { bearerTokenEnvVar: opts.bearerTokenEnvVar }
                  : {}),
              },
              enabled: true,
            };
          } else {
            const [program, ...args] = commandLine;
            if (program === undefined) {
              command.error("error: a command (after --) or --url is required", {
                exitCode: 2,
                code: "commander.missingArgument",
              });
            }
            server = {
              transport: {
                type: "stdio",
                command: program as string,
                args,
                ...(opts.env ? { env: opts.env } : {}),
                envVars: [],
              },
              enabled: true,
            };
          }
          const codexHome = findCodexHome();
          const servers = await savedServers(codexHome);
          if (servers[name]) {
            throw new McpCommandError(
              `MCP server '${name}' already exists; run \`codex mcp remove ${name}\` first`,
            );
          }
          await new ConfigWriter(codexHome).apply([
            { type: "replaceMcpServers", servers: { ...servers, [name]: server } },
          ]);
          process.stdout.write(`Added global MCP server '${name}'.\n`);
        }),
    );

  mcp
    .command("remove")
    .alias("rm")
    .description("Remove an MCP server")
    .argument("<name>")
    .action((name: string) =>
      runReporting(async () => {
        checkName(name);
        const codexHome = findCodexHome();
        const servers = await savedServers(codexHome);
        if (!servers[name]) throw new McpCommandError(`No MCP server named '${name}' found.`);
        delete servers[name];
        await new ConfigWriter(codexHome).apply([{ type: "replaceMcpServers", servers }]);
        process.stdout.write(`Removed global MCP server '${name}'.\n`);
      }),
    );

  registerMcpOauth(mcp);
}
