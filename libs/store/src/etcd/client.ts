// A thin etcd v3 client over gRPC: the KV calls the store needs and a watch stream that supports
// progress requests (kube-apiserver's basis for consistent reads from its cache). Calls wait for the
// connection (waitForReady) within their deadline, so an etcd restart delays calls instead of failing them.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import { H2Unary } from "./h2-unary.ts";
import { decodeRangeResponse, decodeTxnResponse, encodeRangeRequest, encodeTxnRequest } from "./kv-proto.ts";

// etcd's v3 API definitions, as the etcd3 npm package ships them (gogoproto annotations removed); we
// load them from the installed package rather than keep a copy.
const protoDir = join(dirname(createRequire(import.meta.url).resolve("etcd3/package.json")), "proto");

export interface KeyValue {
  key: Buffer;
  value: Buffer;
  create_revision: number;
  mod_revision: number;
  version: number;
  lease: number;
}

export interface ResponseHeader {
  revision: number;
}

export interface RangeRequest {
  key: Buffer | string;
  range_end?: Buffer | string;
  limit?: number;
  revision?: number;
  keys_only?: boolean;
  count_only?: boolean;
  serializable?: boolean;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

export interface Compare {
  key: Buffer | string;
  target: "Mod" | "Create" | "Version" | "Value" | "Lease";
  result: "Equal" | "Greater" | "Less" | "NotEqual";
  mod_revision?: number;
  create_revision?: number;
  version?: number;
  value?: Buffer | string;
  lease?: number;
}

export type RequestOp =
  | { request_range: RangeRequest }
  | { request_put: { key: Buffer | string; value: Buffer | string; prev_kv?: boolean; lease?: number } }
  | { request_delete_range: { key: Buffer | string; range_end?: Buffer | string; prev_kv?: boolean } };

export interface ResponseOp {
  response_range?: RangeResponse;
  response_put?: { header: ResponseHeader; prev_kv?: KeyValue };
  response_delete_range?: { header: ResponseHeader; deleted: number; prev_kvs: KeyValue[] };
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface WatchEvent {
  type: "Put" | "Delete";
  kv: KeyValue;
  prev_kv?: KeyValue;
}

interface WatchResponse {
  header: ResponseHeader;
  watch_id: number;
  created: boolean;
  canceled: boolean;
  compact_revision: number;
  cancel_reason: string;
  fragment: boolean;
  events: WatchEvent[];
}

/** gRPC status codes that mean "etcd was unreachable or too slow", as opposed to a refused request. */
export function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: number }).code;
  return code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED || code === grpc.status.CANCELLED;
}

/** etcd's answer to a read below the compaction point. */
export function isCompacted(err: unknown): boolean {
  return /required revision has been compacted/.test(String((err as Error).message ?? err));
}

/** The exclusive end of the range of every key that starts with `prefix`. */
export function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if ((b[i] as number) < 0xff) {
      const end = Buffer.from(b.subarray(0, i + 1));
      end[i] = (end[i] as number) + 1;
      return end;
    }
  }
  return Buffer.from([0]);
}

// int64 fields decode to plain numbers instead of Long objects: revisions stay far below 2^53, and
// the hot path then never converts. (Shared with grpc-js's loader, whose longs: Number accepts both.)
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();

// Range and Txn, the hot path, have hand-written codecs (kv-proto.ts); protobufjs does the rest.
interface MessageTypes {
  CompactionRequest: protobuf.Type;
  CompactionResponse: protobuf.Type;
  LeaseGrantRequest: protobuf.Type;
  LeaseGrantResponse: protobuf.Type;
  LeaseRevokeRequest: protobuf.Type;
  LeaseRevokeResponse: protobuf.Type;
}

let messageTypes: MessageTypes | undefined;
function loadMessageTypes(): MessageTypes {
  if (messageTypes) return messageTypes;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoDir, target.replace(/^\.\//, ""));
  root.loadSync("rpc.proto", { keepCase: true });
  const t = (n: string) => root.lookupType(`etcdserverpb.${n}`);
  messageTypes = {
    CompactionRequest: t("CompactionRequest"),
    CompactionResponse: t("CompactionResponse"),
    LeaseGrantRequest: t("LeaseGrantRequest"),
    LeaseGrantResponse: t("LeaseGrantResponse"),
    LeaseRevokeRequest: t("LeaseRevokeRequest"),
    LeaseRevokeResponse: t("LeaseRevokeResponse"),
  };
  return messageTypes;
}

interface WatchService extends grpc.Client {
  Watch(opts?: grpc.CallOptions): grpc.ClientDuplexStream<unknown, WatchResponse>;
}

interface LeaseService extends grpc.Client {
  LeaseKeepAlive(opts?: grpc.CallOptions): grpc.ClientDuplexStream<{ ID: number }, { ID: number; TTL: number }>;
}

let services: { Watch: grpc.ServiceClientConstructor; Lease: grpc.ServiceClientConstructor } | undefined;
function loadServices() {
  if (services) return services;
  const def = protoLoader.loadSync(join(protoDir, "rpc.proto"), {
    keepCase: true,
    longs: Number, // revisions stay far below 2^53
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    etcdserverpb: { Watch: grpc.ServiceClientConstructor; Lease: grpc.ServiceClientConstructor };
  };
  services = { Watch: pkg.etcdserverpb.Watch, Lease: pkg.etcdserverpb.Lease };
  return services;
}

const RANGE = "/etcdserverpb.KV/Range";
const TXN = "/etcdserverpb.KV/Txn";

export interface EtcdClientOptions {
  /** e.g. http://127.0.0.1:2379; the first reachable one is used. */
  endpoints: string[];
  /** Deadline of each unary call, including waiting for a connection. */
  callTimeoutMs?: number;
}

export class EtcdClient {
  private readonly unary: H2Unary;
  private readonly types: MessageTypes;
  private readonly watchSvc: WatchService;
  private readonly leaseSvc: LeaseService;
  private readonly timeoutMs: number;

  constructor(opts: EtcdClientOptions) {
    const { Watch, Lease } = loadServices();
    this.types = loadMessageTypes();
    // Unary calls go to the first endpoint; several endpoints are for the watch channel's failover.
    this.unary = new H2Unary((opts.endpoints[0] as string).replace(/^(?!https?:\/\/)/, "http://"));
    const targets = opts.endpoints.map((e) => e.replace(/^https?:\/\//, ""));
    // With several endpoints, grpc-js round-robins over them through the ipv4 resolver list.
    const target = targets.length === 1 ? (targets[0] as string) : `ipv4:${targets.join(",")}`;
    const channelOpts: grpc.ChannelOptions = {
      "grpc.max_receive_message_length": 256 * 1024 * 1024,
      "grpc.max_send_message_length": 16 * 1024 * 1024,
      "grpc.keepalive_time_ms": 30_000,
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 1_000,
    };
    this.watchSvc = new Watch(target, grpc.credentials.createInsecure(), channelOpts) as unknown as WatchService;
    this.leaseSvc = new Lease(target, grpc.credentials.createInsecure(), channelOpts) as unknown as LeaseService;
    this.timeoutMs = opts.callTimeoutMs ?? 10_000;
  }

  private async call<Res>(method: string, reqType: protobuf.Type, resType: protobuf.Type, req: object): Promise<Res> {
    const body = reqType.encode(req as Record<string, unknown>).finish();
    return resType.decode(await this.unary.call(`/etcdserverpb.KV/${method}`, body, this.timeoutMs)) as unknown as Res;
  }

  /**
   * Reads are idempotent, so one that was in flight when the connection dropped (an etcd restart) is
   * sent again until its deadline. Writes are not: a dropped write may have applied, and only the
   * caller can tell.
   */
  async range(req: RangeRequest): Promise<RangeResponse> {
    const deadline = Date.now() + this.timeoutMs;
    const body = encodeRangeRequest(req);
    for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
      try {
        return decodeRangeResponse(await this.unary.call(RANGE, body, this.timeoutMs));
      } catch (err) {
        if (!isUnavailable(err) || Date.now() + delay > deadline) throw err;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** Every key under `prefix` at one revision (the newest by default), read in pages of `pageSize`. */
  async rangePrefix(
    prefix: string,
    opts: { revision?: number; pageSize?: number } = {},
  ): Promise<{ kvs: KeyValue[]; revision: number }> {
    const end = prefixEnd(prefix);
    let revision = opts.revision ?? 0;
    let from: Buffer | string = prefix;
    const kvs: KeyValue[] = [];
    for (;;) {
      const res = await this.range({ key: from, range_end: end, limit: opts.pageSize ?? 5_000, revision });
      revision ||= res.header.revision;
      kvs.push(...res.kvs);
      if (!res.more || res.kvs.length === 0) return { kvs, revision };
      from = Buffer.concat([(res.kvs[res.kvs.length - 1] as KeyValue).key, Buffer.from([0])]);
    }
  }

  async txn(compare: Compare[], success: RequestOp[], failure: RequestOp[] = []): Promise<TxnResponse> {
    return decodeTxnResponse(await this.unary.call(TXN, encodeTxnRequest(compare, success, failure), this.timeoutMs));
  }

  compact(revision: number): Promise<{ header: ResponseHeader }> {
    return this.call("Compact", this.types.CompactionRequest, this.types.CompactionResponse, {
      revision,
      physical: true,
    });
  }

  /**
   * Grants a lease with an ID chosen here: etcd's own IDs use all 64 bits, which a JavaScript number
   * cannot hold, so we pick one below 2^53 (and another on the rare collision).
   */
  async leaseGrant(ttlSeconds: number): Promise<number> {
    for (;;) {
      const id = Math.floor(Math.random() * (Number.MAX_SAFE_INTEGER - 1)) + 1;
      const body = this.types.LeaseGrantRequest.encode({ TTL: ttlSeconds, ID: id }).finish();
      try {
        const res = this.types.LeaseGrantResponse.decode(
          await this.unary.call("/etcdserverpb.Lease/LeaseGrant", body, this.timeoutMs),
        ) as unknown as { error: string };
        if (res.error) throw new Error(`lease grant refused: ${res.error}`);
        return id;
      } catch (err) {
        if (!/lease already exists/.test((err as Error).message)) throw err;
      }
    }
  }

  async leaseRevoke(id: number): Promise<void> {
    const body = this.types.LeaseRevokeRequest.encode({ ID: id }).finish();
    await this.unary.call("/etcdserverpb.Lease/LeaseRevoke", body, this.timeoutMs);
  }

  /**
   * Keeps a lease alive until `stop()`. `onLost` fires once when the lease can no longer be trusted to be
   * ours: etcd says it expired, or no renewal succeeded for a whole TTL (etcd may have expired it meanwhile).
   */
  keepAlive(id: number, ttlSeconds: number, onLost: (why: string) => void): { stop(): void } {
    let stopped = false;
    let lastRenewed = Date.now();
    let stream: grpc.ClientDuplexStream<{ ID: number }, { ID: number; TTL: number }> | undefined;
    const lost = (why: string) => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      stream?.cancel();
      onLost(why);
    };
    const open = () => {
      const s = this.leaseSvc.LeaseKeepAlive({ waitForReady: true } as grpc.CallOptions);
      s.on("data", (res) => {
        if (res.TTL <= 0) lost(`lease ${id} expired`);
        else lastRenewed = Date.now();
      });
      s.on("error", () => {
        if (stream === s) stream = undefined;
      });
      s.on("end", () => {
        if (stream === s) stream = undefined;
      });
      stream = s;
    };
    const timer = setInterval(
      () => {
        if (Date.now() - lastRenewed > ttlSeconds * 1000) return lost(`lease ${id} not renewed for ${ttlSeconds} s`);
        if (!stream) open();
        stream?.write({ ID: id });
      },
      Math.max(200, (ttlSeconds * 1000) / 4),
    );
    open();
    stream?.write({ ID: id });
    return {
      stop: () => {
        stopped = true;
        clearInterval(timer);
        stream?.cancel();
      },
    };
  }

  /** The store's current revision: one cheap range on a key that never exists. */
  async currentRevision(): Promise<number> {
    return (await this.range({ key: "\0evk-revision-probe", count_only: true })).header.revision;
  }

  /** A watch over [key, rangeEnd) from `startRevision` (inclusive); see EtcdWatch. */
  watch(opts: Omit<WatchOptions, "client">): EtcdWatch {
    return new EtcdWatch({ ...opts, client: this });
  }

  /** @internal used by EtcdWatch */
  openWatchStream(): grpc.ClientDuplexStream<unknown, WatchResponse> {
    return this.watchSvc.Watch({ waitForReady: true } as grpc.CallOptions);
  }

  close(): void {
    this.unary.close();
    this.watchSvc.close();
    this.leaseSvc.close();
  }
}

export interface WatchOptions {
  client: EtcdClient;
  key: string;
  rangeEnd: Buffer | string;
  /** First revision to deliver. */
  startRevision: number;
  /** Events of one revision arrive together, in key order; `revision` is the response header's. */
  onEvents: (events: WatchEvent[], revision: number) => void;
  /** A progress notification: every change up to `revision` in the range has been delivered. */
  onProgress?: (revision: number) => void;
  /** The start revision was compacted; the watch has stopped. */
  onCompacted: (compactRevision: number) => void;
  /** The stream broke and is being re-established from the next undelivered revision. */
  onReconnect?: (err: Error) => void;
}

/**
 * One etcd watch on its own gRPC stream. It re-establishes itself after a broken stream from the
 * revision after the last one delivered, so an etcd restart loses and repeats nothing.
 */
export class EtcdWatch {
  private readonly opts: WatchOptions;
  private stream: grpc.ClientDuplexStream<unknown, WatchResponse> | undefined;
  private nextRevision: number;
  private stopped = false;
  private created = false;
  private backoffMs = 100;
  private readonly createdWaiters: (() => void)[] = [];

  constructor(opts: WatchOptions) {
    this.opts = opts;
    this.nextRevision = opts.startRevision;
    this.open();
  }

  /** Resolves once etcd has accepted the watch (events after that are not missed). */
  ready(): Promise<void> {
    if (this.created) return Promise.resolve();
    return new Promise((r) => this.createdWaiters.push(r));
  }

  /** Asks etcd for a progress notification (etcd >= 3.5.13 answers it correctly). */
  requestProgress(): void {
    if (this.created) this.stream?.write({ progress_request: {} });
  }

  stop(): void {
    this.stopped = true;
    this.stream?.cancel();
  }

  private open(): void {
    if (this.stopped) return;
    const stream = this.opts.client.openWatchStream();
    this.stream = stream;
    this.created = false;
    let failed = false;
    const fail = (err: Error) => {
      if (failed || this.stopped || this.stream !== stream) return;
      failed = true;
      stream.cancel();
      this.opts.onReconnect?.(err);
      setTimeout(() => this.open(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 2_000);
    };
    stream.on("data", (res: WatchResponse) => {
      if (this.stopped || this.stream !== stream) return;
      if (res.created && !res.canceled) {
        this.created = true;
        this.backoffMs = 100;
        for (const w of this.createdWaiters.splice(0)) w();
        return;
      }
      if (res.canceled) {
        if (res.compact_revision > 0) {
          this.stopped = true;
          stream.cancel();
          this.opts.onCompacted(res.compact_revision);
        } else {
          fail(new Error(`watch canceled by etcd: ${res.cancel_reason || "no reason given"}`));
        }
        return;
      }
      if (res.events.length > 0) {
        // Events never span revisions backwards; the last one is the newest delivered.
        const last = res.events[res.events.length - 1] as WatchEvent;
        this.nextRevision = last.kv.mod_revision + 1;
        this.opts.onEvents(res.events, res.header.revision);
      } else if (!res.fragment) {
        this.nextRevision = Math.max(this.nextRevision, res.header.revision + 1);
        this.opts.onProgress?.(res.header.revision);
      }
    });
    stream.on("error", (err: Error) => fail(err));
    stream.on("end", () => fail(new Error("watch stream ended")));
    stream.write({
      create_request: {
        key: Buffer.from(this.opts.key),
        range_end: Buffer.from(this.opts.rangeEnd),
        start_revision: this.nextRevision,
        prev_kv: true,
        progress_notify: true,
      },
    });
  }
}
