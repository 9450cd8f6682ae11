import { counter, histogram, type Registry } from "@evk/observability";
import {
  ApiException,
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  type V1Pod,
} from "@kubernetes/client-node";
import type { TokenBucket } from "./backoff.ts";

export interface HostRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** A failed host request, with the host's Status reason and HTTP code. */
export class HostError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

export const isHostError = (err: unknown, code?: number): err is HostError =>
  err instanceof HostError && (code === undefined || err.code === code);

function toHostError(err: unknown, verb: string, ref: HostRef): HostError {
  if (err instanceof ApiException) {
    let status: { reason?: string; message?: string } = {};
    try {
      status = typeof err.body === "string" ? JSON.parse(err.body) : (err.body as typeof status);
    } catch {
      // not a Status body
    }
    return new HostError(
      err.code,
      status.reason ?? "Unknown",
      `host ${verb} ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}: ${status.message ?? err.message}`,
    );
  }
  const e = err as Error;
  return new HostError(0, "Unreachable", `host ${verb} ${ref.kind} ${ref.name}: ${e.message}`);
}

/**
 * The syncer's only way to write to the host cluster: every request waits for the QPS/burst limiter and
 * is counted by verb and code. Errors are HostErrors carrying the host's reason.
 */
export class HostClient {
  private readonly api: KubernetesObjectApi;
  private readonly core: CoreV1Api;
  private readonly limiter: TokenBucket | undefined;
  private readonly requests;
  private readonly latency;
  readonly fieldManager: string;

  constructor(o: { kubeConfig: KubeConfig; registry: Registry; limiter?: TokenBucket; fieldManager: string }) {
    this.api = KubernetesObjectApi.makeApiClient(o.kubeConfig);
    this.core = o.kubeConfig.makeApiClient(CoreV1Api);
    this.limiter = o.limiter;
    this.fieldManager = o.fieldManager;
    this.requests = counter(o.registry, "evk_syncer_host_requests_total", "Requests to the host cluster", [
      "verb",
      "code",
    ]);
    this.latency = histogram(o.registry, "evk_syncer_host_request_seconds", "Host request latency", ["verb"]);
  }

  private async call<T>(verb: string, ref: HostRef, f: () => Promise<T>): Promise<T> {
    await this.limiter?.take();
    const t0 = performance.now();
    try {
      const out = await f();
      this.requests.inc({ verb, code: "200" });
      return out;
    } catch (err) {
      const e = toHostError(err, verb, ref);
      this.requests.inc({ verb, code: String(e.code) });
      throw e;
    } finally {
      this.latency.observe({ verb }, (performance.now() - t0) / 1000);
    }
  }

  private header(ref: HostRef) {
    return {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
    };
  }

  /** The object, or undefined when the host has none. */
  async get<T extends KubernetesObject>(ref: HostRef): Promise<T | undefined> {
    try {
      return await this.call("get", ref, () => this.api.read<T>(this.header(ref) as never));
    } catch (err) {
      if (isHostError(err, 404)) return undefined;
      throw err;
    }
  }

  create<T extends KubernetesObject>(obj: T & { apiVersion: string; kind: string }): Promise<T> {
    return this.call("create", refOf(obj), () => this.api.create<T>(obj, undefined, undefined, this.fieldManager));
  }

  /** Optimistic replace: obj carries the resourceVersion it was computed from; a 409 means look again. */
  replace<T extends KubernetesObject>(obj: T & { apiVersion: string; kind: string }): Promise<T> {
    return this.call("update", refOf(obj), () => this.api.replace<T>(obj, undefined, undefined, this.fieldManager));
  }

  mergePatch<T extends KubernetesObject>(ref: HostRef, patch: Record<string, unknown>): Promise<T> {
    return this.call("patch", ref, () =>
      this.api.patch<T>(
        { ...this.header(ref), ...patch } as unknown as T,
        undefined,
        undefined,
        this.fieldManager,
        undefined,
        PatchStrategy.MergePatch,
      ),
    );
  }

  /** A pod's ephemeral containers, which only their subresource may add. */
  replaceEphemeralContainers(pod: V1Pod & { metadata: { name: string; namespace: string } }): Promise<V1Pod> {
    const { name, namespace } = pod.metadata;
    return this.call("update", { apiVersion: "v1", kind: "Pod", name, namespace }, () =>
      this.core.replaceNamespacedPodEphemeralcontainers({ name, namespace, body: pod }),
    );
  }

  /** A pod's container resources, which only the resize subresource may change on a running pod. */
  resizePod(pod: V1Pod & { metadata: { name: string; namespace: string } }): Promise<V1Pod> {
    const { name, namespace } = pod.metadata;
    return this.call("update", { apiVersion: "v1", kind: "Pod", name, namespace }, () =>
      this.core.replaceNamespacedPodResize({ name, namespace, body: pod }),
    );
  }

  /** Deletes with an optional UID precondition; false when it was already gone. */
  async delete(ref: HostRef, o: { gracePeriodSeconds?: number; uid?: string } = {}): Promise<boolean> {
    try {
      await this.call("delete", ref, () =>
        this.api.delete(this.header(ref), undefined, undefined, o.gracePeriodSeconds, undefined, "Background", {
          ...(o.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: o.gracePeriodSeconds } : {}),
          ...(o.uid ? { preconditions: { uid: o.uid } } : {}),
        }),
      );
      return true;
    } catch (err) {
      if (isHostError(err, 404)) return false;
      throw err;
    }
  }

  async list<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    labelSelector?: string,
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const res = await this.call("list", { apiVersion, kind, name: "", namespace }, () =>
      this.api.list<T>(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector),
    );
    return { items: res.items, resourceVersion: res.metadata?.resourceVersion ?? "" };
  }
}

function refOf(obj: KubernetesObject & { apiVersion: string; kind: string }): HostRef {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata?.name ?? "",
    ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}
