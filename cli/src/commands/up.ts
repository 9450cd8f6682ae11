import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { loadKubeConfig, prepareHostNamespace } from "@evk/syncer-runtime";
import {
  controllerManagerProcess,
  ensureParts,
  type HostCluster,
  KUBE_VERSION,
  kubeletLink,
  relayProcess,
  startApiserver,
  startEtcd,
  startHost,
  startNats,
  stopAllProcesses,
  syncerProcess,
} from "@evk/testing";
import { reachableCurrentHost } from "./host-choice.ts";

export interface UpOptions {
  cluster: string;
  nodes: number;
  /** Start a local host control plane even when the current kubeconfig's cluster answers. */
  localHost?: boolean;
  /** Directory for the kubeconfigs written. */
  dir: string;
}

/**
 * Runs a virtual cluster on this machine: etcd, nats-server with JetStream, the virtual cluster's API server,
 * relay, syncers (pods, services, storage) and kube-controller-manager, against the host cluster of the current kubeconfig when it answers, else (or with
 * --local-host) a real Kubernetes host control plane with kwok nodes started here. Prints how to reach it;
 * Ctrl-C stops everything.
 */
export async function up(opts: UpOptions): Promise<void> {
  const t0 = Date.now();
  const say = (s: string) => process.stderr.write(`evk: ${s}\n`);
  // kube-controller-manager runs for the virtual cluster whichever host serves it.
  await ensureParts(["etcd", "nats", "kube"]);
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  const virtualKubeconfig = `${dir}/kubeconfig`;
  const hostKubeconfig = `${dir}/host.kubeconfig`;
  rmSync(virtualKubeconfig, { force: true });
  try {
    say("starting etcd and nats-server");
    const [etcd, nats] = await Promise.all([startEtcd({ fsync: true }), startNats()]);
    // The host of the current kubeconfig if it answers; otherwise (or when asked) a local one.
    const current = opts.localHost ? undefined : await reachableCurrentHost();
    let host: HostCluster | undefined;
    let hostKubeconfigPath: string;
    let hostLine: string;
    if (current) {
      say(`using the host cluster of ${current.kubeconfigPath}: ${current.server} (${current.version})`);
      hostKubeconfigPath = current.kubeconfigPath;
      hostLine = `${current.server}  (Kubernetes ${current.version}, from ${current.kubeconfigPath})`;
    } else {
      await ensureParts(["kwok"]);
      say(`starting a local host control plane (Kubernetes ${KUBE_VERSION}, ${opts.nodes} kwok nodes)`);
      host = await startHost({ nodes: opts.nodes });
      mkdirSync(dirname(hostKubeconfig), { recursive: true });
      writeFileSync(hostKubeconfig, host.kubeconfig, { mode: 0o600 });
      hostKubeconfigPath = hostKubeconfig;
      hostLine = `${host.server}  (local Kubernetes ${KUBE_VERSION}, nodes: ${host.nodeNames.join(", ")})`;
    }
    const hostNamespace = `evk-${opts.cluster}`;
    say(`preparing host namespace ${hostNamespace}`);
    const { apiserverClusterIP, serviceCIDRs } = await prepareHostNamespace(loadKubeConfig(hostKubeconfigPath), {
      cluster: opts.cluster,
      hostNamespace,
    });
    say(`starting the virtual cluster "${opts.cluster}": API server, relay, syncers and controller-manager`);
    // kubectl logs, exec, attach and port-forward go from the API server to syncer-pods (mutual TLS).
    const kubelet = await kubeletLink(opts.cluster);
    const apiserver = await startApiserver({
      etcd: etcd.endpoint,
      cluster: opts.cluster,
      nats: nats.url,
      kubeconfigPath: virtualKubeconfig,
      // Read-only: the host's OpenAPI documents (kubectl explain / apply, strategic merge patch).
      hostKubeconfigPath,
      // The virtual default/kubernetes Service shows the address pods on the host reach the apiserver by.
      // Its `kubernetes` ServiceCIDR shows the host's range, from which the host allocates clusterIPs.
      extraArgs: [
        `--kubernetes-service-ip=${apiserverClusterIP}`,
        ...(serviceCIDRs.length ? [`--service-cluster-ip-range=${serviceCIDRs.join(",")}`] : []),
        ...kubelet.apiserverArgs,
      ],
    });
    const relay = relayProcess({ etcd: etcd.endpoint, nats: nats.url, cluster: opts.cluster, instance: "up" });
    await relay.start();
    // Every syncer, each its own process as in production; they start side by side.
    const what = {
      "syncer-pods": "pods (and their configmaps, secrets, tokens), nodes, events",
      "syncer-services": "services, endpoints",
      "syncer-storage": "persistentvolumeclaims, persistentvolumes, storageclasses",
    } as const;
    const syncers = await Promise.all(
      (Object.keys(what) as (keyof typeof what)[]).map(async (name) => {
        const p = await syncerProcess({
          syncer: name,
          nats: nats.url,
          cluster: opts.cluster,
          hostKubeconfigPath,
          hostNamespace,
          ...(name === "syncer-pods" ? { extraArgs: kubelet.syncerArgs } : {}),
        });
        await p.start();
        return { name, p };
      }),
    );
    // Deployments, replica sets, jobs, garbage collection...: the real controllers, on the virtual cluster.
    const controllerManager = await controllerManagerProcess({
      cluster: opts.cluster,
      kubeconfigPath: virtualKubeconfig,
    });
    await controllerManager.start();
    process.stdout.write(
      [
        `evk is up in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
        "",
        `  virtual cluster  ${opts.cluster}  ${apiserver.url}`,
        `    kubeconfig     ${virtualKubeconfig}`,
        `  host cluster     ${hostLine}`,
        `    kubeconfig     ${hostKubeconfigPath}`,
        `  etcd             ${etcd.endpoint}`,
        `  nats             ${nats.url}  (JetStream: every change of the virtual cluster on evk.ev.${opts.cluster}.>)`,
        `  host namespace   ${hostNamespace}  (where the cluster's pods, services and claims live on the host)`,
        ...syncers.map(({ name, p }) => `  ${name.padEnd(16)} ${what[name]}  (${p.metricsUrl})`),
        `  controllers      kube-controller-manager ${KUBE_VERSION}: deployments, jobs, garbage collection, ...`,
        "",
        "Try:",
        `  kubectl --kubeconfig ${virtualKubeconfig} run web --image=nginx`,
        `  kubectl --kubeconfig ${virtualKubeconfig} create deployment app --image=nginx --replicas=3`,
        `  kubectl --kubeconfig ${virtualKubeconfig} get pods -o wide -w`,
        `  kubectl --kubeconfig ${hostKubeconfigPath} -n ${hostNamespace} get pods -o wide`,
        "",
        "Press Ctrl-C to stop everything.",
        "",
      ].join("\n"),
    );
    await new Promise<void>((resolveStop) => {
      process.once("SIGINT", () => resolveStop());
      process.once("SIGTERM", () => resolveStop());
    });
    say("stopping");
    await controllerManager.stop();
    await Promise.all(syncers.map(({ p }) => p.stop()));
    await relay.stop();
    await apiserver.stop();
    await host?.stop();
    await Promise.all([etcd.dispose(), nats.dispose()]);
    say("stopped");
  } finally {
    await stopAllProcesses();
    rmSync(virtualKubeconfig, { force: true });
  }
}
