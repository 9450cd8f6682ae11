import assert from "node:assert/strict";
import { isStatusError, type KubeObject } from "@evk/kube";
import { markGraceful, podGracePeriod } from "../src/deletion.ts";
import { lookupResource, type ResourceType } from "../src/resources.ts";
import {
  applyScale,
  bindPod,
  compactMetadata,
  keepAllocatedValues,
  nextGeneration,
  prepareForCreate,
  prepareForFinalize,
  prepareForStatusUpdate,
  prepareForUpdate,
  qosClass,
  selectorString,
  stampRequester,
  toScale,
  validateBinding,
} from "../src/subresources.ts";

const type = (g: string, r: string) => lookupResource(g, g ? "v1" : "v1", r) as ResourceType;
const deployments = type("apps", "deployments");
const pods = type("", "pods");
const configmaps = type("", "configmaps");
const namespaces = type("", "namespaces");

const deploy = (over: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default", uid: "u1", generation: 3, resourceVersion: "10", labels: { a: "1" } },
  spec: { replicas: 2, selector: { matchLabels: { app: "web" } } },
  status: { replicas: 2, observedGeneration: 3 },
  ...over,
});

describe("generation rules", () => {
  it("increments on spec changes only, never on status or metadata", () => {
    const cur = deploy();
    const cases: [string, KubeObject, number][] = [
      ["spec change", { ...cur, spec: { ...(cur.spec as object), replicas: 5 } }, 4],
      ["label change", { ...cur, metadata: { ...cur.metadata, labels: { a: "2" } } }, 3],
      ["status change", { ...cur, status: { replicas: 9 } }, 3],
      ["no change", cur, 3],
    ];
    for (const [why, next, want] of cases) assert.equal(nextGeneration(cur, next), want, why);
    // Spec-like top-level fields count as spec (a ConfigMap's data).
    const cm: KubeObject = { metadata: { name: "c", generation: 1 }, data: { a: "1" } };
    assert.equal(nextGeneration(cm, { ...cm, data: { a: "2" } }), 2);
    assert.equal(nextGeneration(cm, { ...cm, metadata: { ...cm.metadata, annotations: { x: "y" } } }), 1);
  });

  it("a Deployment's generation also moves with its annotations (copied to its replica sets); a StatefulSet's does not", () => {
    const d = { ...deploy(), metadata: { ...deploy().metadata, uid: "u", annotations: { a: "1" } } } as KubeObject;
    const annotated = { ...d, metadata: { ...d.metadata, annotations: { a: "2" } } };
    assert.equal(prepareForUpdate(type("apps", "deployments"), d, annotated).metadata.generation, 4);
    assert.equal(prepareForUpdate(type("apps", "deployments"), d, d).metadata.generation, 3);
    assert.equal(prepareForUpdate(type("apps", "statefulsets"), d, annotated).metadata.generation, 3);
  });

  it("main-resource updates keep status where a status subresource owns it and bump generation with spec", () => {
    const cur = deploy();
    const next = prepareForUpdate(deployments, cur, {
      ...cur,
      metadata: { ...cur.metadata, generation: 99, uid: "forged" },
      spec: { ...(cur.spec as object), replicas: 4 },
      status: { replicas: 100 },
    });
    assert.deepEqual(next.status, cur.status, "status is ignored");
    assert.equal(next.metadata.generation, 4, "client generation ignored, spec change counted");
    assert.equal(next.metadata.uid, "u1");
    // A status-only change through the main resource changes nothing that counts.
    const same = prepareForUpdate(deployments, cur, { ...cur, status: { replicas: 0 } });
    assert.deepEqual(same.status, cur.status);
    assert.equal(same.metadata.generation, 3);
    // Kinds without a status subresource keep whatever the client sent.
    const cm: KubeObject = { metadata: { name: "c", generation: 1 }, data: {}, status: { x: 1 } };
    assert.deepEqual(prepareForUpdate(configmaps, cm, { ...cm, status: { x: 2 } }).status, { x: 2 });
  });

  it("namespace updates cannot change spec.finalizers (only /finalize can)", () => {
    const ns: KubeObject = {
      metadata: { name: "n" },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    };
    const upd = prepareForUpdate(namespaces, ns, { ...ns, spec: { finalizers: [] }, status: { phase: "Terminating" } });
    assert.deepEqual(upd.spec, { finalizers: ["kubernetes"] });
    assert.deepEqual(upd.status, { phase: "Active" });
    assert.deepEqual(prepareForFinalize(ns, { ...ns, spec: { finalizers: [] }, status: { phase: "X" } }).spec, {});
    assert.deepEqual(prepareForFinalize(ns, { ...ns, spec: { finalizers: [] }, status: { phase: "X" } }).status, {
      phase: "Active",
    });
  });
});

describe("status subresource writes", () => {
  it("change only status; spec stays and generation does not move", () => {
    const cur = deploy();
    const next = prepareForStatusUpdate(deployments, cur, {
      ...cur,
      spec: { replicas: 50 },
      status: { replicas: 7 },
      metadata: { ...cur.metadata, generation: 1, labels: { a: "changed" }, annotations: { k: "v" } },
    });
    assert.deepEqual(next.spec, cur.spec);
    assert.deepEqual(next.status, { replicas: 7 });
    assert.equal(next.metadata.generation, 3);
    assert.deepEqual(next.metadata.labels, { a: "1" }, "deployments/status resets labels, as kube does");
    assert.deepEqual(next.metadata.annotations, { k: "v" }, "other metadata passes, as kube lets it");
  });

  it("pods keep ownerReferences and backfill qosClass", () => {
    const pod: KubeObject = {
      metadata: { name: "p", generation: 1, ownerReferences: [{ uid: "o" }] },
      spec: { containers: [{ name: "c" }] },
      status: { phase: "Pending", qosClass: "BestEffort" },
    };
    const next = prepareForStatusUpdate(pods, pod, {
      ...pod,
      metadata: { ...pod.metadata, ownerReferences: [] },
      spec: { nodeName: "sneaky" },
      status: { phase: "Running" },
    });
    assert.deepEqual(next.metadata.ownerReferences, [{ uid: "o" }]);
    assert.deepEqual(next.spec, pod.spec);
    assert.deepEqual(next.status, { phase: "Running", qosClass: "BestEffort" });
  });

  it("create clears client status for kinds with a status subresource", () => {
    const created = prepareForCreate(deployments, deploy());
    assert.deepEqual(created.status, {});
    assert.deepEqual(prepareForCreate(type("apps", "replicasets"), deploy()).status, { replicas: 0 });
    const pod = prepareForCreate(pods, {
      metadata: { name: "p" },
      spec: { containers: [] },
      status: { phase: "Running" },
    });
    assert.deepEqual(pod.status, { phase: "Pending", qosClass: "BestEffort" });
    const cm: KubeObject = { metadata: { name: "c" }, status: { kept: true } };
    assert.deepEqual(prepareForCreate(configmaps, cm).status, { kept: true });
  });
});

describe("scale", () => {
  it("maps spec.replicas, status.replicas and the selector into autoscaling/v1 Scale", () => {
    const s = toScale(deploy());
    assert.deepEqual(s, {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: { name: "web", namespace: "default", uid: "u1", resourceVersion: "10", creationTimestamp: undefined },
      spec: { replicas: 2 },
      status: { replicas: 2, selector: "app=web" },
    });
    assert.deepEqual(toScale(deploy({ spec: { replicas: 0 } })).spec, {}, "replicas 0 is omitted (omitempty)");
  });

  it("writes replicas into spec (bumping generation) and refuses negative values and foreign UIDs", () => {
    const next = applyScale(deployments, deploy(), { spec: { replicas: 6 } });
    assert.equal((next.spec as { replicas: number }).replicas, 6);
    assert.equal(next.metadata.generation, 4);
    assert.throws(
      () => applyScale(deployments, deploy(), { spec: { replicas: -1 } }),
      (e: unknown) => isStatusError(e, "Invalid") && /spec.replicas: Invalid value: -1/.test(e.message),
    );
    assert.throws(
      () => applyScale(deployments, deploy(), { metadata: { uid: "other" }, spec: { replicas: 1 } }),
      (e: unknown) => isStatusError(e, "Conflict") && /deployments\/scale.apps "web"/.test(e.message),
    );
  });

  it("renders label selectors as kube's LabelSelectorAsSelector(...).String()", () => {
    assert.equal(selectorString({ matchLabels: { b: "2", a: "1" } }), "a=1,b=2");
    assert.equal(
      selectorString({
        matchLabels: { tier: "web" },
        matchExpressions: [
          { key: "env", operator: "In", values: ["prod", "dev"] },
          { key: "zz", operator: "DoesNotExist" },
          { key: "gpu", operator: "Exists" },
          { key: "app", operator: "NotIn", values: ["x"] },
        ],
      }),
      "app notin (x),env in (dev,prod),gpu,tier=web,!zz",
    );
    assert.equal(selectorString(undefined), "");
  });
});

describe("pods/binding", () => {
  const pod: KubeObject = {
    metadata: { name: "p", generation: 1 },
    spec: { containers: [] },
    status: { phase: "Pending", nominatedNodeName: "n9" },
  };

  it("sets spec.nodeName and the PodScheduled condition, without moving generation", () => {
    const bound = bindPod(pod, { metadata: { name: "p", annotations: { a: "b" } }, target: { name: "n1" } }, "T");
    assert.equal((bound.spec as { nodeName: string }).nodeName, "n1");
    assert.deepEqual(bound.status, {
      phase: "Pending",
      conditions: [{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: "T" }],
    });
    assert.deepEqual(bound.metadata.annotations, { a: "b" });
    assert.equal(bound.metadata.generation, 1);
  });

  it("refuses a pod already bound, being deleted, or gated, with Conflict", () => {
    const b = { metadata: { name: "p" }, target: { name: "n2" } };
    for (const [p, msg] of [
      [{ ...pod, spec: { nodeName: "n1" } }, /pod p is already assigned to node "n1"/],
      [{ ...pod, metadata: { ...pod.metadata, deletionTimestamp: "x" } }, /is being deleted/],
      [{ ...pod, spec: { schedulingGates: [{ name: "g" }] } }, /non-empty .spec.schedulingGates/],
    ] as const) {
      assert.throws(
        () => bindPod(p, b),
        (e: unknown) => isStatusError(e, "Conflict") && msg.test(e.message) && e.details?.kind === "pods/binding",
      );
    }
  });

  it("validates the target as ValidatePodBinding", () => {
    assert.throws(() => validateBinding({ target: { kind: "Node" } }), /target.name: Required value/);
    assert.throws(
      () => validateBinding({ target: { kind: "Pod", name: "x" } }),
      /target.kind: Unsupported value: "Pod"/,
    );
    validateBinding({ target: { name: "x" } });
  });
});

describe("pod QoS class", () => {
  const pod = (resources: object[]): KubeObject => ({
    metadata: {},
    spec: { containers: resources.map((r) => ({ name: "c", resources: r })) },
  });
  it("is BestEffort, Burstable or Guaranteed as kube computes it", () => {
    assert.equal(qosClass(pod([{}])), "BestEffort");
    assert.equal(qosClass(pod([{ requests: { cpu: "100m" } }])), "Burstable");
    assert.equal(qosClass(pod([{ limits: { cpu: "1", memory: "1Gi" } }])), "Guaranteed");
    assert.equal(qosClass(pod([{ limits: { cpu: "1", memory: "1Gi" } }, { requests: { cpu: "1" } }])), "Burstable");
  });
});

describe("graceful pod deletion", () => {
  const pod = (spec: Record<string, unknown>, phase?: string) => ({
    metadata: { name: "p", generation: 1 },
    spec,
    ...(phase ? { status: { phase } } : {}),
  });
  const cases: [string, ReturnType<typeof pod>, number | undefined, number][] = [
    [
      "a scheduled pod gets its terminationGracePeriodSeconds",
      pod({ nodeName: "n", terminationGracePeriodSeconds: 45 }),
      undefined,
      45,
    ],
    ["a scheduled pod without one gets 30 s", pod({ nodeName: "n" }), undefined, 30],
    ["the request wins", pod({ nodeName: "n", terminationGracePeriodSeconds: 45 }), 5, 5],
    ["grace 0 deletes at once", pod({ nodeName: "n" }), 0, 0],
    ["a negative request becomes 1 s", pod({ nodeName: "n" }), -1, 1],
    ["an unscheduled pod goes at once", pod({}), 30, 0],
    ["a finished pod goes at once", pod({ nodeName: "n" }, "Succeeded"), undefined, 0],
    ["a failed pod goes at once", pod({ nodeName: "n" }, "Failed"), undefined, 0],
  ];
  for (const [why, p, requested, want] of cases) {
    it(`${why}: ${want}`, () => assert.equal(podGracePeriod(p, requested), want));
  }
  it("marks the pod with deletionTimestamp = now + grace and bumps its generation once", () => {
    const now = Date.parse("2026-11-29T10:00:00Z");
    const m = markGraceful(pod({ nodeName: "n" }), 30, [], now);
    assert.equal(m.metadata.deletionTimestamp, "2026-11-29T10:00:30Z");
    assert.equal(m.metadata.deletionGracePeriodSeconds, 30);
    assert.equal(m.metadata.generation, 2);
    const shorter = markGraceful(m, 5, [], now + 1000);
    assert.equal(shorter.metadata.deletionTimestamp, "2026-11-29T10:00:06Z", "a second delete may shorten it");
    assert.equal(shorter.metadata.generation, 2);
    assert.equal(markGraceful(shorter, 60, [], now + 2000), shorter, "but never lengthen it");
  });
});

describe("services keep what was allocated", () => {
  const allocated = {
    type: "NodePort",
    clusterIP: "10.96.0.7",
    clusterIPs: ["10.96.0.7"],
    ports: [
      { port: 80, protocol: "TCP", nodePort: 30080 },
      { port: 53, protocol: "UDP", nodePort: 30053 },
    ],
  };
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      "an update without clusterIP or nodePorts keeps them",
      {
        type: "NodePort",
        ports: [
          { port: 80, protocol: "TCP" },
          { port: 53, protocol: "UDP" },
        ],
      },
      allocated,
    ],
    [
      "a nodePort the update names wins",
      { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 31000 }] },
      { ...allocated, ports: [{ port: 80, protocol: "TCP", nodePort: 31000 }] },
    ],
    [
      "a port of another protocol gets no nodePort from the old one",
      { type: "NodePort", ports: [{ port: 80, protocol: "UDP" }] },
      { ...allocated, ports: [{ port: 80, protocol: "UDP" }] },
    ],
    [
      "a ClusterIP service drops nodePorts",
      { type: "ClusterIP", ports: [{ port: 80, protocol: "TCP" }] },
      { type: "ClusterIP", clusterIP: "10.96.0.7", clusterIPs: ["10.96.0.7"], ports: [{ port: 80, protocol: "TCP" }] },
    ],
    ["an ExternalName service gets no clusterIP", { type: "ExternalName" }, { type: "ExternalName" }],
  ];
  for (const [why, next, want] of cases) {
    it(why, () => assert.deepEqual(keepAllocatedValues(allocated, next), want));
  }
});

describe("metadata as kube stores it", () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ["empty owner references (what the garbage collector leaves when orphaning)", { ownerReferences: [] }, {}],
    ["empty labels, annotations and finalizers", { labels: {}, annotations: {}, finalizers: [] }, {}],
    ["null lists", { finalizers: null }, {}],
    ["non-empty ones stay", { labels: { a: "b" }, finalizers: ["x/y"] }, { labels: { a: "b" }, finalizers: ["x/y"] }],
  ];
  for (const [name, meta, want] of cases)
    it(name, () => {
      const o = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", ...meta } } as KubeObject;
      assert.deepEqual(compactMetadata(o).metadata, { name: "a", ...want });
    });
  it("an update that empties ownerReferences stores none", () => {
    const cur = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "a", uid: "u", ownerReferences: [{ uid: "o" }] },
    } as KubeObject;
    const next = { ...cur, metadata: { ...cur.metadata, ownerReferences: [] } };
    assert.equal(prepareForUpdate(type("apps", "replicasets"), cur, next).metadata.ownerReferences, undefined);
  });
});

describe("certificate signing requests record who asked", () => {
  const csr = type("certificates.k8s.io", "certificatesigningrequests");
  const body: KubeObject = { metadata: { name: "c" }, spec: { request: "x", username: "someone-else", groups: ["x"] } };
  it("spec.username, uid and groups come from the requesting user, not the body", () => {
    const out = stampRequester(csr, body, { username: "admin", uid: "u1", groups: ["system:masters"] });
    assert.deepEqual(out.spec, { request: "x", username: "admin", uid: "u1", groups: ["system:masters"] });
  });
  it("other kinds are left alone", () => {
    assert.equal(stampRequester(type("", "configmaps"), body, { username: "admin" }), body);
  });
});
