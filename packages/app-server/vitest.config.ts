import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // A temp root of the run's own (removed at the end), and per file: temp dirs removed, harness clients stopped
    // and checked against the protocol registry.
    globalSetup: ["@codex-ts/test-support/vitest-global-setup"],
    setupFiles: ["@codex-ts/test-support/vitest-setup"],
    reporters: ["default", "json"],
    outputFile: { json: ".vitest-report.json" },
  },
});
