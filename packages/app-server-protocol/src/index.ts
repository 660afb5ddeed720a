// @codex-ts/app-server-protocol
export * from "./rpc/index.js";
