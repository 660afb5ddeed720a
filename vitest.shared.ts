import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Every package's vitest config. Each run gets a temp root of its own (`TMPDIR`, removed at the end with a report of
 * anything left in it; test-support's global setup, loaded from source as it needs no build). With `harness`, each
 * test file also runs test-support's setup: the temp dirs made by `tempDir` removed and the app servers the harness
 * started stopped after the file, every message they received checked against the protocol registry after each
 * test. `harness` is "package" for packages that depend on @codex-ts/test-support, "source" for test-support itself,
 * and false for the packages below it (the protocol and the client).
 */
export function codexTestConfig(harness: "package" | "source" | false) {
  const setup =
    harness === "package"
      ? ["@codex-ts/test-support/vitest-setup"]
      : harness === "source"
        ? ["./src/vitest-setup.ts"]
        : [];
  return defineConfig({
    test: {
      include: ["test/**/*.test.ts"],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      globalSetup: [path.join(here, "packages/test-support/src/vitest-global-setup.ts")],
      setupFiles: setup,
      reporters: ["default", "json"],
      outputFile: { json: ".vitest-report.json" },
    },
  });
}
