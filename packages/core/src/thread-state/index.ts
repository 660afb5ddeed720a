import { AttachmentStore } from "./attachments.js";
import { ThreadStateDb } from "./db.js";
import { MemoryModeStore } from "./memory-modes.js";
import { ReadReceiptStore } from "./read-receipts.js";

export {
  AttachmentLimitError,
  type AttachmentPosition,
  type AttachmentRow,
  AttachmentStore,
  MAX_ATTACHMENTS_PER_THREAD,
} from "./attachments.js";
export { THREAD_STATE_DB_FILE_NAME, ThreadStateDb } from "./db.js";
export { forgetExtractedMemories } from "./extracted-memories.js";
export { MemoryModeStore, type ThreadMemoryMode } from "./memory-modes.js";
export {
  initialReadState,
  ReadReceiptStore,
  type ReadState,
  ReadStateConflictError,
  type UnreadPosition,
} from "./read-receipts.js";

/** The per-thread state of one CODEX_HOME: its attachments, read receipts and memory modes, in one database. */
export class ThreadStateStore {
  readonly attachments: AttachmentStore;
  readonly readReceipts: ReadReceiptStore;
  readonly memoryModes: MemoryModeStore;
  private readonly db: ThreadStateDb;

  constructor(codexHome: string) {
    this.db = new ThreadStateDb(codexHome);
    this.attachments = new AttachmentStore(this.db);
    this.readReceipts = new ReadReceiptStore(this.db);
    this.memoryModes = new MemoryModeStore(this.db);
  }

  /** Forgets everything about a deleted thread. */
  forget(threadId: string): void {
    this.attachments.removeThread(threadId);
    this.readReceipts.remove(threadId);
    this.memoryModes.remove(threadId);
  }

  close(): void {
    this.db.close();
  }
}
