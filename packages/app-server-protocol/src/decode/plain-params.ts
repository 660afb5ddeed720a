import { z } from "zod";
import {
  ThreadItemsListParams,
  ThreadListParams,
  ThreadReadParams,
  ThreadTurnsListParams,
} from "../schema/gen-0166.js";
import { hintOf } from "./serde-hints.js";

/**
 * A first decode without zod for the params of the methods an editor sends right after spawn (listing and
 * reading stored threads). Building a params schema and running zod's first parse of it is ~0.5 ms of an editor's
 * first `thread/list` after spawn (the 0.166 `ThreadListParams` is ~50 zod schemas: three per
 * `.nullable().optional()` field), most of that request's decode. Params made only of the plain values these
 * methods take (strings, booleans, u32s, enum strings, arrays of strings or enum strings, nulls where the field is
 * nullable) are checked here against a table of the schema's fields and copied out as zod would give them; anything
 * else — an unknown or a missing required field, a value of another type, a field the table cannot check — returns
 * null and the request goes through zod, which stays the source of truth for validation and for every error's
 * words. The table is checked against the zod schema it stands for (`plainFieldsOf`, test/plain-params.test.ts), and
 * outputs are compared with zod's over generated inputs there.
 */

/** What a field's value must be: a JSON type, an enum's strings, or `other` (a kind the table does not check). */
export type PlainLeaf = "string" | "boolean" | "u32" | "other" | readonly string[];

export interface PlainField {
  readonly leaf: PlainLeaf;
  /** The value is an array of `leaf` values. */
  readonly array: boolean;
  readonly nullable: boolean;
  readonly optional: boolean;
}

export type PlainFields = Readonly<Record<string, PlainField>>;

const field = (leaf: PlainLeaf, array = false, nullable = true, optional = true): PlainField => ({
  leaf,
  array,
  nullable,
  optional,
});
const required = (leaf: PlainLeaf): PlainField => field(leaf, false, false, false);
const SORT_DIRECTION = ["asc", "desc"] as const;
const TURN_ITEMS_VIEW = ["notLoaded", "summary", "full"] as const; // a union of one-value enums

/** The plain fields of each params schema decoded here, in the schema's order (zod's output order). */
export const PLAIN_PARAMS = new Map<object, PlainFields>([
  [
    ThreadListParams,
    {
      ancestorThreadId: field("string"),
      archived: field("boolean"),
      attachedToThreadId: field("string"),
      cursor: field("string"),
      cwd: field("other"),
      excludedThreadIds: field("string", true),
      limit: field("u32"),
      modelProviders: field("string", true),
      originators: field("string", true),
      parentThreadId: field("string"),
      projectId: field("string"),
      searchTerm: field("string"),
      sectionId: field("string"),
      sortDirection: field(SORT_DIRECTION),
      sortKey: field(["created_at", "updated_at", "recency_at", "section_position"]),
      sourceKinds: field(
        [
          "cli",
          "vscode",
          "exec",
          "appServer",
          "subAgent",
          "subAgentReview",
          "subAgentCompact",
          "subAgentThreadSpawn",
          "subAgentOther",
          "unknown",
        ],
        true,
      ),
      useStateDbOnly: field("boolean", false, false, true),
    },
  ],
  [ThreadReadParams, { includeTurns: field("boolean", false, false, true), threadId: required("string") }],
  [
    ThreadTurnsListParams,
    {
      cursor: field("string"),
      itemsView: field(TURN_ITEMS_VIEW),
      limit: field("u32"),
      sortDirection: field(SORT_DIRECTION),
      threadId: required("string"),
    },
  ],
  [
    ThreadItemsListParams,
    {
      cursor: field("other"),
      limit: field("u32"),
      sortDirection: field(SORT_DIRECTION),
      threadId: required("string"),
      turnId: field("string"),
    },
  ],
]);

const U32_MAX = 4_294_967_295;

function leafHolds(leaf: PlainLeaf, v: unknown): boolean {
  if (leaf === "string") return typeof v === "string";
  if (leaf === "boolean") return typeof v === "boolean";
  if (leaf === "u32") return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= U32_MAX;
  if (leaf === "other") return false;
  return typeof v === "string" && leaf.includes(v);
}

/**
 * `value` decoded with the plain fields of `schema` (`PLAIN_PARAMS`): what zod's parse would output (the known
 * fields, in the schema's order; arrays copied), or null when this check cannot vouch for it — then zod decodes.
 */
export function plainDecode(schema: object, value: unknown): { value: Record<string, unknown> } | null {
  const fields = PLAIN_PARAMS.get(schema);
  if (!fields || typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) if (!Object.hasOwn(fields, key)) return null;
  const out: Record<string, unknown> = {};
  for (const key in fields) {
    const f = fields[key] as PlainField;
    if (!Object.hasOwn(input, key)) {
      if (!f.optional) return null;
      continue;
    }
    const v = input[key];
    if (v === null) {
      if (!f.nullable) return null;
      out[key] = null;
    } else if (f.array) {
      if (!Array.isArray(v)) return null;
      for (const item of v) if (!leafHolds(f.leaf, item)) return null;
      out[key] = v.slice();
    } else {
      if (!leafHolds(f.leaf, v)) return null;
      out[key] = v;
    }
  }
  return { value: out };
}

/**
 * The plain fields of a zod object schema as `PLAIN_PARAMS` writes them (for the test that keeps the table and the
 * schemas in step): each field's optional and nullable wrappers, and its leaf when it is an unchecked string, a
 * boolean, a u32 (by its serde hint), a string enum (or a union of them) or an array of one of those; `other` for
 * anything else.
 */
export function plainFieldsOf(schema: z.ZodObject): PlainFields {
  const out: Record<string, PlainField> = {};
  for (const [key, s] of Object.entries(schema.shape)) {
    let inner = s as z.ZodType;
    let optional = false;
    let nullable = false;
    for (;;) {
      if (inner instanceof z.ZodOptional) optional = true;
      else if (inner instanceof z.ZodNullable) nullable = true;
      else break;
      inner = inner.unwrap() as z.ZodType;
    }
    const arrayOf = inner instanceof z.ZodArray && !inner._zod.def.checks?.length ? inner.element : null;
    const leaf = leafOf((arrayOf ?? inner) as z.ZodType);
    out[key] = { leaf, array: arrayOf !== null && leaf !== "other", nullable, optional };
  }
  return out;
}

function leafOf(s: z.ZodType): PlainLeaf {
  if (s instanceof z.ZodString && !s._zod.def.checks?.length) return "string";
  if (s instanceof z.ZodBoolean) return "boolean";
  if (s instanceof z.ZodNumber && hintOf(s)?.expecting === "u32") return "u32";
  if (s instanceof z.ZodEnum && s.options.every((o) => typeof o === "string")) return s.options as string[];
  if (s instanceof z.ZodUnion) {
    const leaves = s.options.map((o) => leafOf(o as z.ZodType));
    if (leaves.every((l) => Array.isArray(l))) return leaves.flat() as string[];
  }
  return "other";
}
