import { randomUUID } from "node:crypto";
import type { TurnItem, UserInput } from "@codex-ts/app-server-protocol";
import { readLocalImage, unreadableImageText } from "./image-data-url.js";
import type { InputItem } from "./op.js";

/**
 * A user's submitted input as the turn uses it: the history message, the UserMessage turn item, and the
 * `user_message` event's text and images.
 */
export interface UserTurnInput {
  message: Record<string, unknown>;
  item: TurnItem;
  text: string;
  images: string[];
}

/**
 * The user's input as 0.58.0 turns it into a message: texts as `input_text`, image URLs as `input_image`, local
 * images read into data URLs (relative paths against the turn's cwd; see `readLocalImage`). A local image that
 * cannot be attached becomes the text "Codex could not read the local image at `<path>`: <reason>" and the turn
 * goes on, as in 0.58.0. The UserMessage item shows the message's parts (an attached local image as its data URL,
 * a refused one as that text), and `user_message` carries the texts joined without a separator and the image
 * URLs (0.58.0's `UserMessageItem::message`).
 */
export async function userTurnInput(
  items: readonly InputItem[],
  opts: { resolvePath: (path: string) => string; codexHome?: string },
): Promise<UserTurnInput> {
  const content: Record<string, unknown>[] = [];
  const shown: UserInput[] = [];
  const texts: string[] = [];
  const images: string[] = [];
  const addText = (text: string) => {
    texts.push(text);
    content.push({ type: "input_text", text });
    shown.push({ type: "text", text });
  };
  const addImage = (url: string) => {
    images.push(url);
    content.push({ type: "input_image", image_url: url });
    shown.push({ type: "image", image_url: url });
  };
  // The servers validate items, but a malformed one still reads as text or a URL string, as it always has.
  for (const item of items) {
    if (item.type === "text") addText(String(item.data.text ?? ""));
    else if (item.type === "image") addImage(String(item.data.image_url));
    else if (item.type === "localImage") {
      const path = String(item.data.path);
      const image = await readLocalImage(opts.resolvePath(path), {
        shownPath: path,
        ...(opts.codexHome ? { codexHome: opts.codexHome } : {}),
      });
      if (image.ok) addImage(image.url);
      else addText(unreadableImageText(path, image.reason));
    } else if (item.type === "skill") {
      // Shown in the user message item as given (0.166.0 does); the model gets the skill's file instead
      // (skills-context.ts). The protocol's v1 UserInput has no such kind: only 0.166 clients send and see it.
      shown.push({ type: "skill", ...item.data } as unknown as UserInput);
    }
  }
  return {
    message: { type: "message", role: "user", content },
    item: { UserMessage: { id: randomUUID(), content: shown } },
    text: texts.join(""),
    images,
  };
}
