import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "demo-client": "examples/demo-client.ts",
    "demo-two-clients": "examples/demo-two-clients.ts",
  },
  format: ["esm"],
  target: "node20",
  platform: "node",
  // The examples run against the built client (its WebSocket transport is CommonJS `ws`, which an ESM bundle
  // cannot inline).
  external: ["@codex-ts/app-server-client"],
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
});
