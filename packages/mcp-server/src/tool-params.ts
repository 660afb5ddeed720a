import { APPROVAL_POLICIES, SANDBOX_MODES } from "./tool-definitions.js";

/** Arguments of the `codex` tool, validated. */
export interface CodexToolParams {
  prompt: string;
  model?: string;
  profile?: string;
  cwd?: string;
  approvalPolicy?: (typeof APPROVAL_POLICIES)[number];
  sandbox?: (typeof SANDBOX_MODES)[number];
  config?: Record<string, unknown>;
  baseInstructions?: string;
  developerInstructions?: string;
  compactPrompt?: string;
}

/** Arguments of the `codex-reply` tool, validated. */
export interface CodexReplyParams {
  conversationId: string;
  prompt: string;
}

/** A bad argument, worded like the serde error Codex 0.58.0 reports for the same input. */
export class ParamsError extends Error {}

/** How serde describes an unexpected JSON value: ``integer `5` ``, `string "x"`, `sequence`, `map`, `null`. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "sequence";
  switch (typeof value) {
    case "string":
      return `string ${JSON.stringify(value)}`;
    case "boolean":
      return `boolean \`${value}\``;
    case "number":
      return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
    default:
      return "map";
  }
}

const invalidType = (value: unknown, expected: string) =>
  new ParamsError(`invalid type: ${describe(value)}, expected ${expected}`);

function string(value: unknown): string {
  if (typeof value !== "string") throw invalidType(value, "a string");
  return value;
}

/** Optional fields accept `null`, like serde's `Option`. */
function optionalString(value: unknown): string | undefined {
  return value === null ? undefined : string(value);
}

function optionalVariant<T extends string>(
  value: unknown,
  variants: readonly T[],
  expectedType: string,
): T | undefined {
  if (value === null) return undefined;
  if (typeof value !== "string") throw invalidType(value, expectedType);
  if (!(variants as readonly string[]).includes(value)) {
    const list = variants.map((v) => `\`${v}\``).join(", ");
    throw new ParamsError(`unknown variant \`${value}\`, expected one of ${list}`);
  }
  return value as T;
}

function optionalMap(value: unknown): Record<string, unknown> | undefined {
  if (value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw invalidType(value, "a map");
  return value as Record<string, unknown>;
}

function asObject(args: unknown, struct: string): Record<string, unknown> {
  if (typeof args !== "object" || args === null || Array.isArray(args))
    throw invalidType(args, `struct ${struct}`);
  return args as Record<string, unknown>;
}

/** Each known argument's validator, keyed by its wire name. */
type Fields<T> = Record<string, (value: unknown, into: Partial<T>) => void>;

/**
 * Validates the fields in the order the client sent them, then reports the first missing required one: the
 * order serde reports problems in. Unknown keys are ignored, as Codex ignores them.
 */
function parseStruct<T>(raw: unknown, struct: string, fields: Fields<T>, required: (keyof T & string)[]): T {
  const args = asObject(raw, struct);
  const into: Partial<T> = {};
  for (const [key, value] of Object.entries(args)) fields[key]?.(value, into);
  for (const key of required) if (into[key] === undefined) throw new ParamsError(`missing field \`${key}\``);
  return into as T;
}

function assign<T, K extends keyof T>(into: Partial<T>, key: K, value: T[K] | undefined): void {
  if (value !== undefined) into[key] = value;
}

const CODEX_FIELDS: Fields<CodexToolParams> = {
  prompt: (v, o) => assign(o, "prompt", string(v)),
  model: (v, o) => assign(o, "model", optionalString(v)),
  profile: (v, o) => assign(o, "profile", optionalString(v)),
  cwd: (v, o) => assign(o, "cwd", optionalString(v)),
  "approval-policy": (v, o) => assign(o, "approvalPolicy", optionalVariant(v, APPROVAL_POLICIES, "a string")),
  // Codex's sandbox argument also accepts a policy object, hence its different wording.
  sandbox: (v, o) => assign(o, "sandbox", optionalVariant(v, SANDBOX_MODES, "string or map")),
  config: (v, o) => assign(o, "config", optionalMap(v)),
  "base-instructions": (v, o) => assign(o, "baseInstructions", optionalString(v)),
  "developer-instructions": (v, o) => assign(o, "developerInstructions", optionalString(v)),
  "compact-prompt": (v, o) => assign(o, "compactPrompt", optionalString(v)),
};

const REPLY_FIELDS: Fields<CodexReplyParams> = {
  conversationId: (v, o) => assign(o, "conversationId", string(v)),
  prompt: (v, o) => assign(o, "prompt", string(v)),
};

/** Validates `codex` arguments. */
export function parseCodexToolParams(raw: unknown): CodexToolParams {
  return parseStruct(raw, "CodexToolCallParam", CODEX_FIELDS, ["prompt"]);
}

/** Validates `codex-reply` arguments (the conversation id's format is checked where it is looked up). */
export function parseCodexReplyParams(raw: unknown): CodexReplyParams {
  return parseStruct(raw, "CodexToolCallReplyParam", REPLY_FIELDS, ["conversationId", "prompt"]);
}

const GROUP_LENGTHS = [8, 4, 4, 4, 12];

/**
 * Checks a conversation id is a UUID and returns its canonical (lower-case, hyphenated) form. Errors are worded
 * like the Rust `uuid` crate's, which Codex 0.58.0 reports verbatim.
 */
export function parseConversationId(raw: string): string {
  let body = raw;
  if (body.startsWith("urn:uuid:")) body = body.slice("urn:uuid:".length);
  else if (body.startsWith("{") && body.endsWith("}")) body = body.slice(1, -1);
  const offset = raw.indexOf(body);
  for (let i = 0; i < body.length; i++) {
    if (!/[0-9a-fA-F-]/.test(body[i] ?? ""))
      throw new ParamsError(
        `invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-fA-F-], found \`${body[i]}\` at ${offset + i + 1}`,
      );
  }
  if (!body.includes("-")) {
    if (body.length !== 32)
      throw new ParamsError(`invalid length: expected length 32 for simple format, found ${body.length}`);
    body = [0, 8, 12, 16, 20].map((start, g) => body.slice(start, start + (GROUP_LENGTHS[g] ?? 0))).join("-");
  }
  const groups = body.split("-");
  if (groups.length !== 5) throw new ParamsError(`invalid group count: expected 5, found ${groups.length}`);
  groups.forEach((group, g) => {
    if (group.length !== GROUP_LENGTHS[g])
      throw new ParamsError(
        `invalid group length in group ${g}: expected ${GROUP_LENGTHS[g]}, found ${group.length}`,
      );
  });
  return body.toLowerCase();
}
