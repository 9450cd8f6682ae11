// syncer-pods: virtual pods (and the configmaps, secrets and tokens they use) to the host; host status,
// nodes and deletions back. `node services/syncer-pods/src/main.ts --help` lists the flags.
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
  },
  usage: `usage: syncer-pods --cluster NAME --host-namespace NS [flags]
${COMMON_USAGE}
  --pod-security LEVEL        privileged | baseline | restricted (default baseline)
  --apiserver-service NAME    host Service of the virtual apiserver (default: the cluster name)
  --dns-service NAME          host Service of the cluster DNS (default kube-dns-x-kube-system-x-<cluster>)
  --cluster-domain DOMAIN     (default cluster.local)
  --host-service-account NAME service account of host pods (default evk-workload-<cluster>)`,
  settings: (extra, config) => {
    const policy = extra["pod-security"] as string;
    if (!["privileged", "baseline", "restricted"].includes(policy))
      throw new Error(`--pod-security must be privileged, baseline or restricted, got "${policy}"`);
    return {
      policy: policy as PodSecurityLevel,
      apiserverService: (extra["apiserver-service"] as string | undefined) ?? config.cluster,
      dnsService: (extra["dns-service"] as string | undefined) ?? `kube-dns-x-kube-system-x-${config.cluster}`,
      clusterDomain: extra["cluster-domain"] as string,
      hostServiceAccount: (extra["host-service-account"] as string | undefined) ?? `evk-workload-${config.cluster}`,
    };
  },
  create: createPodSyncer,
});
