import type { KubeObject } from "@evk/kube";
import type { Syncer } from "@evk/syncer-runtime";
import { appliedFingerprint, HOST_UID_ANNOTATION } from "@evk/translate";

/**
 * Writes objects the host side owns in the virtual cluster (fake volumes, mirrored classes, imported volumes) through
 * "apply" and "delete" reports, and remembers what it sent so a projection that has not caught up with its own write
 * yet does not cause the same write again.
 */
export class VirtualWriter {
  private readonly syncer: Syncer;
  private readonly group: string;
  private readonly resource: string;
  /** name → fingerprint sent, and the virtual resourceVersion it was sent against. */
  private readonly sent = new Map<string, { fp: string; against: string | undefined }>();

  constructor(syncer: Syncer, group: string, resource: string) {
    this.syncer = syncer;
    this.group = group;
    this.resource = resource;
  }

  /** Makes the virtual object `cur` (cluster-scoped, by name) look like `want`, on behalf of host object `hostUid`. */
  async apply(name: string, cur: KubeObject | undefined, want: KubeObject, hostUid: string): Promise<boolean> {
    const fp = appliedFingerprint(want as never);
    if (cur && appliedFingerprint(cur as never) === fp) {
      this.sent.delete(name);
      return false;
    }
    const last = this.sent.get(name);
    if (last && last.fp === fp && last.against === cur?.metadata.resourceVersion) return false;
    await this.syncer.status.publish(this.group, {
      resource: this.resource,
      namespace: "",
      name,
      uid: hostUid,
      hostRevision: Date.now(),
      status: {},
      action: "apply",
      object: want,
    });
    this.sent.set(name, { fp, against: cur?.metadata.resourceVersion });
    return true;
  }

  /** Deletes the virtual object, named by the host object it mirrors (or its own uid when it mirrors none). */
  async delete(name: string, cur: KubeObject): Promise<void> {
    this.sent.delete(name);
    if (cur.metadata.deletionTimestamp) return;
    await this.syncer.status.publish(this.group, {
      resource: this.resource,
      namespace: "",
      name,
      uid: cur.metadata.annotations?.[HOST_UID_ANNOTATION] ?? (cur.metadata.uid as string),
      hostRevision: Date.now(),
      status: {},
      action: "delete",
    });
  }
}
