import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  controlledByOther,
  hostLabelKey,
  hostLabels,
  namespaceLabelsForPod,
  translateLabelSelector,
  translateNamespaceSelector,
  virtualLabels,
} from "../src/index.ts";

const sha10 = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 10);

describe("hostLabelKey", () => {
  it("matches the reference example's hash: release → a4d451ec23", () => assert.equal(sha10("release"), "a4d451ec23"));
  const cases: { key: string; want: string }[] = [
    { key: "release", want: `evk.dev/label-my-vcluster-x-${sha10("release")}` },
    { key: "evk.dev/namespace", want: `evk.dev/label-my-vcluster-x-${sha10("evk.dev/namespace")}` },
    { key: "evk.dev/managed-by", want: `evk.dev/label-my-vcluster-x-${sha10("evk.dev/managed-by")}` },
    { key: "evk.dev/controlled-by", want: `evk.dev/label-my-vcluster-x-${sha10("evk.dev/controlled-by")}` },
    { key: "app", want: "app" },
    { key: "vcluster.loft.sh/namespace", want: "vcluster.loft.sh/namespace" },
    { key: "app.kubernetes.io/name", want: "app.kubernetes.io/name" },
  ];
  for (const c of cases) it(`${c.key} → ${c.want}`, () => assert.equal(hostLabelKey("my-vcluster", c.key), c.want));
});

describe("hostLabels / virtualLabels", () => {
  const releaseKey = `evk.dev/label-vc-x-${sha10("release")}`;
  const cases: { name: string; virtual: Record<string, string>; host: Record<string, string> }[] = [
    {
      name: "plain labels plus markers",
      virtual: { app: "web" },
      host: { app: "web", "evk.dev/managed-by": "vc", "evk.dev/namespace": "default" },
    },
    {
      name: "release=foo is hashed",
      virtual: { release: "foo", app: "web" },
      host: { [releaseKey]: "foo", app: "web", "evk.dev/managed-by": "vc", "evk.dev/namespace": "default" },
    },
    {
      name: "a user's evk.dev/namespace cannot overwrite the marker",
      virtual: { "evk.dev/namespace": "kube-system" },
      host: {
        [`evk.dev/label-vc-x-${sha10("evk.dev/namespace")}`]: "kube-system",
        "evk.dev/managed-by": "vc",
        "evk.dev/namespace": "default",
      },
    },
  ];
  for (const c of cases) {
    it(`${c.name}: forward`, () => assert.deepEqual(hostLabels("vc", "default", c.virtual), c.host));
    it(`${c.name}: back`, () => assert.deepEqual(virtualLabels("vc", c.host), c.virtual));
  }
  it("never copies ns-labels or controlled-by back", () => {
    const host = { a: "1", "evk.dev/ns-label-vc-x-0123456789": "x", "evk.dev/controlled-by": "p" };
    assert.deepEqual(virtualLabels("vc", host), { a: "1" });
  });
  it("maps known virtual keys back, leaves unknown hashed keys alone", () => {
    const hashed = `evk.dev/label-vc-x-${sha10("zzz")}`;
    assert.deepEqual(virtualLabels("vc", { [hashed]: "v" }), { [hashed]: "v" });
  });
});

describe("namespaceLabelsForPod", () => {
  it("hashes every key under the ns-label prefix", () => {
    assert.deepEqual(namespaceLabelsForPod("vc", { team: "a", env: "prod" }), {
      [`evk.dev/ns-label-vc-x-${sha10("team")}`]: "a",
      [`evk.dev/ns-label-vc-x-${sha10("env")}`]: "prod",
    });
  });
});

describe("label selectors", () => {
  const cases: { name: string; got: () => unknown; want: unknown }[] = [
    {
      name: "undefined stays undefined (matches nothing)",
      got: () => translateLabelSelector("vc", undefined),
      want: undefined,
    },
    { name: "empty stays empty (matches everything)", got: () => translateLabelSelector("vc", {}), want: {} },
    {
      name: "reserved keys in matchLabels and matchExpressions are hashed",
      got: () =>
        translateLabelSelector("vc", {
          matchLabels: { release: "r", app: "a" },
          matchExpressions: [{ key: "release", operator: "In", values: ["x"] }],
        }),
      want: {
        matchLabels: { [`evk.dev/label-vc-x-${sha10("release")}`]: "r", app: "a" },
        matchExpressions: [{ key: `evk.dev/label-vc-x-${sha10("release")}`, operator: "In", values: ["x"] }],
      },
    },
    {
      name: "namespace selectors use ns-label keys",
      got: () => translateNamespaceSelector("vc", { matchExpressions: [{ key: "team", operator: "Exists" }] }),
      want: { matchExpressions: [{ key: `evk.dev/ns-label-vc-x-${sha10("team")}`, operator: "Exists" }] },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(c.got(), c.want));
});

describe("controlledByOther", () => {
  const cases: {
    name: string;
    obj: { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } };
    want: boolean;
  }[] = [
    { name: "plain object", obj: { metadata: {} }, want: false },
    { name: "label with any value", obj: { metadata: { labels: { "evk.dev/controlled-by": "" } } }, want: true },
    {
      name: "annotation naming another",
      obj: { metadata: { annotations: { "evk.dev/controlled-by": "plugin" } } },
      want: true,
    },
    {
      name: "annotation naming this syncer",
      obj: { metadata: { annotations: { "evk.dev/controlled-by": "me" } } },
      want: false,
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(controlledByOther(c.obj, "me"), c.want));
});
