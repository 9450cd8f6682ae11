// apiextensions.k8s.io/v1 CustomResourceDefinition as JSON (k8s.io/apiextensions-apiserver pkg/apis/apiextensions/v1),
// and the small helpers every part of crd/ reads it with. Objects come from clients and from etcd, so every field
// may be missing or of the wrong type: readers go through these helpers, never through casts alone.
import type { KubeObject } from "@evk/kube";

export const GROUP = "apiextensions.k8s.io";
export const CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";

/** A JSONSchemaProps as the client sent it: `items` and `additionalProperties` keep their JSON shapes. */
export type JSONSchemaProps = Record<string, unknown> & {
  type?: string;
  format?: string;
  description?: string;
  title?: string;
  nullable?: boolean;
  default?: unknown;
  enum?: unknown[];
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  multipleOf?: number;
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  items?: JSONSchemaProps | JSONSchemaProps[];
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  allOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-map-type"?: string;
  "x-kubernetes-validations"?: ValidationRule[];
};

export interface ValidationRule {
  rule?: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export interface ColumnDefinition {
  name?: string;
  type?: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath?: string;
}

export interface ScaleSubresource {
  specReplicasPath?: string;
  statusReplicasPath?: string;
  labelSelectorPath?: string;
}

export interface Subresources {
  status?: Record<string, unknown>;
  scale?: ScaleSubresource;
}

export interface CRDVersion {
  name?: string;
  served?: boolean;
  storage?: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: Subresources;
  additionalPrinterColumns?: ColumnDefinition[];
  selectableFields?: { jsonPath?: string }[];
}

export interface CRDNames {
  plural?: string;
  singular?: string;
  shortNames?: string[];
  kind?: string;
  listKind?: string;
  categories?: string[];
}

export interface WebhookClientConfig {
  url?: string;
  service?: { namespace?: string; name?: string; path?: string; port?: number };
  caBundle?: string;
}

export interface CRDSpec {
  group?: string;
  names?: CRDNames;
  scope?: string;
  versions?: CRDVersion[];
  conversion?: {
    strategy?: string;
    webhook?: { clientConfig?: WebhookClientConfig; conversionReviewVersions?: string[] };
  };
  preserveUnknownFields?: boolean;
}

export interface CRDCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export interface CRDStatus {
  conditions?: CRDCondition[];
  acceptedNames?: CRDNames;
  storedVersions?: string[];
  observedGeneration?: number;
}

export type CRD = KubeObject & { spec?: CRDSpec; status?: CRDStatus };

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export const specOf = (crd: CRD): CRDSpec => (isObject(crd.spec) ? crd.spec : {});
export const statusOf = (crd: CRD): CRDStatus => (isObject(crd.status) ? (crd.status as CRDStatus) : {});
export const versionsOf = (crd: CRD): CRDVersion[] =>
  Array.isArray(specOf(crd).versions) ? (specOf(crd).versions as CRDVersion[]).filter(isObject) : [];
export const namesOf = (crd: CRD): CRDNames => (isObject(specOf(crd).names) ? (specOf(crd).names as CRDNames) : {});
export const acceptedNamesOf = (crd: CRD): CRDNames =>
  isObject(statusOf(crd).acceptedNames) ? (statusOf(crd).acceptedNames as CRDNames) : {};

export function conditionOf(crd: CRD, type: string): CRDCondition | undefined {
  const conditions = statusOf(crd).conditions;
  return Array.isArray(conditions) ? conditions.find((c) => isObject(c) && c.type === type) : undefined;
}

export const isConditionTrue = (crd: CRD, type: string): boolean => conditionOf(crd, type)?.status === "True";

export const storageVersionOf = (crd: CRD): string | undefined => versionsOf(crd).find((v) => v.storage)?.name;

const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/**
 * apiextensions' SetCRDCondition: replaces the condition of that type (its transition time moves only when its
 * status does) or appends it. Returns a new status; the CRD is not changed.
 */
export function withCondition(status: CRDStatus, c: Omit<CRDCondition, "lastTransitionTime">, at = now()): CRDStatus {
  const conditions = [...(status.conditions ?? [])];
  const i = conditions.findIndex((x) => x.type === c.type);
  if (i < 0) {
    conditions.push({ type: c.type, status: c.status, lastTransitionTime: at, reason: c.reason, message: c.message });
    return { ...status, conditions };
  }
  const old = conditions[i] as CRDCondition;
  conditions[i] = {
    ...old,
    type: c.type,
    status: c.status,
    lastTransitionTime: old.status !== c.status || !old.lastTransitionTime ? at : old.lastTransitionTime,
    reason: c.reason,
    message: c.message,
  };
  return { ...status, conditions };
}

/**
 * The schema, subresources, columns and selectable fields that apply to one version. v1 keeps them per version;
 * kube's internal form moves them to the spec when every version has the same (which only field paths show).
 */
export function versionNamed(crd: CRD, version: string): CRDVersion | undefined {
  return versionsOf(crd).find((v) => v.name === version);
}
