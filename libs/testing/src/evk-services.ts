import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ManagedProcess } from "./managed-process.ts";
import { repoRoot } from "./paths.ts";
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
