import assert from "node:assert/strict";
import { type KubeObject, StatusError } from "@evk/kube";
import { type Etcd, httpGet, waitFor } from "@evk/testing";
import { type EtcdClient, Store, type StoreWatchEvent } from "../src/index.ts";
import { useRealEtcd } from "./real-etcd.ts";

const pods = { group: "", resource: "pods" };
const pod = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", uid: `uid-${name}` },
  spec: { containers: [{ name: "c", image: "nginx" }] },
  ...extra,
});
const ref = (name: string, namespace = "default") => ({ ...pods, namespace, name });
const rejectsWith = (p: Promise<unknown>, reason: string, code: number) =>
  assert.rejects(p, (e: unknown) => e instanceof StatusError && e.reason === reason && e.code === code);

describe("store (real etcd)", () => {
  const real = useRealEtcd("c1");
  let etcd: Etcd;
  let client: EtcdClient;
  let store: Store;
  before(() => {
    ({ etcd, client, store } = real);
  });

  it("creates with resourceVersion = the etcd revision, and refuses a second create as AlreadyExists", async () => {
    const created = await store.create(ref("a"), pod("a"));
    assert.equal(created.metadata.resourceVersion, String(await client.currentRevision()));
    await rejectsWith(store.create(ref("a"), pod("a")), "AlreadyExists", 409);
    assert.deepEqual(await store.get(ref("a")), created);
    await rejectsWith(store.get(ref("missing")), "NotFound", 404);
  });

  it("updates with compare-and-swap on resourceVersion; a stale version is a Conflict", async () => {
    const cur = await store.get(ref("a"));
    const next = await store.update(
      ref("a"),
      { ...cur, spec: { x: 1 } },
      { resourceVersion: cur.metadata.resourceVersion as string },
    );
    assert.ok(Number(next.metadata.resourceVersion) > Number(cur.metadata.resourceVersion));
    await rejectsWith(
      store.update(ref("a"), { ...cur, spec: { x: 2 } }, { resourceVersion: cur.metadata.resourceVersion as string }),
      "Conflict",
      409,
    );
    await rejectsWith(store.update(ref("nope"), pod("nope")), "NotFound", 404);
  });

  it("writes nothing for a no-op update: no new revision", async () => {
    const cur = await store.get(ref("a"));
    const before = await client.currentRevision();
    const same = await store.update(ref("a"), cur);
    assert.equal(same.metadata.resourceVersion, cur.metadata.resourceVersion);
    assert.equal(await client.currentRevision(), before);
  });

  it("guaranteedUpdate retries on a concurrent write and applies both changes", async () => {
    await store.create(ref("counter"), pod("counter", { data: { n: 0 } }));
    const bump = () =>
      store.guaranteedUpdate(ref("counter"), (o) => ({ ...o, data: { n: (o.data as { n: number }).n + 1 } }));
    await Promise.all(Array.from({ length: 20 }, bump));
    assert.equal(((await store.get(ref("counter"))).data as { n: number }).n, 20);
  });

  it("deletes with UID and resourceVersion preconditions and returns the last state", async () => {
    await store.create(ref("d"), pod("d"));
    const cur = await store.get(ref("d"));
    await rejectsWith(store.delete(ref("d"), { uid: "other" }), "Conflict", 409);
    await rejectsWith(store.delete(ref("d"), { resourceVersion: "1" }), "Conflict", 409);
    const last = await store.delete(ref("d"), {
      uid: "uid-d",
      resourceVersion: cur.metadata.resourceVersion as string,
    });
    assert.deepEqual(last, cur);
    await rejectsWith(store.get(ref("d")), "NotFound", 404);
    await rejectsWith(store.delete(ref("d")), "NotFound", 404);
  });

  it("refuses objects over the size limit and invalid names without writing anything", async () => {
    const small = new Store({ etcd: client, cluster: "c1", maxObjectBytes: 1024 });
    const before = await client.currentRevision();
    await rejectsWith(
      small.create(ref("big"), pod("big", { data: { x: "y".repeat(2048) } })),
      "RequestEntityTooLarge",
      413,
    );
    for (const name of ["", "a/b", "..", "x%2F"])
      await rejectsWith(store.create(ref(name), pod(name)), "BadRequest", 400);
    assert.equal(await client.currentRevision(), before);
  });

  it("lists pages of one consistent revision with remainingItemCount, even while writes go on", async () => {
    const s = new Store({ etcd: client, cluster: "paging" });
    for (let i = 0; i < 25; i++) await s.create(ref(`p-${String(i).padStart(2, "0")}`, "ns1"), pod(`p-${i}`));
    await s.create(ref("other-ns", "ns2"), pod("other-ns"));
    const first = await s.list(pods, { namespace: "ns1", limit: 10 });
    assert.equal(first.items.length, 10);
    assert.equal(first.remainingItemCount, 15);
    // Writes after the first page must not show in later pages: they are read at the first page's revision.
    await s.create(ref("p-99", "ns1"), pod("p-99"));
    await s.delete(ref("p-24", "ns1"));
    const second = await s.list(pods, { namespace: "ns1", limit: 10, continue: first.continue as string });
    const third = await s.list(pods, { namespace: "ns1", limit: 10, continue: second.continue as string });
    assert.equal(third.continue, undefined);
    const names = [...first.items, ...second.items, ...third.items].map((o) => o.metadata.name);
    assert.deepEqual(
      names,
      Array.from({ length: 25 }, (_, i) => `p-${i}`),
    );
    assert.equal(second.revision, first.revision);
    const all = await s.list(pods);
    assert.equal(all.items.length, 26, "25 - 1 deleted + 1 created + 1 in ns2");
    await rejectsWith(s.list(pods, { continue: "garbage" }), "BadRequest", 400);
  });

  it("fills each filtered page up to the limit, as kube's etcd3 store reads on until the page is full", async () => {
    const s = new Store({ etcd: client, cluster: "filtered" });
    // 40 pods, one in five selected: a page of 3 needs more than one range of 3, then of 6, 12… keys.
    for (let i = 0; i < 40; i++) {
      const o = pod(`f-${String(i).padStart(2, "0")}`);
      await s.create(ref(o.metadata.name as string), {
        ...o,
        metadata: { ...o.metadata, labels: { pick: String(i % 5 === 4) } },
      });
    }
    const filter = (o: KubeObject) => o.metadata.labels?.pick === "true";
    const decoded = (t: string | undefined) =>
      t === undefined ? undefined : (JSON.parse(Buffer.from(t, "base64url").toString("utf8")) as { start: string });
    const pages: { names: string[]; start?: string; remaining?: number }[] = [];
    let cont: string | undefined;
    let revision: number | undefined;
    do {
      const page = await s.list(pods, { namespace: "default", limit: 3, filter, ...(cont ? { continue: cont } : {}) });
      revision ??= page.revision;
      assert.equal(page.revision, revision, "every page at the first page's revision");
      pages.push({
        names: page.items.map((o) => o.metadata.name as string),
        ...(page.continue ? { start: decoded(page.continue)?.start } : {}),
        ...(page.remainingItemCount !== undefined ? { remaining: page.remainingItemCount } : {}),
      });
      cont = page.continue;
    } while (cont);
    // No remainingItemCount with a filter; a continue after a full page while keys remain (even when none of
    // them passes: the last page is then empty, as kube's).
    assert.deepEqual(pages, [
      { names: ["f-04", "f-09", "f-14"], start: "/f-14\u0000" },
      { names: ["f-19", "f-24", "f-29"], start: "/f-29\u0000" },
      { names: ["f-34", "f-39"] },
    ]);
    const exact = await s.list(pods, { namespace: "default", limit: 2, filter: (o) => o.metadata.name === "f-38" });
    assert.deepEqual(
      exact.items.map((o) => o.metadata.name),
      ["f-38"],
    );
    assert.equal(exact.continue, undefined, "the range ended before the page was full: no continue");
    // Unfiltered: remainingItemCount is what follows the page.
    const plain = await s.list(pods, { namespace: "default", limit: 15 });
    assert.deepEqual(
      [plain.items.length, plain.remainingItemCount, decoded(plain.continue)?.start],
      [15, 25, "/f-14\u0000"],
    );
    // A page filled by its last key while keys follow: a continue, and an empty last page.
    const full = await s.list(pods, { namespace: "default", limit: 1, filter: (o) => o.metadata.name === "f-00" });
    assert.equal(decoded(full.continue)?.start, "/f-00\u0000");
    const after = await s.list(pods, {
      namespace: "default",
      limit: 1,
      filter: (o) => o.metadata.name === "f-00",
      continue: full.continue as string,
    });
    assert.deepEqual([after.items, after.continue], [[], undefined]);
  });

  it("reports a continue token whose revision was compacted as Expired (410)", async () => {
    const s = new Store({ etcd: client, cluster: "compact" });
    for (let i = 0; i < 5; i++) await s.create(ref(`c-${i}`), pod(`c-${i}`));
    const page = await s.list(pods, { limit: 2 });
    await s.create(ref("c-9"), pod("c-9"));
    await client.compact(await client.currentRevision());
    await rejectsWith(s.list(pods, { limit: 2, continue: page.continue as string }), "Expired", 410);
    // As kube, the 410 carries a token that continues from the same key at the latest revision.
    const expired = await s.list(pods, { limit: 2, continue: page.continue as string }).catch((e: StatusError) => e);
    const fresh = (expired as StatusError).toStatus().metadata.continue as string;
    const rest = await s.list(pods, { limit: 10, continue: fresh });
    assert.deepEqual(
      rest.items.map((o) => o.metadata.name),
      ["c-2", "c-3", "c-4", "c-9"],
    );
  });

  it("keeps working across an etcd kill -9 and restart (calls wait for the connection)", async () => {
    await etcd.kill();
    const pending = store.get(ref("a"));
    await new Promise((r) => setTimeout(r, 500));
    await etcd.start();
    assert.equal((await pending).metadata.name, "a");
    assert.equal((await httpGet(`${etcd.endpoint}/readyz`)).status, 200);
  });

  it("settles every call made under load across an etcd kill -9, a graceful stop and the restarts", async () => {
    // Each etcd call either answers or fails within its deadline (10 s) plus the reconnect backoff; a store
    // operation is up to three calls in a row. One that never settles would stall its caller for good.
    const LIMIT_MS = 40_000;
    const pending = new Map<number, { what: string; since: number }>();
    const overdue: string[] = [];
    const acked = new Map<string, string>();
    let seq = 0;
    let ok = 0;
    let failed = 0;
    const watchdog = setInterval(() => {
      const now = Date.now();
      for (const [id, p] of pending)
        if (now - p.since > LIMIT_MS) {
          overdue.push(`${p.what} pending for ${now - p.since} ms`);
          pending.delete(id);
        }
    }, 500);
    const tracked = async <T>(what: string, p: Promise<T>): Promise<T | undefined> => {
      const id = seq++;
      pending.set(id, { what, since: Date.now() });
      try {
        const v = await p;
        ok++;
        return v;
      } catch (err) {
        if (!(err instanceof StatusError)) throw err;
        failed++;
        return undefined;
      } finally {
        pending.delete(id);
      }
    };
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const name = `load-${w}-${i % 20}`;
        const body = pod(name, { data: { i, pad: "x".repeat((i % 5) * 2000) } });
        const cur = await tracked(
          `get ${name}`,
          store.get(ref(name)).catch((e) => (e.reason === "NotFound" ? null : Promise.reject(e))),
        );
        const written =
          cur === null
            ? await tracked(`create ${name}`, store.create(ref(name), body))
            : cur
              ? await tracked(`update ${name}`, store.update(ref(name), { ...body, metadata: cur.metadata }))
              : undefined;
        if (written) acked.set(name, written.metadata.resourceVersion as string);
        await tracked(`list`, store.list(pods, { limit: 50 }));
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    // Calls in flight when etcd goes away (each outage must catch some, or the test proves nothing).
    const inFlight: number[] = [];
    try {
      await new Promise((r) => setTimeout(r, 1_000));
      inFlight.push(pending.size);
      await etcd.kill();
      await new Promise((r) => setTimeout(r, 700));
      const okBeforeRestart = ok;
      await etcd.start();
      await waitFor("calls to succeed after the kill", async () => ok > okBeforeRestart + 100, 60_000);
      await new Promise((r) => setTimeout(r, 1_000));
      inFlight.push(pending.size);
      await etcd.stop();
      await new Promise((r) => setTimeout(r, 700));
      await etcd.start();
      const before = ok;
      await waitFor("calls to succeed after the graceful stop", async () => ok > before + 100, 60_000);
    } finally {
      stop = true;
      await Promise.all(workers);
      clearInterval(watchdog);
    }
    assert.deepEqual(overdue, [], `calls that never settled: ${overdue.join("; ")}`);
    // Calls in flight may fail or, once etcd is back within their deadline, succeed: both are settling.
    assert.ok(
      inFlight.every((n) => n > 0),
      `calls in flight when etcd went away: ${inFlight.join(", ")} (${failed} failed)`,
    );
    // Every acknowledged write is there (or was overwritten by a later acknowledged one of the same worker).
    for (const [name, rv] of acked) {
      const cur = await store.get(ref(name));
      assert.ok(
        Number(cur.metadata.resourceVersion) >= Number(rv),
        `${name}: acknowledged ${rv}, found ${cur.metadata.resourceVersion}`,
      );
    }
  });
});

describe("store watch (real etcd)", () => {
  const real = useRealEtcd("w1");
  let client: EtcdClient;
  let store: Store;
  before(() => {
    ({ client, store } = real);
  });

  it("delivers changes after a revision (exclusive) with the previous state", async () => {
    const a = await store.create(ref("a"), pod("a"));
    const seen: StoreWatchEvent[] = [];
    const w = store.watch(
      pods,
      { afterRevision: Number(a.metadata.resourceVersion) },
      (e) => seen.push(e),
      assert.fail,
    );
    await store.update(ref("a"), pod("a", { spec: { v: 2 } }));
    await store.create(ref("b", "other"), pod("b"));
    await store.delete(ref("a"));
    await waitFor("3 events", async () => seen.length === 3, 5_000);
    w.stop();
    assert.deepEqual(
      seen.map((e) => [e.type, e.object.metadata.name, e.prevObject?.metadata.resourceVersion]),
      [
        ["MODIFIED", "a", a.metadata.resourceVersion],
        ["ADDED", "b", undefined],
        ["DELETED", "a", seen[0]?.object.metadata.resourceVersion],
      ],
    );
    assert.equal(seen[2]?.object.metadata.resourceVersion, String(seen[2]?.revision));
  });

  it("reports a compacted start revision as Expired (410)", async () => {
    const start = await client.currentRevision();
    await store.create(ref("c"), pod("c"));
    await store.update(ref("c"), pod("c", { spec: { v: 3 } }));
    await client.compact(await client.currentRevision());
    const err = await new Promise<StatusError>((resolve) =>
      store.watch(pods, { afterRevision: start - 1 }, () => {}, resolve),
    );
    assert.equal(err.reason, "Expired");
    assert.equal(err.code, 410);
  });
});
