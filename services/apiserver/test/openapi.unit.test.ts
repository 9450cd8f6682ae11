import assert from "node:assert/strict";
import { isStatusError } from "@evk/kube";
import { fieldValidationOf, validateBody, validatePatched } from "../src/field-validation.ts";
import { buildState, filterDocument, negotiate, servedPath } from "../src/openapi.ts";
import { SchemaIndex } from "../src/openapi-schema.ts";
import { filterOpenApiV2Protobuf, openApiV2ProtobufNames } from "../src/openapi-v2-protobuf.ts";

const ref = (n: string) => ({ $ref: `#/definitions/${n}` });
const swagger = {
  swagger: "2.0",
  paths: {
    "/api/": {},
    "/api/v1/": {},
    "/api/v1/namespaces/{namespace}/pods/{name}": { patch: { parameters: [{ schema: ref("Pod") }] } },
    "/api/v1/namespaces/{namespace}/pods/{name}/status": {},
    "/api/v1/namespaces/{namespace}/pods/{name}/log": {},
    "/api/v1/namespaces/{name}/finalize": {},
    "/api/v1/watch/namespaces/{namespace}/pods": {},
    "/api/v1/namespaces/{namespace}/pods/{name}/proxy": {
      get: { responses: { 200: { schema: ref("PodProxyOptions") } } },
    },
    "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale": {},
    "/apis/example.com/v1/widgets": { get: { responses: { 200: { schema: ref("Widget") } } } },
    "/apis/authentication.k8s.io/v1/selfsubjectreviews": {},
    "/logs/": {},
    "/version/": {},
  },
  definitions: {
    Pod: {
      "x-kubernetes-group-version-kind": [{ group: "", version: "v1", kind: "Pod" }],
      properties: { apiVersion: {}, kind: {}, metadata: ref("ObjectMeta"), spec: ref("PodSpec") },
    },
    ObjectMeta: {
      properties: {
        name: {},
        labels: { additionalProperties: { type: "string" } },
        managedFields: { items: ref("ManagedFieldsEntry") },
      },
    },
    ManagedFieldsEntry: { properties: { manager: {}, fieldsV1: ref("FieldsV1") } },
    FieldsV1: { type: "object" },
    PodSpec: { properties: { containers: { type: "array", items: { allOf: [ref("Container")] } } } },
    Container: { properties: { name: {}, image: {} } },
    PodProxyOptions: { properties: {} },
    Widget: { properties: {} },
  },
};

describe("OpenAPI documents: what evk advertises", () => {
  it("keeps only paths of resources and subresources evk serves", () => {
    const kept = Object.keys(swagger.paths).filter((p) => servedPath(p));
    assert.deepEqual(kept, [
      "/api/",
      "/api/v1/",
      "/api/v1/namespaces/{namespace}/pods/{name}",
      "/api/v1/namespaces/{namespace}/pods/{name}/status",
      "/api/v1/namespaces/{namespace}/pods/{name}/log",
      "/api/v1/namespaces/{name}/finalize",
      "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale",
      "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      "/version/",
    ]);
  });

  it("keeps the definitions the kept paths reach and drops the rest (host CRDs, unserved kinds)", () => {
    const f = filterDocument(swagger, (d) => d.definitions as Record<string, unknown>, "#/definitions/");
    assert.deepEqual(Object.keys(f.doc.definitions as object).sort(), [
      "Container",
      "FieldsV1",
      "ManagedFieldsEntry",
      "ObjectMeta",
      "Pod",
      "PodSpec",
    ]);
  });

  it("filters the protobuf v2 document by the same names, passing other fields through", () => {
    const enc = (num: number, body: Buffer) => Buffer.concat([Buffer.from([num * 8 + 2, body.length]), body]);
    const str = (num: number, s: string) => enc(num, Buffer.from(s));
    const named = (num: number, name: string) => enc(num, Buffer.concat([str(1, name), enc(2, Buffer.from([8, 1]))]));
    const doc = Buffer.concat([
      str(1, "2.0"),
      enc(8, Buffer.concat([named(2, "/api/v1/namespaces/{namespace}/pods/{name}"), named(2, "/logs/")])),
      enc(9, Buffer.concat([named(1, "Pod"), named(1, "Widget")])),
    ]);
    const out = filterOpenApiV2Protobuf(
      doc,
      (p) => servedPath(p),
      (d) => d === "Pod",
    );
    assert.deepEqual(openApiV2ProtobufNames(out), {
      paths: ["/api/v1/namespaces/{namespace}/pods/{name}"],
      definitions: ["Pod"],
    });
    assert.equal(out.subarray(0, 5).toString("latin1"), "\n\u00032.0");
  });

  it("builds v3 index entries with kube's hash (uppercase SHA-512 of the served document)", () => {
    const v3doc = {
      openapi: "3.0.0",
      paths: { "/api/v1/namespaces/{namespace}/pods/{name}": {} },
      components: { schemas: swagger.definitions },
    };
    const state = buildState({
      fetchedAt: new Date(0).toISOString(),
      v2: Buffer.from(JSON.stringify(swagger)),
      v3: {
        "api/v1": Buffer.from(JSON.stringify(v3doc)),
        "apis/example.com/v1": Buffer.from("{}"),
        logs: Buffer.from("{}"),
      },
    });
    const index = JSON.parse(state.v3index.toString()) as { paths: Record<string, { serverRelativeURL: string }> };
    assert.deepEqual(Object.keys(index.paths), ["api/v1"]);
    assert.match(index.paths["api/v1"]?.serverRelativeURL ?? "", /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
    assert.equal(state.schemas.kind("", "v1", "Pod") !== undefined, true);
  });

  it("negotiates the Accept header by q-value, as kube-openapi does", () => {
    const offered = ["application/json", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"];
    assert.equal(negotiate(undefined, offered), "application/json");
    assert.equal(
      negotiate("application/com.github.proto-openapi.spec.v2@v1.0+protobuf", offered),
      "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
    );
    assert.equal(negotiate("application/json;q=0.5, */*;q=0.9", offered), "application/json");
    assert.equal(negotiate("text/html", offered), undefined);
  });
});

describe("field validation (fieldValidation=Strict|Warn|Ignore)", () => {
  const index = new SchemaIndex(swagger);
  const pod = index.kind("", "v1", "Pod");
  const body = () => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", foo: 1, labels: { any: "x" }, managedFields: [{ manager: "m", fieldsV1: { "f:x": {} } }] },
    spec: { containers: [{ name: "c", bar: 2 }], zzz: true },
    top: 1,
  });

  it("Strict refuses unknown fields with kube's decode error, sorted", () => {
    assert.throws(
      () => validateBody(index, pod as object, "Pod", "v1", body(), "Strict"),
      (err: unknown) =>
        isStatusError(err, "BadRequest") &&
        err.message ===
          'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "metadata.foo", unknown field "spec.containers[0].bar", unknown field "spec.zzz", unknown field "top"',
    );
  });

  it("Warn drops them and warns per field; Ignore drops them silently; free-form objects are kept", () => {
    const b = body();
    assert.deepEqual(validateBody(index, pod as object, "Pod", "v1", b, "Warn"), [
      'unknown field "metadata.foo"',
      'unknown field "spec.containers[0].bar"',
      'unknown field "spec.zzz"',
      'unknown field "top"',
    ]);
    assert.deepEqual(b, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", labels: { any: "x" }, managedFields: [{ manager: "m", fieldsV1: { "f:x": {} } }] },
      spec: { containers: [{ name: "c" }] },
    });
    const c = body();
    assert.deepEqual(validateBody(index, pod as object, "Pod", "v1", c, "Ignore"), []);
    assert.equal("top" in c, false);
  });

  it("a patched object with unknown fields under Strict is an invalid patch quoting it (422)", () => {
    assert.throws(
      () => validatePatched(index, pod as object, { top: 1 }, "Strict", () => "map[top:1]"),
      (err: unknown) =>
        isStatusError(err, "Invalid") &&
        err.message ===
          ' "" is invalid: patch: Invalid value: "map[top:1]": strict decoding error: unknown field "top"',
    );
  });

  it("an unsupported directive is refused as kube refuses it", () => {
    assert.equal(fieldValidationOf(new URLSearchParams(""), "create"), "Warn");
    assert.throws(
      () => fieldValidationOf(new URLSearchParams("fieldValidation=Bogus"), "update"),
      (err: unknown) =>
        isStatusError(err, "Invalid") &&
        err.message ===
          'UpdateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Bogus": supported values: "", "Ignore", "Strict", "Warn"',
    );
  });
});
