// The field labels each kind's field selectors take, and kube-apiserver 1.35's words for any other: kinds with a
// field label conversion of their own (pkg/apis/*/conversion.go) refuse in theirs, the rest take only
// metadata.name and metadata.namespace (runtime.DefaultMetaV1FieldSelectorConversion). Pure.
import { defaultFieldLabels, type FieldLabelConversion } from "@evk/kube";
import type { ResourceType } from "./resources.ts";

const NAME = "metadata.name";
const NAMESPACE = "metadata.namespace";
const notSupported = (label: string) => `field label not supported: ${label}`;

/** Kinds whose conversion leaves metadata.namespace out (cluster-scoped, and so written in kube). */
const WITHOUT_NAMESPACE = new Set(["core/namespaces", "core/nodes", "certificates.k8s.io/certificatesigningrequests"]);

/** Conversions worded other than "field label not supported: <label>", or with labels evk keeps nowhere else. */
const special: Record<string, Partial<FieldLabelConversion>> = {
  "core/services": { labels: [NAME, NAMESPACE, "spec.clusterIP", "spec.type"] },
  "core/replicationcontrollers": { labels: [NAME, NAMESPACE, "status.replicas"] },
  "batch/jobs": {
    labels: [NAME, NAMESPACE, "status.successful"],
    refuse: (label) => `field label ${JSON.stringify(label)} not supported for Job`,
  },
  "certificates.k8s.io/certificatesigningrequests": { labels: [NAME, "spec.signerName"] },
  "resource.k8s.io/resourceslices": {
    labels: [NAME, "spec.nodeName", "spec.driver"],
    refuse: (label) => `field label not supported for resource.k8s.io/v1, Kind=ResourceSlice: ${label}`,
  },
};

/** The field label conversion kube-apiserver applies to this kind's field selectors. */
export function fieldLabelConversion(
  type: Pick<ResourceType, "group" | "resource" | "fieldLabels" | "behaviour">,
): FieldLabelConversion {
  if (type.behaviour?.fieldLabels) return type.behaviour.fieldLabels;
  const key = `${type.group || "core"}/${type.resource}`;
  const s = special[key];
  if (s) return { labels: s.labels ?? [], refuse: s.refuse ?? notSupported };
  if (!type.fieldLabels) return defaultFieldLabels;
  return {
    labels: [NAME, ...(WITHOUT_NAMESPACE.has(key) ? [] : [NAMESPACE]), ...type.fieldLabels],
    refuse: notSupported,
  };
}
