import assert from "node:assert/strict";
import { parseFieldSelector, parseLabelSelector } from "../src/selectors.ts";

const labels = { app: "web", tier: "front", "example.com/team": "a" };

describe("label selectors", () => {
  const table: [string, boolean][] = [
    ["", true],
    ["app=web", true],
    ["app==web", true],
    ["app=db", false],
    ["app!=db", true],
    ["missing!=x", true],
    ["app in (web,db)", true],
    ["app in (db)", false],
    ["app notin (db)", true],
    ["missing notin (db)", true],
    ["tier", true],
    ["!tier", false],
    ["!missing", true],
    ["app=web,tier=front", true],
    ["app=web,tier=back", false],
    ["example.com/team=a", true],
    [" app = web , tier in ( front , back ) ", true],
  ];
  for (const [sel, want] of table) {
    it(`${JSON.stringify(sel)} ${want ? "matches" : "does not match"}`, () => {
      assert.equal(parseLabelSelector(sel).matches(labels), want);
    });
  }
  for (const badSel of ["app=we b", "=x", "app in x", "-bad-=x", "app=web,"]) {
    it(`rejects ${JSON.stringify(badSel)} as BadRequest (400)`, () => {
      assert.throws(
        () => parseLabelSelector(badSel),
        (e: { reason?: string; code?: number }) => e.reason === "BadRequest" && e.code === 400,
      );
    });
  }
});

describe("field selectors", () => {
  const pod = { metadata: { name: "p1", namespace: "ns" }, spec: { nodeName: "n1" }, status: { phase: "Running" } };
  const allowed = ["spec.nodeName", "status.phase"];
  const table: [string, boolean][] = [
    ["metadata.name=p1", true],
    ["metadata.name!=p1", false],
    ["metadata.namespace=ns,status.phase=Running", true],
    ["spec.nodeName=", false],
    ["spec.nodeName==n1", true],
  ];
  for (const [sel, want] of table) {
    it(`${sel} ${want ? "matches" : "does not match"}`, () => {
      assert.equal(parseFieldSelector(sel, allowed).matches(pod), want);
    });
  }
  it("pins the name of metadata.name= for single-object reads", () => {
    assert.equal(parseFieldSelector("metadata.name=p1").name, "p1");
    assert.equal(parseFieldSelector("metadata.name!=p1").name, undefined);
  });
  it("rejects fields the resource does not declare, as kube-apiserver does", () => {
    assert.throws(
      () => parseFieldSelector("spec.other=x", allowed),
      (e: Error) => e.message === "field label not supported: spec.other",
    );
    assert.throws(
      () => parseFieldSelector("garbage", allowed),
      (e: { code?: number }) => e.code === 400,
    );
  });
});
