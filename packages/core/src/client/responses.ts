import { modelFamily } from "./model-family.js";
import { formatInputForModel } from "./model-input.js";
import { sseEvents } from "./sse.js";
import { ModelError, type ModelEvent, type Prompt, type TokenUsage } from "./types.js";

// The Responses API wire: the request body and the SSE events of its stream.

/** Wire JSON from the provider is read field by field with fallbacks; a loose type keeps that readable. */
// biome-ignore lint/suspicious/noExplicitAny: untyped provider JSON, validated by use
type WireJson = any;

/** The body of a Responses API request (`POST <base_url>/responses`). */
export function responsesBody(p: Prompt): Record<string, unknown> {
  return {
    model: p.model,
    instructions: p.instructions,
    input: formatInputForModel(
      p.input,
      p.tools,
      p.toolOutputLimit !== undefined ? p.toolOutputLimit : modelFamily(p.model).toolOutputLimit,
    ),
    ...(p.omitEmptyTools && p.tools.length === 0 ? {} : { tools: p.tools }),
    tool_choice: "auto",
    parallel_tool_calls: p.parallelToolCalls ?? false,
    reasoning: p.reasoning ?? null,
    store: false,
    stream: true,
    include: p.reasoning ? ["reasoning.encrypted_content"] : [],
    prompt_cache_key: p.conversationId,
    ...(p.textFormat || p.verbosity
      ? {
          text: {
            ...(p.verbosity ? { verbosity: p.verbosity } : {}),
            ...(p.textFormat ? { format: p.textFormat } : {}),
          },
        }
      : {}),
  };
}

function usageFrom(raw: unknown): TokenUsage | null {
  if (!raw || typeof raw !== "object") return null;
  const u = raw as Record<string, WireJson>;
  return {
    input_tokens: u.input_tokens ?? 0,
    cached_input_tokens: u.input_tokens_details?.cached_tokens ?? 0,
    output_tokens: u.output_tokens ?? 0,
    reasoning_output_tokens: u.output_tokens_details?.reasoning_tokens ?? 0,
    total_tokens: u.total_tokens ?? 0,
  };
}

/** A Responses stream's SSE events → model events; ends at `response.completed`, throws at `response.failed`. */
export async function* responsesStreamEvents(
  response: Response,
  signal: AbortSignal,
  idleMs: number,
): AsyncGenerator<ModelEvent> {
  for await (const sse of sseEvents(response, signal, idleMs)) {
    let data: Record<string, WireJson>;
    try {
      data = JSON.parse(sse.data);
    } catch {
      continue; // malformed events are skipped; a stream that never completes is retried
    }
    const type = sse.event ?? data.type;
    switch (type) {
      case "response.output_item.added":
        yield { type: "item_added", item: data.item };
        break;
      case "response.output_item.done":
        yield { type: "item_done", item: data.item };
        break;
      case "response.output_text.delta":
        yield { type: "text_delta", delta: data.delta ?? "", itemId: data.item_id };
        break;
      case "response.reasoning_summary_text.delta":
        yield { type: "reasoning_summary_delta", delta: data.delta ?? "", itemId: data.item_id };
        break;
      case "response.reasoning_text.delta":
        yield { type: "reasoning_content_delta", delta: data.delta ?? "", itemId: data.item_id };
        break;
      case "response.reasoning_summary_part.added":
        yield { type: "reasoning_section_break", itemId: data.item_id };
        break;
      case "response.completed":
        yield {
          type: "completed",
          responseId: data.response?.id ?? "",
          usage: usageFrom(data.response?.usage),
        };
        return;
      case "response.failed": {
        const message = data.response?.error?.message ?? "response.failed event received";
        if (String(message).includes("context")) throw ModelError.fatal(message);
        // 0.58.0 treats a failed response as a dropped stream: retried as one, and reported with that prefix.
        throw ModelError.turn(`stream disconnected before completion: ${message}`);
      }
      default:
        break;
    }
  }
  throw ModelError.turn("stream disconnected before completion: stream closed before response.completed");
}
