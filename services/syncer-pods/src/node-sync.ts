import type { Projection } from "@evk/events";
import type { KubeObject } from "@evk/kube";
import type { HostInformer, Syncer } from "@evk/syncer-runtime";
import { HOST_UID_ANNOTATION } from "@evk/translate";
import type { V1Node, V1Pod } from "@kubernetes/client-node";

/**
 * Pure: the virtual Node shown for a host node (as vcluster's default fake nodes, but with the host
 * node's labels, addresses, capacity and conditions so `kubectl get nodes` tells the truth).
 */
export function virtualNodeFor(host: V1Node | undefined, name: string): KubeObject {
  const ready = { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: { ...(host?.metadata?.labels ?? { "kubernetes.io/hostname": name }) },
      annotations: { "evk.dev/fake-node": "true" },
    },
    spec: { ...(host?.spec?.taints ? { taints: host.spec.taints } : {}) },
    status: {
      addresses: host?.status?.addresses ?? [{ type: "Hostname", address: name }],
      capacity: host?.status?.capacity ?? {},
      allocatable: host?.status?.allocatable ?? {},
      conditions: (host?.status?.conditions ?? [ready]).map((c) => ({ ...c })),
      nodeInfo: host?.status?.nodeInfo ?? {},
      daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
    },
  };
}

/** What decides whether a virtual node needs rewriting: everything but heartbeat times. */
export function nodeFingerprint(n: KubeObject): string {
  const status = n.status as { conditions?: Record<string, unknown>[] } & Record<string, unknown>;
  return JSON.stringify({
    labels: n.metadata.labels,
    spec: n.spec,
    status: { ...status, conditions: status.conditions?.map(({ lastHeartbeatTime, ...c }) => c) },
  });
}

const NODE_REFRESH_MS = 30_000;

/** Virtual Nodes exist for the host nodes running the cluster's pods, and only while they do. */
export class NodeSync {
  private readonly o: { syncer: Syncer; nodes: Projection; hostPods: HostInformer<V1Pod> };
  /** Fingerprint of what this process last reported per node, so heartbeats do not cause writes. */
  private readonly reported = new Map<string, string>();
  /** When this process last read each host node. */
  private readonly checked = new Map<string, number>();

  constructor(o: NodeSync["o"]) {
    this.o = o;
  }

  used(name: string): boolean {
    return this.o.hostPods.list().some((p) => p.spec?.nodeName === name);
  }

  async reconcile(name: string): Promise<void> {
    const { syncer } = this.o;
    const cluster = syncer.config.cluster;
    const vNode = this.o.nodes.get(`${cluster}/core/nodes//${name}`);
    if (!this.used(name)) {
      this.reported.delete(name);
      this.checked.delete(name);
      const hostUid = vNode?.metadata.annotations?.[HOST_UID_ANNOTATION];
      if (vNode && hostUid) {
        await syncer.status.publish("", {
          resource: "nodes",
          namespace: "",
          name,
          uid: hostUid,
          hostRevision: Date.now(),
          status: {},
          action: "delete",
        });
      }
      return;
    }
    // Every change of a pod on the node brings it here; the host node itself is read at most every 30 s.
    const last = this.checked.get(name);
    if (vNode && last !== undefined && Date.now() - last < NODE_REFRESH_MS) return;
    let host: V1Node | undefined;
    try {
      host = await syncer.host.get<V1Node>({ apiVersion: "v1", kind: "Node", name });
    } catch {
      // No right to read host nodes: a node that only knows its name still lets pods show where they run.
    }
    this.checked.set(name, Date.now());
    const want = virtualNodeFor(host, name);
    const fp = nodeFingerprint(want);
    if (vNode && nodeFingerprint({ ...vNode, metadata: { ...vNode.metadata, labels: vNode.metadata.labels } }) === fp)
      return;
    if (this.reported.get(name) === fp) return;
    await syncer.status.publish("", {
      resource: "nodes",
      namespace: "",
      name,
      uid: host?.metadata?.uid ?? `fake-${name}`,
      hostRevision: Date.now(),
      status: {},
      action: "apply",
      object: want,
    });
    this.reported.set(name, fp);
  }
}
