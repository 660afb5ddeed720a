import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CLI_MAIN, responses, tempDir, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * `@codex-ts/app-server-client` as a user gets it: packed (with the protocol package) into tarballs, installed
 * offline into a fresh npm project, its README example type-checked under `strict` and run against our built
 * server and the mock model (a turn whose shell command the example approves).
 */
const exec = promisify(execFile);
/** Runs a command; a failure says what it printed. */
async function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  try {
    return await exec(command, args, options);
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const CLIENT = path.join(ROOT, "packages/app-server-client");
const PROTOCOL = path.join(ROOT, "packages/app-server-protocol");
const TSC = path.join(ROOT, "node_modules/typescript/bin/tsc");
const suite = useAppServerSuite();

/** The README's example: the first `ts` block under "## Example". */
async function readmeExample(): Promise<string> {
  const readme = await fs.readFile(path.join(CLIENT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Example"));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error("no ts block under ## Example in the client README");
  return block;
}

/** A package directory of the workspace's store as an npm tarball (`package/` prefix), for an offline install. */
async function tarDirectory(linked: string, into: string): Promise<string> {
  const dir = await fs.realpath(linked);
  const name = path.basename(dir);
  const file = path.join(into, `${name}.tgz`);
  await run("tar", [
    "czf",
    file,
    "--hard-dereference",
    "-C",
    path.dirname(dir),
    "--transform",
    `s,^${name},package,`,
    name,
  ]);
  return file;
}

const MISTAKES = `import { AppServerClient, protocol0166 } from "@codex-ts/app-server-client";
declare const client: AppServerClient;
declare const modern: AppServerClient<typeof protocol0166>;
// @ts-expect-error not a method of 0.58.0
void client.request("no/such/method");
// @ts-expect-error approvalPolicy is one of four words
void client.request("thread/start", { approvalPolicy: "sometimes" });
// @ts-expect-error turn/start needs its input
void client.request("turn/start", { threadId: "t" });
// @ts-expect-error v1 methods are not part of 0.166
void modern.request("newConversation", {});
client.on("item/agentMessage/delta", (p) => {
  // @ts-expect-error a delta is text
  const n: number = p.delta;
  void n;
});
// @ts-expect-error decisions are approve, approveForSession, decline, cancel
client.onApproval(() => "approved");
`;

describe.skipIf(!existsSync(path.join(CLIENT, "dist/index.js")) || !existsSync(CLI_MAIN))(
  "the packed client in a fresh npm project",
  () => {
    it("installs offline from the tarballs, type-checks the README example under strict, and runs it", {
      timeout: 180_000,
    }, async () => {
      const packs = await tempDir("codex-client-packs-");
      for (const pkg of [PROTOCOL, CLIENT])
        await run("pnpm", ["pack", "--pack-destination", packs], { cwd: pkg });
      const tarballs = (await fs.readdir(packs)).map((f) => path.join(packs, f));
      expect(tarballs.map((t) => path.basename(t)).sort()).toEqual([
        "codex-ts-app-server-client-0.1.0.tgz",
        "codex-ts-app-server-protocol-0.1.0.tgz",
      ]);
      // zod and ws (the protocol's dependencies; the client's WebSocket transport is ws too) and Node's types come
      // from the workspace's store, not a registry.
      const typesNode = await fs.realpath(path.join(ROOT, "node_modules/@types/node"));
      for (const dir of [
        path.join(PROTOCOL, "node_modules/zod"),
        path.join(PROTOCOL, "node_modules/ws"),
        typesNode,
        path.join(typesNode, "../../undici-types"),
      ])
        tarballs.push(await tarDirectory(dir, packs));

      const project = await tempDir("codex-client-project-");
      await fs.writeFile(
        path.join(project, "package.json"),
        JSON.stringify({ name: "readme-example", private: true, type: "module" }),
      );
      await run(
        "npm",
        [
          "install",
          "--offline",
          "--no-audit",
          "--no-fund",
          "--cache",
          path.join(project, ".npm-cache"),
          ...tarballs,
        ],
        {
          cwd: project,
        },
      );
      const installed = JSON.parse(
        await fs.readFile(
          path.join(project, "node_modules/@codex-ts/app-server-client/package.json"),
          "utf8",
        ),
      );
      expect(installed.dependencies).toEqual({ "@codex-ts/app-server-protocol": "0.1.0", ws: "8.23.0" });

      await fs.writeFile(path.join(project, "example.ts"), await readmeExample());
      // Mistakes the types must catch (were they \`any\`, each @ts-expect-error would be unused, itself an error).
      await fs.writeFile(path.join(project, "mistakes.ts"), MISTAKES);
      await fs.writeFile(
        path.join(project, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            target: "ES2022",
            module: "NodeNext",
            moduleResolution: "NodeNext",
            types: ["node"],
            // As most projects have it: zod's own .d.cts files do not pass a library check.
            skipLibCheck: true,
            outDir: "out",
          },
          files: ["example.ts", "mistakes.ts"],
        }),
      );
      await run(process.execPath, [TSC, "-p", project]);

      // `codex` on PATH is our built CLI; CODEX_HOME points at the mock model; the turn runs in `work`.
      const bin = await tempDir("codex-client-bin-");
      await fs.writeFile(
        path.join(bin, "codex"),
        `#!/bin/sh\nexec "${process.execPath}" "${CLI_MAIN}" "$@"\n`,
        {
          mode: 0o755,
        },
      );
      const home = await suite.home({ toml: 'sandbox_mode = "workspace-write"' });
      const work = await suite.workdir();
      suite.mock.enqueue(
        responses.turn(responses.functionCall("shell", { command: ["touch", "hello.txt"] }, "call_hello")),
        responses.turn(responses.message("Made hello.txt.")),
      );
      const { stdout } = await run(process.execPath, [path.join(project, "out/example.js")], {
        cwd: work,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CODEX_HOME: home },
      });
      const lines = stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^connected to codex_cli_rs\/0\.58\.0 .*\(readme-example; 1\.0\.0\)$/);
      expect(lines).toContainEqual(
        expect.stringMatching(/^approving a command: .*"command":\["touch","hello\.txt"\]/),
      );
      expect(lines).toContain("commandExecution done");
      expect(lines).toContain("agentMessage done");
      const streamed = lines.filter((l) => l.startsWith("model: ")).map((l) => l.slice("model: ".length));
      expect(streamed.join("")).toBe("Made hello.txt.");
      expect(lines.at(-2)).toBe("turn completed");
      expect(lines.at(-1)).toBe("server exited with { code: 0, signal: null }");
      expect(existsSync(path.join(work, "hello.txt"))).toBe(true);
    });
  },
);
