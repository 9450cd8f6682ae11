import { formatQuantity, signOf } from "@evk/kube";
import { type FieldError, forbidden, invalid, n, notSupported, q, required } from "./field-errors.ts";
import { isNil, isObj, type Obj, obj, objs, pathSegmentName, str, validateDNS1123Label } from "./formats.ts";
import { validateContainerResourceName } from "./pod.ts";

// kube-apiserver 1.35's validation of a HorizontalPodAutoscaler's metrics and scaling behavior
// (pkg/apis/autoscaling/validation: validateMetrics, validateBehavior), on the autoscaling/v2 form evk
// stores, whose field paths are the internal version's. autoscaling/v1 objects are converted to it first,
// so a bad targetCPUUtilizationPercentage is reported at spec.metrics[0].resource.target.averageUtilization,
// as kube reports it.

type Errs = FieldError[];

const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
const MAX_PERIOD_SECONDS = 1800;
const METRIC_SOURCE_TYPES = ["ContainerResource", "External", "Object", "Pods", "Resource"];
const SELECT_POLICIES = ["Disabled", "Max", "Min"];
const POLICY_TYPES = ["Percent", "Pods"];

/** ValidateAPIVersion of a CrossVersionObjectReference: why its apiVersion is refused, if it is. */
export function apiVersionProblem(apiVersion: string, allowEmptyGroup: boolean): string | undefined {
  if (apiVersion === "" || apiVersion === "/") return allowEmptyGroup ? undefined : "apiVersion must specify API group";
  const slashes = apiVersion.split("/").length - 1;
  if (slashes > 1) return `unexpected GroupVersion string: ${apiVersion}`;
  const group = slashes === 0 ? "" : apiVersion.slice(0, apiVersion.indexOf("/"));
  return !allowEmptyGroup && group === "" ? "apiVersion must specify API group" : undefined;
}

export interface ReferenceOptions {
  allowEmptyGroup: boolean;
  allowInvalidAPIVersion: boolean;
}

/** ValidateCrossVersionObjectReference. */
export function validateReference(ref: Obj, path: string, opts: ReferenceOptions): Errs {
  const out: Errs = [];
  for (const f of ["kind", "name"]) {
    const v = str(ref[f]);
    if (!v) out.push(required(`${path}.${f}`));
    else out.push(...pathSegmentName(v).map((m) => invalid(`${path}.${f}`, q(v), m)));
  }
  const why = opts.allowInvalidAPIVersion ? undefined : apiVersionProblem(str(ref.apiVersion), opts.allowEmptyGroup);
  if (why) out.push(invalid(`${path}.apiVersion`, q(str(ref.apiVersion)), why));
  return out;
}

function validateMetricTarget(t: Obj, path: string): Errs {
  const out: Errs = [];
  const type = str(t.type);
  if (!type) out.push(required(`${path}.type`, "must specify a metric target type"));
  if (type !== "Utilization" && type !== "Value" && type !== "AverageValue")
    out.push(invalid(`${path}.type`, q(type), "must be either Utilization, Value, or AverageValue"));
  for (const k of ["value", "averageValue"])
    if (!isNil(t[k]) && signOf(t[k]) !== 1)
      out.push(invalid(`${path}.${k}`, q(formatQuantity(t[k])), "must be positive"));
  if (typeof t.averageUtilization === "number" && t.averageUtilization < 1)
    out.push(invalid(`${path}.averageUtilization`, n(t.averageUtilization), "must be greater than 0"));
  return out;
}

function validateMetricIdentifier(id: Obj, path: string): Errs {
  const name = str(id.name);
  if (!name) return [required(`${path}.name`, "must specify a metric name")];
  return pathSegmentName(name).map((m) => invalid(`${path}.name`, q(name), m));
}

function validateSource(kind: string, src: Obj, path: string, refOpts: ReferenceOptions): Errs {
  const out: Errs = [];
  const t = obj(src.target);
  switch (kind) {
    case "object":
      out.push(...validateReference(obj(src.describedObject), `${path}.describedObject`, refOpts));
      out.push(...validateMetricIdentifier(obj(src.metric), `${path}.metric`));
      out.push(...validateMetricTarget(t, `${path}.target`));
      if (isNil(t.value) && isNil(t.averageValue))
        out.push(required(`${path}.target.averageValue`, "must set either a target value or averageValue"));
      break;
    case "external":
      out.push(...validateMetricIdentifier(obj(src.metric), `${path}.metric`));
      out.push(...validateMetricTarget(t, `${path}.target`));
      if (isNil(t.value) && isNil(t.averageValue))
        out.push(
          required(`${path}.target.averageValue`, "must set either a target value for metric or a per-pod target"),
        );
      if (!isNil(t.value) && !isNil(t.averageValue))
        out.push(forbidden(`${path}.target.value`, "may not set both a target value for metric and a per-pod target"));
      break;
    case "pods":
      out.push(...validateMetricIdentifier(obj(src.metric), `${path}.metric`));
      out.push(...validateMetricTarget(t, `${path}.target`));
      if (isNil(t.averageValue))
        out.push(required(`${path}.target.averageValue`, "must specify a positive target averageValue"));
      break;
    case "resource":
    case "containerResource": {
      const name = str(src.name);
      if (!name) out.push(required(`${path}.name`, "must specify a resource name"));
      else if (kind === "containerResource") out.push(...validateContainerResourceName(name, `${path}.name`));
      if (kind === "containerResource") {
        const container = str(src.container);
        if (!container) out.push(required(`${path}.container`, "must specify a container"));
        else out.push(...validateDNS1123Label(container, `${path}.container`));
      }
      out.push(...validateMetricTarget(t, `${path}.target`));
      if (isNil(t.averageUtilization) && isNil(t.averageValue))
        out.push(
          required(`${path}.target.averageUtilization`, "must set either a target raw value or a target utilization"),
        );
      if (!isNil(t.averageUtilization) && !isNil(t.averageValue))
        out.push(
          forbidden(`${path}.target.averageValue`, "may not set both a target raw value and a target utilization"),
        );
      break;
    }
  }
  return out;
}

/** The sources a metric may carry, in the order kube looks at them. */
const SOURCES = ["object", "external", "pods", "resource", "containerResource"];
const SOURCE_OF_TYPE: Record<string, string> = {
  Object: "object",
  Pods: "pods",
  Resource: "resource",
  External: "external",
  ContainerResource: "containerResource",
};

function validateMetricSpec(m: Obj, path: string, refOpts: ReferenceOptions): Errs {
  const out: Errs = [];
  const type = str(m.type);
  if (!type) out.push(required(`${path}.type`, "must specify a metric source type"));
  const known = type in SOURCE_OF_TYPE;
  // kube reports an unknown type twice, and its error list keeps one of equal errors.
  if (!known) out.push(notSupported(`${path}.type`, q(type), METRIC_SOURCE_TYPES));
  const present = SOURCES.filter((s) => isObj(m[s]));
  const first = present[0];
  if (first) out.push(...validateSource(first, obj(m[first]), `${path}.${first}`, refOpts));
  const expected = SOURCE_OF_TYPE[type];
  if (expected && !isObj(m[expected]))
    out.push(required(`${path}.${expected}`, "must populate information for the given metric source"));
  // Go walks a set here, in no fixed order; evk reports them sorted.
  if (present.length !== 1)
    for (const s of present.filter((x) => x !== expected).sort())
      out.push(forbidden(`${path}.${s}`, "must populate the given metric source only"));
  return out;
}

/** validateMetrics. */
export function validateMetrics(spec: Obj, refOpts: ReferenceOptions): Errs {
  const out: Errs = [];
  const metrics = objs(spec.metrics);
  metrics.forEach((m, i) => {
    out.push(...validateMetricSpec(m, `spec.metrics[${i}]`, refOpts));
  });
  const external = metrics.some((m) => m.type === "Object" || m.type === "External");
  if (spec.minReplicas === 0 && !external)
    out.push(
      forbidden(
        "spec.metrics",
        "must specify at least one Object or External metric to support scaling to zero replicas",
      ),
    );
  return out;
}

function validateScalingRules(rules: unknown, path: string): Errs {
  if (!isObj(rules)) return [];
  const out: Errs = [];
  const window = rules.stabilizationWindowSeconds;
  if (typeof window === "number" && window < 0)
    out.push(invalid(`${path}.stabilizationWindowSeconds`, n(window), "must be greater than or equal to zero"));
  if (typeof window === "number" && window > MAX_STABILIZATION_WINDOW_SECONDS)
    out.push(
      invalid(
        `${path}.stabilizationWindowSeconds`,
        n(window),
        `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`,
      ),
    );
  if (!isNil(rules.selectPolicy) && !SELECT_POLICIES.includes(str(rules.selectPolicy)))
    out.push(notSupported(`${path}.selectPolicy`, q(str(rules.selectPolicy)), SELECT_POLICIES));
  const policies = objs(rules.policies);
  if (policies.length === 0) out.push(required(`${path}.policies`, "must specify at least one Policy"));
  policies.forEach((p, i) => {
    const at = `${path}.policies[${i}]`;
    if (!POLICY_TYPES.includes(str(p.type))) out.push(notSupported(`${at}.type`, q(str(p.type)), POLICY_TYPES));
    const value = typeof p.value === "number" ? p.value : 0;
    if (value <= 0) out.push(invalid(`${at}.value`, n(value), "must be greater than zero"));
    const period = typeof p.periodSeconds === "number" ? p.periodSeconds : 0;
    if (period <= 0) out.push(invalid(`${at}.periodSeconds`, n(period), "must be greater than zero"));
    if (period > MAX_PERIOD_SECONDS)
      out.push(invalid(`${at}.periodSeconds`, n(period), `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
  if (!isNil(rules.tolerance) && signOf(rules.tolerance) < 0)
    out.push(invalid(`${path}.tolerance`, q(formatQuantity(rules.tolerance)), "must be greater than or equal to 0"));
  return out;
}

/** validateBehavior. */
export function validateBehavior(spec: Obj): Errs {
  const b = spec.behavior;
  if (!isObj(b)) return [];
  return [
    ...validateScalingRules(b.scaleUp, "spec.behavior.scaleUp"),
    ...validateScalingRules(b.scaleDown, "spec.behavior.scaleDown"),
  ];
}

/**
 * The options kube's strategy validates object metrics' references with: an empty API group is fine, and an
 * update of an autoscaler whose object metrics were already invalid does not judge their apiVersion again.
 */
export function objectMetricOptions(old: Obj | undefined): ReferenceOptions {
  const opts = { allowEmptyGroup: true, allowInvalidAPIVersion: false };
  if (!old) return opts;
  for (const m of objs(obj(old.spec).metrics))
    if (
      m.type === "Object" &&
      isObj(m.object) &&
      apiVersionProblem(str(obj(m.object.describedObject).apiVersion), true)
    ) {
      opts.allowInvalidAPIVersion = true;
      break;
    }
  return opts;
}
