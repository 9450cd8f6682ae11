import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import protobuf from "protobufjs";
import type { Compare, RangeRequest, RequestOp } from "../src/etcd/client.ts";
import {
  decodeRangeResponse,
  decodeTxnResponse,
  encodeRangeRequest,
  encodeTxnRequest,
  ProtoError,
} from "../src/etcd/kv-proto.ts";

// The reference: protobufjs with etcd's own definitions, as client.ts loads them (its import turns int64
// into plain numbers, which these tests rely on too).
await import("../src/etcd/client.ts");
const protoDir = join(dirname(createRequire(import.meta.url).resolve("etcd3/package.json")), "proto");
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => join(protoDir, target.replace(/^\.\//, ""));
root.loadSync("rpc.proto", { keepCase: true });
const T = (n: string) => root.lookupType(`etcdserverpb.${n}`);
const TxnRequest = T("TxnRequest");
const RangeRequestT = T("RangeRequest");
const RangeResponseT = T("RangeResponse");
const TxnResponseT = T("TxnResponse");

const asObject = (t: protobuf.Type, b: Uint8Array) =>
  t.toObject(t.decode(b), { longs: Number, enums: String, bytes: Array, defaults: true, oneofs: false });

const bytes = (v: Buffer | string | undefined) => (typeof v === "string" ? Buffer.from(v) : v);

/** The same request as protobufjs wants it: bytes as Buffers, enums by name, the oneof operand set. */
function pbCompare(c: Compare): Record<string, unknown> {
  const out: Record<string, unknown> = { key: bytes(c.key), target: c.target, result: c.result };
  if (c.target === "Value") out.value = bytes(c.value) ?? Buffer.alloc(0);
  else if (c.target === "Create") out.create_revision = c.create_revision ?? 0;
  else if (c.target === "Mod") out.mod_revision = c.mod_revision ?? 0;
  else if (c.target === "Version") out.version = c.version ?? 0;
  else out.lease = c.lease ?? 0;
  return out;
}

function pbOp(op: RequestOp): Record<string, unknown> {
  const conv = (o: Record<string, unknown>) => {
    const r: Record<string, unknown> = { ...o };
    for (const f of ["key", "range_end", "value"]) if (f in r) r[f] = bytes(r[f] as string | Buffer);
    return r;
  };
  if ("request_put" in op) return { request_put: conv(op.request_put) };
  if ("request_range" in op) return { request_range: conv(op.request_range as unknown as Record<string, unknown>) };
  return { request_delete_range: conv(op.request_delete_range) };
}

const BIG = 2 ** 40 + 7; // above 2^32: needs more than one 32-bit half
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const RAW_KEY = Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x80]); // not UTF-8

describe("kv-proto: hand-written etcd KV messages agree with protobufjs", () => {
  const txnCases: { name: string; compare: Compare[]; success: RequestOp[]; failure?: RequestOp[] }[] = [
    {
      name: "create: create_revision == 0, then put",
      compare: [{ key: "/evk/c/registry/core/pods/ns/p", target: "Create", result: "Equal", create_revision: 0 }],
      success: [{ request_put: { key: "/evk/c/registry/core/pods/ns/p", value: '{"kind":"Pod"}' } }],
    },
    {
      name: "update at a revision above 2^32, with a read on failure",
      compare: [{ key: "k", target: "Mod", result: "Equal", mod_revision: BIG }],
      success: [{ request_put: { key: "k", value: "v" } }],
      failure: [{ request_range: { key: "k" } }],
    },
    {
      name: "delete with prev_kv at the largest safe revision",
      compare: [{ key: "k", target: "Mod", result: "Equal", mod_revision: MAX_SAFE }],
      success: [{ request_delete_range: { key: "k", prev_kv: true } }],
    },
    {
      name: "empty value, no compares",
      compare: [],
      success: [{ request_put: { key: "k", value: "" } }],
    },
    {
      name: "non-UTF-8 keys and values as Buffers",
      compare: [{ key: RAW_KEY, target: "Value", result: "NotEqual", value: Buffer.from([0xfe, 0xff]) }],
      success: [{ request_put: { key: RAW_KEY, value: Buffer.from([0, 1, 0xff]) } }],
      failure: [{ request_delete_range: { key: RAW_KEY, range_end: Buffer.from([0xff, 0xff]) } }],
    },
    {
      name: "lease guard and a put with a lease and prev_kv",
      compare: [{ key: "leader", target: "Lease", result: "Equal", lease: 2 ** 52 + 3 }],
      success: [{ request_put: { key: "cp", value: "123", lease: 2 ** 35, prev_kv: true } }],
    },
    {
      name: "version, greater / less, multi-byte UTF-8 strings",
      compare: [
        { key: "héllo ✓", target: "Version", result: "Greater", version: 300 },
        { key: "b", target: "Create", result: "Less", create_revision: 128 },
        { key: "c", target: "Value", result: "Equal", value: "naïve 値" },
      ],
      success: [{ request_range: { key: "a", range_end: "z", limit: 16_384, revision: BIG, keys_only: true } }],
      failure: [{ request_range: { key: "a", count_only: true, serializable: true } }],
    },
    {
      name: "a value large enough for multi-byte lengths",
      compare: [],
      success: [{ request_put: { key: "big", value: "x".repeat(1_572_864) } }],
    },
  ];
  for (const c of txnCases) {
    it(`TxnRequest: ${c.name}`, () => {
      const ours = encodeTxnRequest(c.compare, c.success, c.failure ?? []);
      const theirs = TxnRequest.encode(
        TxnRequest.fromObject({
          compare: c.compare.map(pbCompare),
          success: c.success.map(pbOp),
          failure: (c.failure ?? []).map(pbOp),
        }),
      ).finish();
      assert.deepEqual(asObject(TxnRequest, ours), asObject(TxnRequest, theirs));
    });
  }

  const rangeCases: { name: string; req: RangeRequest }[] = [
    { name: "one key", req: { key: "/evk/c/registry/core/pods/ns/p" } },
    { name: "prefix page at a revision", req: { key: "/a/", range_end: "/a0", limit: 500, revision: BIG } },
    { name: "count only, serializable", req: { key: "\0evk-revision-probe", count_only: true, serializable: true } },
    { name: "keys only, raw bytes", req: { key: RAW_KEY, range_end: Buffer.from([0]), keys_only: true } },
    { name: "empty key", req: { key: "" } },
  ];
  for (const c of rangeCases) {
    it(`RangeRequest: ${c.name}`, () => {
      const ours = encodeRangeRequest(c.req);
      const theirs = RangeRequestT.encode({
        ...c.req,
        key: bytes(c.req.key),
        ...(c.req.range_end !== undefined ? { range_end: bytes(c.req.range_end) } : {}),
      }).finish();
      assert.deepEqual(asObject(RangeRequestT, ours), asObject(RangeRequestT, theirs));
    });
  }

  const kv = (key: Buffer | string, value: Buffer | string, rev: number, extra: Record<string, number> = {}) => ({
    key: bytes(key),
    value: bytes(value),
    create_revision: rev,
    mod_revision: rev,
    version: 1,
    lease: 0,
    ...extra,
  });
  // etcd fills cluster_id and member_id with random 64-bit ids; the decoder must step over them.
  const header = (revision: number) => ({ cluster_id: 2 ** 60, member_id: 2 ** 63, raft_term: 7, revision });
  const plain = (o: unknown): unknown =>
    JSON.parse(JSON.stringify(o, (_k, v) => (v && v.type === "Buffer" ? Buffer.from(v.data).toString("hex") : v)));

  const rangeResponses = [
    { name: "no keys", res: { header: header(5), kvs: [], more: false, count: 0 } },
    {
      name: "keys with large revisions, an empty value, non-UTF-8 bytes, a lease",
      res: {
        header: header(BIG),
        kvs: [
          kv("/a", '{"x":1}', BIG, { version: 3, mod_revision: BIG + 1 }),
          kv("/b", "", 2),
          kv(RAW_KEY, Buffer.from([0xff, 0]), MAX_SAFE, { lease: 2 ** 45 }),
        ],
        more: true,
        count: 1_000_000,
      },
    },
    {
      name: "a negative lease reads as protobufjs reads it",
      res: { header: header(1), kvs: [kv("/n", "v", 1, { lease: -5 })], more: false, count: 1 },
    },
  ];
  for (const c of rangeResponses) {
    it(`RangeResponse: ${c.name}`, () => {
      const wire = RangeResponseT.encode(c.res).finish();
      const ours = decodeRangeResponse(Buffer.from(wire));
      const expected = { ...c.res, header: { revision: c.res.header.revision } };
      assert.deepEqual(plain(ours), plain(expected));
    });
  }

  const txnResponses = [
    {
      name: "succeeded create",
      res: { header: header(BIG), succeeded: true, responses: [{ response_put: { header: { revision: 0 } } }] },
      expected: {
        header: { revision: BIG },
        succeeded: true,
        responses: [{ response_put: { header: { revision: 0 } } }],
      },
    },
    {
      name: "failed update with the current value read back",
      res: {
        header: header(9),
        succeeded: false,
        responses: [{ response_range: { header: {}, kvs: [kv("/k", "cur", 8)], more: false, count: 1 } }],
      },
      expected: {
        header: { revision: 9 },
        succeeded: false,
        responses: [{ response_range: { header: { revision: 0 }, kvs: [kv("/k", "cur", 8)], more: false, count: 1 } }],
      },
    },
    {
      name: "delete with prev_kvs and a put with prev_kv",
      res: {
        header: header(12),
        succeeded: true,
        responses: [
          { response_delete_range: { header: {}, deleted: 1, prev_kvs: [kv("/d", "", 11)] } },
          { response_put: { header: {}, prev_kv: kv(RAW_KEY, "old", 3) } },
        ],
      },
      expected: {
        header: { revision: 12 },
        succeeded: true,
        responses: [
          { response_delete_range: { header: { revision: 0 }, deleted: 1, prev_kvs: [kv("/d", "", 11)] } },
          { response_put: { header: { revision: 0 }, prev_kv: kv(RAW_KEY, "old", 3) } },
        ],
      },
    },
  ];
  for (const c of txnResponses) {
    it(`TxnResponse: ${c.name}`, () => {
      const ours = decodeTxnResponse(Buffer.from(TxnResponseT.encode(c.res).finish()));
      assert.deepEqual(plain(ours), plain(c.expected));
    });
  }

  it("skips fields it does not know, of every wire type and with two-byte tags", () => {
    const known = Buffer.from(RangeResponseT.encode({ header: header(3), count: 2 }).finish());
    const unknown = Buffer.from([
      ...[0xa0, 0x01, 0x96, 0x01], // field 20, varint 150
      ...[0xa9, 0x01, 1, 2, 3, 4, 5, 6, 7, 8], // field 21, fixed64
      ...[0xb2, 0x01, 3, 1, 2, 3], // field 22, length-delimited
      ...[0xbd, 0x01, 1, 2, 3, 4], // field 23, fixed32
      ...[0x2d, 9, 9, 9, 9], // field 5, fixed32
    ]);
    for (const wire of [Buffer.concat([unknown, known]), Buffer.concat([known, unknown])]) {
      assert.deepEqual(
        plain(decodeRangeResponse(wire)),
        plain({ header: { revision: 3 }, kvs: [], more: false, count: 2 }),
      );
    }
  });

  it("refuses a message cut short instead of reading past it", () => {
    // Only a nested message, so every cut leaves a length prefix that promises more than is there.
    const wire = Buffer.from(RangeResponseT.encode({ kvs: [kv("/a", "value", BIG)] }).finish());
    for (let cut = 1; cut < wire.length; cut++) {
      assert.throws(() => decodeRangeResponse(wire.subarray(0, cut)), ProtoError, `cut at ${cut}`);
    }
    const txn = Buffer.from(TxnResponseT.encode(txnResponses[1]?.res as object).finish());
    assert.throws(() => decodeTxnResponse(txn.subarray(0, txn.length - 1)), ProtoError);
  });
});
