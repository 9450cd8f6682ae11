import assert from "node:assert/strict";
import { decodeContinue, decodeObject, encodeContinue, encodeObject, objectKey, parseKey } from "../src/index.ts";

describe("store keys", () => {
  const cases = [
    {
      ref: { group: "", resource: "pods", namespace: "default", name: "web-1" },
      key: "/evk/c1/registry/core/pods/default/web-1",
    },
    {
      ref: { group: "apps", resource: "deployments", namespace: "ns", name: "d" },
      key: "/evk/c1/registry/apps/deployments/ns/d",
    },
    {
      ref: { group: "", resource: "namespaces", name: "kube-system" },
      key: "/evk/c1/registry/core/namespaces/kube-system",
    },
    {
      ref: { group: "rbac.authorization.k8s.io", resource: "clusterroles", name: "system:controller:x" },
      key: "/evk/c1/registry/rbac.authorization.k8s.io/clusterroles/system:controller:x",
    },
  ];
  for (const c of cases) {
    it(`lays out and parses ${c.key}`, () => {
      assert.equal(objectKey("c1", c.ref), c.key);
      const parsed = parseKey(c.key);
      assert.deepEqual(parsed, { cluster: "c1", ...c.ref, group: c.ref.group || "core" });
    });
  }
  it("refuses keys outside the layout and names with a slash", () => {
    for (const k of [
      "/registry/pods/a/b",
      "/evk/c1/relay/checkpoint",
      "/evk/c1/registry/core/pods",
      "evk/c1/registry/core/pods/a/b",
    ]) {
      assert.equal(parseKey(k), undefined, k);
    }
    assert.throws(() => objectKey("c1", { group: "", resource: "pods", namespace: "a", name: "x/y" }));
  });
});

describe("store codec", () => {
  it("stores no resourceVersion and reads it back from the revision", () => {
    const enc = encodeObject({ kind: "Pod", metadata: { name: "a", resourceVersion: "5", uid: "u" } });
    assert.equal(enc, '{"kind":"Pod","metadata":{"name":"a","uid":"u"}}');
    assert.deepEqual(decodeObject(enc, 42), { kind: "Pod", metadata: { name: "a", uid: "u", resourceVersion: "42" } });
  });
});

describe("continue tokens", () => {
  it("round-trips kube-apiserver's format", () => {
    const tok = encodeContinue(123, "web-7\u0000");
    assert.deepEqual(JSON.parse(Buffer.from(tok, "base64url").toString()), {
      v: "meta.k8s.io/v1",
      rv: 123,
      start: "web-7\u0000",
    });
    assert.deepEqual(decodeContinue(tok), { revision: 123, start: "web-7\u0000" });
  });
  const bad = [
    ["not base64 json", "%%%"],
    ["wrong version", Buffer.from(JSON.stringify({ v: "x", rv: 1, start: "a" })).toString("base64url")],
    ["zero revision", Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: 0, start: "a" })).toString("base64url")],
    [
      "escaping start",
      Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: 3, start: "../x" })).toString("base64url"),
    ],
  ];
  for (const [why, tok] of bad) {
    it(`rejects a token with ${why} as BadRequest`, () => {
      assert.throws(
        () => decodeContinue(tok as string),
        (e: Error & { reason?: string; code?: number }) => e.reason === "BadRequest" && e.code === 400,
      );
    });
  }
});
