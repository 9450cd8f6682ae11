import { isDeepStrictEqual } from "node:util";
import { cmpQuantity, errors, type KubeObject, type StatusCause } from "@evk/kube";
import { metadataUpdateProblems } from "./metadata-validation.ts";
import { type FieldError, forbidden, invalid, q, toCauses } from "./spec-validation/field-errors.ts";
import { validatePodMetadataAndSpec } from "./spec-validation/pod.ts";
import { nextGeneration, qosClass } from "./subresources.ts";

// pods/resize, in-place pod resize as kube-apiserver 1.35 serves it (pkg/registry/core/pod podResizeStrategy,
// ValidatePodResize): a write through it changes only the containers' (and sidecars') resources and resize
// policies, keeps the QoS class, may not drop a request or limit, and moves the pod's generation.

type Obj = Record<string, unknown>;
type Container = Obj & { name?: string; resources?: Obj; resizePolicy?: unknown; restartPolicy?: string };

const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const containers = (spec: Obj, k: "containers" | "initContainers"): Container[] =>
  Array.isArray(spec[k]) ? (spec[k] as unknown[]).map((c) => obj(c) as Container) : [];
const isSidecar = (c: Container) => c.restartPolicy === "Always";
/** Go's omitempty: an empty map or list is left out of what a pod stores. */
const present = (v: unknown) =>
  v !== undefined && v !== null && !(typeof v === "object" && Object.keys(v as object).length === 0);

/** The metadata fields a resize keeps from the stored pod (ResetObjectMetaForStatus). */
const KEPT_METADATA = ["deletionTimestamp", "generation", "labels", "annotations", "finalizers", "ownerReferences"];

/**
 * dropNonResizeUpdates: the stored pod with only the containers' resources and resize policies of `next`
 * (init containers' too, sidecars or not: validation refuses the rest). A pod whose containers were added,
 * removed, renamed or reordered is left as sent, for validation to refuse.
 */
export function prepareForResize(cur: KubeObject, next: KubeObject): KubeObject {
  const nSpec = obj(next.spec);
  const cSpec = obj(cur.spec);
  const merged = (k: "containers" | "initContainers"): Container[] | undefined => {
    const n = containers(nSpec, k);
    const c = containers(cSpec, k);
    if (n.length !== c.length || n.some((x, i) => x.name !== c[i]?.name)) return undefined;
    return c.map((old, i) => {
      const { resources: _r, resizePolicy: _p, ...rest } = old;
      const src = n[i] as Container;
      return {
        ...rest,
        ...(present(src.resources) ? { resources: src.resources } : { resources: {} }),
        ...(present(src.resizePolicy) ? { resizePolicy: src.resizePolicy } : {}),
      };
    });
  };
  const main = merged("containers");
  const init = merged("initContainers");
  if (!main || !init) return next;
  const spec: Obj = { ...cSpec, containers: main };
  if (init.length) spec.initContainers = init;
  const metadata: Obj = { ...next.metadata };
  for (const k of KEPT_METADATA) {
    if (cur.metadata[k] === undefined) delete metadata[k];
    else metadata[k] = cur.metadata[k];
  }
  const out: KubeObject = { ...cur, metadata: metadata as KubeObject["metadata"], spec };
  const generation = nextGeneration(cur, out);
  if (generation !== undefined) out.metadata.generation = generation;
  return out;
}

/** resourcesRemoved: a resource name the old list had is missing from the new one. */
const removed = (next: unknown, old: unknown) => Object.keys(obj(old)).some((k) => !(k in obj(next)));

/** isPodResizeRequestSupported: a running container whose status reports no resources is on an old kubelet. */
function nodeSupportsResize(pod: KubeObject): boolean {
  for (const s of (obj(pod.status).containerStatuses ?? []) as Obj[])
    if (obj(s.state).running !== undefined) return s.resources !== undefined;
  return true;
}

/** dropCPUMemoryUpdates over a container: its cpu and memory as the old container has them. */
function withoutCpuMemoryChanges(c: Container, old: Container): Container {
  const list = (l: unknown, oldL: unknown): Obj | undefined => {
    if (l === undefined && oldL === undefined) return undefined;
    const out = { ...obj(l) };
    delete out.cpu;
    delete out.memory;
    for (const k of ["cpu", "memory"]) if (k in obj(oldL)) out[k] = obj(oldL)[k];
    return out;
  };
  const r = obj(c.resources);
  const o = obj(old.resources);
  const limits = list(r.limits, o.limits);
  const requests = list(r.requests, o.requests);
  return { ...c, resources: { ...(limits ? { limits } : {}), ...(requests ? { requests } : {}) } };
}

/** apiequality.Semantic.DeepEqual of two containers: quantities by value, empty maps and lists as absent. */
function sameContainer(a: Container, b: Container): boolean {
  const norm = (c: Container): Obj => {
    const r = obj(c.resources);
    const out: Obj = {};
    for (const [k, v] of Object.entries(c)) if (k !== "resources" && present(v)) out[k] = v;
    for (const k of ["limits", "requests", "claims"]) if (present(r[k])) out[`resources.${k}`] = r[k];
    return out;
  };
  const x = norm(a);
  const y = norm(b);
  const quantities = (u: unknown, v: unknown) =>
    Object.keys(obj(u)).length === Object.keys(obj(v)).length &&
    Object.entries(obj(u)).every(([k, q]) => k in obj(v) && cmpQuantity(q, obj(v)[k]) === 0);
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const k of keys) {
    if (k === "resources.limits" || k === "resources.requests") {
      if (!quantities(x[k], y[k])) return false;
    } else if (!isDeepStrictEqual(x[k], y[k])) return false;
  }
  return true;
}

/** ValidatePodResize: the causes kube gives for a write through pods/resize, `next` as prepareForResize left it. */
export function resizeProblems(next: KubeObject, old: KubeObject): StatusCause[] {
  const meta = metadataUpdateProblems(old, next);
  const errs: FieldError[] = validatePodMetadataAndSpec(next as unknown as Obj, old as unknown as Obj);
  if (old.metadata.annotations?.["kubernetes.io/config.mirror"] !== undefined)
    return toCauses([forbidden("", "static pods cannot be resized")]);
  if (obj(obj(old.spec).os).name === "windows") return toCauses([forbidden("", "windows pods cannot be resized")]);
  const oldQos = (obj(old.status).qosClass as string | undefined) || qosClass(old);
  if (oldQos !== qosClass(next))
    errs.push(
      invalid(
        "spec",
        q(String(obj(next.status).qosClass ?? "")),
        "Pod QOS Class may not change as a result of resizing",
      ),
    );
  if (!nodeSupportsResize(old)) errs.push(forbidden("spec", "Pod running on node without support for resize"));
  const nSpec = obj(next.spec);
  const oSpec = obj(old.spec);
  const podLevel = (s: Obj) => present(obj(s.resources).requests) || present(obj(s.resources).limits);
  if (podLevel(oSpec) || podLevel(nSpec)) {
    errs.push(
      forbidden(
        "",
        "resize of pods with pod-level resources is forbidden when InPlacePodLevelResourcesVerticalScalingEnabled feature gate is disabled",
      ),
    );
    return [...meta, ...toCauses(errs)];
  }
  const nMain = containers(nSpec, "containers");
  const oMain = containers(oSpec, "containers");
  const nInit = containers(nSpec, "initContainers");
  const oInit = containers(oSpec, "initContainers");
  const order: FieldError[] = [];
  if (nMain.length !== oMain.length)
    order.push(forbidden("spec.containers", "containers may not be added or removed on resize"));
  else
    oMain.forEach((c, i) => {
      if (nMain[i]?.name !== c.name)
        order.push(forbidden(`spec.containers[${i}].name`, "containers may not be renamed or reordered on resize"));
    });
  if (nInit.length !== oInit.length)
    order.push(forbidden("spec.initContainers", "initContainers may not be added or removed on resize"));
  else
    oInit.forEach((c, i) => {
      if (nInit[i]?.name !== c.name)
        order.push(
          forbidden(`spec.initContainers[${i}].name`, "initContainers may not be renamed or reordered on resize"),
        );
    });
  errs.push(...order);
  if (order.length) return [...meta, ...toCauses(errs)];

  const removals = (n: Container, o: Container, path: string) => {
    if (removed(obj(n.resources).requests, obj(o.resources).requests))
      errs.push(forbidden(`${path}.requests`, "resource requests cannot be removed"));
    if (removed(obj(n.resources).limits, obj(o.resources).limits))
      errs.push(forbidden(`${path}.limits`, "resource limits cannot be removed"));
  };
  oInit.forEach((c, i) => {
    if (isSidecar(c)) removals(nInit[i] as Container, c, `spec.initContainers[${i}].resources`);
  });
  oMain.forEach((c, i) => {
    removals(nMain[i] as Container, c, `spec.containers[${i}].resources`);
  });
  let changedElsewhere = false;
  nMain.forEach((c, i) => {
    if (!sameContainer(withoutCpuMemoryChanges(c, oMain[i] as Container), oMain[i] as Container)) {
      errs.push(forbidden("spec", "only cpu and memory resources are mutable"));
      changedElsewhere = true;
    }
  });
  nInit.forEach((c, i) => {
    const o = oInit[i] as Container;
    if (isSidecar(c)) {
      if (!sameContainer(withoutCpuMemoryChanges(c, o), o)) {
        errs.push(forbidden("spec", "only cpu and memory resources for sidecar containers are mutable"));
        changedElsewhere = true;
      }
    } else if (!sameContainer(c, o)) {
      errs.push(forbidden("spec", "resources for non-sidecar init containers are immutable"));
      changedElsewhere = true;
    }
  });
  if (!errs.length && !changedElsewhere) {
    // Whatever else of the spec differs (prepareForResize let it through only for validation to see it).
    const rest = (s: Obj) => {
      const { containers: _c, initContainers: _i, ...r } = s;
      return r;
    };
    if (!isDeepStrictEqual(rest(nSpec), rest(oSpec)))
      errs.push(forbidden("spec", "only cpu and memory resources are mutable"));
  }
  return [...meta, ...toCauses(errs)];
}

/** The resize strategy and its validation: the pod a write through pods/resize stores, or kube's 422. */
export function resize(cur: KubeObject, next: KubeObject): KubeObject {
  const prepared = prepareForResize(cur, next);
  const causes = resizeProblems(prepared, cur);
  if (causes.length) throw errors.invalid("Pod", cur.metadata.name as string, causes);
  return prepared;
}
