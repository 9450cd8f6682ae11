import assert from "node:assert/strict";
import { makeTempDir } from "@evk/testing";
import protobuf from "protobufjs";
import {
  encodeEnvelope,
  MessageEncoders,
  ProtoWriter,
  parseGoDuration,
  parseTime,
  watchFrame,
} from "../src/json-protobuf.ts";
import { decodeKubeProtobuf, loadedK8sProtos, useK8sProtos } from "../src/protobuf.ts";
import type { GoDecl, GoField } from "../src/protobuf-json.ts";
import { apiVersionOf, resourceTypes } from "../src/resources.ts";
import { encodeProtobuf, hasProtobuf } from "../src/responses.ts";
import { type Fixture, fixtures } from "./kube-responses.ts";

// JSON objects to kube's protobuf bytes. The field rules are checked on small stand-in messages with
// hand-written expected bytes; the whole is checked against what kube-apiserver 1.35 sent for real objects
// (fixtures/kube-1.35-responses.jsonl: each object's JSON and protobuf answers, read at one resourceVersion).

type Json = Record<string, unknown>;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("json-protobuf: the writer's primitives match protobufjs", () => {
  it("writes varints of every width, negative int32/int64 as ten bytes", () => {
    const values = [0, 1, 127, 128, 255, 300, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1];
    for (const v of values) {
      const w = new ProtoWriter(1);
      w.int(v);
      assert.equal(hex(w.buf.subarray(0, w.pos)), hex(protobuf.Writer.create().int64(v).finish()), String(v));
    }
    for (const v of [-1, -2, -(2 ** 31), -(2 ** 40), -(2 ** 53 - 1)]) {
      const w = new ProtoWriter(1);
      w.int(v);
      assert.equal(hex(w.buf.subarray(0, w.pos)), hex(protobuf.Writer.create().int64(v).finish()), String(v));
    }
  });

  it("writes strings of every length, ASCII or not, with their UTF-8 length", () => {
    for (const n of [0, 1, 41, 42, 43, 127, 128, 200, 16383, 16384, 20000]) {
      for (const s of ["a".repeat(n), `é${"b".repeat(Math.max(0, n - 1))}`, `${"c".repeat(Math.max(0, n - 2))}😀`]) {
        const w = new ProtoWriter(2);
        w.string(s);
        assert.equal(hex(w.buf.subarray(0, w.pos)), hex(protobuf.Writer.create().string(s).finish()), `${n}`);
      }
    }
  });

  it("puts a nested message's length in front of it, moving the message when the length needs more bytes", () => {
    for (const n of [0, 1, 126, 127, 128, 129, 16382, 16383, 16384, 2097151, 2097152]) {
      const w = new ProtoWriter(16);
      w.byte(0x0a);
      const outer = w.fork();
      w.byte(0x12);
      const inner = w.fork();
      w.ensure(n);
      w.buf.fill(7, w.pos, w.pos + n);
      w.pos += n;
      w.end(inner);
      w.end(outer);
      const p = protobuf.Writer.create();
      p.uint32(0x0a).fork().uint32(0x12).bytes(Buffer.alloc(n, 7)).ldelim();
      assert.ok(Buffer.from(w.buf.subarray(0, w.pos)).equals(Buffer.from(p.finish())), String(n));
    }
  });

  it("decodes base64 into bytes fields and the envelope's header goes in front of its body", () => {
    const w = new ProtoWriter(1);
    w.base64("AAECAwT/");
    assert.equal(hex(w.buf.subarray(0, w.pos)), "0600010203 04ff".replace(" ", ""));
    const big = Buffer.alloc(300, 1);
    const env = encodeEnvelope("apps/v1", "Deployment", (ew) => {
      ew.ensure(big.length);
      big.copy(ew.buf, ew.pos);
      ew.pos += big.length;
    });
    const p = protobuf.Writer.create();
    p.uint32(0x0a).fork().uint32(0x0a).string("apps/v1").uint32(0x12).string("Deployment").ldelim();
    p.uint32(0x12).bytes(big).uint32(0x1a).string("").uint32(0x22).string("");
    assert.ok(env.equals(Buffer.concat([Buffer.from("k8s\0", "latin1"), p.finish()])));
  });
});

// Stand-ins for Kubernetes messages: the apimachinery types keep their real names, which the encoder knows.
const PROTOS = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.apis.meta.v1;
message Time { optional int64 seconds = 1; optional int32 nanos = 2; }
message MicroTime { optional int64 seconds = 1; optional int32 nanos = 2; }
message Duration { optional int64 duration = 1; }
message FieldsV1 { optional bytes Raw = 1; }
`;
const PROTOS2 = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.util.intstr;
message IntOrString { optional int64 type = 1; optional int32 intVal = 2; optional string strVal = 3; }
`;
const PROTOS3 = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.api.resource;
message Quantity { optional string string = 1; }
`;
const PROTOS4 = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.runtime;
message RawExtension { optional bytes raw = 1; }
`;
const PROTOS5 = `
syntax = "proto2";
package test.v1;
message Extra { repeated string items = 1; }
message Inner { optional string a = 1; optional int32 b = 2; }
message Source { optional Inner emptyDir = 1; optional string path = 2; }
message Thing {
  optional string name = 1;
  optional int32 plain = 2;
  optional int32 ptr = 3;
  optional bool flag = 4;
  optional bool ptrFlag = 5;
  optional Inner value = 6;
  optional Inner ptrValue = 7;
  repeated string list = 8;
  repeated int32 numbers = 9;
  repeated Inner items = 10;
  map<string, string> labels = 11;
  map<string, bytes> data = 12;
  map<string, Extra> extra = 13;
  map<string, Inner> byName = 14;
  optional bytes blob = 15;
  optional Extra verbs = 16;
  optional Source source = 17;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time when = 18;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time ptrWhen = 19;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime micro = 20;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Duration every = 21;
  optional k8s.io.apimachinery.pkg.api.resource.Quantity size = 22;
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString port = 23;
  optional k8s.io.apimachinery.pkg.runtime.RawExtension raw = 24;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1 fields = 25;
  optional double ratio = 26;
  optional int64 big = 27;
  optional string unknownToGo = 28;
}
`;
const root = new protobuf.Root();
for (const src of [PROTOS, PROTOS2, PROTOS3, PROTOS4, PROTOS5]) protobuf.parse(src, root, { keepCase: true });
root.resolveAll();
const Thing = root.lookupType("test.v1.Thing");

const f = (json: string, o: Partial<GoField> = {}): GoField => ({
  json,
  inline: false,
  omitEmpty: true,
  omitZero: false,
  pointer: false,
  ...o,
});
const ptr = { pointer: true };
const struct = (fields: [number, GoField][]): GoDecl => ({ fields: new Map(fields), order: fields.map(([n]) => n) });
const GO: Record<string, GoDecl> = {
  "test.v1.Thing": struct([
    [1, f("name")],
    [2, f("plain")],
    [3, f("ptr", ptr)],
    [4, f("flag")],
    [5, f("ptrFlag", ptr)],
    [6, f("value")],
    [7, f("ptrValue", ptr)],
    [8, f("list")],
    [9, f("numbers")],
    [10, f("items")],
    [11, f("labels")],
    [12, f("data")],
    [13, f("extra")],
    [14, f("byName")],
    [15, f("blob")],
    [16, f("verbs")],
    [17, f("", { inline: true })],
    [18, f("when")],
    [19, f("ptrWhen", ptr)],
    [20, f("micro", ptr)],
    [21, f("every")],
    [22, f("size", ptr)],
    [23, f("port")],
    [24, f("raw")],
    [25, f("fields", ptr)],
    [26, f("ratio", ptr)],
    [27, f("big")],
  ]),
  "test.v1.Inner": struct([
    [1, f("a")],
    [2, f("b", ptr)],
  ]),
  "test.v1.Source": struct([
    [1, f("emptyDir", ptr)],
    [2, f("path")],
  ]),
  "test.v1.Extra": { slice: true },
};
const encoders = new MessageEncoders((t) => GO[t.fullName.slice(1)]);
const thing = (o: Json) => hex(encoders.encode(Thing, o));
const decoded = (o: Json) =>
  JSON.parse(
    JSON.stringify(Thing.toObject(Thing.decode(encoders.encode(Thing, o)), { longs: Number, bytes: String })),
  ) as Record<string, Json>;
/** What every Thing has, by field number: its non-pointer scalars and structs, zero when absent. */
const ALWAYS: Record<number, string> = {
  1: "0a00",
  2: "1000",
  4: "2000",
  6: "32020a00", // value: Inner{a: ""}
  17: "8a01021200", // the inlined Source{path: ""}
  18: "920100", // when: Go's zero time, an empty message
  21: "aa01020800",
  23: "ba0106080010001a00",
  24: "c20100",
  27: "d80100",
};
/** A Thing's bytes: the always-written fields with `parts` added or replaced, in field-number order. */
const withFields = (parts: Record<number, string>) =>
  Object.entries({ ...ALWAYS, ...parts })
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, v]) => v)
    .join("");

describe("json-protobuf: what gogo-protobuf writes for each kind of Go field", () => {
  it("always writes non-pointer scalars and structs (zero or absent), and nothing else of an empty object", () => {
    assert.equal(thing({}), withFields({}));
    assert.equal(thing({ name: "", plain: 0, flag: false, value: {}, unknownToGo: null }), withFields({}));
    assert.equal(
      thing({ name: "n", plain: -1, flag: true }),
      withFields({ 1: "0a016e", 2: "10ffffffffffffffffff01", 4: "2001" }),
    );
  });

  it("writes pointers, []byte and slice wrappers when present (even zero or empty), never when null", () => {
    assert.equal(
      thing({ ptr: 0, ptrFlag: false, ptrValue: {}, blob: "", verbs: [], size: "1Gi", unknownToGo: "" }),
      withFields({
        3: "1800",
        5: "2800",
        7: "3a020a00",
        15: "7a00",
        16: "8201 00".replace(" ", ""),
        22: "b201050a03314769",
        28: "e20100",
      }),
    );
    assert.equal(
      thing({ ptr: null, ptrFlag: null, ptrValue: null, blob: null, verbs: null, size: null, unknownToGo: null }),
      withFields({}),
    );
    assert.equal(thing({ verbs: ["get", "list"] }), withFields({ 16: "82010b0a036765740a046c697374" }));
  });

  it("writes repeated fields element by element (unpacked), maps by sorted key, bytes values only when not null", () => {
    assert.equal(
      thing({
        list: ["a", "b"],
        numbers: [1, -1],
        items: [{ a: "x" }, null],
        labels: { b: "2", a: "1", c: null },
        data: { z: "AQ==", e: "", n: null },
        byName: { k: { b: 0 } },
        extra: { x: ["1"] },
      }),
      withFields({
        8: "420161420162",
        9: "480148ffffffffffffffffff01",
        // A null element of a list of structs is Go's zero struct.
        10: "52030a017852020a00",
        11: "5a060a0161120131" + "5a060a0162120132" + "5a050a01631200",
        12: "62050a01651200" + "62030a016e" + "62060a017a120101",
        13: "6a080a0178120" + "30a0131",
        14: "72090a016b1204" + "0a001000",
      }),
    );
  });

  it("writes an inlined Go struct as its proto field, read from the parent's JSON", () => {
    assert.deepEqual(decoded({ emptyDir: { a: "x" }, path: "/p" }).source, { emptyDir: { a: "x" }, path: "/p" });
  });

  it("writes the apimachinery types from their JSON forms", () => {
    const o = decoded({
      when: "2023-11-14T22:13:20Z",
      ptrWhen: "0001-01-01T00:00:00Z",
      micro: "2023-11-14T22:13:20.123456789Z",
      every: "1h30m",
      size: 3,
      port: "http",
      raw: { kind: "X", a: [1] },
      fields: { "f:a": {} },
      ratio: 0.5,
      big: 2 ** 40,
    });
    // kube keeps no sub-second part in a Time, microseconds in a MicroTime.
    assert.deepEqual(o.when, { seconds: 1700000000, nanos: 0 });
    // A pointer to Go's zero time is written, empty.
    assert.deepEqual(o.ptrWhen, {});
    assert.deepEqual(o.micro, { seconds: 1700000000, nanos: 123456000 });
    assert.deepEqual(o.every, { duration: 5_400_000_000_000 });
    assert.deepEqual(o.size, { string: "3" });
    assert.deepEqual(o.port, { type: 1, intVal: 0, strVal: "http" });
    assert.equal(Buffer.from(o.raw?.raw as string, "base64").toString(), '{"kind":"X","a":[1]}');
    assert.equal(Buffer.from(o.fields?.Raw as string, "base64").toString(), '{"f:a":{}}');
    assert.equal(o.ratio, 0.5);
    assert.equal(o.big, 2 ** 40);
    assert.deepEqual(decoded({ port: 8080 }).port, { type: 0, intVal: 8080, strVal: "" });
    assert.deepEqual(decoded({ size: "" }).size, { string: "0" });
  });

  it("reads RFC 3339 times and Go durations as Go does", () => {
    const times: [string, { seconds: number; nanos: number } | undefined][] = [
      ["2024-05-06T07:08:09Z", { seconds: 1714979289, nanos: 0 }],
      ["2024-05-06T07:08:09.5Z", { seconds: 1714979289, nanos: 500000000 }],
      ["2024-05-06T09:08:09.000001+02:00", { seconds: 1714979289, nanos: 1000 }],
      ["1969-12-31T23:59:59Z", { seconds: -1, nanos: 0 }],
      ["", undefined],
      ["yesterday", undefined],
    ];
    for (const [s, want] of times) assert.deepEqual(parseTime(s), want, s);
    const durations: [string, number | undefined][] = [
      ["0", 0],
      ["0s", 0],
      ["1ns", 1],
      ["1.5µs", 1500],
      ["1.5us", 1500],
      ["300ms", 300_000_000],
      ["1h30m", 5_400_000_000_000],
      ["-2s", -2_000_000_000],
      ["1h2m3.000000001s", 3_723_000_000_001],
      ["1", undefined],
      ["s", undefined],
      ["", undefined],
    ];
    for (const [s, want] of durations) assert.equal(parseGoDuration(s), want, s);
  });
});

describe("json-protobuf: kube-apiserver 1.35's own bytes", () => {
  before(() => {
    const loc = useK8sProtos(process.env.EVK_K8S_PROTOS, "v0.35.4");
    assert.ok(loc.ok, `the Kubernetes .proto files are needed: ${loc.ok ? "" : loc.missing}`);
  });
  // The proto location is process-wide: later test files expect the default (none found).
  after(() => useK8sProtos(makeTempDir("no-protos-again"), "v0.35.4"));

  const encoded = fixtures.filter((x) => x.protobuf && x.json);
  it(`has fixtures of every sort (${encoded.length} objects, lists, errors, discovery documents)`, () => {
    const kinds = new Set(encoded.map((x) => x.json?.kind));
    for (const k of [
      "Pod",
      "NodeList",
      "ConfigMapList",
      "Status",
      "CustomResourceDefinition",
      "APIService",
      "APIGroupDiscoveryList",
    ])
      assert.ok(kinds.has(k), k);
  });

  for (const fx of encoded) {
    it(`${fx.mode ?? "GET"} ${fx.path}: the same bytes, and the same JSON read back`, () => {
      const want = Buffer.from(fx.protobuf as string, "base64");
      const got = encodeProtobuf(fx.json);
      assert.ok(got, `no protobuf form for ${String(fx.json?.kind)}`);
      assert.equal(hex(got), hex(want));
      // The core group's discovery documents carry no apiVersion, which no request body lacks.
      if (fx.json?.apiVersion) assert.deepEqual(decodeKubeProtobuf(got), decodeKubeProtobuf(want));
    });
  }

  it("frames watch events as kube does: length, WatchEvent{type, RawExtension{envelope}}", () => {
    const fx = fixtures.find((x) => x.mode === "watch") as Fixture;
    const stream = Buffer.concat((fx.events ?? []).map((e) => watchFrame(e.type, encodeProtobuf(e.object) as Buffer)));
    assert.equal(hex(stream), hex(Buffer.from(fx.protobuf as string, "base64")));
  });

  it("knows a protobuf form for every kind evk serves, and none for custom resources", () => {
    for (const t of resourceTypes) assert.ok(hasProtobuf(apiVersionOf(t), t.kind), `${apiVersionOf(t)} ${t.kind}`);
    assert.equal(hasProtobuf("example.com/v1", "Widget"), false);
    assert.equal(encodeProtobuf({ apiVersion: "example.com/v1", kind: "Widget" }), undefined);
  });

  it("has Go facts for every field of every message reachable from the kinds it writes", () => {
    const protos = loadedK8sProtos();
    assert.ok(protos);
    const special =
      /\.(Time|MicroTime|Duration|FieldsV1|RawExtension|Quantity|QuantityValue|IntOrString|JSON|JSONSchemaPropsOr\w+)$/;
    const seen = new Set<protobuf.Type>();
    const missing: string[] = [];
    const walk = (t: protobuf.Type) => {
      if (seen.has(t) || special.test(t.fullName)) return;
      seen.add(t);
      const go = protos.goDecl(t);
      if (!go && t.fieldsArray.length) missing.push(t.fullName);
      if (go && !("slice" in go))
        for (const field of t.fieldsArray) if (!go.fields.has(field.id)) missing.push(`${t.fullName}.${field.name}`);
      for (const field of t.fieldsArray) {
        field.resolve();
        if (field.resolvedType instanceof protobuf.Type) walk(field.resolvedType);
      }
    };
    const kinds = [
      ...resourceTypes.flatMap((t) => [apiVersionOf(t), apiVersionOf(t)].map((v, i) => [v, t.kind + ["", "List"][i]])),
      ["v1", "Status"],
      ["meta.k8s.io/v1", "PartialObjectMetadataList"],
      ["meta.k8s.io/v1beta1", "PartialObjectMetadataList"],
      ["meta.k8s.io/v1", "APIResourceList"],
      ["meta.k8s.io/v1", "APIGroupList"],
      ["meta.k8s.io/v1", "APIVersions"],
      ["apidiscovery.k8s.io/v2", "APIGroupDiscoveryList"],
      ["autoscaling/v1", "Scale"],
      ["authentication.k8s.io/v1", "TokenRequest"],
      ["authorization.k8s.io/v1", "SelfSubjectRulesReview"],
      ["apiextensions.k8s.io/v1", "CustomResourceDefinitionList"],
    ];
    for (const [apiVersion, kind] of kinds) {
      const t = protos.messageFor(apiVersion as string, kind as string);
      assert.ok(t, `${apiVersion} ${kind}`);
      walk(t);
    }
    assert.ok(seen.size > 500, `${seen.size} messages`);
    assert.deepEqual(missing, []);
  });
});

describe("json-protobuf: without the .proto files", () => {
  before(() => useK8sProtos(makeTempDir("no-protos"), "v0.35.4"));

  it("has a protobuf form for no kind, so negotiation never picks protobuf", () => {
    assert.equal(hasProtobuf("v1", "Pod"), false);
    assert.equal(encodeProtobuf({ apiVersion: "v1", kind: "Pod", metadata: {} }), undefined);
  });
});
