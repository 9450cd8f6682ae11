// Pure: what a full resync publishes. After etcd compacted the relay's checkpoint away, the changes in
// between are gone; what remains knowable is etcd's state at one revision N and the stream's newest
// message per object. Publishing every object whose newest message differs, and a tombstone for every
// object the stream still shows alive but etcd no longer has, brings the stream to etcd's state at N.
import { type KeyValue, objectKey } from "@evk/store";
import { buildEnvelope, type EnvelopeContext, envelopeForCurrent } from "./change-envelope.ts";
import type { EventEnvelope } from "./envelope.ts";
import { subjectFor } from "./subjects.ts";

export interface PlannedPublish {
  key: string;
  subject: string;
  envelope: EventEnvelope;
}

export interface ResyncPlan {
  publish: PlannedPublish[];
  /** Objects whose newest message already is their current state. */
  unchanged: number;
  tombstones: number;
  /** Keys whose value does not decode: logged and left out. */
  undecodable: { key: string; error: string }[];
}

/**
 * `current`: every key under the cluster's prefix as read at `revision`; `streamed`: the newest valid
 * envelope per subject of this cluster in EVK_EVENTS.
 */
export function planResync(
  ctx: EnvelopeContext,
  current: KeyValue[],
  streamed: ReadonlyMap<string, EventEnvelope>,
  revision: number,
): ResyncPlan {
  const plan: ResyncPlan = { publish: [], unchanged: 0, tombstones: 0, undecodable: [] };
  const present = new Set<string>();
  for (const kv of current) {
    const r = envelopeForCurrent(ctx, kv);
    if (r.kind === "foreign") continue;
    if (r.kind === "undecodable") {
      plan.undecodable.push({ key: r.key, error: r.error });
      continue;
    }
    const subject = subjectFor("ev", r.envelope);
    present.add(subject);
    // Equal revision means the same change: its message is there. Any other revision (older as usual,
    // newer only if etcd was restored from an older backup) is replaced by etcd's current state.
    if (streamed.get(subject)?.revision === r.envelope.revision) {
      plan.unchanged++;
      continue;
    }
    plan.publish.push({ key: r.key, subject, envelope: r.envelope });
  }
  for (const [subject, last] of streamed) {
    if (present.has(subject) || last.type === "DELETED") continue;
    const ref = { group: last.group, resource: last.resource, namespace: last.namespace, name: last.name };
    const key = objectKey(ctx.cluster, { ...ref, namespace: ref.namespace || undefined });
    // The deletion happened somewhere in the compacted history; N is the first revision known to lack it.
    const object = { ...last.object, metadata: { ...last.object.metadata, resourceVersion: String(revision) } };
    plan.tombstones++;
    plan.publish.push({
      key,
      subject,
      envelope: { ...buildEnvelope(ctx, "DELETED", ref, object, revision, last.revision), traceId: last.traceId },
    });
  }
  return plan;
}
