// PersistentVolumeClaim, PersistentVolume and StorageClass translation (vcluster-behaviour.md §4).
import type {
  V1LabelSelector,
  V1ObjectReference,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1PersistentVolumeClaimSpec,
  V1StorageClass,
} from "@kubernetes/client-node";
import { type Annotations, hostAnnotations, mergeHostOnlyAnnotations } from "./annotations.ts";
import {
  CONTROLLED_BY_LABEL,
  HOST_REVISION_ANNOTATION,
  HOST_UID_ANNOTATION,
  MANAGED_BY_LABEL,
  MANAGED_LABELS_ANNOTATION,
  NAMESPACE_LABEL,
} from "./keys.ts";
import { clusterScopedHostLabels, hostLabels, type Labels, translateLabelSelector } from "./labels.ts";
import { clusterScopedHostName, clusterScopedMarker, hostName } from "./names.ts";
import { compareStrings, deepEqual } from "./util.ts";

/** On fake PersistentVolumes (vcluster's `vcluster.loft.sh/fake-pv`). */
export const FAKE_PV_LABEL = "evk.dev/fake-pv";
/** On a host PersistentVolume imported into the virtual cluster: its host name (`vcluster.loft.sh/host-pv`). */
export const HOST_PV_ANNOTATION = "evk.dev/host-pv";
/** `"true"` on a virtual PVC: its dataSource, dataSourceRef, selector and volumeName go to the host as written. */
export const SKIP_TRANSLATE_ANNOTATION = "evk.dev/skip-translate";

export const PVC_KIND = "/v1, Kind=PersistentVolumeClaim";
export const PV_KIND = "/v1, Kind=PersistentVolume";
export const STORAGE_CLASS_KIND = "storage.k8s.io/v1, Kind=StorageClass";

/**
 * Written by the host's PV controller; never copied virtual → host (§1.3). vcluster copies them host → virtual, but
 * evk's status reports carry status and spec fields only, so they stay on the host (see pvcStatusReport).
 */
export const PVC_BIND_ANNOTATIONS: readonly string[] = [
  "pv.kubernetes.io/bind-completed",
  "pv.kubernetes.io/bound-by-controller",
  "volume.beta.kubernetes.io/storage-provisioner",
];
export const PV_EXCLUDED_ANNOTATIONS: readonly string[] = [HOST_PV_ANNOTATION];
/** A tenant's default class must not become the default class of the whole host. */
export const DEFAULT_STORAGE_CLASS_ANNOTATIONS: readonly string[] = [
  "storageclass.kubernetes.io/is-default-class",
  "storageclass.beta.kubernetes.io/is-default-class",
];

/** What the fake PV provisioner writes on each fake PersistentVolume (§4.2). */
export const FAKE_PV_ANNOTATIONS: Readonly<Annotations> = {
  "kubernetes.io/createdby": "fake-pv-provisioner",
  "pv.kubernetes.io/bound-by-controller": "true",
  "pv.kubernetes.io/provisioned-by": "fake-pv-provisioner",
};

export interface StorageTranslationContext {
  cluster: string;
  hostNamespace: string;
  /** `--sync-storage-classes-to-host`: class names become the host names of the virtual classes. */
  storageClassesToHost?: boolean;
  /** `--sync-persistent-volumes-to-host`: volume names and selectors refer to virtual PersistentVolumes. */
  persistentVolumesToHost?: boolean;
  /**
   * With persistentVolumesToHost: the host name of a virtual PersistentVolume. Imported host volumes keep their host
   * name; the default is the cluster-scoped host name of a virtual volume synced to the host.
   */
  hostVolumeName?: (virtualName: string) => string;
  /** With storageClassesToHost: the virtual default class, for claims that name none (what admission would add). */
  defaultStorageClass?: string;
}

const isDefaultClass = (annotations: Annotations | undefined) =>
  DEFAULT_STORAGE_CLASS_ANNOTATIONS.some((k) => annotations?.[k] === "true");

/** The default class among virtual StorageClasses (the newest one wins when several claim it, as kube does). */
export function defaultStorageClassName(classes: Iterable<V1StorageClass>): string | undefined {
  let best: V1StorageClass | undefined;
  for (const sc of classes) {
    if (!isDefaultClass(sc.metadata?.annotations)) continue;
    const t = String(sc.metadata?.creationTimestamp ?? "");
    const bt = String(best?.metadata?.creationTimestamp ?? "");
    if (!best || t > bt || (t === bt && compareStrings(sc.metadata?.name ?? "", best.metadata?.name ?? "") < 0))
      best = sc;
  }
  return best?.metadata?.name;
}

/** The host class a claim asks for: passed through, or the host name of the virtual class when classes go to the host. */
export function hostStorageClassName(
  virtualClass: string | undefined,
  ctx: StorageTranslationContext,
): string | undefined {
  if (!ctx.storageClassesToHost) return virtualClass;
  const name = virtualClass ?? ctx.defaultStorageClass;
  // "" asks for no class at all; it means the same on the host.
  if (name === undefined || name === "") return name;
  return clusterScopedHostName(ctx.cluster, ctx.hostNamespace, name);
}

const hostVolumeName = (name: string, ctx: StorageTranslationContext) =>
  ctx.hostVolumeName?.(name) ?? clusterScopedHostName(ctx.cluster, ctx.hostNamespace, name);

/**
 * A virtual PV selector as it reads on the host: the label keys as they are written on host volumes, restricted to
 * this cluster's volumes, which are the only ones the virtual cluster can see.
 */
export function hostVolumeSelector(selector: V1LabelSelector, ctx: StorageTranslationContext): V1LabelSelector {
  const out = translateLabelSelector(ctx.cluster, selector) ?? {};
  out.matchLabels = { ...out.matchLabels, [MANAGED_BY_LABEL]: clusterScopedMarker(ctx.cluster, ctx.hostNamespace) };
  return out;
}

function translatedSpec(
  v: V1PersistentVolumeClaim,
  ctx: StorageTranslationContext,
): V1PersistentVolumeClaimSpec | undefined {
  if (v.spec === undefined) return undefined;
  const namespace = v.metadata?.namespace ?? "";
  const spec: V1PersistentVolumeClaimSpec = structuredClone(v.spec);
  const translate = v.metadata?.annotations?.[SKIP_TRANSLATE_ANNOTATION] !== "true";

  const sc = hostStorageClassName(spec.storageClassName, ctx);
  if (sc === undefined) delete spec.storageClassName;
  else spec.storageClassName = sc;

  // Only claims are rewritten: other data sources (snapshots, populators) are not synced by this syncer.
  const isClaim = (r: { apiGroup?: string; kind?: string } | undefined) =>
    r !== undefined && (r.apiGroup ?? "") === "" && r.kind === "PersistentVolumeClaim";
  if (translate && isClaim(spec.dataSource) && spec.dataSource) {
    spec.dataSource.name = hostName(ctx.cluster, namespace, spec.dataSource.name);
  }
  if (translate && isClaim(spec.dataSourceRef) && spec.dataSourceRef) {
    // Every claim lives in the one host namespace, so a cross-namespace source becomes a same-namespace one.
    spec.dataSourceRef.name = hostName(ctx.cluster, spec.dataSourceRef.namespace || namespace, spec.dataSourceRef.name);
    delete spec.dataSourceRef.namespace;
  }
  // With fake volumes the claim binds to host volumes, whose names and labels the tenant sees as they are.
  if (translate && ctx.persistentVolumesToHost) {
    if (spec.volumeName) spec.volumeName = hostVolumeName(spec.volumeName, ctx);
    if (spec.selector) spec.selector = hostVolumeSelector(spec.selector, ctx);
  }
  return spec;
}

const managedLabelsValue = (labels: Labels) => Object.keys(labels).sort(compareStrings).join("\n");

/** The host twin of a virtual PersistentVolumeClaim (§4.1). */
export function translatePvc(v: V1PersistentVolumeClaim, ctx: StorageTranslationContext): V1PersistentVolumeClaim {
  const name = v.metadata?.name ?? "";
  const namespace = v.metadata?.namespace ?? "";
  const hName = hostName(ctx.cluster, namespace, name);
  const labels = hostLabels(ctx.cluster, namespace, v.metadata?.labels);
  const annotations = hostAnnotations({
    ...ctx,
    kind: PVC_KIND,
    virtual: v,
    hostName: hName,
    excluded: PVC_BIND_ANNOTATIONS,
  });
  const copiedLabels = hostLabels(ctx.cluster, namespace, v.metadata?.labels);
  delete copiedLabels[MANAGED_BY_LABEL];
  delete copiedLabels[NAMESPACE_LABEL];
  if (Object.keys(copiedLabels).length > 0) annotations[MANAGED_LABELS_ANNOTATION] = managedLabelsValue(copiedLabels);
  const out: V1PersistentVolumeClaim = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: hName, namespace: ctx.hostNamespace, labels, annotations },
  };
  const spec = translatedSpec(v, ctx);
  if (spec !== undefined) out.spec = spec;
  return out;
}

const units: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The value of a Kubernetes quantity ("1Gi", "500M", "1e3"), or undefined when it is not one. */
export function quantityValue(q: string | number | undefined): number | undefined {
  if (typeof q === "number") return q;
  if (q === undefined) return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(q.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return Number(`${m[1]}${m[2]}`);
  return base * (units[m[3] ?? ""] as number);
}

/** Resource lists that ask for the same amounts, however each quantity is spelled ("1Gi" and "1024Mi"). */
export function sameResources(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  if (ka.length !== kb.length) return false;
  return ka.every((k) => {
    const x = a?.[k];
    const y = b?.[k];
    if (y === undefined) return false;
    const qx = quantityValue(x);
    const qy = quantityValue(y);
    return qx !== undefined && qy !== undefined ? qx === qy : x === y;
  });
}

/**
 * Host labels after an update: the translated virtual labels, plus the host's own. What the syncer wrote last time is
 * listed in the managed-labels annotation, so a label removed from the virtual object goes while labels host
 * controllers added stay.
 */
function updatedHostLabels(desired: Labels, host: Labels | undefined, hostAnn: Annotations | undefined): Labels {
  const previously = new Set((hostAnn?.[MANAGED_LABELS_ANNOTATION] ?? "").split("\n").filter((k) => k !== ""));
  const out: Labels = { ...desired };
  for (const [k, v] of Object.entries(host ?? {})) {
    if (Object.hasOwn(out, k) || previously.has(k)) continue;
    if (k === MANAGED_BY_LABEL || k === NAMESPACE_LABEL || k === CONTROLLED_BY_LABEL) continue;
    out[k] = v;
  }
  return out;
}

/**
 * The host claim after what may change on an existing claim (vcluster's PVC Diff): labels and annotations, requested
 * resources (expansion) and the volume attributes class; or undefined when the host claim is up to date. Everything
 * else in a claim's spec is immutable on the host.
 */
export function pvcUpdates(
  v: V1PersistentVolumeClaim,
  host: V1PersistentVolumeClaim,
  ctx: StorageTranslationContext,
): V1PersistentVolumeClaim | undefined {
  const want = translatePvc(v, ctx);
  const desired: V1PersistentVolumeClaim = structuredClone(host);
  const meta = { ...desired.metadata };
  desired.metadata = meta;
  meta.labels = updatedHostLabels(want.metadata?.labels ?? {}, host.metadata?.labels, host.metadata?.annotations);
  // The host PV controller's bind annotations are never copied from the virtual side, so they are host-only and stay.
  meta.annotations = mergeHostOnlyAnnotations(want.metadata?.annotations ?? {}, host.metadata?.annotations);
  const spec = { ...desired.spec };
  desired.spec = spec;
  const vSpec = v.spec ?? {};
  const requests = vSpec.resources?.requests;
  const limits = vSpec.resources?.limits;
  if (!sameResources(requests, spec.resources?.requests) || !sameResources(limits, spec.resources?.limits)) {
    spec.resources = {
      ...(requests ? { requests: { ...requests } } : {}),
      ...(limits ? { limits: { ...limits } } : {}),
    };
  }
  if (vSpec.volumeAttributesClassName === undefined) delete spec.volumeAttributesClassName;
  else spec.volumeAttributesClassName = vSpec.volumeAttributesClassName;
  return deepEqual(desired, host) ? undefined : desired;
}

export interface PvcStatusReport {
  status: Record<string, unknown>;
  /** Adopted into the virtual spec: the volume the host bound the claim to. */
  fields?: { volumeName: string };
}

/**
 * What goes back to the virtual claim (§4.1): the host status as it is (phase, capacity, accessModes, conditions,
 * allocated resources), and once bound, the volume as the virtual side names it. With fake volumes that is the host
 * volume's name; with volume sync it is the name the caller maps it to.
 *
 * The host-only bind annotations (PVC_BIND_ANNOTATIONS) are not carried: a status report changes status and spec
 * fields only, and nothing in the virtual cluster reads them since no PV controller runs there.
 */
export function pvcStatusReport(
  v: V1PersistentVolumeClaim,
  host: V1PersistentVolumeClaim,
  virtualVolumeName: (hostVolume: string) => string = (n) => n,
): PvcStatusReport {
  const status = JSON.parse(JSON.stringify(host.status ?? {})) as Record<string, unknown>;
  if (status.phase === undefined) status.phase = "Pending";
  const hv = host.spec?.volumeName;
  if (!hv) return { status };
  const volumeName = virtualVolumeName(hv);
  return v.spec?.volumeName === volumeName ? { status } : { status, fields: { volumeName } };
}

const toJson = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

/**
 * The fake PersistentVolume shown for a bound virtual claim (§4.2): named as the claim's volumeName, bound to the
 * claim, with what the claim asked for. It stands for a host volume the virtual cluster cannot see.
 */
export function fakePersistentVolume(name: string, claim: V1PersistentVolumeClaim): V1PersistentVolume {
  const spec = claim.spec ?? {};
  const claimRef: V1ObjectReference = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    namespace: claim.metadata?.namespace ?? "",
    name: claim.metadata?.name ?? "",
    uid: claim.metadata?.uid ?? "",
  };
  if (claim.metadata?.resourceVersion) claimRef.resourceVersion = claim.metadata.resourceVersion;
  return toJson({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name, labels: { [FAKE_PV_LABEL]: "true" }, annotations: { ...FAKE_PV_ANNOTATIONS } },
    spec: {
      flexVolume: { driver: "fake" },
      capacity: { ...(spec.resources?.requests ?? {}) },
      accessModes: [...(spec.accessModes ?? [])],
      ...(spec.volumeMode ? { volumeMode: spec.volumeMode } : {}),
      ...(spec.storageClassName ? { storageClassName: spec.storageClassName } : {}),
      persistentVolumeReclaimPolicy: "Delete",
      claimRef,
    },
    status: { phase: "Bound" },
  });
}

/**
 * What decides whether a virtual object the syncer applied needs applying again: everything but identity, the ingest's
 * own annotations, and the claim's resourceVersion in a claimRef (which moves with every status write of the claim).
 */
export function appliedFingerprint(o: {
  metadata?: { labels?: Labels; annotations?: Annotations; finalizers?: string[] };
  [k: string]: unknown;
}): string {
  const { metadata, apiVersion, kind, ...rest } = toJson(o) as typeof o;
  const annotations = { ...(metadata?.annotations ?? {}) };
  delete annotations[HOST_REVISION_ANNOTATION];
  delete annotations[HOST_UID_ANNOTATION];
  const body = rest as { spec?: { claimRef?: { resourceVersion?: string } } };
  if (body.spec?.claimRef) delete body.spec.claimRef.resourceVersion;
  return JSON.stringify(sortKeys({ labels: metadata?.labels ?? {}, annotations, body }));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(
    Object.keys(v as object)
      .sort(compareStrings)
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  );
}

const STORAGE_CLASS_FIELDS = [
  "provisioner",
  "parameters",
  "reclaimPolicy",
  "mountOptions",
  "allowVolumeExpansion",
  "volumeBindingMode",
  "allowedTopologies",
] as const;
/** Fields the host refuses to change on an existing StorageClass. */
const IMMUTABLE_STORAGE_CLASS_FIELDS = ["provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"] as const;

function storageClassFields(sc: V1StorageClass): Partial<V1StorageClass> {
  const out: Record<string, unknown> = {};
  for (const f of STORAGE_CLASS_FIELDS) if (sc[f] !== undefined) out[f] = structuredClone(sc[f]);
  return out as Partial<V1StorageClass>;
}

/**
 * The virtual read-only mirror of a host StorageClass (§4.4 fromHost): same name; labels, annotations and every
 * field follow the host. Identity (uid, resourceVersion) is the virtual side's.
 */
export function virtualStorageClass(host: V1StorageClass): V1StorageClass {
  return toJson({
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: {
      name: host.metadata?.name ?? "",
      ...(host.metadata?.labels ? { labels: { ...host.metadata.labels } } : {}),
      ...(host.metadata?.annotations ? { annotations: { ...host.metadata.annotations } } : {}),
    },
    ...storageClassFields(host),
    provisioner: host.provisioner,
  });
}

/** The host copy of a virtual StorageClass (§4.4 toHost): a cluster-scoped host name and marker; never a default. */
export function translateStorageClass(v: V1StorageClass, ctx: StorageTranslationContext): V1StorageClass {
  const name = v.metadata?.name ?? "";
  const hName = clusterScopedHostName(ctx.cluster, ctx.hostNamespace, name);
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: {
      name: hName,
      labels: clusterScopedHostLabels(ctx.cluster, ctx.hostNamespace, v.metadata?.labels),
      annotations: hostAnnotations({
        ...ctx,
        kind: STORAGE_CLASS_KIND,
        virtual: { metadata: { ...v.metadata, namespace: "" } },
        hostName: hName,
        excluded: DEFAULT_STORAGE_CLASS_ANNOTATIONS,
      }),
    },
    ...storageClassFields(v),
    provisioner: v.provisioner,
  };
}

/**
 * How to bring a host StorageClass copy in line: nothing, an update of what may change, or delete and re-create
 * (StorageClasses hold no data, and the host refuses changes to provisioner, parameters, reclaim policy and binding
 * mode).
 */
export function storageClassUpdates(
  desired: V1StorageClass,
  host: V1StorageClass,
): { action: "none" } | { action: "update"; object: V1StorageClass } | { action: "recreate" } {
  const d = storageClassFields(desired) as Record<string, unknown>;
  const h = storageClassFields(host) as Record<string, unknown>;
  // The host defaults these two on create; an unset virtual value means the same default.
  const norm = (o: Record<string, unknown>): Record<string, unknown> => ({
    ...o,
    reclaimPolicy: o.reclaimPolicy ?? "Delete",
    volumeBindingMode: o.volumeBindingMode ?? "Immediate",
    parameters: o.parameters ?? {},
  });
  const nd = norm(d);
  const nh = norm(h);
  if (IMMUTABLE_STORAGE_CLASS_FIELDS.some((f) => !deepEqual(nd[f], nh[f]))) return { action: "recreate" };
  const next: V1StorageClass = structuredClone(host);
  const meta = { ...next.metadata };
  next.metadata = meta;
  meta.labels = { ...(desired.metadata?.labels ?? {}) };
  meta.annotations = mergeHostOnlyAnnotations(desired.metadata?.annotations ?? {}, host.metadata?.annotations);
  for (const f of ["mountOptions", "allowVolumeExpansion", "allowedTopologies"] as const) {
    if (desired[f] === undefined) delete next[f];
    else (next as unknown as Record<string, unknown>)[f] = structuredClone(desired[f]);
  }
  return deepEqual(next, host) ? { action: "none" } : { action: "update", object: next };
}

/** Fields of a PersistentVolume that follow the virtual one after creation (the volume source is immutable). */
const MUTABLE_PV_FIELDS = ["capacity", "accessModes", "persistentVolumeReclaimPolicy", "mountOptions"] as const;

/**
 * The host copy of a user-created virtual PersistentVolume (§4.3): cluster-scoped host name and marker, no claimRef
 * (the host binds it to the host twin of the claim that names it), the storage class as claims name it on the host.
 */
export function translatePersistentVolume(v: V1PersistentVolume, ctx: StorageTranslationContext): V1PersistentVolume {
  const name = v.metadata?.name ?? "";
  const hName = clusterScopedHostName(ctx.cluster, ctx.hostNamespace, name);
  const spec = structuredClone(v.spec ?? {});
  delete spec.claimRef;
  const sc = hostStorageClassName(spec.storageClassName || undefined, { ...ctx, defaultStorageClass: undefined });
  if (sc) spec.storageClassName = sc;
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: {
      name: hName,
      labels: clusterScopedHostLabels(ctx.cluster, ctx.hostNamespace, v.metadata?.labels),
      annotations: hostAnnotations({
        ...ctx,
        kind: PV_KIND,
        virtual: { metadata: { ...v.metadata, namespace: "" } },
        hostName: hName,
        excluded: PV_EXCLUDED_ANNOTATIONS,
      }),
    },
    spec,
  };
}

/** The host volume after what may change (labels, annotations, capacity, access modes, reclaim policy, mount options). */
export function persistentVolumeUpdates(
  v: V1PersistentVolume,
  host: V1PersistentVolume,
  ctx: StorageTranslationContext,
): V1PersistentVolume | undefined {
  const want = translatePersistentVolume(v, ctx);
  const desired: V1PersistentVolume = structuredClone(host);
  const meta = { ...desired.metadata };
  desired.metadata = meta;
  meta.labels = { ...(host.metadata?.labels ?? {}), ...(want.metadata?.labels ?? {}) };
  meta.annotations = mergeHostOnlyAnnotations(want.metadata?.annotations ?? {}, host.metadata?.annotations);
  const spec = { ...desired.spec } as Record<string, unknown>;
  desired.spec = spec;
  const wantSpec = (want.spec ?? {}) as Record<string, unknown>;
  for (const f of MUTABLE_PV_FIELDS) {
    if (f === "capacity" && sameResources(wantSpec[f] as never, spec[f] as never)) continue;
    if (wantSpec[f] === undefined) delete spec[f];
    else spec[f] = structuredClone(wantSpec[f]);
  }
  return deepEqual(desired, host) ? undefined : desired;
}

export interface VirtualClaimRef {
  namespace: string;
  name: string;
  uid?: string;
}

/** A claimRef to a virtual claim, as the virtual PV controller would have written it. */
export function virtualClaimRef(claim: VirtualClaimRef): V1ObjectReference {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    namespace: claim.namespace,
    name: claim.name,
    ...(claim.uid ? { uid: claim.uid } : {}),
  };
}

/**
 * A host volume bound to one of the cluster's claims, imported into the virtual cluster (§4.3): same name, the
 * host-pv annotation, claimRef rewritten to the virtual claim, the host's status.
 */
export function importedPersistentVolume(
  host: V1PersistentVolume,
  claim: VirtualClaimRef | undefined,
  virtualStorageClass: (hostClass: string) => string = (n) => n,
): V1PersistentVolume {
  const name = host.metadata?.name ?? "";
  const spec = structuredClone(host.spec ?? {});
  if (claim) spec.claimRef = virtualClaimRef(claim);
  else delete spec.claimRef;
  if (spec.storageClassName) spec.storageClassName = virtualStorageClass(spec.storageClassName);
  const annotations: Annotations = {};
  for (const [k, val] of Object.entries(host.metadata?.annotations ?? {})) annotations[k] = val;
  annotations[HOST_PV_ANNOTATION] = name;
  return toJson({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: {
      name,
      ...(host.metadata?.labels ? { labels: { ...host.metadata.labels } } : {}),
      annotations,
    },
    spec,
    status: structuredClone(host.status ?? { phase: "Pending" }),
  });
}
