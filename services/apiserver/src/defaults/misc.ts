// Defaulting of the remaining kinds: core/v1 (Namespace, Secret, PersistentVolume(Claim), LimitRange,
// ResourceQuota, Node, Event shape), rbac/v1, storage/v1, networking/v1, scheduling/v1,
// autoscaling/v2, coordination/v1 and resource.k8s.io/v1, plus the create strategies that fill fields
// (namespace phase and finalizer, PVC data sources, ServiceAccount secret references).

import { canonicalQuantity, canonicalResourceList } from "@evk/kube";
import {
  defaultAzureDisk,
  defaultClaimSpec,
  defaultHostPath,
  defaultISCSI,
  defaultRBD,
  defaultScaleIO,
} from "./pod.ts";
import { defaultNil, defaultZero, ensureObj, isNil, isObj, listAt, type Obj, objAt, size, stringMap } from "./util.ts";

const resourceLists = (o: Obj | undefined, keys: string[]): void => {
  if (o) for (const k of keys) if (isObj(o[k])) o[k] = canonicalResourceList(o[k]);
};

// ---- core/v1 ------------------------------------------------------------------------------------

export function defaultNamespace(ns: Obj): void {
  const meta = ensureObj(ns, "metadata");
  // SetDefaults_Namespace: every named namespace carries its name as a label, whatever the client says.
  if (typeof meta.name === "string" && meta.name)
    meta.labels = { ...stringMap(meta.labels), "kubernetes.io/metadata.name": meta.name };
  ensureObj(ns, "spec");
  defaultZero(ensureObj(ns, "status"), "phase", "Active");
}

/** The namespace strategy on create: Active whatever the client sent, and the kubernetes finalizer. */
export function prepareNamespaceForCreate(ns: Obj): void {
  ns.status = { phase: "Active" };
  const spec = ensureObj(ns, "spec");
  const finalizers = Array.isArray(spec.finalizers) ? (spec.finalizers as unknown[]) : [];
  if (!finalizers.includes("kubernetes")) spec.finalizers = [...finalizers, "kubernetes"];
}

/** The v1 Secret conversion folds stringData into data; SetDefaults_Secret types it Opaque. */
export function defaultSecret(secret: Obj): void {
  const stringData = objAt(secret, "stringData");
  if (stringData && size(stringData) > 0) {
    const data = { ...objAt(secret, "data") };
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v ?? ""), "utf8").toString("base64");
    secret.data = data;
  }
  delete secret.stringData;
  defaultZero(secret, "type", "Opaque");
}

export function defaultPersistentVolumeClaim(pvc: Obj): void {
  const spec = ensureObj(pvc, "spec");
  defaultClaimSpec(spec);
  ensureObj(spec, "resources");
  const status = ensureObj(pvc, "status");
  defaultZero(status, "phase", "Pending");
  resourceLists(status, ["capacity", "allocatedResources"]);
}

/** PrepareForCreate of claims: the dataSource / dataSourceRef pair (AnyVolumeDataSource is GA). */
export function preparePersistentVolumeClaimForCreate(pvc: Obj): void {
  const spec = ensureObj(pvc, "spec");
  const source = objAt(spec, "dataSource");
  const ref = objAt(spec, "dataSourceRef");
  if (source && !ref) {
    const isPvcOrSnapshot =
      (isNil(source.apiGroup) || source.apiGroup === "") && source.kind === "PersistentVolumeClaim"
        ? true
        : source.apiGroup === "snapshot.storage.k8s.io" && source.kind === "VolumeSnapshot";
    if (!isPvcOrSnapshot) {
      delete spec.dataSource;
      return;
    }
    spec.dataSourceRef = { apiGroup: source.apiGroup ?? null, kind: source.kind, name: source.name };
  } else if (ref && !source && (isNil(ref.namespace) || ref.namespace === "")) {
    spec.dataSource = { apiGroup: ref.apiGroup ?? null, kind: ref.kind, name: ref.name };
  }
}

/** The PersistentVolumeSource defaults the generated code applies (PersistentVolume, VolumeAttachment). */
function defaultPersistentVolumeSource(src: Obj): void {
  defaultHostPath(objAt(src, "hostPath"));
  defaultRBD(objAt(src, "rbd"));
  defaultISCSI(objAt(src, "iscsi"));
  defaultAzureDisk(objAt(src, "azureDisk"));
  defaultScaleIO(objAt(src, "scaleIO"));
}

export function defaultPersistentVolume(pv: Obj): void {
  const spec = ensureObj(pv, "spec");
  const status = ensureObj(pv, "status");
  defaultZero(status, "phase", "Pending");
  defaultZero(spec, "persistentVolumeReclaimPolicy", "Retain");
  defaultNil(spec, "volumeMode", "Filesystem");
  resourceLists(spec, ["capacity"]);
  defaultPersistentVolumeSource(spec);
}

export function defaultVolumeAttachment(va: Obj): void {
  // VolumeAttachmentStatus.attached has no omitempty.
  defaultNil(ensureObj(va, "status"), "attached", false);
  const inline = objAt(objAt(objAt(va, "spec"), "source"), "inlineVolumeSpec");
  if (!inline) return;
  resourceLists(inline, ["capacity"]);
  defaultPersistentVolumeSource(inline);
}

export function defaultLimitRange(lr: Obj): void {
  const spec = ensureObj(lr, "spec");
  // LimitRangeSpec.limits has no omitempty.
  if (!Array.isArray(spec.limits)) spec.limits = null;
  for (const item of listAt(spec, "limits")) {
    resourceLists(item, ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"]);
    if (item.type !== "Container") continue;
    const max = objAt(item, "max") ?? {};
    const min = objAt(item, "min") ?? {};
    const dflt = { ...max, ...objAt(item, "default") };
    const request = { ...min, ...dflt, ...objAt(item, "defaultRequest") };
    // Empty maps are omitted on the wire, as Go's omitempty does.
    if (size(dflt)) item.default = dflt;
    if (size(request)) item.defaultRequest = request;
  }
}

export function defaultResourceQuota(rq: Obj): void {
  resourceLists(objAt(rq, "spec"), ["hard"]);
  resourceLists(objAt(rq, "status"), ["hard", "used"]);
}

export function defaultNode(node: Obj): void {
  const spec = ensureObj(node, "spec");
  // The v1 NodeSpec conversion: podCIDR is authoritative and mirrors podCIDRs[0].
  const cidrs = Array.isArray(spec.podCIDRs) ? (spec.podCIDRs as string[]) : [];
  if (typeof spec.podCIDR === "string" && spec.podCIDR && cidrs[0] !== spec.podCIDR) spec.podCIDRs = [spec.podCIDR];
  const first = (spec.podCIDRs as string[] | undefined)?.[0];
  if (first) spec.podCIDR = first;
  const status = ensureObj(node, "status");
  if (isNil(status.allocatable) && !isNil(status.capacity)) status.allocatable = status.capacity;
  resourceLists(status, ["capacity", "allocatable"]);
  // Struct fields Go always writes.
  const endpoints = ensureObj(ensureObj(status, "daemonEndpoints"), "kubeletEndpoint");
  defaultNil(endpoints, "Port", 0);
  const info = ensureObj(status, "nodeInfo");
  for (const k of [
    "architecture",
    "bootID",
    "containerRuntimeVersion",
    "kernelVersion",
    "kubeProxyVersion",
    "kubeletVersion",
    "machineID",
    "operatingSystem",
    "osImage",
    "systemUUID",
  ])
    defaultNil(info, k, "");
}

/** The v1 ServiceAccount strategy keeps only the name of each referenced secret. */
export function prepareServiceAccountForCreate(sa: Obj): void {
  if (Array.isArray(sa.secrets)) sa.secrets = listAt(sa, "secrets").map((s) => (isNil(s.name) ? {} : { name: s.name }));
}

/** core/v1 Event: the struct and time fields Go writes even when unset. */
export function defaultCoreEvent(ev: Obj): void {
  ensureObj(ev, "involvedObject");
  ensureObj(ev, "source");
  for (const k of ["eventTime", "firstTimestamp", "lastTimestamp"]) defaultNil(ev, k, null);
  for (const k of ["reportingComponent", "reportingInstance"]) defaultNil(ev, k, "");
}

/** events.k8s.io/v1 Event: likewise. */
export function defaultEventsEvent(ev: Obj): void {
  ensureObj(ev, "regarding");
  ensureObj(ev, "deprecatedSource");
  for (const k of ["eventTime", "deprecatedFirstTimestamp", "deprecatedLastTimestamp"]) defaultNil(ev, k, null);
}

// ---- rbac/v1 ------------------------------------------------------------------------------------

const RBAC_GROUP = "rbac.authorization.k8s.io";

export function defaultRoleBinding(rb: Obj): void {
  defaultZero(ensureObj(rb, "roleRef"), "apiGroup", RBAC_GROUP);
  for (const s of listAt(rb, "subjects")) {
    if (!isNil(s.apiGroup) && s.apiGroup !== "") continue;
    if (s.kind === "ServiceAccount") s.apiGroup = "";
    else if (s.kind === "User" || s.kind === "Group") s.apiGroup = RBAC_GROUP;
  }
  // A ServiceAccount subject's empty apiGroup is omitted on the wire.
  for (const s of listAt(rb, "subjects")) if (s.apiGroup === "") delete s.apiGroup;
}

/** Roles: `rules` has no omitempty, so an absent list reads back as null. */
export function defaultRole(role: Obj): void {
  if (!Array.isArray(role.rules)) role.rules = null;
}

// ---- storage, networking, scheduling, coordination, policy ---------------------------------------

export function defaultStorageClass(sc: Obj): void {
  defaultNil(sc, "reclaimPolicy", "Delete");
  defaultNil(sc, "volumeBindingMode", "Immediate");
}

export function defaultCSIDriver(d: Obj): void {
  const spec = ensureObj(d, "spec");
  defaultNil(spec, "attachRequired", true);
  defaultNil(spec, "podInfoOnMount", false);
  defaultNil(spec, "storageCapacity", false);
  defaultNil(spec, "fsGroupPolicy", "ReadWriteOnceWithFSType");
  if (size(spec.volumeLifecycleModes) === 0) spec.volumeLifecycleModes = ["Persistent"];
  defaultNil(spec, "requiresRepublish", false);
  // SELinuxMountReadWriteOncePod is on in 1.35.
  defaultNil(spec, "seLinuxMount", false);
}

export function defaultCSIStorageCapacity(c: Obj): void {
  for (const k of ["capacity", "maximumVolumeSize"]) if (!isNil(c[k])) c[k] = canonicalQuantity(c[k]);
}

/** node/v1 has no defaulter, but its overhead quantities are written back canonical. */
export function defaultRuntimeClass(rc: Obj): void {
  const overhead = objAt(rc, "overhead");
  const podFixed = objAt(overhead, "podFixed");
  if (overhead && podFixed)
    overhead.podFixed = Object.fromEntries(Object.entries(podFixed).map(([k, v]) => [k, canonicalQuantity(v)]));
}

export function defaultIngressClass(ic: Obj): void {
  const params = objAt(objAt(ic, "spec"), "parameters");
  if (params) defaultNil(params, "scope", "Cluster");
}

/** IngressBackend.resource is a TypedLocalObjectReference, whose apiGroup has no omitempty. */
function backendResource(backend: Obj | undefined): void {
  const ref = objAt(backend, "resource");
  if (ref && ref.apiGroup === undefined) ref.apiGroup = null;
}

export function defaultIngress(ing: Obj): void {
  const spec = ensureObj(ing, "spec");
  backendResource(objAt(spec, "defaultBackend"));
  for (const rule of listAt(spec, "rules"))
    for (const path of listAt(objAt(rule, "http"), "paths")) backendResource(objAt(path, "backend"));
}

export function defaultNetworkPolicy(np: Obj): void {
  const spec = ensureObj(np, "spec");
  ensureObj(spec, "podSelector");
  if (size(spec.policyTypes) === 0) spec.policyTypes = size(spec.egress) > 0 ? ["Ingress", "Egress"] : ["Ingress"];
  for (const dir of ["ingress", "egress"])
    for (const rule of listAt(spec, dir)) for (const p of listAt(rule, "ports")) defaultNil(p, "protocol", "TCP");
}

export function defaultPriorityClass(pc: Obj): void {
  defaultNil(pc, "preemptionPolicy", "PreemptLowerPriority");
}

export function defaultPodDisruptionBudget(pdb: Obj): void {
  ensureObj(pdb, "spec");
  // PodDisruptionBudgetStatus: these counters have no omitempty.
  const status = ensureObj(pdb, "status");
  for (const k of ["disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"]) defaultNil(status, k, 0);
}

export function defaultLease(lease: Obj): void {
  ensureObj(lease, "spec");
}

// ---- autoscaling/v2 -----------------------------------------------------------------------------

const scaleUpDefaults = () => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: "Max",
  policies: [
    { type: "Pods", value: 4, periodSeconds: 15 },
    { type: "Percent", value: 100, periodSeconds: 15 },
  ],
});
// The scale-down window stays unset: kube-controller-manager's flag decides it.
const scaleDownDefaults = () => ({
  selectPolicy: "Max",
  policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
});

function scalingRules(given: unknown, defaults: Obj): Obj {
  const out: Obj = { ...defaults };
  if (isObj(given))
    for (const k of ["selectPolicy", "stabilizationWindowSeconds", "policies", "tolerance"]) {
      if (!isNil(given[k])) out[k] = k === "tolerance" ? canonicalQuantity(given[k]) : given[k];
    }
  return out;
}

const HPA_ROUND_TRIP_ANNOTATIONS = [
  "autoscaling.alpha.kubernetes.io/metrics",
  "autoscaling.alpha.kubernetes.io/current-metrics",
  "autoscaling.alpha.kubernetes.io/conditions",
  "autoscaling.alpha.kubernetes.io/behavior",
  "autoscaling.alpha.kubernetes.io/scale-down-tolerance",
  "autoscaling.alpha.kubernetes.io/scale-up-tolerance",
];

/** MetricTarget / MetricValueStatus quantities of each metric source. */
function canonicalMetricQuantities(metric: Obj, key: "target" | "current"): void {
  for (const source of ["object", "pods", "resource", "containerResource", "external"]) {
    const m = objAt(objAt(metric, source), key);
    if (m) for (const k of ["value", "averageValue"]) if (!isNil(m[k])) m[k] = canonicalQuantity(m[k]);
  }
}

export function defaultHorizontalPodAutoscaler(hpa: Obj): void {
  const annotations = objAt(objAt(hpa, "metadata"), "annotations");
  if (annotations) for (const k of HPA_ROUND_TRIP_ANNOTATIONS) delete annotations[k];
  const spec = ensureObj(hpa, "spec");
  defaultNil(spec, "minReplicas", 1);
  if (size(spec.metrics) === 0)
    spec.metrics = [
      { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } },
    ];
  for (const m of listAt(spec, "metrics")) canonicalMetricQuantities(m, "target");
  const behavior = objAt(spec, "behavior");
  if (behavior) {
    behavior.scaleUp = scalingRules(behavior.scaleUp, scaleUpDefaults());
    behavior.scaleDown = scalingRules(behavior.scaleDown, scaleDownDefaults());
  }
  // HorizontalPodAutoscalerStatus: currentMetrics and desiredReplicas have no omitempty.
  const status = ensureObj(hpa, "status");
  defaultNil(status, "currentMetrics", null);
  defaultNil(status, "desiredReplicas", 0);
  for (const m of listAt(status, "currentMetrics")) canonicalMetricQuantities(m, "current");
}

// ---- resource.k8s.io/v1 -------------------------------------------------------------------------

function defaultDeviceRequest(r: Obj | undefined): void {
  if (!r) return;
  defaultZero(r, "allocationMode", "ExactCount");
  if (r.allocationMode === "ExactCount") defaultZero(r, "count", 1);
  for (const t of listAt(r, "tolerations")) defaultZero(t, "operator", "Equal");
}

function defaultClaimSpecDevices(spec: Obj | undefined): void {
  for (const req of listAt(objAt(spec, "devices"), "requests")) {
    defaultDeviceRequest(objAt(req, "exactly"));
    for (const sub of listAt(req, "firstAvailable")) defaultDeviceRequest(sub);
  }
}

export function defaultResourceClaim(claim: Obj): void {
  defaultClaimSpecDevices(objAt(claim, "spec"));
  const allocation = objAt(objAt(claim, "status"), "allocation");
  for (const result of listAt(objAt(allocation, "devices"), "results"))
    for (const t of listAt(result, "tolerations")) defaultZero(t, "operator", "Equal");
}

export function defaultResourceClaimTemplate(t: Obj): void {
  // ResourceClaimTemplateSpec embeds a struct ObjectMeta.
  const spec = ensureObj(t, "spec");
  ensureObj(spec, "metadata");
  defaultClaimSpecDevices(objAt(spec, "spec"));
}

// DRADeviceTaints is off in 1.35: the strategies drop device taints and tolerations unless the stored
// object already uses them.

const claimRequests = (spec: Obj | undefined): Obj[] =>
  listAt(objAt(spec, "devices"), "requests").flatMap((r) => {
    const exactly = objAt(r, "exactly");
    return [...(exactly ? [exactly] : []), ...listAt(r, "firstAvailable")];
  });

function dropClaimTolerations(spec: Obj | undefined, oldSpec: Obj | undefined): void {
  if (claimRequests(oldSpec).some((r) => size(r.tolerations) > 0)) return;
  for (const r of claimRequests(spec)) delete r.tolerations;
}

export function dropResourceClaimDisabledFields(claim: Obj, old?: Obj): void {
  dropClaimTolerations(objAt(claim, "spec"), objAt(old, "spec"));
}

export function dropResourceClaimTemplateDisabledFields(t: Obj, old?: Obj): void {
  dropClaimTolerations(objAt(objAt(t, "spec"), "spec"), objAt(objAt(old, "spec"), "spec"));
}

export function dropResourceSliceDisabledFields(slice: Obj, old?: Obj): void {
  if (listAt(objAt(old, "spec"), "devices").some((d) => size(d.taints) > 0)) return;
  for (const d of listAt(objAt(slice, "spec"), "devices")) delete d.taints;
}

/** SetDefaults_DeviceTaint stamps a taint with the time it was first seen (to the second). */
export function defaultResourceSlice(slice: Obj, now: string): void {
  for (const device of listAt(objAt(slice, "spec"), "devices"))
    for (const taint of listAt(device, "taints")) defaultNil(taint, "timeAdded", now);
}
