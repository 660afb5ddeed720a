// Argument scans of 0.166.0's command summary (parse-command-0166.ts): operands, flag values, the part of the
// arguments before a connector word.

/** The words that join commands (`a && b`, `a | b`, ...). */
export const CONNECTORS: ReadonlySet<string> = new Set(["&&", "||", "|", ";"]);

/** Arguments up to the first connector word. */
export function beforeConnector(args: readonly string[]): string[] {
  const at = args.findIndex((a) => CONNECTORS.has(a));
  return at < 0 ? [...args] : args.slice(0, at);
}

/** Arguments without flag values (`--flag=value` and the values of `valueFlags`); all after `--` kept. */
export function withoutFlagValues(args: readonly string[], valueFlags: readonly string[]): string[] {
  return scanArgs(args, valueFlags, true);
}

/** Operands: no flags, no flag values; everything after `--`. */
export function operands(args: readonly string[], valueFlags: readonly string[] = []): string[] {
  return scanArgs(args, valueFlags, false);
}

/** The arguments without flag values, and (unless `keepFlags`) without flags; everything after `--` is kept. */
function scanArgs(args: readonly string[], valueFlags: readonly string[], keepFlags: boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      out.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("--") && a.includes("=")) continue;
    if (valueFlags.includes(a)) {
      if (i + 1 < args.length) i++;
      continue;
    }
    if (keepFlags || !a.startsWith("-")) out.push(a);
  }
  return out;
}

export const nonFlags = (args: readonly string[], valueFlags: readonly string[]) =>
  withoutFlagValues(beforeConnector(args), valueFlags).filter((a) => !a.startsWith("-"));
