import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import { isDeepStrictEqual } from "node:util";
import { isStatusError, type KubeObject } from "@evk/kube";
import type { Logger } from "@evk/observability";
import type { Store, WatchCache } from "@evk/store";
import { applyDefaults } from "../defaults/index.ts";
import type { UserInfo } from "../tokens.ts";
import { type AutoregisterAction, autoregisterAction } from "./autoregister.ts";
import {
  type Condition,
  failedDiscoveryCondition,
  LOCAL_CONDITION,
  passedCondition,
  resolveEndpoint,
  type ServiceRef,
  serviceCondition,
  setCondition,
  slicesFor,
} from "./availability.ts";
import {
  type AggregatedList,
  type APIGroup,
  type APIGroupList,
  defaultPriority,
  mergedAggregated,
  mergedGroup,
  mergedGroupList,
  type ServedVersion,
  servedVersions,
} from "./discovery.ts";
import {
  APIREGISTRATION_GROUP,
  type DesiredAPIService,
  desiredLocalAPIServices,
  type GroupVersion,
  groupVersionOf,
} from "./priorities.ts";
import { type Backend, proxyError, proxyRequest, tlsOptions } from "./proxy.ts";

// API aggregation for one evk apiserver, as kube-aggregator 1.35 runs it inside kube-apiserver: the local
// APIServices kept in step with what this server serves (autoregister), the Available condition of every
// APIService (Local, or the checks of a service-backed one every 30 s and whenever its Service or endpoints
// change), the discovery of the service-backed group-versions (every minute), and the proxying of their
// requests to a ready endpoint of their Service.

const APISERVICES = { group: APIREGISTRATION_GROUP, resource: "apiservices" };
const SERVICES = { group: "", resource: "services" };
const ENDPOINTS = { group: "", resource: "endpoints" };
const SLICES = { group: "discovery.k8s.io", resource: "endpointslices" };
const CRDS = { group: "apiextensions.k8s.io", resource: "customresourcedefinitions" };
const AVAILABILITY_RESYNC_MS = 30_000;
const DISCOVERY_RESYNC_MS = 60_000;
const DISCOVERY_TIMEOUT_MS = 5_000;
const AGGREGATED_ACCEPT =
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
/** Who the aggregator is when it asks a backend for its discovery. */
const AGGREGATOR_USER = { username: "system:kube-aggregator", groups: ["system:masters"] };

interface APIServiceSpec {
  group?: string;
  version?: string;
  service?: { namespace?: string; name?: string; port?: number } | null;
  caBundle?: string;
  insecureSkipTLSVerify?: boolean;
  groupPriorityMinimum?: number;
  versionPriority?: number;
}

const specOf = (o: KubeObject) => (o.spec ?? {}) as APIServiceSpec;
const conditionsOf = (o: KubeObject) =>
  ((o.status as { conditions?: Condition[] } | undefined)?.conditions ?? []) as Condition[];
const rfc3339 = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");
const isAvailable = (o: KubeObject) => conditionsOf(o).some((c) => c.type === "Available" && c.status === "True");

export interface AggregatorOptions {
  store: Store;
  cache: WatchCache;
  log: Logger;
  /** The groups this server serves itself, as its /apis lists them (core v1 is implied). */
  localGroups: () => APIGroup[];
  /** A client certificate shown to backends (kube's --proxy-client-cert-file). */
  proxyClientCert?: { cert: string; key: string };
}

export class Aggregator {
  private readonly store: Store;
  private readonly cache: WatchCache;
  private readonly log: Logger;
  private readonly localGroups: () => APIGroup[];
  private readonly clientCert: { cert: string; key: string } | undefined;
  private readonly apiServices = new Map<string, KubeObject>();
  /** What each service-backed group-version's server said it serves, and whether that answer is current. */
  private readonly remoteDiscovery = new Map<string, { resources?: unknown[]; current: boolean; at: number }>();
  private readonly watchers: { stop(): void }[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private desired = new Map<string, DesiredAPIService>();
  private servedSignature = "";
  private readonly synced = new Set<string>();
  private readonly atStart = new Set<string>();
  private readonly checking = new Set<string>();
  private readonly recheck = new Set<string>();
  private readonly fetching = new Set<string>();
  private readonly pendingAutoregister = new Set<string>();
  private autoregisterScheduled = false;
  /** The groups of service-backed APIServices, rebuilt after any APIService changed. */
  private remoteGroups: Set<string> | undefined;
  private stopped = false;

  constructor(o: AggregatorOptions) {
    this.store = o.store;
    this.cache = o.cache;
    this.log = o.log;
    this.localGroups = o.localGroups;
    this.clientCert = o.proxyClientCert;
  }

  /** Registers the local APIServices (before the server answers), then keeps everything in step. */
  async start(): Promise<void> {
    await this.cache.sync();
    for (const i of this.cache.list(APISERVICES).items) {
      this.apiServices.set(i.object.metadata.name as string, i.object);
      this.atStart.add(i.object.metadata.name as string);
    }
    this.refreshDesired();
    const names = new Set([...this.desired.keys(), ...this.apiServices.keys()]);
    for (const name of names) await this.autoregister(name);
    const from = this.cache.revision;
    this.watchers.push(
      this.cache.watch(APISERVICES, { fromRevision: from }, (ev) => {
        const name = ev.object.metadata.name as string;
        this.remoteGroups = undefined;
        if (ev.type === "DELETED") {
          this.apiServices.delete(name);
          this.remoteDiscovery.delete(name);
        } else this.apiServices.set(name, ev.object);
        this.queueAutoregister(name);
        if (ev.type !== "DELETED") this.queueCheck(name);
        if (ev.type !== "DELETED" && this.isRemote(ev.object) && isAvailable(ev.object)) {
          const prev = ev.prevObject;
          if (!prev || !isAvailable(prev) || !isDeepStrictEqual(prev.spec, ev.object.spec)) this.queueDiscovery(name);
        }
      }),
    );
    const byService = (o: KubeObject) => {
      const ns = o.metadata.namespace as string;
      const svc = (o.metadata.labels?.["kubernetes.io/service-name"] ?? o.metadata.name) as string;
      for (const [name, a] of this.apiServices) {
        const s = specOf(a).service;
        if (s && s.namespace === ns && s.name === svc) this.queueCheck(name);
      }
    };
    for (const r of [SERVICES, ENDPOINTS, SLICES])
      this.watchers.push(this.cache.watch(r, { fromRevision: from }, (ev) => byService(ev.object)));
    // Custom resources come and go with their definitions: the served list is looked at again at once.
    this.watchers.push(this.cache.watch(CRDS, { fromRevision: from }, () => setImmediate(() => this.servedChanged())));
    for (const name of this.apiServices.keys()) this.queueCheck(name);
    const every = (ms: number, f: () => void) => {
      const t = setInterval(f, ms);
      t.unref();
      this.timers.push(t);
    };
    every(AVAILABILITY_RESYNC_MS, () => {
      for (const name of this.apiServices.keys()) this.queueCheck(name);
    });
    every(DISCOVERY_RESYNC_MS, () => {
      for (const [name, a] of this.apiServices) if (this.isRemote(a)) this.queueDiscovery(name);
    });
    // What this server serves can change without a CRD event (a group enabled by a new version of a kind).
    every(2_000, () => this.servedChanged());
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watchers) w.stop();
    for (const t of this.timers) clearInterval(t);
  }

  /** The group-versions served here, as discovery lists them. */
  private localGroupVersions(): GroupVersion[] {
    const out: GroupVersion[] = [{ group: "", version: "v1" }];
    for (const g of this.localGroups()) for (const v of g.versions) out.push({ group: g.name, version: v.version });
    return out;
  }

  private refreshDesired(): void {
    const served = this.localGroupVersions();
    this.servedSignature = served.map((gv) => `${gv.group}/${gv.version}`).join(",");
    this.desired = new Map(desiredLocalAPIServices(served).map((d) => [d.name, d]));
  }

  /** Re-derives the local APIServices when what is served has changed. */
  servedChanged(): void {
    if (this.stopped) return;
    const before = this.desired;
    const signature = this.localGroupVersions()
      .map((gv) => `${gv.group}/${gv.version}`)
      .join(",");
    if (signature === this.servedSignature) return;
    this.refreshDesired();
    for (const name of new Set([...before.keys(), ...this.desired.keys()])) this.queueAutoregister(name);
  }

  private queueAutoregister(name: string): void {
    this.pendingAutoregister.add(name);
    if (this.autoregisterScheduled) return;
    this.autoregisterScheduled = true;
    setImmediate(async () => {
      this.autoregisterScheduled = false;
      const names = [...this.pendingAutoregister];
      this.pendingAutoregister.clear();
      for (const n of names) if (!this.stopped) await this.autoregister(n);
    });
  }

  private async autoregister(name: string): Promise<void> {
    const desired = this.desired.get(name);
    const current = this.apiServices.get(name);
    const action: AutoregisterAction = autoregisterAction(desired, current, {
      hasSynced: this.synced.has(name),
      existedAtStart: this.atStart.has(name),
    });
    const ref = { ...APISERVICES, name };
    try {
      switch (action.kind) {
        case "create": {
          const obj = applyDefaults(APISERVICES.group, APISERVICES.resource, {
            ...action.object,
            metadata: { ...action.object.metadata, uid: randomUUID(), creationTimestamp: rfc3339() },
          });
          const made = await this.store.create(ref, obj);
          this.apiServices.set(name, made);
          break;
        }
        case "update":
          await this.store.update(ref, action.object, {
            resourceVersion: action.object.metadata.resourceVersion as string,
          });
          break;
        case "delete":
          await this.store.delete(ref, { uid: action.uid });
          break;
      }
      this.synced.add(name);
    } catch (err) {
      if (isStatusError(err, "AlreadyExists") || isStatusError(err, "Conflict") || isStatusError(err, "NotFound")) {
        this.synced.add(name);
        return;
      }
      this.log.warn({ apiService: name, err: (err as Error).message }, "autoregistering an APIService failed");
      const t = setTimeout(() => this.queueAutoregister(name), 1000);
      t.unref();
    }
  }

  private isRemote(a: KubeObject): boolean {
    return !!specOf(a).service;
  }

  private queueCheck(name: string): void {
    if (this.stopped) return;
    if (this.checking.has(name)) {
      this.recheck.add(name);
      return;
    }
    this.checking.add(name);
    setImmediate(async () => {
      try {
        await this.checkAvailability(name);
      } catch (err) {
        this.log.warn({ apiService: name, err: (err as Error).message }, "APIService availability check failed");
      } finally {
        this.checking.delete(name);
        if (this.recheck.delete(name)) this.queueCheck(name);
      }
    });
  }

  private serviceOf(ref: ServiceRef) {
    const service = this.cache.get({ ...SERVICES, namespace: ref.namespace, name: ref.name })?.object;
    const slices = this.cache
      .list(SLICES, ref.namespace)
      .items.map((i) => i.object)
      .filter((s) => s.metadata.labels?.["kubernetes.io/service-name"] === ref.name);
    const endpoints = this.cache.get({ ...ENDPOINTS, namespace: ref.namespace, name: ref.name })?.object;
    return { service, slices: slicesFor(slices, endpoints) };
  }

  private refOf(a: KubeObject): ServiceRef | undefined {
    const s = specOf(a).service;
    return s ? { namespace: s.namespace ?? "", name: s.name ?? "", port: s.port ?? 443 } : undefined;
  }

  private backendFor(a: KubeObject): Backend | string {
    const ref = this.refOf(a) as ServiceRef;
    const { service, slices } = this.serviceOf(ref);
    const addr = resolveEndpoint(service, slices, ref.port);
    if (typeof addr === "string") return addr;
    return {
      host: addr.host,
      port: addr.port,
      serverName: `${ref.name}.${ref.namespace}.svc`,
      caBundle: specOf(a).caBundle,
      insecureSkipTLSVerify: specOf(a).insecureSkipTLSVerify === true,
      clientCert: this.clientCert,
    };
  }

  /** The remote controller's sync (or the local controller's, for an APIService served here). */
  private async checkAvailability(name: string): Promise<void> {
    const a = this.apiServices.get(name);
    if (!a) return;
    let condition: Condition;
    if (!this.isRemote(a)) condition = LOCAL_CONDITION;
    else {
      const ref = this.refOf(a) as ServiceRef;
      const { service, slices } = this.serviceOf(ref);
      condition = serviceCondition(ref, service, slices) ?? (await this.discoveryCheck(a));
    }
    const cur = this.apiServices.get(name);
    if (!cur) return;
    const next = setCondition(conditionsOf(cur), condition, rfc3339());
    if (isDeepStrictEqual(next, conditionsOf(cur))) return;
    try {
      await this.store.guaranteedUpdate({ ...APISERVICES, name }, (stored) => {
        const status = (stored.status ?? {}) as Record<string, unknown>;
        return {
          ...stored,
          status: { ...status, conditions: setCondition(conditionsOf(stored), condition, rfc3339()) },
        };
      });
      if (condition.status !== (conditionsOf(cur).find((c) => c.type === "Available")?.status ?? "Unknown"))
        this.log.info(
          { apiService: name, status: condition.status, reason: condition.reason, message: condition.message },
          "changing APIService availability",
        );
    } catch (err) {
      if (!isStatusError(err, "NotFound")) throw err;
    }
  }

  /** Five GETs of the group-version's discovery at once; one 2xx answer within 5 s is enough. */
  private async discoveryCheck(a: KubeObject): Promise<Condition> {
    const spec = specOf(a);
    const path = a.metadata.name === "v1." ? `/api/${spec.version}` : `/apis/${spec.group}/${spec.version}`;
    const attempt = async (): Promise<string | undefined> => {
      const b = this.backendFor(a);
      if (typeof b === "string") return b;
      const url = `https://${b.host.includes(":") ? `[${b.host}]` : b.host}:${b.port}${path}`;
      try {
        // The check trusts any certificate (as kube's does); the proxy is the one that verifies.
        const status = await getStatus({ ...b, insecureSkipTLSVerify: true, caBundle: undefined }, path);
        if (status < 200 || status >= 300)
          return `failing or missing response from ${url}: bad status from ${url}: ${status}`;
        return undefined;
      } catch (err) {
        const e = err as Error & { timeout?: boolean };
        if (e.timeout)
          return `failing or missing response from ${url}: Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`;
        return `failing or missing response from ${url}: Get "${url}": ${goNetError(e, b)}`;
      }
    };
    const results = await Promise.all([attempt(), attempt(), attempt(), attempt(), attempt()]);
    if (results.some((r) => r === undefined)) return passedCondition();
    return failedDiscoveryCondition(results[results.length - 1] as string);
  }

  private queueDiscovery(name: string): void {
    if (this.stopped || this.fetching.has(name)) return;
    this.fetching.add(name);
    setImmediate(async () => {
      try {
        await this.fetchDiscovery(name);
      } finally {
        this.fetching.delete(name);
      }
    });
  }

  /** What the backend serves: its aggregated /apis (or, if it has none, its legacy group-version list). */
  private async fetchDiscovery(name: string): Promise<void> {
    const a = this.apiServices.get(name);
    if (!a || !this.isRemote(a)) return;
    const spec = specOf(a);
    const prev = this.remoteDiscovery.get(name);
    const stale = () => this.remoteDiscovery.set(name, { ...(prev ?? {}), current: false, at: Date.now() });
    if (!isAvailable(a)) return void stale();
    const b = this.backendFor(a);
    if (typeof b === "string") return void stale();
    try {
      const agg = await getJson(b, "/apis", AGGREGATED_ACCEPT);
      if (
        agg.status === 200 &&
        /as=APIGroupDiscoveryList/.test(agg.contentType) &&
        /g=apidiscovery\.k8s\.io/.test(agg.contentType)
      ) {
        const doc = agg.body as AggregatedList;
        const g = doc.items?.find((x) => (x.metadata?.name ?? "") === (spec.group ?? ""));
        const v = g?.versions?.find((x) => x.version === spec.version);
        this.remoteDiscovery.set(name, { resources: v?.resources ?? [], current: true, at: Date.now() });
        return;
      }
      const path = spec.group ? `/apis/${spec.group}/${spec.version}` : `/api/${spec.version}`;
      const legacy = await getJson(b, path, "application/json");
      if (legacy.status !== 200) return void stale();
      this.remoteDiscovery.set(name, {
        resources: legacyToAggregated((legacy.body as { resources?: LegacyResource[] }).resources ?? []),
        current: true,
        at: Date.now(),
      });
    } catch (err) {
      this.log.debug({ apiService: name, err: (err as Error).message }, "aggregated discovery of an APIService failed");
      stale();
    }
  }

  /** Every group-version an APIService names, with its priorities and the remote ones' discovery. */
  served(): ServedVersion[] {
    const remote: ServedVersion[] = [];
    const local = new Map<string, ServedVersion>();
    for (const [name, a] of this.apiServices) {
      const spec = specOf(a);
      const gv = { group: spec.group ?? "", version: spec.version ?? groupVersionOf(name).version };
      const v: ServedVersion = {
        ...gv,
        groupPriorityMinimum: spec.groupPriorityMinimum ?? 0,
        versionPriority: spec.versionPriority ?? 0,
      };
      if (this.isRemote(a)) {
        // An unavailable APIService's last answer is stale at once (kube's proxy answers its discovery 503).
        const d = this.remoteDiscovery.get(name);
        remote.push({ ...v, remote: { ...(d ?? {}), current: !!d?.current && isAvailable(a) } });
      } else local.set(`${gv.group}/${gv.version}`, v);
    }
    return servedVersions(this.localGroups(), (g, v) => local.get(`${g}/${v}`) ?? defaultPriority(g, v), remote);
  }

  groupList(local: APIGroupList): APIGroupList {
    return mergedGroupList(local, this.served());
  }

  group(name: string, local: APIGroup | undefined): APIGroup | undefined {
    return mergedGroup(name, local, this.served());
  }

  aggregated(local: AggregatedList): AggregatedList {
    return mergedAggregated(local, this.served());
  }

  /** The service-backed APIService a group-version is proxied to, if any. */
  remoteFor(group: string, version: string): KubeObject | undefined {
    const a = this.apiServices.get(`${version}.${group}`);
    return a && this.isRemote(a) ? a : undefined;
  }

  /** True when some service-backed APIService serves this group (its objects are not stored here). */
  isRemoteGroup(group: string): boolean {
    if (!this.remoteGroups) {
      this.remoteGroups = new Set();
      for (const a of this.apiServices.values()) if (this.isRemote(a)) this.remoteGroups.add(specOf(a).group ?? "");
    }
    return this.remoteGroups.has(group);
  }

  /** Proxies a request for a service-backed group-version: 503 while it is unavailable or has no endpoint. */
  async proxy(
    apiService: KubeObject,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    user: UserInfo,
    onSent: () => void,
  ): Promise<void> {
    if (!isAvailable(apiService)) return proxyError(res, 503, "service unavailable");
    const b = this.backendFor(apiService);
    if (typeof b === "string") {
      this.log.warn({ apiService: apiService.metadata.name, why: b }, "error resolving an APIService's service");
      return proxyError(res, 503, "service unavailable");
    }
    await proxyRequest(req, res, b, url.pathname, url.searchParams, user, onSent);
  }
}

interface LegacyResource {
  name: string;
  singularName?: string;
  namespaced?: boolean;
  group?: string;
  version?: string;
  kind?: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
}

/** ConvertGroupVersionIntoToDiscovery: a legacy resource list as aggregated discovery's resources. */
export function legacyToAggregated(list: LegacyResource[]): unknown[] {
  const main = list.filter((r) => !r.name.includes("/"));
  return main.map((r) => {
    const subresources = list
      .filter((s) => s.name.startsWith(`${r.name}/`))
      .map((s) => ({
        subresource: s.name.slice(r.name.length + 1),
        responseKind: { group: s.group ?? "", version: s.version ?? "", kind: s.kind ?? "" },
        verbs: s.verbs ?? [],
      }));
    return {
      resource: r.name,
      responseKind: { group: r.group ?? "", version: r.version ?? "", kind: r.kind ?? "" },
      scope: r.namespaced ? "Namespaced" : "Cluster",
      singularResource: r.singularName ?? "",
      verbs: r.verbs ?? [],
      ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories?.length ? { categories: r.categories } : {}),
      ...(subresources.length ? { subresources } : {}),
    };
  });
}

/** Go's net error text for what Node reports, as kube's message would show it. */
function goNetError(e: Error & { code?: string }, b: Backend): string {
  const addr = `${b.host.includes(":") ? `[${b.host}]` : b.host}:${b.port}`;
  if (e.code === "ECONNREFUSED") return `dial tcp ${addr}: connect: connection refused`;
  if (e.code === "EHOSTUNREACH") return `dial tcp ${addr}: connect: no route to host`;
  if (e.code === "ECONNRESET") return "EOF";
  return e.message;
}

function aggregatorHeaders(accept: string): Record<string, string | string[]> {
  return {
    accept,
    "x-remote-user": AGGREGATOR_USER.username,
    "x-remote-group": AGGREGATOR_USER.groups,
  };
}

function getStatus(b: Backend, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ ...tlsOptions(b), method: "GET", path, headers: aggregatorHeaders("*/*") }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(DISCOVERY_TIMEOUT_MS, () => req.destroy(Object.assign(new Error("timeout"), { timeout: true })));
    req.on("error", reject);
    req.end();
  });
}

function getJson(
  b: Backend,
  path: string,
  accept: string,
): Promise<{ status: number; contentType: string; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ ...tlsOptions(b), method: "GET", path, headers: aggregatorHeaders(accept) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), body });
      });
      res.on("error", reject);
    });
    req.setTimeout(DISCOVERY_TIMEOUT_MS, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}
