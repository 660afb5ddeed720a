import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  // Runtime-neutral except the stdio transport, which loads node:child_process on first use.
  target: "es2022",
  platform: "neutral",
  external: ["@codex-ts/app-server-protocol", "node:child_process"],
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
});
