import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import type { UserInfo } from "../tokens.ts";

// Proxying a request to the server behind a service-backed APIService, as kube-aggregator 1.35's proxy handler
// does it: TLS to the endpoint with the APIService's caBundle (or none with insecureSkipTLSVerify) and
// <service>.<namespace>.svc as the name it must present, the caller's identity in X-Remote-* headers instead of
// its credentials, and the answer passed back as it comes.

/** Hop-by-hop headers a proxy never forwards (RFC 7230), and what identifies the caller to this server. */
const DROP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "authorization",
  "x-remote-user",
  "x-remote-uid",
  "x-remote-group",
]);

/** client-go's headerKeyEscape for X-Remote-Extra-<key>. */
export function headerKeyEscape(key: string): string {
  let out = "";
  for (const b of Buffer.from(key, "utf8")) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9!#$&'*+\-.^_`|~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The headers sent on: the caller's minus hop-by-hop and credentials, plus who the caller is. */
export function proxiedHeaders(
  headers: IncomingHttpHeaders,
  user: UserInfo,
  clientIP: string | undefined,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const connectionListed = new Set(
    String(headers.connection ?? "")
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  for (const [k, v] of Object.entries(headers)) {
    const key = k.toLowerCase();
    if (v === undefined || DROP.has(key) || connectionListed.has(key) || key.startsWith("x-remote-extra-")) continue;
    out[key] = v;
  }
  out["x-remote-user"] = user.username;
  if (user.uid) out["x-remote-uid"] = user.uid;
  if (user.groups.length) out["x-remote-group"] = [...user.groups];
  for (const [k, values] of Object.entries(user.extra ?? {})) out[`x-remote-extra-${headerKeyEscape(k)}`] = [...values];
  if (clientIP) {
    const prior = headers["x-forwarded-for"];
    out["x-forwarded-for"] = prior ? `${Array.isArray(prior) ? prior.join(", ") : prior}, ${clientIP}` : clientIP;
  }
  return out;
}

/** url.Values.Encode: keys sorted, each key's values in order. */
export function encodeQuery(query: URLSearchParams): string {
  const keys = [...new Set(query.keys())].sort();
  const parts: string[] = [];
  const esc = (s: string) =>
    encodeURIComponent(s)
      .replace(/%20/g, "+")
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  for (const k of keys) for (const v of query.getAll(k)) parts.push(`${esc(k)}=${esc(v)}`);
  return parts.join("&");
}

export interface Backend {
  host: string;
  port: number;
  /** <service>.<namespace>.svc, the name the backend's certificate must carry. */
  serverName: string;
  caBundle?: string | undefined;
  insecureSkipTLSVerify: boolean;
  clientCert?: { cert: string; key: string } | undefined;
}

export function tlsOptions(b: Backend): RequestOptions {
  const ca = b.caBundle ? Buffer.from(b.caBundle, "base64").toString("utf8") : undefined;
  return {
    host: b.host,
    port: b.port,
    servername: b.serverName,
    rejectUnauthorized: !b.insecureSkipTLSVerify,
    ...(ca ? { ca } : {}),
    ...(b.clientCert ? { cert: b.clientCert.cert, key: b.clientCert.key } : {}),
    agent: false,
  };
}

/**
 * Sends `req` on to the backend and streams the answer back. `onSent` runs once the request has gone out (a
 * watch's seats are given back then). A failure before any answer is kube's 503 with the error's text.
 */
export function proxyRequest(
  req: IncomingMessage,
  res: ServerResponse,
  backend: Backend,
  path: string,
  query: URLSearchParams,
  user: UserInfo,
  onSent: () => void,
): Promise<void> {
  return new Promise((resolve) => {
    const qs = encodeQuery(query);
    const upstream = httpsRequest(
      {
        ...tlsOptions(backend),
        method: req.method,
        path: qs ? `${path}?${qs}` : path,
        headers: proxiedHeaders(req.headers, user, req.socket.remoteAddress),
      },
      (answer) => {
        const headers: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(answer.headers)) {
          if (v === undefined || DROP.has(k) || k === "authorization") continue;
          headers[k] = v;
        }
        res.writeHead(answer.statusCode ?? 502, headers);
        // A watch is streamed: each chunk goes out as it arrives.
        answer.on("data", (chunk: Buffer) => res.write(chunk));
        answer.on("end", () => {
          res.end();
          resolve();
        });
        answer.on("error", () => {
          res.destroy();
          resolve();
        });
      },
    );
    upstream.on("error", (err) => {
      if (!res.headersSent) {
        const body = `${err.message}\n`;
        res.writeHead(503, {
          "content-type": "text/plain; charset=utf-8",
          "x-content-type-options": "nosniff",
          "content-length": Buffer.byteLength(body),
        });
        res.end(body);
      } else res.destroy();
      resolve();
    });
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
    onSent();
  });
}

/** kube's proxyError: a plain-text answer such as "service unavailable". */
export function proxyError(res: ServerResponse, code: number, text: string): void {
  const body = `${text}\n`;
  res.writeHead(code, {
    "content-type": "text/plain; charset=utf-8",
    "x-content-type-options": "nosniff",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}
