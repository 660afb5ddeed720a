import { randomUUID } from "node:crypto";
import type { ModelEvent } from "./types.js";

/** A Chat Completions chunk, read field by field with fallbacks. */
// biome-ignore lint/suspicious/noExplicitAny: untyped provider JSON, validated by use
type ChunkJson = any;
type Item = Record<string, unknown>;

/** The text of a `delta.reasoning`: a string, or an object carrying it as `text` or `content`. */
function reasoningText(reasoning: unknown): string {
  if (typeof reasoning === "string") return reasoning;
  if (reasoning && typeof reasoning === "object") {
    const r = reasoning as { text?: unknown; content?: unknown };
    if (typeof r.text === "string") return r.text;
    if (typeof r.content === "string") return r.content;
  }
  return "";
}

const reasoningItem = (texts: string[]): Item => ({
  type: "reasoning",
  id: "",
  summary: [],
  content: texts.map((text) => ({ type: "reasoning_text", text })),
  encrypted_content: null,
});

/**
 * Chat Completions SSE (`data:` chunks with `choices[0].delta`, optionally `data: [DONE]`) → model events, as
 * 0.58.0 turns them into turn items without `show_raw_agent_reasoning` (checked against the binary):
 * - nothing streams: no text or reasoning deltas are reported; the first `content` / `reasoning` delta only
 *   announces its item (`item_added` of an empty assistant message / reasoning item, in arrival order);
 * - `delta.reasoning` (a string, or `{text}` / `{content}`) is reasoning; `reasoning_content` is ignored;
 * - tool-call deltas are merged into a single function call whatever their `index`: the first id and name win and
 *   the argument fragments are concatenated (two parallel calls become one call with unparsable arguments);
 * - the response ends at any `finish_reason` (later chunks are not read), at `[DONE]`, or when the body ends
 *   cleanly. Then come, in order: the reasoning item with one `reasoning_text` part per delta (if any reasoning
 *   came), the function call (only for finish_reason "tool_calls": a call that ends otherwise is dropped), and
 *   then, as 0.58.0's aggregation adds them, the reasoning again as one part with the whole text, and the
 *   assistant message with the whole text, then `completed` (no usage). Both reasoning items are kept, in the
 *   history and the rollout, as 0.58.0 keeps them.
 * Messages carry no id, so each turn item gets a fresh one (0.58.0's started and completed ids differ too).
 */
export async function* chatStreamEvents(
  sse: AsyncIterable<{ data: string }>,
  o: { streaming?: boolean | undefined } = {},
): AsyncGenerator<ModelEvent> {
  // With `show_raw_agent_reasoning` 0.58.0 streams instead: deltas are reported as they come (the announced
  // message's id on text deltas, "" on reasoning ones) and the response's own items end it, without the
  // aggregated copies.
  const streaming = o.streaming === true;
  const messageId = randomUUID();
  let text = "";
  const reasoning: string[] = [];
  const call = { id: undefined as string | undefined, name: undefined as string | undefined, args: "" };
  let sawCall = false;

  function* finish(withCall: boolean): Generator<ModelEvent> {
    if (reasoning.length > 0) yield { type: "item_done", item: reasoningItem(reasoning) };
    if (withCall && sawCall) {
      yield {
        type: "item_done",
        item: { type: "function_call", name: call.name ?? "", arguments: call.args, call_id: call.id ?? "" },
      };
    }
    if (reasoning.length > 0 && !streaming)
      yield { type: "item_done", item: reasoningItem([reasoning.join("")]) };
    if (text !== "") {
      yield {
        type: "item_done",
        item: { type: "message", role: "assistant", content: [{ type: "output_text", text }] },
      };
    }
    yield { type: "completed", responseId: "", usage: null };
  }

  for await (const event of sse) {
    if (event.data.trim() === "[DONE]") {
      yield* finish(false);
      return;
    }
    let chunk: ChunkJson;
    try {
      chunk = JSON.parse(event.data);
    } catch {
      continue; // a malformed chunk is skipped
    }
    const choice = chunk?.choices?.[0];
    if (!choice) continue;
    const delta = choice.delta ?? {};
    const thought = reasoningText(delta.reasoning);
    if (thought !== "") {
      if (reasoning.length === 0) yield { type: "item_added", item: reasoningItem([]) };
      reasoning.push(thought);
      if (streaming) yield { type: "reasoning_content_delta", delta: thought, itemId: "" };
    }
    if (typeof delta.content === "string" && delta.content !== "") {
      if (text === "") {
        const announced = { type: "message", role: "assistant", content: [] };
        yield { type: "item_added", item: streaming ? { ...announced, id: messageId } : announced };
      }
      text += delta.content;
      if (streaming) yield { type: "text_delta", delta: delta.content, itemId: messageId };
    }
    for (const tc of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
      sawCall = true;
      if (typeof tc?.id === "string") call.id ??= tc.id;
      if (typeof tc?.function?.name === "string") call.name ??= tc.function.name;
      if (typeof tc?.function?.arguments === "string") call.args += tc.function.arguments;
    }
    // Any finish reason ends the response ("length" too: later chunks are not read); only "tool_calls" runs the
    // call.
    if (typeof choice.finish_reason === "string" && choice.finish_reason !== "") {
      yield* finish(choice.finish_reason === "tool_calls");
      return;
    }
  }
  yield* finish(false);
}
