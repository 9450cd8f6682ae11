import protobuf from "protobufjs";

// A decoded Kubernetes protobuf message as the JSON Go's encoding/json writes for the same struct: the
// names, omitempty/omitzero, pointers, inlined (embedded) structs and the hand-written JSON forms of the
// apimachinery types (Time, Quantity, IntOrString, …). Pure: the Go facts come in through `GoLookup`.

/** What JSON needs from one Go struct field (its protobuf tag gives the proto field number). */
export interface GoField {
  json: string;
  /** An embedded struct: its fields appear in the parent object (core/v1 Volume's VolumeSource). */
  inline: boolean;
  omitEmpty: boolean;
  omitZero: boolean;
  pointer: boolean;
}

/** A Go struct (its protobuf-tagged fields in declaration order) or a slice type (`type ExtraValue []string`). */
export type GoDecl = { fields: Map<number, GoField>; order: number[] } | { slice: true };

export type GoLookup = (t: protobuf.Type) => GoDecl | undefined;

/** Decodes an embedded `k8s\0` envelope (a RawExtension holding a protobuf object). */
export type EnvelopeDecoder = (raw: Uint8Array) => unknown;

// The apimachinery messages whose JSON is hand-written in Go, by their proto names (both directions use them).
const META = "k8s.io.apimachinery.pkg.apis.meta.v1";
export const TIME = `${META}.Time`;
export const MICRO_TIME = `${META}.MicroTime`;
export const DURATION = `${META}.Duration`;
export const FIELDS_V1 = `${META}.FieldsV1`;
export const RAW_EXTENSION = "k8s.io.apimachinery.pkg.runtime.RawExtension";
export const QUANTITY = "k8s.io.apimachinery.pkg.api.resource.Quantity";
export const QUANTITY_VALUE = "k8s.io.apimachinery.pkg.api.resource.QuantityValue";
export const INT_OR_STRING = "k8s.io.apimachinery.pkg.util.intstr.IntOrString";
/** The apiextensions packages (their JSON message holds raw JSON). */
export const APIEXT = "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions";

/** What a Kubernetes protobuf envelope starts with. */
export const K8S_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Msg = Record<string, unknown>;

const has = (m: Msg, k: string) => Object.hasOwn(m, k);

/** protobufjs gives 64-bit integers as numbers or Long objects depending on its configuration. */
function num(v: unknown): number {
  if (typeof v === "number") return v;
  if (v === undefined || v === null) return 0;
  return protobuf.util.LongBits.from(v as number).toNumber(false);
}

function big(v: unknown): bigint {
  if (typeof v === "number") return BigInt(v);
  if (v === undefined || v === null) return 0n;
  const b = protobuf.util.LongBits.from(v as number);
  return (BigInt(b.hi | 0) << 32n) | BigInt(b.lo >>> 0);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Go's time.Format for RFC 3339 in UTC, with `digits` fractional digits (0 = none). */
export function rfc3339(seconds: number, nanos: number, digits: 0 | 6): string {
  const d = new Date(seconds * 1000);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const frac = digits === 6 ? `.${pad(Math.floor(nanos / 1000), 6)}` : "";
  return `${date}T${time}${frac}Z`;
}

/** Go's time.Duration.String(): "1h0m0s", "1.5s", "300ms", "0s". */
export function goDuration(ns: bigint): string {
  if (ns === 0n) return "0s";
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  const frac = (v: bigint, prec: number) => {
    // v's last `prec` digits are the fraction, printed without trailing zeros.
    const s = v.toString().padStart(prec + 1, "0");
    const whole = s.slice(0, s.length - prec);
    const f = s.slice(s.length - prec).replace(/0+$/, "");
    return f ? `${whole}.${f}` : whole;
  };
  let out: string;
  if (u < 1_000_000_000n) {
    if (u < 1000n) out = `${u}ns`;
    else if (u < 1_000_000n) out = `${frac(u, 3)}µs`;
    else out = `${frac(u, 6)}ms`;
  } else {
    const h = u / 3_600_000_000_000n;
    u -= h * 3_600_000_000_000n;
    const m = u / 60_000_000_000n;
    u -= m * 60_000_000_000n;
    out = `${frac(u, 9)}s`;
    if (h > 0n || m > 0n) out = `${m}m${out}`;
    if (h > 0n) out = `${h}h${out}`;
  }
  return neg ? `-${out}` : out;
}

function rawJson(raw: unknown, decodeEnvelope: EnvelopeDecoder | undefined): unknown {
  const b = raw as Uint8Array | undefined;
  if (!b || b.length === 0) return null;
  if (b.length >= 4 && K8S_MAGIC.every((x, i) => b[i] === x)) {
    if (!decodeEnvelope) throw new Error("an embedded protobuf object cannot be decoded here");
    return decodeEnvelope(b);
  }
  try {
    return JSON.parse(Buffer.from(b).toString("utf8"));
  } catch (err) {
    throw new Error(`an embedded object is not JSON: ${(err as Error).message}`);
  }
}

/** The JSON of the apimachinery types whose Go JSON is hand-written; undefined for an ordinary message. */
function special(t: protobuf.Type, m: Msg, decodeEnvelope?: EnvelopeDecoder): { v: unknown } | undefined {
  switch (t.fullName.slice(1)) {
    case TIME:
    case MICRO_TIME: {
      const s = num(m.seconds);
      const n = num(m.nanos);
      // A zero Go time is written as an empty message and read back as the zero time, which is null in JSON.
      if (s === 0 && n === 0) return { v: null };
      return { v: rfc3339(s, n, t.name === "MicroTime" ? 6 : 0) };
    }
    case DURATION:
      return { v: goDuration(big(m.duration)) };
    case QUANTITY:
    case QUANTITY_VALUE:
      return { v: typeof m.string === "string" && m.string !== "" ? m.string : "0" };
    case INT_OR_STRING:
      return { v: num(m.type) === 1 ? ((m.strVal as string | undefined) ?? "") : num(m.intVal) };
    case RAW_EXTENSION:
      return { v: rawJson(m.raw, decodeEnvelope) };
    case FIELDS_V1:
      // FieldsV1's one field is named `Raw` in the .proto.
      return { v: rawJson(m.Raw, decodeEnvelope) };
    default:
      return undefined;
  }
}

/** apiextensions' JSON and JSONSchemaPropsOr{Array,Bool,StringArray}: one of two JSON shapes (their MarshalJSON). */
function schemaUnion(t: protobuf.Type, m: Msg, goOf: GoLookup, dec?: EnvelopeDecoder): { v: unknown } | undefined {
  if (!t.fullName.startsWith(`.${APIEXT}.`)) return undefined;
  const schema = (v: unknown) => {
    const st = t.fields.schema?.resolve().resolvedType;
    return st instanceof protobuf.Type ? messageToJson(st, v as Msg, goOf, dec) : null;
  };
  const present = (k: string) => m[k] !== undefined && m[k] !== null;
  switch (t.name) {
    case "JSON":
      return { v: rawJson(m.raw, dec) };
    case "JSONSchemaPropsOrBool":
      return { v: present("schema") ? schema(m.schema) : m.allows === true };
    case "JSONSchemaPropsOrArray": {
      const list = (m.jSONSchemas as unknown[] | undefined) ?? [];
      return { v: list.length ? list.map(schema) : present("schema") ? schema(m.schema) : null };
    }
    case "JSONSchemaPropsOrStringArray": {
      const props = (m.property as string[] | undefined) ?? [];
      return { v: props.length ? props : present("schema") ? schema(m.schema) : null };
    }
    default:
      return undefined;
  }
}

const isEmpty = (v: unknown) =>
  v === undefined ||
  v === null ||
  v === "" ||
  v === 0 ||
  v === false ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0);

function scalar(f: protobuf.Field, v: unknown): unknown {
  switch (f.type) {
    case "bytes":
      return Buffer.from(v as Uint8Array).toString("base64");
    case "int64":
    case "uint64":
    case "sint64":
    case "fixed64":
    case "sfixed64":
      return num(v);
    default:
      return v;
  }
}

const zeroScalar = (f: protobuf.Field): unknown =>
  f.type === "string" ? "" : f.type === "bool" ? false : f.type === "bytes" ? null : 0;

/**
 * One decoded message (from protobufjs `Type.decode`) as Go's JSON of it. `goOf` gives the Go struct; a
 * message without one is written field by field as present on the wire.
 */
export function messageToJson(t: protobuf.Type, m: Msg, goOf: GoLookup, decodeEnvelope?: EnvelopeDecoder): unknown {
  const s = special(t, m, decodeEnvelope) ?? schemaUnion(t, m, goOf, decodeEnvelope);
  if (s) return s.v;
  const go = goOf(t);
  if (go && "slice" in go) {
    // `type ExtraValue []string` travels as a message with one repeated `items` field.
    const items = t.fieldsArray[0];
    return items ? fieldValue(items, m[items.name], goOf, decodeEnvelope) : [];
  }
  const out: Msg = {};
  const byNo = new Map(t.fieldsArray.map((f) => [f.id, f]));
  const order = go ? [...go.order, ...[...byNo.keys()].filter((n) => !go.fields.has(n))] : [...byNo.keys()];
  for (const no of order) {
    const f = byNo.get(no);
    if (!f) continue;
    const gf = go?.fields.get(no);
    const present = f.repeated || f.map ? isPresentCollection(m[f.name]) : has(m, f.name);
    const wrapper = f.resolvedType instanceof protobuf.Type && isSliceWrapper(f.resolvedType, goOf);
    let v: unknown;
    if (f.map || f.repeated || f.type === "bytes" || wrapper) {
      // Go slices and maps: absent on the wire is nil, which omitempty drops and JSON otherwise writes as null.
      v = present ? fieldValue(f, m[f.name], goOf, decodeEnvelope) : null;
      if (gf?.omitEmpty && isEmpty(v)) continue;
      if (!gf && !present) continue;
    } else if (f.resolvedType instanceof protobuf.Type) {
      if (gf?.pointer || !gf) {
        if (!present && (!gf || gf.omitEmpty || gf.omitZero)) continue;
        v = present ? fieldValue(f, m[f.name], goOf, decodeEnvelope) : null;
      } else {
        // A Go struct value is always written (omitempty does not apply to structs), unless omitzero and zero.
        v = fieldValue(f, present ? m[f.name] : {}, goOf, decodeEnvelope);
        if (gf.omitZero && isEmpty(v)) continue;
      }
    } else if (gf?.pointer || !gf) {
      if (!present) {
        if (!gf || gf.omitEmpty) continue;
        v = null;
      } else v = scalar(f, m[f.name]);
    } else {
      v = present ? scalar(f, m[f.name]) : zeroScalar(f);
      if ((gf.omitEmpty || gf.omitZero) && isEmpty(v)) continue;
    }
    if (gf?.inline) {
      if (v && typeof v === "object") Object.assign(out, v);
      continue;
    }
    out[gf?.json || f.name] = v;
  }
  return out;
}

const isPresentCollection = (v: unknown) =>
  v !== undefined &&
  v !== null &&
  (Array.isArray(v) ? v.length > 0 : v instanceof Uint8Array ? true : Object.keys(v as object).length > 0);

function isSliceWrapper(t: protobuf.Type, goOf: GoLookup): boolean {
  const go = goOf(t);
  return go !== undefined && "slice" in go;
}

/** A field's value: element-wise for repeated fields, key-sorted (as Go writes maps) for maps. */
function fieldValue(f: protobuf.Field, v: unknown, goOf: GoLookup, dec?: EnvelopeDecoder): unknown {
  const one = (x: unknown) =>
    f.resolvedType instanceof protobuf.Type ? messageToJson(f.resolvedType, x as Msg, goOf, dec) : scalar(f, x);
  if (f.map) {
    const src = (v ?? {}) as Msg;
    const out: Msg = {};
    for (const k of Object.keys(src).sort()) out[k] = one(src[k]);
    return out;
  }
  if (f.repeated) return ((v ?? []) as unknown[]).map(one);
  return one(v);
}
