import type { IncomingMessage, ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Duplex } from "node:stream";
import { errors, type KubeObject, readLimited, responseOn, StatusError, splice, upgradeHeaders } from "@evk/kube";
import type { Logger } from "@evk/observability";
import type { Store } from "@evk/store";
import { WebSocketServer } from "ws";
import { transportMessage } from "./admission/client.ts";
import type { Admission, Attributes } from "./admission/index.ts";
import { sendError, sendJson } from "./api.ts";
import { ReasonlessError } from "./patch.ts";
import {
  chooseContainer,
  connectKind,
  connectOptionsObject,
  fromConnectOptionsObject,
  isPodStreamSubresource,
  kubeletLogError,
  kubeletPath,
  type PodStreamOptions,
  type PodStreamSubresource,
  parsePodStreamOptions,
  requestedContainer,
  requireNode,
} from "./pod-stream-options.ts";
import { parseRequest, type ResourceRequest } from "./request-info.ts";
import type { UserInfo } from "./tokens.ts";

// pods/log, exec, attach and portforward of virtual pods. The apiserver checks what kube-apiserver checks
// (options, the pod, its container, its node) and then, as kube-apiserver goes to the node's kubelet, goes
// to the kubelet of the virtual nodes: syncer-pods' container-streams endpoint, over mutual TLS with a CA
// the two share (the apiserver holds no host credentials). Logs are streamed through; exec, attach and
// port-forward are HTTP upgrades whose bytes are spliced both ways once the far end switches protocols, so
// the client speaks WebSocket or SPDY with the host apiserver's own stream handlers.

/** How to reach the virtual nodes' kubelet API: its URL, the CA its certificate is signed by, our client pair. */
export interface KubeletClientConfig {
  url: string;
  ca: string;
  cert: string;
  key: string;
}

const STREAM_PATH = /^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/(?:exec|attach|portforward)\/?$/;
const LOG_PATH = /^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/log\/?$/;

/** The WebSocket protocols a log stream is offered in (wsstream's reader protocols): raw bytes, or base64 text. */
const LOG_PROTOCOLS = ["", "binary.k8s.io", "base64.binary.k8s.io"];
/** The most a log message carries: kube copies the stream through a buffer of this size. */
const LOG_MESSAGE_BYTES = 2048;

type Authenticate = (req: IncomingMessage) => Promise<UserInfo | undefined>;

export interface PodStreamsOptions {
  store: Store;
  log: Logger;
  authenticate: Authenticate;
  /** Webhooks and policies that see exec, attach and portforward as CONNECT, as kube's connect handler runs them. */
  admission?: Pick<Admission, "write">;
  kubelet?: KubeletClientConfig;
}

export class PodStreams {
  private readonly o: PodStreamsOptions;
  private readonly sockets = new Set<Duplex>();

  constructor(o: PodStreamsOptions) {
    this.o = o;
  }

  /** Whether the server should hand this request over as an upgrade (http.Server's shouldUpgradeCallback). */
  static takesUpgrade(req: IncomingMessage): boolean {
    if (req.method !== "GET" && req.method !== "POST") return false;
    if (!req.headers.upgrade) return false;
    const path = (req.url ?? "").split("?")[0] as string;
    // A log read over a WebSocket (wsstream's reader) as well as the streams proper.
    return STREAM_PATH.test(path) || (LOG_PATH.test(path) && req.headers.upgrade.toLowerCase() === "websocket");
  }

  /** Cuts every open stream (the server is closing). */
  close(): void {
    for (const s of this.sockets) s.destroy();
  }

  private kubelet(): KubeletClientConfig {
    if (!this.o.kubelet)
      throw errors.unavailable(
        "pod logs, exec, attach and port-forward are not served: this apiserver was started without --kubelet-url",
      );
    return this.o.kubelet;
  }

  /**
   * What kube-apiserver checks before it calls the kubelet, in its order (options, CONNECT admission, the pod,
   * its container); the first failure is the answer.
   */
  private async resolve(
    sub: PodStreamSubresource,
    info: ResourceRequest,
    query: URLSearchParams,
    method: string,
    user: UserInfo | undefined,
  ): Promise<{ stream: PodStreamOptions; pod: KubeObject; container: string }> {
    const allowed = sub === "log" ? method === "GET" : method === "GET" || method === "POST";
    if (!allowed)
      throw new StatusError("MethodNotAllowed", "the server does not allow this method on the requested resource", {});
    const name = info.name as string;
    let stream = parsePodStreamOptions(sub, query, name);
    if (stream.subresource !== "log" && this.o.admission) stream = await this.admit(stream, info, user);
    const pod = await this.o.store.get({ group: "", resource: "pods", namespace: info.namespace, name });
    const container = sub === "portforward" ? "" : chooseContainer(pod, requestedContainer(stream));
    return { stream, pod, container };
  }

  /** exec, attach and portforward pass admission as CONNECT with their options object; a mutation takes effect. */
  private async admit(
    stream: Exclude<PodStreamOptions, { subresource: "log" }>,
    info: ResourceRequest,
    user: UserInfo | undefined,
  ): Promise<PodStreamOptions> {
    const sub = stream.subresource;
    const object = connectOptionsObject(stream);
    const attributes = (): Attributes => ({
      resource: { group: "", version: "v1", resource: "pods" },
      subresource: sub,
      kind: connectKind(sub),
      namespace: info.namespace ?? "",
      name: info.name ?? "",
      operation: "CONNECT",
      object,
      oldObject: undefined,
      dryRun: false,
      // A CONNECT has no operation options: the review carries null.
      options: null as unknown as Attributes["options"],
      userInfo: user ?? { username: "system:anonymous", groups: ["system:unauthenticated"] },
    });
    const admission = this.o.admission as Pick<Admission, "write">;
    // Validation sees the options as mutation left them; the request goes on with those.
    const admitted = await admission.write(attributes, {}, (mutated) => mutated ?? object, []);
    return admitted === object ? stream : fromConnectOptionsObject(sub, admitted);
  }

  private target(stream: PodStreamOptions, pod: KubeObject, container: string): URL {
    const k = this.kubelet();
    const ref = {
      namespace: pod.metadata.namespace as string,
      name: pod.metadata.name as string,
      uid: pod.metadata.uid as string,
    };
    return new URL(kubeletPath(stream, ref, container), k.url);
  }

  /** A request that is no upgrade: logs stream; the other three answer as kube's UpgradeAwareHandler does. */
  async serve(
    sub: PodStreamSubresource,
    info: ResourceRequest,
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
    user?: UserInfo,
  ): Promise<void> {
    const { stream, pod, container } = await this.resolve(sub, info, query, req.method ?? "GET", user);
    if (sub !== "log") {
      requireNode(pod);
      throw errors.badRequest("Upgrade request required");
    }
    // A pod no node runs yet has no log: kube's LocationStreamer answers 204 with nothing.
    if (!(pod.spec as { nodeName?: string } | undefined)?.nodeName) {
      res.writeHead(204, { "cache-control": "no-cache, private" }).end();
      return;
    }
    await this.fetchLog(stream, pod, container, res, (kres, done) => {
      res.writeHead(200, { "content-type": "text/plain", "cache-control": "no-cache, private" });
      kres.pipe(res);
      kres.once("end", done);
      kres.once("error", () => {
        res.destroy();
        done();
      });
    });
  }

  /**
   * Asks the kubelet for the log. A success goes to `deliver`; a failure is answered on `res` as kube answers a
   * kubelet's (before any upgrade to a WebSocket). Settles once the log is over or the client is gone.
   */
  private fetchLog(
    stream: PodStreamOptions,
    pod: KubeObject,
    container: string,
    res: ServerResponse,
    deliver: (kres: IncomingMessage, done: () => void) => void,
  ): Promise<void> {
    const url = this.target(stream, pod, container);
    const k = this.kubelet();
    const podName = pod.metadata.name as string;
    return new Promise<void>((resolve) => {
      const up = httpsRequest(url, { method: "GET", ca: k.ca, cert: k.cert, key: k.key, agent: false }, (kres) => {
        const code = kres.statusCode ?? 502;
        if (code >= 200 && code <= 206) return deliver(kres, resolve);
        readLimited(kres).then((body) => {
          sendKubeletError(res, code, kres.headers["content-type"], body, podName);
          resolve();
        });
      });
      // The client went away (kubectl logs -f interrupted): the far end stops too.
      res.once("close", () => {
        up.destroy();
        resolve();
      });
      up.on("error", (err: NodeJS.ErrnoException) => {
        if (!res.headersSent)
          sendError(res, new ReasonlessError(`Get ${JSON.stringify(url.href)}: ${dialError(err, url)}`));
        else res.destroy();
        resolve();
      });
      up.end();
    });
  }

  /**
   * A log read over a WebSocket, as kube's StreamObject serves one: the kubelet is asked first (its errors are
   * plain answers), then the upgrade with the first protocol offered that wsstream's reader speaks, an empty
   * message, the log in messages of at most 2 KiB (binary, or base64 text), and a close when it ends.
   */
  private async logOverWebSocket(
    info: ResourceRequest,
    query: URLSearchParams,
    user: UserInfo,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    res: ServerResponse,
  ): Promise<void> {
    const { stream, pod, container } = await this.resolve("log", info, query, req.method ?? "GET", user);
    if (!(pod.spec as { nodeName?: string } | undefined)?.nodeName) {
      res.writeHead(204, { "cache-control": "no-cache, private" }).end();
      return;
    }
    const offered = String(req.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p !== "");
    const protocol = (offered.length ? offered : [""]).find((p) => LOG_PROTOCOLS.includes(p));
    await this.fetchLog(stream, pod, container, res, (kres, done) => {
      if (protocol === undefined) {
        // x/net/websocket's answer to a handshake its protocol check refuses.
        kres.destroy();
        res.writeHead(403).end();
        return done();
      }
      res.detachSocket(socket as never);
      const wss = new WebSocketServer({ noServer: true, handleProtocols: () => protocol || false });
      // x/net/websocket names the protocol it chose even when it is the empty one.
      if (protocol === "") wss.once("headers", (headers: string[]) => headers.push("Sec-WebSocket-Protocol: "));
      wss.handleUpgrade(req, socket, head, (ws) => {
        const base64 = protocol === "base64.binary.k8s.io";
        const send = (chunk: Buffer) => ws.send(base64 ? chunk.toString("base64") : chunk, { binary: !base64 });
        send(Buffer.alloc(0));
        kres.on("data", (chunk: Buffer) => {
          for (let i = 0; i < chunk.length; i += LOG_MESSAGE_BYTES) send(chunk.subarray(i, i + LOG_MESSAGE_BYTES));
        });
        kres.once("end", () => ws.close(1000));
        kres.once("error", () => ws.terminate());
        ws.once("close", () => {
          kres.destroy();
          done();
        });
      });
    });
  }

  /**
   * An exec, attach or portforward upgrade (http.Server's 'upgrade'): authenticated and checked as any
   * request, then carried to the kubelet API and spliced once it switches protocols (a log asked for over a
   * WebSocket is served here too). Requests the server
   * handed over that are no pod stream (Node without shouldUpgradeCallback) go to `fallback` as plain ones.
   */
  async upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    fallback?: (req: IncomingMessage, res: ServerResponse) => void,
  ): Promise<void> {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    const res = responseOn(req, socket);
    if (!PodStreams.takesUpgrade(req) && fallback) return fallback(req, res);
    try {
      const user = await this.o.authenticate(req);
      if (!user) throw new StatusError("Unauthorized", "Unauthorized");
      const url = new URL(req.url ?? "/", "https://x");
      const info = parseRequest(req.method ?? "GET", url.pathname, url.searchParams);
      if (info.kind !== "resource" || !isPodStreamSubresource(info.subresource) || !info.name)
        throw new StatusError("NotFound", "the server could not find the requested resource");
      if (info.subresource === "log")
        return await this.logOverWebSocket(info, url.searchParams, user, req, socket, head, res);
      const { stream, pod, container } = await this.resolve(
        info.subresource,
        info,
        url.searchParams,
        req.method ?? "GET",
        user,
      );
      requireNode(pod);
      const target = this.target(stream, pod, container);
      const k = this.kubelet();
      // Only the handshake's headers go on: credentials and everything else stay here.
      const up = httpsRequest(target, {
        method: req.method ?? "GET",
        headers: upgradeHeaders(req.rawHeaders),
        ca: k.ca,
        cert: k.cert,
        key: k.key,
        agent: false,
      });
      this.o.log.info(
        { subresource: info.subresource, namespace: info.namespace, pod: info.name, container, user },
        "pod stream",
      );
      up.on("upgrade", (kres, kubeletSocket, kubeletHead) => {
        res.detachSocket(socket as never);
        this.sockets.add(kubeletSocket);
        kubeletSocket.once("close", () => this.sockets.delete(kubeletSocket));
        splice(kres, kubeletSocket, kubeletHead, socket, head);
      });
      // The far end would not switch: its answer goes to the client as it is, as kube's proxy passes the kubelet's.
      up.on("response", (kres) => {
        readLimited(kres).then((body) => {
          const h: Record<string, string> = {};
          const type = kres.headers["content-type"];
          if (type) h["content-type"] = type;
          h["content-length"] = String(body.length);
          res.writeHead(kres.statusCode ?? 502, h).end(body);
        });
      });
      up.on("error", (err: NodeJS.ErrnoException) => {
        if (!res.headersSent) sendError(res, new ReasonlessError(`error dialing backend: ${dialError(err, target)}`));
        else socket.destroy();
      });
      socket.once("close", () => {
        if (!up.destroyed && !res.headersSent) up.destroy();
      });
      up.end();
    } catch (err) {
      sendError(res, err);
    }
  }
}

function dialError(err: NodeJS.ErrnoException, url: URL): string {
  return transportMessage(err, `${url.hostname}:${url.port || 443}`);
}

/**
 * A kubelet error for a log request. The kubelet of the virtual nodes relays the host apiserver's answer,
 * which is already a Status in kube's words (from the host's own kubelet error): it goes out as it is.
 * Anything else is wrapped as kube wraps a kubelet's error.
 */
function sendKubeletError(res: ServerResponse, code: number, type: string | undefined, body: Buffer, podName: string) {
  if ((type ?? "").startsWith("application/json")) {
    try {
      const status = JSON.parse(body.toString("utf8")) as { kind?: string; code?: number };
      if (status.kind === "Status") return sendJson(res, status.code ?? code, status);
    } catch {
      // not a Status: wrapped below
    }
  }
  sendError(res, kubeletLogError(code, body.toString("utf8"), podName));
}
