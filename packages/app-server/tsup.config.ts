import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "demo-client": "examples/demo-client.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
});
