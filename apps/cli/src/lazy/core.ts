// What the commands use of @codex-ts/core, loaded with import() (see ./app-server.ts for why a module of names).
export { AuthManager, buildUserAgent } from "@codex-ts/core";
