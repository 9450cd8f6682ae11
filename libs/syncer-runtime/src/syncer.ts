import { readFileSync } from "node:fs";
import {
  type EventEnvelope,
  ensureStreams,
  Projection,
  projectionKey,
  type RunningConsumer,
  startConsumer,
} from "@evk/events";
import type { KubeObject } from "@evk/kube";
import {
  counter,
  gauge,
  type HealthServer,
  histogram,
  type Logger,
  type Registry,
  serveHealth,
} from "@evk/observability";
import { KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { TokenBucket } from "./backoff.ts";
import type { SyncerConfig } from "./config.ts";
import { HostClient } from "./host-client.ts";
import { HostInformer } from "./host-informer.ts";
import { StatusPublisher } from "./status-publisher.ts";
import { QueueStopped, type ReconcileResult, WorkQueue } from "./work-queue.ts";

export interface VirtualResource {
  group: string;
  resource: string;
}

/** Keys are `<namespace>/<name>` for namespaced objects and `<name>` for cluster-scoped ones. */
export const objectKey = (namespace: string | undefined, name: string) => (namespace ? `${namespace}/${name}` : name);
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { namespace: "", name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export interface ControllerSpec {
  /** The virtual resource whose changes are acknowledged only after they are reconciled. */
  primary: VirtualResource;
  reconcile: (key: string) => Promise<ReconcileResult | undefined>;
  /** The work key of a primary object (default `<namespace>/<name>`). */
  keyOf?: (namespace: string, name: string) => string;
  /** Keys to look at at start and at every resync besides the primary objects (e.g. orphaned host twins). */
  extraKeys?: () => Iterable<string>;
  /**
   * True when a change of a primary object cannot matter to the reconciler (e.g. only the status the
   * syncer itself reported came back): the change is acknowledged without a reconcile.
   */
  irrelevant?: (before: KubeObject, after: KubeObject) => boolean;
  /** After max retries: tell the user (a Warning Event on the virtual object). */
  onGiveUp?: (key: string, err: Error) => Promise<void> | void;
}

/**
 * One syncer process, controller-runtime's manager in small: it connects to NATS and the host, keeps
 * projections of the virtual objects the syncer reads and informers of the host objects it writes,
 * and runs one controller: a durable consumer of the primary resource feeding a per-key work queue.
 * A change is acknowledged only once a reconcile that saw it has finished, so a crash loses nothing.
 */
/** What a syncer service's create function gets from runSyncerMain (and tests). */
export interface SyncerWiring<S> {
  config: SyncerConfig;
  settings: S;
  log: Logger;
  registry: Registry;
  kubeConfig?: KubeConfig;
}

export class Syncer {
  readonly config: SyncerConfig;
  readonly log: Logger;
  readonly registry: Registry;
  readonly name: string;
  readonly kubeConfig: KubeConfig;
  readonly host: HostClient;
  nc!: NatsConnection;
  js!: JetStreamClient;
  jsm!: JetStreamManager;
  status!: StatusPublisher;
  private readonly projections = new Map<string, Projection>();
  /** Per primary object, the state its last consumed change carried (for ControllerSpec.irrelevant). */
  private readonly lastSeen = new Map<string, KubeObject>();
  private readonly projectionListeners = new Map<string, ((env: EventEnvelope) => void)[]>();
  private readonly informers: HostInformer<KubernetesObject>[] = [];
  private controller: ControllerSpec | undefined;
  private queue: WorkQueue | undefined;
  private consumer: RunningConsumer | undefined;
  private health: HealthServer | undefined;
  private resyncTimer: ReturnType<typeof setInterval> | undefined;
  private ready = false;
  private readonly m;

  constructor(o: { name: string; config: SyncerConfig; log: Logger; registry: Registry; kubeConfig?: KubeConfig }) {
    this.name = o.name;
    this.config = o.config;
    this.log = o.log;
    this.registry = o.registry;
    this.kubeConfig = o.kubeConfig ? keepConnections(o.kubeConfig) : loadKubeConfig(o.config.hostKubeconfig);
    this.host = new HostClient({
      kubeConfig: this.kubeConfig,
      registry: o.registry,
      limiter: new TokenBucket(o.config.hostQps, o.config.hostBurst),
      fieldManager: `evk-${o.name}`,
    });
    const r = o.registry;
    this.m = {
      depth: gauge(r, "evk_syncer_queue_depth", "Keys waiting to be reconciled", ["syncer"]),
      active: gauge(r, "evk_syncer_reconciles_active", "Reconciles running", ["syncer"]),
      latency: histogram(r, "evk_syncer_reconcile_seconds", "Reconcile duration", ["syncer", "outcome"]),
      errors: counter(r, "evk_syncer_reconcile_errors_total", "Failed reconciles, by reason", ["syncer", "reason"]),
      gaveUp: counter(r, "evk_syncer_gave_up_total", "Keys given up on after max retries", ["syncer"]),
      lag: histogram(
        r,
        "evk_syncer_event_lag_seconds",
        "Relay publish to reconcile done",
        ["syncer"],
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      ),
    };
  }

  /** The view of one virtual resource (registered before start). onChange sees every applied change. */
  virtual(r: VirtualResource, onChange?: (env: EventEnvelope) => void): Projection {
    const id = `${r.group}/${r.resource}`;
    if (onChange) this.projectionListeners.set(id, [...(this.projectionListeners.get(id) ?? []), onChange]);
    let p = this.projections.get(id);
    if (!p) {
      const listeners = () => this.projectionListeners.get(id) ?? [];
      p = new Projection({
        js: this.js,
        cluster: this.config.cluster,
        resource: r,
        log: this.log,
        onChange: (env) => {
          for (const l of listeners()) l(env);
        },
      });
      this.projections.set(id, p);
    }
    return p;
  }

  /** A virtual object from its projection, by key. */
  getVirtual(r: VirtualResource, key: string): KubeObject | undefined {
    const { namespace, name } = splitKey(key);
    return this.projections
      .get(`${r.group}/${r.resource}`)
      ?.get(projectionKey({ cluster: this.config.cluster, group: r.group, resource: r.resource, namespace, name }));
  }

  /** Host objects of one kind in the host namespace carrying the cluster's managed-by label. */
  hostInformer<T extends KubernetesObject>(o: {
    apiVersion: string;
    kind: string;
    plural: string;
    labelSelector: string;
    onChange: (type: "add" | "update" | "delete", obj: T) => void;
  }): HostInformer<T> {
    const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["", o.apiVersion];
    const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const inf = new HostInformer<T>({
      kubeConfig: this.kubeConfig,
      apiVersion: o.apiVersion,
      kind: o.kind,
      path: `${base}/namespaces/${this.config.hostNamespace}/${o.plural}`,
      namespace: this.config.hostNamespace,
      labelSelector: o.labelSelector,
      log: this.log,
      onChange: o.onChange,
    });
    this.informers.push(inf as unknown as HostInformer<KubernetesObject>);
    return inf;
  }

  setController(spec: ControllerSpec): void {
    this.controller = spec;
    this.virtual(spec.primary);
  }

  /** Looks at key again soon (for changes seen by informers and secondary projections). */
  enqueue(key: string): void {
    void this.queue?.add(key).catch(() => {});
  }

  enqueueAfter(key: string, ms: number): void {
    this.queue?.addAfter(key, ms);
  }

  /** A new syncer, connected (see connect()). */
  static async open(
    name: string,
    o: { config: SyncerConfig; log: Logger; registry: Registry; kubeConfig?: KubeConfig },
  ): Promise<Syncer> {
    const syncer = new Syncer({ name, ...o });
    await syncer.connect();
    return syncer;
  }

  /** Serves health and metrics and connects to NATS; views and informers are registered after this. */
  async connect(): Promise<void> {
    const { config, log } = this;
    this.health = await serveHealth({
      ...config.metrics,
      registry: this.registry,
      ready: () => this.ready || "catching up",
    });
    log.info({ port: this.health.port }, "health and metrics listening");
    this.nc = await connect({
      servers: config.nats,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      name: this.name,
    });
    this.js = jetstream(this.nc);
    this.jsm = await jetstreamManager(this.nc);
    await ensureStreams(this.jsm);
    this.status = new StatusPublisher({ js: this.js, cluster: config.cluster, registry: this.registry });
  }

  /** Catches up, then reconciles everything once and follows changes until stop(). */
  async start(): Promise<void> {
    const { config, log } = this;
    const spec = this.controller;
    if (!spec) throw new Error("no controller set");
    if (!this.js) throw new Error("connect() first");
    await Promise.all([...this.projections.values()].map((p) => p.start()));
    await Promise.all([...this.projections.values()].map((p) => p.caughtUp));
    await Promise.all(this.informers.map((i) => i.start()));
    log.info(
      { projections: [...this.projections.keys()], informers: this.informers.length },
      "virtual projections caught up and host informers synced",
    );

    const labels = { syncer: this.name };
    this.queue = new WorkQueue({
      concurrency: config.concurrency,
      maxRetries: config.maxRetries,
      backoffBaseMs: config.backoffBaseMs,
      backoffMaxMs: config.backoffMaxMs,
      reconcile: spec.reconcile,
      onDone: (_key, ms, outcome) => {
        this.m.latency.observe({ ...labels, outcome }, ms / 1000);
        this.m.depth.set(labels, this.queue?.depth ?? 0);
        this.m.active.set(labels, this.queue?.active ?? 0);
      },
      onRetry: (key, err, attempt, delayMs) => {
        this.m.errors.inc({ ...labels, reason: reasonOf(err) });
        log.warn({ key, attempt, delayMs, err: err.message }, "reconcile failed; retrying");
      },
      onGiveUp: async (key, err, attempts) => {
        this.m.errors.inc({ ...labels, reason: reasonOf(err) });
        this.m.gaveUp.inc(labels);
        log.error({ key, attempts, err: err.message }, "reconcile keeps failing; waiting for the next change");
        await spec.onGiveUp?.(key, err);
      },
    });
    this.resyncAll();
    const keyOf = spec.keyOf ?? ((ns: string, name: string) => objectKey(ns || undefined, name));
    const primary = this.projections.get(`${spec.primary.group}/${spec.primary.resource}`) as Projection;
    this.consumer = await startConsumer({
      js: this.js,
      jsm: this.jsm,
      name: `${this.name}-${config.cluster}`,
      cluster: config.cluster,
      resources: [spec.primary],
      log,
      registry: this.registry,
      concurrency: config.concurrency * 4,
      maxDeliver: 1_000,
      handler: async (env) => {
        primary.apply(env);
        // The projection follows the stream on its own and may have applied this change already, so
        // "what it was before" is what this consumer last saw of the object.
        const key = projectionKey(env);
        const before = this.lastSeen.get(key);
        if (env.type === "DELETED") this.lastSeen.delete(key);
        else this.lastSeen.set(key, env.object);
        if (env.type !== "DELETED" && before && spec.irrelevant?.(before, env.object)) return;
        await (this.queue as WorkQueue).add(keyOf(env.namespace, env.name));
        this.m.lag.observe(labels, Math.max(0, Date.now() - Date.parse(env.time)) / 1000);
      },
    });
    if (config.resyncSeconds > 0) {
      this.resyncTimer = setInterval(() => this.resyncAll(), config.resyncSeconds * 1000);
      this.resyncTimer.unref();
    }
    this.ready = true;
    log.info({ config: { ...config } }, `${this.name} ready`);
  }

  /** Every primary object and every extra key, once more. */
  resyncAll(): void {
    const spec = this.controller as ControllerSpec;
    const keys = new Set<string>();
    const keyOf = spec.keyOf ?? ((ns: string, name: string) => objectKey(ns || undefined, name));
    for (const [, obj] of this.virtual(spec.primary).entries())
      keys.add(keyOf(obj.metadata.namespace ?? "", obj.metadata.name as string));
    for (const k of spec.extraKeys?.() ?? []) keys.add(k);
    for (const k of keys) this.enqueue(k);
  }

  /**
   * Finishes the reconciles in progress, leaves everything else unacknowledged for the next start, and
   * disconnects.
   */
  async stop(): Promise<void> {
    this.ready = false;
    clearInterval(this.resyncTimer);
    const queueStopped = this.queue?.stop();
    await this.consumer?.stop();
    await queueStopped;
    await Promise.all(this.informers.map((i) => i.stop()));
    await Promise.all([...this.projections.values()].map((p) => p.stop()));
    await this.nc?.drain().catch(() => {});
    await this.health?.close();
  }
}

function reasonOf(err: Error): string {
  if (err instanceof QueueStopped) return "stopping";
  const r = (err as { reason?: string }).reason;
  return typeof r === "string" ? r : "Error";
}

export function loadKubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`cannot read the host kubeconfig ${path}: ${(err as Error).message}`);
  }
  return keepConnections(kc);
}

/**
 * client-node 2.0.1 builds a new undici Agent, so a new TCP connection and TLS handshake, for every
 * request (KubeConfig.createDispatcher is not cached, unlike its https agents). Profiled under bench:sync
 * that was the syncer's largest cost, and it loads the host apiserver with handshakes. One dispatcher per
 * cluster and user keeps connections alive as client-go does.
 */
const kept = new WeakSet<KubeConfig>();
export function keepConnections(kc: KubeConfig): KubeConfig {
  if (kept.has(kc)) return kc;
  kept.add(kc);
  const inner = kc as unknown as { createDispatcher: (cluster: unknown, opts: unknown) => unknown };
  const create = inner.createDispatcher.bind(kc);
  const cache = new Map<string, unknown>();
  inner.createDispatcher = (cluster, opts) => {
    const c = cluster as { name?: string; server?: string } | null;
    const key = JSON.stringify([c?.name, c?.server, kc.getCurrentUser()?.name]);
    if (!cache.has(key)) cache.set(key, create(cluster, opts));
    return cache.get(key);
  };
  return kc;
}
