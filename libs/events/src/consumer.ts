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
import { PULL_OPTIONS } from "./pull-options.ts";
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
  /** Time the server waits for an ack before redelivering; a running handler extends it while it works. */
  ackWaitMs?: number;
  /**
   * Messages handled at once (default 1: strictly one after another). Above 1, handlers of different
   * messages overlap, so a handler must not rely on the order of messages for different objects.
   */
  concurrency?: number;
}

export interface RunningConsumer {
  /** Lets the handler in hand finish (and settles it), hands back what was fetched but not started, and resolves. */
  stop(): Promise<void>;
}

/** Time without a message after which a consumer asks the server whether it is stalled. */
const STALL_CHECK_MS = 10_000;

export const HEADER_ERROR = "Evk-Error";
export const HEADER_ORIGINAL_SUBJECT = "Evk-Original-Subject";

/** evk.dlq.<consumer>.<cluster>.<resource>.<ns>.<name>: the original subject's tokens under the consumer's. */
export function deadLetterSubject(consumer: string, subject: string): string {
  return `evk.dlq.${encodeToken(consumer)}.${subject.replace(/^evk\.(ev|st)\./, "")}`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A durable pull consumer of EVK_EVENTS (or EVK_STATUS with kind "st"): a message is acked only after
 * `handler` succeeds; a failure is nak'ed with backoff; after maxDeliver failures, and at once for a
 * malformed envelope, the message is copied to the dead-letter stream, terminated and logged. Nothing a
 * single message does (nor a nats-server restart) stops it: it keeps going until stop().
 */
export async function startConsumer<K extends keyof Carried = "ev">(
  opts: ConsumerOptions<K>,
): Promise<RunningConsumer> {
  const kind = (opts.kind ?? "ev") as K;
  const { stream, parse } = streams[kind] as { stream: string; parse: (d: Uint8Array) => Carried[K] };
  const maxDeliver = opts.maxDeliver ?? 5;
  const backoff = opts.backoffMs ?? [200, 1_000, 5_000, 15_000];
  const ackWaitMs = opts.ackWaitMs ?? 30_000;
  const subjects = opts.resources?.length
    ? opts.resources.map((r) => filterSubject(kind, opts.cluster, r))
    : [filterSubject(kind, opts.cluster)];
  const config = {
    durable_name: opts.name,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(ackWaitMs),
    filter_subjects: subjects,
    max_ack_pending: Math.max(1_000, (opts.concurrency ?? 1) * 2),
  };
  const ensureDurable = async () => {
    try {
      await opts.jsm.consumers.info(stream, opts.name);
      await opts.jsm.consumers.update(stream, opts.name, config);
    } catch (err) {
      if (!/consumer not found/i.test(String((err as Error).message))) throw err;
      await opts.jsm.consumers.add(stream, config);
    }
  };
  await ensureDurable();
  const { log, name } = opts;
  const handled = counter(opts.registry, "evk_consumer_messages_total", "Messages handled, by outcome", [
    "consumer",
    "outcome",
  ]);
  const count = (outcome: string) => handled.inc({ consumer: name, outcome });

  const deadLetter = async (msg: JsMsg, why: string) => {
    const h = natsHeaders();
    h.set(HEADER_ERROR, why.slice(0, 1024));
    h.set(HEADER_ORIGINAL_SUBJECT, msg.subject);
    await opts.js.publish(deadLetterSubject(name, msg.subject), msg.data, { headers: h });
    // Only once the dead letter is stored: a failed copy leaves the message to be redelivered and tried again.
    msg.term(why);
  };

  /** Settles one message; never throws, so one message can never end the loop. */
  const handle = async (msg: JsMsg) => {
    let message: Carried[K];
    try {
      message = parse(msg.data);
    } catch (err) {
      const why = err instanceof MalformedEnvelopeError ? err.message : String(err);
      log.error({ consumer: name, subject: msg.subject, seq: msg.seq, err: why }, "malformed message dead-lettered");
      count("malformed");
      await deadLetter(msg, why).catch((e: Error) => settleFailed(msg, e));
      return;
    }
    // Keeps the server from redelivering a message whose handler is still at work.
    const working = setInterval(() => msg.working(), Math.max(1_000, ackWaitMs / 3));
    let failure: Error | undefined;
    try {
      await opts.handler(message, msg);
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
    } finally {
      clearInterval(working);
    }
    try {
      if (!failure) {
        await msg.ackAck();
        count("ok");
        return;
      }
      const attempt = msg.info.deliveryCount;
      if (attempt >= maxDeliver) {
        log.error(
          { consumer: name, subject: msg.subject, attempts: attempt, err: failure.message },
          "message dead-lettered after repeated handler failures",
        );
        count("dead-lettered");
        await deadLetter(msg, failure.message);
      } else {
        count("retry");
        msg.nak(backoff[Math.min(attempt - 1, backoff.length - 1)]);
      }
    } catch (err) {
      settleFailed(msg, err as Error);
    }
  };
  // The message stays unacknowledged and comes back after ack_wait; handlers are idempotent.
  const settleFailed = (msg: JsMsg, err: Error) => {
    count("settle-failed");
    log.warn(
      { consumer: name, subject: msg.subject, err: err.message },
      "could not settle a message; it will be redelivered",
    );
  };

  let stopping = false;
  let messages: ConsumerMessages | undefined;
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const active = new Set<Promise<void>>();
  let handling = 0;
  let resubscribe = false;
  let lastMessageAt = performance.now();
  const stalls = counter(
    opts.registry,
    "evk_consumer_stalls_total",
    "Times a consumer had messages waiting on the server, no pull outstanding and nothing in hand, and resubscribed",
    ["consumer"],
  );
  // After a nats-server restart the client can be left believing a pull is outstanding that the new
  // server never saw (nats.js 3.4.0 against 2.15.2, about one restart in ten under load): nothing arrives
  // again, without an error. The server's view tells it apart from an idle stream: messages pending for
  // this consumer, no pull request waiting, and no handler at work here. Then the subscription starts over.
  const stallCheck = setInterval(async () => {
    const current = messages;
    if (stopping || !current || handling > 0 || performance.now() - lastMessageAt < STALL_CHECK_MS) return;
    const info = await opts.jsm.consumers.info(stream, name).catch(() => undefined);
    if (!info || stopping || messages !== current || handling > 0) return;
    if (info.num_pending > 0 && info.num_waiting === 0 && performance.now() - lastMessageAt >= STALL_CHECK_MS) {
      stalls.inc({ consumer: name });
      log.warn(
        { consumer: name, pending: info.num_pending, ackPending: info.num_ack_pending },
        "consumer stalled: messages wait on the server but no pull is outstanding; resubscribing",
      );
      lastMessageAt = performance.now();
      resubscribe = true;
      current.stop();
    }
  }, STALL_CHECK_MS / 2);
  stallCheck.unref();
  const loop = (async () => {
    while (!stopping) {
      try {
        messages = await (await opts.js.consumers.get(stream, name)).consume({ max_messages: 100, ...PULL_OPTIONS });
        lastMessageAt = performance.now();
        if (stopping) messages.stop();
        for await (const msg of messages) {
          lastMessageAt = performance.now();
          if (stopping) {
            // Fetched but not started: hand it back at once rather than hold it until ack_wait.
            try {
              msg.nak();
            } catch {
              // Closed connection: the server redelivers it after ack_wait anyway.
            }
            continue;
          }
          if (concurrency === 1) {
            handling++;
            await handle(msg).finally(() => handling--);
            continue;
          }
          while (active.size >= concurrency) await Promise.race(active);
          handling++;
          const p: Promise<void> = handle(msg).finally(() => {
            handling--;
            active.delete(p);
          });
          active.add(p);
        }
        if (resubscribe) {
          resubscribe = false;
          continue;
        }
        if (!stopping) throw new Error("message stream ended");
      } catch (err) {
        if (stopping) break;
        messages = undefined;
        resubscribe = false;
        // A connection closed for good (closed by its owner, or out of reconnect attempts) never comes
        // back: say so once and end, rather than retry forever. Closing can also just end the message
        // stream, so an ended stream is followed by one request that tells the two apart.
        let cause = err as Error;
        if (cause.name !== "ClosedConnectionError")
          cause = await opts.jsm.consumers.info(stream, name).then(
            () => cause,
            (e: Error) => (e.name === "ClosedConnectionError" ? e : cause),
          );
        if (cause.name === "ClosedConnectionError") {
          log.error({ consumer: name }, "consumer stopped: its NATS connection is closed");
          break;
        }
        // E.g. the durable was deleted, or the server answered with an error: start over.
        log.error({ consumer: name, err: (err as Error).message }, "consumer interrupted; resubscribing");
        await sleep(1_000);
        await ensureDurable().catch((e: Error) =>
          log.warn({ consumer: name, err: e.message }, "consumer set-up failed"),
        );
      }
    }
  })();

  return {
    async stop() {
      stopping = true;
      clearInterval(stallCheck);
      messages?.stop();
      await loop;
      await Promise.all(active);
    },
  };
}
