// The typed constructors (constructors.ts) are the core's own: servers receive events, they do not build them.
export {
  type CollabAgentToolCallEvent,
  type CollabAgentToolCallItem,
  type ExtensionEventMsg,
  extensionEvent,
  type GuardianAssessmentEvent,
  isCodexWireEvent,
  type McpElicitationRequestEvent,
  type McpToolCallProgressEvent,
  type RequestUserInputEvent,
  type StreamItemsDiscardedEvent,
  type TerminalInteractionEvent,
  type UserInputAnswers,
  type UserInputQuestion,
} from "./extension.js";
export {
  type CodexEventMsg,
  type CodexEventOf,
  type CoreEvent,
  type CoreEventListener,
  type CoreEventMsg,
  type TokenCountEvent,
  toEventMsg,
} from "./types.js";
