// The virtual API server of one cluster: `node services/apiserver/src/main.ts --etcd URL --cluster NAME
// [--bind-address 127.0.0.1] [--port 0] [--kubeconfig-out PATH]` (or EVK_* environment variables).
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createLogger, createRegistry } from "@evk/observability";
import { assertClusterName, EtcdClient } from "@evk/store";
import { startApiServer } from "./server.ts";

const usage =
  "usage: main.ts --etcd <url> --cluster <name> [--nats <url>] [--bind-address <ip>] [--port <n>] [--kubeconfig-out <path>]";
let cfg: {
  etcd: string;
  cluster: string;
  bindAddress: string;
  port: number;
  kubeconfigOut: string | undefined;
  nats: string | undefined;
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
    },
  });
  if (!values.etcd) throw new Error("--etcd is required");
  if (!values.cluster) throw new Error("--cluster is required");
  assertClusterName(values.cluster);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error("--port must be 0..65535");
  cfg = {
    etcd: values.etcd,
    cluster: values.cluster,
    bindAddress: values["bind-address"] as string,
    port,
    kubeconfigOut: values["kubeconfig-out"],
    nats: values.nats,
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
