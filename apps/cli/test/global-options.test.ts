import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../dist/main.js", import.meta.url));

function codex(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", input: "" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("codex global options (built CLI)", () => {
  it("prints the version", () => {
    const r = codex("--version");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^codex-cli \d+\.\d+\.\d+/);
  });

  it("prints help listing the global options and commands", () => {
    const r = codex("--help");
    expect(r.code).toBe(0);
    for (const flag of ["--config", "--profile", "--enable", "--disable", "app-server"]) {
      expect(r.stdout).toContain(flag);
    }
  });

  it("accepts -c overrides, TOML or literal, with --help", () => {
    expect(codex("-c", "model=o3", "--help").code).toBe(0);
    expect(
      codex(
        "-c",
        'model="o3"',
        "-c",
        "a.b.c=[1,2]",
        "--enable",
        "x",
        "--disable",
        "y",
        "-p",
        "fast",
        "--help",
      ).code,
    ).toBe(0);
  });

  it("rejects a malformed -c with Codex's message and exit 1", () => {
    const r = codex("-c", "novalue");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: error parsing -c overrides: Invalid override (missing '='): novalue");
    const empty = codex("-c", "=x", "app-server");
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("Empty key in override: =x");
  });

  it("rejects unknown flags and commands with exit 2", () => {
    const flag = codex("--bogus");
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--bogus'");
    const sub = codex("app-server", "--bogus");
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain("unknown option '--bogus'");
    const cmd = codex("no-such-command");
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toContain("unknown command 'no-such-command'");
  });
});
