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

/** EVK_EVENTS metadata key recording the tombstone age the relay stamps (Nats-TTL) on DELETED events. */
export const TOMBSTONE_TTL_METADATA = "evk.dev/tombstone-ttl-seconds";

export interface StreamOptions {
  /**
   * How long DELETED tombstones stay in EVK_EVENTS before the stream forgets the object entirely. The age
   * travels on each tombstone (Nats-TTL, set by the relay); here it is recorded in the stream's metadata
   * so `nats stream info` shows it. Left as it is when omitted.
   */
  tombstoneTtlSeconds?: number;
  /** Window in which a re-published Nats-Msg-Id is dropped. */
  duplicateWindowSeconds?: number;
}

export function streamConfigs(opts: StreamOptions = {}): (Partial<StreamConfig> & { name: string })[] {
  const ttl = opts.tombstoneTtlSeconds;
  if (ttl !== undefined && !(Number.isFinite(ttl) && ttl >= 1)) {
    throw new Error(`tombstoneTtlSeconds must be at least 1 (per-message TTLs are whole seconds), got ${ttl}`);
  }
  const dupSeconds = opts.duplicateWindowSeconds ?? 120;
  if (!(Number.isFinite(dupSeconds) && dupSeconds > 0)) {
    throw new Error(`duplicateWindowSeconds must be positive, got ${dupSeconds}`);
  }
  const dup = nanos(dupSeconds * 1000);
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
      ...(ttl !== undefined ? { metadata: { [TOMBSTONE_TTL_METADATA]: String(Math.round(ttl)) } } : {}),
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

/**
 * Creates the streams, or brings existing ones to this configuration (a tombstone TTL not given keeps
 * the recorded one); safe to call from every process, also concurrently.
 */
export async function ensureStreams(jsm: JetStreamManager, opts: StreamOptions = {}): Promise<void> {
  for (const cfg of streamConfigs(opts)) {
    let existing: StreamConfig;
    try {
      existing = (await jsm.streams.info(cfg.name)).config;
    } catch (err) {
      if (!/stream not found/i.test(String((err as Error).message))) throw err;
      try {
        await jsm.streams.add(cfg);
        continue;
      } catch (addErr) {
        // Another process created it between our look and our add.
        if (!/already in use|exists/i.test(String((addErr as Error).message))) throw addErr;
        existing = (await jsm.streams.info(cfg.name)).config;
      }
    }
    // Metadata is replaced as a whole by an update: keep keys others (and the server) put there.
    const metadata = cfg.metadata ? { metadata: { ...existing.metadata, ...cfg.metadata } } : {};
    await jsm.streams.update(cfg.name, { ...cfg, ...metadata });
  }
}

export function tombstoneTtl(seconds: number): string {
  return `${Math.max(1, Math.round(seconds))}s`;
}
