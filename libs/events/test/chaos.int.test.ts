import assert from "node:assert/strict";
import { isStatusError } from "@evk/kube";
import { sleep, waitFor } from "@evk/testing";
import { EVENTS_STREAM, HEADER_RELAY, Projection, projectionKey, startConsumer } from "../src/index.ts";
import { filterSubject } from "../src/subjects.ts";
import { newStore, podObj, pods, quietLog, registry, relayProcess, useRealParts } from "./harness.ts";

// The delivery guarantee under crashes: thousands of writes over many keys while the relay process is
// SIGKILLed at random moments, and nats-server and etcd are each killed and restarted once.
describe("relay under chaos (real etcd, nats-server and relay processes)", function () {
  this.timeout(300_000);
  const env = useRealParts();

  it("loses nothing acknowledged, keeps per-key revision order, and every view converges to etcd", async () => {
    const cluster = "chaos";
    const store = newStore(env, cluster);
    const OPS = Number(process.env.EVK_CHAOS_OPS ?? 3000);
    const KEYS = 200;
    const WORKERS = 4;
    const key = (name: string) => projectionKey({ cluster, group: "", resource: "pods", namespace: "default", name });

    // A durable consumer records every envelope it is handed.
    const seen = new Map<string, { revision: number; type: string }[]>();
    const consumerMetrics = registry();
    const consumer = await startConsumer({
      js: env.js,
      jsm: env.jsm,
      name: "chaos-audit",
      cluster,
      log: quietLog(),
      registry: consumerMetrics,
      handler: async (e) => {
        const k = projectionKey(e);
        const list = seen.get(k) ?? [];
        list.push({ revision: e.revision, type: e.type });
        seen.set(k, list);
      },
    });

    // Which relay instances have published: a relay is killed only after it has started publishing, so
    // every kill lands in the middle of its work (a new leader first waits for the old lease and a fence).
    const publishedBy = new Set<string>();
    const sub = env.nc.subscribe(filterSubject("ev", cluster));
    void (async () => {
      for await (const m of sub) publishedBy.add(m.headers?.get(HEADER_RELAY) ?? "?");
    })();
    // A projection that follows the stream live through every restart, besides one replayed at the end.
    const live = new Projection({ js: env.js, cluster });
    await live.start();

    const relayArgs = ["--lease-ttl=3"];
    let relay = relayProcess(env, cluster, "r0", relayArgs);
    await relay.start();
    let relayRestarts = 0;
    let opsDone = 0;
    let stop = false;
    let natsDone = false;
    let etcdDone = false;
    const chaosDone = () => natsDone && etcdDone && relayRestarts >= 5;
    const chaos = (async () => {
      while (!stop) {
        const instance = `r${relayRestarts}`;
        await waitFor(`relay ${instance} to publish`, async () => stop || publishedBy.has(instance), 60_000, 50);
        await sleep(Math.random() * 800);
        if (stop) break;
        if (!natsDone && opsDone > OPS / 3) {
          natsDone = true;
          await env.nats.kill();
          await sleep(300);
          await env.nats.start();
          continue;
        }
        if (!etcdDone && opsDone > (2 * OPS) / 3) {
          etcdDone = true;
          await env.etcd.kill();
          await sleep(300);
          await env.etcd.start();
          continue;
        }
        await relay.kill();
        relayRestarts++;
        await sleep(Math.random() * 400);
        relay = relayProcess(env, cluster, `r${relayRestarts}`, relayArgs);
        await relay.start();
      }
    })();

    // Writes: creates, updates and deletes over KEYS names; only acknowledged ones count.
    const acked = new Map<string, number[]>();
    let next = 0;
    let failed = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        // At least OPS writes, and on until every planned crash has happened in the middle of them.
        if (i >= OPS && chaosDone()) return;
        const name = `k${Math.floor(Math.random() * KEYS)}`;
        const ref = { ...pods, namespace: "default", name };
        try {
          const roll = Math.random();
          let rv: string | undefined;
          if (roll < 0.15) {
            await store.delete(ref);
            rv = undefined;
          } else {
            try {
              rv = (await store.update(ref, podObj(name, i))).metadata.resourceVersion;
            } catch (err) {
              if (!isStatusError(err, "NotFound")) throw err;
              rv = (await store.create(ref, podObj(name, i))).metadata.resourceVersion;
            }
          }
          if (rv) acked.set(key(name), [...(acked.get(key(name)) ?? []), Number(rv)]);
        } catch (err) {
          // NotFound/AlreadyExists races between workers are fine; etcd being down fails writes unacknowledged.
          if (!isStatusError(err)) throw err;
          failed++;
        } finally {
          opsDone++;
        }
        // Paced: enough writes to overlap every fault, without starving the processes under test of CPU.
        await sleep(Math.random() * 8);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    stop = true;
    await chaos;
    assert.ok(chaosDone(), `the relay was killed ${relayRestarts} times`);

    const writesEndedAt = Date.now();
    const truth = new Map(
      (await store.list(pods)).items.map((o) => [key(o.metadata.name as string), Number(o.metadata.resourceVersion)]),
    );
    const lastSeen = (k: string) => seen.get(k)?.at(-1);
    // The server's view of the durable consumer every 5 s while it catches up, shown when that is slow.
    const consumerState = async () => {
      const info = await env.jsm.consumers.info(EVENTS_STREAM, "chaos-audit").catch((e: Error) => e.message);
      return typeof info === "string"
        ? info
        : JSON.stringify({
            s: Math.round((Date.now() - writesEndedAt) / 1000),
            delivered: info.delivered.stream_seq,
            ack_floor: info.ack_floor.stream_seq,
            pending: info.num_pending,
            ack_pending: info.num_ack_pending,
            waiting: info.num_waiting,
            redelivered: info.num_redelivered,
            handled: handledCount(),
          });
    };
    const samples: string[] = [];
    const sampler = setInterval(() => void consumerState().then((s) => samples.push(s)), 5_000);
    // A consumer that is behind when the writes end (it handles one message at a time; on a busy machine
    // that is slower than four writers) must keep making progress until it is at etcd's state: it fails
    // when it stops moving for 30 s, not after a fixed time.
    const handledCount = () => [...seen.values()].reduce((n, l) => n + l.length, 0);
    const converged = () =>
      [...truth].every(([k, rev]) => lastSeen(k)?.revision === rev) &&
      [...seen.keys()].every((k) => truth.has(k) || lastSeen(k)?.type === "DELETED");
    let progress = { count: handledCount(), at: Date.now() };
    await waitFor(
      "the durable consumer to reach etcd's state, moving at least every 30 s",
      async () => {
        if (converged()) return true;
        const count = handledCount();
        if (count !== progress.count) progress = { count, at: Date.now() };
        if (Date.now() - progress.at > 30_000) throw new Error("the durable consumer made no progress for 30 s");
        return false;
      },
      180_000,
      250,
    ).catch(async (err) => {
      clearInterval(sampler);
      const state = [...samples, await consumerState()].join(" ");
      const behind = [...truth]
        .filter(([k, rev]) => lastSeen(k)?.revision !== rev)
        .map(([k, rev]) => `${k}@${rev} seen=${JSON.stringify(seen.get(k)?.slice(-3))}`);
      const stale = [...seen.keys()]
        .filter((k) => !truth.has(k) && lastSeen(k)?.type !== "DELETED")
        .map((k) => `${k} seen=${JSON.stringify(seen.get(k)?.slice(-3))}`);
      throw new Error(
        `${err.message}: ${behind.length} behind (${behind.slice(0, 5).join(", ")}), ${stale.length} not deleted (${stale.slice(0, 5).join(", ")}); the durable consumer on the server: ${state}`,
      );
    });

    clearInterval(sampler);
    const convergedMs = Date.now() - writesEndedAt;
    // Per key, the revisions handed out only move forward (a redelivery of the same revision aside).
    for (const [k, list] of seen) {
      for (let i = 1; i < list.length; i++) {
        assert.ok(
          (list[i]?.revision ?? 0) >= (list[i - 1]?.revision ?? 0),
          `${k}: ${list.map((x) => x.revision).join(",")}`,
        );
      }
    }
    // Every acknowledged write reached the stream or was superseded by a later change of its key.
    for (const [k, revs] of acked) {
      const newest = Math.max(...(seen.get(k) ?? []).map((x) => x.revision));
      for (const r of revs) assert.ok(newest >= r, `${k}: acknowledged revision ${r} never reached the stream`);
    }
    // A projection replayed from the stream's start, and the one that followed it live, equal etcd.
    const projection = new Projection({ js: env.js, cluster });
    await projection.start();
    await projection.caughtUp;
    const sorted = (m: Map<string, number>) => new Map([...m].sort());
    assert.deepEqual(sorted(projection.revisionsByKey()), sorted(truth));
    await waitFor("the live projection to equal etcd", async () => live.size === truth.size, 10_000).catch((err) => {
      const held = live.revisionsByKey();
      const missing = [...truth].filter(([k, r]) => held.get(k) !== r).map(([k, r]) => `${k}@${r} live=${held.get(k)}`);
      const extra = [...held]
        .filter(([k]) => !truth.has(k))
        .map(([k, r]) => `${k}@${r} seen=${JSON.stringify(seen.get(k)?.slice(-3))}`);
      throw new Error(
        `${err.message}: ${missing.length} differ (${missing.slice(0, 5).join(", ")}), ${extra.length} extra (${extra.slice(0, 5).join(", ")})`,
      );
    });
    assert.deepEqual(sorted(live.revisionsByKey()), sorted(truth));
    await projection.stop();
    await live.stop();
    await consumer.stop();
    sub.unsubscribe();
    await relay.stop();
    const stalls =
      (await consumerMetrics.getSingleMetricAsString("evk_consumer_stalls_total")).match(/} (\d+)/)?.[1] ?? "0";
    process.stdout.write(
      `      chaos: ${next} ops (${failed} refused or failed), ${relayRestarts} relay kills, nats and etcd restarted once, ${truth.size} objects at the end, consumer at etcd's state ${convergedMs} ms after the last write (${stalls} stalled subscriptions restarted)${samples.length > 1 ? `; on the way: ${samples.join(" ")}` : ""}\n`,
    );
  });
});
