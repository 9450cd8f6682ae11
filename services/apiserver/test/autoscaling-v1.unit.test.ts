import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { KubeObject } from "@evk/kube";
import { defaultHpaV1, hpaConverter, hpaV1ToV2, hpaV2ToV1 } from "../src/autoscaling-v1.ts";
import { applyDefaults } from "../src/defaults/index.ts";
import { specProblems } from "../src/spec-validation/index.ts";

// Fixtures are kube-apiserver 1.35.4's own answers (uid, revision, times and managed fields left out): the
// same autoscalers read as autoscaling/v2 and as autoscaling/v1.
const fx = JSON.parse(readFileSync(new URL("./autoscaling-v1.fixtures.json", import.meta.url), "utf8")) as Record<
  string,
  KubeObject
>;
const fixture = (name: string) => structuredClone(fx[name] as KubeObject);

const hpaV1 = (annotations: Record<string, string>, spec: Record<string, unknown> = {}, status = {}): KubeObject => ({
  apiVersion: "autoscaling/v1",
  kind: "HorizontalPodAutoscaler",
  metadata: { name: "h", namespace: "ns", annotations },
  spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, maxReplicas: 3, ...spec },
  status,
});

describe("autoscaling/v1 HorizontalPodAutoscalers over the stored v2 object", () => {
  describe("v2 → v1 is kube's to the byte", () => {
    for (const [v2, v1, what] of [
      ["h2-v2", "h2-v1", "every metric kind, a CPU target and a behavior"],
      ["h2s-v2", "h2s-v1", "with current metrics and conditions"],
      ["h1-v2", "h1-v1", "an autoscaler created through v1"],
    ] as const)
      it(what, () => {
        assert.deepEqual(hpaV2ToV1(fixture(v2)), fixture(v1));
      });
  });

  it("v1 → v2 then kube's v2 decoding gives the spec kube stores", () => {
    const body = hpaV1(
      {
        x: "y",
        "autoscaling.alpha.kubernetes.io/metrics": JSON.stringify([
          { type: "Pods", pods: { metricName: "packets", targetAverageValue: "1000m" } },
          {
            type: "Object",
            object: { target: { kind: "Service", name: "s" }, metricName: "rps", targetValue: "2", averageValue: "5" },
          },
          { type: "External", external: { metricName: "q", targetValue: "3" } },
        ]),
        // Field names of the internal struct, matched case-insensitively as encoding/json does.
        "autoscaling.alpha.kubernetes.io/behavior": JSON.stringify({
          scaleDown: { stabilizationWindowSeconds: 30, Policies: [{ Type: "Pods", Value: 1, PeriodSeconds: 60 }] },
        }),
      },
      {
        maxReplicas: 4,
        targetCPUUtilizationPercentage: 70,
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "nope" },
      },
    );
    const stored = applyDefaults("autoscaling", "horizontalpodautoscalers", hpaV1ToV2(defaultHpaV1(body)));
    assert.deepEqual(stored.spec, fixture("h1-v2").spec);
    assert.deepEqual(stored.metadata.annotations, { x: "y" });
  });

  describe("v1 → v2, field by field", () => {
    const cases: { name: string; in: KubeObject; spec?: unknown; status?: unknown; annotations?: unknown }[] = [
      {
        name: "no metric at all: the CPU default of 80%",
        in: hpaV1({}),
        spec: {
          scaleTargetRef: { kind: "Deployment", name: "web", apiVersion: "apps/v1" },
          maxReplicas: 3,
          metrics: [
            { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } },
          ],
        },
      },
      {
        name: "the CPU target goes after the annotated metrics; a Pods target without value is 0",
        in: hpaV1(
          { "autoscaling.alpha.kubernetes.io/metrics": '[{"type":"Pods","pods":{"metricName":"m"}}]' },
          { targetCPUUtilizationPercentage: 10 },
        ),
        spec: {
          scaleTargetRef: { kind: "Deployment", name: "web", apiVersion: "apps/v1" },
          maxReplicas: 3,
          metrics: [
            { type: "Pods", pods: { metric: { name: "m" }, target: { type: "AverageValue", averageValue: "0" } } },
            { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 10 } } },
          ],
        },
      },
      {
        name: "an annotation Go cannot decode is ignored, and all of them are dropped",
        in: hpaV1({
          keep: "me",
          "autoscaling.alpha.kubernetes.io/metrics": '{"not":"a list"}',
          "autoscaling.alpha.kubernetes.io/behavior": '{"ScaleUp":{"StabilizationWindowSeconds":"x"}}',
          "autoscaling.alpha.kubernetes.io/scale-up-tolerance": "1",
        }),
        spec: {
          scaleTargetRef: { kind: "Deployment", name: "web", apiVersion: "apps/v1" },
          maxReplicas: 3,
          metrics: [
            { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } },
          ],
        },
        annotations: { keep: "me" },
      },
      {
        name: "status: the CPU utilization, replaced by the annotated current metrics; conditions from theirs",
        in: hpaV1(
          {
            "autoscaling.alpha.kubernetes.io/current-metrics":
              '[{"type":"External","external":{"metricName":"q","currentAverageValue":"2"}}]',
            "autoscaling.alpha.kubernetes.io/conditions": '[{"type":"AbleToScale","status":"True","reason":"R"}]',
          },
          {},
          { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 9 },
        ),
        status: {
          currentReplicas: 2,
          desiredReplicas: 3,
          currentMetrics: [
            { type: "External", external: { metric: { name: "q" }, current: { value: "0", averageValue: "2" } } },
          ],
          conditions: [{ type: "AbleToScale", status: "True", reason: "R" }],
        },
      },
      {
        name: "status: only the CPU utilization; no current replicas (omitempty in v2)",
        in: hpaV1({}, {}, { currentReplicas: 0, desiredReplicas: 1, currentCPUUtilizationPercentage: 9 }),
        status: {
          desiredReplicas: 1,
          currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 9 } } }],
        },
      },
    ];
    for (const c of cases)
      it(c.name, () => {
        const out = hpaV1ToV2(c.in);
        assert.equal(out.apiVersion, "autoscaling/v2");
        if (c.spec) assert.deepEqual(out.spec, c.spec);
        if (c.status) assert.deepEqual(out.status, c.status);
        if (c.annotations) assert.deepEqual(out.metadata.annotations, c.annotations);
      });
  });

  it("v2 → v1 → v2 keeps the spec of an autoscaler made through v2", () => {
    const v2 = fixture("h2-v2");
    const back = applyDefaults("autoscaling", "horizontalpodautoscalers", hpaConverter.convert(hpaV2ToV1(v2), "v2"));
    // The CPU target moves behind the others, as in kube.
    const metrics = (v2.spec as { metrics: unknown[] }).metrics;
    assert.deepEqual((back.spec as { metrics: unknown[] }).metrics, [...metrics.slice(1), metrics[0]]);
    assert.deepEqual((back.spec as { behavior: unknown }).behavior, (v2.spec as { behavior: unknown }).behavior);
  });

  it("v1 defaulting sets minReplicas only", () => {
    assert.equal((defaultHpaV1(hpaV1({})).spec as { minReplicas: number }).minReplicas, 1);
    const zero = hpaV1({}, { minReplicas: 0 });
    assert.equal(defaultHpaV1(zero), zero);
  });

  it("refuses a conversion it does not know", () => {
    assert.throws(() => hpaConverter.convert(hpaV1({}), "v3"), /no conversion/);
    const v1 = hpaV1({});
    assert.equal(hpaConverter.convert(v1, "v1"), v1);
  });

  describe("validation of what v1 writes, with kube's paths and messages", () => {
    const problems = (o: KubeObject) =>
      specProblems(
        { group: "autoscaling", resource: "horizontalpodautoscalers" },
        applyDefaults("autoscaling", "horizontalpodautoscalers", hpaV1ToV2(defaultHpaV1(o))),
      ).map((c) => `${c.field}: ${c.message}`);
    for (const [name, o, want] of [
      [
        "a zero CPU target",
        hpaV1({}, { targetCPUUtilizationPercentage: 0 }),
        ["spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0"],
      ],
      [
        "an annotated Pods metric with no name and no target",
        hpaV1({ "autoscaling.alpha.kubernetes.io/metrics": '[{"type":"Pods","pods":{"metricName":""}}]' }),
        [
          "spec.metrics[0].pods.metric.name: Required value: must specify a metric name",
          'spec.metrics[0].pods.target.averageValue: Invalid value: "0": must be positive',
        ],
      ],
      [
        "annotated scaling rules out of bounds",
        hpaV1({
          "autoscaling.alpha.kubernetes.io/behavior":
            '{"ScaleUp":{"StabilizationWindowSeconds":4000,"SelectPolicy":"Foo","Policies":[{"Type":"X","Value":0,"PeriodSeconds":2000}],"Tolerance":"-1"}}',
        }),
        [
          "spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 4000: must be less than or equal to 3600",
          'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Foo": supported values: "Disabled", "Max", "Min"',
          'spec.behavior.scaleUp.policies[0].type: Unsupported value: "X": supported values: "Percent", "Pods"',
          "spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero",
          "spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 2000: must be less than or equal to 1800",
          'spec.behavior.scaleUp.tolerance: Invalid value: "-1": must be greater than or equal to 0',
        ],
      ],
      ["a good one", hpaV1({}, { targetCPUUtilizationPercentage: 50 }), []],
    ] as const)
      it(name, () => {
        assert.deepEqual(problems(o), want);
      });
  });
});
