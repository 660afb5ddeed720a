import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  type gen0166,
  internalError,
  invalidRequest,
  type Protocol0166,
} from "@codex-ts/app-server-protocol";
import type { Handlers } from "../../handler.js";
import { experimentalCheck } from "../experimental-api.js";
import { addRefusal, connectFailure } from "./exec-server-url.js";

type Methods = "environment/add" | "environment/info" | "environment/status";

/** The one environment every server has: this host, where threads and `process/spawn` run. */
const LOCAL = "local";

/** How long a connection attempt may take when `environment/add` names no `connectTimeoutMs`. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** A remote environment a client added: its exec-server and what the connection attempt found. */
interface RemoteEnvironment {
  url: string;
  /** Why it is not connected; null while the attempt runs. */
  failure: string | null;
  attempt: Promise<string>;
}

/** The shell names 0.166.0 reports (`zsh`, `bash`, `sh`, `powershell`, `cmd`), by executable name. */
const SHELL_NAMES: Record<string, string> = {
  zsh: "zsh",
  bash: "bash",
  sh: "sh",
  pwsh: "powershell",
  powershell: "powershell",
  cmd: "cmd",
};

/**
 * The user's login shell as 0.166.0 finds it: the account's shell (the password database, not `$SHELL`), a kind it
 * knows by name, else `/bin/sh`.
 */
function localShell(): gen0166.EnvironmentShellInfo {
  let shell = "";
  try {
    shell = os.userInfo().shell ?? "";
  } catch {
    // no account entry (a container's arbitrary uid)
  }
  const name = SHELL_NAMES[path.basename(shell).replace(/\.exe$/, "")];
  return name ? { name, path: shell } : { name: "sh", path: "/bin/sh" };
}

export interface EnvironmentOptions {
  /** Whether the client asked for the experimental API (every `environment/*` method needs it). */
  experimentalApi(): boolean;
}

/**
 * 0.166.0's execution environments (experimental API): `local` (this host: always `ready`, its login shell and the
 * server's cwd) and the remote exec-servers a client adds (`environment/add`, validated in 0.166.0's words, a new
 * add of an id replacing the old). This server has no exec-server client: an added environment is `pending` while
 * its connection attempt runs, then `disconnected` with why (see `connectFailure`); `environment/info` on it fails
 * with that reason, as 0.166.0's does when it cannot connect.
 */
export function createEnvironmentHandlers0166(o: EnvironmentOptions): Handlers<Protocol0166, Methods> {
  const remotes = new Map<string, RemoteEnvironment>();
  const requireExperimental = experimentalCheck(() => o.experimentalApi());
  const unknown = (id: string) => `unknown environment id \`${id}\``;
  const connectError = (env: RemoteEnvironment, failure: string) =>
    `exec-server connection attempt failed: failed to connect to exec-server websocket \`${env.url}\`: ${failure}`;
  return {
    "environment/add"(p) {
      requireExperimental("environment/add");
      const refusal = addRefusal(p);
      if (refusal) throw invalidRequest(`exec-server protocol error: ${refusal}`);
      const env: RemoteEnvironment = {
        url: p.execServerUrl,
        failure: null,
        attempt: connectFailure(p.execServerUrl, p.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
      };
      void env.attempt.then((failure) => {
        env.failure = failure;
      });
      remotes.set(p.environmentId, env);
      return {};
    },
    async "environment/info"(p) {
      requireExperimental("environment/info");
      const id = p.environmentId;
      if (id === LOCAL) return { shell: localShell(), cwd: pathToFileURL(process.cwd()).href };
      const env = remotes.get(id);
      if (!env) throw invalidRequest(unknown(id));
      const failure = await env.attempt;
      throw internalError(`failed to get info for environment \`${id}\`: ${connectError(env, failure)}`);
    },
    "environment/status"(p) {
      requireExperimental("environment/status");
      const id = p.environmentId;
      if (id === LOCAL) return { status: "ready" };
      const env = remotes.get(id);
      if (!env) return { status: "unknown", error: unknown(id) };
      if (env.failure === null) return { status: "pending" };
      return { status: "disconnected", error: connectError(env, env.failure) };
    },
  };
}
