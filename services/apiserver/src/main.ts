// The virtual API server of one cluster: `node services/apiserver/src/main.ts --etcd URL --cluster NAME
// [--nats URL] [--bind-address 127.0.0.1] [--port 0] [--kubeconfig-out PATH] [--advertise-address IP]
// [--kubernetes-service-ip 10.96.0.1] [--service-account-max-token-expiration SECONDS]
// [--service-account-extend-token-expiration true|false] [--k8s-protos DIR]` (or EVK_* environment variables of
// the same names). [--host-kubeconfig PATH] is used only to read the host's OpenAPI documents.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createLogger, createRegistry } from "@evk/observability";
import { assertClusterName, EtcdClient } from "@evk/store";
import { startApiServer } from "./server.ts";

const usage =
  "usage: main.ts --etcd <url> --cluster <name> [--nats <url>] [--bind-address <ip>] [--port <n>] [--kubeconfig-out <path>]" +
  " [--advertise-address <ip>] [--kubernetes-service-ip <ip>] [--service-account-max-token-expiration <seconds>]" +
  " [--service-account-extend-token-expiration true|false] [--k8s-protos <dir>] [--host-kubeconfig <path>]";
let cfg: {
  etcd: string;
  cluster: string;
  bindAddress: string;
  port: number;
  kubeconfigOut: string | undefined;
  nats: string | undefined;
  advertiseAddress: string | undefined;
  kubernetesServiceIP: string;
  maxTokenExpirationSeconds: number;
  extendTokenExpiration: boolean;
  k8sProtos: string | undefined;
  hostKubeconfig: string | undefined;
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
    maxTokenExpirationSeconds: maxExp,
    extendTokenExpiration: extend === "true",
    k8sProtos: values["k8s-protos"] || undefined,
    hostKubeconfig: values["host-kubeconfig"] || undefined,
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
  maxTokenExpirationSeconds: cfg.maxTokenExpirationSeconds,
  extendTokenExpiration: cfg.extendTokenExpiration,
  ...(cfg.k8sProtos ? { k8sProtos: cfg.k8sProtos } : {}),
  ...(cfg.hostKubeconfig ? { hostKubeconfig: cfg.hostKubeconfig } : {}),
});
if (cfg.kubeconfigOut) writeFileSync(cfg.kubeconfigOut, server.kubeconfig, { mode: 0o600 });
log.info({ url: server.url, kubeconfig: cfg.kubeconfigOut }, "apiserver serving");
for (const sig of ["SIGTERM", "SIGINT"] as const) {
  process.once(sig, async () => {
    await server.close();
    etcd.close();
    process.exit(0);
  });
}
