import * as ev from "../../../events/constructors.js";
import { imageDataUrl } from "../../image-data-url.js";
import type { ToolHandler } from "../context.js";

/** `view_image`: the image at `path` (against the turn's cwd) follows the call's output as a user message. */
export const viewImageHandler: ToolHandler = async (ctx, { callId, args }) => {
  const path = ctx.resolvePath(String(args.path ?? ""));
  let url: string;
  try {
    url = await imageDataUrl(path);
  } catch (err) {
    return `unable to read image at ${path}: ${(err as Error).message}`;
  }
  ctx.emit(ev.viewImageToolCall(callId, path));
  return {
    output: "attached local image path",
    followUp: [{ type: "message", role: "user", content: [{ type: "input_image", image_url: url }] }],
  };
};
