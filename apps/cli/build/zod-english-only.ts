import type { Options } from "tsup";

type Plugin = NonNullable<Options["esbuildPlugins"]>[number];

/**
 * zod's `z.locales` namespace re-exports the messages of ~40 languages (370 KB, half of the bundled zod) that V8
 * would parse at every start of the binary. Nothing here selects a locale: zod's default is English, which it
 * imports from `locales/en.js` directly. So inside zod the locale index resolves to one that offers English only
 * (`z.locales.en` still works; any other `z.locales.xx` is undefined).
 */
export const zodEnglishOnly: Plugin = {
  name: "zod-english-only",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]zod[\\/]v4[\\/](classic|core|mini)[\\/]/.test(args.importer)) return undefined;
      return { path: "zod-locales-english-only", namespace: "zod-english-only", pluginData: args.resolveDir };
    });
    build.onLoad({ filter: /.*/, namespace: "zod-english-only" }, (args) => ({
      contents: 'export { default as en } from "../locales/en.js";',
      resolveDir: args.pluginData as string,
      loader: "js",
    }));
  },
};
