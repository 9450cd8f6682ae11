import { ApiException, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";

export interface HostSetup {
  /** The ClusterIP pods of the cluster use to reach its apiserver (KUBERNETES_SERVICE_HOST). */
  apiserverClusterIP: string;
  /**
   * The host's service IP range(s), from which it allocates the virtual Services' clusterIPs (empty when the
   * host would not tell). The virtual apiserver shows them as its `kubernetes` ServiceCIDR.
   */
  serviceCIDRs: string[];
}

/** A clusterIP no service range is expected to hold, per family, to make the host name its range. */
const PROBE_IPS = ["4.4.4.4", "fd00:4:4:4::4"];

/**
 * The host's service range(s), found as vcluster finds them without cluster-wide rights: a dry-run Service
 * asking for a clusterIP outside the range is refused with "... The range of valid IPs is <cidr>".
 */
async function hostServiceCIDRs(core: CoreV1Api, namespace: string): Promise<string[]> {
  const out: string[] = [];
  for (const clusterIP of PROBE_IPS) {
    try {
      await core.createNamespacedService({
        namespace,
        dryRun: "All",
        body: { metadata: { name: "evk-service-cidr-probe" }, spec: { clusterIP, ports: [{ port: 443 }] } },
      });
    } catch (err) {
      const text = err instanceof ApiException ? String(err.body) : "";
      const range = /The range of valid IPs is ([0-9a-fA-F.:]+\/\d+)/.exec(text)?.[1];
      if (range) out.push(range);
    }
  }
  return out;
}

const exists = (err: unknown) => err instanceof ApiException && err.code === 409;

/**
 * What a virtual cluster needs in its host namespace before syncers run, as vcluster's chart installs
 * it: the namespace, the Service in front of the virtual apiserver (named like the cluster) and the
 * service account host pods run as (no token mounted: pods get tokens the virtual apiserver issues).
 * Idempotent. Needs rights to create these in the host namespace (and the namespace itself).
 */
export async function prepareHostNamespace(
  kc: KubeConfig,
  o: { cluster: string; hostNamespace: string; workloadServiceAccount?: string },
): Promise<HostSetup> {
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = o.hostNamespace;
  const ignoreExists = (err: unknown) => {
    if (!exists(err)) throw err;
  };
  await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(ignoreExists);
  await core
    .createNamespacedServiceAccount({
      namespace,
      body: {
        metadata: { name: o.workloadServiceAccount ?? `evk-workload-${o.cluster}` },
        automountServiceAccountToken: false,
      },
    })
    .catch(ignoreExists);
  await core
    .createNamespacedService({
      namespace,
      body: {
        metadata: { name: o.cluster, labels: { "app.kubernetes.io/name": "evk", "evk.dev/cluster": o.cluster } },
        spec: { type: "ClusterIP", ports: [{ name: "https", port: 443, targetPort: 6443, protocol: "TCP" }] },
      },
    })
    .catch(ignoreExists);
  const svc = await core.readNamespacedService({ name: o.cluster, namespace });
  return { apiserverClusterIP: svc.spec?.clusterIP ?? "", serviceCIDRs: await hostServiceCIDRs(core, namespace) };
}
