import { internalError, type ProtocolDefinition, type RequestMethod } from "@codex-ts/app-server-protocol";
import type { Handlers } from "../handler.js";

/**
 * Handlers for methods a server was started without the means to serve: each answers -32603
 * `"<method> is not available: this server runs without <missing>"`. The CLI always has every service; tests and
 * embedders may not. `protocol` only picks the generation the handlers are typed for.
 */
export function unavailable<P extends ProtocolDefinition, const M extends RequestMethod<P>>(
  _protocol: P,
  methods: readonly M[],
  missing: string,
): Handlers<P, M> {
  const table: Partial<Record<M, () => never>> = {};
  for (const method of methods) {
    table[method] = () => {
      throw internalError(`${method} is not available: this server runs without ${missing}`);
    };
  }
  // Every listed method has its handler; each throws, so any result type is honoured.
  return table as Handlers<P, M>;
}
