import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { createServer, type Server } from "node:https";
import type { TLSSocket } from "node:tls";
import { ensureStreams, type RunningConsumer, serveTokens, type TokenRequestMessage } from "@evk/events";
import { isStatusError, renderKubeconfig, StatusError } from "@evk/kube";
import type { Logger, Registry } from "@evk/observability";
import { type EtcdClient, Store, WatchCache } from "@evk/store";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import express from "express";
import { collectDefaultMetrics } from "prom-client";
import { Aggregator } from "./aggregation/aggregator.ts";
import { ResourceApi, sendError, sendJson } from "./api.ts";
import { createBootstrapNamespaces, NamespaceDefaults, reconcileKubernetesService } from "./bootstrap.ts";
import { CRDController } from "./crd/controller.ts";
import { customDiscovery } from "./crd/discovery.ts";
import { CustomResourceOpenAPI } from "./crd/openapi.ts";
import { CustomResources } from "./crd/registry.ts";
import {
  AGGREGATED_CONTENT_TYPE,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
} from "./discovery.ts";
import { FlowControl } from "./flowcontrol/controller.ts";
import { BootstrapEnsurer } from "./flowcontrol/ensurer.ts";
import { requestDelegated, withFlowControl } from "./flowcontrol/filter.ts";
import { NamespaceFinalizer } from "./namespace-lifecycle.ts";
import { OpenApiService } from "./openapi.ts";
import { type KubeletClientConfig, PodStreams } from "./pod-streams.ts";
import { useK8sProtos } from "./protobuf.ts";
import { parseRequest, type RequestInfo } from "./request-info.ts";
import { aggregatedOutput, sendDiscovery, sendNegotiated, versionAcceptable } from "./responses.ts";
import { ISSUER, jwks, loadSigningKey, TokenInvalidError } from "./sa-token.ts";
import { adminToken, clusterCA, serviceAccountKey } from "./secrets.ts";
import { ServiceIPObjects } from "./service-cidr.ts";
import { startStatusIngest } from "./status-ingest.ts";
import { ServiceAccountTokens, type UserInfo } from "./tokens.ts";

export interface ApiServerOptions {
  etcd: EtcdClient;
  cluster: string;
  bindAddress: string;
  /** 0 picks a free port. */
  port: number;
  log: Logger;
  registry: Registry;
  /**
   * With NATS, host status reports from EVK_STATUS are written into the virtual objects, and syncers can
   * ask for pod-bound service-account tokens on the token channel (libs/events token-rpc).
   */
  nats?: string;
  /** The address default/kubernetes' Endpoints publish (kube's --advertise-address); default: bindAddress. */
  advertiseAddress?: string;
  /** The clusterIP of default/kubernetes (the first address of the service range). */
  kubernetesServiceIP?: string;
  /** The host's service IP range(s), which the `kubernetes` ServiceCIDR shows (default 10.96.0.0/12). */
  serviceClusterIPRange?: string[];
  /** kube's --service-account-max-token-expiration in seconds; 0 (default) = no cap, as kube. */
  maxTokenExpirationSeconds?: number;
  /** kube's --service-account-extend-token-expiration (default true). */
  extendTokenExpiration?: boolean;
  /**
   * The host cluster's kubeconfig, used only to read its OpenAPI documents (GET /openapi/v2, /openapi/v3) at
   * start; they are kept in etcd, so later starts work while the host is unreachable.
   */
  hostKubeconfig?: string;
  /** Where Kubernetes' .proto files are, for protobuf request bodies and answers (default: `go env GOMODCACHE`). */
  k8sProtos?: string;
  /** The seats API Priority and Fairness divides among priority levels (kube's default: 400 + 200). */
  serverConcurrency?: number;
  /**
   * The kubelet API of the virtual nodes (syncer-pods' container-streams endpoint), which pods/log, exec,
   * attach and portforward go to; without it they answer 503.
   */
  kubelet?: KubeletClientConfig;
}

export interface RunningApiServer {
  url: string;
  caPem: string;
  token: string;
  kubeconfig: string;
  close(): Promise<void>;
}

/** The Kubernetes version the virtual API server presents itself as. */
export const EMULATED_VERSION = { major: "1", minor: "35", gitVersion: "v1.35.4-evk" };

/** Who a request without credentials is (kube-apiserver's anonymous authenticator). */
const ANONYMOUS: UserInfo = { username: "system:anonymous", groups: ["system:unauthenticated"] };

export async function startApiServer(o: ApiServerOptions): Promise<RunningApiServer> {
  // k8s.io/api v0.N.P is the module of Kubernetes 1.N.P, the version this server presents itself as.
  const protos = useK8sProtos(o.k8sProtos, EMULATED_VERSION.gitVersion.replace(/^v1\.(\d+\.\d+).*/, "v0.$1"));
  if (protos.ok)
    o.log.info({ dirs: protos.dirs, from: protos.source }, "protobuf bodies and answers: Kubernetes protos found");
  else
    o.log.warn(
      { missing: protos.missing },
      "protobuf request bodies other than TokenRequest will get 415, and answers are JSON or YAML only",
    );
  const store = new Store({ etcd: o.etcd, cluster: o.cluster });
  const cache = new WatchCache({ etcd: o.etcd, cluster: o.cluster });
  await cache.start();
  await createBootstrapNamespaces(store);
  const ca = await clusterCA(o.etcd, o.cluster);
  const serving = await ca.issue({
    commonName: "evk-apiserver",
    dnsNames: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"],
    ips: ["127.0.0.1", ...(o.bindAddress !== "0.0.0.0" && o.bindAddress !== "127.0.0.1" ? [o.bindAddress] : [])],
    usage: "server",
  });
  const token = await adminToken(o.etcd, o.cluster);
  const tokenBuf = Buffer.from(token);
  const signingKey = loadSigningKey(await serviceAccountKey(o.etcd, o.cluster));
  const tokens = new ServiceAccountTokens(store, cache, signingKey, {
    issuer: ISSUER,
    apiAudiences: [ISSUER],
    maxExpirationSeconds: o.maxTokenExpirationSeconds ?? 0,
    extendExpiration: o.extendTokenExpiration ?? true,
  });
  collectDefaultMetrics({ register: o.registry });
  const openapi = new OpenApiService({
    etcd: o.etcd,
    cluster: o.cluster,
    log: o.log,
    ...(o.hostKubeconfig ? { hostKubeconfig: o.hostKubeconfig } : {}),
  });
  await openapi.start();
  const api = new ResourceApi(store, cache, tokens, openapi);
  // CustomResourceDefinitions: the resources they define, and the controllers that name, establish and
  // finalize them.
  const customResources = new CustomResources(cache, api.conversions, o.log);
  customResources.start();
  api.customResources = customResources;
  const crdDiscovery = customDiscovery(customResources);
  const crdController = new CRDController(store, cache, o.log);
  crdController.start();
  const crdOpenAPI = new CustomResourceOpenAPI(customResources, openapi);
  crdOpenAPI.start();
  // API Priority and Fairness: its configuration exists before the first request is served.
  const apfEnsurer = new BootstrapEnsurer(store, cache, o.log);
  await apfEnsurer.start();
  const flowControl = new FlowControl({
    store,
    cache,
    log: o.log,
    registry: o.registry,
    ...(o.serverConcurrency ? { serverConcurrency: o.serverConcurrency } : {}),
  });
  flowControl.start();
  // API aggregation: local APIServices for what is served here, service-backed ones proxied.
  const aggregator = new Aggregator({ store, cache, log: o.log, localGroups: () => apiGroupList(crdDiscovery).groups });
  await aggregator.start();
  const namespaceFinalizer = new NamespaceFinalizer(store, cache, o.log, () => customResources.storageResources());
  namespaceFinalizer.start();
  const namespaceDefaults = new NamespaceDefaults(store, cache, o.log, ca.cert);
  namespaceDefaults.start();
  let nc: NatsConnection | undefined;
  let ingest: RunningConsumer | undefined;
  let tokenChannel: { stop(): void } | undefined;
  if (o.nats) {
    nc = await connect({ servers: o.nats, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm);
    ingest = await startStatusIngest({
      js: jetstream(nc),
      jsm,
      store,
      cluster: o.cluster,
      log: o.log,
      registry: o.registry,
      definitions: () => openapi.typeDefinitions,
    });
    tokenChannel = serveTokens(nc, o.cluster, (r) => issueForPod(tokens, r, o.log), o.log);
  }

  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  const ok = (_req: express.Request, res: express.Response) => {
    res.type("text/plain").send("ok");
  };
  // Authentication, then API Priority and Fairness around everything else, as in kube-apiserver: a request
  // without credentials is classified as system:anonymous; one with credentials that fail gets its 401
  // without being classified.
  app.use(async (req, res, next) => {
    const url = new URL(req.originalUrl, "https://x");
    const info = parseRequest(req.method, url.pathname, url.searchParams);
    const user = await authenticate(req).catch(() => undefined);
    res.locals.evk = { url, info, user };
    const sock = req.socket as TLSSocket;
    const presented =
      req.headers.authorization !== undefined || (sock.authorized === false && !!sock.getPeerCertificate?.()?.subject);
    if (!user && presented) return next();
    withFlowControl(
      flowControl,
      { info, user: user ?? ANONYMOUS, method: req.method, path: url.pathname, query: url.searchParams },
      res,
      (group) => !aggregator.isRemoteGroup(group),
      next,
    );
  });
  // Health and version are public, as kube-apiserver's system:public-info-viewer makes them.
  app.get(["/livez", "/readyz", "/healthz"], ok);
  app.get("/version", (req, res) => {
    const refused = versionAcceptable(req);
    if (refused) return sendError(res, refused);
    sendJson(res, 200, {
      ...EMULATED_VERSION,
      gitCommit: "unknown",
      gitTreeState: "clean",
      buildDate: "2026-11-22T00:00:00Z",
      goVersion: "n/a",
      compiler: "evk",
      platform: `${process.platform}/${process.arch}`,
    });
  });
  app.get("/metrics", async (_req, res) => {
    res.type(o.registry.contentType).send(await o.registry.metrics());
  });

  const admin: UserInfo = { username: "admin", groups: ["system:masters", "system:authenticated"] };
  const authenticate = async (req: IncomingMessage): Promise<UserInfo | undefined> => {
    // A client certificate signed by the cluster CA (verified by TLS; unauthorized ones are let through
    // the handshake only to get a proper 401 here): CN is the user, O the groups, as in kube.
    const sock = req.socket as TLSSocket;
    if (sock.authorized === true) {
      const subject = sock.getPeerCertificate().subject ?? {};
      const o = (subject as { O?: string | string[] }).O;
      const cn = (subject as { CN?: string }).CN ?? "";
      return { username: cn, groups: [...(o === undefined ? [] : Array.isArray(o) ? o : [o]), "system:authenticated"] };
    }
    const h = req.headers.authorization;
    if (!h?.startsWith("Bearer ")) return undefined;
    return authenticateToken(h.slice(7).trim());
  };
  const authenticateToken = async (bearer: string): Promise<UserInfo | undefined> => {
    const given = Buffer.from(bearer);
    if (given.length === tokenBuf.length && timingSafeEqual(given, tokenBuf)) return admin;
    try {
      return await tokens.authenticate(bearer);
    } catch (err) {
      if (!(err instanceof TokenInvalidError)) throw err;
      o.log.debug({ why: err.message }, "service account token refused");
      return undefined;
    }
  };

  api.reviewToken = authenticateToken;
  api.apiAudiences = [ISSUER];
  const podStreams = new PodStreams({
    store,
    log: o.log,
    authenticate,
    admission: api.admission,
    ...(o.kubelet ? { kubelet: o.kubelet } : {}),
  });
  api.podStreams = podStreams;

  // One middleware and one parse for the whole Kubernetes API: no per-route matching.
  app.use(async (req, res) => {
    try {
      const early = res.locals.evk as { url: URL; info: RequestInfo; user: UserInfo | undefined } | undefined;
      const user = early ? early.user : await authenticate(req);
      if (!user) throw new StatusError("Unauthorized", "Unauthorized");
      const url = early?.url ?? new URL(req.originalUrl, "https://x");
      const info = early?.info ?? parseRequest(req.method, url.pathname, url.searchParams);
      // A group-version an APIService backs with a service is that server's to answer.
      const gv = /^\/api(?:s\/([^/]+))?\/([^/]+)(?:\/|$)/.exec(url.pathname);
      const remote = gv && aggregator.remoteFor(gv[1] ?? "", gv[2] as string);
      if (remote) {
        await aggregator.proxy(remote, req, res, url, user, () => requestDelegated(res));
        return;
      }
      if (info.kind === "resource") {
        await api.handle(info, req, res, url.searchParams, user);
        return;
      }
      const p = url.pathname.replace(/\/+$/, "");
      if (p === "/openapi/v2" || p === "/openapi/v3" || p.startsWith("/openapi/v3/")) {
        openapi.handle(req, res, url);
        return;
      }
      // Service-account issuer discovery (kube's ServiceAccountIssuerDiscovery): the issuer's OIDC document
      // and the keys that verify its tokens.
      if (info.verb === "get" && p === "/.well-known/openid-configuration") {
        res.setHeader("cache-control", "public, max-age=3600");
        return sendJson(res, 200, {
          issuer: ISSUER,
          jwks_uri: `https://${externalAddress()}/openid/v1/jwks`,
          response_types_supported: ["id_token"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["ES256"],
        });
      }
      if (info.verb === "get" && p === "/openid/v1/jwks") {
        res.setHeader("cache-control", "public, max-age=3600");
        return sendJson(res, 200, jwks(signingKey), "application/jwk-set+json");
      }
      const aggregated = info.verb === "get" && (p === "/api" || p === "/apis") ? aggregatedOutput(req, p) : undefined;
      if (aggregated) {
        res.setHeader("vary", "Accept");
        const agg = aggregatedDiscovery(p === "/api", crdDiscovery);
        const doc = p === "/api" ? agg : aggregator.aggregated(agg);
        if (aggregated.encoding !== "json" || aggregated.pretty)
          return sendNegotiated(res, 200, doc, aggregated, aggregated.convert);
        return sendJson(res, 200, doc, AGGREGATED_CONTENT_TYPE);
      }
      let doc: unknown;
      if (p === "/api") doc = apiVersions(`${o.bindAddress}:${port()}`);
      else if (p === "/apis") doc = aggregator.groupList(apiGroupList(crdDiscovery));
      else if (p === "/api/v1") {
        // kube's core group-version list carries no apiVersion (its discovery handler strips it).
        const { apiVersion: _apiVersion, ...core } = apiResourceList("", "v1") ?? {};
        doc = core;
      } else {
        const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(p);
        if (m) {
          const group = !m[2] && aggregator.group(m[1] as string, apiGroup(m[1] as string, crdDiscovery));
          doc = m[2]
            ? apiResourceList(m[1] as string, m[2], crdDiscovery)
            : group && { kind: "APIGroup", apiVersion: "v1", ...group };
        }
      }
      if (doc === undefined || info.verb !== "get")
        throw new StatusError("NotFound", "the server could not find the requested resource");
      if (sendDiscovery(req, res, p, doc)) return;
      sendJson(res, 200, doc);
    } catch (err) {
      if (!isStatusError(err)) o.log.error({ err: (err as Error).message, path: req.originalUrl }, "request failed");
      sendError(res, err);
    }
  });

  const server: Server = createServer(
    {
      cert: serving.cert,
      key: serving.key,
      ca: ca.cert,
      requestCert: true,
      rejectUnauthorized: false,
      // exec, attach and portforward switch protocols; every other request stays with the app.
      shouldUpgradeCallback: (req: IncomingMessage) => PodStreams.takesUpgrade(req),
    },
    app,
  );
  server.on("upgrade", (req: IncomingMessage, socket, head: Buffer) => {
    podStreams.upgrade(req, socket, head, app).catch((err: Error) => {
      o.log.error({ err: err.message, path: req.url }, "pod stream failed");
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.bindAddress, () => resolve());
  });
  const port = () => {
    const a = server.address();
    return typeof a === "object" && a ? a.port : o.port;
  };
  const host = o.bindAddress === "0.0.0.0" ? "127.0.0.1" : o.bindAddress;
  const url = `https://${host}:${port()}`;
  const advertise = o.advertiseAddress ?? host;
  function externalAddress() {
    return advertise.includes(":") ? `[${advertise}]:${port()}` : `${advertise}:${port()}`;
  }
  await reconcileKubernetesService(store, {
    clusterIP: o.kubernetesServiceIP ?? "10.96.0.1",
    address: advertise,
    port: port(),
  });
  const serviceIPs = new ServiceIPObjects(store, cache, o.log, o.serviceClusterIPRange ?? ["10.96.0.0/12"]);
  await serviceIPs.start();
  return {
    url,
    caPem: ca.cert,
    token,
    kubeconfig: renderKubeconfig({ cluster: o.cluster, server: url, caPem: ca.cert, user: "admin", token }),
    async close() {
      serviceIPs.stop();
      namespaceFinalizer.stop();
      crdController.stop();
      crdOpenAPI.stop();
      customResources.stop();
      namespaceDefaults.stop();
      flowControl.stop();
      aggregator.stop();
      apfEnsurer.stop();
      openapi.stop();
      tokenChannel?.stop();
      await ingest?.stop();
      await nc?.drain();
      podStreams.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      cache.stop();
    },
  };
}

/**
 * The token channel's handler: a TokenRequest bound to the named pod, issued only when the pod exists with
 * that uid and runs as that service account (TokenRequest's own checks). Every answer is audited.
 */
export async function issueForPod(
  tokens: ServiceAccountTokens,
  r: TokenRequestMessage,
  log: Logger,
): Promise<{ token: string; expirationTimestamp: string }> {
  const audit = {
    namespace: r.namespace,
    pod: r.podName,
    podUid: r.podUid,
    serviceAccount: r.serviceAccountName,
    audiences: r.audiences,
    expirationSeconds: r.expirationSeconds,
  };
  try {
    const out = await tokens.issue(r.namespace, r.serviceAccountName, {
      spec: {
        audiences: r.audiences,
        expirationSeconds: r.expirationSeconds,
        boundObjectRef: { kind: "Pod", apiVersion: "v1", name: r.podName, uid: r.podUid },
      },
    });
    const status = out.object.status as { token: string; expirationTimestamp: string };
    log.info(
      {
        ...audit,
        audiences: out.claims.aud,
        expirationTimestamp: status.expirationTimestamp,
        tokenExpiry: new Date(out.claims.exp * 1000).toISOString(),
        jti: out.claims.jti,
      },
      "service account token issued over the token channel",
    );
    return { token: status.token, expirationTimestamp: status.expirationTimestamp };
  } catch (err) {
    log.warn(
      { ...audit, reason: isStatusError(err) ? err.reason : "InternalError", why: (err as Error).message },
      "service account token refused over the token channel",
    );
    throw err;
  }
}
