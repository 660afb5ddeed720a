import {
  type MockModelServer,
  responses,
  type ScriptedResponse,
  startMockModelServer,
} from "@codex-ts/test-support";

/** The config line that routes approvals to the automatic reviewer (0.166.0's `auto_review`). */
export const AUTO_REVIEW_TOML = 'approvals_reviewer = "auto_review"\n';

/**
 * A mock model server for reviewed threads. The reviewer's requests (cache key `guardian:<thread>`) are answered from
 * `reviews`, a script of their own, so that a request of either kind sent at another moment cannot take the other's
 * answer; the thread's own requests take the mock's queue (`mock.enqueue`).
 */
export async function startGuardianMock(): Promise<{ mock: MockModelServer; reviews: ScriptedResponse[] }> {
  const reviews: ScriptedResponse[] = [];
  const mock = await startMockModelServer([], {
    routes: [
      {
        name: "guardian",
        match: (body) =>
          String((body as { prompt_cache_key?: unknown }).prompt_cache_key).startsWith("guardian:"),
        answer: () => reviews.shift() ?? responses.turn(responses.message("no decision scripted")),
      },
    ],
  });
  return { mock, reviews };
}
