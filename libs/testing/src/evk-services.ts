import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCertificateAuthority } from "@evk/kube";
import { ManagedProcess } from "./managed-process.ts";
import { binaries, repoRoot } from "./paths.ts";
import { freePort } from "./ports.ts";
import { httpGet } from "./probe.ts";
import { makeTempDir } from "./tmp.ts";

// evk's own services as local processes, started the same way for tests, benchmarks and `evk up`.

export interface LocalApiserver {
  /** https URL the apiserver serves on. */
  readonly url: string;
  readonly kubeconfigPath: string;
  readonly kubeconfig: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startApiserver(opts: {
  etcd: string;
  cluster: string;
  /** With NATS the apiserver also ingests host status reports from EVK_STATUS. */
  nats?: string;
  port?: number;
  kubeconfigPath?: string;
  /** The host cluster's kubeconfig: the apiserver reads (only) its OpenAPI documents with it. */
  hostKubeconfigPath?: string;
  extraArgs?: string[];
}): Promise<LocalApiserver> {
  const dir = makeTempDir(`apiserver-${opts.cluster}`);
  const kubeconfigPath = opts.kubeconfigPath ?? join(dir, "kubeconfig");
  const proc = new ManagedProcess({
    name: `evk-apiserver(${opts.cluster})`,
    command: process.execPath,
    args: [
      join(repoRoot, "services/apiserver/src/main.ts"),
      `--etcd=${opts.etcd}`,
      `--cluster=${opts.cluster}`,
      `--port=${opts.port ?? 0}`,
      `--kubeconfig-out=${kubeconfigPath}`,
      ...(opts.nats ? [`--nats=${opts.nats}`] : []),
      ...(opts.hostKubeconfigPath ? [`--host-kubeconfig=${opts.hostKubeconfigPath}`] : []),
      ...(opts.extraArgs ?? []),
    ],
    env: { EVK_LOG_LEVEL: process.env.EVK_SERVICE_LOG_LEVEL ?? "info" },
    logFile: join(dir, "apiserver.log"),
    // The apiserver writes its kubeconfig only once it serves.
    ready: async () => existsSync(kubeconfigPath),
  });
  if (existsSync(kubeconfigPath)) throw new Error(`${kubeconfigPath} exists already: remove it or choose another path`);
  await proc.start();
  const kubeconfig = readFileSync(kubeconfigPath, "utf8");
  return {
    url: /server: (\S+)/.exec(kubeconfig)?.[1] ?? "",
    kubeconfigPath,
    kubeconfig,
    process: proc,
    stop: () => proc.stop(),
  };
}

/**
 * The mutual-TLS link between a cluster's apiserver and syncer-pods' kubelet API, which pods/log, exec,
 * attach and portforward of virtual pods go through: a CA of the link's own, syncer-pods' serving pair, the
 * apiserver's client pair, and the flags that give each side its part.
 */
export async function kubeletLink(cluster: string): Promise<{ apiserverArgs: string[]; syncerArgs: string[] }> {
  const dir = makeTempDir(`kubelet-link-${cluster}`);
  const port = await freePort();
  const ca = await createCertificateAuthority(`evk-kubelet-ca-${cluster}`);
  const serving = await ca.issue({
    commonName: `syncer-pods-${cluster}`,
    dnsNames: ["localhost"],
    ips: ["127.0.0.1"],
    usage: "server",
  });
  const client = await ca.issue({ commonName: `evk-apiserver-${cluster}`, usage: "client" });
  const file = (name: string, pem: string, mode = 0o644) => {
    const path = join(dir, name);
    writeFileSync(path, pem, { mode });
    return path;
  };
  const caFile = file("ca.crt", ca.cert);
  return {
    apiserverArgs: [
      `--kubelet-url=https://127.0.0.1:${port}`,
      `--kubelet-certificate-authority=${caFile}`,
      `--kubelet-client-certificate=${file("apiserver-client.crt", client.cert)}`,
      `--kubelet-client-key=${file("apiserver-client.key", client.key, 0o600)}`,
    ],
    syncerArgs: [
      `--kubelet-address=127.0.0.1:${port}`,
      `--kubelet-tls-cert-file=${file("syncer-pods.crt", serving.cert)}`,
      `--kubelet-tls-private-key-file=${file("syncer-pods.key", serving.key, 0o600)}`,
      `--kubelet-client-ca-file=${caFile}`,
    ],
  };
}

/** The outbox relay of one cluster; `instance` names it in logs and in the Evk-Relay header. */
export function relayProcess(opts: {
  etcd: string;
  nats: string;
  cluster: string;
  instance: string;
  extraArgs?: string[];
}): ManagedProcess {
  const dir = makeTempDir(`relay-${opts.instance}`);
  const logFile = join(dir, "relay.log");
  const proc: ManagedProcess = new ManagedProcess({
    name: `relay-${opts.instance}`,
    command: process.execPath,
    args: [
      join(repoRoot, "libs/events/src/relay-main.ts"),
      `--etcd=${opts.etcd}`,
      `--nats=${opts.nats}`,
      `--cluster=${opts.cluster}`,
      `--instance=${opts.instance}`,
      ...(opts.extraArgs ?? []),
    ],
    // At least info, so the "relay ready" line the readiness probe looks for is written.
    env: { EVK_LOG_LEVEL: "info" },
    logFile,
    // Ready once connected and its streams exist (a relay that cannot reach etcd or NATS never gets
    // there); the log outlives restarts, so only this process's own line counts.
    ready: async () =>
      existsSync(logFile) &&
      readFileSync(logFile, "utf8")
        .split("\n")
        .some((l) => l.includes(`"pid":${proc.pid},`) && l.includes('"msg":"relay ready"')),
    readyTimeoutMs: 30_000,
  });
  return proc;
}

/**
 * A syncer service (`syncer-pods`, ...) of one cluster against a host; ready when its /readyz answers
 * 200 (projections caught up, host informers synced, consumer running).
 */
export async function syncerProcess(opts: {
  syncer: "syncer-pods" | "syncer-services" | "syncer-storage";
  nats: string;
  cluster: string;
  hostKubeconfigPath: string;
  hostNamespace: string;
  extraArgs?: string[];
  /** E.g. NODE_OPTIONS for a profile. */
  extraEnv?: Record<string, string>;
}): Promise<ManagedProcess & { metricsUrl: string }> {
  const dir = makeTempDir(`${opts.syncer}-${opts.cluster}`);
  const port = await freePort();
  const proc = new ManagedProcess({
    name: `${opts.syncer}(${opts.cluster})`,
    command: process.execPath,
    args: [
      join(repoRoot, `services/${opts.syncer}/src/main.ts`),
      `--cluster=${opts.cluster}`,
      `--nats=${opts.nats}`,
      `--host-kubeconfig=${opts.hostKubeconfigPath}`,
      `--host-namespace=${opts.hostNamespace}`,
      `--metrics-addr=127.0.0.1:${port}`,
      ...(opts.extraArgs ?? []),
    ],
    env: { EVK_LOG_LEVEL: process.env.EVK_SERVICE_LOG_LEVEL ?? "info", ...opts.extraEnv },
    logFile: join(dir, `${opts.syncer}.log`),
    ready: async () => (await httpGet(`http://127.0.0.1:${port}/readyz`)).status === 200,
    readyTimeoutMs: 60_000,
  });
  return Object.assign(proc, { metricsUrl: `http://127.0.0.1:${port}/metrics` });
}

/**
 * The kube-controller-manager controllers a virtual cluster runs: everything on by default except what the
 * host or evk's syncers do for it, and what needs APIs evk does not serve.
 */
export const VIRTUAL_CLUSTER_CONTROLLERS = [
  "*",
  // Nodes are the host's: syncer-pods mirrors the ones pods use. Evicting pods, tainting or annotating
  // nodes, or collecting pods whose node is not (yet) mirrored would fight the host's own controllers.
  "-node-ipam-controller",
  "-node-lifecycle-controller",
  "-node-route-controller",
  "-cloud-node-lifecycle-controller",
  "-taint-eviction-controller",
  "-ttl-controller",
  "-pod-garbage-collector-controller",
  // The host's service controller and IP allocator serve the translated Services; syncer-services writes
  // Endpoints and EndpointSlices from the host back into the virtual cluster, and the evk apiserver keeps the
  // ServiceCIDRs and IPAddresses that show the host's allocations (service-cidr.ts).
  "-service-lb-controller",
  "-service-cidr-controller",
  "-endpoints-controller",
  "-endpointslice-controller",
  "-endpointslice-mirroring-controller",
  // Claims bind on the host (syncer-storage); volumes attach there.
  "-persistentvolume-binder-controller",
  "-persistentvolume-attach-detach-controller",
  "-persistentvolume-expander-controller",
  // The evk apiserver creates each namespace's default ServiceAccount and kube-root-ca.crt and issues
  // service-account tokens itself (TokenRequest); it holds the CA key, so it would sign CSRs too.
  "-serviceaccount-controller",
  "-root-ca-certificate-publisher-controller",
  "-serviceaccount-token-controller",
  "-legacy-serviceaccount-token-cleaner-controller",
  "-certificatesigningrequest-signing-controller",
  // admissionregistration.k8s.io is not served.
  "-validatingadmissionpolicy-status-controller",
].join(",");

/**
 * The real kube-controller-manager against a virtual cluster's apiserver: deployments, replica sets,
 * stateful sets, daemon sets, jobs and cron jobs, garbage collection (cascading and orphaning deletes),
 * the namespace controller, quotas, disruption budgets. Ready when its /healthz answers.
 */
export async function controllerManagerProcess(opts: {
  cluster: string;
  /** The virtual cluster's admin kubeconfig. */
  kubeconfigPath: string;
  extraArgs?: string[];
}): Promise<ManagedProcess & { healthzUrl: string }> {
  const dir = makeTempDir(`controller-manager-${opts.cluster}`);
  const port = await freePort();
  const healthzUrl = `https://127.0.0.1:${port}/healthz`;
  const proc = new ManagedProcess({
    name: `kube-controller-manager(${opts.cluster})`,
    command: binaries.kubeControllerManager,
    args: [
      `--kubeconfig=${opts.kubeconfigPath}`,
      // One per cluster, restarted by whoever runs it; a leader lease would only delay a restart.
      "--leader-elect=false",
      "--bind-address=127.0.0.1",
      `--secure-port=${port}`,
      `--cluster-name=${opts.cluster}`,
      `--controllers=${VIRTUAL_CLUSTER_CONTROLLERS}`,
      // Its own endpoints serve only /healthz and /metrics; no front proxy to learn about from the cluster.
      "--authentication-skip-lookup=true",
      "--profiling=false",
      ...(opts.extraArgs ?? []),
    ],
    logFile: join(dir, "kube-controller-manager.log"),
    ready: async () => (await httpGet(healthzUrl)).status === 200,
    readyTimeoutMs: 60_000,
  });
  return Object.assign(proc, { healthzUrl });
}
