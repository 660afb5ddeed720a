import type { gen0166 } from "@codex-ts/app-server-protocol";
import type { QueuedItemRow } from "@codex-ts/core";

// A queued message's input as 0.166.0 stores it in its queue database (its core `UserInput` serialized: snake_case,
// `image_url`, `byte_range`) and as the 0.166 protocol shows it (`QueuedSubmission.input`). Local images are read
// into data URLs when queued (the file may be gone when the message starts), so a stored input has none.

type Stored = Record<string, unknown> & { type?: unknown };
type TextElement = NonNullable<Extract<gen0166.UserInput, { type: "text" }>["text_elements"]>[number];

/** A wire input (local images already read into `image` data URLs) as the queue stores it. */
export function storedInput(input: gen0166.UserInput): Stored {
  switch (input.type) {
    case "text":
      return {
        type: "text",
        text: input.text,
        text_elements: (input.text_elements ?? []).map((e) => ({
          byte_range: e.byteRange,
          placeholder: e.placeholder ?? null,
        })),
      };
    case "image": {
      const detail = input.detail != null ? { detail: input.detail } : {};
      return "url" in input
        ? { type: "image", image_url: input.url, ...detail }
        : { type: "image", file_id: input.fileId, ...detail };
    }
    case "localImage":
      // Read into a data URL before it is stored (see `QueueInputs`); kept as given should one slip through.
      return { type: "local_image", path: input.path };
    case "audio":
      return { type: "audio", audio_url: input.url };
    case "localAudio":
      return { type: "local_audio", path: input.path };
    case "skill":
    case "mention":
      return { type: input.type, name: input.name, path: input.path };
  }
}

/** A stored input as the 0.166 protocol shows it (as 0.166.0 answers: an image's `detail` null when unset). */
export function wireInput(stored: unknown): gen0166.UserInput {
  const s = (stored ?? {}) as Stored;
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  switch (s.type) {
    case "image":
      return typeof s.file_id === "string"
        ? { type: "image", fileId: s.file_id, detail: (s.detail ?? null) as gen0166.ImageDetail | null }
        : { type: "image", url: str(s.image_url), detail: (s.detail ?? null) as gen0166.ImageDetail | null };
    case "local_image":
      return { type: "localImage", path: str(s.path) };
    case "audio":
      return { type: "audio", url: str(s.audio_url) };
    case "local_audio":
      return { type: "localAudio", path: str(s.path) };
    case "skill":
    case "mention":
      return { type: s.type, name: str(s.name), path: str(s.path) };
    default: {
      const elements = Array.isArray(s.text_elements) ? (s.text_elements as Record<string, unknown>[]) : [];
      return {
        type: "text",
        text: str(s.text),
        text_elements: elements.map(
          (e): TextElement => ({
            byteRange: e.byte_range as TextElement["byteRange"],
            placeholder: (e.placeholder ?? null) as string | null,
          }),
        ),
      };
    }
  }
}

/** A queued message as the 0.166 protocol shows it. */
export function queuedSubmission(row: QueuedItemRow): gen0166.QueuedSubmission {
  return { id: row.id, input: row.content.map(wireInput), clientUserMessageId: row.clientId };
}
