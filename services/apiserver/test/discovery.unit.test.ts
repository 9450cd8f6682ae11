import assert from "node:assert/strict";
import { aggregatedDiscovery, storageVersionHash, wantsAggregated } from "../src/discovery.ts";

describe("discovery", () => {
  describe("which document an Accept header asks for", () => {
    const v2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    const v2beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
    const cases: [string, string | undefined, boolean][] = [
      ["kubectl 1.35 / client-go", `${v2},${v2beta1},application/json`, true],
      [
        "spaces around entries and parameters",
        ` application/json ; as=APIGroupDiscoveryList ; g=apidiscovery.k8s.io ; v=v2`,
        true,
      ],
      ["only v2beta1 (removed): legacy", `${v2beta1},application/json`, false],
      ["plain JSON first", `application/json,${v2}`, false],
      ["*/* first", `*/*,${v2}`, false],
      ["no Accept", undefined, false],
      ["protobuf (not served) then v2", `application/vnd.kubernetes.protobuf,${v2}`, true],
    ];
    for (const [name, accept, want] of cases) it(name, () => assert.equal(wantsAggregated(accept), want));
  });

  describe("storageVersionHash as kube-apiserver 1.35 computes it", () => {
    const cases: [string, { group: string; version: string; resource: string; kind: string }, string][] = [
      [
        "apps/v1 Deployment",
        { group: "apps", version: "v1", resource: "deployments", kind: "Deployment" },
        "8aSe+NMegvE=",
      ],
      [
        "events.k8s.io Events are stored as core Events",
        { group: "events.k8s.io", version: "v1", resource: "events", kind: "Event" },
        "r2yiGXH7wu8=",
      ],
      [
        "VolumeAttributesClass is stored as v1beta1",
        { group: "storage.k8s.io", version: "v1", resource: "volumeattributesclasses", kind: "VolumeAttributesClass" },
        "Bl3MtjZ/n/s=",
      ],
    ];
    for (const [name, t, want] of cases) it(name, () => assert.equal(storageVersionHash(t), want));
  });

  it("the aggregated document lists each resource once with its subresources, sorted", () => {
    const core = aggregatedDiscovery(true);
    const v1 = core.items[0]?.versions[0];
    const names = v1?.resources.map((r) => r.resource) ?? [];
    assert.deepEqual(names, [...names].sort());
    assert.ok(!names.some((n) => n.includes("/")));
    const pods = v1?.resources.find((r) => r.resource === "pods") as { subresources?: { subresource: string }[] };
    assert.deepEqual(
      pods.subresources?.map((s) => s.subresource),
      ["attach", "binding", "ephemeralcontainers", "eviction", "exec", "log", "portforward", "resize", "status"],
    );
  });
});
