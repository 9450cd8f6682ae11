import assert from "node:assert/strict";
import { humanDuration, tableColumns, toTable, wantsTable } from "../src/tables.ts";

describe("tables", () => {
  const s = 1000;
  const table: [number, string][] = [
    [-5 * s, "<invalid>"],
    [-0.5 * s, "0s"],
    [0, "0s"],
    [119 * s, "119s"],
    [120 * s, "2m"],
    [150 * s, "2m30s"],
    [9 * 60 * s + 59 * s, "9m59s"],
    [10 * 60 * s + 30 * s, "10m"],
    [179 * 60 * s, "179m"],
    [3 * 3600 * s, "3h"],
    [7 * 3600 * s + 30 * 60 * s, "7h30m"],
    [47 * 3600 * s, "47h"],
    [48 * 3600 * s, "2d"],
    [(7 * 24 + 5) * 3600 * s, "7d5h"],
    [8 * 24 * 3600 * s, "8d"],
    [729 * 24 * 3600 * s, "729d"],
    [(2 * 365 + 3) * 24 * 3600 * s, "2y3d"],
    [9 * 365 * 24 * 3600 * s, "9y"],
  ];
  for (const [ms, want] of table) {
    it(`humanDuration(${ms / 1000}s) = ${want}`, () => assert.equal(humanDuration(ms), want));
  }

  it("chooses a v1 Table only when the client asks for it first", () => {
    assert.equal(
      wantsTable(
        "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
      ),
      true,
    );
    assert.equal(wantsTable("application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"), false);
    assert.equal(wantsTable("application/json"), false);
    assert.equal(wantsTable(undefined), false);
  });

  it("prints configmap rows with kube's columns and metadata-only objects", () => {
    const now = Date.parse("2026-01-01T00:10:00Z");
    const cm = {
      metadata: { name: "c1", creationTimestamp: "2026-01-01T00:00:00Z" },
      data: { a: "1", b: "2" },
      binaryData: { c: "eA==" },
    };
    const t = toTable(tableColumns["core/configmaps"] ?? [], [cm], { resourceVersion: "7" }, null, now);
    assert.deepEqual(
      t.columnDefinitions.map((c) => c.name),
      ["Name", "Data", "Age"],
    );
    assert.deepEqual(t.rows[0]?.cells, ["c1", 3, "10m"]);
    assert.deepEqual(t.rows[0]?.object, {
      kind: "PartialObjectMetadata",
      apiVersion: "meta.k8s.io/v1",
      metadata: cm.metadata,
    });
  });
});
