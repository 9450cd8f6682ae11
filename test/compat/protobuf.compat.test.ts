import assert from "node:assert/strict";
import { makeTempDir, type RawRequest, ServerClient, startApiserver, useSideBySide } from "@evk/testing";
import protobuf from "protobufjs";
import { parse as parseYaml } from "yaml";
import { decodeKubeProtobuf, loadedK8sProtos, useK8sProtos } from "../../services/apiserver/src/protobuf.ts";
import { encodeProtobuf } from "../../services/apiserver/src/responses.ts";

// What client-go's typed clients, kube-controller-manager and the metadata client get when they ask for
// protobuf (`Accept: application/vnd.kubernetes.protobuf, application/json`), side by side against
// kube-apiserver 1.35: the same raw requests to both servers, both answers decoded with the same decoder
// (services/apiserver/src/protobuf.ts) and compared, and the negotiation of many Accept headers (406s,
// fallbacks, transforms, YAML, discovery documents) compared status, content type and body.

const PB = "application/vnd.kubernetes.protobuf";
const CLIENT_GO = `${PB}, application/json`;
const NS = "pbcompat";
const LABEL = "compat=protobuf";

type Json = Record<string, unknown>;

interface Reply {
  status: number;
  type: string;
  body: Buffer;
}

type CallOptions = Omit<RawRequest, "accept"> & { accept?: string };

/** A request with no Accept header unless one is given, as a client may send it; the answer's media type and bytes. */
async function call(s: ServerClient, method: string, path: string, o: CallOptions = {}): Promise<Reply> {
  const r = await s.request(method, path, { ...o, accept: o.accept ?? null });
  return { status: r.status, type: String(r.headers["content-type"]), body: r.bytes };
}

/** What differs by server and moment, not by encoding: identities, times, versions, addresses, managers. */
function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalise);
  if (v === null || typeof v !== "object") return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v as Json)) {
    if (["uid", "resourceVersion", "creationTimestamp", "managedFields", "generation"].includes(k)) continue;
    if (["clusterIP", "clusterIPs", "continue"].includes(k)) continue;
    out[k] = normalise(x);
  }
  return out;
}

/** evk's JSON list items carry their kind and apiVersion, kube's do not: a matter of the JSON lists. */
function withoutItemKinds(o: Json): Json {
  if (!Array.isArray(o.items)) return o;
  return { ...o, items: (o.items as Json[]).map(({ kind: _k, apiVersion: _v, ...rest }) => rest) };
}

/** A `k8s\0` answer as JSON, by the decoder evk reads protobuf request bodies with. */
const decode = (r: Reply) => decodeKubeProtobuf(r.body) as Json;

/** The frames of a protobuf watch stream, each WatchEvent's object decoded. */
function frames(body: Buffer): { type: string; object: Json }[] {
  const WatchEvent = loadedK8sProtos()?.messageFor("meta.k8s.io/v1", "WatchEvent") as protobuf.Type;
  const out: { type: string; object: Json }[] = [];
  for (let p = 0; p + 4 <= body.length; ) {
    const len = body.readUInt32BE(p);
    if (p + 4 + len > body.length) break;
    const ev = WatchEvent.decode(body.subarray(p + 4, p + 4 + len)) as unknown as {
      type: string;
      object: { raw: Uint8Array };
    };
    out.push({ type: ev.type, object: decodeKubeProtobuf(Buffer.from(ev.object.raw)) as Json });
    p += 4 + len;
  }
  return out;
}

/** The apiVersion and kind in a `k8s\0` envelope (runtime.Unknown's typeMeta, field 1: apiVersion 1, kind 2). */
function typeMeta(body: Buffer): { apiVersion: string; kind: string } {
  const r = protobuf.Reader.create(body.subarray(4));
  const out = { apiVersion: "", kind: "" };
  r.uint32();
  const tm = protobuf.Reader.create(r.bytes());
  while (tm.pos < tm.len) {
    const tag = tm.uint32();
    if (tag === 0x0a) out.apiVersion = tm.string();
    else if (tag === 0x12) out.kind = tm.string();
    else tm.skipType(tag & 7);
  }
  return out;
}

/** Kinds with defaults, quantities, int-or-strings, bytes and times, created from protobuf bodies. */
const objects: [string, Json][] = [
  [
    `/apis/apps/v1/namespaces/${NS}/deployments`,
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", labels: { compat: "protobuf" } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "web" } },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "50%", maxUnavailable: 1 } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            containers: [
              {
                name: "c",
                image: "nginx",
                ports: [{ name: "http", containerPort: 80 }],
                resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1" } },
                readinessProbe: { httpGet: { path: "/", port: "http" } },
              },
            ],
            tolerations: [{ key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 }],
          },
        },
      },
    },
  ],
  [
    `/api/v1/namespaces/${NS}/secrets`,
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s", labels: { compat: "protobuf" } },
      type: "Opaque",
      data: { k: "aGVsbG8=", empty: "" },
    },
  ],
  [
    `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`,
    {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "l", labels: { compat: "protobuf" } },
      spec: { holderIdentity: "me", leaseDurationSeconds: 15, renewTime: "2024-05-06T07:08:10.000001Z" },
    },
  ],
];

const configMap = (name: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, labels: { compat: "protobuf" }, annotations: { "example.com/x": "y" } },
  data: { a: "1", multi: "x\ny" },
  binaryData: { bin: "AAECAwT/" },
});

describe("compat: protobuf answers (client-go's Accept) against kube-apiserver 1.35", function () {
  this.timeout(300_000);
  const sides = useSideBySide({ cluster: "protobuf" });
  let ours: ServerClient;
  let both: ServerClient[];

  before(async () => {
    const loc = useK8sProtos(process.env.EVK_K8S_PROTOS, "v0.35.4");
    assert.ok(loc.ok, `the Kubernetes .proto files are needed: ${loc.ok ? "" : loc.missing}`);
    ours = sides.evk;
    both = [...sides.both];
    for (const s of both) {
      const r = await call(s, "POST", "/api/v1/namespaces", {
        body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } }),
      });
      assert.equal(r.status, 201, `${s.name}: ${r.body}`);
    }
  });
  after(() => {
    useK8sProtos(makeTempDir("no-protos-again"), "v0.35.4");
  });

  /** The same request to both servers. */
  const ask = (method: string, path: string, opts: CallOptions = {}) =>
    sides.onBoth((s) => call(s, method, path, opts));

  const pbBody = (o: Json) => encodeProtobuf(o) as Buffer;

  it("creates, reads, lists, patches and deletes in protobuf, as kube answers them", async () => {
    const base = `/api/v1/namespaces/${NS}/configmaps`;
    const steps: [string, string, CallOptions, number][] = [
      ["POST", base, { accept: CLIENT_GO, body: pbBody(configMap("one")), contentType: PB }, 201],
      ["POST", base, { accept: CLIENT_GO, body: JSON.stringify(configMap("two")) }, 201],
      ["GET", `${base}/one`, { accept: CLIENT_GO }, 200],
      ["GET", `${base}?labelSelector=${LABEL}`, { accept: CLIENT_GO }, 200],
      ["GET", `${base}?labelSelector=${LABEL}`, { accept: `${PB}, */*` }, 200],
      [
        "PATCH",
        `${base}/one`,
        { accept: CLIENT_GO, body: '{"data":{"b":"2"}}', contentType: "application/merge-patch+json" },
        200,
      ],
      ["DELETE", `${base}/two`, { accept: CLIENT_GO }, 200],
      ...objects.map(
        ([path, o]) =>
          ["POST", path, { accept: CLIENT_GO, body: pbBody(o), contentType: PB }, 201] as [
            string,
            string,
            CallOptions,
            number,
          ],
      ),
    ];
    for (const [method, path, opts, code] of steps) {
      const [k, e] = await ask(method, path, opts);
      const what = `${method} ${path}`;
      assert.equal(k.status, code, `kube: ${what}`);
      assert.equal(e.status, k.status, what);
      assert.equal(e.type, k.type, what);
      assert.equal(k.type, PB);
      assert.deepEqual(normalise(decode(e)), normalise(decode(k)), what);
    }
  });

  it("answers errors with a protobuf Status, the same bytes as kube's", async () => {
    const base = `/api/v1/namespaces/${NS}/configmaps`;
    const cases: [string, string, CallOptions][] = [
      ["GET", `${base}/nope`, { accept: CLIENT_GO }],
      ["GET", "/api/v1/namespaces/nope/configmaps/x", { accept: PB }],
      ["POST", base, { accept: CLIENT_GO, body: pbBody(configMap("one")), contentType: PB }],
      ["POST", base, { accept: CLIENT_GO, body: pbBody(configMap("Bad_Name")), contentType: PB }],
      ["DELETE", `${base}/nope`, { accept: `${PB};as=PartialObjectMetadata;g=meta.k8s.io;v=v1, application/json` }],
      ["GET", `${base}/nope`, { accept: "application/yaml" }],
      ["GET", `${base}/nope`, { accept: `application/json;as=Table;v=v1;g=meta.k8s.io` }],
    ];
    for (const [method, path, opts] of cases) {
      const [k, e] = await ask(method, path, opts);
      const what = `${method} ${path} (${opts?.accept})`;
      assert.ok(k.status >= 400, `kube: ${what}`);
      assert.equal(e.status, k.status, what);
      assert.equal(e.type, k.type, what);
      assert.equal(e.body.toString("latin1"), k.body.toString("latin1"), what);
    }
  });

  it("negotiates every Accept header as kube does: fallbacks, transforms, 406s, YAML", async () => {
    const one = `/api/v1/namespaces/${NS}/configmaps/one`;
    const list = `/api/v1/namespaces/${NS}/configmaps?labelSelector=${LABEL}`;
    const accepts = [
      undefined,
      "*/*",
      "application/json;q=0.5, application/vnd.kubernetes.protobuf",
      `${PB};q=0, application/json;q=0.5`,
      "application/yaml",
      `${PB};as=Table;v=v1;g=meta.k8s.io`,
      `${PB};as=Table;v=v1;g=meta.k8s.io, application/json`,
      "application/json;as=Table;v=v1;g=meta.k8s.io",
      "application/json;as=Table;v=v1beta1;g=meta.k8s.io",
      `${PB};as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json`,
      `${PB};as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json`,
      "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1",
      "application/json;as=Foo;g=meta.k8s.io;v=v1",
      "application/json;stream=watch",
      "application/json;pretty=1",
      "application/*",
      "APPLICATION/JSON",
      "text/html",
    ];
    for (const path of [one, list]) {
      for (const accept of accepts) {
        const [k, e] = await ask("GET", path, accept === undefined ? {} : { accept });
        const what = `GET ${path} (${accept})`;
        assert.equal(e.status, k.status, what);
        assert.equal(e.type, k.type, what);
        const body = (r: Reply): unknown => {
          if (r.type.startsWith(PB)) return normalise(decode(r));
          if (r.type.startsWith("application/yaml")) return normalise(withoutItemKinds(parseYaml(r.body.toString())));
          const text = r.body.toString();
          // Tables print ages and differ in their cells by server; their shape is the tables test's matter.
          const json = JSON.parse(text) as Json;
          if (json.kind === "Table")
            return { kind: json.kind, apiVersion: json.apiVersion, indented: text.startsWith("{\n") };
          return {
            json: normalise(withoutItemKinds(json)),
            indented: text.startsWith("{\n"),
            newline: text.endsWith("\n"),
          };
        };
        assert.deepEqual(body(e), body(k), what);
      }
    }
  });

  it("streams watch events as length-prefixed protobuf frames, bookmarks and metadata-only objects included", async () => {
    const base = `/api/v1/namespaces/${NS}/configmaps`;
    const watch = async (accept: string, query: string, want: (evs: { type: string; object: Json }[]) => boolean) => {
      const replies = await Promise.all(
        both.map((s) =>
          call(s, "GET", `${base}?watch=1&labelSelector=${LABEL}&timeoutSeconds=20&${query}`, {
            accept,
            until: (b) => want(frames(b)),
          }),
        ),
      );
      for (const r of replies) assert.equal(r.type, `${PB};stream=watch`);
      return replies.map((r) =>
        frames(r.body).map((ev) => ({ type: ev.type, object: normalise(ev.object) as Json })),
      ) as [{ type: string; object: Json }[], { type: string; object: Json }[]];
    };
    // The WatchList protocol: the current objects, then a BOOKMARK marking the end of them.
    const bookmarked = (evs: { type: string }[]) => evs.some((e) => e.type === "BOOKMARK");
    const [k1, e1] = await watch(
      CLIENT_GO,
      "sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan",
      bookmarked,
    );
    assert.deepEqual(e1, k1);
    assert.deepEqual(
      k1.map((e) => e.type),
      [...k1.slice(0, -1).map(() => "ADDED"), "BOOKMARK"],
    );
    assert.ok(k1.length >= 2, JSON.stringify(k1));
    // The metadata client's informers: PartialObjectMetadata in protobuf.
    const [k2, e2] = await watch(
      `${PB};as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json`,
      "resourceVersion=0",
      (evs) => evs.length >= 1,
    );
    assert.deepEqual(e2, k2);
    assert.equal(k2[0]?.object.kind, "PartialObjectMetadata");
    // A change while watching.
    const rvs = await Promise.all(
      both.map(async (s) => {
        const r = await call(s, "GET", `${base}?labelSelector=${LABEL}`, { accept: "application/json" });
        return ((JSON.parse(r.body.toString()) as Json).metadata as Json).resourceVersion as string;
      }),
    );
    const live = both.map((s, i) =>
      call(s, "GET", `${base}?watch=1&labelSelector=${LABEL}&timeoutSeconds=20&resourceVersion=${rvs[i]}`, {
        accept: CLIENT_GO,
        until: (b) => frames(b).length >= 1,
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
    for (const s of both) {
      const r = await call(s, "POST", base, { accept: CLIENT_GO, body: pbBody(configMap("three")), contentType: PB });
      assert.equal(r.status, 201, s.name);
    }
    const [k3, e3] = (await Promise.all(live)).map((r) =>
      frames(r.body).map((ev) => ({ ...ev, object: normalise(ev.object) })),
    );
    assert.deepEqual(e3, k3);
    assert.equal(k3?.[0]?.type, "ADDED");
  });

  it("refuses YAML watches and answers other Accept headers of a watch as kube does", async () => {
    for (const accept of [
      "application/yaml",
      "application/yaml, application/json",
      "text/html",
      `${PB};as=Table;v=v1;g=meta.k8s.io`,
    ]) {
      const [k, e] = await ask("GET", `/api/v1/namespaces/${NS}/configmaps?watch=1&timeoutSeconds=1`, { accept });
      assert.equal(e.status, k.status, accept);
      assert.equal(e.type, k.type, accept);
      assert.equal(e.body.toString(), k.body.toString(), accept);
    }
  });

  it("serves custom resources in JSON only, their errors and metadata in protobuf too", async () => {
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.pb.example.com" },
      spec: {
        group: "pb.example.com",
        names: { plural: "widgets", singular: "widget", kind: "Widget" },
        scope: "Namespaced",
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
          },
        ],
      },
    };
    const base = `/apis/pb.example.com/v1/namespaces/${NS}/widgets`;
    for (const s of both) {
      // A CustomResourceDefinition from a protobuf body, answered in protobuf.
      const r = await call(s, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
        accept: CLIENT_GO,
        body: pbBody(crd),
        contentType: PB,
      });
      assert.equal(r.status, 201, `${s.name}: ${r.body}`);
      assert.equal(r.type, PB);
      for (let i = 0; ; i++) {
        const w = await call(s, "POST", base, {
          body: JSON.stringify({
            apiVersion: "pb.example.com/v1",
            kind: "Widget",
            metadata: { name: "w" },
            spec: { n: 1 },
          }),
        });
        if (w.status === 201) break;
        assert.ok(i < 100, `${s.name}: the custom resource is not served: ${w.status} ${w.body}`);
        await new Promise((res) => setTimeout(res, 200));
      }
    }
    const cases: [string, string][] = [
      [`${base}/w`, CLIENT_GO],
      [`${base}/w`, PB],
      [`${base}/nope`, CLIENT_GO],
      [`${base}/w`, `${PB};as=PartialObjectMetadata;g=meta.k8s.io;v=v1, application/json`],
      [base, `${PB};as=PartialObjectMetadataList;g=meta.k8s.io;v=v1, application/json`],
      [base, "application/yaml"],
      [`${base}/w`, "application/*"],
    ];
    for (const [path, accept] of cases) {
      const [k, e] = await ask("GET", path, { accept });
      const what = `GET ${path} (${accept})`;
      assert.equal(e.status, k.status, what);
      assert.equal(e.type, k.type, what);
      const body = (r: Reply) =>
        r.type.startsWith(PB)
          ? normalise(decode(r))
          : normalise(
              r.type.startsWith("application/yaml") ? parseYaml(r.body.toString()) : JSON.parse(r.body.toString()),
            );
      assert.deepEqual(body(e), body(k), what);
    }
  });

  it("without Kubernetes' .proto files answers JSON where JSON is acceptable, and 406 where only protobuf is", async () => {
    const bare = await startApiserver({
      etcd: sides.etcd.endpoint,
      cluster: "protobuf-bare",
      extraArgs: [`--k8s-protos=${makeTempDir("no-protos")}`],
    });
    try {
      const s = new ServerClient("evk without protos", bare.kubeconfigPath);
      const got = await call(s, "GET", "/api/v1/namespaces/default", { accept: CLIENT_GO });
      assert.equal(got.status, 200);
      assert.equal(got.type, "application/json");
      assert.equal((JSON.parse(got.body.toString()) as Json).kind, "Namespace");
      const refused = await call(s, "GET", "/api/v1/namespaces/default", { accept: PB });
      assert.equal(refused.status, 406);
      assert.equal(refused.type, "application/json");
      const missing = await call(s, "GET", "/api/v1/namespaces/nope", { accept: CLIENT_GO });
      assert.equal(missing.status, 404);
      assert.equal((JSON.parse(missing.body.toString()) as Json).reason, "NotFound");
    } finally {
      await bare.stop();
    }
  });

  it("serves discovery documents in protobuf, the aggregated ones with their kind in the content type", async () => {
    const agg = "g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    const cases: [string, string][] = [
      ["/api", PB],
      ["/api", `${PB};${agg}`],
      ["/apis", `${PB};${agg}, application/json`],
      ["/apis", `application/json, ${PB};${agg}`],
      ["/apis", PB],
      ["/api/v1", PB],
      ["/apis/apps", PB],
      ["/apis/apps/v1", PB],
      ["/api/v1", `${PB};${agg}`],
      ["/apis", "text/html"],
      ["/api", "text/html"],
      ["/apis/apps/v1", "application/*"],
      ["/version", PB],
    ];
    for (const [path, accept] of cases) {
      const [k, e] = await ask("GET", path, { accept });
      const what = `GET ${path} (${accept})`;
      assert.equal(e.status, k.status, what);
      assert.equal(e.type, k.type, what);
      if (!k.type.startsWith(PB) || k.status !== 200) {
        assert.equal(e.body.toString(), k.body.toString(), what);
        continue;
      }
      // The documents list what each server serves (discovery.compat.test.ts compares them): here the same
      // envelope, and evk's bytes the encoding of its own JSON document.
      assert.deepEqual(typeMeta(e.body), typeMeta(k.body), what);
      const json = await call(ours, "GET", path, { accept: accept.replaceAll(PB, "application/json") });
      assert.equal(e.body.toString("hex"), encodeProtobuf(JSON.parse(json.body.toString()))?.toString("hex"), what);
    }
    const [k, e] = await ask("GET", "/apis/apps/v1", { accept: PB });
    const names = (r: Reply) => ((decode(r).resources as Json[]) ?? []).map((x) => x.name).sort();
    assert.deepEqual(names(e), names(k));
  });
});
