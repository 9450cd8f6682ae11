// Filters the host's OpenAPI v2 document in its protobuf form (gnostic openapi_v2.Document, which client-go's
// OpenAPISchema() asks for) at the wire level: only Document.paths (8) -> Paths.path (2) and
// Document.definitions (9) -> Definitions.additional_properties (1) are rewritten, by the name (field 1) of
// each entry; every other byte is passed through, so nothing needs the full schema of the message.

function readVarint(buf: Buffer, pos: number): [number, number] {
  let value = 0;
  let mul = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error("truncated varint");
    const b = buf[pos++] as number;
    value += (b & 0x7f) * mul;
    if (b < 0x80) return [value, pos];
    mul *= 128;
  }
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

interface Field {
  num: number;
  wire: number;
  /** The whole field, tag included. */
  raw: Buffer;
  /** The payload of a length-delimited field. */
  body?: Buffer;
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [tag, p] = readVarint(buf, pos);
    pos = p;
    const wire = tag & 7;
    const num = Math.floor(tag / 8);
    let body: Buffer | undefined;
    if (wire === 0) pos = readVarint(buf, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, q] = readVarint(buf, pos);
      body = buf.subarray(q, q + len);
      pos = q + len;
    } else throw new Error(`unsupported wire type ${wire}`);
    if (pos > buf.length) throw new Error("truncated field");
    out.push({ num, wire, raw: buf.subarray(start, pos), ...(body ? { body } : {}) });
  }
  return out;
}

function lengthDelimited(num: number, body: Buffer): Buffer {
  return Buffer.concat([varint(num * 8 + 2), varint(body.length), body]);
}

function nameOf(entry: Buffer): string {
  const f = fields(entry).find((x) => x.num === 1 && x.wire === 2);
  return f?.body?.toString("utf8") ?? "";
}

function filterNamed(body: Buffer, entryField: number, keep: (name: string) => boolean): Buffer {
  const parts: Buffer[] = [];
  for (const f of fields(body)) {
    if (f.num === entryField && f.wire === 2 && !keep(nameOf(f.body as Buffer))) continue;
    parts.push(f.raw);
  }
  return Buffer.concat(parts);
}

export function filterOpenApiV2Protobuf(
  doc: Buffer,
  keepPath: (path: string) => boolean,
  keepDefinition: (name: string) => boolean,
): Buffer {
  const parts: Buffer[] = [];
  for (const f of fields(doc)) {
    if (f.num === 8 && f.wire === 2) parts.push(lengthDelimited(8, filterNamed(f.body as Buffer, 2, keepPath)));
    else if (f.num === 9 && f.wire === 2)
      parts.push(lengthDelimited(9, filterNamed(f.body as Buffer, 1, keepDefinition)));
    else parts.push(f.raw);
  }
  return Buffer.concat(parts);
}

/** The path and definition names in a protobuf document (for tests and checks). */
export function openApiV2ProtobufNames(doc: Buffer): { paths: string[]; definitions: string[] } {
  const paths: string[] = [];
  const definitions: string[] = [];
  for (const f of fields(doc)) {
    if (f.num === 8 && f.wire === 2)
      for (const e of fields(f.body as Buffer)) if (e.num === 2 && e.body) paths.push(nameOf(e.body));
    if (f.num === 9 && f.wire === 2)
      for (const e of fields(f.body as Buffer)) if (e.num === 1 && e.body) definitions.push(nameOf(e.body));
  }
  return { paths, definitions };
}
