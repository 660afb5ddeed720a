import { defineConfig } from "tsup";

export default defineConfig({
  // The tee script runs as a program of its own (a `codex` wrapper's target), so it is built as a second entry.
  entry: ["src/index.ts", "src/tee-app-server.ts"],
  format: ["esm"],
  target: "node20",
  platform: "node",
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
});
