import { readFile } from "node:fs/promises";
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
 * - `z.core` (the `export * as core` line of `classic/external.js`, removed below) makes esbuild build core's
 *   namespace object, ~310 getters defined at load, at every start (`__export`). Nothing here reads `z.core` at run
 *   time (only its types, `z.core.$ZodIssue`, which type-checking sees in the real zod); zod's own modules import
 *   core by name, so the bundle's `z.core` is just undefined.
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

/** zod's `z` namespace module, and the line of it that re-exports core's namespace as `z.core`. */
const EXTERNAL_FILE = /[\\/]zod[\\/]v4[\\/]classic[\\/]external\.js$/;
const CORE_NAMESPACE_EXPORT = 'export * as core from "../core/index.js";\n';

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
    build.onLoad({ filter: EXTERNAL_FILE }, async (args) => {
      const source = await readFile(args.path, "utf8");
      // A zod that words it otherwise fails the build, rather than quietly keeping the namespace.
      if (!source.includes(CORE_NAMESPACE_EXPORT))
        throw new Error(`zod-trimmed: ${args.path} no longer has \`${CORE_NAMESPACE_EXPORT.trim()}\``);
      return { contents: source.replace(CORE_NAMESPACE_EXPORT, ""), loader: "js" };
    });
    build.onLoad({ filter: /.*/, namespace: "zod-trimmed" }, (args) => ({
      contents: REPLACEMENTS[Number(args.path.slice("zod-trimmed-".length))]?.contents ?? "",
      resolveDir: args.pluginData as string,
      loader: "js",
    }));
  },
};
