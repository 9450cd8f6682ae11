import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, request as httpsRequest, type RequestOptions, type Server } from "node:https";
import type { Duplex } from "node:stream";
import { readLimited, responseOn, splice, upgradeHeaders } from "@evk/kube";
import { counter, gauge, type Logger, type Registry } from "@evk/observability";
import { hostName, POD_KIND, virtualIdentity } from "@evk/translate";
import type { KubeConfig } from "@kubernetes/client-node";
import {
  hostRequestPath,
  isRefusal,
  type KubeletRefusal,
  type KubeletRequest,
  parseKubeletRequest,
  virtualizeText,
} from "./kubelet-requests.ts";

// The "kubelet" of the virtual nodes: the virtual apiserver sends a virtual pod's pods/log, exec, attach and
// portforward here (kubelet's routes, mutual TLS with a CA only the two share), and syncer-pods carries each
// to the host apiserver's same subresource of the pod's host twin, with its host credentials, which reach
// the host namespace only. Streams are spliced byte for byte both ways after the host's 101 Switching
// Protocols, so WebSocket (v4/v5.channel.k8s.io, v2.portforward.k8s.io, SPDY tunnelled over WebSocket) and
// SPDY/3.1 reach the client exactly as the host apiserver speaks them.

export interface ContainerStreamsOptions {
  cluster: string;
  hostNamespace: string;
  /** The host cluster's kubeconfig (the syncer's own host credentials). */
  kubeConfig: KubeConfig;
  /** Where to listen, e.g. 127.0.0.1:10250; port 0 picks a free one. */
  address: { host: string; port: number };
  /** PEM: the serving certificate and key, and the CA whose client certificates (the apiserver's) are let in. */
  tls: { cert: string; key: string; clientCA: string };
  log: Logger;
  registry: Registry;
}

type Answer = { code: number; text: string };

export class ContainerStreams {
  private readonly o: ContainerStreamsOptions;
  private readonly server: Server;
  private readonly sockets = new Set<Duplex>();
  private readonly requests;
  private readonly active;

  constructor(o: ContainerStreamsOptions) {
    this.o = o;
    this.requests = counter(
      o.registry,
      "evk_syncer_container_streams_total",
      "pods/log, exec, attach and portforward requests carried to the host, by route and host answer",
      ["route", "code"],
    );
    this.active = gauge(o.registry, "evk_syncer_container_streams_active", "Streams open to the host", ["route"]);
    this.server = createServer({
      cert: o.tls.cert,
      key: o.tls.key,
      ca: o.tls.clientCA,
      requestCert: true,
      rejectUnauthorized: true,
    });
    this.server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, undefined, res).catch((err: Error) => this.fail(res, err));
    });
    this.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
      socket.on("error", () => socket.destroy());
      const res = responseOn(req, socket);
      this.handle(req, { socket, head }, res).catch((err: Error) => this.fail(res, err));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.o.address.port, this.o.address.host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    this.o.log.info({ address: `${this.o.address.host}:${this.port}` }, "kubelet API for the virtual nodes serving");
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === "object" && a ? a.port : this.o.address.port;
  }

  /** Stops listening and cuts the streams still open. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private fail(res: ServerResponse, err: Error): void {
    this.o.log.error({ err: err.message }, "container stream failed");
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" }).end(`${err.message}\n`);
    else res.destroy();
  }

  private async handle(
    req: IncomingMessage,
    upgrade: { socket: Duplex; head: Buffer } | undefined,
    res: ServerResponse,
  ): Promise<void> {
    const url = new URL(req.url ?? "/", "https://kubelet");
    const parsed = parseKubeletRequest(req.method ?? "GET", url.pathname, url.searchParams);
    if (isRefusal(parsed)) return answer(res, parsed);
    const hostPod = hostName(this.o.cluster, parsed.namespace, parsed.pod);
    const host = { namespace: this.o.hostNamespace, name: hostPod };
    const virtual = { namespace: parsed.namespace, name: parsed.pod };
    const base = await this.hostOptions();
    const missing = await this.twinProblem(base, parsed, hostPod);
    const audit = {
      route: parsed.route,
      namespace: parsed.namespace,
      pod: parsed.pod,
      container: parsed.container,
      hostPod,
    };
    if (missing) {
      this.requests.inc({ route: parsed.route, code: String(missing.code) });
      this.o.log.info({ ...audit, code: missing.code, why: missing.text.trim() }, "container stream refused");
      return answer(res, missing);
    }
    const target = new URL(hostRequestPath(parsed, host.namespace, hostPod), this.hostServer());
    const headers = { ...(base.headers as Record<string, string>), ...(upgrade ? upgradeHeaders(req.rawHeaders) : {}) };
    const up = httpsRequest(target, { ...tlsOf(base), method: req.method ?? "GET", headers, agent: false });
    const route = parsed.route;
    this.o.log.info(audit, "container stream to the host");
    up.on("response", (hostRes) => {
      this.requests.inc({ route, code: String(hostRes.statusCode ?? 0) });
      relayResponse(hostRes, res, (text) => virtualizeText(text, host, virtual));
    });
    up.on("upgrade", (hostRes, hostSocket, hostHead) => {
      this.requests.inc({ route, code: "101" });
      if (!upgrade) {
        hostSocket.destroy();
        return answer(res, { code: 502, text: "the host switched protocols on a plain request\n" });
      }
      res.detachSocket(upgrade.socket as never);
      this.active.inc({ route });
      hostSocket.once("close", () => this.active.dec({ route }));
      splice(hostRes, hostSocket, hostHead, upgrade.socket, upgrade.head);
    });
    up.on("error", (err) => {
      this.requests.inc({ route, code: "0" });
      this.o.log.warn({ ...audit, err: err.message }, "host apiserver unreachable for a container stream");
      answer(res, { code: 502, text: `error dialing the host apiserver: ${err.message}\n` });
    });
    // A client gone before the host answered: nothing to wait for.
    res.once("close", () => {
      if (!res.writableFinished && !up.destroyed) up.destroy();
    });
    up.end();
  }

  /** The host apiserver's URL. */
  private hostServer(): string {
    const server = this.o.kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new Error("the host kubeconfig names no server");
    return server;
  }

  /** The syncer's host credentials as request options (tokens of exec plugins are fetched afresh). */
  private async hostOptions(): Promise<RequestOptions> {
    const opts: RequestOptions = {};
    await this.o.kubeConfig.applyToHTTPSOptions(opts);
    return opts;
  }

  /**
   * Whether the host pod is the twin of the virtual pod asked for (this cluster's, in its host namespace,
   * naming that pod and, when a uid is given, that very incarnation); kubelet's answer when it has no such pod.
   */
  private async twinProblem(base: RequestOptions, r: KubeletRequest, hostPod: string): Promise<Answer | undefined> {
    const none: Answer =
      r.route === "containerLogs"
        ? { code: 404, text: `pod ${JSON.stringify(r.pod)} does not exist\n` }
        : { code: 404, text: "pod does not exist\n" };
    const path = `/api/v1/namespaces/${encodeURIComponent(this.o.hostNamespace)}/pods/${encodeURIComponent(hostPod)}`;
    const got = await getJson(new URL(path, this.hostServer()), base);
    if (got.code === 404) return none;
    if (got.code !== 200)
      return { code: 502, text: `reading the host pod ${this.o.hostNamespace}/${hostPod}: ${got.code} ${got.text}\n` };
    const id = virtualIdentity(got.json as never, this.o.cluster, this.o.hostNamespace, POD_KIND);
    if (!id || id.namespace !== r.namespace || id.name !== r.pod) return none;
    if (r.uid !== undefined && id.uid !== r.uid) return none;
    return undefined;
  }
}

/** The TLS part of request options (the agent client-node builds is left out: streams get their own connection). */
function tlsOf(o: RequestOptions): RequestOptions {
  const { ca, cert, key, rejectUnauthorized, servername, auth } = o as RequestOptions & {
    ca?: unknown;
    cert?: unknown;
    key?: unknown;
    rejectUnauthorized?: boolean;
    servername?: string;
  };
  return { ca, cert, key, servername, auth, rejectUnauthorized } as RequestOptions;
}

function getJson(url: URL, base: RequestOptions): Promise<{ code: number; text: string; json?: unknown }> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      url,
      { ...tlsOf(base), headers: { ...base.headers, accept: "application/json" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ code: res.statusCode ?? 0, text, json });
        });
        res.on("error", (err) => resolve({ code: 0, text: err.message }));
      },
    );
    req.on("error", (err) => resolve({ code: 0, text: err.message }));
    req.end();
  });
}

function answer(res: ServerResponse, a: KubeletRefusal | Answer): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(a.code, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(a.text) });
  res.end(a.text);
}

/**
 * The host's answer to a plain request (logs, or a stream the host would not upgrade): a success streamed
 * as it comes, flushed chunk by chunk for `-f`; an error read whole and told in the virtual cluster's names.
 */
function relayResponse(hostRes: IncomingMessage, res: ServerResponse, virtualize: (text: string) => string): void {
  const code = hostRes.statusCode ?? 502;
  const type = hostRes.headers["content-type"];
  if (code >= 200 && code < 300) {
    res.writeHead(code, type ? { "content-type": type } : {});
    hostRes.pipe(res);
    res.once("close", () => hostRes.destroy());
    return;
  }
  let failed = false;
  hostRes.on("error", () => {
    failed = true;
    res.destroy();
  });
  void readLimited(hostRes).then((body) => {
    if (failed) return;
    const text = virtualize(body.toString("utf8"));
    if (res.headersSent) return void res.destroy();
    res.writeHead(code, { ...(type ? { "content-type": type } : {}), "content-length": Buffer.byteLength(text) });
    res.end(text);
  });
}
