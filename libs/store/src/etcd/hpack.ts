// HPACK (RFC 7541) for the unary gRPC client in h2-unary.ts: a full decoder, since etcd's Go server
// indexes and Huffman-codes its response headers, and an encoder that only needs to send a handful of
// fixed request headers, which it indexes once so that every later request names them in one byte each.

/** RFC 7541 Appendix A. Index 1 is the first entry. */
const STATIC: readonly (readonly [string, string])[] = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

/**
 * Code lengths of RFC 7541 Appendix B for symbols 0..255 and EOS (256). The code is canonical (codes
 * of one length are consecutive, in symbol order, and shorter codes come first), so the lengths alone
 * define it.
 */
const HUFFMAN_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28,
  28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6,
  5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23,
  22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22, 21, 20, 22, 22,
  23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, 26, 26,
  20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27,
  27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27,
  27, 27, 27, 26, 30,
];

const EOS = 256;
const MAX_CODE_LENGTH = 30;

// Canonical decoding tables: for each length, the first code of that length, how many codes have it,
// and where its symbols start in `symbols` (sorted by length, then symbol).
const firstCode = new Int32Array(MAX_CODE_LENGTH + 2);
const codeCount = new Int32Array(MAX_CODE_LENGTH + 2);
const symbolStart = new Int32Array(MAX_CODE_LENGTH + 2);
const symbols = new Uint16Array(HUFFMAN_LENGTHS.length);
{
  for (const l of HUFFMAN_LENGTHS) codeCount[l] = (codeCount[l] as number) + 1;
  let code = 0;
  let start = 0;
  for (let l = 1; l <= MAX_CODE_LENGTH; l++) {
    firstCode[l] = code;
    symbolStart[l] = start;
    start += codeCount[l] as number;
    code = (code + (codeCount[l] as number)) * 2;
  }
  const next = symbolStart.slice();
  HUFFMAN_LENGTHS.forEach((l, sym) => {
    symbols[next[l] as number] = sym;
    next[l] = (next[l] as number) + 1;
  });
}

export class HpackError extends Error {}

/** Decodes a Huffman-coded string (RFC 7541 §5.2) to latin1, one character per octet. */
export function huffmanDecode(b: Uint8Array, start: number, end: number): string {
  let out = "";
  let code = 0;
  let len = 0;
  for (let i = start; i < end; i++) {
    const byte = b[i] as number;
    for (let bit = 7; bit >= 0; bit--) {
      code = (code << 1) | ((byte >> bit) & 1);
      len++;
      const k = code - (firstCode[len] as number);
      if (k >= 0 && k < (codeCount[len] as number)) {
        const sym = symbols[(symbolStart[len] as number) + k] as number;
        if (sym === EOS) throw new HpackError("Huffman string contains EOS");
        out += String.fromCharCode(sym);
        code = 0;
        len = 0;
      } else if (len >= MAX_CODE_LENGTH) {
        throw new HpackError("invalid Huffman code");
      }
    }
  }
  // Padding is at most 7 bits, all ones (a prefix of EOS).
  if (len > 7 || code !== (1 << len) - 1) throw new HpackError("invalid Huffman padding");
  return out;
}

const entrySize = (name: string, value: string) => name.length + value.length + 32;

/** The decoding side of one connection: its dynamic table lives as long as the connection. */
export class HpackDecoder {
  /** Newest entry last. Names and values are latin1, so `length` counts octets as RFC 7541 does. */
  private readonly table: [string, string][] = [];
  private size = 0;
  private limit: number;
  /** The most our SETTINGS_HEADER_TABLE_SIZE allows the peer's encoder to use. */
  private readonly maxLimit: number;
  private pos = 0;

  constructor(maxTableSize = 4096) {
    this.maxLimit = maxTableSize;
    this.limit = maxTableSize;
  }

  /** Decodes one complete header block into [name, value, name, value, ...]. */
  decode(b: Uint8Array): string[] {
    const out: string[] = [];
    this.pos = 0;
    const end = b.length;
    let fieldSeen = false;
    while (this.pos < end) {
      const first = b[this.pos] as number;
      if (first & 0x80) {
        const [name, value] = this.entry(this.int(b, 7));
        out.push(name, value);
        fieldSeen = true;
      } else if (first & 0x40) {
        const idx = this.int(b, 6);
        const name = idx === 0 ? this.str(b) : (this.entry(idx)[0] as string);
        const value = this.str(b);
        this.insert(name, value);
        out.push(name, value);
        fieldSeen = true;
      } else if (first & 0x20) {
        // A size update is only allowed before the block's first field (RFC 7541 §4.2).
        if (fieldSeen) throw new HpackError("dynamic table size update after a header field");
        const n = this.int(b, 5);
        if (n > this.maxLimit) throw new HpackError(`dynamic table size ${n} above the limit ${this.maxLimit}`);
        this.limit = n;
        this.evict(0);
      } else {
        // Literal without indexing (0000) or never indexed (0001): the same to a decoder.
        const idx = this.int(b, 4);
        const name = idx === 0 ? this.str(b) : (this.entry(idx)[0] as string);
        out.push(name, this.str(b));
        fieldSeen = true;
      }
    }
    return out;
  }

  private entry(idx: number): readonly [string, string] {
    if (idx >= 1 && idx <= STATIC.length) return STATIC[idx - 1] as readonly [string, string];
    const e = this.table[this.table.length - (idx - STATIC.length)];
    if (idx === 0 || !e) throw new HpackError(`header index ${idx} out of range`);
    return e;
  }

  private insert(name: string, value: string): void {
    const size = entrySize(name, value);
    this.evict(size);
    // An entry larger than the whole table empties it and is not added (RFC 7541 §4.4).
    if (size <= this.limit) {
      this.table.push([name, value]);
      this.size += size;
    }
  }

  private evict(room: number): void {
    while (this.size + room > this.limit && this.table.length > 0) {
      const [n, v] = this.table.shift() as [string, string];
      this.size -= entrySize(n, v);
    }
  }

  /** An integer with an N-bit prefix (RFC 7541 §5.1). */
  private int(b: Uint8Array, prefixBits: number): number {
    const mask = (1 << prefixBits) - 1;
    if (this.pos >= b.length) throw new HpackError("truncated header block");
    let n = (b[this.pos++] as number) & mask;
    if (n < mask) return n;
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= b.length) throw new HpackError("truncated header block");
      if (shift > 28) throw new HpackError("integer overflow in header block");
      const byte = b[this.pos++] as number;
      n += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return n;
    }
  }

  private str(b: Uint8Array): string {
    if (this.pos >= b.length) throw new HpackError("truncated header block");
    const huffman = ((b[this.pos] as number) & 0x80) !== 0;
    const len = this.int(b, 7);
    const start = this.pos;
    const end = start + len;
    if (end > b.length) throw new HpackError("truncated header block");
    this.pos = end;
    if (huffman) return huffmanDecode(b, start, end);
    return Buffer.from(b.buffer, b.byteOffset + start, len).toString("latin1");
  }
}

/** Appends an integer with an N-bit prefix; `flags` fills the bits above the prefix. */
function pushInt(out: number[], flags: number, prefixBits: number, n: number): void {
  const mask = (1 << prefixBits) - 1;
  if (n < mask) {
    out.push(flags | n);
    return;
  }
  out.push(flags | mask);
  n -= mask;
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

function pushString(out: number[], s: string): void {
  const bytes = Buffer.from(s, "latin1");
  pushInt(out, 0, 7, bytes.length);
  for (const byte of bytes) out.push(byte);
}

/**
 * The encoding side of one connection. Fields are indexed on first use, so a header block that names
 * only fields already in the table is a few bytes, and it stays the same until the table changes:
 * `generation` tells callers when a cached block must be encoded again.
 */
export class HpackEncoder {
  /** Newest entry first, as HPACK numbers them. */
  private table: { name: string; value: string }[] = [];
  private size = 0;
  private limit = 4096;
  private pendingLimit: number | undefined;
  generation = 0;

  /** The peer's SETTINGS_HEADER_TABLE_SIZE: our table may not be larger than its decoder's. */
  setMaxTableSize(n: number): void {
    const limit = Math.min(n, 4096);
    if (limit === this.limit && this.pendingLimit === undefined) return;
    this.limit = limit;
    this.pendingLimit = limit;
    this.evict(0);
    this.generation++;
  }

  encode(fields: readonly (readonly [string, string])[]): Buffer {
    const out: number[] = [];
    if (this.pendingLimit !== undefined) {
      pushInt(out, 0x20, 5, this.pendingLimit);
      this.pendingLimit = undefined;
      this.generation++;
    }
    for (const [name, value] of fields) {
      const staticFull = STATIC.findIndex(([n, v]) => n === name && v === value);
      if (staticFull >= 0) {
        pushInt(out, 0x80, 7, staticFull + 1);
        continue;
      }
      const dyn = this.table.findIndex((e) => e.name === name && e.value === value);
      if (dyn >= 0) {
        pushInt(out, 0x80, 7, STATIC.length + dyn + 1);
        continue;
      }
      const nameIdx = STATIC.findIndex(([n]) => n === name) + 1;
      const size = Buffer.byteLength(name, "latin1") + Buffer.byteLength(value, "latin1") + 32;
      const index = size <= this.limit;
      // With indexing: 01 and a 6-bit name index; without: 0000 and a 4-bit one.
      pushInt(out, index ? 0x40 : 0x00, index ? 6 : 4, nameIdx);
      if (nameIdx === 0) pushString(out, name);
      pushString(out, value);
      if (index) {
        this.evict(size);
        this.table.unshift({ name, value });
        this.size += size;
        this.generation++;
      }
    }
    return Buffer.from(out);
  }

  private evict(room: number): void {
    while (this.size + room > this.limit && this.table.length > 0) {
      const e = this.table.pop() as { name: string; value: string };
      this.size -= Buffer.byteLength(e.name, "latin1") + Buffer.byteLength(e.value, "latin1") + 32;
    }
  }
}
