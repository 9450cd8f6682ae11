import { StatusError } from "@evk/kube";
import { messageToJson } from "./protobuf-json.ts";
import { K8sProtos, locateK8sProtos, type ProtoLocation } from "./protobuf-protos.ts";

// Kubernetes protobuf request bodies (typed client-go clients: `kubectl create namespace|configmap|
// deployment|token …`, KCM, kubelet-like agents) as the JSON the same Go client would have sent. Every
// built-in kind is decoded from Kubernetes' own .proto files, found at start (protobuf-protos.ts); without
// them only TokenRequest and SelfSubjectReview are understood, by the small field tables below, and any
// other protobuf body gets a 415 naming what is missing.

/** "k8s\0": the prefix of kube's protobuf envelope (runtime.Unknown). */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Field =
  | { name: string; type: "string" | "int64" | "bool" }
  | { name: string; type: "message"; schema: Schema }
  | { name: string; type: "repeated-string" | "bytes" };
type Schema = Record<number, Field>;

const objectMeta: Schema = {
  1: { name: "name", type: "string" },
  2: { name: "generateName", type: "string" },
  3: { name: "namespace", type: "string" },
  5: { name: "uid", type: "string" },
  6: { name: "resourceVersion", type: "string" },
};

const schemas: Record<string, Schema> = {
  "authentication.k8s.io/v1/TokenRequest": {
    1: { name: "metadata", type: "message", schema: objectMeta },
    2: {
      name: "spec",
      type: "message",
      schema: {
        1: { name: "audiences", type: "repeated-string" },
        4: { name: "expirationSeconds", type: "int64" },
        3: {
          name: "boundObjectRef",
          type: "message",
          schema: {
            1: { name: "kind", type: "string" },
            2: { name: "apiVersion", type: "string" },
            3: { name: "name", type: "string" },
            4: { name: "uid", type: "string" },
          },
        },
      },
    },
  },
  "authentication.k8s.io/v1/SelfSubjectReview": { 1: { name: "metadata", type: "message", schema: objectMeta } },
};

class Reader {
  pos = 0;
  readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw new Error("truncated varint");
      const b = this.buf[this.pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new Error("varint too long");
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    if (len < 0 || this.pos + len > this.buf.length) throw new Error("truncated field");
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
    if (this.pos > this.buf.length) throw new Error("truncated field");
  }
}

function decodeMessage(buf: Buffer, schema: Schema): Record<string, unknown> {
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (r.pos < buf.length) {
    const tag = Number(r.varint());
    const no = tag >>> 3;
    const wire = tag & 7;
    const f = schema[no];
    if (!f) {
      r.skip(wire);
      continue;
    }
    if (f.type === "int64" || f.type === "bool") {
      if (wire !== 0) throw new Error(`field ${f.name}: wire type ${wire}`);
      const v = BigInt.asIntN(64, r.varint());
      out[f.name] = f.type === "bool" ? v !== 0n : Number(v);
      continue;
    }
    if (wire !== 2) throw new Error(`field ${f.name}: wire type ${wire}`);
    const b = r.bytes();
    if (f.type === "string") out[f.name] = b.toString("utf8");
    else if (f.type === "bytes") out[f.name] = b;
    else if (f.type === "repeated-string")
      out[f.name] = [...((out[f.name] as string[] | undefined) ?? []), b.toString("utf8")];
    else if (f.type === "message") out[f.name] = decodeMessage(b, f.schema);
  }
  return out;
}

let protos: K8sProtos | undefined;
let missing = "the Kubernetes .proto files were not looked for";

/** The loaded .proto files (undefined when they were not found), which protobuf answers are encoded with too. */
export function loadedK8sProtos(): K8sProtos | undefined {
  return protos;
}

/**
 * Finds the Kubernetes .proto files (`dir`, else `go env GOMODCACHE`) for `wanted` (k8s.io/api's version,
 * e.g. v0.35.4) and decodes protobuf bodies with them from now on; reports where they are or what is missing.
 */
export function useK8sProtos(dir: string | undefined, wanted: string): ProtoLocation {
  let loc = locateK8sProtos(dir, wanted);
  protos = undefined;
  if (loc.ok) {
    try {
      // Loading core/v1 (and meta/v1 with it) now puts the cost at start and shows unreadable files at once.
      const p = new K8sProtos(loc.dirs);
      p.messageFor("v1", "Namespace");
      protos = p;
    } catch (err) {
      loc = {
        ok: false,
        missing: `the .proto files under ${loc.dirs.api} could not be loaded: ${(err as Error).message}`,
      };
    }
  }
  if (!loc.ok) missing = loc.missing;
  return loc;
}

const unsupported = (why?: string) =>
  new StatusError(
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: application/json, application/json-patch+json, application/merge-patch+json${why ? ` (protobuf: ${why})` : ""}`,
  );

const badBody = (err: unknown) =>
  new StatusError("BadRequest", `the protobuf body could not be decoded: ${(err as Error).message}`);

function decodeEnvelope(body: Uint8Array): { apiVersion: string; kind: string; raw: Buffer } {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw unsupported();
  let envelope: Record<string, unknown>;
  try {
    envelope = decodeMessage(buf.subarray(MAGIC.length), {
      1: {
        name: "typeMeta",
        type: "message",
        schema: { 1: { name: "apiVersion", type: "string" }, 2: { name: "kind", type: "string" } },
      },
      2: { name: "raw", type: "bytes" },
    });
  } catch (err) {
    throw badBody(err);
  }
  const tm = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const raw = (envelope.raw as Buffer | undefined) ?? Buffer.alloc(0);
  return { apiVersion: tm.apiVersion ?? "", kind: tm.kind ?? "", raw };
}

/** A kube protobuf body (the `k8s\0` envelope) as the JSON object a Go client would have sent; 415 for unknown kinds. */
export function decodeKubeProtobuf(body: Buffer): Record<string, unknown> {
  const { apiVersion, kind, raw } = decodeEnvelope(body);
  if (protos) {
    let type: ReturnType<K8sProtos["messageFor"]>;
    try {
      type = protos.messageFor(apiVersion, kind);
    } catch (err) {
      throw unsupported(`the .proto files of ${apiVersion} could not be loaded: ${(err as Error).message}`);
    }
    if (!type) throw unsupported(`no kind ${kind} is known in ${apiVersion}`);
    const p = protos;
    try {
      const json = messageToJson(type, type.decode(raw) as unknown as Record<string, unknown>, p.goDecl, (b) =>
        decodeKubeProtobuf(Buffer.from(b)),
      ) as Record<string, unknown>;
      // Go writes TypeMeta first; the message itself does not carry it.
      return { kind, apiVersion, ...json };
    } catch (err) {
      if (err instanceof StatusError) throw err;
      throw badBody(err);
    }
  }
  const schema = schemas[`${apiVersion}/${kind}`];
  if (!schema) throw unsupported(missing);
  try {
    return { apiVersion, kind, ...decodeMessage(raw, schema) };
  } catch (err) {
    throw badBody(err);
  }
}
