import { randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { TLSSocket } from "node:tls";
import { ensureStreams, type RunningConsumer } from "@evk/events";
import { isStatusError, renderKubeconfig, StatusError } from "@evk/kube";
import type { Logger, Registry } from "@evk/observability";
import { type EtcdClient, Store, WatchCache } from "@evk/store";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import express from "express";
import { collectDefaultMetrics } from "prom-client";
import { ResourceApi, sendError, sendJson } from "./api.ts";
import { applyDefaults } from "./defaults.ts";
import { apiGroup, apiGroupList, apiResourceList, apiVersions } from "./discovery.ts";
import { NamespaceFinalizer } from "./namespace-lifecycle.ts";
import { parseRequest } from "./request-info.ts";
import { adminToken, clusterCA } from "./secrets.ts";
import { startStatusIngest } from "./status-ingest.ts";

export interface ApiServerOptions {
  etcd: EtcdClient;
  cluster: string;
  bindAddress: string;
  /** 0 picks a free port. */
  port: number;
  log: Logger;
  registry: Registry;
  /** With NATS, host status reports from EVK_STATUS are written into the virtual objects. */
  nats?: string;
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

const BOOTSTRAP_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

export async function startApiServer(o: ApiServerOptions): Promise<RunningApiServer> {
  const store = new Store({ etcd: o.etcd, cluster: o.cluster });
  const cache = new WatchCache({ etcd: o.etcd, cluster: o.cluster });
  await cache.start();
  for (const name of BOOTSTRAP_NAMESPACES) {
    await store
      .create(
        { group: "", resource: "namespaces", name },
        applyDefaults("", "namespaces", {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name, uid: randomUUID(), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z") },
        }),
      )
      .catch((err) => {
        if (!isStatusError(err, "AlreadyExists")) throw err;
      });
  }
  const ca = await clusterCA(o.etcd, o.cluster);
  const serving = await ca.issue({
    commonName: "evk-apiserver",
    dnsNames: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"],
    ips: ["127.0.0.1", ...(o.bindAddress !== "0.0.0.0" && o.bindAddress !== "127.0.0.1" ? [o.bindAddress] : [])],
    usage: "server",
  });
  const token = await adminToken(o.etcd, o.cluster);
  const tokenBuf = Buffer.from(token);
  collectDefaultMetrics({ register: o.registry });
  const api = new ResourceApi(store, cache);
  const namespaceFinalizer = new NamespaceFinalizer(store, cache, o.log);
  namespaceFinalizer.start();
  let nc: NatsConnection | undefined;
  let ingest: RunningConsumer | undefined;
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
    });
  }

  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  const ok = (_req: express.Request, res: express.Response) => {
    res.type("text/plain").send("ok");
  };
  // Health and version are public, as kube-apiserver's system:public-info-viewer makes them.
  app.get(["/livez", "/readyz", "/healthz"], ok);
  app.get("/version", (_req, res) => {
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

  const authenticated = (req: express.Request): boolean => {
    const h = req.headers.authorization;
    if (h?.startsWith("Bearer ")) {
      const given = Buffer.from(h.slice(7).trim());
      return given.length === tokenBuf.length && timingSafeEqual(given, tokenBuf);
    }
    // A client certificate signed by the cluster CA (verified by TLS; unauthorized ones are let through
    // the handshake only to get a proper 401 here).
    return (req.socket as TLSSocket).authorized === true;
  };

  // One middleware and one parse for the whole Kubernetes API: no per-route matching.
  app.use(async (req, res) => {
    try {
      if (!authenticated(req)) throw new StatusError("Unauthorized", "Unauthorized");
      const url = new URL(req.originalUrl, "https://x");
      const info = parseRequest(req.method, url.pathname, url.searchParams);
      if (info.kind === "resource") {
        await api.handle(info, req, res, url.searchParams);
        return;
      }
      const p = url.pathname.replace(/\/+$/, "");
      let doc: unknown;
      if (p === "/api") doc = apiVersions(`${o.bindAddress}:${port()}`);
      else if (p === "/apis") doc = apiGroupList();
      else if (p === "/api/v1") doc = apiResourceList("", "v1");
      else {
        const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(p);
        if (m) doc = m[2] ? apiResourceList(m[1] as string, m[2]) : apiGroup(m[1] as string);
      }
      if (doc === undefined || info.verb !== "get")
        throw new StatusError("NotFound", "the server could not find the requested resource");
      sendJson(res, 200, doc);
    } catch (err) {
      if (!isStatusError(err)) o.log.error({ err: (err as Error).message, path: req.originalUrl }, "request failed");
      sendError(res, err);
    }
  });

  const server: Server = createServer(
    { cert: serving.cert, key: serving.key, ca: ca.cert, requestCert: true, rejectUnauthorized: false },
    app,
  );
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
  return {
    url,
    caPem: ca.cert,
    token,
    kubeconfig: renderKubeconfig({ cluster: o.cluster, server: url, caPem: ca.cert, user: "admin", token }),
    async close() {
      namespaceFinalizer.stop();
      await ingest?.stop();
      await nc?.drain();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      cache.stop();
    },
  };
}
