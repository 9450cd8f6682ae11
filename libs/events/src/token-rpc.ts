// The token channel: syncers hold no virtual-cluster credentials, yet the pods they run on the host need the
// service-account tokens the virtual cluster would mount. They ask the cluster's apiserver over NATS
// request/reply; the apiserver checks the pod, issues a pod-bound token and audits every answer.
import { isStatusError } from "@evk/kube";
import type { Logger } from "@evk/observability";
import type { Msg, NatsConnection } from "@nats-io/nats-core";
import { encodeToken } from "./subjects.ts";

export interface TokenRequestMessage {
  namespace: string;
  serviceAccountName: string;
  podName: string;
  podUid: string;
  audiences: string[];
  expirationSeconds: number;
}

export type TokenReplyMessage =
  | { token: string; expirationTimestamp: string }
  | { error: { reason: string; code: number; message: string } };

/** Apiserver replicas share the work in one queue group: each request is answered once. */
export const TOKEN_QUEUE = "evk-apiserver-token";

export function tokenSubject(cluster: string): string {
  return `evk.rpc.${encodeToken(cluster)}.token`;
}

/** A reply's error as a thrown Error; `reason` and `code` let callers tell refusals from outages. */
export class TokenRequestError extends Error {
  readonly reason: string;
  readonly code: number;
  constructor(reason: string, code: number, message: string) {
    super(`${reason}: ${message}`);
    this.name = "TokenRequestError";
    this.reason = reason;
    this.code = code;
  }
}

export async function requestToken(
  nc: NatsConnection,
  cluster: string,
  req: TokenRequestMessage,
  timeoutMs = 5000,
): Promise<{ token: string; expirationTimestamp: string }> {
  let msg: Msg;
  try {
    msg = await nc.request(tokenSubject(cluster), JSON.stringify(req), { timeout: timeoutMs });
  } catch (err) {
    // No responders or no answer in time: nobody serves the cluster's tokens right now.
    throw new TokenRequestError(
      "ServiceUnavailable",
      503,
      `token request for cluster ${cluster} failed: ${(err as Error).message}`,
    );
  }
  let reply: TokenReplyMessage;
  try {
    reply = msg.json<TokenReplyMessage>();
  } catch {
    throw new TokenRequestError("InternalError", 500, "the token reply is not JSON");
  }
  if ("error" in reply) throw new TokenRequestError(reply.error.reason, reply.error.code, reply.error.message);
  if (typeof reply.token !== "string" || typeof reply.expirationTimestamp !== "string")
    throw new TokenRequestError("InternalError", 500, "the token reply has neither a token nor an error");
  return { token: reply.token, expirationTimestamp: reply.expirationTimestamp };
}

/** Pure: a request body as a TokenRequestMessage, or why it is not one. */
export function parseTokenRequest(data: Uint8Array): TokenRequestMessage | string {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data));
  } catch {
    return "the request is not UTF-8 JSON";
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "the request must be a JSON object";
  const r = v as Record<string, unknown>;
  for (const k of ["namespace", "serviceAccountName", "podName", "podUid"] as const) {
    if (typeof r[k] !== "string" || r[k] === "") return `${k} must be a non-empty string`;
  }
  if (!Array.isArray(r.audiences) || !r.audiences.every((a) => typeof a === "string" && a !== ""))
    return "audiences must be an array of non-empty strings";
  if (typeof r.expirationSeconds !== "number" || !Number.isSafeInteger(r.expirationSeconds))
    return "expirationSeconds must be an integer";
  return {
    namespace: r.namespace as string,
    serviceAccountName: r.serviceAccountName as string,
    podName: r.podName as string,
    podUid: r.podUid as string,
    audiences: r.audiences as string[],
    expirationSeconds: r.expirationSeconds,
  };
}

export function serveTokens(
  nc: NatsConnection,
  cluster: string,
  handler: (req: TokenRequestMessage) => Promise<{ token: string; expirationTimestamp: string }>,
  log?: Logger,
): { stop(): void } {
  const reply = (msg: Msg, body: TokenReplyMessage) => {
    // A requester that gave no reply subject (a plain publish) cannot be answered; nothing to do.
    if (msg.reply) msg.respond(JSON.stringify(body));
  };
  const sub = nc.subscribe(tokenSubject(cluster), {
    queue: TOKEN_QUEUE,
    callback: (err, msg) => {
      if (err) {
        log?.error({ err: err.message }, "token channel subscription failed");
        return;
      }
      const req = parseTokenRequest(msg.data);
      if (typeof req === "string") {
        log?.warn({ why: req }, "malformed token request refused");
        reply(msg, { error: { reason: "BadRequest", code: 400, message: req } });
        return;
      }
      handler(req).then(
        (ok) => reply(msg, ok),
        (e: unknown) => {
          const error = isStatusError(e)
            ? { reason: e.reason, code: e.code, message: e.message }
            : { reason: "InternalError", code: 500, message: (e as Error)?.message ?? String(e) };
          reply(msg, { error });
        },
      );
    },
  });
  return { stop: () => sub.unsubscribe() };
}
