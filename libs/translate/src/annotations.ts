import {
  IDENTITY_ANNOTATION_KEYS,
  KEY_PREFIX,
  MANAGED_ANNOTATIONS_ANNOTATION,
  OBJECT_HOST_NAME_ANNOTATION,
  OBJECT_HOST_NAMESPACE_ANNOTATION,
  OBJECT_KIND_ANNOTATION,
  OBJECT_NAME_ANNOTATION,
  OBJECT_NAMESPACE_ANNOTATION,
  OBJECT_UID_ANNOTATION,
} from "./keys.ts";

export type Annotations = Record<string, string>;

/** Exact keys, or a predicate for key families such as the pod token annotations. */
export type AnnotationFilter = Iterable<string> | ((key: string) => boolean);

export function annotationFilter(f: AnnotationFilter | undefined): (key: string) => boolean {
  if (f === undefined) return () => false;
  if (typeof f === "function") return f;
  const set = new Set(f);
  return (k) => set.has(k);
}

export interface HostAnnotationsInput {
  /** Not needed to compute annotations; accepted so callers can pass one context object to every translator. */
  cluster?: string;
  hostNamespace: string;
  /** Go GVK string, e.g. "/v1, Kind=Pod" (see gvkString). */
  kind: string;
  virtual: { metadata?: { name?: string; namespace?: string; uid?: string; annotations?: Annotations } };
  hostName: string;
  /** Virtual annotation keys never copied to the host (per-kind exclusions, syncer-owned keys). */
  excluded?: AnnotationFilter;
}

/**
 * Annotations of a host object: the virtual annotations minus identity and excluded keys, then the identity
 * annotations, and the sorted list of copied keys so a later reconcile knows which host annotations it owns.
 * A virtual object without a namespace is cluster-scoped: it gets no namespace annotations.
 */
export function hostAnnotations(input: HostAnnotationsInput): Annotations {
  const isExcluded = annotationFilter(input.excluded);
  const identity = new Set(IDENTITY_ANNOTATION_KEYS);
  const meta = input.virtual.metadata ?? {};
  const out: Annotations = {};
  const copied: string[] = [];
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    if (identity.has(k) || isExcluded(k)) continue;
    out[k] = v;
    copied.push(k);
  }
  const namespace = meta.namespace ?? "";
  out[OBJECT_NAME_ANNOTATION] = meta.name ?? "";
  if (namespace !== "") out[OBJECT_NAMESPACE_ANNOTATION] = namespace;
  out[OBJECT_UID_ANNOTATION] = meta.uid ?? "";
  out[OBJECT_KIND_ANNOTATION] = input.kind;
  out[OBJECT_HOST_NAME_ANNOTATION] = input.hostName;
  if (namespace !== "") out[OBJECT_HOST_NAMESPACE_ANNOTATION] = input.hostNamespace;
  if (copied.length > 0) out[MANAGED_ANNOTATIONS_ANNOTATION] = copied.sort().join("\n");
  return out;
}

/** The virtual annotation keys the host object had copied at its last sync. */
export function managedAnnotationKeys(host: Annotations | undefined): Set<string> {
  const v = host?.[MANAGED_ANNOTATIONS_ANNOTATION];
  return new Set(v ? v.split("\n").filter((k) => k !== "") : []);
}

/**
 * Desired annotations plus the host's own: an annotation some host controller added is kept, one the syncer wrote
 * earlier (listed in managed-annotations, or under evk.dev/, or matched by `alsoOwned`) and no longer wants is dropped.
 */
export function mergeHostOnlyAnnotations(
  desired: Annotations,
  host: Annotations | undefined,
  alsoOwned?: AnnotationFilter,
): Annotations {
  const previouslyManaged = managedAnnotationKeys(host);
  const owned = annotationFilter(alsoOwned);
  const out: Annotations = { ...desired };
  for (const [k, v] of Object.entries(host ?? {})) {
    if (Object.hasOwn(out, k)) continue;
    if (previouslyManaged.has(k) || k.startsWith(KEY_PREFIX) || owned(k)) continue;
    out[k] = v;
  }
  return out;
}
