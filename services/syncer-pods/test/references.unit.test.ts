import assert from "node:assert/strict";
import { ReferenceIndex } from "../src/references.ts";

describe("reference index", () => {
  it("tracks users of each configmap and secret", () => {
    const idx = new ReferenceIndex();
    assert.deepEqual(idx.set("pod:d/a", ["configmap:d/c1", "secret:d/s1"]).sort(), ["configmap:d/c1", "secret:d/s1"]);
    assert.deepEqual(idx.set("pod:d/b", ["configmap:d/c1"]), ["configmap:d/c1"]);
    assert.equal(idx.used("configmap:d/c1"), true);
    // a no longer uses c1: c1 is still used by b; s1 by nobody.
    assert.deepEqual(idx.set("pod:d/a", []).sort(), ["configmap:d/c1", "secret:d/s1"]);
    assert.equal(idx.used("configmap:d/c1"), true);
    assert.equal(idx.used("secret:d/s1"), false);
    idx.set("pod:d/b", []);
    assert.equal(idx.used("configmap:d/c1"), false);
    assert.deepEqual([...idx.keys()], []);
  });
  it("reports nothing when a pod's references did not change", () => {
    const idx = new ReferenceIndex();
    idx.set("pod:d/a", ["secret:d/s"]);
    assert.deepEqual(idx.set("pod:d/a", ["secret:d/s"]), []);
  });
});
