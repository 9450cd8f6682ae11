// evk's label and annotation keys. They mirror vcluster's `vcluster.loft.sh/*` keys one for one (see
// /work/shared/reference/vcluster-behaviour.md, Appendix A) so that anyone who knows vcluster can read a host object.

export const KEY_PREFIX = "evk.dev/";

// Labels on host objects.
export const MANAGED_BY_LABEL = "evk.dev/managed-by";
export const NAMESPACE_LABEL = "evk.dev/namespace";
export const CONTROLLED_BY_LABEL = "evk.dev/controlled-by";
/** Reserved user label keys become `evk.dev/label-<cluster>-x-<hash10>`. */
export const HASHED_LABEL_PREFIX = "evk.dev/label";
/** Virtual namespace labels appear on host pods as `evk.dev/ns-label-<cluster>-x-<hash10>`. */
export const NS_LABEL_PREFIX = "evk.dev/ns-label";

// Identity annotations on every host object.
export const OBJECT_NAME_ANNOTATION = "evk.dev/object-name";
export const OBJECT_NAMESPACE_ANNOTATION = "evk.dev/object-namespace";
export const OBJECT_UID_ANNOTATION = "evk.dev/object-uid";
export const OBJECT_KIND_ANNOTATION = "evk.dev/object-kind";
export const OBJECT_HOST_NAME_ANNOTATION = "evk.dev/object-host-name";
export const OBJECT_HOST_NAMESPACE_ANNOTATION = "evk.dev/object-host-namespace";
export const MANAGED_ANNOTATIONS_ANNOTATION = "evk.dev/managed-annotations";
export const MANAGED_LABELS_ANNOTATION = "evk.dev/managed-labels";

// Pod identity annotations: they back the downward-API rewrites, so they hold virtual values.
export const POD_NAME_ANNOTATION = "evk.dev/name";
/** Same string as NAMESPACE_LABEL; on pods it is also an annotation. */
export const POD_NAMESPACE_ANNOTATION = "evk.dev/namespace";
export const POD_UID_ANNOTATION = "evk.dev/uid";
export const POD_SERVICE_ACCOUNT_NAME_ANNOTATION = "evk.dev/service-account-name";
export const POD_LABELS_ANNOTATION = "evk.dev/labels";
export const OWNER_REFERENCES_ANNOTATION = "evk.dev/owner-references";
export const OWNER_SET_KIND_ANNOTATION = "evk.dev/owner-set-kind";
/** Followed by an 8-character id; holds a virtual service-account token for a projected volume. */
export const TOKEN_ANNOTATION_PREFIX = "evk.dev/token-";

// Well-known keys evk sets with the same meaning as upstream tools.
export const SAFE_TO_EVICT_ANNOTATION = "cluster-autoscaler.kubernetes.io/safe-to-evict";
export const DAEMONSET_POD_ANNOTATION = "cluster-autoscaler.kubernetes.io/daemonset-pod";

/** User label keys that would collide with evk's own markers (or Helm's), so they are hashed on the host. */
export const RESERVED_LABEL_KEYS: readonly string[] = [
  "release",
  NAMESPACE_LABEL,
  MANAGED_BY_LABEL,
  CONTROLLED_BY_LABEL,
];

/**
 * Annotations the virtual apiserver keeps on virtual objects about their host twins (the host revision
 * a status came from, the host uid of a mirrored object). They describe the host, so copying them there
 * would feed every status report back as a host change.
 */
export const HOST_REVISION_ANNOTATION = "evk.dev/host-resource-version";
export const HOST_UID_ANNOTATION = "evk.dev/host-uid";

/** Never copied from a virtual object: copying them would let a tenant spoof another object's identity. */
export const IDENTITY_ANNOTATION_KEYS: readonly string[] = [
  OBJECT_NAME_ANNOTATION,
  OBJECT_NAMESPACE_ANNOTATION,
  OBJECT_UID_ANNOTATION,
  OBJECT_KIND_ANNOTATION,
  OBJECT_HOST_NAME_ANNOTATION,
  OBJECT_HOST_NAMESPACE_ANNOTATION,
  MANAGED_ANNOTATIONS_ANNOTATION,
  MANAGED_LABELS_ANNOTATION,
  HOST_REVISION_ANNOTATION,
  HOST_UID_ANNOTATION,
];

/** Pod annotations the syncer computes itself; a virtual pod cannot set them and they never flow back. */
export const POD_OWNED_ANNOTATION_KEYS: readonly string[] = [
  POD_NAME_ANNOTATION,
  POD_NAMESPACE_ANNOTATION,
  POD_UID_ANNOTATION,
  POD_SERVICE_ACCOUNT_NAME_ANNOTATION,
  POD_LABELS_ANNOTATION,
  OWNER_REFERENCES_ANNOTATION,
  OWNER_SET_KIND_ANNOTATION,
  DAEMONSET_POD_ANNOTATION,
];

/** Go's GVK string format (`schema.GroupVersionKind.String()`), which the object-kind annotation uses. */
export const POD_KIND = "/v1, Kind=Pod";
export const CONFIG_MAP_KIND = "/v1, Kind=ConfigMap";
export const SECRET_KIND = "/v1, Kind=Secret";
