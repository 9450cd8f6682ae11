import type { Projection } from "@evk/events";
import type { KubeObject } from "@evk/kube";
import { type HostInformer, isHostError, type ReconcileResult, type Syncer } from "@evk/syncer-runtime";
import {
  checkPodSecurity,
  HOST_REVISION_ANNOTATION,
  hostName,
  OBJECT_UID_ANNOTATION,
  podReferences,
  podResize,
  podUpdates,
  serviceAccountTokenRequests,
  translatePod,
  virtualPodStatus,
} from "@evk/translate";
import type { V1Pod, V1Service } from "@kubernetes/client-node";
import { workKey } from "./keys.ts";
import type { ReferenceIndex } from "./references.ts";

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

export type TokenSource = (req: {
  namespace: string;
  serviceAccountName: string;
  podName: string;
  podUid: string;
  audiences: string[];
  expirationSeconds: number;
}) => Promise<{ token: string }>;

export interface PodSyncOptions {
  syncer: Syncer;
  pods: Projection;
  services: Projection;
  namespaces: Projection;
  hostPods: HostInformer<V1Pod>;
  hostServices: HostInformer<V1Service>;
  refs: ReferenceIndex;
  policy: PodSecurityLevel;
  /** The host Service in front of the virtual apiserver: pods reach "kubernetes" through its ClusterIP. */
  apiserverService: string;
  /** The host Service of the cluster's DNS, when it has one. */
  dnsService: string;
  clusterDomain: string;
  hostServiceAccount: string;
  tokens: TokenSource;
}

/** Thrown for pods that cannot go to the host as they are; they get a Warning Event and a condition. */
export class PodRefused extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

const podRef = (hostNamespace: string, name: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  name,
  namespace: hostNamespace,
});

/**
 * One virtual pod against its host twin, level-triggered: create the twin, keep the fields that may
 * change in step, report host status back, and carry deletions both ways as vcluster does.
 */
export class PodSync {
  private readonly o: PodSyncOptions;
  private readonly cluster: string;
  private readonly hostNamespace: string;
  /** Per pod key: the virtual pod's uid, generation, labels and annotations, and the twin's generation, last found in step. */
  private readonly inStep = new Map<string, string>();

  constructor(o: PodSyncOptions) {
    this.o = o;
    this.cluster = o.syncer.config.cluster;
    this.hostNamespace = o.syncer.config.hostNamespace;
  }

  private virtualPod(namespace: string, name: string): KubeObject | undefined {
    return this.o.pods.get(`${this.cluster}/core/pods/${namespace}/${name}`);
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileResult | undefined> {
    const { syncer, hostPods } = this.o;
    const vPod = this.virtualPod(namespace, name);
    const hName = hostName(this.cluster, namespace, name);
    const hPod = hostPods.get(hName, this.hostNamespace);
    const key = workKey("pod", namespace, name);

    if (!vPod) {
      this.trackReferences(key, undefined);
      this.inStep.delete(key);
      // The virtual pod is gone: so goes its twin (only ours: same identity annotation).
      // Once it is terminating there, asking again only costs the host a request per status change.
      if (hPod && !hPod.metadata?.deletionTimestamp && hPod.metadata?.annotations?.["evk.dev/object-name"] === name)
        await syncer.host.delete(podRef(this.hostNamespace, hName), { uid: hPod.metadata?.uid });
      return;
    }
    const uid = vPod.metadata.uid as string;
    this.trackReferences(key, vPod);

    if (vPod.metadata.deletionTimestamp) {
      if (hPod && !hPod.metadata?.deletionTimestamp) {
        await syncer.host.delete(podRef(this.hostNamespace, hName), {
          uid: hPod.metadata?.uid,
          gracePeriodSeconds: vPod.metadata.deletionGracePeriodSeconds ?? undefined,
        });
      } else if (!hPod) await this.deleteVirtual(vPod, 0);
      return;
    }

    if (hPod && hPod.metadata?.annotations?.[OBJECT_UID_ANNOTATION] !== uid) {
      // Same name, new object (e.g. a StatefulSet pod re-created): the old twin goes first.
      await syncer.host.delete(podRef(this.hostNamespace, hName), { uid: hPod.metadata?.uid, gracePeriodSeconds: 0 });
      return { requeueAfterMs: 500 };
    }

    if (!hPod) {
      // Scheduled or started on the host before, as its reported status shows (a refusal's report
      // says PodScheduled=False; a nodeName the user set says nothing).
      const st = (vPod.status ?? {}) as {
        startTime?: string;
        hostIP?: string;
        conditions?: { type: string; status: string }[];
      };
      const ranBefore =
        Boolean(st.startTime || st.hostIP) ||
        Boolean(st.conditions?.some((c) => c.type === "PodScheduled" && c.status === "True"));
      if (ranBefore) {
        // Its twin vanished from the host: a pod never runs twice, so the virtual pod goes too.
        await this.deleteVirtual(vPod, 0);
        return;
      }
      await this.create(vPod, hName);
      return;
    }

    if (hPod.metadata?.deletionTimestamp) {
      // Deleted on the host (evicted, drained): report how it ended, then delete the virtual pod.
      await this.reportStatus(vPod, hPod);
      await this.deleteVirtual(
        vPod,
        (vPod.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds ?? 30,
      );
      return;
    }

    // Host status changes (scheduled, started, ready) are most of what brings a running pod here; the
    // twin's spec and metadata only need a look when the virtual pod or the twin's own spec moved.
    // Not the resourceVersion: every status report the apiserver applies moves it.
    const { [HOST_REVISION_ANNOTATION]: _applied, ...annotations } = vPod.metadata.annotations ?? {};
    const inStep = JSON.stringify([
      uid,
      vPod.metadata.generation,
      // Added through their own subresource, which need not move the generation.
      (vPod.spec as { ephemeralContainers?: unknown[] }).ephemeralContainers?.length,
      vPod.metadata.labels,
      annotations,
      hPod.metadata?.generation,
    ]);
    if (this.inStep.get(key) === inStep) {
      await this.reportStatus(vPod, hPod);
      return;
    }
    // A resize first, through the host's own resize subresource; the rest then applies to its result.
    let twin = hPod;
    const resized = podResize(vPod as never, hPod as never) as V1Pod | undefined;
    if (resized) twin = await this.resize(vPod, hName, hPod, resized);
    let desired = podUpdates(vPod as never, twin as never, await this.context(vPod)) as V1Pod | undefined;
    const added = (desired?.spec?.ephemeralContainers?.length ?? 0) > (hPod.spec?.ephemeralContainers?.length ?? 0);
    if (desired && added) {
      // Only the ephemeralcontainers subresource may add them; the rest follows as an update.
      const withDebug = await syncer.host.replaceEphemeralContainers({
        ...twin,
        metadata: { ...twin.metadata, name: hName, namespace: this.hostNamespace },
        spec: { ...(twin.spec as V1Pod["spec"] & object), ephemeralContainers: desired.spec?.ephemeralContainers },
      });
      desired = podUpdates(vPod as never, withDebug as never, await this.context(vPod)) as V1Pod | undefined;
    }
    if (desired) await syncer.host.replace({ ...desired, apiVersion: "v1", kind: "Pod" });
    else this.inStep.set(key, inStep);
    await this.reportStatus(vPod, twin);
    return;
  }

  /**
   * Carries a resize to the host pod. A host that refuses it (a node without in-place resize, say) gets a
   * Warning Event on the virtual pod, which keeps running as it is; the resize is tried again when the pod
   * changes.
   */
  private async resize(vPod: KubeObject, hName: string, hPod: V1Pod, resized: V1Pod): Promise<V1Pod> {
    try {
      return await this.o.syncer.host.resizePod({
        ...resized,
        metadata: { ...resized.metadata, name: hName, namespace: this.hostNamespace },
      });
    } catch (err) {
      if (!(isHostError(err, 400) || isHostError(err, 403) || isHostError(err, 422))) throw err;
      const message = err.message.replaceAll(hName, vPod.metadata.name as string);
      await this.o.syncer.status.event(
        { ...vPod, apiVersion: "v1", kind: "Pod" },
        "Warning",
        "SyncError",
        `the host refused to resize pod ${vPod.metadata.name}: ${message}`,
      );
      return hPod;
    }
  }

  private trackReferences(key: string, vPod: KubeObject | undefined): void {
    const refs: string[] = [];
    if (vPod) {
      const ns = vPod.metadata.namespace as string;
      const r = podReferences(vPod as never);
      for (const c of r.configMaps) refs.push(workKey("configmap", ns, c));
      for (const s of r.secrets) refs.push(workKey("secret", ns, s));
    }
    for (const changed of this.o.refs.set(key, refs)) this.o.syncer.enqueue(changed);
  }

  private async create(vPod: KubeObject, hName: string): Promise<void> {
    const { syncer } = this.o;
    // Host messages name host objects; the user knows the virtual ones.
    const hostToVirtual = (m: string) =>
      m
        .replaceAll(`${this.hostNamespace}/${hName}`, `${vPod.metadata.namespace}/${vPod.metadata.name}`)
        .replaceAll(hName, vPod.metadata.name as string);
    const violations = checkPodSecurity(vPod as never, this.o.policy);
    if (violations.length > 0) {
      throw new PodRefused(
        "PodSecurity",
        `pod ${vPod.metadata.name} is forbidden by the cluster's "${this.o.policy}" pod security policy: ${violations.join(", ")}`,
      );
    }
    const ctx = await this.context(vPod, true);
    const out = translatePod(vPod as never, ctx);
    if (!out.ok) throw new PodRefused(out.reason, out.message);
    // What the pod mounts must be on the host first, or the host kubelet waits on it.
    for (const c of out.references.configMaps) await this.onReferenced("configmap", vPod, c);
    for (const s of out.references.secrets) await this.onReferenced("secret", vPod, s);
    try {
      await syncer.host.create({ ...(out.pod as V1Pod), apiVersion: "v1", kind: "Pod" });
      syncer.log.info({ pod: `${vPod.metadata.namespace}/${vPod.metadata.name}`, host: hName }, "host pod created");
    } catch (err) {
      // Created by an earlier attempt the informer has not shown us yet: the next look sees it.
      if (isHostError(err, 409)) return;
      // The host refuses the pod as it is (admission, validation, quota): retrying changes nothing.
      if (isHostError(err, 400) || isHostError(err, 403) || isHostError(err, 422))
        throw new PodRefused(
          "HostRejected",
          `the host refused pod ${vPod.metadata.name}: ${hostToVirtual(err.message)}`,
        );
      throw err;
    }
  }

  /** Hook for dependency syncing (set by main): ensures a configmap or secret is on the host. */
  onReferenced: (kind: "configmap" | "secret", vPod: KubeObject, name: string) => Promise<void> = async () => {};

  /** What translation needs; tokens only when creating (a running pod's volumes cannot change). */
  private async context(vPod: KubeObject, withTokens = false) {
    const { hostServices, syncer } = this.o;
    const ns = vPod.metadata.namespace as string;
    const apiserverIP = hostServices.get(this.o.apiserverService, this.hostNamespace)?.spec?.clusterIP;
    if (!apiserverIP) {
      throw new PodRefused(
        "WaitingForApiserverService",
        `waiting for the host Service ${this.hostNamespace}/${this.o.apiserverService} of the virtual apiserver`,
      );
    }
    const dnsIP = hostServices.get(this.o.dnsService, this.hostNamespace)?.spec?.clusterIP;
    const services: KubeObject[] = [];
    for (const [, svc] of this.o.services.entries()) if (svc.metadata.namespace === ns) services.push(svc);
    const nsObj = this.o.namespaces.get(`${this.cluster}/core/namespaces//${ns}`);
    const tokens: Record<string, string> = {};
    for (const t of withTokens ? serviceAccountTokenRequests(vPod as never) : []) {
      const got = await this.o.tokens({
        namespace: ns,
        serviceAccountName: ((vPod.spec as { serviceAccountName?: string }).serviceAccountName || "default") as string,
        podName: vPod.metadata.name as string,
        podUid: vPod.metadata.uid as string,
        audiences: t.audiences,
        expirationSeconds: t.expirationSeconds,
      });
      tokens[t.id] = got.token;
    }
    return {
      cluster: this.cluster,
      hostNamespace: this.hostNamespace,
      clusterDomain: this.o.clusterDomain,
      apiserverServiceIP: apiserverIP,
      ...(dnsIP && dnsIP !== "None" ? { dnsServiceIP: dnsIP } : {}),
      services: services as never[],
      namespaceLabels: nsObj?.metadata.labels ?? {},
      tokens,
      hostServiceAccountName: this.o.hostServiceAccount,
      _syncer: syncer.name,
    };
  }

  private async reportStatus(vPod: KubeObject, hPod: V1Pod): Promise<void> {
    const hostRevision = Number(hPod.metadata?.resourceVersion);
    const applied = Number(vPod.metadata.annotations?.[HOST_REVISION_ANNOTATION] ?? 0);
    if (!Number.isSafeInteger(hostRevision) || hostRevision <= applied) return;
    const status = virtualPodStatus(vPod as never, hPod as never) as Record<string, unknown>;
    const nodeName = hPod.spec?.nodeName;
    const vNode = (vPod.spec as { nodeName?: string }).nodeName;
    await this.o.syncer.status.publish("", {
      resource: "pods",
      namespace: vPod.metadata.namespace as string,
      name: vPod.metadata.name as string,
      uid: vPod.metadata.uid as string,
      hostRevision,
      status,
      // The host scheduled it: the virtual pod is bound to the same node name.
      ...(nodeName && !vNode ? { fields: { nodeName } } : {}),
    });
  }

  private deleteVirtual(vPod: KubeObject, gracePeriodSeconds: number): Promise<void> {
    return this.o.syncer.status.deleteVirtual("", "pods", vPod, gracePeriodSeconds);
  }
}
