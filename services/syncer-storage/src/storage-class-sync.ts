import type { Projection } from "@evk/events";
import type { KubeObject } from "@evk/kube";
import { type HostInformer, isHostError, type Syncer } from "@evk/syncer-runtime";
import {
  clusterScopedHostName,
  STORAGE_CLASS_KIND,
  storageClassUpdates,
  translateStorageClass,
  virtualIdentity,
  virtualStorageClass,
} from "@evk/translate";
import type { V1StorageClass } from "@kubernetes/client-node";
import { workKey } from "./keys.ts";
import { VirtualWriter } from "./virtual-writer.ts";

const scRef = (name: string) => ({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", name });

/**
 * StorageClasses (§4.4). By default the virtual cluster shows the host's classes read-only: each host class is
 * applied with the same name and follows the host, and a virtual class the host does not have is removed. With
 * `--sync-storage-classes-to-host` the tenant's own classes go to the host instead, under cluster-scoped host names.
 */
export class StorageClassSync {
  private readonly o: {
    syncer: Syncer;
    classes: Projection;
    hostClasses: HostInformer<V1StorageClass>;
    toHost: boolean;
  };
  private readonly writer: VirtualWriter;

  constructor(o: StorageClassSync["o"]) {
    this.o = o;
    this.writer = new VirtualWriter(o.syncer, "storage.k8s.io", "storageclasses");
  }

  private virtual(name: string): KubeObject | undefined {
    return this.o.classes.get(`${this.o.syncer.config.cluster}/storage.k8s.io/storageclasses//${name}`);
  }

  async reconcile(name: string): Promise<{ requeueAfterMs: number } | undefined> {
    return this.o.toHost ? this.toHost(name) : this.fromHost(name);
  }

  private async fromHost(name: string): Promise<undefined> {
    // Without a synced view of the host's classes, "not on the host" cannot be told from "not known yet".
    if (!this.o.hostClasses.synced) return;
    const host = this.o.hostClasses.get(name);
    const cur = this.virtual(name);
    if (!host) {
      if (cur) await this.writer.delete(name, cur);
      return;
    }
    await this.writer.apply(name, cur, virtualStorageClass(host) as unknown as KubeObject, host.metadata?.uid ?? name);
    return;
  }

  private async toHost(name: string): Promise<{ requeueAfterMs: number } | undefined> {
    const { syncer } = this.o;
    const { cluster, hostNamespace } = syncer.config;
    const v = this.virtual(name) as (KubeObject & V1StorageClass) | undefined;
    const hName = clusterScopedHostName(cluster, hostNamespace, name);
    const h = this.o.hostClasses.get(hName);
    const ours = h !== undefined && virtualIdentity(h, cluster, hostNamespace, STORAGE_CLASS_KIND)?.name === name;
    if (h && !ours) {
      syncer.log.warn({ storageClass: name, host: hName }, "a host class of that name does not belong to this cluster");
      return;
    }
    if (!v || v.metadata.deletionTimestamp) {
      if (h && !h.metadata?.deletionTimestamp) await syncer.host.delete(scRef(hName), { uid: h.metadata?.uid });
      return;
    }
    const desired = translateStorageClass(v, { cluster, hostNamespace });
    if (!h) {
      try {
        await syncer.host.create({ ...desired, apiVersion: "storage.k8s.io/v1", kind: "StorageClass" });
      } catch (err) {
        if (!isHostError(err, 409)) throw err;
        return { requeueAfterMs: 200 };
      }
      return;
    }
    const change = storageClassUpdates(desired, h);
    if (change.action === "update") {
      await syncer.host.replace({ ...change.object, apiVersion: "storage.k8s.io/v1", kind: "StorageClass" });
    } else if (change.action === "recreate") {
      // The host refuses these changes in place; a class holds no data, so it is replaced.
      await syncer.host.delete(scRef(hName), { uid: h.metadata?.uid });
      syncer.enqueueAfter(workKey("sc", undefined, name), 200);
    }
    return;
  }
}
