import { formatInputForModel } from "./model-input.js";
import type { Prompt } from "./types.js";

/** Wire JSON of history items, read field by field. */
type Item = Record<string, unknown>;
type Part = Record<string, unknown>;

/**
 * The body of a Chat Completions request as Codex 0.58.0 builds it (checked against the binary with the mock
 * model server): `{model, messages, stream: true, tools}` — no `stream_options`, no `tool_choice`, no reasoning
 * settings. `messages` is the system prompt followed by the history (`chatMessages`); `tools` are the function
 * tools in Chat form (`chatTools`), so the freeform apply_patch and web_search tools are never offered.
 */
export function chatBody(p: Prompt): Record<string, unknown> {
  return {
    model: p.model,
    messages: [
      { role: "system", content: p.instructions },
      ...chatMessages(formatInputForModel(p.input, p.tools)),
    ],
    stream: true,
    tools: chatTools(p.tools),
  };
}

/**
 * Function tools wrapped as `{type:"function", function:{…}}`. 0.58.0 builds the inner object by deleting `type`
 * from the Responses tool with a swap-remove, so its last key (`parameters`) takes the first place and the rest
 * keep their order: `{parameters, name, description, strict}`.
 */
export function chatTools(tools: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return tools
    .filter((t) => t.type === "function")
    .map((t) => {
      const keys = Object.keys(t);
      const at = keys.indexOf("type");
      const last = keys.pop() as string;
      if (last !== "type") keys[at] = last;
      else keys.splice(at, 1);
      const fn: Record<string, unknown> = {};
      for (const key of keys) fn[key] = t[key];
      return { type: "function", function: fn };
    });
}

/**
 * Response items (already passed through `formatInputForModel`) → chat messages, following 0.58.0:
 * - a message keeps its role (`developer` included); assistant text is always a string (parts joined), other roles
 *   get a string unless an image is present, then the parts as `text` / `image_url` entries;
 * - an assistant message whose text equals the previous assistant message's is dropped (even across turns);
 * - function calls → an assistant message with `content: null` and one `tool_calls` entry; local shell and custom
 *   tool calls likewise (`type: "local_shell_call"` / `"custom"`, ids from the item's own `id`, absent in history);
 * - function / custom tool outputs → `{role:"tool", tool_call_id, content}`, content items as `text` / `image_url`;
 * - reasoning, web search calls and unknown items are not sent, except that when the history does not end with a
 *   user message, the raw reasoning text after the last user message rides along as a `reasoning` field on its
 *   anchor: the assistant message just before it, else the call or assistant message just after it.
 */
export function chatMessages(items: readonly Item[]): Record<string, unknown>[] {
  const reasoningByAnchor = reasoningAnchors(items);
  const messages: Record<string, unknown>[] = [];
  let lastAssistantText: string | null = null;
  const withReasoning = (message: Record<string, unknown>, index: number) => {
    const reasoning = reasoningByAnchor.get(index);
    if (reasoning !== undefined) message.reasoning = reasoning;
    messages.push(message);
  };
  items.forEach((item, index) => {
    switch (item.type) {
      case "message": {
        const role = String(item.role);
        const parts = Array.isArray(item.content) ? (item.content as Part[]) : [];
        const text = parts.map((c) => (isTextPart(c) ? String(c.text ?? "") : "")).join("");
        if (role === "assistant") {
          if (text === lastAssistantText) return;
          lastAssistantText = text;
          withReasoning({ role, content: text }, index);
          return;
        }
        const hasImage = parts.some((c) => c.type === "input_image");
        withReasoning({ role, content: hasImage ? chatParts(parts) : text }, index);
        return;
      }
      case "function_call":
        withReasoning(
          {
            role: "assistant",
            content: null,
            tool_calls: [
              {
                id: item.call_id,
                type: "function",
                function: { name: item.name, arguments: item.arguments },
              },
            ],
          },
          index,
        );
        return;
      case "local_shell_call":
        withReasoning(
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: item.id ?? "", type: "local_shell_call", status: item.status, action: item.action },
            ],
          },
          index,
        );
        return;
      case "custom_tool_call":
        messages.push({
          role: "assistant",
          content: null,
          tool_calls: [
            { id: item.id ?? null, type: "custom", custom: { name: item.name, input: item.input } },
          ],
        });
        return;
      case "function_call_output":
      case "custom_tool_call_output":
        messages.push({ role: "tool", tool_call_id: item.call_id, content: toolContent(item.output) });
        return;
      default:
        return;
    }
  });
  return messages;
}

function isTextPart(part: Part): boolean {
  return part.type === "input_text" || part.type === "output_text";
}

/** Message or tool-output parts in Chat form; parts of other kinds are left out. */
function chatParts(parts: readonly Part[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const part of parts) {
    if (isTextPart(part)) out.push({ type: "text", text: part.text });
    else if (part.type === "input_image") out.push({ type: "image_url", image_url: { url: part.image_url } });
  }
  return out;
}

/** A tool output: its text, or its content items as parts (a legacy `{content}` object gives its text). */
function toolContent(output: unknown): unknown {
  if (typeof output === "string") return output;
  if (Array.isArray(output)) return chatParts(output as Part[]);
  const legacy = output as { content?: unknown } | null;
  if (typeof legacy?.content === "string") return legacy.content;
  return JSON.stringify(output ?? "");
}

/** The role a history item is sent with, if it is sent at all. */
function sentRole(item: Item): string | null {
  switch (item.type) {
    case "message":
      return String(item.role);
    case "function_call":
    case "local_shell_call":
    case "custom_tool_call":
      return "assistant";
    case "function_call_output":
    case "custom_tool_call_output":
      return "tool";
    default:
      return null;
  }
}

/** Which message (by history index) carries which reasoning text; see `chatMessages`. */
function reasoningAnchors(items: readonly Item[]): Map<number, string> {
  const anchors = new Map<number, string>();
  let lastRole: string | null = null;
  let lastUser = -1;
  items.forEach((item, index) => {
    lastRole = sentRole(item) ?? lastRole;
    if (item.type === "message" && item.role === "user") lastUser = index;
  });
  if (lastRole === "user") return anchors;
  const attach = (index: number, text: string) => anchors.set(index, (anchors.get(index) ?? "") + text);
  const isAssistantMessage = (item: Item | undefined) =>
    item?.type === "message" && item.role === "assistant";
  for (let index = lastUser + 1; index < items.length; index++) {
    const item = items[index]!;
    if (item.type !== "reasoning" || !Array.isArray(item.content)) continue;
    const text = (item.content as Part[])
      .filter((c) => c.type === "reasoning_text" || c.type === "text")
      .map((c) => String(c.text ?? ""))
      .join("");
    if (text.trim() === "") continue;
    const before = items[index - 1];
    const after = items[index + 1];
    if (isAssistantMessage(before)) attach(index - 1, text);
    else if (
      after?.type === "function_call" ||
      after?.type === "local_shell_call" ||
      isAssistantMessage(after)
    )
      attach(index + 1, text);
  }
  return anchors;
}
