export { MAX_QUEUED_PER_THREAD, QUEUE_DB_FILE_NAME, type QueuedItemRow, QueueStore } from "./store.js";
