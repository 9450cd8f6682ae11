import { errors, type KubeObject } from "@evk/kube";
import { decodeObject } from "./codec.ts";
import { pageContinue } from "./continue-token.ts";
import { type EtcdClient, type EtcdWatch, prefixEnd, type WatchEvent } from "./etcd/client.ts";
import {
  assertClusterName,
  clusterPrefix,
  type ObjectRef,
  objectKey,
  parseKey,
  type ResourceRef,
  resourcePrefix,
} from "./keys.ts";

export type CacheEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

/** One change as watchers see it. Objects are shared by every watcher: never mutate them. */
export interface CacheEvent {
  type: CacheEventType;
  key: string;
  revision: number;
  /** New state; for DELETED the last state, with resourceVersion = the deletion revision. */
  object: KubeObject;
  /** The state before this change (undefined for ADDED), for selector enter/exit decisions. */
  prevObject?: KubeObject;
  /** JSON of `object`, made once per event however many watchers write it. */
  json(): string;
}

export interface CachedObject {
  key: string;
  object: KubeObject;
  json(): string;
}

export interface CacheWatchOptions {
  namespace?: string;
  name?: string;
  /** Deliver changes after this revision (exclusive). 0: start with the current state as ADDED events. */
  fromRevision: number;
  /** Periodic BOOKMARK events carrying the cache's revision. */
  bookmarks?: boolean;
}

export interface CacheWatcher {
  stop(): void;
}

export interface WatchCacheOptions {
  etcd: EtcdClient;
  cluster: string;
  /** Changes kept for watches that resume from an older revision. */
  historyLimit?: number;
  bookmarkIntervalMs?: number;
  /** How long a read that asks for a revision newer than the cache's waits before "Too large resource version". */
  freshnessTimeoutMs?: number;
}

interface Watcher {
  resourceKey: string;
  namespace: string | undefined;
  name: string | undefined;
  handler: (ev: CacheEvent) => void;
  onClose: (err: Error) => void;
  bookmarkTimer?: NodeJS.Timeout;
}

function lazyJson(object: KubeObject): () => string {
  let s: string | undefined;
  return () => {
    s ??= JSON.stringify(object);
    return s;
  };
}

const resourceKeyOf = (r: ResourceRef) => `${r.group || "core"}/${r.resource}`;

/**
 * The in-memory state of one virtual cluster, fed by a single etcd watch over its prefix: every list
 * from cache and every watch is served from here, so N watchers cost one etcd watch.
 */
export class WatchCache {
  readonly cluster: string;
  private readonly etcd: EtcdClient;
  private readonly historyLimit: number;
  private readonly bookmarkIntervalMs: number;
  private readonly freshnessTimeoutMs: number;
  private readonly state = new Map<string, Map<string, CachedObject>>();
  private readonly sortedKeys = new Map<string, string[]>();
  private history: CacheEvent[] = [];
  /** Every change after this revision is in `history`. */
  private historyStart = 0;
  private rev = 0;
  private readonly watchers = new Map<string, Set<Watcher>>();
  private revisionWaiters: { revision: number; resolve: () => void }[] = [];
  private etcdWatch: EtcdWatch | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(opts: WatchCacheOptions) {
    assertClusterName(opts.cluster);
    this.cluster = opts.cluster;
    this.etcd = opts.etcd;
    this.historyLimit = opts.historyLimit ?? 10_000;
    this.bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 60_000;
    this.freshnessTimeoutMs = opts.freshnessTimeoutMs ?? 3_000;
  }

  /** The newest revision the cache has seen: every change up to it is applied. */
  get revision(): number {
    return this.rev;
  }

  /** Loads the cluster's objects at one revision, then follows changes from the next. */
  async start(): Promise<void> {
    await this.load();
    // Other clusters in the same etcd advance the global revision without events here; progress
    // notifications keep this cache's revision (and so its bookmarks) current.
    this.progressTimer = setInterval(() => this.etcdWatch?.requestProgress(), 5_000);
    this.progressTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.progressTimer);
    this.etcdWatch?.stop();
    for (const set of this.watchers.values())
      for (const w of set) this.closeWatcher(w, new Error("watch cache stopped"));
    this.watchers.clear();
  }

  private async load(): Promise<void> {
    const prefix = clusterPrefix(this.cluster);
    const end = prefixEnd(prefix);
    this.state.clear();
    this.sortedKeys.clear();
    const { kvs, revision } = await this.etcd.rangePrefix(prefix);
    for (const kv of kvs) this.put(kv.key.toString("utf8"), decodeObject(kv.value, kv.mod_revision));
    this.rev = revision;
    this.history = [];
    this.historyStart = revision;
    this.etcdWatch = this.etcd.watch({
      key: prefix,
      rangeEnd: end,
      startRevision: revision + 1,
      onEvents: (events) => this.apply(events),
      onProgress: (r) => this.advance(r),
      onCompacted: () => void this.relist(),
    });
    await this.etcdWatch.ready();
  }

  /** The etcd watch fell behind compaction: every watcher must start over (410), then reload. */
  private async relist(): Promise<void> {
    if (this.stopped) return;
    for (const set of this.watchers.values()) {
      for (const w of set) this.closeWatcher(w, errors.tooOldResourceVersion(this.rev, this.rev));
    }
    this.watchers.clear();
    await this.load();
  }

  private put(key: string, object: KubeObject): CachedObject | undefined {
    const parsed = parseKey(key);
    if (!parsed) return undefined;
    const rk = `${parsed.group}/${parsed.resource}`;
    let m = this.state.get(rk);
    if (!m) {
      m = new Map();
      this.state.set(rk, m);
    }
    const prev = m.get(key);
    m.set(key, { key, object, json: lazyJson(object) });
    if (!prev) this.sortedKeys.delete(rk);
    return prev;
  }

  private apply(events: WatchEvent[]): void {
    for (const e of events) {
      const key = e.kv.key.toString("utf8");
      const parsed = parseKey(key);
      if (!parsed) continue;
      const rk = `${parsed.group}/${parsed.resource}`;
      const revision = e.kv.mod_revision;
      let ev: CacheEvent;
      if (e.type === "Delete") {
        const prev = this.state.get(rk)?.get(key);
        // prev_kv is missing only when etcd compacted it away; the cached copy serves then (copied,
        // because watchers share the cached object).
        const last = e.prev_kv
          ? decodeObject(e.prev_kv.value, revision)
          : prev && { ...prev.object, metadata: { ...prev.object.metadata, resourceVersion: String(revision) } };
        this.state.get(rk)?.delete(key);
        this.sortedKeys.delete(rk);
        if (!last) continue;
        ev = { type: "DELETED", key, revision, object: last, prevObject: prev?.object, json: lazyJson(last) };
      } else {
        const object = decodeObject(e.kv.value, revision);
        const prev = this.put(key, object);
        const entry = this.state.get(rk)?.get(key) as CachedObject;
        ev = {
          type: prev ? "MODIFIED" : "ADDED",
          key,
          revision,
          object,
          ...(prev ? { prevObject: prev.object } : {}),
          json: entry.json,
        };
      }
      this.history.push(ev);
      if (this.history.length > this.historyLimit) {
        const dropped = this.history.splice(0, this.history.length - this.historyLimit);
        this.historyStart = (dropped[dropped.length - 1] as CacheEvent).revision;
      }
      this.rev = Math.max(this.rev, revision);
      const ws = this.watchers.get(rk);
      if (ws) for (const w of ws) if (matches(w, parsed)) this.deliver(w, ev);
    }
    this.advance(this.rev);
  }

  private advance(revision: number): void {
    if (revision > this.rev) this.rev = revision;
    if (this.revisionWaiters.length === 0) return;
    const ready = this.revisionWaiters.filter((w) => w.revision <= this.rev);
    if (ready.length === 0) return;
    this.revisionWaiters = this.revisionWaiters.filter((w) => w.revision > this.rev);
    for (const w of ready) w.resolve();
  }

  /**
   * Resolves once every change up to `revision` is in the cache, or throws kube-apiserver's
   * "Too large resource version" (504 Timeout) after the freshness timeout.
   */
  async waitForRevision(revision: number): Promise<void> {
    if (revision <= this.rev) return;
    const done = new Promise<void>((resolve) => this.revisionWaiters.push({ revision, resolve }));
    this.etcdWatch?.requestProgress();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(errors.tooLargeResourceVersion(revision, this.rev)), this.freshnessTimeoutMs);
    });
    try {
      await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Makes the cache as fresh as etcd is now: a consistent read served from memory (kube-apiserver's
   * ConsistentListFromCache). Costs one small etcd read and one progress notification.
   */
  async sync(): Promise<number> {
    const current = await this.etcd.currentRevision();
    await this.waitForRevision(current);
    return this.rev;
  }

  /** Objects of one resource (optionally one namespace), sorted by name as etcd would return them. */
  list(r: ResourceRef, namespace?: string): { items: CachedObject[]; revision: number } {
    const rk = resourceKeyOf(r);
    const m = this.state.get(rk);
    if (!m) return { items: [], revision: this.rev };
    let keys = this.sortedKeys.get(rk);
    if (!keys) {
      keys = [...m.keys()].sort();
      this.sortedKeys.set(rk, keys);
    }
    const items: CachedObject[] = [];
    if (namespace) {
      const prefix = `${objectKey(this.cluster, { ...r, namespace, name: "x" }).slice(0, -1)}`;
      let lo = 0;
      let hi = keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((keys[mid] as string) < prefix) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < keys.length && (keys[i] as string).startsWith(prefix); i++) {
        items.push(m.get(keys[i] as string) as CachedObject);
      }
    } else {
      for (const k of keys) items.push(m.get(k) as CachedObject);
    }
    return { items, revision: this.rev };
  }

  /**
   * One page of a list at the cache's revision, as kube's cacher serves it: up to `limit` objects that pass
   * `filter` (0: all of them), and when objects follow the last one taken, the continue token that resumes after
   * it (from etcd, at the same revision) with, unfiltered, how many remain.
   */
  page(
    r: ResourceRef,
    opts: { namespace?: string; limit?: number; filter?: (o: KubeObject) => boolean } = {},
  ): { items: KubeObject[]; revision: number; continue?: string; remainingItemCount?: number } {
    const all = this.list(r, opts.namespace);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const items: KubeObject[] = [];
    let last = -1;
    for (let i = 0; i < all.items.length; i++) {
      const o = (all.items[i] as CachedObject).object;
      if (!opts.filter || opts.filter(o)) {
        items.push(o);
        last = i;
      }
      if (limit > 0 && items.length >= limit) break;
    }
    const out: { items: KubeObject[]; revision: number; continue?: string; remainingItemCount?: number } = {
      items,
      revision: all.revision,
    };
    if (limit > 0 && items.length >= limit && last < all.items.length - 1) {
      const prefix = resourcePrefix(this.cluster, r, opts.namespace);
      out.continue = pageContinue(all.revision, prefix, (all.items[last] as CachedObject).key);
      if (!opts.filter) out.remainingItemCount = all.items.length - limit;
    }
    return out;
  }

  get(ref: ObjectRef): CachedObject | undefined {
    return this.state.get(resourceKeyOf(ref))?.get(objectKey(this.cluster, ref));
  }

  /**
   * Streams changes of one resource (optionally one namespace or one name) from memory. Throws
   * Expired (410) when `fromRevision` is older than the history kept. `onClose` reports an end the
   * watcher did not ask for (the cache had to relist; the client must start over).
   */
  watch(
    r: ResourceRef,
    opts: CacheWatchOptions,
    handler: (ev: CacheEvent) => void,
    onClose: (err: Error) => void = () => {},
  ): CacheWatcher {
    const rk = resourceKeyOf(r);
    const w: Watcher = { resourceKey: rk, namespace: opts.namespace, name: opts.name, handler, onClose };
    if (opts.fromRevision > 0 && opts.fromRevision < this.historyStart) {
      // kube names the newest revision it cannot resume after (its cache's list revision), as here.
      throw errors.tooOldResourceVersion(opts.fromRevision, this.historyStart);
    }
    if (opts.fromRevision === 0) {
      for (const item of this.list(r, opts.namespace).items) {
        if (opts.name && item.object.metadata.name !== opts.name) continue;
        handler({ type: "ADDED", key: item.key, revision: this.rev, object: item.object, json: item.json });
      }
    } else {
      for (const ev of this.history) {
        if (ev.revision <= opts.fromRevision) continue;
        const parsed = parseKey(ev.key);
        if (parsed && `${parsed.group}/${parsed.resource}` === rk && matches(w, parsed)) handler(ev);
      }
    }
    let set = this.watchers.get(rk);
    if (!set) {
      set = new Set();
      this.watchers.set(rk, set);
    }
    set.add(w);
    if (opts.bookmarks) {
      w.bookmarkTimer = setInterval(() => {
        const obj: KubeObject = { kind: "", apiVersion: "", metadata: { resourceVersion: String(this.rev) } };
        handler({ type: "BOOKMARK", key: "", revision: this.rev, object: obj, json: lazyJson(obj) });
      }, this.bookmarkIntervalMs);
      w.bookmarkTimer.unref();
    }
    return {
      stop: () => {
        clearInterval(w.bookmarkTimer);
        this.watchers.get(rk)?.delete(w);
      },
    };
  }

  private deliver(w: Watcher, ev: CacheEvent): void {
    try {
      w.handler(ev);
    } catch (err) {
      // A failing consumer must not stop delivery to the others: it loses its watch instead.
      this.closeWatcher(w, err as Error);
      this.watchers.get(w.resourceKey)?.delete(w);
    }
  }

  private closeWatcher(w: Watcher, err: Error): void {
    clearInterval(w.bookmarkTimer);
    try {
      w.onClose(err);
    } catch {
      // nothing more to tell it
    }
  }

  /** Watchers currently attached (for metrics and the fan-out benchmark). */
  get watcherCount(): number {
    let n = 0;
    for (const s of this.watchers.values()) n += s.size;
    return n;
  }
}

function matches(
  w: { namespace: string | undefined; name: string | undefined },
  k: { namespace?: string; name: string },
) {
  return (!w.namespace || w.namespace === k.namespace) && (!w.name || w.name === k.name);
}
