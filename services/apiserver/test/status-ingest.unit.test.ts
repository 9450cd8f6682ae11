import assert from "node:assert/strict";
import type { StatusReport } from "@evk/events";
import { applyStatusReport, HOST_REVISION_ANNOTATION } from "../src/status-ingest.ts";

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
