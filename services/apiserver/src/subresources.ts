import { isDeepStrictEqual } from "node:util";
import { errors, type KubeObject, type LabelSelector, labelSelectorString, StatusError } from "@evk/kube";
import type { ResourceType } from "./resources.ts";

// The write strategies kube-apiserver applies per resource, as pure functions: what a create, an update
// of the main resource, a /status write, a /scale write and a pods/binding may change, and when
// metadata.generation moves. api.ts calls these inside its compare-and-swap updates.

const hasStatus = (t: Pick<ResourceType, "subresources">) => (t.subresources ?? []).includes("status");
const key = (t: Pick<ResourceType, "group" | "resource">) => `${t.group || "core"}/${t.resource}`;
const SYSTEM = new Set(["apiVersion", "kind", "metadata", "status"]);
const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/** Everything that is neither metadata nor status: `spec`, and the spec-like top-level fields (data, rules…). */
export function specOf(o: KubeObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!SYSTEM.has(k) && v !== undefined) out[k] = v;
  return out;
}

export function specChanged(before: KubeObject, after: KubeObject): boolean {
  return !isDeepStrictEqual(specOf(before), specOf(after));
}

/** The kinds whose create strategy starts metadata.generation at 1 (checked against kube-apiserver 1.35). */
const GENERATION_TRACKED = new Set([
  "core/pods",
  "core/replicationcontrollers",
  "core/podtemplates",
  "apps/deployments",
  "apps/replicasets",
  "apps/statefulsets",
  "apps/daemonsets",
  "batch/jobs",
  "batch/cronjobs",
  "discovery.k8s.io/endpointslices",
  "networking.k8s.io/ingresses",
  "networking.k8s.io/ingressclasses",
  "networking.k8s.io/networkpolicies",
  "policy/poddisruptionbudgets",
  "scheduling.k8s.io/priorityclasses",
  "resource.k8s.io/resourceslices",
  "admissionregistration.k8s.io/mutatingwebhookconfigurations",
  "admissionregistration.k8s.io/validatingwebhookconfigurations",
  "admissionregistration.k8s.io/validatingadmissionpolicies",
  "admissionregistration.k8s.io/validatingadmissionpolicybindings",
  "flowcontrol.apiserver.k8s.io/flowschemas",
  "flowcontrol.apiserver.k8s.io/prioritylevelconfigurations",
]);

export const tracksGeneration = (t: Pick<ResourceType, "group" | "resource">) => GENERATION_TRACKED.has(key(t));

/** metadata.generation after a write: +1 when the spec changed, never for status or metadata changes. */
export function nextGeneration(before: KubeObject, after: KubeObject): number | undefined {
  const g = before.metadata.generation;
  if (g === undefined) return undefined;
  return specChanged(before, after) ? g + 1 : g;
}

/** The JSON of each kind's empty Go status struct, which kube's PrepareForCreate leaves on a new object. */
const initialStatus: Record<string, (o: KubeObject) => Record<string, unknown>> = {
  "core/pods": (o) => ({ phase: "Pending", qosClass: qosClass(o) }),
  "core/services": () => ({ loadBalancer: {} }),
  "core/persistentvolumeclaims": () => ({ phase: "Pending" }),
  "core/persistentvolumes": () => ({ phase: "Pending", lastPhaseTransitionTime: now() }),
  "apps/replicasets": () => ({ replicas: 0 }),
  "apps/statefulsets": () => ({ replicas: 0, availableReplicas: 0 }),
  "apps/daemonsets": () => ({
    currentNumberScheduled: 0,
    numberMisscheduled: 0,
    desiredNumberScheduled: 0,
    numberReady: 0,
  }),
  "networking.k8s.io/ingresses": () => ({ loadBalancer: {} }),
  "policy/poddisruptionbudgets": () => ({
    disruptionsAllowed: 0,
    currentHealthy: 0,
    desiredHealthy: 0,
    expectedPods: 0,
  }),
};

/** ObjectMeta's omitempty lists and maps: Go drops them when empty, so an empty one is never stored. */
const OMIT_EMPTY_META = ["labels", "annotations", "finalizers", "ownerReferences", "managedFields"] as const;

/** The metadata as kube stores it: empty labels, annotations, finalizers, owner references left out. */
export function compactMetadata(o: KubeObject): KubeObject {
  const empty = OMIT_EMPTY_META.filter((k) => {
    const v = o.metadata[k];
    return v !== undefined && (v === null || (typeof v === "object" && Object.keys(v).length === 0));
  });
  if (empty.length === 0) return o;
  const metadata = { ...o.metadata };
  for (const k of empty) delete metadata[k];
  return { ...o, metadata };
}

/**
 * Kinds whose main resource writes status although they have a status subresource: nodes (kubelets register
 * with one), namespaces, and ServiceCIDRs (their strategy resets status only for server-side apply).
 */
const STATUS_FROM_MAIN_RESOURCE = new Set(["core/nodes", "core/namespaces", "networking.k8s.io/servicecidrs"]);

/** Create: a client cannot set status on kinds with a status subresource (STATUS_FROM_MAIN_RESOURCE excepted). */
export function prepareForCreate(type: ResourceType, o: KubeObject): KubeObject {
  const c = compactMetadata(o);
  if (!hasStatus(type) || STATUS_FROM_MAIN_RESOURCE.has(key(type))) return c;
  return { ...c, status: initialStatus[key(type)]?.(c) ?? {} };
}

/** The fields no client write may change (and the metadata compacted as kube stores it). */
export function keepSystemFields(cur: KubeObject, next: KubeObject): KubeObject {
  return compactMetadata({
    ...next,
    apiVersion: cur.apiVersion,
    kind: cur.kind,
    metadata: {
      ...next.metadata,
      name: cur.metadata.name,
      namespace: cur.metadata.namespace,
      uid: cur.metadata.uid,
      creationTimestamp: cur.metadata.creationTimestamp,
      generation: cur.metadata.generation,
      deletionTimestamp: cur.metadata.deletionTimestamp,
      deletionGracePeriodSeconds: cur.metadata.deletionGracePeriodSeconds,
    },
  });
}

const withStatus = (o: KubeObject, status: unknown): KubeObject => {
  const { status: _drop, ...rest } = o;
  return status === undefined ? (rest as KubeObject) : { ...rest, status };
};

/** PUT/PATCH of the main resource: status is kept where a status subresource owns it; generation follows spec. */
export function prepareForUpdate(type: ResourceType, cur: KubeObject, next: KubeObject): KubeObject {
  let out = keepSystemFields(cur, next);
  if (hasStatus(type) && key(type) !== "networking.k8s.io/servicecidrs") out = withStatus(out, cur.status);
  if (key(type) === "core/namespaces") {
    // spec.finalizers belong to /finalize.
    const finalizers = (cur.spec as { finalizers?: string[] } | undefined)?.finalizers;
    const { finalizers: _f, ...spec } = (out.spec ?? {}) as Record<string, unknown>;
    out = { ...out, spec: finalizers === undefined ? spec : { ...spec, finalizers } };
  }
  if (key(type) === "core/services") out = { ...out, spec: keepAllocatedValues(cur.spec, out.spec) };
  // Deployments also count annotation changes: their controller copies annotations to replica sets.
  const annotationsCount =
    key(type) === "apps/deployments" &&
    !isDeepStrictEqual(cur.metadata.annotations ?? {}, out.metadata.annotations ?? {});
  const generation = nextGeneration(cur, out);
  return {
    ...out,
    metadata: {
      ...out.metadata,
      generation: annotationsCount && generation === cur.metadata.generation ? (generation ?? 0) + 1 : generation,
    },
  };
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  healthCheckNodePort?: number;
  ports?: { port?: number; protocol?: string; nodePort?: number }[];
}

/**
 * kube-apiserver's patchAllocatedValues: an update that leaves out what was allocated (clusterIP(s), a
 * port's nodePort, healthCheckNodePort) keeps it, so `kubectl apply` of a manifest without them is no
 * change. (evk's host allocates these; the syncer writes them back.)
 */
export function keepAllocatedValues(before: unknown, after: unknown): Record<string, unknown> {
  const old = (before ?? {}) as ServiceSpec;
  const next = { ...((after ?? {}) as ServiceSpec) };
  if (!next.clusterIP && old.clusterIP && next.type !== "ExternalName") {
    next.clusterIP = old.clusterIP;
    if (!next.clusterIPs?.length && old.clusterIPs) next.clusterIPs = old.clusterIPs;
  }
  const usesNodePorts = next.type === "NodePort" || next.type === "LoadBalancer";
  if (usesNodePorts && next.ports) {
    next.ports = next.ports.map((p) => {
      if (p.nodePort) return p;
      const was = old.ports?.find((o) => o.port === p.port && (o.protocol ?? "TCP") === (p.protocol ?? "TCP"));
      return was?.nodePort ? { ...p, nodePort: was.nodePort } : p;
    });
  }
  if (next.type === "LoadBalancer" && !next.healthCheckNodePort && old.healthCheckNodePort)
    next.healthCheckNodePort = old.healthCheckNodePort;
  return next as Record<string, unknown>;
}

/**
 * PUT/PATCH of /status: only status and the metadata kube lets through change. Spec stays; deployments
 * keep their labels, pods their ownerReferences and qosClass (status strategies of kube 1.35).
 */
export function prepareForStatusUpdate(type: ResourceType, cur: KubeObject, next: KubeObject): KubeObject {
  const base = keepSystemFields(cur, next);
  const out: KubeObject = { ...specOf(cur), apiVersion: base.apiVersion, kind: base.kind, metadata: base.metadata };
  let status = next.status;
  const k = key(type);
  if (k === "apps/deployments") out.metadata = withOptional(out.metadata, "labels", cur.metadata.labels);
  // The flow-control kinds keep all their metadata but managedFields; APIServices their labels and the like.
  if (k.startsWith("flowcontrol.apiserver.k8s.io/"))
    out.metadata = withOptional({ ...cur.metadata }, "managedFields", base.metadata.managedFields);
  if (k === "apiregistration.k8s.io/apiservices")
    for (const f of ["labels", "annotations", "finalizers", "ownerReferences"])
      out.metadata = withOptional(out.metadata, f, cur.metadata[f]);
  if (k === "core/pods") {
    out.metadata = withOptional(out.metadata, "ownerReferences", cur.metadata.ownerReferences);
    const ns = (status ?? {}) as Record<string, unknown>;
    const os = (cur.status ?? {}) as Record<string, unknown>;
    status = {
      ...ns,
      ...(!ns.qosClass && os.qosClass ? { qosClass: os.qosClass } : {}),
      ...(!ns.observedGeneration && os.observedGeneration ? { observedGeneration: os.observedGeneration } : {}),
    };
  }
  return withStatus(out, status);
}

/** PUT /api/v1/namespaces/<name>/finalize: only spec.finalizers change. */
export function prepareForFinalize(cur: KubeObject, next: KubeObject): KubeObject {
  const finalizers = (next.spec as { finalizers?: string[] } | undefined)?.finalizers;
  const { finalizers: _f, ...spec } = (cur.spec ?? {}) as Record<string, unknown>;
  return { ...cur, spec: finalizers?.length ? { ...spec, finalizers } : spec };
}

function withOptional<T extends object>(o: T, k: string, v: unknown): T {
  const { [k]: _drop, ...rest } = o as Record<string, unknown>;
  return (v === undefined ? rest : { ...rest, [k]: v }) as T;
}

// ---- scale -----------------------------------------------------------------------------------------

/** metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key, values sorted. */
export function selectorString(sel: LabelSelector | undefined | null): string {
  const text = labelSelectorString(sel);
  if (text !== undefined) return text;
  const bad = sel?.matchExpressions?.find((e) => !["In", "NotIn", "Exists", "DoesNotExist"].includes(e.operator));
  throw errors.badRequest(`"${bad?.operator}" is not a valid label selector operator`);
}

/** The autoscaling/v1 Scale of a deployment, replicaset or statefulset. */
export function toScale(o: KubeObject): KubeObject {
  const spec = (o.spec ?? {}) as { replicas?: number; selector?: LabelSelector };
  // apps/v1 defaults replicas to 1; ScaleSpec.replicas is omitempty, so 0 is left out as kube does.
  const replicas = spec.replicas ?? 1;
  const statusReplicas = ((o.status ?? {}) as { replicas?: number }).replicas ?? 0;
  const selector = selectorString(spec.selector);
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      uid: o.metadata.uid,
      resourceVersion: o.metadata.resourceVersion,
      creationTimestamp: o.metadata.creationTimestamp,
    },
    spec: replicas ? { replicas } : {},
    status: { replicas: statusReplicas, ...(selector ? { selector } : {}) },
  };
}

/** The object after a Scale write: spec.replicas only, with kube's checks on the Scale. */
export function applyScale(type: ResourceType, cur: KubeObject, scale: unknown): KubeObject {
  if (typeof scale !== "object" || scale === null || Array.isArray(scale))
    throw errors.badRequest("the request body must be a JSON object");
  const s = scale as {
    kind?: string;
    apiVersion?: string;
    metadata?: { uid?: string; name?: string };
    spec?: { replicas?: unknown };
  };
  if (s.kind !== undefined && s.kind !== "Scale")
    throw errors.badRequest(`expected input object type to be Scale, but ${s.kind}`);
  const name = cur.metadata.name as string;
  if (s.metadata?.uid && s.metadata.uid !== cur.metadata.uid)
    throw errors.conflict(
      { group: type.group, resource: `${type.resource}/scale` },
      name,
      `Precondition failed: UID in precondition: ${s.metadata.uid}, UID in object meta: ${cur.metadata.uid}`,
    );
  const replicas = s.spec?.replicas ?? 0;
  if (typeof replicas !== "number" || !Number.isInteger(replicas))
    throw errors.badRequest(`unable to decode Scale: spec.replicas must be an integer`);
  if (replicas < 0)
    throw errors.invalid(
      "Scale",
      name,
      [{ field: "spec.replicas", message: `Invalid value: ${replicas}: must be greater than or equal to 0` }],
      "autoscaling",
    );
  const next = { ...cur, spec: { ...(cur.spec as object | undefined), replicas } };
  return { ...next, metadata: { ...next.metadata, generation: nextGeneration(cur, next) } };
}

// ---- binding ---------------------------------------------------------------------------------------

export interface Binding {
  metadata?: {
    name?: string;
    uid?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  target?: { kind?: string; name?: string };
}

/** ValidatePodBinding, whose errors kube returns unwrapped (a 500 with the field errors as the message). */
export function validateBinding(b: Binding): void {
  const errs: string[] = [];
  const kind = b.target?.kind ?? "";
  if (kind !== "" && kind !== "Node")
    errs.push(`target.kind: Unsupported value: "${kind}": supported values: "Node", "<empty>"`);
  if (!b.target?.name) errs.push("target.name: Required value");
  if (errs.length)
    throw new StatusError("InternalError", errs.length === 1 ? (errs[0] as string) : `[${errs.join(", ")}]`);
}

/** BindingREST.setPodNodeAndMetadata: the bound pod, or the Conflict kube answers. */
export function bindPod(pod: KubeObject, b: Binding, at: string = now()): KubeObject {
  const name = pod.metadata.name as string;
  const conflict = (why: string) => errors.conflict({ group: "", resource: "pods/binding" }, name, why);
  const spec = (pod.spec ?? {}) as { nodeName?: string; schedulingGates?: unknown[] };
  if (pod.metadata.deletionTimestamp) throw conflict(`pod ${name} is being deleted, cannot be assigned to a host`);
  if (spec.nodeName) throw conflict(`pod ${name} is already assigned to node "${spec.nodeName}"`);
  if (spec.schedulingGates?.length) throw conflict(`pod ${name} has non-empty .spec.schedulingGates`);
  const status = { ...((pod.status ?? {}) as Record<string, unknown>) };
  delete status.nominatedNodeName;
  const conditions = [...((status.conditions as Record<string, unknown>[] | undefined) ?? [])];
  const i = conditions.findIndex((c) => c.type === "PodScheduled");
  const old = i >= 0 ? conditions[i] : undefined;
  const cond = {
    type: "PodScheduled",
    status: "True",
    lastProbeTime: null,
    lastTransitionTime: old?.status === "True" ? old.lastTransitionTime : at,
  };
  if (i >= 0) conditions[i] = cond;
  else conditions.push(cond);
  const annotations = { ...pod.metadata.annotations, ...b.metadata?.annotations };
  const labels = { ...pod.metadata.labels, ...b.metadata?.labels };
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      annotations,
      ...(Object.keys(labels).length ? { labels } : {}),
    },
    spec: { ...spec, nodeName: b.target?.name },
    status: { ...status, conditions },
  };
}

// ---- pod QoS -----------------------------------------------------------------------------------------

interface Resources {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

/** kube's ComputePodQOS over cpu and memory (quantities compared as written; "0" counts as unset). */
export function qosClass(pod: KubeObject): "Guaranteed" | "Burstable" | "BestEffort" {
  const spec = (pod.spec ?? {}) as {
    containers?: { resources?: Resources }[];
    initContainers?: { resources?: Resources }[];
  };
  const all = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  const set = (v: string | undefined) => v !== undefined && !/^0+(\.0*)?[a-zA-Z]*$/.test(v);
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const limits = c.resources?.limits ?? {};
    // Requests default to limits.
    const requests = { ...limits, ...c.resources?.requests };
    for (const r of ["cpu", "memory"]) {
      if (set(requests[r]) || set(limits[r])) any = true;
      if (!set(limits[r]) || requests[r] !== limits[r]) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

/**
 * PUT /api/v1/namespaces/<ns>/pods/<name>/ephemeralcontainers: only spec.ephemeralContainers change, and
 * only by additions (kube: ephemeral containers may not be removed or changed once added).
 */
export function prepareForEphemeralContainers(cur: KubeObject, next: KubeObject): KubeObject {
  type C = { name?: string };
  const before = ((cur.spec as { ephemeralContainers?: C[] } | undefined)?.ephemeralContainers ?? []) as C[];
  const after = ((next.spec as { ephemeralContainers?: C[] } | undefined)?.ephemeralContainers ?? []) as C[];
  for (const b of before) {
    const a = after.find((x) => x.name === b.name);
    if (!a || !isDeepStrictEqual(a, b)) {
      throw errors.invalid("Pod", cur.metadata.name as string, [
        {
          field: "spec.ephemeralContainers",
          message: "Forbidden: existing ephemeral containers may not be removed or changed",
          reason: "FieldValueForbidden",
        },
      ]);
    }
  }
  return { ...cur, spec: { ...(cur.spec as object), ephemeralContainers: after } };
}

/**
 * The CSR create strategy: the requester recorded in spec (username, uid, groups, extra) is whoever sent the
 * request, whatever the body says, so an approver can trust it.
 */
export function stampRequester(
  type: Pick<ResourceType, "group" | "resource">,
  o: KubeObject,
  user: { username: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } | undefined,
): KubeObject {
  if (key(type) !== "certificates.k8s.io/certificatesigningrequests" || !user) return o;
  const { username: _u, uid: _i, groups: _g, extra: _e, ...spec } = (o.spec ?? {}) as Record<string, unknown>;
  return {
    ...o,
    spec: {
      ...spec,
      username: user.username,
      ...(user.uid ? { uid: user.uid } : {}),
      ...(user.groups?.length ? { groups: user.groups } : {}),
      ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}),
    },
  };
}
