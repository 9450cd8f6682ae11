// The testcontainers backend, used instead of local processes when EVK_TEST_CONTAINERS=1 and a Docker
// engine is reachable. Same interfaces as the local starters; lifecycle calls for fault tests go through
// the docker CLI so a container keeps its id, data and host ports across kill / start.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Etcd, EtcdOptions } from "./etcd.ts";
import type { HostCluster, HostOptions, KubectlResult } from "./host.ts";
import type { Nats } from "./nats.ts";
import { binaries } from "./paths.ts";
import { freePort } from "./ports.ts";
import { httpGet, waitFor } from "./probe.ts";
import { makeTempDir } from "./tmp.ts";

const run = promisify(execFile);

export const ETCD_IMAGE = "quay.io/coreos/etcd:v3.5.16";
export const NATS_IMAGE = "nats:2.15-alpine";
export const K3S_IMAGE = "rancher/k3s:v1.35.4-k3s1";

export async function dockerReachable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

function lifecycle(id: string, ready: () => Promise<boolean>, name: string) {
  const docker = (...args: string[]) => run("docker", args).then(() => undefined);
  const start = async () => {
    await docker("start", id);
    await waitFor(`${name} container to be ready`, ready, 60_000, 200);
  };
  return {
    stop: () => docker("stop", "--time=10", id),
    kill: () => docker("kill", id),
    start,
    restart: async () => {
      await docker("stop", "--time=10", id);
      await start();
    },
    dispose: () => docker("rm", "--force", "--volumes", id),
    logTail: () => `(container ${id}: see 'docker logs ${id}')`,
  };
}

export async function startContainerEtcd(opts: EtcdOptions = {}): Promise<Etcd> {
  const { GenericContainer, Wait } = await import("testcontainers");
  const port = await freePort();
  const c = await new GenericContainer(ETCD_IMAGE)
    .withExposedPorts({ container: 2379, host: port })
    .withCommand([
      "etcd",
      "--name=evk",
      "--data-dir=/var/lib/etcd",
      "--listen-client-urls=http://0.0.0.0:2379",
      `--advertise-client-urls=http://127.0.0.1:${port}`,
      ...(opts.fsync ? [] : ["--unsafe-no-fsync=true"]),
      ...(opts.extraArgs ?? []),
    ])
    .withWaitStrategy(Wait.forHttp("/readyz", 2379))
    .start();
  const endpoint = `http://${c.getHost()}:${port}`;
  return {
    endpoint,
    logFile: "",
    ...lifecycle(c.getId(), async () => (await httpGet(`${endpoint}/readyz`)).status === 200, "etcd"),
  };
}

export async function startContainerNats(): Promise<Nats> {
  const { GenericContainer, Wait } = await import("testcontainers");
  const [port, monitor] = [await freePort(), await freePort()];
  const c = await new GenericContainer(NATS_IMAGE)
    .withExposedPorts({ container: 4222, host: port }, { container: 8222, host: monitor })
    .withCommand(["--jetstream", "--store_dir=/data", "--http_port=8222"])
    .withWaitStrategy(Wait.forHttp("/healthz?js-enabled-only=true", 8222))
    .start();
  const health = `http://${c.getHost()}:${monitor}/healthz?js-enabled-only=true`;
  return {
    url: `nats://${c.getHost()}:${port}`,
    logFile: "",
    ...lifecycle(c.getId(), async () => (await httpGet(health)).status === 200, "nats"),
  };
}

/** A k3s host through @testcontainers/k3s; it has one real node instead of kwok nodes. */
export async function startContainerHost(_opts: HostOptions = {}): Promise<HostCluster> {
  const { K3sContainer } = await import("@testcontainers/k3s");
  const { KubeConfig } = await import("@kubernetes/client-node");
  const k3s = await new K3sContainer(K3S_IMAGE).start();
  const dir = makeTempDir("k3s");
  const kubeconfig = k3s.getKubeConfig();
  const kubeconfigPath = join(dir, "admin.kubeconfig");
  writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const cluster = kc.getCurrentCluster();
  const kubectl = async (args: string[], o: { input?: string; kubectl?: string } = {}): Promise<KubectlResult> => {
    const p = run(o.kubectl ?? binaries.kubectl, [`--kubeconfig=${kubeconfigPath}`, ...args], { maxBuffer: 64 << 20 });
    if (o.input !== undefined) p.child.stdin?.end(o.input);
    try {
      return { ...(await p), code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number };
      return { stdout: e.stdout ?? "", stderr: e.stderr ?? String(err), code: e.code ?? 1 };
    }
  };
  return {
    server: cluster?.server ?? "",
    caPem: Buffer.from(cluster?.caData ?? "", "base64").toString(),
    token: "",
    kubeconfig,
    kubeconfigPath,
    nodeNames: [],
    processes: undefined,
    etcd: undefined,
    kubectl,
    stop: async () => {
      await k3s.stop();
    },
    logTail: () => "(k3s container: see docker logs)",
  };
}
