import type { ServerResponse } from "node:http";
import { isStatusError, type KubeObject } from "@evk/kube";
import type { Logger, Registry } from "@evk/observability";
import type { Store, WatchCache } from "@evk/store";
import {
  currentLimits,
  DEFAULT_SERVER_CONCURRENCY,
  Integrator,
  type LevelLimits,
  levelLimits,
  maxSeatsFor,
  type SeatDemandStats,
  updateDemandStats,
} from "./allocation.ts";
import { MANDATORY_FLOW_SCHEMAS, MANDATORY_PRIORITY_LEVELS } from "./bootstrap.ts";
import {
  classificationKey,
  type FlowSchemaSpec,
  flowDistinguisher,
  hashFlowID,
  matchesFlowSchema,
  type RequestDigest,
  requestShapeKey,
} from "./match.ts";
import { type FlowControlMetrics, flowControlMetrics, type HistogramChild } from "./metrics.ts";
import { QueueSet, type QueuingConfig, type Request } from "./queueset.ts";
import { DroppedRequestsTracker } from "./retry-after.ts";
import { estimateWork, type ObjectStats, WatchTracker } from "./work-estimate.ts";

// The API Priority and Fairness controller of kube-apiserver 1.35 (apiserver pkg/util/flowcontrol
// apf_controller.go, apf_filter.go and server/filters/priority-and-fairness.go) for one evk apiserver: it
// digests the FlowSchemas and PriorityLevelConfigurations the watch cache holds into sorted schemas and one
// queue set per level, keeps each schema's Dangling condition, moves seats between levels every 10 s, and
// classifies, queues, runs or rejects every request.

const GROUP = "flowcontrol.apiserver.k8s.io";
const FLOW_SCHEMAS = { group: GROUP, resource: "flowschemas" };
const PRIORITY_LEVELS = { group: GROUP, resource: "prioritylevelconfigurations" };
const BORROWING_PERIOD_MS = 10_000;
/** How long a request may wait in a queue: a quarter of the 60 s request timeout, never more than a minute. */
const DEFAULT_WAIT_LIMIT_MS = 15_000;

interface PriorityLevelSpec {
  type?: string;
  limited?: {
    nominalConcurrencyShares?: number;
    lendablePercent?: number;
    borrowingLimitPercent?: number;
    limitResponse?: {
      type?: string;
      queuing?: { queues?: number; handSize?: number; queueLengthLimit?: number } | null;
    };
  } | null;
  exempt?: { nominalConcurrencyShares?: number; lendablePercent?: number } | null;
}

export interface LevelState {
  name: string;
  uid: string;
  spec: PriorityLevelSpec;
  exempt: boolean;
  queues: QueueSet;
  queuing: QueuingConfig;
  limits: LevelLimits;
  currentCL: number;
  maxSeats: number | undefined;
  integrator: Integrator;
  stats: SeatDemandStats;
  quiescing: boolean;
}

interface SchemaState {
  name: string;
  uid: string;
  spec: FlowSchemaSpec;
}

export interface Classification {
  fs: SchemaState;
  level: LevelState;
  distinguisher: string;
  hash: bigint;
  flowKey: string;
  dispatched: { value: number };
  /** Execution time of a watch's initial stage, and of any other request. */
  execution: { watch: HistogramChild; regular: HistogramChild };
  workSeats: HistogramChild;
}

/** queueSetCompleterForPL's checks: a level whose spec is broken this way is ignored. */
export function queuingOf(name: string, spec: PriorityLevelSpec): QueuingConfig | undefined {
  if ((spec.type === "Limited") !== !!spec.limited) return undefined;
  if ((spec.type === "Exempt") !== !!spec.exempt) return undefined;
  if ((spec.type === "Exempt") !== (name === "exempt")) return undefined;
  if (spec.limited) {
    const r = spec.limited.limitResponse ?? {};
    if ((r.type === "Reject") !== !r.queuing) return undefined;
    if (r.queuing) {
      const q = r.queuing;
      const queues = q.queues ?? 0;
      const handSize = q.handSize ?? 0;
      if (queues <= 0 || handSize <= 0 || handSize > queues) return undefined;
      return { queues, handSize, queueLengthLimit: q.queueLengthLimit ?? 0 };
    }
    return { queues: 0, handSize: 0, queueLengthLimit: 0 };
  }
  return { queues: -1, handSize: 0, queueLengthLimit: 0 };
}

function sharesOf(spec: PriorityLevelSpec) {
  if (spec.limited)
    return {
      exempt: false,
      shares: spec.limited.nominalConcurrencyShares ?? 0,
      lendablePercent: spec.limited.lendablePercent,
      borrowingLimitPercent: spec.limited.borrowingLimitPercent,
    };
  return {
    exempt: true,
    shares: spec.exempt?.nominalConcurrencyShares ?? 0,
    lendablePercent: spec.exempt?.lendablePercent,
    borrowingLimitPercent: undefined,
  };
}

/** The Dangling condition a schema should carry, by whether its priority level exists. */
export function danglingCondition(plName: string, found: boolean) {
  return found
    ? {
        type: "Dangling",
        status: "False",
        reason: "Found",
        message: `This FlowSchema references the PriorityLevelConfiguration object named ${JSON.stringify(plName)} and it exists`,
      }
    : {
        type: "Dangling",
        status: "True",
        reason: "NotFound",
        message: `This FlowSchema references the PriorityLevelConfiguration object named ${JSON.stringify(plName)} but there is no such object`,
      };
}

/** FlowSchemaSequence order: matching precedence, then name. */
export function schemaOrder(a: { name: string; spec: FlowSchemaSpec }, b: { name: string; spec: FlowSchemaSpec }) {
  const d = (a.spec.matchingPrecedence ?? 0) - (b.spec.matchingPrecedence ?? 0);
  return d !== 0 ? d : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

export interface FlowControlOptions {
  store: Store;
  cache: WatchCache;
  log: Logger;
  registry: Registry;
  /** The server's total seats (kube: --max-requests-inflight + --max-mutating-requests-inflight). */
  serverConcurrency?: number;
  now?: () => number;
}

export class FlowControl {
  private readonly store: Store;
  private readonly cache: WatchCache;
  private readonly log: Logger;
  private readonly now: () => number;
  readonly serverConcurrency: number;
  readonly metrics: FlowControlMetrics;
  private readonly dropped: DroppedRequestsTracker;
  readonly watches = new WatchTracker();
  private levels = new Map<string, LevelState>();
  private schemas: SchemaState[] = [];
  private memo = new Map<string, Classification>();
  /** The same memo reached through the user object itself, for callers that reuse one (the admin token's). */
  private byUser = new WeakMap<object, Map<string, Classification>>();
  /** Users seen once: a user object gets its own memo only when it comes back (most are per request). */
  private seenUsers = new WeakSet<object>();
  private nominalCLSum = 0;
  private readonly watchers: { stop(): void }[] = [];
  private digestQueued = false;
  private borrowingTimer: NodeJS.Timeout | undefined;
  private readonly statusWrites = new Map<string, number[]>();
  /** The Dangling condition last written (or being written) per schema, with the schema's uid. */
  private readonly statusWanted = new Map<string, string>();
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly objectStats = new Map<string, { at: number; stats: ObjectStats }>();
  private stopped = false;

  constructor(o: FlowControlOptions) {
    this.store = o.store;
    this.cache = o.cache;
    this.log = o.log;
    this.now = o.now ?? Date.now;
    this.serverConcurrency = o.serverConcurrency ?? DEFAULT_SERVER_CONCURRENCY;
    this.metrics = flowControlMetrics(o.registry);
    this.dropped = new DroppedRequestsTracker(this.now);
    // Until the objects are read, the mandatory configuration is in force.
    this.digest([], []);
  }

  start(): void {
    const changed = () => this.queueDigest();
    // From revision 0 each watch starts with the stored objects; later changes re-digest everything.
    this.watchers.push(this.cache.watch(PRIORITY_LEVELS, { fromRevision: 0 }, changed));
    this.watchers.push(this.cache.watch(FLOW_SCHEMAS, { fromRevision: 0 }, changed));
    this.digestNow();
    this.borrowingTimer = setInterval(() => this.updateBorrowing(true), BORROWING_PERIOD_MS);
    this.borrowingTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watchers) w.stop();
    clearInterval(this.borrowingTimer);
    clearTimeout(this.retryTimer);
  }

  private queueDigest(): void {
    if (this.digestQueued) return;
    this.digestQueued = true;
    setImmediate(() => {
      this.digestQueued = false;
      if (!this.stopped) this.digestNow();
    });
  }

  private digestNow(): void {
    const pls = this.cache.list(PRIORITY_LEVELS).items.map((i) => i.object);
    const fss = this.cache.list(FLOW_SCHEMAS).items.map((i) => i.object);
    const updates = this.digest(pls, fss);
    void this.writeStatuses(updates);
  }

  /** The levels as configured now (for tests and debugging). */
  levelStates(): ReadonlyMap<string, LevelState> {
    return this.levels;
  }

  /** lockAndDigestConfigObjects: the new levels and schemas; returns the Dangling conditions to write. */
  private digest(pls: KubeObject[], fss: KubeObject[]): { fs: KubeObject; condition: Record<string, string> }[] {
    const next = new Map<string, LevelState>();
    let shareSum = 0;
    for (const pl of pls) {
      const name = pl.metadata.name as string;
      const spec = (pl.spec ?? {}) as PriorityLevelSpec;
      const queuing = queuingOf(name, spec);
      if (!queuing) {
        this.log.warn({ priorityLevel: name }, "ignoring PriorityLevelConfiguration whose spec is broken");
        continue;
      }
      next.set(name, this.levelFor(name, pl.metadata.uid ?? "", spec, queuing));
      shareSum += sharesOf(spec).shares;
    }
    const statusUpdates: { fs: KubeObject; condition: Record<string, string> }[] = [];
    const schemas: SchemaState[] = [];
    for (const fs of fss) {
      const name = fs.metadata.name as string;
      const spec = (fs.spec ?? {}) as FlowSchemaSpec;
      const plName = spec.priorityLevelConfiguration?.name ?? "";
      const found = next.has(plName);
      const want = danglingCondition(plName, found);
      const have = ((fs.status as { conditions?: Record<string, string>[] } | undefined)?.conditions ?? []).find(
        (c) => c.type === "Dangling",
      );
      if (!have || have.status !== want.status || have.reason !== want.reason || have.message !== want.message)
        statusUpdates.push({ fs, condition: { ...want, lastTransitionTime: rfc3339(this.now()) } });
      // Written and seen: a later change of it (by anyone) is written over again.
      else this.statusWanted.delete(name);
      if (!found) continue;
      schemas.push({ name, uid: fs.metadata.uid ?? "", spec });
    }
    schemas.sort(schemaOrder);
    if (!schemas.some((s) => s.name === "exempt")) {
      const m = MANDATORY_FLOW_SCHEMAS.find((b) => b.name === "exempt");
      if (m) schemas.unshift({ name: m.name, uid: "", spec: m.spec as FlowSchemaSpec });
    }
    if (!schemas.some((s) => s.name === "catch-all")) {
      const m = MANDATORY_FLOW_SCHEMAS.find((b) => b.name === "catch-all");
      if (m) schemas.push({ name: m.name, uid: "", spec: m.spec as FlowSchemaSpec });
    }
    // Levels no longer configured stay while they still hold requests (quiescing), then go.
    for (const [name, old] of this.levels) {
      if (next.has(name)) continue;
      const mandatory = name === "exempt" || name === "catch-all";
      if (!mandatory && old.queues.isIdle()) continue;
      if (!mandatory) old.quiescing = true;
      next.set(name, old);
      shareSum += sharesOf(old.spec).shares;
    }
    for (const m of MANDATORY_PRIORITY_LEVELS) {
      if (next.has(m.name)) continue;
      const spec = m.spec as PriorityLevelSpec;
      next.set(m.name, this.levelFor(m.name, "", spec, queuingOf(m.name, spec) as QueuingConfig));
      shareSum += sharesOf(spec).shares;
    }
    let nominalSum = 0;
    for (const level of next.values()) {
      const limits = levelLimits(this.serverConcurrency, sharesOf(level.spec), shareSum);
      // A new level starts with half its lendable seats lent.
      if (level.currentCL < 0) level.currentCL = limits.nominalCL - Math.trunc((limits.nominalCL - limits.minCL) / 2);
      level.limits = limits;
      level.maxSeats = maxSeatsFor(limits.nominalCL, level.queuing.queues > 0 ? level.queuing.handSize : undefined);
      nominalSum += limits.nominalCL;
      const m = this.metrics;
      m.nominalLimit.child(level.name).value = limits.nominalCL;
      m.concurrencyLimit.child(level.name).value = limits.nominalCL;
      m.lowerLimit.child(level.name).value = limits.minCL;
      m.upperLimit.child(level.name).value = limits.maxCL;
    }
    this.levels = next;
    this.schemas = schemas;
    this.nominalCLSum = nominalSum;
    this.memo = new Map();
    this.byUser = new WeakMap();
    this.seenUsers = new WeakSet();
    this.updateBorrowing(false);
    return statusUpdates;
  }

  private levelFor(name: string, uid: string, spec: PriorityLevelSpec, queuing: QueuingConfig): LevelState {
    const existing = this.levels.get(name);
    if (existing && existing.exempt === (spec.type === "Exempt")) {
      existing.uid = uid;
      existing.spec = spec;
      existing.queuing = queuing;
      existing.quiescing = false;
      return existing;
    }
    const integrator = new Integrator(this.now);
    const m = this.metrics;
    // Gauges resolved once per schema: queue sets report on every request.
    const gauges = new Map<
      string,
      { inq: { value: number }; inqSeats: { value: number }; exec: { value: number }; seats: { value: number } }
    >();
    const gaugesOf = (fs: string) => {
      let g = gauges.get(fs);
      if (!g) {
        g = {
          inq: m.inqueueRequests.child(name, fs),
          inqSeats: m.inqueueSeats.child(name, fs),
          exec: m.executingRequests.child(name, fs),
          seats: m.executingSeats.child(name, fs),
        };
        gauges.set(fs, g);
      }
      return g;
    };
    const level: LevelState = {
      name,
      uid,
      spec,
      exempt: spec.type === "Exempt",
      queuing,
      queues: new QueueSet(name, queuing, this.now, {
        demand: (seats) => integrator.set(seats),
        waiting: (fs, requests, seats) => {
          const g = gaugesOf(fs);
          g.inq.value = requests;
          g.inqSeats.value = seats;
        },
        executing: (fs, requests, seats) => {
          const g = gaugesOf(fs);
          g.exec.value = requests;
          g.seats.value = seats;
        },
        queueLength: (fs, length) => m.queueLength.child(name, fs).observe(length),
      }),
      limits: { nominalCL: -1, minCL: 0, maxCL: 0 },
      currentCL: -1,
      maxSeats: undefined,
      integrator,
      stats: { avg: 0, stdDev: 0, highWatermark: 0, smoothed: 0 },
      quiescing: false,
    };
    return level;
  }

  /** updateBorrowingLocked: new current limits from the seat demand of the last period. */
  private updateBorrowing(periodic: boolean): void {
    const levels = [...this.levels.values()];
    for (const l of levels) l.stats = updateDemandStats(l.stats, l.integrator.reset());
    if (levels.length === 0) return;
    const cls = currentLimits(
      this.nominalCLSum,
      levels.map((l) => ({ ...l.limits, exempt: l.exempt, stats: l.stats, currentCL: l.currentCL })),
    );
    levels.forEach((l, i) => {
      l.currentCL = cls[i] as number;
      l.queues.setConfiguration(l.queuing, l.currentCL);
      this.metrics.currentLimit.child(l.name).value = l.currentCL;
    });
    if (periodic) {
      // A level that went quiet after it was removed can go now.
      if (levels.some((l) => l.quiescing && l.queues.isIdle())) this.queueDigest();
    }
  }

  /** Writes the Dangling conditions that changed, at most six times a minute per schema (as kube does). */
  private async writeStatuses(updates: { fs: KubeObject; condition: Record<string, string> }[]): Promise<void> {
    let delayed = false;
    for (const { fs, condition } of updates) {
      const name = fs.metadata.name as string;
      // A digest that ran before the last write reached the cache asks for the same condition again.
      const wanted = `${fs.metadata.uid}\u0000${condition.status}\u0000${condition.reason}\u0000${condition.message}`;
      if (this.statusWanted.get(name) === wanted) continue;
      const recent = (this.statusWrites.get(name) ?? []).filter((t) => t > this.now() - 60_000);
      if (recent.length > 5) {
        delayed = true;
        continue;
      }
      this.statusWanted.set(name, wanted);
      try {
        let wrote = false;
        await this.store.guaranteedUpdate({ ...FLOW_SCHEMAS, name }, (cur) => {
          wrote = false;
          if (cur.metadata.uid !== fs.metadata.uid) return cur;
          const status = (cur.status ?? {}) as { conditions?: Record<string, string>[] };
          const had = (status.conditions ?? []).findIndex((c) => c.type === "Dangling");
          const old = status.conditions?.[had];
          if (
            old &&
            old.status === condition.status &&
            old.reason === condition.reason &&
            old.message === condition.message
          )
            return cur;
          const conditions = (status.conditions ?? []).filter((c) => c.type !== "Dangling");
          conditions.splice(had < 0 ? conditions.length : had, 0, condition);
          wrote = true;
          return { ...cur, status: { ...status, conditions } };
        });
        if (wrote) {
          recent.push(this.now());
          this.statusWrites.set(name, recent);
        }
      } catch (err) {
        this.statusWanted.delete(name);
        if (!isStatusError(err, "NotFound"))
          this.log.warn(
            { flowSchema: name, err: (err as Error).message },
            "writing a FlowSchema's Dangling condition failed",
          );
      }
    }
    if (delayed && !this.stopped) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.queueDigest(), 30_000 + Math.random() * 45_000);
      this.retryTimer.unref();
    }
  }

  /** The schema and level of a request (memoised per user and request shape until the configuration changes). */
  classify(d: RequestDigest): Classification {
    const mine = this.byUser.get(d.user);
    const shape = requestShapeKey(d);
    let c = mine?.get(shape);
    if (c) return c;
    const key = classificationKey(d);
    c = this.memo.get(key);
    if (c) {
      this.rememberFor(d.user, mine, shape, c);
      return c;
    }
    let fs = this.schemas.find((s) => matchesFlowSchema(d, s.spec));
    fs ??= this.schemas.find((s) => s.name === "catch-all") as SchemaState;
    const plName = fs.spec.priorityLevelConfiguration?.name ?? "";
    const level = this.levels.get(plName) as LevelState;
    let distinguisher = "";
    let hash = 0n;
    if (!level.exempt && level.queuing.queues > 1) {
      distinguisher = flowDistinguisher(d, fs.spec.distinguisherMethod);
      hash = hashFlowID(fs.name, distinguisher);
    }
    c = {
      fs,
      level,
      distinguisher,
      hash,
      flowKey: `${fs.name}\u0000${distinguisher}`,
      dispatched: this.metrics.dispatched.child(level.name, fs.name),
      execution: {
        watch: this.metrics.executionSeconds.child(level.name, fs.name, "watch"),
        regular: this.metrics.executionSeconds.child(level.name, fs.name, "regular"),
      },
      workSeats: this.metrics.workEstimatedSeats.child(level.name, fs.name),
    };
    if (this.memo.size >= 20_000) this.memo.clear();
    this.memo.set(key, c);
    this.rememberFor(d.user, mine, shape, c);
    return c;
  }

  private rememberFor(user: object, mine: Map<string, Classification> | undefined, shape: string, c: Classification) {
    if (!mine) {
      if (!this.seenUsers.has(user)) {
        this.seenUsers.add(user);
        return;
      }
      mine = new Map();
      this.byUser.set(user, mine);
    }
    if (mine.size < 1000) mine.set(shape, c);
  }

  /** The objects one resource has and their estimated size, refreshed at most every 10 s (kube: every minute). */
  private statsOf(group: string, resource: string): ObjectStats | undefined {
    const key = `${group}/${resource}`;
    const now = this.now();
    const cached = this.objectStats.get(key);
    if (cached && now - cached.at < 10_000) return cached.stats;
    const { items } = this.cache.list({ group, resource });
    let bytes = 0;
    const sample = items.slice(0, 32);
    for (const i of sample) bytes += i.json().length;
    const stats = { count: items.length, averageBytes: sample.length ? Math.round(bytes / sample.length) : 0 };
    this.objectStats.set(key, { at: now, stats });
    return stats;
  }

  /**
   * Runs `next` once the request may execute, or answers 429. `done` must be called when the request stops
   * taking seats (the response ended; for a watch, once it was set up).
   */
  handle(
    d: RequestDigest,
    query: URLSearchParams,
    res: ServerResponse,
    opts: { waitLimitMs?: number; local: (group: string, resource: string) => boolean },
    next: (done: () => void) => void,
  ): void {
    const c = this.classify(d);
    res.setHeader("X-Kubernetes-PF-PriorityLevel-UID", c.level.uid);
    res.setHeader("X-Kubernetes-PF-FlowSchema-UID", c.fs.uid);
    const level = c.level;
    if (level.exempt) {
      const r = level.queues.startRequest(
        { initialSeats: 1, finalSeats: 0, additionalLatencyMs: 0 },
        0n,
        "",
        c.fs.name,
      );
      this.execute(c, r as Request, d.verb === "watch", next);
      return;
    }
    const work = estimateWork(d, query, {
      stats: (g, r) => (opts.local(g, r) ? this.statsOf(g, r) : undefined),
      watchCount: (x) => this.watches.interested(x),
      maxSeats: level.maxSeats,
    });
    c.workSeats.observe(Math.max(work.initialSeats, work.finalSeats));
    const queued = level.queuing.queues > 0;
    const started = this.now();
    const r = level.queues.startRequest(work, c.hash, c.flowKey, c.fs.name);
    if (!r) {
      this.reject(c, res, queued ? "queue-full" : "concurrency-limit");
      return;
    }
    if (r.decision === "execute") {
      if (queued) this.metrics.waitDuration.child(level.name, c.fs.name, "true").observe(0);
      this.execute(c, r, d.verb === "watch", next);
      return;
    }
    const limit = Math.min(opts.waitLimitMs ?? DEFAULT_WAIT_LIMIT_MS, 60_000);
    const timer = setTimeout(() => level.queues.cancel(r), limit);
    timer.unref();
    const gone = () => level.queues.cancel(r);
    res.once("close", gone);
    void r.decided.then((executed) => {
      clearTimeout(timer);
      res.off("close", gone);
      const waited = (this.now() - started) / 1000;
      this.metrics.waitDuration.child(level.name, c.fs.name, String(executed)).observe(waited);
      if (!executed) {
        // kube counts a request whose client left while it waited as timed out too.
        this.reject(c, res, "time-out");
        return;
      }
      if (res.destroyed) {
        level.queues.finish(r);
        return;
      }
      this.execute(c, r, d.verb === "watch", next);
    });
  }

  private execute(c: Classification, r: Request, watch: boolean, next: (done: () => void) => void): void {
    c.dispatched.value++;
    const startedAt = this.now();
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      (watch ? c.execution.watch : c.execution.regular).observe((this.now() - startedAt) / 1000);
      c.level.queues.finish(r);
    };
    next(done);
  }

  private reject(c: Classification, res: ServerResponse, reason: string): void {
    this.metrics.rejected.child(c.level.name, c.fs.name, reason).value++;
    this.dropped.recordDropped(c.level.name);
    if (res.headersSent || res.destroyed) return;
    const body = "Too many requests, please try again later.\n";
    res.writeHead(429, {
      "Retry-After": String(this.dropped.retryAfter(c.level.name)),
      "Content-Type": "text/plain; charset=utf-8",
      "X-Content-Type-Options": "nosniff",
      "Content-Length": Buffer.byteLength(body),
    });
    res.end(body);
  }
}
