import { errors, type StatusCause, type StatusError } from "@evk/kube";
import { labelValueProblems } from "./metadata-validation.ts";
import { ReasonlessError } from "./patch.ts";
import type { ResourceType } from "./resources.ts";
import { ipProblems } from "./spec-validation/ip.ts";

// Object-name rules of kube-apiserver 1.35 (apimachinery's validation, per kind), with its messages.

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const labelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const dns1035Msg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/** `prefix`: the name is a generateName, to which a random suffix is added (a trailing '-' is fine then). */
type Rule = (name: string, prefix?: boolean) => string[];

/** apimachinery's maskTrailingDash: how a generateName is checked as a name. */
const masked = (name: string, prefix?: boolean) =>
  prefix && name.length > 1 && name.endsWith("-") ? `${name.slice(0, -1)}a` : name;

const subdomain: Rule = (name, prefix) => {
  const n = masked(name, prefix);
  return [
    ...(n.length > 253 ? ["must be no more than 253 characters"] : []),
    ...(SUBDOMAIN.test(n) ? [] : [subdomainMsg]),
  ];
};
const label: Rule = (name, prefix) => {
  const n = masked(name, prefix);
  // A valid subdomain that is no label (its length already checked) can only have dots.
  const pattern = LABEL.test(n) ? [] : SUBDOMAIN.test(n) ? ["must not contain dots"] : [labelMsg];
  return [...(n.length > 63 ? ["must be no more than 63 characters"] : []), ...pattern];
};
const dns1035: Rule = (name, prefix) => {
  const n = masked(name, prefix);
  return [...(n.length > 63 ? ["must be no more than 63 characters"] : []), ...(DNS1035.test(n) ? [] : [dns1035Msg])];
};
const pathSegment: Rule = (n, prefix) => [
  ...(!prefix && n === "." ? ["may not be '.'"] : []),
  ...(!prefix && n === ".." ? ["may not be '..'"] : []),
  ...(n.includes("/") ? ["may not contain '/'"] : []),
  ...(n.includes("%") ? ["may not contain '%'"] : []),
];

/** apimachinery's name checks by name (NameIsDNSSubdomain, NameIsDNSLabel, NameIsDNS1035Label, IsValidPathSegmentName). */
export const nameRules = { subdomain, label, dns1035, pathSegment } as const;

const rules: Record<string, Rule> = {
  "core/namespaces": label,
  "core/services": dns1035,
  "rbac.authorization.k8s.io/roles": pathSegment,
  "rbac.authorization.k8s.io/rolebindings": pathSegment,
  "rbac.authorization.k8s.io/clusterroles": pathSegment,
  "rbac.authorization.k8s.io/clusterrolebindings": pathSegment,
  "apiregistration.k8s.io/apiservices": pathSegment,
  "networking.k8s.io/ipaddresses": (name) => ipProblems(name),
};

/** Why kube-apiserver would refuse this object name (or, with `prefix`, generateName) for this kind. */
export function nameProblems(type: Pick<ResourceType, "group" | "resource">, name: string, prefix = false): string[] {
  return (rules[`${type.group || "core"}/${type.resource}`] ?? subdomain)(name, prefix);
}

const invalidName = (field: string, value: string, problems: string[]): StatusCause[] =>
  problems.map((p) => ({
    reason: "FieldValueInvalid",
    message: `Invalid value: ${JSON.stringify(value)}: ${p}`,
    field,
  }));

/**
 * kube's causes for the name of an object being created, in ValidateObjectMeta's order: its generateName, the
 * name itself (generated from it or given), and for a namespace the kubernetes.io/metadata.name label its
 * strategy sets to the name before validating.
 */
export function nameCauses(
  type: Pick<ResourceType, "group" | "resource">,
  name: string,
  generateName?: string,
): StatusCause[] {
  const out = generateName
    ? invalidName("metadata.generateName", generateName, nameProblems(type, generateName, true))
    : [];
  if (!name)
    return [
      ...out,
      {
        reason: "FieldValueRequired",
        message: "Required value: name or generateName is required",
        field: "metadata.name",
      },
    ];
  out.push(...invalidName("metadata.name", name, nameProblems(type, name)));
  if (!type.group && type.resource === "namespaces")
    out.push(...invalidName("metadata.labels", name, labelValueProblems(name)));
  return out;
}

/** Throws kube's 422 Invalid Status for an object name the kind does not allow. */
export function validateName(type: Pick<ResourceType, "group" | "resource" | "kind">, name: string): void {
  const problems = nameProblems(type, name);
  if (problems.length === 0) return;
  const causes: StatusCause[] = problems.map((p) => ({
    reason: "FieldValueInvalid",
    message: `Invalid value: ${JSON.stringify(name)}: ${p}`,
    field: "metadata.name",
  }));
  throw errors.invalid(type.kind, name, causes, type.group);
}

/** Kinds whose strategy refuses an update without a resourceVersion (AllowUnconditionalUpdate false). */
const CONDITIONAL_UPDATE_ONLY = new Set([
  "coordination.k8s.io/leases",
  "policy/poddisruptionbudgets",
  "node.k8s.io/runtimeclasses",
  "storage.k8s.io/csidrivers",
  "storage.k8s.io/csinodes",
  "storage.k8s.io/csistoragecapacities",
  "storage.k8s.io/volumeattachments",
  "admissionregistration.k8s.io/mutatingwebhookconfigurations",
  "admissionregistration.k8s.io/validatingwebhookconfigurations",
  "admissionregistration.k8s.io/validatingadmissionpolicies",
  "admissionregistration.k8s.io/validatingadmissionpolicybindings",
  "apiregistration.k8s.io/apiservices",
]);

/**
 * What kube's store answers to the resourceVersion of an update's body, if it refuses it: one that is no
 * number (a reason-less 500, the versioner's error), or none (or 0) for a kind that allows no unconditional
 * update (422, qualified by the resource, not the kind).
 */
export function updateResourceVersionProblem(
  type: Pick<ResourceType, "group" | "resource">,
  name: string,
  resourceVersion: string | undefined,
): StatusError | undefined {
  const rv = resourceVersion ?? "";
  if (rv !== "" && !/^[0-9]+$/.test(rv))
    return new ReasonlessError(`strconv.ParseUint: parsing ${JSON.stringify(rv)}: invalid syntax`);
  if (Number(rv) !== 0 || !CONDITIONAL_UPDATE_ONLY.has(`${type.group}/${type.resource}`)) return undefined;
  const cause = {
    reason: "FieldValueInvalid",
    message: "Invalid value: 0: must be specified for an update",
    field: "metadata.resourceVersion",
  };
  return errors.invalid(type.resource, name, [cause], type.group);
}
