import type { Projection } from "@evk/events";
import type { KubeObject } from "@evk/kube";
import type { Syncer } from "@evk/syncer-runtime";
import { FAKE_PV_LABEL, fakePersistentVolume, HOST_UID_ANNOTATION } from "@evk/translate";
import type { V1PersistentVolumeClaim } from "@kubernetes/client-node";
import type { ClaimIndex } from "./claim-index.ts";
import { VirtualWriter } from "./virtual-writer.ts";

/** A fake volume of ours, as opposed to one a tenant created in the virtual cluster under the same name. */
export const isFakeVolume = (pv: KubeObject | undefined) =>
  pv?.metadata.labels?.[FAKE_PV_LABEL] === "true" && pv.metadata.annotations?.[HOST_UID_ANNOTATION] !== undefined;

/**
 * Fake PersistentVolumes (§4.2, the default): one for every volume name a bound virtual claim names, removed as soon
 * as no claim names it. The host volume itself stays invisible to the tenant.
 */
export class FakePvSync {
  private readonly o: { syncer: Syncer; pvcs: Projection; pvs: Projection; claims: ClaimIndex };
  private readonly writer: VirtualWriter;

  constructor(o: FakePvSync["o"]) {
    this.o = o;
    this.writer = new VirtualWriter(o.syncer, "", "persistentvolumes");
  }

  /** The bound claim a volume is shown for (the first by key, should several name it). */
  boundClaim(name: string): (KubeObject & V1PersistentVolumeClaim) | undefined {
    const cluster = this.o.syncer.config.cluster;
    for (const key of this.o.claims.claimsOfVolume(name)) {
      const c = this.o.pvcs.get(`${cluster}/core/persistentvolumeclaims/${key}`) as
        | (KubeObject & V1PersistentVolumeClaim)
        | undefined;
      if (c?.spec?.volumeName === name && (c.status as { phase?: string } | undefined)?.phase === "Bound") return c;
    }
    return undefined;
  }

  async reconcile(name: string): Promise<void> {
    const cur = this.o.pvs.get(`${this.o.syncer.config.cluster}/core/persistentvolumes//${name}`);
    const claim = this.boundClaim(name);
    if (!claim) {
      if (!cur || !isFakeVolume(cur)) return;
      // First Released, as kube's volume controller marks a volume whose claim is gone: kube-controller-manager's
      // PV-protection controller only lets a volume that is not Bound go. The next change deletes it.
      if ((cur.status as { phase?: string } | undefined)?.phase === "Bound") {
        const { resourceVersion: _rv, finalizers: _f, ...metadata } = cur.metadata;
        const released = { ...cur, metadata, status: { ...(cur.status as object), phase: "Released" } };
        await this.writer.apply(name, cur, released, `fake-pv-${name}`);
        return;
      }
      await this.writer.delete(name, cur);
      return;
    }
    // A tenant's own volume of that name is theirs; the claim shows the name either way.
    if (cur && !isFakeVolume(cur)) return;
    const want = fakePersistentVolume(name, claim) as KubeObject;
    await this.writer.apply(name, cur, want, `fake-pv-${name}`);
  }
}
