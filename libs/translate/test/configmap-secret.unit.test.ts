import assert from "node:assert/strict";
import type { V1ConfigMap, V1Secret } from "@kubernetes/client-node";
import { configMapOrSecretChanged, translateConfigMap, translateSecret } from "../src/index.ts";

const ctx = { cluster: "vc", hostNamespace: "hostns" };
const vCm: V1ConfigMap = {
  metadata: {
    name: "cfg",
    namespace: "app",
    uid: "u1",
    resourceVersion: "9",
    labels: { a: "1" },
    annotations: { n: "x" },
  },
  data: { k: "v" },
  binaryData: { b: "AAE=" },
  immutable: true,
};

describe("translateConfigMap / translateSecret", () => {
  it("ConfigMap: metadata reset and data copied", () => {
    assert.deepEqual(translateConfigMap(vCm, ctx), {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "cfg-x-app-x-vc",
        namespace: "hostns",
        labels: { a: "1", "evk.dev/managed-by": "vc", "evk.dev/namespace": "app" },
        annotations: {
          n: "x",
          "evk.dev/object-name": "cfg",
          "evk.dev/object-namespace": "app",
          "evk.dev/object-uid": "u1",
          "evk.dev/object-kind": "/v1, Kind=ConfigMap",
          "evk.dev/object-host-name": "cfg-x-app-x-vc",
          "evk.dev/object-host-namespace": "hostns",
          "evk.dev/managed-annotations": "n",
        },
      },
      data: { k: "v" },
      binaryData: { b: "AAE=" },
      immutable: true,
    });
  });
  const secretCases: { name: string; secret: V1Secret; want: Partial<V1Secret> }[] = [
    {
      name: "data and type copied",
      secret: { metadata: { name: "s", namespace: "app" }, type: "kubernetes.io/tls", data: { "tls.crt": "Yw==" } },
      want: { type: "kubernetes.io/tls", data: { "tls.crt": "Yw==" } },
    },
    {
      name: "service-account-token becomes Opaque",
      secret: { metadata: { name: "s", namespace: "app" }, type: "kubernetes.io/service-account-token", data: {} },
      want: { type: "Opaque", data: {} },
    },
    {
      name: "stringData folded into data as base64, overriding data",
      secret: { metadata: { name: "s", namespace: "app" }, data: { a: "eA==", b: "eQ==" }, stringData: { b: "héllo" } },
      want: { data: { a: "eA==", b: Buffer.from("héllo").toString("base64") } },
    },
  ];
  for (const c of secretCases) {
    it(`Secret: ${c.name}`, () => {
      const got = translateSecret(c.secret, ctx);
      assert.equal(got.metadata?.name, "s-x-app-x-vc");
      assert.equal(got.stringData, undefined);
      assert.deepEqual({ type: got.type, data: got.data }, { type: c.want.type, data: c.want.data });
    });
  }
});

describe("configMapOrSecretChanged", () => {
  const desired = translateConfigMap(vCm, ctx);
  const asHost = (mutate: (h: V1ConfigMap) => void) => {
    const h = structuredClone(desired);
    h.metadata = { ...h.metadata, uid: "host", resourceVersion: "1" };
    mutate(h);
    return h;
  };
  const cases: { name: string; host: V1ConfigMap; want: boolean }[] = [
    { name: "identical", host: asHost(() => {}), want: false },
    {
      name: "host-only annotation",
      host: asHost((h) => (h.metadata = { ...h.metadata, annotations: { ...h.metadata?.annotations, h: "1" } })),
      want: false,
    },
    { name: "data differs", host: asHost((h) => (h.data = { k: "other" })), want: true },
    { name: "binaryData differs", host: asHost((h) => delete h.binaryData), want: true },
    { name: "immutable differs", host: asHost((h) => (h.immutable = false)), want: true },
    { name: "label differs", host: asHost((h) => (h.metadata = { ...h.metadata, labels: { a: "2" } })), want: true },
    {
      name: "stale managed annotation on host",
      host: asHost(
        (h) =>
          (h.metadata = {
            ...h.metadata,
            annotations: { ...h.metadata?.annotations, gone: "1", "evk.dev/managed-annotations": "gone\nn" },
          }),
      ),
      want: true,
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(configMapOrSecretChanged(desired, c.host), c.want));
  it("Secret type differs; missing type means Opaque", () => {
    const d = translateSecret({ metadata: { name: "s", namespace: "a" }, data: {} }, ctx);
    assert.equal(configMapOrSecretChanged(d, { ...structuredClone(d), type: "Opaque" }), false);
    const t = translateSecret({ metadata: { name: "s", namespace: "a" }, type: "kubernetes.io/tls", data: {} }, ctx);
    assert.equal(configMapOrSecretChanged(t, { ...structuredClone(t), type: "Opaque" }), true);
  });
});
