import {
  DiscardPolicy,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";

export const EVENTS_STREAM = "EVK_EVENTS";
export const STATUS_STREAM = "EVK_STATUS";
export const DLQ_STREAM = "EVK_DLQ";

export interface StreamOptions {
  /** How long DELETED tombstones stay in EVK_EVENTS before the stream forgets the object entirely. */
  tombstoneTtlSeconds?: number;
  /** Window in which a re-published Nats-Msg-Id is dropped. */
  duplicateWindowSeconds?: number;
}

export function streamConfigs(opts: StreamOptions = {}): (Partial<StreamConfig> & { name: string })[] {
  const dup = nanos((opts.duplicateWindowSeconds ?? 120) * 1000);
  return [
    {
      name: EVENTS_STREAM,
      subjects: ["evk.ev.>"],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      // The newest message per object is its whole story for a level-triggered consumer, so replaying
      // the stream from the start is a compacted snapshot of every cluster.
      max_msgs_per_subject: 1,
      discard: DiscardPolicy.Old,
      duplicate_window: dup,
      // DELETED tombstones carry a Nats-TTL header so deleted objects eventually leave the snapshot.
      allow_msg_ttl: true,
    },
    {
      name: STATUS_STREAM,
      subjects: ["evk.st.>"],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_msgs_per_subject: 1,
      discard: DiscardPolicy.Old,
      duplicate_window: dup,
    },
    {
      name: DLQ_STREAM,
      subjects: ["evk.dlq.>"],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: nanos(7 * 24 * 3600 * 1000),
    },
  ];
}

/** Creates the streams, or brings existing ones to this configuration; safe to call from every process. */
export async function ensureStreams(jsm: JetStreamManager, opts: StreamOptions = {}): Promise<void> {
  for (const cfg of streamConfigs(opts)) {
    try {
      await jsm.streams.info(cfg.name);
      await jsm.streams.update(cfg.name, cfg);
    } catch (err) {
      if (!/stream not found/i.test(String((err as Error).message))) throw err;
      try {
        await jsm.streams.add(cfg);
      } catch (addErr) {
        // Another process created it between our look and our add.
        if (!/already in use|exists/i.test(String((addErr as Error).message))) throw addErr;
        await jsm.streams.update(cfg.name, cfg);
      }
    }
  }
}

export function tombstoneTtl(seconds: number): string {
  return `${Math.max(1, Math.round(seconds))}s`;
}
