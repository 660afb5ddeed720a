import { internalError, invalidRequest } from "@codex-ts/app-server-protocol";
import { ConfigWriter } from "@codex-ts/config-loader";
import { object, optionalString } from "../params.js";
import type { RequestHandler } from "../server.js";

const EFFORTS = new Set(["minimal", "low", "medium", "high"]);

/** `setDefaultModel {model, reasoningEffort}` → `{}`: persists through the one config writer (atomic, locked). */
export function createSetDefaultModelHandler(codexHome: string, profile?: string) {
  const writer = new ConfigWriter(codexHome);
  const handler: RequestHandler<{ model: string | null; effort: string | null }> = {
    decode(params) {
      const p = object(params, "struct SetDefaultModelParams");
      const effort = optionalString(p, "reasoningEffort");
      if (effort !== null && !EFFORTS.has(effort)) {
        throw invalidRequest(
          `Invalid request: unknown variant \`${effort}\`, expected one of \`minimal\`, \`low\`, \`medium\`, \`high\``,
        );
      }
      return { model: optionalString(p, "model"), effort };
    },
    async handle({ model, effort }) {
      try {
        await writer.apply(
          [{ type: "setModel", model, effort: effort as "minimal" | "low" | "medium" | "high" | null }],
          profile ? { profile } : {},
        );
      } catch (err) {
        throw internalError(`failed to persist model selection: ${(err as Error).message}`);
      }
      return {};
    },
  };
  return handler;
}
