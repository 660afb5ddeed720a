import { execFileSync } from "node:child_process";
import path from "node:path";
import type { Command } from "commander";

/**
 * `codex app-server generate-json-schema --out DIR` and `generate-ts --out DIR [--prettier BIN]`, attached under the `app-server` command (registered by
 * its owner first). Writes 0.58.0's layout: per-type files, v1/, v2/ and the bundle. The exporters are loaded only
 * when one of these commands runs, so the rest of the CLI starts without them.
 */
export function registerGenerate(program: Command): void {
  const appServer = program.commands.find((c) => c.name() === "app-server");
  if (!appServer) throw new Error("registerGenerate: the app-server command must be registered first");
  appServer
    .command("generate-json-schema")
    .description("Write the protocol's JSON Schema (one file per type plus a bundle) into --out")
    .requiredOption("-o, --out <DIR>", "output directory")
    .action(async (opts: { out: string }) => {
      const { writeJsonSchemas } = await import("@codex-ts/app-server-protocol");
      const files = await writeJsonSchemas(path.resolve(opts.out));
      process.stderr.write(`wrote ${files.length} schema files to ${opts.out}\n`);
    });
  appServer
    .command("generate-ts")
    .description("Write the protocol's TypeScript types (one file per type, v2 under v2/) into --out")
    .requiredOption("-o, --out <DIR>", "output directory")
    .option("-p, --prettier <BIN>", "prettier executable to format the output with")
    .action(async (opts: { out: string; prettier?: string }) => {
      const dir = path.resolve(opts.out);
      const { writeTypeScript } = await import("@codex-ts/app-server-protocol");
      const files = await writeTypeScript(dir);
      if (opts.prettier)
        execFileSync(opts.prettier, ["--write", "--log-level", "warn", dir], { stdio: "inherit" });
      process.stderr.write(`wrote ${files.length} TypeScript files to ${opts.out}\n`);
    });
}
