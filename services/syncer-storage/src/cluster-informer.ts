import { type HostChange, HostInformer, type Syncer } from "@evk/syncer-runtime";
import type { KubernetesObject } from "@kubernetes/client-node";

/**
 * A host informer for a cluster-scoped kind (PersistentVolumes, StorageClasses). Syncer.hostInformer() builds
 * namespaced paths only, so this builds HostInformer on the cluster path itself; the caller starts and stops it.
 */
export function clusterHostInformer<T extends KubernetesObject>(
  syncer: Syncer,
  o: { apiVersion: string; kind: string; plural: string; labelSelector: string; onChange: HostChange<T> },
): HostInformer<T> {
  const base = o.apiVersion.includes("/") ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  return new HostInformer<T>({
    kubeConfig: syncer.kubeConfig,
    apiVersion: o.apiVersion,
    kind: o.kind,
    path: `${base}/${o.plural}`,
    // No namespace: client-node lists a cluster-scoped kind across the cluster.
    namespace: "",
    labelSelector: o.labelSelector,
    log: syncer.log,
    onChange: o.onChange,
  });
}

/**
 * Starts informers, waiting at most timeoutMs for their first list: without the right to read a cluster-scoped kind
 * the syncer still serves claims (it then cannot check classes or mirror them) and keeps retrying in the background.
 */
export async function startWithin(
  syncer: Syncer,
  informers: HostInformer<KubernetesObject>[],
  timeoutMs: number,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((r) => {
    timer = setTimeout(r, timeoutMs);
  });
  await Promise.race([Promise.all(informers.map((i) => i.start())), timeout]);
  clearTimeout(timer);
  if (informers.some((i) => !i.synced))
    syncer.log.warn("cluster-scoped host informers not synced yet (no right to list them?); retrying in background");
}
