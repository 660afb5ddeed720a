import { type Protocol0166, RpcError } from "@codex-ts/app-server-protocol";
import type { Handlers } from "../../handler.js";

type Methods =
  | "userVerification/enroll"
  | "userVerification/delete"
  | "userVerification/verify"
  | "userVerification/cancel";

/** 0.166.0's refusal when there is no platform authenticator (`userVerification/status` reports the same reason). */
const UNAVAILABLE = () =>
  new RpcError(-32603, "User verification is not available in this build or account.", {
    type: "unavailable",
    reason: "providerUnavailable",
  });

/**
 * User verification (experimental): a platform authenticator's local credential, enrolled, deleted and used to sign
 * a backend's challenge. This server has no authenticator, so it answers as 0.166.0 answers without one: enroll,
 * delete and verify are refused as unavailable (-32603 with `data: {type: "unavailable", reason:
 * "providerUnavailable"}`), and cancel, which names a verification of this connection, finds none running: `{}`.
 */
export function createUserVerificationHandlers0166(
  requireExperimental: (method: string) => void,
): Handlers<Protocol0166, Methods> {
  return {
    "userVerification/enroll"() {
      requireExperimental("userVerification/enroll");
      throw UNAVAILABLE();
    },
    "userVerification/delete"() {
      requireExperimental("userVerification/delete");
      throw UNAVAILABLE();
    },
    "userVerification/verify"() {
      requireExperimental("userVerification/verify");
      throw UNAVAILABLE();
    },
    "userVerification/cancel"() {
      requireExperimental("userVerification/cancel");
      return {};
    },
  };
}
