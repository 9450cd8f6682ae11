import type { KubeObject } from "@evk/kube";

// The contracts of DESIGN.md §3: one event envelope per JetStream message on EVK_EVENTS, one status report
// per message on EVK_STATUS.

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

export interface EventEnvelope {
  cluster: string;
  type: EventType;
  resource: string;
  /** "" for the core group. */
  group: string;
  version: string;
  /** "" for cluster-scoped objects. */
  namespace: string;
  name: string;
  uid: string;
  /** etcd revision of this change (the object's resourceVersion; for DELETED the deletion revision). */
  revision: number;
  /** Revision of the state this change replaced, when there was one. */
  prevRevision?: number;
  /** Full object for ADDED/MODIFIED, the last state for DELETED. */
  object: KubeObject;
  traceId: string;
  /** RFC 3339 time the relay published the event. */
  time: string;
}

export interface StatusReport {
  cluster: string;
  resource: string;
  namespace: string;
  name: string;
  uid: string;
  /** The host object's resourceVersion: reports older than the last applied one are dropped. */
  hostRevision: number;
  status: Record<string, unknown>;
  /** Host-allocated spec values the virtual object adopts (clusterIP, nodePorts, volumeName, nodeName). */
  fields?: Record<string, unknown>;
  /**
   * What the report asks of the virtual side. "status" (the default) adopts status and fields. "delete"
   * deletes the virtual object if it still has `uid` (its host twin is gone). "apply" creates or replaces
   * `object`, for objects the host side owns in the virtual cluster (nodes, events); `uid` then names the
   * host object it mirrors.
   */
  action?: StatusAction;
  /** For "delete": the grace period; 0 removes a pod at once. */
  gracePeriodSeconds?: number;
  /** For "apply": the whole virtual object. */
  object?: KubeObject;
}

export type StatusAction = "status" | "delete" | "apply";

export const HEADER_REVISION = "Evk-Revision";
export const HEADER_TRACE = "Evk-Trace";

/** The dedup id JetStream drops re-publishes by: one per change of one key. */
export function msgId(cluster: string, revision: number, key: string): string {
  return `${cluster}/${revision}/${key}`;
}

export class MalformedEnvelopeError extends Error {}

const isStr = (v: unknown): v is string => typeof v === "string";
// Fatal: invalid UTF-8 is malformed input, not text to be patched with replacement characters.
const utf8 = new TextDecoder("utf-8", { fatal: true });
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isRev = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v > 0;

/** Parses and checks one envelope; throws MalformedEnvelopeError naming the first thing wrong. */
export function parseEnvelope(data: Uint8Array | string): EventEnvelope {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(typeof data === "string" ? data : utf8.decode(data));
  } catch (err) {
    throw new MalformedEnvelopeError(`envelope is not UTF-8 JSON: ${(err as Error).message}`);
  }
  if (!isPlainObject(v)) throw new MalformedEnvelopeError("envelope is not an object");
  const need = (field: string, ok: (x: unknown) => boolean, what: string) => {
    if (!ok(v[field])) throw new MalformedEnvelopeError(`envelope field "${field}" must be ${what}`);
  };
  need("cluster", (x) => isStr(x) && x !== "", "a non-empty string");
  need("type", (x) => x === "ADDED" || x === "MODIFIED" || x === "DELETED", "ADDED, MODIFIED or DELETED");
  need("resource", (x) => isStr(x) && x !== "", "a non-empty string");
  for (const f of ["group", "version", "namespace", "uid", "traceId", "time"]) need(f, isStr, "a string");
  need("name", (x) => isStr(x) && x !== "", "a non-empty string");
  need("revision", isRev, "a positive integer");
  if (v.prevRevision !== undefined) need("prevRevision", isRev, "a positive integer");
  need("object", (x) => isPlainObject(x) && isPlainObject((x as KubeObject).metadata), "an object with metadata");
  return v as unknown as EventEnvelope;
}

/** Parses and checks one status report; throws MalformedEnvelopeError naming the first thing wrong. */
export function parseStatusReport(data: Uint8Array | string): StatusReport {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(typeof data === "string" ? data : utf8.decode(data));
  } catch (err) {
    throw new MalformedEnvelopeError(`status report is not UTF-8 JSON: ${(err as Error).message}`);
  }
  if (!isPlainObject(v)) throw new MalformedEnvelopeError("status report is not an object");
  for (const f of ["cluster", "resource", "name", "uid"]) {
    if (!isStr(v[f]) || v[f] === "")
      throw new MalformedEnvelopeError(`status report field "${f}" must be a non-empty string`);
  }
  if (!isStr(v.namespace)) throw new MalformedEnvelopeError('status report field "namespace" must be a string');
  if (!isRev(v.hostRevision))
    throw new MalformedEnvelopeError('status report field "hostRevision" must be a positive integer');
  if (!isPlainObject(v.status)) throw new MalformedEnvelopeError('status report field "status" must be an object');
  if (v.fields !== undefined && !isPlainObject(v.fields))
    throw new MalformedEnvelopeError('status report field "fields" must be an object');
  if (v.action !== undefined && v.action !== "status" && v.action !== "delete" && v.action !== "apply")
    throw new MalformedEnvelopeError('status report field "action" must be status, delete or apply');
  if (
    v.gracePeriodSeconds !== undefined &&
    !(
      typeof v.gracePeriodSeconds === "number" &&
      Number.isSafeInteger(v.gracePeriodSeconds) &&
      v.gracePeriodSeconds >= 0
    )
  )
    throw new MalformedEnvelopeError('status report field "gracePeriodSeconds" must be a non-negative integer');
  if (v.action === "apply") {
    const obj = v.object as KubeObject | undefined;
    if (!isPlainObject(obj) || !isPlainObject(obj.metadata) || obj.metadata.name !== v.name)
      throw new MalformedEnvelopeError('status report with action "apply" needs an object named like the report');
  }
  return v as unknown as StatusReport;
}
