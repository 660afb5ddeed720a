import { EventMsg } from "@codex-ts/app-server-protocol";
import { type Config, type ConfigOverride, loadConfig } from "@codex-ts/config-loader";
import type { ConversationManager } from "@codex-ts/core";
import { CODEX_REPLY_TOOL, CODEX_TOOL } from "./tool-definitions.js";
import {
  type CodexToolParams,
  ParamsError,
  parseCodexReplyParams,
  parseCodexToolParams,
  parseConversationId,
} from "./tool-params.js";
import { errorResult, runTurn, type ToolCall, type ToolResult } from "./turn-runner.js";

export interface CodexToolsOptions {
  manager: ConversationManager;
  codexHome: string;
  cliOverrides: readonly ConfigOverride[];
  profile?: string | undefined;
  cliVersion: string;
  env?: NodeJS.ProcessEnv | undefined;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The two tools: `codex` starts a conversation, `codex-reply` continues one. */
export class CodexTools {
  constructor(private readonly o: CodexToolsOptions) {}

  /**
   * Runs tool `name`; every failure is a tool result (never a protocol error), worded as Codex 0.58.0 does.
   * `args` is the call's `arguments`, any JSON value: absent or null is "Missing arguments", anything else that is
   * not the tool's struct is a parse error.
   */
  call(name: string, args: unknown, call: ToolCall): Promise<ToolResult> {
    switch (name) {
      case CODEX_TOOL:
        return this.codex(args, call);
      case CODEX_REPLY_TOOL:
        return this.reply(args, call);
      default:
        return Promise.resolve(errorResult(`Unknown tool '${name}'`));
    }
  }

  private async codex(args: unknown, call: ToolCall): Promise<ToolResult> {
    if (args === undefined || args === null)
      return errorResult("Missing arguments for codex tool-call; the `prompt` field is required.");
    let params: CodexToolParams;
    try {
      params = parseCodexToolParams(args);
    } catch (err) {
      return errorResult(`Failed to parse configuration for Codex tool: ${message(err)}`);
    }
    let config: Config;
    try {
      config = await this.config(params);
    } catch (err) {
      return errorResult(`Failed to load Codex configuration from overrides: ${message(err)}`);
    }
    let started: Awaited<ReturnType<ConversationManager["newConversation"]>>;
    try {
      started = await this.o.manager.newConversation(config);
    } catch (err) {
      return errorResult(`Failed to start Codex session: ${message(err)}`);
    }
    // Codex announces the session first, with an empty event id; its session_id is what codex-reply takes.
    await call.sendEvent({ id: "", msg: sessionConfigured(started.sessionConfigured) });
    return runTurn(started.conversation, params.prompt, call, String(call.requestId));
  }

  private async reply(args: unknown, call: ToolCall): Promise<ToolResult> {
    if (args === undefined || args === null)
      return errorResult(
        "Missing arguments for codex-reply tool-call; the `conversation_id` and `prompt` fields are required.",
      );
    let conversationId: string;
    let prompt: string;
    try {
      ({ conversationId, prompt } = parseCodexReplyParams(args));
    } catch (err) {
      return errorResult(`Failed to parse configuration for Codex tool: ${message(err)}`);
    }
    try {
      conversationId = parseConversationId(conversationId);
    } catch (err) {
      if (!(err instanceof ParamsError)) throw err;
      return errorResult(`Failed to parse conversation_id: ${err.message}`);
    }
    const conversation = this.o.manager.get(conversationId);
    if (!conversation) return errorResult(`Session not found for conversation_id: ${conversationId}`);
    return runTurn(conversation, prompt, call);
  }

  /** Tool arguments beat `-c`, which beats config.toml; the `config` map sits between, like a request's. */
  private config(p: CodexToolParams): Promise<Config> {
    return loadConfig({
      codexHome: this.o.codexHome,
      ...(this.o.env ? { env: this.o.env } : {}),
      cliOverrides: this.o.cliOverrides,
      requestOverrides: p.config ?? null,
      cliVersion: this.o.cliVersion,
      overrides: {
        model: p.model,
        profile: p.profile ?? this.o.profile,
        cwd: p.cwd,
        approvalPolicy: p.approvalPolicy,
        sandboxMode: p.sandbox,
        baseInstructions: p.baseInstructions,
        developerInstructions: p.developerInstructions,
        compactPrompt: p.compactPrompt,
      },
    });
  }
}

/**
 * The session_configured event as Codex serializes it: absent optional fields are left out, not null, and the
 * fields keep the core's order (which is 0.58.0's). The core hands the fields over loosely typed, so the event is
 * checked against the protocol's schema (the check, not zod's output, which would reorder the keys).
 */
function sessionConfigured(fields: Record<string, unknown>): EventMsg {
  const present = Object.entries(fields).filter(([, v]) => v !== null && v !== undefined);
  const event = { type: "session_configured", ...Object.fromEntries(present) };
  if (!isEventMsg(event)) throw new Error("the core's session_configured event does not match the protocol");
  return event;
}

function isEventMsg(value: unknown): value is EventMsg {
  return EventMsg.safeParse(value).success;
}
