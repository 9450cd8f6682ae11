import { createHash } from "node:crypto";
import { type StatusReport, subjectFor } from "@evk/events";
import type { KubeObject } from "@evk/kube";
import { counter, type Registry } from "@evk/observability";
import type { JetStreamClient } from "@nats-io/jetstream";

/**
 * Everything a syncer tells the virtual side goes out here as a status report on EVK_STATUS: host
 * status, "delete the virtual object", and objects the host side owns (nodes, events). Syncers hold no
 * virtual-cluster credentials.
 */
export class StatusPublisher {
  private readonly js: JetStreamClient;
  readonly cluster: string;
  private readonly published;

  constructor(o: { js: JetStreamClient; cluster: string; registry: Registry }) {
    this.js = o.js;
    this.cluster = o.cluster;
    this.published = counter(o.registry, "evk_syncer_status_reports_total", "Reports published", [
      "resource",
      "action",
    ]);
  }

  async publish(group: string, r: Omit<StatusReport, "cluster">): Promise<void> {
    const report: StatusReport = { cluster: this.cluster, ...r };
    const subject = subjectFor("st", {
      cluster: this.cluster,
      group,
      resource: r.resource,
      namespace: r.namespace,
      name: r.name,
    });
    await this.js.publish(subject, JSON.stringify(report), {
      // One report per host state: a re-sent report inside the duplicate window is dropped.
      msgID: `${this.cluster}/${group}/${r.resource}/${r.namespace}/${r.name}/${r.uid}/${r.action ?? "status"}/${r.hostRevision}`,
      timeout: 10_000,
    });
    this.published.inc({ resource: r.resource, action: r.action ?? "status" });
  }

  /** Asks the apiserver to delete a virtual object (if it still has this uid): its host twin is gone. */
  async deleteVirtual(group: string, resource: string, v: KubeObject, gracePeriodSeconds?: number): Promise<void> {
    await this.publish(group, {
      resource,
      namespace: v.metadata.namespace ?? "",
      name: v.metadata.name as string,
      uid: v.metadata.uid as string,
      hostRevision: Date.now(),
      status: {},
      action: "delete",
      ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
    });
  }

  /**
   * A Warning (or Normal) Event about a virtual object, as kubectl describe shows it. Its name is derived
   * from the object and the reason, so a repeated failure updates one Event instead of adding more.
   */
  async event(
    involved: KubeObject,
    type: "Warning" | "Normal",
    reason: string,
    message: string,
    source = "evk-syncer",
  ): Promise<void> {
    const ns = involved.metadata.namespace ?? "default";
    const digest = createHash("sha256").update(`${involved.metadata.uid}/${reason}`).digest("hex").slice(0, 16);
    const name = `${involved.metadata.name}.${digest}`;
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const object: KubeObject = {
      apiVersion: "v1",
      kind: "Event",
      // The apiserver counts repeats of this Event (host Events carry their own count).
      metadata: { name, namespace: ns, annotations: { "evk.dev/count-repeats": "true" } },
      involvedObject: {
        apiVersion: involved.apiVersion,
        kind: involved.kind,
        name: involved.metadata.name,
        namespace: ns,
        uid: involved.metadata.uid,
        resourceVersion: involved.metadata.resourceVersion,
      },
      type,
      reason,
      message,
      source: { component: source },
      reportingComponent: source,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    await this.publish("", {
      resource: "events",
      namespace: ns,
      name,
      uid: involved.metadata.uid ?? name,
      hostRevision: Date.now(),
      status: {},
      action: "apply",
      object,
    });
  }
}
