import type { Projection } from "@evk/events";
import type { KubeObject } from "@evk/kube";
import { type HostInformer, isHostError, type ReconcileResult, type Syncer } from "@evk/syncer-runtime";
import {
  HOST_REVISION_ANNOTATION,
  hostName,
  kubernetesServiceFields,
  OBJECT_UID_ANNOTATION,
  SERVICE_KIND,
  serviceUpdate,
  serviceWriteBack,
  translateService,
  virtualIdentity,
} from "@evk/translate";
import type { V1Service } from "@kubernetes/client-node";

/** A Service the host will not take as it is; it gets a Warning Event and a condition saying why. */
export class ServiceRefused extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** The condition a refused Service carries in its status until the host takes it. */
export const SYNCED_CONDITION = "evk.dev/Synced";

/** Host answers that mean "not like this": retrying the same object would fail the same way. */
const refusedCodes = new Set([400, 403, 422]);

/**
 * The revision a report about a virtual object goes out with: the host's, unless the virtual object was
 * changed after it adopted that revision (e.g. a replace that dropped the clusterIP); then one past what
 * it holds, so the status ingest does not drop the correction as stale.
 */
export function reportRevision(hostRevision: number, virtual: KubeObject): number {
  const applied = Number(virtual.metadata.annotations?.[HOST_REVISION_ANNOTATION] ?? 0);
  return hostRevision > applied ? hostRevision : applied + 1;
}

export interface ServiceSyncOptions {
  syncer: Syncer;
  services: Projection;
  hostServices: HostInformer<V1Service>;
  /** Host Service in front of the virtual apiserver, mirrored by the virtual default/kubernetes. */
  apiserverService: string;
}

/**
 * One virtual Service against its host twin, level-triggered: create the twin, keep it in step, report
 * what the host allocated (clusterIP, node ports, load-balancer status) back, and carry deletions both
 * ways as vcluster does.
 */
export class ServiceSync {
  private readonly o: ServiceSyncOptions;
  private readonly cluster: string;
  private readonly hostNamespace: string;
  /**
   * Virtual UIDs whose host twin this process has seen. vcluster's object cache in small: a twin that was
   * seen and is gone was deleted on the host, so the virtual Service goes too; one never seen (first
   * start, or after a restart) is created.
   */
  private readonly seen = new Set<string>();

  constructor(o: ServiceSyncOptions) {
    this.o = o;
    this.cluster = o.syncer.config.cluster;
    this.hostNamespace = o.syncer.config.hostNamespace;
  }

  private ref(name: string) {
    return { apiVersion: "v1", kind: "Service", name, namespace: this.hostNamespace };
  }

  virtualService(namespace: string, name: string): KubeObject | undefined {
    return this.o.services.get(`${this.cluster}/core/services/${namespace}/${name}`);
  }

  private ours(h: V1Service, namespace: string, name: string): boolean {
    const id = virtualIdentity(h as never, this.cluster, this.hostNamespace, SERVICE_KIND);
    return id?.namespace === namespace && id.name === name;
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileResult | undefined> {
    if (namespace === "default" && name === "kubernetes") return this.reconcileKubernetes();
    const { syncer, hostServices } = this.o;
    const v = this.virtualService(namespace, name);
    const hName = hostName(this.cluster, namespace, name);
    const h = hostServices.get(hName, this.hostNamespace);

    if (!v || v.metadata.deletionTimestamp) {
      if (v) this.seen.delete(v.metadata.uid as string);
      if (h && this.ours(h, namespace, name)) await syncer.host.delete(this.ref(hName), { uid: h.metadata?.uid });
      return;
    }
    const uid = v.metadata.uid as string;
    if (h && !this.ours(h, namespace, name)) {
      throw new ServiceRefused(
        "HostNameTaken",
        `host Service ${this.hostNamespace}/${hName} exists and does not belong to this Service`,
      );
    }
    if (h && h.metadata?.annotations?.[OBJECT_UID_ANNOTATION] !== uid) {
      // Same name, new Service: the old twin goes first.
      await syncer.host.delete(this.ref(hName), { uid: h.metadata?.uid });
      return { requeueAfterMs: 300 };
    }
    if (!h) {
      if (this.seen.has(uid)) {
        // Its twin was deleted on the host: so goes the virtual Service (vcluster §3.1).
        this.seen.delete(uid);
        await this.deleteVirtual(v);
        return;
      }
      return this.create(v, hName);
    }
    this.seen.add(uid);
    if (h.metadata?.deletionTimestamp) return { requeueAfterMs: 1_000 };

    let host = h;
    const upd = serviceUpdate(v as V1Service, h, { cluster: this.cluster, hostNamespace: this.hostNamespace });
    if (upd.action === "recreate") {
      syncer.log.info({ service: `${namespace}/${name}`, reason: upd.reason }, "re-creating the host Service");
      this.seen.delete(uid);
      await syncer.host.delete(this.ref(hName), { uid: h.metadata?.uid });
      return { requeueAfterMs: 300 };
    }
    if (upd.action === "update") {
      try {
        host = await syncer.host.replace({ ...upd.service, apiVersion: "v1", kind: "Service" });
      } catch (err) {
        if (isHostError(err) && refusedCodes.has(err.code)) throw new ServiceRefused("HostRefused", err.message);
        throw err;
      }
    }
    await this.writeBack(v, host);
    return;
  }

  private async create(v: KubeObject, hName: string): Promise<ReconcileResult | undefined> {
    const { syncer } = this.o;
    const desired = translateService(v as V1Service, { cluster: this.cluster, hostNamespace: this.hostNamespace });
    let created: V1Service;
    try {
      created = await syncer.host.create({ ...desired, apiVersion: "v1", kind: "Service" });
    } catch (err) {
      if (isHostError(err, 409)) {
        // Ours from an earlier attempt the informer has not shown yet, or someone else's.
        const existing = await syncer.host.get<V1Service>(this.ref(hName));
        if (existing && !this.ours(existing, v.metadata.namespace as string, v.metadata.name as string)) {
          throw new ServiceRefused(
            "HostNameTaken",
            `host Service ${this.hostNamespace}/${hName} exists and does not belong to this Service`,
          );
        }
        return { requeueAfterMs: 200 };
      }
      if (isHostError(err) && refusedCodes.has(err.code)) throw new ServiceRefused("HostRefused", err.message);
      throw err;
    }
    syncer.log.info({ service: `${v.metadata.namespace}/${v.metadata.name}`, host: hName }, "host Service created");
    await this.writeBack(v, created);
    return;
  }

  /** The host's allocations and status, into the virtual Service (only when it does not say them yet). */
  private async writeBack(v: KubeObject, host: V1Service): Promise<void> {
    const wb = serviceWriteBack(v as V1Service, host);
    if (!wb) return;
    const hostRevision = Number(host.metadata?.resourceVersion);
    if (!Number.isSafeInteger(hostRevision)) return;
    await this.o.syncer.status.publish("", {
      resource: "services",
      namespace: v.metadata.namespace as string,
      name: v.metadata.name as string,
      uid: v.metadata.uid as string,
      hostRevision: reportRevision(hostRevision, v),
      status: wb.status as Record<string, unknown>,
      fields: wb.fields,
    });
  }

  /** default/kubernetes shows the address pods really reach the virtual apiserver at (§3.3). */
  private async reconcileKubernetes(): Promise<ReconcileResult | undefined> {
    const { syncer } = this.o;
    const v = this.virtualService("default", "kubernetes");
    if (!v) return;
    const h = await syncer.host.get<V1Service>(this.ref(this.o.apiserverService));
    if (!h?.spec?.clusterIP) return { requeueAfterMs: 5_000 };
    const fields = kubernetesServiceFields(v as V1Service, h);
    if (!fields) return;
    await syncer.status.publish("", {
      resource: "services",
      namespace: "default",
      name: "kubernetes",
      uid: v.metadata.uid as string,
      hostRevision: reportRevision(Number(h.metadata?.resourceVersion), v),
      status: (v.status as Record<string, unknown> | undefined) ?? { loadBalancer: {} },
      fields,
    });
    return;
  }

  /**
   * Tells the user why a Service is not on the host: a Warning Event each time, and a Synced=False
   * condition in its status while the reason stays the same.
   */
  async refuse(namespace: string, name: string, reason: string, message: string): Promise<void> {
    const { syncer } = this.o;
    const v = this.virtualService(namespace, name);
    if (!v) return;
    syncer.log.warn({ service: `${namespace}/${name}`, reason, err: message }, "the host refuses the Service");
    await syncer.status.event({ ...v, apiVersion: "v1", kind: "Service" }, "Warning", "SyncError", message);
    const status = (v.status ?? {}) as { conditions?: { type: string; reason?: string; message?: string }[] };
    const had = status.conditions?.find((c) => c.type === SYNCED_CONDITION);
    if (had?.reason === reason && had.message === message) return;
    const condition = {
      type: SYNCED_CONDITION,
      status: "False",
      reason,
      message,
      lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      ...(v.metadata.generation ? { observedGeneration: v.metadata.generation } : {}),
    };
    const applied = Number(v.metadata.annotations?.[HOST_REVISION_ANNOTATION] ?? 0);
    await syncer.status.publish("", {
      resource: "services",
      namespace,
      name,
      uid: v.metadata.uid as string,
      hostRevision: applied + 1,
      status: {
        loadBalancer: {},
        ...status,
        conditions: [...(status.conditions ?? []).filter((c) => c.type !== SYNCED_CONDITION), condition],
      },
    });
  }

  private async deleteVirtual(v: KubeObject): Promise<void> {
    this.o.syncer.log.info(
      { service: `${v.metadata.namespace}/${v.metadata.name}` },
      "host Service deleted: deleting the virtual Service",
    );
    await this.o.syncer.status.deleteVirtual("", "services", v);
  }
}
