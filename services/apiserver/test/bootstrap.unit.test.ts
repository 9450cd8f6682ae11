import assert from "node:assert/strict";
import { BOOTSTRAP_NAMESPACES, bootstrapNamespace, ownEntry } from "../src/bootstrap.ts";

describe("bootstrap objects as kube-apiserver writes them", () => {
  const time = "2026-01-02T03:04:05Z";
  for (const name of BOOTSTRAP_NAMESPACES)
    it(`the ${name} namespace: defaulted, no generation, kube-apiserver's entry for its label`, () => {
      assert.deepEqual(bootstrapNamespace(name, "u-1", time), {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
          name,
          uid: "u-1",
          creationTimestamp: time,
          labels: { "kubernetes.io/metadata.name": name },
          managedFields: [
            {
              manager: "kube-apiserver",
              operation: "Update",
              apiVersion: "v1",
              time,
              fieldsType: "FieldsV1",
              fieldsV1: { "f:metadata": { "f:labels": { ".": {}, "f:kubernetes.io/metadata.name": {} } } },
            },
          ],
        },
        spec: { finalizers: ["kubernetes"] },
        status: { phase: "Active" },
      });
    });

  it("an entry is an Update by kube-apiserver, in kube's field order", () => {
    assert.deepEqual(Object.keys(ownEntry("discovery.k8s.io/v1", time, { "f:ports": {} })), [
      "manager",
      "operation",
      "apiVersion",
      "time",
      "fieldsType",
      "fieldsV1",
    ]);
  });
});
