// What the commands use of @codex-ts/app-server-protocol, loaded with import() (see ./app-server.ts for why).
export { parseListenUrl, writeJsonSchemas, writeTypeScript } from "@codex-ts/app-server-protocol";
