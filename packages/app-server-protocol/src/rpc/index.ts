export { classifyLine, type IncomingMessage } from "./envelope.js";
export {
  INTERNAL_ERROR,
  INVALID_REQUEST,
  internalError,
  invalidParams,
  invalidRequest,
  METHOD_NOT_FOUND,
  PeerRequestError,
  type RequestId,
  RpcError,
  type RpcErrorBody,
  SERVER_OVERLOADED,
  serverOverloaded,
} from "./errors.js";
export {
  CONTAINER_WEIGHT,
  jsonWeight,
  MAX_ANSWER_DEPTH,
  MAX_MESSAGE_WEIGHT,
  tooDeepPath,
} from "./json-limits.js";
export { type LineEvent, LineReader } from "./line-reader.js";
export { DEFAULT_OUTPUT_HIGH_WATER_BYTES, LineWriter } from "./line-writer.js";
export {
  DEFAULT_MAX_LINE_BYTES,
  type IncomingNotification,
  type IncomingRequest,
  JsonRpcPeer,
  type JsonRpcPeerOptions,
  type OutgoingRequestOptions,
  type PeerHandlers,
} from "./peer.js";
export {
  SERIALIZE_MAX_DEPTH,
  SERIALIZE_MAX_STRING,
  type SerializedMessage,
  serializeMessage,
} from "./serialize.js";
