export {
  type AnnotationFilter,
  type Annotations,
  annotationFilter,
  type HostAnnotationsInput,
  hostAnnotations,
  managedAnnotationKeys,
  mergeHostOnlyAnnotations,
} from "./annotations.ts";
export {
  configMapOrSecretChanged,
  type ObjectTranslationContext,
  translateConfigMap,
  translateSecret,
} from "./configmap-secret.ts";
export { type VirtualObjectRef, virtualEventFor } from "./event.ts";
export { hash10, sha256Hex } from "./hash.ts";
export * from "./keys.ts";
export {
  clusterScopedHostLabels,
  controlledByOther,
  hashedLabelKey,
  hostLabelKey,
  hostLabels,
  isReservedLabelKey,
  type Labels,
  namespaceLabelKey,
  namespaceLabelsForPod,
  translateLabelSelector,
  translateNamespaceSelector,
  virtualLabels,
} from "./labels.ts";
export {
  clusterScopedHostName,
  clusterScopedMarker,
  gvkString,
  hostName,
  MAX_NAME_LENGTH,
  safeConcatName,
  type VirtualIdentity,
  virtualIdentity,
} from "./names.ts";
export {
  DEFAULT_CLUSTER_DOMAIN,
  defaultWorkloadServiceAccountName,
  hostFieldPath,
  labelsAnnotationValue,
  type PodReferences,
  type PodTranslation,
  type PodTranslationContext,
  parseLabelsAnnotation,
  podHostAnnotations,
  podHostLabels,
  podHostname,
  podReferences,
  SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS,
  type ServiceAccountTokenRequest,
  serviceAccountTokenRequests,
  tokenId,
  translatePod,
  translatePodAffinityTerm,
} from "./pod.ts";
export { envVarName, generatedEnvVars, serviceLinkEnvVars } from "./pod-env.ts";
export {
  checkPodSecurity,
  type PodSecurityLevel,
  podSecurityMessage,
  SAFE_SYSCTLS,
} from "./pod-security.ts";
export { podResize, podUpdates, virtualPodStatus } from "./pod-updates.ts";
export * from "./service.ts";
export * from "./storage.ts";
