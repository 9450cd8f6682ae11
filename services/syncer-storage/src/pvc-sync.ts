import type { Projection } from "@evk/events";
import type { KubeObject } from "@evk/kube";
import { type HostInformer, isHostError, type ReconcileResult, type Syncer } from "@evk/syncer-runtime";
import {
  controlledByOther,
  HOST_REVISION_ANNOTATION,
  hostName,
  PVC_KIND,
  pvcStatusReport,
  pvcUpdates,
  type StorageTranslationContext,
  translatePvc,
  virtualIdentity,
} from "@evk/translate";
import type { V1PersistentVolumeClaim } from "@kubernetes/client-node";

/** Thrown for claims that cannot go to the host as they are; they get a Warning Event and a Synced=False condition. */
export class ClaimRefused extends Error {
  readonly reason: string;
  /** Whether the status should say so too (only before the claim has a host twin whose status it shows). */
  readonly beforeCreate: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(reason: string, message: string, o: { beforeCreate: boolean; retryAfterMs?: number }) {
    super(message);
    this.reason = reason;
    this.beforeCreate = o.beforeCreate;
    this.retryAfterMs = o.retryAfterMs;
  }
}

export interface PvcSyncOptions {
  syncer: Syncer;
  pvcs: Projection;
  hostPvcs: HostInformer<V1PersistentVolumeClaim>;
  /** Translation context for a claim (it depends on the virtual classes and volumes at the time). */
  context: () => StorageTranslationContext;
  /** Whether a claim's class exists where the claim will look for it; undefined when that cannot be known. */
  classExists: (name: string) => boolean | undefined;
  /** The virtual name of a host volume a claim is bound to. */
  virtualVolumeName: (hostVolume: string) => string;
}

const pvcRef = (hostNamespace: string, name: string) => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  name,
  namespace: hostNamespace,
});

/** Host answers that say "not like this" rather than "not now". */
const refusal = (err: unknown) => isHostError(err) && [400, 403, 422].includes(err.code);

/**
 * One virtual claim against its host twin, level-triggered (§4.1): create the twin, follow expansion and metadata,
 * report the host's status and bound volume back, and carry deletions both ways.
 */
export class PvcSync {
  private readonly o: PvcSyncOptions;
  private readonly cluster: string;
  private readonly hostNamespace: string;

  constructor(o: PvcSyncOptions) {
    this.o = o;
    this.cluster = o.syncer.config.cluster;
    this.hostNamespace = o.syncer.config.hostNamespace;
  }

  virtualClaim(namespace: string, name: string): KubeObject | undefined {
    return this.o.pvcs.get(`${this.cluster}/core/persistentvolumeclaims/${namespace}/${name}`);
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileResult | undefined> {
    const { syncer } = this.o;
    const v = this.virtualClaim(namespace, name) as (KubeObject & V1PersistentVolumeClaim) | undefined;
    const hName = hostName(this.cluster, namespace, name);
    const h = this.o.hostPvcs.get(hName, this.hostNamespace);
    const id = h ? virtualIdentity(h, this.cluster, this.hostNamespace, PVC_KIND) : undefined;
    const ours = id !== undefined && id.namespace === namespace && id.name === name;
    const ref = pvcRef(this.hostNamespace, hName);

    if (!v) {
      if (h && ours && !h.metadata?.deletionTimestamp) await syncer.host.delete(ref, { uid: h.metadata?.uid });
      return;
    }
    if (controlledByOther(v, syncer.name)) return;
    if (v.metadata.deletionTimestamp) {
      if (h && ours && !h.metadata?.deletionTimestamp) {
        await syncer.host.delete(ref, {
          uid: h.metadata?.uid,
          gracePeriodSeconds: v.metadata.deletionGracePeriodSeconds ?? undefined,
        });
      }
      return;
    }
    if (h && !ours) {
      throw new ClaimRefused(
        "HostNameTaken",
        `the host already has a claim ${this.hostNamespace}/${hName} that does not belong to this cluster`,
        { beforeCreate: true },
      );
    }
    if (!h) {
      const phase = (v.status as { phase?: string } | undefined)?.phase;
      if (phase === "Bound" || phase === "Lost") {
        // Its twin (and with it the data) went away on the host: the claim cannot come back as it was.
        await this.deleteVirtual(v);
        return;
      }
      return this.create(v);
    }
    if (h.metadata?.deletionTimestamp) {
      // Deleted on the host: so goes the virtual claim (vcluster's grace for a host-side delete).
      await this.deleteVirtual(v, 30);
      return;
    }
    // A claim re-created under the same name adopts the host twin (vcluster keeps claim identity: the data stays).
    const desired = pvcUpdates(v, h, this.o.context());
    if (desired) {
      try {
        await syncer.host.replace({ ...desired, apiVersion: "v1", kind: "PersistentVolumeClaim" });
      } catch (err) {
        if (isHostError(err, 409)) return { requeueAfterMs: 200 };
        if (!refusal(err)) throw err;
        // The host refuses the change (e.g. shrinking, or a class that cannot expand): the claim keeps working as
        // it is; the Event tells the user, and the claim is looked at again when it changes.
        await this.reportStatus(v, h);
        throw new ClaimRefused("HostRefusedUpdate", (err as Error).message, { beforeCreate: false });
      }
    }
    await this.reportStatus(v, h);
    return;
  }

  private async create(v: KubeObject & V1PersistentVolumeClaim): Promise<ReconcileResult | undefined> {
    const { syncer } = this.o;
    const sc = v.spec?.storageClassName;
    if (sc && this.o.classExists(sc) === false) {
      // A host claim for a missing class would wait forever without telling anyone; the claim is looked at again
      // when the class appears.
      throw new ClaimRefused(
        "StorageClassNotFound",
        `storageclass.storage.k8s.io "${sc}" not found: the claim waits until the class exists`,
        { beforeCreate: true },
      );
    }
    const desired = translatePvc(v, this.o.context());
    try {
      await syncer.host.create({ ...desired, apiVersion: "v1", kind: "PersistentVolumeClaim" });
      syncer.log.info(
        { pvc: `${v.metadata.namespace}/${v.metadata.name}`, host: desired.metadata?.name },
        "host claim created",
      );
    } catch (err) {
      // Created by an earlier attempt the informer has not shown yet: the next look sees it.
      if (isHostError(err, 409)) return { requeueAfterMs: 200 };
      if (!refusal(err)) throw err;
      // Forbidden is often a quota that frees up later; invalid input waits for a change of the claim.
      throw new ClaimRefused("HostRefused", (err as Error).message, {
        beforeCreate: true,
        ...(isHostError(err, 403) ? { retryAfterMs: 30_000 } : {}),
      });
    }
    return;
  }

  private async reportStatus(v: KubeObject, h: V1PersistentVolumeClaim): Promise<void> {
    const hostRevision = Number(h.metadata?.resourceVersion);
    const applied = Number(v.metadata.annotations?.[HOST_REVISION_ANNOTATION] ?? 0);
    if (!Number.isSafeInteger(hostRevision) || hostRevision <= applied) return;
    const r = pvcStatusReport(v as V1PersistentVolumeClaim, h, this.o.virtualVolumeName);
    await this.o.syncer.status.publish("", {
      resource: "persistentvolumeclaims",
      namespace: v.metadata.namespace as string,
      name: v.metadata.name as string,
      uid: v.metadata.uid as string,
      hostRevision,
      status: r.status,
      ...(r.fields ? { fields: r.fields } : {}),
    });
  }

  private deleteVirtual(v: KubeObject, gracePeriodSeconds = 0): Promise<void> {
    return this.o.syncer.status.deleteVirtual("", "persistentvolumeclaims", v, gracePeriodSeconds);
  }
}
