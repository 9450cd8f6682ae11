import { randomUUID } from "node:crypto";
import { parseSubject, type RunningConsumer, type StatusReport, startConsumer } from "@evk/events";
import { isStatusError, type KubeObject } from "@evk/kube";
import { counter, type Logger, type Registry } from "@evk/observability";
import type { Store } from "@evk/store";
import { HOST_REVISION_ANNOTATION, HOST_UID_ANNOTATION } from "@evk/translate";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { deleteHonouringFinalizers } from "./deletion.ts";
import { FieldManager } from "./managed-fields/index.ts";

// HOST_REVISION_ANNOTATION: where a virtual object remembers the host revision its status came from, so
// older reports are dropped. HOST_UID_ANNOTATION: on objects a syncer applied, the host object they mirror,
// which a later "delete" report names.
export { HOST_REVISION_ANNOTATION, HOST_UID_ANNOTATION };

/** On a syncer's own Events: a repeat is the same Event seen once more (host Events carry their own count). */
export const COUNT_REPEATS_ANNOTATION = "evk.dev/count-repeats";

export type IngestOutcome = "applied" | "stale" | "other-uid" | "gone";

/**
 * Pure: the virtual object after a status report, or why the report is dropped. A report for another
 * UID (the object was deleted and re-created) or for a host revision not newer than the last applied
 * one changes nothing. Host-allocated fields (a Service's clusterIP, a PVC's volumeName, a Pod's
 * nodeName) are adopted into spec.
 */
export function applyStatusReport(cur: KubeObject, r: StatusReport): { outcome: IngestOutcome; next: KubeObject } {
  if (cur.metadata.uid !== r.uid) return { outcome: "other-uid", next: cur };
  const last = Number(cur.metadata.annotations?.[HOST_REVISION_ANNOTATION] ?? 0);
  if (r.hostRevision <= last) return { outcome: "stale", next: cur };
  return {
    outcome: "applied",
    next: {
      ...cur,
      ...(r.fields ? { spec: { ...(cur.spec as object | undefined), ...r.fields } } : {}),
      status: r.status,
      metadata: {
        ...cur.metadata,
        annotations: { ...cur.metadata.annotations, [HOST_REVISION_ANNOTATION]: String(r.hostRevision) },
      },
    },
  };
}

/**
 * Who writes what a status report carries in a cluster kube runs, as the managedFields of their writes record
 * it: a pod's status is its kubelet's, a claim's and a volume's the persistent volume controller's in
 * kube-controller-manager, which also binds them through their main resource (volumeName, claimRef). A Service's
 * status is the load balancer's controller's, which depends on the cloud provider: not knowable, so not recorded;
 * neither are the values kube-apiserver allocates itself (clusterIPs, node ports) nor a pod's nodeName, which
 * kube sets through pods/binding, outside its field manager.
 */
export const WRITERS: Record<
  string,
  {
    version: string;
    kind: string;
    status: string;
    fields?: string;
    /** The status as it is before its writer's update: what others wrote outside the field manager. */
    before?: (cur: Record<string, unknown>, next: Record<string, unknown>) => Record<string, unknown>;
  }
> = {
  // A pod's PodScheduled condition is the binding's, which kube writes outside its field manager.
  "/pods": { version: "v1", kind: "Pod", status: "kubelet", before: withCondition("PodScheduled") },
  "/persistentvolumeclaims": {
    version: "v1",
    kind: "PersistentVolumeClaim",
    status: "kube-controller-manager",
    fields: "kube-controller-manager",
  },
  "/persistentvolumes": {
    version: "v1",
    kind: "PersistentVolume",
    status: "kube-controller-manager",
    fields: "kube-controller-manager",
  },
};

/** The current status with `next`'s condition of this type in it, if it has one. */
function withCondition(type: string) {
  return (cur: Record<string, unknown>, next: Record<string, unknown>) => {
    const conditions = (s: Record<string, unknown>) =>
      (Array.isArray(s.conditions) ? s.conditions : []) as { type?: string }[];
    const made = conditions(next).find((c) => c.type === type);
    if (!made) return cur;
    return { ...cur, conditions: [...conditions(cur).filter((c) => c.type !== type), made] };
  };
}

/**
 * `next`, what a status report made of `cur`, with the managedFields entries its writers' updates leave in kube
 * (WRITERS): the adopted spec fields as an Update of the object, the status as an Update of /status. Neither
 * takes the report's own bookkeeping (the host revision annotation). Left as it is for kinds whose writer is not
 * known, and when the entries cannot be worked out (then nothing is recorded rather than something wrong).
 */
export function withWritersEntries(
  fields: FieldManager,
  group: string,
  resource: string,
  cur: KubeObject,
  next: KubeObject,
  adopted: boolean,
): KubeObject {
  const w = WRITERS[`${group}/${resource}`];
  if (!w || next === cur) return next;
  const target = { group, version: w.version, kind: w.kind, resource };
  // What the report changed besides status and spec: recorded by nobody.
  const base: KubeObject = { ...cur, metadata: { ...next.metadata, managedFields: cur.metadata.managedFields } };
  let step = base;
  if (adopted && w.fields) {
    const specOnly = { ...next, status: cur.status, metadata: base.metadata } as KubeObject;
    step = fields.updated(target, base, specOnly, w.fields, specOnly, true);
  }
  if (w.before) {
    const status = (o: KubeObject) => (o.status ?? {}) as Record<string, unknown>;
    step = { ...step, status: w.before(status(cur), status(next)) };
  }
  const out = fields.updated({ ...target, subresource: "status" }, step, next, w.status, next, true);
  // The field manager gives up on what it cannot type by dropping every entry; the others are kept then.
  if (cur.metadata.managedFields && !out.metadata.managedFields) return next;
  return out;
}

/** Kinds a syncer may create or replace in the virtual cluster ("apply"): what the host side owns. */
export const APPLY_RESOURCES = new Set([
  "/nodes",
  "/events",
  // syncer-services: Endpoints / EndpointSlices of selector Services, built from the virtual pods' host IPs.
  "/endpoints",
  "discovery.k8s.io/endpointslices",
  // syncer-storage: fake PersistentVolumes for bound claims, the host's StorageClasses.
  "/persistentvolumes",
  "storage.k8s.io/storageclasses",
]);

/**
 * Pure: the virtual object an "apply" report asks for, given what exists (or undefined). Identity
 * (uid, creationTimestamp) stays the virtual side's; a report not newer than the applied one is stale.
 */
export function applyObjectReport(
  cur: KubeObject | undefined,
  r: StatusReport,
  fresh: { uid: string; now: string },
): { outcome: IngestOutcome; next: KubeObject | undefined } {
  const want = r.object as KubeObject;
  const last = Number(cur?.metadata.annotations?.[HOST_REVISION_ANNOTATION] ?? 0);
  if (cur && r.hostRevision <= last) return { outcome: "stale", next: cur };
  const metadata = {
    ...want.metadata,
    name: r.name,
    ...(r.namespace ? { namespace: r.namespace } : {}),
    uid: cur?.metadata.uid ?? fresh.uid,
    creationTimestamp: cur?.metadata.creationTimestamp ?? fresh.now,
    annotations: {
      ...want.metadata.annotations,
      [HOST_REVISION_ANNOTATION]: String(r.hostRevision),
      [HOST_UID_ANNOTATION]: r.uid,
    },
  };
  delete metadata.resourceVersion;
  // A repeated Event is one Event seen more often, as kube's event recorder aggregates it.
  const repeat =
    cur && want.kind === "Event" && want.metadata.annotations?.[COUNT_REPEATS_ANNOTATION] === "true"
      ? { firstTimestamp: cur.firstTimestamp ?? want.firstTimestamp, count: Number(cur.count ?? 1) + 1 }
      : {};
  return { outcome: "applied", next: { ...want, ...repeat, metadata } };
}

const nowRfc3339 = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/**
 * Consumes EVK_STATUS for one cluster: adopts status reports into their virtual objects, deletes virtual
 * objects whose host twin is gone, and applies the objects syncers own (nodes, events).
 */
export function startStatusIngest(o: {
  js: JetStreamClient;
  jsm: JetStreamManager;
  store: Store;
  cluster: string;
  log: Logger;
  registry: Registry;
  /** The OpenAPI definitions the writers' managedFields are typed by (kinds without one are deduced). */
  definitions?: () => Record<string, unknown> | undefined;
}): Promise<RunningConsumer> {
  const fields = new FieldManager({ definitions: o.definitions ?? (() => undefined), decode: (_t, obj) => obj });
  const outcomes = counter(o.registry, "evk_status_reports_total", "Status reports by action and outcome", [
    "action",
    "outcome",
  ]);
  const record = (action: string, outcome: IngestOutcome | "refused", report: StatusReport) => {
    outcomes.inc({ action, outcome });
    if (outcome !== "applied")
      o.log.debug({ ...report, status: undefined, object: undefined, outcome }, "status report dropped");
  };
  return startConsumer({
    kind: "st",
    js: o.js,
    jsm: o.jsm,
    name: `apiserver-status-${o.cluster}`,
    // Reports for one object may be applied in any order: the host revision check drops the older one.
    concurrency: 32,
    cluster: o.cluster,
    log: o.log,
    registry: o.registry,
    handler: async (report, msg) => {
      const { group, resource } = parseSubject(msg.subject);
      const ref = { group, resource, namespace: report.namespace || undefined, name: report.name };
      const action = report.action ?? "status";
      if (action === "apply") {
        if (!APPLY_RESOURCES.has(`${group}/${resource}`)) {
          o.log.warn({ group, resource, name: report.name }, "refused an apply report for a kind syncers do not own");
          return record(action, "refused", report);
        }
        let outcome: IngestOutcome = "applied";
        const next = (cur: KubeObject | undefined) => {
          const r = applyObjectReport(cur, report, { uid: randomUUID(), now: nowRfc3339() });
          outcome = r.outcome;
          return r.next as KubeObject;
        };
        try {
          await o.store.guaranteedUpdate(ref, next);
        } catch (err) {
          if (!isStatusError(err, "NotFound")) throw err;
          try {
            await o.store.create(ref, next(undefined));
          } catch (e) {
            // Created meanwhile by an earlier delivery: the redelivery updates it.
            if (isStatusError(e, "AlreadyExists")) throw new Error("created concurrently; retrying");
            throw e;
          }
        }
        return record(action, outcome, report);
      }
      if (action === "delete") {
        let outcome: IngestOutcome = "applied";
        try {
          await deleteHonouringFinalizers(o.store, { group, resource }, ref, {
            // A host pod being deleted with a grace period: the virtual pod terminates with it.
            gracePeriod: () => report.gracePeriodSeconds ?? 0,
            check: (cur) => {
              const mirrors = cur.metadata.annotations?.[HOST_UID_ANNOTATION];
              if (cur.metadata.uid !== report.uid && mirrors !== report.uid) throw new OtherUid();
            },
          });
        } catch (err) {
          if (err instanceof OtherUid) outcome = "other-uid";
          else if (isStatusError(err, "NotFound")) outcome = "gone";
          else throw err;
        }
        return record(action, outcome, report);
      }
      let outcome: IngestOutcome = "applied";
      try {
        await o.store.guaranteedUpdate(ref, (cur) => {
          const r = applyStatusReport(cur, report);
          outcome = r.outcome;
          // Unchanged for dropped reports: a no-op write writes nothing.
          if (r.outcome !== "applied") return r.next;
          return withWritersEntries(fields, group, resource, cur, r.next, report.fields !== undefined);
        });
      } catch (err) {
        if (!isStatusError(err, "NotFound")) throw err;
        outcome = "gone";
      }
      record(action, outcome, report);
    },
  });
}

class OtherUid extends Error {}
