import { createHash } from "node:crypto";
import { ACCESS_REVIEWS } from "./access-review.ts";
import { builtInStorageVersion } from "./conversion.ts";
import type { CustomDiscovery } from "./crd/discovery.ts";
import { apiVersionOf, groups, NO_DELETECOLLECTION, resourceTypes } from "./resources.ts";

// Discovery: the legacy documents (/api, /apis, /api/v1, /apis/<g>/<v>) and, derived from them, the
// aggregated v2 document clients ask for first.

const verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** Endpoints that store nothing (reviews, bindings: create only; component statuses: read only), as kube lists them. */
const createOnly: {
  group: string;
  version: string;
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs?: string[];
  shortNames?: string[];
}[] = [
  { group: "", version: "v1", name: "bindings", singularName: "binding", namespaced: true, kind: "Binding" },
  {
    group: "",
    version: "v1",
    name: "componentstatuses",
    singularName: "componentstatus",
    namespaced: false,
    kind: "ComponentStatus",
    verbs: ["get", "list"],
    shortNames: ["cs"],
  },
  ...Object.entries(ACCESS_REVIEWS).map(([name, r]) => ({
    group: "authorization.k8s.io",
    version: "v1",
    name,
    singularName: r.kind.toLowerCase(),
    namespaced: r.namespaced,
    kind: r.kind,
  })),
  {
    group: "authentication.k8s.io",
    version: "v1",
    name: "selfsubjectreviews",
    singularName: "selfsubjectreview",
    namespaced: false,
    kind: "SelfSubjectReview",
  },
  {
    group: "authentication.k8s.io",
    version: "v1",
    name: "tokenreviews",
    singularName: "tokenreview",
    namespaced: false,
    kind: "TokenReview",
  },
];

const allGroups = () => {
  const gs = groups();
  for (const c of createOnly)
    if (c.group && !gs.some((g) => g.name === c.group)) gs.push({ name: c.group, versions: [c.version] });
  return gs;
};

export function apiVersions(serverAddress: string) {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function groupDoc(name: string, versions: string[]) {
  const vs = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

/** `custom`: the groups of custom resources, which kube lists after every built-in group. */
export function apiGroupList(custom?: CustomDiscovery) {
  const gs = allGroups();
  for (const g of custom?.groups() ?? []) if (!gs.some((x) => x.name === g.name)) gs.push(g);
  return { kind: "APIGroupList", apiVersion: "v1", groups: gs.map((g) => groupDoc(g.name, g.versions)) };
}

export function apiGroup(name: string, custom?: CustomDiscovery) {
  const g = allGroups().find((x) => x.name === name) ?? custom?.groups().find((x) => x.name === name);
  return g ? { kind: "APIGroup", apiVersion: "v1", ...groupDoc(g.name, g.versions) } : undefined;
}

/** Kinds stored under another group's version (kube keeps events.k8s.io Events as core v1 Events). */
const STORED_AS: Record<string, string> = {
  "events.k8s.io/events": "/v1/Event",
  // apiextensions-apiserver still encodes CustomResourceDefinitions as v1beta1 in etcd.
  "apiextensions.k8s.io/customresourcedefinitions": "apiextensions.k8s.io/v1beta1/CustomResourceDefinition",
  // VolumeAttributesClass went GA in 1.34; 1.35 still stores the beta version.
  "storage.k8s.io/volumeattributesclasses": "storage.k8s.io/v1beta1/VolumeAttributesClass",
};

/**
 * kube's storageVersionHash: the first 8 bytes of sha256("group/version/kind") of the version stored, in
 * base64. Clients (the storage version migrator) compare it to notice a change of storage version.
 */
export function storageVersionHash(t: { group: string; version: string; resource: string; kind: string }): string {
  const gvk = STORED_AS[`${t.group}/${t.resource}`] ?? `${t.group}/${builtInStorageVersion(t) ?? t.version}/${t.kind}`;
  return createHash("sha256").update(gvk).digest().subarray(0, 8).toString("base64");
}

/** Subresources whose verbs differ from status-like ones (get, patch, update). */
const subresourceVerbs: Record<string, string[]> = {
  binding: ["create"],
  token: ["create"],
  eviction: ["create"],
  finalize: ["update"],
  log: ["get"],
  exec: ["create", "get"],
  attach: ["create", "get"],
  portforward: ["create", "get"],
};
/** Subresources answered with another kind than their resource's. */
const subresourceKinds: Record<string, { kind: string; group?: string; version?: string }> = {
  scale: { kind: "Scale", group: "autoscaling", version: "v1" },
  binding: { kind: "Binding" },
  token: { kind: "TokenRequest", group: "authentication.k8s.io", version: "v1" },
  eviction: { kind: "Eviction", group: "policy", version: "v1" },
  exec: { kind: "PodExecOptions" },
  attach: { kind: "PodAttachOptions" },
  portforward: { kind: "PodPortForwardOptions" },
};

export function apiResourceList(group: string, version: string, custom?: CustomDiscovery) {
  const types = resourceTypes.filter((t) => t.group === group && t.version === version);
  const extra = createOnly
    .filter((c) => c.group === group && c.version === version)
    .map(({ group: _g, version: _v, verbs, ...r }) => ({ ...r, verbs: verbs ?? ["create"] }));
  if (types.length === 0 && extra.length === 0) {
    const resources = custom?.resources(group, version);
    return resources
      ? { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf({ group, version }), resources }
      : undefined;
  }
  const resources = types.flatMap((t) => [
    {
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: NO_DELETECOLLECTION.has(`${t.group}/${t.resource}`)
        ? verbs.filter((v) => v !== "deletecollection")
        : verbs,
      ...(t.shortNames ? { shortNames: t.shortNames } : {}),
      ...(t.categories ? { categories: t.categories } : {}),
      storageVersionHash: storageVersionHash(t),
    },
    ...(t.subresources ?? []).map((sub) => ({
      name: `${t.resource}/${sub}`,
      singularName: "",
      namespaced: t.namespaced,
      kind: subresourceKinds[sub]?.kind ?? t.kind,
      verbs: subresourceVerbs[sub] ?? ["get", "patch", "update"],
      ...(subresourceKinds[sub]?.group
        ? { group: subresourceKinds[sub].group, version: subresourceKinds[sub].version }
        : {}),
    })),
  ]);
  resources.push(...extra);
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf({ group, version }), resources };
}

// Aggregated discovery (apidiscovery.k8s.io/v2): the whole of /api or /apis in one document, which kubectl
// 1.30+ and client-go ask for first. Built from the legacy lists above, so both always say the same.

export const AGGREGATED_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/** True when the first Accept entry evk can answer is the v2 aggregated discovery document. */
export function wantsAggregated(accept: string | undefined): boolean {
  for (const entry of (accept ?? "").split(",")) {
    const [type, ...params] = entry.split(";").map((p) => p.trim());
    const p = Object.fromEntries(params.map((kv) => kv.split("=").map((x) => x.trim())));
    if (type === "application/json" && p.as === "APIGroupDiscoveryList") {
      if (p.g === "apidiscovery.k8s.io" && p.v === "v2") return true;
      continue; // v2beta1 and others: not served; try the next entry
    }
    if (type === "application/json" || type === "*/*" || type === "application/*") return false;
  }
  return false;
}

interface LegacyResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  group?: string;
  version?: string;
  shortNames?: string[];
  categories?: string[];
}

const byName =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

function versionDiscovery(group: string, version: string) {
  const list = (apiResourceList(group, version)?.resources ?? []) as LegacyResource[];
  const main = list.filter((r) => !r.name.includes("/"));
  const resources = main.sort(byName((r) => r.name)).map((r) => {
    const subresources = list
      .filter((s) => s.name.startsWith(`${r.name}/`))
      .sort(byName((s) => s.name))
      .map((s) => ({
        subresource: s.name.slice(r.name.length + 1),
        responseKind: { group: s.group ?? "", version: s.version ?? "", kind: s.kind },
        verbs: s.verbs,
      }));
    return {
      resource: r.name,
      responseKind: { group: "", version: "", kind: r.kind },
      scope: r.namespaced ? "Namespaced" : "Cluster",
      singularResource: r.singularName,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
      ...(subresources.length ? { subresources } : {}),
    };
  });
  return { version, resources, freshness: "Current" };
}

/** The aggregated document for `/api` (core) or `/apis` (every named group). */
export function aggregatedDiscovery(core: boolean, custom?: CustomDiscovery) {
  const items = core
    ? [{ metadata: {}, versions: [versionDiscovery("", "v1")] }]
    : [
        ...allGroups().map((g) => ({
          metadata: { name: g.name },
          versions: g.versions.map((v) => versionDiscovery(g.name, v)),
        })),
        ...(custom?.aggregated() ?? []),
      ];
  return { kind: "APIGroupDiscoveryList", apiVersion: "apidiscovery.k8s.io/v2", metadata: {}, items };
}
