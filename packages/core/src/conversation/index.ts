export type { CoreEventListener } from "../events/types.js";
export {
  type ApplyPatchToolType,
  applyPatchToolType,
  FREEFORM_APPLY_PATCH_TOOL,
} from "./apply-patch-tool.js";
export { type CollaborationModeKind, collaborationModeMessageText } from "./collaboration-mode.js";
export { DEFAULT_BASE_INSTRUCTIONS, environmentContext, type TurnSettings } from "./context.js";
export { Conversation } from "./conversation.js";
export { uuidV7 } from "./ids.js";
export { type LocalImage, readLocalImage } from "./image-data-url.js";
export {
  type ConversationIdentity,
  ConversationManager,
  type ConversationManagerOptions,
  type McpStartup,
  type NewConversation,
} from "./manager.js";
export { MESSAGE_HISTORY_FILE, messageHistoryMetadata } from "./message-history.js";
export { type InputItem, type Op, sandboxPolicyFromWire, type TurnOpSettings } from "./op.js";
export { ElicitationCountError } from "./out-of-band-elicitations.js";
export {
  combineInstructions,
  discoverProjectDocs,
  PROJECT_DOC_SEPARATOR,
  type ProjectDocOptions,
  readProjectDocs,
  withProjectDocs,
} from "./project-doc.js";
export type { SampleResult } from "./sample.js";
export {
  ASSESSMENT_INSTRUCTIONS,
  ASSESSMENT_TIMEOUT_MS,
  type AssessmentRequest,
  assessSandboxCommand,
  type CommandMetadata,
  commandMetadataMessage,
  parseAssessment,
  sandboxFailureMessage,
  sandboxPolicySummary,
} from "./sandbox-assessment.js";
export { type PendingInput, SteerError, type SteerRefusal, type TaskKind } from "./steering.js";
