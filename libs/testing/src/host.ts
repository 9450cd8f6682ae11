import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
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
  /**
   * Extra kube-apiserver flags, later ones winning (e.g. `--enable-priority-and-fairness=true`, which the
   * default host turns off so that bursts from tests and benchmarks are never throttled).
   */
  apiserverFlags?: string[];
  /** Extra kube-controller-manager flags, later ones winning (e.g. `--controllers=*,-horizontalpodautoscaling`). */
  controllerManagerFlags?: string[];
}

/**
 * What kwok's kubelet API serves for every pod of the host, the way a node's kubelet would: the host
 * kube-apiserver reaches it for pods/log, exec, attach and portforward.
 */
export interface HostKubelet {
  /** `kubectl logs` of any container reads this file, in the CRI log format (`<RFC3339Nano> stdout F text`). */
  readonly logsFile: string;
  /** `kubectl attach` follows this file (same format) from its end. */
  readonly attachFile: string;
  /** `kubectl exec` runs the command on this machine, in this directory. */
  readonly execDir: string;
  /** Every forwarded pod port reaches an HTTP server that answers any request with this body. */
  readonly portForwardBody: string;
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
  /** kwok's kubelet API (local backend); a container host has real kubelets instead. */
  readonly kubelet?: HostKubelet;
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
const PORT_FORWARD_BODY = "hello from a forwarded pod port\n";

/** kwok's pod debugging rules: every pod's logs, exec, attach and port-forward served from this machine. */
function kubeletRules(k: { logsFile: string; attachFile: string; execDir: string; forwardPort: number }): string {
  const doc = (kind: string, spec: unknown) =>
    JSON.stringify({ kind, apiVersion: "kwok.x-k8s.io/v1alpha1", metadata: { name: "evk-host" }, spec });
  return [
    doc("ClusterLogs", { logs: [{ logsFile: k.logsFile, follow: true }] }),
    doc("ClusterAttach", { attaches: [{ logsFile: k.attachFile }] }),
    doc("ClusterExec", { execs: [{ local: { workDir: k.execDir } }] }),
    doc("ClusterPortForward", { forwards: [{ target: { address: "127.0.0.1", port: k.forwardPort } }] }),
  ].join("\n---\n");
}

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
  let closeForwardTarget = async () => {};
  try {
    const [apiPort, kcmPort, schedPort, kubeletPort] = (await freePorts(4)) as [number, number, number, number];
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
    // kwok's kubelet API serves TLS the host apiserver verifies, as it would a kubelet's.
    const kubeletServing = await ca.issue({
      commonName: "kwok-kubelet",
      dnsNames: ["localhost"],
      ips: ["127.0.0.1"],
      usage: "server",
    });
    const kubeletClient = await ca.issue({
      commonName: "kube-apiserver-kubelet-client",
      organizations: ["system:masters"],
      usage: "client",
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
      kubeletCrt: join(dir, "kubelet.crt"),
      kubeletKey: join(dir, "kubelet.key"),
      kubeletClientCrt: join(dir, "apiserver-kubelet-client.crt"),
      kubeletClientKey: join(dir, "apiserver-kubelet-client.key"),
      kubeletRules: join(dir, "kwok", "kubelet.yaml"),
    };
    writeFileSync(files.caCrt, ca.cert);
    writeFileSync(files.caKey, ca.key, { mode: 0o600 });
    writeFileSync(files.apiCrt, serving.cert);
    writeFileSync(files.apiKey, serving.key, { mode: 0o600 });
    writeFileSync(files.saKey, sa.privateKey, { mode: 0o600 });
    writeFileSync(files.saPub, sa.publicKey);
    writeFileSync(files.kubeletCrt, kubeletServing.cert);
    writeFileSync(files.kubeletKey, kubeletServing.key, { mode: 0o600 });
    writeFileSync(files.kubeletClientCrt, kubeletClient.cert);
    writeFileSync(files.kubeletClientKey, kubeletClient.key, { mode: 0o600 });
    // The same identity as a virtual cluster's admin (user "admin", no uid, group system:masters), so that
    // `kubectl auth whoami` reads the same on both.
    writeFileSync(files.tokens, `${token},admin,,"system:masters"\n`, { mode: 0o600 });
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
        // Nodes are kwok's: their InternalIP is this machine and their kubelet port kwok's server.
        "--kubelet-preferred-address-types=InternalIP",
        `--kubelet-certificate-authority=${files.caCrt}`,
        `--kubelet-client-certificate=${files.kubeletClientCrt}`,
        `--kubelet-client-key=${files.kubeletClientKey}`,
        "--allow-privileged=true",
        "--enable-priority-and-fairness=false",
        "--profiling=false",
        ...(opts.apiserverFlags ?? []),
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
        ...(opts.controllerManagerFlags ?? []),
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
    const forwardTarget = createHttpServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/plain" }).end(PORT_FORWARD_BODY);
    });
    await new Promise<void>((resolve, reject) => {
      forwardTarget.once("error", reject);
      forwardTarget.listen(0, "127.0.0.1", resolve);
    });
    closeForwardTarget = () =>
      new Promise<void>((resolve) => {
        forwardTarget.closeAllConnections();
        forwardTarget.close(() => resolve());
      });
    const kubelet: HostKubelet = {
      logsFile: join(dir, "kwok", "container.log"),
      attachFile: join(dir, "kwok", "attach.log"),
      execDir: join(dir, "kwok", "exec"),
      portForwardBody: PORT_FORWARD_BODY,
    };
    mkdirSync(kubelet.execDir, { recursive: true });
    writeFileSync(kubelet.logsFile, "");
    writeFileSync(kubelet.attachFile, "");
    writeFileSync(
      files.kubeletRules,
      kubeletRules({ ...kubelet, forwardPort: (forwardTarget.address() as { port: number }).port }),
    );
    const kwok = new ManagedProcess({
      name: "kwok",
      command: binaries.kwok,
      args: [
        `--kubeconfig=${files.kubeconfig}`,
        "--manage-all-nodes=true",
        `--cidr=${POD_CIDR}`,
        // The nodes' address and kubelet port: where the host apiserver finds kwok's kubelet API.
        "--node-ip=127.0.0.1",
        `--node-port=${kubeletPort}`,
        `--server-address=127.0.0.1:${kubeletPort}`,
        `--tls-cert-file=${files.kubeletCrt}`,
        `--tls-private-key-file=${files.kubeletKey}`,
        "--node-lease-duration-seconds=40",
        ...stages,
        `--config=${files.kubeletRules}`,
      ],
      // KWOK_WORKDIR keeps a developer's ~/.kwok/kwok.yaml out of the run.
      env: { KWOK_WORKDIR: join(dir, "kwok") },
      logFile: join(dir, "kwok.log"),
      // Ready once its kubelet API answers; its nodes report Ready later (checked below).
      ready: async () => (await httpGet(`https://127.0.0.1:${kubeletPort}/healthz`)).status === 200,
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
      kubelet,
      etcd,
      processes,
      kubectl,
      async stop() {
        for (const p of [kwok, scheduler, controllerManager, apiserver]) await p.stop();
        await closeForwardTarget();
        if (ownEtcd) await etcd.dispose();
      },
      logTail(lines = 30) {
        return [etcd.logTail(lines), ...Object.values(processes).map((p) => p.logTail(lines))].join("\n");
      },
    };
  } catch (err) {
    for (const p of started.reverse()) await p.stop(3_000);
    await closeForwardTarget();
    if (ownEtcd) await etcd.dispose();
    throw err;
  }
}
