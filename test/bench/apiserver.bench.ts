// npm run bench:apiserver — evk's apiserver against kube-apiserver 1.35 on one etcd (fsync on), in one run,
// driven by the same HTTP client: pod creates/s, gets/s, a list of 10k pods from the cache
// (resourceVersion=0) and consistent, and watch delivery of one change to 1000 watchers. Ratios are
// evk ÷ kube (targets: ≥ 1.0 for get and cached list, ≥ 0.8 for create).
import { Agent, request } from "node:https";
import { ensureParts, startApiserver, startEtcd, startHost, stopAllProcesses } from "@evk/testing";
import { KubeConfig } from "@kubernetes/client-node";
import { closedLoop, fmt, percentile, printTable } from "./lib.ts";

const CREATES = Number(process.env.EVK_BENCH_CREATES ?? 3_000);
const GETS = Number(process.env.EVK_BENCH_GETS ?? 10_000);
const LIST_PODS = Number(process.env.EVK_BENCH_LIST_PODS ?? 10_000);
const WATCHERS = Number(process.env.EVK_BENCH_WATCHERS ?? 1_000);
const CONCURRENCY = Number(process.env.EVK_BENCH_CONCURRENCY ?? 32);

interface Target {
  name: string;
  host: string;
  port: number;
  ca: string;
  token: string;
  agent: Agent;
}

function target(name: string, kubeconfig: string): Target {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  const url = new URL(cluster?.server ?? "");
  const ca = cluster?.caData ? Buffer.from(cluster.caData, "base64").toString() : "";
  return {
    name,
    host: url.hostname,
    port: Number(url.port),
    ca,
    token: user?.token ?? "",
    agent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca }),
  };
}

function call(t: Target, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: t.host,
        port: t.port,
        method,
        path,
        agent: t.agent,
        headers: {
          authorization: `Bearer ${t.token}`,
          accept: "application/json",
          ...(data ? { "content-type": "application/json", "content-length": Buffer.byteLength(data) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

async function must(t: Target, method: string, path: string, body?: unknown, ok = [200, 201]) {
  const r = await call(t, method, path, body);
  if (!ok.includes(r.status)) throw new Error(`${t.name} ${method} ${path}: ${r.status} ${r.body.slice(0, 300)}`);
  return r;
}

const pod = (name: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels: { app: "bench", tier: "web" } },
  spec: {
    containers: [
      {
        name: "web",
        image: "nginx:1.27",
        ports: [{ containerPort: 80, protocol: "TCP" }],
        resources: { requests: { cpu: "100m", memory: "128Mi" } },
      },
    ],
    // Never scheduled: no kubelet or kwok acts on them, on either server.
    schedulerName: "none",
  },
});

/** Time until one change reaches every one of n watchers, over `rounds` changes. */
async function watchFanOut(t: Target, ns: string, n: number, rounds: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: n + 8, ca: t.ca });
  const lastSeen = new Map<number, string>();
  let waiting: { name: string; left: number; done: () => void } | undefined;
  const reqs: ReturnType<typeof request>[] = [];
  await Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        new Promise<void>((resolve, reject) => {
          const req = request(
            {
              host: t.host,
              port: t.port,
              path: `/api/v1/namespaces/${ns}/pods?watch=true&labelSelector=app%3Dwatched&allowWatchBookmarks=false`,
              agent,
              headers: { authorization: `Bearer ${t.token}`, accept: "application/json" },
            },
            (res) => {
              resolve();
              let buf = "";
              res.setEncoding("utf8");
              res.on("data", (c: string) => {
                buf += c;
                for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
                  const line = buf.slice(0, nl);
                  buf = buf.slice(nl + 1);
                  const name = /"name":"(w-\d+)"/.exec(line)?.[1];
                  if (!name || lastSeen.get(i) === name) continue;
                  lastSeen.set(i, name);
                  if (waiting && waiting.name === name && --waiting.left === 0) waiting.done();
                }
              });
              res.on("error", () => {});
            },
          );
          req.on("error", reject);
          req.end();
          reqs.push(req);
        }),
    ),
  );
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const name = `w-${r}`;
    const delivered = new Promise<void>((done) => {
      waiting = { name, left: n, done };
    });
    const t0 = performance.now();
    const p = pod(name);
    p.metadata.labels = { app: "watched", tier: "web" };
    await must(t, "POST", `/api/v1/namespaces/${ns}/pods`, p);
    await delivered;
    times.push(performance.now() - t0);
  }
  for (const req of reqs) req.destroy();
  agent.destroy();
  return times;
}

async function measure(t: Target) {
  process.stderr.write(`bench:apiserver: ${t.name}\n`);
  await must(t, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } });
  await must(t, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "list" } });
  await must(t, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "watch" } });
  const create = await closedLoop(CREATES, CONCURRENCY, (i) =>
    must(t, "POST", "/api/v1/namespaces/bench/pods", pod(`p-${i}`)),
  );
  const get = await closedLoop(GETS, CONCURRENCY, (i) =>
    must(t, "GET", `/api/v1/namespaces/bench/pods/p-${(i * 7919) % CREATES}`),
  );
  await closedLoop(LIST_PODS, CONCURRENCY, (i) => must(t, "POST", "/api/v1/namespaces/list/pods", pod(`l-${i}`)));
  const listOnce = async (query: string) => {
    const t0 = performance.now();
    const r = await must(t, "GET", `/api/v1/namespaces/list/pods${query}`);
    const ms = performance.now() - t0;
    const items = (JSON.parse(r.body) as { items: unknown[] }).items.length;
    if (items !== LIST_PODS) throw new Error(`${t.name} list returned ${items} pods, not ${LIST_PODS}`);
    return ms;
  };
  // resourceVersion=0 may answer from a cache that has not caught up with the last creates yet.
  for (let tries = 0; ; tries++) {
    const r = await must(t, "GET", "/api/v1/namespaces/list/pods?resourceVersion=0");
    if ((JSON.parse(r.body) as { items: unknown[] }).items.length === LIST_PODS) break;
    if (tries > 100) throw new Error(`${t.name}: the cached list never showed all ${LIST_PODS} pods`);
    await new Promise((res) => setTimeout(res, 100));
  }
  const rounds = 5;
  const cached: number[] = [];
  const consistent: number[] = [];
  for (let i = 0; i < rounds; i++) {
    cached.push(await listOnce("?resourceVersion=0"));
    consistent.push(await listOnce(""));
  }
  const watch = await watchFanOut(t, "watch", WATCHERS, 10);
  return {
    createPerSec: create.opsPerSec,
    getPerSec: get.opsPerSec,
    cachedListMs: percentile(cached, 50),
    consistentListMs: percentile(consistent, 50),
    watchP50: percentile(watch, 50),
    watchP99: percentile(watch, 99),
  };
}

async function main() {
  await ensureParts(["etcd", "nats", "kwok", "kube"]);
  const etcd = await startEtcd({ fsync: true });
  const host = await startHost({ nodes: 1, etcd, etcdPrefix: "/kube-registry" });
  const evk = await startApiserver({ etcd: etcd.endpoint, cluster: "bench" });
  const kube = target("kube-apiserver", host.kubeconfig);
  const ours = target("evk-apiserver", evk.kubeconfig);
  const k = await measure(kube);
  const e = await measure(ours);
  const ratio = (a: number, b: number) => fmt(a / b, 2);
  printTable(
    `bench:apiserver — ${CREATES} creates, ${GETS} gets (${CONCURRENCY} in flight), list of ${LIST_PODS} pods, ${WATCHERS} watchers, one etcd (fsync on)`,
    [
      [
        "pod creates/s  kube / evk / ratio (≥ 0.8)",
        `${fmt(k.createPerSec)} / ${fmt(e.createPerSec)} / ${ratio(e.createPerSec, k.createPerSec)}`,
      ],
      [
        "pod gets/s     kube / evk / ratio (≥ 1.0)",
        `${fmt(k.getPerSec)} / ${fmt(e.getPerSec)} / ${ratio(e.getPerSec, k.getPerSec)}`,
      ],
      [
        "list, cache (rv=0) p50 ms  kube / evk / speed ratio (≥ 1.0)",
        `${fmt(k.cachedListMs, 1)} / ${fmt(e.cachedListMs, 1)} / ${ratio(k.cachedListMs, e.cachedListMs)}`,
      ],
      [
        "list, consistent p50 ms    kube / evk / speed ratio",
        `${fmt(k.consistentListMs, 1)} / ${fmt(e.consistentListMs, 1)} / ${ratio(k.consistentListMs, e.consistentListMs)}`,
      ],
      ["watch to all watchers p50 / p99 ms  kube", `${fmt(k.watchP50, 1)} / ${fmt(k.watchP99, 1)}`],
      [
        "watch to all watchers p50 / p99 ms  evk",
        `${fmt(e.watchP50, 1)} / ${fmt(e.watchP99, 1)}  (speed ratio p50 ${ratio(k.watchP50, e.watchP50)})`,
      ],
    ],
  );
}

try {
  await main();
} finally {
  await stopAllProcesses();
}
