import protobuf from "protobufjs";
import {
  APIEXT,
  DURATION,
  FIELDS_V1,
  type GoDecl,
  type GoField,
  type GoLookup,
  INT_OR_STRING,
  K8S_MAGIC,
  MICRO_TIME,
  QUANTITY,
  QUANTITY_VALUE,
  RAW_EXTENSION,
  TIME,
} from "./protobuf-json.ts";

// Objects as JSON (what evk stores and serves) to the protobuf bytes kube-apiserver writes for the same Go
// object: the inverse of protobuf-json.ts, from the same .proto files and Go struct facts. What gogo-protobuf
// (Kubernetes' generated marshallers) writes is decided by the Go type, not by the .proto: a non-pointer
// scalar or struct is always written, zero or not; a pointer, a []byte and a Go slice wrapper only when
// non-nil (JSON present and not null); repeated fields element by element, unpacked; maps by sorted key;
// every message in field-number order. Each message type is compiled once into a list of field writers.

/** A growable output buffer with protobuf's primitive encodings. */
export class ProtoWriter {
  buf: Buffer;
  pos = 0;

  constructor(size = 4096) {
    this.buf = Buffer.allocUnsafe(size);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n + 1024));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Bytes written as given (a precomputed tag). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    for (let i = 0; i < bytes.length; i++) this.buf[this.pos++] = bytes[i] as number;
  }

  /** An unsigned varint of a non-negative integer below 2^53. */
  uvarint(v: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    if (v < 0x80) buf[pos++] = v;
    else if (v <= 0xffffffff) {
      while (v > 0x7f) {
        buf[pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[pos++] = v;
    } else {
      while (v > 0x7f) {
        buf[pos++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      buf[pos++] = v;
    }
    this.pos = pos;
  }

  /** An int32/int64 field's varint: negative values are sign-extended to ten bytes, as Go's uint64(v). */
  int(v: number): void {
    if (v >= 0 || !Number.isFinite(v)) {
      this.uvarint(Number.isSafeInteger(v) ? v : v > 0 && Number.isFinite(v) ? Math.trunc(v) : 0);
      return;
    }
    let u = BigInt.asUintN(64, BigInt(Math.trunc(v)));
    this.ensure(10);
    while (u > 0x7fn) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** A length-delimited UTF-8 string. */
  string(s: string): void {
    const n = s.length;
    if (n < 0x2a) {
      // At most 3 bytes per UTF-16 unit: the length fits one byte. ASCII is copied here, the rest by Node.
      this.ensure(n * 3 + 1);
      const buf = this.buf;
      const start = this.pos;
      let pos = start + 1;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          pos = start + 1 + buf.write(s, start + 1, "utf8");
          break;
        }
        buf[pos++] = c;
      }
      buf[start] = pos - start - 1;
      this.pos = pos;
      return;
    }
    const len = Buffer.byteLength(s, "utf8");
    this.uvarint(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, len, "utf8");
  }

  /** A length-delimited bytes field given as base64 (Go's JSON for []byte). */
  base64(s: string): void {
    const len = Buffer.byteLength(s, "base64");
    this.uvarint(len);
    this.ensure(len);
    // Node stops at the first character that is not base64; what it decoded is what goes out.
    const n = this.buf.write(s, this.pos, len, "base64");
    if (n !== len) {
      this.pos -= varintSize(len);
      const bytes = Buffer.from(s, "base64");
      this.uvarint(bytes.length);
      this.raw(bytes);
      return;
    }
    this.pos += n;
  }

  /** Starts a length-delimited value; `end(mark)` writes its length in front of it. */
  fork(): number {
    this.byte(0);
    return this.pos;
  }

  end(mark: number): void {
    const len = this.pos - mark;
    if (len < 0x80) {
      this.buf[mark - 1] = len;
      return;
    }
    // One byte was kept for the length; a longer varint moves the value up.
    const extra = varintSize(len) - 1;
    this.ensure(extra);
    this.buf.copyWithin(mark + extra, mark, this.pos);
    this.pos += extra;
    let pos = mark - 1;
    let v = len;
    while (v > 0x7f) {
      this.buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[pos] = v;
  }
}

export function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

const tagOf = (id: number, wire: number) => (id << 3) | wire;

type Json = Record<string, unknown>;
/** Writes a message's fields for a JSON value (its own object, or the parent's for an inlined struct). */
type BodyWriter = (w: ProtoWriter, v: unknown) => void;
type FieldWriter = (w: ProtoWriter, o: Json) => void;

const EMPTY: Json = Object.freeze({}) as Json;

const asObject = (v: unknown): Json => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : EMPTY);

const toStr = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));

const toNum = (v: unknown): number => (typeof v === "number" ? v : typeof v === "string" ? Number(v) || 0 : 0);

/** Go's zero time (0001-01-01T00:00:00Z) in Unix seconds: written as an empty message. */
const ZERO_TIME = -62135596800;

/** RFC 3339 text (Go's metav1.Time JSON) as Unix seconds and nanoseconds; undefined for null or unreadable text. */
export function parseTime(v: unknown): { seconds: number; nanos: number } | undefined {
  if (typeof v !== "string" || v === "") return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) return undefined;
  const seconds = Math.floor(ms / 1000);
  let nanos = 0;
  const dot = v.indexOf(".", 19);
  if (dot === 19) {
    let digits = "";
    for (let i = dot + 1; i < v.length && digits.length < 9; i++) {
      const c = v.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      digits += v[i];
    }
    nanos = Number(digits.padEnd(9, "0"));
  }
  return { seconds, nanos };
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration ("1h30m", "1.5s", "300ms", "0") in nanoseconds; undefined for unreadable text. */
export function parseGoDuration(s: string): number | undefined {
  let rest = s;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") return undefined;
  let total = 0;
  const re = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== "") {
    const m = re.exec(rest);
    if (!m || (m[1] === "" && (m[2] ?? "") === "")) return undefined;
    const unit = DURATION_UNITS[m[3] as string] as number;
    const frac = m[2] ?? "";
    total += Number(m[1] || "0") * unit + (frac ? Math.floor((Number(frac) / 10 ** frac.length) * unit) : 0);
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

/** Compiles and caches the writers of message types (per protobufjs Type, so per loaded .proto root). */
export class MessageEncoders {
  private readonly goOf: GoLookup;
  private readonly bodies = new Map<protobuf.Type, BodyWriter>();

  constructor(goOf: GoLookup) {
    this.goOf = goOf;
  }

  /** The writer of `t`'s fields for a JSON object. */
  body(t: protobuf.Type): BodyWriter {
    let b = this.bodies.get(t);
    if (b) return b;
    // Recursive types (JSONSchemaProps) find their own entry while their fields compile.
    let compiled: BodyWriter | undefined;
    b = (w, v) => (compiled as BodyWriter)(w, v);
    this.bodies.set(t, b);
    compiled = this.compile(t);
    this.bodies.set(t, compiled);
    return compiled;
  }

  /** `t`'s bytes for a JSON object, without envelope. */
  encode(t: protobuf.Type, v: unknown): Buffer {
    const w = new ProtoWriter();
    this.body(t)(w, v);
    return w.buf.subarray(0, w.pos);
  }

  private compile(t: protobuf.Type): BodyWriter {
    const special = this.special(t);
    if (special) return special;
    const go = this.goOf(t);
    if (go && "slice" in go) {
      // `type ExtraValue []string`: a message whose one repeated field holds the JSON array.
      const items = t.fieldsArray[0];
      if (!items) return () => {};
      const write = this.field(items, {
        json: "items",
        inline: false,
        omitEmpty: false,
        omitZero: false,
        pointer: true,
      });
      return (w, v) => write(w, Array.isArray(v) ? { items: v } : EMPTY);
    }
    const fields = [...t.fieldsArray].sort((a, b) => a.id - b.id);
    const writers = fields.map((f) => this.field(f, go?.fields.get(f.id)));
    const n = writers.length;
    return (w, v) => {
      const o = asObject(v);
      for (let i = 0; i < n; i++) (writers[i] as FieldWriter)(w, o);
    };
  }

  /** The writer of one field; without Go facts the field is written only when present, like a pointer. */
  private field(f: protobuf.Field, gf: GoField | undefined): FieldWriter {
    f.resolve();
    const key = gf?.json || f.name;
    const pointer = gf ? gf.pointer : true;
    const msg = f.resolvedType instanceof protobuf.Type ? f.resolvedType : undefined;
    if (f.map) return this.mapField(f as unknown as protobuf.MapField, key, msg);
    if (msg) {
      const tag = tagOf(f.id, 2);
      const body = this.body(msg);
      if (f.repeated)
        return (w, o) => {
          const arr = o[key];
          if (!Array.isArray(arr)) return;
          for (let i = 0; i < arr.length; i++) {
            w.uvarint(tag);
            const m = w.fork();
            body(w, arr[i]);
            w.end(m);
            // A long list (a list's items) is about as long as its first element times its length: one
            // allocation for the rest instead of doubling the buffer again and again.
            if (i === 0 && arr.length > 16) w.ensure(Math.ceil((w.pos - m + 8) * (arr.length - 1) * 1.25));
          }
        };
      if (gf?.inline) {
        // An embedded Go struct (Volume's VolumeSource): its JSON fields sit in the parent's object.
        return (w, o) => {
          w.uvarint(tag);
          const m = w.fork();
          body(w, o);
          w.end(m);
        };
      }
      // Go slice wrappers (Verbs, ExtraValue) are nil unless present, whatever the field's pointer-ness.
      const nilable = pointer || this.isSlice(msg);
      return (w, o) => {
        const v = o[key];
        if (nilable && (v === undefined || v === null)) return;
        w.uvarint(tag);
        const m = w.fork();
        body(w, v);
        w.end(m);
      };
    }
    const scalar = scalarWriter(f.type);
    const tag = tagOf(f.id, scalar.wire);
    const write = scalar.write;
    if (f.repeated)
      return (w, o) => {
        const arr = o[key];
        if (!Array.isArray(arr)) return;
        for (let i = 0; i < arr.length; i++) {
          w.uvarint(tag);
          write(w, arr[i]);
        }
      };
    // []byte is nil when absent or null, and written (even empty) otherwise.
    if (pointer || f.type === "bytes")
      return (w, o) => {
        const v = o[key];
        if (v === undefined || v === null) return;
        w.uvarint(tag);
        write(w, v);
      };
    return (w, o) => {
      w.uvarint(tag);
      write(w, o[key]);
    };
  }

  private mapField(f: protobuf.MapField, key: string, msg: protobuf.Type | undefined): FieldWriter {
    const tag = tagOf(f.id, 2);
    const keyWriter = scalarWriter(f.keyType);
    const keyTag = tagOf(1, keyWriter.wire);
    let value: (w: ProtoWriter, v: unknown) => void;
    if (msg) {
      const body = this.body(msg);
      const vtag = tagOf(2, 2);
      value = (w, v) => {
        w.uvarint(vtag);
        const m = w.fork();
        body(w, v);
        w.end(m);
      };
    } else {
      const s = scalarWriter(f.type);
      const vtag = tagOf(2, s.wire);
      const nilable = f.type === "bytes";
      value = (w, v) => {
        if (nilable && (v === undefined || v === null)) return;
        w.uvarint(vtag);
        s.write(w, v);
      };
    }
    const numericKeys = f.keyType !== "string";
    return (w, o) => {
      const m = o[key];
      if (m === null || typeof m !== "object") return;
      const keys = Object.keys(m);
      if (keys.length === 0) return;
      if (keys.length > 1) keys.sort(numericKeys ? (a, b) => Number(a) - Number(b) : undefined);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as string;
        w.uvarint(tag);
        const mark = w.fork();
        w.uvarint(keyTag);
        keyWriter.write(w, numericKeys ? Number(k) : k);
        value(w, (m as Json)[k]);
        w.end(mark);
      }
    };
  }

  private isSlice(t: protobuf.Type): boolean {
    const go: GoDecl | undefined = this.goOf(t);
    return go !== undefined && "slice" in go;
  }

  /** The apimachinery and apiextensions types whose Go JSON is hand-written, from their JSON forms. */
  private special(t: protobuf.Type): BodyWriter | undefined {
    const name = t.fullName.slice(1);
    switch (name) {
      case TIME:
        return (w, v) => {
          const p = parseTime(v);
          // A zero time marshals to nothing; kube keeps no sub-second part in a Time.
          if (!p || p.seconds === ZERO_TIME) return;
          w.byte(0x08);
          w.int(p.seconds);
          w.byte(0x10);
          w.byte(0);
        };
      case MICRO_TIME:
        return (w, v) => {
          const p = parseTime(v);
          if (!p || (p.seconds === ZERO_TIME && p.nanos === 0)) return;
          w.byte(0x08);
          w.int(p.seconds);
          w.byte(0x10);
          w.int(Math.floor(p.nanos / 1000) * 1000);
        };
      case DURATION:
        return (w, v) => {
          w.byte(0x08);
          w.int(typeof v === "string" ? (parseGoDuration(v) ?? 0) : toNum(v));
        };
      case QUANTITY:
      case QUANTITY_VALUE:
        return (w, v) => {
          w.byte(0x0a);
          w.string(v === undefined || v === null || v === "" ? "0" : toStr(v));
        };
      case INT_OR_STRING:
        return (w, v) => {
          const isString = typeof v === "string";
          w.byte(0x08);
          w.byte(isString ? 1 : 0);
          w.byte(0x10);
          w.int(isString ? 0 : toNum(v));
          w.byte(0x1a);
          w.string(isString ? v : "");
        };
      case RAW_EXTENSION:
      case FIELDS_V1:
      case `${APIEXT}.v1.JSON`:
      case `${APIEXT}.v1beta1.JSON`:
        return (w, v) => {
          if (v === undefined || v === null) return;
          w.byte(0x0a);
          w.string(JSON.stringify(v));
        };
    }
    if (!name.startsWith(APIEXT)) return undefined;
    const schemaOf = () => {
      const s = t.fields.schema?.resolve().resolvedType;
      return s instanceof protobuf.Type ? this.body(s) : () => {};
    };
    switch (t.name) {
      case "JSONSchemaPropsOrArray":
        // An object is one schema (field 1), an array a schema per item (field 2).
        return (w, v) => {
          const schema = schemaOf();
          if (Array.isArray(v)) {
            for (const item of v) {
              w.byte(0x12);
              const m = w.fork();
              schema(w, item);
              w.end(m);
            }
          } else if (v !== null && typeof v === "object") {
            w.byte(0x0a);
            const m = w.fork();
            schema(w, v);
            w.end(m);
          }
        };
      case "JSONSchemaPropsOrBool":
        // true/false is `allows`; an object is a schema that allows.
        return (w, v) => {
          w.byte(0x08);
          w.byte(typeof v === "boolean" ? Number(v) : v !== null && typeof v === "object" ? 1 : 0);
          if (v !== null && typeof v === "object") {
            w.byte(0x12);
            const m = w.fork();
            schemaOf()(w, v);
            w.end(m);
          }
        };
      case "JSONSchemaPropsOrStringArray":
        // An object is a schema (field 1), an array property names (field 2).
        return (w, v) => {
          if (Array.isArray(v)) {
            for (const s of v) {
              w.byte(0x12);
              w.string(toStr(s));
            }
          } else if (v !== null && typeof v === "object") {
            w.byte(0x0a);
            const m = w.fork();
            schemaOf()(w, v);
            w.end(m);
          }
        };
      default:
        return undefined;
    }
  }
}

interface Scalar {
  wire: number;
  write: (w: ProtoWriter, v: unknown) => void;
}

function scalarWriter(type: string): Scalar {
  switch (type) {
    case "string":
      return { wire: 2, write: (w, v) => w.string(toStr(v)) };
    case "bytes":
      return {
        wire: 2,
        write: (w, v) => {
          if (typeof v === "string") w.base64(v);
          else w.byte(0);
        },
      };
    case "bool":
      return { wire: 0, write: (w, v) => w.byte(v === true ? 1 : 0) };
    case "double":
      return { wire: 1, write: (w, v) => w.double(toNum(v)) };
    case "float":
      return {
        wire: 5,
        write: (w, v) => {
          w.ensure(4);
          w.buf.writeFloatLE(toNum(v), w.pos);
          w.pos += 4;
        },
      };
    case "sint32":
    case "sint64":
      return {
        wire: 0,
        write: (w, v) => {
          const n = Math.trunc(toNum(v));
          w.uvarint(n >= 0 ? n * 2 : -n * 2 - 1);
        },
      };
    default:
      // int32, int64, uint32, uint64: Kubernetes' protos use no fixed-width integers.
      return { wire: 0, write: (w, v) => w.int(toNum(v)) };
  }
}

/**
 * `k8s\0` and runtime.Unknown{typeMeta{apiVersion, kind}, raw, contentEncoding "", contentType ""} around the
 * message `body` writes, which is written first and the header put in front of it (no copy of the body).
 */
export function encodeEnvelope(
  apiVersion: string,
  kind: string,
  body: (w: ProtoWriter) => void,
  w = new ProtoWriter(),
): Buffer {
  const av = Buffer.from(apiVersion, "utf8");
  const k = Buffer.from(kind, "utf8");
  const typeMeta = 1 + varintSize(av.length) + av.length + 1 + varintSize(k.length) + k.length;
  // magic, typeMeta's tag, length and bytes, raw's tag and at most 5 bytes of length.
  const head = 4 + 1 + varintSize(typeMeta) + typeMeta + 1 + 5;
  w.ensure(head);
  w.pos += head;
  const start = w.pos;
  body(w);
  const len = w.pos - start;
  w.ensure(4);
  const buf = w.buf;
  buf[w.pos++] = 0x1a;
  buf[w.pos++] = 0;
  buf[w.pos++] = 0x22;
  buf[w.pos++] = 0;
  const from = start - (4 + 1 + varintSize(typeMeta) + typeMeta + 1 + varintSize(len));
  let p = from;
  K8S_MAGIC.copy(buf, p);
  p += 4;
  const put = (v: number) => {
    while (v > 0x7f) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p++] = v;
  };
  buf[p++] = 0x0a;
  put(typeMeta);
  buf[p++] = 0x0a;
  put(av.length);
  av.copy(buf, p);
  p += av.length;
  buf[p++] = 0x12;
  put(k.length);
  k.copy(buf, p);
  p += k.length;
  buf[p++] = 0x12;
  put(len);
  return buf.subarray(from, w.pos);
}

/**
 * One frame of a protobuf watch (`;stream=watch`): a 4-byte big-endian length, then metav1.WatchEvent
 * {type, object: RawExtension{raw: the object's envelope}}.
 */
export function watchFrame(type: string, envelope: Uint8Array): Buffer {
  const t = Buffer.from(type, "utf8");
  const rawExt = 1 + varintSize(envelope.length) + envelope.length;
  const event = 1 + varintSize(t.length) + t.length + 1 + varintSize(rawExt) + rawExt;
  const w = new ProtoWriter(4 + event);
  w.buf.writeUInt32BE(event, 0);
  w.pos = 4;
  w.byte(0x0a);
  w.uvarint(t.length);
  w.raw(t);
  w.byte(0x12);
  w.uvarint(rawExt);
  w.byte(0x0a);
  w.uvarint(envelope.length);
  w.ensure(envelope.length);
  w.buf.set(envelope, w.pos);
  w.pos += envelope.length;
  return w.buf.subarray(0, w.pos);
}
