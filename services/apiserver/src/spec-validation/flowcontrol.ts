import { mandatoryFlowSchema, mandatoryPriorityLevel } from "../flowcontrol/bootstrap.ts";
import {
  duplicate,
  type FieldError,
  forbidden,
  goJsonString,
  invalid,
  j,
  n,
  notSupported,
  q,
  raw,
  required,
} from "./field-errors.ts";
import {
  child,
  dns1123Label,
  dns1123Subdomain,
  index,
  isNil,
  isObj,
  list,
  num,
  type Obj,
  obj,
  objs,
  str,
} from "./formats.ts";

// flowcontrol.apiserver.k8s.io/v1 validation as kube-apiserver 1.35 runs it (pkg/apis/flowcontrol/validation):
// FlowSchemas (precedence, priority-level reference, rules and subjects), PriorityLevelConfigurations (type,
// limits, queuing and its shuffle-sharding entropy), the fixed specs of the mandatory objects, and conditions.

type Errs = FieldError[];

const SUPPORTED_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "proxy", "update", "watch"];
const SUBJECT_KINDS = ["Group", "ServiceAccount", "User"];
const DISTINGUISHERS = ["ByNamespace", "ByUser"];
const ENABLEMENTS = ["Exempt", "Limited"];
const LIMIT_RESPONSES = ["Queue", "Reject"];
const MAX_QUEUES = 10_000_000;
const MAX_HASH_BITS = 60;
const NS_INTRO = "each member of this list must be '*' or a DNS-1123 label; ";

const strings = (v: unknown): string[] => list(v).map(str);
const hasWildcard = (v: unknown) => strings(v).includes("*");
/** shufflesharding.RequiredEntropyBits. */
export const requiredEntropyBits = (deckSize: number, handSize: number) => Math.ceil(Math.log2(deckSize) * handSize);

// ---- Go's JSON of the internal types, which kube prints as the bad value of a whole spec -----------------

const gs = (v: unknown) => goJsonString(str(v));
const gstrings = (v: unknown) => (Array.isArray(v) ? `[${v.map(gs).join(",")}]` : "null");
const gint = (v: unknown) => String(num(v));
const gptr = (v: unknown) => (typeof v === "number" ? String(v) : "null");
const glist = (v: unknown, f: (o: Obj) => string) => (Array.isArray(v) ? `[${objs(v).map(f).join(",")}]` : "null");

function goSubject(s: Obj): string {
  const name = (v: unknown) => (isObj(v) ? `{"Name":${gs(v.name)}}` : "null");
  const sa = isObj(s.serviceAccount)
    ? `{"Namespace":${gs(s.serviceAccount.namespace)},"Name":${gs(s.serviceAccount.name)}}`
    : "null";
  return `{"Kind":${gs(s.kind)},"User":${name(s.user)},"Group":${name(s.group)},"ServiceAccount":${sa}}`;
}

/** The internal FlowSchemaSpec as Go's encoding/json writes it. */
export function goFlowSchemaSpec(spec: Obj): string {
  const dm = isObj(spec.distinguisherMethod) ? `{"Type":${gs(spec.distinguisherMethod.type)}}` : "null";
  const rules = glist(spec.rules, (r) => {
    const rr = glist(
      r.resourceRules,
      (x) =>
        `{"Verbs":${gstrings(x.verbs)},"APIGroups":${gstrings(x.apiGroups)},"Resources":${gstrings(x.resources)},"ClusterScope":${x.clusterScope === true},"Namespaces":${gstrings(x.namespaces)}}`,
    );
    const nr = glist(
      r.nonResourceRules,
      (x) => `{"Verbs":${gstrings(x.verbs)},"NonResourceURLs":${gstrings(x.nonResourceURLs)}}`,
    );
    return `{"Subjects":${glist(r.subjects, goSubject)},"ResourceRules":${rr},"NonResourceRules":${nr}}`;
  });
  return `{"PriorityLevelConfiguration":{"Name":${gs(obj(spec.priorityLevelConfiguration).name)}},"MatchingPrecedence":${gint(spec.matchingPrecedence)},"DistinguisherMethod":${dm},"Rules":${rules}}`;
}

/** The internal PriorityLevelConfigurationSpec as Go's encoding/json writes it. */
export function goPriorityLevelSpec(spec: Obj): string {
  let limited = "null";
  if (isObj(spec.limited)) {
    const l = spec.limited;
    const r = obj(l.limitResponse);
    const qc = isObj(r.queuing)
      ? `{"Queues":${gint(r.queuing.queues)},"HandSize":${gint(r.queuing.handSize)},"QueueLengthLimit":${gint(r.queuing.queueLengthLimit)}}`
      : "null";
    limited = `{"NominalConcurrencyShares":${gint(l.nominalConcurrencyShares)},"LimitResponse":{"Type":${gs(r.type)},"Queuing":${qc}},"LendablePercent":${gptr(l.lendablePercent)},"BorrowingLimitPercent":${gptr(l.borrowingLimitPercent)}}`;
  }
  const exempt = isObj(spec.exempt)
    ? `{"NominalConcurrencyShares":${gptr(spec.exempt.nominalConcurrencyShares)},"LendablePercent":${gptr(spec.exempt.lendablePercent)}}`
    : "null";
  return `{"Type":${gs(spec.type)},"Limited":${limited},"Exempt":${exempt}}`;
}

/**
 * apimachinery's Semantic.DeepEqual on decoded JSON: a nil list equals an empty one, and a field Go writes as
 * its zero value ("" or false) equals a missing one. Numbers are pointers in these specs: 0 is not nil.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  const nil = (v: unknown) =>
    v === undefined || v === null || v === "" || v === false || (Array.isArray(v) && v.length === 0);
  if (nil(a) && nil(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => semanticEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if (!semanticEqual(a[k], b[k])) return false;
    return true;
  }
  return a === b;
}

// ---- FlowSchema ----------------------------------------------------------------------------------------

function subjectProblems(s: Obj, p: string): Errs {
  const out: Errs = [];
  const named = (k: "user" | "group", what: string) => {
    const sub = s[k];
    if (isNil(sub)) return [required(child(p, k), `${k} is required when subject kind is '${what}'`)];
    return str(obj(sub).name) === "" ? [required(child(child(p, k), "name"))] : [];
  };
  const other = (k: string, kindName: string) =>
    isNil(s[k]) ? [] : [forbidden(child(p, k), `${k} is forbidden when subject kind is not '${kindName}'`)];
  switch (s.kind) {
    case "ServiceAccount": {
      const sa = s.serviceAccount;
      const sp = child(p, "serviceAccount");
      if (isNil(sa)) out.push(required(sp, "serviceAccount is required when subject kind is 'ServiceAccount'"));
      else {
        const name = str(obj(sa).name);
        const ns = str(obj(sa).namespace);
        if (name === "") out.push(required(child(sp, "name")));
        else if (name !== "*") for (const m of dns1123Subdomain(name)) out.push(invalid(child(sp, "name"), q(name), m));
        if (ns !== "") for (const m of dns1123Label(ns)) out.push(invalid(child(sp, "namespace"), q(ns), m));
        else out.push(required(child(sp, "namespace"), "must specify namespace for service account"));
      }
      out.push(...other("user", "User"), ...other("group", "Group"));
      break;
    }
    case "User":
      out.push(...named("user", "User"), ...other("serviceAccount", "ServiceAccount"), ...other("group", "Group"));
      break;
    case "Group":
      out.push(...named("group", "Group"), ...other("serviceAccount", "ServiceAccount"), ...other("user", "User"));
      break;
    default:
      out.push(notSupported(child(p, "kind"), j(str(s.kind)), SUBJECT_KINDS));
  }
  return out;
}

function verbProblems(verbs: unknown, p: string): Errs {
  const vs = strings(verbs);
  if (vs.length === 0) return [required(p, "verbs must contain at least one value")];
  if (hasWildcard(vs))
    return vs.length > 1 ? [invalid(p, j(verbs), "if '*' is present, must not specify other verbs")] : [];
  return vs.every((v) => SUPPORTED_VERBS.includes(v)) ? [] : [notSupported(p, j(verbs), SUPPORTED_VERBS)];
}

/** ValidateNonResourceURLPath. */
export function nonResourceURLProblem(path: string): string | undefined {
  if (path.length === 0) return "must not be empty";
  if (path === "/") return undefined;
  if (!path.startsWith("/")) return "must start with slash";
  if (path.includes(" ")) return "must not contain white-space";
  if (path.includes("//")) return "must not contain double slash";
  const wildcards = path.split("*").length - 1;
  if (wildcards > 1 || (wildcards === 1 && path.slice(-2) !== "/*")) return "wildcard can only do suffix matching";
  return undefined;
}

function resourceRuleProblems(r: Obj, p: string): Errs {
  const out = verbProblems(r.verbs, child(p, "verbs"));
  const groups = strings(r.apiGroups);
  if (groups.length === 0)
    out.push(required(child(p, "apiGroups"), "resource rules must supply at least one api group"));
  else if (groups.length > 1 && hasWildcard(groups))
    out.push(invalid(child(p, "apiGroups"), j(r.apiGroups), "if '*' is present, must not specify other api groups"));
  const resources = strings(r.resources);
  if (resources.length === 0)
    out.push(required(child(p, "resources"), "resource rules must supply at least one resource"));
  else if (resources.length > 1 && hasWildcard(resources))
    out.push(invalid(child(p, "resources"), j(r.resources), "if '*' is present, must not specify other resources"));
  const namespaces = strings(r.namespaces);
  if (namespaces.length === 0 && r.clusterScope !== true)
    out.push(
      required(child(p, "namespaces"), "resource rules that are not cluster scoped must supply at least one namespace"),
    );
  else if (hasWildcard(namespaces)) {
    if (namespaces.length > 1)
      out.push(
        invalid(child(p, "namespaces"), j(r.namespaces), "if '*' is present, must not specify other namespaces"),
      );
  } else
    namespaces.forEach((ns, i) => {
      for (const m of dns1123Label(ns)) out.push(invalid(index(child(p, "namespaces"), i), q(ns), NS_INTRO + m));
    });
  return out;
}

function nonResourceRuleProblems(r: Obj, p: string): Errs {
  const out = verbProblems(r.verbs, child(p, "verbs"));
  const urls = strings(r.nonResourceURLs);
  const up = child(p, "nonResourceURLs");
  if (urls.length === 0) out.push(required(up, "nonResourceURLs must contain at least one value"));
  else if (hasWildcard(urls)) {
    if (urls.length > 1)
      out.push(invalid(up, j(r.nonResourceURLs), "if '*' is present, must not specify other non-resource URLs"));
  } else
    urls.forEach((u, i) => {
      const m = nonResourceURLProblem(u);
      if (m) out.push(invalid(index(up, i), q(u), m));
    });
  return out;
}

export function flowSchemaSpecProblems(name: string, spec: Obj): Errs {
  const out: Errs = [];
  const mp = num(spec.matchingPrecedence);
  if (mp <= 0) out.push(invalid("spec.matchingPrecedence", n(mp), "must be a positive value"));
  if (mp > 10000) out.push(invalid("spec.matchingPrecedence", n(mp), "must not be greater than 10000"));
  if (mp === 1 && name !== "exempt")
    out.push(invalid("spec.matchingPrecedence", n(mp), "only the schema named 'exempt' may have matchingPrecedence 1"));
  if (isObj(spec.distinguisherMethod) && !DISTINGUISHERS.includes(str(spec.distinguisherMethod.type)))
    out.push(
      notSupported(
        "spec.distinguisherMethod.type",
        raw(`{"Type":${gs(spec.distinguisherMethod.type)}}`),
        DISTINGUISHERS,
      ),
    );
  const pl = str(obj(spec.priorityLevelConfiguration).name);
  if (pl.length > 0)
    for (const m of dns1123Subdomain(pl)) out.push(invalid("spec.priorityLevelConfiguration.name", q(pl), m));
  else out.push(required("spec.priorityLevelConfiguration.name", "must reference a priority level"));
  objs(spec.rules).forEach((rule, i) => {
    const p = `spec.rules[${i}]`;
    const subjects = objs(rule.subjects);
    if (subjects.length > 0)
      for (const [k, s] of subjects.entries()) out.push(...subjectProblems(s, `${p}.subjects[${k}]`));
    else out.push(required(`${p}.subjects`, "subjects must contain at least one value"));
    const rr = objs(rule.resourceRules);
    const nr = objs(rule.nonResourceRules);
    if (rr.length === 0 && nr.length === 0)
      out.push(required(p, "at least one of resourceRules and nonResourceRules has to be non-empty"));
    for (const [k, r] of rr.entries()) out.push(...resourceRuleProblems(r, `${p}.resourceRules[${k}]`));
    for (const [k, r] of nr.entries()) out.push(...nonResourceRuleProblems(r, `${p}.nonResourceRules[${k}]`));
  });
  return out;
}

function conditionProblems(status: Obj): Errs {
  const out: Errs = [];
  const seen = new Set<string>();
  objs(status.conditions).forEach((c, i) => {
    const p = `status.conditions[${i}]`;
    const type = str(c.type);
    if (seen.has(type)) out.push(duplicate(`${p}.type`, j(type)));
    seen.add(type);
    if (type === "") out.push(required(`${p}.type`));
  });
  return out;
}

export function flowSchemaProblems(o: Obj): Errs {
  const name = str(obj(o.metadata).name);
  const spec = obj(o.spec);
  const out = flowSchemaSpecProblems(name, spec);
  const mandatory = mandatoryFlowSchema(name);
  if (mandatory && !semanticEqual(spec, mandatory.spec))
    out.push(invalid("spec", raw(goFlowSchemaSpec(spec)), `spec of '${name}' must equal the fixed value`));
  out.push(...conditionProblems(obj(o.status)));
  return out;
}

// ---- PriorityLevelConfiguration ------------------------------------------------------------------------

function queuingProblems(qc: Obj, p: string): Errs {
  const out: Errs = [];
  const qll = num(qc.queueLengthLimit);
  const queues = num(qc.queues);
  const hand = num(qc.handSize);
  if (qll <= 0) out.push(invalid(`${p}.queueLengthLimit`, n(qll), "must be positive"));
  if (queues <= 0) out.push(invalid(`${p}.queues`, n(queues), "must be positive"));
  else if (queues > MAX_QUEUES) out.push(invalid(`${p}.queues`, n(queues), `must not be greater than ${MAX_QUEUES}`));
  if (hand <= 0) out.push(invalid(`${p}.handSize`, n(hand), "must be positive"));
  else if (hand > queues) out.push(invalid(`${p}.handSize`, n(hand), `should not be greater than queues (${queues})`));
  else if (requiredEntropyBits(queues, hand) > MAX_HASH_BITS)
    out.push(
      invalid(
        `${p}.handSize`,
        n(hand),
        `required entropy bits of deckSize ${queues} and handSize ${hand} should not be greater than ${MAX_HASH_BITS}`,
      ),
    );
  return out;
}

function limitedProblems(l: Obj): Errs {
  const p = "spec.limited";
  const out: Errs = [];
  const shares = num(l.nominalConcurrencyShares);
  if (shares < 0) out.push(invalid(`${p}.nominalConcurrencyShares`, n(shares), "must be a non-negative integer"));
  const r = obj(l.limitResponse);
  switch (r.type) {
    case "Reject":
      if (!isNil(r.queuing))
        out.push(forbidden(`${p}.limitResponse.queuing`, "must be nil if limited.limitResponse.type is not Limited"));
      break;
    case "Queue":
      if (isNil(r.queuing))
        out.push(required(`${p}.limitResponse.queuing`, "must not be empty if limited.limitResponse.type is Limited"));
      else out.push(...queuingProblems(obj(r.queuing), `${p}.limitResponse.queuing`));
      break;
    default:
      out.push(notSupported(`${p}.limitResponse.type`, j(str(r.type)), LIMIT_RESPONSES));
  }
  const lend = l.lendablePercent;
  if (typeof lend === "number" && !(lend >= 0 && lend <= 100))
    out.push(invalid(`${p}.lendablePercent`, n(lend), "must be between 0 and 100, inclusive"));
  const borrow = l.borrowingLimitPercent;
  if (typeof borrow === "number" && borrow < 0)
    out.push(invalid(`${p}.borrowingLimitPercent`, n(borrow), "if specified, must be a non-negative integer"));
  return out;
}

export function priorityLevelSpecProblems(name: string, spec: Obj): Errs {
  const out: Errs = [];
  const type = str(spec.type);
  if ((name === "exempt") !== (type === "Exempt"))
    out.push(invalid("spec.type", j(type), "must be 'Exempt' if and only if `name` is 'exempt'"));
  switch (type) {
    case "Exempt":
      if (!isNil(spec.limited)) out.push(forbidden("spec.limited", "must be nil if the type is not Limited"));
      if (isObj(spec.exempt)) {
        const e = spec.exempt;
        if (typeof e.nominalConcurrencyShares === "number" && e.nominalConcurrencyShares < 0)
          out.push(
            invalid(
              "spec.exempt.nominalConcurrencyShares",
              n(e.nominalConcurrencyShares),
              "must be a non-negative integer",
            ),
          );
        if (typeof e.lendablePercent === "number" && !(e.lendablePercent >= 0 && e.lendablePercent <= 100))
          out.push(
            invalid("spec.exempt.lendablePercent", n(e.lendablePercent), "must be between 0 and 100, inclusive"),
          );
      }
      break;
    case "Limited":
      if (!isNil(spec.exempt)) out.push(forbidden("spec.exempt", "must be nil if the type is Limited"));
      if (isNil(spec.limited)) out.push(required("spec.limited", "must not be empty when type is Limited"));
      else out.push(...limitedProblems(obj(spec.limited)));
      break;
    default:
      out.push(notSupported("spec.type", j(type), ENABLEMENTS));
  }
  return out;
}

export function priorityLevelProblems(o: Obj): Errs {
  const meta = obj(o.metadata);
  const name = str(meta.name);
  const spec = obj(o.spec);
  const out: Errs = [];
  if (Object.hasOwn(obj(meta.annotations), "flowcontrol.k8s.io/v1beta3-preserve-zero-concurrency-shares"))
    out.push(
      forbidden(
        "metadata.annotations",
        "annotation 'flowcontrol.k8s.io/v1beta3-preserve-zero-concurrency-shares' is forbidden",
      ),
    );
  out.push(...priorityLevelSpecProblems(name, spec));
  const mandatory = mandatoryPriorityLevel(name);
  if (mandatory) {
    // The exempt level's own limits are the administrator's to set; the rest is fixed.
    const have = name === "exempt" ? { ...spec, exempt: mandatory.spec.exempt } : spec;
    if (!semanticEqual(have, mandatory.spec))
      out.push(
        invalid(
          "spec",
          raw(goPriorityLevelSpec(spec)),
          name === "exempt"
            ? `spec of '${name}' except the 'spec.exempt' field must equal the fixed value`
            : `spec of '${name}' must equal the fixed value`,
        ),
      );
  }
  out.push(...conditionProblems(obj(o.status)));
  return out;
}

/** The /status strategies' checks: condition types present and not repeated. */
export function flowControlStatusProblems(status: Obj): Errs {
  return conditionProblems(status);
}
