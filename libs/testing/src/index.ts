// The real-process harness: starts etcd, nats-server with JetStream and a real Kubernetes host
// control plane (apiserver, controller-manager, scheduler, kwok nodes) on loopback, or the same
// parts in containers when EVK_TEST_CONTAINERS=1 and a Docker engine is reachable.
import { dockerReachable, startContainerEtcd, startContainerHost, startContainerNats } from "./containers.ts";
import { type Etcd, type EtcdOptions, startLocalEtcd } from "./etcd.ts";
import { type HostCluster, type HostOptions, startLocalHost } from "./host.ts";
import { type Nats, startLocalNats } from "./nats.ts";
import { ensureParts } from "./provision.ts";

export { createCertificateAuthority, createSigningKeyPair, renderKubeconfig } from "@evk/kube";
export * from "./compat/index.ts";
export type { Etcd, EtcdOptions } from "./etcd.ts";
export type { HostCluster, HostKubelet, HostOptions, KubectlResult } from "./host.ts";
export {
  liveProcesses,
  ManagedProcess,
  type ProcessSpec,
  ProcessStartError,
  stopAllProcesses,
} from "./managed-process.ts";
export type { Nats } from "./nats.ts";
export { binaries, cacheDir, KUBE_VERSION, KWOK_VERSION, kubectlVersions, NATS_VERSION, repoRoot } from "./paths.ts";
export { freePort, freePorts, PortError } from "./ports.ts";
export { httpGet, sleep, waitFor } from "./probe.ts";
export { ensureParts, ProvisionError } from "./provision.ts";
export { makeTempDir } from "./tmp.ts";

let useContainers: Promise<boolean> | undefined;

/** True when EVK_TEST_CONTAINERS=1; then a Docker engine must be reachable, or starting anything fails clearly. */
export function containersBackend(): Promise<boolean> {
  useContainers ??= (async () => {
    if (process.env.EVK_TEST_CONTAINERS !== "1") return false;
    if (await dockerReachable()) return true;
    throw new Error("EVK_TEST_CONTAINERS=1 but no Docker engine is reachable (check DOCKER_HOST or the docker socket)");
  })();
  return useContainers;
}

export async function startEtcd(opts: EtcdOptions = {}): Promise<Etcd> {
  if (await containersBackend()) return startContainerEtcd(opts);
  await ensureParts(["etcd"]);
  return startLocalEtcd(opts);
}

export async function startNats(): Promise<Nats> {
  if (await containersBackend()) return startContainerNats();
  await ensureParts(["nats"]);
  return startLocalNats();
}

export async function startHost(opts: HostOptions = {}): Promise<HostCluster> {
  if (await containersBackend()) return startContainerHost(opts);
  await ensureParts(["etcd", "kwok", "kube"]);
  return startLocalHost(opts);
}
export {
  controllerManagerProcess,
  kubeletLink,
  type LocalApiserver,
  relayProcess,
  startApiserver,
  syncerProcess,
  VIRTUAL_CLUSTER_CONTROLLERS,
} from "./evk-services.ts";
export { findRunProcesses, type MarkedProcess } from "./leaks.ts";
export { type SyncerName, startVirtualCluster, type VirtualCluster } from "./virtual-cluster.ts";
