import { isStatusError, type KubeObject, type QualifiedResource } from "@evk/kube";
import type { ObjectRef, Store } from "@evk/store";

/**
 * kube-apiserver's deletion: an object held by finalizers (its own, or `extraFinalizers` recorded for the
 * propagation policy) is only marked with a deletionTimestamp; otherwise it is deleted. Returns the
 * marked object or the last state of the deleted one.
 */
export async function deleteHonouringFinalizers(
  store: Store,
  type: QualifiedResource,
  r: ObjectRef,
  opts: {
    check?: (cur: KubeObject) => void;
    extraFinalizers?: string[];
    /** Seconds the object is given to terminate (graceful pod deletion); 0 or absent deletes now. */
    gracePeriod?: (cur: KubeObject) => number;
  } = {},
): Promise<KubeObject> {
  let held = false;
  const marked = await store.guaranteedUpdate(r, (cur) => {
    opts.check?.(cur);
    const grace = opts.gracePeriod?.(cur) ?? 0;
    if (grace > 0) {
      held = true;
      return markGraceful(cur, grace, opts.extraFinalizers ?? []);
    }
    const finalizers = [...new Set([...(cur.metadata.finalizers ?? []), ...(opts.extraFinalizers ?? [])])];
    held = finalizers.length > 0;
    if (!held) return cur; // nothing holds it: deleted below, nothing written here
    return {
      ...cur,
      metadata: {
        ...cur.metadata,
        finalizers,
        // kube's markAsDeleting: the first deletionTimestamp bumps a tracked generation.
        ...(cur.metadata.deletionTimestamp === undefined && (cur.metadata.generation ?? 0) > 0
          ? { generation: (cur.metadata.generation as number) + 1 }
          : {}),
        deletionTimestamp: cur.metadata.deletionTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        deletionGracePeriodSeconds: cur.metadata.deletionGracePeriodSeconds ?? 0,
      },
    };
  });
  if (held) return marked;
  try {
    return await store.delete(r, { resourceVersion: marked.metadata.resourceVersion as string });
  } catch (err) {
    // Changed between the look and the delete: decide again on the new state.
    if (isStatusError(err, "Conflict")) return deleteHonouringFinalizers(store, type, r, opts);
    throw err;
  }
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

/**
 * kube's graceful deletion: the object stays, with deletionTimestamp = now + grace, until whoever runs it
 * (a kubelet; in evk the syncer, once the host pod is gone) deletes it with grace 0. A second delete may
 * shorten the period, never lengthen it.
 */
export function markGraceful(
  cur: KubeObject,
  grace: number,
  extraFinalizers: string[] = [],
  now = Date.now(),
): KubeObject {
  const current = cur.metadata.deletionGracePeriodSeconds;
  if (cur.metadata.deletionTimestamp && current !== undefined && current <= grace) return cur;
  const finalizers = [...new Set([...(cur.metadata.finalizers ?? []), ...extraFinalizers])];
  return {
    ...cur,
    metadata: {
      ...cur.metadata,
      ...(finalizers.length ? { finalizers } : {}),
      ...(cur.metadata.deletionTimestamp === undefined && (cur.metadata.generation ?? 0) > 0
        ? { generation: (cur.metadata.generation as number) + 1 }
        : {}),
      deletionTimestamp: rfc3339(now + grace * 1000),
      deletionGracePeriodSeconds: grace,
    },
  };
}

/**
 * The grace period of a pod deletion, as kube's pod strategy decides it: the request's, else the pod's
 * terminationGracePeriodSeconds (default 30); 0 for pods never scheduled or already finished, since no
 * kubelet has anything to stop.
 */
export function podGracePeriod(pod: KubeObject, requested: number | undefined): number {
  const spec = (pod.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (!spec.nodeName || phase === "Succeeded" || phase === "Failed") return 0;
  const grace = requested ?? spec.terminationGracePeriodSeconds ?? 30;
  // kube turns a negative request into 1 s ("delete as soon as possible"), never into an immediate delete.
  return grace < 0 ? 1 : grace;
}
