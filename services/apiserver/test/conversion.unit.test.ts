import assert from "node:assert/strict";
import type { KubeObject } from "@evk/kube";
import { builtInStorageVersion, Conversions, inOrder, type VersionConverter } from "../src/conversion.ts";
import { storageVersionHash } from "../src/discovery.ts";

const widgets = { group: "example.com", resource: "widgets" };
const obj = (version: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: `example.com/${version}`,
  kind: "Widget",
  metadata: { name: "w" },
  spec,
});

/** v1 has `size`, v2 (stored) has `replicas`. */
const widgetConverter: VersionConverter = {
  storageVersion: "v2",
  convert(o, to) {
    const spec = o.spec as Record<string, unknown>;
    if (to === "v1") return { ...o, apiVersion: "example.com/v1", spec: { size: spec.replicas } };
    return { ...o, apiVersion: "example.com/v2", spec: { replicas: spec.size } };
  },
};

describe("conversions between served versions", () => {
  it("a resource without a converter passes through untouched", () => {
    const c = new Conversions();
    const o = obj("v1");
    assert.equal(c.toVersion({ ...widgets, version: "v9" }, o), o);
    assert.equal(c.toStorage(widgets, o), o);
    assert.equal(c.converts({ ...widgets, version: "v1" }), false);
    assert.equal(c.storageVersion(widgets), undefined);
  });

  it("converts reads to the request's version and writes to the storage version, and skips what is in it", () => {
    const c = new Conversions();
    c.register(widgets, widgetConverter);
    assert.deepEqual(c.toVersion({ ...widgets, version: "v1" }, obj("v2", { replicas: 3 })), obj("v1", { size: 3 }));
    assert.deepEqual(c.toStorage(widgets, obj("v1", { size: 3 })), obj("v2", { replicas: 3 }));
    const stored = obj("v2", { replicas: 1 });
    assert.equal(c.toVersion({ ...widgets, version: "v2" }, stored), stored);
    assert.equal(c.toStorage(widgets, stored), stored);
    assert.equal(c.converts({ ...widgets, version: "v1" }), true);
    assert.equal(c.converts({ ...widgets, version: "v2" }), false);
  });

  it("unregistering undoes only its own registration", () => {
    const c = new Conversions();
    const undoFirst = c.register(widgets, widgetConverter);
    const second: VersionConverter = { storageVersion: "v1", convert: (o) => o };
    const undoSecond = c.register(widgets, second);
    undoFirst();
    assert.equal(c.get(widgets), second);
    undoSecond();
    assert.equal(c.get(widgets), undefined);
  });

  it("knows the built-in HorizontalPodAutoscaler converter, each registry on its own", () => {
    const hpa = { group: "autoscaling", resource: "horizontalpodautoscalers" };
    assert.equal(builtInStorageVersion(hpa), "v2");
    assert.equal(builtInStorageVersion(widgets), undefined);
    const a = new Conversions();
    const b = new Conversions();
    a.register(widgets, widgetConverter);
    assert.equal(b.get(widgets), undefined);
    assert.equal(b.converts({ ...hpa, version: "v1" }), true);
  });

  it("discovery hashes the storage version of every served version (kube's storageVersionHash)", () => {
    const v1 = {
      group: "autoscaling",
      version: "v1",
      resource: "horizontalpodautoscalers",
      kind: "HorizontalPodAutoscaler",
    };
    // kube-apiserver 1.35.4 lists both versions with the hash of autoscaling/v2.
    assert.equal(storageVersionHash(v1), "qwQve8ut294=");
    assert.equal(storageVersionHash({ ...v1, version: "v2" }), "qwQve8ut294=");
  });

  describe("inOrder: converted watch events go out in the order they came", () => {
    const failed = (err: unknown) => assert.fail(`unexpected failure: ${String(err)}`);
    const settle = () => new Promise((r) => setTimeout(r, 5));

    it("synchronous results go out at once", () => {
      const out: number[] = [];
      const order = inOrder();
      order(
        () => 1,
        (v) => out.push(v),
        failed,
      );
      assert.deepEqual(out, [1]);
    });

    it("a fast result waits for a slow one before it", async () => {
      const out: string[] = [];
      const order = inOrder();
      let release: (v: string) => void = () => {};
      order(
        () => new Promise<string>((r) => (release = r)),
        (v) => out.push(v),
        failed,
      );
      order(
        () => "second",
        (v) => out.push(v),
        failed,
      );
      order(
        () => Promise.resolve("third"),
        (v) => out.push(v),
        failed,
      );
      await settle();
      assert.equal(out.length, 0);
      release("first");
      await settle();
      assert.deepEqual(out, ["first", "second", "third"]);
      order(
        () => "fourth",
        (v) => out.push(v),
        failed,
      );
      assert.deepEqual(out, ["first", "second", "third", "fourth"]);
    });

    it("the first failure is reported once and nothing goes out after it", async () => {
      const out: string[] = [];
      const failures: unknown[] = [];
      const order = inOrder();
      order(
        () => Promise.resolve("a"),
        (v) => out.push(v),
        (e) => failures.push(e),
      );
      order(
        () => Promise.reject(new Error("webhook down")),
        (v) => out.push(v),
        (e) => failures.push(e),
      );
      order(
        () => "c",
        (v) => out.push(v),
        (e) => failures.push(e),
      );
      await settle();
      order(
        () => {
          throw new Error("again");
        },
        (v) => out.push(v),
        (e) => failures.push(e),
      );
      assert.deepEqual(out, ["a"]);
      assert.equal(failures.length, 1);
      assert.match(String(failures[0]), /webhook down/);
    });
  });
});
