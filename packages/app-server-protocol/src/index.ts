// @codex-ts/app-server-protocol
// Not built yet: The Codex 0.58.0 app-server wire protocol as zod schemas: registry, JSON-RPC lite codec, TS and JSON Schema exporters.
export {};
