import { isStatusError, type KubeObject, StatusError } from "@evk/kube";
import type { Logger } from "@evk/observability";
import type { Store, WatchCache } from "@evk/store";
import { deleteHonouringFinalizers } from "./deletion.ts";
import { resourceTypes } from "./resources.ts";

// Namespace lifecycle as kube-apiserver's NamespaceLifecycle admission and kube-controller-manager's
// namespace controller give it: system namespaces cannot be deleted, a deleted namespace is Terminating
// and refuses new content, and it is emptied and then removed. evk runs the controller part itself until
// a controller-manager runs in the virtual cluster.

export const UNDELETABLE = new Set(["default", "kube-system", "kube-public"]);
const namespaces = { group: "", resource: "namespaces" };

export function refuseDeletion(name: string): void {
  if (UNDELETABLE.has(name)) {
    throw new StatusError("Forbidden", `namespaces "${name}" is forbidden: this namespace may not be deleted`, {
      name,
      kind: "namespaces",
    });
  }
}

/** Creating inside a Terminating namespace is Forbidden, as in kube-apiserver. */
export function refuseContentIn(ns: KubeObject | undefined, resource: string, name: string): void {
  if (ns?.metadata.deletionTimestamp) {
    throw new StatusError(
      "Forbidden",
      `${resource} "${name}" is forbidden: unable to create new content in namespace ${ns.metadata.name} because it is being terminated`,
      {
        name,
        kind: resource,
        causes: [
          {
            reason: "NamespaceTerminating",
            message: `namespace ${ns.metadata.name} is being terminated`,
            field: "metadata.namespace",
          },
        ],
      },
    );
  }
}

/** Finalizers that keep an object (and, for a namespace, its spec finalizers) from being removed. */
export function isHeld(o: KubeObject): boolean {
  const specFinalizers =
    o.kind === "Namespace" ? ((o.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []) : [];
  return (o.metadata.finalizers?.length ?? 0) > 0 || specFinalizers.length > 0;
}

/** The namespace with deletionTimestamp set and phase Terminating, its spec finalizer kept. */
export function markTerminating(ns: KubeObject): KubeObject {
  return {
    ...ns,
    metadata: {
      ...ns.metadata,
      deletionTimestamp: ns.metadata.deletionTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      deletionGracePeriodSeconds: 0,
    },
    status: { ...(ns.status as object | undefined), phase: "Terminating" },
  };
}

/**
 * Empties Terminating namespaces and removes them: deletes every namespaced object in them, then drops the
 * "kubernetes" spec finalizer and deletes the namespace. Driven by the watch cache; each namespace is
 * worked on by one pass at a time and passes repeat while objects remain (e.g. held by finalizers).
 */
export class NamespaceFinalizer {
  private readonly busy = new Set<string>();
  private stopped = false;
  private watcher: { stop(): void } | undefined;
  private readonly store: Store;
  private readonly cache: WatchCache;
  private readonly log: Logger;
  /** Namespaced resources beyond the built-in ones (custom resources), as they are stored. */
  private readonly extra: () => { group: string; resource: string; namespaced: boolean }[];

  constructor(
    store: Store,
    cache: WatchCache,
    log: Logger,
    extra: () => { group: string; resource: string; namespaced: boolean }[] = () => [],
  ) {
    this.store = store;
    this.cache = cache;
    this.log = log;
    this.extra = extra;
  }

  start(): void {
    this.watcher = this.cache.watch(namespaces, { fromRevision: 0 }, (ev) => {
      if (ev.type !== "DELETED" && ev.object.metadata.deletionTimestamp)
        void this.finalize(ev.object.metadata.name as string);
    });
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.stop();
  }

  private async finalize(name: string): Promise<void> {
    if (this.busy.has(name) || this.stopped) return;
    this.busy.add(name);
    try {
      for (let pass = 0; !this.stopped; pass++) {
        let remaining = 0;
        for (const t of [...resourceTypes, ...this.extra()]) {
          if (!t.namespaced) continue;
          for (const o of (await this.store.list(t, { namespace: name })).items) {
            remaining++;
            if (o.metadata.deletionTimestamp) continue; // waiting for its own finalizers
            const r = { ...t, namespace: name, name: o.metadata.name as string };
            const after = await deleteHonouringFinalizers(this.store, t, r).catch((err) => {
              if (!isStatusError(err, "NotFound")) throw err;
              return undefined;
            });
            if (!after?.metadata.deletionTimestamp) remaining--;
          }
        }
        if (remaining === 0) break;
        await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * 2 ** pass)));
      }
      if (this.stopped) return;
      const ref = { ...namespaces, name };
      const ns = await this.store.guaranteedUpdate(ref, (cur) => ({
        ...cur,
        spec: {
          ...(cur.spec as object | undefined),
          finalizers: ((cur.spec as { finalizers?: string[] })?.finalizers ?? []).filter((f) => f !== "kubernetes"),
        },
      }));
      if (
        (ns.metadata.finalizers?.length ?? 0) === 0 &&
        ((ns.spec as { finalizers?: string[] }).finalizers?.length ?? 0) === 0
      ) {
        await this.store.delete(ref, { uid: ns.metadata.uid as string });
        this.log.info({ namespace: name }, "namespace emptied and removed");
      }
    } catch (err) {
      if (!isStatusError(err, "NotFound"))
        this.log.error(
          { namespace: name, err: (err as Error).message },
          "namespace finalization failed; retried on its next change",
        );
    } finally {
      this.busy.delete(name);
    }
  }
}
