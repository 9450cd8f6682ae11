import { ACCESS_REVIEWS } from "./access-review.ts";
import { apiVersionOf, groups, NO_DELETECOLLECTION, resourceTypes } from "./resources.ts";

// Legacy discovery documents (/api, /apis, /api/v1, /apis/<g>/<v>). Clients asking for aggregated
// discovery get these too and fall back, as they do against older servers.

const verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** Create-only endpoints that store nothing, listed as kube-apiserver lists them. */
const createOnly = [
  { group: "", version: "v1", name: "bindings", singularName: "binding", namespaced: true, kind: "Binding" },
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

export function apiGroupList() {
  return { kind: "APIGroupList", apiVersion: "v1", groups: allGroups().map((g) => groupDoc(g.name, g.versions)) };
}

export function apiGroup(name: string) {
  const g = allGroups().find((x) => x.name === name);
  return g ? { kind: "APIGroup", apiVersion: "v1", ...groupDoc(g.name, g.versions) } : undefined;
}

export function apiResourceList(group: string, version: string) {
  const types = resourceTypes.filter((t) => t.group === group && t.version === version);
  const extra = createOnly
    .filter((c) => c.group === group && c.version === version)
    .map(({ group: _g, version: _v, ...r }) => ({ ...r, verbs: ["create"] }));
  if (types.length === 0 && extra.length === 0) return undefined;
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
    },
    ...(t.subresources ?? []).map((sub) => ({
      name: `${t.resource}/${sub}`,
      singularName: "",
      namespaced: t.namespaced,
      kind: sub === "scale" ? "Scale" : sub === "binding" ? "Binding" : sub === "token" ? "TokenRequest" : t.kind,
      verbs: sub === "binding" || sub === "token" ? ["create"] : ["get", "patch", "update"],
      ...(sub === "scale" ? { group: "autoscaling", version: "v1" } : {}),
    })),
  ]);
  resources.push(...extra);
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf({ group, version }), resources };
}
