// bench:sync — pods created in the virtual cluster (evk: apiserver → etcd → relay → JetStream →
// syncer-pods → host) against the same number created directly on the host, in one run on one host
// control plane with kwok. Prints time to all Running on each side and the ratio (target ≤ 1.3),
// per-pod latencies of both directions, syncer-pods' idle RSS and CPU, and Service create → host
// clusterIP visible in the virtual cluster (syncer-services).
import { readFileSync } from "node:fs";
import { loadKubeConfig, prepareHostNamespace } from "@evk/syncer-runtime";
import {
  ensureParts,
  relayProcess,
  sleep,
  startApiserver,
  startEtcd,
  startHost,
  startNats,
  stopAllProcesses,
  syncerProcess,
  waitFor,
} from "@evk/testing";
import { hostName } from "@evk/translate";
import { CoreV1Api, type KubeConfig, type V1Pod, Watch } from "@kubernetes/client-node";
import { closedLoop, fmt, percentile, printTable } from "./lib.ts";

const N = Number(process.env.EVK_BENCH_PODS ?? 500);
const CONCURRENCY = Number(process.env.EVK_BENCH_CONCURRENCY ?? 16);
const NODES = Number(process.env.EVK_BENCH_NODES ?? 4);
const SERVICES = Number(process.env.EVK_BENCH_SERVICES ?? 100);
const ROUNDS = Number(process.env.EVK_BENCH_ROUNDS ?? 3);
const cluster = "bench";
const hostNamespace = "evk-bench";

const pod = (name: string): V1Pod => ({
  metadata: { name, labels: { app: "bench" } },
  spec: {
    containers: [
      {
        name: "web",
        image: "nginx:1.27",
        resources: { requests: { cpu: "10m", memory: "16Mi" } },
      },
    ],
  },
});

/** Times at which each pod (by name) first showed up and first was Running, seen through a watch. */
function watchPods(kc: KubeConfig, namespace: string, nameOf: (p: V1Pod) => string | undefined) {
  const added = new Map<string, number>();
  const running = new Map<string, number>();
  let req: { abort(): void } | undefined;
  let stopped = false;
  // A watch the server ends is started again (from the current state: first-seen times stay first).
  const start = async (): Promise<void> => {
    req = await new Watch(kc).watch(
      `/api/v1/namespaces/${namespace}/pods`,
      { allowWatchBookmarks: false },
      (_type: string, p: V1Pod) => {
        const name = nameOf(p);
        if (!name) return;
        const t = performance.now();
        if (!added.has(name)) added.set(name, t);
        if (p.status?.phase === "Running" && !running.has(name)) running.set(name, t);
      },
      () => {
        if (!stopped) setTimeout(() => void start().catch(() => {}), 100);
      },
    );
  };
  return {
    added,
    running,
    start,
    stop: () => {
      stopped = true;
      req?.abort();
    },
  };
}

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;

async function main() {
  await ensureParts(["etcd", "nats", "kwok", "kube"]);
  process.stderr.write(`bench:sync: ${N} pods each way, ${CONCURRENCY} creates in flight, ${NODES} kwok nodes\n`);
  const [etcd, nats, host] = await Promise.all([startEtcd({ fsync: true }), startNats(), startHost({ nodes: NODES })]);
  const hostKc = loadKubeConfig(host.kubeconfigPath);
  const h = hostKc.makeApiClient(CoreV1Api);
  await prepareHostNamespace(hostKc, { cluster, hostNamespace });
  const apiserver = await startApiserver({ etcd: etcd.endpoint, nats: nats.url, cluster });
  const relay = relayProcess({ etcd: etcd.endpoint, nats: nats.url, cluster, instance: "bench" });
  await relay.start();
  const syncer = await syncerProcess({
    syncer: "syncer-pods",
    nats: nats.url,
    cluster,
    hostKubeconfigPath: host.kubeconfigPath,
    hostNamespace,
    // EVK_BENCH_PROFILE_DIR: a CPU profile of syncer-pods for the whole run, written when it stops.
    ...(process.env.EVK_BENCH_PROFILE_DIR
      ? { extraEnv: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.EVK_BENCH_PROFILE_DIR}` } }
      : {}),
  });
  await syncer.start();
  const services = await syncerProcess({
    syncer: "syncer-services",
    nats: nats.url,
    cluster,
    hostKubeconfigPath: host.kubeconfigPath,
    hostNamespace,
  });
  await services.start();
  const vKc = loadKubeConfig(apiserver.kubeconfigPath);
  const v = vKc.makeApiClient(CoreV1Api);
  // Idle first: nothing to do but stay subscribed.
  await sleep(2_000);
  const pid = syncer.pid as number;
  const cpu0 = cpuSeconds(pid);
  await sleep(10_000);
  const idleCpuPct = ((cpuSeconds(pid) - cpu0) / 10) * 100;
  const idleRss = rssMiB(pid);

  // CPU seconds each process spends on each phase: where the evk path's extra work goes.
  const procs: [string, number | undefined][] = [
    ["host kube-apiserver", host.processes?.apiserver.pid],
    ["host kube-scheduler", host.processes?.scheduler.pid],
    ["host kwok", host.processes?.kwok.pid],
    ["evk apiserver", apiserver.process.pid],
    ["evk relay", relay.pid],
    ["syncer-pods", syncer.pid],
  ];
  const cpuNow = () => procs.map(([, p]) => (p ? cpuSeconds(p) : 0));
  const cpuSpent = (before: number[]) => cpuNow().map((c, i) => c - (before[i] as number));

  /** One round: N pods directly on the host, then (from the same host state) N pods through evk. */
  const round = async (r: number) => {
    const directNs = `direct-${r}`;
    const virtualNs = `bench-${r}`;
    await h.createNamespace({ body: { metadata: { name: directNs } } });
    await v.createNamespace({ body: { metadata: { name: virtualNs } } });
    await waitFor(
      `the default service account of host namespace ${directNs}`,
      async () =>
        (await h.readNamespacedServiceAccount({ name: "default", namespace: directNs }).catch(() => undefined)) !==
        undefined,
      30_000,
    );
    // Direct on the host.
    const cpuDirect0 = cpuNow();
    const direct = watchPods(hostKc, directNs, (p) => p.metadata?.name);
    await direct.start();
    const tDirect0 = performance.now();
    const directCreate = await closedLoop(N, CONCURRENCY, (i) =>
      h.createNamespacedPod({ namespace: directNs, body: pod(`d${i}`) }),
    );
    await waitFor("all direct pods Running", async () => direct.running.size >= N, 600_000, 100);
    const directSeconds = (Math.max(...direct.running.values()) - tDirect0) / 1000;
    direct.stop();
    const cpuDirect = cpuSpent(cpuDirect0);
    // Both phases start from the same host: the direct pods go first.
    await h.deleteCollectionNamespacedPod({ namespace: directNs, gracePeriodSeconds: 0 });
    await waitFor(
      "the direct pods to be gone",
      async () => (await h.listNamespacedPod({ namespace: directNs })).items.length === 0,
      120_000,
      200,
    );
    await sleep(2_000);
    const cpuEvk0 = cpuNow();

    // Through evk.
    const hostSide = watchPods(hostKc, hostNamespace, (p) =>
      p.metadata?.annotations?.["evk.dev/object-namespace"] === virtualNs
        ? p.metadata?.annotations?.["evk.dev/object-name"]
        : undefined,
    );
    const virtualSide = watchPods(vKc, virtualNs, (p) => p.metadata?.name);
    await Promise.all([hostSide.start(), virtualSide.start()]);
    const created = new Map<string, number>();
    const tEvk0 = performance.now();
    const evkCreate = await closedLoop(N, CONCURRENCY, async (i) => {
      await v.createNamespacedPod({ namespace: virtualNs, body: pod(`v${i}`) });
      created.set(`v${i}`, performance.now());
    });
    let shown = 0;
    await waitFor(
      "all virtual pods Running",
      async () => {
        if (performance.now() - shown > 5_000) {
          shown = performance.now();
          process.stderr.write(
            `  round ${r + 1}: ${created.size} created, ${hostSide.added.size} on the host, ${hostSide.running.size} Running there, ${virtualSide.running.size} Running in the virtual cluster\n`,
          );
        }
        return virtualSide.running.size >= N;
      },
      600_000,
      100,
    );
    const evkSeconds = (Math.max(...virtualSide.running.values()) - tEvk0) / 1000;
    hostSide.stop();
    virtualSide.stop();
    const cpuEvk = cpuSpent(cpuEvk0);
    const toHost: number[] = [];
    const back: number[] = [];
    for (const [name, t] of created) {
      const hostAdded = hostSide.added.get(name);
      if (hostAdded !== undefined) toHost.push(hostAdded - t);
      const hostRunning = hostSide.running.get(name);
      const vRunning = virtualSide.running.get(name);
      if (hostRunning !== undefined && vRunning !== undefined) back.push(vRunning - hostRunning);
    }
    const twins = (await h.listNamespacedPod({ namespace: hostNamespace, labelSelector: "app=bench" })).items;
    const expected = new Set(Array.from({ length: N }, (_, i) => hostName(cluster, virtualNs, `v${i}`)));
    const exact = twins.length === N && twins.every((p) => expected.has(p.metadata?.name ?? ""));
    // The next round starts from an empty host again.
    await v.deleteCollectionNamespacedPod({ namespace: virtualNs, gracePeriodSeconds: 0 });
    await waitFor(
      "the twins to be gone",
      async () =>
        (await h.listNamespacedPod({ namespace: hostNamespace, labelSelector: "app=bench" })).items.length === 0,
      180_000,
      250,
    );
    await sleep(2_000);
    process.stderr.write(
      `  round ${r + 1}: direct ${directSeconds.toFixed(2)} s, through evk ${evkSeconds.toFixed(2)} s, ratio ${(evkSeconds / directSeconds).toFixed(2)}\n`,
    );
    return { directSeconds, evkSeconds, directCreate, evkCreate, toHost, back, cpuDirect, cpuEvk, exact };
  };
  const rounds: Awaited<ReturnType<typeof round>>[] = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await round(r));
  const ratios = rounds.map((x) => x.evkSeconds / x.directSeconds);
  const median = (xs: number[]) => percentile(xs, 50);
  const toHost = rounds.flatMap((x) => x.toHost);
  const back = rounds.flatMap((x) => x.back);
  const exact = rounds.every((x) => x.exact);
  const sumCpu = (k: "cpuDirect" | "cpuEvk") =>
    procs.map((_, i) => rounds.reduce((a, x) => a + (x[k][i] as number), 0) / rounds.length);
  const cpuDirect = sumCpu("cpuDirect");
  const cpuEvk = sumCpu("cpuEvk");
  await v.createNamespace({ body: { metadata: { name: "bench" } } });

  // Services: virtual create → the host's clusterIP visible on the virtual Service.
  const svcCreated = new Map<string, number>();
  const svcIP = new Map<string, number>();
  let svcWatch: { abort(): void } | undefined;
  const watchServices = async (): Promise<void> => {
    svcWatch = await new Watch(vKc).watch(
      "/api/v1/namespaces/bench/services",
      {},
      (_t: string, svc: { metadata?: { name?: string }; spec?: { clusterIP?: string } }) => {
        const name = svc.metadata?.name;
        if (name && svc.spec?.clusterIP && !svcIP.has(name)) svcIP.set(name, performance.now());
      },
      () => {
        if (svcIP.size < SERVICES) setTimeout(() => void watchServices().catch(() => {}), 100);
      },
    );
  };
  await watchServices();
  await closedLoop(SERVICES, CONCURRENCY, async (i) => {
    await v.createNamespacedService({
      namespace: "bench",
      body: { metadata: { name: `s${i}` }, spec: { selector: { app: "bench" }, ports: [{ port: 80 }] } },
    });
    svcCreated.set(`s${i}`, performance.now());
  });
  await waitFor("every virtual Service to show its host clusterIP", async () => svcIP.size >= SERVICES, 300_000, 100);
  svcWatch?.abort();
  const toClusterIP = [...svcCreated].map(([name, t]) => (svcIP.get(name) as number) - t);

  const metrics = await (await fetch(syncer.metricsUrl)).text();
  const hostRequests = [...metrics.matchAll(/^evk_syncer_host_requests_total\{verb="(\w+)",code="(\d+)"\} (\d+)/gm)]
    .map((m) => `${m[1]} ${m[2]}: ${m[3]}`)
    .join(", ");
  const mean = (metric: string, labels = "") => {
    const sum = Number(new RegExp(`^${metric}_sum\\{${labels}[^}]*\\} (\\S+)`, "m").exec(metrics)?.[1]);
    const count = Number(new RegExp(`^${metric}_count\\{${labels}[^}]*\\} (\\S+)`, "m").exec(metrics)?.[1]);
    return (sum / count) * 1000;
  };
  printTable(
    `bench:sync — ${ROUNDS} rounds of ${N} pods each way, ${CONCURRENCY} creates in flight, ${NODES} kwok nodes`,
    [
      ["direct on host: creates/s (median)", fmt(median(rounds.map((x) => x.directCreate.opsPerSec)), 1)],
      ["direct on host: all Running after, per round", rounds.map((x) => `${fmt(x.directSeconds, 2)} s`).join(", ")],
      ["through evk: creates/s (virtual, median)", fmt(median(rounds.map((x) => x.evkCreate.opsPerSec)), 1)],
      [
        "through evk: all Running (virtual) after, per round",
        rounds.map((x) => `${fmt(x.evkSeconds, 2)} s`).join(", "),
      ],
      ["ratio evk ÷ direct per round", ratios.map((x) => fmt(x, 2)).join(", ")],
      ["ratio evk ÷ direct, median (target ≤ 1.3)", fmt(median(ratios), 2)],
      [
        "virtual create → host pod created p50 / p99",
        `${fmt(percentile(toHost, 50), 1)} / ${fmt(percentile(toHost, 99), 1)} ms`,
      ],
      [
        "host Running → virtual Running p50 / p99",
        `${fmt(percentile(back, 50), 1)} / ${fmt(percentile(back, 99), 1)} ms`,
      ],
      [
        `Service create → host clusterIP in the virtual cluster p50 / p99 (${SERVICES} Services)`,
        `${fmt(percentile(toClusterIP, 50), 1)} / ${fmt(percentile(toClusterIP, 99), 1)} ms`,
      ],
      ["host twins exactly once, every round", exact ? "yes" : "NO"],
      ["syncer-pods idle RSS", `${fmt(idleRss, 1)} MiB`],
      ["syncer-pods idle CPU", `${fmt(idleCpuPct, 2)} %`],
      ["syncer-pods RSS after the run", `${fmt(rssMiB(pid), 1)} MiB`],
      ["syncer-pods host requests", hostRequests],
      [
        "syncer-pods mean ms: event lag / reconcile / host create",
        `${fmt(mean("evk_syncer_event_lag_seconds"), 1)} / ${fmt(mean("evk_syncer_reconcile_seconds", 'syncer="syncer-pods",outcome="ok"'), 1)} / ${fmt(mean("evk_syncer_host_request_seconds", 'verb="create"'), 1)}`,
      ],
      ...procs.map(([label], i): [string, string] => [
        `CPU s per round, direct / evk: ${label}`,
        `${fmt(cpuDirect[i] as number, 2)} / ${fmt(cpuEvk[i] as number, 2)}`,
      ]),
    ],
  );
}

try {
  await main();
} finally {
  await stopAllProcesses();
}
