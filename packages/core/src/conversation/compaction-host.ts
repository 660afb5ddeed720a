import type { RateLimitSnapshot } from "../client/rate-limits.js";
import type { TokenUsage } from "../client/types.js";
import { type CompactionHost, DEFAULT_COMPACT_PROMPT } from "../compact/index.js";
import * as ev from "../events/constructors.js";
import type { Session } from "./session.js";

/** The conversation as a compaction sees it (compact/run.ts); `turnId` is the task its events belong to. */
export function compactionHost(session: Session, turnId: string): CompactionHost {
  return {
    client: session.client,
    prompt: () => session.prompt(),
    history: () => session.currentHistory(),
    replaceHistory: (items) => session.replaceHistory(items),
    initialContext: () => session.initialContext(),
    compactPrompt: () => session.config.compactPrompt ?? DEFAULT_COMPACT_PROMPT,
    recordTurnContext: () => session.recordTurnContext(),
    tokenCount: (rateLimits: RateLimitSnapshot | null, usage?: TokenUsage | null) => {
      if (usage) session.usage.add(usage);
      const snapshot = rateLimits ?? { primary: null, secondary: null };
      session.emit(turnId, ev.tokenCount(session.usage.info(), snapshot));
    },
    estimateContext: (tokens) => session.usage.estimateContext(tokens),
    recordCompacted: (message) => session.recordCompacted(message),
    emit: (msg) => session.emit(turnId, msg),
  };
}
