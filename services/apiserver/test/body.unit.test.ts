import assert from "node:assert/strict";
import { isStatusError, scanJson } from "@evk/kube";
import { decodeObjectBody, decodePatchBody, kindMismatch, mediaTypeOf, summarize } from "../src/body.ts";
import { strictDecodingIssues } from "../src/field-validation.ts";
import { lookupResource, type ResourceType } from "../src/resources.ts";

const configmaps = lookupResource("", "v1", "configmaps") as ResourceType;
const deployments = lookupResource("apps", "v1", "deployments") as ResourceType;

function refusal(f: () => unknown): { reason: string; code: number; message: string } {
  try {
    f();
  } catch (err) {
    if (isStatusError(err)) return { reason: err.reason, code: err.code, message: err.message };
    throw err;
  }
  throw new Error("not refused");
}

describe("request bodies, decoded as kube-apiserver decodes them", () => {
  it("reads a body without Content-Type as JSON and drops media type parameters", () => {
    assert.equal(mediaTypeOf(undefined), "application/json");
    assert.equal(mediaTypeOf("application/yaml; charset=utf-8"), "application/yaml");
  });
  it("summarises a body as kube quotes it: JSON objects as text, anything else in hex", () => {
    assert.equal(summarize(Buffer.from("")), "<empty>");
    assert.equal(summarize(Buffer.from('{"a":1}')), '{"a":1}');
    assert.equal(
      summarize(Buffer.from(`{"apiVersion":"v1","kind":"ConfigMap",`)),
      '{"apiVersion":"v1","kind":"Con ...',
    );
    assert.equal(summarize(Buffer.from("[]")), "5b5d");
  });
  const bad: [string, string, string, string][] = [
    // [content type, body, reason, message], messages read from kube-apiserver 1.35.
    [
      "application/json",
      '{"apiVersion":"v1","kind":"ConfigMap",',
      "BadRequest",
      'the object provided is unrecognized (must be of type ConfigMap): couldn\'t get version/kind; json parse error: unexpected end of JSON input ({"apiVersion":"v1","kind":"Con ...)',
    ],
    [
      "application/json",
      "",
      "BadRequest",
      "the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: unexpected end of JSON input (<empty>)",
    ],
    [
      "application/json",
      "[]",
      "BadRequest",
      'the object provided is unrecognized (must be of type ConfigMap): couldn\'t get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" } (5b5d)',
    ],
    [
      "text/plain",
      "{}",
      "UnsupportedMediaType",
      "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf",
    ],
  ];
  for (const [ct, body, reason, message] of bad) {
    it(`refuses ${ct} ${JSON.stringify(body)} with ${reason}`, () => {
      assert.deepEqual(
        refusal(() => decodeObjectBody(Buffer.from(body), ct, "ConfigMap")),
        {
          reason,
          code: reason === "BadRequest" ? 400 : 415,
          message,
        },
      );
    });
  }
  it("refuses malformed YAML naming the line, with the body in hex", () => {
    const r = refusal(() =>
      decodeObjectBody(Buffer.from("apiVersion: v1\nmetadata:\n  name: [x\n"), "application/yaml", "ConfigMap"),
    );
    assert.equal(r.code, 400);
    assert.match(
      r.message,
      /^the object provided is unrecognized \(must be of type ConfigMap\): yaml: line \d+: .* \(6170/,
    );
  });
  it("decodes YAML 1.1 as sigs.k8s.io/yaml does", () => {
    assert.deepEqual(
      decodeObjectBody(
        Buffer.from("kind: ConfigMap\ndata:\n  a: yes\n  t: 2001-12-14\n  a2: x\n"),
        "application/yaml",
        "ConfigMap",
      ),
      { kind: "ConfigMap", data: { a: true, t: "2001-12-14", a2: "x" } },
    );
  });
  it("reads null as an empty object", () => {
    assert.deepEqual(decodeObjectBody(Buffer.from("null"), "application/json", "ConfigMap"), {});
  });
  it("words patch decode errors as kube's patch handler does", () => {
    assert.equal(
      refusal(() => decodePatchBody(Buffer.from('{"a":'), "merge")).message,
      "error decoding patch: unexpected end of JSON input",
    );
    assert.equal(
      refusal(() => decodePatchBody(Buffer.from('[{"op":'), "json")).message,
      "error decoding patch: unexpected end of JSON input",
    );
    assert.equal(
      refusal(() => decodePatchBody(Buffer.from('{"data":{"a":x}}'), "strategic")).message,
      "invalid character 'x' looking for beginning of value",
    );
  });
});

describe("what a body says it is, against the URL", () => {
  const cases: [ResourceType, Record<string, unknown>, string | undefined][] = [
    [configmaps, {}, undefined],
    [configmaps, { apiVersion: "v1", kind: "ConfigMap" }, undefined],
    [configmaps, { kind: "ConfigMap" }, undefined],
    [
      configmaps,
      { apiVersion: "v1", kind: "Secret" },
      'Secret in version "v1" cannot be handled as a ConfigMap: converting (v1.Secret) to (core.ConfigMap): unknown conversion',
    ],
    [
      configmaps,
      { apiVersion: "v1", kind: "Bogus" },
      'Bogus in version "v1" cannot be handled as a ConfigMap: no kind "Bogus" is registered for version "v1" in scheme "pkg/runtime/scheme.go:111"',
    ],
    [
      configmaps,
      { apiVersion: "v2", kind: "ConfigMap" },
      'ConfigMap in version "v2" cannot be handled as a ConfigMap: no kind "ConfigMap" is registered for version "v2" in scheme "pkg/runtime/scheme.go:111"',
    ],
    [
      configmaps,
      { apiVersion: "apps/v1", kind: "ConfigMap" },
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: no kind "ConfigMap" is registered for version "apps/v1" in scheme "pkg/runtime/scheme.go:111"',
    ],
    [
      deployments,
      { apiVersion: "v1", kind: "ConfigMap" },
      'ConfigMap in version "v1" cannot be handled as a Deployment: converting (v1.ConfigMap) to (apps.Deployment): unknown conversion',
    ],
  ];
  for (const [type, body, want] of cases) {
    it(`${type.resource} <- ${JSON.stringify(body)}`, () => {
      assert.equal(kindMismatch(type, body)?.message, want);
    });
  }
});

describe("strict decoding errors in document order", () => {
  it("interleaves unknown and duplicate fields as the decoder meets them", () => {
    const doc = '{"apiVersion":"v1","bogus":1,"metadata":{"name":"a","labels":{"x":"1","x":"2"}},"spec":{"a":1,"a":2}}';
    assert.deepEqual(strictDecodingIssues(["bogus", "spec"], scanJson(Buffer.from(doc))), [
      'unknown field "bogus"',
      'duplicate field "metadata.labels.x"',
      'unknown field "spec"',
    ]);
  });
  it("keeps the given order without a scan", () => {
    assert.deepEqual(strictDecodingIssues(["a", "b"], undefined), ['unknown field "a"', 'unknown field "b"']);
  });
});
