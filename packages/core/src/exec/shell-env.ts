import type { SandboxPolicy, ShellEnvironmentPolicy } from "@codex-ts/config-loader";

/** What `inherit = "core"` keeps from the server's environment. */
export const CORE_ENV_VARS: readonly string[] = [
  "HOME",
  "LOGNAME",
  "PATH",
  "SHELL",
  "USER",
  "USERNAME",
  "TMPDIR",
  "TEMP",
  "TMP",
];

/** Names dropped unless `ignore_default_excludes = true`: they usually hold credentials. */
export const DEFAULT_ENV_EXCLUDES: readonly string[] = ["*KEY*", "*SECRET*", "*TOKEN*"];

/** Set (to "1") in a command's environment when its sandbox policy cuts network access, as 0.58.0 does. */
export const NETWORK_DISABLED_ENV_VAR = "CODEX_SANDBOX_NETWORK_DISABLED";

const compiled = new Map<string, RegExp>();

/**
 * Whether a variable name matches a policy pattern. Patterns are wildcards in the style 0.58.0 accepts: `*` is any
 * run of characters, `?` exactly one, everything else (brackets included) is literal; the match ignores case.
 */
export function envNameMatches(pattern: string, name: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    const body = Array.from(pattern, (ch) =>
      ch === "*" ? "[\\s\\S]*" : ch === "?" ? "[\\s\\S]" : ch.replace(/[\\^$.|+()[\]{}/-]/g, "\\$&"),
    ).join("");
    re = new RegExp(`^${body}$`, "iu");
    compiled.set(pattern, re);
  }
  return re.test(name);
}

const matchesAny = (name: string, patterns: readonly string[]) =>
  patterns.some((p) => envNameMatches(p, name));

/**
 * The environment a spawned command gets under `shell_environment_policy`, in 0.58.0's order:
 * 1. start from `inherit` (all of `base`, only the core variables, or nothing);
 * 2. drop names matching *KEY* / *SECRET* / *TOKEN* unless `ignore_default_excludes`;
 * 3. drop names matching any `exclude` pattern;
 * 4. add / override the `set` entries (so `set` may re-add a name steps 2–3 dropped);
 * 5. when `include_only` is non-empty, keep only names matching one of its patterns (this applies to `set`
 *    entries too).
 */
export function shellEnvironment(
  policy: ShellEnvironmentPolicy,
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  let vars = Object.entries(base).filter((e): e is [string, string] => typeof e[1] === "string");
  if (policy.inherit === "none") vars = [];
  else if (policy.inherit === "core") vars = vars.filter(([name]) => CORE_ENV_VARS.includes(name));
  if (!policy.ignoreDefaultExcludes) vars = vars.filter(([name]) => !matchesAny(name, DEFAULT_ENV_EXCLUDES));
  if (policy.exclude.length > 0) vars = vars.filter(([name]) => !matchesAny(name, policy.exclude));
  const env: Record<string, string> = Object.fromEntries(vars);
  for (const [name, value] of Object.entries(policy.set)) env[name] = value;
  if (policy.includeOnly.length > 0) {
    for (const name of Object.keys(env)) if (!matchesAny(name, policy.includeOnly)) delete env[name];
  }
  return env;
}

/**
 * The environment for a command run for the model or a client: the policy's variables plus
 * `CODEX_SANDBOX_NETWORK_DISABLED=1` when the sandbox policy has no network (added after the policy, so
 * `include_only` does not remove it — observed in 0.58.0). The marker follows the turn's policy rather than
 * whether one particular run is confined, since 0.58.0 derives it from the policy.
 */
export function commandEnvironment(
  policy: ShellEnvironmentPolicy,
  sandbox: SandboxPolicy,
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env = shellEnvironment(policy, base);
  const network =
    sandbox.mode === "danger-full-access" || (sandbox.mode === "workspace-write" && sandbox.network_access);
  if (!network) env[NETWORK_DISABLED_ENV_VAR] = "1";
  return env;
}
