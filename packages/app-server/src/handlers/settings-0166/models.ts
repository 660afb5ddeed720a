import type { Protocol0166 } from "@codex-ts/app-server-protocol";
import type { Handlers } from "../../handler.js";
import { pageItems } from "../../model-list.js";
import { MODEL_CATALOG_0166 } from "./model-catalog.js";

const VISIBLE = MODEL_CATALOG_0166.filter((m) => !m.hidden);

/**
 * 0.166.0 `model/list {cursor?, limit?, includeHidden?}` → `{data, nextCursor}`: its built-in catalogue in its
 * order, the picker's models only unless `includeHidden`, paged like 0.58.0's (`cursor N exceeds total models M`).
 */
export const modelListHandler0166: Handlers<Protocol0166, "model/list"> = {
  "model/list": (p) => pageItems(p.includeHidden ? MODEL_CATALOG_0166 : VISIBLE, p, "models"),
};
