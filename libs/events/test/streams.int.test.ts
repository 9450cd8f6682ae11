import assert from "node:assert/strict";
import { DLQ_STREAM, EVENTS_STREAM, ensureStreams, STATUS_STREAM } from "../src/index.ts";
import { TOMBSTONE_TTL_METADATA } from "../src/streams.ts";
import { useRealParts } from "./harness.ts";

describe("stream set-up (real nats-server)", function () {
  this.timeout(60_000);
  const env = useRealParts();
  const names = [EVENTS_STREAM, STATUS_STREAM, DLQ_STREAM];

  it("creates the streams from nothing, also when several processes race to do it", async () => {
    for (const n of names) await env.jsm.streams.delete(n);
    await Promise.all([1, 2, 3, 4].map(() => ensureStreams(env.jsm, { tombstoneTtlSeconds: 60 })));
    const ev = await env.jsm.streams.info(EVENTS_STREAM);
    assert.deepEqual(ev.config.subjects, ["evk.ev.>"]);
    assert.equal(ev.config.max_msgs_per_subject, 1);
    assert.equal(ev.config.allow_msg_ttl, true);
    assert.equal(ev.config.duplicate_window, 120 * 1e9);
    assert.equal(ev.config.metadata?.[TOMBSTONE_TTL_METADATA], "60");
    assert.deepEqual((await env.jsm.streams.info(STATUS_STREAM)).config.subjects, ["evk.st.>"]);
    assert.deepEqual((await env.jsm.streams.info(DLQ_STREAM)).config.subjects, ["evk.dlq.>"]);
  });

  it("is idempotent, updates changed settings in place and keeps the messages and foreign metadata", async () => {
    await ensureStreams(env.jsm, { tombstoneTtlSeconds: 60 });
    await env.js.publish("evk.ev.keep.pods.default.x", "{}");
    await env.jsm.streams.update(EVENTS_STREAM, {
      metadata: { ...(await env.jsm.streams.info(EVENTS_STREAM)).config.metadata, "someone.else/key": "v" },
    });
    const before = (await env.jsm.streams.info(EVENTS_STREAM)).state.messages;
    await ensureStreams(env.jsm, { tombstoneTtlSeconds: 60 });
    await ensureStreams(env.jsm, { tombstoneTtlSeconds: 5, duplicateWindowSeconds: 30 });
    const ev = await env.jsm.streams.info(EVENTS_STREAM);
    assert.equal(ev.config.metadata?.[TOMBSTONE_TTL_METADATA], "5");
    assert.equal(ev.config.metadata?.["someone.else/key"], "v");
    assert.equal(ev.config.duplicate_window, 30 * 1e9);
    assert.equal(ev.state.messages, before, "no message lost to an update");
    // Without a TTL the recorded one stays.
    await ensureStreams(env.jsm);
    assert.equal((await env.jsm.streams.info(EVENTS_STREAM)).config.metadata?.[TOMBSTONE_TTL_METADATA], "5");
  });

  it("refuses settings JetStream cannot honour, with a clear error", async () => {
    await assert.rejects(
      ensureStreams(env.jsm, { tombstoneTtlSeconds: 0.5 }),
      /tombstoneTtlSeconds must be at least 1/,
    );
    await assert.rejects(
      ensureStreams(env.jsm, { duplicateWindowSeconds: 0 }),
      /duplicateWindowSeconds must be positive/,
    );
  });
});
