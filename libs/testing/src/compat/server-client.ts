import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { request } from "node:https";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import type { KubectlResult } from "../host.ts";
import { binaries } from "../paths.ts";
import { makeTempDir } from "../tmp.ts";
import { type KubectlOptions, kubectl, RunningKubectl } from "./kubectl.ts";

// One apiserver as a test reaches it: raw HTTPS requests and kubectl, both with its kubeconfig's credentials.
// The same class serves kube-apiserver and evk-apiserver, so that a side-by-side test asks both the same way.

export interface RawRequest {
  /** A string or bytes are sent as they are; anything else as JSON. */
  body?: unknown;
  /** The body's media type (application/json by default); sent without a body too when given. */
  contentType?: string;
  /** application/json by default; null sends no Accept header (the server's own default then). */
  accept?: string | null;
  /** Another bearer token than the kubeconfig's, or null for an anonymous request. */
  token?: string | null;
  headers?: Record<string, string>;
  /** The request fails when its answer has not ended by then. */
  timeoutMs?: number;
  /** A streamed answer is read until this says enough (given every byte so far); the rest is dropped. */
  until?: (soFar: Buffer) => boolean;
  /** A streamed answer is read this long at most; what came by then is the answer. */
  readForMs?: number;
}

export interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as UTF-8 text. */
  body: string;
  bytes: Buffer;
  /** The Warning headers, joined ('' when there are none). */
  warning: string;
}

/** The TLS material and headers of the kubeconfig's user, for clients of other kinds (WebSockets). */
export interface Credentials {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  headers: Record<string, string>;
}

export interface ServerClientOptions {
  /** Defaults for every kubectl run (a run may set its own). */
  kubectl?: Pick<KubectlOptions, "timeoutMs" | "maxBuffer">;
}

export class ServerClient {
  readonly name: string;
  readonly kubeconfigPath: string;
  readonly server: string;
  private readonly kc = new KubeConfig();
  private credentialsOnce: Promise<Credentials> | undefined;
  private readonly cacheRoot: string;
  private readonly caches = new Map<string, string>();
  private readonly kubectlDefaults: Pick<KubectlOptions, "timeoutMs" | "maxBuffer">;

  constructor(name: string, kubeconfigPath: string, o: ServerClientOptions = {}) {
    this.name = name;
    this.kubeconfigPath = kubeconfigPath;
    this.kc.loadFromFile(kubeconfigPath);
    const server = this.kc.getCurrentCluster()?.server;
    if (!server) throw new Error(`${kubeconfigPath}: no server in the current context`);
    this.server = server;
    this.cacheRoot = makeTempDir(`kubectl-${name}`);
    this.kubectlDefaults = o.kubectl ?? {};
  }

  /** What the kubeconfig's user authenticates with (read once). */
  credentials(): Promise<Credentials> {
    this.credentialsOnce ??= (async () => {
      const opts: { ca?: Buffer; cert?: Buffer; key?: Buffer; headers?: Record<string, string> } = {};
      await this.kc.applyToHTTPSOptions(opts);
      return {
        server: this.server,
        ...(opts.ca ? { ca: opts.ca } : {}),
        ...(opts.cert ? { cert: opts.cert } : {}),
        ...(opts.key ? { key: opts.key } : {}),
        headers: { ...opts.headers },
      };
    })();
    return this.credentialsOnce;
  }

  /** One request; whatever the status, the answer is returned. A failed connection rejects. */
  async request(method: string, path: string, o: RawRequest = {}): Promise<RawReply> {
    const c = await this.credentials();
    const body =
      o.body === undefined || typeof o.body === "string" || Buffer.isBuffer(o.body) ? o.body : JSON.stringify(o.body);
    const auth = o.token === undefined ? c.headers : o.token === null ? {} : { authorization: `Bearer ${o.token}` };
    const headers: Record<string, string | number> = {
      ...auth,
      ...(o.accept === null ? {} : { accept: o.accept ?? "application/json" }),
      ...(body !== undefined || o.contentType !== undefined
        ? { "content-type": o.contentType ?? "application/json" }
        : {}),
      // Node sends a DELETE's body unframed unless told its length.
      ...(body !== undefined ? { "content-length": Buffer.byteLength(body) } : {}),
      ...o.headers,
    };
    return new Promise((resolve, reject) => {
      let settled = false;
      let res: IncomingMessage | undefined;
      const chunks: Buffer[] = [];
      const timers: NodeJS.Timeout[] = [];
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        if (err) return reject(err);
        const bytes = Buffer.concat(chunks);
        const headers = res?.headers ?? {};
        resolve({
          status: res?.statusCode ?? 0,
          headers,
          body: bytes.toString("utf8"),
          bytes,
          warning: String(headers.warning ?? ""),
        });
        // A streamed answer read far enough: the rest is not wanted.
        if (!res?.complete) req.destroy();
      };
      // Fresh connections: a request never waits behind another's, and no pooled connection goes stale.
      const req = request(new URL(path, this.server), { method, agent: false, ...tls(c), headers }, (r) => {
        res = r;
        r.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          if (o.until?.(Buffer.concat(chunks))) finish();
        });
        r.on("end", () => finish());
        // Cut off while streaming: what came is the answer of a read that stops early anyway.
        r.on("error", (err) => finish(o.until || o.readForMs ? undefined : err));
      });
      if (o.timeoutMs)
        timers.push(
          setTimeout(() => {
            finish(new Error(`${this.name}: ${method} ${path}: no answer in ${o.timeoutMs} ms`));
            req.destroy();
          }, o.timeoutMs),
        );
      if (o.readForMs) timers.push(setTimeout(() => finish(), o.readForMs));
      req.on("error", (err) => finish(err));
      req.end(body);
    });
  }

  /** A request that must succeed (status below 300): its body, parsed. */
  async json<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.request(method, path, body === undefined ? {} : { body });
    if (r.status >= 300) throw new Error(`${this.name}: ${method} ${path} -> ${r.status} ${r.body}`);
    return JSON.parse(r.body) as T;
  }

  /**
   * kubectl against this server. Each kubectl binary gets a cache of its own (or the one `cache` names):
   * kubectl caches discovery and OpenAPI by URL and hash, which two versions must not share.
   */
  kubectl(
    args: string[],
    o: Omit<KubectlOptions, "kubeconfig" | "cacheDir"> & { cache?: string } = {},
  ): Promise<KubectlResult> {
    const { cache, ...rest } = o;
    return kubectl(args, {
      ...this.kubectlDefaults,
      ...rest,
      kubeconfig: this.kubeconfigPath,
      cacheDir: this.cacheDir(cache, rest.bin),
    });
  }

  /** kubectl that must exit 0: its stdout. */
  async kubectlOk(args: string[], o: Parameters<ServerClient["kubectl"]>[1] = {}): Promise<string> {
    const r = await this.kubectl(args, o);
    if (r.code !== 0) throw new Error(`${this.name}: kubectl ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  /** kubectl left running; stop it when done. */
  startKubectl(args: string[], o: { bin?: string; env?: Record<string, string>; cache?: string } = {}): RunningKubectl {
    const { cache, ...rest } = o;
    return new RunningKubectl(args, {
      ...rest,
      kubeconfig: this.kubeconfigPath,
      cacheDir: this.cacheDir(cache, rest.bin),
    });
  }

  private cacheDir(name: string | undefined, bin = binaries.kubectl): string {
    const key = name === undefined ? `bin ${bin}` : `named ${name}`;
    let dir = this.caches.get(key);
    if (!dir) {
      dir = join(this.cacheRoot, String(this.caches.size));
      this.caches.set(key, dir);
    }
    return dir;
  }
}

function tls(c: Credentials): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  return { ...(c.ca ? { ca: c.ca } : {}), ...(c.cert ? { cert: c.cert } : {}), ...(c.key ? { key: c.key } : {}) };
}
