import assert from "node:assert/strict";
import type { KubeObject } from "@evk/kube";
import { encodeObject, type KeyValue, objectKey } from "@evk/store";
import type { EnvelopeContext } from "../src/change-envelope.ts";
import type { EventEnvelope } from "../src/envelope.ts";
import { planResync } from "../src/resync-plan.ts";
import { subjectFor } from "../src/subjects.ts";

const ctx: EnvelopeContext = { cluster: "c1", newTraceId: () => "t", now: () => new Date(0) };
const ref = (name: string) => ({ group: "", resource: "pods", namespace: "default", name });
const obj = (name: string): KubeObject => ({
  apiVersion: "v1",
  metadata: { name, namespace: "default", uid: `u-${name}` },
});
const kv = (name: string, create: number, mod: number, value = encodeObject(obj(name))): KeyValue => ({
  key: Buffer.from(objectKey("c1", ref(name))),
  value: Buffer.from(value),
  create_revision: create,
  mod_revision: mod,
  version: 1,
  lease: 0,
});
const streamedEnv = (name: string, type: EventEnvelope["type"], revision: number): EventEnvelope => ({
  cluster: "c1",
  type,
  ...ref(name),
  version: "v1",
  uid: `u-${name}`,
  revision,
  object: { ...obj(name), metadata: { ...obj(name).metadata, resourceVersion: String(revision) } },
  traceId: `trace-${name}`,
  time: "x",
});
const subject = (name: string) => subjectFor("ev", { cluster: "c1", ...ref(name) });

describe("full resync plan", () => {
  it("publishes what the stream lacks or holds older, tombstones what etcd lost, and leaves the rest", () => {
    const current = [kv("same", 2, 5), kv("older", 3, 8), kv("new", 9, 9), kv("reborn", 10, 10)];
    const streamed = new Map([
      [subject("same"), streamedEnv("same", "MODIFIED", 5)],
      [subject("older"), streamedEnv("older", "ADDED", 3)],
      [subject("gone"), streamedEnv("gone", "MODIFIED", 4)],
      [subject("already-deleted"), streamedEnv("already-deleted", "DELETED", 6)],
      [subject("reborn"), streamedEnv("reborn", "DELETED", 7)],
    ]);
    const plan = planResync(ctx, current, streamed, 20);
    const byName = new Map(plan.publish.map((p) => [p.envelope.name, p]));
    assert.deepEqual([...byName.keys()].sort(), ["gone", "new", "older", "reborn"]);
    assert.equal(plan.unchanged, 1);
    assert.equal(plan.tombstones, 1);
    assert.equal(byName.get("older")?.envelope.type, "MODIFIED");
    assert.equal(byName.get("older")?.envelope.revision, 8);
    assert.equal(byName.get("new")?.envelope.type, "ADDED");
    const tomb = byName.get("gone")?.envelope;
    assert.equal(tomb?.type, "DELETED");
    assert.equal(tomb?.revision, 20, "a tombstone is dated at the resync's revision");
    assert.equal(tomb?.prevRevision, 4);
    assert.equal(tomb?.uid, "u-gone");
    assert.equal(tomb?.traceId, "trace-gone", "the object's trace continues");
    assert.equal(tomb?.object.metadata.resourceVersion, "20");
    assert.equal(byName.get("gone")?.key, objectKey("c1", ref("gone")));
    assert.equal(byName.get("gone")?.subject, subject("gone"));
  });

  it("leaves undecodable values out and reports them", () => {
    const plan = planResync(ctx, [kv("bad", 1, 1, "{oops"), kv("good", 2, 2)], new Map(), 3);
    assert.deepEqual(
      plan.publish.map((p) => p.envelope.name),
      ["good"],
    );
    assert.equal(plan.undecodable.length, 1);
    assert.equal(plan.undecodable[0]?.key, objectKey("c1", ref("bad")));
  });
});
