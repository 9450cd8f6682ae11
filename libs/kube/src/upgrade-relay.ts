import { type IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

// Relaying a container stream (pods/exec, attach, portforward, a log over a WebSocket) to the next hop, as
// kube-apiserver relays one to a kubelet: the upgrade request goes on with only the headers of its handshake,
// and once the far end switches protocols the bytes are spliced both ways. The virtual apiserver does this
// towards syncer-pods, and syncer-pods towards the host apiserver.

/** Headers of an upgrade request that mean something to the far end's handshake; nothing else goes on. */
const UPGRADE_HEADERS = new Set([
  "connection",
  "upgrade",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-protocol",
  "sec-websocket-extensions",
  "x-stream-protocol-version",
  "origin",
  "user-agent",
]);

/** The longest error body carried back (kube reads at most this much of a kubelet's error). */
export const MAX_ERROR_BODY = 50_000;

/** Pure: the handshake headers of a request's raw headers, repeated ones (protocol offers) kept in order. */
export function upgradeHeaders(rawHeaders: readonly string[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const key = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    if (!UPGRADE_HEADERS.has(key)) continue;
    const prev = headers[key];
    headers[key] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  return headers;
}

/** The first MAX_ERROR_BODY bytes of a response's body (what has arrived, if it fails). */
export function readLimited(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (c: Buffer) => {
      if (size < MAX_ERROR_BODY) chunks.push(c);
      size += c.length;
    });
    const done = () => resolve(Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY));
    res.on("end", done);
    res.on("error", done);
  });
}

/** A response written on an upgrade request's socket (the HTTP parser has let go of it); the socket closes after. */
export function responseOn(req: IncomingMessage, socket: Duplex): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as never);
  res.once("finish", () => {
    res.detachSocket(socket as never);
    socket.end();
  });
  return res;
}

/**
 * After the far end's 101: its response head goes to the client unchanged, then bytes flow both ways until
 * either side closes.
 */
export function splice(
  farRes: IncomingMessage,
  far: Duplex,
  farHead: Buffer,
  client: Duplex,
  clientHead: Buffer,
): void {
  let head = `HTTP/1.1 ${farRes.statusCode} ${farRes.statusMessage ?? "Switching Protocols"}\r\n`;
  for (let i = 0; i < farRes.rawHeaders.length; i += 2)
    head += `${farRes.rawHeaders[i]}: ${farRes.rawHeaders[i + 1]}\r\n`;
  client.write(`${head}\r\n`);
  if (farHead.length) client.write(farHead);
  if (clientHead.length) far.write(clientHead);
  const cut = () => {
    client.destroy();
    far.destroy();
  };
  client.on("error", cut);
  far.on("error", cut);
  client.once("close", cut);
  far.once("close", cut);
  far.pipe(client);
  client.pipe(far);
}
