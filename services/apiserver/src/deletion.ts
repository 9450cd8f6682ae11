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
  opts: { check?: (cur: KubeObject) => void; extraFinalizers?: string[] } = {},
): Promise<KubeObject> {
  let held = false;
  const marked = await store.guaranteedUpdate(r, (cur) => {
    opts.check?.(cur);
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
