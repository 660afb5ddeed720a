/**
 * Parses a UUID the way the Rust `uuid` crate does (hyphenated, simple, braced or `urn:uuid:` forms, any case) and
 * returns it hyphenated in lower case, or throws the crate's error text (Codex shows it in decoder errors).
 */
export function parseUuid(input: string): string {
  const hex = normalForm(input);
  if (hex !== null) {
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  throw new Error(diagnose(input));
}

const HYPHENATED = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function normalForm(input: string): string | null {
  let s = input;
  if (s.length === 38 && s.startsWith("{") && s.endsWith("}")) s = s.slice(1, -1);
  else if (s.length === 45 && s.startsWith("urn:uuid:")) s = s.slice(9);
  if (s.length === 32 && /^[0-9a-fA-F]{32}$/.test(s)) return s.toLowerCase();
  if (s.length === 36 && HYPHENATED.test(s)) return s.replaceAll("-", "").toLowerCase();
  return null;
}

const GROUP_LENGTHS = [8, 4, 4, 4, 12];

/** The `uuid` crate's explanation of why a string is not a UUID. */
function diagnose(input: string): string {
  let s = input;
  let offset = 0;
  let simple = true;
  if (s.startsWith("{") && s.endsWith("}") && s.length >= 2) {
    s = s.slice(1, -1);
    offset = 1;
    simple = false;
  } else if (s.startsWith("urn:uuid:")) {
    s = s.slice(9);
    offset = 9;
    simple = false;
  }
  const bytes = Buffer.from(s, "utf8");
  const hyphens: number[] = [];
  let index = 0;
  for (const ch of s) {
    const isHyphen = ch === "-";
    if (!isHyphen && !/^[0-9a-fA-F]$/.test(ch)) {
      return `invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-fA-F-], found \`${ch}\` at ${index + offset + 1}`;
    }
    if (isHyphen) hyphens.push(index);
    index += Buffer.byteLength(ch);
  }
  if (hyphens.length === 0 && simple) {
    return `invalid length: expected length 32 for simple format, found ${bytes.length}`;
  }
  if (hyphens.length !== 4) return `invalid group count: expected 5, found ${hyphens.length + 1}`;
  // As in the crate, the last group runs to the end of the whole input (a closing brace counts).
  const bounds = [-1, ...hyphens, Buffer.byteLength(input)];
  for (let group = 0; group < 5; group++) {
    const len = (bounds[group + 1] ?? 0) - (bounds[group] ?? 0) - 1;
    if (len !== GROUP_LENGTHS[group]) {
      return `invalid group length in group ${group}: expected ${GROUP_LENGTHS[group]}, found ${len}`;
    }
  }
  return "failed to parse a UUID";
}
