import assert from "node:assert/strict";
import { sleep, waitFor } from "@evk/testing";
import { HEADER_RELAY, HEADER_REVISION, HEADER_TERM } from "../src/index.ts";
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
    const seen: { relay: string; term: string; subject: string; revision: number; at: number }[] = [];
    const sub = env.nc.subscribe(filterSubject("ev", cluster));
    void (async () => {
      for await (const m of sub)
        seen.push({
          relay: m.headers?.get(HEADER_RELAY) ?? "?",
          term: m.headers?.get(HEADER_TERM) ?? "?",
          subject: m.subject,
          revision: Number(m.headers?.get(HEADER_REVISION)),
          at: Date.now(),
        });
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
    const frozenTerm = seen.at(-1)?.term;
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
    // The frozen term must stay silent. The thawed relay may lead again in a new term of its own (the
    // standby can lose its lease on a loaded machine); that is a legitimate hand-over, not a stale publish.
    const late = seen.filter((s) => s.relay === leaderName && s.term === frozenTerm && s.at >= thawedAt);
    assert.equal(
      late.length,
      0,
      `the deposed relay ${leaderName} published ${late.length} messages of its old term ${frozenTerm} after it thawed`,
    );
    // What a stale publish would break: the stream keeps the newest message per object, so an older
    // revision arriving after a newer one would become the object's state.
    const newest = new Map<string, number>();
    for (const s of seen) {
      const before = newest.get(s.subject) ?? 0;
      assert.ok(s.revision >= before, `${s.subject}: revision ${s.revision} (${s.relay}) arrived after ${before}`);
      newest.set(s.subject, s.revision);
    }
    assert.ok(
      seen.some((s) => s.at >= thawedAt + 1000),
      "changes keep being published after the thaw",
    );
    sub.unsubscribe();
    await Promise.all([leader.stop(), standby.stop()]);
  });
});
