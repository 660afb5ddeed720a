import type { Config } from "@codex-ts/config-loader";

/** How many model requests one turn may send by default (README "Limits"); retries of a request do not count. */
export const DEFAULT_MAX_TURN_REQUESTS = 1000;

/**
 * `max_turn_requests` from config.toml (or `-c`, or a request's `config`): the model requests one turn may send
 * before it is stopped with an error, so a model that calls a tool on every response cannot loop forever. Read
 * from the merged table because config-loader does not know the key (an extension; Codex has no such limit); a
 * value that is not a positive integer falls back to the default.
 */
export function maxTurnRequests(config: Config): number {
  const raw = config.raw.max_turn_requests;
  const value = typeof raw === "bigint" ? Number(raw) : raw;
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0
    ? value
    : DEFAULT_MAX_TURN_REQUESTS;
}

/** The error a turn ends with when it reaches `max_turn_requests`. */
export function turnRequestLimitMessage(limit: number): string {
  return `This turn was stopped after ${limit} model requests, the limit set by \`max_turn_requests\`. Send another message to let the model continue.`;
}
