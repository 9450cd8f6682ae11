import { counter, type Logger, type Registry } from "@evk/observability";
import {
  AckPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { nanos, headers as natsHeaders } from "@nats-io/nats-core";
import {
  type EventEnvelope,
  MalformedEnvelopeError,
  parseEnvelope,
  parseStatusReport,
  type StatusReport,
} from "./envelope.ts";
import { EVENTS_STREAM, STATUS_STREAM } from "./streams.ts";
import { encodeToken, filterSubject } from "./subjects.ts";

/** What each stream carries: change events (`ev`, EVK_EVENTS) or host status reports (`st`, EVK_STATUS). */
export interface Carried {
  ev: EventEnvelope;
  st: StatusReport;
}

const streams = {
  ev: { stream: EVENTS_STREAM, parse: parseEnvelope },
  st: { stream: STATUS_STREAM, parse: parseStatusReport },
} as const;

export interface ConsumerOptions<K extends keyof Carried = "ev"> {
  /** Which stream to consume; change events by default. */
  kind?: K;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Durable name: consumers of one name share their position and their work. */
  name: string;
  /** One cluster, or every cluster when omitted. */
  cluster?: string;
  /** Only these resources (each one filter subject); every resource when omitted. */
  resources?: { group: string; resource: string }[];
  handler: (message: Carried[K], msg: JsMsg) => Promise<void>;
  log: Logger;
  registry: Registry;
  /** Failed attempts after which a message goes to the dead-letter stream. */
  maxDeliver?: number;
  /** Redelivery delay after the n-th failure (the last entry repeats). */
  backoffMs?: number[];
  ackWaitMs?: number;
}

export interface RunningConsumer {
  /** Finishes the message in hand (ack or nak), takes no more, and resolves when it is done. */
  stop(): Promise<void>;
}

export const HEADER_ERROR = "Evk-Error";
export const HEADER_ORIGINAL_SUBJECT = "Evk-Original-Subject";

/**
 * A durable pull consumer of EVK_EVENTS (or EVK_STATUS with kind "st"): a message is acked only after `handler` succeeds; a failure is
 * nak'ed with backoff; after maxDeliver failures, and at once for a malformed envelope, the message is
 * copied to evk.dlq.<consumer>.<original subject tokens>, terminated and logged. It keeps going.
 */
export async function startConsumer<K extends keyof Carried = "ev">(
  opts: ConsumerOptions<K>,
): Promise<RunningConsumer> {
  const kind = (opts.kind ?? "ev") as K;
  const { stream, parse } = streams[kind] as { stream: string; parse: (d: Uint8Array) => Carried[K] };
  const maxDeliver = opts.maxDeliver ?? 5;
  const backoff = opts.backoffMs ?? [200, 1_000, 5_000, 15_000];
  const subjects = opts.resources?.length
    ? opts.resources.map((r) => filterSubject(kind, opts.cluster, r))
    : [filterSubject(kind, opts.cluster)];
  const config = {
    durable_name: opts.name,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(opts.ackWaitMs ?? 30_000),
    filter_subjects: subjects,
    max_ack_pending: 1_000,
  };
  try {
    await opts.jsm.consumers.info(stream, opts.name);
    await opts.jsm.consumers.update(stream, opts.name, config);
  } catch (err) {
    if (!/consumer not found/i.test(String((err as Error).message))) throw err;
    await opts.jsm.consumers.add(stream, config);
  }
  const m = {
    handled: counter(opts.registry, "evk_consumer_messages_total", "Messages handled, by outcome", [
      "consumer",
      "outcome",
    ]),
  };
  const consumer = await opts.js.consumers.get(stream, opts.name);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 100 });

  const deadLetter = async (msg: JsMsg, why: string) => {
    const h = natsHeaders();
    h.set(HEADER_ERROR, why.slice(0, 1024));
    h.set(HEADER_ORIGINAL_SUBJECT, msg.subject);
    await opts.js.publish(`evk.dlq.${encodeToken(opts.name)}.${msg.subject.replace(/^evk\.(ev|st)\./, "")}`, msg.data, {
      headers: h,
    });
    msg.term(why);
  };

  const loop = (async () => {
    for await (const msg of messages) {
      let env: Carried[K];
      try {
        env = parse(msg.data);
      } catch (err) {
        const why = err instanceof MalformedEnvelopeError ? err.message : String(err);
        opts.log.error(
          { consumer: opts.name, subject: msg.subject, seq: msg.seq, err: why },
          "malformed event dead-lettered",
        );
        m.handled.inc({ consumer: opts.name, outcome: "malformed" });
        await deadLetter(msg, why);
        continue;
      }
      try {
        await opts.handler(env, msg);
        await msg.ackAck();
        m.handled.inc({ consumer: opts.name, outcome: "ok" });
      } catch (err) {
        const why = (err as Error).message ?? String(err);
        const attempt = msg.info.deliveryCount;
        if (attempt >= maxDeliver) {
          opts.log.error(
            { consumer: opts.name, subject: msg.subject, attempts: attempt, err: why },
            "event dead-lettered after repeated handler failures",
          );
          m.handled.inc({ consumer: opts.name, outcome: "dead-lettered" });
          await deadLetter(msg, why);
        } else {
          m.handled.inc({ consumer: opts.name, outcome: "retry" });
          msg.nak(backoff[Math.min(attempt - 1, backoff.length - 1)]);
        }
      }
    }
  })();

  return {
    async stop() {
      messages.stop();
      await loop;
    },
  };
}
