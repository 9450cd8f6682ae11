import { errors, type StatusCause } from "@evk/kube";
import type { ResourceType } from "./resources.ts";

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

type Rule = (name: string) => string[];

const subdomain: Rule = (n) => [
  ...(n.length > 253 ? ["must be no more than 253 characters"] : []),
  ...(SUBDOMAIN.test(n) ? [] : [subdomainMsg]),
];
const label: Rule = (n) => [
  ...(n.length > 63 ? ["must be no more than 63 characters"] : []),
  ...(LABEL.test(n) ? [] : [labelMsg]),
];
const dns1035: Rule = (n) => [
  ...(n.length > 63 ? ["must be no more than 63 characters"] : []),
  ...(DNS1035.test(n) ? [] : [dns1035Msg]),
];
const pathSegment: Rule = (n) => [
  ...(n === "." ? ["may not be '.'"] : []),
  ...(n === ".." ? ["may not be '..'"] : []),
  ...(n.includes("/") ? ["may not contain '/'"] : []),
  ...(n.includes("%") ? ["may not contain '%'"] : []),
];

const rules: Record<string, Rule> = {
  "core/namespaces": label,
  "core/services": dns1035,
  "rbac.authorization.k8s.io/roles": pathSegment,
  "rbac.authorization.k8s.io/rolebindings": pathSegment,
  "rbac.authorization.k8s.io/clusterroles": pathSegment,
  "rbac.authorization.k8s.io/clusterrolebindings": pathSegment,
};

/** Why kube-apiserver would refuse this object name for this kind (empty: it is fine). */
export function nameProblems(type: Pick<ResourceType, "group" | "resource">, name: string): string[] {
  return (rules[`${type.group || "core"}/${type.resource}`] ?? subdomain)(name);
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
