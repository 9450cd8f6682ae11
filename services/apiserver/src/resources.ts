// The built-in resources the virtual API server serves. Adding one is one entry here (plus its
// defaulting, validation and table columns where it has special ones).
import type { ResourceBehaviour } from "./crd/behaviour.ts";
import { crdBehaviour } from "./crd/crd-behaviour.ts";

export interface ResourceType {
  group: string;
  version: string;
  /** Plural, as in the URL. */
  resource: string;
  kind: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: string[];
  /** Field selector labels beyond metadata.name and metadata.namespace. */
  fieldLabels?: string[];
  /** The kind of its lists, when it is not `<kind>List` (custom resources name theirs). */
  listKind?: string;
  /** Where its writes, reads and printing differ from the built-in path (crd/behaviour.ts). */
  behaviour?: ResourceBehaviour;
  /** Its kind's deprecation, as k8s.io/api declares it (lifecycle.go, zz_generated.prerelease-lifecycle.go). */
  lifecycle?: Lifecycle;
}

/** APILifecycleDeprecated, APILifecycleRemoved and APILifecycleReplacement of a kind: [major, minor] releases. */
export interface Lifecycle {
  deprecated: [number, number];
  removed?: [number, number];
  replacement?: { group: string; version: string; kind: string };
}

const r = (
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<
    Pick<ResourceType, "shortNames" | "categories" | "subresources" | "fieldLabels" | "behaviour" | "lifecycle">
  > = {},
): ResourceType => ({ group, version, resource, kind, singular: kind.toLowerCase(), namespaced, ...extra });

const all = ["all"];

export const resourceTypes: ResourceType[] = [
  r("", "v1", "namespaces", "Namespace", false, {
    shortNames: ["ns"],
    subresources: ["status", "finalize"],
    fieldLabels: ["status.phase"],
  }),
  r("", "v1", "pods", "Pod", true, {
    shortNames: ["po"],
    categories: all,
    subresources: [
      "status",
      "binding",
      "ephemeralcontainers",
      "eviction",
      "resize",
      "log",
      "exec",
      "attach",
      "portforward",
    ],
    fieldLabels: [
      "spec.nodeName",
      "spec.restartPolicy",
      "spec.schedulerName",
      "spec.serviceAccountName",
      "spec.hostNetwork",
      "status.phase",
      "status.podIP",
      "status.nominatedNodeName",
    ],
  }),
  r("", "v1", "services", "Service", true, { shortNames: ["svc"], categories: all, subresources: ["status"] }),
  r("", "v1", "endpoints", "Endpoints", true, {
    shortNames: ["ep"],
    lifecycle: {
      deprecated: [1, 33],
      replacement: { group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice" },
    },
  }),
  r("", "v1", "configmaps", "ConfigMap", true, { shortNames: ["cm"] }),
  r("", "v1", "secrets", "Secret", true, { fieldLabels: ["type"] }),
  r("", "v1", "serviceaccounts", "ServiceAccount", true, { shortNames: ["sa"], subresources: ["token"] }),
  r("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, {
    shortNames: ["pvc"],
    subresources: ["status"],
  }),
  r("", "v1", "persistentvolumes", "PersistentVolume", false, { shortNames: ["pv"], subresources: ["status"] }),
  r("", "v1", "nodes", "Node", false, {
    shortNames: ["no"],
    subresources: ["status"],
    fieldLabels: ["spec.unschedulable"],
  }),
  r("", "v1", "events", "Event", true, {
    shortNames: ["ev"],
    fieldLabels: [
      "involvedObject.kind",
      "involvedObject.namespace",
      "involvedObject.name",
      "involvedObject.uid",
      "involvedObject.apiVersion",
      "involvedObject.resourceVersion",
      "involvedObject.fieldPath",
      "reason",
      "reportingComponent",
      "source",
      "type",
    ],
  }),
  r("", "v1", "limitranges", "LimitRange", true, { shortNames: ["limits"] }),
  r("", "v1", "resourcequotas", "ResourceQuota", true, { shortNames: ["quota"], subresources: ["status"] }),
  r("", "v1", "podtemplates", "PodTemplate", true),
  r("apps", "v1", "deployments", "Deployment", true, {
    shortNames: ["deploy"],
    categories: all,
    subresources: ["status", "scale"],
  }),
  r("apps", "v1", "replicasets", "ReplicaSet", true, {
    shortNames: ["rs"],
    categories: all,
    subresources: ["status", "scale"],
  }),
  r("apps", "v1", "statefulsets", "StatefulSet", true, {
    shortNames: ["sts"],
    categories: all,
    subresources: ["status", "scale"],
  }),
  r("apps", "v1", "daemonsets", "DaemonSet", true, { shortNames: ["ds"], categories: all, subresources: ["status"] }),
  r("apps", "v1", "controllerrevisions", "ControllerRevision", true),
  r("batch", "v1", "jobs", "Job", true, { categories: all, subresources: ["status"] }),
  r("batch", "v1", "cronjobs", "CronJob", true, { shortNames: ["cj"], categories: all, subresources: ["status"] }),
  r("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true),
  r("coordination.k8s.io", "v1", "leases", "Lease", true),
  r("events.k8s.io", "v1", "events", "Event", true, { shortNames: ["ev"] }),
  r("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
  r("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
  r("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
  r("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
  r("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, { shortNames: ["sc"] }),
  r("networking.k8s.io", "v1", "ingresses", "Ingress", true, { shortNames: ["ing"], subresources: ["status"] }),
  r("networking.k8s.io", "v1", "ingressclasses", "IngressClass", false),
  r("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, { shortNames: ["netpol"] }),
  // The service IP allocator's objects: evk's ServiceCIDR is the host's range, its IPAddresses the ClusterIPs the
  // host allocated (service-cidr.ts).
  r("networking.k8s.io", "v1", "servicecidrs", "ServiceCIDR", false, { subresources: ["status"] }),
  r("networking.k8s.io", "v1", "ipaddresses", "IPAddress", false, { shortNames: ["ip"] }),
  r("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, {
    shortNames: ["pdb"],
    subresources: ["status"],
  }),
  r("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false, { shortNames: ["pc"] }),
  // Kinds that are data for controllers and node agents a cluster runs; evk stores and serves them.
  r("", "v1", "replicationcontrollers", "ReplicationController", true, {
    shortNames: ["rc"],
    categories: all,
    subresources: ["status", "scale"],
  }),
  r("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, {
    shortNames: ["hpa"],
    categories: all,
    subresources: ["status"],
  }),
  // Served over the same stored (v2) objects, converted on every read and write (conversion.ts).
  r("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, {
    shortNames: ["hpa"],
    categories: all,
    subresources: ["status"],
  }),
  r("node.k8s.io", "v1", "runtimeclasses", "RuntimeClass", false),
  r("storage.k8s.io", "v1", "csidrivers", "CSIDriver", false),
  r("storage.k8s.io", "v1", "csinodes", "CSINode", false),
  r("storage.k8s.io", "v1", "csistoragecapacities", "CSIStorageCapacity", true),
  r("storage.k8s.io", "v1", "volumeattachments", "VolumeAttachment", false, { subresources: ["status"] }),
  r("storage.k8s.io", "v1", "volumeattributesclasses", "VolumeAttributesClass", false, { shortNames: ["vac"] }),
  r("certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", false, {
    shortNames: ["csr"],
    subresources: ["status", "approval"],
  }),
  r("resource.k8s.io", "v1", "deviceclasses", "DeviceClass", false),
  r("resource.k8s.io", "v1", "resourceclaims", "ResourceClaim", true, { subresources: ["status"] }),
  r("resource.k8s.io", "v1", "resourceclaimtemplates", "ResourceClaimTemplate", true),
  r("resource.k8s.io", "v1", "resourceslices", "ResourceSlice", false),
  // Admission configuration, which takes effect on every write (admission/).
  r("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", false, {
    categories: ["api-extensions"],
  }),
  r("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", false, {
    categories: ["api-extensions"],
  }),
  r("admissionregistration.k8s.io", "v1", "validatingadmissionpolicies", "ValidatingAdmissionPolicy", false, {
    categories: ["api-extensions"],
    subresources: ["status"],
  }),
  r(
    "admissionregistration.k8s.io",
    "v1",
    "validatingadmissionpolicybindings",
    "ValidatingAdmissionPolicyBinding",
    false,
    {
      categories: ["api-extensions"],
    },
  ),
  // API aggregation: local APIServices mirror what is served; service-backed ones are proxied (aggregation/).
  r("apiregistration.k8s.io", "v1", "apiservices", "APIService", false, {
    categories: ["api-extensions"],
    subresources: ["status"],
  }),
  // API Priority and Fairness: every request is classified and limited by these (flowcontrol/).
  r("flowcontrol.apiserver.k8s.io", "v1", "flowschemas", "FlowSchema", false, { subresources: ["status"] }),
  r("flowcontrol.apiserver.k8s.io", "v1", "prioritylevelconfigurations", "PriorityLevelConfiguration", false, {
    subresources: ["status"],
  }),
  // Custom resource definitions; the resources they define are served from crd/registry.ts.
  r("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, {
    shortNames: ["crd", "crds"],
    categories: ["api-extensions"],
    subresources: ["status"],
    behaviour: crdBehaviour,
  }),
];

/** Kinds whose collection cannot be deleted at once (kube-apiserver leaves deletecollection out for them). */
export const NO_DELETECOLLECTION = new Set(["/namespaces"]);

const byPath = new Map(resourceTypes.map((t) => [`${t.group}/${t.version}/${t.resource}`, t]));

/** A built-in resource, else one `dynamic` serves (the custom resources of a cluster's definitions). */
export function lookupResource(
  group: string,
  version: string,
  resource: string,
  dynamic?: { lookup(group: string, version: string, resource: string): ResourceType | undefined },
): ResourceType | undefined {
  return byPath.get(`${group}/${version}/${resource}`) ?? dynamic?.lookup(group, version, resource);
}

export const apiVersionOf = (t: Pick<ResourceType, "group" | "version">) =>
  t.group ? `${t.group}/${t.version}` : t.version;

/** Groups in the order discovery lists them, each with its versions. */
export function groups(): { name: string; versions: string[] }[] {
  const out = new Map<string, Set<string>>();
  for (const t of resourceTypes) {
    if (!t.group) continue;
    if (!out.has(t.group)) out.set(t.group, new Set());
    out.get(t.group)?.add(t.version);
  }
  return [...out].map(([name, versions]) => ({ name, versions: [...versions] }));
}

/** Served without storage (api.ts answers with evk's one component, its etcd): read only. */
export const componentStatuses = r("", "v1", "componentstatuses", "ComponentStatus", false, {
  shortNames: ["cs"],
  lifecycle: { deprecated: [1, 19] },
});

/** The release whose API evk serves: a kind deprecated in it or before is warned about. */
const SERVED_RELEASE: [number, number] = [1, 35];

/**
 * kube's deprecation warning for a kind (apiserver's deprecation.WarningMessage), which its installer adds to
 * every request on the resource once the served release has reached the deprecation; undefined for the rest.
 */
export function deprecationWarning(
  t: Pick<ResourceType, "group" | "version" | "kind" | "lifecycle">,
  release: [number, number] = SERVED_RELEASE,
): string | undefined {
  const l = t.lifecycle;
  if (!l) return undefined;
  const [major, minor] = l.deprecated;
  if (major > release[0] || (major === release[0] && minor > release[1])) return undefined;
  let warning = `${apiVersionOf(t)} ${t.kind} is deprecated in v${major}.${minor}+`;
  if (l.removed) warning += `, unavailable in v${l.removed[0]}.${l.removed[1]}+`;
  if (l.replacement) warning += `; use ${apiVersionOf(l.replacement)} ${l.replacement.kind}`;
  return warning;
}

const lifecycleWarnings = new Map<ResourceType, string[]>();
for (const t of [...resourceTypes, componentStatuses]) {
  const w = deprecationWarning(t);
  if (w) lifecycleWarnings.set(t, [w]);
}

const NONE: readonly string[] = [];

/** What every request on the resource is told: its kind's deprecation (or a custom resource version's). */
export function requestWarnings(t: ResourceType): readonly string[] {
  return t.behaviour?.warnings ?? lifecycleWarnings.get(t) ?? NONE;
}
