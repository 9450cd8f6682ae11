import assert from "node:assert/strict";
import { MalformedEnvelopeError, parseEnvelope } from "../src/envelope.ts";

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
  ];
  for (const [why, v] of bad) {
    it(`rejects ${why}`, () => {
      assert.throws(() => parseEnvelope(typeof v === "string" ? v : JSON.stringify(v)), MalformedEnvelopeError);
    });
  }
});
