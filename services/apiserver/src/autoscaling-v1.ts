import { canonicalQuantity, type KubeObject, quantitySyntaxError } from "@evk/kube";

// autoscaling/v1 HorizontalPodAutoscalers over the autoscaling/v2 objects kube stores, converted as kube
// converts them (pkg/apis/autoscaling/v1/conversion.go through the internal version): v1 has one metric,
// targetCPUUtilizationPercentage; everything else v2 says (the other metrics, the current metrics, the
// conditions, the scaling behavior) rides in autoscaling.alpha.kubernetes.io/* annotations, JSON written
// exactly as Go's encoding/json writes kube's structs, so that a v1 client's update carries it back.

type Obj = Record<string, unknown>;

const METRICS = "autoscaling.alpha.kubernetes.io/metrics";
const CURRENT_METRICS = "autoscaling.alpha.kubernetes.io/current-metrics";
const CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions";
const BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior";
/** Every annotation v1 round-trips through; v2 and the internal version carry none of them. */
export const ROUND_TRIP_ANNOTATIONS = [
  METRICS,
  BEHAVIOR,
  "autoscaling.alpha.kubernetes.io/scale-down-tolerance",
  "autoscaling.alpha.kubernetes.io/scale-up-tolerance",
  CURRENT_METRICS,
  CONDITIONS,
];

/** The CPU utilization v1 assumes when no metric is given (autoscaling.DefaultCPUUtilization). */
const DEFAULT_CPU_UTILIZATION = 80;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const present = (v: unknown) => v !== undefined && v !== null;
/** Keys whose values are absent are left out, as Go's omitempty leaves out nil pointers. */
const compact = (o: Obj): Obj => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
/** A resource.Quantity value (not a pointer): its zero value is written "0". */
const quantity = (v: unknown): unknown => (present(v) ? canonicalQuantity(v) : "0");
const optQuantity = (v: unknown): unknown => (present(v) ? canonicalQuantity(v) : undefined);
const opt = (v: unknown): unknown => (present(v) ? v : undefined);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

const isCpuUtilization = (m: Obj) =>
  m.type === "Resource" &&
  isObj(m.resource) &&
  m.resource.name === "cpu" &&
  present(obj(m.resource.target).averageUtilization);

// ---- v2 → v1 --------------------------------------------------------------------------------------------

/** A CrossVersionObjectReference in v1's field order (apiVersion omitted when empty). */
const ref = (r: unknown): Obj => {
  const o = obj(r);
  return compact({ kind: str(o.kind), name: str(o.name), apiVersion: o.apiVersion ? o.apiVersion : undefined });
};

/** A LabelSelector as encoding/json writes it. */
function selector(v: unknown): Obj | undefined {
  if (!isObj(v)) return undefined;
  const labels = isObj(v.matchLabels) && Object.keys(v.matchLabels).length ? v.matchLabels : undefined;
  const exprs = Array.isArray(v.matchExpressions) && v.matchExpressions.length ? v.matchExpressions : undefined;
  return compact({
    matchLabels: labels ? Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))) : undefined,
    matchExpressions: exprs?.map((e) => {
      const x = obj(e);
      return compact({
        key: str(x.key),
        operator: str(x.operator),
        values: Array.isArray(x.values) && x.values.length ? x.values : undefined,
      });
    }),
  });
}

/**
 * The two sides of a v2 metric as v1 writes them: a MetricSpec's target and a MetricStatus's current value,
 * named `target…` and `current…` in v1. `value`: how each v1 number is written, a Quantity value (written "0"
 * when zero) or a pointer (left out when nil), which differs between the two.
 */
const SIDES = {
  spec: { v2: "target", v1: "target", resourceAverage: optQuantity, externalValue: optQuantity },
  status: { v2: "current", v1: "current", resourceAverage: quantity, externalValue: quantity },
} as const;

function metricToV1(m: Obj, side: (typeof SIDES)[keyof typeof SIDES]): Obj {
  const out: Obj = { type: str(m.type) };
  const values = (source: Obj) => obj(source[side.v2]);
  if (isObj(m.object)) {
    const v = values(m.object);
    const metric = obj(m.object.metric);
    out.object = compact({
      target: ref(m.object.describedObject),
      metricName: str(metric.name),
      [`${side.v1}Value`]: quantity(v.value),
      selector: selector(metric.selector),
      averageValue: optQuantity(v.averageValue),
    });
  }
  if (isObj(m.pods)) {
    const metric = obj(m.pods.metric);
    out.pods = compact({
      metricName: str(metric.name),
      [`${side.v1}AverageValue`]: quantity(values(m.pods).averageValue),
      selector: selector(metric.selector),
    });
  }
  for (const key of ["resource", "containerResource"]) {
    const r = m[key];
    if (!isObj(r)) continue;
    const v = values(r);
    out[key] = compact({
      name: str(r.name),
      [`${side.v1}AverageUtilization`]: opt(v.averageUtilization),
      [`${side.v1}AverageValue`]: side.resourceAverage(v.averageValue),
      container: key === "containerResource" ? str(r.container) : undefined,
    });
  }
  if (isObj(m.external)) {
    const v = values(m.external);
    const metric = obj(m.external.metric);
    out.external = compact({
      metricName: str(metric.name),
      metricSelector: selector(metric.selector),
      [`${side.v1}Value`]: side.externalValue(v.value),
      [`${side.v1}AverageValue`]: optQuantity(v.averageValue),
    });
  }
  return out;
}

/** A condition as v1 writes it: metav1.Time is a struct, so a missing lastTransitionTime is written null. */
const conditionToV1 = (c: Obj): Obj =>
  compact({
    type: str(c.type),
    status: str(c.status),
    lastTransitionTime: present(c.lastTransitionTime) ? c.lastTransitionTime : null,
    reason: c.reason ? c.reason : undefined,
    message: c.message ? c.message : undefined,
  });

/** The internal HorizontalPodAutoscalerBehavior has no JSON tags: Go writes its field names, and nil as null. */
function behaviorToInternalJson(b: Obj): Obj {
  const rules = (v: unknown) => {
    if (!isObj(v)) return null;
    return {
      StabilizationWindowSeconds: present(v.stabilizationWindowSeconds) ? v.stabilizationWindowSeconds : null,
      SelectPolicy: present(v.selectPolicy) ? v.selectPolicy : null,
      Policies: Array.isArray(v.policies)
        ? v.policies.map((p) => ({
            Type: str(obj(p).type),
            Value: obj(p).value ?? 0,
            PeriodSeconds: obj(p).periodSeconds ?? 0,
          }))
        : null,
      Tolerance: present(v.tolerance) ? canonicalQuantity(v.tolerance) : null,
    };
  };
  return { ScaleUp: rules(b.scaleUp), ScaleDown: rules(b.scaleDown) };
}

function withoutRoundTrip(annotations: unknown): Record<string, string> | undefined {
  if (!isObj(annotations)) return undefined;
  if (!ROUND_TRIP_ANNOTATIONS.some((k) => k in annotations)) return annotations as Record<string, string>;
  const out = { ...annotations } as Record<string, string>;
  for (const k of ROUND_TRIP_ANNOTATIONS) delete out[k];
  return out;
}

/** `o` converted to `apiVersion` with these annotations; with none, without the key (Go's omitempty). */
function withAnnotations(o: KubeObject, apiVersion: string, annotations: Record<string, string> | undefined) {
  const metadata = { ...o.metadata };
  if (annotations && Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;
  return { ...o, apiVersion, metadata } as KubeObject;
}

const sortedKeys = (m: Record<string, string>) =>
  Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** A stored autoscaling/v2 HorizontalPodAutoscaler as autoscaling/v1 serves it. */
export function hpaV2ToV1(o: KubeObject): KubeObject {
  const spec = obj(o.spec);
  const status = obj(o.status);
  const metrics = Array.isArray(spec.metrics) ? (spec.metrics as unknown[]).map(obj) : [];
  const currentMetrics = Array.isArray(status.currentMetrics) ? (status.currentMetrics as unknown[]).map(obj) : [];
  const conditions = Array.isArray(status.conditions) ? (status.conditions as unknown[]).map(obj) : [];
  const cpu = metrics.find(isCpuUtilization);
  // No break in kube's loop: the last CPU utilization reported wins.
  let currentCpu: unknown;
  for (const m of currentMetrics)
    if (m.type === "Resource" && isObj(m.resource) && m.resource.name === "cpu") {
      const u = obj(m.resource.current).averageUtilization;
      if (present(u)) currentCpu = u;
    }

  const annotations = { ...(withoutRoundTrip(o.metadata.annotations) ?? {}) };
  const others = metrics.filter((m) => !isCpuUtilization(m));
  if (others.length) annotations[METRICS] = JSON.stringify(others.map((m) => metricToV1(m, SIDES.spec)));
  if (currentMetrics.length)
    annotations[CURRENT_METRICS] = JSON.stringify(currentMetrics.map((m) => metricToV1(m, SIDES.status)));
  if (isObj(spec.behavior)) annotations[BEHAVIOR] = JSON.stringify(behaviorToInternalJson(spec.behavior));
  if (conditions.length) annotations[CONDITIONS] = JSON.stringify(conditions.map(conditionToV1));
  const out = withAnnotations(o, "autoscaling/v1", sortedKeys(annotations));
  out.spec = compact({
    scaleTargetRef: ref(spec.scaleTargetRef),
    minReplicas: opt(spec.minReplicas),
    maxReplicas: spec.maxReplicas ?? 0,
    targetCPUUtilizationPercentage: cpu ? obj(obj(cpu.resource).target).averageUtilization : undefined,
  });
  out.status = compact({
    observedGeneration: opt(status.observedGeneration),
    lastScaleTime: opt(status.lastScaleTime),
    currentReplicas: status.currentReplicas ?? 0,
    desiredReplicas: status.desiredReplicas ?? 0,
    currentCPUUtilizationPercentage: currentCpu,
  });
  return out;
}

// ---- v1 → v2 --------------------------------------------------------------------------------------------
// The annotations are read with encoding/json's rules: field names match case-insensitively, unknown fields
// are skipped, and a value of the wrong type fails the whole annotation, which is then ignored.

class TypeMismatch extends Error {}

/** The value of `field` in a decoded Go struct: the last key that matches it case-insensitively. */
function goField(o: Obj, field: string): unknown {
  let v: unknown;
  const f = field.toLowerCase();
  for (const [k, x] of Object.entries(o)) if (k.toLowerCase() === f) v = x;
  return v;
}

const asObj = (v: unknown): Obj | undefined => {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new TypeMismatch();
  return v;
};
const asList = (v: unknown): unknown[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new TypeMismatch();
  return v;
};
const asStr = (v: unknown): string => {
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw new TypeMismatch();
  return v;
};
const asInt = (v: unknown, bits = 32): number | undefined => {
  if (v === undefined || v === null) return undefined;
  const limit = 2 ** (bits - 1);
  if (typeof v !== "number" || !Number.isInteger(v) || v < -limit || v >= limit) throw new TypeMismatch();
  return v;
};
const asQuantity = (v: unknown): unknown => {
  if (v === undefined || v === null) return undefined;
  if ((typeof v !== "string" && typeof v !== "number") || quantitySyntaxError(String(v).trim()) !== undefined)
    throw new TypeMismatch();
  return canonicalQuantity(v);
};
const asStringMap = (v: unknown): Obj | undefined => {
  const o = asObj(v);
  if (o) for (const x of Object.values(o)) if (x !== null) asStr(x);
  return o;
};
function asSelector(v: unknown): Obj | undefined {
  const o = asObj(v);
  if (!o) return undefined;
  const labels = asStringMap(goField(o, "matchLabels"));
  const exprs = asList(goField(o, "matchExpressions")).map((e) => {
    const x = asObj(e) ?? {};
    const values = asList(goField(x, "values")).map(asStr);
    return compact({
      key: asStr(goField(x, "key")),
      operator: asStr(goField(x, "operator")),
      values: values.length ? values : undefined,
    });
  });
  return compact({
    matchLabels: labels && Object.keys(labels).length ? labels : undefined,
    matchExpressions: exprs.length ? exprs : undefined,
  });
}
const asRef = (v: unknown): Obj => {
  const o = asObj(v) ?? {};
  const apiVersion = asStr(goField(o, "apiVersion"));
  return compact({
    kind: asStr(goField(o, "kind")),
    name: asStr(goField(o, "name")),
    apiVersion: apiVersion || undefined,
  });
};
const metricId = (name: string, sel: Obj | undefined) => compact({ name, selector: sel });
const target = (type: string, value: unknown, averageValue: unknown, averageUtilization?: unknown) =>
  compact({ type, value, averageValue, averageUtilization });

/** A v1 MetricSpec (from the metrics annotation) as v2 has it. */
function metricSpecFromV1(raw: unknown): Obj {
  const m = asObj(raw) ?? {};
  const out: Obj = { type: asStr(goField(m, "type")) };
  const object = asObj(goField(m, "object"));
  if (object) {
    const averageValue = asQuantity(goField(object, "averageValue"));
    out.object = {
      describedObject: asRef(goField(object, "target")),
      target: target(
        averageValue === undefined ? "Value" : "AverageValue",
        asQuantity(goField(object, "targetValue")) ?? "0",
        averageValue,
      ),
      metric: metricId(asStr(goField(object, "metricName")), asSelector(goField(object, "selector"))),
    };
  }
  const pods = asObj(goField(m, "pods"));
  if (pods)
    out.pods = {
      metric: metricId(asStr(goField(pods, "metricName")), asSelector(goField(pods, "selector"))),
      target: target("AverageValue", undefined, asQuantity(goField(pods, "targetAverageValue")) ?? "0"),
    };
  for (const key of ["resource", "containerResource"]) {
    const r = asObj(goField(m, key));
    if (!r) continue;
    const utilization = asInt(goField(r, "targetAverageUtilization"));
    const container = key === "containerResource" ? asStr(goField(r, "container")) : undefined;
    out[key] = compact({
      name: asStr(goField(r, "name")),
      target: target(
        utilization === undefined ? "AverageValue" : "Utilization",
        undefined,
        asQuantity(goField(r, "targetAverageValue")),
        utilization,
      ),
      container,
    });
  }
  const external = asObj(goField(m, "external"));
  if (external) {
    const value = asQuantity(goField(external, "targetValue"));
    out.external = {
      metric: metricId(asStr(goField(external, "metricName")), asSelector(goField(external, "metricSelector"))),
      target: target(
        value === undefined ? "AverageValue" : "Value",
        value,
        asQuantity(goField(external, "targetAverageValue")),
      ),
    };
  }
  return out;
}

const current = (value: unknown, averageValue: unknown, averageUtilization?: unknown) =>
  compact({ value, averageValue, averageUtilization });

/** A v1 MetricStatus (from the current-metrics annotation) as v2 has it. */
function metricStatusFromV1(raw: unknown): Obj {
  const m = asObj(raw) ?? {};
  const out: Obj = { type: asStr(goField(m, "type")) };
  const object = asObj(goField(m, "object"));
  if (object)
    out.object = {
      describedObject: asRef(goField(object, "target")),
      current: current(asQuantity(goField(object, "currentValue")) ?? "0", asQuantity(goField(object, "averageValue"))),
      metric: metricId(asStr(goField(object, "metricName")), asSelector(goField(object, "selector"))),
    };
  const pods = asObj(goField(m, "pods"));
  if (pods)
    out.pods = {
      metric: metricId(asStr(goField(pods, "metricName")), asSelector(goField(pods, "selector"))),
      current: current(undefined, asQuantity(goField(pods, "currentAverageValue")) ?? "0"),
    };
  for (const key of ["resource", "containerResource"]) {
    const r = asObj(goField(m, key));
    if (!r) continue;
    out[key] = compact({
      name: asStr(goField(r, "name")),
      current: current(
        undefined,
        asQuantity(goField(r, "currentAverageValue")) ?? "0",
        asInt(goField(r, "currentAverageUtilization")),
      ),
      container: key === "containerResource" ? asStr(goField(r, "container")) : undefined,
    });
  }
  const external = asObj(goField(m, "external"));
  if (external)
    out.external = {
      metric: metricId(asStr(goField(external, "metricName")), asSelector(goField(external, "metricSelector"))),
      current: current(
        asQuantity(goField(external, "currentValue")) ?? "0",
        asQuantity(goField(external, "currentAverageValue")),
      ),
    };
  return out;
}

function conditionFromV1(raw: unknown): Obj {
  const c = asObj(raw) ?? {};
  const time = goField(c, "lastTransitionTime");
  if (time !== undefined && time !== null && typeof time !== "string") throw new TypeMismatch();
  return compact({
    type: asStr(goField(c, "type")),
    status: asStr(goField(c, "status")),
    lastTransitionTime: time ?? undefined,
    reason: asStr(goField(c, "reason")) || undefined,
    message: asStr(goField(c, "message")) || undefined,
  });
}

/** The behavior annotation: the internal struct's JSON, back to v2's field names. */
function behaviorFromInternalJson(raw: unknown): Obj | undefined {
  const b = asObj(raw);
  if (!b) return undefined;
  const rules = (v: unknown): Obj | undefined => {
    const r = asObj(v);
    if (!r) return undefined;
    const policies = goField(r, "Policies");
    const selectPolicy = goField(r, "SelectPolicy");
    return compact({
      stabilizationWindowSeconds: asInt(goField(r, "StabilizationWindowSeconds")),
      selectPolicy: selectPolicy === undefined || selectPolicy === null ? undefined : asStr(selectPolicy),
      policies:
        policies === null || policies === undefined
          ? undefined
          : asList(policies).map((p) => {
              const x = asObj(p) ?? {};
              return {
                type: asStr(goField(x, "Type")),
                value: asInt(goField(x, "Value")) ?? 0,
                periodSeconds: asInt(goField(x, "PeriodSeconds")) ?? 0,
              };
            }),
      tolerance: asQuantity(goField(r, "Tolerance")),
    });
  };
  const scaleUp = rules(goField(b, "ScaleUp"));
  const scaleDown = rules(goField(b, "ScaleDown"));
  if (!scaleUp && !scaleDown) return undefined;
  return compact({ scaleUp, scaleDown });
}

/** The annotation's value decoded with `decode`, or undefined when Go's json.Unmarshal would have failed. */
function fromAnnotation<T>(annotations: Obj | undefined, key: string, decode: (v: unknown) => T): T | undefined {
  const text = annotations?.[key];
  if (typeof text !== "string") return undefined;
  try {
    return decode(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** An autoscaling/v1 HorizontalPodAutoscaler as the autoscaling/v2 object kube stores for it. */
export function hpaV1ToV2(o: KubeObject): KubeObject {
  const spec = obj(o.spec);
  const status = obj(o.status);
  const annotations = isObj(o.metadata.annotations) ? o.metadata.annotations : undefined;

  let metrics: Obj[] = [];
  if (present(spec.targetCPUUtilizationPercentage))
    metrics = [
      {
        type: "Resource",
        resource: {
          name: "cpu",
          target: { type: "Utilization", averageUtilization: spec.targetCPUUtilizationPercentage },
        },
      },
    ];
  const others = fromAnnotation(annotations, METRICS, (v) => asList(v).map(metricSpecFromV1));
  // The CPU target, when there is one, goes after the others.
  if (others) metrics = [...others, ...metrics];
  const behavior = fromAnnotation(annotations, BEHAVIOR, behaviorFromInternalJson);
  let currentMetrics: Obj[] | undefined;
  if (present(status.currentCPUUtilizationPercentage))
    currentMetrics = [
      {
        type: "Resource",
        resource: { name: "cpu", current: { averageUtilization: status.currentCPUUtilizationPercentage } },
      },
    ];
  const statuses = fromAnnotation(annotations, CURRENT_METRICS, (v) => asList(v).map(metricStatusFromV1));
  if (statuses) currentMetrics = statuses;
  // autoscaling/v1 once defaulted the CPU target in the controller; the internal version does it explicitly.
  if (metrics.length === 0)
    metrics = [
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: DEFAULT_CPU_UTILIZATION } },
      },
    ];
  const conditions = fromAnnotation(annotations, CONDITIONS, (v) => asList(v).map(conditionFromV1));

  const out = withAnnotations(o, "autoscaling/v2", withoutRoundTrip(annotations));
  out.spec = compact({
    scaleTargetRef: ref(spec.scaleTargetRef),
    minReplicas: opt(spec.minReplicas),
    maxReplicas: spec.maxReplicas ?? 0,
    metrics,
    behavior,
  });
  out.status = compact({
    observedGeneration: opt(status.observedGeneration),
    lastScaleTime: opt(status.lastScaleTime),
    // v2's currentReplicas is omitempty; v1's is not.
    currentReplicas: status.currentReplicas ? status.currentReplicas : undefined,
    desiredReplicas: status.desiredReplicas ?? 0,
    currentMetrics: currentMetrics ?? null,
    conditions,
  });
  return out;
}

/** SetDefaults_HorizontalPodAutoscaler of autoscaling/v1 (the CPU target is defaulted by conversion). */
export function defaultHpaV1(o: KubeObject): KubeObject {
  const spec = obj(o.spec);
  if (present(spec.minReplicas)) return o;
  return { ...o, spec: { ...spec, minReplicas: 1 } };
}

/** The converter conversion.ts serves HorizontalPodAutoscalers through: stored as v2, served as v1 and v2. */
export const hpaConverter = {
  storageVersion: "v2",
  convert(o: KubeObject, toVersion: string): KubeObject {
    const from = (o.apiVersion ?? "").split("/").pop();
    if (from === toVersion) return o;
    if (from === "v2" && toVersion === "v1") return hpaV2ToV1(o);
    if (from === "v1" && toVersion === "v2") return hpaV1ToV2(o);
    throw new Error(`no conversion of HorizontalPodAutoscaler from ${o.apiVersion} to autoscaling/${toVersion}`);
  },
};
