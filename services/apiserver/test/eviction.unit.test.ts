import assert from "node:assert/strict";
import type { KubeObject, StatusError } from "@evk/kube";
import { budgetsFor, decideEviction } from "../src/eviction.ts";

const now = new Date("2026-11-30T00:00:00.500Z");
const pod = (
  o: { phase?: string; ready?: boolean; deleting?: boolean; labels?: Record<string, string> } = {},
): KubeObject => ({
  metadata: {
    name: "web-0",
    labels: o.labels ?? { app: "web" },
    ...(o.deleting ? { deletionTimestamp: "2026-11-29T00:00:00Z" } : {}),
  },
  status: {
    phase: o.phase ?? "Running",
    conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
  },
});
const pdb = (
  status: Record<string, unknown>,
  extra: { generation?: number; policy?: string; selector?: unknown } = {},
) => ({
  metadata: { name: "web", generation: extra.generation ?? 1, resourceVersion: "7" },
  spec: {
    selector: extra.selector ?? { matchLabels: { app: "web" } },
    ...(extra.policy ? { unhealthyPodEvictionPolicy: extra.policy } : {}),
  },
  status: { observedGeneration: 1, currentHealthy: 2, desiredHealthy: 2, ...status },
});

describe("eviction decisions", () => {
  const deletes: [string, KubeObject, ReturnType<typeof pdb>[]][] = [
    ["no budget covers the pod", pod(), []],
    ["a Pending pod counts against no budget", pod({ phase: "Pending" }), [pdb({ disruptionsAllowed: 0 })]],
    ["a Succeeded pod", pod({ phase: "Succeeded" }), [pdb({ disruptionsAllowed: 0 })]],
    ["a pod already terminating", pod({ deleting: true }), [pdb({ disruptionsAllowed: 0 })]],
    [
      "an unready pod while the budget is met (IfHealthyBudget)",
      pod({ ready: false }),
      [pdb({ disruptionsAllowed: 0 })],
    ],
    [
      "an unready pod under AlwaysAllow, budget not met",
      pod({ ready: false }),
      [pdb({ disruptionsAllowed: 0, currentHealthy: 1 }, { policy: "AlwaysAllow" })],
    ],
  ];
  for (const [name, p, budgets] of deletes)
    it(`deletes without charging: ${name}`, () =>
      assert.deepEqual(decideEviction(p, budgets, now), { action: "delete" }));

  it("charges the budget: one disruption fewer, the pod recorded, DisruptionAllowed=False at zero", () => {
    const d = decideEviction(pod(), [pdb({ disruptionsAllowed: 1 })], now);
    assert.equal(d.action, "charge");
    const status = d.action === "charge" ? d.budget.status : undefined;
    assert.equal(status?.disruptionsAllowed, 0);
    assert.deepEqual(status?.disruptedPods, { "web-0": "2026-11-30T00:00:00Z" });
    assert.equal(status?.conditions?.find((c) => c.type === "DisruptionAllowed")?.status, "False");
    assert.equal(d.action === "charge" && d.budget.metadata.resourceVersion, "7", "written with the read version");
  });

  const refusals: [string, KubeObject, ReturnType<typeof pdb>[], number, string, string?][] = [
    [
      "no disruption allowed",
      pod(),
      [pdb({ disruptionsAllowed: 0, currentHealthy: 1 })],
      429,
      "Cannot evict pod as it would violate the pod's disruption budget.",
      "The disruption budget web needs 2 healthy pods and has 1 currently",
    ],
    [
      "the budget's spec is newer than its status",
      pod(),
      [pdb({ disruptionsAllowed: 1 }, { generation: 2 })],
      429,
      "Cannot evict pod as it would violate the pod's disruption budget.",
      "The disruption budget web is still being processed by the server.",
    ],
    ["a negative allowance", pod(), [pdb({ disruptionsAllowed: -1 })], 403, "pdb disruptions allowed is negative"],
    [
      "two budgets cover the pod",
      pod(),
      [pdb({ disruptionsAllowed: 1 }), pdb({ disruptionsAllowed: 1 })],
      500,
      "Internal error occurred: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
    ],
  ];
  for (const [name, p, budgets, code, message, cause] of refusals)
    it(`refuses: ${name}`, () =>
      assert.throws(
        () => decideEviction(p, budgets, now),
        (e: StatusError) =>
          e.code === code &&
          e.message === message &&
          (cause === undefined || e.details?.causes?.[0]?.message === cause),
      ));

  it("finds the budgets whose selector matches the pod; an empty selector matches none", () => {
    const budgets = [
      pdb({}, { selector: { matchLabels: { app: "web" } } }),
      pdb({}, { selector: { matchExpressions: [{ key: "app", operator: "In", values: ["web", "api"] }] } }),
      pdb({}, { selector: { matchLabels: { app: "api" } } }),
      pdb({}, { selector: {} }),
    ];
    assert.equal(budgetsFor(pod(), budgets).length, 2);
  });
});
