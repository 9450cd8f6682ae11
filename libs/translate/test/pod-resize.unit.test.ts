import assert from "node:assert/strict";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { podResize, translatePod } from "../src/index.ts";
import { baseCtx, basePod } from "./fixtures.ts";

/** A virtual pod with a sidecar, a regular init container and two containers, and its host twin. */
function pair(): { v: V1Pod; host: V1Pod } {
  const v = basePod();
  v.spec = {
    ...v.spec,
    initContainers: [
      { name: "side", image: "busybox", restartPolicy: "Always", resources: { requests: { cpu: "10m" } } },
      { name: "init", image: "busybox", resources: { requests: { cpu: "5m" } } },
    ],
    containers: [
      {
        name: "main",
        image: "nginx:1",
        resources: { requests: { cpu: "100m" }, limits: { cpu: "200m" } },
        resizePolicy: [{ resourceName: "cpu", restartPolicy: "NotRequired" }],
      },
      { name: "extra", image: "nginx:1" },
    ],
  };
  const r = translatePod(v, baseCtx());
  if (!r.ok) assert.fail(r.message);
  return { v, host: { ...structuredClone(r.pod), metadata: { ...r.pod.metadata, resourceVersion: "7" } } };
}

const container = (p: V1Pod | undefined, name: string): V1Container | undefined =>
  [...(p?.spec?.containers ?? []), ...(p?.spec?.initContainers ?? [])].find((c) => c.name === name);

describe("podResize", () => {
  it("nothing to carry when the host pod has the virtual pod's resources", () => {
    const { v, host } = pair();
    assert.equal(podResize(v, host), undefined);
  });

  const cases: { name: string; edit: (v: V1Pod) => void; check: (out: V1Pod | undefined, host: V1Pod) => void }[] = [
    {
      name: "a container's new requests and limits, nothing else of the host pod",
      edit: (v) => {
        (container(v, "main") as V1Container).resources = { requests: { cpu: "150m" }, limits: { cpu: "300m" } };
        (container(v, "main") as V1Container).image = "nginx:2";
      },
      check: (out, host) => {
        assert.deepEqual(container(out, "main")?.resources, { requests: { cpu: "150m" }, limits: { cpu: "300m" } });
        assert.equal(container(out, "main")?.image, container(host, "main")?.image);
        assert.equal(out?.metadata?.resourceVersion, "7");
        assert.deepEqual({ ...out, spec: undefined }, { ...host, spec: undefined });
      },
    },
    {
      name: "resources given to a container that had none, and a resize policy",
      edit: (v) => {
        (container(v, "extra") as V1Container).resources = { requests: { memory: "64Mi" } };
        (container(v, "extra") as V1Container).resizePolicy = [
          { resourceName: "memory", restartPolicy: "RestartContainer" },
        ];
      },
      check: (out) => {
        assert.deepEqual(container(out, "extra")?.resources, { requests: { memory: "64Mi" } });
        assert.deepEqual(container(out, "extra")?.resizePolicy, [
          { resourceName: "memory", restartPolicy: "RestartContainer" },
        ]);
      },
    },
    {
      name: "a sidecar's resources",
      edit: (v) => {
        (container(v, "side") as V1Container).resources = { requests: { cpu: "20m" } };
      },
      check: (out) => assert.deepEqual(container(out, "side")?.resources, { requests: { cpu: "20m" } }),
    },
    {
      name: "not a regular init container's (they cannot be resized)",
      edit: (v) => {
        (container(v, "init") as V1Container).resources = { requests: { cpu: "1" } };
      },
      check: (out) => assert.equal(out, undefined),
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const { v, host } = pair();
      c.edit(v);
      const before = structuredClone(host);
      c.check(podResize(v, host), host);
      assert.deepEqual(host, before, "the host pod given is left as it was");
    });
});
