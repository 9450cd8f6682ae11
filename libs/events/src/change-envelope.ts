// Pure: how one etcd change (or one current etcd value, during a resync) becomes an event envelope.
// Kept apart from the relay's I/O so every rule here is table-tested.
import type { KubeObject } from "@evk/kube";
import { decodeObject, type KeyValue, type ParsedKey, parseKey, type WatchEvent } from "@evk/store";
import type { EventEnvelope, EventType } from "./envelope.ts";

/** An object carrying this annotation keeps its trace id across every event of its life. */
export const TRACE_ANNOTATION = "evk.dev/trace-id";

export interface EnvelopeContext {
  cluster: string;
  /** Injected so tests are deterministic; the relay passes randomUUID and the wall clock. */
  newTraceId: () => string;
  now: () => Date;
}

export type ObjectRefOf = Pick<ParsedKey, "group" | "resource" | "namespace" | "name">;

export function buildEnvelope(
  ctx: EnvelopeContext,
  type: EventType,
  ref: ObjectRefOf,
  object: KubeObject,
  revision: number,
  prevRevision?: number,
): EventEnvelope {
  const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
  const trace = object.metadata?.annotations?.[TRACE_ANNOTATION];
  return {
    cluster: ctx.cluster,
    type,
    resource: ref.resource,
    group: ref.group === "core" ? "" : ref.group,
    // "apps/v1" -> "v1", "v1" -> "v1": the version of the API the object was written through.
    version: apiVersion.includes("/") ? apiVersion.slice(apiVersion.lastIndexOf("/") + 1) : apiVersion,
    namespace: ref.namespace ?? "",
    name: ref.name,
    uid: typeof object.metadata?.uid === "string" ? object.metadata.uid : "",
    revision,
    ...(prevRevision ? { prevRevision } : {}),
    object,
    traceId: typeof trace === "string" && trace !== "" ? trace : ctx.newTraceId(),
    time: ctx.now().toISOString(),
  };
}

export type ChangeResult =
  | { kind: "event"; key: string; envelope: EventEnvelope }
  /** A key under the cluster prefix that is not an object of the registry layout: nothing to publish. */
  | { kind: "foreign"; key: string; revision: number }
  /** A put of a value that is not a JSON object: it cannot be described to consumers. */
  | { kind: "undecodable"; key: string; revision: number; error: string };

function decode(value: Buffer, revision: number): KubeObject | Error {
  try {
    const o = decodeObject(value, revision);
    if (typeof o !== "object" || o === null || Array.isArray(o)) return new Error("value is not a JSON object");
    return o;
  } catch (err) {
    return err as Error;
  }
}

/**
 * One watch event as an envelope: ADDED when the key was created at this revision, MODIFIED for any
 * later put, DELETED with the previous value as the object's last state (etcd sends it with prev_kv).
 */
export function envelopeForChange(ctx: EnvelopeContext, e: WatchEvent): ChangeResult {
  const key = e.kv.key.toString();
  const revision = e.kv.mod_revision;
  const ref = parseKey(key);
  if (!ref) return { kind: "foreign", key, revision };
  if (e.type === "Delete") {
    // The previous value is the object's last state. Without it (etcd compacted it before our watch read
    // it) or when it does not decode, the deletion still happened: publish it with the name alone.
    const prev = e.prev_kv ? decode(e.prev_kv.value, revision) : undefined;
    let object: KubeObject;
    if (prev && !(prev instanceof Error)) object = prev;
    else {
      object = { metadata: { name: ref.name, resourceVersion: String(revision) } };
      if (ref.namespace) object.metadata.namespace = ref.namespace;
    }
    return {
      kind: "event",
      key,
      envelope: buildEnvelope(ctx, "DELETED", ref, object, revision, e.prev_kv?.mod_revision),
    };
  }
  const object = decode(e.kv.value, revision);
  if (object instanceof Error) return { kind: "undecodable", key, revision, error: object.message };
  const type = e.kv.create_revision === revision ? "ADDED" : "MODIFIED";
  return { kind: "event", key, envelope: buildEnvelope(ctx, type, ref, object, revision, e.prev_kv?.mod_revision) };
}

/**
 * A current value read during a resync, as the envelope of the change that wrote it. Its type and
 * revision are those the watch would have published, so a re-publish carries the same Nats-Msg-Id and
 * the same meaning as the original.
 */
export function envelopeForCurrent(ctx: EnvelopeContext, kv: KeyValue): ChangeResult {
  return envelopeForChange(ctx, { type: "Put", kv });
}
