import { osErrorText } from "../rollout/os-error.js";

/**
 * Why an MCP server did not start, and how Codex words it. The words depend on the protocol generation of the
 * conversation: codex 0.58.0 and 0.166.0 (whose MCP client is a different rmcp transport stack) say the same
 * things differently, and each connection hears its own reference's words.
 */

/** Which reference's words a failure is told in. */
export type McpWording = "0.58" | "0.166";

export type McpStartFailure =
  /** The command could not be run (missing, not executable, bad cwd): the OS error. */
  | { kind: "spawn"; error: unknown }
  /** The server closed its output before it answered `initialize`. */
  | { kind: "closed" }
  /** Writing `initialize` to the server failed (it had closed its input or exited): the OS error. */
  | { kind: "write"; error: unknown }
  /** Not started within `startup_timeout_sec`; `remainingNs` is what was left of it when the process started. */
  | { kind: "timeout"; timeoutSec: number; remainingNs: bigint }
  /** Any other handshake failure (an error answer, an HTTP error, …), in the MCP SDK's words. */
  | { kind: "handshake"; message: string }
  /** Refused before starting (an invalid name, a missing bearer token variable). */
  | { kind: "refused"; message: string }
  /**
   * An OAuth-protected server without a usable sign-in: none stored (it answered 401), or stored tokens that can
   * no longer be refreshed (0.166.0's `failureReason: "reauthenticationRequired"`).
   */
  | { kind: "auth"; state: McpAuthFailure };

/** Why an OAuth-protected server could not be used. */
export type McpAuthFailure = "notLoggedIn" | "reauthenticationRequired";

/** 0.166.0's words for an OAuth-protected server that needs a login (the whole startup error, no prefix). */
export function authFailureMessage(server: string, state: McpAuthFailure): string {
  const what = state === "notLoggedIn" ? "is not logged in" : "requires OAuth reauthentication";
  return `The ${server} MCP server ${what}. Run \`codex mcp login ${server}\`.`;
}

/** A server's start failed; `failure` says how (see `startupFailureMessage` for the words). */
export class McpStartError extends Error {
  /** The end of the server's process, which goes on after the failure is reported. */
  closing: Promise<void> | undefined;

  constructor(readonly failure: McpStartFailure) {
    super(startupFailureReason("0.58", failure));
    this.name = "McpStartError";
  }
}

/** The type name rmcp prints for the stdio transport a write failed on, per reference. */
const STDIO_TRANSPORT: Record<McpWording, string> = {
  "0.58": "rmcp::transport::child_process::TokioChildProcess",
  "0.166":
    "codex_rmcp_client::tool_list_changes::ToolListChanges<codex_rmcp_client::ordered_byte_transport::OrderedByteTransport<codex_rmcp_client::stdio_server_launcher::StdioServerTransport>>",
};

/** rmcp's `ServiceError` text for a failed `initialize`. */
function handshakeError(wording: McpWording, failure: McpStartFailure): string {
  if (failure.kind === "closed") return "connection closed: initialize response";
  if (failure.kind === "write")
    return `Send message error Transport [${STDIO_TRANSPORT[wording]}] error: ${osErrorText(failure.error)}, when send initialize request`;
  return failure.kind === "handshake" ? failure.message : "";
}

/**
 * The failure's reason, as 0.166.0's `mcpServerStatus/list` shows it in `toolsError` and its startup status after
 * `MCP client for \`x\` failed to start: `. 0.166.0 prefixes `MCP startup failed: ` and prints rmcp's error with
 * its source (the same text twice); 0.58.0 prints the bare error.
 */
export function startupFailureReason(wording: McpWording, failure: McpStartFailure): string {
  const modern = wording === "0.166";
  const prefix = modern ? "MCP startup failed: " : "";
  switch (failure.kind) {
    case "spawn":
      return `${prefix}${osErrorText(failure.error)}`;
    case "closed":
    case "write": {
      const error = handshakeError(wording, failure);
      return `${prefix}handshaking with MCP server failed: ${modern ? `${error}: ${error}` : error}`;
    }
    case "handshake":
      return `${prefix}handshaking with MCP server failed: ${failure.message}`;
    case "timeout":
      return `${prefix}timed out handshaking with MCP server after ${rustDurationDebug(failure.remainingNs)}${modern ? ": deadline has elapsed" : ""}`;
    case "refused":
      return `${prefix}${failure.message}`;
    case "auth":
      return `${prefix}${failure.state === "notLoggedIn" ? "not logged in" : "OAuth reauthentication required"}`;
  }
}

/**
 * What a conversation reports for a server that did not start (0.58.0's `error` event, 0.166.0's `failed` startup
 * status): a timeout names the setting to raise (whole seconds, as Rust's `as_secs`), anything else its reason.
 */
export function startupFailureMessage(wording: McpWording, server: string, failure: McpStartFailure): string {
  if (failure.kind === "auth") return authFailureMessage(server, failure.state);
  if (failure.kind === "timeout")
    return `MCP client for \`${server}\` timed out after ${Math.floor(failure.timeoutSec)} seconds. Add or adjust \`startup_timeout_sec\` in your config.toml:\n[mcp_servers.${server}]\nstartup_timeout_sec = XX`;
  return `MCP client for \`${server}\` failed to start: ${startupFailureReason(wording, failure)}`;
}

/** A duration as Rust's `Debug` of `std::time::Duration` prints it: `30s`, `1.49999943s`, `250ms`, `1.5µs`, `7ns`. */
export function rustDurationDebug(ns: bigint): string {
  const n = ns < 0n ? 0n : ns;
  const [unit, scale] =
    n >= 1_000_000_000n
      ? ["s", 1_000_000_000n]
      : n >= 1_000_000n
        ? ["ms", 1_000_000n]
        : n >= 1_000n
          ? ["µs", 1_000n]
          : ["ns", 1n];
  const whole = n / scale;
  const fraction = (n % scale)
    .toString()
    .padStart(scale.toString().length - 1, "0")
    .replace(/0+$/, "");
  return `${whole}${fraction ? `.${fraction}` : ""}${unit}`;
}
