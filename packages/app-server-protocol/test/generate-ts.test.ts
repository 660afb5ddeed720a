import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTypeScript } from "../src/index.js";

const require = createRequire(import.meta.url);

describe("writeTypeScript", () => {
  const out = mkdtempSync(join(tmpdir(), "proto-ts-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("writes one file per type and the output type-checks with tsc", async () => {
    const files = await writeTypeScript(out);
    expect(files).toContain("EventMsg.ts");
    expect(files).toContain("v2/Thread.ts");
    expect(readFileSync(join(out, "index.ts"), "utf8")).toContain('export * as v2 from "./v2";');
    expect(readFileSync(join(out, "TokenUsage.ts"), "utf8")).toContain("input_tokens: number");
    writeFileSync(
      join(out, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: "esnext", moduleResolution: "bundler" },
        include: ["**/*.ts"],
      }),
    );
    const tsc = join(require.resolve("typescript/package.json"), "..", "bin", "tsc");
    execFileSync(process.execPath, [tsc, "-p", out], { stdio: "pipe" });
  }, 120_000);
});
