import type { Generation, ProtocolDefinition } from "./definition.js";
import { protocol058 } from "./protocol-058.js";
import { protocol0166 } from "./protocol-0166.js";

/** Every generation's definition, by name. */
export const protocols = { "0.58": protocol058, "0.166": protocol0166 } as const satisfies Record<
  Generation,
  ProtocolDefinition
>;

/**
 * Which generation a connection speaks, from its `initialize` params. The rule, checked against both reference
 * binaries: 0.166.0 added `capabilities` to `initialize` (its clients send it, e.g. codex-acp with
 * `experimentalApi`), while 0.58.0 ignores unknown fields, so a non-null `capabilities` member marks a 0.166 client
 * and everything else is 0.58.0 — a 0.58 client sees exactly what it always saw. (0.166.0 itself also accepts an
 * `initialize` without `capabilities`; such a client is indistinguishable from a 0.58 one and is served as one.)
 */
export function generationOf(initializeParams: unknown): Generation {
  if (initializeParams === null || typeof initializeParams !== "object" || Array.isArray(initializeParams))
    return "0.58";
  const capabilities = (initializeParams as { capabilities?: unknown }).capabilities;
  return capabilities === undefined || capabilities === null ? "0.58" : "0.166";
}
