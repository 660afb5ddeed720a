import { type ChildProcess, spawn } from "node:child_process";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { type LineEvent, MessageLineSplitter } from "./message-lines.js";
import { MCP_JSON_MAX_DEPTH, MCP_MESSAGE_MAX_BYTES, nestedDeeperThan } from "./result-limits.js";

/**
 * The stdio transport to an MCP server (a child process speaking JSON-RPC lines), in place of the SDK's: the same
 * process handling, but every message is bounded before the SDK sees it.
 * - A line over MCP_MESSAGE_MAX_BYTES is skipped as it streams (never held) and the request it answers fails with
 *   a JSON-RPC error; the connection stays up. (The SDK's reader closed the connection for good.)
 * - A message nested deeper than MCP_JSON_MAX_DEPTH is treated the same way.
 * - `notifications/progress` go to `onProgress` here, as they arrive, and are not passed on: the SDK defers
 *   notifications but settles responses at once, so a server that reports progress and answers in one burst
 *   would otherwise have its progress dropped; and a flood of them costs no SDK validation.
 * - `notifications/message` (server logs) are dropped: nothing shows them, and a server may send them by the
 *   hundred thousand.
 */
export interface BoundedStdioOptions {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string | undefined;
  /** The SDK's message schema, loaded with the SDK (`JSONRPCMessageSchema.parse`). */
  parse: (value: unknown) => JSONRPCMessage;
  maxMessageBytes?: number;
}

/** Grace for a server to exit after its stdin closes, then after SIGTERM (the SDK's values). */
const CLOSE_GRACE_MS = 2000;
/** Grace after SIGTERM for a server whose start failed (`abandon`). */
const FAILED_START_GRACE_MS = 250;

export class BoundedStdioTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;
  /** Receives the params of every `notifications/progress`. */
  onProgress?: ((params: Record<string, unknown>) => void) | undefined;
  /** The first error writing to the server's stdin (EPIPE once it closed its input): how its start failed. */
  writeError: Error | undefined;
  private child: ChildProcess | undefined;
  private abandoned = false;
  private readonly splitter: MessageLineSplitter;
  private readonly maxMessageBytes: number;

  constructor(private readonly o: BoundedStdioOptions) {
    this.maxMessageBytes = o.maxMessageBytes ?? MCP_MESSAGE_MAX_BYTES;
    this.splitter = new MessageLineSplitter(this.maxMessageBytes, (e) => this.onLine(e));
  }

  /** The server's process id once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    if (this.child) throw new Error("BoundedStdioTransport already started");
    return new Promise((resolve, reject) => {
      const child = spawn(this.o.command, this.o.args, {
        env: this.o.env,
        stdio: ["pipe", "pipe", "inherit"],
        ...(this.o.cwd ? { cwd: this.o.cwd } : {}),
      });
      this.child = child;
      child.on("error", (err) => {
        reject(err);
        this.onerror?.(err);
      });
      child.on("spawn", () => resolve());
      child.on("close", () => {
        this.child = undefined;
        this.onclose?.();
      });
      child.stdin?.on("error", (err) => {
        this.writeError ??= err;
        this.onerror?.(err);
      });
      child.stdout?.on("error", (err) => this.onerror?.(err));
      child.stdout?.on("data", (chunk: Buffer) => this.splitter.push(chunk));
    });
  }

  private onLine(event: LineEvent): void {
    if (event.kind === "oversize") {
      this.failRequest(
        event.id,
        `MCP server sent a message of ${event.bytes} bytes, over the ${this.maxMessageBytes}-byte limit`,
      );
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(event.text);
    } catch (err) {
      this.onerror?.(new Error(`MCP server sent a line that is not JSON: ${(err as Error).message}`));
      return;
    }
    if (value === null || typeof value !== "object") {
      this.onerror?.(new Error("MCP server sent a line that is not a JSON-RPC message"));
      return;
    }
    const m = value as { id?: unknown; method?: unknown; params?: unknown };
    if (nestedDeeperThan(value, MCP_JSON_MAX_DEPTH)) {
      const id = typeof m.id === "string" || typeof m.id === "number" ? m.id : undefined;
      this.failRequest(id, `MCP server sent a message nested deeper than ${MCP_JSON_MAX_DEPTH} levels`);
      return;
    }
    if (m.method === "notifications/progress") {
      if (m.params && typeof m.params === "object") this.onProgress?.(m.params as Record<string, unknown>);
      return;
    }
    if (m.method === "notifications/message") return;
    let message: JSONRPCMessage;
    try {
      message = this.o.parse(value);
    } catch (err) {
      this.onerror?.(err as Error);
      return;
    }
    this.onmessage?.(message);
  }

  /**
   * A message that broke a limit, in place of the one that carried `id`: the pending request with that id fails
   * with the reason. Without an id (a notification, or an id that could not be found) it is only reported.
   */
  private failRequest(id: string | number | undefined, reason: string): void {
    if (id === undefined) {
      this.onerror?.(new Error(reason));
      return;
    }
    this.onmessage?.({ jsonrpc: "2.0", id, error: { code: -32603, message: reason } });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin;
      if (!stdin || stdin.destroyed) {
        reject(new Error("Not connected"));
        return;
      }
      if (stdin.write(`${JSON.stringify(message)}\n`)) resolve();
      else stdin.once("drain", resolve);
    });
  }

  /**
   * Marks a server that did not start in time or failed its handshake: `close` then ends it at once (SIGTERM, and
   * SIGKILL after FAILED_START_GRACE_MS), as 0.166.0 kills such a process when it gives up on it, instead of
   * granting a server that is not working the grace to exit on its own.
   */
  abandon(): void {
    this.abandoned = true;
  }

  /** Ends the server's stdin, then SIGTERM and SIGKILL if it lingers (at once for an abandoned start). */
  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
    const within = (ms: number) =>
      Promise.race([closed, new Promise<void>((r) => setTimeout(r, ms).unref())]);
    const running = () => child.exitCode === null && child.signalCode === null;
    try {
      child.stdin?.end();
    } catch {
      // already closed
    }
    if (!this.abandoned) await within(CLOSE_GRACE_MS);
    if (running()) {
      child.kill("SIGTERM");
      await within(this.abandoned ? FAILED_START_GRACE_MS : CLOSE_GRACE_MS);
    }
    if (running()) child.kill("SIGKILL");
  }
}
