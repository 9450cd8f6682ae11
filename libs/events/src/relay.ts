// The outbox relay: etcd's watch stream is the change log, and the relay copies it into JetStream.
//
// Delivery guarantee: every change committed to etcd under a cluster's prefix reaches EVK_EVENTS at least
// once, and for each key in revision order. The checkpoint advances only over revisions whose publishes
// JetStream acknowledged (a contiguous prefix), so a crash anywhere re-publishes from the checkpoint;
// re-publishes carry the same Nats-Msg-Id and are dropped inside the duplicate window, and beyond it
// they are harmless because consumers ignore revisions they already hold. The stream keeps the newest
// message per object, so a consumer that falls behind may skip intermediate revisions of a key but always
// ends at the latest one. When etcd has compacted the checkpoint away, a full resync publishes every
// current object and a tombstone for every object the stream still shows but etcd no longer has.
//
// One relay per cluster publishes at a time: leadership is an etcd key bound to a lease, every checkpoint
// write is conditional on still holding it, and a relay whose lease is lost stops publishing at once.
import { randomUUID } from "node:crypto";
import type { KubeObject } from "@evk/kube";
import { counter, gauge, histogram, type Logger, type Registry } from "@evk/observability";
import {
  clusterPrefix,
  decodeObject,
  type EtcdClient,
  type EtcdWatch,
  objectKey,
  parseKey,
  prefixEnd,
  relayKeys,
  type WatchEvent,
} from "@evk/store";
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { type EventEnvelope, type EventType, HEADER_REVISION, HEADER_TRACE, msgId, parseEnvelope } from "./envelope.ts";
import { EVENTS_STREAM, tombstoneTtl } from "./streams.ts";
import { filterSubject, parseSubject, subjectFor } from "./subjects.ts";

export const HEADER_RELAY = "Evk-Relay";
export const TRACE_ANNOTATION = "evk.dev/trace-id";

export interface RelayOptions {
  etcd: EtcdClient;
  js: JetStreamClient;
  jsm: JetStreamManager;
  cluster: string;
  /** Names this relay in logs, the leader key and the Evk-Relay header. */
  instanceId?: string;
  log: Logger;
  registry: Registry;
  /** Lease TTL of leadership: a standby takes over within about this long of the leader dying. */
  leaseTtlSeconds?: number;
  tombstoneTtlSeconds?: number;
  /** Unacknowledged publishes allowed before the relay pauses its etcd watch. */
  maxInFlight?: number;
  checkpointEvery?: number;
  checkpointIntervalMs?: number;
}

interface Pending {
  revision: number;
  acked: boolean;
}

class LostLeadership extends Error {}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Relay {
  private readonly o: Required<Omit<RelayOptions, "instanceId">> & { instanceId: string };
  private readonly keys: { checkpoint: string; election: string };
  private stopped = false;
  private lease = 0;
  private keepAlive: { stop(): void } | undefined;
  private term: AbortController | undefined;
  private readonly m;

  constructor(opts: RelayOptions) {
    this.o = {
      instanceId: opts.instanceId ?? randomUUID(),
      leaseTtlSeconds: 5,
      tombstoneTtlSeconds: 3600,
      maxInFlight: 512,
      checkpointEvery: 100,
      checkpointIntervalMs: 200,
      ...opts,
    } as Relay["o"];
    this.keys = relayKeys(opts.cluster);
    const r = opts.registry;
    this.m = {
      published: counter(
        r,
        "evk_relay_events_published_total",
        "Events the relay published and JetStream acknowledged",
        ["cluster"],
      ),
      errors: counter(
        r,
        "evk_relay_publish_errors_total",
        "Publishes that failed and will be retried from the checkpoint",
        ["cluster"],
      ),
      resyncs: counter(r, "evk_relay_resyncs_total", "Full resyncs after the checkpoint was compacted away", [
        "cluster",
      ]),
      checkpoint: gauge(r, "evk_relay_checkpoint_revision", "Last etcd revision the relay checkpointed", ["cluster"]),
      leader: gauge(r, "evk_relay_leader", "1 while this relay is the active one for the cluster", ["cluster"]),
      latency: histogram(r, "evk_relay_publish_seconds", "Publish to JetStream acknowledgement", ["cluster"]),
    };
  }

  get instanceId(): string {
    return this.o.instanceId;
  }

  /** Campaigns, leads while elected, campaigns again after losing leadership; returns after stop(). */
  async run(): Promise<void> {
    const { log } = this.o;
    while (!this.stopped) {
      try {
        await this.campaign();
        if (this.stopped) break;
        this.m.leader.set({ cluster: this.o.cluster }, 1);
        log.info({ cluster: this.o.cluster, instance: this.o.instanceId }, "relay elected leader");
        await this.lead();
      } catch (err) {
        if (this.stopped) break;
        log.warn({ err: (err as Error).message, cluster: this.o.cluster }, "relay term ended; campaigning again");
        await sleep(500);
      } finally {
        this.m.leader.set({ cluster: this.o.cluster }, 0);
        this.keepAlive?.stop();
        this.keepAlive = undefined;
        // Revoking drops the leader key at once, so whoever campaigns next need not wait out the TTL.
        if (this.lease) await this.o.etcd.leaseRevoke(this.lease).catch(() => {});
        this.lease = 0;
      }
    }
  }

  /** Ends the current term (its lease is revoked as the term unwinds) and stops campaigning. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.term?.abort();
  }

  private async campaign(): Promise<void> {
    const { etcd, leaseTtlSeconds } = this.o;
    this.term = new AbortController();
    const term = this.term;
    this.lease = await etcd.leaseGrant(leaseTtlSeconds);
    this.keepAlive = etcd.keepAlive(this.lease, leaseTtlSeconds, (why) => {
      this.o.log.warn({ cluster: this.o.cluster, why }, "relay lost its lease; stops publishing");
      term.abort(new LostLeadership(why));
    });
    const key = this.keys.election;
    while (!this.stopped && !term.signal.aborted) {
      const res = await etcd.txn(
        [{ key, target: "Create", result: "Equal", create_revision: 0 }],
        [{ request_put: { key, value: this.o.instanceId, lease: this.lease } }],
      );
      if (res.succeeded) return;
      // Someone else leads; its key vanishes with its lease when it dies.
      await sleep(Math.min(1000, (leaseTtlSeconds * 1000) / 5));
    }
    if (term.signal.aborted) throw term.signal.reason ?? new LostLeadership("aborted");
  }

  private leaderGuard() {
    return { key: this.keys.election, target: "Lease" as const, result: "Equal" as const, lease: this.lease };
  }

  private async readCheckpoint(): Promise<number | undefined> {
    const res = await this.o.etcd.range({ key: this.keys.checkpoint });
    const kv = res.kvs[0];
    return kv ? Number(kv.value.toString()) : undefined;
  }

  private async writeCheckpoint(revision: number): Promise<void> {
    const res = await this.o.etcd.txn(
      [this.leaderGuard()],
      [{ request_put: { key: this.keys.checkpoint, value: String(revision) } }],
    );
    if (!res.succeeded) throw new LostLeadership("leader key no longer ours");
    this.m.checkpoint.set({ cluster: this.o.cluster }, revision);
  }

  /** One term as leader: resync if needed, then follow etcd until the term ends. */
  private async lead(): Promise<void> {
    const signal = (this.term as AbortController).signal;
    // A cluster's first relay starts from the beginning of etcd's history, so even objects created and
    // deleted before it ran reach the stream; only history etcd has compacted away needs a resync.
    let from = (await this.readCheckpoint()) ?? 0;
    for (;;) {
      // What the stream already holds: changes after the checkpoint that a previous term published must
      // not be published again. The duplicate window alone cannot promise that: after a nats-server
      // restart it remembers only ids of messages still stored, and with one message kept per object an
      // old revision would be accepted again and the newer one then dropped as its duplicate.
      const streamed = new Map([...(await this.lastPerSubject())].map(([subj, env]) => [subj, env.revision]));
      const result = await this.follow(from, signal, streamed);
      if (result.kind === "compacted") {
        from = await this.resync(`checkpoint ${from} compacted (etcd compacted to ${result.compactRevision})`);
        continue;
      }
      return;
    }
  }

  /**
   * Streams etcd changes after `checkpoint` into JetStream until the term ends (throws) or etcd says the
   * start was compacted. Pauses the etcd watch while too many publishes are unacknowledged.
   */
  private follow(
    checkpoint: number,
    signal: AbortSignal,
    streamed: Map<string, number>,
  ): Promise<{ kind: "compacted"; compactRevision: number }> {
    const { etcd, cluster } = this.o;
    const prefix = clusterPrefix(cluster);
    return new Promise((resolve, reject) => {
      const pending: Pending[] = [];
      let inFlight = 0;
      let lastSubmitted = checkpoint;
      let lastCheckpoint = checkpoint;
      let sinceCheckpoint = 0;
      let watch: EtcdWatch | undefined;
      let paused = false;
      let done = false;
      let checkpointing = false;
      const finish = (err: Error | undefined, value?: { kind: "compacted"; compactRevision: number }) => {
        if (done) return;
        done = true;
        clearInterval(timer);
        watch?.stop();
        signal.removeEventListener("abort", onAbort);
        if (err) reject(err);
        else resolve(value as { kind: "compacted"; compactRevision: number });
      };
      const onAbort = () => finish((signal.reason as Error) ?? new LostLeadership("aborted"));
      signal.addEventListener("abort", onAbort);

      const flushCheckpoint = async () => {
        if (checkpointing || done) return;
        // The newest revision all of whose events (and every earlier one's) are acknowledged.
        let upTo = lastCheckpoint;
        while (pending.length > 0 && (pending[0] as Pending).acked) upTo = (pending.shift() as Pending).revision;
        if (upTo <= lastCheckpoint) return;
        if (pending.length > 0 && (pending[0] as Pending).revision === upTo) return; // same revision half-acked
        checkpointing = true;
        try {
          await this.writeCheckpoint(upTo);
          lastCheckpoint = upTo;
          sinceCheckpoint = 0;
        } catch (err) {
          finish(err as Error);
        } finally {
          checkpointing = false;
        }
      };
      const timer = setInterval(() => void flushCheckpoint(), this.o.checkpointIntervalMs);

      const onEvents = (events: WatchEvent[]) => {
        if (done) return;
        for (const e of events) {
          const env = this.toEnvelope(e);
          lastSubmitted = e.kv.mod_revision;
          if (!env) continue;
          const subject = subjectFor("ev", env);
          const held = streamed.get(subject);
          if (held !== undefined) {
            streamed.delete(subject);
            if (held >= env.revision) {
              streamed.set(subject, held); // still ahead of us: keep skipping this object's older changes
              pending.push({ revision: env.revision, acked: true });
              continue;
            }
          }
          const p: Pending = { revision: env.revision, acked: false };
          pending.push(p);
          inFlight++;
          this.publish(env, e.kv.key.toString(), subject)
            .then(() => {
              p.acked = true;
              inFlight--;
              if (++sinceCheckpoint >= this.o.checkpointEvery) void flushCheckpoint();
              if (paused && inFlight < this.o.maxInFlight / 2) resume();
            })
            .catch((err: Error) => {
              this.m.errors.inc({ cluster });
              // Everything after the checkpoint is published again by the next term; ids dedupe it.
              finish(new Error(`publish failed: ${err.message}`));
            });
        }
        if (inFlight >= this.o.maxInFlight && !paused) {
          paused = true;
          watch?.stop();
        }
      };
      const start = (fromRevision: number) => {
        watch = etcd.watch({
          key: prefix,
          rangeEnd: prefixEnd(prefix),
          startRevision: fromRevision,
          onEvents,
          onCompacted: (compactRevision) => finish(undefined, { kind: "compacted", compactRevision }),
          onReconnect: (err) => this.o.log.warn({ cluster, err: err.message }, "relay's etcd watch reconnecting"),
        });
      };
      const resume = () => {
        paused = false;
        start(lastSubmitted + 1);
      };
      start(checkpoint + 1);
    });
  }

  private toEnvelope(e: WatchEvent): EventEnvelope | undefined {
    const key = e.kv.key.toString();
    const parsed = parseKey(key);
    if (!parsed) return undefined;
    const revision = e.kv.mod_revision;
    let type: EventType;
    let object: KubeObject;
    if (e.type === "Delete") {
      type = "DELETED";
      object = e.prev_kv
        ? decodeObject(e.prev_kv.value, revision)
        : { metadata: { name: parsed.name, namespace: parsed.namespace, resourceVersion: String(revision) } };
    } else {
      type = e.kv.create_revision === revision ? "ADDED" : "MODIFIED";
      object = decodeObject(e.kv.value, revision);
    }
    return this.envelope(type, parsed, object, revision, e.prev_kv?.mod_revision);
  }

  private envelope(
    type: EventType,
    ref: { group: string; resource: string; namespace?: string | undefined; name: string },
    object: KubeObject,
    revision: number,
    prevRevision?: number,
  ): EventEnvelope {
    const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
    return {
      cluster: this.o.cluster,
      type,
      resource: ref.resource,
      group: ref.group === "core" ? "" : ref.group,
      version: apiVersion.includes("/") ? (apiVersion.split("/")[1] as string) : apiVersion,
      namespace: ref.namespace ?? "",
      name: ref.name,
      uid: typeof object.metadata?.uid === "string" ? object.metadata.uid : "",
      revision,
      ...(prevRevision ? { prevRevision } : {}),
      object,
      traceId: object.metadata?.annotations?.[TRACE_ANNOTATION] ?? randomUUID(),
      time: new Date().toISOString(),
    };
  }

  private async publish(env: EventEnvelope, key: string, subject = subjectFor("ev", env)): Promise<void> {
    const h = natsHeaders();
    h.set(HEADER_REVISION, String(env.revision));
    h.set(HEADER_TRACE, env.traceId);
    h.set(HEADER_RELAY, this.o.instanceId);
    const t0 = performance.now();
    await this.o.js.publish(subject, JSON.stringify(env), {
      msgID: msgId(env.cluster, env.revision, key),
      headers: h,
      timeout: 10_000,
      ...(env.type === "DELETED" ? { ttl: tombstoneTtl(this.o.tombstoneTtlSeconds) } : {}),
    });
    this.m.latency.observe({ cluster: env.cluster }, (performance.now() - t0) / 1000);
    this.m.published.inc({ cluster: env.cluster });
  }

  /**
   * Publishes the cluster's whole current state at one revision N and tombstones for objects the stream
   * still shows but etcd no longer has, then checkpoints N. Returns N.
   */
  private async resync(why: string): Promise<number> {
    const { etcd, cluster, log } = this.o;
    const started = Date.now();
    this.m.resyncs.inc({ cluster });
    log.warn({ cluster, why }, "relay full resync started");
    const { kvs: current, revision } = await etcd.rangePrefix(clusterPrefix(cluster), { pageSize: 2_000 });
    const streamed = await this.lastPerSubject();
    const present = new Set<string>();
    const publishes: Promise<void>[] = [];
    let republished = 0;
    let tombstones = 0;
    for (const kv of current) {
      const key = kv.key.toString();
      const parsed = parseKey(key);
      if (!parsed) continue;
      const object = decodeObject(kv.value, kv.mod_revision);
      const env = this.envelope(
        kv.create_revision === kv.mod_revision ? "ADDED" : "MODIFIED",
        parsed,
        object,
        kv.mod_revision,
      );
      const subject = subjectFor("ev", env);
      present.add(subject);
      if (streamed.get(subject)?.revision === kv.mod_revision) continue;
      republished++;
      publishes.push(this.publish(env, key));
    }
    for (const [subject, last] of streamed) {
      if (present.has(subject) || last.type === "DELETED") continue;
      const ref = parseSubject(subject);
      const key = objectKey(cluster, { ...ref, namespace: ref.namespace || undefined });
      const object = { ...last.object, metadata: { ...last.object.metadata, resourceVersion: String(revision) } };
      tombstones++;
      publishes.push(this.publish(this.envelope("DELETED", ref, object, revision, last.revision), key));
    }
    await Promise.all(publishes);
    await this.writeCheckpoint(revision);
    log.warn(
      { cluster, revision, objects: current.length, republished, tombstones, ms: Date.now() - started },
      "relay full resync done",
    );
    return revision;
  }

  /** The newest envelope per subject of this cluster, as the stream holds it now. */
  private async lastPerSubject(): Promise<Map<string, EventEnvelope>> {
    const out = new Map<string, EventEnvelope>();
    const consumer = await this.o.js.consumers.get(EVENTS_STREAM, {
      filter_subjects: [filterSubject("ev", this.o.cluster)],
      deliver_policy: DeliverPolicy.LastPerSubject,
    });
    try {
      let remaining = (await consumer.info(true)).num_pending;
      while (remaining > 0) {
        const m = await consumer.next({ expires: 5_000 });
        if (!m) throw new Error("stream stopped answering during resync");
        try {
          out.set(m.subject, parseEnvelope(m.data));
        } catch {
          // A malformed message cannot describe an object we must tombstone; skip it.
        }
        remaining = m.info.pending;
      }
    } finally {
      await consumer.delete().catch(() => {});
    }
    return out;
  }
}
