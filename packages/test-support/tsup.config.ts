import { defineConfig } from "tsup";

const entry = ["src/index.ts", "src/vitest-setup.ts", "src/vitest-global-setup.ts"];

export default defineConfig({
  // The tee script runs as a program of its own (a `codex` wrapper's target), so it is built as an entry too.
  entry: [...entry, "src/tee-app-server.ts"],
  format: ["esm"],
  target: "node20",
  platform: "node",
  // vitest is the test runner's own copy (a root devDependency), never bundled.
  external: ["vitest"],
  dts: { entry },
  sourcemap: true,
  clean: true,
});
