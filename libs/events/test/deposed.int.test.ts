import assert from "node:assert/strict";
import { sleep, waitFor } from "@evk/testing";
import { HEADER_RELAY } from "../src/index.ts";
import { filterSubject } from "../src/subjects.ts";
import { newStore, podObj, pods, relayProcess, useRealParts } from "./harness.ts";

// A leader that is frozen (SIGSTOP: a long GC pause, a suspended VM) loses its lease while etcd keeps
// sending it watch events. When it thaws it must not publish them: the standby leads by then.
describe("a deposed relay (real etcd, nats-server and relay processes)", function () {
  this.timeout(90_000);
  const env = useRealParts();

  it("publishes nothing after it thaws from a freeze longer than its lease", async () => {
    const cluster = "frozen";
    const store = newStore(env, cluster);
    const seen: { relay: string; at: number }[] = [];
    const sub = env.nc.subscribe(filterSubject("ev", cluster));
    void (async () => {
      for await (const m of sub) seen.push({ relay: m.headers?.get(HEADER_RELAY) ?? "?", at: Date.now() });
    })();
    const a = relayProcess(env, cluster, "fa", ["--lease-ttl=3"]);
    const b = relayProcess(env, cluster, "fb", ["--lease-ttl=3"]);
    await a.start();
    await b.start();
    let i = 0;
    const write = async () => {
      const name = `o${i++ % 20}`;
      try {
        await store.update({ ...pods, namespace: "default", name }, podObj(name, i));
      } catch {
        await store.create({ ...pods, namespace: "default", name }, podObj(name, i));
      }
    };
    await waitFor(
      "a leader publishing",
      async () => {
        await write();
        return seen.length > 20;
      },
      20_000,
      20,
    );
    const leaderName = seen.at(-1)?.relay;
    const [leader, standby] = leaderName === "fa" ? [a, b] : [b, a];
    const standbyName = leaderName === "fa" ? "fb" : "fa";
    process.kill(-(leader.pid as number), "SIGSTOP");
    let thawedAt = 0;
    try {
      const frozenAt = Date.now();
      // Writes while it is frozen reach its watch stream's socket; the standby takes over meanwhile.
      await waitFor(
        "the standby to lead",
        async () => {
          await write();
          return seen.some((s) => s.relay === standbyName && s.at > frozenAt);
        },
        20_000,
        20,
      );
      for (let k = 0; k < 50; k++) await write();
      await sleep(500);
    } finally {
      thawedAt = Date.now();
      process.kill(-(leader.pid as number), "SIGCONT");
    }
    for (let k = 0; k < 100; k++) {
      await write();
      await sleep(10);
    }
    await sleep(2_000);
    const late = seen.filter((s) => s.relay === leaderName && s.at >= thawedAt);
    assert.equal(late.length, 0, `the deposed relay ${leaderName} published ${late.length} messages after it thawed`);
    assert.ok(
      seen.some((s) => s.relay === standbyName && s.at >= thawedAt + 1000),
      "the standby keeps publishing",
    );
    sub.unsubscribe();
    await Promise.all([leader.stop(), standby.stop()]);
  });
});
