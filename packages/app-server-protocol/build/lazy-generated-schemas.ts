import { readFile } from "node:fs/promises";
import type { Options } from "tsup";

type Plugin = NonNullable<Options["esbuildPlugins"]>[number];

/** The generated definition files, kept as the generator wrote them (eager `export const X = z.…;`). */
const GENERATED = /[\\/]src[\\/]schema[\\/]gen-0166\.ts$/;

/**
 * `src/schema/gen-0166.ts` is generated from codex 0.166.0's schema export and holds ~290 zod definitions written
 * eagerly, as the generator emits them. Built at module load they cost ~20 ms of every start of the CLI, although
 * a session decodes a handful. In the build, each `export const X = <expression>;` becomes
 * `export const X = lazySchema(() => <expression>);`, as the hand-written v1/v2 definitions are: built on first
 * use. The source stays the generator's output (diffs against a regenerated file stay readable), its types are the
 * same (`lazySchema` returns its schema's type), and tests that import the source see the same schemas, only
 * built sooner.
 */
export const lazyGeneratedSchemas: Plugin = {
  name: "lazy-generated-schemas",
  setup(build) {
    build.onLoad({ filter: GENERATED }, async (args) => ({
      contents: lazifyDefinitions(await readFile(args.path, "utf8"), args.path),
      loader: "ts",
    }));
  },
};

/** Definitions the rewrite wraps: a `z.` expression or a call of a helper (`u32()`, `i64()`…). */
const DEFINITION = /^export const (\w+) = (?=z\.|[a-z]\w*\()/gm;
const IMPORT_LAZY = 'import { lazySchema } from "./lazy-schema.js";\n';

/** Wraps every schema definition of a generated file in `lazySchema(() => …)`; throws on what it cannot parse. */
export function lazifyDefinitions(source: string, file: string): string {
  let out = IMPORT_LAZY;
  let from = 0;
  for (let match = DEFINITION.exec(source); match; match = DEFINITION.exec(source)) {
    const start = match.index + match[0].length;
    const end = statementEnd(source, start, file);
    out += `${source.slice(from, start)}lazySchema(() => ${source.slice(start, end)})`;
    from = end;
    DEFINITION.lastIndex = end;
  }
  return out + source.slice(from);
}

/** The index of the `;` that ends the expression starting at `start` (outside strings, comments and brackets). */
function statementEnd(source: string, start: number, file: string): number {
  let depth = 0;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === "'" || c === "`") {
      for (i++; i < source.length && source[i] !== c; i++) if (source[i] === "\\") i++;
    } else if (c === "/" && source[i + 1] === "/") {
      i = source.indexOf("\n", i);
      if (i < 0) break;
    } else if (c === "/" && source[i + 1] === "*") {
      i = source.indexOf("*/", i);
      if (i < 0) break;
      i++;
    } else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === ";" && depth === 0) return i;
  }
  throw new Error(`lazy-generated-schemas: no end found for the definition at offset ${start} of ${file}`);
}
