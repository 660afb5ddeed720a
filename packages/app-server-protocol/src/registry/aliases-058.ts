import type {
  DecodedParams,
  NotificationMethod,
  NotificationParams,
  RequestMethod,
  RequestResult,
  ServerRequestMethod,
  ServerRequestParams,
  ServerRequestResult,
} from "./definition.js";
import { requestMethods } from "./derive.js";
import { type Protocol058, protocol058 } from "./protocol-058.js";

// Short names for the 0.58.0 generation, kept for the code written against it before generations existed.

/** A 0.58.0 client request method. */
export type ClientMethod = RequestMethod<Protocol058>;
/** A 0.58.0 request's decoded params. */
export type Params<M extends ClientMethod> = DecodedParams<Protocol058, M>;
/** A 0.58.0 request's result. */
export type Result<M extends ClientMethod> = RequestResult<Protocol058, M>;
/** A 0.58.0 server notification method. */
export type ServerNotificationMethod = NotificationMethod<Protocol058>;
/** A 0.58.0 server notification's params. */
export type ServerNotificationParams<M extends ServerNotificationMethod> = NotificationParams<Protocol058, M>;
/** A 0.58.0 server request method (the two approvals). */
export type ApprovalRequestMethod = ServerRequestMethod<Protocol058>;
/** A 0.58.0 server request's params. */
export type ApprovalRequestParams<M extends ApprovalRequestMethod> = ServerRequestParams<Protocol058, M>;
/** The client's answer to a 0.58.0 server request. */
export type ApprovalRequestResult<M extends ApprovalRequestMethod> = ServerRequestResult<Protocol058, M>;

/** The 0.58.0 client request methods in registry order. */
export const clientMethods: readonly ClientMethod[] = requestMethods(protocol058);
