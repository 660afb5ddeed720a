export { AuthStorageError } from "./errors.js";
export { AUTH_FILE, AUTH_FILE_MAX_BYTES, authFilePath } from "./file-store.js";
export { KEYRING_SERVICE, keyringAccount, keyringEntry } from "./keyring-store.js";
export {
  deleteMcpOauthCredentials,
  loadMcpOauthCredentials,
  MCP_OAUTH_FILE,
  MCP_OAUTH_KEYRING_SERVICE,
  type McpOauthCredentials,
  type McpOauthStoreMode,
  mcpOauthFilePath,
  mcpOauthStoreKey,
  saveMcpOauthCredentials,
} from "./mcp-oauth-store.js";
export { type AuthRecord, AuthRecordSchema } from "./record.js";
export {
  type AuthStore,
  type AuthStoreOptions,
  type Backend,
  createAuthStore,
  type StoreMode,
} from "./store.js";
