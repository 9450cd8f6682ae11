// npm run bench:store — libs/store and libs/events against real etcd (fsync on) and nats-server, in one run:
// raw etcd puts with etcd's own Go client vs store creates, store gets, watch-cache fan-out to 1000 watchers,
// and relay lag (write acknowledged -> event in a projection) under a sustained write rate.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ensureStreams, Projection, Relay } from "@evk/events";
import { createLogger, createRegistry } from "@evk/observability";
import { EtcdClient, Store, WatchCache } from "@evk/store";
import { binaries, ensureParts, sleep, startEtcd, startNats, stopAllProcesses } from "@evk/testing";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { closedLoop, fmt, percentile, podObject, printTable } from "./lib.ts";

const run = promisify(execFile);
const N = Number(process.env.EVK_BENCH_N ?? 20_000);
const CONCURRENCY = Number(process.env.EVK_BENCH_CONCURRENCY ?? 64);
// More rounds steady the ratio on a busy machine, but every round adds 3·N revisions of history, and the
// relay-lag phase's relay starts watching at revision 1, so etcd reads all of it before that watch is live:
// relay-lag figures are comparable only between runs with the same number of rounds.
const ROUNDS = Math.max(1, Number(process.env.EVK_BENCH_ROUNDS ?? 2));
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

  // Raw puts and store creates alternate over several rounds so drift on a shared machine hits both alike,
  // and the order flips every round (Go first, then Node first) because etcd slows a little as it fills up.
  const raw: number[] = [];
  const rawNode: number[] = [];
  const creates: number[] = [];
  const createLatency: number[] = [];
  let lastStore: Store | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    const goPhase = async () => {
      raw.push(await rawGoPuts(etcd.endpoint, `/bench/raw${round}/`, valueSize));
    };
    const nodePhases = async () => {
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
    };
    if (round % 2 === 0) {
      await goPhase();
      await nodePhases();
    } else {
      await nodePhases();
      await goPhase();
    }
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
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
  };
  // Relay lag: writes at a steady rate; lag = write acknowledged -> event in a projection (what a syncer sees).
  const RATE = Number(process.env.EVK_BENCH_RELAY_RATE ?? 500);
  const SECONDS = Number(process.env.EVK_BENCH_RELAY_SECONDS ?? 10);
  const nats = await startNats();
  const nc = await connect({ servers: nats.url });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  await ensureStreams(jsm);
  const relay = new Relay({
    etcd: client,
    js,
    jsm,
    cluster: "lag",
    log: createLogger("bench"),
    registry: createRegistry(),
  });
  const relayRun = relay.run();
  const acked = new Map<string, number>();
  const arrived = new Map<string, number>();
  const projection = new Projection({
    js,
    cluster: "lag",
    onChange: (e) => arrived.set(e.name, performance.now()),
  });
  await projection.start();
  const lagStore = new Store({ etcd: client, cluster: "lag" });
  const total = RATE * SECONDS;
  const t0 = performance.now();
  const writes: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const name = `l-${i}`;
    writes.push(
      lagStore.create({ ...pods, namespace: "bench", name }, podObject(name)).then(() => {
        acked.set(name, performance.now());
      }),
    );
  }
  await Promise.all(writes);
  const achievedRate = total / ((performance.now() - t0) / 1000);
  const deadline = Date.now() + 30_000;
  while (arrived.size < total && Date.now() < deadline) await sleep(50);
  const lags = [...acked].map(([n, t]) => Math.max(0, (arrived.get(n) ?? Number.NaN) - t));
  await projection.stop();
  await relay.stop();
  await relayRun;
  await nc.close();
  await nats.dispose();

  const rawMean = mean(raw);
  const rawNodeMean = mean(rawNode);
  const createMean = mean(creates);
  const roundRatios = creates.map((c, i) => c / (raw[i] as number));
  printTable("bench:store (one run, same etcd)", [
    ["raw etcd put/s (etcd Go clientv3)", `${fmt(rawMean)}  (rounds: ${raw.map((x) => fmt(x)).join(", ")})`],
    [
      "raw etcd put/s (Node, the store's transport)",
      `${fmt(rawNodeMean)}  (rounds: ${rawNode.map((x) => fmt(x)).join(", ")})`,
    ],
    ["store create/s", `${fmt(createMean)}  (rounds: ${creates.map((x) => fmt(x)).join(", ")})`],
    ["ratio store creates / raw puts (Go client)", `${fmt(createMean / rawMean, 2)}  (target >= 0.80)`],
    [
      "  per round, and their median",
      `${roundRatios.map((x) => fmt(x, 2)).join(", ")}; median ${fmt(median(roundRatios), 2)}`,
    ],
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
    [
      `relay lag at ${fmt(achievedRate)} writes/s for ${SECONDS} s, p50 / p99 (ms)`,
      `${fmt(percentile(lags, 50), 2)} / ${fmt(percentile(lags, 99), 2)}  (${arrived.size}/${total} arrived)`,
    ],
  ]);
  client.close();
  await etcd.dispose();
}

try {
  await main();
} finally {
  await stopAllProcesses();
}
