import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { clusterScopedHostName, gvkString, hostName, safeConcatName, virtualIdentity } from "../src/index.ts";

const sha10 = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 10);

describe("safeConcatName", () => {
  const dotted = `${"a".repeat(51)}.bcdef`;
  const dottedFull = `${dotted}-x-default-x-c`;
  const exactly63 = `${"b".repeat(63 - "-x-ns-x-c".length)}`;
  const cases: { name: string; parts: string[]; want: string }[] = [
    {
      name: "joins short parts with -",
      parts: ["my-pod", "x", "default", "x", "my-vcluster"],
      want: "my-pod-x-default-x-my-vcluster",
    },
    {
      name: "keeps a result of exactly 63 characters",
      parts: [exactly63, "x", "ns", "x", "c"],
      want: `${exactly63}-x-ns-x-c`,
    },
    {
      name: "hashes the reference's long deployment pod name",
      parts: [
        "a-very-long-deployment-name-with-many-characters-7d4f8b9c6-abcde",
        "x",
        "production",
        "x",
        "my-vcluster",
      ],
      want: "a-very-long-deployment-name-with-many-characters-7d4-dc2dd0c35d",
    },
    {
      name: "drops a dot left right before the hash separator",
      parts: [dotted, "x", "default", "x", "c"],
      want: `${"a".repeat(51)}-${sha10(dottedFull)}`,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = safeConcatName(...c.parts);
      assert.equal(got, c.want);
      assert.ok(got.length <= 63);
    });
  }
  it("computes the 64-character case independently: first 52 chars, '-', first 10 hex of sha256", () => {
    const full = "z".repeat(64);
    assert.equal(safeConcatName(full), `${"z".repeat(52)}-${sha10(full)}`);
  });
});

describe("hostName / clusterScopedHostName", () => {
  const cases: { name: string; got: () => string; want: string }[] = [
    {
      name: "namespaced",
      got: () => hostName("my-vcluster", "default", "my-pod"),
      want: "my-pod-x-default-x-my-vcluster",
    },
    { name: "empty name means do not sync", got: () => hostName("my-vcluster", "default", ""), want: "" },
    {
      name: "cluster-scoped uses the evk prefix and host namespace",
      got: () => clusterScopedHostName("my-vcluster", "team1", "fast"),
      want: "evk-fast-x-team1-x-my-vcluster",
    },
    { name: "Go GVK string, core group", got: () => gvkString("v1", "Pod"), want: "/v1, Kind=Pod" },
    {
      name: "Go GVK string, named group",
      got: () => gvkString("networking.k8s.io/v1", "Ingress"),
      want: "networking.k8s.io/v1, Kind=Ingress",
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(c.got(), c.want));
});

describe("virtualIdentity (IsManaged)", () => {
  const good = () => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "my-pod-x-default-x-vc",
      namespace: "hostns",
      labels: { "evk.dev/managed-by": "vc" } as Record<string, string>,
      annotations: {
        "evk.dev/object-name": "my-pod",
        "evk.dev/object-namespace": "default",
        "evk.dev/object-uid": "u1",
        "evk.dev/object-kind": "/v1, Kind=Pod",
        "evk.dev/object-host-name": "my-pod-x-default-x-vc",
        "evk.dev/object-host-namespace": "hostns",
      } as Record<string, string>,
    },
  });
  type Obj = ReturnType<typeof good>;
  const cases: { name: string; mutate: (o: Obj) => void; kind?: string; want: unknown }[] = [
    {
      name: "accepts a well-formed object",
      mutate: () => {},
      want: { namespace: "default", name: "my-pod", uid: "u1" },
    },
    {
      name: "accepts without optional annotations",
      mutate: (o) => {
        delete o.metadata.annotations["evk.dev/object-kind"];
        delete o.metadata.annotations["evk.dev/object-host-name"];
        delete o.metadata.annotations["evk.dev/object-host-namespace"];
        delete o.metadata.annotations["evk.dev/object-uid"];
      },
      want: { namespace: "default", name: "my-pod" },
    },
    {
      name: "rejects another cluster's marker",
      mutate: (o) => (o.metadata.labels["evk.dev/managed-by"] = "other"),
      want: undefined,
    },
    {
      name: "rejects a missing marker",
      mutate: (o) => delete o.metadata.labels["evk.dev/managed-by"],
      want: undefined,
    },
    {
      name: "rejects objects outside the host namespace",
      mutate: (o) => (o.metadata.namespace = "elsewhere"),
      want: undefined,
    },
    {
      name: "rejects an empty object-name",
      mutate: (o) => (o.metadata.annotations["evk.dev/object-name"] = ""),
      want: undefined,
    },
    {
      name: "rejects annotations that do not translate to this host name",
      mutate: (o) => (o.metadata.annotations["evk.dev/object-name"] = "other-pod"),
      want: undefined,
    },
    {
      name: "rejects a kind mismatch",
      mutate: (o) => (o.metadata.annotations["evk.dev/object-kind"] = "/v1, Kind=Secret"),
      want: undefined,
    },
    {
      name: "rejects a kind mismatch against an explicit kind",
      mutate: (o) => {
        o.apiVersion = "";
      },
      kind: "/v1, Kind=ConfigMap",
      want: undefined,
    },
    {
      name: "rejects a host-name mismatch",
      mutate: (o) => (o.metadata.annotations["evk.dev/object-host-name"] = "x"),
      want: undefined,
    },
    {
      name: "rejects a host-namespace mismatch",
      mutate: (o) => (o.metadata.annotations["evk.dev/object-host-namespace"] = "x"),
      want: undefined,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const o = good();
      c.mutate(o);
      assert.deepEqual(virtualIdentity(o, "vc", "hostns", c.kind), c.want);
    });
  }
  it("accepts cluster-scoped objects by the <hostns>-x-<cluster> marker alone", () => {
    const o = { metadata: { name: "node1", labels: { "evk.dev/managed-by": "hostns-x-vc" } } };
    assert.deepEqual(virtualIdentity(o, "vc", "hostns"), { namespace: "", name: "node1" });
    assert.equal(
      virtualIdentity({ metadata: { name: "node1", labels: { "evk.dev/managed-by": "vc" } } }, "vc", "hostns"),
      undefined,
    );
  });
});
