import type { Projection } from "@evk/events";
import type { KubeObject } from "@evk/kube";
import { type HostInformer, isHostError, type ReconcileResult, type Syncer } from "@evk/syncer-runtime";
import {
  clusterScopedHostName,
  clusterScopedMarker,
  HOST_PV_ANNOTATION,
  HOST_REVISION_ANNOTATION,
  importedPersistentVolume,
  MANAGED_BY_LABEL,
  PV_KIND,
  PVC_KIND,
  persistentVolumeUpdates,
  type StorageTranslationContext,
  translatePersistentVolume,
  type VirtualClaimRef,
  virtualClaimRef,
  virtualIdentity,
} from "@evk/translate";
import type { V1PersistentVolume, V1PersistentVolumeClaim } from "@kubernetes/client-node";
import { isFakeVolume } from "./fake-pv-sync.ts";
import { VirtualWriter } from "./virtual-writer.ts";

/** A volume the host refuses to create or change; it gets a Warning Event. */
export class VolumeRefused extends Error {
  readonly reason = "HostRefused";
}

const pvRef = (name: string) => ({ apiVersion: "v1", kind: "PersistentVolume", name });

/**
 * Real volume sync (§4.3, `--sync-persistent-volumes-to-host`): the tenant's own PersistentVolumes go to the host
 * under cluster-scoped host names, and host volumes bound to the cluster's claims (dynamically provisioned ones) show
 * up in the virtual cluster under their host names. Status follows the host.
 */
export class PvSync {
  private readonly o: {
    syncer: Syncer;
    pvs: Projection;
    hostPvs: HostInformer<V1PersistentVolume>;
    hostPvcs: HostInformer<V1PersistentVolumeClaim>;
    context: () => StorageTranslationContext;
  };
  private readonly writer: VirtualWriter;

  constructor(o: PvSync["o"]) {
    this.o = o;
    this.writer = new VirtualWriter(o.syncer, "", "persistentvolumes");
  }

  private get cluster() {
    return this.o.syncer.config.cluster;
  }
  private get hostNamespace() {
    return this.o.syncer.config.hostNamespace;
  }

  private virtual(name: string): KubeObject | undefined {
    return this.o.pvs.get(`${this.cluster}/core/persistentvolumes//${name}`);
  }

  private ownedOnHost(h: V1PersistentVolume | undefined): string | undefined {
    return h ? virtualIdentity(h, this.cluster, this.hostNamespace, PV_KIND)?.name : undefined;
  }

  /** The virtual claim a host volume is bound to, when it is one of the cluster's claims. */
  claimOf(h: V1PersistentVolume): VirtualClaimRef | undefined {
    const ref = h.spec?.claimRef;
    if (!ref?.name || ref.namespace !== this.hostNamespace) return undefined;
    const hPvc = this.o.hostPvcs.get(ref.name, this.hostNamespace);
    const id = hPvc ? virtualIdentity(hPvc, this.cluster, this.hostNamespace, PVC_KIND) : undefined;
    return id ? { namespace: id.namespace, name: id.name, ...(id.uid ? { uid: id.uid } : {}) } : undefined;
  }

  /** The host name of a virtual volume: imported volumes keep theirs. */
  hostVolumeName(virtualName: string): string {
    const v = this.virtual(virtualName);
    return (
      v?.metadata.annotations?.[HOST_PV_ANNOTATION] ??
      clusterScopedHostName(this.cluster, this.hostNamespace, virtualName)
    );
  }

  /** The virtual name of a host volume: its virtual original for volumes synced from here, else the same name. */
  virtualVolumeName(hostVolume: string): string {
    const owned = this.ownedOnHost(this.o.hostPvs.get(hostVolume));
    if (owned) return owned;
    for (const [, v] of this.o.pvs.entries()) {
      const name = v.metadata.name as string;
      if (clusterScopedHostName(this.cluster, this.hostNamespace, name) === hostVolume) return name;
    }
    return hostVolume;
  }

  /** The work key names a host volume change concerns. */
  keysFor(h: V1PersistentVolume): string[] {
    const owned = this.ownedOnHost(h);
    if (owned) return [owned];
    return h.spec?.claimRef?.namespace === this.hostNamespace ? [h.metadata?.name ?? ""] : [];
  }

  /** A host volume (not synced from here) bound to the cluster's claims, or kept for them after release. */
  private importable(h: V1PersistentVolume | undefined): { claim: VirtualClaimRef | undefined } | undefined {
    if (!h || h.metadata?.labels?.[MANAGED_BY_LABEL] === clusterScopedMarker(this.cluster, this.hostNamespace))
      return undefined;
    const claim = this.claimOf(h);
    if (claim) return { claim };
    const released =
      h.spec?.claimRef?.namespace === this.hostNamespace && h.spec.persistentVolumeReclaimPolicy === "Retain";
    return released ? { claim: undefined } : undefined;
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const { syncer } = this.o;
    const v = this.virtual(name) as (KubeObject & V1PersistentVolume) | undefined;
    const hName = clusterScopedHostName(this.cluster, this.hostNamespace, name);
    const hOwned = this.o.hostPvs.get(hName);
    const hOurs = this.ownedOnHost(hOwned) === name ? hOwned : undefined;
    const hSame = this.o.hostPvs.get(name);
    const imp = this.importable(hSame);

    if (v?.metadata.annotations?.[HOST_PV_ANNOTATION] !== undefined) {
      if (imp && hSame)
        await this.writer.apply(
          name,
          v,
          importedPersistentVolume(hSame, imp.claim) as KubeObject,
          hSame.metadata?.uid ?? name,
        );
      else await this.writer.delete(name, v);
      return;
    }
    // Fake volumes belong to the default mode; with real volumes they are replaced by imports.
    if (v && isFakeVolume(v)) {
      await this.writer.delete(name, v);
      return;
    }
    if (v && !v.metadata.deletionTimestamp) return this.toHost(v, hOurs);

    if (hOurs && !hOurs.metadata?.deletionTimestamp)
      await syncer.host.delete(pvRef(hName), { uid: hOurs.metadata?.uid });
    if (!v && imp && hSame)
      await this.writer.apply(
        name,
        undefined,
        importedPersistentVolume(hSame, imp.claim) as KubeObject,
        hSame.metadata?.uid ?? name,
      );
    return;
  }

  private async toHost(
    v: KubeObject & V1PersistentVolume,
    h: V1PersistentVolume | undefined,
  ): Promise<ReconcileResult | undefined> {
    const { syncer } = this.o;
    const ctx = this.o.context();
    try {
      if (!h) {
        await syncer.host.create({ ...translatePersistentVolume(v, ctx), apiVersion: "v1", kind: "PersistentVolume" });
        return;
      }
      const desired = persistentVolumeUpdates(v, h, ctx);
      if (desired) await syncer.host.replace({ ...desired, apiVersion: "v1", kind: "PersistentVolume" });
    } catch (err) {
      if (isHostError(err, 409)) return { requeueAfterMs: 200 };
      if (isHostError(err) && [400, 403, 422].includes(err.code)) throw new VolumeRefused((err as Error).message);
      throw err;
    }
    if (h) await this.reportStatus(v, h);
    return;
  }

  private async reportStatus(v: KubeObject & V1PersistentVolume, h: V1PersistentVolume): Promise<void> {
    const hostRevision = Number(h.metadata?.resourceVersion);
    const applied = Number(v.metadata.annotations?.[HOST_REVISION_ANNOTATION] ?? 0);
    if (!Number.isSafeInteger(hostRevision) || hostRevision <= applied) return;
    const claim = this.claimOf(h);
    const want = claim ? virtualClaimRef(claim) : undefined;
    const cur = v.spec?.claimRef;
    const differs = want && (cur?.namespace !== want.namespace || cur?.name !== want.name || cur?.uid !== want.uid);
    await this.o.syncer.status.publish("", {
      resource: "persistentvolumes",
      namespace: "",
      name: v.metadata.name as string,
      uid: v.metadata.uid as string,
      hostRevision,
      status: JSON.parse(JSON.stringify(h.status ?? {})),
      ...(differs ? { fields: { claimRef: want } } : {}),
    });
  }
}
