import { defineConfig } from "tsup";
import { lazyGeneratedSchemas } from "./build/lazy-generated-schemas.js";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  target: "node20",
  platform: "node",
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
  // The generated 0.166 definitions are built on first use, like the hand-written ones (see the plugin).
  esbuildPlugins: [lazyGeneratedSchemas],
});
