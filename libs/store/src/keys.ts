// etcd key layout: /evk/<cluster>/registry/<group>/<resource>/<namespace>/<name> for namespaced objects and
// /evk/<cluster>/registry/<group>/<resource>/<name> for cluster-scoped ones. The core group is spelled "core".
// Object names never contain "/", so a key parses by its segment count alone, without a resource table.

export interface ResourceRef {
  /** API group; "" or "core" for the core group. */
  group: string;
  /** Plural resource name, e.g. "pods". */
  resource: string;
}

export interface ObjectRef extends ResourceRef {
  /** Undefined or "" for cluster-scoped objects. */
  namespace?: string | undefined;
  name: string;
}

export interface ParsedKey extends ObjectRef {
  cluster: string;
  group: string;
}

const CLUSTER_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function assertClusterName(cluster: string): void {
  if (!CLUSTER_RE.test(cluster)) {
    throw new Error(`invalid cluster name "${cluster}": must be a DNS label (lowercase letters, digits, '-')`);
  }
}

const groupSegment = (g: string) => (g === "" ? "core" : g);

/** Everything of one virtual cluster: the prefix its watch cache and relay follow. */
export function clusterPrefix(cluster: string): string {
  return `/evk/${cluster}/registry/`;
}

/** All objects of one resource, or of one resource in one namespace. */
export function resourcePrefix(cluster: string, r: ResourceRef, namespace?: string): string {
  const base = `${clusterPrefix(cluster)}${groupSegment(r.group)}/${r.resource}/`;
  return namespace ? `${base}${namespace}/` : base;
}

export function objectKey(cluster: string, ref: ObjectRef): string {
  if (!ref.name || ref.name.includes("/")) throw new Error(`invalid object name "${ref.name}"`);
  return `${resourcePrefix(cluster, ref, ref.namespace || undefined)}${ref.name}`;
}

/** The inverse of objectKey; undefined for keys outside the registry layout. */
export function parseKey(key: string): ParsedKey | undefined {
  const parts = key.split("/");
  // ["", "evk", cluster, "registry", group, resource, (namespace,) name]
  if (parts[0] !== "" || parts[1] !== "evk" || parts[3] !== "registry") return undefined;
  const [cluster, , group, resource] = parts.slice(2) as [string, string, string, string];
  if (parts.length === 8) return { cluster, group, resource, namespace: parts[6] as string, name: parts[7] as string };
  if (parts.length === 7) return { cluster, group, resource, name: parts[6] as string };
  return undefined;
}

/** Keys of the relay's bookkeeping live beside the registry, so writing them produces no events. */
export const relayKeys = (cluster: string) => ({
  checkpoint: `/evk/${cluster}/relay/checkpoint`,
  election: `/evk/${cluster}/relay/leader`,
});
