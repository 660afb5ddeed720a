import type { AppServerClient } from "@codex-ts/app-server-client";
import type {
  InputItem,
  ListConversationsResponse,
  NewConversationParams,
} from "@codex-ts/app-server-protocol";
import { ExecInputError } from "./input.js";

/** How far `exec resume <SESSION_ID>` pages through the saved sessions looking for the id. */
const MAX_PAGES = 200;
const PAGE_SIZE = 100;

/** What a started or resumed conversation is known by. */
export interface OpenedConversation {
  conversationId: string;
  model: string;
  reasoningEffort: string | null;
}

/** Which saved session `codex exec resume` continues. */
export type ResumeTarget = { last: true } | { sessionId: string };

/** The rollout file of the session to resume, through the server's own listing (newest first). */
async function findRollout(client: AppServerClient, target: ResumeTarget): Promise<string> {
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res: ListConversationsResponse = await client.request("listConversations", {
      pageSize: "last" in target ? 1 : PAGE_SIZE,
      cursor,
    });
    const hit =
      "last" in target
        ? res.items[0]
        : res.items.find((c) => c.conversationId.toLowerCase() === target.sessionId.toLowerCase());
    if (hit) return hit.path;
    cursor = res.nextCursor ?? null;
    if (cursor === null || "last" in target) break;
  }
  throw new ExecInputError(
    "last" in target
      ? "No saved session to resume (nothing recorded under CODEX_HOME/sessions)."
      : `No saved session found with id ${target.sessionId}.`,
  );
}

/** Starts a conversation, or resumes a saved one, with these settings, and subscribes to its events. */
export async function openConversation(
  client: AppServerClient,
  settings: NewConversationParams,
  resume: ResumeTarget | null,
): Promise<OpenedConversation> {
  let opened: OpenedConversation;
  if (resume) {
    const path = await findRollout(client, resume);
    const res = await client.request("resumeConversation", { path, overrides: settings });
    opened = { conversationId: res.conversationId, model: res.model, reasoningEffort: null };
  } else {
    const res = await client.request("newConversation", settings);
    opened = {
      conversationId: res.conversationId,
      model: res.model,
      reasoningEffort: res.reasoningEffort ?? null,
    };
  }
  await client.request("addConversationListener", { conversationId: opened.conversationId });
  return opened;
}

/** The user's turn: the prompt, then the attached images. */
export function turnInput(prompt: string, images: readonly string[]): InputItem[] {
  return [
    { type: "text", data: { text: prompt } },
    ...images.map((path): InputItem => ({ type: "localImage", data: { path } })),
  ];
}
