import { readFileSync } from "node:fs";
import os from "node:os";
import type { ClientInfo } from "@codex-ts/app-server-protocol";

// The User-Agent Codex sends to model providers and reports to clients (`initialize`, `getUserAgent`, MCP
// `serverInfo.user_agent`): `<originator>/<version> (<os> <os version>; <arch>) <terminal> (<client>; <version>)`.

/** Distribution names as Codex's `os_info` prints them, keyed by `/etc/os-release` ID. */
const LINUX_NAMES: Record<string, string> = {
  debian: "Debian",
  ubuntu: "Ubuntu",
  fedora: "Fedora",
  arch: "Arch Linux",
  alpine: "Alpine Linux",
  centos: "CentOS",
  rhel: "Red Hat Enterprise Linux",
  opensuse: "openSUSE",
  "opensuse-leap": "openSUSE",
  linuxmint: "Linux Mint",
  nixos: "NixOS",
  amzn: "Amazon Linux AMI",
};

/** `1` → `1.0.0`, `12.3` → `12.3.0`: os_info renders numeric versions as semver. */
function semverish(v: string): string {
  if (!/^\d+(\.\d+){0,2}$/.test(v)) return v;
  const parts = v.split(".");
  while (parts.length < 3) parts.push("0");
  return parts.join(".");
}

function linuxLabel(): string {
  try {
    const text = readFileSync("/etc/os-release", "utf8");
    const field = (k: string) => text.match(new RegExp(`^${k}="?([^"\\n]*)"?$`, "m"))?.[1];
    const id = field("ID") ?? "";
    const name = LINUX_NAMES[id] ?? field("NAME") ?? "Linux";
    const version = field("VERSION_ID");
    return version ? `${name} ${semverish(version)}` : name;
  } catch {
    return `Linux ${semverish(os.release().split("-")[0] ?? "")}`.trim();
  }
}

/** `Debian 12.0.0`, `Mac OS 14.5.0`, `Windows 10.0.22631`: the OS part of Codex's user agent. */
export function osLabel(): string {
  switch (process.platform) {
    case "linux":
      return linuxLabel();
    case "darwin":
      return `Mac OS ${semverish(os.release())}`;
    case "win32":
      return `Windows ${os.release()}`;
    default:
      return `${os.type()} ${os.release()}`;
  }
}

/** Only characters safe in a header value survive; others become `_` (as Codex sanitizes the terminal token). */
function headerSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9._/+-]/g, "_");
}

/** The terminal token of the user agent, detected from the environment like Codex 0.58.0. */
export function terminalLabel(env: NodeJS.ProcessEnv = process.env): string {
  const program = env.TERM_PROGRAM?.trim();
  if (program) {
    const version = env.TERM_PROGRAM_VERSION?.trim();
    return headerSafe(version ? `${program}/${version}` : program);
  }
  if (env.WEZTERM_VERSION) return headerSafe(`WezTerm/${env.WEZTERM_VERSION}`);
  if (env.KITTY_WINDOW_ID || env.TERM?.includes("kitty")) return "kitty";
  if (env.ALACRITTY_SOCKET || env.TERM === "alacritty") return "Alacritty";
  if (env.KONSOLE_VERSION) return headerSafe(`Konsole/${env.KONSOLE_VERSION}`);
  if (env.GNOME_TERMINAL_SCREEN) return "gnome-terminal";
  if (env.VTE_VERSION) return headerSafe(`VTE/${env.VTE_VERSION}`);
  if (env.WT_SESSION) return "WindowsTerminal";
  const term = env.TERM?.trim();
  return term ? headerSafe(term) : "unknown";
}

/** Rust's architecture names (`x86_64`, `aarch64`), which 0.58.0 prints. */
function archLabel(): string {
  const names: Record<string, string> = { x64: "x86_64", arm64: "aarch64", ia32: "x86", arm: "arm" };
  return names[os.arch()] ?? os.arch();
}

/**
 * `codex_cli_rs/0.58.0 (Debian 12.0.0; x86_64) xterm (my client; 1.0)`. The client suffix comes from
 * `initialize.clientInfo` (or an MCP client's `clientInfo`), so it is the client's choice: the whole string is made
 * safe to send as a header value the way Codex does it (see `sanitizeUserAgent`).
 */
export function buildUserAgent(o: {
  originator: string;
  version: string;
  client?: Pick<ClientInfo, "name" | "version"> | null | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}): string {
  const prefix = `${o.originator}/${o.version} (${osLabel()}; ${archLabel()}) ${terminalLabel(o.env)}`;
  const suffix = o.client ? `${o.client.name}; ${o.client.version}`.trim() : "";
  return sanitizeUserAgent(suffix ? `${prefix} (${suffix})` : prefix, prefix, o.originator);
}

/**
 * A name as a header value (the `originator` header): every character outside `' '..='~'` becomes `_`, as in
 * `sanitizeUserAgent` (Node's HTTP client cannot send the raw UTF-8 Codex sends).
 */
export function headerSafeName(name: string): string {
  return [...name]
    .map((ch) => {
      const code = ch.codePointAt(0) ?? 0;
      return code >= 0x20 && code <= 0x7e ? ch : "_";
    })
    .join("");
}

/** A character a header value can carry as it is: visible ASCII, space and tab. */
function headerSafeChar(code: number): boolean {
  return code === 0x09 || (code >= 0x20 && code <= 0x7e);
}

/**
 * Codex's `sanitize_user_agent`: a value that is a valid header is kept; otherwise every character outside
 * `' '..='~'` becomes `_`; if that fails too, the user agent without the client part, then the bare originator.
 * Codex's header type also accepts bytes above 0x7F (UTF-8 text goes out as raw bytes), but Node's HTTP client only
 * sends Latin-1 and rejects the rest, so here any non-ASCII character counts as unsafe: a client named `Zed ✓` gets
 * `Zed _`, as Codex would name it if the name also had a control character.
 */
export function sanitizeUserAgent(candidate: string, fallback: string, originator: string): string {
  const valid = (s: string) => s.length > 0 && [...s].every((ch) => headerSafeChar(ch.codePointAt(0) ?? 0));
  if (valid(candidate)) return candidate;
  const sanitized = headerSafeName(candidate);
  if (valid(sanitized)) return sanitized;
  return valid(fallback) ? fallback : originator;
}
