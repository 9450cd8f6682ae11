import assert from "node:assert/strict";
import { validateCel } from "../src/crd/cel.ts";
import { goFloat } from "../src/crd/schema/go-values.ts";
import { validateEmbedded, validateListSetsAndMaps } from "../src/crd/schema/list-type.ts";
import { applyDefaults, coerceObjectMeta, MetadataDecodeError, prune, pruneNulls } from "../src/crd/schema/prune.ts";
import { newStructural, StructuralError, validateStructural } from "../src/crd/schema/structural.ts";
import { validateValue } from "../src/crd/schema/value-validation.ts";
import type { JSONSchemaProps } from "../src/crd/types.ts";
import { errorBody, type FieldError } from "../src/spec-validation/field-errors.ts";

const text = (errs: FieldError[]) => errs.map((e) => `${e.field}: ${errorBody(e)}`);

const schema: JSONSchemaProps = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      required: ["size"],
      properties: {
        size: { type: "string", enum: ["small", "large"] },
        replicas: { type: "integer", minimum: 0, maximum: 10, default: 1 },
        ratio: { type: "number", exclusiveMaximum: true, maximum: 1.5 },
        name: { type: "string", maxLength: 3, pattern: "^[a-z]+$" },
        short: { type: "string", minLength: 2 },
        ip: { type: "string", format: "ipv4" },
        odd: { type: "string", format: "not-a-format" },
        port: { "x-kubernetes-int-or-string": true },
        tags: { type: "array", maxItems: 2, items: { type: "string" }, "x-kubernetes-list-type": "set" },
        few: { type: "array", minItems: 2, items: { type: "integer" } },
        labels: { type: "object", maxProperties: 1, additionalProperties: { type: "string" } },
        closed: { type: "object", additionalProperties: false, properties: { a: { type: "string" } } },
        opt: { type: "string", nullable: true },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        ports: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"],
          items: { type: "object", properties: { name: { type: "string" }, port: { type: "integer" } } },
        },
      },
    },
  },
};

const obj = (spec: Record<string, unknown>) => ({
  apiVersion: "g.io/v1",
  kind: "Thing",
  spec: { size: "small", ...spec },
});

describe("custom resource values against their OpenAPI schema (kube-openapi's messages)", () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ["a valid object", {}, []],
    ["enum", { size: "huge" }, ['spec.size: Unsupported value: "huge": supported values: "small", "large"']],
    [
      "type",
      { replicas: "two" },
      ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"'],
    ],
    [
      "a float for an integer",
      { replicas: 1.5 },
      ['spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"'],
    ],
    [
      "maximum",
      { replicas: 11 },
      ["spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10"],
    ],
    [
      "minimum",
      { replicas: -1 },
      ["spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0"],
    ],
    [
      "exclusive maximum of a float",
      { ratio: 1.5 },
      ["spec.ratio: Invalid value: 1.5: spec.ratio in body should be less than 1.5"],
    ],
    ["maxLength", { name: "abcd" }, ["spec.name: Too long: may not be more than 3 bytes"]],
    ["pattern", { name: "A1" }, ["spec.name: Invalid value: \"A1\": spec.name in body should match '^[a-z]+$'"]],
    [
      "minLength",
      { short: "a" },
      ['spec.short: Invalid value: "a": spec.short in body should be at least 2 chars long'],
    ],
    ["format", { ip: "1.2.3" }, ['spec.ip: Invalid value: "1.2.3": spec.ip in body must be of type ipv4: "1.2.3"']],
    ["an unknown format is not checked", { odd: "anything" }, []],
    ["int-or-string takes either", { port: "http" }, []],
    [
      "int-or-string refuses a float",
      { port: 1.5 },
      ['spec.port: Invalid value: "number": spec.port in body must be of type integer,string: "number"'],
    ],
    ["maxItems", { tags: ["a", "b", "c"] }, ["spec.tags: Too many: 3: must have at most 2 items"]],
    ["minItems", { few: [1] }, ["spec.few: Invalid value: 1: spec.few in body should have at least 2 items"]],
    ["maxProperties", { labels: { a: "1", b: "2" } }, ["spec.labels: Too many: 2: must have at most 1 item"]],
    [
      "additionalProperties false",
      { closed: { b: "x" } },
      ['spec.closed: Invalid value: "b": spec.closed.b in body is a forbidden property'],
    ],
    [
      "additionalProperties values",
      { labels: { a: 1 } },
      ['spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"'],
    ],
    [
      "null where not nullable",
      { short: null },
      ['spec.short: Invalid value: "null": spec.short in body must be of type string: "null"'],
    ],
    ["null where nullable", { opt: null }, []],
    ["preserved fields are not checked", { free: { x: [1, { y: 2 }] } }, []],
  ];
  for (const [why, spec, want] of cases) it(why, () => assert.deepEqual(text(validateValue(schema, obj(spec))), want));

  it("required fields", () => {
    assert.deepEqual(text(validateValue(schema, { spec: {} })), ["spec.size: Required value"]);
  });

  it("the status schema is validated under status", () => {
    const status: JSONSchemaProps = { type: "object", properties: { replicas: { type: "integer", minimum: 0 } } };
    assert.deepEqual(text(validateValue(status, { replicas: -2 }, "status")), [
      "status.replicas: Invalid value: -2: replicas in body should be greater than or equal to 0",
    ]);
  });

  it("a default is validated at its own path, with kube's leading-space message", () => {
    assert.deepEqual(text(validateValue({ type: "integer" }, "big", "x.default")), [
      'x.default: Invalid value: "string":  in body must be of type integer: "string"',
    ]);
  });

  it("ratcheting: an unchanged invalid value passes an update, a changed one does not", () => {
    const old = obj({ replicas: 20 });
    assert.deepEqual(text(validateValue(schema, obj({ replicas: 20, tags: ["a"] }), null, { value: old })), []);
    assert.deepEqual(text(validateValue(schema, obj({ replicas: 21 }), null, { value: old })), [
      "spec.replicas: Invalid value: 21: spec.replicas in body should be less than or equal to 10",
    ]);
  });

  it("oneOf, anyOf and not are composite errors at the resource path", () => {
    const s: JSONSchemaProps = { type: "object", properties: { v: { type: "string", not: { enum: ["x"] } } } };
    assert.deepEqual(text(validateValue(s, { v: "x" })), [
      '<nil>: Invalid value: "": "v" must not validate the schema (not)',
    ]);
  });

  it("Go prints floats in the shortest form, with an exponent from 1e+06", () => {
    assert.deepEqual(
      [goFloat(1.5), goFloat(100000.5), goFloat(1e6), goFloat(0.00001), goFloat(1234567.5)],
      ["1.5", "100000.5", "1e+06", "1e-05", "1.2345675e+06"],
    );
  });
});

describe("structural schemas", () => {
  const errs = (s: JSONSchemaProps) => text(validateStructural("spec.validation.openAPIV3Schema", newStructural(s)));
  const cases: [string, JSONSchemaProps, string[]][] = [
    ["a complete schema", schema, []],
    [
      "a field without a type",
      { type: "object", properties: { spec: { properties: {} } } },
      [
        "spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields",
      ],
    ],
    [
      "the root must be an object",
      { type: "string" },
      ['spec.validation.openAPIV3Schema.type: Invalid value: "string": must be object at the root'],
    ],
    [
      "arrays need items",
      { type: "object", properties: { a: { type: "array" } } },
      ["spec.validation.openAPIV3Schema.properties[a].items: Required value: must be specified"],
    ],
    [
      "metadata may only name name and generateName",
      { type: "object", properties: { metadata: { type: "object", properties: { labels: { type: "object" } } } } },
      [
        "spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified",
      ],
    ],
    [
      "value validations may not carry types",
      { type: "object", properties: { a: { type: "string", anyOf: [{ type: "string" }] } } },
      ["spec.validation.openAPIV3Schema.properties[a].anyOf[0].type: Forbidden: must be empty to be structural"],
    ],
    [
      "and, from the root, must be matched by the structure",
      {
        type: "object",
        properties: { a: { type: "object" } },
        allOf: [{ properties: { a: { properties: { b: {} } } } }],
      },
      [
        "spec.validation.openAPIV3Schema.properties[a].properties[b]: Required value: because it is defined in spec.validation.openAPIV3Schema.allOf[0].properties[a].properties[b]",
      ],
    ],
  ];
  for (const [why, s, want] of cases) it(why, () => assert.deepEqual(errs(s), want));

  it("NewStructural refuses what no structural schema has, in kube's words", () => {
    assert.throws(
      () => newStructural({ type: "object", $ref: "#/x" }),
      (e: Error) => e instanceof StructuralError && e.message === "OpenAPIV3Schema '$ref' is not supported",
    );
  });
});

describe("pruning, nulls and defaults", () => {
  it("drops unknown fields and reports their paths sorted, keeping apiVersion, kind and metadata at the root", () => {
    const o = {
      apiVersion: "g/v1",
      kind: "K",
      metadata: { name: "x" },
      extra: 1,
      spec: { size: "small", zz: 1, aa: { b: 1 }, free: { anything: 1 } },
    };
    assert.deepEqual(prune(o, newStructural(schema), true), ["extra", "spec.aa", "spec.zz"]);
    assert.deepEqual(o, {
      apiVersion: "g/v1",
      kind: "K",
      metadata: { name: "x" },
      spec: { size: "small", free: { anything: 1 } },
    });
  });

  it("fills defaults, also where a non-nullable field is null", () => {
    const s = newStructural(schema);
    const o = { spec: { size: "small", replicas: null } } as Record<string, unknown>;
    pruneNulls(o, s);
    applyDefaults(o, s);
    assert.deepEqual(o, { spec: { size: "small", replicas: 1 } });
  });

  it("metadata goes through ObjectMeta: unknown fields reported, wrong types refused as Go refuses them", () => {
    assert.deepEqual(coerceObjectMeta({ name: "a", bogus: 1, ownerReferences: [{ name: "o", x: 1 }] }), {
      meta: { name: "a", ownerReferences: [{ name: "o" }] },
      unknown: ["metadata.bogus", "metadata.ownerReferences[0].x"],
    });
    assert.throws(
      () => coerceObjectMeta({ labels: { a: 1 } }),
      (e: Error) =>
        e instanceof MetadataDecodeError &&
        /cannot unmarshal number into Go struct field ObjectMeta.labels of type string/.test(e.message),
    );
  });
});

describe("list types and embedded resources", () => {
  const s = newStructural(schema);
  it("set items and map keys must be unique", () => {
    assert.deepEqual(text(validateListSetsAndMaps(null, s, obj({ tags: ["a", "b", "a"] }))), [
      'spec.tags[2]: Duplicate value: "a"',
    ]);
    assert.deepEqual(text(validateListSetsAndMaps(null, s, obj({ ports: [{ name: "a" }, { name: "a", port: 1 }] }))), [
      'spec.ports[1]: Duplicate value: {"name":"a"}',
    ]);
  });
  it("embedded resources need apiVersion and kind", () => {
    const e = newStructural({
      type: "object",
      properties: {
        t: { type: "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true },
      },
    });
    assert.deepEqual(text(validateEmbedded(null, { t: { kind: "Pod" } }, e, true)), ["t.apiVersion: Required value"]);
  });
});

describe("CEL rules (x-kubernetes-validations)", () => {
  const s = newStructural({
    type: "object",
    properties: {
      spec: {
        type: "object",
        "x-kubernetes-validations": [
          { rule: "self.min <= self.max", message: "min must not exceed max" },
          { rule: "self.max <= oldSelf.max", messageExpression: "'max may only shrink, was ' + string(oldSelf.max)" },
          {
            rule: "!has(self.name) || self.name.matches('^[a-z]+$')",
            reason: "FieldValueForbidden",
            fieldPath: ".name",
          },
        ],
        properties: {
          min: { type: "integer" },
          max: { type: "integer" },
          name: { type: "string" },
          list: {
            type: "array",
            items: { type: "integer" },
            "x-kubernetes-validations": [{ rule: "self.isSorted()" }],
          },
        },
      },
    },
  });
  const cases: [string, unknown, unknown, string[]][] = [
    ["a passing object", { spec: { min: 1, max: 2 } }, undefined, []],
    [
      "a failing rule with a message",
      { spec: { min: 3, max: 2 } },
      undefined,
      ["spec: Invalid value: min must not exceed max"],
    ],
    [
      "transition rules only with an old object",
      { spec: { min: 1, max: 3 } },
      { spec: { min: 1, max: 2 } },
      ["spec: Invalid value: max may only shrink, was 2"],
    ],
    [
      "reason and fieldPath",
      { spec: { min: 1, max: 2, name: "A" } },
      undefined,
      ["spec.name: Forbidden: failed rule: !has(self.name) || self.name.matches('^[a-z]+$')"],
    ],
    [
      "Kubernetes list functions",
      { spec: { min: 1, max: 2, list: [2, 1] } },
      undefined,
      ["spec.list: Invalid value: failed rule: self.isSorted()"],
    ],
  ];
  for (const [why, o, old, want] of cases)
    it(why, () =>
      assert.deepEqual(text(validateCel(s, null, o, old === undefined ? undefined : { value: old })), want),
    );

  it("a rule this server cannot evaluate is an error, not a pass", () => {
    const f = newStructural({
      type: "object",
      properties: {
        v: {
          type: "string",
          "x-kubernetes-validations": [{ rule: "!format.dns1123Label().validate(self).hasValue()" }],
        },
      },
    });
    const errs = text(validateCel(f, null, { v: "a" }, undefined));
    assert.equal(errs.length, 1);
    assert.match(errs[0] as string, /^v: Invalid value: "string": rule cannot be evaluated by this server/);
  });

  describe("the Kubernetes libraries admission expressions have", () => {
    const k = newStructural({
      type: "object",
      properties: {
        size: {
          type: "string",
          "x-kubernetes-validations": [{ rule: "quantity(self).isGreaterThan(quantity('1Gi'))" }],
        },
        name: { type: "string", "x-kubernetes-validations": [{ rule: "self.lowerAscii() == self" }] },
        url: {
          type: "string",
          "x-kubernetes-validations": [{ rule: "isURL(self) && url(self).getScheme() == 'https'" }],
        },
        ip: { type: "string", "x-kubernetes-validations": [{ rule: "cidr('10.0.0.0/8').containsIP(ip(self))" }] },
        tags: {
          type: "array",
          items: { type: "string" },
          "x-kubernetes-validations": [{ rule: "sets.contains(self, ['a'])" }],
        },
      },
    });
    const rows: [string, unknown, string[]][] = [
      ["quantity: a larger size passes", { size: "2Gi" }, []],
      [
        "quantity: a smaller size fails",
        { size: "512Mi" },
        ["size: Invalid value: \"512Mi\": failed rule: quantity(self).isGreaterThan(quantity('1Gi'))"],
      ],
      [
        "quantity: not a quantity is an evaluation error",
        { size: "big" },
        [
          "size: Invalid value: \"string\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' evaluating rule: quantity(self).isGreaterThan(quantity('1Gi'))",
        ],
      ],
      ["strings: a lower-case name passes", { name: "web" }, []],
      [
        "strings: an upper-case name fails",
        { name: "Web" },
        ['name: Invalid value: "Web": failed rule: self.lowerAscii() == self'],
      ],
      [
        "url",
        { url: "http://x.io/" },
        ["url: Invalid value: \"http://x.io/\": failed rule: isURL(self) && url(self).getScheme() == 'https'"],
      ],
      ["ip and cidr", { ip: "10.1.2.3" }, []],
      [
        "ip outside the cidr",
        { ip: "192.168.0.1" },
        ["ip: Invalid value: \"192.168.0.1\": failed rule: cidr('10.0.0.0/8').containsIP(ip(self))"],
      ],
      ["sets", { tags: ["b", "a"] }, []],
    ];
    for (const [why, o, want] of rows) it(why, () => assert.deepEqual(text(validateCel(k, null, o, undefined)), want));
  });
});
