// The OpenAPI documents evk serves (/openapi/v2, /openapi/v3): the host cluster's own, read once at start with
// read-only discovery requests, kept in etcd so a restart works while the host is unreachable, and cut down
// to the built-in resources evk serves. They also drive strategic merge patch and field validation.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { gunzipSync, gzipSync } from "node:zlib";
import { StatusError } from "@evk/kube";
import type { Logger } from "@evk/observability";
import type { EtcdClient } from "@evk/store";
import { KubeConfig } from "@kubernetes/client-node";
import { sendError } from "./api.ts";
import { type Schema, SchemaIndex } from "./openapi-schema.ts";
import { filterOpenApiV2Protobuf } from "./openapi-v2-protobuf.ts";
import { lookupResource, resourceTypes } from "./resources.ts";

/** The host's documents as it served them. */
export interface HostDocuments {
  fetchedAt: string;
  v2: Buffer;
  /** The same v2 document as gnostic protobuf, which client-go's OpenAPISchema() requests. */
  v2pb?: Buffer;
  /** /openapi/v3/<path> documents by path ("api/v1", "apis/apps/v1", ...). */
  v3: Record<string, Buffer>;
}

const PROTOBUF_V2 = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
const PROTOBUF_V2_DEPRECATED = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

// ---------------------------------------------------------------------------------------------------------
// What evk serves

/** Create-only endpoints evk answers beyond resources.ts (see discovery.ts). */
const createOnly = new Set([
  "/v1/bindings",
  "/v1/componentstatuses",
  "authentication.k8s.io/v1/selfsubjectreviews",
  "authentication.k8s.io/v1/tokenreviews",
]);
const servedGVs = new Set([...resourceTypes.map((t) => `${t.group}/${t.version}`), "authentication.k8s.io/v1"]);

/** Whether an OpenAPI path (`/api/v1/namespaces/{namespace}/pods/{name}/status`) is one evk serves. */
export function servedPath(path: string, served = defaultServed): boolean {
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.length === 0) return false;
  if (["version", ".well-known"].includes(parts[0] as string) || path === "/openid/v1/jwks/") return true;
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === "api") {
    if (parts.length === 1) return true;
    group = "";
    version = parts[1] as string;
    rest = parts.slice(2);
  } else if (parts[0] === "apis") {
    if (parts.length === 1) return true;
    if (parts.length === 2) return served.group(parts[1] as string);
    group = parts[1] as string;
    version = parts[2] as string;
    rest = parts.slice(3);
  } else return false;
  if (!served.gv(group, version)) return false;
  if (rest.length === 0) return true;
  // The deprecated /watch/ paths are not served; watches are ?watch=true.
  if (rest[0] === "watch") return false;
  if (rest[0] === "namespaces" && rest[1] === "{namespace}" && rest.length > 2) rest = rest.slice(2);
  const [resource, name, sub, ...extra] = rest;
  if (!resource || extra.length > 0) return false;
  if (!name && createOnly.has(`${group}/${version}/${resource}`)) return true;
  return served.resource(group, version, resource, sub);
}

export interface ServedSet {
  group(group: string): boolean;
  gv(group: string, version: string): boolean;
  resource(group: string, version: string, resource: string, subresource?: string): boolean;
}

const defaultServed: ServedSet = {
  group: (g) => [...servedGVs].some((gv) => gv.startsWith(`${g}/`)),
  gv: (g, v) => servedGVs.has(`${g}/${v}`),
  resource: (g, v, r, sub) => {
    const t = lookupResource(g, v, r);
    return t !== undefined && (sub === undefined || (t.subresources ?? []).includes(sub));
  },
};

// ---------------------------------------------------------------------------------------------------------
// Filtering

type Json = Record<string, unknown>;

function refsIn(v: unknown, prefix: string, out: Set<string>): void {
  if (Array.isArray(v)) for (const e of v) refsIn(e, prefix, out);
  else if (v && typeof v === "object") {
    for (const [k, e] of Object.entries(v)) {
      if (k === "$ref" && typeof e === "string" && e.startsWith(prefix)) out.add(e.slice(prefix.length));
      else refsIn(e, prefix, out);
    }
  }
}

/** Keeps the served paths and the schemas they reach. */
export function filterDocument(
  doc: Json,
  schemasOf: (d: Json) => Record<string, unknown> | undefined,
  refPrefix: string,
  served: ServedSet = defaultServed,
): { doc: Json; paths: Set<string>; schemas: Set<string> } {
  const paths = (doc.paths ?? {}) as Record<string, unknown>;
  const keptPaths: Record<string, unknown> = {};
  for (const [p, item] of Object.entries(paths)) if (servedPath(p, served)) keptPaths[p] = item;
  const all = schemasOf(doc) ?? {};
  const reached = new Set<string>();
  const queue = new Set<string>();
  refsIn(keptPaths, refPrefix, queue);
  // Top-level parameters (v2) may reference schemas too.
  refsIn(doc.parameters, refPrefix, queue);
  while (queue.size > 0) {
    const [name] = queue as Set<string>;
    queue.delete(name as string);
    if (reached.has(name as string) || !((name as string) in all)) continue;
    reached.add(name as string);
    const more = new Set<string>();
    refsIn(all[name as string], refPrefix, more);
    for (const m of more) if (!reached.has(m)) queue.add(m);
  }
  const keptSchemas: Record<string, unknown> = {};
  for (const name of Object.keys(all)) if (reached.has(name)) keptSchemas[name] = all[name];
  const out: Json = { ...doc, paths: keptPaths };
  if (doc.definitions) out.definitions = keptSchemas;
  if (doc.components) out.components = { ...(doc.components as Json), schemas: keptSchemas };
  return { doc: out, paths: new Set(Object.keys(keptPaths)), schemas: reached };
}

/** Whether a /openapi/v3 index entry ("api/v1", "apis/apps", "version") is served. */
export function servedV3Path(path: string, served: ServedSet = defaultServed): boolean {
  return servedPath(`/${path}${path.includes("well-known") ? "" : "/"}`, served);
}

// ---------------------------------------------------------------------------------------------------------
// Serving form

interface Served {
  bytes: Buffer;
  gzip: Buffer;
  etag: string;
}

export interface OpenApiState {
  lastModified: Date;
  v2?: Served & { pb?: Served };
  v3index: Buffer;
  v3: Map<string, Served>;
  schemas: SchemaIndex;
  /** The schemas the field manager types objects with: OpenAPI v3's, as kube-apiserver's own, else v2's. */
  typeDefinitions: Record<string, unknown>;
}

const etagOf = (b: Buffer) => createHash("sha512").update(b).digest("hex").toUpperCase();
const served = (bytes: Buffer, etag = etagOf(bytes)): Served => ({ bytes, gzip: gzipSync(bytes), etag });

export function buildState(host: HostDocuments, set: ServedSet = defaultServed): OpenApiState {
  let v2: OpenApiState["v2"];
  let definitions: Record<string, unknown> = {};
  if (host.v2.length > 0) {
    const f = filterDocument(
      JSON.parse(host.v2.toString("utf8")) as Json,
      (d) => d.definitions as Record<string, unknown>,
      "#/definitions/",
      set,
    );
    definitions = f.doc.definitions as Record<string, unknown>;
    const json = Buffer.from(JSON.stringify(f.doc));
    v2 = served(json);
    if (host.v2pb) {
      // kube serves both encodings under one ETag (the JSON's), told apart by Vary: Accept.
      const pb = filterOpenApiV2Protobuf(
        host.v2pb,
        (p) => f.paths.has(p),
        (d) => f.schemas.has(d),
      );
      v2.pb = served(pb, v2.etag);
    }
  }
  const v3 = new Map<string, Served>();
  const v3schemas: Record<string, unknown> = {};
  for (const [path, raw] of Object.entries(host.v3)) {
    if (!servedV3Path(path, set)) continue;
    const f = filterDocument(
      JSON.parse(raw.toString("utf8")) as Json,
      (d) => (d.components as { schemas?: Record<string, unknown> } | undefined)?.schemas,
      "#/components/schemas/",
      set,
    );
    Object.assign(v3schemas, (f.doc.components as { schemas?: Record<string, unknown> } | undefined)?.schemas);
    v3.set(path, served(Buffer.from(JSON.stringify(f.doc))));
  }
  const index: Record<string, { serverRelativeURL: string }> = {};
  for (const path of [...v3.keys()].sort())
    index[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${(v3.get(path) as Served).etag}` };
  const schemas = new SchemaIndex(
    Object.keys(definitions).length > 0
      ? { definitions: definitions as Record<string, Schema> }
      : { components: { schemas: v3schemas as Record<string, Schema> } },
  );
  return {
    lastModified: new Date(host.fetchedAt),
    ...(v2 ? { v2 } : {}),
    v3index: Buffer.from(JSON.stringify({ paths: index })),
    v3,
    schemas,
    typeDefinitions: Object.keys(v3schemas).length > 0 ? v3schemas : definitions,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Reading the host (read-only: GETs of the OpenAPI endpoints only)

export async function fetchHostDocuments(kubeconfigPath: string, log?: Logger): Promise<HostDocuments> {
  const kc = new KubeConfig();
  kc.loadFromString(readFileSync(kubeconfigPath, "utf8"));
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`${kubeconfigPath} has no current cluster`);
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const get = (path: string, accept: string) =>
    new Promise<Buffer>((resolve, reject) => {
      const url = new URL(path, cluster.server);
      const req = httpsRequest(
        url,
        { ...opts, method: "GET", headers: { ...(opts.headers ?? {}), accept }, timeout: 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const body = Buffer.concat(chunks);
            if (res.statusCode === 200) resolve(body);
            else reject(new Error(`GET ${path}: ${res.statusCode} ${body.toString("utf8").slice(0, 200)}`));
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`GET ${path}: timed out`)));
      req.on("error", reject);
      req.end();
    });
  const v2 = await get("/openapi/v2", "application/json");
  let v2pb: Buffer | undefined;
  try {
    v2pb = await get("/openapi/v2", PROTOBUF_V2_DEPRECATED);
  } catch (err) {
    log?.warn({ err: (err as Error).message }, "the host serves no protobuf OpenAPI v2; serving JSON only");
  }
  const index = JSON.parse((await get("/openapi/v3", "application/json")).toString("utf8")) as {
    paths: Record<string, { serverRelativeURL: string }>;
  };
  const v3: Record<string, Buffer> = {};
  const entries = Object.entries(index.paths);
  // A few at a time: the host is someone else's control plane.
  for (let i = 0; i < entries.length; i += 4) {
    await Promise.all(
      entries.slice(i, i + 4).map(async ([path, e]) => {
        v3[path] = await get(e.serverRelativeURL, "application/json");
      }),
    );
  }
  return { fetchedAt: new Date().toISOString(), v2, ...(v2pb ? { v2pb } : {}), v3 };
}

// ---------------------------------------------------------------------------------------------------------
// etcd: /evk/<cluster>/openapi/manifest names content-addressed, gzipped blobs under
// /evk/<cluster>/openapi/blobs/<sha256>/<part> (parts of at most 1 MiB: etcd refuses requests over 1.5 MiB).

const PART = 1024 * 1024;

interface BlobRef {
  sha256: string;
  parts: number;
}
interface Manifest {
  fetchedAt: string;
  v2: BlobRef;
  v2pb?: BlobRef;
  v3: Record<string, BlobRef>;
}

export class OpenApiStorage {
  private readonly etcd: EtcdClient;
  private readonly prefix: string;
  constructor(etcd: EtcdClient, cluster: string) {
    this.etcd = etcd;
    this.prefix = `/evk/${cluster}/openapi/`;
  }

  private async putBlob(data: Buffer, old: Set<string>): Promise<BlobRef> {
    const sha256 = createHash("sha256").update(data).digest("hex");
    const z = gzipSync(data);
    const parts = Math.max(1, Math.ceil(z.length / PART));
    if (!old.has(sha256))
      for (let i = 0; i < parts; i++)
        await this.etcd.txn(
          [],
          [{ request_put: { key: `${this.prefix}blobs/${sha256}/${i}`, value: z.subarray(i * PART, (i + 1) * PART) } }],
        );
    return { sha256, parts };
  }

  private async getBlob(ref: BlobRef): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for (let i = 0; i < ref.parts; i++) {
      const kv = (await this.etcd.range({ key: `${this.prefix}blobs/${ref.sha256}/${i}` })).kvs[0];
      if (!kv) throw new Error(`OpenAPI blob ${ref.sha256} part ${i} is missing`);
      chunks.push(kv.value);
    }
    const data = gunzipSync(Buffer.concat(chunks));
    if (createHash("sha256").update(data).digest("hex") !== ref.sha256)
      throw new Error(`OpenAPI blob ${ref.sha256} is corrupt`);
    return data;
  }

  private async manifest(): Promise<Manifest | undefined> {
    const kv = (await this.etcd.range({ key: `${this.prefix}manifest` })).kvs[0];
    return kv ? (JSON.parse(kv.value.toString("utf8")) as Manifest) : undefined;
  }

  async load(): Promise<HostDocuments | undefined> {
    const m = await this.manifest();
    if (!m) return undefined;
    const v3: Record<string, Buffer> = {};
    for (const [path, ref] of Object.entries(m.v3)) v3[path] = await this.getBlob(ref);
    const v2pb = m.v2pb ? await this.getBlob(m.v2pb) : undefined;
    return { fetchedAt: m.fetchedAt, v2: await this.getBlob(m.v2), ...(v2pb ? { v2pb } : {}), v3 };
  }

  /** Writes blobs first and the manifest last, so a reader never sees a manifest whose blobs are missing. */
  async save(docs: HostDocuments): Promise<void> {
    const prev = await this.manifest();
    const old = new Set<string>();
    if (prev) for (const r of [prev.v2, prev.v2pb, ...Object.values(prev.v3)]) if (r) old.add(r.sha256);
    const m: Manifest = { fetchedAt: docs.fetchedAt, v2: await this.putBlob(docs.v2, old), v3: {} };
    if (docs.v2pb) m.v2pb = await this.putBlob(docs.v2pb, old);
    for (const [path, data] of Object.entries(docs.v3)) m.v3[path] = await this.putBlob(data, old);
    await this.etcd.txn([], [{ request_put: { key: `${this.prefix}manifest`, value: JSON.stringify(m) } }]);
    const live = new Set([m.v2, m.v2pb, ...Object.values(m.v3)].filter((r) => r).map((r) => (r as BlobRef).sha256));
    const blobs = `${this.prefix}blobs/`;
    const keys = await this.etcd.range({ key: blobs, range_end: prefixEndOf(blobs), keys_only: true });
    for (const kv of keys.kvs) {
      const sha = kv.key.toString("utf8").slice(blobs.length).split("/")[0] as string;
      if (!live.has(sha)) await this.etcd.txn([], [{ request_delete_range: { key: kv.key } }]);
    }
  }
}

function prefixEndOf(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

// ---------------------------------------------------------------------------------------------------------
// The service

export class OpenApiService {
  private state: OpenApiState | undefined;
  private readonly storage: OpenApiStorage;
  private readonly hostKubeconfig: string | undefined;
  private readonly log: Logger;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(o: { etcd: EtcdClient; cluster: string; hostKubeconfig?: string; log: Logger }) {
    this.storage = new OpenApiStorage(o.etcd, o.cluster);
    this.hostKubeconfig = o.hostKubeconfig;
    this.log = o.log;
  }

  /** The schemas of the documents served, or undefined while there are none. */
  get schemas(): SchemaIndex | undefined {
    return this.state?.schemas;
  }

  /** The schemas objects are typed by for managedFields and server-side apply, or undefined while there are none. */
  get typeDefinitions(): Record<string, unknown> | undefined {
    return this.state?.typeDefinitions;
  }

  /** Documents of custom resource group-versions ("apis/<group>/<version>"), served beside the host's. */
  private custom = new Map<string, Served>();
  private customIndex: { for: Buffer; bytes: Buffer } | undefined;

  /** Replaces the custom resource documents served (crd/openapi.ts builds them). */
  setCustomDocuments(docs: Map<string, object>): void {
    this.custom = new Map([...docs].map(([path, d]) => [path, served(Buffer.from(JSON.stringify(d)))]));
    this.customIndex = undefined;
  }

  /** A query or path parameter as the host's documents describe it, for documents built here. */
  hostParameter(name: string): Record<string, unknown> | undefined {
    if (!this.parameters) {
      this.parameters = new Map();
      const raw = this.state?.v3.get("apis/apiextensions.k8s.io/v1") ?? this.state?.v3.get("api/v1");
      const doc = raw
        ? (JSON.parse(raw.bytes.toString("utf8")) as { paths?: Record<string, Record<string, unknown>> })
        : {};
      for (const item of Object.values(doc.paths ?? {}))
        for (const op of [item, ...Object.values(item)])
          for (const p of (op as { parameters?: { name?: string }[] } | undefined)?.parameters ?? [])
            if (p?.name && !this.parameters.has(p.name)) this.parameters.set(p.name, p as Record<string, unknown>);
    }
    return this.parameters.get(name);
  }
  private parameters: Map<string, Record<string, unknown>> | undefined;

  /** The /openapi/v3 index: the host's paths and the custom resource ones, sorted. */
  private v3Index(state: OpenApiState): Buffer {
    if (this.custom.size === 0) return state.v3index;
    if (this.customIndex?.for === state.v3index) return this.customIndex.bytes;
    const paths = (JSON.parse(state.v3index.toString("utf8")) as { paths: Record<string, unknown> }).paths;
    for (const [path, doc] of this.custom) paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.etag}` };
    const sorted = Object.fromEntries(
      Object.keys(paths)
        .sort()
        .map((k) => [k, paths[k]]),
    );
    this.customIndex = { for: state.v3index, bytes: Buffer.from(JSON.stringify({ paths: sorted })) };
    return this.customIndex.bytes;
  }

  /** Loads the stored copy, then refreshes it from the host; a host that cannot be read is retried. */
  async start(): Promise<void> {
    try {
      const stored = await this.storage.load();
      if (stored) this.state = buildState(stored);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "the stored OpenAPI documents cannot be read");
    }
    if (this.hostKubeconfig) await this.refresh();
  }

  private async refresh(): Promise<void> {
    try {
      const docs = await fetchHostDocuments(this.hostKubeconfig as string, this.log);
      const state = buildState(docs);
      await this.storage.save(docs);
      this.state = state;
      this.log.info({ v3: state.v3.size, kinds: state.schemas.size }, "OpenAPI documents read from the host");
    } catch (err) {
      this.log.warn(
        { err: (err as Error).message, stored: this.state !== undefined },
        "cannot read the host's OpenAPI documents; serving the stored copy if there is one, retrying in 30s",
      );
      if (!this.state && !this.stopped) {
        this.retry = setTimeout(() => void this.refresh(), 30_000);
        this.retry.unref();
      }
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  /** GET /openapi/v2, /openapi/v3 and /openapi/v3/<path>, with kube-openapi's negotiation and caching headers. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
    try {
      if (req.method !== "GET" && req.method !== "HEAD")
        throw new StatusError("MethodNotAllowed", "the server does not allow this method on the requested resource");
      const state = this.state;
      if (!state) {
        if (this.hostKubeconfig)
          throw new StatusError(
            "ServiceUnavailable",
            "the OpenAPI documents have not been read from the host cluster yet and no stored copy exists",
          );
        throw new StatusError("NotFound", "the server could not find the requested resource");
      }
      const p = url.pathname.replace(/\/+$/, "");
      res.setHeader("Cache-Control", "no-cache, private");
      if (p === "/openapi/v2") {
        this.v2(req, res, state);
        return;
      }
      if (p === "/openapi/v3") {
        res.setHeader("Last-Modified", state.lastModified.toUTCString());
        send(req, res, 200, "text/plain; charset=utf-8", { bytes: this.v3Index(state) }, false);
        return;
      }
      const path = p.slice("/openapi/v3/".length);
      const doc = state.v3.get(path) ?? this.custom.get(path);
      if (!p.startsWith("/openapi/v3/") || !doc)
        throw new StatusError("NotFound", "the server could not find the requested resource");
      res.setHeader("Vary", "Accept");
      if (!negotiate(req.headers.accept, ["application/json"]))
        throw new StatusError("NotAcceptable", "only application/json is served for OpenAPI v3 documents");
      res.setHeader("Etag", `"${doc.etag}"`);
      const hash = url.searchParams.get("hash");
      if (hash) {
        if (hash !== doc.etag) {
          res.setHeader("Location", `/openapi/v3/${path}?hash=${doc.etag}`);
          res.writeHead(301, { "content-length": 0 });
          res.end();
          return;
        }
        res.setHeader("Cache-Control", "public, immutable");
        const expires = new Date();
        expires.setUTCFullYear(expires.getUTCFullYear() + 1);
        res.setHeader("Expires", expires.toUTCString().replace(/GMT$/, "UTC"));
      }
      res.setHeader("Last-Modified", state.lastModified.toUTCString());
      send(req, res, 200, "application/json", doc, true);
      return;
    } catch (err) {
      sendError(res, err);
    }
  }

  private v2(req: IncomingMessage, res: ServerResponse, state: OpenApiState): void {
    res.setHeader("Vary", ["Accept-Encoding", "Accept"]);
    const v2 = state.v2;
    if (!v2) throw new StatusError("NotFound", "the server could not find the requested resource");
    const offered = ["application/json", PROTOBUF_V2_DEPRECATED, PROTOBUF_V2];
    const type = negotiate(req.headers.accept, v2.pb ? offered : ["application/json"]);
    if (!type) throw new StatusError("NotAcceptable", "the requested OpenAPI v2 encoding is not served");
    res.setHeader("Etag", `"${v2.etag}"`);
    res.setHeader("Last-Modified", state.lastModified.toUTCString());
    if (type === "application/json") {
      send(req, res, 200, "application/json", v2, true);
      return;
    }
    send(req, res, 200, PROTOBUF_V2, v2.pb as Served, true);
    return;
  }
}

/** The first offered type the Accept header takes, by q-value (kube-openapi uses goautoneg the same way). */
export function negotiate(accept: string | undefined, offered: string[]): string | undefined {
  const clauses = (accept || "*/*")
    .split(",")
    .map((c, i) => {
      const [type, ...params] = c.trim().split(";");
      const q = params.map((x) => x.trim()).find((x) => x.startsWith("q="));
      return { type: (type ?? "").trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((c) => c.type !== "" && c.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const c of clauses) {
    const [ct, cs] = c.type.split("/");
    for (const o of offered) {
      const [ot, os] = o.split("/");
      if ((ct === ot || ct === "*") && (cs === os || cs === "*")) return o;
    }
  }
  return undefined;
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  code: number,
  contentType: string,
  doc: { bytes: Buffer; gzip?: Buffer; etag?: string },
  gzipOk: boolean,
): void {
  if (doc.etag && (req.headers["if-none-match"] ?? "").split(",").some((t) => t.trim() === `"${doc.etag}"`)) {
    res.writeHead(304);
    res.end();
    return;
  }
  const gz = gzipOk && doc.gzip && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
  const body = gz ? (doc.gzip as Buffer) : doc.bytes;
  res.writeHead(code, {
    "content-type": contentType,
    "content-length": body.length,
    ...(gz ? { "content-encoding": "gzip" } : {}),
  });
  res.end(req.method === "HEAD" ? undefined : body);
}
