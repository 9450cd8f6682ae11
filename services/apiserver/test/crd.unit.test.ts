import assert from "node:assert/strict";
import type { KubeObject } from "@evk/kube";
import { calculateNames } from "../src/crd/controller.ts";
import { crdBehaviour } from "../src/crd/crd-behaviour.ts";
import { crdNameProblem, defaultCRD, validateCRD, validateCRDUpdate } from "../src/crd/crd-validation.ts";
import { CustomResourceVersion, servedDefinition } from "../src/crd/custom-resource.ts";
import { compareKubeAwareVersions, customAggregated, customGroups, customResourceList } from "../src/crd/discovery.ts";
import { toInternal } from "../src/crd/internal.ts";
import { findJSONPath, parseJSONPath } from "../src/crd/jsonpath.ts";
import { customResourceDocument, publishedSchema } from "../src/crd/openapi.ts";
import { customResourcePrinter } from "../src/crd/printer.ts";
import type { CRD } from "../src/crd/types.ts";
import { errorBody, type FieldError } from "../src/spec-validation/field-errors.ts";

const text = (errs: FieldError[]) => errs.map((e) => `${e.field}: ${errorBody(e)}`);

const schema = {
  type: "object",
  properties: { spec: { type: "object", properties: { size: { type: "string", default: "s" } } } },
};
const version = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  served: true,
  storage: name === "v1",
  schema: { openAPIV3Schema: schema },
  ...extra,
});

function crd(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): CRD {
  return defaultCRD({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.example.com" },
    spec: {
      group: "example.com",
      names: { plural: "widgets", kind: "Widget" },
      scope: "Namespaced",
      versions: [version("v1")],
      ...spec,
    },
    status: { storedVersions: ["v1"], ...status },
  } as CRD);
}

describe("CustomResourceDefinition defaulting", () => {
  it("fills singular, listKind and the conversion strategy, and the stored version", () => {
    const d = defaultCRD({
      apiVersion: "",
      kind: "",
      metadata: {},
      spec: { names: { kind: "Widget" }, versions: [version("v1")] },
      status: {},
    } as CRD);
    assert.deepEqual(d.spec?.names, { kind: "Widget", singular: "widget", listKind: "WidgetList" });
    assert.deepEqual(d.spec?.conversion, { strategy: "None" });
    assert.deepEqual(d.status?.storedVersions, ["v1"]);
  });
  it("a webhook service port defaults to 443", () => {
    const d = defaultCRD(
      crd({
        conversion: { strategy: "Webhook", webhook: { clientConfig: { service: { name: "s", namespace: "n" } } } },
      }),
    );
    assert.equal(d.spec?.conversion?.webhook?.clientConfig?.service?.port, 443);
  });
});

describe("CustomResourceDefinition validation (kube's paths and messages)", () => {
  const cases: [string, CRD, string[]][] = [
    ["a valid definition", crd(), []],
    [
      "a group needs a dot",
      crd({ group: "example" }),
      ['spec.group: Invalid value: "example": should be a domain with at least one dot'],
    ],
    [
      "the scope is an enum",
      crd({ scope: "All" }),
      ['spec.scope: Unsupported value: "All": supported values: "Cluster", "Namespaced"'],
    ],
    [
      "v1 requires a schema in every version",
      crd({ versions: [{ name: "v1", served: true, storage: true }] }),
      ["spec.versions[0].schema.openAPIV3Schema: Required value"],
    ],
    [
      "identical schemas are validated where the internal form keeps them",
      crd({ versions: [version("v1", { schema: { openAPIV3Schema: { type: "object", properties: { spec: {} } } } })] }),
      [
        "spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields",
      ],
    ],
    [
      "different schemas are validated per version",
      crd({
        versions: [
          version("v1"),
          version("v2", {
            schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object" }, x: {} } } },
          }),
        ],
      }),
      [
        "spec.versions[1].schema.openAPIV3Schema.properties[x].type: Required value: must not be empty for specified object fields",
      ],
    ],
    [
      "a default must pass its schema",
      crd({
        versions: [
          version("v1", {
            schema: { openAPIV3Schema: { type: "object", properties: { n: { type: "integer", default: "x" } } } },
          }),
        ],
      }),
      [
        'spec.validation.openAPIV3Schema.properties[n].default: Invalid value: "string":  in body must be of type integer: "string"',
      ],
    ],
    [
      "printer columns",
      crd({ versions: [version("v1", { additionalPrinterColumns: [{ name: "", type: "text", jsonPath: "spec" }] })] }),
      [
        "spec.additionalPrinterColumns[0].name: Required value",
        'spec.additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string',
        'spec.additionalPrinterColumns[0].JSONPath: Invalid value: "spec": must be a simple json path starting with .',
      ],
    ],
    [
      "selectable fields must reach a scalar outside metadata",
      crd({ versions: [version("v1", { selectableFields: [{ jsonPath: ".spec" }, { jsonPath: ".spec.nope" }] })] }),
      [
        'spec.selectableFields[0].jsonPath: Invalid value: ".spec": must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.',
        'spec.selectableFields[1].jsonPath: Invalid value: ".spec.nope": is an invalid path: does not refer to a valid field',
      ],
    ],
    [
      "names are DNS-1035 labels",
      crd({ names: { plural: "Widgets", kind: "Widget", singular: "widget", listKind: "WidgetList" } }),
      [
        "spec.names.plural: Invalid value: \"Widgets\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ],
    ],
    [
      "a stored version must stay a version",
      crd({}, { storedVersions: ["v1", "v0"] }),
      [
        'status.storedVersions[1]: Invalid value: "v0": missing from spec.versions; v0 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v0 and removes v0 from status.storedVersions',
      ],
    ],
    [
      "CEL rules must compile",
      crd({
        versions: [
          version("v1", {
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-validations": [{ rule: "self.a ==" }] } },
          }),
        ],
      }),
      [
        'spec.validation.openAPIV3Schema.x-kubernetes-validations[0].rule: Invalid value: {"Rule":"self.a ==","Message":"","MessageExpression":"","Reason":null,"FieldPath":"","OptionalOldSelf":null}: compilation failed: ERROR: <input>:1:10: Unexpected token: EOF',
      ],
    ],
    [
      "protected groups need approval",
      crd({ group: "things.k8s.io" }),
      [
        'metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
      ],
    ],
  ];
  for (const [why, c, want] of cases) it(why, () => assert.deepEqual(text(validateCRD(c)), want));

  it("the name must be the plural and the group", () => {
    const c = crd();
    c.metadata.name = "x.example.com";
    assert.deepEqual(text([crdNameProblem(c) as FieldError]), [
      'metadata.name: Invalid value: "x.example.com": must be spec.names.plural+"."+spec.group',
    ]);
  });

  it("group and plural never change; scope and kind not once established", () => {
    const old = crd({}, { conditions: [{ type: "Established", status: "True" }] });
    const next = crd({ group: "other.com", scope: "Cluster" });
    assert.deepEqual(text(validateCRDUpdate(next, old)), [
      'spec.scope: Invalid value: "Cluster": field is immutable',
      'spec.group: Invalid value: "other.com": field is immutable',
    ]);
  });

  it("one version is hoisted into the internal spec; differing ones are not", () => {
    assert.ok(toInternal(crd().spec ?? {}).validation);
    const two = toInternal(
      crd({ versions: [version("v1"), version("v2", { schema: { openAPIV3Schema: { type: "object" } } })] }).spec ?? {},
    );
    assert.equal(two.validation, undefined);
    assert.ok(two.versions[0]?.schema);
  });
});

describe("CustomResourceDefinition strategy", () => {
  it("create clears status but for the stored version, and starts generation at 1", () => {
    const created = crdBehaviour.prepareForCreate?.({
      ...crd({}, { conditions: [{ type: "X", status: "True" }] }),
    } as KubeObject) as CRD;
    assert.equal(created.metadata.generation, 1);
    assert.deepEqual(created.status, { acceptedNames: { plural: "", kind: "" }, storedVersions: ["v1"] });
  });
  it("update keeps status, bumps generation on spec changes and records a new storage version", () => {
    const cur = { ...crd(), metadata: { name: "widgets.example.com", generation: 2 } } as KubeObject;
    const next = crd({ versions: [version("v1", { storage: false }), version("v2", { storage: true })] }) as KubeObject;
    const out = crdBehaviour.prepareForUpdate?.(cur, next) as CRD;
    assert.equal(out.metadata.generation, 3);
    assert.deepEqual(out.status?.storedVersions, ["v1", "v2"]);
  });
});

describe("the naming controller", () => {
  const accepted = (c: CRD, names: Record<string, unknown>) =>
    ({ ...c, status: { ...c.status, acceptedNames: names } }) as CRD;
  it("accepts fresh names", () => {
    const r = calculateNames(
      crd({
        names: { plural: "widgets", kind: "Widget", singular: "widget", listKind: "WidgetList", shortNames: ["wd"] },
      }),
      [],
    );
    assert.deepEqual(r.accepted, {
      plural: "widgets",
      singular: "widget",
      shortNames: ["wd"],
      kind: "Widget",
      listKind: "WidgetList",
    });
    assert.deepEqual([r.namesAccepted.reason, r.established.reason], ["NoConflicts", "Installing"]);
  });
  it("refuses names another definition of the group holds", () => {
    const other = accepted(crd(), {
      plural: "gadgets",
      singular: "gadget",
      kind: "Gadget",
      listKind: "GadgetList",
      shortNames: ["wd"],
    });
    const r = calculateNames(
      crd({
        names: { plural: "widgets", kind: "Widget", singular: "widget", listKind: "WidgetList", shortNames: ["wd"] },
      }),
      [other],
    );
    assert.deepEqual(
      [r.namesAccepted.status, r.namesAccepted.reason, r.namesAccepted.message],
      ["False", "ShortNamesConflict", '"wd" is already in use'],
    );
    assert.deepEqual([r.established.status, r.established.reason], ["False", "NotAccepted"]);
  });
});

describe("serving custom resources", () => {
  const def = servedDefinition(
    crd(
      {
        versions: [
          version("v1", {
            subresources: {
              status: {},
              scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" },
            },
            additionalPrinterColumns: [{ name: "Size", type: "string", jsonPath: ".spec.size" }],
          }),
          version("v2"),
        ],
        names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList", shortNames: ["wd"] },
      },
      {
        acceptedNames: {
          plural: "widgets",
          singular: "widget",
          kind: "Widget",
          listKind: "WidgetList",
          shortNames: ["wd"],
        },
        conditions: [
          { type: "NamesAccepted", status: "True" },
          { type: "Established", status: "True" },
        ],
      },
    ),
  );
  const v1 = new CustomResourceVersion(def, def.versions[0] as never);
  const v2 = new CustomResourceVersion(def, def.versions[1] as never);
  const w = (extra: Record<string, unknown> = {}) =>
    ({
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w", generation: 1 },
      spec: { size: "m" },
      ...extra,
    }) as KubeObject;

  it("create drops status where a status subresource owns it", () => {
    assert.deepEqual(v1.prepareForCreate(w({ status: { x: 1 } })), { ...w(), metadata: { name: "w", generation: 1 } });
  });
  it("generation moves with everything but metadata (and status, where a subresource owns it)", () => {
    const cur = w({ status: { replicas: 1 } });
    assert.equal(v1.prepareForUpdate(cur, w({ status: { replicas: 2 } })).metadata.generation, 1);
    assert.equal(v1.prepareForUpdate(cur, w({ spec: { size: "l" } })).metadata.generation, 2);
    assert.equal(
      v1.prepareForUpdate(cur, { ...cur, metadata: { ...cur.metadata, labels: { a: "b" } } }).metadata.generation,
      1,
    );
  });
  it("reads apply defaults and rewrite the apiVersion to the version asked for", () => {
    const stored = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: {} } as KubeObject;
    assert.deepEqual(v2.served(stored), {
      apiVersion: "example.com/v2",
      kind: "Widget",
      metadata: { name: "w" },
      spec: { size: "s" },
    });
  });
  it("Strict refuses unknown fields as kube's decoder does; Warn prunes them", () => {
    assert.throws(
      () => v1.decode({ ...w(), spec: { size: "m", x: 1 } } as KubeObject, "Strict"),
      /Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.x"/,
    );
    const o = { ...w(), spec: { x: 1 } } as KubeObject;
    assert.deepEqual(v1.decode(o, "Warn"), ['unknown field "spec.x"']);
    assert.deepEqual(o.spec, { size: "s" });
  });
  it("scale reads and writes the declared paths", () => {
    const cur = w({ spec: { size: "m", replicas: 2 }, status: { replicas: 1 } });
    assert.deepEqual(v1.scale?.toScale(cur).spec, { replicas: 2 });
    const out = v1.scale?.apply(cur, { spec: { replicas: 5 } }) as KubeObject;
    assert.deepEqual([(out.spec as { replicas: number }).replicas, out.metadata.generation], [5, 2]);
  });
  it("field selectors: name, namespace and the selectable fields", () => {
    assert.deepEqual(v1.fieldLabels.labels, ["metadata.name", "metadata.namespace"]);
  });
  it("discovery lists the resource, its status and scale, as kube does", () => {
    assert.deepEqual(customGroups([def]), [{ name: "example.com", versions: ["v2", "v1"] }]);
    const list = customResourceList([def], "example.com", "v1") as {
      name: string;
      verbs: string[];
      storageVersionHash?: string;
    }[];
    assert.deepEqual(
      list.map((r) => r.name),
      ["widgets", "widgets/status", "widgets/scale"],
    );
    assert.deepEqual(list[0]?.verbs, [
      "delete",
      "deletecollection",
      "get",
      "list",
      "patch",
      "create",
      "update",
      "watch",
    ]);
    const agg = customAggregated([def]);
    assert.deepEqual(
      agg[0]?.versions.map((v) => v.version),
      ["v2", "v1"],
    );
    assert.deepEqual(
      agg[0]?.versions[1]?.resources[0]?.subresources?.map((s) => s.subresource),
      ["status", "scale"],
    );
  });
  it("prints the declared columns", () => {
    const p = customResourcePrinter([
      { name: "Size", type: "string", jsonPath: ".spec.size" },
      { name: "N", type: "integer", jsonPath: ".spec.n" },
    ]);
    assert.deepEqual(
      p.columns.map((c) => c.name),
      ["Name", "Size", "N"],
    );
    assert.deepEqual(p.cells(w({ spec: { size: "m", n: 2.7 } }), Date.now()), ["w", "m", 2]);
    assert.deepEqual(
      customResourcePrinter(undefined).columns.map((c) => c.name),
      ["Name", "Age"],
    );
  });
});

describe("versions, JSONPath and OpenAPI", () => {
  it("kube-aware version order: GA, beta, alpha, then the rest", () => {
    const sorted = ["v1alpha1", "foo10", "v2", "v1", "v1beta2", "v11beta1", "foo1"].sort(
      (a, b) => -compareKubeAwareVersions(a, b),
    );
    assert.deepEqual(sorted, ["v2", "v1", "v11beta1", "v1beta2", "v1alpha1", "foo1", "foo10"]);
  });
  it("JSONPath: fields, indexes, filters and wildcards", () => {
    const o = {
      status: {
        conditions: [
          { type: "A", status: "x" },
          { type: "Ready", status: "True" },
        ],
      },
      l: [1, 2, 3],
    };
    assert.deepEqual(findJSONPath(parseJSONPath('.status.conditions[?(@.type=="Ready")].status'), o), ["True"]);
    assert.deepEqual(findJSONPath(parseJSONPath(".l[-1]"), o), [3]);
    assert.deepEqual(findJSONPath(parseJSONPath(".l[*]"), o), [1, 2, 3]);
    assert.deepEqual(findJSONPath(parseJSONPath(".missing.x"), o), []);
  });
  it("published schemas unfold int-or-string and give embedded resources apiVersion, kind and metadata", () => {
    const out = publishedSchema({
      type: "object",
      properties: {
        p: { "x-kubernetes-int-or-string": true },
        e: { type: "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true },
      },
    }) as { properties: Record<string, Record<string, unknown>> };
    assert.deepEqual(out.properties.p, {
      "x-kubernetes-int-or-string": true,
      anyOf: [{ type: "integer" }, { type: "string" }],
    });
    assert.deepEqual(out.properties.e?.required, ["kind", "apiVersion"]);
  });
  it("a group-version document has kube's routes and the resource's schema", () => {
    const def = servedDefinition(
      crd(
        {},
        {
          acceptedNames: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
          conditions: [{ type: "Established", status: "True" }],
        },
      ),
    );
    const doc = customResourceDocument(
      [def],
      "example.com",
      "v1",
      () => undefined,
      () => undefined,
    ) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
      components: { schemas: Record<string, unknown> };
    };
    assert.deepEqual(Object.keys(doc.paths), [
      "/apis/example.com/v1/widgets",
      "/apis/example.com/v1/namespaces/{namespace}/widgets",
      "/apis/example.com/v1/namespaces/{namespace}/widgets/{name}",
    ]);
    assert.equal(
      doc.paths["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]?.patch?.operationId,
      "patchExampleComV1NamespacedWidget",
    );
    assert.ok(doc.components.schemas["com.example.v1.Widget"]);
    assert.ok(doc.components.schemas["com.example.v1.WidgetList"]);
  });
});
