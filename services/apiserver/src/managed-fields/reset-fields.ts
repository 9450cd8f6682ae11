// The fields each write strategy resets, which kube's field manager leaves out of what a write owns
// (GetResetFields / GetResetFieldsFilter of the registry strategies in kubernetes 1.35, by group/resource,
// subresource and API version). Pure data.
import { FieldSet } from "./set.ts";

/** What a write to a resource (or subresource) at one API version may own. */
export type OwnershipFilter = (s: FieldSet) => FieldSet;

const f = (name: string) => `f:${name}`;
const paths = (...ps: string[]) => FieldSet.of(...ps.map((p) => p.split(".").map(f)));

/** Everything but the given paths and what is below them. */
const exclude = (...ps: string[]): OwnershipFilter => {
  const excluded = paths(...ps);
  return (s) => s.recursiveDifference(excluded);
};
/** Only what the patterns match ("*" stands for any element). */
const include = (...patterns: string[][]): OwnershipFilter => {
  const elements = patterns.map((p) => p.map((e) => (e === "*" ? e : f(e))));
  return (s) => s.filterInclude(elements);
};

type Table = Record<string, Record<string, OwnershipFilter>>;

const at = (versions: string[], filter: OwnershipFilter) => Object.fromEntries(versions.map((v) => [v, filter]));

const STATUS = exclude("status");
const SPEC = exclude("spec");

// Keyed "<group>/<resource>" for the main resource and "<group>/<resource>/<subresource>" for subresources.
const TABLE: Table = {
  "apps/deployments": at(["apps/v1"], STATUS),
  "apps/deployments/status": at(["apps/v1"], exclude("spec", "metadata.labels")),
  "apps/statefulsets": at(["apps/v1"], STATUS),
  "apps/statefulsets/status": at(["apps/v1"], SPEC),
  "apps/daemonsets": at(["apps/v1"], STATUS),
  "apps/daemonsets/status": at(["apps/v1"], SPEC),
  "apps/replicasets": at(["apps/v1"], STATUS),
  "apps/replicasets/status": at(["apps/v1"], SPEC),
  "batch/jobs": at(["batch/v1"], STATUS),
  "batch/jobs/status": at(["batch/v1"], SPEC),
  "batch/cronjobs": at(["batch/v1", "batch/v1beta1"], STATUS),
  "batch/cronjobs/status": at(["batch/v1", "batch/v1beta1"], SPEC),
  "/nodes": at(["v1"], STATUS),
  "/nodes/status": at(["v1"], SPEC),
  "/resourcequotas": at(["v1"], STATUS),
  "/resourcequotas/status": at(["v1"], SPEC),
  "/persistentvolumes": at(["v1"], STATUS),
  "/persistentvolumes/status": at(["v1"], SPEC),
  "/persistentvolumeclaims": at(["v1"], STATUS),
  "/persistentvolumeclaims/status": at(["v1"], SPEC),
  "/namespaces": at(["v1"], STATUS),
  "/namespaces/status": at(["v1"], SPEC),
  "/namespaces/finalize": at(["v1"], STATUS),
  "/pods": at(["v1"], STATUS),
  "/pods/status": at(["v1"], exclude("spec", "metadata.deletionTimestamp", "metadata.ownerReferences")),
  "/pods/ephemeralcontainers": at(["v1"], include(["spec", "ephemeralContainers"])),
  "/pods/resize": at(
    ["v1"],
    include(
      ["spec", "containers", "*", "resources"],
      ["spec", "containers", "*", "resizePolicy"],
      ["spec", "initContainers", "*", "resources"],
      ["spec", "initContainers", "*", "resizePolicy"],
    ),
  ),
  "/services": at(["v1"], STATUS),
  "/services/status": at(["v1"], SPEC),
  "/replicationcontrollers": at(["v1"], STATUS),
  "/replicationcontrollers/status": at(["v1"], SPEC),
  "networking.k8s.io/ingresses": at(
    ["extensions/v1beta1", "networking.k8s.io/v1beta1", "networking.k8s.io/v1"],
    STATUS,
  ),
  "networking.k8s.io/ingresses/status": at(
    ["extensions/v1beta1", "networking.k8s.io/v1beta1", "networking.k8s.io/v1"],
    SPEC,
  ),
  // kube keys these by "networking/v1", which no request's version matches: nothing is reset.
  "networking.k8s.io/servicecidrs": at(["networking/v1", "networking/v1beta1"], STATUS),
  "networking.k8s.io/servicecidrs/status": at(["networking/v1", "networking/v1beta1"], SPEC),
  "policy/poddisruptionbudgets": at(["policy/v1beta1", "policy/v1"], STATUS),
  "policy/poddisruptionbudgets/status": at(["policy/v1beta1", "policy/v1"], SPEC),
  "resource.k8s.io/resourceclaims": at(
    ["resource.k8s.io/v1alpha3", "resource.k8s.io/v1beta1", "resource.k8s.io/v1beta2", "resource.k8s.io/v1"],
    STATUS,
  ),
  "resource.k8s.io/resourceclaims/status": at(
    ["resource.k8s.io/v1alpha3", "resource.k8s.io/v1beta1", "resource.k8s.io/v1beta2", "resource.k8s.io/v1"],
    exclude("metadata", "spec"),
  ),
  "resource.k8s.io/devicetaintrules": at(["resource.k8s.io/v1alpha3"], STATUS),
  "resource.k8s.io/devicetaintrules/status": at(["resource.k8s.io/v1alpha3"], exclude("metadata", "spec")),
  "storage.k8s.io/volumeattachments": at(["storage.k8s.io/v1"], STATUS),
  "storage.k8s.io/volumeattachments/status": at(["storage.k8s.io/v1"], exclude("metadata", "spec")),
  "autoscaling/horizontalpodautoscalers": at(
    ["autoscaling/v1", "autoscaling/v2", "autoscaling/v2beta1", "autoscaling/v2beta2"],
    STATUS,
  ),
  "autoscaling/horizontalpodautoscalers/status": at(
    ["autoscaling/v1", "autoscaling/v2", "autoscaling/v2beta1", "autoscaling/v2beta2"],
    SPEC,
  ),
  "certificates.k8s.io/certificatesigningrequests": at(
    ["certificates.k8s.io/v1", "certificates.k8s.io/v1beta1"],
    exclude("spec", "status"),
  ),
  "certificates.k8s.io/certificatesigningrequests/status": at(
    ["certificates.k8s.io/v1", "certificates.k8s.io/v1beta1"],
    exclude("spec", "status.conditions"),
  ),
  "certificates.k8s.io/certificatesigningrequests/approval": at(
    ["certificates.k8s.io/v1", "certificates.k8s.io/v1beta1"],
    exclude("spec", "status.certificate"),
  ),
  "certificates.k8s.io/podcertificaterequests/status": at(["certificates.k8s.io/v1alpha1"], SPEC),
  "flowcontrol.apiserver.k8s.io/flowschemas": at(
    [
      "flowcontrol.apiserver.k8s.io/v1beta1",
      "flowcontrol.apiserver.k8s.io/v1beta2",
      "flowcontrol.apiserver.k8s.io/v1beta3",
      "flowcontrol.apiserver.k8s.io/v1",
    ],
    STATUS,
  ),
  "flowcontrol.apiserver.k8s.io/flowschemas/status": at(
    [
      "flowcontrol.apiserver.k8s.io/v1beta1",
      "flowcontrol.apiserver.k8s.io/v1beta2",
      "flowcontrol.apiserver.k8s.io/v1beta3",
      "flowcontrol.apiserver.k8s.io/v1",
    ],
    exclude("metadata", "spec"),
  ),
  "flowcontrol.apiserver.k8s.io/prioritylevelconfigurations": at(
    [
      "flowcontrol.apiserver.k8s.io/v1beta1",
      "flowcontrol.apiserver.k8s.io/v1beta2",
      "flowcontrol.apiserver.k8s.io/v1beta3",
      "flowcontrol.apiserver.k8s.io/v1",
    ],
    STATUS,
  ),
  "flowcontrol.apiserver.k8s.io/prioritylevelconfigurations/status": at(
    [
      "flowcontrol.apiserver.k8s.io/v1beta1",
      "flowcontrol.apiserver.k8s.io/v1beta2",
      "flowcontrol.apiserver.k8s.io/v1beta3",
      "flowcontrol.apiserver.k8s.io/v1",
    ],
    exclude("metadata", "spec"),
  ),
  "admissionregistration.k8s.io/validatingadmissionpolicies": at(
    [
      "admissionregistration.k8s.io/v1alpha1",
      "admissionregistration.k8s.io/v1beta1",
      "admissionregistration.k8s.io/v1",
    ],
    STATUS,
  ),
  "admissionregistration.k8s.io/validatingadmissionpolicies/status": at(
    [
      "admissionregistration.k8s.io/v1alpha1",
      "admissionregistration.k8s.io/v1beta1",
      "admissionregistration.k8s.io/v1",
    ],
    exclude("metadata", "spec"),
  ),
  "storagemigration.k8s.io/storageversionmigrations": at(["storagemigration.k8s.io/v1beta1"], STATUS),
  "storagemigration.k8s.io/storageversionmigrations/status": at(
    ["storagemigration.k8s.io/v1beta1"],
    exclude("metadata", "spec"),
  ),
  "internal.apiserver.k8s.io/storageversions": at(["internal.apiserver.k8s.io/v1alpha1"], STATUS),
  "internal.apiserver.k8s.io/storageversions/status": at(
    ["internal.apiserver.k8s.io/v1alpha1"],
    exclude("metadata", "spec"),
  ),
};

/** The ownership filter of a write to `resource` (and `subresource`) at `apiVersion`, if its strategy has one. */
export function ownershipFilter(
  group: string,
  resource: string,
  subresource: string | undefined,
  apiVersion: string,
): OwnershipFilter | undefined {
  return TABLE[`${group}/${resource}${subresource ? `/${subresource}` : ""}`]?.[apiVersion];
}
