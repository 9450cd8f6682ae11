import assert from "node:assert/strict";
import type { KubeObject } from "@evk/kube";
import { decodeApplyBody, strictApplyError } from "../src/managed-fields/apply-body.ts";
import {
  capUpdateManagers,
  conflictError,
  decodeManagedFields,
  encodeManagedFields,
  isReset,
  managerIdentifier,
} from "../src/managed-fields/entries.ts";
import {
  checkWriteOptions,
  FieldManager,
  forceOf,
  LAST_APPLIED,
  managerOf,
  type WriteTarget,
} from "../src/managed-fields/index.ts";
import {
  canonicalElement,
  compareElements,
  elementString,
  goJsonString,
  keyKey,
  pathString,
  valueKey,
} from "../src/managed-fields/path.ts";
import { ownershipFilter } from "../src/managed-fields/reset-fields.ts";
import { type Atom, DEDUCED, TypeSchema } from "../src/managed-fields/schema.ts";
import { FieldSet } from "../src/managed-fields/set.ts";
import {
  compare,
  ensureNamedFieldsAreMembers,
  goShape,
  merge,
  reconcileWithSchema,
  removeItems,
  sameValue,
  toFieldSet,
  validate,
} from "../src/managed-fields/typed.ts";
import { apply, ConflictsError, type ManagedFields, update } from "../src/managed-fields/updater.ts";

// A cut-down copy of the OpenAPI v3 definitions kube-apiserver 1.35 publishes, with the features the field
// manager reads: defaults of non-pointer structs and scalars, required lists, list types and keys, patch
// merge keys, atomic maps, date-times, and definition names that go-omitempty.ts knows.
const ref = (name: string, extra: Record<string, unknown> = {}) => ({
  allOf: [{ $ref: `#/components/schemas/${name}` }],
  ...extra,
});
const str = { type: "string" };
const int = { type: "integer", format: "int32" };
const strMap = { type: "object", additionalProperties: { type: "string", default: "" } };
const META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const definitions: Record<string, unknown> = {
  [META]: {
    type: "object",
    properties: {
      name: str,
      namespace: str,
      uid: str,
      resourceVersion: str,
      generation: { type: "integer", format: "int64" },
      creationTimestamp: ref("io.k8s.apimachinery.pkg.apis.meta.v1.Time"),
      labels: strMap,
      annotations: strMap,
      finalizers: {
        type: "array",
        items: { type: "string", default: "" },
        "x-kubernetes-list-type": "set",
        "x-kubernetes-patch-strategy": "merge",
      },
      ownerReferences: {
        type: "array",
        items: ref("io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference", { default: {} }),
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["uid"],
      },
      managedFields: { type: "array", items: { type: "object" }, "x-kubernetes-list-type": "atomic" },
    },
  },
  "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference": {
    type: "object",
    required: ["apiVersion", "kind", "name", "uid"],
    properties: {
      apiVersion: { ...str, default: "" },
      kind: { ...str, default: "" },
      name: { ...str, default: "" },
      uid: { ...str, default: "" },
    },
  },
  "io.k8s.apimachinery.pkg.apis.meta.v1.Time": { type: "string", format: "date-time" },
  "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector": {
    type: "object",
    properties: { matchLabels: strMap },
    "x-kubernetes-map-type": "atomic",
  },
  "io.k8s.api.apps.v1.Deployment": {
    type: "object",
    properties: {
      apiVersion: str,
      kind: str,
      metadata: ref(META, { default: {} }),
      spec: ref("io.k8s.api.apps.v1.DeploymentSpec", { default: {} }),
      status: ref("io.k8s.api.apps.v1.DeploymentStatus", { default: {} }),
    },
    "x-kubernetes-group-version-kind": [{ group: "apps", version: "v1", kind: "Deployment" }],
  },
  "io.k8s.api.apps.v1.DeploymentSpec": {
    type: "object",
    properties: {
      replicas: int,
      paused: { type: "boolean" },
      minReadySeconds: int,
      selector: ref("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"),
      template: ref("io.k8s.api.core.v1.PodTemplateSpec", { default: {} }),
    },
  },
  "io.k8s.api.apps.v1.DeploymentStatus": { type: "object", properties: { replicas: int } },
  "io.k8s.api.core.v1.PodTemplateSpec": {
    type: "object",
    properties: {
      metadata: ref(META, { default: {} }),
      spec: ref("io.k8s.api.core.v1.PodSpec", { default: {} }),
    },
  },
  "io.k8s.api.core.v1.PodSpec": {
    type: "object",
    required: ["containers"],
    properties: {
      containers: {
        type: "array",
        items: ref("io.k8s.api.core.v1.Container", { default: {} }),
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
        "x-kubernetes-patch-merge-key": "name",
        "x-kubernetes-patch-strategy": "merge",
      },
      nodeSelector: { ...strMap, "x-kubernetes-map-type": "atomic" },
      securityContext: ref("io.k8s.api.core.v1.PodSecurityContext"),
      hostNetwork: { type: "boolean" },
      tolerations: { type: "array", items: { type: "object" }, "x-kubernetes-list-type": "atomic" },
    },
  },
  "io.k8s.api.core.v1.PodSecurityContext": { type: "object", properties: { runAsUser: int } },
  "io.k8s.api.core.v1.Container": {
    type: "object",
    required: ["name"],
    properties: {
      name: { ...str, default: "" },
      image: str,
      args: { type: "array", items: { type: "string", default: "" }, "x-kubernetes-list-type": "atomic" },
      ports: {
        type: "array",
        items: ref("io.k8s.api.core.v1.ContainerPort", { default: {} }),
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["containerPort", "protocol"],
      },
      env: {
        type: "array",
        items: { type: "object", properties: { name: str, value: str } },
        "x-kubernetes-patch-merge-key": "name",
        "x-kubernetes-patch-strategy": "merge",
      },
      resources: ref("io.k8s.api.core.v1.ResourceRequirements", { default: {} }),
      stdin: { type: "boolean" },
    },
  },
  "io.k8s.api.core.v1.ContainerPort": {
    type: "object",
    required: ["containerPort"],
    properties: { containerPort: { ...int, default: 0 }, protocol: { ...str, default: "TCP" }, name: str },
  },
  "io.k8s.api.core.v1.ResourceRequirements": {
    type: "object",
    properties: { limits: strMap, requests: strMap },
  },
  "io.k8s.api.core.v1.ConfigMap": {
    type: "object",
    properties: { apiVersion: str, kind: str, metadata: ref(META, { default: {} }), data: strMap },
    "x-kubernetes-group-version-kind": [{ group: "", version: "v1", kind: "ConfigMap" }],
  },
  "io.k8s.api.autoscaling.v1.Scale": {
    type: "object",
    properties: {
      apiVersion: str,
      kind: str,
      metadata: ref(META, { default: {} }),
      spec: ref("io.k8s.api.autoscaling.v1.ScaleSpec", { default: {} }),
    },
    "x-kubernetes-group-version-kind": [{ group: "autoscaling", version: "v1", kind: "Scale" }],
  },
  "io.k8s.api.autoscaling.v1.ScaleSpec": { type: "object", properties: { replicas: { ...int, default: 0 } } },
};
const schema = new TypeSchema(definitions);
const DEPLOYMENT = schema.kind("apps", "v1", "Deployment") as Atom;
const template = (containers: O[]) => ({ metadata: { labels: { app: "d" } }, spec: { containers } });

type O = Record<string, unknown>;
const json = (s: FieldSet) => s.toJSON();
const paths = (...ps: string[]) => FieldSet.of(...ps.map((p) => p.split(" ")));

const container = (c: O = {}) => ({ name: "web", image: "nginx", ...c });
const deploy = (spec: O = {}, metadata: O = {}): O => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "d", ...metadata },
  spec: {
    selector: { matchLabels: { app: "d" } },
    template: { metadata: { labels: { app: "d" } }, spec: { containers: [container()] } },
    ...spec,
  },
});

describe("managed fields: path elements", () => {
  const cases: [string, string, string][] = [
    ["f:name", "f:name", ".name"],
    ['k:{"name":"a"}', keyKey([["name", "a"]]), '[name="a"]'],
    [
      'k:{"port":80,"protocol":"TCP"}',
      keyKey([
        ["protocol", "TCP"],
        ["port", 80],
      ]),
      '[port=80,protocol="TCP"]',
    ],
    ['v:"x"', valueKey("x"), '[="x"]'],
    ["v:5", valueKey(5), "[=5]"],
    ["i:3", "i:3", "[3]"],
  ];
  for (const [serialized, built, printed] of cases)
    it(`${serialized} is built, read back and printed as kube does`, () => {
      assert.equal(built, serialized);
      assert.equal(canonicalElement(serialized), serialized);
      assert.equal(elementString(serialized), printed);
    });
  it("keys are canonical whatever the field order they were written in", () => {
    assert.equal(canonicalElement('k:{"protocol":"TCP","port":80}'), 'k:{"port":80,"protocol":"TCP"}');
  });
  it("escapes strings as json-iterator does inside path elements", () => {
    assert.equal(goJsonString('a<b>&"c'), '"a\\u003cb\\u003e\\u0026\\"c"');
    assert.equal(goJsonString("x\ny\u0001"), '"x\\ny\\u0001"');
  });
  it("orders fields, then keys, then values, then indexes; numbers as numbers", () => {
    const pes = ["i:1", 'v:"a"', 'k:{"port":443}', "f:b", 'k:{"port":80}', "f:a", "v:2"];
    assert.deepEqual([...pes].sort(compareElements), [
      "f:a",
      "f:b",
      'k:{"port":80}',
      'k:{"port":443}',
      "v:2",
      'v:"a"',
      "i:1",
    ]);
  });
  it("prints paths as conflicts name them", () => {
    assert.equal(
      pathString(["f:spec", "f:containers", 'k:{"name":"a"}', "f:image"]),
      '.spec.containers[name="a"].image',
    );
  });
});

describe("managed fields: field sets", () => {
  it("serializes members with children under a '.' key, in kube's order", () => {
    const s = paths("f:metadata f:labels", "f:metadata f:labels f:app", "f:spec f:replicas", "f:data");
    assert.deepEqual(s.toJSON(), {
      "f:data": {},
      "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
      "f:spec": { "f:replicas": {} },
    });
    assert.ok(FieldSet.fromJSON(s.toJSON()).equals(s));
  });
  it("reads FieldsV1 as kube does: unknown elements skipped, null as a member, bad ones refused", () => {
    assert.deepEqual(FieldSet.fromJSON({ "f:a": null, "x:zz": { bad: 1 }, "f:b": { "f:c": {} } }).toJSON(), {
      "f:a": {},
      "f:b": { "f:c": {} },
    });
    assert.throws(() => FieldSet.fromJSON({ f: {} }));
    assert.throws(() => FieldSet.fromJSON({ "f:a": 1 }));
    assert.throws(() => FieldSet.fromJSON({ "i:x": {} }));
  });
  const a = paths("f:a", "f:b f:c", "f:b f:d", "f:e");
  const b = paths("f:a", "f:b", "f:b f:c");
  const ops: [string, FieldSet, O][] = [
    ["union", a.union(b), { "f:a": {}, "f:b": { ".": {}, "f:c": {}, "f:d": {} }, "f:e": {} }],
    ["intersection", a.intersection(b), { "f:a": {}, "f:b": { "f:c": {} } }],
    ["difference keeps what is below a removed member", a.difference(b), { "f:b": { "f:d": {} }, "f:e": {} }],
    ["recursive difference removes it", a.recursiveDifference(b), { "f:e": {} }],
  ];
  for (const [name, got, want] of ops) it(name, () => assert.deepEqual(json(got), want));
  it("lists its paths members first, in order", () => {
    assert.deepEqual(
      paths("f:b f:x", "f:a", "f:b")
        .paths()
        .map((p) => p.join(" ")),
      ["f:a", "f:b", "f:b f:x"],
    );
  });
  it("keeps what include patterns match, * standing for any element", () => {
    const s = paths(
      'f:spec f:containers k:{"name":"a"} f:resources',
      'f:spec f:containers k:{"name":"a"} f:image',
      "f:spec f:nodeName",
    );
    assert.deepEqual(json(s.filterInclude([["f:spec", "f:containers", "*", "f:resources"]])), {
      "f:spec": { "f:containers": { 'k:{"name":"a"}': { "f:resources": {} } } },
    });
  });
});

describe("managed fields: schemas", () => {
  it("types lists and maps as schemaconv does", () => {
    const spec = DEPLOYMENT.map?.fields?.get("spec")?.type.map;
    const pod = spec?.fields?.get("template")?.type.map?.fields?.get("spec")?.type.map;
    assert.equal(spec?.fields?.get("selector")?.type.map?.atomic, true);
    assert.deepEqual(pod?.fields?.get("containers")?.type.list?.keys, ["name"]);
    assert.equal(pod?.fields?.get("tolerations")?.type.list?.associative, false);
    assert.equal(pod?.fields?.get("nodeSelector")?.type.map?.atomic, true);
    const c = pod?.fields?.get("containers")?.type.list?.elem.map;
    // A merge patch strategy with its key makes an associative list even without a list type.
    assert.deepEqual(c?.fields?.get("env")?.type.list?.keys, ["name"]);
    assert.equal(c?.fields?.get("resources")?.implicit !== undefined, true);
    // paused is an omitempty bool in Go: its false never shows.
    assert.equal(spec?.fields?.get("paused")?.zeroAbsent, true);
  });
  it("kinds without a schema are typed by deduction", () => {
    assert.equal(schema.kind("x", "v1", "Nope"), undefined);
    assert.deepEqual(json(toFieldSet(DEDUCED, { spec: { a: [1], b: { c: 1 } } })), {
      "f:spec": { ".": {}, "f:a": {}, "f:b": { ".": {}, "f:c": {} } },
    });
  });
});

describe("managed fields: typed values", () => {
  it("the field set of an applied configuration", () => {
    assert.deepEqual(
      json(
        toFieldSet(
          DEPLOYMENT,
          deploy({ replicas: 2 }, { labels: { a: "b" }, finalizers: ["x/y"], ownerReferences: [{ uid: "u" }] }),
        ),
      ),
      {
        "f:apiVersion": {},
        "f:kind": {},
        "f:metadata": {
          "f:finalizers": { 'v:"x/y"': {} },
          "f:labels": { "f:a": {} },
          "f:name": {},
          "f:ownerReferences": { 'k:{"uid":"u"}': { ".": {}, "f:uid": {} } },
        },
        "f:spec": {
          "f:replicas": {},
          "f:selector": {},
          "f:template": {
            "f:metadata": { "f:labels": { "f:app": {} } },
            "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} } } },
          },
        },
      },
    );
  });

  it("a create against an empty object: Go's structs are there already, its nil lists and maps are not", () => {
    const c = compare(
      DEPLOYMENT,
      {},
      deploy(
        { template: { spec: { containers: [container({ ports: [{ containerPort: 80 }] })] } } },
        {
          labels: { x: "y" },
        },
      ),
    );
    assert.deepEqual(json(c.modified), {});
    assert.deepEqual(json(c.added), {
      "f:apiVersion": {},
      "f:kind": {},
      "f:metadata": { "f:labels": { ".": {}, "f:x": {} }, "f:name": {} },
      "f:spec": {
        "f:selector": {},
        "f:template": {
          "f:spec": {
            "f:containers": {
              'k:{"name":"web"}': {
                ".": {},
                "f:image": {},
                "f:name": {},
                "f:ports": {
                  ".": {},
                  'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} },
                },
                "f:resources": {},
              },
            },
          },
        },
      },
    });
  });

  const changes: [string, O, O, O, O, O][] = [
    [
      "a changed image",
      deploy(),
      deploy({ template: template([container({ image: "nginx:2" })]) }),
      {},
      { "f:spec": { "f:template": { "f:spec": { "f:containers": { 'k:{"name":"web"}': { "f:image": {} } } } } } },
      {},
    ],
    [
      "an omitempty false is no value at all",
      deploy({ paused: true }),
      deploy({ paused: false }),
      {},
      {},
      { "f:spec": { "f:paused": {} } },
    ],
    [
      "an emptied map goes, with what was in it",
      deploy({}, { labels: { a: "b" } }),
      deploy({}, { labels: {} }),
      {},
      {},
      { "f:metadata": { "f:labels": { ".": {}, "f:a": {} } } },
    ],
    [
      "an atomic map changes whole",
      deploy({ selector: { matchLabels: { a: "1" } } }),
      deploy({ selector: { matchLabels: { a: "2" } } }),
      {},
      { "f:spec": { "f:selector": {} } },
      {},
    ],
    [
      "a new list item",
      deploy(),
      deploy({ template: template([container(), { name: "side" }]) }),
      {
        "f:spec": {
          "f:template": {
            "f:spec": {
              "f:containers": { 'k:{"name":"side"}': { ".": {}, "f:name": {}, "f:resources": {} } },
            },
          },
        },
      },
      {},
      {},
    ],
  ];
  for (const [name, lhs, rhs, added, modified, removed] of changes)
    it(`compare: ${name}`, () => {
      const c = compare(DEPLOYMENT, lhs, rhs);
      assert.deepEqual([json(c.added), json(c.modified), json(c.removed)], [added, modified, removed]);
    });

  it("merges an associative list in the configuration's order, keeping the object's other items", () => {
    const c = (names: string[]) => names.map((name) => ({ name }));
    const list = (o: unknown) =>
      (((o as O).spec as O).template as { spec: { containers: { name: string }[] } }).spec.containers.map(
        (x) => x.name,
      );
    const cases: [string[], string[], string[]][] = [
      [
        ["a", "b", "c"],
        ["b", "d"],
        ["a", "b", "c", "d"],
      ],
      [
        ["a", "b", "c"],
        ["c", "a"],
        ["b", "c", "a"],
      ],
      [
        ["a", "b"],
        ["b", "a"],
        ["b", "a"],
      ],
      [["a"], [], ["a"]],
      [[], ["x", "y"], ["x", "y"]],
    ];
    for (const [live, config, want] of cases) {
      const merged = merge(
        DEPLOYMENT,
        { spec: { template: { spec: { containers: c(live) } } } },
        { spec: { template: { spec: { containers: c(config) } } } },
      );
      assert.deepEqual(list(merged), want, `${live} + ${config}`);
    }
  });

  it("removes fields and items, leaving Go's shape (an emptied omitempty map goes)", () => {
    const o = deploy({ replicas: 2 }, { labels: { a: "b" } });
    const out = removeItems(DEPLOYMENT, o, paths("f:spec f:replicas", "f:metadata f:labels f:a")) as O;
    assert.equal((out.spec as O).replicas, undefined);
    assert.equal((out.metadata as O).labels, undefined);
    assert.equal((out.metadata as O).name, "d");
  });

  it("a reordered list is a change to the value though not to anyone's fields", () => {
    const live = deploy({ template: template([{ name: "a" }, { name: "b" }]) });
    const reordered = deploy({ template: template([{ name: "b" }, { name: "a" }]) });
    // The merge carries what Go holds of the object (its structs' implicit fields) and compares equal to it.
    assert.equal(sameValue(DEPLOYMENT, live, merge(DEPLOYMENT, live, { spec: { replicas: undefined } })), true);
    assert.equal(sameValue(DEPLOYMENT, live, merge(DEPLOYMENT, live, reordered)), false);
    const c = compare(DEPLOYMENT, live, reordered);
    assert.ok(c.added.empty && c.modified.empty && c.removed.empty);
  });

  it("leaves out what Go leaves out of a decoded value", () => {
    assert.deepEqual(
      goShape(DEPLOYMENT, {
        metadata: { name: "d", labels: {} },
        spec: {
          paused: false,
          replicas: 0,
          template: { spec: { containers: [{ name: "c", stdin: false, args: [] }] } },
        },
      }),
      { metadata: { name: "d" }, spec: { replicas: 0, template: { spec: { containers: [{ name: "c" }] } } } },
    );
  });

  it("makes declared struct fields with paths below them members", () => {
    assert.deepEqual(
      json(ensureNamedFieldsAreMembers(DEPLOYMENT, paths("f:spec f:template f:metadata f:labels f:app"))),
      {
        "f:spec": {
          ".": {},
          "f:template": { ".": {}, "f:metadata": { ".": {}, "f:labels": { ".": {}, "f:app": {} } } },
        },
      },
    );
  });

  it("an owner of parts of what is atomic owns the whole", () => {
    const r = reconcileWithSchema(DEPLOYMENT, paths("f:spec f:selector f:matchLabels f:a", "f:spec f:replicas"));
    assert.deepEqual(r && json(r), { "f:spec": { "f:replicas": {}, "f:selector": {} } });
    assert.equal(reconcileWithSchema(DEPLOYMENT, paths("f:spec f:replicas")), undefined);
  });

  const invalid: [string, O, string][] = [
    ["an undeclared field", { spec: { bogus: 1 } }, ".spec.bogus: field not declared in schema"],
    [
      "a number for a string",
      { spec: { template: { spec: { containers: [{ name: "a", image: 5 }] } } } },
      '.spec.template.spec.containers[name="a"].image: expected string, got &value.valueUnstructured{Value:5}',
    ],
    [
      "a string for a number",
      { spec: { replicas: "x" } },
      ".spec.replicas: expected numeric (int or float), got string",
    ],
    [
      "a repeated key",
      { spec: { template: { spec: { containers: [{ name: "a" }, { name: "a" }] } } } },
      '.spec.template.spec.containers: duplicate entries for key [name="a"]',
    ],
    [
      "an item without its keys",
      { spec: { template: { spec: { containers: [{ name: "a", ports: [{ name: "p" }] }] } } } },
      // A key with a default (the protocol) stands in for a missing one.
      "",
    ],
  ];
  for (const [name, o, message] of invalid)
    it(`validates an applied configuration: ${name}`, () => {
      const errs = validate(DEPLOYMENT, o);
      assert.equal(errs.map((e) => `${e.path}: ${e.message}`).join("\n"), message);
    });
});

describe("managed fields: ownership (the updater)", () => {
  const opts = {
    atom: DEPLOYMENT,
    version: "apps/v1",
    filter: ownershipFilter("apps", "deployments", undefined, "apps/v1"),
  };
  const managers = (...entries: [string, FieldSet, boolean][]): ManagedFields =>
    new Map(entries.map(([m, set, applied]) => [m, { set, apiVersion: "apps/v1", applied }]));
  const owned = (ms: ManagedFields) => Object.fromEntries([...ms].map(([m, vs]) => [m, json(vs.set)]));

  it("an update takes what it changes from everyone else; status is never owned through the object", () => {
    const before = deploy({ replicas: 1 });
    const after = { ...deploy({ replicas: 3 }), status: { replicas: 3 } };
    const ms = update(
      opts,
      before,
      after,
      managers(["a", paths("f:spec f:replicas", "f:spec f:selector"), false]),
      "b",
    );
    assert.deepEqual(owned(ms), { a: { "f:spec": { "f:selector": {} } }, b: { "f:spec": { "f:replicas": {} } } });
  });

  it("an apply conflicts with another's field unless forced, and then takes it", () => {
    const live = deploy({ replicas: 1 });
    const ms = managers(["a", paths("f:spec f:replicas"), true]);
    assert.throws(
      () => apply(opts, live, deploy({ replicas: 2 }), new Map(ms), "b", false),
      (e: unknown) => e instanceof ConflictsError && pathString(e.conflicts[0]?.path ?? []) === ".spec.replicas",
    );
    const r = apply(
      opts,
      live,
      { apiVersion: "apps/v1", kind: "Deployment", spec: { replicas: 2 } },
      new Map(ms),
      "b",
      true,
    );
    assert.deepEqual(owned(r.managers), { b: { "f:apiVersion": {}, "f:kind": {}, "f:spec": { "f:replicas": {} } } });
    assert.equal(((r.object as O).spec as O).replicas, 2);
  });

  it("applying the value another owns shares it, and no change is no object", () => {
    const live = deploy({ replicas: 1 });
    const r = apply(
      opts,
      live,
      { spec: { replicas: 1 } },
      managers(["a", paths("f:spec f:replicas"), true]),
      "b",
      false,
    );
    assert.equal(r.object, undefined);
    assert.deepEqual(Object.keys(owned(r.managers)).sort(), ["a", "b"]);
  });

  it("what the applier stops applying goes when it alone owned it, and stays when another owns it too", () => {
    const live = deploy({ replicas: 1, paused: true });
    const ms = managers(
      ["app", paths("f:spec f:replicas", "f:spec f:paused"), true],
      ["other", paths("f:spec f:paused"), false],
    );
    const r = apply(opts, live, { spec: {} }, ms, "app", false);
    const spec = (r.object as O).spec as O;
    assert.equal(spec.replicas, undefined);
    assert.equal(spec.paused, true);
  });
});

describe("managed fields: entries", () => {
  it("builds kube's manager identifiers", () => {
    assert.equal(
      managerIdentifier({ manager: "kubectl", operation: "Update", apiVersion: "v1", subresource: "status" }),
      '{"manager":"kubectl","operation":"Update","apiVersion":"v1","subresource":"status"}',
    );
    assert.equal(
      managerIdentifier({ manager: "m", operation: "Apply", apiVersion: "v1" }),
      '{"manager":"m","operation":"Apply"}',
    );
  });
  const bad: [string, unknown[], RegExp][] = [
    ["an unknown operation", [{ operation: "Nope", apiVersion: "v1", fieldsType: "FieldsV1" }], /operation must be/],
    ["no apiVersion", [{ operation: "Apply", fieldsType: "FieldsV1" }], /apiVersion must not be empty/],
    ["no fieldsType", [{ operation: "Apply", apiVersion: "v1" }], /missing fieldsType/],
    ["another fieldsType", [{ operation: "Apply", apiVersion: "v1", fieldsType: "FieldsV2" }], /invalid fieldsType/],
    [
      "a malformed field set",
      [{ operation: "Apply", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "i:x": {} } }],
      /invalid syntax/,
    ],
  ];
  for (const [name, entries, why] of bad)
    it(`refuses to decode ${name}`, () => assert.throws(() => decodeManagedFields(entries), why));
  it("encodes appliers first, then by time, manager, version and subresource", () => {
    const m = decodeManagedFields([
      {
        manager: "z",
        operation: "Update",
        apiVersion: "v1",
        time: "2024-01-01T00:00:05Z",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:a": {} },
      },
      {
        manager: "y",
        operation: "Update",
        apiVersion: "v1",
        time: "2024-01-01T00:00:01.5Z",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:b": {} },
      },
      {
        manager: "x",
        operation: "Apply",
        apiVersion: "v1",
        time: "2024-01-01T00:00:09Z",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:c": {} },
      },
    ]);
    const out = encodeManagedFields(m) ?? [];
    assert.deepEqual(
      out.map((e) => [e.manager, e.time]),
      [
        ["x", "2024-01-01T00:00:09Z"],
        ["y", "2024-01-01T00:00:01Z"],
        ["z", "2024-01-01T00:00:05Z"],
      ],
    );
    assert.equal(encodeManagedFields(decodeManagedFields([])), undefined);
  });
  it("knows a reset: an empty list, or one empty entry", () => {
    assert.deepEqual([[], [{}], [{ manager: "x" }], undefined, null].map(isReset), [true, true, false, false, false]);
  });
  it("caps update managers at ten, merging the oldest into ancient-changes", () => {
    const entries = Array.from({ length: 12 }, (_, i) => ({
      manager: `m${i}`,
      operation: "Update",
      apiVersion: "v1",
      time: `2024-01-01T00:00:${String(10 + i)}Z`,
      fieldsType: "FieldsV1",
      fieldsV1: { [`f:k${i}`]: {} },
    }));
    const out = encodeManagedFields(capUpdateManagers(decodeManagedFields(entries))) ?? [];
    assert.equal(out.length, 10);
    assert.deepEqual(out.find((e) => e.manager === "ancient-changes")?.fieldsV1, {
      "f:k0": {},
      "f:k1": {},
      "f:k2": {},
    });
  });
  it("words conflicts as kube does", () => {
    const one = conflictError([{ manager: '{"manager":"a","operation":"Apply"}', path: ["f:spec", "f:replicas"] }]);
    assert.equal(one.code, 409);
    assert.equal(one.message, 'Apply failed with 1 conflict: conflict with "a": .spec.replicas');
    const two = conflictError([
      { manager: '{"manager":"b","operation":"Update","apiVersion":"v1","subresource":"scale"}', path: ["f:x"] },
      { manager: '{"manager":"b","operation":"Update","apiVersion":"v1","subresource":"scale"}', path: ["f:y"] },
    ]);
    assert.equal(
      two.message,
      'Apply failed with 2 conflicts: conflicts with "b" with subresource "scale" using v1:\n- .x\n- .y',
    );
    assert.deepEqual(two.toStatus().details?.causes?.[0], {
      reason: "FieldManagerConflict",
      message: 'conflict with "b" with subresource "scale" using v1',
      field: ".x",
    });
  });
});

describe("managed fields: the field manager", () => {
  let clock = Date.parse("2024-01-01T00:00:00Z");
  const fm = new FieldManager({
    definitions: () => definitions,
    decode: (_t, o) => o,
    now: () => new Date(clock),
  });
  const DEPLOYMENTS: WriteTarget = { group: "apps", version: "v1", kind: "Deployment", resource: "deployments" };
  const CONFIGMAPS: WriteTarget = { group: "", version: "v1", kind: "ConfigMap", resource: "configmaps" };
  const cm = (data: Record<string, string>, metadata: O = {}) =>
    ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", uid: "u1", ...metadata }, data }) as KubeObject;
  const entries = (o: KubeObject) =>
    (o.metadata.managedFields as { manager: string; operation: string; fieldsV1: O; time?: string }[] | undefined)?.map(
      (e) => [e.manager, e.operation, e.fieldsV1],
    );

  it("a create records its writer's fields, and keeps valid managedFields the request brings", () => {
    const created = fm.created(CONFIGMAPS, cm({ a: "1" }), "kubectl-create", cm({ a: "1" }));
    assert.deepEqual(entries(created), [["kubectl-create", "Update", { "f:data": { ".": {}, "f:a": {} } }]]);
    // What the request's own entries claim of the created fields goes to the writer.
    const claims = (fieldsV1: O) =>
      cm(
        { a: "1" },
        { managedFields: [{ manager: "pre", operation: "Apply", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1 }] },
      );
    const kept = claims({ "f:metadata": { "f:labels": { "f:gone": {} } } });
    assert.deepEqual(
      entries(fm.created(CONFIGMAPS, kept, "c", kept))?.map((e) => e[0]),
      ["pre", "c"],
    );
    const taken = claims({ "f:data": { "f:a": {} } });
    assert.deepEqual(
      entries(fm.created(CONFIGMAPS, taken, "c", taken))?.map((e) => e[0]),
      ["c"],
    );
  });

  it("an update moves ownership; [] resets, and then nothing is tracked; invalid entries are ignored", () => {
    const live = fm.created(CONFIGMAPS, cm({ a: "1" }), "one", cm({ a: "1" }));
    clock += 5_000;
    const next = fm.updated(CONFIGMAPS, live, cm({ a: "2" }), "two", cm({ a: "2" }));
    // The first writer keeps the map itself, the second takes the key it changed.
    assert.deepEqual(entries(next), [
      ["one", "Update", { "f:data": {} }],
      ["two", "Update", { "f:data": { "f:a": {} } }],
    ]);
    const reset = fm.updated(CONFIGMAPS, next, cm({ a: "3" }, { managedFields: [] }), "x", cm({ a: "3" }));
    assert.equal(reset.metadata.managedFields, undefined);
    assert.equal(fm.updated(CONFIGMAPS, reset, cm({ a: "4" }), "y", cm({ a: "4" })).metadata.managedFields, undefined);
    clock += 1_000;
    const ignored = fm.updated(
      CONFIGMAPS,
      next,
      cm({ a: "2", b: "1" }, { managedFields: [{ manager: "bad", operation: "Nope" }] }),
      "three",
      cm({ a: "2", b: "1" }),
    );
    assert.deepEqual(
      entries(ignored)?.map((e) => e[0]),
      ["one", "two", "three"],
    );
  });

  it("a subresource write names its subresource and ignores the request's managedFields", () => {
    const live = fm.created(CONFIGMAPS, cm({ a: "1" }), "one", cm({ a: "1" }));
    const out = fm.updated(
      { ...CONFIGMAPS, subresource: "status" },
      live,
      cm({ a: "9" }, { managedFields: [] }),
      "st",
      cm({ a: "9" }),
    );
    const e = out.metadata.managedFields as { manager: string; subresource?: string }[];
    assert.deepEqual(
      e.map((x) => [x.manager, x.subresource]),
      [
        ["one", undefined],
        ["st", "status"],
      ],
    );
  });

  it("a write that changes nothing keeps the times", () => {
    const live = fm.created(CONFIGMAPS, cm({ a: "1" }), "one", cm({ a: "1" }));
    clock += 60_000;
    const same = fm.updated(CONFIGMAPS, live, cm({ a: "1" }), "one", { ...live });
    assert.deepEqual(same.metadata.managedFields, live.metadata.managedFields);
  });

  it("apply creates, conflicts in kube's words, and kubectl may take conflicts its last-applied explains", () => {
    const config = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } };
    const created = fm.applied(CONFIGMAPS, undefined, config, "kubectl", false);
    assert.deepEqual(entries(created.object), [["kubectl", "Apply", { "f:data": { "f:a": {} } }]]);
    const live = { ...created.object, metadata: { ...created.object.metadata, uid: "u1" } } as KubeObject;
    assert.throws(
      () => fm.applied(CONFIGMAPS, live, { ...config, data: { a: "2" } }, "other", false),
      (e: Error) => e.message === 'Apply failed with 1 conflict: conflict with "kubectl": .data.a',
    );
    // A client-side applied object: the fields its last-applied annotation still describes may be taken.
    const csa = fm.updated(
      CONFIGMAPS,
      { metadata: { uid: "u2" } } as KubeObject,
      cm({ a: "1" }, { uid: "u2", annotations: { [LAST_APPLIED]: JSON.stringify(config) } }),
      "kubectl-client-side-apply",
      cm({ a: "1" }, { uid: "u2", annotations: { [LAST_APPLIED]: JSON.stringify(config) } }),
    );
    const migrated = fm.applied(CONFIGMAPS, csa, { ...config, data: { a: "2" } }, "kubectl", false);
    assert.equal((migrated.object as unknown as { data: O }).data.a, "2");
    assert.match(String(migrated.object.metadata.annotations?.[LAST_APPLIED]), /"a":"2"/);
    assert.throws(
      () => fm.applied(CONFIGMAPS, live, { ...config, kind: "Secret" }, "m", false),
      /invalid object type: \/v1, Kind=Secret/,
    );
    assert.throws(
      () => fm.applied(CONFIGMAPS, live, { ...config, metadata: { name: "c", managedFields: [] } }, "m", false),
      /metadata.managedFields must be nil/,
    );
    assert.throws(
      () => fm.applied(DEPLOYMENTS, undefined, { ...deploy(), spec: { bogus: 1 } }, "m", false),
      (e: Error) =>
        e.message ===
        "failed to create typed patch object (/d; apps/v1, Kind=Deployment): .spec.bogus: field not declared in schema",
    );
  });

  it("scale writes are owned on the parent's replicas, without a time for updaters", () => {
    const live = fm.created(
      DEPLOYMENTS,
      deploy({ replicas: 1 }) as KubeObject,
      "creator",
      deploy({ replicas: 1 }) as KubeObject,
    );
    const withUid = { ...live, metadata: { ...live.metadata, uid: "u" } } as KubeObject;
    const scale = (r: number) =>
      ({
        apiVersion: "autoscaling/v1",
        kind: "Scale",
        metadata: { name: "d", uid: "u" },
        spec: { replicas: r },
      }) as KubeObject;
    const out = fm.scaled(DEPLOYMENTS, withUid, scale(1), scale(4), "scaler", deploy({ replicas: 4 }) as KubeObject);
    const e = out.metadata.managedFields as { manager: string; subresource?: string; time?: string; fieldsV1: O }[];
    const scaler = e.find((x) => x.manager === "scaler");
    assert.deepEqual(
      [scaler?.subresource, scaler?.time, scaler?.fieldsV1],
      ["scale", undefined, { "f:spec": { "f:replicas": {} } }],
    );
    // The creator no longer owns replicas, and keeps the rest.
    const creator = e.find((x) => x.manager === "creator")?.fieldsV1["f:spec"] as O;
    assert.equal("f:replicas" in creator, false);
    assert.ok("f:selector" in creator);
  });
});

describe("managed fields: request options and bodies", () => {
  it("names the writer by fieldManager, else by the User-Agent's product", () => {
    const q = (s: string) => new URLSearchParams(s);
    assert.equal(managerOf(q("fieldManager=me"), "kubectl/v1.35"), "me");
    assert.equal(managerOf(q(""), "kubectl/v1.35.4 (linux/amd64) kubernetes/abc"), "kubectl");
    assert.equal(managerOf(q(""), "kube\u0001ctl/x"), "kubectl");
    assert.equal(managerOf(q(""), undefined), "");
  });
  it("reads force as kube's parameter codec reads a bool", () => {
    const f = (s: string) => forceOf(new URLSearchParams(s));
    assert.deepEqual(
      [f(""), f("force=true"), f("force=0"), f("force=False"), f("force=maybe"), f("force=")],
      [false, true, false, false, true, true],
    );
  });
  const refused: [string, string, string?][] = [
    ["", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', "apply"],
    [
      "force=true",
      'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
      "merge",
    ],
    [
      `fieldManager=${"x".repeat(129)}`,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes',
      "apply",
    ],
    [
      "fieldManager=a%01b",
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\x01b": invalid character U+0001 (at position 1)',
      "merge",
    ],
  ];
  for (const [query, message, pt] of refused)
    it(`refuses ${query || "no fieldManager"} on a ${pt} patch`, () =>
      assert.throws(
        () => checkWriteOptions(new URLSearchParams(query), "PatchOptions", pt),
        (e: Error & { code?: number }) => e.message === message && e.code === 422,
      ));
  it("decodes apply bodies as YAML and finds repeated keys with their lines", () => {
    const b = decodeApplyBody(Buffer.from('{"kind":"ConfigMap",\n"data":{"x":"1",\n"x":"2"}}'));
    assert.deepEqual(b.object, { kind: "ConfigMap", data: { x: "2" } });
    assert.deepEqual(b.duplicates, ['line 3: key "x" already set in map']);
    assert.equal(
      strictApplyError(b.duplicates).message,
      'error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 3: key "x" already set in map',
    );
    assert.deepEqual(decodeApplyBody(Buffer.from("")).object, {});
    assert.deepEqual(decodeApplyBody(Buffer.from("a: yes\nb: 1.0\n")).object, { a: true, b: 1 });
    assert.throws(() => decodeApplyBody(Buffer.from("[1]")), /cannot unmarshal array into Go value of type map/);
  });
});
