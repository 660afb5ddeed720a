import { z } from "zod";
import { serdeHint } from "../decode/serde-hints.js";
import { parseUuid } from "../decode/uuid.js";

/** The range of each Rust integer type the protocol uses (JSON numbers beyond 2^53 are not integers to zod). */
const RUST_INTEGERS = {
  u8: [0, 255],
  u16: [0, 65_535],
  u32: [0, 4_294_967_295],
  u64: [0, Number.MAX_SAFE_INTEGER],
  usize: [0, Number.MAX_SAFE_INTEGER],
  i8: [-128, 127],
  i16: [-32_768, 32_767],
  i32: [-2_147_483_648, 2_147_483_647],
  i64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
} as const;

export type RustInteger = keyof typeof RUST_INTEGERS;

/**
 * A JSON number that must fit the Rust integer type `name`; a value out of range fails the decode and reads as
 * serde says it (`invalid value: integer \`-1\`, expected u32`). The range check is a refinement, so the exported
 * JSON Schema stays the reference's (an integer with its minimum).
 */
export function rustInteger(name: RustInteger) {
  const [min, max] = RUST_INTEGERS[name];
  const base = min === 0 ? z.number().int().nonnegative() : z.number().int();
  return serdeHint(
    base.refine((v) => v >= min && v <= max),
    { expecting: name },
  );
}

export const u32 = () => rustInteger("u32");
export const u64 = () => rustInteger("u64");
export const usize = () => rustInteger("usize");
export const i64 = () => rustInteger("i64");
export const i32 = () => rustInteger("i32");
export const u16 = () => rustInteger("u16");

/**
 * A string that must parse as a UUID (Rust `Uuid` / Codex's `ConversationId`); the decoded value is the canonical
 * lower-case hyphenated form. A malformed one fails with the `uuid` crate's words, after `prefix`; a value of another
 * type reads `expected <expecting>`. (A `Uuid` field says `UUID parsing failed: …` / `a UUID string`, Codex's
 * `ConversationId`, a string parsed after decoding, nothing / `a string`.)
 */
export function uuidString(prefix = "", expecting = "a string") {
  const schema = z
    .string()
    .superRefine((value, ctx) => {
      try {
        parseUuid(value);
      } catch (err) {
        ctx.addIssue({
          code: "custom",
          message: `${prefix}${(err as Error).message}`,
          params: { serde: true },
        });
      }
    })
    .overwrite((value) => {
      try {
        return parseUuid(value);
      } catch {
        return value;
      }
    });
  return serdeHint(schema, { expecting });
}
