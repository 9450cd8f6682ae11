import { StatusError } from "@evk/kube";

// Accept-header negotiation as kube-apiserver 1.35 does it, in two steps:
// 1. go-restful's route match (emicklei/go-restful RouterJSR311): some Accept entry, parameters dropped,
//    must be `*/*` or exactly one of the media types the route produces, else a 406 "Available
//    representations" before any handler runs. (CRD handlers and /apis, /apis/<group> are not go-restful.)
// 2. the handler's negotiation (apiserver endpoints/handlers/negotiation): goautoneg's sorted Accept clauses,
//    each tried against the serializers (json, yaml, protobuf) with its parameters (as/g/v transforms,
//    stream, pretty) checked against what the endpoint allows; the first fit wins.

export type Encoding = "json" | "yaml" | "protobuf";

export const MEDIA_TYPES: Record<Encoding, string> = {
  json: "application/json",
  yaml: "application/yaml",
  protobuf: "application/vnd.kubernetes.protobuf",
};

/** The serializers of kube's codec factories, in their order (CBOR's feature gate is off in 1.35). */
export const ALL_ENCODINGS: readonly Encoding[] = ["json", "yaml", "protobuf"];

/** yaml has no stream serializer, so no watch. */
const STREAMS: Record<Encoding, boolean> = { json: true, yaml: false, protobuf: true };

export interface AcceptClause {
  type: string;
  subType: string;
  q: number;
  params: Record<string, string>;
}

/** goautoneg.ParseAccept: the clauses of an Accept header, sorted as Go's sort.Sort sorts them. */
export function parseAccept(header: string): AcceptClause[] {
  const out: AcceptClause[] = [];
  for (const rawPart of header.split(",")) {
    const part = trimSpaces(rawPart);
    if (part === "") continue;
    const semi = part.indexOf(";");
    const media = semi === -1 ? part : part.slice(0, semi);
    const slash = media.indexOf("/");
    const type = trimSpaces(slash === -1 ? media : media.slice(0, slash));
    let subType: string;
    if (slash === -1) {
      if (type !== "*") continue;
      subType = "*";
    } else {
      const rest = media.slice(slash + 1);
      if (rest.includes("/")) continue;
      subType = trimSpaces(rest);
    }
    const clause: AcceptClause = { type, subType, q: 1, params: {} };
    if (semi !== -1) {
      for (const p of part.slice(semi + 1).split(";")) {
        const eq = p.indexOf("=");
        if (eq === -1 || p.indexOf("=", eq + 1) !== -1) continue;
        const key = trimSpaces(p.slice(0, eq));
        const value = p.slice(eq + 1);
        // Go's strconv.ParseFloat; a value it refuses is q=0, which still matches.
        if (key === "q") clause.q = parseGoFloat(value);
        else clause.params[key] = trimSpaces(value);
      }
    }
    out.push(clause);
  }
  // Go's sort.Sort on twelve or fewer elements is an insertion sort; its Less is not a strict order, so the
  // same algorithm gives the same result. Longer headers do not occur in practice.
  const less = (a: AcceptClause, b: AcceptClause) =>
    a.q > b.q || (a.type !== "*" && b.type === "*") || (a.subType !== "*" && b.subType === "*");
  for (let i = 1; i < out.length; i++)
    for (let j = i; j > 0 && less(out[j] as AcceptClause, out[j - 1] as AcceptClause); j--)
      [out[j - 1], out[j]] = [out[j] as AcceptClause, out[j - 1] as AcceptClause];
  return out;
}

/** goautoneg trims spaces only (not tabs). */
function trimSpaces(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) === 0x20) a++;
  while (b > a && s.charCodeAt(b - 1) === 0x20) b--;
  return s.slice(a, b);
}

function parseGoFloat(s: string): number {
  if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$/.test(s)) return 0;
  const n = Number(s);
  return Number.isFinite(n) ? n : 0;
}

export interface Convert {
  group: string;
  version: string;
  kind: string;
}

export interface Negotiated {
  encoding: Encoding;
  /** The transform asked for with as/g/v (Table, PartialObjectMetadata, PartialObjectMetadataList). */
  convert?: Convert;
  pretty: boolean;
  /** Aggregated discovery's `profile` parameter. */
  profile?: string;
}

/** What an endpoint lets a client ask for (kube's EndpointRestrictions). */
export interface Restrictions {
  /** `as`/`g`/`v` given (convert) or not: may this serializer answer? */
  allowsTransform(encoding: Encoding, convert: Convert | undefined): boolean;
  /** The `sv` parameter. */
  allowsServerVersion(version: string): boolean;
}

const isMeta = (c: Convert) => c.group === "meta.k8s.io" && (c.version === "v1" || c.version === "v1beta1");

/** kube's DefaultEndpointRestrictions: no transform (Status errors and the legacy discovery documents). */
export const DEFAULT_RESTRICTIONS: Restrictions = {
  allowsTransform: (_e, convert) => convert === undefined,
  allowsServerVersion: () => false,
};

/** Aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList), in any encoding. */
export const DISCOVERY_RESTRICTIONS: Restrictions = {
  allowsTransform: (_e, c) =>
    c !== undefined && c.group === "apidiscovery.k8s.io" && c.version === "v2" && c.kind === "APIGroupDiscoveryList",
  allowsServerVersion: () => false,
};

/**
 * A resource endpoint (kube's RequestScope): objects in the serializers `standard` allows (custom resources
 * have no protobuf form), Table in JSON or YAML when the resource prints one, PartialObjectMetadata(List) in any.
 */
export function resourceRestrictions(standard: readonly Encoding[], table: boolean): Restrictions {
  return {
    allowsTransform(encoding, c) {
      if (c === undefined) return standard.includes(encoding);
      if (!isMeta(c)) return false;
      if (c.kind === "Table") return table && (encoding === "json" || encoding === "yaml");
      return c.kind === "PartialObjectMetadata" || c.kind === "PartialObjectMetadataList";
    },
    allowsServerVersion: (v) => v === "v1",
  };
}

/**
 * NegotiateMediaTypeOptions: the first Accept clause (in goautoneg's order) a serializer matches and the
 * endpoint allows; undefined when none does. An empty header is the first serializer.
 */
export function negotiate(
  accept: string | undefined,
  restrictions: Restrictions,
  serializers: readonly Encoding[] = ALL_ENCODINGS,
): Negotiated | undefined {
  if (!accept) return serializers[0] ? { encoding: serializers[0], pretty: false } : undefined;
  for (const clause of parseAccept(accept)) {
    for (const encoding of serializers) {
      const [type, subType] = MEDIA_TYPES[encoding].split("/") as [string, string];
      const matches =
        (clause.type === type && (clause.subType === subType || clause.subType === "*")) ||
        (clause.type === "*" && clause.subType === "*");
      if (!matches) continue;
      const options = acceptOptions(clause.params, encoding, restrictions);
      if (options) return options;
    }
  }
  return undefined;
}

function acceptOptions(params: Record<string, string>, encoding: Encoding, r: Restrictions): Negotiated | undefined {
  let convert: Convert | undefined;
  const out: Negotiated = { encoding, pretty: false };
  for (const [k, v] of Object.entries(params)) {
    switch (k) {
      case "as":
        convert = { ...(convert ?? { group: "", version: "", kind: "" }), kind: v };
        break;
      case "g":
        convert = { ...(convert ?? { group: "", version: "", kind: "" }), group: v };
        break;
      case "v":
        convert = { ...(convert ?? { group: "", version: "", kind: "" }), version: v };
        break;
      case "stream":
        if (v !== "" && (!STREAMS[encoding] || v !== "watch")) return undefined;
        break;
      case "sv":
        if (v !== "" && !r.allowsServerVersion(v)) return undefined;
        break;
      case "pretty":
        out.pretty = v === "1";
        break;
      case "profile":
        out.profile = v;
        break;
    }
  }
  if (!r.allowsTransform(encoding, convert)) return undefined;
  if (convert) out.convert = convert;
  return out;
}

/** The media types a serializer list offers, with their watch forms (MediaTypesForSerializer). */
export function mediaTypesOf(serializers: readonly Encoding[] = ALL_ENCODINGS): { media: string[]; streams: string[] } {
  return {
    media: serializers.map((e) => MEDIA_TYPES[e]),
    streams: serializers.filter((e) => STREAMS[e]).map((e) => `${MEDIA_TYPES[e]};stream=watch`),
  };
}

/** kube's NotAcceptable error of a failed negotiation. */
export function notAcceptable(accepted: string[]): StatusError {
  return new StatusError("NotAcceptable", `only the following media types are accepted: ${accepted.join(", ")}`);
}

/** go-restful's check that some Accept entry is `*` `/` `*` or a type the route produces exactly. */
export function routeAccepts(accept: string | undefined, produces: readonly string[]): boolean {
  for (const entry of (accept || "*/*").split(",")) {
    const semi = entry.indexOf(";");
    const media = trimSpaces(semi === -1 ? entry : entry.slice(0, semi));
    if (media === "*/*" || produces.includes(media)) return true;
  }
  return false;
}

/** go-restful's 406, as kube's service error handler turns it into a Status. */
export function routeNotAcceptable(produces: readonly string[]): StatusError {
  return new StatusError(
    "NotAcceptable",
    `406: Not Acceptable\n\nAvailable representations: ${produces.join(", ")}`,
    {},
  );
}

/**
 * The negotiation of a resource request's answer: 406 (go-restful's or the handler's) or what to write.
 * `watch` also requires a stream serializer, as kube's watch handler negotiates again for one.
 */
export function negotiateResource(
  accept: string | undefined,
  opts: {
    /** The serializers objects of this resource may be written in (no protobuf for custom resources). */
    standard: readonly Encoding[];
    table: boolean;
    watch?: boolean;
    /** Produces of the go-restful route (built-in resources); undefined where kube routes without go-restful. */
    produces?: readonly string[];
  },
): Negotiated {
  if (opts.produces && !routeAccepts(accept, opts.produces)) throw routeNotAcceptable(opts.produces);
  const n = negotiate(accept, resourceRestrictions(opts.standard, opts.table));
  const { media, streams } = mediaTypesOf();
  if (!n) throw notAcceptable(media);
  if (opts.watch && !STREAMS[n.encoding]) throw notAcceptable(streams);
  return n;
}

/** go-restful Produces of a resource route: a collection GET also offers the watch forms. */
export function resourceProduces(collectionGet: boolean): string[] {
  const { media, streams } = mediaTypesOf();
  return collectionGet ? [...media, ...streams] : media;
}
