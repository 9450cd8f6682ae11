// Protobuf encoding of the KV messages on the store's hot path (RangeRequest, TxnRequest and their
// responses), written out by hand: protobufjs's generic encoder and decoder cost several microseconds per
// call in object walks, intermediate buffers and copies, and on a machine where etcd and Node share two
// cores every microsecond of Node CPU is etcd throughput lost. Field numbers follow etcd's rpc.proto and
// kv.proto; the unit tests check every message against protobufjs's encoding of the same definitions.
import type {
  Compare,
  KeyValue,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  TxnResponse,
} from "./client.ts";

type Bytes = Buffer | string;

const EMPTY = Buffer.alloc(0);
const TWO_32 = 4294967296;

const compareTarget = { Version: 0, Create: 1, Mod: 2, Value: 3, Lease: 4 } as const;
const compareResult = { Equal: 0, Greater: 1, Less: 2, NotEqual: 3 } as const;
/** Tags of Compare's varint operands: version = 4, create_revision = 5, mod_revision = 6, lease = 8. */
const operandTag = { Version: 0x20, Create: 0x28, Mod: 0x30, Lease: 0x40 } as const;

// ---- encoding ----

/** Bytes of a varint for an int64 given as a JavaScript number (negative ones take ten, as in protobuf). */
function varintSize(n: number): number {
  if (n < 0) return 10;
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 4;
  for (let v = Math.floor(n / 0x10000000); v > 0; v = Math.floor(v / 0x80)) size++;
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  if (n >= 0 && n < 0x80000000) {
    while (n > 0x7f) {
      buf[pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[pos++] = n;
    return pos;
  }
  if (n < 0) {
    // Two's complement over 64 bits, as protobuf sends a negative int64.
    let v = BigInt.asUintN(64, BigInt(Math.trunc(n)));
    while (v > 0x7fn) {
      buf[pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    buf[pos++] = Number(v);
    return pos;
  }
  while (n > 0x7f) {
    buf[pos++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[pos++] = n;
  return pos;
}

// Encoding is two passes over the message: sizes first (a nested message's length prefix comes before
// it), then the bytes. The sizing pass records, in the order the writing pass meets them, each nested
// message's size and each bytes field's length, so neither pass measures a string twice: a 1 KiB value's
// UTF-8 length is a scan of its own, paid once.
const sizes: number[] = [];
let sizesTop = 0;
let sizesNext = 0;

function sizeBytesField(v: Bytes): number {
  const len = typeof v === "string" ? Buffer.byteLength(v, "utf8") : v.length;
  sizes[sizesTop++] = len;
  return 1 + varintSize(len) + len;
}

function writeBytesField(buf: Buffer, pos: number, tag: number, v: Bytes): number {
  const len = sizes[sizesNext++] as number;
  buf[pos++] = tag;
  pos = writeVarint(buf, pos, len);
  if (typeof v === "string") buf.write(v, pos, len, "utf8");
  else buf.set(v, pos);
  return pos + len;
}

/** Reserves the size slot of a nested message; `endNested` fills it. */
function beginNested(): number {
  return sizesTop++;
}

/** The nested message's field size (tag, length, body), its body size recorded for the writing pass. */
function endNested(slot: number, bodySize: number): number {
  sizes[slot] = bodySize;
  return 1 + varintSize(bodySize) + bodySize;
}

function writeNestedHeader(buf: Buffer, pos: number, tag: number): number {
  buf[pos++] = tag;
  return writeVarint(buf, pos, sizes[sizesNext++] as number);
}

/** An int64 field that proto3 leaves out when it is zero. */
const intFieldSize = (n: number | undefined) => (n ? 1 + varintSize(n) : 0);

function writeIntField(buf: Buffer, pos: number, tag: number, n: number | undefined): number {
  if (!n) return pos;
  buf[pos++] = tag;
  return writeVarint(buf, pos, n);
}

function writeBoolField(buf: Buffer, pos: number, tag: number, b: boolean | undefined): number {
  if (!b) return pos;
  buf[pos++] = tag;
  buf[pos++] = 1;
  return pos;
}

// Empty bytes fields are left out, as proto3 does; etcd reads a missing key as an empty one.
const nonEmpty = (v: Bytes | undefined): v is Bytes => v !== undefined && v.length > 0;

function sizeRange(r: RangeRequest): number {
  return (
    (nonEmpty(r.key) ? sizeBytesField(r.key) : 0) +
    (nonEmpty(r.range_end) ? sizeBytesField(r.range_end) : 0) +
    intFieldSize(r.limit) +
    intFieldSize(r.revision) +
    (r.serializable ? 2 : 0) +
    (r.keys_only ? 2 : 0) +
    (r.count_only ? 2 : 0)
  );
}

function writeRange(buf: Buffer, pos: number, r: RangeRequest): number {
  if (nonEmpty(r.key)) pos = writeBytesField(buf, pos, 0x0a, r.key);
  if (nonEmpty(r.range_end)) pos = writeBytesField(buf, pos, 0x12, r.range_end);
  pos = writeIntField(buf, pos, 0x18, r.limit);
  pos = writeIntField(buf, pos, 0x20, r.revision);
  pos = writeBoolField(buf, pos, 0x38, r.serializable);
  pos = writeBoolField(buf, pos, 0x40, r.keys_only);
  return writeBoolField(buf, pos, 0x48, r.count_only);
}

type PutOp = Extract<RequestOp, { request_put: unknown }>["request_put"];
type DeleteOp = Extract<RequestOp, { request_delete_range: unknown }>["request_delete_range"];

function sizePut(p: PutOp): number {
  return (
    (nonEmpty(p.key) ? sizeBytesField(p.key) : 0) +
    (nonEmpty(p.value) ? sizeBytesField(p.value) : 0) +
    intFieldSize(p.lease) +
    (p.prev_kv ? 2 : 0)
  );
}

function writePut(buf: Buffer, pos: number, p: PutOp): number {
  if (nonEmpty(p.key)) pos = writeBytesField(buf, pos, 0x0a, p.key);
  if (nonEmpty(p.value)) pos = writeBytesField(buf, pos, 0x12, p.value);
  pos = writeIntField(buf, pos, 0x18, p.lease);
  return writeBoolField(buf, pos, 0x20, p.prev_kv);
}

function sizeDelete(d: DeleteOp): number {
  return (
    (nonEmpty(d.key) ? sizeBytesField(d.key) : 0) +
    (nonEmpty(d.range_end) ? sizeBytesField(d.range_end) : 0) +
    (d.prev_kv ? 2 : 0)
  );
}

function writeDelete(buf: Buffer, pos: number, d: DeleteOp): number {
  if (nonEmpty(d.key)) pos = writeBytesField(buf, pos, 0x0a, d.key);
  if (nonEmpty(d.range_end)) pos = writeBytesField(buf, pos, 0x12, d.range_end);
  return writeBoolField(buf, pos, 0x18, d.prev_kv);
}

/** A RequestOp field of TxnRequest: the RequestOp, and in it its one oneof member, a nested message. */
function sizeOp(op: RequestOp): number {
  const outer = beginNested();
  const inner = beginNested();
  let body: number;
  if ("request_put" in op) body = sizePut(op.request_put);
  else if ("request_range" in op) body = sizeRange(op.request_range);
  else body = sizeDelete(op.request_delete_range);
  return endNested(outer, endNested(inner, body));
}

function writeOp(buf: Buffer, pos: number, tag: number, op: RequestOp): number {
  pos = writeNestedHeader(buf, pos, tag);
  if ("request_put" in op) return writePut(buf, writeNestedHeader(buf, pos, 0x12), op.request_put);
  if ("request_range" in op) return writeRange(buf, writeNestedHeader(buf, pos, 0x0a), op.request_range);
  return writeDelete(buf, writeNestedHeader(buf, pos, 0x1a), op.request_delete_range);
}

/**
 * The target_union member that goes with the target. It is a oneof, so it is sent even when zero
 * ("create_revision == 0" is how a create says "absent").
 */
function compareOperand(c: Compare): number | Bytes {
  switch (c.target) {
    case "Version":
      return c.version ?? 0;
    case "Create":
      return c.create_revision ?? 0;
    case "Mod":
      return c.mod_revision ?? 0;
    case "Lease":
      return c.lease ?? 0;
    default:
      return c.value ?? EMPTY;
  }
}

function sizeCompare(c: Compare): number {
  const slot = beginNested();
  const operand = compareOperand(c);
  const body =
    (compareResult[c.result] ? 2 : 0) +
    (compareTarget[c.target] ? 2 : 0) +
    (nonEmpty(c.key) ? sizeBytesField(c.key) : 0) +
    (typeof operand === "number" ? 1 + varintSize(operand) : sizeBytesField(operand));
  return endNested(slot, body);
}

function writeCompare(buf: Buffer, pos: number, c: Compare): number {
  pos = writeNestedHeader(buf, pos, 0x0a);
  const result = compareResult[c.result];
  const target = compareTarget[c.target];
  if (result) {
    buf[pos++] = 0x08;
    buf[pos++] = result;
  }
  if (target) {
    buf[pos++] = 0x10;
    buf[pos++] = target;
  }
  if (nonEmpty(c.key)) pos = writeBytesField(buf, pos, 0x1a, c.key);
  const operand = compareOperand(c);
  // Fields 4, 5, 6 and 8 are varints (wire type 0); 7, the value, is length-delimited.
  if (typeof operand !== "number") return writeBytesField(buf, pos, 0x3a, operand);
  buf[pos++] = operandTag[c.target as keyof typeof operandTag];
  return writeVarint(buf, pos, operand);
}

function startEncoding(): void {
  sizesTop = 0;
  sizesNext = 0;
}

function endEncoding(buf: Buffer, written: number): Buffer {
  if (written !== buf.length || sizesNext !== sizesTop) {
    throw new Error(`protobuf encoder out of step: wrote ${written} of ${buf.length} bytes`);
  }
  return buf;
}

export function encodeRangeRequest(r: RangeRequest): Buffer {
  startEncoding();
  const buf = Buffer.allocUnsafe(sizeRange(r));
  return endEncoding(buf, writeRange(buf, 0, r));
}

export function encodeTxnRequest(compare: Compare[], success: RequestOp[], failure: RequestOp[]): Buffer {
  startEncoding();
  let size = 0;
  for (const c of compare) size += sizeCompare(c);
  for (const op of success) size += sizeOp(op);
  for (const op of failure) size += sizeOp(op);
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const c of compare) pos = writeCompare(buf, pos, c);
  for (const op of success) pos = writeOp(buf, pos, 0x12, op);
  for (const op of failure) pos = writeOp(buf, pos, 0x1a, op);
  return endEncoding(buf, pos);
}

// ---- decoding ----

export class ProtoError extends Error {}

/** A cursor over one message; `end` bounds nested messages. */
class Reader {
  pos = 0;
  end: number;
  readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
    this.end = buf.length;
  }

  /**
   * A varint as a JavaScript number, with protobufjs's reading of int64 when longs are numbers: values
   * above 2^53 lose precision and a set top bit reads as negative.
   */
  varint(): number {
    const b = this.buf;
    let byte = b[this.pos++] as number;
    if (byte < 0x80 && this.pos <= this.end) return byte;
    let lo = byte & 0x7f;
    let shift = 7;
    // The low 28 bits come from the first four bytes.
    for (; shift < 28; shift += 7) {
      if (this.pos >= this.end) throw new ProtoError("truncated varint");
      byte = b[this.pos++] as number;
      lo |= (byte & 0x7f) << shift;
      if (byte < 0x80) return lo;
    }
    if (this.pos >= this.end) throw new ProtoError("truncated varint");
    byte = b[this.pos++] as number;
    lo = (lo | ((byte & 0x0f) << 28)) >>> 0;
    let hi = (byte & 0x7f) >> 4;
    for (shift = 3; byte >= 0x80; shift += 7) {
      if (shift > 31 || this.pos >= this.end) throw new ProtoError("malformed varint");
      byte = b[this.pos++] as number;
      hi = (hi | ((byte & 0x7f) << shift)) >>> 0;
    }
    if (hi >>> 31) {
      // Negative int64: minus the two's complement.
      lo = (~lo + 1) >>> 0;
      hi = ~hi >>> 0;
      if (lo === 0) hi = (hi + 1) >>> 0;
      return -(lo + hi * TWO_32);
    }
    return lo + hi * TWO_32;
  }

  bytes(): Buffer {
    const len = this.varint();
    const start = this.pos;
    this.pos += len;
    if (len < 0 || this.pos > this.end) throw new ProtoError("truncated bytes field");
    return this.buf.subarray(start, this.pos);
  }

  /** Enters a nested message; returns the end to restore with `leave`. */
  enter(): number {
    const len = this.varint();
    const outer = this.end;
    const end = this.pos + len;
    if (len < 0 || end > outer) throw new ProtoError("truncated message");
    this.end = end;
    return outer;
  }

  leave(outer: number): void {
    this.pos = this.end;
    this.end = outer;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        break;
      case 1:
        this.pos += 8;
        break;
      case 2: {
        const len = this.varint();
        this.pos += len;
        break;
      }
      case 5:
        this.pos += 4;
        break;
      default:
        throw new ProtoError(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new ProtoError("truncated field");
  }
}

function readHeader(r: Reader): ResponseHeader {
  const outer = r.enter();
  let revision = 0;
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 0x18) revision = r.varint();
    else r.skip(tag & 7);
  }
  r.leave(outer);
  return { revision };
}

function readKeyValue(r: Reader): KeyValue {
  const outer = r.enter();
  const kv: KeyValue = { key: EMPTY, create_revision: 0, mod_revision: 0, version: 0, value: EMPTY, lease: 0 };
  while (r.pos < r.end) {
    const tag = r.varint();
    switch (tag) {
      case 0x0a:
        kv.key = r.bytes();
        break;
      case 0x10:
        kv.create_revision = r.varint();
        break;
      case 0x18:
        kv.mod_revision = r.varint();
        break;
      case 0x20:
        kv.version = r.varint();
        break;
      case 0x2a:
        kv.value = r.bytes();
        break;
      case 0x30:
        kv.lease = r.varint();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.leave(outer);
  return kv;
}

function readRangeResponse(r: Reader): RangeResponse {
  const res: RangeResponse = { header: { revision: 0 }, kvs: [], more: false, count: 0 };
  while (r.pos < r.end) {
    const tag = r.varint();
    switch (tag) {
      case 0x0a:
        res.header = readHeader(r);
        break;
      case 0x12:
        res.kvs.push(readKeyValue(r));
        break;
      case 0x18:
        res.more = r.varint() !== 0;
        break;
      case 0x20:
        res.count = r.varint();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return res;
}

function readPutResponse(r: Reader): NonNullable<ResponseOp["response_put"]> {
  const res: NonNullable<ResponseOp["response_put"]> = { header: { revision: 0 } };
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 0x0a) res.header = readHeader(r);
    else if (tag === 0x12) res.prev_kv = readKeyValue(r);
    else r.skip(tag & 7);
  }
  return res;
}

function readDeleteResponse(r: Reader): NonNullable<ResponseOp["response_delete_range"]> {
  const res: NonNullable<ResponseOp["response_delete_range"]> = { header: { revision: 0 }, deleted: 0, prev_kvs: [] };
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 0x0a) res.header = readHeader(r);
    else if (tag === 0x10) res.deleted = r.varint();
    else if (tag === 0x1a) res.prev_kvs.push(readKeyValue(r));
    else r.skip(tag & 7);
  }
  return res;
}

function readResponseOp(r: Reader): ResponseOp {
  const outer = r.enter();
  const op: ResponseOp = {};
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 0x0a || tag === 0x12 || tag === 0x1a) {
      const inner = r.enter();
      if (tag === 0x0a) op.response_range = readRangeResponse(r);
      else if (tag === 0x12) op.response_put = readPutResponse(r);
      else op.response_delete_range = readDeleteResponse(r);
      r.leave(inner);
    } else {
      r.skip(tag & 7);
    }
  }
  r.leave(outer);
  return op;
}

export function decodeRangeResponse(buf: Buffer): RangeResponse {
  return readRangeResponse(new Reader(buf));
}

export function decodeTxnResponse(buf: Buffer): TxnResponse {
  const r = new Reader(buf);
  const res: TxnResponse = { header: { revision: 0 }, succeeded: false, responses: [] };
  while (r.pos < r.end) {
    const tag = r.varint();
    switch (tag) {
      case 0x0a:
        res.header = readHeader(r);
        break;
      case 0x10:
        res.succeeded = r.varint() !== 0;
        break;
      case 0x1a:
        res.responses.push(readResponseOp(r));
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return res;
}
