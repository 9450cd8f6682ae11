// H2Unary against node:http2 as the server: nghttp2 decodes our frames and HPACK, and encodes its answers
// with its own choices (Huffman, dynamic table), so both directions meet an independent implementation.
import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { CANCELLED, DEADLINE_EXCEEDED, GrpcError, H2Unary, UNAVAILABLE } from "../src/etcd/h2-unary.ts";

type Handler = (stream: http2.ServerHttp2Stream, body: Buffer, headers: http2.IncomingHttpHeaders) => void;

interface TestServer {
  endpoint: string;
  port: number;
  sessions: http2.ServerHttp2Session[];
  calls: { path: string; body: Buffer }[];
  close(): Promise<void>;
}

function unframe(b: Buffer): Buffer {
  assert.equal(b[0], 0, "uncompressed gRPC message");
  assert.equal(b.readUInt32BE(1), b.length - 5, "one whole gRPC message");
  return b.subarray(5);
}

function framed(msg: Buffer): Buffer {
  const out = Buffer.alloc(5 + msg.length);
  out.writeUInt32BE(msg.length, 1);
  msg.copy(out, 5);
  return out;
}

/** Answers with grpc-status 0 and `msg` in a normal response with trailers. */
function reply(stream: http2.ServerHttp2Stream, msg: Buffer, trailers: Record<string, string> = {}): void {
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", ...trailers }));
  stream.end(framed(msg));
}

const echo: Handler = (stream, body) => reply(stream, body);

async function startServer(handler: Handler, settings: http2.Settings = {}, port = 0): Promise<TestServer> {
  const server = http2.createServer({ settings });
  const sessions: http2.ServerHttp2Session[] = [];
  const calls: { path: string; body: Buffer }[] = [];
  server.on("session", (s) => sessions.push(s));
  server.on("stream", (stream, headers) => {
    assert.equal(headers["content-type"], "application/grpc");
    assert.equal(headers[":method"], "POST");
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      const body = unframe(Buffer.concat(chunks));
      calls.push({ path: String(headers[":path"]), body });
      handler(stream, body, headers);
    });
    stream.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  const actual = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${actual}`,
    port: actual,
    sessions,
    calls,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sessions) s.destroy();
        server.close(() => r());
      }),
  };
}

const isGrpc = (code: number, message?: RegExp) => (e: unknown) =>
  e instanceof GrpcError && e.code === code && (!message || message.test(e.message));

describe("h2-unary: unary gRPC over our own HTTP/2 framing", () => {
  let server: TestServer | undefined;
  let client: H2Unary | undefined;
  afterEach(async () => {
    client?.close();
    await server?.close();
    client = undefined;
    server = undefined;
  });

  it("multiplexes many concurrent calls on one connection and matches each answer to its call", async () => {
    server = await startServer(echo);
    client = new H2Unary(server.endpoint);
    const bodies = Array.from({ length: 500 }, (_, i) => Buffer.from(`call-${i}-${"y".repeat(i % 97)}`));
    const answers = await Promise.all(bodies.map((b, i) => (client as H2Unary).call(`/svc/M${i % 7}`, b, 5_000)));
    for (const [i, a] of answers.entries()) assert.deepEqual(a, bodies[i]);
    assert.equal(server.sessions.length, 1);
    assert.deepEqual(
      new Set(server.calls.map((c) => c.path)),
      new Set(Array.from({ length: 7 }, (_, i) => `/svc/M${i}`)),
    );
  });

  it("sends and receives messages larger than the windows and the frame size, and an empty one", async () => {
    // A 1 KiB initial stream window makes every large request wait for WINDOW_UPDATEs.
    server = await startServer(echo, { initialWindowSize: 1024 });
    client = new H2Unary(server.endpoint);
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const mid = Buffer.alloc(70_000, 3);
    const [a, b, c] = await Promise.all([
      client.call("/svc/Big", big, 10_000),
      client.call("/svc/Mid", mid, 10_000),
      client.call("/svc/Empty", Buffer.alloc(0), 10_000),
    ]);
    assert.ok(a.equals(big));
    assert.ok(b.equals(mid));
    assert.equal(c.length, 0);
  });

  it("keeps the header tables in step when the server's table is small or off", async () => {
    for (const headerTableSize of [0, 64]) {
      server = await startServer(echo, { headerTableSize });
      client = new H2Unary(server.endpoint);
      for (let i = 0; i < 20; i++) {
        const answers = await Promise.all(
          [0, 1, 2].map((j) => (client as H2Unary).call(`/svc/Path${j}`, Buffer.from(`${i}/${j}`), 5_000)),
        );
        assert.deepEqual(answers.map(String), [`${i}/0`, `${i}/1`, `${i}/2`]);
      }
      client.close();
      await server.close();
    }
    server = undefined;
    client = undefined;
  });

  it("turns grpc-status and a percent-encoded grpc-message into a GrpcError, in trailers or trailers-only", async () => {
    server = await startServer((stream, body) => {
      const kind = body.toString();
      if (kind === "trailers") {
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.on("wantTrailers", () =>
          stream.sendTrailers({
            "grpc-status": "9",
            "grpc-message": encodeURIComponent("etcdserver: mvcc: required revision has been compacted – ✓"),
          }),
        );
        stream.end();
      } else if (kind === "trailers-only") {
        stream.respond(
          { ":status": 200, "content-type": "application/grpc", "grpc-status": "5", "grpc-message": "not found" },
          { endStream: true },
        );
      } else if (kind === "no-status") {
        stream.respond({ ":status": 503 }, { endStream: true });
      } else if (kind === "reset") {
        stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      } else {
        reply(stream, Buffer.from("ok"));
      }
    });
    client = new H2Unary(server.endpoint);
    await assert.rejects(
      client.call("/svc/M", Buffer.from("trailers"), 5_000),
      isGrpc(9, /required revision has been compacted – ✓$/),
    );
    await assert.rejects(client.call("/svc/M", Buffer.from("trailers-only"), 5_000), isGrpc(5, /not found$/));
    await assert.rejects(
      client.call("/svc/M", Buffer.from("no-status"), 5_000),
      isGrpc(UNAVAILABLE, /HTTP status 503/),
    );
    await assert.rejects(client.call("/svc/M", Buffer.from("reset"), 5_000), isGrpc(UNAVAILABLE, /reset the stream/));
    assert.equal(String(await client.call("/svc/M", Buffer.from("fine"), 5_000)), "ok", "the connection lives on");
    assert.equal(server.sessions.length, 1);
  });

  it("fails a call at its deadline, cancels its stream, and keeps serving other calls", async () => {
    const cancelled: number[] = [];
    server = await startServer((stream, body) => {
      if (body.toString() === "hang") {
        stream.on("close", () => cancelled.push(stream.rstCode ?? -1));
        return;
      }
      reply(stream, body);
    });
    client = new H2Unary(server.endpoint);
    const t0 = Date.now();
    const hung = client.call("/svc/M", Buffer.from("hang"), 300);
    const later = client.call("/svc/M", Buffer.from("hang"), 800);
    await assert.rejects(hung, isGrpc(DEADLINE_EXCEEDED));
    const waited = Date.now() - t0;
    assert.ok(waited >= 290 && waited < 2_000, `deadline after ${waited} ms`);
    assert.equal(String(await client.call("/svc/M", Buffer.from("fine"), 5_000)), "fine");
    for (let i = 0; i < 50 && cancelled.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(cancelled, [http2.constants.NGHTTP2_CANCEL]);
    client.close();
    await assert.rejects(later, isGrpc(DEADLINE_EXCEEDED), "close() lets calls in flight run to their end");
  });

  it("waits for a server that is not there yet, within the deadline, and reconnects after it went away", async () => {
    const probe = await startServer(echo);
    const port = probe.port;
    await probe.close();
    client = new H2Unary(`http://127.0.0.1:${port}`);
    await assert.rejects(client.call("/svc/M", Buffer.from("x"), 300), isGrpc(UNAVAILABLE, /cannot connect/));
    const pending = client.call("/svc/M", Buffer.from("waited"), 5_000);
    await new Promise((r) => setTimeout(r, 300));
    server = await startServer(echo, {}, port);
    assert.equal(String(await pending), "waited");

    // The server drops the connection with a call in flight: that call fails (it may have been
    // processed), the next one gets a new connection.
    const dropped = await startServerSwap(server, port, (stream) => stream.session?.destroy());
    server = dropped;
    await assert.rejects(client.call("/svc/M", Buffer.from("lost"), 5_000), isGrpc(UNAVAILABLE));
    await server.close();
    server = await startServer(echo, {}, port);
    assert.equal(String(await client.call("/svc/M", Buffer.from("again"), 5_000)), "again");
  });

  it("sends calls the server did not take before its GOAWAY again on a new connection", async () => {
    let first: http2.ServerHttp2Session | undefined;
    const held: http2.ServerHttp2Stream[] = [];
    server = await startServer((stream, body) => {
      const session = stream.session as http2.ServerHttp2Session;
      first ??= session;
      if (session !== first) return reply(stream, body);
      held.push(stream);
      if (held.length === 3) {
        // Only the first stream counts as taken; the other two must come back on a new connection.
        session.goaway(http2.constants.NGHTTP2_NO_ERROR, (held[0] as http2.ServerHttp2Stream).id as number);
        reply(held[0] as http2.ServerHttp2Stream, Buffer.from("first"));
      }
    });
    client = new H2Unary(server.endpoint);
    const answers = await Promise.all(
      ["a", "b", "c"].map((s) => (client as H2Unary).call("/svc/M", Buffer.from(s), 5_000)),
    );
    assert.deepEqual(answers.map(String), ["first", "b", "c"]);
    assert.equal(server.sessions.length, 2);
  });

  it("queues calls beyond the server's MAX_CONCURRENT_STREAMS", async () => {
    let open = 0;
    let most = 0;
    server = await startServer(
      (stream, body) => {
        open++;
        most = Math.max(most, open);
        setTimeout(() => {
          open--;
          reply(stream, body);
        }, 5);
      },
      { maxConcurrentStreams: 3 },
    );
    client = new H2Unary(server.endpoint);
    // Let the server's SETTINGS arrive before the burst.
    await client.call("/svc/M", Buffer.from("warm"), 5_000);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (client as H2Unary).call("/svc/M", Buffer.from(String(i)), 5_000)),
    );
    assert.deepEqual(
      answers.map(String),
      Array.from({ length: 30 }, (_, i) => String(i)),
    );
    assert.ok(most <= 3, `at most 3 streams at once, saw ${most}`);
  });

  it("refuses new calls after close()", async () => {
    server = await startServer(echo);
    client = new H2Unary(server.endpoint);
    assert.equal(String(await client.call("/svc/M", Buffer.from("x"), 5_000)), "x");
    client.close();
    await assert.rejects(client.call("/svc/M", Buffer.from("y"), 5_000), isGrpc(CANCELLED, /client closed/));
  });
});

/** Replaces `old` on the same port with a server using `handler`. */
async function startServerSwap(old: TestServer, port: number, handler: Handler): Promise<TestServer> {
  await old.close();
  return startServer(handler, {}, port);
}
