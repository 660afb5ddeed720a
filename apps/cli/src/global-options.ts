import { type ConfigOverride, featureOverride, parseOverride } from "@codex-ts/config-loader";
import { type Command, InvalidArgumentError } from "commander";

/** The options every `codex` command accepts, parsed once at the root. */
export interface GlobalOptions {
  /** `-c key=value` overrides followed by `--enable/--disable` ones, in the order given. */
  overrides: ConfigOverride[];
  profile?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds `-c/--config`, `-p/--profile`, `--enable` and `--disable` to the root command. */
export function addGlobalOptions(program: Command): Command {
  return program
    .option(
      "-c, --config <key=value>",
      "override a config value (dotted path; TOML value, else a string)",
      collect,
    )
    .option("-p, --profile <name>", "config profile to use")
    .option("--enable <feature>", "enable a feature (same as -c features.<feature>=true)", collect)
    .option("--disable <feature>", "disable a feature (same as -c features.<feature>=false)", collect);
}

/**
 * Reads the global options as a command module needs them. Call it with the command whose action runs;
 * options given before or after the subcommand name both count.
 */
export function globalOptions(command: Command): GlobalOptions {
  let root = command;
  while (root.parent) root = root.parent;
  const opts = root.opts<{ config?: string[]; profile?: string; enable?: string[]; disable?: string[] }>();
  const overrides: ConfigOverride[] = [];
  for (const raw of opts.config ?? []) {
    try {
      overrides.push(parseOverride(raw));
    } catch (err) {
      throw new InvalidArgumentError(`error parsing -c overrides: ${(err as Error).message}`);
    }
  }
  for (const name of opts.enable ?? []) overrides.push(featureOverride(name, true));
  for (const name of opts.disable ?? []) overrides.push(featureOverride(name, false));
  return { overrides, ...(opts.profile !== undefined ? { profile: opts.profile } : {}) };
}
