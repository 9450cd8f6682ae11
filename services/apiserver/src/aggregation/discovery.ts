import {
  API_VERSION_PRIORITIES,
  APIREGISTRATION_GROUP,
  CRD_PRIORITY,
  type Prioritized,
  sortedByGroupAndVersion,
} from "./priorities.ts";

// Discovery as the aggregator serves it (kube-aggregator handler_apis.go, handler_discovery.go): the local
// groups and those of service-backed APIServices in one list, ordered by the APIServices' priorities, with
// apiregistration.k8s.io first. In the aggregated document a service-backed version carries the resources its
// server reported, and is "Stale" (without resources) while that server cannot be asked. Pure.

export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

export interface APIGroup {
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion?: GroupVersionForDiscovery;
}

export interface APIGroupList {
  kind: string;
  apiVersion: string;
  groups: APIGroup[];
}

export interface VersionDiscovery {
  version: string;
  resources?: unknown[];
  freshness?: string;
}

export interface AggregatedGroup {
  metadata: { name?: string };
  versions: VersionDiscovery[];
}

export interface AggregatedList {
  kind: string;
  apiVersion: string;
  metadata: Record<string, unknown>;
  items: AggregatedGroup[];
}

/** A group-version some APIService names, with its priorities and (for service-backed ones) what it serves. */
export interface ServedVersion extends Prioritized {
  /** Undefined for local group-versions; the last discovery answer (or none) for service-backed ones. */
  remote?: { resources?: unknown[]; current: boolean };
}

/** The priorities a local group-version has without an APIService for it (kube's table, or a CRD's). */
export function defaultPriority(group: string, version: string): Prioritized {
  const p = API_VERSION_PRIORITIES[`${group}/${version}`] ?? CRD_PRIORITY;
  return { group, version, groupPriorityMinimum: p.group, versionPriority: p.version };
}

const gvOf = (group: string, version: string): GroupVersionForDiscovery => ({
  groupVersion: group ? `${group}/${version}` : version,
  version,
});

function toGroup(versions: ServedVersion[]): APIGroup {
  const group = (versions[0] as ServedVersion).group;
  const vs = versions.map((v) => gvOf(group, v.version));
  return { name: group, versions: vs, preferredVersion: vs[0] as GroupVersionForDiscovery };
}

/**
 * Every group-version served here or through an APIService: the local ones (with the priorities their
 * APIServices give, `priorityOf`) and the service-backed ones, which win over a local one of the same name.
 */
export function servedVersions(
  localGroups: APIGroup[],
  priorityOf: (group: string, version: string) => Prioritized,
  remote: ServedVersion[],
): ServedVersion[] {
  const out = new Map<string, ServedVersion>();
  for (const g of localGroups)
    for (const v of g.versions) {
      if (g.name === APIREGISTRATION_GROUP) continue;
      out.set(`${g.name}/${v.version}`, priorityOf(g.name, v.version));
    }
  for (const r of remote) out.set(`${r.group}/${r.version}`, r);
  return [...out.values()];
}

/** GET /apis: apiregistration.k8s.io, then every group by priority. */
export function mergedGroupList(local: APIGroupList, served: ServedVersion[]): APIGroupList {
  const own = local.groups.find((g) => g.name === APIREGISTRATION_GROUP);
  const groups = sortedByGroupAndVersion(served.filter((s) => s.group !== "")).map(toGroup);
  return { ...local, groups: [...(own ? [own] : []), ...groups] };
}

/** GET /apis/<group>: the group as the APIServices describe it, or the local document. */
export function mergedGroup(name: string, local: APIGroup | undefined, served: ServedVersion[]): APIGroup | undefined {
  if (name === APIREGISTRATION_GROUP) return local;
  const mine = served.filter((s) => s.group === name);
  if (mine.length === 0) return local;
  const [sorted] = sortedByGroupAndVersion(mine);
  return toGroup(sorted as ServedVersion[]);
}

/** The aggregated /apis document with the service-backed versions in it, ordered as the legacy list. */
export function mergedAggregated(local: AggregatedList, served: ServedVersion[]): AggregatedList {
  const localVersions = new Map<string, VersionDiscovery>();
  for (const g of local.items)
    for (const v of g.versions) localVersions.set(`${g.metadata.name ?? ""}/${v.version}`, v);
  const own = local.items.find((g) => g.metadata.name === APIREGISTRATION_GROUP);
  const items: AggregatedGroup[] = [];
  for (const group of sortedByGroupAndVersion(served.filter((s) => s.group !== ""))) {
    const name = (group[0] as ServedVersion).group;
    const versions: VersionDiscovery[] = [];
    for (const v of group) {
      if (v.remote) {
        versions.push(
          v.remote.current
            ? { version: v.version, resources: v.remote.resources ?? [], freshness: "Current" }
            : { version: v.version, freshness: "Stale" },
        );
        continue;
      }
      const lv = localVersions.get(`${name}/${v.version}`);
      if (lv) versions.push(lv);
    }
    if (versions.length) items.push({ metadata: { name }, versions });
  }
  return { ...local, items: [...(own ? [own] : []), ...items] };
}
