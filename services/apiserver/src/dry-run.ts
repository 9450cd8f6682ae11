import { errors, isStatusError, type KubeObject } from "@evk/kube";
import type { ObjectRef, Store, TryUpdate } from "@evk/store";

/**
 * `dryRun=All`: the request goes through everything a real write does (defaulting, validation,
 * preconditions, conflicts) and answers with the object it would store, but etcd is not written, so
 * there is no new resourceVersion and no event.
 */
export function dryRunStore(store: Store): Store {
  const current = (ref: ObjectRef) =>
    store.get(ref).catch((err: unknown) => {
      if (isStatusError(err, "NotFound")) return undefined;
      throw err;
    });
  const dry = Object.create(store) as Store;
  dry.create = async (ref: ObjectRef, obj: KubeObject) => {
    if (await current(ref)) throw errors.alreadyExists(ref, ref.name);
    const { resourceVersion: _rv, ...metadata } = obj.metadata;
    return { ...obj, metadata };
  };
  dry.guaranteedUpdate = async (ref: ObjectRef, tryUpdate: TryUpdate) => {
    const cur = await store.get(ref);
    const next = await tryUpdate(cur);
    return next === cur
      ? cur
      : { ...next, metadata: { ...next.metadata, resourceVersion: cur.metadata.resourceVersion } };
  };
  dry.delete = async (ref: ObjectRef, opts: { uid?: string; resourceVersion?: string } = {}) => {
    const cur = await store.get(ref);
    if (opts.uid !== undefined && cur.metadata.uid !== opts.uid)
      throw errors.conflict(
        ref,
        ref.name,
        `Precondition failed: UID in precondition: ${opts.uid}, UID in object meta: ${cur.metadata.uid ?? ""}`,
      );
    if (opts.resourceVersion !== undefined && cur.metadata.resourceVersion !== opts.resourceVersion)
      throw errors.conflict(
        ref,
        ref.name,
        `Precondition failed: ResourceVersion in precondition: ${opts.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion}`,
      );
    return cur;
  };
  return dry;
}

/** The dryRun query parameter: only "All" exists; anything else is refused as kube-apiserver refuses it. */
export function isDryRun(values: string[]): boolean {
  for (const v of values)
    if (v !== "All") throw errors.badRequest(`Invalid dryRun value: ${JSON.stringify(v)}: supported values: "All"`);
  return values.length > 0;
}
