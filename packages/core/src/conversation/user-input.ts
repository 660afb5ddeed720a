import { randomUUID } from "node:crypto";
import type { TurnItem, UserInput } from "@codex-ts/app-server-protocol";
import { imageDataUrl } from "./image-data-url.js";
import type { InputItem } from "./op.js";

/** A user's submitted input as the turn uses it: the history message, and the `user_message` event's text and images. */
export interface UserTurnInput {
  message: Record<string, unknown>;
  text: string;
  images: string[];
}

/**
 * The history message of a user's input (`input_text` / `input_image` parts; local images read into data URLs,
 * relative paths against the turn's cwd), with the texts joined by newlines and the image URLs for `user_message`.
 * Rejects when a local image cannot be read.
 */
export async function userTurnInput(
  items: readonly InputItem[],
  resolvePath: (path: string) => string,
): Promise<UserTurnInput> {
  const content: Record<string, unknown>[] = [];
  const texts: string[] = [];
  const images: string[] = [];
  // The servers validate items, but a malformed one still reads as text or a URL string, as it always has.
  for (const item of items) {
    if (item.type === "text") {
      texts.push(String(item.data.text ?? ""));
      content.push({ type: "input_text", text: String(item.data.text ?? "") });
    } else if (item.type === "image") {
      images.push(String(item.data.image_url));
      content.push({ type: "input_image", image_url: String(item.data.image_url) });
    } else if (item.type === "localImage") {
      const url = await imageDataUrl(resolvePath(String(item.data.path)));
      images.push(url);
      content.push({ type: "input_image", image_url: url });
    }
  }
  return { message: { type: "message", role: "user", content }, text: texts.join("\n"), images };
}

/** The UserMessage turn item of a submission (a fresh id; local images keep their path). */
export function userTurnItem(items: readonly InputItem[]): TurnItem {
  const content = items.map(
    (i): UserInput =>
      i.type === "image"
        ? { type: "image", image_url: i.data.image_url }
        : i.type === "localImage"
          ? { type: "local_image", path: i.data.path }
          : { type: "text", text: String(i.data.text ?? "") },
  );
  return { UserMessage: { id: randomUUID(), content } };
}
