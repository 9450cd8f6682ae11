// Unary gRPC calls over one HTTP/2 connection that we frame ourselves on a TCP socket. The store's hot
// path (Range, Txn) needs only "send one framed message, read one back, check grpc-status". grpc-js spends
// ~250 µs of CPU per call on that, node:http2 ~60 µs (a Duplex stream object, header objects and
// nghttp2 callbacks per call); writing the frames directly costs ~15 µs, and on a machine where etcd
// shares the cores with Node that difference is etcd's throughput.
//
// What HTTP/2 asks of a client that only sends unary requests, and where it is done here:
// - connection preface and SETTINGS, acknowledging the peer's (Connection constructor, onSettings);
// - HPACK with per-connection state: every header block is decoded in order, even for calls we gave up on;
// - flow control: DATA we send stays within the connection's and the stream's window (pump); what we
//   receive is acknowledged with WINDOW_UPDATE (onData); our own windows are the largest allowed;
// - MAX_CONCURRENT_STREAMS (calls queue), PING (answered), RST_STREAM (the call fails), GOAWAY (calls the
//   server did not take are sent again on a new connection), and stream ids running out (a new connection).
import net from "node:net";
import tls from "node:tls";
import { HpackDecoder, HpackEncoder } from "./hpack.ts";

/** A gRPC failure with grpc-js's status codes, so callers test `code` the same way for both transports. */
export class GrpcError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(`${code} ${message}`);
    this.code = code;
  }
}

export const CANCELLED = 1;
export const DEADLINE_EXCEEDED = 4;
export const INTERNAL = 13;
export const UNAVAILABLE = 14;

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

const DATA = 0x0;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const PUSH_PROMISE = 0x5;
const PING = 0x6;
const GOAWAY = 0x7;
const WINDOW_UPDATE = 0x8;
const CONTINUATION = 0x9;

const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;

const SETTINGS_HEADER_TABLE_SIZE = 0x1;
const SETTINGS_ENABLE_PUSH = 0x2;
const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
const SETTINGS_MAX_FRAME_SIZE = 0x5;

const ERROR_CANCEL = 0x8;
const DEFAULT_WINDOW = 65_535;
const MAX_WINDOW = 0x7fffffff;
const MAX_STREAM_ID = 0x7fffffff;
/** Frames larger than this are a broken peer: we never raise SETTINGS_MAX_FRAME_SIZE above 16 KiB. */
const MAX_FRAME = 1 << 24;
/** Our receive windows are MAX_WINDOW; the connection's is topped up once this much has arrived. */
const WINDOW_REFILL = 1 << 30;
const CONNECT_TIMEOUT_MS = 5_000;

function frameHeader(buf: Buffer, pos: number, len: number, type: number, flags: number, id: number): void {
  buf[pos] = len >>> 16;
  buf[pos + 1] = (len >>> 8) & 0xff;
  buf[pos + 2] = len & 0xff;
  buf[pos + 3] = type;
  buf[pos + 4] = flags;
  buf.writeUInt32BE(id, pos + 5);
}

function frame(type: number, flags: number, id: number, payload: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(9 + payload.length);
  frameHeader(buf, 0, payload.length, type, flags, id);
  payload.copy(buf, 9);
  return buf;
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n, 0);
  return b;
}

class Call {
  readonly owner: H2Unary;
  readonly path: string;
  readonly body: Uint8Array;
  readonly deadline: number;
  readonly timeoutMs: number;
  private readonly resolve: (b: Buffer) => void;
  private readonly reject: (e: Error) => void;
  done = false;
  conn: Connection | undefined = undefined;
  id = 0;
  /** The stream's send window, and the part of the framed message not sent yet. */
  window = 0;
  rest: Buffer | undefined = undefined;
  httpStatus = "";
  grpcStatus: string | undefined = undefined;
  grpcMessage = "";
  data: Buffer | undefined = undefined;
  chunks: Buffer[] | undefined = undefined;

  constructor(
    owner: H2Unary,
    path: string,
    body: Uint8Array,
    timeoutMs: number,
    resolve: (b: Buffer) => void,
    reject: (e: Error) => void,
  ) {
    this.owner = owner;
    this.path = path;
    this.body = body;
    this.timeoutMs = timeoutMs;
    this.deadline = Date.now() + timeoutMs;
    this.resolve = resolve;
    this.reject = reject;
  }

  /** Back to "not sent": for a call a connection never handed to the server. */
  reset(): void {
    this.conn = undefined;
    this.id = 0;
    this.rest = undefined;
    this.httpStatus = "";
    this.grpcStatus = undefined;
    this.grpcMessage = "";
    this.data = undefined;
    this.chunks = undefined;
  }

  succeed(b: Buffer): void {
    if (this.done) return;
    this.done = true;
    this.owner.settled();
    this.resolve(b);
  }

  fail(err: Error): void {
    if (this.done) return;
    this.done = true;
    this.owner.settled();
    this.reject(err);
  }
}

/** One TCP connection and its HTTP/2 state. */
class Connection {
  private readonly owner: H2Unary;
  private readonly sock: net.Socket;
  private readonly authority: string;
  readonly streams = new Map<number, Call>();
  /** Calls waiting for a stream slot (the peer's MAX_CONCURRENT_STREAMS). */
  private queued: Call[] = [];
  /** Started calls whose message waits for flow-control window. */
  private blocked: Call[] = [];
  private nextId = 1;
  private sendWindow = DEFAULT_WINDOW;
  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxFrame = 16_384;
  private peerMaxStreams = Number.POSITIVE_INFINITY;
  private recvUnacked = 0;
  private readonly enc = new HpackEncoder();
  private readonly dec = new HpackDecoder();
  private readonly blocks = new Map<string, Buffer>();
  private blocksGeneration = -1;
  private partial: Buffer | undefined;
  private continuation: { id: number; endStream: boolean; parts: Buffer[] } | undefined;
  private out: Buffer[] = [];
  private flushQueued = false;
  /** The error code of the peer's GOAWAY, for the message of calls that fail afterwards. */
  private goawayCode: number | undefined;
  draining = false;
  dead = false;

  constructor(owner: H2Unary, sock: net.Socket, authority: string) {
    this.owner = owner;
    this.sock = sock;
    this.authority = authority;
    const settings = Buffer.allocUnsafe(12);
    settings.writeUInt16BE(SETTINGS_ENABLE_PUSH, 0);
    settings.writeUInt32BE(0, 2);
    settings.writeUInt16BE(SETTINGS_INITIAL_WINDOW_SIZE, 6);
    settings.writeUInt32BE(MAX_WINDOW, 8);
    sock.write(
      Buffer.concat([
        PREFACE,
        frame(SETTINGS, 0, 0, settings),
        frame(WINDOW_UPDATE, 0, 0, u32(MAX_WINDOW - DEFAULT_WINDOW)),
      ]),
    );
    sock.on("data", (chunk: Buffer) => {
      try {
        this.onData(chunk);
      } catch (err) {
        this.destroy(`HTTP/2 protocol error from etcd: ${(err as Error).message}`);
      }
    });
    sock.on("error", (err) => this.destroy(`connection to etcd failed: ${err.message}`));
    sock.on("close", () =>
      this.destroy(
        this.goawayCode === undefined
          ? "connection to etcd closed"
          : `connection to etcd closed after GOAWAY (error code ${this.goawayCode})`,
      ),
    );
  }

  get usable(): boolean {
    return !this.draining && !this.dead;
  }

  /** Takes a call; false if this connection takes no new calls any more. */
  start(call: Call): boolean {
    if (!this.usable) return false;
    call.conn = this;
    if (this.streams.size >= this.peerMaxStreams) this.queued.push(call);
    else this.open(call);
    return true;
  }

  private open(call: Call): void {
    const id = this.nextId;
    this.nextId += 2;
    if (this.nextId > MAX_STREAM_ID) this.draining = true; // ids are used up: later calls get a new connection
    call.id = id;
    call.window = this.peerInitialWindow;
    this.streams.set(id, call);
    const block = this.headerBlock(call.path);
    const bodyLen = call.body.length;
    const msgLen = 5 + bodyLen;
    if (msgLen <= this.sendWindow && msgLen <= call.window && msgLen <= this.peerMaxFrame) {
      // The common case: HEADERS and the whole message in one DATA frame, in one buffer.
      const buf = Buffer.allocUnsafe(18 + block.length + msgLen);
      frameHeader(buf, 0, block.length, HEADERS, END_HEADERS, id);
      block.copy(buf, 9);
      let p = 9 + block.length;
      frameHeader(buf, p, msgLen, DATA, END_STREAM, id);
      p += 9;
      buf[p] = 0;
      buf.writeUInt32BE(bodyLen, p + 1);
      buf.set(call.body, p + 5);
      this.sendWindow -= msgLen;
      call.window -= msgLen;
      this.write(buf);
      return;
    }
    const headers = Buffer.allocUnsafe(9 + block.length);
    frameHeader(headers, 0, block.length, HEADERS, END_HEADERS, id);
    block.copy(headers, 9);
    this.write(headers);
    const msg = Buffer.allocUnsafe(msgLen);
    msg[0] = 0;
    msg.writeUInt32BE(bodyLen, 1);
    msg.set(call.body, 5);
    call.rest = msg;
    this.blocked.push(call);
    this.pump();
  }

  /**
   * The header block of a call to `path`. A block that only refers to table entries can be sent again as
   * long as the encoder's table is unchanged; one that adds entries must not be repeated.
   */
  private headerBlock(path: string): Buffer {
    const enc = this.enc;
    if (this.blocksGeneration !== enc.generation) {
      this.blocks.clear();
      this.blocksGeneration = enc.generation;
    }
    const cached = this.blocks.get(path);
    if (cached) return cached;
    const block = enc.encode([
      [":method", "POST"],
      [":scheme", "http"],
      [":path", path],
      [":authority", this.authority],
      ["content-type", "application/grpc"],
      ["te", "trailers"],
    ]);
    if (enc.generation === this.blocksGeneration) this.blocks.set(path, block);
    return block;
  }

  /** Sends what flow control allows of the blocked calls' messages. */
  private pump(): void {
    const still: Call[] = [];
    for (const call of this.blocked) {
      let rest = call.rest;
      if (call.done || call.conn !== this || rest === undefined) continue;
      while (rest.length > 0) {
        const n = Math.min(rest.length, this.sendWindow, call.window, this.peerMaxFrame);
        if (n <= 0) break;
        const head = Buffer.allocUnsafe(9);
        frameHeader(head, 0, n, DATA, n === rest.length ? END_STREAM : 0, call.id);
        this.write(head);
        this.write(rest.subarray(0, n));
        this.sendWindow -= n;
        call.window -= n;
        rest = rest.subarray(n);
      }
      if (rest.length > 0) {
        call.rest = rest;
        still.push(call);
      } else {
        call.rest = undefined;
      }
    }
    this.blocked = still;
  }

  // Frames of one event-loop turn go out in one write: a burst of answers from etcd is followed by a
  // burst of new calls, and one write of all of them costs one syscall instead of dozens.
  private write(buf: Buffer): void {
    this.out.push(buf);
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(flush, this);
    }
  }

  /** @internal called from process.nextTick */
  flush(): void {
    this.flushQueued = false;
    const out = this.out;
    this.out = [];
    if (this.dead || out.length === 0) return;
    this.sock.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
  }

  private onData(chunk: Buffer): void {
    let buf = chunk;
    if (this.partial) {
      buf = Buffer.concat([this.partial, chunk]);
      this.partial = undefined;
    }
    let off = 0;
    const total = buf.length;
    while (total - off >= 9) {
      const len = ((buf[off] as number) << 16) | ((buf[off + 1] as number) << 8) | (buf[off + 2] as number);
      if (len > MAX_FRAME) throw new Error(`frame of ${len} bytes`);
      const end = off + 9 + len;
      if (end > total) break;
      const type = buf[off + 3] as number;
      const flags = buf[off + 4] as number;
      const id = buf.readUInt32BE(off + 5) & MAX_STREAM_ID;
      const start = off + 9;
      off = end;
      if (this.continuation && type !== CONTINUATION) throw new Error("header block interrupted");
      switch (type) {
        case DATA:
          this.onDataFrame(buf, start, end, flags, id);
          break;
        case HEADERS:
          this.onHeaders(buf, start, end, flags, id);
          break;
        case CONTINUATION:
          this.onContinuation(buf, start, end, flags, id);
          break;
        case RST_STREAM:
          this.onReset(id, buf.readUInt32BE(start));
          break;
        case SETTINGS:
          if (!(flags & ACK)) this.onSettings(buf, start, end);
          break;
        case PING:
          if (!(flags & ACK)) this.write(frame(PING, ACK, 0, buf.subarray(start, end)));
          break;
        case GOAWAY:
          this.onGoaway(buf.readUInt32BE(start) & MAX_STREAM_ID, buf.readUInt32BE(start + 4));
          break;
        case WINDOW_UPDATE:
          this.onWindowUpdate(id, buf.readUInt32BE(start) & MAX_WINDOW);
          break;
        case PUSH_PROMISE:
          throw new Error("PUSH_PROMISE although push is disabled");
        // PRIORITY and unknown frame types carry nothing a unary client needs.
      }
      if (this.dead) return;
    }
    if (off < total) this.partial = buf.subarray(off);
  }

  private onDataFrame(buf: Buffer, start: number, end: number, flags: number, id: number): void {
    // Flow control counts the whole payload, padding included, whether or not the call is still wanted.
    this.recvUnacked += end - start;
    if (this.recvUnacked >= WINDOW_REFILL) {
      this.write(frame(WINDOW_UPDATE, 0, 0, u32(this.recvUnacked)));
      this.recvUnacked = 0;
    }
    const call = this.streams.get(id);
    if (!call) return;
    if (flags & PADDED) end -= buf[start++] as number;
    if (end > start) {
      const part = buf.subarray(start, end);
      if (call.data === undefined) call.data = part;
      else if (call.chunks === undefined) call.chunks = [call.data, part];
      else call.chunks.push(part);
    }
    if (flags & END_STREAM) this.finish(call);
  }

  private onHeaders(buf: Buffer, start: number, end: number, flags: number, id: number): void {
    if (flags & PADDED) end -= buf[start++] as number;
    if (flags & PRIORITY) start += 5;
    if (end < start) throw new Error("malformed HEADERS frame");
    const block = buf.subarray(start, end);
    if (flags & END_HEADERS) this.onHeaderBlock(id, (flags & END_STREAM) !== 0, block);
    else this.continuation = { id, endStream: (flags & END_STREAM) !== 0, parts: [Buffer.from(block)] };
  }

  private onContinuation(buf: Buffer, start: number, end: number, flags: number, id: number): void {
    const c = this.continuation;
    if (!c || c.id !== id) throw new Error("unexpected CONTINUATION frame");
    c.parts.push(Buffer.from(buf.subarray(start, end)));
    if (flags & END_HEADERS) {
      this.continuation = undefined;
      this.onHeaderBlock(id, c.endStream, Buffer.concat(c.parts));
    }
  }

  private onHeaderBlock(id: number, endStream: boolean, block: Buffer): void {
    // Decoded even when nobody waits for the stream: the decoder's table must follow the encoder's.
    const fields = this.dec.decode(block);
    const call = this.streams.get(id);
    if (!call) return;
    for (let i = 0; i < fields.length; i += 2) {
      const value = fields[i + 1] as string;
      switch (fields[i]) {
        case ":status":
          call.httpStatus = value;
          break;
        case "grpc-status":
          call.grpcStatus = value;
          break;
        case "grpc-message":
          call.grpcMessage = value;
          break;
      }
    }
    if (endStream) this.finish(call);
  }

  private finish(call: Call): void {
    this.streams.delete(call.id);
    if (call.grpcStatus !== "0") {
      let message = call.grpcMessage;
      try {
        message = decodeURIComponent(message);
      } catch {
        // not percent-encoded after all: keep it as it came
      }
      const status = call.grpcStatus;
      call.fail(
        new GrpcError(
          status === undefined ? UNAVAILABLE : Number(status),
          message || (status === undefined ? `no grpc-status (HTTP status ${call.httpStatus || "none"})` : ""),
        ),
      );
    } else {
      const b = call.chunks ? Buffer.concat(call.chunks) : call.data;
      const len = b && b.length >= 5 && b[0] === 0 ? b.readUInt32BE(1) : -1;
      if (b === undefined || len < 0 || 5 + len > b.length) {
        call.fail(new GrpcError(INTERNAL, "malformed or compressed gRPC response"));
      } else {
        call.succeed(b.subarray(5, 5 + len));
      }
    }
    this.afterStreamEnd();
  }

  private afterStreamEnd(): void {
    while (this.queued.length > 0 && this.streams.size < this.peerMaxStreams && !this.dead) {
      const next = this.queued.shift() as Call;
      if (!next.done) this.open(next);
    }
    if (this.draining) this.endIfIdle();
  }

  private onReset(id: number, code: number): void {
    const call = this.streams.get(id);
    if (!call) return;
    this.streams.delete(id);
    call.fail(new GrpcError(UNAVAILABLE, `etcd reset the stream (HTTP/2 error code ${code})`));
    this.afterStreamEnd();
  }

  private onSettings(buf: Buffer, start: number, end: number): void {
    if ((end - start) % 6 !== 0) throw new Error("malformed SETTINGS frame");
    for (let p = start; p < end; p += 6) {
      const id = buf.readUInt16BE(p);
      const value = buf.readUInt32BE(p + 2);
      switch (id) {
        case SETTINGS_HEADER_TABLE_SIZE:
          this.enc.setMaxTableSize(value);
          break;
        case SETTINGS_MAX_CONCURRENT_STREAMS:
          this.peerMaxStreams = value;
          break;
        case SETTINGS_INITIAL_WINDOW_SIZE: {
          if (value > MAX_WINDOW) throw new Error("initial window size above 2^31-1");
          const delta = value - this.peerInitialWindow;
          this.peerInitialWindow = value;
          for (const call of this.streams.values()) call.window += delta;
          break;
        }
        case SETTINGS_MAX_FRAME_SIZE:
          if (value < 16_384 || value > MAX_FRAME) throw new Error(`max frame size ${value} out of range`);
          this.peerMaxFrame = value;
          break;
      }
    }
    this.write(frame(SETTINGS, ACK, 0, Buffer.alloc(0)));
    this.pump();
    this.afterStreamEnd();
  }

  private onWindowUpdate(id: number, increment: number): void {
    if (id === 0) this.sendWindow += increment;
    else {
      const call = this.streams.get(id);
      if (!call) return;
      call.window += increment;
    }
    if (this.blocked.length > 0) this.pump();
  }

  /**
   * The server stops taking streams. Those above `lastId` were not processed (RFC 9113 §6.8), so they
   * and the queued ones go out again on a new connection, writes included; the rest finish here.
   */
  private onGoaway(lastId: number, code: number): void {
    this.draining = true;
    const resend: Call[] = this.queued;
    this.queued = [];
    for (const [id, call] of this.streams) {
      if (id > lastId) {
        this.streams.delete(id);
        resend.push(call);
      }
    }
    for (const call of resend) {
      call.reset();
      this.owner.dispatch(call);
    }
    this.goawayCode = code;
    this.endIfIdle();
  }

  /** Fails or drops the calls past their deadline; returns the earliest deadline still pending. */
  expire(now: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (const [id, call] of this.streams) {
      if (call.deadline <= now) {
        this.streams.delete(id);
        // The server may still be working on it; RST_STREAM tells it nobody waits any more.
        this.write(frame(RST_STREAM, 0, id, u32(ERROR_CANCEL)));
        call.fail(new GrpcError(DEADLINE_EXCEEDED, `deadline of ${call.timeoutMs} ms exceeded`));
      } else if (call.deadline < next) next = call.deadline;
    }
    this.queued = this.queued.filter((call) => {
      if (call.deadline > now) {
        next = Math.min(next, call.deadline);
        return true;
      }
      call.fail(new GrpcError(DEADLINE_EXCEEDED, `deadline of ${call.timeoutMs} ms exceeded`));
      return false;
    });
    this.afterStreamEnd();
    return next;
  }

  /** Takes no new calls; closes once the ones in flight are answered. */
  drain(): void {
    this.draining = true;
    for (const call of this.queued) call.fail(new GrpcError(CANCELLED, "client closed"));
    this.queued = [];
    this.endIfIdle();
  }

  private endIfIdle(): void {
    if (this.dead || this.streams.size > 0 || this.queued.length > 0) return;
    this.flush();
    this.dead = true;
    this.sock.end();
    this.owner.forget(this);
  }

  private destroy(why: string): void {
    if (this.dead) return;
    this.dead = true;
    this.sock.destroy();
    this.owner.forget(this);
    for (const call of this.streams.values()) call.fail(new GrpcError(UNAVAILABLE, why));
    this.streams.clear();
    // Queued calls never reached the server: they may go out on the next connection.
    for (const call of this.queued) {
      call.reset();
      this.owner.dispatch(call);
    }
    this.queued = [];
  }
}

function flush(conn: Connection): void {
  conn.flush();
}

export class H2Unary {
  private readonly endpoint: string;
  private readonly host: string;
  private readonly port: number;
  private readonly tls: boolean;
  private conn: Connection | undefined;
  private connecting: Promise<Connection> | undefined;
  /** The current connection and those draining. */
  private readonly conns = new Set<Connection>();
  /** Calls waiting for a connection. */
  private readonly waiting = new Set<Call>();
  private closed = false;
  private inflight = 0;
  // One timer for every call's deadline, armed at the earliest one, instead of a timer per call.
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(endpoint: string) {
    this.endpoint = endpoint;
    const url = new URL(endpoint);
    this.host = url.hostname.replace(/^\[|\]$/g, "");
    this.port = Number(url.port || 2379);
    this.tls = url.protocol === "https:";
  }

  call(path: string, body: Uint8Array, timeoutMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const call = new Call(this, path, body, timeoutMs, resolve, reject);
      if (this.inflight++ === 0) this.timer?.ref();
      if (call.deadline < this.timerAt) this.arm(call.deadline);
      this.dispatch(call);
    });
  }

  /** @internal */
  dispatch(call: Call): void {
    if (call.done) return;
    if (this.closed) {
      call.fail(new GrpcError(CANCELLED, "client closed"));
      return;
    }
    const conn = this.conn;
    if (conn?.start(call)) return;
    void this.dispatchWhenConnected(call);
  }

  private async dispatchWhenConnected(call: Call): Promise<void> {
    this.waiting.add(call);
    try {
      for (;;) {
        const conn = await this.connected(call.deadline);
        if (call.done || conn.start(call)) return;
      }
    } catch (err) {
      call.fail(err as Error);
    } finally {
      this.waiting.delete(call);
    }
  }

  /** A usable connection; reconnects after etcd restarts. Rejects once the deadline passes. */
  private async connected(deadline: number): Promise<Connection> {
    for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
      if (this.closed) throw new GrpcError(CANCELLED, "client closed");
      if (this.conn?.usable) return this.conn;
      this.connecting ??= this.connect().finally(() => {
        this.connecting = undefined;
      });
      try {
        return await this.connecting;
      } catch (err) {
        // Connection refused: nothing was sent, so waiting and trying again is safe for any call.
        if (Date.now() + delay > deadline) {
          throw new GrpcError(UNAVAILABLE, `cannot connect to ${this.endpoint}: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private connect(): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const sock = this.tls
        ? tls.connect({
            host: this.host,
            port: this.port,
            ALPNProtocols: ["h2"],
            ...(net.isIP(this.host) ? {} : { servername: this.host }),
          })
        : net.connect({ host: this.host, port: this.port });
      sock.setTimeout(CONNECT_TIMEOUT_MS);
      const failed = (err: Error) => {
        sock.destroy();
        reject(err);
      };
      const timedOut = () => failed(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms`));
      sock.once("error", failed);
      sock.once("timeout", timedOut);
      sock.once(this.tls ? "secureConnect" : "connect", () => {
        sock.off("error", failed);
        sock.off("timeout", timedOut);
        sock.setTimeout(0);
        sock.setNoDelay(true);
        sock.setKeepAlive(true, 30_000);
        // Like an idle http2 session: an open connection alone does not keep the process alive.
        sock.unref();
        if (this.closed) {
          sock.destroy();
          reject(new GrpcError(CANCELLED, "client closed"));
          return;
        }
        const port = this.port;
        const conn = new Connection(this, sock, `${this.host.includes(":") ? `[${this.host}]` : this.host}:${port}`);
        this.conns.add(conn);
        this.conn = conn;
        resolve(conn);
      });
    });
  }

  /** @internal a connection that is closed or closing */
  forget(conn: Connection): void {
    this.conns.delete(conn);
    if (this.conn === conn) this.conn = undefined;
  }

  /** @internal a call was answered or failed */
  settled(): void {
    if (--this.inflight === 0) this.timer?.unref();
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.sweep(), Math.max(1, at - Date.now()));
    if (this.inflight === 0) this.timer.unref();
  }

  private sweep(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const conn of this.conns) next = Math.min(next, conn.expire(now));
    for (const call of this.waiting) {
      if (call.deadline <= now)
        call.fail(new GrpcError(DEADLINE_EXCEEDED, `deadline of ${call.timeoutMs} ms exceeded`));
      else next = Math.min(next, call.deadline);
    }
    if (next < Number.POSITIVE_INFINITY) this.arm(next);
  }

  close(): void {
    this.closed = true;
    for (const conn of this.conns) conn.drain();
    for (const call of this.waiting) call.fail(new GrpcError(CANCELLED, "client closed"));
  }
}
