import assert from "node:assert/strict";
import { isStatusError, type KubeObject } from "@evk/kube";
import { applyDefaults } from "../src/defaults/index.ts";
import { prepareForResize, resize, resizeProblems } from "../src/pod-resize.ts";

type Spec = { containers: Record<string, unknown>[]; initContainers?: Record<string, unknown>[] };

/** A pod as kube stores it (defaulted), never scheduled. */
function stored(): KubeObject {
  const pod = applyDefaults("", "pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "rz", namespace: "ns", uid: "u", generation: 1, labels: { app: "a" } },
    spec: {
      initContainers: [
        { name: "side", image: "busybox", restartPolicy: "Always", resources: { requests: { cpu: "10m" } } },
        { name: "init", image: "busybox" },
      ],
      containers: [
        {
          name: "c",
          image: "nginx",
          resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
          resizePolicy: [{ resourceName: "cpu", restartPolicy: "NotRequired" }],
        },
        { name: "d", image: "nginx" },
      ],
    },
  });
  return { ...pod, status: { phase: "Pending", qosClass: "Burstable" } };
}

/** `cur` with `edit` applied to a copy. */
const changed = (cur: KubeObject, edit: (o: KubeObject & { spec: Spec }) => void): KubeObject => {
  const o = structuredClone(cur) as KubeObject & { spec: Spec };
  edit(o);
  return o;
};
const res = (o: KubeObject, i: number, init = false) =>
  ((o.spec as Spec)[init ? "initContainers" : "containers"] as Record<string, unknown>[])[i]?.resources as Record<
    string,
    Record<string, string>
  >;
const problems = (cur: KubeObject, next: KubeObject) =>
  resizeProblems(prepareForResize(cur, next), cur).map((c) => `${c.field}: ${c.message}`);

describe("pods/resize", () => {
  it("takes only resources and resize policies, keeps the rest and moves the generation", () => {
    const cur = stored();
    const next = changed(cur, (o) => {
      res(o, 0).requests = { cpu: "150m", memory: "64Mi" };
      (o.spec.containers[0] as Record<string, unknown>).image = "other";
      o.metadata.labels = { app: "b" };
      o.status = { phase: "Running" };
    });
    const out = prepareForResize(cur, next);
    assert.deepEqual(res(out, 0).requests, { cpu: "150m", memory: "64Mi" });
    assert.equal((out.spec as Spec).containers[0]?.image, "nginx");
    assert.deepEqual(out.metadata.labels, { app: "a" });
    assert.deepEqual(out.status, cur.status);
    assert.equal(out.metadata.generation, 2);
    assert.deepEqual(resizeProblems(out, cur), []);
    assert.equal(prepareForResize(cur, structuredClone(cur)).metadata.generation, 1);
  });

  for (const [name, edit, want] of [
    [
      "a resource other than cpu and memory",
      (o: KubeObject & { spec: Spec }) => {
        res(o, 0).requests = { cpu: "100m", memory: "64Mi", "ephemeral-storage": "1Gi" };
      },
      ["spec: Forbidden: only cpu and memory resources are mutable"],
    ],
    [
      "a resize policy",
      (o: KubeObject & { spec: Spec }) => {
        (o.spec.containers[0] as Record<string, unknown>).resizePolicy = [
          { resourceName: "memory", restartPolicy: "RestartContainer" },
        ];
      },
      ["spec: Forbidden: only cpu and memory resources are mutable"],
    ],
    [
      "a removed limit",
      (o: KubeObject & { spec: Spec }) => {
        res(o, 0).limits = { memory: "128Mi" };
      },
      ["spec.containers[0].resources.limits: Forbidden: resource limits cannot be removed"],
    ],
    [
      "a QoS class change",
      (o: KubeObject & { spec: Spec }) => {
        for (const c of [...o.spec.containers, ...(o.spec.initContainers ?? [])]) c.resources = {};
      },
      [
        'spec: Invalid value: "Burstable": Pod QOS Class may not change as a result of resizing',
        "spec.initContainers[0].resources.requests: Forbidden: resource requests cannot be removed",
        "spec.containers[0].resources.requests: Forbidden: resource requests cannot be removed",
        "spec.containers[0].resources.limits: Forbidden: resource limits cannot be removed",
      ],
    ],
    [
      "a regular init container",
      (o: KubeObject & { spec: Spec }) => {
        (o.spec.initContainers?.[1] as Record<string, unknown>).resources = { requests: { cpu: "1" } };
      },
      ["spec: Forbidden: resources for non-sidecar init containers are immutable"],
    ],
    [
      "a sidecar's cpu",
      (o: KubeObject & { spec: Spec }) => {
        res(o, 0, true).requests = { cpu: "20m" };
      },
      [],
    ],
    [
      "a renamed container",
      (o: KubeObject & { spec: Spec }) => {
        (o.spec.containers[1] as Record<string, unknown>).name = "e";
      },
      ["spec.containers[1].name: Forbidden: containers may not be renamed or reordered on resize"],
    ],
    [
      "an added container",
      (o: KubeObject & { spec: Spec }) => {
        // As the body reaches the strategy: decoded, so defaulted.
        o.spec.containers.push({
          name: "f",
          image: "x",
          imagePullPolicy: "Always",
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
        });
      },
      ["spec.containers: Forbidden: containers may not be added or removed on resize"],
    ],
  ] as const)
    it(`refuses or allows ${name} as kube does`, () => {
      const cur = stored();
      assert.deepEqual(problems(cur, changed(cur, edit)), want);
    });

  it("a pod on a node without in-place resize, a static pod, a pod with pod-level resources", () => {
    const running = {
      ...stored(),
      status: { qosClass: "Burstable", containerStatuses: [{ name: "c", state: { running: {} } }] },
    };
    const next = changed(running, (o) => {
      res(o, 0).requests = { cpu: "150m", memory: "64Mi" };
    });
    assert.deepEqual(problems(running, next), ["spec: Forbidden: Pod running on node without support for resize"]);
    const withResources = {
      ...running,
      status: { qosClass: "Burstable", containerStatuses: [{ name: "c", state: { running: {} }, resources: {} }] },
    };
    assert.deepEqual(problems(withResources, next), []);
    const mirror = {
      ...stored(),
      metadata: { ...stored().metadata, annotations: { "kubernetes.io/config.mirror": "x" } },
    };
    assert.deepEqual(problems(mirror, next), [": Forbidden: static pods cannot be resized"]);
    const podLevel = changed(stored(), (o) => {
      (o.spec as Record<string, unknown>).resources = { requests: { cpu: "1" } };
    });
    assert.deepEqual(problems(podLevel, next), [
      ": Forbidden: resize of pods with pod-level resources is forbidden when InPlacePodLevelResourcesVerticalScalingEnabled feature gate is disabled",
    ]);
  });

  it("answers kube's 422 for the pod", () => {
    const cur = stored();
    try {
      resize(
        cur,
        changed(cur, (o) => {
          res(o, 0).limits = {};
        }),
      );
      assert.fail("resize went through");
    } catch (err) {
      assert.ok(isStatusError(err, "Invalid"));
      assert.match(err.message, /^Pod "rz" is invalid: spec.containers\[0\].resources.limits: Forbidden/);
    }
  });
});
