import { jsonSyntaxError } from "../tools/json-syntax-error.js";

/**
 * The arguments of `exec_command` and `write_stdin`, decoded the way 0.58.0's serde structs decode them, with the
 * same error texts (`Error("missing field `cmd`", line: 1, column: 19)`, `invalid type: string "0", expected i32`,
 * …): the model reads them and retries, so the wording is part of the contract. Unknown fields are ignored.
 */
export interface ExecCommandArgs {
  cmd: string;
  workdir: string | null;
  /** Default `/bin/bash`. */
  shell: string;
  /** Default true: the shell runs the command with `-lc`, else `-c`. */
  login: boolean;
  yieldTimeMs: number | null;
  maxOutputTokens: number | null;
  withEscalatedPermissions: boolean | null;
  justification: string | null;
  /** 0.166.0's `tty`: whether the command wants a terminal (its exec_command runs on pipes otherwise). */
  tty: boolean | null;
}

export interface WriteStdinArgs {
  sessionId: number;
  /** Default "" (a poll). */
  chars: string;
  yieldTimeMs: number | null;
  maxOutputTokens: number | null;
}

export type Decoded<T> = { ok: true; args: T } | { ok: false; error: string };

type Kind = "string" | "u64" | "usize" | "i32" | "bool";

/** `optional`: an `Option` field, so `null` means absent. Fields with a serde default still refuse `null`. */
interface FieldSpec {
  kind: Kind;
  optional: boolean;
}

const EXEC_FIELDS: Record<string, FieldSpec> = {
  cmd: { kind: "string", optional: false },
  workdir: { kind: "string", optional: true },
  shell: { kind: "string", optional: false },
  login: { kind: "bool", optional: false },
  yield_time_ms: { kind: "u64", optional: true },
  max_output_tokens: { kind: "usize", optional: true },
  with_escalated_permissions: { kind: "bool", optional: true },
  justification: { kind: "string", optional: true },
  // 0.166.0's form of the escalation request (`use_default` | `require_escalated`).
  sandbox_permissions: { kind: "string", optional: true },
  tty: { kind: "bool", optional: true },
};

const STDIN_FIELDS: Record<string, FieldSpec> = {
  session_id: { kind: "i32", optional: false },
  chars: { kind: "string", optional: false },
  yield_time_ms: { kind: "u64", optional: true },
  max_output_tokens: { kind: "usize", optional: true },
};

export function decodeExecCommandArgs(raw: string): Decoded<ExecCommandArgs> {
  const r = decodeStruct(raw, "ExecCommandArgs", EXEC_FIELDS, ["cmd"]);
  if (!r.ok) return { ok: false, error: `failed to parse exec_command arguments: ${r.error}` };
  const v = r.values;
  return {
    ok: true,
    args: {
      cmd: v.cmd as string,
      workdir: (v.workdir as string | undefined) ?? null,
      shell: (v.shell as string | undefined) ?? "/bin/bash",
      login: (v.login as boolean | undefined) ?? true,
      yieldTimeMs: (v.yield_time_ms as number | undefined) ?? null,
      maxOutputTokens: (v.max_output_tokens as number | undefined) ?? null,
      withEscalatedPermissions:
        (v.with_escalated_permissions as boolean | undefined) ??
        (v.sandbox_permissions === "require_escalated" ? true : null),
      tty: (v.tty as boolean | undefined) ?? null,
      justification: (v.justification as string | undefined) ?? null,
    },
  };
}

export function decodeWriteStdinArgs(raw: string): Decoded<WriteStdinArgs> {
  const r = decodeStruct(raw, "WriteStdinArgs", STDIN_FIELDS, ["session_id"]);
  if (!r.ok) return { ok: false, error: `failed to parse write_stdin arguments: ${r.error}` };
  const v = r.values;
  return {
    ok: true,
    args: {
      sessionId: v.session_id as number,
      chars: (v.chars as string | undefined) ?? "",
      yieldTimeMs: (v.yield_time_ms as number | undefined) ?? null,
      maxOutputTokens: (v.max_output_tokens as number | undefined) ?? null,
    },
  };
}

/** A JSON value with the byte offset just past its end (serde reports type errors there). */
interface Located {
  value: unknown;
  end: number;
  /** The number's source text, for serde's `integer `-5`` / `floating point `1.5`` wording. */
  numberText?: string;
}

type StructResult = { ok: true; values: Record<string, unknown> } | { ok: false; error: string };

function decodeStruct(
  raw: string,
  name: string,
  fields: Record<string, FieldSpec>,
  required: readonly string[],
): StructResult {
  const syntax = jsonSyntaxError(raw);
  if (syntax !== null) return { ok: false, error: syntax };
  const bytes = Buffer.from(raw, "utf8");
  const at = (end: number, message: string): StructResult => ({
    ok: false,
    error: `Error(${JSON.stringify(message)}, line: ${lineOf(bytes, end)}, column: ${columnOf(bytes, end)})`,
  });
  const top = scanValue(bytes, skipWs(bytes, 0));
  if (!isPlainObject(top.value)) {
    return at(top.end, `invalid type: ${describe(top)}, expected struct ${name}`);
  }
  const values: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const entry of scanObjectEntries(bytes, skipWs(bytes, 0))) {
    const spec = fields[entry.key];
    if (!spec) continue;
    if (seen.has(entry.key)) return at(entry.keyEnd, `duplicate field \`${entry.key}\``);
    seen.add(entry.key);
    if (entry.value.value === null && spec.optional) continue;
    const problem = checkKind(entry.value, spec.kind);
    if (problem) return at(entry.value.end, problem);
    values[entry.key] = entry.value.value;
  }
  for (const field of required) {
    if (!seen.has(field)) return at(top.end, `missing field \`${field}\``);
  }
  return { ok: true, values };
}

const EXPECTED: Record<Kind, string> = {
  string: "a string",
  bool: "a boolean",
  u64: "u64",
  usize: "usize",
  i32: "i32",
};

/** serde's complaint about a value of the wrong kind, or null when it fits. */
function checkKind(v: Located, kind: Kind): string | null {
  const expected = EXPECTED[kind];
  switch (kind) {
    case "string":
      return typeof v.value === "string" ? null : `invalid type: ${describe(v)}, expected ${expected}`;
    case "bool":
      return typeof v.value === "boolean" ? null : `invalid type: ${describe(v)}, expected ${expected}`;
    default: {
      if (typeof v.value !== "number" || !isIntegerText(v.numberText ?? "")) {
        return `invalid type: ${describe(v)}, expected ${expected}`;
      }
      const n = BigInt(v.numberText as string);
      const [min, max] = kind === "i32" ? [-(2n ** 31n), 2n ** 31n - 1n] : [0n, 2n ** 64n - 1n];
      if (n < min || n > max) return `invalid value: integer \`${v.numberText}\`, expected ${expected}`;
      return null;
    }
  }
}

function isIntegerText(text: string): boolean {
  return /^-?\d+$/.test(text);
}

/** serde's `Unexpected` wording for a JSON value. */
function describe(v: Located): string {
  const value = v.value;
  if (value === null) return "null";
  if (typeof value === "string") return `string ${rustDebugString(value)}`;
  if (typeof value === "boolean") return `boolean \`${value}\``;
  if (typeof value === "number") {
    const text = v.numberText ?? String(value);
    return isIntegerText(text) ? `integer \`${text}\`` : `floating point \`${formatFloat(value)}\``;
  }
  return Array.isArray(value) ? "sequence" : "map";
}

/** serde's float wording: Rust's `{}` of the f64, with `.0` added to a whole number (`1e3` → `1000.0`). */
function formatFloat(n: number): string {
  if (Number.isInteger(n) && Number.isFinite(n)) return `${BigInt(n)}.0`;
  return String(n);
}

/** Rust's `{:?}` of a str: quotes, and `\"`, `\\`, `\n`, `\r`, `\t`, `\u{..}` escapes. */
export function rustDebugString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c === 0) out += "\\0";
    else if (c < 0x20 || c === 0x7f) out += `\\u{${c.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function skipWs(bytes: Buffer, i: number): number {
  while (
    i < bytes.length &&
    (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)
  )
    i++;
  return i;
}

/** Scans one (already validated) JSON value starting at `i`. */
function scanValue(bytes: Buffer, i: number): Located {
  const b = bytes[i];
  if (b === 0x22) {
    const end = stringEnd(bytes, i);
    return { value: JSON.parse(bytes.subarray(i, end).toString("utf8")), end };
  }
  if (b === 0x7b || b === 0x5b) {
    const end = containerEnd(bytes, i);
    return { value: JSON.parse(bytes.subarray(i, end).toString("utf8")), end };
  }
  if (b === 0x74) return { value: true, end: i + 4 };
  if (b === 0x66) return { value: false, end: i + 5 };
  if (b === 0x6e) return { value: null, end: i + 4 };
  let end = i;
  while (end < bytes.length && /[-+0-9.eE]/.test(String.fromCharCode(bytes[end] as number))) end++;
  const text = bytes.subarray(i, end).toString("latin1");
  return { value: Number(text), end, numberText: text };
}

function stringEnd(bytes: Buffer, i: number): number {
  let k = i + 1;
  while (k < bytes.length) {
    if (bytes[k] === 0x5c) k += 2;
    else if (bytes[k] === 0x22) return k + 1;
    else k++;
  }
  return k;
}

function containerEnd(bytes: Buffer, i: number): number {
  let depth = 0;
  let k = i;
  while (k < bytes.length) {
    const b = bytes[k];
    if (b === 0x22) {
      k = stringEnd(bytes, k);
      continue;
    }
    if (b === 0x7b || b === 0x5b) depth++;
    else if (b === 0x7d || b === 0x5d) {
      depth--;
      if (depth === 0) return k + 1;
    }
    k++;
  }
  return k;
}

interface Entry {
  key: string;
  keyEnd: number;
  value: Located;
}

function scanObjectEntries(bytes: Buffer, start: number): Entry[] {
  const entries: Entry[] = [];
  let i = skipWs(bytes, start + 1);
  if (bytes[i] === 0x7d) return entries;
  for (;;) {
    const keyEnd = stringEnd(bytes, i);
    const key = JSON.parse(bytes.subarray(i, keyEnd).toString("utf8")) as string;
    i = skipWs(bytes, keyEnd);
    i = skipWs(bytes, i + 1); // ':'
    const value = scanValue(bytes, i);
    entries.push({ key, keyEnd, value });
    i = skipWs(bytes, value.end);
    if (bytes[i] === 0x7d) return entries;
    i = skipWs(bytes, i + 1); // ','
  }
}

function lineOf(bytes: Buffer, end: number): number {
  let line = 1;
  for (let k = 0; k < end; k++) if (bytes[k] === 0x0a) line++;
  return line;
}

function columnOf(bytes: Buffer, end: number): number {
  let column = 0;
  for (let k = 0; k < end; k++) column = bytes[k] === 0x0a ? 0 : column + 1;
  return column;
}

/**
 * Where serde reports a field missing from the top-level struct of `raw` (valid JSON): the end of its value, as
 * serde_json's error text ends (`line 1 column 2` for `{}`).
 */
export function serdeEndPosition(raw: string): string {
  const bytes = Buffer.from(raw, "utf8");
  const end = scanValue(bytes, skipWs(bytes, 0)).end;
  return `line ${lineOf(bytes, end)} column ${columnOf(bytes, end)}`;
}
