import path from "node:path";
import { type gen0166, invalidRequest } from "@codex-ts/app-server-protocol";
import { readLocalImage } from "@codex-ts/core";
import { storedInput, wireInput } from "../../threads/queued-input.js";
import { checkInputSize, inputItem0166 } from "../../threads/user-input-0166.js";

/** Whether an image URL names a remote resource (0.166.0 queues images inline only). */
const isRemote = (url: string) => /^https?:\/\//i.test(url);

/** Refuses remote image URLs, as 0.166.0 does before anything else of a queued input. */
export function checkNoRemoteImages(input: readonly gen0166.UserInput[]): void {
  for (const item of input)
    if (item.type === "image" && "url" in item && isRemote(item.url))
      throw invalidRequest("remote image URLs are not supported; use an inline data URL instead");
}

/**
 * A client's input as the queue stores it, or 0.166.0's refusals: none at all, too long. Local images are read
 * now into data URLs (relative paths against `where.cwd`; the file may be gone when the message starts), a file that is
 * no image it can attach refused; a kind the turn path would refuse (`inputItem0166`) is refused now rather than
 * when the message starts.
 */
export async function queuedContent(
  input: readonly gen0166.UserInput[],
  where: { cwd: string; codexHome: string },
): Promise<unknown[]> {
  if (input.length === 0) throw invalidRequest("only user input can be added to the user-message queue");
  checkInputSize(input);
  const content: unknown[] = [];
  for (const item of input) {
    const inline = item.type === "localImage" ? await inlineImage(item, where) : item;
    const stored = storedInput(inline);
    inputItem0166(wireInput(stored));
    content.push(stored);
  }
  return content;
}

async function inlineImage(
  item: Extract<gen0166.UserInput, { type: "localImage" }>,
  where: { cwd: string; codexHome: string },
): Promise<gen0166.UserInput> {
  // CODEX_HOME's credential files are never attached (see `readLocalImage`).
  const image = await readLocalImage(path.resolve(where.cwd, item.path), {
    shownPath: item.path,
    codexHome: where.codexHome,
  });
  if (!image.ok) throw invalidRequest(`local queued attachment is invalid: ${image.cause}`);
  return { type: "image", url: image.url, detail: item.detail ?? null };
}
