// syncer-pods: virtual pods (and the configmaps, secrets and tokens they use) to the host; host status,
// nodes and deletions back. `node services/syncer-pods/src/main.ts --help` lists the flags.
import { createLogger, createRegistry } from "@evk/observability";
import { COMMON_USAGE, parseSyncerConfig } from "@evk/syncer-runtime";
import type { PodSecurityLevel } from "./pod-sync.ts";
import { createPodSyncer } from "./syncer-pods.ts";

const own = {
  "pod-security": { type: "string", default: "baseline" },
  "apiserver-service": { type: "string" },
  "dns-service": { type: "string" },
  "cluster-domain": { type: "string", default: "cluster.local" },
  "host-service-account": { type: "string" },
} as const;
const usage = `usage: syncer-pods --cluster NAME --host-namespace NS [flags]
${COMMON_USAGE}
  --pod-security LEVEL        privileged | baseline | restricted (default baseline)
  --apiserver-service NAME    host Service of the virtual apiserver (default: the cluster name)
  --dns-service NAME          host Service of the cluster DNS (default kube-dns-x-kube-system-x-<cluster>)
  --cluster-domain DOMAIN     (default cluster.local)
  --host-service-account NAME service account of host pods (default evk-workload-<cluster>)`;

let parsed: ReturnType<typeof parseSyncerConfig<typeof own>>;
try {
  parsed = parseSyncerConfig(process.argv.slice(2), process.env, own);
  const policy = parsed?.extra["pod-security"];
  if (parsed && !["privileged", "baseline", "restricted"].includes(policy as string))
    throw new Error(`--pod-security must be privileged, baseline or restricted, got "${policy}"`);
} catch (err) {
  process.stderr.write(`syncer-pods: ${(err as Error).message} (--help for usage)\n`);
  process.exit(2);
}
if (!parsed) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const { config, extra } = parsed;
const log = createLogger("syncer-pods", { cluster: config.cluster });
const settings = {
  policy: extra["pod-security"] as PodSecurityLevel,
  apiserverService: (extra["apiserver-service"] as string | undefined) ?? config.cluster,
  dnsService: (extra["dns-service"] as string | undefined) ?? `kube-dns-x-kube-system-x-${config.cluster}`,
  clusterDomain: extra["cluster-domain"] as string,
  hostServiceAccount: (extra["host-service-account"] as string | undefined) ?? `evk-workload-${config.cluster}`,
};
log.info({ config, settings }, "syncer-pods starting");
let syncer: Awaited<ReturnType<typeof createPodSyncer>>;
try {
  syncer = await createPodSyncer({ config, settings, log, registry: createRegistry() });
  await syncer.start();
} catch (err) {
  log.error({ err: (err as Error).message }, "syncer-pods could not start");
  process.exit(1);
}
for (const sig of ["SIGTERM", "SIGINT"] as const) {
  process.once(sig, async () => {
    log.info({ signal: sig }, "syncer-pods stopping: finishing reconciles in progress");
    await syncer.stop();
    process.exit(0);
  });
}
