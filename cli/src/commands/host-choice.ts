import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { KubeConfig, VersionApi } from "@kubernetes/client-node";

/** The kubeconfig `kubectl` would use: $KUBECONFIG's first file, else ~/.kube/config. */
export function currentKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.KUBECONFIG?.split(":").find((p) => p !== "");
  return fromEnv ?? `${env.HOME ?? homedir()}/.kube/config`;
}

/**
 * The host of the current kubeconfig, if it answers within a few seconds: evk up runs the virtual cluster
 * there. Undefined when there is none (or it does not answer): evk up starts a local host control plane.
 */
export async function reachableCurrentHost(
  path = currentKubeconfigPath(),
  timeoutMs = 3_000,
): Promise<{ kubeconfigPath: string; server: string; version: string } | undefined> {
  if (!existsSync(path)) return undefined;
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch {
    return undefined;
  }
  const server = kc.getCurrentCluster()?.server;
  if (!server) return undefined;
  const timeout = new Promise<undefined>((r) => setTimeout(() => r(undefined), timeoutMs).unref());
  const version = kc
    .makeApiClient(VersionApi)
    .getCode()
    .then((v) => v.gitVersion)
    .catch(() => undefined);
  const got = await Promise.race([version, timeout]);
  return got ? { kubeconfigPath: path, server, version: got } : undefined;
}
