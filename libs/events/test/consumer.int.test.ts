import assert from "node:assert/strict";
import { createRegistry } from "@evk/observability";
import { sleep, waitFor } from "@evk/testing";
import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
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
import { newStore, podObj, pods, quietLog, recordingLog, useRealParts } from "./harness.ts";

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
    const attempts = new Map<string, number[]>();
    const handled: string[] = [];
    const registry = createRegistry();
    const { log, records } = recordingLog();
    const backoffMs = [300, 600];
    const consumer = await startConsumer({
      js: env.js,
      jsm: env.jsm,
      name: "retry-test",
      cluster: "cons",
      log,
      registry,
      maxDeliver: 3,
      backoffMs,
      handler: async (e) => {
        const at = [...(attempts.get(e.name) ?? []), performance.now()];
        attempts.set(e.name, at);
        if (e.name === "flaky" && at.length < 3) throw new Error("not yet");
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
      async () => handled.includes("flaky") && handled.includes("after") && attempts.get("broken")?.length === 3,
      20_000,
    );
    const flaky = attempts.get("flaky") ?? [];
    assert.equal(flaky.length, 3, "two failures, then success");
    // Redelivery waits the backoff of the attempt that failed (the server holds the nak'ed message).
    for (let i = 1; i < flaky.length; i++) {
      const gap = (flaky[i] as number) - (flaky[i - 1] as number);
      assert.ok(gap >= (backoffMs[i - 1] as number) - 20, `attempt ${i + 1} came ${Math.round(gap)} ms after the last`);
    }
    await sleep(800);
    assert.equal(attempts.get("broken")?.length, 3, "no delivery after maxDeliver");
    assert.ok(handled.indexOf("after") >= 0, "later messages were handled");
    const errors = records.filter((r) => r.level === "error");
    assert.ok(
      errors.some(
        (r) => /dead-lettered after repeated handler failures/.test(r.msg) && r.fields.err === "always broken",
      ),
      JSON.stringify(errors),
    );
    assert.ok(
      errors.some(
        (r) => /malformed/.test(r.msg) && /evk\.ev\.cons\.pods\.default\.garbage/.test(String(r.fields.subject)),
      ),
    );

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
    assert.match(dead[1]?.error ?? "", /not UTF-8 JSON/);
    assert.equal(dead[1]?.original, "evk.ev.cons.pods.default.garbage");
    const metrics = await registry.getSingleMetricAsString("evk_consumer_messages_total");
    assert.match(metrics, /outcome="malformed"} 1/);
    assert.match(metrics, /outcome="dead-lettered"} 1/);
    await consumer.stop();
  });

  it("on stop lets the handler in hand finish and be acked, and hands back what it had not started", async () => {
    const handled: string[] = [];
    let release: () => void = () => {};
    let started: () => void = () => {};
    const slowStarted = new Promise<void>((r) => {
      started = r;
    });
    const opts = {
      js: env.js,
      jsm: env.jsm,
      name: "stop-test",
      cluster: "stopc",
      log: quietLog(),
      registry: createRegistry(),
    };
    const first = await startConsumer({
      ...opts,
      handler: async (e) => {
        if (e.name === "slow") {
          started();
          await new Promise<void>((r) => {
            release = r;
          });
        }
        handled.push(`first:${e.name}`);
      },
    });
    const publish = (name: string) =>
      env.js.publish(
        subjectFor("ev", { ...envelope(name, 1), cluster: "stopc" }),
        JSON.stringify({ ...envelope(name, 1), cluster: "stopc" }),
      );
    await publish("slow");
    for (let i = 0; i < 5; i++) await publish(`next${i}`);
    await slowStarted;
    await sleep(200); // the next messages are in the consumer's buffer by now
    let stopped = false;
    const stopping = first.stop().then(() => {
      stopped = true;
    });
    await sleep(300);
    assert.equal(stopped, false, "stop waits for the handler in hand");
    release();
    await stopping;
    assert.deepEqual(handled, ["first:slow"], "nothing fetched after stop was started");
    const info = await env.jsm.consumers.info(EVENTS_STREAM, "stop-test");
    assert.equal(info.ack_floor.stream_seq, info.delivered.stream_seq - 5, "the finished one was acked, nothing else");
    // A successor (ack_wait is 30 s) gets the handed-back messages at once, and not the finished one.
    const t0 = Date.now();
    const second = await startConsumer({
      ...opts,
      handler: async (e) => {
        handled.push(`second:${e.name}`);
      },
    });
    await waitFor("the successor to handle the rest", async () => handled.length === 6, 10_000);
    assert.ok(Date.now() - t0 < 5_000);
    assert.deepEqual(
      handled.slice(1).sort(),
      [0, 1, 2, 3, 4].map((i) => `second:next${i}`),
    );
    await second.stop();
  });

  it("ends, saying so once, when its NATS connection is closed for good (no endless resubscribing)", async () => {
    const nc = await connect({ servers: env.nats.url });
    const { log, records } = recordingLog();
    const got: string[] = [];
    const consumer = await startConsumer({
      js: jetstream(nc),
      jsm: await jetstreamManager(nc),
      name: "closed-test",
      cluster: "closed",
      log,
      registry: createRegistry(),
      handler: async (e) => {
        got.push(e.name);
      },
    });
    const e = { ...envelope("before", 1), cluster: "closed" };
    await env.js.publish(subjectFor("ev", e), JSON.stringify(e));
    await waitFor("the event before the close", async () => got.length === 1, 10_000);
    await nc.close();
    await sleep(2_500);
    const said = records.filter((r) => r.level === "error").map((r) => r.msg);
    assert.deepEqual(said, ["consumer stopped: its NATS connection is closed"]);
    // stop() returns at once: the loop has already ended.
    await Promise.race([
      consumer.stop(),
      sleep(2_000).then(() => assert.fail("stop() hung after the connection closed")),
    ]);
  });

  it("filters by resource", async () => {
    const got: string[] = [];
    const consumer = await startConsumer({
      js: env.js,
      jsm: env.jsm,
      name: "filter-test",
      cluster: "filt",
      resources: [{ group: "apps", resource: "deployments" }],
      log: quietLog(),
      registry: createRegistry(),
      handler: async (e) => {
        got.push(`${e.resource}/${e.name}`);
      },
    });
    for (const [group, resource, name] of [
      ["", "pods", "p"],
      ["apps", "deployments", "d"],
      ["apps", "replicasets", "r"],
      ["", "pods", "q"],
      ["apps", "deployments", "e"],
    ] as const) {
      const e = { ...envelope(name, 1), cluster: "filt", group, resource };
      await env.js.publish(subjectFor("ev", e), JSON.stringify(e));
    }
    await waitFor("two deployments", async () => got.length >= 2, 10_000);
    await sleep(300);
    assert.deepEqual(got, ["deployments/d", "deployments/e"]);
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
