import { z } from "zod";
import { unknownVariant } from "../decode/serde-words.js";
import { RequestId } from "../schema/v1.js";
import type {
  ClientNotificationMethod,
  NotificationMessage,
  ProtocolDefinition,
  RequestMethod,
  RequestParams,
  ServerRequestMethod,
  ServerRequestParams,
} from "./definition.js";
import { NoParams } from "./no-params.js";

/** A client request of generation `P` as the wire carries it. */
export type RequestMessage<P extends ProtocolDefinition> = {
  [M in RequestMethod<P>]: { id: RequestId; method: M; params: RequestParams<P, M> };
}[RequestMethod<P>];
/** A server request of generation `P` as the wire carries it. */
export type ServerRequestMessage<P extends ProtocolDefinition> = {
  [R in ServerRequestMethod<P>]: { id: RequestId; method: R; params: ServerRequestParams<P, R> };
}[ServerRequestMethod<P>];
/** A client notification of generation `P` as the wire carries it. */
export type ClientNotificationMessage<P extends ProtocolDefinition> = {
  [N in ClientNotificationMethod<P>]: { method: N };
}[ClientNotificationMethod<P>];

/** The request methods of `P` in registry order. */
export function requestMethods<P extends ProtocolDefinition>(protocol: P): RequestMethod<P>[] {
  return Object.keys(protocol.requests);
}

export function isRequestMethod<P extends ProtocolDefinition>(
  protocol: P,
  method: string,
): method is RequestMethod<P> {
  return Object.hasOwn(protocol.requests, method);
}

export function isNotificationMethod<P extends ProtocolDefinition>(protocol: P, method: string): boolean {
  return Object.hasOwn(protocol.notifications, method);
}

/**
 * The answer to a method `P` does not have, worded as serde words it: every method of the generation, in
 * registry order (byte-identical to the reference's message for 0.58.0).
 */
export function unknownMethodMessage(protocol: ProtocolDefinition, method: string): string {
  return `Invalid request: ${unknownVariant(method, Object.keys(protocol.requests))}`;
}

type Variant = z.ZodObject;
function union(variants: Variant[]): z.ZodType {
  const [first, ...rest] = variants;
  if (!first) return z.never();
  return rest.length === 0 ? first : z.union([first, ...rest]);
}

/**
 * `ClientRequest`: one `{id, method, params}` variant per request, in registry order. `id` is the request id schema
 * the variants reference (an exporter passes the one its bundle names).
 */
export function requestUnion<P extends ProtocolDefinition>(
  protocol: P,
  id: z.ZodType = RequestId,
): z.ZodType<RequestMessage<P>> {
  const variants = Object.entries(protocol.requests).map(([method, r]) =>
    z.object({ id, method: z.enum([method]), params: r.params }),
  );
  return union(variants) as z.ZodType<RequestMessage<P>>;
}

/** `ServerNotification`: one `{method, params}` variant per notification. */
export function notificationUnion<P extends ProtocolDefinition>(
  protocol: P,
): z.ZodType<NotificationMessage<P>> {
  const variants = Object.entries(protocol.notifications).map(([method, params]) =>
    z.object({ method: z.enum([method]), params }),
  );
  return union(variants) as z.ZodType<NotificationMessage<P>>;
}

/** `ServerRequest`: one `{id, method, params}` variant per server request (`id` as for `requestUnion`). */
export function serverRequestUnion<P extends ProtocolDefinition>(
  protocol: P,
  id: z.ZodType = RequestId,
): z.ZodType<ServerRequestMessage<P>> {
  const variants = Object.entries(protocol.serverRequests).map(([method, r]) =>
    z.object({ id, method: z.enum([method]), params: r.params }),
  );
  return union(variants) as z.ZodType<ServerRequestMessage<P>>;
}

/** `ClientNotification`: a notification without params has no `params` member (serde's unit variant). */
export function clientNotificationUnion<P extends ProtocolDefinition>(
  protocol: P,
): z.ZodType<ClientNotificationMessage<P>> {
  const variants = Object.entries(protocol.clientNotifications).map(([method, params]) =>
    params === NoParams
      ? z.object({ method: z.enum([method]) })
      : z.object({ method: z.enum([method]), params }),
  );
  return union(variants) as z.ZodType<ClientNotificationMessage<P>>;
}
