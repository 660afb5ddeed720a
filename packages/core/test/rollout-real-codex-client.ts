import { REFERENCE_CODEX_BIN, type TestAppServer } from "@codex-ts/test-support";

/** The real Codex 0.58.0 binary, when this machine has it (test-all installs it and sets CODEX_REFERENCE_BIN). */
export const referenceBin = REFERENCE_CODEX_BIN;

/** Starts a v1 conversation, sends one message per entry of `messages` and waits for each turn to complete. */
export async function converse(
  client: TestAppServer,
  cwd: string,
  messages: string[],
): Promise<{ conversationId: string; rolloutPath: string }> {
  const conversation = await client.request("newConversation", { cwd });
  const { conversationId } = conversation;
  await client.request("addConversationListener", { conversationId });
  const completed = () =>
    client.messages.filter(
      (m) =>
        m.method === "codex/event/task_complete" &&
        (m.params as { conversationId?: string }).conversationId === conversationId,
    ).length;
  for (const text of messages) {
    const done = completed();
    await client.request("sendUserMessage", { conversationId, items: [{ type: "text", data: { text } }] });
    await client.waitFor(() => completed() > done, "task_complete");
  }
  return conversation;
}
