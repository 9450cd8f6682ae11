// Request bodies as kube-apiserver's serializers decode them: which media types a write takes, the errors for
// bodies that do not decode (Go's own JSON errors, the body summary kube appends), and what the body says it
// is (apiVersion and kind) measured against the URL. Pure.
import { errors, goJsonKind, hasDuplicateKeys, type JsonScan, StatusError, scanJson } from "@evk/kube";
import { parseDocument } from "yaml";
import type { PatchType } from "./patch.ts";
import { apiVersionOf, type ResourceType, resourceTypes } from "./resources.ts";

export const PROTOBUF = "application/vnd.kubernetes.protobuf";

/** The media type of a Content-Type header, parameters dropped; kube reads a body without one as JSON. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() || "application/json";
}

/** kube's 415 for an object body in a media type it has no serializer for. */
export function unsupportedBodyType(): StatusError {
  return new StatusError(
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, ${PROTOBUF}`,
  );
}

/** apiserver's summarizeData: the start of a body as it quotes it in decode errors. */
export function summarize(body: Uint8Array, max = 30): string {
  if (body.length === 0) return "<empty>";
  const head = body.subarray(0, max);
  const more = body.length > max ? " ..." : "";
  if (body[0] === 0x7b) return `${Buffer.from(head).toString("utf8")}${more}`;
  return `${Buffer.from(head).toString("hex")}${more}`;
}

/** What strict field validation needs of a decoded JSON body: its repeated keys, and where each key is. */
export type BodyScan = Pick<JsonScan, "duplicates" | "offsets">;
const scans = new WeakMap<object, BodyScan>();
export function scanOf(body: unknown): BodyScan | undefined {
  return typeof body === "object" && body !== null ? scans.get(body) : undefined;
}

/**
 * JSON.parse, with Go's words for a document it refuses. Go's scanner is run only when needed (a refusal,
 * repeated keys, unknown fields to put in document order): it costs ten times what JSON.parse does.
 */
function parseJson(raw: Buffer): { value: unknown; scan: BodyScan } | { error: string } {
  const text = raw.toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: scanJson(raw).error ?? (err as Error).message };
  }
  let full: JsonScan | undefined;
  const scanned = () => {
    full ??= scanJson(raw);
    return full;
  };
  const repeated = hasDuplicateKeys(text);
  return {
    value,
    scan: {
      get duplicates() {
        return repeated ? scanned().duplicates : [];
      },
      get offsets() {
        return scanned().offsets;
      },
    },
  };
}

// Go's struct that apimachinery's json.MetaFactory unmarshals a body into to find its apiVersion and kind.
const TYPE_META_STRUCT =
  'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

/**
 * An object body (create, update) in JSON or YAML, decoded as kube-apiserver decodes it; anything that does
 * not decode to an object is its 400 "the object provided is unrecognized".
 */
export function decodeObjectBody(raw: Buffer, contentType: string | undefined, kind: string): unknown {
  const media = mediaTypeOf(contentType);
  const unrecognized = (why: string) =>
    errors.badRequest(`the object provided is unrecognized (must be of type ${kind}): ${why} (${summarize(raw)})`);
  let value: unknown;
  let scan: BodyScan | undefined;
  if (media === "application/json") {
    const parsed = parseJson(raw);
    if ("error" in parsed) throw unrecognized(`couldn't get version/kind; json parse error: ${parsed.error}`);
    ({ value, scan } = parsed);
  } else if (media === "application/yaml") {
    value = parseYaml(raw.toString("utf8"), unrecognized);
  } else throw unsupportedBodyType();
  // Unmarshalling null into a struct leaves it empty: an empty object, as kube sees it.
  if (value === null) value = {};
  if (typeof value !== "object" || Array.isArray(value))
    throw unrecognized(
      `couldn't get version/kind; json parse error: json: cannot unmarshal ${goJsonKind(value)} into Go value of type ${TYPE_META_STRUCT}`,
    );
  if (scan) scans.set(value as object, scan);
  return value;
}

function parseYaml(text: string, unrecognized: (why: string) => StatusError): unknown {
  // sigs.k8s.io/yaml converts YAML 1.1 to JSON: later duplicate keys win, timestamps stay strings.
  const doc = parseDocument(text, {
    version: "1.1",
    uniqueKeys: false,
    customTags: (tags) => tags.filter((t) => typeof t === "string" || t.tag !== "tag:yaml.org,2002:timestamp"),
  });
  const err = doc.errors[0];
  if (err) {
    // go-yaml words its errors its own way; the line it names is what both agree on.
    const line = err.linePos?.[0]?.line;
    const what = (err.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
    throw unrecognized(`yaml: ${line !== undefined ? `line ${line}: ` : ""}${what}`);
  }
  return doc.toJS();
}

/** A patch body: JSON, with kube's errors for one that does not decode. */
export function decodePatchBody(raw: Buffer, type: PatchType): unknown {
  const parsed = parseJson(raw);
  if (!("error" in parsed)) return parsed.value;
  // The strategic merge patch handler reports the decoder's error bare; the others prefix it.
  throw errors.badRequest(type === "strategic" ? parsed.error : `error decoding patch: ${parsed.error}`);
}

/** Go package names of the internal types kube converts a group's objects to. */
const internalPackage = (group: string) =>
  group === "" || group === "events.k8s.io" ? "core" : (group.split(".")[0] as string);

/**
 * kube's 400 for a body whose apiVersion and kind (defaulted from the URL where missing) are not the URL's
 * type, in the decoder's words: a kind the scheme does not know, one that does not convert, or another version.
 */
export function kindMismatch(
  type: ResourceType,
  body: { apiVersion?: unknown; kind?: unknown },
): StatusError | undefined {
  const kind = typeof body.kind === "string" && body.kind !== "" ? body.kind : type.kind;
  const gv = typeof body.apiVersion === "string" && body.apiVersion !== "" ? body.apiVersion : apiVersionOf(type);
  if (kind === type.kind && gv === apiVersionOf(type)) return undefined;
  const [group, version] = gv.includes("/") ? (gv.split("/", 2) as [string, string]) : ["", gv];
  const handled = `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${type.kind}`;
  const known = resourceTypes.find((t) => t.group === group && t.version === version && t.kind === kind);
  if (!known)
    return errors.badRequest(
      `${handled}: no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(gv)} in scheme "pkg/runtime/scheme.go:111"`,
    );
  if (kind !== type.kind || group !== type.group)
    return errors.badRequest(
      `${handled}: converting (${version}.${kind}) to (${internalPackage(type.group)}.${type.kind}): unknown conversion`,
    );
  return errors.badRequest(
    `the API version in the data (${gv}) does not match the expected API version (${apiVersionOf(type)})`,
  );
}
