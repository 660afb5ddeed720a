// @codex-ts/app-server
// Not built yet: `codex app-server`: JSON-RPC lite over stdio, v1 and v2 handlers, event to notification mappers.
export {};
