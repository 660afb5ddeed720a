export { classifyLine, type IncomingMessage } from "./envelope.js";
export {
  INTERNAL_ERROR,
  INVALID_REQUEST,
  internalError,
  invalidRequest,
  PeerRequestError,
  type RequestId,
  RpcError,
  type RpcErrorBody,
} from "./errors.js";
export { type LineEvent, LineReader } from "./line-reader.js";
export { LineWriter } from "./line-writer.js";
export {
  DEFAULT_MAX_LINE_BYTES,
  type IncomingNotification,
  type IncomingRequest,
  JsonRpcPeer,
  type JsonRpcPeerOptions,
  type OutgoingRequestOptions,
  type PeerHandlers,
} from "./peer.js";
