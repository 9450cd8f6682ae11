// Which FlowSchema a request belongs to, as kube-apiserver 1.35 decides it (apiserver pkg/util/flowcontrol
// rule.go): the first schema by matching precedence (then name) with a rule whose subjects include the user
// and whose resource or non-resource rules cover the request. Pure.

import { createHash } from "node:crypto";
import type { RequestInfo } from "../request-info.ts";

export interface Subject {
  kind?: string;
  user?: { name?: string } | null;
  group?: { name?: string } | null;
  serviceAccount?: { namespace?: string; name?: string } | null;
}

export interface ResourceRule {
  verbs?: string[] | null;
  apiGroups?: string[] | null;
  resources?: string[] | null;
  clusterScope?: boolean;
  namespaces?: string[] | null;
}

export interface NonResourceRule {
  verbs?: string[] | null;
  nonResourceURLs?: string[] | null;
}

export interface PolicyRules {
  subjects?: Subject[] | null;
  resourceRules?: ResourceRule[] | null;
  nonResourceRules?: NonResourceRule[] | null;
}

export interface FlowSchemaSpec {
  priorityLevelConfiguration?: { name?: string };
  matchingPrecedence?: number;
  distinguisherMethod?: { type?: string } | null;
  rules?: PolicyRules[] | null;
}

export interface RequestUser {
  username: string;
  groups: string[];
}

/** What APF looks at in a request: kube's RequestInfo (verb, group, resource, namespace or path) and the user. */
export interface RequestDigest {
  user: RequestUser;
  resource: boolean;
  verb: string;
  apiGroup: string;
  resourceName: string;
  subresource: string;
  /** "" for a cluster-scoped request. */
  namespace: string;
  /** The object named, by the path or (list, watch) by a metadata.name field selector. */
  name: string;
  path: string;
}

/**
 * kube's RequestInfo for APF from evk's parse: a non-resource request's verb is its lower-cased method, and a
 * request for a namespace object itself is "in" that namespace (RequestInfoFactory sets it from the name).
 */
export function digestOf(
  info: RequestInfo,
  user: RequestUser,
  method: string,
  path: string,
  query?: URLSearchParams,
): RequestDigest {
  if (info.kind === "nonresource")
    return {
      user,
      resource: false,
      verb: method.toLowerCase(),
      apiGroup: "",
      resourceName: "",
      subresource: "",
      namespace: "",
      name: "",
      path,
    };
  const ns = info.namespace ?? (info.group === "" && info.resource === "namespaces" && info.name ? info.name : "");
  return {
    user,
    resource: true,
    verb: info.verb,
    apiGroup: info.group,
    resourceName: info.resource,
    subresource: info.subresource ?? "",
    namespace: ns,
    name: info.name ?? (info.verb === "list" || info.verb === "watch" ? selectedName(query) : ""),
    path,
  };
}

/** RequestInfoFactory: a list or watch whose field selector requires one metadata.name names that object. */
function selectedName(query: URLSearchParams | undefined): string {
  const sel = query?.get("fieldSelector");
  if (!sel) return "";
  for (const term of sel.split(",")) {
    const m = /^\s*metadata\.name\s*(?:==?)\s*(.*?)\s*$/.exec(term);
    if (m) return m[1] ?? "";
  }
  return "";
}

/** containsString: the wildcard, when present, is the list's only member (validation makes it so). */
function contains(x: string, list: string[] | null | undefined, wildcard: string): boolean {
  if (!list) return false;
  if (list.length === 1 && list[0] === wildcard) return true;
  return list.includes(x);
}

const SA_PREFIX = "system:serviceaccount:";

function matchesSubject(user: RequestUser, s: Subject): boolean {
  switch (s.kind) {
    case "User":
      return !!s.user && (s.user.name === "*" || s.user.name === user.username);
    case "Group": {
      if (!s.group) return false;
      return s.group.name === "*" || user.groups.includes(s.group.name ?? "");
    }
    case "ServiceAccount": {
      const sa = s.serviceAccount;
      if (!sa) return false;
      const ns = sa.namespace ?? "";
      if (sa.name === "*") {
        if (!user.username.startsWith(SA_PREFIX)) return false;
        const rest = user.username.slice(SA_PREFIX.length);
        return rest.startsWith(ns) && rest.slice(ns.length).startsWith(":");
      }
      return user.username === `${SA_PREFIX}${ns}:${sa.name ?? ""}`;
    }
    default:
      return false;
  }
}

export function matchesNonResourceURL(urls: string[] | null | undefined, path: string): boolean {
  for (const rule of urls ?? []) {
    if (rule === "*" || rule === path) return true;
    let prefix = rule.endsWith("*") ? rule.slice(0, -1) : rule;
    if (!prefix.endsWith("/")) prefix = `${prefix}/`;
    if (path.startsWith(prefix)) return true;
  }
  return false;
}

function matchesResourceRule(d: RequestDigest, r: ResourceRule): boolean {
  if (!contains(d.verb, r.verbs, "*")) return false;
  const rs = d.subresource ? `${d.resourceName}/${d.subresource}` : d.resourceName;
  if (!contains(rs, r.resources, "*")) return false;
  if (!contains(d.apiGroup, r.apiGroups, "*")) return false;
  if (d.namespace === "") return r.clusterScope === true;
  return contains(d.namespace, r.namespaces, "*");
}

export function matchesRules(d: RequestDigest, rules: PolicyRules): boolean {
  if (!(rules.subjects ?? []).some((s) => matchesSubject(d.user, s))) return false;
  if (d.resource) return (rules.resourceRules ?? []).some((r) => matchesResourceRule(d, r));
  return (rules.nonResourceRules ?? []).some(
    (r) => contains(d.verb, r.verbs, "*") && matchesNonResourceURL(r.nonResourceURLs, d.path),
  );
}

export function matchesFlowSchema(d: RequestDigest, spec: FlowSchemaSpec): boolean {
  return (spec.rules ?? []).some((r) => matchesRules(d, r));
}

/** computeFlowDistinguisher: the user's name or the request's namespace, or nothing. */
export function flowDistinguisher(d: RequestDigest, method: FlowSchemaSpec["distinguisherMethod"]): string {
  if (!method) return "";
  if (method.type === "ByUser") return d.user.username;
  if (method.type === "ByNamespace") return d.namespace;
  return "";
}

/** hashFlowID: the first 8 bytes, little-endian, of sha256(schema name, NUL, distinguisher). */
export function hashFlowID(fsName: string, distinguisher: string): bigint {
  const sum = createHash("sha256").update(fsName).update("\0").update(distinguisher).digest();
  return sum.readBigUInt64LE(0);
}

/**
 * The memo key of everything classification depends on. Requests with the same key land in the same schema,
 * so a server classifies each kind of request once per configuration.
 */
export function classificationKey(d: RequestDigest): string {
  return `${d.user.username}\u0000${d.user.groups.join("\u0001")}\u0000${requestShapeKey(d)}`;
}

/** The part of the memo key that is the request's, for a memo kept per user. */
export function requestShapeKey(d: RequestDigest): string {
  return d.resource
    ? `R\u0000${d.verb}\u0000${d.apiGroup}\u0000${d.resourceName}\u0000${d.subresource}\u0000${d.namespace}`
    : `N\u0000${d.verb}\u0000${d.path}`;
}
