import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ensureParts, type HostCluster, KUBE_VERSION, startEtcd, startHost, startNats } from "@evk/testing";

export interface UpOptions {
  nodes: number;
  kubeconfig: string;
}

/**
 * Starts the local infrastructure a virtual cluster runs on: etcd, nats-server with JetStream and a
 * real Kubernetes host control plane with kwok nodes; prints how to reach it; stops it all on Ctrl-C.
 */
export async function up(opts: UpOptions): Promise<void> {
  const t0 = Date.now();
  const say = (s: string) => process.stderr.write(`evk: ${s}\n`);
  await ensureParts();
  say("starting etcd and nats-server");
  const [etcd, nats] = await Promise.all([startEtcd({ fsync: true }), startNats()]);
  say(`starting the host control plane (Kubernetes ${KUBE_VERSION}, ${opts.nodes} kwok nodes)`);
  let host: HostCluster;
  try {
    host = await startHost({ nodes: opts.nodes });
  } catch (err) {
    await Promise.all([etcd.dispose(), nats.dispose()]);
    throw err;
  }
  const kubeconfig = resolve(opts.kubeconfig);
  mkdirSync(dirname(kubeconfig), { recursive: true });
  writeFileSync(kubeconfig, host.kubeconfig, { mode: 0o600 });
  process.stdout.write(
    [
      `evk is up in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      "",
      `  host cluster   ${host.server}  (Kubernetes ${KUBE_VERSION}, nodes: ${host.nodeNames.join(", ")})`,
      `  kubeconfig     ${kubeconfig}`,
      `  etcd           ${etcd.endpoint}`,
      `  nats           ${nats.url}  (JetStream)`,
      "",
      "Try:",
      `  kubectl --kubeconfig ${kubeconfig} get nodes`,
      `  kubectl --kubeconfig ${kubeconfig} create deployment web --image=nginx --replicas=2`,
      "",
      "Press Ctrl-C to stop everything.",
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  say("stopping");
  await host.stop();
  await Promise.all([etcd.dispose(), nats.dispose()]);
  say("stopped");
}
