import type { Logger } from "@evk/observability";
import { type KubeConfig, type KubernetesObject, KubernetesObjectApi, makeInformer } from "@kubernetes/client-node";

export type HostChange<T> = (type: "add" | "update" | "delete", obj: T) => void;

/**
 * A list+watch cache of one kind of host object in the cluster's host namespace, restricted by a label
 * selector (the managed-by label), like a client-go informer. It keeps itself running: a failed list or
 * watch is retried after a pause, and a 410 relists.
 */
export class HostInformer<T extends KubernetesObject> {
  private readonly informer;
  private readonly log: Logger;
  private readonly what: string;
  private stopped = false;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private syncedOnce = false;
  private starting = false;
  /** Set by the error callback: client-node's start() resolves even when its list failed. */
  private failed = false;

  constructor(o: {
    kubeConfig: KubeConfig;
    apiVersion: string;
    kind: string;
    /** The collection's path, e.g. /api/v1/namespaces/<ns>/pods. */
    path: string;
    namespace: string;
    labelSelector: string;
    log: Logger;
    onChange: HostChange<T>;
  }) {
    const api = KubernetesObjectApi.makeApiClient(o.kubeConfig);
    this.log = o.log;
    this.what = `${o.kind} in ${o.namespace}`;
    this.informer = makeInformer<T>(
      o.kubeConfig,
      o.path,
      () => api.list<T>(o.apiVersion, o.kind, o.namespace, undefined, undefined, undefined, undefined, o.labelSelector),
      o.labelSelector,
    );
    this.informer.on("add", (obj) => o.onChange("add", obj));
    this.informer.on("update", (obj) => o.onChange("update", obj));
    this.informer.on("delete", (obj) => o.onChange("delete", obj));
    this.informer.on("error", (err) => {
      this.failed = true;
      if (this.stopped || this.starting) return;
      this.log.warn(
        { informer: this.what, err: String((err as Error)?.message ?? err) },
        "host informer failed; restarting",
      );
      clearTimeout(this.restartTimer);
      this.restartTimer = setTimeout(() => void this.start(), 1_000);
    });
  }

  get synced(): boolean {
    return this.syncedOnce;
  }

  /** Resolves after the first successful list (the cache then holds every matching object). */
  async start(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      if (await this.startOnce()) return;
      await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * attempt)));
    }
  }

  private async startOnce(): Promise<boolean> {
    if (this.stopped) return false;
    this.starting = true;
    this.failed = false;
    try {
      await this.informer.start();
    } catch {
      this.failed = true;
    } finally {
      this.starting = false;
    }
    if (this.failed) {
      this.log.warn({ informer: this.what }, "host informer could not list; retrying");
      return false;
    }
    this.syncedOnce = true;
    return true;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  list(): readonly T[] {
    return this.informer.list();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.informer.stop();
  }
}
