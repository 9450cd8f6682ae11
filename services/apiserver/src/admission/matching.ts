import { labelSelectorAsSelector } from "../spec-validation/formats.ts";

// Which requests an admission webhook or policy applies to, as kube-apiserver 1.35 decides it
// (plugin/webhook/predicates and plugin/policy/matching): rules over group, version, resource/subresource,
// operation and scope; namespace and object label selectors; matchPolicy Equivalent through the resources
// evk serves under more than one group-version.

export type Obj = Record<string, unknown>;
export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** admission.Attributes: what is being done to what. */
export interface Attributes {
  resource: GroupVersionResource;
  subresource: string;
  kind: GroupVersionKind;
  /** For a namespace itself, its own name once it exists (kube's RequestInfo); "" for cluster-scoped kinds. */
  namespace: string;
  name: string;
  operation: Operation;
  object: Obj | undefined;
  oldObject: Obj | undefined;
  dryRun: boolean;
  /** CreateOptions, UpdateOptions or DeleteOptions, with kind and apiVersion. */
  options: Obj;
  userInfo: { username: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
}

export interface Rule {
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  operations?: string[];
  scope?: string;
  resourceNames?: string[];
}

const exactOrWildcard = (items: string[] | undefined, requested: string) =>
  (items ?? []).some((i) => i === "*" || i === requested);

/** rules.Matcher.Matches for `attr` seen as `resource` (the request's own or an equivalent one). */
export function ruleMatches(rule: Rule, attr: Attributes, resource = attr.resource): boolean {
  const isNamespace = resource.group === "" && resource.version === "v1" && resource.resource === "namespaces";
  const scope = rule.scope ?? "*";
  if (scope === "Namespaced" && (isNamespace || attr.namespace === "")) return false;
  if (scope === "Cluster" && !(isNamespace || attr.namespace === "")) return false;
  if (scope !== "*" && scope !== "Namespaced" && scope !== "Cluster") return false;
  if (!(rule.operations ?? []).some((op) => op === "*" || op === attr.operation)) return false;
  if (!exactOrWildcard(rule.apiGroups, resource.group)) return false;
  if (!exactOrWildcard(rule.apiVersions, resource.version)) return false;
  return (rule.resources ?? []).some((r) => {
    const slash = r.indexOf("/");
    const res = slash < 0 ? r : r.slice(0, slash);
    const sub = slash < 0 ? "" : r.slice(slash + 1);
    return (res === "*" || res === resource.resource) && (sub === "*" || sub === attr.subresource);
  });
}

/**
 * Resources stored once and served under several group-versions, and the kind each serves (kube's
 * EquivalentResourceMapper). Of evk's, only Events are: core v1 and events.k8s.io/v1.
 */
const EQUIVALENTS: { resource: GroupVersionResource; kind: GroupVersionKind }[][] = [
  [
    { resource: { group: "", version: "v1", resource: "events" }, kind: { group: "", version: "v1", kind: "Event" } },
    {
      resource: { group: "events.k8s.io", version: "v1", resource: "events" },
      kind: { group: "events.k8s.io", version: "v1", kind: "Event" },
    },
  ],
];

const sameGVR = (a: GroupVersionResource, b: GroupVersionResource) =>
  a.group === b.group && a.version === b.version && a.resource === b.resource;

/** The other group-versions of the request's resource, with their kinds (subresources have none in evk). */
export function equivalentsOf(attr: Attributes): { resource: GroupVersionResource; kind: GroupVersionKind }[] {
  if (attr.subresource) return [];
  const set = EQUIVALENTS.find((s) => s.some((e) => sameGVR(e.resource, attr.resource)));
  return set ? set.filter((e) => !sameGVR(e.resource, attr.resource)) : [];
}

/** A parsed label selector: undefined where kube's LabelSelectorAsSelector fails. */
export type ParsedSelector = { empty: boolean; matches(labels: unknown): boolean } | undefined;

export const parseSelector = (sel: unknown): ParsedSelector => labelSelectorAsSelector(sel ?? {});

const labelsOf = (o: Obj | undefined) => ((o?.metadata as Obj | undefined)?.labels ?? {}) as Record<string, string>;

/** object.Matcher: the object's or the old object's labels. */
export function objectSelectorMatches(sel: ParsedSelector, attr: Attributes): boolean {
  if (!sel || sel.empty) return true;
  return (
    (attr.object !== undefined && sel.matches(labelsOf(attr.object))) ||
    (attr.oldObject !== undefined && sel.matches(labelsOf(attr.oldObject)))
  );
}

/**
 * Whether the namespace selector applies at all: cluster-scoped requests other than namespaces are never
 * exempted, and an empty selector selects everything, so the namespace's labels are not needed.
 */
export function needsNamespaceLabels(sel: ParsedSelector, attr: Attributes): boolean {
  if (attr.namespace === "" && attr.resource.resource !== "namespaces") return false;
  return Boolean(sel && !sel.empty);
}

/**
 * The labels the namespace selector is matched against: a namespace being created or updated is judged by
 * its new labels (the stored ones are not there yet); anything else by its namespace's stored labels.
 */
export function namespaceLabelsFromRequest(attr: Attributes): Record<string, string> | undefined {
  if (
    attr.resource.group === "" &&
    attr.resource.resource === "namespaces" &&
    attr.subresource === "" &&
    (attr.operation === "CREATE" || attr.operation === "UPDATE")
  )
    return labelsOf(attr.object);
  return undefined;
}

/** The kinds webhooks never see: the admission configuration itself, so it can always be repaired. */
export function isExemptFromWebhooks(attr: Attributes): boolean {
  return (
    attr.kind.group === "admissionregistration.k8s.io" &&
    [
      "ValidatingWebhookConfiguration",
      "MutatingWebhookConfiguration",
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding",
      "MutatingAdmissionPolicy",
      "MutatingAdmissionPolicyBinding",
    ].includes(attr.kind.kind)
  );
}

/** The resource and kind a webhook is called with: the request's, or an equivalent one its rules name. */
export interface Invocation {
  resource: GroupVersionResource;
  kind: GroupVersionKind;
}

/** Which of a webhook's rules match (generic.Webhook.ShouldCallHook's rule part). */
export function webhookInvocation(
  rules: Rule[],
  matchPolicy: string | undefined,
  attr: Attributes,
): Invocation | undefined {
  for (const r of rules) if (ruleMatches(r, attr)) return { resource: attr.resource, kind: attr.kind };
  if (matchPolicy !== "Equivalent") return undefined;
  for (const r of rules)
    for (const e of equivalentsOf(attr))
      if (ruleMatches(r, attr, e.resource)) return { resource: e.resource, kind: e.kind };
  return undefined;
}

/** A policy's (or binding's) MatchResources, resolved: rules, exclusions and the names they are limited to. */
export interface MatchResources {
  matchPolicy?: string;
  resourceRules?: Rule[];
  excludeResourceRules?: Rule[];
}

function namedRulesMatch(rules: Rule[], matchPolicy: string | undefined, attr: Attributes): Invocation | undefined {
  const named = (r: Rule) => !r.resourceNames?.length || r.resourceNames.includes(attr.name);
  for (const r of rules) if (ruleMatches(r, attr) && named(r)) return { resource: attr.resource, kind: attr.kind };
  if (matchPolicy === undefined || matchPolicy === "Exact") return undefined;
  for (const r of rules)
    for (const e of equivalentsOf(attr))
      if (ruleMatches(r, attr, e.resource) && named(r)) return { resource: e.resource, kind: e.kind };
  return undefined;
}

/** matching.Matcher.Matches's resource part: excluded first, then (no rules: everything) the resource rules. */
export function resourcesMatch(m: MatchResources, attr: Attributes): Invocation | undefined {
  if (namedRulesMatch(m.excludeResourceRules ?? [], m.matchPolicy, attr)) return undefined;
  if (!m.resourceRules?.length) return { resource: attr.resource, kind: attr.kind };
  return namedRulesMatch(m.resourceRules, m.matchPolicy, attr);
}
