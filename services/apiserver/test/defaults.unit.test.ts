import assert from "node:assert/strict";
import { applyDefaults } from "../src/defaults.ts";

describe("defaulting", () => {
  it("makes a namespace Active with the kubernetes finalizer and its name label", () => {
    const ns = applyDefaults("", "namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "a", labels: { x: "y" } },
      status: { phase: "Terminating" },
    });
    assert.deepEqual(ns, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "a", labels: { x: "y", "kubernetes.io/metadata.name": "a" } },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    });
  });
  it("keeps finalizers the client set and leaves resources without defaulters alone", () => {
    assert.deepEqual(applyDefaults("", "namespaces", { metadata: { name: "b" }, spec: { finalizers: [] } }).spec, {
      finalizers: [],
    });
    const cm = { metadata: { name: "c" }, data: {} };
    assert.equal(applyDefaults("", "configmaps", cm), cm);
  });
});
