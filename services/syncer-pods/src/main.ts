// syncer-pods: virtual pods (and the configmaps, secrets and tokens they use) to the host; host status,
// nodes and deletions back. `node services/syncer-pods/src/main.ts --help` lists the flags.
import { parseListenAddress } from "@evk/observability";
import { COMMON_USAGE, runSyncerMain } from "@evk/syncer-runtime";
import type { PodSecurityLevel } from "./pod-sync.ts";
import { createPodSyncer } from "./syncer-pods.ts";

await runSyncerMain({
  name: "syncer-pods",
  flags: {
    "pod-security": { type: "string", default: "baseline" },
    "apiserver-service": { type: "string" },
    "dns-service": { type: "string" },
    "cluster-domain": { type: "string", default: "cluster.local" },
    "host-service-account": { type: "string" },
    "kubelet-address": { type: "string" },
    "kubelet-tls-cert-file": { type: "string" },
    "kubelet-tls-private-key-file": { type: "string" },
    "kubelet-client-ca-file": { type: "string" },
  },
  usage: `usage: syncer-pods --cluster NAME --host-namespace NS [flags]
${COMMON_USAGE}
  --pod-security LEVEL        privileged | baseline | restricted (default baseline)
  --apiserver-service NAME    host Service of the virtual apiserver (default: the cluster name)
  --dns-service NAME          host Service of the cluster DNS (default kube-dns-x-kube-system-x-<cluster>)
  --cluster-domain DOMAIN     (default cluster.local)
  --host-service-account NAME service account of host pods (default evk-workload-<cluster>)
  --kubelet-address HOST:PORT serve the virtual nodes' kubelet API here (pods/log, exec, attach, portforward
                              from the virtual apiserver); off when not given. Needs the three below.
  --kubelet-tls-cert-file PATH, --kubelet-tls-private-key-file PATH  its serving certificate and key
  --kubelet-client-ca-file PATH  CA of the client certificate the virtual apiserver presents`,
  settings: (extra, config) => {
    const policy = extra["pod-security"] as string;
    if (!["privileged", "baseline", "restricted"].includes(policy))
      throw new Error(`--pod-security must be privileged, baseline or restricted, got "${policy}"`);
    const kubeletAddress = extra["kubelet-address"] as string | undefined;
    const kubeletFiles = {
      certFile: extra["kubelet-tls-cert-file"] as string | undefined,
      keyFile: extra["kubelet-tls-private-key-file"] as string | undefined,
      clientCAFile: extra["kubelet-client-ca-file"] as string | undefined,
    };
    if (kubeletAddress && (!kubeletFiles.certFile || !kubeletFiles.keyFile || !kubeletFiles.clientCAFile))
      throw new Error(
        "--kubelet-address needs --kubelet-tls-cert-file, --kubelet-tls-private-key-file and --kubelet-client-ca-file",
      );
    return {
      policy: policy as PodSecurityLevel,
      apiserverService: (extra["apiserver-service"] as string | undefined) ?? config.cluster,
      dnsService: (extra["dns-service"] as string | undefined) ?? `kube-dns-x-kube-system-x-${config.cluster}`,
      clusterDomain: extra["cluster-domain"] as string,
      hostServiceAccount: (extra["host-service-account"] as string | undefined) ?? `evk-workload-${config.cluster}`,
      ...(kubeletAddress
        ? {
            kubelet: {
              address: parseListenAddress("--kubelet-address", kubeletAddress),
              certFile: kubeletFiles.certFile as string,
              keyFile: kubeletFiles.keyFile as string,
              clientCAFile: kubeletFiles.clientCAFile as string,
            },
          }
        : {}),
    };
  },
  create: createPodSyncer,
});
