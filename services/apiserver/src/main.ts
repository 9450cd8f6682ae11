// The virtual API server of one cluster: `node services/apiserver/src/main.ts --etcd URL --cluster NAME
// [--nats URL] [--bind-address 127.0.0.1] [--port 0] [--kubeconfig-out PATH] [--advertise-address IP]
// [--kubernetes-service-ip 10.96.0.1] [--service-cluster-ip-range CIDR[,CIDR]] [--service-account-max-token-expiration SECONDS]
// [--service-account-extend-token-expiration true|false] [--k8s-protos DIR]` (or EVK_* environment variables of
// the same names). [--host-kubeconfig PATH] is used only to read the host's OpenAPI documents.
// [--kubelet-url URL --kubelet-certificate-authority PATH --kubelet-client-certificate PATH --kubelet-client-key PATH]
// is where pods/log, exec, attach and portforward go: syncer-pods' kubelet API, over mutual TLS.
// [--max-requests-inflight 400 --max-mutating-requests-inflight 200]: the seats API Priority and Fairness shares.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createLogger, createRegistry } from "@evk/observability";
import { assertClusterName, EtcdClient } from "@evk/store";
import { startApiServer } from "./server.ts";
import { serviceRangeProblem } from "./service-cidr.ts";

const usage =
  "usage: main.ts --etcd <url> --cluster <name> [--nats <url>] [--bind-address <ip>] [--port <n>] [--kubeconfig-out <path>]" +
  " [--advertise-address <ip>] [--kubernetes-service-ip <ip>] [--service-cluster-ip-range <cidr>[,<cidr>]]" +
  " [--service-account-max-token-expiration <seconds>]" +
  " [--service-account-extend-token-expiration true|false] [--k8s-protos <dir>] [--host-kubeconfig <path>]" +
  " [--kubelet-url <url> --kubelet-certificate-authority <path> --kubelet-client-certificate <path> --kubelet-client-key <path>]" +
  " [--max-requests-inflight <n>] [--max-mutating-requests-inflight <n>]";
let cfg: {
  etcd: string;
  cluster: string;
  bindAddress: string;
  port: number;
  kubeconfigOut: string | undefined;
  nats: string | undefined;
  advertiseAddress: string | undefined;
  kubernetesServiceIP: string;
  serviceClusterIPRange: string[];
  maxTokenExpirationSeconds: number;
  extendTokenExpiration: boolean;
  k8sProtos: string | undefined;
  hostKubeconfig: string | undefined;
  /** Files, not their contents: the configuration is logged. */
  kubelet: { url: string; caFile: string; certFile: string; keyFile: string } | undefined;
  /** kube's --max-requests-inflight plus --max-mutating-requests-inflight: the server's APF seats. */
  serverConcurrency: number;
};
try {
  const { values } = parseArgs({
    options: {
      etcd: { type: "string", default: process.env.EVK_ETCD },
      cluster: { type: "string", default: process.env.EVK_CLUSTER },
      "bind-address": { type: "string", default: process.env.EVK_BIND_ADDRESS ?? "127.0.0.1" },
      port: { type: "string", default: process.env.EVK_PORT ?? "6443" },
      "kubeconfig-out": { type: "string", default: process.env.EVK_KUBECONFIG_OUT },
      nats: { type: "string", default: process.env.EVK_NATS },
      "advertise-address": { type: "string", default: process.env.EVK_ADVERTISE_ADDRESS },
      "kubernetes-service-ip": { type: "string", default: process.env.EVK_KUBERNETES_SERVICE_IP ?? "10.96.0.1" },
      // The host allocates service IPs; this is its range, as the `kubernetes` ServiceCIDR shows it.
      "service-cluster-ip-range": {
        type: "string",
        default: process.env.EVK_SERVICE_CLUSTER_IP_RANGE ?? "10.96.0.0/12",
      },
      "service-account-max-token-expiration": {
        type: "string",
        default: process.env.EVK_SERVICE_ACCOUNT_MAX_TOKEN_EXPIRATION ?? "0",
      },
      "service-account-extend-token-expiration": {
        type: "string",
        default: process.env.EVK_SERVICE_ACCOUNT_EXTEND_TOKEN_EXPIRATION ?? "true",
      },
      "k8s-protos": { type: "string", default: process.env.EVK_K8S_PROTOS },
      "host-kubeconfig": { type: "string", default: process.env.EVK_HOST_KUBECONFIG },
      "kubelet-url": { type: "string", default: process.env.EVK_KUBELET_URL },
      "kubelet-certificate-authority": { type: "string", default: process.env.EVK_KUBELET_CERTIFICATE_AUTHORITY },
      "kubelet-client-certificate": { type: "string", default: process.env.EVK_KUBELET_CLIENT_CERTIFICATE },
      "kubelet-client-key": { type: "string", default: process.env.EVK_KUBELET_CLIENT_KEY },
      "max-requests-inflight": { type: "string", default: process.env.EVK_MAX_REQUESTS_INFLIGHT ?? "400" },
      "max-mutating-requests-inflight": {
        type: "string",
        default: process.env.EVK_MAX_MUTATING_REQUESTS_INFLIGHT ?? "200",
      },
    },
  });
  if (!values.etcd) throw new Error("--etcd is required");
  if (!values.cluster) throw new Error("--cluster is required");
  assertClusterName(values.cluster);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error("--port must be 0..65535");
  const maxExp = Number(values["service-account-max-token-expiration"]);
  // kube's bounds for an explicit max: between one hour and 2^32 seconds.
  if (!Number.isInteger(maxExp) || (maxExp !== 0 && (maxExp < 3600 || maxExp > 2 ** 32)))
    throw new Error("--service-account-max-token-expiration must be 0 (no cap) or 3600..4294967296 seconds");
  const serviceRange = (values["service-cluster-ip-range"] as string).split(",").map((c) => c.trim());
  const rangeProblem = serviceRangeProblem(serviceRange);
  if (rangeProblem) throw new Error(`--service-cluster-ip-range ${rangeProblem}`);
  const kubeletUrl = values["kubelet-url"] || undefined;
  const kubeletFiles = {
    caFile: values["kubelet-certificate-authority"] || "",
    certFile: values["kubelet-client-certificate"] || "",
    keyFile: values["kubelet-client-key"] || "",
  };
  if (kubeletUrl) {
    if (!/^https:\/\/[^/]+\/?$/.test(kubeletUrl)) throw new Error("--kubelet-url must be https://<host>:<port>");
    if (!kubeletFiles.caFile || !kubeletFiles.certFile || !kubeletFiles.keyFile)
      throw new Error(
        "--kubelet-url needs --kubelet-certificate-authority, --kubelet-client-certificate and --kubelet-client-key",
      );
  }
  const inflight = [values["max-requests-inflight"], values["max-mutating-requests-inflight"]].map(Number);
  if (!inflight.every((n) => Number.isInteger(n) && n >= 0) || (inflight[0] ?? 0) + (inflight[1] ?? 0) < 1)
    throw new Error(
      "--max-requests-inflight and --max-mutating-requests-inflight must be counts adding up to at least 1",
    );
  const extend = values["service-account-extend-token-expiration"];
  if (extend !== "true" && extend !== "false")
    throw new Error("--service-account-extend-token-expiration must be true or false");
  cfg = {
    etcd: values.etcd,
    cluster: values.cluster,
    bindAddress: values["bind-address"] as string,
    port,
    kubeconfigOut: values["kubeconfig-out"],
    nats: values.nats,
    advertiseAddress: values["advertise-address"],
    kubernetesServiceIP: values["kubernetes-service-ip"] as string,
    serviceClusterIPRange: serviceRange,
    maxTokenExpirationSeconds: maxExp,
    extendTokenExpiration: extend === "true",
    k8sProtos: values["k8s-protos"] || undefined,
    hostKubeconfig: values["host-kubeconfig"] || undefined,
    kubelet: kubeletUrl ? { url: kubeletUrl, ...kubeletFiles } : undefined,
    serverConcurrency: (inflight[0] ?? 0) + (inflight[1] ?? 0),
  };
} catch (err) {
  process.stderr.write(`apiserver: ${(err as Error).message}\n${usage}\n`);
  process.exit(2);
}

const log = createLogger("apiserver", { cluster: cfg.cluster });
log.info({ config: cfg }, "apiserver starting");
const etcd = new EtcdClient({ endpoints: [cfg.etcd] });
const server = await startApiServer({
  etcd,
  cluster: cfg.cluster,
  bindAddress: cfg.bindAddress,
  port: cfg.port,
  log,
  registry: createRegistry(),
  ...(cfg.nats ? { nats: cfg.nats } : {}),
  ...(cfg.advertiseAddress ? { advertiseAddress: cfg.advertiseAddress } : {}),
  kubernetesServiceIP: cfg.kubernetesServiceIP,
  serviceClusterIPRange: cfg.serviceClusterIPRange,
  maxTokenExpirationSeconds: cfg.maxTokenExpirationSeconds,
  extendTokenExpiration: cfg.extendTokenExpiration,
  serverConcurrency: cfg.serverConcurrency,
  ...(cfg.k8sProtos ? { k8sProtos: cfg.k8sProtos } : {}),
  ...(cfg.hostKubeconfig ? { hostKubeconfig: cfg.hostKubeconfig } : {}),
  ...(cfg.kubelet
    ? {
        kubelet: {
          url: cfg.kubelet.url,
          ca: readFileSync(cfg.kubelet.caFile, "utf8"),
          cert: readFileSync(cfg.kubelet.certFile, "utf8"),
          key: readFileSync(cfg.kubelet.keyFile, "utf8"),
        },
      }
    : {}),
});
if (cfg.kubeconfigOut) {
  // Written whole or not at all: whoever waits for the file must never read it half-written.
  writeFileSync(`${cfg.kubeconfigOut}.tmp`, server.kubeconfig, { mode: 0o600 });
  renameSync(`${cfg.kubeconfigOut}.tmp`, cfg.kubeconfigOut);
}
log.info({ url: server.url, kubeconfig: cfg.kubeconfigOut }, "apiserver serving");
for (const sig of ["SIGTERM", "SIGINT"] as const) {
  process.once(sig, async () => {
    await server.close();
    etcd.close();
    process.exit(0);
  });
}
