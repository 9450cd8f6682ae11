import assert from "node:assert/strict";
import { hostAnnotations, mergeHostOnlyAnnotations } from "../src/index.ts";

describe("hostAnnotations", () => {
  const cases: {
    name: string;
    annotations: Record<string, string>;
    namespace?: string;
    excluded?: string[];
    want: Record<string, string>;
  }[] = [
    {
      name: "identity only when the virtual object has no annotations",
      annotations: {},
      want: {
        "evk.dev/object-name": "cm",
        "evk.dev/object-namespace": "default",
        "evk.dev/object-uid": "u1",
        "evk.dev/object-kind": "/v1, Kind=ConfigMap",
        "evk.dev/object-host-name": "cm-x-default-x-vc",
        "evk.dev/object-host-namespace": "hostns",
      },
    },
    {
      name: "copies user annotations, lists them sorted, refuses spoofed identity and excluded keys",
      annotations: { b: "2", a: "1", "evk.dev/object-name": "spoof", "evk.dev/managed-annotations": "x", skip: "s" },
      excluded: ["skip"],
      want: {
        a: "1",
        b: "2",
        "evk.dev/object-name": "cm",
        "evk.dev/object-namespace": "default",
        "evk.dev/object-uid": "u1",
        "evk.dev/object-kind": "/v1, Kind=ConfigMap",
        "evk.dev/object-host-name": "cm-x-default-x-vc",
        "evk.dev/object-host-namespace": "hostns",
        "evk.dev/managed-annotations": "a\nb",
      },
    },
    {
      name: "cluster-scoped objects get no namespace annotations",
      annotations: {},
      namespace: "",
      want: {
        "evk.dev/object-name": "cm",
        "evk.dev/object-uid": "u1",
        "evk.dev/object-kind": "/v1, Kind=ConfigMap",
        "evk.dev/object-host-name": "cm-x-default-x-vc",
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = hostAnnotations({
        hostNamespace: "hostns",
        kind: "/v1, Kind=ConfigMap",
        virtual: {
          metadata: { name: "cm", namespace: c.namespace ?? "default", uid: "u1", annotations: c.annotations },
        },
        hostName: "cm-x-default-x-vc",
        ...(c.excluded ? { excluded: c.excluded } : {}),
      });
      assert.deepEqual(got, c.want);
    });
  }
});

describe("mergeHostOnlyAnnotations", () => {
  const cases: {
    name: string;
    desired: Record<string, string>;
    host: Record<string, string>;
    want: Record<string, string>;
  }[] = [
    {
      name: "keeps annotations host controllers added",
      desired: { a: "1" },
      host: { h: "x" },
      want: { a: "1", h: "x" },
    },
    {
      name: "drops annotations the syncer copied before and the virtual object lost",
      desired: { a: "1" },
      host: { a: "1", old: "o", "evk.dev/managed-annotations": "a\nold" },
      want: { a: "1" },
    },
    { name: "drops stale evk.dev keys", desired: {}, host: { "evk.dev/owner-set-kind": "ReplicaSet" }, want: {} },
    { name: "desired values win", desired: { a: "new" }, host: { a: "old" }, want: { a: "new" } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(mergeHostOnlyAnnotations(c.desired, c.host), c.want));
});
