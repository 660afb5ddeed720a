import { isIP } from "node:net";
import path from "node:path";

/** Where `codex app-server --listen` serves (later Codex's `AppServerTransport`). */
export type ListenTarget =
  | { kind: "stdio" }
  | { kind: "unix"; socketPath: string }
  | { kind: "ws"; host: string; port: number };

/** The `--listen` default. */
export const DEFAULT_LISTEN_URL = "stdio://";

/** Later Codex's default socket: `CODEX_HOME/app-server-control/app-server-control.sock`. */
export function defaultControlSocketPath(codexHome: string): string {
  return path.join(codexHome, "app-server-control", "app-server-control.sock");
}

/**
 * Reads a `--listen` URL: `stdio://`, `unix://` (the default socket under CODEX_HOME), `unix://PATH` (relative to
 * `cwd`), or `ws://IP:PORT` (an IP literal, IPv6 in brackets; port 0 picks a free one). Throws with later Codex's
 * wording otherwise.
 */
export function parseListenUrl(url: string, codexHome: string, cwd: string = process.cwd()): ListenTarget {
  if (url === DEFAULT_LISTEN_URL) return { kind: "stdio" };
  if (url.startsWith("unix://")) {
    const raw = url.slice("unix://".length);
    return {
      kind: "unix",
      socketPath: raw === "" ? defaultControlSocketPath(codexHome) : path.resolve(cwd, raw),
    };
  }
  if (url.startsWith("ws://")) {
    const m = /^ws:\/\/(?:\[([^\]]+)\]|([^:/]+)):(\d{1,5})$/.exec(url);
    const host = m?.[1] ?? m?.[2];
    const port = Number(m?.[3]);
    const family = host === undefined ? 0 : isIP(host);
    if (!m || host === undefined || port > 65535 || (m[1] !== undefined ? family !== 6 : family !== 4))
      throw new Error(`invalid websocket --listen URL \`${url}\`; expected \`ws://IP:PORT\``);
    return { kind: "ws", host, port };
  }
  throw new Error(
    `unsupported --listen URL \`${url}\`; expected \`stdio://\`, \`unix://\`, \`unix://PATH\`, or \`ws://IP:PORT\``,
  );
}

/** Whether a listen host only accepts this machine's connections (127.0.0.0/8, ::1). */
export function isLoopbackHost(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1" || host === "0:0:0:0:0:0:0:1" || /^::ffff:127\./i.test(host);
}
