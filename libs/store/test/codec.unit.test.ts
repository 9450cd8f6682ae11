import assert from "node:assert/strict";
import type { KubeObject } from "@evk/kube";
import { decodeObject, encodeObject, storedCopy } from "../src/codec.ts";

const meta = (extra: Record<string, unknown> = {}) => ({ name: "n", namespace: "ns", uid: "u", ...extra });
const obj = (o: Record<string, unknown>) =>
  ({ apiVersion: "v1", kind: "ConfigMap", metadata: meta(), ...o }) as KubeObject;
class Custom {
  a = 1;
}

describe("codec: storedCopy is exactly what a JSON round trip gives, or declines", () => {
  const cases: { name: string; o: KubeObject; exact: boolean }[] = [
    {
      name: "a pod-like object",
      o: obj({
        spec: { containers: [{ name: "c", ports: [{ containerPort: 80 }], env: [{ name: "A", value: "1" }] }] },
      }),
      exact: true,
    },
    {
      name: "undefined, functions and symbols",
      o: obj({ a: undefined, f: () => 1, s: Symbol("x"), l: [undefined, () => 1, Symbol("y"), 2] }),
      exact: true,
    },
    {
      name: "NaN, infinities and -0",
      o: obj({ n: [Number.NaN, Number.POSITIVE_INFINITY, -0, 0, -1.5e300], z: -0 }),
      exact: true,
    },
    {
      name: "integer-like keys out of insertion order",
      o: obj({ data: { b: 1, "2": 2, "1": 3, a: 4, "01": 5 } }),
      exact: true,
    },
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case under test
    { name: "a sparse array", o: obj({ l: [1, , 3] }), exact: true },
    { name: "a null-prototype object", o: obj({ data: Object.assign(Object.create(null), { x: 1 }) }), exact: true },
    {
      name: "strings with lone surrogates and escapes",
      o: obj({ s: '\ud800 \u2028 "q" \\ \u0000 ✓ 値' }),
      exact: true,
    },
    {
      name: "empty nested containers, null and booleans",
      o: obj({ e: {}, l: [], n: null, t: true, f: false, ll: [[], [{}]] }),
      exact: true,
    },
    { name: "a resourceVersion of undefined", o: obj({ metadata: meta({ resourceVersion: undefined }) }), exact: true },
    { name: "a resourceVersion to drop", o: obj({ metadata: meta({ resourceVersion: "12" }) }), exact: false },
    { name: "no metadata", o: { apiVersion: "v1", kind: "X" } as unknown as KubeObject, exact: false },
    { name: "array metadata", o: obj({ metadata: [] }), exact: false },
    { name: "a Date", o: obj({ t: new Date(0) }), exact: false },
    { name: "an own toJSON", o: obj({ x: { toJSON: () => "y" } }), exact: false },
    { name: "an own __proto__ key", o: obj({ data: JSON.parse('{"__proto__": {"x": 1}}') }), exact: false },
    { name: "a boxed string", o: obj({ s: new String("x") }), exact: false },
    { name: "a Map", o: obj({ m: new Map([["a", 1]]) }), exact: false },
    { name: "a class instance", o: obj({ c: new Custom() }), exact: false },
    { name: "an array with an extra property", o: obj({ l: Object.assign([1, 2], { extra: 3 }) }), exact: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const expected = decodeObject(encodeObject(c.o), 4_294_967_301);
      const copy = storedCopy(c.o);
      assert.equal(copy !== undefined, c.exact, c.exact ? "copies" : "declines");
      if (!copy) return;
      copy.metadata.resourceVersion = "4294967301";
      assert.deepStrictEqual(copy, expected);
      assert.equal(JSON.stringify(copy), JSON.stringify(expected), "same key order");
      // A copy, not the caller's objects: changing it leaves the input alone.
      const before = encodeObject(c.o);
      (copy.metadata as Record<string, unknown>).name = "changed";
      for (const v of Object.values(copy)) if (v && typeof v === "object") (v as Record<string, unknown>).touched = 1;
      assert.equal(encodeObject(c.o), before);
    });
  }

  it("encodes without resourceVersion and decodes it back from the revision", () => {
    const o = obj({ metadata: meta({ resourceVersion: "7" }), data: { k: "v" } });
    const stored = encodeObject(o);
    assert.ok(!stored.includes("resourceVersion"));
    assert.equal(encodeObject({ ...o, metadata: meta() } as KubeObject), stored);
    assert.deepEqual(decodeObject(Buffer.from(stored), 8), { ...o, metadata: { ...meta(), resourceVersion: "8" } });
  });
});
