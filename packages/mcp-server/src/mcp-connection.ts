import {
  INTERNAL_ERROR,
  INVALID_REQUEST,
  type IncomingNotification,
  type IncomingRequest,
  type JsonRpcPeer,
  type RequestId,
} from "@codex-ts/app-server-protocol";
import type { CodexTools } from "./codex-tools.js";
import {
  CallToolParams,
  CancelledParams,
  type CodexEventParams,
  type CodexServerInfo,
  describeIssue,
  INVALID_PARAMS,
  InitializeParams,
  type InitializeResult,
  type ListToolsResult,
  METHOD_NOT_FOUND,
} from "./mcp-messages.js";
import { TOOLS } from "./tool-definitions.js";
import type { ToolCall } from "./turn-runner.js";

export type LogLevel = "error" | "warn" | "debug";

export interface McpConnectionOptions {
  /** The JSON-RPC peer on the client's streams, built with `jsonrpc: true`. */
  peer: JsonRpcPeer;
  tools: CodexTools;
  /** The server info `initialize` answers with; called once the client has named itself. */
  serverInfo(clientInfo: InitializeParams["clientInfo"]): CodexServerInfo;
  log(level: LogLevel, message: string): void;
}

/**
 * One MCP client on the shared JSON-RPC peer: `initialize`, `ping`, `tools/list` and `tools/call`, and the
 * client's `notifications/cancelled`. Tool calls run concurrently; each streams its turn as `codex/event`
 * notifications and asks approvals with `elicitation/create` requests of its own.
 */
export class McpConnection {
  private initialized = false;
  private stopped = false;
  /** Tool calls in flight, by request id (1 and "1" are different ids, as in Codex). */
  private readonly running = new Map<RequestId, AbortController>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly o: McpConnectionOptions) {}

  /** Serves until the client's input ends (EOF, close or error). */
  serve(): Promise<void> {
    return this.o.peer.run({
      onRequest: (request) => this.track(this.dispatch(request)),
      onNotification: (notification) => this.onNotification(notification),
    });
  }

  /**
   * Stops taking requests (the input may still be open when the server is stopped by a signal): later ones are
   * answered with an error, so nothing starts on a manager that is shutting down.
   */
  stop(): void {
    this.stopped = true;
  }

  /** Resolves once every request being handled has been answered (or dropped, for a cancelled tool call). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async dispatch(request: IncomingRequest): Promise<void> {
    const { peer } = this.o;
    if (this.stopped)
      return peer.respondError(request.id, {
        code: INTERNAL_ERROR,
        message: "codex mcp-server is shutting down",
      });
    try {
      switch (request.method) {
        case "initialize":
          return await this.initialize(request);
        case "ping":
          return await peer.respond(request.id, {});
        case "tools/list":
          return await peer.respond(request.id, { tools: TOOLS } satisfies ListToolsResult);
        case "tools/call":
          return await this.callTool(request);
        default:
          this.o.log("warn", `unsupported MCP method ${request.method}`);
          return await peer.respondError(request.id, { code: METHOD_NOT_FOUND, message: "Method not found" });
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.o.log("error", `${request.method} failed: ${message}`);
      await peer.respondError(request.id, { code: INTERNAL_ERROR, message });
    }
  }

  /** Params that do not parse get an answer (0.58.0 logs them and never answers, leaving the client waiting). */
  private invalidParams(request: IncomingRequest, problem: string): Promise<void> {
    this.o.log("warn", `invalid ${request.method} params: ${problem}`);
    return this.o.peer.respondError(request.id, {
      code: INVALID_PARAMS,
      message: `Invalid params for ${request.method}: ${problem}`,
    });
  }

  private async initialize(request: IncomingRequest): Promise<void> {
    const params = InitializeParams.safeParse(request.params);
    if (!params.success) return this.invalidParams(request, describeIssue(params.error));
    if (this.initialized)
      return this.o.peer.respondError(request.id, {
        code: INVALID_REQUEST,
        message: "initialize called more than once",
      });
    this.initialized = true;
    const result: InitializeResult = {
      capabilities: { tools: { listChanged: true } },
      protocolVersion: params.data.protocolVersion,
      serverInfo: this.o.serverInfo(params.data.clientInfo),
    };
    return this.o.peer.respond(request.id, result);
  }

  private async callTool(request: IncomingRequest): Promise<void> {
    const params = CallToolParams.safeParse(request.params);
    if (!params.success) return this.invalidParams(request, describeIssue(params.error));
    const { peer, log } = this.o;
    const cancel = new AbortController();
    this.running.set(request.id, cancel);
    // Approval questions of this call, so the ones still unanswered when it ends can be abandoned together.
    const tag = `tools/call ${JSON.stringify(request.id)}`;
    const call: ToolCall = {
      requestId: request.id,
      signal: cancel.signal,
      log: (message) => log("warn", message),
      sendEvent: (event) => {
        const params: CodexEventParams = { _meta: { requestId: request.id }, id: event.id, msg: event.msg };
        return peer.notify("codex/event", params);
      },
      // No timeout: an approval waits for the person.
      elicit: (question) => peer.request("elicitation/create", question, { tag }),
    };
    try {
      const result = await this.o.tools.call(params.data.name, params.data.arguments, call);
      // A cancelled call is not answered (MCP's rule, and 0.58.0's behaviour); its turn's events, up to
      // `turn_aborted`, have gone out as usual.
      if (!cancel.signal.aborted) await peer.respond(request.id, result);
    } finally {
      if (this.running.get(request.id) === cancel) this.running.delete(request.id);
      peer.rejectPending(tag, "the tool call has ended");
    }
  }

  private onNotification(notification: IncomingNotification): void {
    if (notification.method !== "notifications/cancelled") return;
    const params = CancelledParams.safeParse(notification.params);
    if (!params.success) {
      this.o.log("warn", `invalid notifications/cancelled params: ${describeIssue(params.error)}`);
      return;
    }
    const { requestId, reason } = params.data;
    const running = this.running.get(requestId);
    if (!running) {
      this.o.log("warn", `no running tool call with request id ${JSON.stringify(requestId)} to cancel`);
      return;
    }
    this.running.delete(requestId);
    running.abort(reason ?? "cancelled by the client");
  }
}
