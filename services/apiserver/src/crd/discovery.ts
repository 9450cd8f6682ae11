// Discovery of custom resources as kube-apiserver 1.35 gives it: /apis lists a definition's group once any
// definition serves a version of it (the aggregator's APIServices, priority 1000/100, ordered by APIService
// name); /apis/<group>/<version> and the aggregated document list the resources of established definitions
// (apiextensions-apiserver customresource_discovery_controller.go). Pure over the served definitions.
import { createHash } from "node:crypto";
import type { ServedDefinition } from "./custom-resource.ts";

/** version.CompareKubeAwareVersionStrings: > 0 when `a` sorts before `b` (GA, then beta, then alpha, then the rest). */
export function compareKubeAwareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    return { major: Number(m[1]), stage: m[2] === "alpha" ? 0 : m[2] === "beta" ? 1 : 2, minor: Number(m[3] ?? 0) };
  };
  const x = parse(a);
  const y = parse(b);
  if (!x && !y) return a < b ? 1 : a > b ? -1 : 0;
  if (!x) return -1;
  if (!y) return 1;
  if (x.stage !== y.stage) return x.stage - y.stage;
  if (x.major !== y.major) return x.major - y.major;
  return x.minor - y.minor;
}

const byKubeVersion = (a: string, b: string) => -compareKubeAwareVersions(a, b);

export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash("sha256").update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString("base64");
}

/** The groups /apis lists for custom resources, with their versions in preference order. */
export function customGroups(defs: ServedDefinition[]): { name: string; versions: string[] }[] {
  // One APIService per served group-version, named <version>.<group>, sorted by that name (all have the same
  // priority); a group comes where its first APIService does.
  const services = new Set<string>();
  for (const d of defs) for (const v of d.versions) if (v.served && d.group) services.add(`${v.name}.${d.group}`);
  const order: string[] = [];
  const versions = new Map<string, Set<string>>();
  for (const s of [...services].sort()) {
    const dot = s.indexOf(".");
    const version = s.slice(0, dot);
    const group = s.slice(dot + 1);
    if (!versions.has(group)) {
      versions.set(group, new Set());
      order.push(group);
    }
    versions.get(group)?.add(version);
  }
  return order.map((name) => ({ name, versions: [...(versions.get(name) ?? [])].sort(byKubeVersion) }));
}

const VERBS = ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"];
const TERMINATING_VERBS = ["delete", "deletecollection", "get", "list", "watch"];
const SUBRESOURCE_VERBS = ["get", "patch", "update"];

const servesIn = (d: ServedDefinition, version: string) =>
  d.established && d.versions.some((v) => v.name === version && v.served);

function storageHash(d: ServedDefinition): string | undefined {
  const storage = d.versions.find((v) => v.storage && v.served);
  const kind = typeof d.crd.spec?.names?.kind === "string" ? d.crd.spec.names.kind : d.kind;
  return storage ? storageVersionHash(d.group, storage.name, kind) : undefined;
}

/** /apis/<group>/<version>'s resources for custom resources; undefined when no established definition serves it. */
export function customResourceList(
  defs: ServedDefinition[],
  group: string,
  version: string,
): Record<string, unknown>[] | undefined {
  const served = defs
    .filter((d) => d.group === group && servesIn(d, version))
    .sort((a, b) => (a.plural < b.plural ? -1 : 1));
  if (served.length === 0) return undefined;
  const out: Record<string, unknown>[] = [];
  for (const d of served) {
    const hash = storageHash(d);
    out.push({
      name: d.plural,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: d.terminating ? TERMINATING_VERBS : VERBS,
      ...(d.shortNames ? { shortNames: d.shortNames } : {}),
      ...(d.categories ? { categories: d.categories } : {}),
      ...(hash ? { storageVersionHash: hash } : {}),
    });
    const v = d.versions.find((x) => x.name === version);
    if (v?.status)
      out.push({
        name: `${d.plural}/status`,
        singularName: "",
        namespaced: d.namespaced,
        kind: d.kind,
        verbs: SUBRESOURCE_VERBS,
      });
    if (v?.scale)
      out.push({
        name: `${d.plural}/scale`,
        singularName: "",
        namespaced: d.namespaced,
        group: "autoscaling",
        version: "v1",
        kind: "Scale",
        verbs: SUBRESOURCE_VERBS,
      });
  }
  return out;
}

interface Kind {
  group: string;
  version: string;
  kind: string;
}

export interface AggregatedResource {
  resource: string;
  responseKind: Kind;
  scope: string;
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: { subresource: string; responseKind: Kind; verbs: string[] }[];
}

export interface AggregatedGroupEntry {
  metadata: { name: string };
  versions: { version: string; resources: AggregatedResource[]; freshness: string }[];
}

/** The aggregated (apidiscovery.k8s.io/v2) entries of custom resource groups, groups by name. */
export function customAggregated(defs: ServedDefinition[]): AggregatedGroupEntry[] {
  const groups = new Map<string, Set<string>>();
  for (const d of defs)
    if (d.established)
      for (const v of d.versions)
        if (v.served) {
          if (!groups.has(d.group)) groups.set(d.group, new Set());
          groups.get(d.group)?.add(v.name);
        }
  return [...groups.keys()].sort().map((group) => ({
    metadata: { name: group },
    versions: [...(groups.get(group) ?? [])].sort(byKubeVersion).map((version) => ({
      version,
      resources: defs
        .filter((d) => d.group === group && servesIn(d, version))
        .sort((a, b) => (a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0))
        .map((d): AggregatedResource => {
          const v = d.versions.find((x) => x.name === version);
          const subresources = [
            ...(v?.status
              ? [{ subresource: "status", responseKind: { group, version, kind: d.kind }, verbs: SUBRESOURCE_VERBS }]
              : []),
            ...(v?.scale
              ? [
                  {
                    subresource: "scale",
                    responseKind: { group: "autoscaling", version: "v1", kind: "Scale" },
                    verbs: SUBRESOURCE_VERBS,
                  },
                ]
              : []),
          ];
          return {
            resource: d.plural,
            responseKind: { group, version, kind: d.kind },
            scope: d.namespaced ? "Namespaced" : "Cluster",
            singularResource: d.singular,
            verbs: d.terminating ? TERMINATING_VERBS : VERBS,
            ...(d.shortNames ? { shortNames: d.shortNames } : {}),
            ...(d.categories ? { categories: d.categories } : {}),
            ...(subresources.length ? { subresources } : {}),
          };
        }),
      freshness: "Current",
    })),
  }));
}

/** What discovery.ts needs of the custom resources. */
export interface CustomDiscovery {
  groups(): { name: string; versions: string[] }[];
  resources(group: string, version: string): Record<string, unknown>[] | undefined;
  aggregated(): AggregatedGroupEntry[];
}

export function customDiscovery(source: { definitions(): ServedDefinition[] }): CustomDiscovery {
  return {
    groups: () => customGroups(source.definitions()),
    resources: (g, v) => customResourceList(source.definitions(), g, v),
    aggregated: () => customAggregated(source.definitions()),
  };
}
