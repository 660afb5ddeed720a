import { stat } from "node:fs/promises";
import * as ev from "../../../events/constructors.js";
import { osErrorText } from "../../../rollout/os-error.js";
import { readLocalImage, unreadableImageText } from "../../image-data-url.js";
import type { ToolHandler } from "../context.js";

/**
 * `view_image`, as 0.58.0 runs it: the path (against the turn's cwd) must exist and be a file (`stat`, which never
 * blocks) or the model is told why and nothing else happens; otherwise `view_image_tool_call` is emitted and the
 * image follows the call's output as a user message — or, when it cannot be attached (not an image, too large, a
 * credentials file, unreadable), the text saying so (see `readLocalImage`).
 */
export const viewImageHandler: ToolHandler = async (ctx, { callId, args }) => {
  const path = ctx.resolvePath(String(args.path ?? ""));
  try {
    if (!(await stat(path)).isFile()) return `image path \`${path}\` is not a file`;
  } catch (err) {
    return `unable to locate image at \`${path}\`: ${osErrorText(err)}`;
  }
  ctx.emit(ev.viewImageToolCall(callId, path));
  const image = await readLocalImage(path, { codexHome: ctx.codexHome });
  const part = image.ok
    ? { type: "input_image", image_url: image.url }
    : { type: "input_text", text: unreadableImageText(path, image.reason) };
  return {
    output: "attached local image path",
    followUp: [{ type: "message", role: "user", content: [part] }],
  };
};
