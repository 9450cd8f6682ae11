// The mutating admission plugins kube-apiserver 1.35 runs by default, in its order, as pure functions
// over the object and read-only views of the objects they consult (ServiceAccounts, PriorityClasses,
// LimitRanges, RuntimeClasses, StorageClasses, IngressClasses): LimitRanger, ServiceAccount,
// TaintNodesByCondition, Priority, DefaultTolerationSeconds, DefaultStorageClass,
// StorageObjectInUseProtection, RuntimeClass and DefaultIngressClass. Refusals are the Forbidden errors those plugins give.

import { isDeepStrictEqual } from "node:util";
import { StatusError } from "@evk/kube";
import { defaultLimitRange } from "./misc.ts";
import { ensureObj, isNil, isObj, listAt, type Obj, objAt, size, stringMap } from "./util.ts";

/** A read-only view of stored objects; cluster-scoped kinds are read without a namespace. */
export interface AdmissionReads {
  get(group: string, resource: string, namespace: string | undefined, name: string): Obj | undefined;
  list(group: string, resource: string, namespace?: string): Obj[];
}

export interface AdmissionContext {
  operation: "create" | "update";
  namespace: string | undefined;
  old: Obj | undefined;
  reads: AdmissionReads | undefined;
  /** Five characters of names.SimpleNameGenerator. */
  randomSuffix: () => string;
}

const forbidden = (resource: string, group: string, name: unknown, why: string) =>
  new StatusError(
    "Forbidden",
    `${group ? `${resource}.${group}` : resource} "${String(name ?? "")}" is forbidden: ${why}`,
    { name: String(name ?? ""), ...(group ? { group } : {}), kind: resource },
  );

const nameOf = (o: Obj) => objAt(o, "metadata")?.name;

// ---- LimitRanger --------------------------------------------------------------------------------

const LIMIT_RANGER_ANNOTATION = "kubernetes.io/limit-ranger";

function limitRanger(pod: Obj, ranges: Obj[]): void {
  const spec = ensureObj(pod, "spec");
  for (const stored of ranges) {
    const lr = structuredClone(stored);
    defaultLimitRange(lr);
    const requests: Obj = {};
    const limits: Obj = {};
    for (const item of listAt(objAt(lr, "spec"), "limits")) {
      if (item.type !== "Container") continue;
      Object.assign(requests, objAt(item, "defaultRequest"));
      Object.assign(limits, objAt(item, "default"));
    }
    const notes: string[] = [];
    const merge = (c: Obj, what: string) => {
      const resources = ensureObj(c, "resources");
      const setLimits: string[] = [];
      const setRequests: string[] = [];
      const cl = { ...objAt(resources, "limits") };
      const cr = { ...objAt(resources, "requests") };
      for (const [k, v] of Object.entries(limits))
        if (!(k in cl)) {
          cl[k] = v;
          setLimits.push(k);
        }
      for (const [k, v] of Object.entries(requests))
        if (!(k in cr)) {
          cr[k] = v;
          setRequests.push(k);
        }
      if (size(cl)) resources.limits = cl;
      if (size(cr)) resources.requests = cr;
      if (setRequests.length) notes.push(`${setRequests.sort().join(", ")} request for ${what} ${c.name}`);
      if (setLimits.length) notes.push(`${setLimits.sort().join(", ")} limit for ${what} ${c.name}`);
    };
    for (const c of listAt(spec, "containers")) merge(c, "container");
    for (const c of listAt(spec, "initContainers")) merge(c, "init container");
    if (notes.length) {
      const meta = ensureObj(pod, "metadata");
      meta.annotations = {
        ...stringMap(meta.annotations),
        [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join("; ")}`,
      };
    }
  }
}

// ---- ServiceAccount -----------------------------------------------------------------------------

export const TOKEN_VOLUME_PREFIX = "kube-api-access-";
export const TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";

/** TokenVolumeSource: the projected token, the cluster CA and the namespace, as kubelets expect them. */
export const tokenVolumeSource = (): Obj => ({
  defaultMode: 0o644,
  sources: [
    { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
    { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
    {
      downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] },
    },
  ],
});

function serviceAccountAdmission(pod: Obj, ctx: AdmissionContext): void {
  const annotations = stringMap(objAt(pod, "metadata")?.annotations);
  // Mirror pods come from kubelets and are left as they are (validation then refuses service accounts).
  if (annotations && MIRROR_POD_ANNOTATION in annotations) return;
  const spec = ensureObj(pod, "spec");
  if (!spec.serviceAccountName) spec.serviceAccountName = "default";
  spec.serviceAccount = spec.serviceAccountName;
  const saName = String(spec.serviceAccountName);
  let sa = ctx.reads?.get("", "serviceaccounts", ctx.namespace, saName);
  if (!sa) {
    // evk's apiserver creates every namespace's `default` ServiceAccount itself (kube's admission waits for
    // kube-controller-manager to); any other name must exist.
    if (saName !== "default" && ctx.reads)
      throw forbidden(
        "pods",
        "",
        nameOf(pod),
        `error looking up service account ${ctx.namespace}/${saName}: serviceaccount "${saName}" not found`,
      );
    sa = {};
  }
  const automount = !isNil(spec.automountServiceAccountToken)
    ? spec.automountServiceAccountToken === true
    : isNil(sa.automountServiceAccountToken) || sa.automountServiceAccountToken === true;
  if (automount) mountServiceAccountToken(spec, ctx.randomSuffix);
  const pullSecrets = listAt(sa, "imagePullSecrets");
  if (size(spec.imagePullSecrets) === 0 && pullSecrets.length)
    spec.imagePullSecrets = pullSecrets.map((s) => ({ name: s.name ?? "" }));
}

function mountServiceAccountToken(spec: Obj, randomSuffix: () => string): void {
  const existing = listAt(spec, "volumes").find((v) => String(v.name ?? "").startsWith(TOKEN_VOLUME_PREFIX));
  const volumeName = existing ? String(existing.name) : `${TOKEN_VOLUME_PREFIX}${randomSuffix()}`;
  let needsVolume = false;
  for (const c of [...listAt(spec, "initContainers"), ...listAt(spec, "containers")]) {
    const mounts = listAt(c, "volumeMounts");
    if (mounts.some((m) => m.mountPath === TOKEN_MOUNT_PATH)) continue;
    c.volumeMounts = [
      ...(Array.isArray(c.volumeMounts) ? c.volumeMounts : []),
      { name: volumeName, readOnly: true, mountPath: TOKEN_MOUNT_PATH },
    ];
    needsVolume = true;
  }
  if (!existing && needsVolume)
    spec.volumes = [
      ...(Array.isArray(spec.volumes) ? spec.volumes : []),
      { name: volumeName, projected: tokenVolumeSource() },
    ];
}

// ---- Priority -----------------------------------------------------------------------------------

/** The classes kube-apiserver creates at start (scheduling's post-start hook); evk answers for them too. */
const SYSTEM_PRIORITY_CLASSES: Record<string, Obj> = {
  "system-node-critical": { value: 2000001000, preemptionPolicy: "PreemptLowerPriority" },
  "system-cluster-critical": { value: 2000000000, preemptionPolicy: "PreemptLowerPriority" },
};

const preemptionOf = (pc: Obj) => (isNil(pc.preemptionPolicy) ? "PreemptLowerPriority" : pc.preemptionPolicy);

function priorityAdmission(pod: Obj, ctx: AdmissionContext): void {
  const spec = ensureObj(pod, "spec");
  if (ctx.operation === "update") {
    const before = objAt(ctx.old, "spec");
    if (isNil(spec.priority) && !isNil(before?.priority)) spec.priority = before?.priority;
    if (isNil(spec.preemptionPolicy) && !isNil(before?.preemptionPolicy))
      spec.preemptionPolicy = before?.preemptionPolicy;
    return;
  }
  let priority = 0;
  let preemption: unknown = "PreemptLowerPriority";
  if (!spec.priorityClassName) {
    // The global default with the lowest value wins (two can exist after a race).
    const defaults = (ctx.reads?.list("scheduling.k8s.io", "priorityclasses") ?? []).filter(
      (pc) => pc.globalDefault === true,
    );
    const pc = defaults.sort((a, b) => Number(a.value ?? 0) - Number(b.value ?? 0))[0];
    if (pc) {
      spec.priorityClassName = nameOf(pc);
      priority = Number(pc.value ?? 0);
      preemption = preemptionOf(pc);
    }
  } else {
    const name = String(spec.priorityClassName);
    const pc = ctx.reads?.get("scheduling.k8s.io", "priorityclasses", undefined, name) ?? SYSTEM_PRIORITY_CLASSES[name];
    if (!pc) {
      if (!ctx.reads) return;
      throw forbidden("pods", "", nameOf(pod), `no PriorityClass with name ${name} was found`);
    }
    priority = Number(pc.value ?? 0);
    preemption = preemptionOf(pc);
  }
  if (!isNil(spec.priority) && spec.priority !== priority)
    throw forbidden(
      "pods",
      "",
      nameOf(pod),
      `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
    );
  spec.priority = priority;
  if (!isNil(spec.preemptionPolicy) && spec.preemptionPolicy !== preemption)
    throw forbidden(
      "pods",
      "",
      nameOf(pod),
      `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${preemption} from the given PriorityClass name`,
    );
  spec.preemptionPolicy = preemption;
}

// ---- DefaultTolerationSeconds and RuntimeClass ----------------------------------------------------

const NOT_READY = "node.kubernetes.io/not-ready";
const UNREACHABLE = "node.kubernetes.io/unreachable";

function defaultTolerationSeconds(pod: Obj): void {
  const spec = ensureObj(pod, "spec");
  const tolerations = listAt(spec, "tolerations");
  const tolerates = (key: string) =>
    tolerations.some((t) => (t.key === key || !t.key) && (t.effect === "NoExecute" || !t.effect));
  const add: Obj[] = [];
  for (const key of [NOT_READY, UNREACHABLE])
    if (!tolerates(key)) add.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
  if (add.length) spec.tolerations = [...(Array.isArray(spec.tolerations) ? spec.tolerations : []), ...add];
}

/** isSuperset of pkg/util/tolerations: does ss tolerate everything t does? */
function tolerationCovers(ss: Obj, t: Obj): boolean {
  if (isDeepStrictEqual(ss, t)) return true;
  const key = (x: Obj) => String(x.key ?? "");
  const str = (x: unknown) => String(x ?? "");
  if (key(t) !== key(ss) && (key(ss) !== "" || ss.operator !== "Exists")) return false;
  if (str(t.effect) !== str(ss.effect) && str(ss.effect) !== "") return false;
  if (ss.effect === "NoExecute" && !isNil(ss.tolerationSeconds)) {
    if (isNil(t.tolerationSeconds) || Number(t.tolerationSeconds) > Number(ss.tolerationSeconds)) return false;
  }
  if (!ss.operator || ss.operator === "Equal") return t.operator === "Equal" && str(t.value) === str(ss.value);
  return ss.operator === "Exists";
}

/** tolerations.MergeTolerations: both lists, without tolerations another one covers. */
export function mergeTolerations(first: Obj[], second: Obj[]): Obj[] {
  const all = [...first, ...second];
  const merged: Obj[] = [];
  all.forEach((t, i) => {
    if (merged.some((m) => tolerationCovers(m, t))) return;
    if (all.slice(i + 1).some((t2) => !isDeepStrictEqual(t, t2) && tolerationCovers(t2, t))) return;
    merged.push(t);
  });
  return merged;
}

function runtimeClassAdmission(pod: Obj, ctx: AdmissionContext): void {
  const spec = ensureObj(pod, "spec");
  let rc: Obj | undefined;
  if (!isNil(spec.runtimeClassName) && ctx.reads) {
    const name = String(spec.runtimeClassName);
    rc = ctx.reads.get("node.k8s.io", "runtimeclasses", undefined, name);
    if (!rc) throw forbidden("pods", "", nameOf(pod), `pod rejected: RuntimeClass "${name}" not found`);
  }
  const overhead = objAt(rc, "overhead");
  if (!overhead) {
    // The plugin's validation: a pod's overhead only ever comes from its RuntimeClass.
    if (!isNil(spec.overhead) && (rc || ctx.reads))
      throw forbidden(
        "pods",
        "",
        nameOf(pod),
        "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead",
      );
    if (!rc) return;
  } else {
    const podFixed = objAt(overhead, "podFixed");
    if (size(spec.overhead) > 0 && !isDeepStrictEqual(spec.overhead, podFixed ?? {}))
      throw forbidden(
        "pods",
        "",
        nameOf(pod),
        "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead",
      );
    if (podFixed) spec.overhead = { ...podFixed };
    else delete spec.overhead;
  }
  const scheduling = objAt(rc, "scheduling");
  if (!scheduling) return;
  const runtimeSelector = stringMap(scheduling.nodeSelector) ?? {};
  const podSelector = stringMap(spec.nodeSelector);
  if (podSelector) {
    for (const [k, v] of Object.entries(runtimeSelector)) {
      if (k in podSelector && podSelector[k] !== v)
        throw forbidden(
          "pods",
          "",
          nameOf(pod),
          `conflict: runtimeClass.scheduling.nodeSelector[${k}] = ${v}; pod.spec.nodeSelector[${k}] = ${podSelector[k]}`,
        );
      podSelector[k] = v;
    }
  } else if (size(runtimeSelector)) spec.nodeSelector = { ...runtimeSelector };
  const merged = mergeTolerations(listAt(spec, "tolerations"), listAt(scheduling, "tolerations"));
  if (merged.length) spec.tolerations = merged;
}

// ---- storage and ingress classes, protection finalizers -----------------------------------------

const newestDefault = (items: Obj[], isDefault: (o: Obj) => boolean): Obj | undefined =>
  items.filter(isDefault).sort((a, b) => {
    const ta = String(objAt(a, "metadata")?.creationTimestamp ?? "");
    const tb = String(objAt(b, "metadata")?.creationTimestamp ?? "");
    if (ta !== tb) return ta < tb ? 1 : -1;
    return String(nameOf(a)) < String(nameOf(b)) ? -1 : 1;
  })[0];

const annotationIs = (o: Obj, key: string) => stringMap(objAt(o, "metadata")?.annotations)?.[key] === "true";

function defaultStorageClass(pvc: Obj, ctx: AdmissionContext): void {
  const spec = ensureObj(pvc, "spec");
  const annotations = stringMap(objAt(pvc, "metadata")?.annotations);
  if (annotations && "volume.beta.kubernetes.io/storage-class" in annotations) return;
  if (!isNil(spec.storageClassName)) return;
  const sc = newestDefault(
    ctx.reads?.list("storage.k8s.io", "storageclasses") ?? [],
    (c) =>
      annotationIs(c, "storageclass.kubernetes.io/is-default-class") ||
      annotationIs(c, "storageclass.beta.kubernetes.io/is-default-class"),
  );
  if (sc) spec.storageClassName = nameOf(sc);
}

function defaultIngressClass(ing: Obj, ctx: AdmissionContext): void {
  const spec = ensureObj(ing, "spec");
  if (!isNil(spec.ingressClassName)) return;
  const annotations = stringMap(objAt(ing, "metadata")?.annotations);
  if (annotations && "kubernetes.io/ingress.class" in annotations) return;
  const ic = newestDefault(ctx.reads?.list("networking.k8s.io", "ingressclasses") ?? [], (c) =>
    annotationIs(c, "ingressclass.kubernetes.io/is-default-class"),
  );
  if (ic) spec.ingressClassName = nameOf(ic);
}

function addFinalizer(o: Obj, finalizer: string): void {
  const meta = ensureObj(o, "metadata");
  const finalizers = Array.isArray(meta.finalizers) ? (meta.finalizers as unknown[]) : [];
  if (!finalizers.includes(finalizer)) meta.finalizers = [...finalizers, finalizer];
}

/** TaintNodesByCondition: a new node is not ready until its node controller says so. */
function taintNewNode(node: Obj): void {
  const spec = ensureObj(node, "spec");
  if (listAt(spec, "taints").some((t) => t.key === NOT_READY && t.effect === "NoSchedule")) return;
  spec.taints = [...(Array.isArray(spec.taints) ? spec.taints : []), { key: NOT_READY, effect: "NoSchedule" }];
}

// ---- the chain ----------------------------------------------------------------------------------

/** Runs the default admission chain on a create or update of the main resource (not a subresource). */
export function admit(key: string, o: Obj, ctx: AdmissionContext): void {
  const create = ctx.operation === "create";
  switch (key) {
    case "core/pods": {
      const deleting = !isNil(objAt(ctx.old, "metadata")?.deletionTimestamp);
      if (create && !deleting) limitRanger(o, (ctx.reads?.list("", "limitranges", ctx.namespace) ?? []).filter(isObj));
      if (create) serviceAccountAdmission(o, ctx);
      priorityAdmission(o, ctx);
      defaultTolerationSeconds(o);
      if (create) runtimeClassAdmission(o, ctx);
      return;
    }
    case "core/persistentvolumeclaims":
      if (!create) return;
      defaultStorageClass(o, ctx);
      addFinalizer(o, "kubernetes.io/pvc-protection");
      return;
    case "core/persistentvolumes":
      if (create) addFinalizer(o, "kubernetes.io/pv-protection");
      return;
    case "storage.k8s.io/volumeattributesclasses":
      if (create) addFinalizer(o, "kubernetes.io/vac-protection");
      return;
    case "networking.k8s.io/ingresses":
      if (create) defaultIngressClass(o, ctx);
      return;
    case "core/nodes":
      if (create) taintNewNode(o);
      return;
  }
}
