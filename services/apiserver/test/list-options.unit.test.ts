import assert from "node:assert/strict";
import { defaultFieldLabels, isStatusError } from "@evk/kube";
import { fieldLabelConversion } from "../src/field-labels.ts";
import { checkListOptions, parseUintError } from "../src/list-options.ts";
import { lookupResource, type ResourceType } from "../src/resources.ts";

const token = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

/** The Status a list (or watch) with this query gets, or "ok". */
function answer(query: string, watch = false, labels = defaultFieldLabels): string {
  try {
    checkListOptions(new URLSearchParams(query), watch, labels);
    return "ok";
  } catch (err) {
    if (!isStatusError(err)) throw err;
    return `${err.code} ${err.toStatus().reason ?? "-"}: ${err.message}`;
  }
}

describe("list and watch options, refused as kube-apiserver 1.35 refuses them", () => {
  // Each answer was read from a real kube-apiserver's answer to the same query.
  const lists: [string, string][] = [
    ["", "ok"],
    ["resourceVersion=5&resourceVersionMatch=NotOlderThan", "ok"],
    [
      "resourceVersion=1&resourceVersionMatch=Bogus",
      '422 Invalid: ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Bogus": supported values: "Exact", "NotOlderThan", ""',
    ],
    [
      "resourceVersionMatch=Exact",
      '422 Invalid: ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    ],
    [
      "resourceVersion=0&resourceVersionMatch=Exact",
      '422 Invalid: ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    ],
    [
      "sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=1",
      '422 Invalid: ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list',
    ],
    [
      "resourceVersion=abc",
      '400 BadRequest: invalid resource version: resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax',
    ],
    [
      "resourceVersion=-1",
      '400 BadRequest: invalid resource version: resourceVersion: Invalid value: "-1": strconv.ParseUint: parsing "-1": invalid syntax',
    ],
    [
      `continue=${token({ v: "meta.k8s.io/v1", rv: 5, start: "x" })}&resourceVersion=5`,
      "400 BadRequest: specifying resource version is not allowed when using continue",
    ],
    [`continue=${token({ v: "meta.k8s.io/v1", rv: 5, start: "x" })}&resourceVersion=0`, "ok"],
    [
      "continue=garbage",
      "400 BadRequest: invalid continue token: continue key is not valid: invalid character '\\u0081' looking for beginning of value",
    ],
    // Syntax first, then validation, then the kind's labels.
    [
      "labelSelector=a%20in%20(b&resourceVersionMatch=Bogus",
      "400 BadRequest: unable to parse requirement: found '', expected: ',' or ')'",
    ],
    [
      "fieldSelector=spec.x%3D1&resourceVersionMatch=Exact&resourceVersion=0",
      '422 Invalid: ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    ],
    [
      "fieldSelector=spec.x%3D1",
      '400 BadRequest: "spec.x" is not a known field selector: only "metadata.name", "metadata.namespace"',
    ],
  ];
  for (const [query, want] of lists) {
    it(`list ?${query.slice(0, 70)}`, () => assert.equal(answer(query), want));
  }
  const watches: [string, string][] = [
    ["resourceVersion=5", "ok"],
    ["sendInitialEvents=true&resourceVersionMatch=NotOlderThan", "ok"],
    [
      "sendInitialEvents=true",
      '422 Invalid: ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
    ],
    [
      "resourceVersion=1&resourceVersionMatch=NotOlderThan",
      '422 Invalid: ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
    ],
    // A watch's unparsable resourceVersion is no Status kube made: a 500 without a reason.
    [
      "resourceVersion=abc",
      '500 -: resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax',
    ],
  ];
  for (const [query, want] of watches) {
    it(`watch ?${query}`, () => assert.equal(answer(query, true), want));
  }
  it("parses resource versions as Go's strconv.ParseUint", () => {
    assert.equal(parseUintError("007"), undefined);
    assert.equal(parseUintError("18446744073709551615"), undefined);
    assert.equal(
      parseUintError("18446744073709551616"),
      'strconv.ParseUint: parsing "18446744073709551616": value out of range',
    );
    assert.equal(parseUintError("+1"), 'strconv.ParseUint: parsing "+1": invalid syntax');
  });
});

describe("field labels per kind", () => {
  const type = (group: string, version: string, resource: string) =>
    fieldLabelConversion(lookupResource(group, version, resource) as ResourceType);
  const cases: [ReturnType<typeof type>, string, string | undefined][] = [
    [type("", "v1", "configmaps"), "metadata.namespace", undefined],
    [
      type("", "v1", "configmaps"),
      "data.x",
      '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"',
    ],
    [type("", "v1", "pods"), "spec.nodeName", undefined],
    [type("", "v1", "pods"), "spec.bogus", "field label not supported: spec.bogus"],
    [type("", "v1", "namespaces"), "status.phase", undefined],
    [type("", "v1", "namespaces"), "metadata.namespace", "field label not supported: metadata.namespace"],
    [type("", "v1", "nodes"), "metadata.namespace", "field label not supported: metadata.namespace"],
    [type("", "v1", "services"), "spec.clusterIP", undefined],
    [type("", "v1", "services"), "spec.ports", "field label not supported: spec.ports"],
    [type("batch", "v1", "jobs"), "status.successful", undefined],
    [type("batch", "v1", "jobs"), "spec.x", 'field label "spec.x" not supported for Job'],
    [
      type("resource.k8s.io", "v1", "resourceslices"),
      "spec.x",
      "field label not supported for resource.k8s.io/v1, Kind=ResourceSlice: spec.x",
    ],
  ];
  for (const [conversion, label, refusal] of cases) {
    it(`${label} -> ${refusal ?? "taken"}`, () => {
      assert.equal(conversion.labels.includes(label) ? undefined : conversion.refuse(label), refusal);
    });
  }
});
