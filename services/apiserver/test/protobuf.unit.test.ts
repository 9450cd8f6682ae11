import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir } from "@evk/testing";
import protobuf from "protobufjs";
import { decodeKubeProtobuf, useK8sProtos } from "../src/protobuf.ts";
import { type GoDecl, type GoField, goDuration, messageToJson, rfc3339 } from "../src/protobuf-json.ts";
import { K8sProtos, locateK8sProtos, parseGoDecls } from "../src/protobuf-protos.ts";
import { apiVersionOf, resourceTypes } from "../src/resources.ts";

// Small stand-ins for Kubernetes messages, written for these tests: the special apimachinery types keep
// their real full names, since the conversion recognises them by name.
const PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.apis.meta.v1;
message Time { optional int64 seconds = 1; optional int32 nanos = 2; }
message MicroTime { optional int64 seconds = 1; optional int32 nanos = 2; }
message Duration { optional int64 duration = 1; }
message Meta { optional string name = 1; optional int64 generation = 7; optional Time creationTimestamp = 8;
  map<string, string> labels = 11; repeated string finalizers = 14; }
`;
const PROTO2 = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.util.intstr;
message IntOrString { optional int64 type = 1; optional int32 intVal = 2; optional string strVal = 3; }
`;
const PROTO3 = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.api.resource;
message Quantity { optional string string = 1; }
`;
const PROTO4 = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.runtime;
message RawExtension { optional bytes raw = 1; }
`;
const PROTO5 = `
syntax = "proto2";
package test.v1;
message Extra { repeated string items = 1; }
message Source { optional Empty emptyDir = 1; optional string path = 2; }
message Empty { optional k8s.io.apimachinery.pkg.api.resource.Quantity sizeLimit = 1; }
message Thing {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Meta metadata = 1;
  optional int32 plain = 2;
  optional int32 required = 3;
  optional int32 ptr = 4;
  optional bool ptrBool = 5;
  optional string ptrNull = 6;
  optional Empty value = 7;
  optional Empty ptrStruct = 8;
  repeated string list = 9;
  repeated string must = 10;
  map<string, bytes> data = 11;
  optional bytes blob = 12;
  map<string, Extra> extra = 13;
  optional Source source = 14;
  optional string name = 15;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time when = 16;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime micro = 17;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Duration every = 18;
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString port = 19;
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString target = 20;
  optional k8s.io.apimachinery.pkg.runtime.RawExtension raw = 21;
  optional int64 big = 22;
}
`;

const root = new protobuf.Root();
for (const src of [PROTO, PROTO2, PROTO3, PROTO4, PROTO5]) protobuf.parse(src, root, { keepCase: true });
root.resolveAll();
const Thing = root.lookupType("test.v1.Thing");

const f = (json: string, o: Partial<GoField> = {}): GoField => ({
  json,
  inline: false,
  omitEmpty: false,
  omitZero: false,
  pointer: false,
  ...o,
});
const struct = (fields: [number, GoField][]): GoDecl => ({ fields: new Map(fields), order: fields.map(([n]) => n) });
const oe = { omitEmpty: true };
const ptr = { pointer: true };
const GO: Record<string, GoDecl> = {
  "test.v1.Thing": struct([
    // Go declaration order, not proto numbers: the JSON follows it.
    [15, f("name")],
    [1, f("metadata", oe)],
    [2, f("plain", oe)],
    [3, f("required")],
    [4, f("ptr", { ...ptr, ...oe })],
    [5, f("ptrBool", { ...ptr, ...oe })],
    [6, f("ptrNull", ptr)],
    [7, f("value", oe)],
    [8, f("ptrStruct", { ...ptr, ...oe })],
    [9, f("list", oe)],
    [10, f("must")],
    [11, f("data", oe)],
    [12, f("blob", oe)],
    [13, f("extra", oe)],
    [14, f("", { inline: true })],
    [16, f("when", ptr)],
    [17, f("micro", oe)],
    [18, f("every")],
    [19, f("port")],
    [20, f("target", oe)],
    [21, f("raw", oe)],
    [22, f("big", oe)],
  ]),
  "k8s.io.apimachinery.pkg.apis.meta.v1.Meta": struct([
    [1, f("name", oe)],
    [7, f("generation", oe)],
    [8, f("creationTimestamp", { omitEmpty: true, omitZero: true })],
    [11, f("labels", oe)],
    [14, f("finalizers", oe)],
  ]),
  "test.v1.Source": struct([
    [1, f("emptyDir", { ...ptr, ...oe })],
    [2, f("path", oe)],
  ]),
  "test.v1.Empty": struct([[1, f("sizeLimit", { ...ptr, ...oe })]]),
  "test.v1.Extra": { slice: true },
};
const goOf = (t: protobuf.Type) => GO[t.fullName.slice(1)];
const roundTrip = (o: object) =>
  messageToJson(Thing, Thing.decode(Thing.encode(Thing.fromObject(o)).finish()) as never, goOf);

describe("protobuf bodies: decoded messages as Go's JSON", () => {
  it("omits zero omitempty scalars, keeps required zeros and set pointers, writes nil required slices as null", () => {
    assert.deepEqual(roundTrip({ metadata: { name: "", generation: 0 }, plain: 0, ptr: 0, ptrBool: false }), {
      name: "",
      metadata: {},
      required: 0,
      ptr: 0,
      ptrBool: false,
      ptrNull: null,
      value: {},
      must: null,
      when: null,
      // Struct values are always written, whatever omitempty says: Go's encoding/json ignores it for structs.
      micro: null,
      every: "0s",
      port: 0,
      target: 0,
      raw: null,
    });
  });

  it("writes every kind of field in Go's declaration order, with the apimachinery types' own JSON", () => {
    const out = roundTrip({
      name: "n",
      metadata: { name: "m", generation: 2, labels: { b: "2", a: "1" }, finalizers: ["x"], creationTimestamp: {} },
      plain: 5,
      required: 7,
      ptrNull: "",
      value: { sizeLimit: { string: "1Gi" } },
      ptrStruct: {},
      list: ["a", "b"],
      must: ["c"],
      data: { z: Buffer.from("hi"), a: Buffer.from([0, 255]) },
      blob: Buffer.from("x"),
      extra: { k: { items: ["v1", "v2"] }, e: {} },
      source: { emptyDir: {}, path: "/p" },
      when: { seconds: 1_700_000_000, nanos: 123_456_789 },
      micro: { seconds: 1_700_000_000, nanos: 123_456_789 },
      every: { duration: 5_400_000_000_000 },
      port: { type: 1, strVal: "http" },
      target: { type: 0, intVal: 8080 },
      raw: { raw: Buffer.from('{"kind":"X","a":[1]}') },
      big: 2 ** 40,
    });
    assert.deepEqual(out, {
      name: "n",
      metadata: { name: "m", generation: 2, labels: { a: "1", b: "2" }, finalizers: ["x"] },
      plain: 5,
      required: 7,
      ptrNull: "",
      value: { sizeLimit: "1Gi" },
      ptrStruct: {},
      list: ["a", "b"],
      must: ["c"],
      data: { a: "AP8=", z: "aGk=" },
      blob: "eA==",
      extra: { e: [], k: ["v1", "v2"] },
      emptyDir: {},
      path: "/p",
      when: "2023-11-14T22:13:20Z",
      micro: "2023-11-14T22:13:20.123456Z",
      every: "1h30m0s",
      port: "http",
      target: 8080,
      raw: { kind: "X", a: [1] },
      big: 2 ** 40,
    });
    assert.deepEqual(Object.keys(out as object).slice(0, 4), ["name", "metadata", "plain", "required"]);
  });

  it("writes a set pointer to a zero time as null, and leaves out a zero omitzero time", () => {
    const out = roundTrip({ when: {}, metadata: { creationTimestamp: {} } }) as Record<string, unknown>;
    assert.equal(out.when, null);
    assert.deepEqual(out.metadata, {});
  });

  it("formats Go durations and RFC 3339 times as Go does", () => {
    const cases: [bigint, string][] = [
      [0n, "0s"],
      [1n, "1ns"],
      [1500n, "1.5µs"],
      [100_000_000n, "100ms"],
      [1_500_000_000n, "1.5s"],
      [90_000_000_000n, "1m30s"],
      [3_600_000_000_000n, "1h0m0s"],
      [-2_000_000_000n, "-2s"],
      [3_723_000_000_001n, "1h2m3.000000001s"],
    ];
    for (const [ns, s] of cases) assert.equal(goDuration(ns), s, String(ns));
    assert.equal(rfc3339(0, 1, 6), "1970-01-01T00:00:00.000000Z");
    assert.equal(rfc3339(-1, 0, 0), "1969-12-31T23:59:59Z");
  });

  it("reads struct tags, embedded structs and slice types from Go source", () => {
    const decls = parseGoDecls(
      [
        "type Extra []string",
        "type Volume struct {",
        '\tName string `json:"name" protobuf:"bytes,1,opt,name=name"`',
        '\t// comment `json:"x"`',
        '\tSource `json:",inline" protobuf:"bytes,2,opt,name=source"`',
        '\tReplicas *int32 `json:"replicas,omitempty" protobuf:"varint,3,opt,name=replicas"`',
        '\tT Time `json:"t,omitempty,omitzero" protobuf:"bytes,4,opt,name=t"`',
        '\tHidden string `json:"-" protobuf:"bytes,5,opt,name=hidden"`',
        '\tmetav1.TypeMeta `json:",inline"`',
        "}",
      ].join("\n"),
    );
    assert.deepEqual(decls.get("Extra"), { slice: true });
    assert.deepEqual(
      decls.get("Volume"),
      struct([
        [1, f("name")],
        [2, f("", { inline: true })],
        [3, f("replicas", { pointer: true, omitEmpty: true })],
        [4, f("t", { omitEmpty: true, omitZero: true })],
      ]),
    );
  });
});

describe("protobuf bodies: finding Kubernetes' .proto files", () => {
  const fake = (root: string, mod: string, file: string) => {
    mkdirSync(join(root, mod, file, ".."), { recursive: true });
    writeFileSync(join(root, mod, file), 'syntax = "proto2";\n');
  };

  it("picks the wanted version from a module cache, else the newest of its minor; reports what is missing", () => {
    const cache = makeTempDir("protos-cache");
    for (const v of ["v0.34.9", "v0.35.1", "v0.35.3", "v0.36.0"]) {
      fake(cache, `k8s.io/api@${v}`, "core/v1/generated.proto");
      fake(cache, `k8s.io/apimachinery@${v}`, "pkg/apis/meta/v1/generated.proto");
    }
    const exact = locateK8sProtos(cache, "v0.35.1");
    assert.ok(exact.ok);
    assert.equal(exact.dirs.api, join(cache, "k8s.io/api@v0.35.1"));
    const minor = locateK8sProtos(cache, "v0.35.4");
    assert.ok(minor.ok);
    assert.equal(minor.dirs.apimachinery, join(cache, "k8s.io/apimachinery@v0.35.3"));
    const empty = locateK8sProtos(makeTempDir("protos-empty"), "v0.35.4");
    assert.ok(!empty.ok);
    assert.match(empty.missing, /k8s\.io\/api@v0\.35\.4 .*not found under .*protos-empty/);
  });

  it("reports unreadable .proto files as missing instead of failing", () => {
    const dir = makeTempDir("protos-broken");
    fake(dir, "k8s.io/api", "core/v1/generated.proto");
    fake(dir, "k8s.io/apimachinery", "pkg/apis/meta/v1/generated.proto");
    writeFileSync(join(dir, "k8s.io/api/core/v1/generated.proto"), 'syntax = "proto2";\nmessage {');
    writeFileSync(join(dir, "k8s.io/api/core/v1/doc.go"), "// +groupName=\npackage v1\n");
    const loc = useK8sProtos(dir, "v0.35.4");
    assert.ok(!loc.ok);
    assert.match(loc.missing, /could not be loaded/);
    assert.throws(
      () => decodeKubeProtobuf(envelope("v1", "Namespace", new Uint8Array())),
      (e: { code?: number; message: string }) => e.code === 415 && /could not be loaded/.test(e.message),
    );
  });

  it("accepts an import-root layout (DIR/k8s.io/api/…)", () => {
    const dir = makeTempDir("protos-flat");
    fake(dir, "k8s.io/api", "core/v1/generated.proto");
    fake(dir, "k8s.io/apimachinery", "pkg/apis/meta/v1/generated.proto");
    const loc = locateK8sProtos(dir, "v0.35.4");
    assert.ok(loc.ok);
    assert.equal(loc.dirs.api, join(dir, "k8s.io/api"));
  });
});

/** The `k8s\0` envelope (runtime.Unknown: typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2) around `raw`. */
function envelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).fork();
  w.uint32((1 << 3) | 2).string(apiVersion);
  w.uint32((2 << 3) | 2).string(kind);
  w.ldelim();
  w.uint32((2 << 3) | 2).bytes(raw);
  return Buffer.concat([Buffer.from("k8s\0", "latin1"), Buffer.from(w.finish())]);
}

describe("protobuf bodies: the envelope, without the .proto files", () => {
  before(() => useK8sProtos(makeTempDir("no-protos"), "v0.35.4"));

  it("still decodes TokenRequest by its field table, and answers other kinds with a 415 naming what is missing", () => {
    const spec = protobuf.Writer.create();
    spec.uint32((1 << 3) | 2).string("aud");
    spec.uint32((4 << 3) | 0).int64(600);
    const tr = protobuf.Writer.create();
    tr.uint32((2 << 3) | 2).bytes(spec.finish());
    assert.deepEqual(decodeKubeProtobuf(envelope("authentication.k8s.io/v1", "TokenRequest", tr.finish())), {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: { audiences: ["aud"], expirationSeconds: 600 },
    });
    assert.throws(
      () => decodeKubeProtobuf(envelope("v1", "Namespace", new Uint8Array())),
      (e: { code?: number; message: string }) =>
        e.code === 415 && /protobuf: .*not found under .*no-protos/.test(e.message),
    );
    assert.throws(
      () => decodeKubeProtobuf(Buffer.from("{}")),
      (e: { code?: number }) => e.code === 415,
    );
  });
});

describe("protobuf bodies: with the real Kubernetes .proto files (from the Go module cache)", () => {
  let protos: K8sProtos;
  before(function () {
    const loc = useK8sProtos(process.env.EVK_K8S_PROTOS, "v0.35.4");
    // Unit runs may have no Go toolchain; the integration test needs the files and fails without them.
    if (!loc.ok) this.skip();
    protos = new K8sProtos(loc.dirs);
  });
  // The decoder's proto location is process-wide: later test files expect the default (none found).
  after(() => useK8sProtos(makeTempDir("no-protos-again"), "v0.35.4"));

  it("knows a message for every kind the apiserver serves and the request-only kinds", () => {
    const kinds = [
      // APIService's .proto is kube-aggregator's, a module the decoder does not read (its bodies get 415).
      ...resourceTypes.filter((t) => t.group !== "apiregistration.k8s.io").map((t) => [apiVersionOf(t), t.kind]),
      ["v1", "DeleteOptions"],
      ["apps/v1", "DeleteOptions"],
      ["meta.k8s.io/v1", "DeleteOptions"],
      ["autoscaling/v1", "Scale"],
      ["v1", "Binding"],
      ["policy/v1", "Eviction"],
      ["authentication.k8s.io/v1", "TokenRequest"],
      ["authentication.k8s.io/v1", "TokenReview"],
      ["authentication.k8s.io/v1", "SelfSubjectReview"],
      ["authorization.k8s.io/v1", "SubjectAccessReview"],
      ["authorization.k8s.io/v1", "SelfSubjectAccessReview"],
      ["authorization.k8s.io/v1", "SelfSubjectRulesReview"],
      ["authorization.k8s.io/v1", "LocalSubjectAccessReview"],
    ];
    for (const [apiVersion, kind] of kinds) {
      const t = protos.messageFor(apiVersion as string, kind as string);
      assert.ok(t, `${apiVersion} ${kind}`);
      assert.ok(protos.goDecl(t), `Go struct of ${apiVersion} ${kind}`);
    }
    assert.equal(protos.messageFor("v1", "NoSuchKind"), undefined);
    assert.equal(protos.messageFor("nosuch.k8s.io/v1", "Pod"), undefined);
  });

  const encode = (apiVersion: string, kind: string, o: object) => {
    const t = protos.messageFor(apiVersion, kind) as protobuf.Type;
    return envelope(apiVersion, kind, t.encode(t.fromObject(o)).finish());
  };

  it("decodes a Deployment, Secret, PodDisruptionBudget and SubjectAccessReview as a Go client's JSON", () => {
    assert.deepEqual(
      decodeKubeProtobuf(
        encode("apps/v1", "Deployment", {
          metadata: { name: "d", generation: 0, creationTimestamp: {} },
          spec: {
            replicas: 0,
            selector: { matchLabels: { app: "d" } },
            template: {
              metadata: { labels: { app: "d" }, creationTimestamp: {} },
              spec: {
                containers: [{ name: "c", image: "i", resources: {}, ports: [{ containerPort: 80, protocol: "TCP" }] }],
                volumes: [{ name: "v", volumeSource: { emptyDir: { sizeLimit: { string: "1Gi" } } } }],
              },
            },
            strategy: {},
          },
          status: {},
        }),
      ),
      {
        kind: "Deployment",
        apiVersion: "apps/v1",
        metadata: { name: "d" },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: "d" } },
          template: {
            metadata: { labels: { app: "d" } },
            spec: {
              volumes: [{ name: "v", emptyDir: { sizeLimit: "1Gi" } }],
              containers: [{ name: "c", image: "i", ports: [{ containerPort: 80, protocol: "TCP" }], resources: {} }],
            },
          },
          strategy: {},
        },
        status: {},
      },
    );
    assert.deepEqual(
      decodeKubeProtobuf(
        encode("v1", "Secret", { metadata: { name: "s" }, data: { k: Buffer.from("v") }, type: "Opaque" }),
      ),
      { kind: "Secret", apiVersion: "v1", metadata: { name: "s" }, data: { k: "dg==" }, type: "Opaque" },
    );
    assert.deepEqual(
      decodeKubeProtobuf(
        encode("policy/v1", "PodDisruptionBudget", {
          metadata: { name: "p" },
          spec: { minAvailable: { type: 1, strVal: "50%" }, selector: { matchLabels: { a: "b" } } },
          status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
        }),
      ),
      {
        kind: "PodDisruptionBudget",
        apiVersion: "policy/v1",
        metadata: { name: "p" },
        spec: { minAvailable: "50%", selector: { matchLabels: { a: "b" } } },
        status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
      },
    );
    assert.deepEqual(
      decodeKubeProtobuf(
        encode("authorization.k8s.io/v1", "SubjectAccessReview", {
          metadata: {},
          spec: { user: "u", extra: { scopes: { items: ["a"] } }, resourceAttributes: { verb: "get" } },
          status: { allowed: false },
        }),
      ),
      {
        kind: "SubjectAccessReview",
        apiVersion: "authorization.k8s.io/v1",
        metadata: {},
        spec: { resourceAttributes: { verb: "get" }, user: "u", extra: { scopes: ["a"] } },
        status: { allowed: false },
      },
    );
  });

  it("answers a body that does not parse as its message with a 400", () => {
    assert.throws(
      () => decodeKubeProtobuf(envelope("v1", "ConfigMap", Buffer.from([0x0a, 0x05, 0x01]))),
      (e: { code?: number }) => e.code === 400,
    );
  });
});
