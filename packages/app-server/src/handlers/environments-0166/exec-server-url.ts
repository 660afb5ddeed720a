import net from "node:net";
import { osErrorText } from "@codex-ts/core";

/** 0.166.0's refusal of an `environment/add` (its exec-server client's words), or null when it accepts it. */
export function addRefusal(p: {
  environmentId: string;
  execServerUrl: string;
  authBearerToken?: string | null | undefined;
  websocketRequestId?: string | null | undefined;
}): string | null {
  if (p.environmentId === "") return "environment id cannot be empty";
  if (p.environmentId === "local") return "environment id `local` is reserved for EnvironmentManager";
  if (p.execServerUrl.trim() === "") return "remote environment requires an exec-server url";
  // Credentials and request ids go only where nobody else reads them: over TLS, or to this machine.
  if (p.authBearerToken != null || p.websocketRequestId != null) {
    const url = parseUrl(p.execServerUrl);
    if (!url) return "invalid exec-server WebSocket URL: relative URL without a base";
    if (url.protocol !== "wss:" && !isLoopback(url.hostname))
      return "exec-server WebSocket headers require wss:// or a loopback destination";
  }
  return null;
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text.trim());
  } catch {
    return null;
  }
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" || (net.isIPv4(bare) && bare.startsWith("127."));
}

/**
 * Why connecting to the exec-server at `text` fails, in 0.166.0's words (its WebSocket client's errors after
 * `failed to connect to exec-server websocket \`<url>\`: `). This server makes no connection beyond this machine: a
 * remote host is refused as 0.166.0 reports it on a host without network (`Connection refused`); a loopback one is
 * tried for real (refused, or reached but not spoken to: this server has no exec-server client).
 */
export async function connectFailure(text: string, timeoutMs: number): Promise<string> {
  if (/[\s"<>\\^`{|}]/.test(text)) return "HTTP format error: invalid uri character";
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1];
  if (scheme !== "ws" && scheme !== "wss") return "URL error: URL scheme not supported";
  const authority = /^[^:]+:\/\/([^/?#]*)/.exec(text)?.[1] ?? "";
  if (authority === "") return "HTTP format error: empty string";
  const port = /:(\d+)$/.exec(authority)?.[1];
  const url = parseUrl(text);
  if ((port !== undefined && Number(port) > 65535) || !url || url.hostname === "")
    return "IO error: invalid WebSocket URL";
  if (!isLoopback(url.hostname)) return "IO error: Connection refused (os error 111)";
  return new Promise((resolve) => {
    const socket = net.connect({
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: Number(url.port || (scheme === "wss" ? 443 : 80)),
      timeout: timeoutMs,
    });
    socket.once("connect", () => {
      socket.destroy();
      resolve("IO error: this server has no exec-server client (remote environments are not supported)");
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve("IO error: connection timed out");
    });
    socket.once("error", (err) => resolve(`IO error: ${osErrorText(err)}`));
  });
}
