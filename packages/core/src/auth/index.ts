export { knownPlanType, parseClaims, type TokenClaims } from "./claims.js";
export { CLIENT_ID, DEFAULT_ISSUER, DEFAULT_LOGIN_PORT } from "./constants.js";
export {
  DEVICE_CODE_MAX_WAIT_MS,
  type DeviceCode,
  type DeviceGrant,
  pollDeviceCode,
  requestDeviceCode,
} from "./device-code.js";
export { buildAuthorizeUrl } from "./login-server.js";
export {
  AuthManager,
  type AuthManagerOptions,
  type AuthMode,
  AuthRequestError,
  type BackendAnswer,
  type ChatGptLogin,
  type CodexAuth,
  type DeviceCodeLogin,
  type LoginResult,
} from "./manager.js";
export { TokenEndpointError } from "./token-client.js";
export { rateLimitsFromUsage, usageUrl } from "./usage.js";
