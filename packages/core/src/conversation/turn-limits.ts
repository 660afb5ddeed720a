/** The error a turn ends with when it reaches `max_turn_requests` (config-loader's `Config.maxTurnRequests`). */
export function turnRequestLimitMessage(limit: number): string {
  return `This turn was stopped after ${limit} model requests, the limit set by \`max_turn_requests\`. Send another message to let the model continue.`;
}
