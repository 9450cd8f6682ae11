import type { KubeObject } from "@evk/kube";
import type { Logger } from "@evk/observability";
import { type ConsumerMessages, DeliverPolicy, type JetStreamClient } from "@nats-io/jetstream";
import { type EventEnvelope, parseEnvelope } from "./envelope.ts";
import { PULL_OPTIONS } from "./pull-options.ts";
import { EVENTS_STREAM } from "./streams.ts";
import { filterSubject } from "./subjects.ts";

export interface ProjectionOptions {
  js: JetStreamClient;
  /** One cluster, or every cluster when omitted. */
  cluster?: string;
  /** One resource, or every resource when omitted. */
  resource?: { group: string; resource: string };
  log?: Logger;
  /** Called after each applied change (not for ignored stale ones). */
  onChange?: (env: EventEnvelope) => void;
}

export const projectionKey = (e: {
  cluster: string;
  group: string;
  resource: string;
  namespace: string;
  name: string;
}) => `${e.cluster}/${e.group || "core"}/${e.resource}/${e.namespace}/${e.name}`;

/**
 * The in-memory view of virtual objects built from EVK_EVENTS: it replays the stream from the start
 * (a compacted snapshot, the newest message per object) and then follows live events. A change whose
 * revision is not newer than what the view holds for that object is ignored, so redeliveries and
 * re-published resyncs are harmless.
 */
export class Projection {
  private readonly o: ProjectionOptions;
  private readonly objects = new Map<string, { revision: number; object: KubeObject }>();
  /** Highest revision seen per key, deletions included, so a late older event cannot resurrect an object. */
  private readonly revisions = new Map<string, number>();
  private messages: ConsumerMessages | undefined;
  private resolveCaughtUp: () => void = () => {};
  /** Resolves once the replay has reached what the stream held when the projection started. */
  readonly caughtUp: Promise<void>;
  private loop: Promise<void> | undefined;

  constructor(opts: ProjectionOptions) {
    this.o = opts;
    this.caughtUp = new Promise((r) => {
      this.resolveCaughtUp = r;
    });
  }

  async start(): Promise<void> {
    // "The stream's end as of start": every message up to this sequence. Under a steady stream of writes
    // the consumer's pending count may never reach 0, so the replay is done once it passes this point.
    const endAtStart = (await (await this.o.js.streams.get(EVENTS_STREAM)).info()).state.last_seq;
    const consumer = await this.o.js.consumers.get(EVENTS_STREAM, {
      filter_subjects: [filterSubject("ev", this.o.cluster, this.o.resource)],
      deliver_policy: DeliverPolicy.All,
    });
    if ((await consumer.info(true)).num_pending === 0) this.resolveCaughtUp();
    this.messages = await consumer.consume(PULL_OPTIONS);
    const messages = this.messages;
    this.loop = (async () => {
      try {
        for await (const m of messages) {
          try {
            this.apply(parseEnvelope(m.data));
          } catch (err) {
            this.o.log?.warn(
              { subject: m.subject, err: (err as Error).message },
              "projection skipped a malformed event",
            );
          }
          if (m.info.pending === 0 || m.seq >= endAtStart) this.resolveCaughtUp();
        }
      } catch (err) {
        // An ordered consumer recovers from reconnects itself; reaching here means the stream is gone.
        this.o.log?.error({ err: (err as Error).message }, "projection stopped following the stream");
      }
    })();
  }

  /**
   * Applies one change unless the view already holds that revision or a newer one; true when applied.
   * Also for changes that reach a service another way (its durable consumer), so the view is never
   * older than a message being handled.
   */
  apply(env: EventEnvelope): boolean {
    const key = projectionKey(env);
    if ((this.revisions.get(key) ?? 0) >= env.revision) return false;
    this.revisions.set(key, env.revision);
    if (env.type === "DELETED") this.objects.delete(key);
    else this.objects.set(key, { revision: env.revision, object: env.object });
    this.o.onChange?.(env);
    return true;
  }

  get(key: string): KubeObject | undefined {
    return this.objects.get(key)?.object;
  }

  /** [key, object] of every object the view holds. */
  *entries(): IterableIterator<[string, KubeObject]> {
    for (const [k, v] of this.objects) yield [k, v.object];
  }

  /** key -> revision of every object the view holds. */
  revisionsByKey(): Map<string, number> {
    return new Map([...this.objects].map(([k, v]) => [k, v.revision]));
  }

  get size(): number {
    return this.objects.size;
  }

  async stop(): Promise<void> {
    this.messages?.stop();
    await this.loop;
  }
}
