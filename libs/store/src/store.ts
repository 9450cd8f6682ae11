import { errors, type KubeObject, type QualifiedResource, StatusError } from "@evk/kube";
import { decodeObject, encodeObject, storedCopy } from "./codec.ts";
import { decodeContinue, encodeContinue, pageContinue } from "./continue-token.ts";
import {
  type EtcdClient,
  isCompacted,
  isUnavailable,
  type KeyValue,
  prefixEnd,
  type RangeResponse,
  type TxnResponse,
} from "./etcd/client.ts";
import { assertClusterName, type ObjectRef, objectKey, type ResourceRef, resourcePrefix } from "./keys.ts";

/** etcd's default request limit (--max-request-bytes), which kube-apiserver also lives within. */
export const DEFAULT_MAX_OBJECT_BYTES = 1_572_864;

export interface UpdateOptions {
  /** metadata.resourceVersion precondition: the update applies only to exactly this revision. */
  resourceVersion?: string;
}

export interface DeleteOptions {
  uid?: string;
  resourceVersion?: string;
}

export interface ListOptions {
  namespace?: string;
  limit?: number;
  continue?: string;
  /** Read at exactly this revision (resourceVersionMatch=Exact); default: the newest. */
  revision?: number;
  /** Only objects it passes are listed (a label or field selector); pages are filled with them. */
  filter?: (o: KubeObject) => boolean;
}

export interface ListResult {
  items: KubeObject[];
  /** The revision the whole list (every page of it) was read at. */
  revision: number;
  continue?: string;
  remainingItemCount?: number;
}

/** Returns the new object, or the same object (by identity or value) to change nothing. */
export type TryUpdate = (current: KubeObject) => KubeObject | Promise<KubeObject>;

const qualify = (r: ResourceRef): QualifiedResource => ({ group: r.group, resource: r.resource });

function asStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  if (isUnavailable(err)) return errors.timeout(`etcd did not answer in time: ${(err as Error).message}`, 1);
  return errors.internal((err as Error).message ?? String(err));
}

/**
 * Virtual objects of one cluster in etcd, with kube-apiserver's semantics: resourceVersion is the etcd
 * mod_revision, every write is one compare-and-swap transaction, a write that changes nothing writes
 * nothing (no revision, no event), and lists are consistent snapshots at one revision across pages.
 */
export class Store {
  readonly cluster: string;
  private readonly etcd: EtcdClient;
  private readonly maxObjectBytes: number;

  constructor(opts: { etcd: EtcdClient; cluster: string; maxObjectBytes?: number }) {
    assertClusterName(opts.cluster);
    this.cluster = opts.cluster;
    this.etcd = opts.etcd;
    this.maxObjectBytes = opts.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
  }

  key(ref: ObjectRef): string {
    if (!ref.name || ref.name.includes("/") || ref.name === "." || ref.name === ".." || ref.name.includes("%")) {
      throw errors.badRequest(
        `invalid object name "${ref.name}": may not be empty, "." or "..", or contain "/" or "%"`,
      );
    }
    if (ref.namespace?.includes("/")) {
      throw errors.badRequest(`invalid namespace "${ref.namespace}"`);
    }
    return objectKey(this.cluster, ref);
  }

  private encode(obj: KubeObject): string {
    const value = encodeObject(obj);
    // A UTF-16 code unit is at most 3 UTF-8 bytes: most values need no exact count.
    if (value.length * 3 > this.maxObjectBytes && Buffer.byteLength(value) > this.maxObjectBytes) {
      throw errors.entityTooLarge(this.maxObjectBytes);
    }
    return value;
  }

  private async run<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (err) {
      throw asStatusError(err);
    }
  }

  async create(ref: ObjectRef, obj: KubeObject): Promise<KubeObject> {
    const key = this.key(ref);
    const value = this.encode(obj);
    const created = storedCopy(obj);
    // The hot path, so without run()'s extra closure and promise.
    let res: TxnResponse;
    try {
      res = await this.etcd.txn(
        [{ key, target: "Create", result: "Equal", create_revision: 0 }],
        [{ request_put: { key, value } }],
      );
    } catch (err) {
      throw asStatusError(err);
    }
    if (!res.succeeded) throw errors.alreadyExists(qualify(ref), ref.name);
    if (!created) return decodeObject(value, res.header.revision);
    created.metadata.resourceVersion = String(res.header.revision);
    return created;
  }

  async get(ref: ObjectRef): Promise<KubeObject> {
    const key = this.key(ref);
    let res: RangeResponse;
    try {
      res = await this.etcd.range({ key });
    } catch (err) {
      throw asStatusError(err);
    }
    const kv = res.kvs[0];
    if (!kv) throw errors.notFound(qualify(ref), ref.name);
    try {
      return decodeObject(kv.value, kv.mod_revision);
    } catch (err) {
      throw asStatusError(err); // a value that is not JSON: Internal, as from run()
    }
  }

  /** Replaces the object; with opts.resourceVersion, only if it is still at that revision. */
  async update(ref: ObjectRef, obj: KubeObject, opts: UpdateOptions = {}): Promise<KubeObject> {
    return this.guaranteedUpdate(ref, (cur) => {
      if (opts.resourceVersion !== undefined && cur.metadata.resourceVersion !== opts.resourceVersion) {
        throw errors.modified(qualify(ref), ref.name);
      }
      return obj;
    });
  }

  /**
   * Read-modify-write in a compare-and-swap loop, like kube-apiserver's GuaranteedUpdate: `tryUpdate`
   * sees the current object and may throw to refuse. `suggestion` (e.g. from the watch cache) saves the
   * first read; a stale suggestion costs one retry.
   */
  async guaranteedUpdate(
    ref: ObjectRef,
    tryUpdate: TryUpdate,
    opts: { suggestion?: KubeObject } = {},
  ): Promise<KubeObject> {
    const key = this.key(ref);
    return this.run(async () => {
      let current: { obj: KubeObject; value: string; rev: number } | undefined;
      if (opts.suggestion?.metadata.resourceVersion) {
        current = {
          obj: opts.suggestion,
          value: encodeObject(opts.suggestion),
          rev: Number(opts.suggestion.metadata.resourceVersion),
        };
      }
      for (let attempt = 0; ; attempt++) {
        if (!current) current = await this.readCurrent(ref, key);
        const next = await tryUpdate(structuredClone(current.obj));
        const value = this.encode(next);
        if (value === current.value) {
          // A no-op: nothing is written, so no new revision and no event. A suggestion must be
          // confirmed first, since "unchanged" against a stale copy is not "unchanged".
          if (opts.suggestion && attempt === 0) {
            const fresh = await this.readCurrent(ref, key);
            if (fresh.rev !== current.rev) {
              current = fresh;
              continue;
            }
          }
          return current.obj;
        }
        const res = await this.etcd.txn(
          [{ key, target: "Mod", result: "Equal", mod_revision: current.rev }],
          [{ request_put: { key, value } }],
          [{ request_range: { key } }],
        );
        if (res.succeeded) return decodeObject(value, res.header.revision);
        const kv = res.responses[0]?.response_range?.kvs[0];
        if (!kv) throw errors.notFound(qualify(ref), ref.name);
        // Someone else wrote first: run tryUpdate again on their version. A resourceVersion
        // precondition inside tryUpdate turns this into a Conflict.
        current = fromKv(kv);
      }
    });
  }

  private async readCurrent(ref: ObjectRef, key: string) {
    const res = await this.etcd.range({ key });
    const kv = res.kvs[0];
    if (!kv) throw errors.notFound(qualify(ref), ref.name);
    return fromKv(kv);
  }

  /** Deletes the object and returns its last state; preconditions as kube-apiserver's delete options. */
  async delete(ref: ObjectRef, opts: DeleteOptions = {}): Promise<KubeObject> {
    const key = this.key(ref);
    return this.run(async () => {
      for (;;) {
        const cur = await this.readCurrent(ref, key);
        const meta = cur.obj.metadata;
        if (opts.uid !== undefined && meta.uid !== opts.uid) {
          throw errors.conflict(
            qualify(ref),
            ref.name,
            `Precondition failed: UID in precondition: ${opts.uid}, UID in object meta: ${meta.uid ?? ""}`,
          );
        }
        if (opts.resourceVersion !== undefined && meta.resourceVersion !== opts.resourceVersion) {
          throw errors.conflict(
            qualify(ref),
            ref.name,
            `Precondition failed: ResourceVersion in precondition: ${opts.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`,
          );
        }
        const res = await this.etcd.txn(
          [{ key, target: "Mod", result: "Equal", mod_revision: cur.rev }],
          [{ request_delete_range: { key, prev_kv: true } }],
        );
        if (res.succeeded) return cur.obj;
        // Changed between read and delete: check the preconditions again on the new state.
      }
    });
  }

  /**
   * Changes of one resource straight from etcd, after `afterRevision` (exclusive), with the previous
   * state. A start revision etcd has compacted ends the watch with Expired (410) through `onError`; an
   * etcd restart is ridden out by the underlying watch, which resumes after the last delivered revision.
   */
  watch(
    r: ResourceRef,
    opts: { namespace?: string; afterRevision: number },
    onEvent: (ev: StoreWatchEvent) => void,
    onError: (err: StatusError) => void,
  ): StoreWatch {
    const prefix = resourcePrefix(this.cluster, r, opts.namespace);
    const w = this.etcd.watch({
      key: prefix,
      rangeEnd: prefixEnd(prefix),
      startRevision: opts.afterRevision + 1,
      onEvents: (events) => {
        for (const e of events) {
          const revision = e.kv.mod_revision;
          const prevObject = e.prev_kv ? decodeObject(e.prev_kv.value, e.prev_kv.mod_revision) : undefined;
          if (e.type === "Delete") {
            if (!e.prev_kv) continue; // compacted away: nothing left to say what was deleted
            onEvent({ type: "DELETED", revision, object: decodeObject(e.prev_kv.value, revision), prevObject });
          } else {
            const object = decodeObject(e.kv.value, revision);
            const type = e.kv.create_revision === revision ? "ADDED" : "MODIFIED";
            onEvent(prevObject ? { type, revision, object, prevObject } : { type, revision, object });
          }
        }
      },
      onCompacted: (compactRevision) => onError(errors.tooOldResourceVersion(opts.afterRevision, compactRevision)),
    });
    return { stop: () => w.stop() };
  }

  /**
   * A consistent list from etcd at one revision; pages of `limit` share that revision through `continue`. With
   * a `filter`, a page holds up to `limit` objects that pass it: etcd is read on, in ranges that double in size
   * (kube's etcd3 store), until the page is full or the range ends.
   */
  async list(r: ResourceRef, opts: ListOptions = {}): Promise<ListResult> {
    const prefix = resourcePrefix(this.cluster, r, opts.namespace);
    const end = prefixEnd(prefix);
    let start = prefix;
    let revision = opts.revision ?? 0;
    if (opts.continue) {
      const tok = decodeContinue(opts.continue);
      start = prefix + tok.start;
      // A negative revision continues at the latest.
      revision = Math.max(tok.revision, 0);
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const filter = opts.filter;
    return this.run(async () => {
      const items: KubeObject[] = [];
      let key = start;
      let rangeLimit = limit;
      let lastKey: string | undefined;
      let more = false;
      let count = 0;
      for (;;) {
        let res: Awaited<ReturnType<EtcdClient["range"]>>;
        try {
          res = await this.etcd.range({ key, range_end: end, limit: rangeLimit, revision });
        } catch (err) {
          if (isCompacted(err)) {
            if (opts.continue) throw errors.continueExpired(encodeContinue(-1, start.slice(prefix.length)));
            throw errors.tooOldResourceVersion(revision, 0);
          }
          throw err;
        }
        // Every further range reads at the revision the first one was answered at.
        if (revision === 0) revision = res.header.revision;
        more = res.more;
        count = res.count;
        for (const kv of res.kvs) {
          if (limit > 0 && items.length >= limit) {
            more = true;
            break;
          }
          lastKey = kv.key.toString("utf8");
          const obj = decodeObject(kv.value, kv.mod_revision);
          if (!filter || filter(obj)) items.push(obj);
        }
        if (!more || limit === 0 || items.length >= limit || lastKey === undefined) break;
        key = `${lastKey}\u0000`;
        rangeLimit = Math.min(rangeLimit * 2, MAX_RANGE_LIMIT);
      }
      const out: ListResult = { items, revision };
      if (more && lastKey !== undefined) {
        out.continue = pageContinue(revision, prefix, lastKey);
        // etcd counts objects the filter would drop: with one, how many remain is not known.
        if (!filter) out.remainingItemCount = count - limit;
      }
      return out;
    });
  }
}

/** The largest range a filtered list reads at once (kube's etcd3 maxLimit). */
const MAX_RANGE_LIMIT = 10_000;

export interface StoreWatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  revision: number;
  object: KubeObject;
  prevObject?: KubeObject;
}

export interface StoreWatch {
  stop(): void;
}

function fromKv(kv: KeyValue) {
  const value = kv.value.toString("utf8");
  return { obj: decodeObject(value, kv.mod_revision), value, rev: kv.mod_revision };
}
