import { errors, type KubeObject, quantitySyntaxError, type StatusCause, type StatusError } from "@evk/kube";
import type { ResourceType } from "../resources.ts";
import {
  mutatingWebhookConfigurationProblems,
  mutatingWebhookConfigurationUpdateProblems,
  validatingAdmissionPolicyBindingProblems,
  validatingAdmissionPolicyProblems,
  validatingAdmissionPolicyStatusProblems,
  validatingAdmissionPolicyUpdateProblems,
  validatingWebhookConfigurationProblems,
  validatingWebhookConfigurationUpdateProblems,
} from "./admissionregistration.ts";
import { apiServiceProblems } from "./apiregistration.ts";
import { cronJobProblems, cronJobUpdateProblems, jobProblems, jobUpdateProblems } from "./batch.ts";
import {
  configMapCreateProblems,
  configMapUpdateProblems,
  secretCreateProblems,
  secretUpdateProblems,
} from "./config.ts";
import { type FieldError, toCauses } from "./field-errors.ts";
import { flowSchemaProblems, priorityLevelProblems } from "./flowcontrol.ts";
import { type Obj, obj, objs } from "./formats.ts";
import { quantitiesIn } from "./go-structs.ts";
import {
  autoscalerProblems,
  autoscalerUpdateProblems,
  ingressClassProblems,
  ingressClassUpdateProblems,
  ingressProblems,
  ingressUpdateProblems,
  leaseProblems,
  namespaceProblems,
  networkPolicyProblems,
  networkPolicyUpdateProblems,
  podDisruptionBudgetProblems,
  priorityClassProblems,
  priorityClassUpdateProblems,
  resourceQuotaProblems,
  resourceQuotaUpdateProblems,
  roleBindingProblems,
  roleProblems,
  roleRefChange,
} from "./misc.ts";
import { podCreateProblems, podUpdateProblems } from "./pod.ts";
import {
  endpointSliceProblems,
  endpointSliceUpdateProblems,
  endpointsProblems,
  endpointsUpdateProblems,
  serviceProblems,
  serviceUpdateProblems,
} from "./service.ts";
import {
  ipAddressProblems,
  ipAddressUpdateProblems,
  serviceCIDRProblems,
  serviceCIDRUpdateProblems,
} from "./service-cidr.ts";
import { statusProblems } from "./status.ts";
import {
  pvCreateProblems,
  pvcCreateProblems,
  pvcUpdateProblems,
  pvUpdateProblems,
  storageClassCreateProblems,
  storageClassUpdateProblems,
} from "./storage.ts";
import {
  daemonSetProblems,
  daemonSetUpdateProblems,
  deploymentProblems,
  deploymentUpdateProblems,
  podTemplateProblems,
  replicaSetProblems,
  replicaSetUpdateProblems,
  replicationControllerProblems,
  statefulSetProblems,
  statefulSetUpdateProblems,
} from "./workloads.ts";

// Spec validation as kube-apiserver 1.35 runs it after defaulting, admission and the strategy's
// PrepareForCreate/PrepareForUpdate: what each kind's Validate / ValidateUpdate finds beyond the object's
// metadata (metadata-validation.ts and validation.ts check that, and come first in kube's lists too).
// Kinds without an entry are not validated beyond their metadata.

interface KindRules {
  create?: (o: Obj) => FieldError[];
  /** Defaults to `create` on the new object. */
  update?: (next: Obj, old: Obj) => FieldError[];
}

const rules: Record<string, KindRules> = {
  "core/pods": { create: podCreateProblems, update: podUpdateProblems },
  "core/podtemplates": { create: podTemplateProblems },
  "core/replicationcontrollers": { create: replicationControllerProblems },
  "core/services": { create: serviceProblems, update: serviceUpdateProblems },
  "core/endpoints": { create: endpointsProblems, update: endpointsUpdateProblems },
  "core/configmaps": { create: configMapCreateProblems, update: configMapUpdateProblems },
  "core/secrets": { create: secretCreateProblems, update: secretUpdateProblems },
  "core/persistentvolumeclaims": { create: pvcCreateProblems, update: pvcUpdateProblems },
  "core/persistentvolumes": { create: pvCreateProblems, update: pvUpdateProblems },
  "core/namespaces": { create: namespaceProblems, update: () => [] },
  "core/resourcequotas": { create: resourceQuotaProblems, update: resourceQuotaUpdateProblems },
  "apps/deployments": { create: deploymentProblems, update: deploymentUpdateProblems },
  "apps/replicasets": { create: replicaSetProblems, update: replicaSetUpdateProblems },
  "apps/statefulsets": { create: statefulSetProblems, update: statefulSetUpdateProblems },
  "apps/daemonsets": { create: daemonSetProblems, update: daemonSetUpdateProblems },
  "autoscaling/horizontalpodautoscalers": { create: autoscalerProblems, update: autoscalerUpdateProblems },
  "batch/jobs": { create: (o) => jobProblems(o), update: jobUpdateProblems },
  "batch/cronjobs": { create: cronJobProblems, update: cronJobUpdateProblems },
  "policy/poddisruptionbudgets": { create: podDisruptionBudgetProblems },
  "scheduling.k8s.io/priorityclasses": { create: priorityClassProblems, update: priorityClassUpdateProblems },
  "rbac.authorization.k8s.io/roles": { create: (o) => roleProblems(o, true) },
  "rbac.authorization.k8s.io/clusterroles": { create: (o) => roleProblems(o, false) },
  "rbac.authorization.k8s.io/rolebindings": {
    create: (o) => roleBindingProblems(o, true),
    update: (n, o) => [...roleBindingProblems(n, true), ...roleRefChange(n, o)],
  },
  "rbac.authorization.k8s.io/clusterrolebindings": {
    create: (o) => roleBindingProblems(o, false),
    update: (n, o) => [...roleBindingProblems(n, false), ...roleRefChange(n, o)],
  },
  "coordination.k8s.io/leases": { create: leaseProblems },
  "networking.k8s.io/ingresses": { create: ingressProblems, update: ingressUpdateProblems },
  "networking.k8s.io/ingressclasses": { create: ingressClassProblems, update: ingressClassUpdateProblems },
  "networking.k8s.io/networkpolicies": { create: networkPolicyProblems, update: networkPolicyUpdateProblems },
  "networking.k8s.io/servicecidrs": { create: serviceCIDRProblems, update: serviceCIDRUpdateProblems },
  "networking.k8s.io/ipaddresses": { create: ipAddressProblems, update: ipAddressUpdateProblems },
  "discovery.k8s.io/endpointslices": { create: endpointSliceProblems, update: endpointSliceUpdateProblems },
  "storage.k8s.io/storageclasses": { create: storageClassCreateProblems, update: storageClassUpdateProblems },
  "apiregistration.k8s.io/apiservices": { create: apiServiceProblems },
  "flowcontrol.apiserver.k8s.io/flowschemas": { create: flowSchemaProblems },
  "flowcontrol.apiserver.k8s.io/prioritylevelconfigurations": { create: priorityLevelProblems },
  "admissionregistration.k8s.io/mutatingwebhookconfigurations": {
    create: mutatingWebhookConfigurationProblems,
    update: mutatingWebhookConfigurationUpdateProblems,
  },
  "admissionregistration.k8s.io/validatingwebhookconfigurations": {
    create: validatingWebhookConfigurationProblems,
    update: validatingWebhookConfigurationUpdateProblems,
  },
  "admissionregistration.k8s.io/validatingadmissionpolicies": {
    create: validatingAdmissionPolicyProblems,
    update: validatingAdmissionPolicyUpdateProblems,
  },
  "admissionregistration.k8s.io/validatingadmissionpolicybindings": {
    create: validatingAdmissionPolicyBindingProblems,
  },
};

const keyOf = (t: Pick<ResourceType, "group" | "resource">) => `${t.group || "core"}/${t.resource}`;

/** Kinds whose Validate leaves the metadata to the generic check kube runs only once the spec passed. */
const METADATA_AFTER_SPEC = new Set(["policy/poddisruptionbudgets"]);

/** The causes kube-apiserver gives for the spec of an object being created (after its metadata's). */
export function specProblems(type: Pick<ResourceType, "group" | "resource">, obj: KubeObject): StatusCause[] {
  const r = rules[keyOf(type)];
  return r?.create ? toCauses(r.create(obj as unknown as Obj)) : [];
}

/** The causes for an update of the main resource, `next` as the strategy prepared it. */
export function specUpdateProblems(
  type: Pick<ResourceType, "group" | "resource">,
  old: KubeObject,
  next: KubeObject,
): StatusCause[] {
  const r = rules[keyOf(type)];
  if (!r) return [];
  const n = next as unknown as Obj;
  if (r.update) return toCauses(r.update(n, old as unknown as Obj));
  return r.create ? toCauses(r.create(n)) : [];
}

/**
 * A create's causes in kube's order: metadata then spec, except for kinds that judge their metadata only
 * when the spec passed.
 */
export function createCauses(
  type: Pick<ResourceType, "group" | "resource">,
  metadata: StatusCause[],
  spec: StatusCause[],
): StatusCause[] {
  if (METADATA_AFTER_SPEC.has(keyOf(type)) && spec.length) return spec;
  return [...metadata, ...spec];
}

/** Where each kind carries the Go types whose quantities its decoder parses. */
const QUANTITY_HOLDERS: Record<string, (o: Obj) => [string, unknown][]> = {
  "core/pods": (o) => [["core.PodSpec", o.spec]],
  "core/podtemplates": (o) => [["core.PodTemplateSpec", o.template]],
  "core/replicationcontrollers": (o) => [["core.PodTemplateSpec", obj(o.spec).template]],
  "apps/deployments": (o) => [["core.PodTemplateSpec", obj(o.spec).template]],
  "apps/replicasets": (o) => [["core.PodTemplateSpec", obj(o.spec).template]],
  "apps/daemonsets": (o) => [["core.PodTemplateSpec", obj(o.spec).template]],
  "apps/statefulsets": (o) => [
    ["core.PodTemplateSpec", obj(o.spec).template],
    ...objs(obj(o.spec).volumeClaimTemplates).map((t): [string, unknown] => ["core.PersistentVolumeClaimSpec", t.spec]),
  ],
  "batch/jobs": (o) => [["core.PodTemplateSpec", obj(o.spec).template]],
  "batch/cronjobs": (o) => [["core.PodTemplateSpec", obj(obj(obj(o.spec).jobTemplate).spec).template]],
  "core/persistentvolumeclaims": (o) => [["core.PersistentVolumeClaimSpec", o.spec]],
  "core/persistentvolumes": (o) => [["core.PersistentVolumeSpec", o.spec]],
};

/**
 * What kube's decoder answers for a create or update body it cannot decode into its Go type: a quantity
 * that does not parse (400, before anything else is looked at).
 */
export function decodeProblem(
  type: Pick<ResourceType, "group" | "resource" | "kind" | "version">,
  body: KubeObject,
): StatusError | undefined {
  const holders = QUANTITY_HOLDERS[keyOf(type)]?.(body as unknown as Obj) ?? [];
  for (const [goType, value] of holders)
    for (const [, q] of quantitiesIn(goType, value, "")) {
      const why = quantitySyntaxError(q);
      if (why)
        return errors.badRequest(
          `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: ${why}`,
        );
    }
  return undefined;
}

/** The causes a /status write gets from the kind's status strategy (the workload controllers' kinds). */
export function statusUpdateProblems(
  type: Pick<ResourceType, "group" | "resource">,
  subresource: string,
  old: KubeObject,
  next: KubeObject,
): StatusCause[] {
  if (subresource !== "status") return [];
  if (keyOf(type) === "admissionregistration.k8s.io/validatingadmissionpolicies")
    return toCauses(validatingAdmissionPolicyStatusProblems(next as unknown as Obj));
  return toCauses(statusProblems(keyOf(type), next as unknown as Obj, old as unknown as Obj));
}
