import { type gen0166, invalidRequest, RpcError } from "@codex-ts/app-server-protocol";
import type { InputItem } from "@codex-ts/core";

/** The most characters of text one user input may carry (0.166.0's limit, over all its text parts). */
export const MAX_USER_INPUT_CHARS = 1 << 20;

/** 0.166 `UserInput` → the core's input item; kinds the core cannot take are refused by name. */
export function inputItem0166(input: gen0166.UserInput): InputItem {
  if (input.type === "text") return { type: "text", data: { text: input.text } };
  if (input.type === "skill") return { type: "skill", data: { name: input.name, path: input.path } };
  if (input.type === "localImage") return { type: "localImage", data: { path: input.path } };
  if (input.type === "image" && "url" in input) return { type: "image", data: { image_url: input.url } };
  const kind = input.type === "image" ? "image file" : input.type;
  throw invalidRequest(`input of type \`${kind}\` is not supported by this server`);
}

/**
 * Refuses an input whose texts hold more than `MAX_USER_INPUT_CHARS` characters (counted as 0.166.0 counts them,
 * in Unicode scalar values) with 0.166.0's -32602 and its `input_too_large` data.
 */
export function checkInputSize(input: readonly gen0166.UserInput[]): void {
  let chars = 0;
  for (const item of input) if (item.type === "text") chars += scalarCount(item.text);
  if (chars > MAX_USER_INPUT_CHARS)
    throw new RpcError(-32602, `Input exceeds the maximum length of ${MAX_USER_INPUT_CHARS} characters.`, {
      input_error_code: "input_too_large",
      max_chars: MAX_USER_INPUT_CHARS,
      actual_chars: chars,
    });
}

/** A string's length in Unicode scalar values (a surrogate pair counts once), without copying it. */
function scalarCount(text: string): number {
  let pairs = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        pairs++;
        i++;
      }
    }
  }
  return text.length - pairs;
}
