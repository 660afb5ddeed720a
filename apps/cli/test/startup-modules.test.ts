import { spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, expect, it } from "vitest";

/**
 * What `codex app-server` has loaded when it answers `initialize`: none of the Node modules only some requests use
 * (a login's or an OAuth callback's HTTP listener, the WebSocket listener's TLS, feedback's ZIP writer and its
 * worker threads). Each costs start-up time and memory of every editor's spawn (app-server README, "Start-up").
 */
const bin = fileURLToPath(new URL("../dist/codex.cjs", import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await tempDir("codex-startup-modules-");
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

it("answers initialize without loading http, tls, zlib or worker_threads", async () => {
  const home = path.join(dir, "home");
  await fs.mkdir(home);
  const out = path.join(dir, "modules.txt");
  const preload = path.join(dir, "record-modules.cjs");
  await fs.writeFile(
    preload,
    `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(out)}, process.moduleLoadList.join("\\n")));\n`,
  );
  const initialize = { id: 0, method: "initialize", params: { clientInfo: { name: "t", version: "1" } } };
  const run = spawnSync(process.execPath, ["-r", preload, bin, "app-server"], {
    input: `${JSON.stringify(initialize)}\n`,
    env: { PATH: process.env.PATH ?? "", HOME: home, CODEX_HOME: home, CODEX_TS_CODE_CACHE: "0" },
    cwd: dir,
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(run.stdout).toContain('"userAgent"');
  const loaded = (await fs.readFile(out, "utf8")).split("\n");
  expect(loaded).toContain("NativeModule child_process");
  for (const module of ["http", "https", "tls", "zlib", "worker_threads"])
    expect(loaded, module).not.toContain(`NativeModule ${module}`);
}, 60_000);
