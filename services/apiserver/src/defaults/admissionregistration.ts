// admissionregistration.k8s.io/v1 defaulting as kube-apiserver 1.35 decodes it (pkg/apis/admissionregistration/v1
// defaults.go and its generated SetObjectDefaults_*): webhooks get their failure, match and reinvocation policies,
// empty selectors and a 10 s timeout; rules get scope "*"; service references port 443; policies Fail.

import { isNil, isObj, listAt, type Obj, objAt } from "./util.ts";

function defaultRule(rule: Obj): void {
  if (isNil(rule.scope)) rule.scope = "*";
}

function defaultWebhook(hook: Obj, mutating: boolean): void {
  if (isNil(hook.failurePolicy)) hook.failurePolicy = "Fail";
  if (isNil(hook.matchPolicy)) hook.matchPolicy = "Equivalent";
  if (isNil(hook.namespaceSelector)) hook.namespaceSelector = {};
  if (isNil(hook.objectSelector)) hook.objectSelector = {};
  if (isNil(hook.timeoutSeconds)) hook.timeoutSeconds = 10;
  if (mutating && isNil(hook.reinvocationPolicy)) hook.reinvocationPolicy = "Never";
  const service = objAt(objAt(hook, "clientConfig"), "service");
  if (service && isNil(service.port)) service.port = 443;
  for (const rule of listAt(hook, "rules")) defaultRule(rule);
}

function defaultMatchResources(m: Obj | undefined): void {
  if (!m) return;
  if (isNil(m.matchPolicy)) m.matchPolicy = "Equivalent";
  if (isNil(m.namespaceSelector)) m.namespaceSelector = {};
  if (isNil(m.objectSelector)) m.objectSelector = {};
  for (const rule of listAt(m, "resourceRules")) defaultRule(rule);
  for (const rule of listAt(m, "excludeResourceRules")) defaultRule(rule);
}

export function defaultMutatingWebhookConfiguration(o: Obj): void {
  for (const hook of listAt(o, "webhooks")) defaultWebhook(hook, true);
}

export function defaultValidatingWebhookConfiguration(o: Obj): void {
  for (const hook of listAt(o, "webhooks")) defaultWebhook(hook, false);
}

export function defaultValidatingAdmissionPolicy(o: Obj): void {
  // The spec is a struct: decoding gives it even when the body had none.
  if (!isObj(o.spec)) o.spec = {};
  const spec = o.spec as Obj;
  if (isNil(spec.failurePolicy)) spec.failurePolicy = "Fail";
  defaultMatchResources(objAt(spec, "matchConstraints"));
}

export function defaultValidatingAdmissionPolicyBinding(o: Obj): void {
  if (!isObj(o.spec)) o.spec = {};
  defaultMatchResources(objAt(o.spec as Obj, "matchResources"));
}
