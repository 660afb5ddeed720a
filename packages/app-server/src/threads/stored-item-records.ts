import { pathToFileURL } from "node:url";
import type { gen0166 } from "@codex-ts/app-server-protocol";
import { shlexSplit } from "@codex-ts/core";
import type { ItemOf0166, ThreadItem0166 } from "../events/items-0166.js";
import { collabItemRecord } from "./collab-item-records.js";
import type { Json } from "./stored-items.js";

/**
 * A finished 0.166 item as a paginated rollout keeps it: the core's tagged form (`UserMessage`, `CommandExecution`,
 * …) that 0.166.0 writes in its `item_completed` events and `stored-items.ts` reads back (this is its inverse, for
 * every kind it reads). Null for the kinds that reader does not know, which are not recorded.
 */
export function coreItemRecord(item: ThreadItem0166): Json | null {
  switch (item.type) {
    case "userMessage":
      return { type: "UserMessage", id: item.id, content: item.content.map(coreUserInput) };
    case "agentMessage":
      return { type: "AgentMessage", id: item.id, content: [{ type: "Text", text: item.text }] };
    case "reasoning":
      return {
        type: "Reasoning",
        id: item.id,
        summary_text: item.summary ?? [],
        raw_content: item.content ?? [],
      };
    case "webSearch":
      return {
        type: "WebSearch",
        id: item.id,
        query: item.query,
        ...(item.action ? { action: coreWebSearchAction(item.action) } : {}),
      };
    case "contextCompaction":
      return { type: "ContextCompaction", id: item.id };
    case "commandExecution":
      return commandRecord(item);
    case "fileChange":
      return {
        type: "FileChange",
        id: item.id,
        changes: Object.fromEntries(item.changes.map((c) => [c.path, coreFileChange(c)])),
        status: snake(item.status),
        stdout: "",
        stderr: "",
      };
    case "mcpToolCall":
      return {
        type: "McpToolCall",
        id: item.id,
        server: item.server,
        tool: item.tool,
        status: snake(item.status),
        arguments: item.arguments ?? null,
        result: item.result
          ? { content: item.result.content, structured_content: item.result.structuredContent ?? null }
          : null,
        error: item.error ? { message: item.error.message } : null,
        duration: duration(item.durationMs),
      };
    case "enteredReviewMode":
      return { type: "EnteredReviewMode", id: item.id, user_facing_hint: item.review };
    case "imageView":
      return { type: "ImageView", id: item.id, path: fileUrl(item.path) };
    case "plan":
      return { type: "Plan", id: item.id, text: item.text };
    case "collabAgentToolCall":
      return collabItemRecord(item);
    default:
      // `exitedReviewMode` is recorded from its core event (its text is rendered from the review output, which is
      // what the record keeps): see RolloutProjection0166.
      return null;
  }
}

/** The `ExitedReviewMode` record of a review that ended with `reviewOutput` (null: none). */
export function exitedReviewRecord(id: string, reviewOutput: unknown): Json {
  return { type: "ExitedReviewMode", id, review_output: reviewOutput ?? null };
}

function coreUserInput(input: gen0166.UserInput): Json {
  switch (input.type) {
    case "text":
      return { type: "text", text: input.text, text_elements: input.text_elements ?? [] };
    case "image":
      return "url" in input ? { type: "image", image_url: input.url } : { ...input };
    case "localImage":
      return { type: "local_image", path: input.path };
    default:
      return { ...input };
  }
}

/**
 * 0.166.0 records a command as its argv (the wire joins it with shlex quoting, which splits back to the same
 * words), its cwd as a `file://` URL, its summary with the core's names and its duration as Rust's `Duration`.
 */
function commandRecord(item: ItemOf0166<"commandExecution">): Json {
  return {
    type: "CommandExecution",
    id: item.id,
    process_id: item.processId ?? null,
    command: shlexSplit(item.command) ?? [item.command],
    cwd: fileUrl(item.cwd),
    parsed_cmd: item.commandActions.map(coreCommandAction),
    source: snake(item.source ?? "agent"),
    status: snake(item.status),
    aggregated_output: item.aggregatedOutput ?? null,
    exit_code: item.exitCode ?? null,
    duration: duration(item.durationMs),
  };
}

function coreCommandAction(a: gen0166.CommandAction): Json {
  switch (a.type) {
    case "read":
      return { type: "read", cmd: a.command, name: a.name, path: a.path };
    case "listFiles":
      return { type: "list_files", cmd: a.command, path: a.path ?? null };
    case "search":
      return { type: "search", cmd: a.command, query: a.query ?? null, path: a.path ?? null };
    default:
      return { type: "unknown", cmd: a.command };
  }
}

/** A web search's action in the Responses API's form (snake_case types, no null fields), as 0.166.0 records it. */
export function coreWebSearchAction(a: gen0166.WebSearchAction): Json {
  const fields = Object.entries(a).filter(([k, v]) => k !== "type" && v != null);
  return { type: snake(a.type), ...Object.fromEntries(fields) };
}

export function coreFileChange(c: gen0166.FileUpdateChange): Json {
  if (c.kind.type === "add") return { type: "add", content: c.diff };
  if (c.kind.type === "delete") return { type: "delete", content: c.diff };
  return { type: "update", unified_diff: c.diff, move_path: c.kind.move_path ?? null };
}

/** An absolute path as the `file://` URL 0.166.0 records paths as (anything else as it is). */
function fileUrl(path: string): string {
  return path.startsWith("/") ? pathToFileURL(path).href : path;
}

/** Milliseconds as Rust's serialized `Duration` (null stays null). */
export function duration(ms: number | null | undefined): Json | null {
  if (ms == null) return null;
  return { secs: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

/** A wire enum value (`inProgress`, `unifiedExecStartup`) in the core's snake_case. */
export function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
