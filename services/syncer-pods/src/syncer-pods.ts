import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { requestToken } from "@evk/events";
import type { KubeObject } from "@evk/kube";
import { Syncer, type SyncerWiring } from "@evk/syncer-runtime";
import { HOST_REVISION_ANNOTATION, MANAGED_BY_LABEL, virtualEventFor, virtualIdentity } from "@evk/translate";
import type { CoreV1Event, V1ConfigMap, V1Pod, V1Secret, V1Service } from "@kubernetes/client-node";
import { ContainerStreams } from "./container-streams.ts";
import { DependencySync } from "./dependency-sync.ts";
import { parseWorkKey, workKey } from "./keys.ts";
import { NodeSync } from "./node-sync.ts";
import { PodRefused, type PodSecurityLevel, PodSync } from "./pod-sync.ts";
import { ReferenceIndex } from "./references.ts";

export interface PodSyncerSettings {
  policy: PodSecurityLevel;
  apiserverService: string;
  dnsService: string;
  clusterDomain: string;
  hostServiceAccount: string;
  /** The virtual nodes' kubelet API (container-streams.ts): where it listens and its TLS files. */
  kubelet?: { address: { host: string; port: number }; certFile: string; keyFile: string; clientCAFile: string };
}

const core = (resource: string) => ({ group: "", resource });

/** Whether two states of a pod differ only in what the status ingest writes (status, the host revision). */
export function sameExceptStatus(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { [HOST_REVISION_ANNOTATION]: _r, ...annotations } = o.metadata.annotations ?? {};
    const { resourceVersion: _v, managedFields: _m, ...metadata } = o.metadata;
    const { status: _s, ...rest } = o;
    return { ...rest, metadata: { ...metadata, annotations } };
  };
  return isDeepStrictEqual(strip(a), strip(b));
}

/** Wires syncer-pods: views, informers and the three reconcilers behind one work queue. */
export async function createPodSyncer(
  o: SyncerWiring<PodSyncerSettings>,
): Promise<{ start(): Promise<void>; stop(): Promise<void> }> {
  const syncer = await Syncer.open("syncer-pods", o);
  const { cluster, hostNamespace } = o.config;
  const refs = new ReferenceIndex();
  const managed = `${MANAGED_BY_LABEL}=${cluster}`;
  /** The virtual object a host object of ours stands for. */
  const identity = (h: { metadata?: unknown }) => virtualIdentity(h as never, cluster, hostNamespace);

  const onDependency = (kind: "configmap" | "secret") => (env: { namespace: string; name: string }) => {
    const k = workKey(kind, env.namespace, env.name);
    if (refs.used(k)) syncer.enqueue(k);
  };
  const pods = syncer.virtual(core("pods"));
  const services = syncer.virtual(core("services"));
  const namespaces = syncer.virtual(core("namespaces"));
  const configMaps = syncer.virtual(core("configmaps"), onDependency("configmap"));
  const secrets = syncer.virtual(core("secrets"), onDependency("secret"));
  const nodes = syncer.virtual(core("nodes"));

  const hostPods = syncer.hostInformer<V1Pod>({
    apiVersion: "v1",
    kind: "Pod",
    plural: "pods",
    labelSelector: managed,
    onChange: (_type, p) => {
      const id = identity(p);
      if (id) syncer.enqueue(workKey("pod", id.namespace, id.name));
      if (p.spec?.nodeName) syncer.enqueue(workKey("node", undefined, p.spec.nodeName));
    },
  });
  const hostServices = syncer.hostInformer<V1Service>({
    apiVersion: "v1",
    kind: "Service",
    plural: "services",
    labelSelector: "",
    onChange: (_type, s) => {
      // The apiserver's (or DNS) Service got its address: pods waiting for it can go.
      const name = s.metadata?.name;
      if (name === o.settings.apiserverService || name === o.settings.dnsService) syncer.resyncAll();
    },
  });
  const onHostDependency = (kind: "configmap" | "secret") => (_t: string, h: { metadata?: unknown }) => {
    const id = identity(h);
    if (id) syncer.enqueue(workKey(kind, id.namespace, id.name));
  };
  const hostConfigMaps = syncer.hostInformer<V1ConfigMap>({
    apiVersion: "v1",
    kind: "ConfigMap",
    plural: "configmaps",
    labelSelector: managed,
    onChange: onHostDependency("configmap"),
  });
  const hostSecrets = syncer.hostInformer<V1Secret>({
    apiVersion: "v1",
    kind: "Secret",
    plural: "secrets",
    labelSelector: managed,
    onChange: onHostDependency("secret"),
  });

  const virtualPod = (ns: string, name: string): KubeObject | undefined =>
    pods.get(`${cluster}/core/pods/${ns}/${name}`);

  // Host Events about the cluster's pods (scheduling, pulls, kills) show up on the virtual pods.
  const copyHostEvent = async (ev: CoreV1Event) => {
    const io = ev.involvedObject;
    if (io?.kind !== "Pod" || !io.name) return;
    const hPod = hostPods.get(io.name, hostNamespace);
    const id = hPod ? identity(hPod) : undefined;
    const vPod = id ? virtualPod(id.namespace, id.name) : undefined;
    if (!id || !vPod) return;
    const object = virtualEventFor(
      ev,
      {
        namespace: id.namespace,
        name: id.name,
        uid: vPod.metadata.uid,
        resourceVersion: vPod.metadata.resourceVersion,
      },
      { namespace: hostNamespace, name: io.name },
    );
    await syncer.status.publish("", {
      resource: "events",
      namespace: id.namespace,
      name: object.metadata?.name as string,
      uid: ev.metadata?.uid ?? "",
      hostRevision: Number(ev.metadata?.resourceVersion),
      status: {},
      action: "apply",
      object: JSON.parse(JSON.stringify({ ...object, apiVersion: "v1", kind: "Event" })),
    });
  };
  syncer.hostInformer<CoreV1Event>({
    apiVersion: "v1",
    kind: "Event",
    plural: "events",
    labelSelector: "",
    onChange: (type, ev) => {
      if (type === "delete") return; // virtual Events age out on their own
      copyHostEvent(ev).catch((err: Error) => o.log.warn({ err: err.message }, "could not copy a host event"));
    },
  });

  const podSync = new PodSync({
    syncer,
    pods,
    services,
    namespaces,
    hostPods,
    hostServices,
    refs,
    policy: o.settings.policy,
    apiserverService: o.settings.apiserverService,
    dnsService: o.settings.dnsService,
    clusterDomain: o.settings.clusterDomain,
    hostServiceAccount: o.settings.hostServiceAccount,
    tokens: (req) => requestToken(syncer.nc, cluster, req),
  });
  const deps = new DependencySync({ syncer, configMaps, secrets, hostConfigMaps, hostSecrets, refs });
  podSync.onReferenced = (kind, vPod, name) => deps.ensure(kind, vPod.metadata.namespace as string, name);
  const nodeSync = new NodeSync({ syncer, nodes, hostPods });

  /** A pod that cannot go to the host: a Warning Event and a PodScheduled=False condition say why. */
  const refuse = async (ns: string, name: string, reason: string, message: string) => {
    const vPod = virtualPod(ns, name);
    if (!vPod) return;
    await syncer.status.event({ ...vPod, apiVersion: "v1", kind: "Pod" }, "Warning", "SyncError", message);
    const conditions = [
      {
        type: "PodScheduled",
        status: "False",
        reason,
        message,
        lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      },
    ];
    // Host revision 1: any real host status that comes later replaces it.
    await syncer.status.publish("", {
      resource: "pods",
      namespace: ns,
      name,
      uid: vPod.metadata.uid as string,
      hostRevision: 1,
      status: { ...(vPod.status as object), phase: "Pending", conditions },
    });
  };

  syncer.setController({
    primary: core("pods"),
    keyOf: (ns, name) => workKey("pod", ns, name),
    // The status a pod's twin reported, coming back: nothing for the syncer to do.
    irrelevant: (before, after) => sameExceptStatus(before, after),
    reconcile: async (key) => {
      const k = parseWorkKey(key);
      switch (k.kind) {
        case "pod":
          try {
            return await podSync.reconcile(k.namespace, k.name);
          } catch (err) {
            if (!(err instanceof PodRefused)) throw err;
            await refuse(k.namespace, k.name, err.reason, err.message);
            // Waiting for something that will come: look again; a refusal stays until the pod changes.
            return err.reason.startsWith("Waiting") ? { requeueAfterMs: 5_000 } : undefined;
          }
        case "configmap":
        case "secret":
          await deps.reconcile(k.kind, k.namespace, k.name);
          return undefined;
        case "node":
          await nodeSync.reconcile(k.name);
          return undefined;
      }
    },
    extraKeys: function* () {
      for (const p of hostPods.list()) {
        const id = identity(p);
        if (id) yield workKey("pod", id.namespace, id.name);
        if (p.spec?.nodeName) yield workKey("node", undefined, p.spec.nodeName);
      }
      for (const [, n] of nodes.entries()) yield workKey("node", undefined, n.metadata.name as string);
      for (const [kind, inf] of [
        ["configmap", hostConfigMaps],
        ["secret", hostSecrets],
      ] as const) {
        for (const h of inf.list()) {
          const id = identity(h);
          if (id) yield workKey(kind, id.namespace, id.name);
        }
      }
    },
    onGiveUp: async (key, err) => {
      const k = parseWorkKey(key);
      if (k.kind !== "pod") return;
      await refuse(k.namespace, k.name, "SyncError", err.message);
    },
  });
  const kubelet = o.settings.kubelet;
  if (!kubelet) return syncer;
  const streams = new ContainerStreams({
    cluster,
    hostNamespace,
    kubeConfig: syncer.kubeConfig,
    address: kubelet.address,
    tls: {
      cert: readFileSync(kubelet.certFile, "utf8"),
      key: readFileSync(kubelet.keyFile, "utf8"),
      clientCA: readFileSync(kubelet.clientCAFile, "utf8"),
    },
    log: o.log,
    registry: o.registry,
  });
  // Serving before the syncer reports ready: a ready syncer-pods takes streams (they read the host directly).
  return {
    start: async () => {
      await streams.listen();
      await syncer.start();
    },
    stop: async () => {
      await streams.close();
      await syncer.stop();
    },
  };
}
