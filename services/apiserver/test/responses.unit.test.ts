import assert from "node:assert/strict";
import { isStatusError } from "@evk/kube";
import { goJsonIndent, transformBody } from "../src/responses.ts";
import { goYamlKeyLess, goYamlNumber, toGoYaml } from "../src/yaml-output.ts";
import { fixtures } from "./kube-responses.ts";

// The transforms and encodings of negotiated answers other than protobuf (json-protobuf.unit.test.ts):
// PartialObjectMetadata, YAML (against kube-apiserver 1.35's own YAML of the same objects) and indented JSON.

const v1 = { group: "meta.k8s.io", version: "v1", kind: "" };
const cm = { kind: "ConfigMap", apiVersion: "v1", metadata: { name: "a", resourceVersion: "5" }, data: { k: "v" } };

describe("responses: PartialObjectMetadata transforms", () => {
  it("keeps only an object's metadata, and refuses a list", () => {
    assert.deepEqual(transformBody(cm, { ...v1, kind: "PartialObjectMetadata" }), {
      kind: "PartialObjectMetadata",
      apiVersion: "meta.k8s.io/v1",
      metadata: cm.metadata,
    });
    const list = { kind: "DeploymentList", apiVersion: "apps/v1", metadata: {}, items: [] };
    assert.throws(
      () => transformBody(list, { ...v1, kind: "PartialObjectMetadata" }),
      (e) =>
        isStatusError(e, "NotAcceptable") &&
        e.message === "you requested PartialObjectMetadata, but the requested object is a list (*apps.DeploymentList)",
    );
  });

  it("turns a list into a PartialObjectMetadataList (an empty one has null items, as Go's nil slice)", () => {
    const list = {
      kind: "ConfigMapList",
      apiVersion: "v1",
      metadata: { resourceVersion: "9", continue: "c", remainingItemCount: 2 },
      items: [cm],
    };
    assert.deepEqual(transformBody(list, { ...v1, version: "v1beta1", kind: "PartialObjectMetadataList" }), {
      kind: "PartialObjectMetadataList",
      apiVersion: "meta.k8s.io/v1beta1",
      metadata: { resourceVersion: "9", continue: "c", remainingItemCount: 2 },
      items: [{ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: cm.metadata }],
    });
    assert.deepEqual(
      transformBody(
        { ...list, metadata: { resourceVersion: "9" }, items: [] },
        { ...v1, kind: "PartialObjectMetadataList" },
      ),
      {
        kind: "PartialObjectMetadataList",
        apiVersion: "meta.k8s.io/v1",
        metadata: { resourceVersion: "9" },
        items: null,
      },
    );
    for (const [obj, type] of [
      [cm, "*core.ConfigMap"],
      [{ kind: "Event", apiVersion: "events.k8s.io/v1" }, "*core.Event"],
      [{ kind: "Widget", apiVersion: "example.com/v1" }, "*unstructured.Unstructured"],
    ] as const)
      assert.throws(
        () => transformBody(obj, { ...v1, kind: "PartialObjectMetadataList" }),
        (e) => isStatusError(e, "NotAcceptable") && e.message.endsWith(`is not a list (${type})`),
      );
  });

  it("passes a Status through and gives a Table the version asked for", () => {
    const status = { kind: "Status", apiVersion: "v1", status: "Success" };
    assert.equal(transformBody(status, { ...v1, kind: "PartialObjectMetadataList" }), status);
    const table = { kind: "Table", apiVersion: "meta.k8s.io/v1", rows: [] };
    assert.equal(transformBody(table, { ...v1, kind: "Table" }), table);
    assert.deepEqual(transformBody(table, { ...v1, version: "v1beta1", kind: "Table" }), {
      ...table,
      apiVersion: "meta.k8s.io/v1beta1",
    });
  });
});

describe("responses: YAML as kube writes it (sigs.k8s.io/yaml over go-yaml v2)", () => {
  for (const fx of fixtures.filter((x) => x.mode === "yaml")) {
    it(`GET ${fx.path}: kube-apiserver's bytes`, () => assert.equal(toGoYaml(fx.json), fx.yaml));
  }

  it("writes numbers as go-yaml writes what it read from their JSON text", () => {
    const cases: [number, string][] = [
      [0, "0"],
      [-3, "-3"],
      [2 ** 53, "9007199254740992"],
      [100.5, "100.5"],
      [123456.5, "123456.5"],
      [1234567.5, "1.2345675e+06"],
      [1e21, "1e+21"],
      [0.0001, "0.0001"],
      [0.00001, "1e-05"],
    ];
    for (const [n, s] of cases) assert.equal(goYamlNumber(n), s, String(n));
  });

  it("orders keys naturally: digit runs by value, letters before other characters", () => {
    const keys = ["b", "a10", "a9", "_x", "10", "2", "B", "a09", "-x", "x.y", "x-1"];
    const sorted = [...keys].sort((a, b) => (goYamlKeyLess(a, b) ? -1 : goYamlKeyLess(b, a) ? 1 : 0));
    assert.deepEqual(sorted, ["-x", "_x", "2", "10", "B", "a9", "a09", "a10", "b", "x-1", "x.y"]);
  });

  it("quotes what would read back as something else, folds long lines, writes multi-line text literally", () => {
    assert.equal(
      toGoYaml({
        a: "yes",
        b: "1:20",
        c: "",
        d: "x: y",
        e: "tab\there",
        f: "two\nlines",
        g: [],
        h: {},
        i: [[1], { j: null }],
      }),
      'a: "yes"\nb: "1:20"\nc: ""\nd: \'x: y\'\ne: "tab\\there"\nf: |-\n  two\n  lines\ng: []\nh: {}\ni:\n- - 1\n- j: null\n',
    );
    const long = `${"word ".repeat(20)}end`;
    assert.equal(toGoYaml({ k: long }), `k: ${"word ".repeat(15)}word\n  ${"word ".repeat(4)}end\n`);
  });
});

describe("responses: indented JSON (kube's WriteRawJSON)", () => {
  it("is json.MarshalIndent: two spaces, no final newline, HTML characters escaped", () => {
    assert.equal(goJsonIndent({ a: "<b>&", c: [] }), '{\n  "a": "\\u003cb\\u003e\\u0026",\n  "c": []\n}');
  });
});
