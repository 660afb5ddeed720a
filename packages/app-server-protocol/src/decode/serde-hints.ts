import { z } from "zod";

/**
 * What serde would say about a value of one schema, where the schema alone cannot tell: the Rust type behind a
 * JSON string or number (`u32`, `path string`, `a UUID string`), the name of a struct or enum, the declaration
 * order of a struct's fields (JSON Schema sorts them; serde reads positional params and reports the first missing
 * field in declaration order). Kept beside the schemas, so the exported JSON Schema is untouched by it.
 */
export interface SerdeHint {
  /** serde's "expected …" text for this schema's values: `u32`, `a UUID string`, `struct ClientInfo`, … */
  readonly expecting?: string;
  /** A struct's fields in Rust declaration order. */
  readonly fields?: readonly string[];
  /** "expected …" texts of a struct's fields whose schema is shared (a `PathBuf` is a plain string on the wire). */
  readonly fieldExpecting?: Readonly<Record<string, string>>;
  /** An untagged enum (serde tries each variant): any mismatch is `data did not match any variant of …`. */
  readonly untagged?: boolean;
  /** An adjacently tagged enum (`{type, data}`): its tag is read as a plain enum, not as a variant identifier. */
  readonly adjacent?: boolean;
}

const hints = new WeakMap<z.ZodType, SerdeHint>();

/** Adds to a schema's hint (later calls refine earlier ones). Returns the schema. */
export function serdeHint<S extends z.ZodType>(schema: S, hint: SerdeHint): S {
  hints.set(schema, { ...hints.get(schema), ...hint });
  return schema;
}

/** Registrations waiting for the first read of a hint (`deferHints`). */
const pending: (() => void)[] = [];

/**
 * Runs `register` before the first hint is read, instead of now. A generation's registrations name and order every
 * schema it has, which only the words for a malformed request need (and a server may never see one): deferred,
 * that walk is off a server's start. Registrations run in the order they were deferred.
 */
export function deferHints(register: () => void): void {
  pending.push(register);
}

export function hintOf(schema: z.ZodType | undefined): SerdeHint | undefined {
  for (let register = pending.shift(); register; register = pending.shift()) register();
  return schema ? hints.get(schema) : undefined;
}

/**
 * Names every schema a module exports as serde names the Rust type behind it: objects are `struct <Name>`, unions
 * of objects told apart by a tag field `internally tagged enum <Name>`. Explicit hints given before win.
 */
export function nameDefinitions(definitions: Readonly<Record<string, unknown>>): void {
  for (const [name, value] of Object.entries(definitions)) {
    if (!isSchema(value) || hints.get(value)?.expecting) continue;
    const kind = kindOf(value);
    if (kind) serdeHint(value, { expecting: `${kind} ${name}` });
  }
}

function isSchema(v: unknown): v is z.ZodType {
  return v instanceof z.ZodType;
}

function kindOf(schema: z.ZodType): string | null {
  if (schema instanceof z.ZodObject) return "struct";
  if (schema instanceof z.ZodUnion && schema.options.every((o) => o instanceof z.ZodObject))
    return "internally tagged enum";
  return null;
}
