export {
  DEFAULT_LISTEN_URL,
  defaultControlSocketPath,
  isLoopbackHost,
  type ListenTarget,
  parseListenUrl,
} from "./listen-url.js";
export { FailedHandshakes } from "./rate-limit.js";
export { stdioConnection, type TransportConnection, type TransportListener } from "./transport.js";
export { prepareSocketPath } from "./unix-socket-path.js";
export {
  type HandshakeVerdict,
  listenWebSocket,
  type WebSocketListenerOptions,
} from "./websocket-listener.js";
