import type { ShellEnvironmentPolicy } from "@codex-ts/config-loader";
import { describe, expect, it } from "vitest";
import { commandEnvironment, envNameMatches, runCommand, shellEnvironment } from "../src/index.js";

const policy = (p: Partial<ShellEnvironmentPolicy> = {}): ShellEnvironmentPolicy => ({
  inherit: "all",
  ignoreDefaultExcludes: false,
  exclude: [],
  set: {},
  includeOnly: [],
  experimentalUseProfile: false,
  ...p,
});

const base = {
  HOME: "/home/u",
  PATH: "/usr/bin:/bin",
  LOGNAME: "u",
  TMPDIR: "/tmp",
  LANG: "C.UTF-8",
  MY_API_KEY: "k",
  my_secret_x: "s",
  GH_TOKEN: "t",
  KEYBOARD: "kb",
  FOO_BAR: "f",
  PLAIN: "p",
};

describe("envNameMatches", () => {
  it("supports * and ? and ignores case", () => {
    expect(envNameMatches("*KEY*", "my_api_key")).toBe(true);
    expect(envNameMatches("*key*", "KEYBOARD")).toBe(true);
    expect(envNameMatches("PL?IN", "plain")).toBe(true);
    expect(envNameMatches("PL?IN", "PLAN")).toBe(false);
    expect(envNameMatches("*_BA?", "FOO_BAR")).toBe(true);
    expect(envNameMatches("path", "PATH")).toBe(true);
    expect(envNameMatches("PATH", "PATHEXT")).toBe(false);
  });

  it("treats brackets and regex characters literally, as 0.58.0 did (E[X]TRA did not match EXTRA)", () => {
    expect(envNameMatches("E[X]TRA", "EXTRA")).toBe(false);
    expect(envNameMatches("E[X]TRA", "E[X]TRA")).toBe(true);
    expect(envNameMatches("A.B", "AXB")).toBe(false);
    expect(envNameMatches("A+", "AA")).toBe(false);
  });
});

describe("shellEnvironment (steps and cases observed with codex 0.58.0)", () => {
  it("default policy: everything except names containing KEY / SECRET / TOKEN in any case", () => {
    expect(shellEnvironment(policy(), base)).toEqual({
      HOME: "/home/u",
      PATH: "/usr/bin:/bin",
      LOGNAME: "u",
      TMPDIR: "/tmp",
      LANG: "C.UTF-8",
      FOO_BAR: "f",
      PLAIN: "p",
    });
  });

  it("ignore_default_excludes keeps credentials-looking names", () => {
    expect(shellEnvironment(policy({ ignoreDefaultExcludes: true }), base)).toEqual(base);
  });

  it("inherit = core keeps only the core variables; exclude (case-insensitive) drops, set adds after the excludes", () => {
    const env = shellEnvironment(
      policy({
        inherit: "core",
        exclude: ["h*", "path"],
        set: { MY_TOKEN: "x", EXTRA: "y", home: "h" },
      }),
      { ...base, SHELL: "/bin/bash", USER: "u", USERNAME: "u", TEMP: "/t", TMP: "/t2" },
    );
    expect(env).toEqual({
      LOGNAME: "u",
      TMPDIR: "/tmp",
      SHELL: "/bin/bash",
      USER: "u",
      USERNAME: "u",
      TEMP: "/t",
      TMP: "/t2",
      MY_TOKEN: "x",
      EXTRA: "y",
      home: "h",
    });
  });

  it("inherit = none starts empty; set still applies", () => {
    expect(shellEnvironment(policy({ inherit: "none" }), base)).toEqual({});
    expect(shellEnvironment(policy({ inherit: "none", set: { A: "1" } }), base)).toEqual({ A: "1" });
  });

  it("include_only is applied last, to set entries too", () => {
    const env = shellEnvironment(
      policy({
        ignoreDefaultExcludes: true,
        includeOnly: ["*key*", "PL?IN", "E[X]TRA"],
        set: { EXTRA: "y", OTHER: "o" },
      }),
      base,
    );
    expect(env).toEqual({ MY_API_KEY: "k", KEYBOARD: "kb", PLAIN: "p" });
    expect(
      shellEnvironment(policy({ includeOnly: ["extra", "P*", "*_BA?"], set: { EXTRA: "y" } }), base),
    ).toEqual({ PATH: "/usr/bin:/bin", FOO_BAR: "f", PLAIN: "p", EXTRA: "y" });
  });

  it("include_only cannot bring back a name an exclude dropped", () => {
    expect(shellEnvironment(policy({ includeOnly: ["*TOKEN*", "PLAIN"] }), base)).toEqual({ PLAIN: "p" });
  });

  it("reads the server's own environment when no base is given", () => {
    process.env.CODEX_TS_SHELL_ENV_PROBE = "here";
    process.env.CODEX_TS_SHELL_ENV_TOKEN = "hidden";
    try {
      const env = shellEnvironment(policy());
      expect(env.CODEX_TS_SHELL_ENV_PROBE).toBe("here");
      expect(env.CODEX_TS_SHELL_ENV_TOKEN).toBeUndefined();
    } finally {
      delete process.env.CODEX_TS_SHELL_ENV_PROBE;
      delete process.env.CODEX_TS_SHELL_ENV_TOKEN;
    }
  });
});

describe("commandEnvironment", () => {
  const ws = (network_access: boolean) => ({
    mode: "workspace-write" as const,
    writable_roots: [],
    network_access,
    exclude_tmpdir_env_var: false,
    exclude_slash_tmp: false,
  });

  it("marks commands whose sandbox policy has no network, even past include_only", () => {
    const only = policy({ includeOnly: ["PLAIN"] });
    expect(commandEnvironment(only, { mode: "read-only" }, base)).toEqual({
      PLAIN: "p",
      CODEX_SANDBOX_NETWORK_DISABLED: "1",
    });
    expect(commandEnvironment(only, ws(false), base)).toEqual({
      PLAIN: "p",
      CODEX_SANDBOX_NETWORK_DISABLED: "1",
    });
    expect(commandEnvironment(only, ws(true), base)).toEqual({ PLAIN: "p" });
    expect(commandEnvironment(only, { mode: "danger-full-access" }, base)).toEqual({ PLAIN: "p" });
  });

  it("is what a spawned command sees (env, unconfined)", async () => {
    const result = await runCommand({
      command: ["env"],
      cwd: process.cwd(),
      sandbox: null,
      env: commandEnvironment(
        policy({ inherit: "core", set: { ADDED: "yes" }, exclude: ["home"] }),
        { mode: "danger-full-access" },
        base,
      ),
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split("\n").filter(Boolean).sort()).toEqual([
      "ADDED=yes",
      "LOGNAME=u",
      "PATH=/usr/bin:/bin",
      "TMPDIR=/tmp",
    ]);
  });
});
