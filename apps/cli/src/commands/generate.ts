import { execFileSync } from "node:child_process";
import path from "node:path";
import { type Command, Option } from "commander";

/** `--protocol 0.58|0.166` and `--experimental` (0.166 only), shared by both export commands. */
interface ProtocolFlags {
  protocol: "0.58" | "0.166";
  experimental?: boolean;
}

function protocolOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--protocol <generation>", "protocol generation to export")
        .choices(["0.58", "0.166"])
        .default("0.58"),
    )
    .option("--experimental", "with --protocol 0.166: include experimental methods and fields");
}

/** The exporters' options; `--experimental` without `--protocol 0.166` is refused (0.58.0 has no such flag). */
function exportOptions(
  opts: ProtocolFlags,
  command: Command,
): { protocol: "0.58" | "0.166"; experimental: boolean } {
  if (opts.experimental && opts.protocol !== "0.166")
    command.error("error: --experimental applies to --protocol 0.166 only", {
      exitCode: 2,
      code: "commander.invalidArgument",
    });
  return { protocol: opts.protocol, experimental: opts.experimental === true };
}

/**
 * `codex app-server generate-json-schema --out DIR` and `generate-ts --out DIR [--prettier BIN]`, attached under the
 * `app-server` command (registered by its owner first). Writes 0.58.0's layout (per-type files, v1/, v2/ and the
 * bundle), or with `--protocol 0.166 [--experimental]` 0.166.0's for the 0.166 methods this server implements.
 * The exporters are loaded only when one of these commands runs, so the rest of the CLI starts without them.
 */
export function registerGenerate(program: Command): void {
  const appServer = program.commands.find((c) => c.name() === "app-server");
  if (!appServer) throw new Error("registerGenerate: the app-server command must be registered first");
  protocolOptions(
    appServer
      .command("generate-json-schema")
      .description("Write the protocol's JSON Schema (one file per type plus a bundle) into --out")
      .requiredOption("-o, --out <DIR>", "output directory"),
  ).action(async (opts: { out: string } & ProtocolFlags, command: Command) => {
    const options = exportOptions(opts, command);
    const { writeJsonSchemas } = await import("../lazy/protocol.js");
    const files = await writeJsonSchemas(path.resolve(opts.out), options);
    process.stderr.write(`wrote ${files.length} schema files to ${opts.out}\n`);
  });
  protocolOptions(
    appServer
      .command("generate-ts")
      .description("Write the protocol's TypeScript types (one file per type, v2 under v2/) into --out")
      .requiredOption("-o, --out <DIR>", "output directory")
      .option("-p, --prettier <BIN>", "prettier executable to format the output with"),
  ).action(async (opts: { out: string; prettier?: string } & ProtocolFlags, command: Command) => {
    const options = exportOptions(opts, command);
    const dir = path.resolve(opts.out);
    const { writeTypeScript } = await import("../lazy/protocol.js");
    const files = await writeTypeScript(dir, options);
    if (opts.prettier)
      execFileSync(opts.prettier, ["--write", "--log-level", "warn", dir], { stdio: "inherit" });
    process.stderr.write(`wrote ${files.length} TypeScript files to ${opts.out}\n`);
  });
}
