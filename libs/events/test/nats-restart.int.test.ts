import assert from "node:assert/strict";
import { createRegistry } from "@evk/observability";
import { sleep, waitFor } from "@evk/testing";
import { type EventEnvelope, Projection, projectionKey, startConsumer, subjectFor } from "../src/index.ts";
import { quietLog, useRealParts } from "./harness.ts";

const envelope = (name: string, revision: number): EventEnvelope => ({
  cluster: "nr",
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

// nats.js recreates an ordered consumer after nats-server restarts; with the client's default pull
// settings it then stalled for about 40 s (see src/pull-options.ts). Readers must keep up instead.
describe("readers across a nats-server restart (real nats-server)", function () {
  this.timeout(90_000);
  const env = useRealParts();

  it("a live projection and a durable consumer keep following without stalling", async () => {
    const projection = new Projection({ js: env.js, cluster: "nr" });
    await projection.start();
    const handled = new Set<string>();
    const consumer = await startConsumer({
      js: env.js,
      jsm: env.jsm,
      name: "restart-test",
      cluster: "nr",
      log: quietLog(),
      registry: createRegistry(),
      handler: async (e) => {
        handled.add(e.name);
      },
    });
    let rev = 0;
    const publish = async (name: string) => {
      const e = envelope(name, ++rev);
      await env.js.publish(subjectFor("ev", e), JSON.stringify(e));
    };
    for (let i = 0; i < 10; i++) await publish(`a${i}`);
    await waitFor("the first ten", async () => projection.size === 10 && handled.size === 10, 10_000);
    await env.nats.kill();
    await sleep(300);
    await env.nats.start();
    const names: string[] = [];
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      const name = `b${names.length}`;
      try {
        await publish(name);
        names.push(name);
      } catch {
        // The first publishes after the restart may time out while the client reconnects.
      }
      await sleep(200);
    }
    const key = (name: string) =>
      projectionKey({ cluster: "nr", group: "", resource: "pods", namespace: "default", name });
    await waitFor(
      "both readers to have everything published since the restart",
      async () => names.every((n) => projection.get(key(n)) && handled.has(n)),
      3_000,
    );
    assert.ok(names.length > 20, `${names.length} published after the restart`);
    await projection.stop();
    await consumer.stop();
  });
});
