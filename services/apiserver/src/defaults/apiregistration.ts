// apiregistration.k8s.io/v1 defaulting as kube-apiserver 1.35 decodes it (kube-aggregator pkg/apis/
// apiregistration/v1 defaults.go): a service reference's port is 443. Fields Go leaves out when empty
// (omitempty) are left out, the two priorities (no omitempty) are always written.

import { isNil, isObj, type Obj, objAt } from "./util.ts";

/** kube-aggregator's NewLocalAvailableAPIServiceCondition message. */
export const LOCAL_AVAILABLE_MESSAGE = "Local APIServices are always available";

const dropEmpty = (o: Obj, k: string) => {
  if (o[k] === "" || o[k] === null || o[k] === false) delete o[k];
};

export function defaultAPIService(o: Obj): void {
  if (!isObj(o.spec)) o.spec = {};
  const spec = o.spec as Obj;
  const service = objAt(spec, "service");
  if (service) {
    if (isNil(service.port)) service.port = 443;
    dropEmpty(service, "namespace");
    dropEmpty(service, "name");
  } else delete spec.service;
  for (const k of ["group", "version", "insecureSkipTLSVerify", "caBundle"]) dropEmpty(spec, k);
  if (isNil(spec.groupPriorityMinimum)) spec.groupPriorityMinimum = 0;
  if (isNil(spec.versionPriority)) spec.versionPriority = 0;
  if (!isObj(o.status)) o.status = {};
  const status = o.status as Obj;
  if (!Array.isArray(status.conditions) || status.conditions.length === 0) delete status.conditions;
  for (const c of (status.conditions as unknown[] | undefined) ?? []) {
    if (!isObj(c)) continue;
    for (const k of ["lastTransitionTime", "reason", "message"]) dropEmpty(c, k);
    if (isNil(c.type)) c.type = "";
    if (isNil(c.status)) c.status = "";
  }
}

/**
 * The create strategy (PrepareForCreate): a new APIService starts without status, and one served locally is
 * Available at once.
 */
export function prepareAPIServiceForCreate(o: Obj, now: string): void {
  const spec = isObj(o.spec) ? o.spec : {};
  o.status = isObj(spec.service)
    ? {}
    : {
        conditions: [
          {
            type: "Available",
            status: "True",
            lastTransitionTime: now,
            reason: "Local",
            message: LOCAL_AVAILABLE_MESSAGE,
          },
        ],
      };
}
