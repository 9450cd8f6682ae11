import assert from "node:assert/strict";
import type { StatusReport } from "@evk/events";
import type { KubeObject } from "@evk/kube";
import { FieldManager } from "../src/managed-fields/index.ts";
import {
  applyObjectReport,
  applyStatusReport,
  COUNT_REPEATS_ANNOTATION,
  HOST_REVISION_ANNOTATION,
  HOST_UID_ANNOTATION,
  withWritersEntries,
} from "../src/status-ingest.ts";

const pod = {
  metadata: { name: "p", namespace: "d", uid: "u1", annotations: { [HOST_REVISION_ANNOTATION]: "10" } },
  spec: { containers: [] },
};
const report = (r: Partial<StatusReport>): StatusReport => ({
  cluster: "c",
  resource: "pods",
  namespace: "d",
  name: "p",
  uid: "u1",
  hostRevision: 11,
  status: { phase: "Running" },
  ...r,
});

describe("status ingest", () => {
  const table: [string, Partial<StatusReport>, string][] = [
    ["a newer report", {}, "applied"],
    ["the same host revision", { hostRevision: 10 }, "stale"],
    ["an older host revision", { hostRevision: 9 }, "stale"],
    ["another uid", { uid: "u2" }, "other-uid"],
  ];
  for (const [why, r, outcome] of table) {
    it(`${why}: ${outcome}`, () => {
      const got = applyStatusReport(pod, report(r));
      assert.equal(got.outcome, outcome);
      if (outcome !== "applied") assert.equal(got.next, pod, "unchanged");
    });
  }
  it("writes status, adopts host-allocated fields into spec and records the host revision", () => {
    const { next } = applyStatusReport(
      pod,
      report({ fields: { nodeName: "n1" }, status: { phase: "Running", podIP: "10.0.0.5" } }),
    );
    assert.deepEqual(next.status, { phase: "Running", podIP: "10.0.0.5" });
    assert.deepEqual(next.spec, { containers: [], nodeName: "n1" });
    assert.equal(next.metadata.annotations?.[HOST_REVISION_ANNOTATION], "11");
    assert.equal(next.metadata.uid, "u1");
  });
});

describe("status ingest: apply reports", () => {
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "n1", labels: { a: "b" } },
    status: { capacity: { cpu: "4" } },
  };
  const applyReport = (r: Partial<StatusReport>): StatusReport =>
    report({ resource: "nodes", namespace: "", name: "n1", uid: "host-uid", action: "apply", object: node, ...r });
  const fresh = { uid: "v-uid", now: "2026-11-29T00:00:00Z" };

  it("creates the object with a virtual identity and records the host uid and revision", () => {
    const { outcome, next } = applyObjectReport(undefined, applyReport({ hostRevision: 5 }), fresh);
    assert.equal(outcome, "applied");
    assert.equal(next?.metadata.uid, "v-uid");
    assert.equal(next?.metadata.creationTimestamp, fresh.now);
    assert.equal(next?.metadata.annotations?.[HOST_REVISION_ANNOTATION], "5");
    assert.equal(next?.metadata.annotations?.[HOST_UID_ANNOTATION], "host-uid");
    assert.deepEqual(next?.status, node.status);
  });
  it("keeps the identity of an existing object and replaces the rest", () => {
    const cur = applyObjectReport(undefined, applyReport({ hostRevision: 5 }), fresh).next as KubeObject;
    const changed = { ...node, status: { capacity: { cpu: "8" } } };
    const { outcome, next } = applyObjectReport(
      { ...cur, metadata: { ...cur.metadata, resourceVersion: "77" } },
      applyReport({ hostRevision: 6, object: changed }),
      { uid: "other", now: "later" },
    );
    assert.equal(outcome, "applied");
    assert.equal(next?.metadata.uid, "v-uid");
    assert.equal(next?.metadata.creationTimestamp, fresh.now);
    assert.equal(next?.metadata.resourceVersion, undefined, "the store sets it");
    assert.deepEqual(next?.status, changed.status);
  });
  it("drops a report not newer than the applied one", () => {
    const cur = applyObjectReport(undefined, applyReport({ hostRevision: 5 }), fresh).next as KubeObject;
    assert.equal(applyObjectReport(cur, applyReport({ hostRevision: 5 }), fresh).outcome, "stale");
  });
  it("counts a repeated Event instead of starting it over", () => {
    const ev = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "p.1", namespace: "d", annotations: { [COUNT_REPEATS_ANNOTATION]: "true" } },
      count: 1,
      firstTimestamp: "t2",
    };
    const r = (n: number) => report({ resource: "events", name: "p.1", action: "apply", hostRevision: n, object: ev });
    const first = applyObjectReport(undefined, r(1), fresh).next as KubeObject;
    const second = applyObjectReport({ ...first, firstTimestamp: "t1" }, r(2), fresh).next as KubeObject;
    assert.equal(second.count, 2);
    assert.equal(second.firstTimestamp, "t1");
  });
  it("takes a host Event's own count", () => {
    const ev = { apiVersion: "v1", kind: "Event", metadata: { name: "p.2", namespace: "d" }, count: 4 };
    const r = (n: number) => report({ resource: "events", name: "p.2", action: "apply", hostRevision: n, object: ev });
    const first = applyObjectReport(undefined, r(1), fresh).next as KubeObject;
    assert.equal((applyObjectReport(first, r(2), fresh).next as KubeObject).count, 4);
  });
});

describe("status ingest: the managedFields entries of kube's writers", () => {
  const fields = new FieldManager({
    definitions: () => undefined,
    decode: (_t, o) => o,
    now: () => new Date("2026-01-02T03:04:05Z"),
  });
  const creator = {
    manager: "kubectl-create",
    operation: "Update",
    apiVersion: "v1",
    time: "2026-01-01T00:00:00Z",
    fieldsType: "FieldsV1",
    fieldsV1: { "f:spec": { "f:x": {} } },
  };
  const entry = (manager: string, fieldsV1: unknown, subresource?: string) => ({
    manager,
    operation: "Update",
    apiVersion: "v1",
    time: "2026-01-02T03:04:05Z",
    fieldsType: "FieldsV1",
    fieldsV1,
    ...(subresource ? { subresource } : {}),
  });
  const object = (kind: string, status: unknown, spec: unknown = { x: 1 }): KubeObject => ({
    apiVersion: "v1",
    kind,
    metadata: { name: "p", namespace: "d", uid: "u1", managedFields: [creator] },
    spec,
    status,
  });
  const cases: [string, string, KubeObject, Partial<StatusReport>, unknown[]][] = [
    [
      "a pod's status is its kubelet's; the adopted nodeName and the revision annotation are nobody's",
      "pods",
      object("Pod", { phase: "Pending" }),
      { status: { phase: "Running", podIP: "10.0.0.7" }, fields: { nodeName: "n1" } },
      [creator, entry("kubelet", { "f:status": { "f:phase": {}, "f:podIP": {} } }, "status")],
    ],
    [
      "a claim's binding and status are kube-controller-manager's",
      "persistentvolumeclaims",
      object("PersistentVolumeClaim", { phase: "Pending" }),
      { status: { phase: "Bound" }, fields: { volumeName: "pv-1" } },
      [
        creator,
        entry("kube-controller-manager", { "f:spec": { "f:volumeName": {} } }),
        entry("kube-controller-manager", { "f:status": { "f:phase": {} } }, "status"),
      ],
    ],
    [
      "a Service's status has no known writer",
      "services",
      object("Service", { loadBalancer: {} }),
      { status: { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } } },
      [creator],
    ],
  ];
  for (const [why, resource, cur, r, want] of cases)
    it(why, () => {
      const applied = applyStatusReport(cur, report({ resource, ...r }));
      const out = withWritersEntries(fields, "", resource, cur, applied.next, r.fields !== undefined);
      assert.deepEqual(out.metadata.managedFields, want);
      assert.deepEqual(
        { ...out, metadata: { ...out.metadata, managedFields: [] } },
        {
          ...applied.next,
          metadata: { ...applied.next.metadata, managedFields: [] },
        },
      );
    });
});
