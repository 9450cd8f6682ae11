import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { freePort, httpGet, sleep, waitFor } from "@evk/testing";
import { EVENTS_STREAM, HEADER_RELAY, Projection, parseEnvelope, projectionKey, subjectFor } from "../src/index.ts";
import { filterSubject } from "../src/subjects.ts";
import { newStore, podObj, pods, relayProcess, useRealParts } from "./harness.ts";

describe("relay leadership and resync (real etcd, nats-server and relay processes)", function () {
  this.timeout(120_000);
  const env = useRealParts();

  it("lets one of two relays publish at a time and fails over within 15 s of a SIGKILL", async () => {
    const cluster = "ha";
    const store = newStore(env, cluster);
    const publishers: { relay: string; revision: number; at: number }[] = [];
    const sub = env.nc.subscribe(filterSubject("ev", cluster));
    void (async () => {
      for await (const m of sub) {
        publishers.push({
          relay: m.headers?.get(HEADER_RELAY) ?? "?",
          revision: Number(m.headers?.get("Evk-Revision")),
          at: Date.now(),
        });
      }
    })();
    const a = relayProcess(env, cluster, "a");
    const b = relayProcess(env, cluster, "b");
    await Promise.all([a.start(), b.start()]);
    let i = 0;
    const write = async () => {
      const name = `o${i++ % 50}`;
      try {
        await store.update({ ...pods, namespace: "default", name }, podObj(name, i));
      } catch {
        await store.create({ ...pods, namespace: "default", name }, podObj(name, i));
      }
    };
    while (publishers.length < 100) {
      await write();
      await sleep(5);
    }
    const leader = publishers[publishers.length - 1]?.relay as string;
    assert.ok(
      publishers.every((p) => p.relay === leader),
      `one relay published everything: ${[...new Set(publishers.map((p) => p.relay))].join(",")}`,
    );
    const killedAt = Date.now();
    await (leader === "a" ? a : b).kill();
    const standby = leader === "a" ? "b" : "a";
    const t = await waitFor(
      "the standby to publish new writes",
      async () => {
        await write();
        return publishers.find((p) => p.relay === standby && p.at > killedAt)?.at;
      },
      15_000,
      50,
    );
    const failoverMs = t - killedAt;
    assert.ok(failoverMs < 15_000);
    const after = publishers.filter((p) => p.at >= t);
    assert.ok(
      after.every((p) => p.relay === standby),
      "after failover only the standby publishes",
    );
    process.stdout.write(`      failover: the standby published ${failoverMs} ms after the leader's SIGKILL\n`);
    sub.unsubscribe();
    await Promise.all([a.stop(), b.stop()]);
  });

  it("resyncs after etcd compacted its checkpoint away: current objects republished, deleted ones tombstoned", async () => {
    const cluster = "compact";
    const store = newStore(env, cluster);
    const ref = (name: string) => ({ ...pods, namespace: "default", name });
    const metricsPort = await freePort();
    const relay = relayProcess(env, cluster, "c1", [`--metrics-addr=127.0.0.1:${metricsPort}`]);
    await relay.start();
    const metric = async (name: string) => {
      const text = (await httpGet(`http://127.0.0.1:${metricsPort}/metrics`)).body;
      const line = text.split("\n").find((l) => l.startsWith(`${name}{cluster="${cluster}"}`));
      return line ? Number(line.split(" ").pop()) : 0;
    };
    for (let i = 0; i < 10; i++) await store.create(ref(`c${i}`), podObj(`c${i}`, 0));
    const projection = new Projection({ js: env.js, cluster });
    await projection.start();
    await waitFor("10 objects in the projection", async () => projection.size === 10, 20_000);
    await sleep(500); // let the checkpoint land
    await relay.stop();
    for (let i = 0; i < 5; i++) await store.delete(ref(`c${i}`));
    for (let i = 5; i < 10; i++) await store.update(ref(`c${i}`), podObj(`c${i}`, 1));
    for (let i = 10; i < 13; i++) await store.create(ref(`c${i}`), podObj(`c${i}`, 2));
    await env.client.compact(await env.client.currentRevision());
    await relay.start();
    const truth = new Map(
      (await store.list(pods)).items.map((o) => [
        projectionKey({ cluster, group: "", resource: "pods", namespace: "default", name: o.metadata.name as string }),
        Number(o.metadata.resourceVersion),
      ]),
    );
    await waitFor(
      "the projection to converge to etcd",
      async () =>
        projection.size === truth.size && [...truth].every(([k, r]) => projection.revisionsByKey().get(k) === r),
      20_000,
    );
    const log = readFileSync(relay.spec.logFile, "utf8");
    assert.match(log, /relay full resync started/);
    assert.match(log, /"tombstones":5/);
    assert.equal(await metric("evk_relay_resyncs_total"), 1);
    const newest = Math.max(...truth.values());
    assert.ok((await metric("evk_relay_checkpoint_revision")) >= newest, "checkpointed at or after the resync");
    // Every deleted object's newest message is its tombstone, carrying its last state.
    for (let i = 0; i < 5; i++) {
      const subject = subjectFor("ev", { cluster, group: "", resource: "pods", namespace: "default", name: `c${i}` });
      const m = await env.jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: subject });
      assert.ok(m, `a message for c${i}`);
      const e = parseEnvelope(m.data);
      assert.equal(e.type, "DELETED");
      assert.equal(e.uid, `uid-c${i}`);
      assert.equal(m.header.get("Nats-TTL"), "3600s");
    }
    await projection.stop();
    await relay.stop();
  });
});
