import assert from "node:assert/strict";
import type { V1Node } from "@kubernetes/client-node";
import { parseWorkKey, workKey } from "../src/keys.ts";
import { nodeFingerprint, virtualNodeFor } from "../src/node-sync.ts";
import { sameExceptStatus } from "../src/syncer-pods.ts";

describe("virtual nodes", () => {
  const host: V1Node = {
    metadata: { name: "kwok-node-0", labels: { "kubernetes.io/hostname": "kwok-node-0", type: "kwok" }, uid: "h1" },
    spec: { taints: [{ key: "kwok.x-k8s.io/node", value: "fake", effect: "NoSchedule" }] },
    status: {
      addresses: [{ type: "InternalIP", address: "10.0.0.1" }],
      capacity: { cpu: "32", pods: "110" },
      allocatable: { cpu: "32", pods: "110" },
      conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: new Date(1), reason: "KubeletReady" }],
    },
  };
  it("mirrors the host node's labels, taints, addresses, capacity and conditions", () => {
    const v = virtualNodeFor(host, "kwok-node-0");
    assert.equal(v.metadata.name, "kwok-node-0");
    assert.deepEqual(v.metadata.labels, host.metadata?.labels);
    assert.deepEqual((v.spec as { taints: unknown }).taints, host.spec?.taints);
    const s = v.status as Record<string, unknown>;
    assert.deepEqual(s.addresses, host.status?.addresses);
    assert.deepEqual(s.capacity, host.status?.capacity);
  });
  it("without a readable host node, a Ready node that knows its name", () => {
    const v = virtualNodeFor(undefined, "n9");
    const s = v.status as { conditions: { type: string; status: string }[]; addresses: unknown };
    assert.deepEqual(s.addresses, [{ type: "Hostname", address: "n9" }]);
    assert.equal(s.conditions[0]?.type, "Ready");
    assert.equal(s.conditions[0]?.status, "True");
  });
  it("a heartbeat alone does not change the fingerprint; a real change does", () => {
    const a = virtualNodeFor(host, "kwok-node-0");
    const beat = structuredClone(host);
    const beatReady = beat.status?.conditions?.[0];
    if (beatReady) beatReady.lastHeartbeatTime = new Date(2);
    assert.equal(nodeFingerprint(virtualNodeFor(beat, "kwok-node-0")), nodeFingerprint(a));
    const notReady = structuredClone(host);
    const ready = notReady.status?.conditions?.[0];
    if (ready) ready.status = "False";
    assert.notEqual(nodeFingerprint(virtualNodeFor(notReady, "kwok-node-0")), nodeFingerprint(a));
  });
});

describe("work keys", () => {
  const cases: [Parameters<typeof workKey>, string][] = [
    [["pod", "default", "web"], "pod:default/web"],
    [["configmap", "kube-system", "a.b"], "configmap:kube-system/a.b"],
    [["node", undefined, "kwok-node-0"], "node:kwok-node-0"],
  ];
  for (const [args, key] of cases) {
    it(`${key} round-trips`, () => {
      assert.equal(workKey(...args), key);
      const back = parseWorkKey(key);
      assert.deepEqual([back.kind, back.namespace || undefined, back.name], args);
    });
  }
  it("refuses a key of another kind", () => assert.throws(() => parseWorkKey("service:a/b"), /not a work key/));
});

describe("changes syncer-pods need not look at", () => {
  const pod = {
    metadata: {
      name: "p",
      namespace: "d",
      uid: "u",
      resourceVersion: "5",
      labels: { a: "1" },
      annotations: { x: "y" },
    },
    spec: { containers: [{ name: "c", image: "i" }] },
    status: { phase: "Pending" },
  };
  const cases: [string, Record<string, unknown>, boolean][] = [
    [
      "only status and the host revision changed",
      {
        metadata: {
          ...pod.metadata,
          resourceVersion: "6",
          annotations: { x: "y", "evk.dev/host-resource-version": "9" },
        },
        status: { phase: "Running" },
      },
      true,
    ],
    ["a label changed", { metadata: { ...pod.metadata, labels: { a: "2" } } }, false],
    ["an annotation changed", { metadata: { ...pod.metadata, annotations: { x: "z" } } }, false],
    ["the image changed", { spec: { containers: [{ name: "c", image: "j" }] } }, false],
    ["deletion started", { metadata: { ...pod.metadata, deletionTimestamp: "2026-11-29T00:00:00Z" } }, false],
  ];
  for (const [why, change, want] of cases) {
    it(`${why}: ${want ? "skipped" : "reconciled"}`, () =>
      assert.equal(sameExceptStatus(pod, { ...pod, ...change } as typeof pod), want));
  }
});
