import { prepareHostNamespace } from "@evk/syncer-runtime";
import { KubeConfig } from "@kubernetes/client-node";
import type { Etcd } from "./etcd.ts";
import {
  controllerManagerProcess,
  kubeletLink,
  type LocalApiserver,
  relayProcess,
  startApiserver,
  syncerProcess,
} from "./evk-services.ts";
import type { HostCluster, HostOptions } from "./host.ts";
import { startEtcd, startHost, startNats } from "./index.ts";
import type { ManagedProcess } from "./managed-process.ts";
import type { Nats } from "./nats.ts";

export type SyncerName = "syncer-pods" | "syncer-services" | "syncer-storage";

/** A whole virtual cluster on a real host control plane, as the syncers' end-to-end tests need it. */
export interface VirtualCluster {
  readonly cluster: string;
  readonly hostNamespace: string;
  readonly etcd: Etcd;
  readonly nats: Nats;
  readonly host: HostCluster;
  readonly apiserver: LocalApiserver;
  readonly relay: ManagedProcess;
  readonly syncers: Record<SyncerName, (ManagedProcess & { metricsUrl: string }) | undefined>;
  /** The real kube-controller-manager against the virtual apiserver (unless asked not to run it). */
  readonly controllerManager: ManagedProcess | undefined;
  /** ClusterIP of the host Service in front of the virtual apiserver. */
  readonly apiserverClusterIP: string;
  readonly hostKubeConfig: KubeConfig;
  readonly virtualKubeConfig: KubeConfig;
  stop(): Promise<void>;
}

/**
 * etcd, nats-server and a host control plane with kwok nodes, the cluster's host namespace, its apiserver
 * (with NATS and the host's OpenAPI documents), relay and the given syncers, all started and ready.
 */
export async function startVirtualCluster(o: {
  cluster: string;
  syncers: SyncerName[];
  nodes?: number;
  /**
   * Run kube-controller-manager against the virtual cluster (deployments, garbage collection, the PVC and PV
   * protection finalizers' removal, ...), as `evk up` does; default true.
   */
  controllerManager?: boolean;
  /** How the host control plane is started (its controllers, apiserver flags). */
  host?: HostOptions;
}): Promise<VirtualCluster> {
  const hostNamespace = `evk-${o.cluster}`;
  const [etcd, nats, host] = await Promise.all([
    startEtcd(),
    startNats(),
    startHost({ ...o.host, nodes: o.nodes ?? 2 }),
  ]);
  const hostKubeConfig = new KubeConfig();
  hostKubeConfig.loadFromString(host.kubeconfig);
  const { apiserverClusterIP, serviceCIDRs } = await prepareHostNamespace(hostKubeConfig, {
    cluster: o.cluster,
    hostNamespace,
  });
  // pods/log, exec, attach and portforward go from the apiserver to syncer-pods' kubelet API.
  const kubelet = o.syncers.includes("syncer-pods") ? await kubeletLink(o.cluster) : undefined;
  const apiserver = await startApiserver({
    etcd: etcd.endpoint,
    nats: nats.url,
    cluster: o.cluster,
    hostKubeconfigPath: host.kubeconfigPath,
    // The host allocates the Services' clusterIPs; the virtual `kubernetes` ServiceCIDR shows its range.
    extraArgs: [
      ...(serviceCIDRs.length ? [`--service-cluster-ip-range=${serviceCIDRs.join(",")}`] : []),
      ...(kubelet?.apiserverArgs ?? []),
    ],
  });
  const virtualKubeConfig = new KubeConfig();
  virtualKubeConfig.loadFromString(apiserver.kubeconfig);
  const relay = relayProcess({ etcd: etcd.endpoint, nats: nats.url, cluster: o.cluster, instance: o.cluster });
  await relay.start();
  const syncers = { "syncer-pods": undefined, "syncer-services": undefined, "syncer-storage": undefined } as Record<
    SyncerName,
    (ManagedProcess & { metricsUrl: string }) | undefined
  >;
  await Promise.all(
    o.syncers.map(async (name) => {
      const p = await syncerProcess({
        syncer: name,
        nats: nats.url,
        cluster: o.cluster,
        hostKubeconfigPath: host.kubeconfigPath,
        hostNamespace,
        ...(name === "syncer-pods" && kubelet ? { extraArgs: kubelet.syncerArgs } : {}),
      });
      await p.start();
      syncers[name] = p;
    }),
  );
  const controllerManager =
    (o.controllerManager ?? true)
      ? await controllerManagerProcess({ cluster: o.cluster, kubeconfigPath: apiserver.kubeconfigPath })
      : undefined;
  await controllerManager?.start();
  return {
    cluster: o.cluster,
    hostNamespace,
    etcd,
    nats,
    host,
    apiserver,
    relay,
    syncers,
    controllerManager,
    apiserverClusterIP,
    hostKubeConfig,
    virtualKubeConfig,
    async stop() {
      await Promise.all([...Object.values(syncers), controllerManager].map((p) => p?.stop()));
      await relay.stop();
      await apiserver.stop();
      await host.stop();
      await Promise.all([etcd.dispose(), nats.dispose()]);
    },
  };
}
