import { isObj, type Obj } from "./util.ts";

// ServiceCIDRs and IPAddresses have no defaulters; decoding into their Go types still drops what their
// omitempty fields leave out and fills what metav1.Condition always writes.

/** metav1.Condition: reason and message are always written; a missing lastTransitionTime is Go's zero time. */
function decodeCondition(c: unknown): unknown {
  if (!isObj(c)) return c;
  return {
    type: c.type ?? "",
    status: c.status ?? "",
    ...(typeof c.observedGeneration === "number" && c.observedGeneration !== 0
      ? { observedGeneration: c.observedGeneration }
      : {}),
    lastTransitionTime: c.lastTransitionTime ?? null,
    reason: c.reason ?? "",
    message: c.message ?? "",
  };
}

export function defaultServiceCIDR(o: Obj): void {
  const spec = o.spec;
  if (isObj(spec) && Array.isArray(spec.cidrs) && spec.cidrs.length === 0) delete spec.cidrs;
  const status = o.status;
  if (isObj(status) && Array.isArray(status.conditions)) {
    if (status.conditions.length === 0) delete status.conditions;
    else status.conditions = status.conditions.map(decodeCondition);
  }
}

export function defaultIPAddress(o: Obj): void {
  const ref = isObj(o.spec) ? o.spec.parentRef : undefined;
  if (!isObj(ref)) return;
  for (const k of ["group", "resource", "namespace", "name"]) if (ref[k] === "" || ref[k] === null) delete ref[k];
}
