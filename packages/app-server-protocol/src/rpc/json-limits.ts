/**
 * Bounds on what one incoming line may make the server build. The line size alone does not bound memory: 16 MB of
 * `[],[],…` parses into five million arrays (hundreds of megabytes, seconds of a blocked event loop), so long
 * lines are weighed before `JSON.parse` sees them: each element weighs 1, each array or object (the expensive
 * values) CONTAINER_WEIGHT. And a client's answer nested 500,000 levels deep parses fine but overflows the stack
 * of everything recursive after it, so answers are measured too.
 */

/** Lines longer than this are weighed before they are parsed (shorter ones cannot weigh enough to matter). */
const SCAN_ABOVE_CHARS = 1024 * 1024;
/** What an array or object weighs, an element being 1 (it takes about that many times an element's memory). */
export const CONTAINER_WEIGHT = 17;
/** The most one message may weigh: four million elements, or about 235,000 arrays and objects. */
export const MAX_MESSAGE_WEIGHT = 4_000_000;
/** The deepest nesting a client's answer may have (serde_json's default recursion limit, as Codex parses it). */
export const MAX_ANSWER_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;

/**
 * What `line` weighs: its elements (commas outside strings) plus CONTAINER_WEIGHT per array or object, counted
 * without parsing; stops past `max`. Short lines are not scanned and weigh 0.
 */
export function jsonWeight(line: string, max: number = MAX_MESSAGE_WEIGHT): number {
  if (line.length <= SCAN_ABOVE_CHARS) return 0;
  let count = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === COMMA) {
      if (++count > max) return count;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      count += CONTAINER_WEIGHT;
      if (count > max) return count;
    }
  }
  return count;
}

/**
 * The path (`result.decision[0][0]…`) of the first value nested deeper than `max` levels under `root` (named
 * `rootName`), or null. Iterative, so any depth is safe; the path shows at most its first eight steps.
 */
export function tooDeepPath(value: unknown, max: number, rootName: string): string | null {
  const stack: Array<{ v: unknown; depth: number; path: string; steps: number }> = [
    { v: value, depth: 1, path: rootName, steps: 0 },
  ];
  while (stack.length > 0) {
    const { v, depth, path, steps } = stack.pop() as (typeof stack)[number];
    if (v === null || typeof v !== "object") continue;
    if (depth > max) return path;
    const entries: Array<[string, unknown]> = Array.isArray(v)
      ? v.map((child, i) => [`[${i}]`, child])
      : Object.entries(v).map(([k, child]) => [
          /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`,
          child,
        ]);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [step, child] = entries[i] as [string, unknown];
      if (child === null || typeof child !== "object") continue;
      const shown = steps < 8 ? path + step : steps === 8 ? `${path}…` : path;
      stack.push({ v: child, depth: depth + 1, path: shown, steps: steps + 1 });
    }
  }
  return null;
}
