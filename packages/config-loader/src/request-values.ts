import { ConfigError } from "./errors.js";

/**
 * Deepest nesting accepted in a request's `config` value. Real config nests a few levels
 * (`profiles.<name>.features.<flag>`); the limit keeps every later recursive step (TOML conversion, merging,
 * validation) far from the stack's end, so absurd input is a clear error instead of a RangeError.
 */
export const MAX_CONFIG_NESTING = 64;

let loneSurrogate: RegExp | undefined;
/**
 * In `u` mode a paired surrogate is one code point, so only lone surrogates match. Made on first use: the bundle
 * builds it with `new RegExp`, whose Unicode property class took ~0.3 ms of every start.
 */
function loneSurrogatePattern(): RegExp {
  loneSurrogate ??= /\p{Cs}/u;
  return loneSurrogate;
}

/** False for strings with a lone surrogate (`"\ud800"`), which no UTF-8 file or request can carry. */
export function isWellFormedText(text: string): boolean {
  return !loneSurrogatePattern().test(text);
}

/** A key or path segment as a user can read it: lone surrogates shown as `\udXXX` escapes. */
function shown(segment: string): string {
  return isWellFormedText(segment) ? segment : JSON.stringify(segment).slice(1, -1);
}

/** Why a string with a lone surrogate is refused, with the first one's code unit and index. */
export function notUnicode(text: string): string {
  const i = text.search(loneSurrogatePattern());
  const unit = text.charCodeAt(i).toString(16).toUpperCase();
  return `string is not valid Unicode (lone surrogate U+${unit} at index ${i}); TOML cannot store it`;
}

/**
 * Checks one value of a request's `config` map (`key` is its dotted key) before it is turned into TOML: no
 * nesting (dotted segments included) beyond MAX_CONFIG_NESTING and no string or key that is not valid Unicode (a
 * lone surrogate such as `"\ud800"` cannot be written to config.toml or sent in UTF-8). Walks iteratively, so no
 * input can overflow the stack here. Errors are ConfigErrors in the loader's usual form:
 * `<source>: invalid value for \`<path>\`: …`.
 */
export function checkRequestValue(source: string | null, key: string, value: unknown): void {
  const at = source === null ? "" : `${source}: `;
  const file = source ?? undefined;
  if (!isWellFormedText(key)) {
    throw new ConfigError(`${at}invalid key \`${shown(key)}\`: ${notUnicode(key)}`, file);
  }
  const tooDeep = () =>
    new ConfigError(
      `${at}invalid value for \`${shown(key).slice(0, 200)}\`: nested deeper than ${MAX_CONFIG_NESTING} levels`,
      file,
    );
  const keyDepth = key.split(".").length;
  if (keyDepth > MAX_CONFIG_NESTING) throw tooDeep();
  const stack: { value: unknown; path: string[] }[] = [{ value, path: [key] }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value: v, path } = item;
    if (typeof v === "string") {
      if (!isWellFormedText(v)) {
        throw new ConfigError(
          `${at}invalid value for \`${path.map(shown).join(".")}\`: ${notUnicode(v)}`,
          file,
        );
      }
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    // path[0] is the dotted key, so a value's children sit at keyDepth + path.length levels.
    if (keyDepth + path.length > MAX_CONFIG_NESTING) throw tooDeep();
    if (Array.isArray(v)) {
      for (const [i, child] of v.entries()) stack.push({ value: child, path: [...path, String(i)] });
      continue;
    }
    for (const [k, child] of Object.entries(v)) {
      if (!isWellFormedText(k)) {
        throw new ConfigError(
          `${at}invalid key \`${[...path, k].map(shown).join(".")}\`: ${notUnicode(k)}`,
          file,
        );
      }
      stack.push({ value: child, path: [...path, k] });
    }
  }
}

/** Checks a typed override (a request field such as `model` or `cwd`): valid Unicode, and no NUL in a path. */
export function checkOverrideString(field: string, value: string | undefined, isPath = false): void {
  if (value === undefined) return;
  if (!isWellFormedText(value)) throw new ConfigError(`invalid value for \`${field}\`: ${notUnicode(value)}`);
  if (isPath && value.includes("\0")) {
    throw new ConfigError(`invalid value for \`${field}\`: the path contains a NUL byte`);
  }
}
