// flowcontrol.apiserver.k8s.io/v1 defaulting as kube-apiserver 1.35 decodes it (pkg/apis/flowcontrol/v1
// defaults.go): matchingPrecedence 1000, a limited level's 30 shares and 0 lendable percent, queuing 64/8/50,
// an exempt level's 0/0. Fields Go always writes (no omitempty) are filled with their zero value, and the
// empty lists and maps storage turns into nil are written as Go writes nil, so what is read back is what
// kube-apiserver serves.

import { isNil, isObj, type Obj, objAt } from "./util.ts";

/** A list without omitempty: an empty or missing one reads back as null. */
function nilList(o: Obj, k: string): void {
  if (!Array.isArray(o[k]) || (o[k] as unknown[]).length === 0) o[k] = null;
}

/** A list with omitempty: an empty one is left out. */
function omitEmptyList(o: Obj, k: string): void {
  if (o[k] === null || (Array.isArray(o[k]) && (o[k] as unknown[]).length === 0)) delete o[k];
}

function zeroString(o: Obj, k: string): void {
  if (isNil(o[k])) o[k] = "";
}

function struct(o: Obj, k: string): Obj {
  if (!isObj(o[k])) o[k] = {};
  return o[k] as Obj;
}

const objects = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

function conditions(status: Obj): void {
  omitEmptyList(status, "conditions");
  for (const c of objects(status.conditions))
    for (const k of ["type", "status", "lastTransitionTime", "reason", "message"])
      if (c[k] === "" || c[k] === null) delete c[k];
}

export function defaultFlowSchema(o: Obj): void {
  const spec = struct(o, "spec");
  zeroString(struct(spec, "priorityLevelConfiguration"), "name");
  if (isNil(spec.matchingPrecedence) || spec.matchingPrecedence === 0) spec.matchingPrecedence = 1000;
  const dm = objAt(spec, "distinguisherMethod");
  if (dm) zeroString(dm, "type");
  else delete spec.distinguisherMethod;
  omitEmptyList(spec, "rules");
  for (const rule of objects(spec.rules)) {
    nilList(rule, "subjects");
    for (const s of objects(rule.subjects)) {
      zeroString(s, "kind");
      for (const k of ["user", "group", "serviceAccount"]) {
        const sub = objAt(s, k);
        if (!sub) {
          delete s[k];
          continue;
        }
        zeroString(sub, "name");
        if (k === "serviceAccount") zeroString(sub, "namespace");
      }
    }
    omitEmptyList(rule, "resourceRules");
    for (const r of objects(rule.resourceRules)) {
      for (const k of ["verbs", "apiGroups", "resources", "namespaces"]) nilList(r, k);
      if (r.clusterScope !== true) delete r.clusterScope;
    }
    omitEmptyList(rule, "nonResourceRules");
    for (const r of objects(rule.nonResourceRules)) for (const k of ["verbs", "nonResourceURLs"]) nilList(r, k);
  }
  conditions(struct(o, "status"));
}

export function defaultPriorityLevelConfiguration(o: Obj): void {
  const spec = struct(o, "spec");
  zeroString(spec, "type");
  const limited = objAt(spec, "limited");
  if (limited) {
    if (isNil(limited.nominalConcurrencyShares)) limited.nominalConcurrencyShares = 30;
    if (isNil(limited.lendablePercent)) limited.lendablePercent = 0;
    if (limited.borrowingLimitPercent === null) delete limited.borrowingLimitPercent;
    const response = struct(limited, "limitResponse");
    zeroString(response, "type");
    const q = objAt(response, "queuing");
    if (q) {
      if (isNil(q.handSize) || q.handSize === 0) q.handSize = 8;
      if (isNil(q.queues) || q.queues === 0) q.queues = 64;
      if (isNil(q.queueLengthLimit) || q.queueLengthLimit === 0) q.queueLengthLimit = 50;
    } else delete response.queuing;
  } else delete spec.limited;
  const exempt = objAt(spec, "exempt");
  if (exempt) {
    if (isNil(exempt.nominalConcurrencyShares)) exempt.nominalConcurrencyShares = 0;
    if (isNil(exempt.lendablePercent)) exempt.lendablePercent = 0;
  } else delete spec.exempt;
  conditions(struct(o, "status"));
}
