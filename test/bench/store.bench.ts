// npm run bench:store — libs/store and libs/events against real etcd (fsync on) and nats-server, in one run:
// raw etcd puts with etcd's own Go client vs store creates, store gets, watch-cache fan-out to 1000 watchers,
// and (with libs/events) relay lag under a sustained write rate.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { EtcdClient, Store, WatchCache } from "@evk/store";
import { binaries, ensureParts, startEtcd, stopAllProcesses } from "@evk/testing";
import { closedLoop, fmt, percentile, podObject, printTable } from "./lib.ts";

const run = promisify(execFile);
const N = Number(process.env.EVK_BENCH_N ?? 20_000);
const CONCURRENCY = Number(process.env.EVK_BENCH_CONCURRENCY ?? 64);
const pods = { group: "", resource: "pods" };

async function rawGoPuts(endpoint: string, prefix: string, valueSize: number): Promise<number> {
  const { stdout } = await run(binaries.etcdBench, [
    `--endpoint=${endpoint}`,
    `--n=${N}`,
    `--concurrency=${CONCURRENCY}`,
    `--value-size=${valueSize}`,
    `--prefix=${prefix}`,
  ]);
  const r = JSON.parse(stdout) as { putsPerSec: number; failed: number };
  if (r.failed > 0) throw new Error(`etcd-bench: ${r.failed} puts failed`);
  return r.putsPerSec;
}

async function main() {
  await ensureParts(["etcd", "nats", "etcdBench"]);
  const etcd = await startEtcd({ fsync: true });
  const client = new EtcdClient({ endpoints: [etcd.endpoint] });
  const valueSize = JSON.stringify(podObject("p-00000")).length;
  process.stderr.write(
    `bench:store: ${N} ops per phase, ${CONCURRENCY} in flight, ~${valueSize} B objects, etcd fsync on\n`,
  );

  // Raw puts and store creates alternate over two rounds so drift on a shared machine hits both alike.
  const raw: number[] = [];
  const rawNode: number[] = [];
  const creates: number[] = [];
  const createLatency: number[] = [];
  let lastStore: Store | undefined;
  for (let round = 0; round < 2; round++) {
    raw.push(await rawGoPuts(etcd.endpoint, `/bench/raw${round}/`, valueSize));
    // The same puts through the store's own transport: separates the store's cost from Node's per-call cost.
    const value = JSON.stringify(podObject("p-00000"));
    const rn = await closedLoop(N, CONCURRENCY, (i) =>
      client.txn([], [{ request_put: { key: `/bench/rawnode${round}/${i}`, value } }]),
    );
    rawNode.push(rn.opsPerSec);
    const store = new Store({ etcd: client, cluster: `bench${round}` });
    const r = await closedLoop(N, CONCURRENCY, (i) =>
      store.create({ ...pods, namespace: "bench", name: `p-${i}` }, podObject(`p-${i}`)),
    );
    creates.push(r.opsPerSec);
    createLatency.push(...r.latenciesMs);
    lastStore = store;
  }
  const store = lastStore as Store;
  const gets = await closedLoop(N, CONCURRENCY, (i) => store.get({ ...pods, namespace: "bench", name: `p-${i}` }));

  // Watch-cache fan-out: one etcd watch, 1000 watchers; latency from write ack to the last watcher.
  const cache = new WatchCache({ etcd: client, cluster: "fanout" });
  await cache.start();
  const fan = new Store({ etcd: client, cluster: "fanout" });
  const WATCHERS = 1000;
  const WRITES = 200;
  const pending = new Map<string, { t0: number; left: number; resolve: () => void }>();
  for (let w = 0; w < WATCHERS; w++) {
    cache.watch(pods, { fromRevision: cache.revision }, (ev) => {
      const p = pending.get(ev.object.metadata.name as string);
      if (p && --p.left === 0) p.resolve();
    });
  }
  const fanLatency: number[] = [];
  const fanStart = performance.now();
  for (let i = 0; i < WRITES; i++) {
    const name = `f-${i}`;
    const done = new Promise<void>((resolve) => pending.set(name, { t0: 0, left: WATCHERS, resolve }));
    const t0 = performance.now();
    await fan.create({ ...pods, namespace: "bench", name }, podObject(name));
    await done;
    fanLatency.push(performance.now() - t0);
  }
  const fanSecs = (performance.now() - fanStart) / 1000;
  cache.stop();

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rawMean = mean(raw);
  const rawNodeMean = mean(rawNode);
  const createMean = mean(creates);
  printTable("bench:store (one run, same etcd)", [
    ["raw etcd put/s (etcd Go clientv3)", `${fmt(rawMean)}  (rounds: ${raw.map((x) => fmt(x)).join(", ")})`],
    [
      "raw etcd put/s (Node, the store's transport)",
      `${fmt(rawNodeMean)}  (rounds: ${rawNode.map((x) => fmt(x)).join(", ")})`,
    ],
    ["store create/s", `${fmt(createMean)}  (rounds: ${creates.map((x) => fmt(x)).join(", ")})`],
    ["ratio store creates / raw puts (Go client)", `${fmt(createMean / rawMean, 2)}  (target >= 0.80)`],
    ["ratio store creates / raw puts (same transport)", fmt(createMean / rawNodeMean, 2)],
    [
      "store create latency p50 / p99 (ms)",
      `${fmt(percentile(createLatency, 50), 2)} / ${fmt(percentile(createLatency, 99), 2)}`,
    ],
    ["store get/s", fmt(gets.opsPerSec)],
    [
      "store get latency p50 / p99 (ms)",
      `${fmt(percentile(gets.latenciesMs, 50), 2)} / ${fmt(percentile(gets.latenciesMs, 99), 2)}`,
    ],
    [
      `watch fan-out: write ack -> all ${WATCHERS} watchers, p50 / p99 (ms)`,
      `${fmt(percentile(fanLatency, 50), 2)} / ${fmt(percentile(fanLatency, 99), 2)}`,
    ],
    ["watch fan-out deliveries/s", fmt((WRITES * WATCHERS) / fanSecs)],
  ]);
  client.close();
  await etcd.dispose();
}

try {
  await main();
} finally {
  await stopAllProcesses();
}
