import assert from "node:assert/strict";
import { isStatusError } from "@evk/kube";
import { decodeContinue, encodeContinue } from "../src/continue-token.ts";

const token = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

function refusal(t: string): string {
  try {
    decodeContinue(t);
  } catch (err) {
    if (isStatusError(err, "BadRequest")) return err.message;
    throw err;
  }
  return "accepted";
}

describe("continue tokens", () => {
  it("round-trip a revision and the key a page starts at", () => {
    assert.deepEqual(decodeContinue(encodeContinue(42, "ns/b\u0000")), { revision: 42, start: "ns/b\u0000" });
  });
  it("take a negative revision (continue at the latest) and a rooted start key", () => {
    assert.deepEqual(decodeContinue(token({ v: "meta.k8s.io/v1", rv: -1, start: "/x" })), { revision: -1, start: "x" });
  });
  // Each refusal was read from a real kube-apiserver 1.35's answer to the same token.
  const bad: [string, string][] = [
    ["garbage", "invalid character '\\u0081' looking for beginning of value"],
    [Buffer.from("nope").toString("base64url"), "invalid character 'o' in literal null (expecting 'u')"],
    ["a+b", "illegal base64 data at input byte 1"],
    ["abcde", "illegal base64 data at input byte 4"],
    [
      token({ v: "meta.k8s.io/v0", rv: 1, start: "x" }),
      "server does not recognize this encoded version meta.k8s.io/v0",
    ],
    [token({ v: "meta.k8s.io/v1", start: "x" }), "incorrect encoded start resourceVersion (version meta.k8s.io/v1)"],
    [token({ v: "meta.k8s.io/v1", rv: 5, start: "" }), "encoded start key empty (version meta.k8s.io/v1)"],
    [token({ v: "meta.k8s.io/v1", rv: 5, start: "../x" }), "../x"],
    [token({ v: "meta.k8s.io/v1", rv: 5, start: "a//b" }), "a//b"],
    [
      token({ v: "meta.k8s.io/v1", rv: "5", start: "x" }),
      "json: cannot unmarshal string into Go struct field continueToken.rv of type int64",
    ],
    [token([1]), "json: cannot unmarshal array into Go value of type storage.continueToken"],
  ];
  for (const [t, why] of bad) {
    it(`refuses ${t.slice(0, 40)}: ${why}`, () => {
      assert.equal(refusal(t), `invalid continue token: continue key is not valid: ${why}`);
    });
  }
});
