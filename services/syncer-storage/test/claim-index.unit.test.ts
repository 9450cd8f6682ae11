import assert from "node:assert/strict";
import { ClaimIndex } from "../src/claim-index.ts";
import { parseWorkKey, workKey } from "../src/keys.ts";

describe("claim index", () => {
  it("reports the volumes whose claims changed, and finds claims by volume and class", () => {
    const ix = new ClaimIndex();
    assert.deepEqual(ix.set("default/a", { storageClassName: "manual" }), []);
    assert.deepEqual(ix.claimsOfClass("manual"), ["default/a"]);
    assert.deepEqual(ix.set("default/a", { storageClassName: "manual", volumeName: "pv-1" }), ["pv-1"]);
    assert.deepEqual(ix.set("ns/b", { volumeName: "pv-1" }), ["pv-1"]);
    assert.deepEqual(ix.claimsOfVolume("pv-1"), ["default/a", "ns/b"]);
    assert.deepEqual(ix.set("default/a", { storageClassName: "manual", volumeName: "pv-1" }), [], "no change");
    assert.deepEqual(ix.set("default/a", { storageClassName: "fast", volumeName: "pv-2" }), ["pv-1", "pv-2"]);
    assert.deepEqual(ix.claimsOfClass("manual"), []);
    assert.deepEqual(ix.claimsOfClass("fast"), ["default/a"]);
    assert.deepEqual(ix.set("default/a", undefined), ["pv-2"], "a deleted claim frees its volume");
    assert.deepEqual(ix.claimsOfVolume("pv-2"), []);
    assert.deepEqual([...ix.volumes()], ["pv-1"]);
    assert.deepEqual(ix.claimsOfClass("fast"), []);
  });
});

describe("work keys", () => {
  const cases: [Parameters<typeof workKey>, string][] = [
    [["pvc", "default", "data"], "pvc:default/data"],
    [["pv", undefined, "pvc-0a1b"], "pv:pvc-0a1b"],
    [["sc", undefined, "standard"], "sc:standard"],
  ];
  for (const [args, key] of cases) {
    it(`${key} round-trips`, () => {
      assert.equal(workKey(...args), key);
      const back = parseWorkKey(key);
      assert.deepEqual([back.kind, back.namespace || undefined, back.name], args);
    });
  }
  it("refuses a key of another kind", () => assert.throws(() => parseWorkKey("pod:a/b"), /not a work key/));
});
