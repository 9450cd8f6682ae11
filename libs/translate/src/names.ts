import { hash10 } from "./hash.ts";
import {
  MANAGED_BY_LABEL,
  OBJECT_HOST_NAME_ANNOTATION,
  OBJECT_HOST_NAMESPACE_ANNOTATION,
  OBJECT_KIND_ANNOTATION,
  OBJECT_NAME_ANNOTATION,
  OBJECT_NAMESPACE_ANNOTATION,
  OBJECT_UID_ANNOTATION,
} from "./keys.ts";

/** Longest DNS label, and so the longest host name evk generates. */
export const MAX_NAME_LENGTH = 63;
const HASHED_PREFIX_LENGTH = 52;

/**
 * Joins parts with "-"; a result longer than 63 characters keeps its first 52 characters plus "-" and 10 hex chars of
 * sha256(full), so distinct long names stay distinct. Cutting right after a "." would leave ".-", which is not a valid
 * DNS name, hence the final replacement (the result may then be 62 characters).
 */
export function safeConcatName(...parts: string[]): string {
  const full = parts.join("-");
  if (full.length <= MAX_NAME_LENGTH) return full;
  return `${full.slice(0, HASHED_PREFIX_LENGTH)}-${hash10(full)}`.replaceAll(".-", "-");
}

/** Host name of a namespaced virtual object; "" for an empty name, which callers treat as "do not sync". */
export function hostName(cluster: string, namespace: string, name: string): string {
  if (name === "") return "";
  return safeConcatName(name, "x", namespace, "x", cluster);
}

/** Host name of a cluster-scoped virtual object synced to the host (vcluster's literal "vcluster" becomes "evk"). */
export function clusterScopedHostName(cluster: string, hostNamespace: string, name: string): string {
  if (name === "") return "";
  return safeConcatName("evk", name, "x", hostNamespace, "x", cluster);
}

/** Value of the managed-by label on cluster-scoped host objects, which have no host namespace to scope them. */
export function clusterScopedMarker(cluster: string, hostNamespace: string): string {
  return safeConcatName(hostNamespace, "x", cluster);
}

/** Go's `schema.GroupVersionKind.String()`: "/v1, Kind=Pod", "apps/v1, Kind=Deployment". */
export function gvkString(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf("/");
  const [group, version] = slash < 0 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
  return `${group}/${version}, Kind=${kind}`;
}

export interface VirtualIdentity {
  namespace: string;
  name: string;
  uid?: string;
}

interface HostObjectLike {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

/**
 * Reads which virtual object a host object stands for, or undefined if it does not belong to this cluster
 * (vcluster's IsManaged without the mapping store). A hash cannot be inverted, so the answer comes from the identity
 * annotations, and is trusted only if translating it forward again gives this very host name: that stops a host
 * user from claiming another object by copying annotations.
 *
 * `kind` is the expected GVK string; when omitted it is derived from the object's apiVersion/kind if both are set
 * (list responses often omit them, in which case the kind check is skipped).
 */
export function virtualIdentity(
  hostObj: HostObjectLike,
  cluster: string,
  hostNamespace: string,
  kind?: string,
): VirtualIdentity | undefined {
  const meta = hostObj.metadata ?? {};
  const labels = meta.labels ?? {};
  const annotations = meta.annotations ?? {};
  const actualName = meta.name ?? "";
  const actualNamespace = meta.namespace ?? "";
  const uid = annotations[OBJECT_UID_ANNOTATION] || undefined;

  const expectedKind = kind ?? (hostObj.apiVersion && hostObj.kind ? gvkString(hostObj.apiVersion, hostObj.kind) : "");
  const annotatedKind = annotations[OBJECT_KIND_ANNOTATION];
  if (annotatedKind !== undefined && expectedKind !== "" && annotatedKind !== expectedKind) return undefined;
  const annotatedHostName = annotations[OBJECT_HOST_NAME_ANNOTATION];
  if (annotatedHostName !== undefined && annotatedHostName !== actualName) return undefined;
  const annotatedHostNamespace = annotations[OBJECT_HOST_NAMESPACE_ANNOTATION];
  if (annotatedHostNamespace !== undefined && annotatedHostNamespace !== actualNamespace) return undefined;

  if (actualNamespace === "") {
    // Cluster-scoped: the marker carries the host namespace, so it alone proves ownership.
    if (labels[MANAGED_BY_LABEL] !== clusterScopedMarker(cluster, hostNamespace)) return undefined;
    const name = annotations[OBJECT_NAME_ANNOTATION] || actualName;
    return uid === undefined ? { namespace: "", name } : { namespace: "", name, uid };
  }

  if (actualNamespace !== hostNamespace) return undefined;
  if (labels[MANAGED_BY_LABEL] !== cluster) return undefined;
  const name = annotations[OBJECT_NAME_ANNOTATION] ?? "";
  if (name === "") return undefined;
  const namespace = annotations[OBJECT_NAMESPACE_ANNOTATION] ?? "";
  if (hostName(cluster, namespace, name) !== actualName) return undefined;
  return uid === undefined ? { namespace, name } : { namespace, name, uid };
}
