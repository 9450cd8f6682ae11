import type { KubeObject } from "@evk/kube";
import { type HostInformer, Syncer, type SyncerWiring } from "@evk/syncer-runtime";
import {
  clusterScopedMarker,
  defaultStorageClassName,
  MANAGED_BY_LABEL,
  PVC_KIND,
  STORAGE_CLASS_KIND,
  type StorageTranslationContext,
  virtualIdentity,
} from "@evk/translate";
import type {
  KubernetesObject,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1StorageClass,
} from "@kubernetes/client-node";
import { ClaimIndex } from "./claim-index.ts";
import { clusterHostInformer, startWithin } from "./cluster-informer.ts";
import { FakePvSync } from "./fake-pv-sync.ts";
import { parseWorkKey, workKey } from "./keys.ts";
import { PvSync, VolumeRefused } from "./pv-sync.ts";
import { ClaimRefused, PvcSync } from "./pvc-sync.ts";
import { StorageClassSync } from "./storage-class-sync.ts";

export interface StorageSyncerSettings {
  /** `--sync-persistent-volumes-to-host`: real volumes both ways instead of fake ones (§4.3). */
  persistentVolumesToHost: boolean;
  /** `--sync-storage-classes-to-host`: the tenant's classes go to the host instead of mirroring the host's (§4.4). */
  storageClassesToHost: boolean;
}

export interface StorageSyncer {
  readonly syncer: Syncer;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const core = (resource: string) => ({ group: "", resource });
const storage = (resource: string) => ({ group: "storage.k8s.io", resource });
const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/** Wires syncer-storage: views, informers and the claim, volume and class reconcilers behind one work queue. */
export async function createStorageSyncer(o: SyncerWiring<StorageSyncerSettings>): Promise<StorageSyncer> {
  const syncer = await Syncer.open("syncer-storage", o);
  const { cluster, hostNamespace } = o.config;
  const { persistentVolumesToHost, storageClassesToHost } = o.settings;
  const claims = new ClaimIndex();
  const pvKey = (name: string) => workKey("pv", undefined, name);

  const pvcs = syncer.virtual(core("persistentvolumeclaims"), (env) => {
    const spec = env.type === "DELETED" ? undefined : (env.object.spec as V1PersistentVolumeClaim["spec"]);
    const refs = spec
      ? {
          ...(spec.volumeName ? { volumeName: spec.volumeName } : {}),
          ...(spec.storageClassName ? { storageClassName: spec.storageClassName } : {}),
        }
      : undefined;
    const changed = claims.set(`${env.namespace}/${env.name}`, refs);
    // A fake volume shows its claim's phase, size and class, so every change of the claim concerns it.
    if (!persistentVolumesToHost)
      for (const v of new Set([...changed, ...(refs?.volumeName ? [refs.volumeName] : [])])) syncer.enqueue(pvKey(v));
  });
  const pvs = syncer.virtual(core("persistentvolumes"), (env) => syncer.enqueue(pvKey(env.name)));
  const classes = syncer.virtual(storage("storageclasses"), (env) => {
    syncer.enqueue(workKey("sc", undefined, env.name));
    if (storageClassesToHost)
      for (const k of claims.claimsOfClass(env.name)) syncer.enqueue(workKey("pvc", undefined, k));
  });

  const claimKeyOfHost = (h: V1PersistentVolumeClaim) => {
    const id = virtualIdentity(h, cluster, hostNamespace, PVC_KIND);
    return id ? workKey("pvc", id.namespace, id.name) : undefined;
  };
  let pvSync: PvSync | undefined;
  const hostPvcs = syncer.hostInformer<V1PersistentVolumeClaim>({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    plural: "persistentvolumeclaims",
    labelSelector: `${MANAGED_BY_LABEL}=${cluster}`,
    onChange: (_type, h) => {
      const k = claimKeyOfHost(h);
      if (k) syncer.enqueue(k);
      if (pvSync && h.spec?.volumeName) syncer.enqueue(pvKey(pvSync.virtualVolumeName(h.spec.volumeName)));
    },
  });
  const marker = clusterScopedMarker(cluster, hostNamespace);
  const classKeyOfHost = (sc: V1StorageClass): string | undefined => {
    if (!storageClassesToHost) return sc.metadata?.name;
    return virtualIdentity(sc, cluster, hostNamespace, STORAGE_CLASS_KIND)?.name;
  };
  const hostClasses = clusterHostInformer<V1StorageClass>(syncer, {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    plural: "storageclasses",
    // Mirroring needs every host class; syncing to the host only our own copies.
    labelSelector: storageClassesToHost ? `${MANAGED_BY_LABEL}=${marker}` : "",
    onChange: (_type, sc) => {
      const name = classKeyOfHost(sc);
      if (!name) return;
      syncer.enqueue(workKey("sc", undefined, name));
      // Claims waiting for this class can go now.
      if (!storageClassesToHost)
        for (const k of claims.claimsOfClass(name)) syncer.enqueue(workKey("pvc", undefined, k));
    },
  });
  const hostPvs = persistentVolumesToHost
    ? clusterHostInformer<V1PersistentVolume>(syncer, {
        apiVersion: "v1",
        kind: "PersistentVolume",
        plural: "persistentvolumes",
        // Dynamically provisioned volumes of the cluster's claims carry no label of ours.
        labelSelector: "",
        onChange: (_type, h) => {
          for (const name of pvSync?.keysFor(h) ?? []) syncer.enqueue(pvKey(name));
        },
      })
    : undefined;
  const clusterInformers = [hostClasses, ...(hostPvs ? [hostPvs] : [])] as unknown as HostInformer<KubernetesObject>[];

  const virtualClass = (name: string) => classes.get(`${cluster}/storage.k8s.io/storageclasses//${name}`);
  const context = (): StorageTranslationContext => {
    const ctx: StorageTranslationContext = { cluster, hostNamespace, storageClassesToHost, persistentVolumesToHost };
    if (pvSync) {
      const p = pvSync;
      ctx.hostVolumeName = (n) => p.hostVolumeName(n);
    }
    if (storageClassesToHost) {
      const all = [...classes.entries()].map(([, sc]) => sc as unknown as V1StorageClass);
      const def = defaultStorageClassName(all);
      if (def) ctx.defaultStorageClass = def;
    }
    return ctx;
  };

  if (hostPvs) pvSync = new PvSync({ syncer, pvs, hostPvs, hostPvcs, context });
  const pvcSync = new PvcSync({
    syncer,
    pvcs,
    hostPvcs,
    context,
    classExists: (name) => {
      if (storageClassesToHost) return virtualClass(name) !== undefined;
      return hostClasses.synced ? hostClasses.get(name) !== undefined : undefined;
    },
    virtualVolumeName: (hv) => (pvSync ? pvSync.virtualVolumeName(hv) : hv),
  });
  const fakePvSync = new FakePvSync({ syncer, pvcs, pvs, claims });
  const classSync = new StorageClassSync({ syncer, classes, hostClasses, toHost: storageClassesToHost });

  /** A claim that cannot go to the host: a Warning Event, and before it has a host twin a Synced=False condition. */
  const refuse = async (ns: string, name: string, reason: string, message: string, beforeCreate: boolean) => {
    const v = pvcSync.virtualClaim(ns, name);
    if (!v) return;
    await syncer.status.event({ ...v, apiVersion: "v1", kind: "PersistentVolumeClaim" }, "Warning", reason, message);
    if (!beforeCreate) return;
    // Host revision 1: the first real host status replaces it.
    await syncer.status.publish("", {
      resource: "persistentvolumeclaims",
      namespace: ns,
      name,
      uid: v.metadata.uid as string,
      hostRevision: 1,
      status: {
        phase: "Pending",
        conditions: [{ type: "Synced", status: "False", reason, message, lastTransitionTime: now() }],
      },
    });
  };
  const refuseVolume = async (name: string, message: string) => {
    const v = pvs.get(`${cluster}/core/persistentvolumes//${name}`);
    if (v)
      await syncer.status.event(
        { ...v, apiVersion: "v1", kind: "PersistentVolume" } as KubeObject,
        "Warning",
        "HostRefused",
        message,
      );
  };

  syncer.setController({
    primary: core("persistentvolumeclaims"),
    keyOf: (ns, name) => workKey("pvc", ns, name),
    reconcile: async (key) => {
      const k = parseWorkKey(key);
      switch (k.kind) {
        case "pvc":
          try {
            return await pvcSync.reconcile(k.namespace, k.name);
          } catch (err) {
            if (!(err instanceof ClaimRefused)) throw err;
            await refuse(k.namespace, k.name, err.reason, err.message, err.beforeCreate);
            return err.retryAfterMs ? { requeueAfterMs: err.retryAfterMs } : undefined;
          }
        case "pv":
          if (!pvSync) {
            await fakePvSync.reconcile(k.name);
            return undefined;
          }
          try {
            return await pvSync.reconcile(k.name);
          } catch (err) {
            if (!(err instanceof VolumeRefused)) throw err;
            await refuseVolume(k.name, err.message);
            return undefined;
          }
        case "sc":
          return classSync.reconcile(k.name);
      }
    },
    extraKeys: function* () {
      for (const h of hostPvcs.list()) {
        const k = claimKeyOfHost(h);
        if (k) yield k;
      }
      for (const v of claims.volumes()) yield pvKey(v);
      for (const [, pv] of pvs.entries()) yield pvKey(pv.metadata.name as string);
      for (const h of hostPvs?.list() ?? []) for (const name of pvSync?.keysFor(h) ?? []) yield pvKey(name);
      for (const [, sc] of classes.entries()) yield workKey("sc", undefined, sc.metadata.name as string);
      for (const sc of hostClasses.list()) {
        const name = classKeyOfHost(sc);
        if (name) yield workKey("sc", undefined, name);
      }
    },
    onGiveUp: async (key, err) => {
      const k = parseWorkKey(key);
      if (k.kind === "pvc") await refuse(k.namespace, k.name, "SyncError", err.message, false);
    },
  });

  return {
    syncer,
    async start() {
      // Before the first reconcile: which classes exist decides whether a claim can go to the host.
      await startWithin(syncer, clusterInformers, 15_000);
      await syncer.start();
    },
    async stop() {
      await syncer.stop();
      await Promise.all(clusterInformers.map((i) => i.stop()));
    },
  };
}
