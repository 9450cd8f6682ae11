import type { Projection } from "@evk/events";
import type { KubeObject } from "@evk/kube";
import { type HostInformer, isHostError, type Syncer } from "@evk/syncer-runtime";
import {
  configMapOrSecretChanged,
  hostName,
  translateConfigMap,
  translateSecret,
  virtualIdentity,
} from "@evk/translate";
import type { V1ConfigMap, V1Secret } from "@kubernetes/client-node";
import { workKey } from "./keys.ts";
import type { ReferenceIndex } from "./references.ts";

type Kind = "configmap" | "secret";
const kinds = {
  configmap: { kind: "ConfigMap", translate: translateConfigMap },
  secret: { kind: "Secret", translate: translateSecret },
} as const;

/**
 * ConfigMaps and Secrets live on the host exactly while a pod of the cluster uses them (as vcluster
 * syncs them "only when used"), and follow every change of their virtual originals.
 */
export class DependencySync {
  private readonly o: {
    syncer: Syncer;
    configMaps: Projection;
    secrets: Projection;
    hostConfigMaps: HostInformer<V1ConfigMap>;
    hostSecrets: HostInformer<V1Secret>;
    refs: ReferenceIndex;
  };

  constructor(o: DependencySync["o"]) {
    this.o = o;
  }

  private get cluster() {
    return this.o.syncer.config.cluster;
  }
  private get hostNamespace() {
    return this.o.syncer.config.hostNamespace;
  }

  private virtual(kind: Kind, namespace: string, name: string): KubeObject | undefined {
    const view = kind === "configmap" ? this.o.configMaps : this.o.secrets;
    return view.get(`${this.cluster}/core/${kind === "configmap" ? "configmaps" : "secrets"}/${namespace}/${name}`);
  }

  private hostObj(kind: Kind, hName: string): (V1ConfigMap | V1Secret) | undefined {
    return (kind === "configmap" ? this.o.hostConfigMaps : this.o.hostSecrets).get(hName, this.hostNamespace);
  }

  async reconcile(kind: Kind, namespace: string, name: string): Promise<void> {
    const { syncer } = this.o;
    const hName = hostName(this.cluster, namespace, name);
    const v = this.virtual(kind, namespace, name);
    const h = this.hostObj(kind, hName);
    const ref = { apiVersion: "v1", kind: kinds[kind].kind, name: hName, namespace: this.hostNamespace };
    if (!v || !this.o.refs.used(workKey(kind, namespace, name))) {
      // Unused or gone: the host copy goes, if it is ours.
      if (h && virtualIdentity(h as never, this.cluster, this.hostNamespace)?.name === name)
        await syncer.host.delete(ref, { uid: h.metadata?.uid });
      return;
    }
    const desired = kinds[kind].translate(v as never, { cluster: this.cluster, hostNamespace: this.hostNamespace }) as
      | V1ConfigMap
      | V1Secret;
    if (!h) {
      try {
        await syncer.host.create({ ...desired, apiVersion: "v1", kind: kinds[kind].kind });
      } catch (err) {
        if (!isHostError(err, 409)) throw err;
        syncer.enqueueAfter(workKey(kind, namespace, name), 200); // the informer shows it shortly
      }
      return;
    }
    if (configMapOrSecretChanged(desired as never, h as never)) {
      await syncer.host.replace({
        ...desired,
        apiVersion: "v1",
        kind: kinds[kind].kind,
        metadata: { ...desired.metadata, resourceVersion: h.metadata?.resourceVersion },
      });
    }
  }

  /** Makes sure a pod's configmap or secret is on the host before the pod is created there. */
  async ensure(kind: Kind, namespace: string, name: string): Promise<void> {
    if (!this.virtual(kind, namespace, name)) return; // the host kubelet reports the missing reference
    await this.reconcile(kind, namespace, name);
  }
}
