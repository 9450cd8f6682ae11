import assert from "node:assert/strict";
import type { KubeObject } from "@evk/kube";
import { type Etcd, httpGet, waitFor } from "@evk/testing";
import { type CacheEvent, type EtcdClient, Store, WatchCache } from "../src/index.ts";
import { useRealEtcd } from "./real-etcd.ts";

const pods = { group: "", resource: "pods" };
const ref = (name: string, namespace = "default") => ({ ...pods, namespace, name });
const pod = (name: string, namespace = "default", n = 0): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace, uid: `uid-${name}` },
  data: { n },
});

/** etcd's own count of watchers, from its metrics endpoint. */
async function etcdWatchers(endpoint: string): Promise<number> {
  const { body } = await httpGet(`${endpoint}/metrics`);
  const m = /^etcd_debugging_mvcc_watcher_total (\d+)/m.exec(body);
  return Number(m?.[1] ?? Number.NaN);
}

describe("watch cache (real etcd)", function () {
  this.timeout(60_000);
  const real = useRealEtcd("c1");
  let etcd: Etcd;
  let client: EtcdClient;
  let store: Store;
  let cache: WatchCache;
  before(async () => {
    ({ etcd, client, store } = real);
    await store.create(ref("before"), pod("before"));
    cache = new WatchCache({ etcd: client, cluster: "c1", historyLimit: 50, bookmarkIntervalMs: 200 });
    await cache.start();
  });
  after(() => {
    cache?.stop();
  });

  it("loads existing objects and lists them sorted, by namespace, at a revision", async () => {
    await store.create(ref("b", "ns2"), pod("b", "ns2"));
    await store.create(ref("a", "ns2"), pod("a", "ns2"));
    const rev = await cache.sync();
    assert.ok(rev >= Number((await store.get(ref("a", "ns2"))).metadata.resourceVersion));
    assert.deepEqual(
      cache.list(pods, "ns2").items.map((i) => i.object.metadata.name),
      ["a", "b"],
    );
    assert.deepEqual(
      cache.list(pods).items.map((i) => i.key),
      [
        "/evk/c1/registry/core/pods/default/before",
        "/evk/c1/registry/core/pods/ns2/a",
        "/evk/c1/registry/core/pods/ns2/b",
      ],
    );
    assert.equal(cache.get(ref("before"))?.object.metadata.uid, "uid-before");
    assert.deepEqual(cache.list({ group: "apps", resource: "deployments" }).items, []);
  });

  it("serves filtered pages as kube's cacher does; etcd continues them at the page's revision", async () => {
    for (let i = 0; i < 12; i++)
      await store.create(ref(`pg-${String(i).padStart(2, "0")}`, "pages"), pod(`pg-${i}`, "pages", i));
    await cache.sync();
    const filter = (o: KubeObject) => (o.data as { n: number }).n % 4 === 3;
    const start = (t: string | undefined) =>
      t && (JSON.parse(Buffer.from(t, "base64url").toString("utf8")) as { start: string }).start;
    const first = cache.page(pods, { namespace: "pages", limit: 2, filter });
    assert.deepEqual(
      [first.items.map((o) => o.metadata.name), start(first.continue), first.remainingItemCount],
      [["pg-3", "pg-7"], "/pg-07\u0000", undefined],
    );
    const rest = await store.list(pods, { namespace: "pages", limit: 2, filter, continue: first.continue as string });
    assert.deepEqual(
      [rest.items.map((o) => o.metadata.name), rest.continue, rest.revision],
      [["pg-11"], undefined, first.revision],
    );
    // The same page from etcd, and unfiltered pages with what remains.
    const fromEtcd = await store.list(pods, { namespace: "pages", limit: 2, filter });
    assert.deepEqual([fromEtcd.items, start(fromEtcd.continue)], [first.items, start(first.continue)]);
    const plain = cache.page(pods, { namespace: "pages", limit: 5 });
    assert.deepEqual([plain.items.length, plain.remainingItemCount, start(plain.continue)], [5, 7, "/pg-04\u0000"]);
    const whole = cache.page(pods, { namespace: "pages", limit: 12 });
    assert.deepEqual([whole.items.length, whole.continue], [12, undefined]);
    assert.equal(cache.page(pods, { namespace: "pages", filter }).items.length, 3, "no limit: every match");
  });

  it("replays history after a revision, then streams live changes with the previous state", async () => {
    const from = await cache.sync();
    const created = await store.create(ref("w"), pod("w"));
    const updated = await store.update(ref("w"), pod("w", "default", 1));
    await cache.waitForRevision(Number(updated.metadata.resourceVersion));
    const seen: CacheEvent[] = [];
    const w = cache.watch(pods, { fromRevision: from, namespace: "default" }, (e) => seen.push(e));
    await store.delete(ref("w"));
    await waitFor("3 events", async () => seen.length === 3, 5_000);
    w.stop();
    assert.deepEqual(
      seen.map((e) => [e.type, e.object.metadata.name, e.object.metadata.resourceVersion]),
      [
        ["ADDED", "w", created.metadata.resourceVersion],
        ["MODIFIED", "w", updated.metadata.resourceVersion],
        ["DELETED", "w", String(seen[2]?.revision)],
      ],
    );
    assert.deepEqual(seen[1]?.prevObject?.data, { n: 0 });
    assert.ok((seen[2]?.revision ?? 0) > Number(updated.metadata.resourceVersion));
    assert.equal(JSON.parse(seen[0]?.json() ?? "{}").metadata.name, "w");
  });

  it("starts a watch from revision 0 with the current state as ADDED, filtered to one name", async () => {
    const seen: CacheEvent[] = [];
    const w = cache.watch(pods, { fromRevision: 0, namespace: "ns2", name: "b" }, (e) => seen.push(e));
    await store.update(ref("a", "ns2"), pod("a", "ns2", 5));
    await store.update(ref("b", "ns2"), pod("b", "ns2", 5));
    await waitFor("2 events for b", async () => seen.length === 2, 5_000);
    w.stop();
    assert.deepEqual(
      seen.map((e) => [e.type, e.object.metadata.name]),
      [
        ["ADDED", "b"],
        ["MODIFIED", "b"],
      ],
    );
  });

  it("answers a watch from a revision older than its history with Expired (410)", async () => {
    for (let i = 0; i < 60; i++) await store.update(ref("before"), pod("before", "default", i + 1));
    await cache.sync();
    assert.throws(
      () => cache.watch(pods, { fromRevision: 2 }, () => {}),
      (e: Error & { reason?: string; code?: number }) => e.reason === "Expired" && e.code === 410,
    );
  });

  it("serves a consistent read from memory after etcd moved on in another cluster (progress notify)", async () => {
    const other = new Store({ etcd: client, cluster: "c2" });
    const before = cache.revision;
    const w = await other.create(ref("x"), pod("x"));
    assert.ok(Number(w.metadata.resourceVersion) > before);
    const rev = await cache.sync();
    assert.ok(rev >= Number(w.metadata.resourceVersion), "the cache's revision caught up without events of its own");
    assert.equal(cache.get(ref("x")), undefined, "another cluster's objects never enter this cache");
    await assert.rejects(
      cache.waitForRevision(rev + 1_000),
      (e: Error & { reason?: string; code?: number }) => e.reason === "Timeout" && e.code === 504,
    );
  });

  it("fans out to 1000 watchers from one etcd watch", async () => {
    const watchersBefore = await etcdWatchers(etcd.endpoint);
    assert.equal(watchersBefore, 1, "the cache holds exactly one etcd watch");
    let delivered = 0;
    const ws = Array.from({ length: 1000 }, () =>
      cache.watch(pods, { fromRevision: cache.revision }, () => {
        delivered++;
      }),
    );
    for (let i = 0; i < 5; i++) await store.create(ref(`fan-${i}`), pod(`fan-${i}`));
    await waitFor("5000 deliveries", async () => delivered === 5000, 10_000);
    assert.equal(await etcdWatchers(etcd.endpoint), 1);
    for (const w of ws) w.stop();
    assert.equal(cache.watcherCount, 0);
  });

  it("sends bookmarks with the current revision to watchers that ask for them", async () => {
    const marks: number[] = [];
    const w = cache.watch(pods, { fromRevision: cache.revision, bookmarks: true }, (e) => {
      if (e.type === "BOOKMARK") marks.push(Number(e.object.metadata.resourceVersion));
    });
    await waitFor("two bookmarks", async () => marks.length >= 2, 5_000);
    w.stop();
    assert.ok((marks[0] ?? 0) > 0 && (marks[1] ?? 0) >= (marks[0] ?? 0));
  });

  it("follows etcd through kill -9 and restart without losing or repeating a change", async () => {
    const seen: CacheEvent[] = [];
    const w = cache.watch(pods, { fromRevision: await cache.sync(), namespace: "chaos" }, (e) => seen.push(e));
    const acked: number[] = [];
    for (let i = 0; i < 40; i++) {
      if (i === 20) {
        await etcd.kill();
        await etcd.start();
      }
      acked.push(Number((await store.create(ref(`k-${i}`, "chaos"), pod(`k-${i}`, "chaos"))).metadata.resourceVersion));
    }
    await waitFor("40 events", async () => seen.length >= 40, 20_000);
    await cache.sync();
    w.stop();
    assert.deepEqual(
      seen.map((e) => e.revision),
      acked,
      "every acknowledged create, once, in order",
    );
    const fromEtcd = (await store.list(pods, { namespace: "chaos" })).items.map((o) => o.metadata.resourceVersion);
    assert.deepEqual(
      cache.list(pods, "chaos").items.map((i) => i.object.metadata.resourceVersion),
      fromEtcd,
    );
  });
});
