import assert from "node:assert/strict";
import type { CoreV1Event } from "@kubernetes/client-node";
import { virtualEventFor } from "../src/event.ts";

describe("host events in the virtual cluster", () => {
  const hostEvent: CoreV1Event = {
    metadata: {
      name: "web-x-default-x-dev.18a2b3c4d5e6f708",
      namespace: "evk-dev",
      uid: "host-ev",
      resourceVersion: "42",
    },
    involvedObject: {
      apiVersion: "v1",
      kind: "Pod",
      name: "web-x-default-x-dev",
      namespace: "evk-dev",
      uid: "host-pod-uid",
      resourceVersion: "40",
    },
    reason: "Scheduled",
    type: "Normal",
    count: 1,
    message: "Successfully assigned evk-dev/web-x-default-x-dev to kwok-node-0",
    source: { component: "default-scheduler" },
  };
  const virtual = { namespace: "default", name: "web", uid: "v-uid", resourceVersion: "7" };
  const host = { namespace: "evk-dev", name: "web-x-default-x-dev" };
  const cases: [string, (e: CoreV1Event) => unknown, unknown][] = [
    ["is named after the virtual object", (e) => e.metadata?.name, "web.18a2b3c4d5e6f708"],
    ["lives in the virtual namespace", (e) => e.metadata?.namespace, "default"],
    ["has no host identity", (e) => [e.metadata?.uid, e.metadata?.resourceVersion], [undefined, undefined]],
    [
      "points at the virtual object",
      (e) => e.involvedObject,
      { apiVersion: "v1", kind: "Pod", name: "web", namespace: "default", uid: "v-uid", resourceVersion: "7" },
    ],
    ["speaks of virtual names", (e) => e.message, "Successfully assigned default/web to kwok-node-0"],
    [
      "keeps reason, type, count and source",
      (e) => [e.reason, e.type, e.count, e.source?.component],
      ["Scheduled", "Normal", 1, "default-scheduler"],
    ],
  ];
  for (const [why, get, want] of cases) {
    it(why, () => assert.deepEqual(get(virtualEventFor(hostEvent, virtual, host)), want));
  }
  it("keeps a name that does not start with the host object's", () => {
    const e = virtualEventFor({ ...hostEvent, metadata: { name: "other.1" } }, virtual, host);
    assert.equal(e.metadata?.name, "other.1");
  });
  it("does not change the host event", () => {
    const copy = structuredClone(hostEvent);
    virtualEventFor(hostEvent, virtual, host);
    assert.deepEqual(hostEvent, copy);
  });
});
