import assert from "node:assert/strict";
import { MalformedEnvelopeError, parseEnvelope, parseStatusReport } from "../src/envelope.ts";

const good = {
  cluster: "c1",
  type: "ADDED",
  resource: "pods",
  group: "",
  version: "v1",
  namespace: "default",
  name: "web",
  uid: "u1",
  revision: 12,
  object: { metadata: { name: "web" } },
  traceId: "t",
  time: "2026-11-22T00:00:00Z",
};

describe("event envelope", () => {
  it("names the field that is wrong", () => {
    assert.throws(() => parseEnvelope(JSON.stringify({ ...good, revision: "12" })), /field "revision" must be/);
    assert.throws(() => parseEnvelope(JSON.stringify({ ...good, type: "X" })), /field "type" must be ADDED/);
  });
  it("parses bytes as well as strings", () => {
    assert.deepEqual(parseEnvelope(new TextEncoder().encode(JSON.stringify(good))), good);
  });
  it("parses a well-formed envelope", () => {
    assert.deepEqual(parseEnvelope(JSON.stringify(good)), good);
    assert.equal(parseEnvelope(JSON.stringify({ ...good, prevRevision: 11 })).prevRevision, 11);
  });
  const bad: [string, unknown][] = [
    ["not JSON", "{"],
    ["an array", "[]"],
    ["a wrong type", { ...good, type: "CHANGED" }],
    ["a missing cluster", { ...good, cluster: undefined }],
    ["a string revision", { ...good, revision: "12" }],
    ["a zero revision", { ...good, revision: 0 }],
    ["a fractional prevRevision", { ...good, prevRevision: 1.5 }],
    ["an object without metadata", { ...good, object: {} }],
    ["an empty name", { ...good, name: "" }],
    ["null", "null"],
    ["a number", "42"],
    ["a missing uid", { ...good, uid: undefined }],
    ["a numeric namespace", { ...good, namespace: 1 }],
    ["a null object", { ...good, object: null }],
    ["an object whose metadata is null", { ...good, object: { metadata: null } }],
    ["an unsafe revision", { ...good, revision: 2 ** 60 }],
    ["a negative prevRevision", { ...good, prevRevision: -1 }],
    ["JSON that is not UTF-8", Buffer.from([...Buffer.from('{"cluster":"'), 0xff, ...Buffer.from('"}')])],
  ];
  for (const [why, v] of bad) {
    it(`rejects ${why}`, () => {
      const input = typeof v === "string" || v instanceof Uint8Array ? v : JSON.stringify(v);
      assert.throws(() => parseEnvelope(input), MalformedEnvelopeError);
    });
  }
});

describe("status report", () => {
  const report = {
    cluster: "c1",
    resource: "pods",
    namespace: "default",
    name: "web",
    uid: "u1",
    hostRevision: 7,
    status: { phase: "Running" },
  };
  const ok: [string, Record<string, unknown>][] = [
    ["a plain status report", report],
    ["a delete with a grace period", { ...report, action: "delete", gracePeriodSeconds: 0 }],
    ["an apply carrying its object", { ...report, action: "apply", object: { metadata: { name: "web" } } }],
  ];
  for (const [why, v] of ok) {
    it(`accepts ${why}`, () => assert.deepEqual(parseStatusReport(JSON.stringify(v)), v));
  }
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ["an unknown action", { ...report, action: "explode" }, /"action" must be status, delete or apply/],
    ["a negative grace period", { ...report, action: "delete", gracePeriodSeconds: -1 }, /"gracePeriodSeconds"/],
    ["an apply without an object", { ...report, action: "apply" }, /needs an object named like the report/],
    [
      "an apply of an object with another name",
      { ...report, action: "apply", object: { metadata: { name: "other" } } },
      /needs an object named like the report/,
    ],
    ["a zero host revision", { ...report, hostRevision: 0 }, /"hostRevision" must be a positive integer/],
  ];
  for (const [why, v, want] of bad) {
    it(`refuses ${why}`, () => assert.throws(() => parseStatusReport(JSON.stringify(v)), want));
  }
});
