import {
  isLoopbackHost,
  type ListenTarget,
  listenWebSocket,
  type TransportListener,
} from "@codex-ts/app-server-protocol";
import { buildUserAgent } from "@codex-ts/core";
import { cutLogMessage } from "../log-ring.js";
import { AppServer, type AppServerOptions } from "../server.js";
import { SkillExtraRoots } from "../skill-extra-roots.js";
import { ThreadRegistry } from "../threads/registry.js";
import { handshakeAuthorizer, type WsAuth } from "./handshake-auth.js";
import { subscriptionObserver } from "./subscription-observer.js";
import { ThreadSubscribers } from "./thread-subscribers.js";

/** What the process-wide services see of a listening server (they outlive any one connection). */
export interface ServerHost {
  /** The user agent for model requests: the server's own (no one client's). */
  userAgent(): string;
  log(level: "error" | "warn" | "info" | "debug", message: string): void;
}

export type ListenAddress = Extract<ListenTarget, { kind: "unix" | "ws" }>;

export interface ListenOptions {
  /** Where to listen (`--listen` may be given more than once: a unix socket and a WebSocket address together). */
  targets: readonly ListenAddress[];
  /** Handshake auth for WebSocket clients; required on a non-loopback address. */
  auth?: WsAuth | null | undefined;
  /** Told the listener's address once it accepts (the CLI prints it on stderr). */
  onListening?: ((url: string) => void) | undefined;
  /** Connections at once (default 1024); more are refused at the handshake. */
  maxConnections?: number | undefined;
}

/** Why a listen target may not start as configured (null: it may). */
export function listenRefusal(
  targets: readonly ListenAddress[],
  auth: WsAuth | null | undefined,
): string | null {
  const exposed = targets.find((t) => t.kind === "ws" && !isLoopbackHost(t.host));
  if (exposed?.kind === "ws" && !auth)
    return `refusing to listen on non-loopback address ${exposed.host} without websocket auth; pass \`--ws-auth capability-token\` or \`--ws-auth signed-bearer-token\``;
  return null;
}

/** The parts of a listening server that every connection shares. */
export interface SharedServices {
  host: ServerHost;
  subscribers: ThreadSubscribers;
  threads: ThreadRegistry;
  skillExtraRoots: SkillExtraRoots;
}

export function sharedServices(opts: Omit<AppServerOptions, "handlers">): SharedServices {
  const levels = { error: 0, warn: 1, info: 2, debug: 3 } as const;
  const threshold = levels[opts.logLevel ?? "warn"];
  const host: ServerHost = {
    userAgent: () =>
      buildUserAgent({
        originator: opts.originator ?? "codex_cli_rs",
        version: opts.version ?? "0.58.0",
        client: null,
        env: opts.env,
      }),
    log: (level, message) => {
      if (levels[level] > threshold) return;
      const sink = opts.logSink;
      if (!sink || sink.destroyed) return;
      sink.write(
        `${new Date().toISOString()} ${level.toUpperCase()} codex_app_server: ${cutLogMessage(message)}\n`,
      );
    },
  };
  const subscribers = new ThreadSubscribers();
  const threads = new ThreadRegistry(
    (id) => subscribers.channel(id),
    (m) => host.log("warn", m),
  );
  // An unloaded thread has no followers: whoever resumes it later subscribes afresh.
  threads.onRemove((id) => subscribers.forget(id));
  return { host, subscribers, threads, skillExtraRoots: new SkillExtraRoots() };
}

/**
 * Serves connections from a listener until `stopped` resolves: each is an `AppServer` of its own (handshake,
 * generation, client info, pending server requests, in-flight limit) over the services every connection shares;
 * its 0.166 thread subscriptions live in `shared.subscribers`. A connection that closes is dropped from them and
 * its threads keep running. Resolves once the listener and every connection are closed.
 */
export async function serveListening(
  opts: Omit<AppServerOptions, "stdin" | "stdout" | "observe" | "onShutdown">,
  listen: ListenOptions,
  shared: SharedServices,
  stopped: Promise<void>,
): Promise<void> {
  const refusal = listenRefusal(listen.targets, listen.auth);
  if (refusal) throw new Error(refusal);
  const connections = new Set<AppServer>();
  const listeners: TransportListener[] = [];
  const start = (target: ListenAddress) =>
    listenWebSocket({
      target,
      // A unix socket is guarded by its 0600 mode; WebSocket clients on an address prove themselves.
      authorize: listen.auth && target.kind === "ws" ? handshakeAuthorizer(listen.auth) : undefined,
      maxConnections: listen.maxConnections,
      maxMessageBytes: opts.maxLineBytes,
      log: (level, message) => shared.host.log(level, message),
      onConnection: (conn) => {
        const server: AppServer = new AppServer({
          ...opts,
          stdin: conn.input,
          stdout: conn.output,
          observe: (generation, req) => observe(generation, req),
          // Only this connection ends: the threads and the runtime belong to the server.
          onShutdown: async () => shared.subscribers.drop(server),
        });
        const observe = subscriptionObserver(shared.subscribers, server);
        connections.add(server);
        shared.subscribers.connect(server);
        shared.host.log("info", `${conn.description} connected`);
        void server.run().finally(() => {
          connections.delete(server);
          shared.host.log("info", `${conn.description} disconnected`);
        });
      },
    });
  try {
    for (const target of listen.targets) {
      const listener = await start(target);
      listeners.push(listener);
      listen.onListening?.(listener.url);
    }
    await stopped;
  } finally {
    await Promise.all(listeners.map((l) => l.close()));
    await Promise.all([...connections].map((c) => c.shutdown()));
  }
}
