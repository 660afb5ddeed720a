import * as g from "../schema/gen-0166.js";
import type { RequestSchema } from "./definition.js";
import { NoParams } from "./no-params.js";
import { v2m } from "./protocol-0166-settings.js";

/**
 * 0.166.0's remaining methods, most of them calls to a platform authenticator or to the ChatGPT backend: user
 * verification, the account's token usage, reset credits, workspace messages and owner nudges, gateway OAuth, workspace
 * switching, the remote plugin catalog's search and sharing; and the thread extras: out-of-band elicitation
 * counters, predictions, cancelling a sample, approving a Guardian denial, and the test-only mock method. A group of
 * its own so that `protocol-0166.ts` changes by one line.
 */
export const remoteRequests0166 = {
  "userVerification/enroll": v2m(g.UserVerificationEnrollParams, g.UserVerificationEnrollResponse),
  "userVerification/delete": v2m(g.UserVerificationDeleteParams, g.UserVerificationDeleteResponse),
  "userVerification/verify": v2m(g.UserVerificationVerifyParams, g.UserVerificationVerifyResponse),
  "userVerification/cancel": v2m(g.UserVerificationCancelParams, g.UserVerificationCancelResponse),
  // 0.166.0 reads these params as `Option<GetAccountTokenUsageParams>`: absent, null or the struct.
  "account/usage/read": v2m(
    g.GetAccountTokenUsageParams.nullable().optional(),
    g.GetAccountTokenUsageResponse,
  ),
  "account/rateLimitResetCredit/consume": v2m(
    g.ConsumeAccountRateLimitResetCreditParams,
    g.ConsumeAccountRateLimitResetCreditResponse,
  ),
  "account/workspaceMessages/read": v2m(NoParams, g.GetWorkspaceMessagesResponse),
  "account/sendAddCreditsNudgeEmail": v2m(
    g.SendAddCreditsNudgeEmailParams,
    g.SendAddCreditsNudgeEmailResponse,
  ),
  "account/gatewayOAuth/read": v2m(NoParams, g.GatewayOAuthReadResponse),
  "account/gatewayOAuth/cancel": v2m(NoParams, g.GatewayOAuthCancelResponse),
  "accountSession/switch": v2m(g.AccountSessionsSwitchParams, g.AccountSessionsSwitchResponse),
  "plugin/search": v2m(g.PluginSearchParams, g.PluginSearchResponse),
  "plugin/share/save": v2m(g.PluginShareSaveParams, g.PluginShareSaveResponse),
  "plugin/share/updateTargets": v2m(g.PluginShareUpdateTargetsParams, g.PluginShareUpdateTargetsResponse),
  "plugin/share/list": v2m(g.PluginShareListParams, g.PluginShareListResponse),
  "plugin/share/checkout": v2m(g.PluginShareCheckoutParams, g.PluginShareCheckoutResponse),
  "plugin/share/delete": v2m(g.PluginShareDeleteParams, g.PluginShareDeleteResponse),
  "thread/increment_elicitation": v2m(
    g.ThreadIncrementElicitationParams,
    g.ThreadIncrementElicitationResponse,
  ),
  "thread/decrement_elicitation": v2m(
    g.ThreadDecrementElicitationParams,
    g.ThreadDecrementElicitationResponse,
  ),
  "thread/prediction/request": v2m(g.ThreadPredictionRequestParams, g.ThreadPredictionRequestResponse),
  "thread/sample/cancel": v2m(g.ThreadSampleCancelParams, g.ThreadSampleCancelResponse),
  "thread/approveGuardianDeniedAction": v2m(
    g.ThreadApproveGuardianDeniedActionParams,
    g.ThreadApproveGuardianDeniedActionResponse,
  ),
  "mock/experimentalMethod": v2m(g.MockExperimentalMethodParams, g.MockExperimentalMethodResponse),
} as const satisfies Record<string, RequestSchema>;

/** The names of these methods (the app server's remote handler group serves exactly these). */
export type RemoteMethod0166 = keyof typeof remoteRequests0166;
