import {
  type ExternalAgentMethod0166,
  type gen0166,
  invalidParams,
  type Protocol0166,
} from "@codex-ts/app-server-protocol";
import type { Handlers } from "../handler.js";
import { experimentalCheck } from "./experimental-api.js";

type Methods = Exclude<ExternalAgentMethod0166, `externalAgentConfig/${string}`>;

/** `memory/status`'s bounds of `minConsolidatedThreads` (0.166.0's). */
const MIN_CONSOLIDATED_THREADS = { min: 1, max: 4096 } as const;

export interface ServerInfoServices0166 {
  experimentalApi(): boolean;
  /** Requests of this connection being handled now, this one included. */
  requestsInFlight(): number;
  /** The login's account sessions (none without an account store). */
  accountSessions?: (() => Promise<gen0166.AccountSessionsResponse>) | undefined;
}

/**
 * The experimental host-status methods: `server/diagnostics` (this process and its request gauges), and three that
 * this server answers as 0.166.0 answers without their providers: `userVerification/status` (no platform
 * authenticator), `accountSession/list` (a ChatGPT login's session, see `AccountSessions`) and `memory/status` (no
 * memories).
 */
export function createServerInfoHandlers0166(s: ServerInfoServices0166): Handlers<Protocol0166, Methods> {
  const requireExperimental = experimentalCheck(() => s.experimentalApi());
  return {
    async "server/diagnostics"() {
      requireExperimental("server/diagnostics");
      return {
        process: {
          id: process.pid,
          residentMemoryBytes: process.memoryUsage.rss(),
          // macOS's footprint; 0.166.0 reports null elsewhere too.
          physicalFootprintBytes: null,
        },
        gauges: [
          { name: "app.requests.in_flight", value: s.requestsInFlight() },
          // A request is handled as soon as it is read or refused as overloaded: none ever wait in a queue.
          { name: "app.requests.queued", value: 0 },
        ],
      };
    },

    async "userVerification/status"() {
      requireExperimental("userVerification/status");
      return {
        credentialId: null,
        unavailableReason: "providerUnavailable",
        unavailableMessage: "User verification is not available in this build or account.",
      };
    },

    async "accountSession/list"() {
      requireExperimental("accountSession/list");
      return (await s.accountSessions?.()) ?? { activeSessionId: null, sessions: [] };
    },

    async "memory/status"(p) {
      requireExperimental("memory/status");
      const min = p.minConsolidatedThreads;
      if (min != null && (min < MIN_CONSOLIDATED_THREADS.min || min > MIN_CONSOLIDATED_THREADS.max)) {
        throw invalidParams(
          `minConsolidatedThreads must be between ${MIN_CONSOLIDATED_THREADS.min} and ${MIN_CONSOLIDATED_THREADS.max}`,
        );
      }
      // No memories are kept, so none are consolidated; 0.166.0 reports such a home ready as well.
      return { v2ConsolidatedThreads: 0, v2Ready: true };
    },
  };
}
