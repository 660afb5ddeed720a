import { randomUUID } from "node:crypto";
import { internalError, type Protocol058 } from "@codex-ts/app-server-protocol";
import { uploadFeedbackBundle, writeFeedbackBundle } from "../feedback.js";
import type { Handlers } from "../handler.js";

export interface FeedbackOptions {
  codexHome: string;
  /** Where bundles are uploaded; none by default (the bundle stays local). */
  endpoint?: string | null | undefined;
  /** The rollout file of a thread the server has loaded, or null. */
  rolloutPathOf: (threadId: string) => string | null;
}

/** `feedback/upload`: writes a local bundle (and uploads it when an endpoint is configured) → `{threadId}`. */
export function createFeedbackHandler(o: FeedbackOptions): Handlers<Protocol058, "feedback/upload"> {
  return {
    async "feedback/upload"(p, { server }) {
      const input = {
        classification: p.classification,
        reason: p.reason ?? null,
        conversationId: p.conversationId ?? null,
        includeLogs: p.includeLogs,
      };
      const rolloutPath = input.conversationId ? o.rolloutPathOf(input.conversationId) : null;
      let dir: string;
      try {
        ({ dir } = await writeFeedbackBundle(input, {
          codexHome: o.codexHome,
          userAgent: server.userAgent(),
          rolloutPath,
          logs: server.recentLogs(),
        }));
      } catch (err) {
        throw internalError(`failed to write feedback bundle: ${(err as Error).message}`);
      }
      server.log("info", `feedback bundle written to ${dir}`);
      if (o.endpoint) {
        try {
          await uploadFeedbackBundle(dir, o.endpoint);
        } catch (err) {
          throw internalError(`failed to upload feedback: ${(err as Error).message}`);
        }
      }
      return { threadId: input.conversationId ?? randomUUID() };
    },
  };
}
