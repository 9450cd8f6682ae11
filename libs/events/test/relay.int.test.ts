import assert from "node:assert/strict";
import { sleep, waitFor } from "@evk/testing";
import { EVENTS_STREAM, type EventEnvelope, Projection, projectionKey, Relay } from "../src/index.ts";
import { newStore, podObj, pods, quietLog, registry, useRealParts } from "./harness.ts";

describe("relay (real etcd and nats-server)", function () {
  this.timeout(60_000);
  const env = useRealParts();

  it("publishes every change in revision order; a projection equals etcd", async () => {
    const store = newStore(env, "r1");
    const seen: EventEnvelope[] = [];
    const projection = new Projection({ js: env.js, cluster: "r1", onChange: (e) => seen.push(e) });
    await projection.start();
    const relay = new Relay({
      etcd: env.client,
      js: env.js,
      jsm: env.jsm,
      cluster: "r1",
      log: quietLog(),
      registry: registry(),
    });
    const running = relay.run();
    try {
      for (let i = 0; i < 20; i++)
        await store.create({ ...pods, namespace: "default", name: `p${i}` }, podObj(`p${i}`, 0));
      for (let i = 0; i < 10; i++)
        await store.update({ ...pods, namespace: "default", name: `p${i}` }, podObj(`p${i}`, 1));
      for (let i = 15; i < 20; i++) await store.delete({ ...pods, namespace: "default", name: `p${i}` });
      const inEtcd = (await store.list(pods)).items;
      const key = (name: string) =>
        projectionKey({ cluster: "r1", group: "", resource: "pods", namespace: "default", name });
      const matches = () =>
        projection.size === inEtcd.length &&
        inEtcd.every(
          (o) =>
            projection.get(key(o.metadata.name as string))?.metadata.resourceVersion === o.metadata.resourceVersion,
        );
      await waitFor("the projection to match etcd", async () => matches(), 20_000);
      const revisions = seen.map((e) => e.revision);
      assert.deepEqual(
        revisions,
        [...revisions].sort((a, b) => a - b),
        "in revision order",
      );
      // The stream keeps the newest message per object, so a reader may see an object's latest state only;
      // every deleted object still ends with its tombstone, carrying the last state and the uid.
      const deleted = seen.filter((e) => e.type === "DELETED");
      assert.deepEqual(deleted.map((e) => e.name).sort(), ["p15", "p16", "p17", "p18", "p19"]);
      for (const d of deleted) {
        assert.equal(d.object.metadata.name, d.name);
        assert.equal(d.uid, `uid-${d.name}`);
        assert.ok((d.prevRevision ?? 0) > 0 && (d.prevRevision ?? 0) < d.revision);
      }
      for (const e of seen.filter((x) => x.type === "MODIFIED")) assert.deepEqual(e.object.spec, { n: 1 });
    } finally {
      await relay.stop();
      await running;
      await projection.stop();
    }
  });

  it("a projection catches up with the stream as of its start while writes keep coming", async () => {
    const cluster = "busy";
    const store = newStore(env, cluster);
    const relay = new Relay({
      etcd: env.client,
      js: env.js,
      jsm: env.jsm,
      cluster,
      log: quietLog(),
      registry: registry(),
    });
    const running = relay.run();
    const ref = (name: string) => ({ ...pods, namespace: "default", name });
    const before = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const o = await store.create(ref(`b${i}`), podObj(`b${i}`, 0));
      before.set(
        projectionKey({ cluster, group: "", resource: "pods", namespace: "default", name: `b${i}` }),
        Number(o.metadata.resourceVersion),
      );
    }
    const last = Math.max(...before.values());
    const streamHolds = async () => {
      const info = await env.jsm.streams.info(EVENTS_STREAM, { subjects_filter: `evk.ev.${cluster}.>` });
      return Object.keys(info.state.subjects ?? {}).length >= 200;
    };
    await waitFor("the relay to publish the first 200", streamHolds, 20_000);
    // Writers that never pause while the projection replays slowly.
    let writing = true;
    let n = 0;
    const writer = (async () => {
      while (writing) {
        const name = `w${n++ % 50}`;
        await store.update(ref(name), podObj(name, n)).catch(() => store.create(ref(name), podObj(name, n)));
      }
    })();
    const projection = new Projection({
      js: env.js,
      cluster,
      onChange: () => {
        // A slow reader (2 ms per event) while the writer goes on: caughtUp must still come, and only
        // once everything written before the start is in the view.
        const until = performance.now() + 2;
        while (performance.now() < until);
      },
    });
    const t0 = Date.now();
    await projection.start();
    await Promise.race([
      projection.caughtUp,
      sleep(20_000).then(() => {
        throw new Error("caughtUp did not resolve within 20 s while writes continued");
      }),
    ]);
    const caughtUpMs = Date.now() - t0;
    writing = false;
    await writer;
    const held = new Map([...projection.entries()].map(([k, o]) => [k, Number(o.metadata.resourceVersion)]));
    for (const [k, rev] of before) assert.ok((held.get(k) ?? 0) >= rev, `${k} missing after caughtUp`);
    assert.ok(last > 0 && caughtUpMs < 20_000);
    await projection.stop();
    await relay.stop();
    await running;
  });
});
