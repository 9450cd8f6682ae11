import type { Projection } from "@evk/events";
import type { KubeObject } from "@evk/kube";
import { type HostInformer, isHostError, type Syncer } from "@evk/syncer-runtime";
import {
  ENDPOINT_SLICE_CONTROLLER,
  ENDPOINT_SLICE_KIND,
  ENDPOINT_SLICE_MANAGED_BY_LABEL,
  ENDPOINTS_KIND,
  endpointsUpdate,
  HOST_REVISION_ANNOTATION,
  HOST_UID_ANNOTATION,
  hasSelector,
  hostName,
  OBJECT_NAME_ANNOTATION,
  SERVICE_NAME_LABEL,
  sameEndpointContent,
  servesEndpoints,
  translateEndpointSlice,
  translateEndpoints,
  virtualEndpointSlicesFor,
  virtualEndpointsFor,
  virtualIdentity,
} from "@evk/translate";
import type { V1EndpointSlice, V1Endpoints, V1Pod, V1Service } from "@kubernetes/client-node";
import { workKey } from "./keys.ts";

export interface EndpointsSyncOptions {
  syncer: Syncer;
  services: Projection;
  pods: Projection;
  endpoints: Projection;
  slices: Projection;
  hostEndpoints: HostInformer<V1Endpoints>;
  hostSlices: HostInformer<V1EndpointSlice>;
}

const DISCOVERY = "discovery.k8s.io";

/** Objects evk applied into the virtual cluster carry the UID of what they mirror. */
const appliedByEvk = (o: KubeObject | undefined) => Boolean(o?.metadata.annotations?.[HOST_UID_ANNOTATION]);

/**
 * Endpoints and EndpointSlices, in the direction vcluster syncs them (§3.4):
 * - a Service with a selector gets the Endpoints and EndpointSlices kube's controllers would write, computed
 *   from the virtual pods and applied into the virtual cluster (its host twin gets the host controllers');
 * - a Service without one has user-maintained Endpoints / EndpointSlices, copied to the host.
 */
export class EndpointsSync {
  private readonly o: EndpointsSyncOptions;
  private readonly cluster: string;
  private readonly hostNamespace: string;
  /** What this process last applied per virtual object, so a burst of pod changes is not applied twice. */
  private readonly inFlight = new Map<string, { fingerprint: string; at: number }>();

  constructor(o: EndpointsSyncOptions) {
    this.o = o;
    this.cluster = o.syncer.config.cluster;
    this.hostNamespace = o.syncer.config.hostNamespace;
  }

  private get<T = KubeObject>(view: Projection, group: string, resource: string, ns: string, name: string) {
    return view.get(`${this.cluster}/${group || "core"}/${resource}/${ns}/${name}`) as T | undefined;
  }

  /** The virtual EndpointSlices labelled as belonging to one Service. */
  private slicesOf(namespace: string, service: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const [, s] of this.o.slices.entries())
      if (s.metadata.namespace === namespace && s.metadata.labels?.[SERVICE_NAME_LABEL] === service) out.push(s);
    return out;
  }

  /** Services whose Endpoints a change to this pod may change: those selecting it now or listing it. */
  *servicesAffectedBy(pod: KubeObject): Iterable<string> {
    const ns = pod.metadata.namespace as string;
    const name = pod.metadata.name as string;
    const labels = pod.metadata.labels ?? {};
    for (const [, svc] of this.o.services.entries()) {
      if (svc.metadata.namespace !== ns || !servesEndpoints(svc as V1Service)) continue;
      const selector = (svc.spec as { selector?: Record<string, string> }).selector ?? {};
      const svcName = svc.metadata.name as string;
      if (Object.entries(selector).every(([k, v]) => labels[k] === v)) {
        yield svcName;
        continue;
      }
      const ep = this.get<V1Endpoints>(this.o.endpoints, "", "endpoints", ns, svcName);
      const listed = (ep?.subsets ?? []).some((s) =>
        [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])].some((a) => a.targetRef?.name === name),
      );
      if (listed) yield svcName;
    }
  }

  async reconcile(namespace: string, name: string): Promise<void> {
    if (namespace === "default" && name === "kubernetes") return; // the apiserver keeps its own
    const svc = this.get<V1Service>(this.o.services, "", "services", namespace, name);
    const computed = svc && servesEndpoints(svc) && !svc.metadata?.deletionTimestamp;
    if (computed) await this.applyComputed(svc, namespace, name);
    else await this.removeComputed(namespace, name);
    await this.mirrorEndpoints(svc, namespace, name, Boolean(computed));
    // User EndpointSlices of this Service follow whether it has a selector.
    for (const s of this.slicesOf(namespace, name))
      if (!appliedByEvk(s)) this.o.syncer.enqueue(workKey("slice", namespace, s.metadata.name as string));
  }

  private async applyComputed(svc: V1Service, namespace: string, name: string): Promise<void> {
    const pods: V1Pod[] = [];
    for (const [, p] of this.o.pods.entries()) if (p.metadata.namespace === namespace) pods.push(p as V1Pod);
    const uid = svc.metadata?.uid as string;
    const ep = virtualEndpointsFor(svc, pods);
    const cur = this.get(this.o.endpoints, "", "endpoints", namespace, name);
    if (!sameEndpointContent(ep, cur)) await this.apply("", "endpoints", ep as KubeObject, cur, uid);
    const want = virtualEndpointSlicesFor(svc, pods);
    const names = new Set(want.map((s) => s.metadata?.name));
    for (const s of want) {
      const curSlice = this.get(this.o.slices, DISCOVERY, "endpointslices", namespace, s.metadata?.name as string);
      if (!sameEndpointContent(s, curSlice))
        await this.apply(DISCOVERY, "endpointslices", s as unknown as KubeObject, curSlice, uid);
    }
    for (const s of this.slicesOf(namespace, name)) {
      const controllerMade = s.metadata.labels?.[ENDPOINT_SLICE_MANAGED_BY_LABEL] === ENDPOINT_SLICE_CONTROLLER;
      if (controllerMade && appliedByEvk(s) && !names.has(s.metadata.name))
        await this.deleteVirtual(DISCOVERY, "endpointslices", s);
    }
  }

  /** The Service is gone, has no selector or is ExternalName: what evk computed for it goes. */
  private async removeComputed(namespace: string, name: string): Promise<void> {
    const ep = this.get(this.o.endpoints, "", "endpoints", namespace, name);
    if (ep && appliedByEvk(ep)) await this.deleteVirtual("", "endpoints", ep);
    for (const s of this.slicesOf(namespace, name)) {
      if (s.metadata.labels?.[ENDPOINT_SLICE_MANAGED_BY_LABEL] === ENDPOINT_SLICE_CONTROLLER && appliedByEvk(s))
        await this.deleteVirtual(DISCOVERY, "endpointslices", s);
    }
  }

  /** Host Endpoints: a copy of the user's for a selector-less Service, else none of ours. */
  private async mirrorEndpoints(svc: V1Service | undefined, namespace: string, name: string, computed: boolean) {
    const { syncer } = this.o;
    const hName = hostName(this.cluster, namespace, name);
    const h = this.o.hostEndpoints.get(hName, this.hostNamespace);
    const ref = { apiVersion: "v1", kind: "Endpoints", name: hName, namespace: this.hostNamespace };
    const v = this.get<V1Endpoints>(this.o.endpoints, "", "endpoints", namespace, name);
    const mirrored = svc && !hasSelector(svc) && v && !appliedByEvk(v as unknown as KubeObject) && !computed;
    if (!mirrored) {
      // With a selector the host controller owns them: one we wrote earlier goes so it rebuilds it.
      if (
        h?.metadata?.annotations?.[OBJECT_NAME_ANNOTATION] !== undefined &&
        this.ours(h, ENDPOINTS_KIND, namespace, name)
      )
        await syncer.host.delete(ref, { uid: h.metadata?.uid });
      return;
    }
    const desired = translateEndpoints(v, { cluster: this.cluster, hostNamespace: this.hostNamespace });
    await this.writeHost(ref, desired, h, (x) => this.ours(x, ENDPOINTS_KIND, namespace, name));
  }

  /** One user-maintained virtual EndpointSlice: on the host while its Service has no selector. */
  async reconcileSlice(namespace: string, name: string): Promise<void> {
    const { syncer } = this.o;
    const v = this.get<V1EndpointSlice>(this.o.slices, DISCOVERY, "endpointslices", namespace, name);
    const hName = hostName(this.cluster, namespace, name);
    const h = this.o.hostSlices.get(hName, this.hostNamespace);
    const ref = {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      name: hName,
      namespace: this.hostNamespace,
    };
    const service = v?.metadata?.labels?.[SERVICE_NAME_LABEL];
    // The apiserver keeps default/kubernetes's slice itself; it points at an address only it serves.
    const own = namespace === "default" && service === "kubernetes";
    const svc = service && !own ? this.get<V1Service>(this.o.services, "", "services", namespace, service) : undefined;
    if (!v || appliedByEvk(v as unknown as KubeObject) || !svc || hasSelector(svc)) {
      if (h && this.ours(h, ENDPOINT_SLICE_KIND, namespace, name))
        await syncer.host.delete(ref, { uid: h.metadata?.uid });
      return;
    }
    const desired = translateEndpointSlice(v, { cluster: this.cluster, hostNamespace: this.hostNamespace });
    await this.writeHost(ref, desired, h, (x) => this.ours(x, ENDPOINT_SLICE_KIND, namespace, name));
  }

  private ours(h: { metadata?: unknown }, kind: string, namespace: string, name: string): boolean {
    const id = virtualIdentity(h as never, this.cluster, this.hostNamespace, kind);
    return id?.namespace === namespace && id.name === name;
  }

  private async writeHost<T extends V1Endpoints | V1EndpointSlice>(
    ref: { apiVersion: string; kind: string; name: string; namespace: string },
    desired: T,
    h: T | undefined,
    ours: (x: T) => boolean,
  ): Promise<void> {
    const { syncer } = this.o;
    const body = (x: T) => ({ ...x, apiVersion: ref.apiVersion, kind: ref.kind });
    if (!h) {
      try {
        await syncer.host.create(body(desired));
      } catch (err) {
        if (!isHostError(err, 409)) throw err;
        // A host object of that name that is not ours goes first (§3.4); ours shows up in the informer.
        const existing = await syncer.host.get<T>(ref);
        if (existing && !ours(existing)) await syncer.host.delete(ref, { uid: existing.metadata?.uid });
        throw new Error(`host ${ref.kind} ${ref.name} existed; trying again`);
      }
      return;
    }
    const next = endpointsUpdate(desired, h);
    if (next) await syncer.host.replace(body(next));
  }

  private async apply(group: string, resource: string, object: KubeObject, cur: KubeObject | undefined, uid: string) {
    const ns = object.metadata.namespace as string;
    const name = object.metadata.name as string;
    const key = `${resource}/${ns}/${name}`;
    const fingerprint = JSON.stringify(object);
    const last = this.inFlight.get(key);
    // Applied a moment ago and not visible yet: the projection catches up on its own.
    if (last && last.fingerprint === fingerprint && Date.now() - last.at < 10_000) return;
    const applied = Number(cur?.metadata.annotations?.[HOST_REVISION_ANNOTATION] ?? 0);
    const hostRevision = Math.max(Date.now(), applied + 1);
    await this.o.syncer.status.publish(group, {
      resource,
      namespace: ns,
      name,
      uid,
      hostRevision,
      status: {},
      action: "apply",
      object,
    });
    this.inFlight.set(key, { fingerprint, at: Date.now() });
    if (this.inFlight.size > 10_000) this.inFlight.clear();
  }

  private async deleteVirtual(group: string, resource: string, obj: KubeObject): Promise<void> {
    const ns = obj.metadata.namespace as string;
    const name = obj.metadata.name as string;
    this.inFlight.delete(`${resource}/${ns}/${name}`);
    await this.o.syncer.status.publish(group, {
      resource,
      namespace: ns,
      name,
      uid: obj.metadata.annotations?.[HOST_UID_ANNOTATION] ?? (obj.metadata.uid as string),
      hostRevision: Date.now(),
      status: {},
      action: "delete",
    });
  }
}
