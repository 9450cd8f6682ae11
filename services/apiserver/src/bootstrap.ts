import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { isStatusError, type KubeObject } from "@evk/kube";
import type { Logger } from "@evk/observability";
import type { Store, WatchCache } from "@evk/store";
import { applyDefaults } from "./defaults/index.ts";
import type { ManagedFieldsEntry } from "./managed-fields/entries.ts";

// Objects a real cluster has without anyone creating them: the `default` ServiceAccount and the
// `kube-root-ca.crt` ConfigMap of every namespace (kube-controller-manager) and the `default/kubernetes` Service with its
// Endpoints and EndpointSlice (kube-apiserver's own reconciler). evk's apiserver keeps both.

const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");
const namespaces = { group: "", resource: "namespaces" };
const serviceaccounts = { group: "", resource: "serviceaccounts" };
const configmaps = { group: "", resource: "configmaps" };

const ignore =
  (...reasons: ("AlreadyExists" | "NotFound" | "Conflict")[]) =>
  (err: unknown) => {
    if (!reasons.some((r) => isStatusError(err, r))) throw err;
    return undefined;
  };

/** One object every active namespace has. */
interface PerNamespace {
  resource: { group: string; resource: string };
  name: string;
  build: (namespace: string) => KubeObject;
  /** Brings an existing object back to what it must hold (undefined: leave it as it is). */
  repair?: (cur: KubeObject) => KubeObject | undefined;
}

/** kube-controller-manager's root-ca-cert-publisher describes its ConfigMap so. */
export const ROOT_CA_DESCRIPTION =
  "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

/**
 * What kube-controller-manager gives every namespace: the `default` ServiceAccount (serviceaccounts
 * controller) and the `kube-root-ca.crt` ConfigMap with the cluster CA (root-ca-cert-publisher, which
 * pods' service-account volumes mount). Created for existing namespaces at start, for new ones, and again
 * when deleted; the CA ConfigMap is put back when its data is changed.
 */
export class NamespaceDefaults {
  private readonly store: Store;
  private readonly cache: WatchCache;
  private readonly log: Logger;
  private readonly objects: PerNamespace[];
  private readonly watchers: { stop(): void }[] = [];
  private readonly busy = new Set<string>();
  private stopped = false;

  constructor(store: Store, cache: WatchCache, log: Logger, caPem: string) {
    this.store = store;
    this.cache = cache;
    this.log = log;
    const rootCa = { "ca.crt": caPem };
    this.objects = [
      {
        resource: serviceaccounts,
        name: "default",
        build: (namespace) => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace } }),
      },
      {
        resource: configmaps,
        name: "kube-root-ca.crt",
        build: (namespace) => ({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: {
            name: "kube-root-ca.crt",
            namespace,
            annotations: { "kubernetes.io/description": ROOT_CA_DESCRIPTION },
          },
          data: rootCa,
        }),
        repair: (cur) => (isDeepStrictEqual(cur.data, rootCa) ? undefined : { ...cur, data: rootCa }),
      },
    ];
  }

  start(): void {
    // From revision 0 the watch starts with every existing namespace as ADDED: that is the start-up pass.
    this.watchers.push(
      this.cache.watch(namespaces, { fromRevision: 0 }, (ev) => {
        if (ev.type !== "DELETED" && !ev.object.metadata.deletionTimestamp)
          for (const o of this.objects) this.ensure(o, ev.object.metadata.name as string);
      }),
    );
    for (const o of this.objects) {
      this.watchers.push(
        this.cache.watch(o.resource, { fromRevision: this.cache.revision }, (ev) => {
          if (ev.object.metadata.name !== o.name) return;
          const namespace = ev.object.metadata.namespace as string;
          if (ev.type === "DELETED" || (o.repair && o.repair(ev.object) !== undefined)) this.ensure(o, namespace);
        }),
      );
    }
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watchers) w.stop();
  }

  private ensure(o: PerNamespace, namespace: string): void {
    const id = `${o.resource.resource}/${namespace}`;
    if (this.stopped || this.busy.has(id)) return;
    const cur = this.cache.get({ ...o.resource, namespace, name: o.name })?.object;
    if (cur && !o.repair?.(cur)) return;
    this.busy.add(id);
    void this.write(o, namespace).finally(() => this.busy.delete(id));
  }

  private async write(o: PerNamespace, namespace: string): Promise<void> {
    const ref = { ...o.resource, namespace, name: o.name };
    try {
      // etcd decides: a namespace going away must not get new content.
      const ns = await this.store.get({ ...namespaces, name: namespace }).catch(ignore("NotFound"));
      if (!ns || ns.metadata.deletionTimestamp || this.stopped) return;
      const fresh = o.build(namespace);
      const made = await this.store
        .create(ref, { ...fresh, metadata: { ...fresh.metadata, uid: randomUUID(), creationTimestamp: now() } })
        .catch(ignore("AlreadyExists"));
      if (made) {
        this.log.info(
          { namespace, object: `${o.resource.resource}/${o.name}` },
          "created an object every namespace has",
        );
        return;
      }
      if (o.repair) {
        const repair = o.repair;
        await this.store.guaranteedUpdate(ref, (cur) => repair(cur) ?? cur).catch(ignore("NotFound"));
      }
    } catch (err) {
      this.log.error(
        { namespace, object: `${o.resource.resource}/${o.name}`, err: (err as Error).message },
        "creating a namespace default failed",
      );
    }
  }
}

/** The namespaces kube-apiserver's system-namespaces controller keeps. */
export const BOOTSTRAP_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/**
 * The managedFields entry of an object kube-apiserver writes itself (an Update by "kube-apiserver"), for the
 * fields it sets; defaulted and allocated fields are not among them, as its field manager runs before both.
 */
export function ownEntry(apiVersion: string, time: string, fieldsV1: Record<string, unknown>): ManagedFieldsEntry {
  return {
    manager: "kube-apiserver",
    operation: "Update",
    apiVersion,
    time,
    fieldsType: "FieldsV1",
    fieldsV1: fieldsV1 as ManagedFieldsEntry["fieldsV1"],
  };
}

const labelFields = (...keys: string[]) => ({
  "f:labels": { ".": {}, ...Object.fromEntries(keys.map((k) => [`f:${k}`, {}])) },
});

/**
 * Pure: a system namespace as kube-apiserver creates it: defaulted (its name label, the kubernetes finalizer,
 * Active), no generation (the namespace strategy keeps none), and the entry for the label it set.
 */
export function bootstrapNamespace(name: string, uid: string, time: string): KubeObject {
  const ns = applyDefaults("", "namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, uid, creationTimestamp: time },
  });
  return {
    ...ns,
    metadata: {
      ...ns.metadata,
      managedFields: [ownEntry("v1", time, { "f:metadata": labelFields("kubernetes.io/metadata.name") })],
    },
  };
}

/** Creates the system namespaces that do not exist yet. */
export async function createBootstrapNamespaces(store: Store): Promise<void> {
  for (const name of BOOTSTRAP_NAMESPACES) {
    await store
      .create({ ...namespaces, name }, bootstrapNamespace(name, randomUUID(), now()))
      .catch(ignore("AlreadyExists"));
  }
}

export interface KubernetesServiceOptions {
  clusterIP: string;
  /** The apiserver's address and port, as the Endpoints publish them. */
  address: string;
  port: number;
}

/** What kube-apiserver's reconciler sets of each object, as its managedFields entry records it. */
const KUBERNETES_FIELDS = {
  service: {
    "f:metadata": labelFields("component", "provider"),
    "f:spec": {
      "f:clusterIP": {},
      "f:internalTrafficPolicy": {},
      "f:ipFamilyPolicy": {},
      "f:ports": {
        ".": {},
        'k:{"port":443,"protocol":"TCP"}': {
          ".": {},
          "f:name": {},
          "f:port": {},
          "f:protocol": {},
          "f:targetPort": {},
        },
      },
      "f:sessionAffinity": {},
      "f:type": {},
    },
  },
  endpoints: { "f:metadata": labelFields("endpointslice.kubernetes.io/skip-mirror"), "f:subsets": {} },
  slice: {
    "f:addressType": {},
    "f:endpoints": {},
    "f:metadata": labelFields("kubernetes.io/service-name"),
    "f:ports": {},
  },
};

/** Pure: the objects kube-apiserver keeps for itself in the default namespace. */
export function kubernetesServiceObjects(o: KubernetesServiceOptions) {
  const service: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: {
      ports: [{ name: "https", protocol: "TCP", port: 443, targetPort: o.port }],
      clusterIP: o.clusterIP,
      clusterIPs: [o.clusterIP],
      type: "ClusterIP",
      sessionAffinity: "None",
      ipFamilies: [o.address.includes(":") ? "IPv6" : "IPv4"],
      ipFamilyPolicy: "SingleStack",
      internalTrafficPolicy: "Cluster",
    },
    status: { loadBalancer: {} },
  };
  const endpoints: KubeObject = {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: {
      name: "kubernetes",
      namespace: "default",
      labels: { "endpointslice.kubernetes.io/skip-mirror": "true" },
    },
    subsets: [{ addresses: [{ ip: o.address }], ports: [{ name: "https", port: o.port, protocol: "TCP" }] }],
  };
  const slice: KubeObject = {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "kubernetes", namespace: "default", labels: { "kubernetes.io/service-name": "kubernetes" } },
    addressType: o.address.includes(":") ? "IPv6" : "IPv4",
    endpoints: [{ addresses: [o.address], conditions: { ready: true } }],
    ports: [{ name: "https", protocol: "TCP", port: o.port }],
  };
  return { service, endpoints, slice };
}

/**
 * Creates or corrects default/kubernetes and its endpoints at start, as kube-apiserver's reconciler writes them:
 * with its managedFields entry, and a generation only on the EndpointSlice (the one kind here that keeps one).
 * The Service keeps a clusterIP once it has one (kube never changes it); ports and the endpoints follow this
 * apiserver, and a correction moves the entry's time as kube's field manager does.
 */
export async function reconcileKubernetesService(store: Store, o: KubernetesServiceOptions): Promise<void> {
  const want = kubernetesServiceObjects(o);
  for (const [group, resource, obj, fields] of [
    ["", "services", want.service, KUBERNETES_FIELDS.service],
    ["", "endpoints", want.endpoints, KUBERNETES_FIELDS.endpoints],
    ["discovery.k8s.io", "endpointslices", want.slice, KUBERNETES_FIELDS.slice],
  ] as const) {
    const ref = { group, resource, namespace: "default", name: "kubernetes" };
    const generation = resource === "endpointslices" ? { generation: 1 } : {};
    const entry = (time: string) => [ownEntry(obj.apiVersion as string, time, fields)];
    const time = now();
    const created = await store
      .create(ref, {
        ...obj,
        metadata: {
          ...obj.metadata,
          uid: randomUUID(),
          creationTimestamp: time,
          ...generation,
          managedFields: entry(time),
        },
      })
      .catch(ignore("AlreadyExists"));
    if (created) continue;
    await store.guaranteedUpdate(ref, (cur) => {
      let next: KubeObject;
      if (resource === "services") {
        const spec = (cur.spec ?? {}) as Record<string, unknown>;
        const ports = (want.service.spec as { ports: unknown }).ports;
        next = { ...cur, spec: { ...spec, ports } };
      } else {
        const { apiVersion: _a, kind: _k, metadata: _m, ...content } = obj;
        next = { ...cur, ...content };
      }
      const changed = !isDeepStrictEqual(next, cur);
      const { generation: _g, ...metadata } = next.metadata;
      if (resource !== "endpointslices") next = { ...next, metadata };
      else if (changed) next = { ...next, metadata: { ...metadata, generation: (cur.metadata.generation ?? 0) + 1 } };
      if (changed || !cur.metadata.managedFields)
        next = {
          ...next,
          metadata: {
            ...next.metadata,
            managedFields: entry(changed ? time : (cur.metadata.creationTimestamp ?? time)),
          },
        };
      return next;
    });
  }
}
