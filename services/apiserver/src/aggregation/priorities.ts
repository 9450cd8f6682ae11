// The local APIServices kube-apiserver 1.35 registers for what it serves (pkg/controlplane/apiserver
// aggregator.go DefaultGenericAPIServicePriorities and cmd/kube-apiserver/app aggregator.go), the defaults its
// CRD registration uses, and the order discovery lists groups and versions in (kube-aggregator's
// SortedByGroupAndVersion). Pure.

export interface GroupVersion {
  group: string;
  version: string;
}

export interface Priority {
  group: number;
  version: number;
}

const P = (group: number, version: number): Priority => ({ group, version });

/** kube's apiVersionPriorities: the generic table merged with kube-apiserver's own. */
export const API_VERSION_PRIORITIES: Record<string, Priority> = {
  "/v1": P(18000, 1),
  "events.k8s.io/v1": P(17750, 15),
  "events.k8s.io/v1beta1": P(17750, 5),
  "authentication.k8s.io/v1": P(17700, 15),
  "authentication.k8s.io/v1beta1": P(17700, 9),
  "authentication.k8s.io/v1alpha1": P(17700, 1),
  "authorization.k8s.io/v1": P(17600, 15),
  "certificates.k8s.io/v1": P(17300, 15),
  "certificates.k8s.io/v1beta1": P(17300, 9),
  "certificates.k8s.io/v1alpha1": P(17300, 1),
  "rbac.authorization.k8s.io/v1": P(17000, 15),
  "apiextensions.k8s.io/v1": P(16700, 15),
  "admissionregistration.k8s.io/v1": P(16700, 15),
  "admissionregistration.k8s.io/v1beta1": P(16700, 12),
  "admissionregistration.k8s.io/v1alpha1": P(16700, 9),
  "coordination.k8s.io/v1": P(16500, 15),
  "coordination.k8s.io/v1beta1": P(16500, 13),
  "coordination.k8s.io/v1alpha2": P(16500, 12),
  "discovery.k8s.io/v1": P(16200, 15),
  "discovery.k8s.io/v1beta1": P(16200, 12),
  "flowcontrol.apiserver.k8s.io/v1": P(16100, 21),
  "flowcontrol.apiserver.k8s.io/v1beta3": P(16100, 18),
  "flowcontrol.apiserver.k8s.io/v1beta2": P(16100, 15),
  "flowcontrol.apiserver.k8s.io/v1beta1": P(16100, 12),
  "flowcontrol.apiserver.k8s.io/v1alpha1": P(16100, 9),
  "internal.apiserver.k8s.io/v1alpha1": P(16000, 9),
  "storagemigration.k8s.io/v1beta1": P(15800, 9),
  "apps/v1": P(17800, 15),
  "autoscaling/v1": P(17500, 15),
  "autoscaling/v2": P(17500, 30),
  "autoscaling/v2beta1": P(17500, 9),
  "autoscaling/v2beta2": P(17500, 1),
  "batch/v1": P(17400, 15),
  "batch/v1beta1": P(17400, 9),
  "batch/v2alpha1": P(17400, 9),
  "networking.k8s.io/v1": P(17200, 15),
  "networking.k8s.io/v1beta1": P(17200, 9),
  "policy/v1": P(17100, 15),
  "policy/v1beta1": P(17100, 9),
  "storage.k8s.io/v1": P(16800, 15),
  "storage.k8s.io/v1beta1": P(16800, 9),
  "storage.k8s.io/v1alpha1": P(16800, 1),
  "scheduling.k8s.io/v1": P(16600, 15),
  "scheduling.k8s.io/v1alpha1": P(16600, 1),
  "node.k8s.io/v1": P(16300, 15),
  "node.k8s.io/v1alpha1": P(16300, 1),
  "node.k8s.io/v1beta1": P(16300, 9),
  "resource.k8s.io/v1": P(16200, 21),
  "resource.k8s.io/v1beta2": P(16200, 15),
  "resource.k8s.io/v1beta1": P(16200, 9),
  "resource.k8s.io/v1alpha3": P(16200, 1),
};

/** What the CRD registration controller gives a custom resource's group-version. */
export const CRD_PRIORITY: Priority = P(1000, 100);

/** The aggregator's own group, listed first and never registered as an APIService. */
export const APIREGISTRATION_GROUP = "apiregistration.k8s.io";

export const AUTOMANAGED_LABEL = "kube-aggregator.kubernetes.io/automanaged";

export const apiServiceName = (gv: GroupVersion) => `${gv.version}.${gv.group}`;

/** APIServiceNameToGroupVersion. */
export function groupVersionOf(name: string): GroupVersion {
  const i = name.indexOf(".");
  return i < 0 ? { group: "", version: name } : { group: name.slice(i + 1), version: name.slice(0, i) };
}

export interface DesiredAPIService {
  name: string;
  /** "onstart": synced once when the server starts; "true": kept in step continuously. */
  managed: "onstart" | "true";
  spec: { group?: string; version: string; groupPriorityMinimum: number; versionPriority: number };
}

/**
 * The local APIServices for what this server serves: a group-version of kube's table is registered once at
 * start, any other (a custom resource's) continuously with the CRD priorities.
 */
export function desiredLocalAPIServices(served: GroupVersion[]): DesiredAPIService[] {
  const out: DesiredAPIService[] = [];
  for (const gv of served) {
    if (gv.group === APIREGISTRATION_GROUP) continue;
    const known = API_VERSION_PRIORITIES[`${gv.group}/${gv.version}`];
    const p = known ?? CRD_PRIORITY;
    out.push({
      name: apiServiceName(gv),
      managed: known ? "onstart" : "true",
      spec: {
        ...(gv.group ? { group: gv.group } : {}),
        version: gv.version,
        groupPriorityMinimum: p.group,
        versionPriority: p.version,
      },
    });
  }
  return out;
}

/** version.CompareKubeAwareVersionStrings: GA above beta above alpha, higher numbers first, others last by name. */
export function compareKubeAwareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    return { major: Number(m[1]), kind: m[2] === "alpha" ? 0 : m[2] === "beta" ? 1 : 2, minor: Number(m[3] ?? 0) };
  };
  const x = parse(a);
  const y = parse(b);
  if (!x && !y) return a < b ? 1 : a > b ? -1 : 0;
  if (!x) return -1;
  if (!y) return 1;
  if (x.kind !== y.kind) return x.kind - y.kind;
  if (x.major !== y.major) return x.major - y.major;
  return x.minor - y.minor;
}

export interface Prioritized extends GroupVersion {
  groupPriorityMinimum: number;
  versionPriority: number;
}

/**
 * SortedByGroupAndVersion: groups in the order of their highest-priority APIService (group priority down,
 * then APIService name), versions by version priority down, then kube-aware version order.
 */
export function sortedByGroupAndVersion<T extends Prioritized>(items: T[]): T[][] {
  const byGroup = [...items].sort((a, b) => {
    if (a.groupPriorityMinimum !== b.groupPriorityMinimum) return b.groupPriorityMinimum - a.groupPriorityMinimum;
    const an = apiServiceName(a);
    const bn = apiServiceName(b);
    return an < bn ? -1 : an > bn ? 1 : 0;
  });
  const out: T[][] = [];
  for (const item of byGroup) {
    const g = out.find((x) => (x[0] as T).group === item.group);
    if (g) g.push(item);
    else out.push([item]);
  }
  for (const g of out)
    g.sort((a, b) =>
      a.versionPriority !== b.versionPriority
        ? b.versionPriority - a.versionPriority
        : -compareKubeAwareVersions(a.version, b.version),
    );
  return out;
}
