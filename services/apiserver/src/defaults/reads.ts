import type { KubeObject } from "@evk/kube";
import type { WatchCache } from "@evk/store";
import type { AdmissionReads } from "./admission.ts";
import type { Obj } from "./util.ts";

// The stored objects admission plugins consult, read from the watch cache as kube's plugins read their
// informers. Like kube's ServiceAccount plugin, which falls back to a live read when its informer has not
// seen an account yet, a pod that names an object the cache lacks first makes the cache as fresh as etcd.

export function cacheReads(cache: WatchCache): AdmissionReads {
  return {
    get: (group, resource, namespace, name) =>
      cache.get({ group, resource, namespace, name })?.object as Obj | undefined,
    list: (group, resource, namespace) => cache.list({ group, resource }, namespace).items.map((i) => i.object as Obj),
  };
}

/** The reads for admitting `obj`, once the cache holds every object it names that etcd has. */
export async function admissionReads(
  cache: WatchCache,
  group: string,
  resource: string,
  namespace: string | undefined,
  obj: KubeObject,
): Promise<AdmissionReads> {
  const reads = cacheReads(cache);
  if (group !== "" || resource !== "pods") return reads;
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const account = String(spec.serviceAccountName || spec.serviceAccount || "default");
  const missing =
    !reads.get("", "serviceaccounts", namespace, account) ||
    (typeof spec.priorityClassName === "string" &&
      spec.priorityClassName !== "" &&
      !spec.priorityClassName.startsWith("system-") &&
      !reads.get("scheduling.k8s.io", "priorityclasses", undefined, spec.priorityClassName)) ||
    (typeof spec.runtimeClassName === "string" &&
      !reads.get("node.k8s.io", "runtimeclasses", undefined, spec.runtimeClassName));
  if (missing) await cache.sync();
  return reads;
}
