import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout this file belongs to: the scripts that build real parts live there. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** Builds and downloads are cached here, outside the repository, keyed by version. */
export const cacheDir = process.env.EVK_CACHE_DIR || join(homedir(), ".cache", "evk");

export const NATS_VERSION = "v2.15.2";
export const KWOK_VERSION = "v0.8.0";
export const ETCD_SERIES = "3.5";

/** The Kubernetes version is the one the wrapper go.mod pins, so it is stated in one place. */
export const KUBE_VERSION: string = (() => {
  const gomod = readFileSync(join(repoRoot, "tools/k8s-bins/go.mod"), "utf8");
  const m = /^\s*(?:require\s+)?k8s\.io\/kubernetes\s+(v\d+\.\d+\.\d+)\b/m.exec(gomod);
  if (!m?.[1]) throw new Error("tools/k8s-bins/go.mod does not require k8s.io/kubernetes");
  return m[1];
})();

export const binaries = {
  etcd: join(cacheDir, `etcd-${ETCD_SERIES}`, "root/usr/bin/etcd"),
  natsServer: join(cacheDir, `nats-server-${NATS_VERSION}`, "nats-server"),
  kwok: join(cacheDir, `kwok-${KWOK_VERSION}`, "kwok"),
  kwokStages: join(cacheDir, `kwok-${KWOK_VERSION}`, "stages"),
  kubeDir: join(cacheDir, "k8s", KUBE_VERSION),
  kubeApiserver: join(cacheDir, "k8s", KUBE_VERSION, "kube-apiserver"),
  kubeControllerManager: join(cacheDir, "k8s", KUBE_VERSION, "kube-controller-manager"),
  kubeScheduler: join(cacheDir, "k8s", KUBE_VERSION, "kube-scheduler"),
  kubectl: join(cacheDir, "k8s", KUBE_VERSION, "kubectl"),
  etcdBench: join(cacheDir, "etcd-bench", "etcd-bench"),
} as const;

/**
 * The kubectl versions compatibility tests run: the one built beside the host control plane, and the
 * machine's preinstalled 1.33 when it has one.
 */
export function kubectlVersions(): { version: string; bin: string }[] {
  return [
    { version: KUBE_VERSION.replace(/^v(\d+\.\d+).*/, "$1"), bin: binaries.kubectl },
    { version: "1.33", bin: "/usr/lib/google-cloud-sdk/bin/kubectl.1.33" },
  ].filter((k) => existsSync(k.bin));
}
