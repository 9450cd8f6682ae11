import assert from "node:assert/strict";
import { SchemaIndex } from "../src/openapi-schema.ts";
import { goFormat, goStableSort, StrategicMergePatchError, strategicMergePatch } from "../src/strategic-merge-patch.ts";

// A slice of the real definitions (swagger 2.0 form, as kube-apiserver serves them) with the patch metadata
// that matters: containers/env/volumes/ports merge by key, finalizers are a merged primitive list, args and
// tolerations have no strategy (replaced), strategy has retainKeys.
const ref = (n: string) => ({ $ref: `#/definitions/${n}` });
const index = new SchemaIndex({
  definitions: {
    Deployment: {
      "x-kubernetes-group-version-kind": [{ group: "apps", version: "v1", kind: "Deployment" }],
      properties: { apiVersion: {}, kind: {}, metadata: ref("ObjectMeta"), spec: ref("DeploymentSpec"), status: {} },
    },
    ObjectMeta: {
      properties: {
        name: { type: "string" },
        labels: { type: "object", additionalProperties: { type: "string" } },
        finalizers: { type: "array", items: { type: "string" }, "x-kubernetes-patch-strategy": "merge" },
        ownerReferences: {
          type: "array",
          items: ref("OwnerReference"),
          "x-kubernetes-patch-merge-key": "uid",
          "x-kubernetes-patch-strategy": "merge",
        },
      },
    },
    OwnerReference: { properties: { uid: { type: "string" }, name: { type: "string" } } },
    DeploymentSpec: {
      properties: {
        replicas: { type: "integer" },
        strategy: { ...ref("DeploymentStrategy"), "x-kubernetes-patch-strategy": "retainKeys" },
        template: ref("PodTemplateSpec"),
      },
    },
    DeploymentStrategy: { properties: { type: { type: "string" }, rollingUpdate: { type: "object" } } },
    PodTemplateSpec: { properties: { metadata: ref("ObjectMeta"), spec: ref("PodSpec") } },
    PodSpec: {
      properties: {
        containers: {
          type: "array",
          items: { allOf: [ref("Container")], default: {} },
          "x-kubernetes-patch-merge-key": "name",
          "x-kubernetes-patch-strategy": "merge",
        },
        volumes: {
          type: "array",
          items: ref("Volume"),
          "x-kubernetes-patch-merge-key": "name",
          "x-kubernetes-patch-strategy": "merge,retainKeys",
        },
        tolerations: { type: "array", items: { type: "object" } },
        nodeSelector: { type: "object", additionalProperties: { type: "string" } },
      },
    },
    Container: {
      properties: {
        name: { type: "string" },
        image: { type: "string" },
        args: { type: "array", items: { type: "string" } },
        env: {
          type: "array",
          items: ref("EnvVar"),
          "x-kubernetes-patch-merge-key": "name",
          "x-kubernetes-patch-strategy": "merge",
        },
        ports: {
          type: "array",
          items: ref("ContainerPort"),
          "x-kubernetes-patch-merge-key": "containerPort",
          "x-kubernetes-patch-strategy": "merge",
        },
      },
    },
    EnvVar: { properties: { name: { type: "string" }, value: { type: "string" } } },
    ContainerPort: { properties: { containerPort: { type: "integer" }, protocol: { type: "string" } } },
    Volume: { properties: { name: { type: "string" }, emptyDir: { type: "object" }, hostPath: { type: "object" } } },
  },
});
const deploy = index.patchMeta(index.kind("apps", "v1", "Deployment"));

const spec = (containers: unknown[], extra: Record<string, unknown> = {}) => ({
  spec: { template: { spec: { containers, ...extra } } },
});

interface Case {
  name: string;
  original: unknown;
  patch: unknown;
  want?: unknown;
  error?: RegExp;
  status?: "BadRequest" | "Invalid" | "Unknown";
}

const cases: Case[] = [
  // kubernetes.io "Update API Objects in Place Using kubectl patch": the containers list is merged by name.
  {
    // The docs' output lists the patch's container first: new elements go before the server's own.
    name: "docs: adding a container merges the containers list by name",
    original: spec([{ name: "patch-demo-ctr", image: "nginx" }]),
    patch: spec([{ name: "patch-demo-ctr-2", image: "redis" }]),
    want: spec([
      { name: "patch-demo-ctr-2", image: "redis" },
      { name: "patch-demo-ctr", image: "nginx" },
    ]),
  },
  {
    name: "docs: tolerations have no patch strategy, so the list is replaced",
    original: spec([{ name: "c" }], { tolerations: [{ effect: "NoSchedule", key: "dedicated", value: "test-team" }] }),
    patch: spec([], { tolerations: [{ effect: "NoSchedule", key: "disktype", value: "ssd" }] }),
    want: spec([{ name: "c" }], { tolerations: [{ effect: "NoSchedule", key: "disktype", value: "ssd" }] }),
  },
  {
    name: "docs: retainKeys clears the fields of strategy the patch does not keep",
    original: { spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%" } } } },
    patch: { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } },
    want: { spec: { strategy: { type: "Recreate" } } },
  },
  {
    name: "a matching element is merged field by field, nested lists by their own keys",
    original: spec([
      { name: "a", image: "x", env: [{ name: "A", value: "1" }], ports: [{ containerPort: 80, protocol: "TCP" }] },
    ]),
    patch: spec([{ name: "a", env: [{ name: "B", value: "2" }], ports: [{ containerPort: 80, protocol: "UDP" }] }]),
    want: spec([
      {
        name: "a",
        image: "x",
        env: [
          { name: "B", value: "2" },
          { name: "A", value: "1" },
        ],
        ports: [{ containerPort: 80, protocol: "UDP" }],
      },
    ]),
  },
  {
    name: "a list of primitives without a strategy is replaced",
    original: spec([{ name: "a", args: ["1", "2"] }]),
    patch: spec([{ name: "a", args: ["3"] }]),
    want: spec([{ name: "a", args: ["3"] }]),
  },
  {
    // Checked against kube-apiserver 1.35: ["a/a","a/b"] patched with ["a/c","a/a"] gives ["a/c","a/a","a/b"].
    name: "a merged primitive list is a union (finalizers), patch order first",
    original: { metadata: { finalizers: ["a", "b"] } },
    patch: { metadata: { finalizers: ["c", "a"] } },
    want: { metadata: { finalizers: ["c", "a", "b"] } },
  },
  {
    name: "$deleteFromPrimitiveList removes values from a merged primitive list",
    original: { metadata: { finalizers: ["a", "b", "c"] } },
    patch: { metadata: { "$deleteFromPrimitiveList/finalizers": ["b"] } },
    want: { metadata: { finalizers: ["a", "c"] } },
  },
  {
    name: "null deletes a map key; an unmatched null is ignored",
    original: { metadata: { labels: { a: "1", b: "2" } } },
    patch: { metadata: { labels: { a: null, z: null } } },
    want: { metadata: { labels: { b: "2" } } },
  },
  {
    name: "nulls inside a new value are dropped",
    original: {},
    patch: { metadata: { labels: { a: "1", b: null } } },
    want: { metadata: { labels: { a: "1" } } },
  },
  {
    name: "$patch: delete on a list element removes it by merge key",
    original: {
      metadata: {
        ownerReferences: [
          { uid: "1", name: "a" },
          { uid: "2", name: "b" },
        ],
      },
    },
    patch: { metadata: { ownerReferences: [{ $patch: "delete", uid: "1" }] } },
    want: { metadata: { ownerReferences: [{ uid: "2", name: "b" }] } },
  },
  {
    name: "$patch: replace on a list replaces it with the other elements",
    original: spec([{ name: "a" }, { name: "b" }]),
    patch: spec([{ name: "c" }, { $patch: "replace" }]),
    want: spec([{ name: "c" }]),
  },
  {
    name: "$patch: replace on a map replaces the map",
    original: { spec: { template: { spec: { nodeSelector: { a: "1" } } } } },
    patch: { spec: { template: { spec: { nodeSelector: { b: "2", $patch: "replace" } } } } },
    want: { spec: { template: { spec: { nodeSelector: { b: "2" } } } } },
  },
  {
    name: "$patch: delete on a map empties it",
    original: { spec: { template: { spec: { nodeSelector: { a: "1" } } } } },
    patch: { spec: { template: { spec: { nodeSelector: { $patch: "delete" } } } } },
    want: { spec: { template: { spec: { nodeSelector: {} } } } },
  },
  {
    name: "a directive on a map the original lacks adds nothing",
    original: { metadata: {} },
    patch: { metadata: { labels: { $patch: "merge" } } },
    want: { metadata: {} },
  },
  {
    name: "$setElementOrder orders the merged list",
    original: spec([{ name: "a" }, { name: "b" }, { name: "c" }]),
    patch: {
      spec: {
        template: {
          spec: { "$setElementOrder/containers": [{ name: "c" }, { name: "a" }, { name: "b" }], containers: [] },
        },
      },
    },
    want: spec([{ name: "c" }, { name: "a" }, { name: "b" }]),
  },
  {
    name: "kubectl apply's patch: $setElementOrder with the changed element",
    original: spec([
      { name: "a", image: "1" },
      { name: "b", image: "1" },
    ]),
    patch: {
      metadata: { labels: { x: "y" } },
      spec: {
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "a" }, { name: "b" }],
            containers: [{ name: "b", image: "2" }],
          },
        },
      },
    },
    want: {
      metadata: { labels: { x: "y" } },
      ...spec([
        { name: "a", image: "1" },
        { name: "b", image: "2" },
      ]),
    },
  },
  {
    name: "volumes merge by name and retainKeys keeps one volume source",
    original: spec([], { volumes: [{ name: "v", emptyDir: {} }] }),
    patch: spec([], { volumes: [{ name: "v", hostPath: { path: "/x" }, $retainKeys: ["name", "hostPath"] }] }),
    want: spec([], { volumes: [{ name: "v", hostPath: { path: "/x" } }] }),
  },
  {
    name: "a field of a different type is replaced",
    original: { spec: { replicas: 1 } },
    patch: { spec: { replicas: "2" } },
    want: { spec: { replicas: "2" } },
  },
  {
    name: "an element without its merge key is refused as kube does (500, no reason)",
    original: spec([{ name: "c", image: "nginx" }]),
    patch: spec([{ image: "x" }]),
    error: /^map: map\[image:x\] does not contain declared merge key: name$/,
    status: "Unknown",
  },
  {
    name: "an unknown $patch directive",
    original: { spec: {} },
    patch: { spec: { $patch: "bogus" } },
    error: /^unknown patch type: bogus in map: map\[\$patch:bogus\]$/,
    status: "Unknown",
  },
  {
    name: "$patch: merge in a list",
    original: spec([{ name: "c" }]),
    patch: spec([{ $patch: "merge", name: "c" }]),
    error: /^merging lists cannot yet be specified in the patch$/,
    status: "Unknown",
  },
  {
    name: "a malformed $deleteFromPrimitiveList is a bad request",
    original: { metadata: {} },
    patch: { metadata: { $deleteFromPrimitiveList: ["a"] } },
    error: /^invalid patch format of primitive list$/,
    status: "BadRequest",
  },
  {
    name: "$retainKeys that is not a list is a bad request",
    original: { metadata: {} },
    patch: { metadata: { $retainKeys: "x" } },
    error: /^invalid patch format of retainKeys$/,
    status: "BadRequest",
  },
  {
    name: "a patch key missing from $retainKeys is a bad request",
    original: { metadata: {} },
    patch: { metadata: { $retainKeys: ["name"], labels: { a: "b" } } },
    error: /^invalid patch format of retainKeys$/,
    status: "BadRequest",
  },
  {
    name: "mixed element types, quoted the way Go prints them",
    original: { metadata: { finalizers: ["a/b"] } },
    patch: { metadata: { finalizers: [["x"]] } },
    error: /^list element types are not identical: \[\[a\/b\] \[\[x\]\]\]$/,
    status: "Unknown",
  },
  {
    name: "a body that is not an object",
    original: {},
    patch: [1],
    error: /^json: cannot unmarshal array into Go value of type map\[string\]interface \{\}$/,
    status: "BadRequest",
  },
];

describe("strategic merge patch (apimachinery strategicpatch semantics)", () => {
  for (const c of cases) {
    it(c.name, () => {
      const run = () => strategicMergePatch(structuredClone(c.original), structuredClone(c.patch), deploy);
      if (c.error) {
        assert.throws(run, (err: unknown) => {
          assert.ok(err instanceof StrategicMergePatchError, String(err));
          assert.match(err.message, c.error as RegExp);
          assert.equal(err.status, c.status);
          return true;
        });
      } else {
        assert.deepEqual(run(), c.want);
      }
    });
  }

  it("prints values as Go's %v does", () => {
    assert.equal(goFormat({ b: [1, "x", null], a: { c: true } }), "map[a:map[c:true] b:[1 x <nil>]]");
    assert.equal(goFormat(1.5), "1.5");
  });

  it("sorts stably like Go's sort.SliceStable, including with a non-strict comparator", () => {
    const xs = Array.from({ length: 50 }, (_, i) => ({ k: i % 7, i }));
    goStableSort(xs, (a, b) => a.k < b.k);
    assert.deepEqual(
      xs.map((x) => x.i),
      [...xs].sort((a, b) => a.k - b.k || a.i - b.i).map((x) => x.i),
    );
    // A comparator that calls x and y "less" than anything, each other included: insertion sort moves y past x.
    const ys = ["a", "x", "b", "y"];
    goStableSort(ys, (a) => a === "x" || a === "y");
    assert.deepEqual(ys, ["y", "x", "a", "b"]);
  });
});
