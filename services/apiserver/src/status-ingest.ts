import { parseSubject, type RunningConsumer, type StatusReport, startConsumer } from "@evk/events";
import { isStatusError, type KubeObject } from "@evk/kube";
import { counter, type Logger, type Registry } from "@evk/observability";
import type { Store } from "@evk/store";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";

/** Where a virtual object remembers the host revision its status came from, so older reports are dropped. */
export const HOST_REVISION_ANNOTATION = "evk.dev/host-resource-version";

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

/** Consumes EVK_STATUS for one cluster and writes each report into its virtual object. */
export function startStatusIngest(o: {
  js: JetStreamClient;
  jsm: JetStreamManager;
  store: Store;
  cluster: string;
  log: Logger;
  registry: Registry;
}): Promise<RunningConsumer> {
  const outcomes = counter(o.registry, "evk_status_reports_total", "Status reports by outcome", ["outcome"]);
  return startConsumer({
    kind: "st",
    js: o.js,
    jsm: o.jsm,
    name: `apiserver-status-${o.cluster}`,
    cluster: o.cluster,
    log: o.log,
    registry: o.registry,
    handler: async (report, msg) => {
      const { group, resource } = parseSubject(msg.subject);
      let outcome: IngestOutcome = "applied";
      try {
        await o.store.guaranteedUpdate(
          { group, resource, namespace: report.namespace || undefined, name: report.name },
          (cur) => {
            const r = applyStatusReport(cur, report);
            outcome = r.outcome;
            return r.next; // unchanged for dropped reports: a no-op write writes nothing
          },
        );
      } catch (err) {
        if (!isStatusError(err, "NotFound")) throw err;
        outcome = "gone";
      }
      outcomes.inc({ outcome });
      if (outcome !== "applied") o.log.debug({ ...report, status: undefined, outcome }, "status report dropped");
    },
  });
}
