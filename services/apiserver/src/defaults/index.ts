import { randomInt } from "node:crypto";
import type { KubeObject } from "@evk/kube";
import { type AdmissionReads, admit } from "./admission.ts";
import {
  defaultMutatingWebhookConfiguration,
  defaultValidatingAdmissionPolicy,
  defaultValidatingAdmissionPolicyBinding,
  defaultValidatingWebhookConfiguration,
} from "./admissionregistration.ts";
import { defaultAPIService, prepareAPIServiceForCreate } from "./apiregistration.ts";
import { defaultFlowSchema, defaultPriorityLevelConfiguration } from "./flowcontrol.ts";
import {
  defaultCoreEvent,
  defaultCSIDriver,
  defaultCSIStorageCapacity,
  defaultEventsEvent,
  defaultHorizontalPodAutoscaler,
  defaultIngress,
  defaultIngressClass,
  defaultLease,
  defaultLimitRange,
  defaultNamespace,
  defaultNetworkPolicy,
  defaultNode,
  defaultPersistentVolume,
  defaultPersistentVolumeClaim,
  defaultPodDisruptionBudget,
  defaultPriorityClass,
  defaultResourceClaim,
  defaultResourceClaimTemplate,
  defaultResourceQuota,
  defaultResourceSlice,
  defaultRole,
  defaultRoleBinding,
  defaultRuntimeClass,
  defaultSecret,
  defaultStorageClass,
  defaultVolumeAttachment,
  dropResourceClaimDisabledFields,
  dropResourceClaimTemplateDisabledFields,
  dropResourceSliceDisabledFields,
  prepareNamespaceForCreate,
  preparePersistentVolumeClaimForCreate,
  prepareServiceAccountForCreate,
} from "./misc.ts";
import { defaultPod, preparePodForCreate } from "./pod.ts";
import {
  defaultEndpointSlice,
  defaultEndpoints,
  defaultService,
  dropEndpointSliceTopology,
  prepareServiceForCreate,
  prepareServiceForUpdate,
} from "./service.ts";
import { defaultIPAddress, defaultServiceCIDR } from "./service-cidr.ts";
import type { Obj } from "./util.ts";
import {
  defaultCronJob,
  defaultDaemonSet,
  defaultDeployment,
  defaultJob,
  defaultPodTemplateObject,
  defaultReplicaSet,
  defaultReplicationController,
  defaultStatefulSet,
  prepareDaemonSetForCreate,
  prepareDaemonSetForUpdate,
  prepareJobForCreate,
  unaliasJobLabels,
} from "./workloads.ts";

// Defaulting as kube-apiserver 1.35 does it to every object it writes, per resource. Pure: the object in,
// a new defaulted object out; the clock, the random source and the stored objects admission consults
// come in through the options.
//
// kube runs, for a create or an update of the main resource:
//   decode (v1 conversion + SetDefaults_*) → mutating admission → the strategy's PrepareForCreate/Update
//   → storage, whose read-back decodes (and so defaults) the stored object once more.
// The second decoding pass is not idle: a Job's labels come from its template only after the strategy
// added the selector labels, and a claim's status phase is defaulted after the strategy cleared status.
// Subresource writes (status, finalize, ephemeralcontainers…) get the decoding passes only.

export type { AdmissionReads } from "./admission.ts";
export { admissionReads, cacheReads } from "./reads.ts";

export interface DefaultingOptions {
  /** "create" (the default) or "update" (PUT, and the result of a PATCH). */
  operation?: "create" | "update";
  /** Set for writes through a subresource: they are decoded (defaulted) but no strategy or admission runs. */
  subresource?: string;
  /** The stored object an update replaces. */
  old?: KubeObject;
  /** Stored objects admission plugins consult; without them, the plugins that need them do nothing. */
  reads?: AdmissionReads;
  /** names.SimpleNameGenerator's five random characters (the kube-api-access volume). */
  randomSuffix?: () => string;
  /** RFC 3339 time to the second. */
  now?: () => string;
  /**
   * Which part of the create path to run, for a caller that runs its own PrepareForCreate in between:
   * "admission" decodes and admits, "strategy" runs the create strategy's additions and decodes the result
   * as storage would. "all" (the default) runs both.
   */
  stage?: "all" | "admission" | "strategy";
}

type Decoder = (o: Obj, now: string) => void;

const decoders: Record<string, Decoder> = {
  "core/pods": defaultPod,
  "core/podtemplates": defaultPodTemplateObject,
  "core/replicationcontrollers": defaultReplicationController,
  "core/services": defaultService,
  "core/endpoints": defaultEndpoints,
  "core/namespaces": defaultNamespace,
  "core/secrets": defaultSecret,
  "core/persistentvolumeclaims": defaultPersistentVolumeClaim,
  "core/persistentvolumes": defaultPersistentVolume,
  "core/limitranges": defaultLimitRange,
  "core/resourcequotas": defaultResourceQuota,
  "core/nodes": defaultNode,
  "core/events": defaultCoreEvent,
  "apps/deployments": defaultDeployment,
  "apps/replicasets": defaultReplicaSet,
  "apps/statefulsets": defaultStatefulSet,
  "apps/daemonsets": defaultDaemonSet,
  "batch/jobs": defaultJob,
  "batch/cronjobs": defaultCronJob,
  "autoscaling/horizontalpodautoscalers": defaultHorizontalPodAutoscaler,
  "discovery.k8s.io/endpointslices": defaultEndpointSlice,
  "events.k8s.io/events": defaultEventsEvent,
  "networking.k8s.io/ingresses": defaultIngress,
  "networking.k8s.io/ingressclasses": defaultIngressClass,
  "networking.k8s.io/networkpolicies": defaultNetworkPolicy,
  "networking.k8s.io/servicecidrs": defaultServiceCIDR,
  "networking.k8s.io/ipaddresses": defaultIPAddress,
  "policy/poddisruptionbudgets": defaultPodDisruptionBudget,
  "rbac.authorization.k8s.io/roles": defaultRole,
  "rbac.authorization.k8s.io/clusterroles": defaultRole,
  "rbac.authorization.k8s.io/rolebindings": defaultRoleBinding,
  "rbac.authorization.k8s.io/clusterrolebindings": defaultRoleBinding,
  "node.k8s.io/runtimeclasses": defaultRuntimeClass,
  "scheduling.k8s.io/priorityclasses": defaultPriorityClass,
  "storage.k8s.io/storageclasses": defaultStorageClass,
  "storage.k8s.io/csidrivers": defaultCSIDriver,
  "storage.k8s.io/csistoragecapacities": defaultCSIStorageCapacity,
  "storage.k8s.io/volumeattachments": defaultVolumeAttachment,
  "coordination.k8s.io/leases": defaultLease,
  "resource.k8s.io/resourceclaims": defaultResourceClaim,
  "resource.k8s.io/resourceclaimtemplates": defaultResourceClaimTemplate,
  "resource.k8s.io/resourceslices": defaultResourceSlice,
  "admissionregistration.k8s.io/mutatingwebhookconfigurations": defaultMutatingWebhookConfiguration,
  "admissionregistration.k8s.io/validatingwebhookconfigurations": defaultValidatingWebhookConfiguration,
  "admissionregistration.k8s.io/validatingadmissionpolicies": defaultValidatingAdmissionPolicy,
  "admissionregistration.k8s.io/validatingadmissionpolicybindings": defaultValidatingAdmissionPolicyBinding,
  "apiregistration.k8s.io/apiservices": defaultAPIService,
  "flowcontrol.apiserver.k8s.io/flowschemas": defaultFlowSchema,
  "flowcontrol.apiserver.k8s.io/prioritylevelconfigurations": defaultPriorityLevelConfiguration,
};

const onCreate: Record<string, (o: Obj, now: string) => void> = {
  "apiregistration.k8s.io/apiservices": prepareAPIServiceForCreate,
  "core/namespaces": prepareNamespaceForCreate,
  "core/pods": preparePodForCreate,
  "core/services": prepareServiceForCreate,
  "core/persistentvolumeclaims": preparePersistentVolumeClaimForCreate,
  "core/serviceaccounts": prepareServiceAccountForCreate,
  "apps/daemonsets": prepareDaemonSetForCreate,
  "batch/jobs": prepareJobForCreate,
  "discovery.k8s.io/endpointslices": (o) => dropEndpointSliceTopology(o, undefined),
  "resource.k8s.io/resourceclaims": (o) => dropResourceClaimDisabledFields(o),
  "resource.k8s.io/resourceclaimtemplates": (o) => dropResourceClaimTemplateDisabledFields(o),
  "resource.k8s.io/resourceslices": (o) => dropResourceSliceDisabledFields(o),
};

const onUpdate: Record<string, (o: Obj, old: Obj) => void> = {
  "core/services": prepareServiceForUpdate,
  "apps/daemonsets": prepareDaemonSetForUpdate,
  "discovery.k8s.io/endpointslices": dropEndpointSliceTopology,
  "resource.k8s.io/resourceclaims": dropResourceClaimDisabledFields,
  "resource.k8s.io/resourceclaimtemplates": dropResourceClaimTemplateDisabledFields,
  "resource.k8s.io/resourceslices": dropResourceSliceDisabledFields,
};

/** Kinds that only an admission plugin changes (the VolumeAttributesClass protection finalizer). */
const ONLY_ADMITTED = new Set(["storage.k8s.io/volumeattributesclasses"]);

/** names.SimpleNameGenerator's alphabet: no vowels, no look-alikes. */
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export const randomNameSuffix = (): string =>
  Array.from({ length: 5 }, () => NAME_ALPHABET[randomInt(NAME_ALPHABET.length)]).join("");

const rfc3339Now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

export function applyDefaults(
  group: string,
  resource: string,
  o: KubeObject,
  opts: DefaultingOptions = {},
): KubeObject {
  const key = `${group || "core"}/${resource}`;
  const decode = decoders[key];
  const create = onCreate[key];
  const update = onUpdate[key];
  const admitted = !opts.subresource;
  if (!decode && !(admitted && (create || update || ONLY_ADMITTED.has(key)))) return o;
  const now = (opts.now ?? rfc3339Now)();
  const out = structuredClone(o) as Obj;
  if (!admitted) {
    decode?.(out, now);
    if (key === "batch/jobs") unaliasJobLabels(out);
    return out as KubeObject;
  }
  const operation = opts.operation ?? "create";
  const stage = opts.stage ?? "all";
  const old = opts.old as Obj | undefined;
  if (stage !== "strategy") {
    decode?.(out, now);
    admit(key, out, {
      operation,
      namespace: (out.metadata as Obj | undefined)?.namespace as string | undefined,
      old,
      reads: opts.reads,
      randomSuffix: opts.randomSuffix ?? randomNameSuffix,
    });
  }
  if (stage !== "admission") {
    if (operation === "create") create?.(out, now);
    else if (old) update?.(out, old);
    decode?.(out, now);
    if (key === "batch/jobs") unaliasJobLabels(out);
  }
  return out as KubeObject;
}
