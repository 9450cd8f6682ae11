import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { relayKeys } from "@evk/store";
import { repoRoot, waitFor } from "@evk/testing";
import { HEADER_RELAY, HEADER_REVISION } from "../src/index.ts";
import { filterSubject } from "../src/subjects.ts";
import { newStore, podObj, pods, relayProcess, useRealParts } from "./harness.ts";

const relayMain = join(repoRoot, "libs/events/src/relay-main.ts");

describe("relay process (real etcd, nats-server and relay processes)", function () {
  this.timeout(90_000);
  const env = useRealParts();

  const badFlags: [string, string[], RegExp][] = [
    ["no flags", [], /--etcd \(or EVK_ETCD\) is required/],
    ["no cluster", ["--etcd=http://x", "--nats=nats://x"], /--cluster .* is required/],
    [
      "an invalid cluster name",
      ["--etcd=http://x", "--nats=nats://x", "--cluster=Not_A_Label"],
      /invalid cluster name/,
    ],
    ["a short lease", ["--etcd=http://x", "--nats=nats://x", "--cluster=c", "--lease-ttl=1"], /--lease-ttl/],
    ["an unknown flag", ["--etcd=http://x", "--nats=nats://x", "--cluster=c", "--bogus"], /bogus/],
    [
      "a bad metrics address",
      ["--etcd=http://x", "--nats=nats://x", "--cluster=c", "--metrics-addr=x"],
      /metrics-addr/,
    ],
  ];
  for (const [what, args, message] of badFlags) {
    it(`exits 2 with one line on ${what}`, () => {
      const r = spawnSync(process.execPath, [relayMain, ...args], {
        encoding: "utf8",
        env: { ...process.env, EVK_ETCD: "", EVK_NATS: "", EVK_CLUSTER: "" },
        timeout: 20_000,
      });
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stdout, "");
      assert.equal(r.stderr.trimEnd().split("\n").length, 1, `one line: ${r.stderr}`);
      assert.match(r.stderr, /^relay: /);
      assert.match(r.stderr, message);
    });
  }

  it("on SIGTERM checkpoints what was acknowledged, exits, and hands over before the lease would expire", async () => {
    const cluster = "term";
    const store = newStore(env, cluster);
    const seen: { relay: string; revision: number; at: number }[] = [];
    const sub = env.nc.subscribe(filterSubject("ev", cluster));
    void (async () => {
      for await (const m of sub) {
        seen.push({
          relay: m.headers?.get(HEADER_RELAY) ?? "?",
          revision: Number(m.headers?.get(HEADER_REVISION)),
          at: Date.now(),
        });
      }
    })();
    // A long lease: handing over faster than it proves the leader revoked it rather than let it expire.
    const leaseTtl = 10;
    const a = relayProcess(env, cluster, "ta", [`--lease-ttl=${leaseTtl}`]);
    const b = relayProcess(env, cluster, "tb", [`--lease-ttl=${leaseTtl}`]);
    await a.start();
    const ref = (name: string) => ({ ...pods, namespace: "default", name });
    await store.create(ref("first"), podObj("first", 0));
    await waitFor("a to lead", async () => seen.length > 0, 20_000);
    await b.start();
    let last = 0;
    for (let i = 0; i < 40; i++)
      last = Number((await store.create(ref(`p${i}`), podObj(`p${i}`, i))).metadata.resourceVersion);
    // Stop the moment the last change is out: its acknowledgement is then younger than any checkpoint.
    await waitFor("the last change published", async () => seen.some((s) => s.revision === last), 20_000, 2);
    const stoppedAt = Date.now();
    await a.stop();
    const stopMs = Date.now() - stoppedAt;
    const checkpoint = Number(
      (await env.client.range({ key: relayKeys(cluster).checkpoint })).kvs[0]?.value.toString(),
    );
    assert.equal(checkpoint, last, "the leader checkpointed everything acknowledged before it left");
    assert.ok(stopMs < 5_000, `graceful stop took ${stopMs} ms`);
    assert.match(readFileSync(a.spec.logFile, "utf8"), /"msg":"relay stopped"/);

    const t = await waitFor(
      "b to publish a new write",
      async () => {
        await store.update(ref("first"), podObj("first", Date.now()));
        return seen.find((s) => s.relay === "tb" && s.revision > last)?.at;
      },
      30_000,
      200,
    );
    const handover = t - stoppedAt;
    assert.ok(handover < leaseTtl * 1000, `b took over ${handover} ms after a's SIGTERM`);
    process.stdout.write(`      handover after SIGTERM: ${handover} ms (lease TTL ${leaseTtl} s)\n`);
    assert.ok(!seen.some((s) => s.relay === "tb" && s.revision <= last), "b republished nothing a had checkpointed");
    sub.unsubscribe();
    await b.stop();
  });
});
