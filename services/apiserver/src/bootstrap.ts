import { randomUUID } from "node:crypto";
import { isStatusError, type KubeObject } from "@evk/kube";
import type { Logger } from "@evk/observability";
import type { Store, WatchCache } from "@evk/store";

// Objects a real cluster has without anyone creating them: the `default` ServiceAccount of every namespace
// (kube-controller-manager's serviceaccounts controller) and the `default/kubernetes` Service with its
// Endpoints and EndpointSlice (kube-apiserver's own reconciler). evk's apiserver keeps both.

const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");
const namespaces = { group: "", resource: "namespaces" };
const serviceaccounts = { group: "", resource: "serviceaccounts" };

const ignore =
  (...reasons: ("AlreadyExists" | "NotFound" | "Conflict")[]) =>
  (err: unknown) => {
    if (!reasons.some((r) => isStatusError(err, r))) throw err;
    return undefined;
  };

/** Creates the `default` ServiceAccount in every active namespace, now and whenever one is created or it is deleted. */
export class DefaultServiceAccounts {
  private readonly store: Store;
  private readonly cache: WatchCache;
  private readonly log: Logger;
  private readonly watchers: { stop(): void }[] = [];
  private readonly busy = new Set<string>();
  private stopped = false;

  constructor(store: Store, cache: WatchCache, log: Logger) {
    this.store = store;
    this.cache = cache;
    this.log = log;
  }

  start(): void {
    // From revision 0 the watch starts with every existing namespace as ADDED: that is the start-up pass.
    this.watchers.push(
      this.cache.watch(namespaces, { fromRevision: 0 }, (ev) => {
        if (ev.type !== "DELETED" && !ev.object.metadata.deletionTimestamp)
          this.ensure(ev.object.metadata.name as string);
      }),
      this.cache.watch(serviceaccounts, { fromRevision: this.cache.revision }, (ev) => {
        if (ev.type === "DELETED" && ev.object.metadata.name === "default")
          this.ensure(ev.object.metadata.namespace as string);
      }),
    );
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watchers) w.stop();
  }

  private ensure(namespace: string): void {
    if (this.stopped || this.busy.has(namespace)) return;
    if (this.cache.get({ ...serviceaccounts, namespace, name: "default" })) return;
    this.busy.add(namespace);
    void this.create(namespace).finally(() => this.busy.delete(namespace));
  }

  private async create(namespace: string): Promise<void> {
    try {
      // etcd decides: a namespace going away must not get new content.
      const ns = await this.store.get({ ...namespaces, name: namespace }).catch(ignore("NotFound"));
      if (!ns || ns.metadata.deletionTimestamp || this.stopped) return;
      const sa: KubeObject = {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "default", namespace, uid: randomUUID(), creationTimestamp: now(), generation: 1 },
      };
      const made = await this.store
        .create({ ...serviceaccounts, namespace, name: "default" }, sa)
        .catch(ignore("AlreadyExists"));
      if (made) this.log.info({ namespace }, "created the default service account");
    } catch (err) {
      this.log.error({ namespace, err: (err as Error).message }, "creating the default service account failed");
    }
  }
}

export interface KubernetesServiceOptions {
  clusterIP: string;
  /** The apiserver's address and port, as the Endpoints publish them. */
  address: string;
  port: number;
}

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
 * Creates or corrects default/kubernetes and its endpoints at start. The Service keeps a clusterIP once
 * it has one (kube never changes it); ports and the endpoints follow this apiserver.
 */
export async function reconcileKubernetesService(store: Store, o: KubernetesServiceOptions): Promise<void> {
  const want = kubernetesServiceObjects(o);
  for (const [group, resource, obj] of [
    ["", "services", want.service],
    ["", "endpoints", want.endpoints],
    ["discovery.k8s.io", "endpointslices", want.slice],
  ] as const) {
    const ref = { group, resource, namespace: "default", name: "kubernetes" };
    const created = await store
      .create(ref, {
        ...obj,
        metadata: { ...obj.metadata, uid: randomUUID(), creationTimestamp: now(), generation: 1 },
      })
      .catch(ignore("AlreadyExists"));
    if (created) continue;
    await store.guaranteedUpdate(ref, (cur) => {
      if (resource === "services") {
        const spec = (cur.spec ?? {}) as Record<string, unknown>;
        const ports = (want.service.spec as { ports: unknown }).ports;
        return { ...cur, spec: { ...spec, ports } };
      }
      const { apiVersion: _a, kind: _k, metadata: _m, ...content } = obj;
      return { ...cur, ...content };
    });
  }
}
