// @codex-ts/core
// Not built yet: Sessions store (rollouts, listing, index, archive, resume), agent runtime (model client, tools, sandbox, approvals, events) and auth manager.
export {};
