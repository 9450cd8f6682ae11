import { request as httpsRequest } from "node:https";
import { posix } from "node:path";

// Calling a webhook: one HTTPS POST of the AdmissionReview, as kube-apiserver's webhook client makes it
// (apiserver/pkg/util/webhook and client-go's rest client), with the errors worded as Go words them, since
// kube puts them into the Status a client sees ("failed calling webhook ...: failed to call webhook: <this>").

/** Where a webhook is reached. */
export interface Target {
  /** The URL the request names (for a service: https://<name>.<namespace>.svc:<port><path>). */
  url: URL;
  /** The address actually dialled, when it is not the URL's host (a service's cluster IP). */
  dial?: { host: string; port: number };
  /** The TLS server name to verify, when it is not the URL's host. */
  servername?: string;
  /** PEM CA bundle; without one, the system's roots. */
  caBundle?: string;
}

/** A failure to get an answer: the transport's or the HTTP status's, in Go's words. */
export class CallError extends Error {}

/** The URL kube's rest client posts to: the cleaned path and the ?timeout= it tells the webhook. */
export function requestURL(base: URL, timeoutSeconds: number): URL {
  const u = new URL(base.href);
  let p = posix.normalize(`/${u.pathname}`);
  if (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  u.pathname = p;
  u.search = `?timeout=${timeoutSeconds}s`;
  u.hash = "";
  return u;
}

/** Go's message for a transport error of `Post "<url>"`. */
export function transportMessage(
  err: NodeJS.ErrnoException & { host?: string; port?: number },
  dialed: string,
): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return `dial tcp ${dialed}: connect: connection refused`;
    case "ECONNRESET":
      return `read tcp ${dialed}: read: connection reset by peer`;
    case "EHOSTUNREACH":
      return `dial tcp ${dialed}: connect: no route to host`;
    case "ENETUNREACH":
      return `dial tcp ${dialed}: connect: network is unreachable`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `dial tcp: lookup ${dialed.replace(/:\d+$/, "")}: no such host`;
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
    case "UNABLE_TO_GET_ISSUER_CERT":
      return "tls: failed to verify certificate: x509: certificate signed by unknown authority";
    case "CERT_HAS_EXPIRED":
      return "tls: failed to verify certificate: x509: certificate has expired or is not yet valid";
    case "ERR_TLS_CERT_ALTNAME_INVALID": {
      const m = /Host: (.*?)\. is not in the cert's altnames: (.*)$/.exec(err.message);
      const names = (m?.[2] ?? "").split(",").map((s) => s.trim().replace(/^(DNS|IP Address):/, ""));
      return `tls: failed to verify certificate: x509: certificate is valid for ${names.join(", ")}, not ${m?.[1] ?? ""}`;
    }
    default:
      return err.message;
  }
}

/** client-go's error for a non-2xx answer that is no Status (errors.NewGenericServerResponse). */
export function httpStatusMessage(code: number, body: string, contentType: string | undefined): string {
  const text = !contentType || /^text\//.test(contentType) ? body.slice(0, 1024).trim() : "unknown";
  const known: Record<number, string> = {
    400: "the server rejected our request for an unknown reason",
    401: "the server has asked for the client to provide credentials",
    403: text,
    404: "the server could not find the requested resource",
    405: "the server does not allow this method on the requested resource",
    409: "the server reported a conflict",
    415: text,
    422: "the server rejected our request due to an error in our request",
    429: "the server has received too many requests and has asked us to try again later",
    503: "the server is currently unable to handle the request",
    504: "the server was unable to return a response in the time allotted, but may still be processing the request",
  };
  if (code === 406)
    return text === "" || text === "unknown"
      ? "the server was unable to respond with a content type that the client supports"
      : text;
  if (code in known) return known[code] as string;
  if (code >= 500) return `an error on the server (${JSON.stringify(text)}) has prevented the request from succeeding`;
  return `the server responded with the status code ${code} but did not return more information`;
}

/**
 * POSTs the review and returns the decoded answer. Throws CallError with Go's words for a transport
 * failure, a timeout, or an HTTP error status.
 */
export function postReview(target: Target, review: unknown, timeoutSeconds: number): Promise<unknown> {
  const url = requestURL(target.url, timeoutSeconds);
  const body = Buffer.from(JSON.stringify(review));
  const dialHost = target.dial?.host ?? url.hostname.replace(/^\[|\]$/g, "");
  const dialPort = target.dial?.port ?? Number(url.port || 443);
  const dialed = dialHost.includes(":") ? `[${dialHost}]:${dialPort}` : `${dialHost}:${dialPort}`;
  const post = `Post ${JSON.stringify(url.href)}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new CallError(message));
    };
    const req = httpsRequest(
      {
        host: dialHost,
        port: dialPort,
        method: "POST",
        path: `${url.pathname}${url.search}`,
        servername: target.servername ?? (/^[\d.]+$|:/.test(dialHost) ? undefined : dialHost),
        ...(target.caBundle ? { ca: target.caBundle } : {}),
        headers: {
          host: url.host,
          "content-type": "application/json",
          accept: "application/json, */*",
          "user-agent": "kube-apiserver-admission",
          "content-length": body.length,
        },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (err) => fail(`${post}: ${transportMessage(err, dialed)}`));
        res.on("end", () => {
          if (settled) return;
          const text = Buffer.concat(chunks).toString("utf8");
          const code = res.statusCode ?? 0;
          if (code < 200 || code > 206) {
            // A Status body is the error itself, as client-go's Result.Error() decodes it.
            try {
              const s = JSON.parse(text) as { kind?: string; status?: string; message?: string };
              if (s.kind === "Status" && s.status !== "Success") return fail(s.message ?? "");
            } catch {
              // not a Status: the generic message below
            }
            return fail(httpStatusMessage(code, text, res.headers["content-type"]));
          }
          try {
            settled = true;
            clearTimeout(timer);
            resolve(JSON.parse(text));
          } catch (err) {
            settled = false;
            fail(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
          }
        });
      },
    );
    const timer = setTimeout(() => {
      fail(`${post}: context deadline exceeded`);
      req.destroy();
    }, timeoutSeconds * 1000);
    req.on("error", (err) => fail(`${post}: ${transportMessage(err as NodeJS.ErrnoException, dialed)}`));
    req.end(body);
  });
}
