import type { Etcd } from "../etcd.ts";
import { type LocalApiserver, startApiserver } from "../evk-services.ts";
import type { HostCluster, HostOptions } from "../host.ts";
import { startEtcd, startHost } from "../index.ts";
import { freePort } from "../ports.ts";
import { waitFor } from "../probe.ts";
import { startVirtualCluster, type VirtualCluster } from "../virtual-cluster.ts";
import { ServerClient, type ServerClientOptions } from "./server-client.ts";

// The real kube-apiserver of a host control plane and evk-apiserver, started for a suite (mocha's before)
// and stopped after it, each reached through a ServerClient: what a side-by-side compat test runs against.

export interface SideBySideOptions {
  /** The virtual cluster's name. */
  cluster: string;
  /** How the host control plane is started; one kwok node by default (with `virtualCluster`, its `nodes`). */
  host?: HostOptions;
  /** evk-apiserver alone on its own etcd (the default), and how. */
  apiserver?: {
    /** It reads the host's OpenAPI documents (default true). */
    hostOpenApi?: boolean;
    /** Serve on a port chosen once, so that a restarted apiserver is where its kubeconfig points. */
    fixedPort?: boolean;
    extraArgs?: string[];
  };
  /** A whole virtual cluster on the host instead (syncers, controller-manager), as `evk up` runs it. */
  virtualCluster?: Omit<Parameters<typeof startVirtualCluster>[0], "cluster" | "host">;
  /** Defaults of both clients' kubectl runs. */
  kubectl?: ServerClientOptions["kubectl"];
  /** Runs before anything is stopped (what the suite started against the servers). */
  beforeStop?: () => Promise<void>;
}

export interface SideBySide {
  /** evk-apiserver's etcd. */
  readonly etcd: Etcd;
  readonly host: HostCluster;
  readonly apiserver: LocalApiserver;
  /** Only with `virtualCluster`. */
  readonly vc: VirtualCluster;
  readonly kube: ServerClient;
  readonly evk: ServerClient;
  /** kube first, as every comparison lists them. */
  readonly both: readonly [ServerClient, ServerClient];
  /** The same steps on both servers at once: kube's result first. */
  onBoth<T>(f: (s: ServerClient) => Promise<T>): Promise<[T, T]>;
  /**
   * A namespace created on both servers; with `serviceAccount`, once its default ServiceAccount exists on both
   * (kube-controller-manager's on the host, evk's own), which pods need.
   */
  namespace(name: string, o?: { serviceAccount?: boolean }): Promise<void>;
}

interface Started {
  etcd: Etcd;
  host: HostCluster;
  apiserver: LocalApiserver;
  vc?: VirtualCluster;
  kube: ServerClient;
  evk: ServerClient;
  stop: () => Promise<void>;
}

/** Registers the suite's before and after hooks; the returned object's parts exist once `before` has run. */
export function useSideBySide(o: SideBySideOptions): SideBySide {
  let started: Started | undefined;
  const get = <K extends keyof Started>(k: K): NonNullable<Started[K]> => {
    const v = started?.[k];
    if (v === undefined) throw new Error(`side by side (${o.cluster}): no ${k}${started ? " in this setup" : " yet"}`);
    return v as NonNullable<Started[K]>;
  };
  const sides: SideBySide = {
    get etcd() {
      return get("etcd");
    },
    get host() {
      return get("host");
    },
    get apiserver() {
      return get("apiserver");
    },
    get vc() {
      return get("vc");
    },
    get kube() {
      return get("kube");
    },
    get evk() {
      return get("evk");
    },
    get both() {
      return [get("kube"), get("evk")] as const;
    },
    onBoth: (f) => Promise.all([f(get("kube")), f(get("evk"))]),
    async namespace(name, n = {}) {
      await sides.onBoth((s) => s.kubectlOk(["create", "namespace", name]));
      if (!n.serviceAccount) return;
      await waitFor(
        `the default ServiceAccount of ${name} on both servers`,
        async () => {
          const r = await sides.onBoth((s) => s.request("GET", `/api/v1/namespaces/${name}/serviceaccounts/default`));
          return r.every((x) => x.status === 200);
        },
        60_000,
        250,
      );
    },
  };

  before(async () => {
    started = await start(o);
  });
  after(async () => {
    if (o.beforeStop) await o.beforeStop();
    await started?.stop();
  });
  return sides;
}

async function start(o: SideBySideOptions): Promise<Started> {
  const clients = (host: HostCluster, apiserver: LocalApiserver) => ({
    kube: new ServerClient("kube", host.kubeconfigPath, { kubectl: o.kubectl }),
    evk: new ServerClient("evk", apiserver.kubeconfigPath, { kubectl: o.kubectl }),
  });
  if (o.virtualCluster) {
    // The virtual cluster's own `nodes` decides the host's node count.
    const vc = await startVirtualCluster({
      ...o.virtualCluster,
      cluster: o.cluster,
      ...(o.host ? { host: o.host } : {}),
    });
    return {
      etcd: vc.etcd,
      host: vc.host,
      apiserver: vc.apiserver,
      vc,
      ...clients(vc.host, vc.apiserver),
      stop: () => vc.stop(),
    };
  }
  const [etcd, host] = await Promise.all([startEtcd(), startHost({ nodes: 1, ...o.host })]);
  let apiserver: LocalApiserver | undefined;
  try {
    apiserver = await startApiserver({
      etcd: etcd.endpoint,
      cluster: o.cluster,
      ...(o.apiserver?.hostOpenApi === false ? {} : { hostKubeconfigPath: host.kubeconfigPath }),
      ...(o.apiserver?.fixedPort ? { port: await freePort() } : {}),
      ...(o.apiserver?.extraArgs ? { extraArgs: o.apiserver.extraArgs } : {}),
    });
    const server = apiserver;
    return {
      etcd,
      host,
      apiserver: server,
      ...clients(host, server),
      stop: async () => {
        await server.stop();
        await host.stop();
        await etcd.dispose();
      },
    };
  } catch (err) {
    await apiserver?.stop();
    await host.stop();
    await etcd.dispose();
    throw err;
  }
}
