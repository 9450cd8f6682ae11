// The outbox relay: etcd's watch stream is the change log, and the relay copies it into JetStream.
//
// Delivery guarantee: every change committed to etcd under a cluster's prefix reaches EVK_EVENTS at least
// once, and for each key in revision order. The checkpoint advances only over revisions whose publishes
// JetStream acknowledged (a contiguous prefix), so a crash anywhere re-publishes from the checkpoint;
// re-publishes carry the same Nats-Msg-Id and are dropped inside the duplicate window, and beyond it
// they are harmless because consumers ignore revisions they already hold (and a new term skips changes
// the stream already holds at the same or a newer revision, so a re-publish never moves an object back).
// The stream keeps the newest message per object, so a consumer that falls behind may skip intermediate
// revisions of a key but always ends at the latest one (consumers are level-triggered). When etcd has
// compacted the checkpoint away, a full resync publishes every current object and a tombstone for every
// object the stream still shows but etcd no longer has.
//
// One relay per cluster publishes at a time: leadership is an etcd key bound to a lease, every checkpoint
// write is conditional on still holding it, and a relay stops publishing as soon as its lease is lost or
// its event loop stalled long enough that the lease may have expired unseen. A relay that takes over from
// another waits half a lease TTL before its first publish, covering the time the old leader needs to
// notice its lease is gone.
import { randomUUID } from "node:crypto";
import { counter, gauge, histogram, type Logger, type Registry } from "@evk/observability";
import { clusterPrefix, type EtcdClient, type EtcdWatch, prefixEnd, relayKeys, type WatchEvent } from "@evk/store";
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { AckedPrefix } from "./acked-prefix.ts";
import { type EnvelopeContext, envelopeForChange } from "./change-envelope.ts";
import { type EventEnvelope, HEADER_REVISION, HEADER_TRACE, msgId, parseEnvelope } from "./envelope.ts";
import { planResync } from "./resync-plan.ts";
import { EVENTS_STREAM, tombstoneTtl } from "./streams.ts";
import { filterSubject, subjectFor } from "./subjects.ts";

export { TRACE_ANNOTATION } from "./change-envelope.ts";

/** Names the relay instance that published a message (leadership tests and debugging). */
export const HEADER_RELAY = "Evk-Relay";
/** The leader term (its lease ID) a message was published in: tells a stale publish from a new term. */
export const HEADER_TERM = "Evk-Relay-Term";

export interface RelayOptions {
  etcd: EtcdClient;
  js: JetStreamClient;
  jsm: JetStreamManager;
  cluster: string;
  /** Names this relay in logs, the leader key and the Evk-Relay header. */
  instanceId?: string;
  log: Logger;
  registry: Registry;
  /** Lease TTL of leadership: a standby takes over within about 1.5 times this after the leader dies. */
  leaseTtlSeconds?: number;
  tombstoneTtlSeconds?: number;
  /** Unacknowledged publishes allowed before the relay pauses its etcd watch (and resync's concurrency). */
  maxInFlight?: number;
  /** Checkpoint after this many acknowledged events, or every checkpointIntervalMs, whichever comes first. */
  checkpointEvery?: number;
  checkpointIntervalMs?: number;
}

/** The term ended because this relay may no longer be the leader; it must not publish. */
class LostLeadership extends Error {}
/** The term ended because stop() was called: finish acknowledged work, checkpoint it, then leave. */
class Stopping extends Error {}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

export class Relay {
  private readonly o: Required<Omit<RelayOptions, "instanceId">> & { instanceId: string };
  private readonly keys: { checkpoint: string; election: string };
  private readonly ctx: EnvelopeContext;
  private stopped = false;
  private lease = 0;
  private keepAlive: { stop(): void } | undefined;
  private term: AbortController | undefined;
  /** Last tick of the event-loop watchdog (see checkTerm). */
  private lastBeat = performance.now();
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
    this.ctx = { cluster: opts.cluster, newTraceId: randomUUID, now: () => new Date() };
    const r = opts.registry;
    const l = ["cluster"];
    this.m = {
      published: counter(r, "evk_relay_events_published_total", "Events published and acknowledged by JetStream", l),
      errors: counter(r, "evk_relay_publish_errors_total", "Publishes that failed (retried from the checkpoint)", l),
      resyncs: counter(r, "evk_relay_resyncs_total", "Full resyncs after the checkpoint was compacted away", l),
      undecodable: counter(r, "evk_relay_undecodable_total", "Values under the prefix that are not JSON objects", l),
      terms: counter(r, "evk_relay_terms_total", "Terms as leader, by how they ended", ["cluster", "end"]),
      checkpoint: gauge(r, "evk_relay_checkpoint_revision", "Last etcd revision the relay checkpointed", l),
      leader: gauge(r, "evk_relay_leader", "1 while this relay is the active one for the cluster", l),
      latency: histogram(r, "evk_relay_publish_seconds", "Publish to JetStream acknowledgement", l),
    };
  }

  get instanceId(): string {
    return this.o.instanceId;
  }

  private get stallLimitMs(): number {
    return (this.o.leaseTtlSeconds * 1000) / 5;
  }

  /** Campaigns, leads while elected, campaigns again after losing leadership; returns after stop(). */
  async run(): Promise<void> {
    const { log, cluster } = this.o;
    // The watchdog: a frozen process (GC pause, SIGSTOP, suspended VM) may wake up with etcd's watch
    // events already in its socket and run them before any timer, so publishing checks this beat too.
    this.lastBeat = performance.now();
    const watchdog = setInterval(() => {
      const now = performance.now();
      if (now - this.lastBeat > this.stallLimitMs)
        this.endTerm(`event loop stalled for ${Math.round(now - this.lastBeat)} ms`);
      this.lastBeat = now;
    }, 100);
    try {
      while (!this.stopped) {
        try {
          const tookOver = await this.campaign();
          if (this.stopped) break;
          this.m.leader.set({ cluster }, 1);
          log.info({ cluster, instance: this.o.instanceId, tookOver }, "relay elected leader");
          // Fence: a leader whose key we saw vanish may not yet know its lease expired (it notices within a
          // quarter TTL). Nobody to take over from (a first start) needs no fence.
          if (tookOver) await sleep((this.o.leaseTtlSeconds * 1000) / 2, this.term?.signal);
          await this.lead();
        } catch (err) {
          const end = err instanceof Stopping ? "stopped" : err instanceof LostLeadership ? "lost" : "error";
          this.m.terms.inc({ cluster, end });
          if (this.stopped) break;
          log.warn({ err: (err as Error).message, cluster, end }, "relay term ended; campaigning again");
          await sleep(500);
        } finally {
          this.m.leader.set({ cluster }, 0);
          this.keepAlive?.stop();
          this.keepAlive = undefined;
          // Revoking drops the leader key at once, so whoever campaigns next need not wait out the TTL.
          if (this.lease) await this.o.etcd.leaseRevoke(this.lease).catch(() => {});
          this.lease = 0;
        }
      }
    } finally {
      clearInterval(watchdog);
    }
  }

  /**
   * Stops campaigning; a leader finishes the publishes in flight, checkpoints what was acknowledged and
   * revokes its lease. run() resolves when that is done.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.term?.abort(new Stopping("relay stopping"));
  }

  private endTerm(why: string): void {
    const term = this.term;
    if (!term || term.signal.aborted) return;
    this.o.log.warn({ cluster: this.o.cluster, why }, "relay gives up leadership; stops publishing");
    term.abort(new LostLeadership(why));
  }

  /** Throws unless this relay may publish right now. */
  private checkTerm(): void {
    const signal = this.term?.signal;
    if (!signal || signal.aborted) throw signal?.reason ?? new LostLeadership("no term");
    const stalled = performance.now() - this.lastBeat;
    if (stalled > this.stallLimitMs) {
      this.endTerm(`event loop stalled for ${Math.round(stalled)} ms`);
      throw signal.reason;
    }
  }

  /** Resolves once elected: true when another relay held the leader key while we campaigned. */
  private async campaign(): Promise<boolean> {
    const { etcd, leaseTtlSeconds } = this.o;
    this.term = new AbortController();
    const term = this.term;
    this.lease = await etcd.leaseGrant(leaseTtlSeconds);
    this.keepAlive = etcd.keepAlive(this.lease, leaseTtlSeconds, (why) => this.endTerm(`lease lost: ${why}`));
    const key = this.keys.election;
    let contended = false;
    while (!this.stopped && !term.signal.aborted) {
      const res = await etcd.txn(
        [{ key, target: "Create", result: "Equal", create_revision: 0 }],
        [{ request_put: { key, value: this.o.instanceId, lease: this.lease } }],
      );
      if (res.succeeded) return contended;
      contended = true;
      // Someone else leads; its key vanishes with its lease when it dies or steps down.
      await sleep(Math.min(1000, (leaseTtlSeconds * 1000) / 5), term.signal);
    }
    if (term.signal.aborted) throw term.signal.reason ?? new LostLeadership("aborted");
    return contended;
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
      this.checkTerm();
      // What the stream already holds: changes after the checkpoint that a previous term published must
      // not be published again. The duplicate window alone cannot promise that: after a nats-server
      // restart it remembers only ids of messages still stored, and with one message kept per object an
      // old revision would be accepted again and the newer one then dropped as its duplicate.
      const streamed = new Map([...(await this.lastPerSubject())].map(([subj, env]) => [subj, env.revision]));
      this.o.log.info({ cluster: this.o.cluster, from, streamed: streamed.size }, "relay following etcd");
      const result = await this.follow(from, signal, streamed);
      from = await this.resync(`checkpoint ${from} compacted (etcd compacted to ${result.compactRevision})`);
    }
  }

  /**
   * Streams etcd changes after `checkpoint` into JetStream until the term ends (rejects) or etcd says the
   * start was compacted (resolves). Pauses the etcd watch while too many publishes are unacknowledged.
   */
  private follow(
    checkpoint: number,
    signal: AbortSignal,
    streamed: Map<string, number>,
  ): Promise<{ compactRevision: number }> {
    const { etcd, cluster, log } = this.o;
    const prefix = clusterPrefix(cluster);
    return new Promise((resolve, reject) => {
      const acked = new AckedPrefix(checkpoint);
      let inFlight = 0;
      let lastSubmitted = checkpoint;
      let lastCheckpoint = checkpoint;
      let sinceCheckpoint = 0;
      let watch: EtcdWatch | undefined;
      let paused = false;
      let done = false;
      let draining = false;
      let checkpointing: Promise<void> | undefined;
      let drained: (() => void) | undefined;

      const finish = (err: Error | undefined, value?: { compactRevision: number }) => {
        if (done) return;
        done = true;
        clearInterval(timer);
        watch?.stop();
        signal.removeEventListener("abort", onAbort);
        if (err) reject(err);
        else resolve(value as { compactRevision: number });
      };

      const flushCheckpoint = (): Promise<void> => {
        if (done) return Promise.resolve();
        if (checkpointing) return checkpointing;
        const upTo = acked.checkpointable();
        if (upTo <= lastCheckpoint) return Promise.resolve();
        checkpointing = this.writeCheckpoint(upTo)
          .then(() => {
            lastCheckpoint = upTo;
            sinceCheckpoint = 0;
          })
          .catch((err: Error) => finish(err))
          .finally(() => {
            checkpointing = undefined;
          });
        return checkpointing;
      };
      const timer = setInterval(() => void flushCheckpoint(), this.o.checkpointIntervalMs);

      const onAbort = () => {
        const reason = signal.reason as Error;
        if (!(reason instanceof Stopping)) return finish(reason ?? new LostLeadership("aborted"));
        // A graceful stop: take no more changes, let acknowledgements of what is in flight arrive
        // (bounded), and checkpoint them so the next leader does not publish them again.
        draining = true;
        watch?.stop();
        let giveUp: ReturnType<typeof setTimeout> | undefined;
        const settle = new Promise<void>((r) => {
          drained = r;
          giveUp = setTimeout(r, 5_000);
          if (inFlight === 0) r();
        });
        void settle
          .then(async () => {
            clearTimeout(giveUp);
            await checkpointing;
            await flushCheckpoint();
          })
          .finally(() => finish(reason));
      };
      signal.addEventListener("abort", onAbort);

      const onEvents = (events: WatchEvent[]) => {
        if (done || draining) return;
        try {
          this.checkTerm();
        } catch {
          return; // the abort listener ends the term
        }
        try {
          submitAll(events);
        } catch (err) {
          finish(err as Error);
        }
      };
      const submitAll = (events: WatchEvent[]) => {
        for (const e of events) {
          lastSubmitted = e.kv.mod_revision;
          const r = envelopeForChange(this.ctx, e);
          if (r.kind === "foreign") continue;
          if (r.kind === "undecodable") {
            this.m.undecodable.inc({ cluster });
            log.error(
              { cluster, key: r.key, revision: r.revision, err: r.error },
              "relay skipped an undecodable value",
            );
            acked.skip(r.revision);
            continue;
          }
          const env = r.envelope;
          const subject = subjectFor("ev", env);
          const held = streamed.get(subject);
          if (held !== undefined) {
            // The stream is ahead of us for this object (a previous term published it): skip until we
            // pass it, so a re-publish never replaces a newer message with an older one.
            if (held >= env.revision) {
              acked.skip(env.revision);
              continue;
            }
            streamed.delete(subject);
          }
          const s = acked.submit(env.revision);
          inFlight++;
          this.publish(env, r.key, subject)
            .then(() => {
              s.acked = true;
              if (++sinceCheckpoint >= this.o.checkpointEvery) void flushCheckpoint();
            })
            .catch((err: Error) => {
              this.m.errors.inc({ cluster });
              // Everything after the checkpoint is published again by the next term; ids dedupe it.
              finish(err instanceof LostLeadership ? err : new Error(`publish failed: ${err.message}`));
            })
            .finally(() => {
              inFlight--;
              if (inFlight === 0) drained?.();
              if (paused && !done && !draining && inFlight < this.o.maxInFlight / 2) resume();
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
          onCompacted: (compactRevision) => finish(undefined, { compactRevision }),
          onReconnect: (err) => log.warn({ cluster, err: err.message }, "relay's etcd watch reconnecting"),
        });
      };
      const resume = () => {
        paused = false;
        start(lastSubmitted + 1);
      };
      start(checkpoint + 1);
    });
  }

  private async publish(env: EventEnvelope, key: string, subject = subjectFor("ev", env)): Promise<void> {
    this.checkTerm();
    const h = natsHeaders();
    h.set(HEADER_REVISION, String(env.revision));
    h.set(HEADER_TRACE, env.traceId);
    h.set(HEADER_RELAY, this.o.instanceId);
    h.set(HEADER_TERM, String(this.lease));
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
    const { kvs, revision } = await etcd.rangePrefix(clusterPrefix(cluster), { pageSize: 2_000 });
    const plan = planResync(this.ctx, kvs, await this.lastPerSubject(), revision);
    for (const u of plan.undecodable) {
      this.m.undecodable.inc({ cluster });
      log.error({ cluster, key: u.key, err: u.error }, "relay skipped an undecodable value");
    }
    // Bounded concurrency: a large cluster must not put every object in flight at once.
    const inFlight = new Set<Promise<void>>();
    for (const p of plan.publish) {
      while (inFlight.size >= this.o.maxInFlight) await Promise.race(inFlight);
      const pub: Promise<void> = this.publish(p.envelope, p.key, p.subject).finally(() => inFlight.delete(pub));
      pub.catch(() => {}); // observed through Promise.race / Promise.all below
      inFlight.add(pub);
    }
    await Promise.all(inFlight);
    await this.writeCheckpoint(revision);
    log.warn(
      {
        cluster,
        revision,
        objects: kvs.length,
        republished: plan.publish.length - plan.tombstones,
        unchanged: plan.unchanged,
        tombstones: plan.tombstones,
        ms: Date.now() - started,
      },
      "relay full resync done",
    );
    return revision;
  }

  /** The newest valid envelope per subject of this cluster, as the stream holds it now. */
  private async lastPerSubject(): Promise<Map<string, EventEnvelope>> {
    const out = new Map<string, EventEnvelope>();
    const consumer = await this.o.js.consumers.get(EVENTS_STREAM, {
      filter_subjects: [filterSubject("ev", this.o.cluster)],
      deliver_policy: DeliverPolicy.LastPerSubject,
    });
    if ((await consumer.info(true)).num_pending === 0) return out;
    const messages = await consumer.consume({ max_messages: 1_000 });
    // Waiting for "pending 0" alone could hang (a tombstone expiring after the count above never comes),
    // so a quiet stream also ends the read, which then counts as incomplete and fails the term.
    let complete = false;
    let quiet = setTimeout(() => messages.stop(), 10_000);
    try {
      for await (const m of messages) {
        clearTimeout(quiet);
        quiet = setTimeout(() => messages.stop(), 10_000);
        try {
          out.set(m.subject, parseEnvelope(m.data));
        } catch {
          // A malformed message cannot describe an object we must skip or tombstone.
        }
        if (m.info.pending === 0) {
          complete = true;
          break;
        }
      }
    } finally {
      clearTimeout(quiet);
      messages.stop();
    }
    if (!complete) throw new Error(`reading the newest message per object of ${EVENTS_STREAM} did not finish`);
    return out;
  }
}
