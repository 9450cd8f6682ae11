import assert from "node:assert/strict";
import { waitFor } from "@evk/testing";
import { type EventEnvelope, Projection, projectionKey, Relay } from "../src/index.ts";
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
});
