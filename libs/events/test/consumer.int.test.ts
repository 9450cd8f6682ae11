import assert from "node:assert/strict";
import { createRegistry } from "@evk/observability";
import { sleep, waitFor } from "@evk/testing";
import { DeliverPolicy } from "@nats-io/jetstream";
import {
  DLQ_STREAM,
  EVENTS_STREAM,
  type EventEnvelope,
  HEADER_ERROR,
  HEADER_ORIGINAL_SUBJECT,
  Relay,
  startConsumer,
  subjectFor,
} from "../src/index.ts";
import { newStore, podObj, pods, quietLog, useRealParts } from "./harness.ts";

const envelope = (name: string, revision: number): EventEnvelope => ({
  cluster: "cons",
  type: "ADDED",
  resource: "pods",
  group: "",
  version: "v1",
  namespace: "default",
  name,
  uid: `uid-${name}`,
  revision,
  object: { metadata: { name, namespace: "default" } },
  traceId: "t",
  time: new Date().toISOString(),
});

describe("consumers and tombstones (real nats-server)", function () {
  this.timeout(60_000);
  const env = useRealParts();

  it("retries a failing handler with backoff, dead-letters after maxDeliver and malformed input, and keeps going", async () => {
    const attempts = new Map<string, number>();
    const handled: string[] = [];
    const registry = createRegistry();
    const consumer = await startConsumer({
      js: env.js,
      jsm: env.jsm,
      name: "retry-test",
      cluster: "cons",
      log: quietLog(),
      registry,
      maxDeliver: 3,
      backoffMs: [100, 200],
      handler: async (e) => {
        const n = (attempts.get(e.name) ?? 0) + 1;
        attempts.set(e.name, n);
        if (e.name === "flaky" && n < 3) throw new Error("not yet");
        if (e.name === "broken") throw new Error("always broken");
        handled.push(e.name);
      },
    });
    const publish = (name: string, body: string) =>
      env.js.publish(subjectFor("ev", { ...envelope(name, 1), group: "" }), body);
    await publish("flaky", JSON.stringify(envelope("flaky", 1)));
    await publish("broken", JSON.stringify(envelope("broken", 2)));
    await publish("garbage", "{not json");
    await publish("after", JSON.stringify(envelope("after", 4)));
    await waitFor(
      "flaky and after handled, broken given up",
      async () => handled.includes("flaky") && handled.includes("after") && attempts.get("broken") === 3,
      20_000,
    );
    assert.equal(attempts.get("flaky"), 3, "two failures, then success");
    await sleep(500);
    assert.equal(attempts.get("broken"), 3, "no delivery after maxDeliver");

    const dlq = await env.js.consumers.get(DLQ_STREAM, { deliver_policy: DeliverPolicy.All });
    const dead: { subject: string; error: string; original: string }[] = [];
    for (let i = 0; i < 2; i++) {
      const m = await dlq.next({ expires: 5_000 });
      assert.ok(m, "a dead letter");
      dead.push({
        subject: m.subject,
        error: m.headers?.get(HEADER_ERROR) ?? "",
        original: m.headers?.get(HEADER_ORIGINAL_SUBJECT) ?? "",
      });
    }
    dead.sort((x, y) => x.subject.localeCompare(y.subject));
    assert.equal(dead[0]?.subject, "evk.dlq.retry-test.cons.pods.default.broken");
    assert.equal(dead[0]?.error, "always broken");
    assert.equal(dead[1]?.subject, "evk.dlq.retry-test.cons.pods.default.garbage");
    assert.match(dead[1]?.error ?? "", /not JSON/);
    assert.equal(dead[1]?.original, "evk.ev.cons.pods.default.garbage");
    const metrics = await registry.getSingleMetricAsString("evk_consumer_messages_total");
    assert.match(metrics, /outcome="malformed"} 1/);
    assert.match(metrics, /outcome="dead-lettered"} 1/);
    await consumer.stop();
  });

  it("lets DELETED tombstones expire after the configured age", async () => {
    const store = newStore(env, "ttl");
    const relay = new Relay({
      etcd: env.client,
      js: env.js,
      jsm: env.jsm,
      cluster: "ttl",
      log: quietLog(),
      registry: createRegistry(),
      tombstoneTtlSeconds: 2,
    });
    const running = relay.run();
    const ref = { ...pods, namespace: "default", name: "gone" };
    await store.create(ref, podObj("gone", 0));
    await store.delete(ref);
    const subject = subjectFor("ev", {
      cluster: "ttl",
      group: "",
      resource: "pods",
      namespace: "default",
      name: "gone",
    });
    const last = async () =>
      env.jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: subject }).catch(() => undefined);
    const tomb = await waitFor(
      "the tombstone",
      async () => {
        const m = await last();
        return m && JSON.parse(m.string()).type === "DELETED" ? m : undefined;
      },
      10_000,
    );
    assert.equal(tomb.header.get("Nats-TTL"), "2s");
    const held = async () =>
      (await env.jsm.streams.info(EVENTS_STREAM, { subjects_filter: subject })).state.subjects?.[subject] ?? 0;
    await waitFor("the tombstone to expire", async () => (await held()) === 0, 10_000, 250);
    await relay.stop();
    await running;
  });
});
