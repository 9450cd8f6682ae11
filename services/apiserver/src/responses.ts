import type { IncomingMessage, ServerResponse } from "node:http";
import { errors, isStatusError, StatusError } from "@evk/kube";
import type protobuf from "protobufjs";
import { encodeEnvelope, MessageEncoders, ProtoWriter, watchFrame } from "./json-protobuf.ts";
import {
  ALL_ENCODINGS,
  type Convert,
  DEFAULT_RESTRICTIONS,
  DISCOVERY_RESTRICTIONS,
  type Encoding,
  MEDIA_TYPES,
  mediaTypesOf,
  type Negotiated,
  negotiate,
  negotiateResource,
  notAcceptable,
  resourceProduces,
  routeAccepts,
  routeNotAcceptable,
} from "./negotiation.ts";
import { loadedK8sProtos } from "./protobuf.ts";
import type { K8sProtos } from "./protobuf-protos.ts";
import { toGoYaml } from "./yaml-output.ts";

// Answers in the media type a request negotiated (negotiation.ts) when that is not plain JSON: protobuf
// (kube's `k8s\0` envelope, json-protobuf.ts), YAML, indented JSON, and the PartialObjectMetadata transforms.
// The plain JSON path (api.ts sendJson) stays as it is; a request whose answer is anything else is marked
// here once, and the writers look the mark up.

type Json = Record<string, unknown>;

const outputs = new WeakMap<IncomingMessage, Negotiated>();

/** Marks a request to be answered as `n` (one that negotiated something other than compact JSON). */
export function setOutput(req: IncomingMessage, n: Negotiated): void {
  outputs.set(req, n);
}

export function outputOf(req: IncomingMessage | undefined): Negotiated | undefined {
  return req ? outputs.get(req) : undefined;
}

/** An Accept header that can only mean JSON (the common case, decided without parsing). */
const jsonAccept = (accept: string | undefined) =>
  accept === undefined ||
  accept === "" ||
  accept === "application/json" ||
  accept === "*/*" ||
  accept === "application/json, */*";

/** True when the answer to the request is compact JSON whatever it is. */
export function plainJson(req: IncomingMessage | undefined): boolean {
  return !req || (jsonAccept(req.headers.accept) && !prettyRequested(req));
}

/**
 * Negotiates the answer of a resource request (kube's NegotiateOutputMediaType at the start of each handler):
 * a 406 is thrown; anything other than compact JSON marks the request for the writers. Objects of kinds
 * without protobuf form (custom resources) are JSON or YAML only; built-in resources are go-restful routes.
 */
export function negotiateRequest(
  req: IncomingMessage,
  apiVersion: string,
  kind: string,
  verb: string,
  subresource?: string,
): void {
  // Logs and the connect subresources (exec, attach, portforward, proxy) stream what they stream.
  if (subresource !== undefined && STREAMING_SUBRESOURCES.has(subresource)) return;
  const watch = verb === "watch";
  const accept = req.headers.accept;
  if (jsonAccept(accept) && (watch || !prettyRequested(req))) return;
  const pb = hasProtobuf(apiVersion, kind);
  const n = negotiateResource(accept, {
    standard: pb ? ALL_ENCODINGS : JSON_AND_YAML,
    table: true,
    watch,
    ...(pb ? { produces: resourceProduces(verb === "list" || watch) } : {}),
  });
  // Watch events are never indented (kube's stream serializers have no pretty form).
  if (n.encoding === "json" && !watch && prettyRequested(req)) n.pretty = true;
  if (n.encoding === "json" && !n.convert && !n.pretty) return;
  setOutput(req, n);
}

const JSON_AND_YAML: readonly Encoding[] = ["json", "yaml"];
const STREAMING_SUBRESOURCES = new Set(["log", "exec", "attach", "portforward", "proxy"]);

/** kube's isPrettyPrint: `?pretty=<true>` or a browser, curl or wget user agent. */
export function prettyRequested(req: IncomingMessage): boolean {
  const url = req.url ?? "";
  if (url.includes("pretty")) {
    const v = new URL(url, "http://x").searchParams.get("pretty");
    if (v) return ["1", "t", "T", "true", "TRUE", "True"].includes(v);
  }
  const ua = req.headers["user-agent"] ?? "";
  return ua.startsWith("curl") || ua.startsWith("Wget") || ua.startsWith("Mozilla/5.0");
}

interface Codec {
  protos: K8sProtos;
  encoders: MessageEncoders;
  types: Map<string, protobuf.Type | null>;
}

let codec: Codec | undefined;

function currentCodec(): Codec | undefined {
  const protos = loadedK8sProtos();
  if (!protos) return undefined;
  if (codec?.protos !== protos) codec = { protos, encoders: new MessageEncoders(protos.goDecl), types: new Map() };
  return codec;
}

function messageOf(c: Codec, apiVersion: string, kind: string): protobuf.Type | undefined {
  const key = `${apiVersion}/${kind}`;
  let t = c.types.get(key);
  if (t === undefined) {
    try {
      // Discovery documents of the core group carry no apiVersion; their kinds are meta/v1's.
      t = c.protos.messageFor(apiVersion || "meta.k8s.io/v1", kind) ?? null;
    } catch {
      t = null;
    }
    c.types.set(key, t);
  }
  return t ?? undefined;
}

/** The serializers answers can be written in: protobuf only once the .proto files are found. */
const serializers = (): readonly Encoding[] => (currentCodec() ? ALL_ENCODINGS : JSON_AND_YAML);

/** Whether objects of this kind have a protobuf form here (every built-in kind, once the .proto files are found). */
export function hasProtobuf(apiVersion: string, kind: string): boolean {
  const c = currentCodec();
  return c !== undefined && messageOf(c, apiVersion, kind) !== undefined;
}

/** An object (with its kind and apiVersion) in kube's protobuf envelope; undefined for a kind without protobuf form. */
export function encodeProtobuf(obj: unknown, sizeHint = 8192): Buffer | undefined {
  const c = currentCodec();
  if (!c || obj === null || typeof obj !== "object") return undefined;
  const o = obj as Json;
  const apiVersion = typeof o.apiVersion === "string" ? o.apiVersion : "";
  const kind = typeof o.kind === "string" ? o.kind : "";
  const t = messageOf(c, apiVersion, kind);
  if (!t) return undefined;
  const body = c.encoders.body(t);
  return encodeEnvelope(apiVersion, kind, (w) => body(w, o), new ProtoWriter(sizeHint));
}

/** The Go type kube names in a transform's 406 (`*core.Namespace`): the internal package of the group. */
function goTypeName(obj: Json): string {
  const apiVersion = typeof obj.apiVersion === "string" ? obj.apiVersion : "";
  const kind = typeof obj.kind === "string" ? obj.kind : "";
  const group = apiVersion.includes("/") ? (apiVersion.split("/")[0] as string) : "";
  const pkg = INTERNAL_PACKAGES[group];
  if (pkg === undefined) return kind.endsWith("List") ? "*unstructured.UnstructuredList" : "*unstructured.Unstructured";
  return `*${pkg}.${kind}`;
}

const INTERNAL_PACKAGES: Record<string, string> = {
  "": "core",
  "events.k8s.io": "core",
  apps: "apps",
  batch: "batch",
  autoscaling: "autoscaling",
  policy: "policy",
  "discovery.k8s.io": "discovery",
  "coordination.k8s.io": "coordination",
  "rbac.authorization.k8s.io": "rbac",
  "storage.k8s.io": "storage",
  "networking.k8s.io": "networking",
  "scheduling.k8s.io": "scheduling",
  "node.k8s.io": "node",
  "certificates.k8s.io": "certificates",
  "resource.k8s.io": "resource",
  "admissionregistration.k8s.io": "admissionregistration",
  "apiregistration.k8s.io": "apiregistration",
  "apiextensions.k8s.io": "apiextensions",
  "flowcontrol.apiserver.k8s.io": "flowcontrol",
  "authentication.k8s.io": "authentication",
  "authorization.k8s.io": "authorization",
};

const isList = (o: Json) => Array.isArray(o.items) && typeof o.kind === "string" && o.kind.endsWith("List");

const partial = (o: Json, version: string) => ({
  kind: "PartialObjectMetadata",
  apiVersion: `meta.k8s.io/${version}`,
  metadata: o.metadata ?? {},
});

/**
 * kube's doTransformObject for PartialObjectMetadata(List): a Status passes; the wrong shape is a 406 after
 * the fact (a write has happened by then, as in kube). Table is built where the printers are (api.ts).
 */
export function transformBody(body: unknown, convert: Convert | undefined): unknown {
  if (!convert || body === null || typeof body !== "object") return body;
  const o = body as Json;
  if (o.kind === "Status") return body;
  // Tables are printed as meta.k8s.io/v1; a v1beta1 Table is the same with its own apiVersion.
  if (convert.kind === "Table")
    return o.kind === "Table" && o.apiVersion !== `meta.k8s.io/${convert.version}`
      ? { ...o, apiVersion: `meta.k8s.io/${convert.version}` }
      : body;
  if (convert.kind === "PartialObjectMetadata") {
    if (isList(o))
      throw new StatusError(
        "NotAcceptable",
        `you requested PartialObjectMetadata, but the requested object is a list (${goTypeName(o)})`,
      );
    return partial(o, convert.version);
  }
  if (convert.kind === "PartialObjectMetadataList") {
    if (!isList(o))
      throw new StatusError(
        "NotAcceptable",
        `you requested PartialObjectMetadataList, but the requested object is not a list (${goTypeName(o)})`,
      );
    const meta = (o.metadata ?? {}) as Json;
    const items = o.items as Json[];
    return {
      kind: "PartialObjectMetadataList",
      apiVersion: `meta.k8s.io/${convert.version}`,
      metadata: {
        ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
        ...(meta.continue ? { continue: meta.continue } : {}),
        ...(meta.remainingItemCount !== undefined ? { remainingItemCount: meta.remainingItemCount } : {}),
      },
      // Built item by item from nothing, an empty list's items are Go's nil slice.
      items: items.length ? items.map((i) => partial(i, "v1")) : null,
    };
  }
  return body;
}

/** The body's bytes and media type in the negotiated encoding; undefined when the kind has no protobuf form. */
export function encodeAs(body: unknown, n: Negotiated, gvk?: Convert): { bytes: Buffer; type: string } | undefined {
  let bytes: Buffer;
  switch (n.encoding) {
    case "protobuf": {
      const items = (body as Json | null)?.items;
      const b = encodeProtobuf(body, Array.isArray(items) ? 1024 + items.length * 1024 : 8192);
      if (!b) return undefined;
      bytes = b;
      break;
    }
    case "yaml":
      bytes = Buffer.from(toGoYaml(body), "utf8");
      break;
    default:
      // kube's pretty serializer is MarshalIndent: no final newline, unlike its compact json.Encoder.
      bytes = Buffer.from(n.pretty ? goJsonIndent(body) : `${JSON.stringify(body)}\n`, "utf8");
  }
  let type = MEDIA_TYPES[n.encoding];
  // A discovery document names its kind in the content type (g, v, as; kube's generateMediaTypeWithGVK).
  if (gvk) {
    if (gvk.group) type += `;g=${gvk.group}`;
    if (gvk.version) type += `;v=${gvk.version}`;
    if (gvk.kind) type += `;as=${gvk.kind}`;
  }
  return { bytes, type };
}

/**
 * Writes `body` as negotiated: transformed, encoded, with kube's content type. An object of a kind without
 * protobuf form (never negotiated so: negotiation offers protobuf only for kinds that have one) is a 500.
 */
export function sendNegotiated(res: ServerResponse, code: number, body: unknown, n: Negotiated, gvk?: Convert): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  let out: { bytes: Buffer; type: string } | undefined;
  try {
    out = encodeAs(transformBody(body, n.convert), n, gvk);
    if (!out) throw errors.internal(`no protobuf serialization is known for ${describe(body)}`);
  } catch (err) {
    sendStatus(res, isStatusError(err) ? err : errors.internal((err as Error).message));
    return;
  }
  res.writeHead(code, { "content-type": out.type, "content-length": out.bytes.length });
  res.end(out.bytes);
}

function describe(body: unknown): string {
  const o = (body ?? {}) as Json;
  return `${String(o.apiVersion ?? "")}, Kind=${String(o.kind ?? "")}`;
}

/**
 * kube's ErrorNegotiated: a Status in the first Accept entry that takes no transform (json, yaml, protobuf),
 * else indented JSON (WriteRawJSON), always with the error's code.
 */
export function sendStatus(res: ServerResponse, se: StatusError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const req = res.req as IncomingMessage | undefined;
  const status = se.toStatus();
  const n = negotiate(req?.headers.accept, DEFAULT_RESTRICTIONS, serializers());
  if (se.details?.retryAfterSeconds) res.setHeader("retry-after", String(se.details.retryAfterSeconds));
  let out: { bytes: Buffer; type: string } | undefined;
  if (n) {
    if (req && n.encoding === "json" && prettyRequested(req)) n.pretty = true;
    out = encodeAs(status, n);
  }
  if (!out) out = { bytes: Buffer.from(goJsonIndent(status), "utf8"), type: "application/json" };
  res.writeHead(se.code, { "content-type": out.type, "content-length": out.bytes.length });
  res.end(out.bytes);
}

/** Go's json.MarshalIndent(v, "", "  "): no trailing newline, HTML characters escaped. */
export function goJsonIndent(v: unknown): string {
  return JSON.stringify(v, null, 2).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

const eventCache = new WeakMap<object, Map<string, Buffer>>();

/**
 * One watch event in the negotiated stream encoding, for events the watch cache shares between watchers:
 * encoded once per event, event type and transform for all of them.
 */
export function watchEvent(
  ev: { object: unknown },
  type: string,
  n: Negotiated,
  transform: (o: unknown) => unknown,
): Buffer {
  const key = `${n.encoding}/${type}/${n.convert?.kind ?? ""}/${n.convert?.version ?? ""}`;
  let byKey = eventCache.get(ev);
  if (!byKey) {
    byKey = new Map();
    eventCache.set(ev, byKey);
  }
  let out = byKey.get(key);
  if (!out) {
    out = encodeWatchEvent(type, transform(ev.object), n);
    byKey.set(key, out);
  }
  return out;
}

/** A watch event (`{type, object}`) as a protobuf frame or a JSON line. */
export function encodeWatchEvent(type: string, object: unknown, n: Negotiated): Buffer {
  if (n.encoding === "protobuf") {
    const env = encodeProtobuf(object);
    if (env) return watchFrame(type, env);
    // No protobuf form for what the stream carries: an ERROR event with kube's words, so the client stops.
    const err = encodeProtobuf(
      errors.internal(`no protobuf serialization is known for ${describe(object)}`).toStatus(),
    );
    return watchFrame("ERROR", err ?? Buffer.alloc(0));
  }
  return Buffer.from(`${JSON.stringify({ type, object })}\n`, "utf8");
}

/**
 * A watch answered other than in plain JSON lines: its content type, JSON lines (bookmarks, errors, converted
 * objects) re-encoded, and the events the watch cache shares encoded once for every such watcher.
 */
export function watchStream(
  req: IncomingMessage,
):
  | { contentType: string; line(line: string): Buffer; event(ev: { object: unknown }, type: string): Buffer }
  | undefined {
  const n = outputOf(req);
  if (!n) return undefined;
  const transform = watchTransform(n.convert);
  const reencode = n.encoding === "protobuf" || transform !== identity;
  return {
    contentType: n.encoding === "protobuf" ? `${MEDIA_TYPES.protobuf};stream=watch` : MEDIA_TYPES.json,
    line: reencode
      ? (line) => {
          const ev = JSON.parse(line) as { type: string; object: unknown };
          return encodeWatchEvent(ev.type, transform(ev.object), n);
        }
      : (line) => Buffer.from(`${line}\n`, "utf8"),
    event: (ev, type) => watchEvent(ev, type, n, transform),
  };
}

const identity = (o: unknown) => o;

/** The watch transform of one event's object: PartialObjectMetadata; kube sends the object as is when it fails. */
export function watchTransform(convert: Convert | undefined): (o: unknown) => unknown {
  if (!convert || (convert.kind !== "PartialObjectMetadata" && convert.kind !== "PartialObjectMetadataList"))
    return identity;
  return (o) => {
    try {
      return transformBody(o, convert);
    } catch {
      return o;
    }
  };
}

/** Discovery documents kube serves through go-restful routes (a 406 of its own); /apis and /apis/<group> are not. */
function checkDiscoveryRoute(req: IncomingMessage, path: string): void {
  if (path !== "/api" && path !== "/api/v1" && !/^\/apis\/[^/]+\/[^/]+$/.test(path)) return;
  const { media } = mediaTypesOf();
  if (!routeAccepts(req.headers.accept, media)) throw routeNotAcceptable(media);
}

/**
 * /api and /apis: the aggregated discovery document when some Accept entry asks for apidiscovery.k8s.io/v2
 * APIGroupDiscoveryList in any encoding (kube's wrapper takes the first such entry, wherever it is).
 */
export function aggregatedOutput(req: IncomingMessage, path: string): Negotiated | undefined {
  checkDiscoveryRoute(req, path);
  const n = negotiate(req.headers.accept, DISCOVERY_RESTRICTIONS, serializers());
  if (n && n.encoding === "json" && prettyRequested(req)) n.pretty = true;
  return n;
}

/** A legacy discovery document (APIVersions, APIGroupList, APIGroup, APIResourceList) as negotiated. */
export function sendDiscovery(req: IncomingMessage, res: ServerResponse, path: string, doc: unknown): boolean {
  checkDiscoveryRoute(req, path);
  if (plainJson(req)) return false;
  const n = negotiate(req.headers.accept, DEFAULT_RESTRICTIONS, serializers());
  if (!n) throw notAcceptable(mediaTypesOf().media);
  if (n.encoding === "json" && prettyRequested(req)) n.pretty = true;
  sendNegotiated(res, 200, doc, n);
  return true;
}

/** /version is a go-restful route that produces JSON only. */
export function versionAcceptable(req: IncomingMessage): StatusError | undefined {
  return routeAccepts(req.headers.accept, ["application/json"]) ? undefined : routeNotAcceptable(["application/json"]);
}
