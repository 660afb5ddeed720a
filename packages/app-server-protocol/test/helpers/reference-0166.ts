import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const REPO = join(__dirname, "..", "..", "..", "..");

/** The native codex 0.166.0 (`$CODEX_0166_BIN`, else the repo's `.cache` copy scripts/test-all.sh installs). */
export const CODEX_0166_BIN = [
  process.env.CODEX_0166_BIN,
  join(
    REPO,
    ".cache/codex-0.166.0/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex",
  ),
].find((p): p is string => !!p && existsSync(p));

/** 0.166.0's stored `generate-json-schema --experimental` output (`.cache/schema-0.166`), if present. */
export const STORED_SCHEMA_0166 = [
  process.env.CODEX_REFERENCE_0166_SCHEMA,
  join(REPO, ".cache/schema-0.166"),
].find((p): p is string => !!p && existsSync(join(p, "codex_app_server_protocol.schemas.json")));

/**
 * Runs `codex app-server <command> [--experimental] --out <work>/<out>` with 0.166.0, offline: a CODEX_HOME under
 * `work` with plugins and analytics off (else it fetches plugin catalogues at start), proxies at a closed port.
 */
export function run0166Export(
  work: string,
  command: "generate-json-schema" | "generate-ts",
  experimental: boolean,
  out: string,
): string {
  if (!CODEX_0166_BIN) throw new Error("codex 0.166.0 is not installed (CODEX_0166_BIN)");
  const home = join(work, "home");
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, "config.toml"), "[features]\nplugins = false\n[analytics]\nenabled = false\n");
  const blocked = "http://127.0.0.1:9";
  const dir = join(work, out);
  execFileSync(
    CODEX_0166_BIN,
    ["app-server", command, ...(experimental ? ["--experimental"] : []), "--out", dir],
    {
      env: {
        PATH: process.env.PATH,
        HOME: work,
        CODEX_HOME: home,
        HTTPS_PROXY: blocked,
        HTTP_PROXY: blocked,
      },
      stdio: "ignore",
    },
  );
  return dir;
}
