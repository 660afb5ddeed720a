import { readFileSync } from "node:fs";
import os from "node:os";

export interface ClientInfo {
  name: string;
  title?: string | null;
  version: string;
}

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
 * `codex_cli_rs/0.58.0 (Debian 12.0.0; x86_64) xterm (my client; 1.0)`. The client suffix is taken
 * verbatim from `initialize.clientInfo`, which is what 0.58.0 does.
 */
export function buildUserAgent(o: {
  originator: string;
  version: string;
  client?: ClientInfo | null;
  env?: NodeJS.ProcessEnv | undefined;
}): string {
  const base = `${o.originator}/${o.version} (${osLabel()}; ${archLabel()}) ${terminalLabel(o.env)}`;
  return o.client ? `${base} (${o.client.name}; ${o.client.version})` : base;
}
