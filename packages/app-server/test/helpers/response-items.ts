/** A Responses API item as it appears in rollouts and model requests. */
export type Item = Record<string, unknown>;

/** The user's message item. */
export const userItem = (text: string): Item => ({
  type: "message",
  role: "user",
  content: [{ type: "input_text", text }],
});

/** The assistant's message item. */
export const assistantItem = (text: string): Item => ({
  type: "message",
  role: "assistant",
  content: [{ type: "output_text", text }],
});
