// Unary gRPC calls over one node:http2 session. grpc-js spends ~250 µs of CPU per call on interceptors,
// metadata and deadline bookkeeping; the store's hot path (Range, Txn) needs only "send one framed message,
// read one back, check grpc-status", which costs well under half of that.
import http2 from "node:http2";

/** A gRPC failure with grpc-js's status codes, so callers test `code` the same way for both transports. */
export class GrpcError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(`${code} ${message}`);
    this.code = code;
  }
}

export const UNAVAILABLE = 14;
export const DEADLINE_EXCEEDED = 4;

const HEADERS = { ":method": "POST", "content-type": "application/grpc", te: "trailers" } as const;

export class H2Unary {
  private readonly endpoint: string;
  private session: http2.ClientHttp2Session | undefined;
  private connecting: Promise<http2.ClientHttp2Session> | undefined;
  private closed = false;

  constructor(endpoint: string) {
    this.endpoint = endpoint;
  }

  /** A connected session; reconnects after etcd restarts. Rejects once the deadline passes. */
  private async connected(deadline: number): Promise<http2.ClientHttp2Session> {
    for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
      if (this.closed) throw new GrpcError(1, "client closed");
      if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
      this.connecting ??= new Promise((resolve, reject) => {
        const s = http2.connect(this.endpoint);
        const drop = () => {
          if (this.session === s) this.session = undefined;
        };
        s.once("connect", () => {
          this.session = s;
          s.unref();
          resolve(s);
        });
        s.once("error", (err) => {
          drop();
          reject(err);
        });
        s.once("close", drop);
        s.once("goaway", drop);
      });
      try {
        return await this.connecting;
      } catch {
        // Connection refused: nothing was sent, so waiting and trying again is safe for any call.
        if (Date.now() + delay > deadline) throw new GrpcError(UNAVAILABLE, `cannot connect to ${this.endpoint}`);
        await new Promise((r) => setTimeout(r, delay));
      } finally {
        this.connecting = undefined;
      }
    }
  }

  async call(path: string, body: Uint8Array, timeoutMs: number): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    const session = await this.connected(deadline);
    const frame = Buffer.allocUnsafe(5 + body.length);
    frame[0] = 0;
    frame.writeUInt32BE(body.length, 1);
    frame.set(body, 5);
    return new Promise((resolve, reject) => {
      let req: http2.ClientHttp2Stream;
      try {
        req = session.request({ ...HEADERS, ":path": path });
      } catch (err) {
        reject(new GrpcError(UNAVAILABLE, (err as Error).message));
        return;
      }
      const timer = setTimeout(
        () => {
          req.close(http2.constants.NGHTTP2_CANCEL);
          reject(new GrpcError(DEADLINE_EXCEEDED, `deadline of ${timeoutMs} ms exceeded`));
        },
        Math.max(1, deadline - Date.now()),
      );
      const chunks: Buffer[] = [];
      let status: string | undefined;
      let message = "";
      const headerStatus = (h: http2.IncomingHttpHeaders) => {
        if (h["grpc-status"] !== undefined) {
          status = String(h["grpc-status"]);
          message = decodeURIComponent(String(h["grpc-message"] ?? ""));
        }
      };
      req.on("response", headerStatus); // a "trailers-only" error answer carries the status in the headers
      req.on("trailers", headerStatus);
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        clearTimeout(timer);
        if (status !== "0") {
          reject(new GrpcError(status === undefined ? UNAVAILABLE : Number(status), message || "no grpc-status"));
          return;
        }
        const b = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        if (b.length < 5 || b[0] !== 0) {
          reject(new GrpcError(13, "malformed or compressed gRPC response"));
          return;
        }
        resolve(b.subarray(5, 5 + b.readUInt32BE(1)));
      });
      req.on("error", (err) => {
        clearTimeout(timer);
        reject(new GrpcError(UNAVAILABLE, err.message));
      });
      req.end(frame);
    });
  }

  close(): void {
    this.closed = true;
    this.session?.close();
  }
}
