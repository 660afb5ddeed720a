import type { Options } from "tsup";

type Plugin = NonNullable<Options["esbuildPlugins"]>[number];

/** A module of zod's that the bundle replaces: the import zod writes, and what the bundle gets instead. */
interface Replacement {
  /** The specifier as zod's own files import it. */
  specifier: string;
  contents: string;
}

/**
 * Parts of zod that nothing here uses, replaced in the bundle (the workspace packages and their tests still see
 * the whole of zod):
 * - `z.locales` re-exports the messages of ~40 languages (370 KB, half of the bundled zod) that V8 would parse at
 *   every start. Nothing selects a locale: zod's default is English, which it imports from `locales/en.js`
 *   directly. The locale index offers English only (`z.locales.en` still works; any other is undefined).
 * - `z.fromJSONSchema` (JSON Schema → zod) builds, when zod loads, an object spread from two of zod's namespaces
 *   (~210 getters read, ~1 ms of every start). The bundle's `z.fromJSONSchema` says it is not included.
 */
const REPLACEMENTS: readonly Replacement[] = [
  { specifier: "../locales/index.js", contents: 'export { default as en } from "../locales/en.js";' },
  {
    specifier: "./from-json-schema.js",
    contents: [
      "export function fromJSONSchema() {",
      '  throw new Error("z.fromJSONSchema is not included in the codex bundle");',
      "}",
    ].join("\n"),
  },
];

const ZOD_FILE = /[\\/]zod[\\/]v4[\\/](classic|core|mini)[\\/]/;

export const zodTrimmed: Plugin = {
  name: "zod-trimmed",
  setup(build) {
    for (const [index, { specifier }] of REPLACEMENTS.entries()) {
      const exact = new RegExp(`^${specifier.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`);
      build.onResolve({ filter: exact }, (args) => {
        if (!ZOD_FILE.test(args.importer)) return undefined;
        return { path: `zod-trimmed-${index}`, namespace: "zod-trimmed", pluginData: args.resolveDir };
      });
    }
    build.onLoad({ filter: /.*/, namespace: "zod-trimmed" }, (args) => ({
      contents: REPLACEMENTS[Number(args.path.slice("zod-trimmed-".length))]?.contents ?? "",
      resolveDir: args.pluginData as string,
      loader: "js",
    }));
  },
};
