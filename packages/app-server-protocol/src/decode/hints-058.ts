import { ZodArray, type z } from "zod";
import * as v1 from "../schema/v1.js";
import * as v2 from "../schema/v2.js";
import { fieldOrder058 } from "./field-order-058.js";
import { unwrap } from "./schema-walk.js";
import { nameDefinitions, serdeHint } from "./serde-hints.js";

/**
 * serde's view of the 0.58.0 schemas where the JSON Schema loses it (see `serde-hints.ts`): struct field order,
 * which strings are paths, the enums serde reads in other ways than internally tagged. Checked against the
 * reference's answers to malformed requests (test/decode-words.test.ts).
 */
function hintFieldOrder(namespace: Readonly<Record<string, unknown>>, prefix: string): void {
  for (const [name, fields] of Object.entries(fieldOrder058)) {
    if (prefix ? !name.startsWith(prefix) : name.includes("/")) continue;
    const schema = namespace[name.slice(prefix.length)];
    if (schema) serdeHint(schema as z.ZodType, { fields });
  }
}

/** `PathBuf` fields: serde says `path string` for them. */
const PATH = "path string";

export function registerHints058(): void {
  // Explicit names first: nameDefinitions keeps them.
  serdeHint(v1.InputItem, { expecting: "adjacently tagged enum InputItem", adjacent: true });
  for (const option of v1.InputItem.options) {
    const tag = option.shape.type.options[0] as string;
    const variant = tag === "localImage" ? "LocalImage" : `${tag[0]?.toUpperCase()}${tag.slice(1)}`;
    serdeHint(option.shape.data, { expecting: `struct variant InputItem::${variant}` });
    if (tag === "localImage") serdeHint(option.shape.data, { fieldExpecting: { path: PATH } });
  }
  serdeHint(v1.GetConversationSummaryParams, {
    expecting: "untagged enum GetConversationSummaryParams",
    untagged: true,
  });
  nameDefinitions(v1);
  nameDefinitions(v2);
  hintFieldOrder(v1, "");
  hintFieldOrder(v2, "v2/");
  serdeHint(v1.ArchiveConversationParams, { fieldExpecting: { rolloutPath: PATH } });
  serdeHint(v1.ExecOneOffCommandParams, { fieldExpecting: { cwd: PATH } });
  serdeHint(v1.GitDiffToRemoteParams, { fieldExpecting: { cwd: PATH } });
  serdeHint(v1.ResumeConversationParams, { fieldExpecting: { path: PATH } });
  serdeHint(v1.SendUserTurnParams, { fieldExpecting: { cwd: PATH } });
  serdeHint(v2.ThreadResumeParams, { fieldExpecting: { path: PATH } });
  serdeHint(v2.TurnStartParams, { fieldExpecting: { cwd: PATH } });
  for (const option of v2.UserInput.options)
    if (option.shape.type.options[0] === "localImage") serdeHint(option, { fieldExpecting: { path: PATH } });
  for (const policy of [v1.SandboxPolicy, v2.SandboxPolicy])
    for (const option of policy.options) {
      const roots = "writable_roots" in option.shape ? unwrap(option.shape.writable_roots) : undefined;
      if (roots instanceof ZodArray) serdeHint(roots.element as z.ZodType, { expecting: PATH });
    }
}
