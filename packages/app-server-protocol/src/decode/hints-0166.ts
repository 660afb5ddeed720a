import type { z } from "zod";
import * as g0166 from "../schema/gen-0166.js";
import { fieldOrder0166 } from "./field-order-0166.js";
import { nameDefinitions, serdeHint } from "./serde-hints.js";

/** serde's view of the 0.166 schemas used so far (see `hints-058.ts`). */
export function registerHints0166(): void {
  // Explicit names first (nameDefinitions keeps them): serde reads an `AbsolutePathBuf` as a `PathBuf`.
  serdeHint(g0166.AbsolutePathBuf, { expecting: "path string" });
  // A request id is serde's untagged enum `RequestId` (string or integer): its refusal names it.
  serdeHint(g0166.RequestId, { expecting: "untagged enum RequestId" });
  nameDefinitions(g0166);
  const byName: Readonly<Record<string, unknown>> = g0166;
  for (const [name, fields] of Object.entries(fieldOrder0166)) {
    const schema = byName[name.replace(/^v2\//, "")];
    if (schema) serdeHint(schema as z.ZodType, { fields });
  }
}
