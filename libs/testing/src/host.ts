import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createCertificateAuthority, createSigningKeyPair, renderKubeconfig } from "@evk/kube";
import { type Etcd, startLocalEtcd } from "./etcd.ts";
import { ManagedProcess, ProcessStartError } from "./managed-process.ts";
import { binaries } from "./paths.ts";
import { freePorts } from "./ports.ts";
import { httpGet, waitFor } from "./probe.ts";
import { makeTempDir } from "./tmp.ts";

const run = promisify(execFile);

export interface HostOptions {
  /** Fake nodes kwok manages (default 2). */
  nodes?: number;
  /** Share an etcd (e.g. a benchmark comparing servers on one etcd); by default the host gets its own. */
  etcd?: Etcd;
  etcdPrefix?: string;
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** A real Kubernetes control plane (apiserver, controller-manager, scheduler) with kwok nodes. */
export interface HostCluster {
  readonly server: string;
  readonly caPem: string;
  /** Bearer token of a system:masters user. */
  readonly token: string;
  readonly kubeconfig: string;
  readonly kubeconfigPath: string;
  readonly nodeNames: string[];
  /** The host's etcd and processes, for fault tests; undefined on the k3s container backend. */
  readonly etcd: Etcd | undefined;
  readonly processes:
    | {
        apiserver: ManagedProcess;
        controllerManager: ManagedProcess;
        scheduler: ManagedProcess;
        kwok: ManagedProcess;
      }
    | undefined;
  /** Runs the kubectl built beside the host (same version) against it with an isolated cache. */
  kubectl(args: string[], opts?: { input?: string; kubectl?: string }): Promise<KubectlResult>;
  stop(): Promise<void>;
  logTail(lines?: number): string;
}

const SERVICE_CIDR = "10.96.0.0/16";
const POD_CIDR = "10.244.0.0/16";

/** kube-apiserver refuses a loopback advertise address; it needs one routable address of this machine. */
function advertiseAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  throw new ProcessStartError(
    "kube-apiserver needs a non-loopback IPv4 address for --advertise-address and this machine has none; add one (e.g. 'ip link add evk0 type dummy && ip addr add 10.254.0.1/32 dev evk0 && ip link set evk0 up')",
  );
}

export async function startLocalHost(opts: HostOptions = {}): Promise<HostCluster> {
  const dir = makeTempDir("host");
  const nodeCount = opts.nodes ?? 2;
  const ownEtcd = opts.etcd === undefined;
  const etcd = opts.etcd ?? (await startLocalEtcd());
  const started: ManagedProcess[] = [];
  try {
    const [apiPort, kcmPort, schedPort] = (await freePorts(3)) as [number, number, number];
    const server = `https://127.0.0.1:${apiPort}`;

    const ca = await createCertificateAuthority("evk-host-ca");
    const serving = await ca.issue({
      commonName: "kube-apiserver",
      dnsNames: [
        "localhost",
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
      ],
      ips: ["127.0.0.1", "10.96.0.1"],
      usage: "server",
    });
    const sa = await createSigningKeyPair();
    const token = randomBytes(24).toString("hex");
    const files = {
      caCrt: join(dir, "ca.crt"),
      caKey: join(dir, "ca.key"),
      apiCrt: join(dir, "apiserver.crt"),
      apiKey: join(dir, "apiserver.key"),
      saKey: join(dir, "sa.key"),
      saPub: join(dir, "sa.pub"),
      tokens: join(dir, "tokens.csv"),
      kubeconfig: join(dir, "admin.kubeconfig"),
    };
    writeFileSync(files.caCrt, ca.cert);
    writeFileSync(files.caKey, ca.key, { mode: 0o600 });
    writeFileSync(files.apiCrt, serving.cert);
    writeFileSync(files.apiKey, serving.key, { mode: 0o600 });
    writeFileSync(files.saKey, sa.privateKey, { mode: 0o600 });
    writeFileSync(files.saPub, sa.publicKey);
    writeFileSync(files.tokens, `${token},evk-admin,evk-admin,"system:masters"\n`, { mode: 0o600 });
    const kubeconfig = renderKubeconfig({ cluster: "evk-host", server, caPem: ca.cert, user: "evk-admin", token });
    writeFileSync(files.kubeconfig, kubeconfig, { mode: 0o600 });

    const authed = (path: string) => httpGet(`${server}${path}`, { ca: ca.cert, token });

    const apiserver = new ManagedProcess({
      name: "kube-apiserver",
      command: binaries.kubeApiserver,
      args: [
        `--etcd-servers=${etcd.endpoint}`,
        `--etcd-prefix=${opts.etcdPrefix ?? "/registry"}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${apiPort}`,
        `--advertise-address=${advertiseAddress()}`,
        `--cert-dir=${join(dir, "apiserver-certs")}`,
        `--tls-cert-file=${files.apiCrt}`,
        `--tls-private-key-file=${files.apiKey}`,
        `--client-ca-file=${files.caCrt}`,
        `--token-auth-file=${files.tokens}`,
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${files.saPub}`,
        `--service-account-signing-key-file=${files.saKey}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        "--authorization-mode=Node,RBAC",
        "--allow-privileged=true",
        "--enable-priority-and-fairness=false",
        "--profiling=false",
      ],
      logFile: join(dir, "kube-apiserver.log"),
      ready: async () => (await authed("/readyz")).status === 200,
      readyTimeoutMs: 90_000,
    });
    started.push(apiserver);
    await apiserver.start();

    const kubeconfigArgs = [
      `--kubeconfig=${files.kubeconfig}`,
      `--authentication-kubeconfig=${files.kubeconfig}`,
      `--authorization-kubeconfig=${files.kubeconfig}`,
    ];
    const healthz = (port: number) => async () => (await httpGet(`https://127.0.0.1:${port}/healthz`)).status === 200;
    const controllerManager = new ManagedProcess({
      name: "kube-controller-manager",
      command: binaries.kubeControllerManager,
      args: [
        ...kubeconfigArgs,
        "--leader-elect=false",
        "--bind-address=127.0.0.1",
        `--secure-port=${kcmPort}`,
        `--service-account-private-key-file=${files.saKey}`,
        `--root-ca-file=${files.caCrt}`,
        `--cluster-signing-cert-file=${files.caCrt}`,
        `--cluster-signing-key-file=${files.caKey}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        "--profiling=false",
      ],
      logFile: join(dir, "kube-controller-manager.log"),
      ready: healthz(kcmPort),
      readyTimeoutMs: 60_000,
    });
    const scheduler = new ManagedProcess({
      name: "kube-scheduler",
      command: binaries.kubeScheduler,
      args: [
        ...kubeconfigArgs,
        "--leader-elect=false",
        "--bind-address=127.0.0.1",
        `--secure-port=${schedPort}`,
        "--profiling=false",
      ],
      logFile: join(dir, "kube-scheduler.log"),
      ready: healthz(schedPort),
      readyTimeoutMs: 60_000,
    });
    const stages = readdirSync(binaries.kwokStages)
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => `--config=${join(binaries.kwokStages, f)}`);
    mkdirSync(join(dir, "kwok"), { recursive: true });
    const kwok = new ManagedProcess({
      name: "kwok",
      command: binaries.kwok,
      args: [
        `--kubeconfig=${files.kubeconfig}`,
        "--manage-all-nodes=true",
        `--cidr=${POD_CIDR}`,
        "--node-ip=10.0.0.1",
        "--node-lease-duration-seconds=40",
        ...stages,
      ],
      // KWOK_WORKDIR keeps a developer's ~/.kwok/kwok.yaml out of the run.
      env: { KWOK_WORKDIR: join(dir, "kwok") },
      logFile: join(dir, "kwok.log"),
      // kwok serves no port here; it is ready when the nodes it manages report Ready (checked below).
      ready: async () => true,
    });
    started.push(controllerManager, scheduler, kwok);
    await Promise.all([controllerManager.start(), scheduler.start(), kwok.start()]);

    const kubectlCache = join(dir, "kubectl-cache");
    const kubectl = async (args: string[], o: { input?: string; kubectl?: string } = {}): Promise<KubectlResult> => {
      const child = run(
        o.kubectl ?? binaries.kubectl,
        [`--kubeconfig=${files.kubeconfig}`, `--cache-dir=${kubectlCache}`, ...args],
        {
          maxBuffer: 64 * 1024 * 1024,
          timeout: 120_000,
        },
      );
      if (o.input !== undefined) {
        child.child.stdin?.end(o.input);
      }
      try {
        const { stdout, stderr } = await child;
        return { stdout, stderr, code: 0 };
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string; code?: number | string };
        return {
          stdout: e.stdout ?? "",
          stderr: e.stderr ?? String(err),
          code: typeof e.code === "number" ? e.code : 1,
        };
      }
    };

    const nodeNames = Array.from({ length: nodeCount }, (_, i) => `kwok-node-${i}`);
    const nodes = nodeNames.map((name) => ({
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name,
        annotations: { "node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake" },
        labels: {
          "kubernetes.io/hostname": name,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          type: "kwok",
        },
      },
      spec: {},
    }));
    const created = await kubectl(["apply", "-f", "-"], {
      input: JSON.stringify({ apiVersion: "v1", kind: "List", items: nodes }),
    });
    if (created.code !== 0) throw new ProcessStartError(`creating kwok nodes failed: ${created.stderr}`);

    await waitFor(
      "the default ServiceAccount and Ready kwok nodes on the host",
      async () => {
        if ((await authed("/api/v1/namespaces/default/serviceaccounts/default")).status !== 200) return false;
        const res = await authed("/api/v1/nodes");
        if (res.status !== 200) return false;
        const list = JSON.parse(res.body) as {
          items: { status?: { conditions?: { type: string; status: string }[] } }[];
        };
        const ready = list.items.filter((n) =>
          n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
        );
        return ready.length >= nodeCount;
      },
      60_000,
      200,
    );

    const processes = { apiserver, controllerManager, scheduler, kwok };
    return {
      server,
      caPem: ca.cert,
      token,
      kubeconfig,
      kubeconfigPath: files.kubeconfig,
      nodeNames,
      etcd,
      processes,
      kubectl,
      async stop() {
        for (const p of [kwok, scheduler, controllerManager, apiserver]) await p.stop();
        if (ownEtcd) await etcd.dispose();
      },
      logTail(lines = 30) {
        return [etcd.logTail(lines), ...Object.values(processes).map((p) => p.logTail(lines))].join("\n");
      },
    };
  } catch (err) {
    for (const p of started.reverse()) await p.stop(3_000);
    if (ownEtcd) await etcd.dispose();
    throw err;
  }
}
