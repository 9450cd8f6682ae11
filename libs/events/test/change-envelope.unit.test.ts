import assert from "node:assert/strict";
import type { KeyValue, WatchEvent } from "@evk/store";
import { encodeObject, objectKey } from "@evk/store";
import { type EnvelopeContext, envelopeForChange, envelopeForCurrent } from "../src/change-envelope.ts";

const ctx: EnvelopeContext = { cluster: "c1", newTraceId: () => "generated", now: () => new Date(0) };

const kv = (key: string, value: string, create: number, mod: number): KeyValue => ({
  key: Buffer.from(key),
  value: Buffer.from(value),
  create_revision: create,
  mod_revision: mod,
  version: 1,
  lease: 0,
});

const podKey = objectKey("c1", { group: "", resource: "pods", namespace: "ns", name: "web.1" });
const deployKey = objectKey("c1", { group: "apps", resource: "deployments", namespace: "ns", name: "d" });
const nsKey = objectKey("c1", { group: "", resource: "namespaces", name: "ns" });
const pod = (extra: Record<string, unknown> = {}) =>
  encodeObject({ apiVersion: "v1", kind: "Pod", metadata: { name: "web.1", namespace: "ns", uid: "u1", ...extra } });

describe("envelopes of etcd changes", () => {
  const cases: {
    why: string;
    event: WatchEvent;
    expect: Record<string, unknown>;
  }[] = [
    {
      why: "a put at the key's create revision is ADDED",
      event: { type: "Put", kv: kv(podKey, pod(), 7, 7) },
      expect: { type: "ADDED", revision: 7, resource: "pods", group: "", version: "v1", namespace: "ns", uid: "u1" },
    },
    {
      why: "a later put is MODIFIED and names the revision it replaced",
      event: { type: "Put", kv: kv(podKey, pod(), 7, 9), prev_kv: kv(podKey, pod(), 7, 7) },
      expect: { type: "MODIFIED", revision: 9, prevRevision: 7 },
    },
    {
      why: "a delete is DELETED and carries the previous value as the last state",
      event: { type: "Delete", kv: kv(podKey, "", 0, 12), prev_kv: kv(podKey, pod(), 7, 9) },
      expect: { type: "DELETED", revision: 12, prevRevision: 9, uid: "u1" },
    },
    {
      why: "a group's version comes from apiVersion group/version",
      event: {
        type: "Put",
        kv: kv(deployKey, encodeObject({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" } }), 3, 3),
      },
      expect: { group: "apps", resource: "deployments", version: "v1", uid: "" },
    },
    {
      why: "a cluster-scoped object has an empty namespace",
      event: { type: "Put", kv: kv(nsKey, encodeObject({ apiVersion: "v1", metadata: { name: "ns" } }), 2, 2) },
      expect: { namespace: "", name: "ns", resource: "namespaces" },
    },
    {
      why: "the trace annotation is the trace id",
      event: { type: "Put", kv: kv(podKey, pod({ annotations: { "evk.dev/trace-id": "t-42" } }), 7, 7) },
      expect: { traceId: "t-42" },
    },
    {
      why: "without the annotation a trace id is generated",
      event: { type: "Put", kv: kv(podKey, pod(), 7, 7) },
      expect: { traceId: "generated", time: "1970-01-01T00:00:00.000Z", cluster: "c1" },
    },
  ];
  for (const c of cases) {
    it(c.why, () => {
      const r = envelopeForChange(ctx, c.event);
      assert.equal(r.kind, "event");
      if (r.kind !== "event") return;
      for (const [k, v] of Object.entries(c.expect)) assert.deepEqual(r.envelope[k as keyof typeof r.envelope], v, k);
      assert.equal(
        r.envelope.object.metadata.resourceVersion,
        String(r.envelope.revision),
        "resourceVersion = revision",
      );
      assert.equal(r.key, c.event.kv.key.toString());
    });
  }

  it("publishes a delete whose previous value is missing or does not decode, with the name alone", () => {
    for (const prev of [undefined, kv(podKey, "{not json", 7, 9)]) {
      const r = envelopeForChange(ctx, {
        type: "Delete",
        kv: kv(podKey, "", 0, 12),
        ...(prev ? { prev_kv: prev } : {}),
      });
      assert.equal(r.kind, "event");
      if (r.kind !== "event") return;
      assert.equal(r.envelope.type, "DELETED");
      assert.deepEqual(r.envelope.object.metadata, { name: "web.1", namespace: "ns", resourceVersion: "12" });
    }
  });

  it("reports a put whose value is not a JSON object as undecodable", () => {
    for (const bad of ["{not json", "[1,2]", "42"]) {
      const r = envelopeForChange(ctx, { type: "Put", kv: kv(podKey, bad, 7, 7) });
      assert.equal(r.kind, "undecodable", bad);
    }
  });

  it("ignores keys outside the registry layout", () => {
    const r = envelopeForChange(ctx, { type: "Put", kv: kv("/evk/c1/registry/odd", "{}", 1, 1) });
    assert.deepEqual(r, { kind: "foreign", key: "/evk/c1/registry/odd", revision: 1 });
  });

  it("describes a current value as the change that wrote it (same type and revision)", () => {
    const fresh = envelopeForCurrent(ctx, kv(podKey, pod(), 7, 7));
    const later = envelopeForCurrent(ctx, kv(podKey, pod(), 7, 9));
    assert.ok(fresh.kind === "event" && later.kind === "event");
    assert.equal(fresh.envelope.type, "ADDED");
    assert.equal(later.envelope.type, "MODIFIED");
    assert.equal(later.envelope.revision, 9);
  });
});
