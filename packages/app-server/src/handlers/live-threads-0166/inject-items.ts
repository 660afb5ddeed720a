import {
  describeValue,
  explainIssues,
  gen0166,
  invalidRequest,
  type Protocol0166,
} from "@codex-ts/app-server-protocol";
import type { ResponseItemJson } from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import type { ThreadRegistry } from "../../threads/registry.js";

/** The Responses API item kinds 0.166.0 knows, each with its schema (an unknown kind is its catch-all `other`). */
const KNOWN_KINDS = new Map(
  gen0166.ResponseItem.options.flatMap((schema) => {
    const tag = (schema as { shape?: { type?: { options?: readonly string[] } } }).shape?.type?.options ?? [];
    return tag.map((kind) => [kind, schema] as const);
  }),
);

/**
 * The items as the history keeps them, checked as 0.166.0 reads them (`items[N] is not a valid response item: …`
 * in serde's words). An item of a kind 0.166.0 does not know is accepted and dropped: it reads it as `other`, which
 * no model request carries.
 */
function responseItems(items: readonly unknown[]): ResponseItemJson[] {
  const kept: ResponseItemJson[] = [];
  items.forEach((item, i) => {
    const refuse = (detail: string) => invalidRequest(`items[${i}] is not a valid response item: ${detail}`);
    if (typeof item !== "object" || item === null || Array.isArray(item))
      throw refuse(`invalid type: ${describeValue(item)}, expected internally tagged enum ResponseItem`);
    const kind = (item as { type?: unknown }).type;
    if (kind === undefined) throw refuse("missing field `type`");
    if (typeof kind !== "string")
      throw refuse(`invalid type: ${describeValue(kind)}, expected variant identifier`);
    const schema = KNOWN_KINDS.get(kind);
    if (!schema) return;
    const parsed = schema.safeParse(item);
    if (!parsed.success) throw refuse(explainIssues(schema, item, parsed.error.issues).detail);
    if (kind !== "other") kept.push(item as ResponseItemJson);
  });
  return kept;
}

/**
 * `thread/inject_items {threadId, items}`: raw Responses API items appended to a loaded thread's history as given —
 * recorded in its rollout (so a resume sees them) and sent with its next model request; nothing is announced.
 * While a turn runs they join it before its next request. Refusals in 0.166.0's words: `items must not be empty`,
 * an item that is not a response item, and a thread that is not loaded (`thread not found: <id>`).
 */
export function createInjectItemsHandler0166(
  registry: ThreadRegistry,
): Handlers<Protocol0166, "thread/inject_items"> {
  return {
    async "thread/inject_items"(p) {
      const thread = registry.require(p.threadId);
      if (p.items.length === 0) throw invalidRequest("items must not be empty");
      const items = responseItems(p.items);
      await thread.conversation.submit({ type: "inject_items", items });
      await thread.conversation.flushRollout();
      return {};
    },
  };
}
