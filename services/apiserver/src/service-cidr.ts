import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { isStatusError, type KubeObject } from "@evk/kube";
import type { Logger } from "@evk/observability";
import type { Store, WatchCache } from "@evk/store";
import { deleteHonouringFinalizers } from "./deletion.ts";
import { cidrContains, cidrFamily, parseCIDR, parseIP } from "./spec-validation/ip.ts";

// The service IP allocator's objects as a cluster shows them. evk allocates no service IPs: the host does,
// for the translated Services, and status ingest writes the host's clusterIPs into the virtual ones. So the
// `kubernetes` ServiceCIDR holds the host's service range (--service-cluster-ip-range), and every virtual
// Service's clusterIPs get the IPAddress objects kube's allocator would have created, from the moment they
// are known until the Service goes. What kube-controller-manager's servicecidrs controller does to
// ServiceCIDRs (the protection finalizer, the Ready condition, holding a deletion while IPAddresses need the
// range) is done here too, since evk's clusters run that controller of theirs only on the host.

export const DEFAULT_SERVICE_CIDR_NAME = "kubernetes";
export const SERVICE_CIDR_FINALIZER = "networking.k8s.io/service-cidr-finalizer";
export const MANAGED_BY_LABEL = "ipaddress.kubernetes.io/managed-by";
export const IP_FAMILY_LABEL = "ipaddress.kubernetes.io/ip-family";
export const IP_ALLOCATOR = "ipallocator.k8s.io";
/** How long kube-controller-manager lets a deleted ServiceCIDR's deletion reach the allocators before it goes. */
export const DELETION_GRACE_MS = 10_000;

const servicecidrs = { group: "networking.k8s.io", resource: "servicecidrs" };
const ipaddresses = { group: "networking.k8s.io", resource: "ipaddresses" };
const services = { group: "", resource: "services" };

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const rfc3339 = (t: number) => new Date(t).toISOString().replace(/\.\d+Z$/, "Z");

/** --service-cluster-ip-range: one CIDR, or one of each family; why it is refused, if it is. */
export function serviceRangeProblem(cidrs: string[]): string | undefined {
  if (cidrs.length === 0 || cidrs.length > 2) return "must hold one CIDR, or two of different IP families";
  for (const c of cidrs) if (!parseCIDR(c)) return `${JSON.stringify(c)} is no CIDR`;
  if (cidrs.length === 2 && cidrFamily(cidrs[0] as string) === cidrFamily(cidrs[1] as string))
    return "two CIDRs must be of different IP families";
  return undefined;
}

/** The ServiceCIDR kube-apiserver creates for its own --service-cluster-ip-range. */
export function defaultServiceCIDR(cidrs: string[]): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "ServiceCIDR",
    metadata: { name: DEFAULT_SERVICE_CIDR_NAME },
    spec: { cidrs },
  };
}

interface Condition {
  type: string;
  status: string;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

const READY: Omit<Condition, "lastTransitionTime"> = {
  type: "Ready",
  status: "True",
  reason: "",
  message: "Kubernetes Service CIDR is ready",
};
const TERMINATING: Omit<Condition, "lastTransitionTime"> = {
  type: "Ready",
  status: "False",
  reason: "Terminating",
  message: "There are still IPAddresses referencing the ServiceCIDR, please remove them or create a new ServiceCIDR",
};

/**
 * updateConditionIfNeeded: the ServiceCIDR with `want` in place of its condition of that type (or added), or
 * undefined when that condition already says the same.
 */
function withCondition(
  o: KubeObject,
  want: Omit<Condition, "lastTransitionTime">,
  now: number,
): KubeObject | undefined {
  const conditions = (obj(o.status).conditions ?? []) as Condition[];
  const cur = conditions.find((c) => c.type === want.type);
  if (cur && cur.status === want.status && cur.reason === want.reason && cur.message === want.message) return undefined;
  const next = { ...want, lastTransitionTime: rfc3339(now) };
  const list = cur ? conditions.map((c) => (c.type === want.type ? next : c)) : [...conditions, next];
  return { ...o, status: { ...obj(o.status), conditions: list } };
}

/** What the servicecidrs controller does to a live ServiceCIDR: the finalizer first, then Ready. */
export function syncLiveServiceCIDR(o: KubeObject, now: number): KubeObject | undefined {
  const finalizers = o.metadata.finalizers ?? [];
  if (!finalizers.includes(SERVICE_CIDR_FINALIZER))
    return { ...o, metadata: { ...o.metadata, finalizers: [...finalizers, SERVICE_CIDR_FINALIZER] } };
  return withCondition(o, READY, now);
}

/** An IPAddress object's address, when it is one kube's allocator manages. */
const managedAddress = (ip: KubeObject): string | undefined =>
  ip.metadata.labels?.[MANAGED_BY_LABEL] === IP_ALLOCATOR ? ip.metadata.name : undefined;

/**
 * canDeleteCIDR: a ServiceCIDR may go when another one contains each of its ranges, or when no allocated
 * address has it as its only range.
 */
export function canDeleteServiceCIDR(o: KubeObject, all: KubeObject[], addresses: KubeObject[]): boolean {
  const cidrs = strings(obj(o.spec).cidrs);
  const containing = (test: (c: string) => boolean) =>
    all.filter((x) => strings(obj(x.spec).cidrs).some(test)).map((x) => x.metadata.name);
  let hasParent = true;
  for (const cidr of cidrs) {
    const p = parseCIDR(cidr);
    if (!p) continue;
    const parents = containing((c) => {
      const q = parseCIDR(c);
      return (
        q !== undefined &&
        q.ip.family === p.ip.family &&
        q.bits <= p.bits &&
        cidrContains(c, cidr.split("/")[0] as string)
      );
    });
    if (parents.length === 0 || (parents.length === 1 && parents[0] === o.metadata.name)) hasParent = false;
  }
  if (hasParent) return true;
  for (const ip of addresses) {
    const address = managedAddress(ip);
    if (!address || !parseIP(address)) continue;
    const holders = containing((c) => cidrContains(c, address));
    if (holders.length === 1 && holders[0] === o.metadata.name) return false;
  }
  return true;
}

/** What the servicecidrs controller does to a ServiceCIDR being deleted: hold it, or let it go after the grace. */
export function syncDeletedServiceCIDR(
  o: KubeObject,
  all: KubeObject[],
  addresses: KubeObject[],
  now: number,
): { next?: KubeObject; retryInMs?: number } {
  if (!canDeleteServiceCIDR(o, all, addresses)) {
    const next = withCondition(o, TERMINATING, now);
    return next ? { next } : {};
  }
  const wait = Date.parse(o.metadata.deletionTimestamp as string) + DELETION_GRACE_MS - now;
  if (wait > 0) return { retryInMs: wait };
  const finalizers = o.metadata.finalizers ?? [];
  if (!finalizers.includes(SERVICE_CIDR_FINALIZER)) return {};
  return {
    next: { ...o, metadata: { ...o.metadata, finalizers: finalizers.filter((f) => f !== SERVICE_CIDR_FINALIZER) } },
  };
}

/** The clusterIPs of a Service that kube's allocator holds IPAddresses for. */
export function serviceAddresses(svc: KubeObject): string[] {
  const spec = obj(svc.spec);
  if (spec.type === "ExternalName") return [];
  const ips = strings(spec.clusterIPs).length ? strings(spec.clusterIPs) : strings([spec.clusterIP]);
  return ips.filter((ip) => ip !== "" && ip !== "None" && parseIP(ip) !== undefined);
}

/** The IPAddress kube's allocator creates for a Service's clusterIP. */
export function ipAddressFor(svc: KubeObject, ip: string): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "IPAddress",
    metadata: {
      name: ip,
      labels: { [IP_FAMILY_LABEL]: parseIP(ip)?.family === "6" ? "IPv6" : "IPv4", [MANAGED_BY_LABEL]: IP_ALLOCATOR },
    },
    spec: {
      parentRef: { resource: "services", namespace: svc.metadata.namespace, name: svc.metadata.name },
    },
  };
}

/** True when a managed IPAddress points at this Service (namespace and name). */
const belongsTo = (ip: KubeObject, namespace: string, name: string) => {
  const ref = obj(obj(ip.spec).parentRef);
  return (
    managedAddress(ip) !== undefined &&
    (ref.group ?? "") === "" &&
    ref.resource === "services" &&
    ref.namespace === namespace &&
    ref.name === name
  );
};

/**
 * Pure: the IPAddresses to create and delete so that the managed ones are exactly the clusterIPs of the
 * Service `namespace/name` (undefined: it is gone). An address someone else holds is left alone.
 */
export function planServiceAddresses(
  namespace: string,
  name: string,
  svc: KubeObject | undefined,
  existing: KubeObject[],
): { create: KubeObject[]; remove: string[] } {
  const want = svc && !svc.metadata.deletionTimestamp ? serviceAddresses(svc) : [];
  const byName = new Map(existing.map((ip) => [ip.metadata.name, ip]));
  const create = want.filter((ip) => !byName.has(ip)).map((ip) => ipAddressFor(svc as KubeObject, ip));
  const remove = existing
    .filter((ip) => belongsTo(ip, namespace, name) && !want.includes(ip.metadata.name as string))
    .map((ip) => ip.metadata.name as string);
  return { create, remove };
}

/** Runs one task per key at a time; a key asked for while running runs once more afterwards. */
class KeyedRunner {
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();

  run(key: string, task: () => Promise<void>): void {
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    this.running.add(key);
    void task().finally(() => {
      this.running.delete(key);
      if (this.again.delete(key)) this.run(key, task);
    });
  }
}

/**
 * Keeps the allocator's objects of one virtual cluster: the `kubernetes` ServiceCIDR, the finalizer and
 * Ready condition of every ServiceCIDR, and an IPAddress for every Service clusterIP. Driven by the watch
 * cache; starting from revision 0 makes the first pass a full reconcile.
 */
export class ServiceIPObjects {
  private readonly store: Store;
  private readonly cache: WatchCache;
  private readonly log: Logger;
  private readonly cidrs: string[];
  private readonly runner = new KeyedRunner();
  private readonly watchers: { stop(): void }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The managed IPAddresses of each Service ("namespace/name"), so a Service's sync reads only its own. */
  private readonly byService = new Map<string, Set<string>>();
  private stopped = false;

  constructor(store: Store, cache: WatchCache, log: Logger, serviceCIDRs: string[]) {
    this.store = store;
    this.cache = cache;
    this.log = log;
    this.cidrs = serviceCIDRs;
  }

  async start(): Promise<void> {
    await this.ensureDefault();
    this.watchers.push(
      // First, so that the index of addresses by Service is complete before Services are looked at.
      this.cache.watch(ipaddresses, { fromRevision: 0 }, (ev) => {
        const ref = obj(obj(ev.object.spec).parentRef);
        this.index(ev.object, ev.type === "DELETED");
        // A managed address removed by hand comes back while its Service holds it; a stale one goes.
        if (managedAddress(ev.object) && ref.resource === "services" && !ref.group)
          this.syncService(String(ref.namespace ?? ""), String(ref.name ?? ""));
        // Every address gone may free a ServiceCIDR waiting to be deleted.
        if (ev.type === "DELETED")
          for (const c of this.cache.list(servicecidrs).items)
            if (c.object.metadata.deletionTimestamp) this.syncCIDR(c.object.metadata.name as string);
      }),
      this.cache.watch(servicecidrs, { fromRevision: 0 }, (ev) => {
        if (ev.type !== "DELETED") this.syncCIDR(ev.object.metadata.name as string);
      }),
      this.cache.watch(services, { fromRevision: 0 }, (ev) => {
        this.syncService(ev.object.metadata.namespace as string, ev.object.metadata.name as string);
      }),
    );
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watchers) w.stop();
    for (const t of this.timers) clearTimeout(t);
  }

  /** kube-apiserver's default ServiceCIDR controller: create it, or add the second family to a single-stack one. */
  private async ensureDefault(): Promise<void> {
    const ref = { ...servicecidrs, name: DEFAULT_SERVICE_CIDR_NAME };
    const fresh = defaultServiceCIDR(this.cidrs);
    try {
      await this.store.create(ref, {
        ...fresh,
        metadata: { ...fresh.metadata, uid: randomUUID(), creationTimestamp: rfc3339(Date.now()) },
      });
      this.log.info({ cidrs: this.cidrs }, "created the default ServiceCIDR");
      return;
    } catch (err) {
      if (!isStatusError(err, "AlreadyExists")) throw err;
    }
    await this.store.guaranteedUpdate(ref, (cur) => {
      const have = strings(obj(cur.spec).cidrs);
      if (this.cidrs.length === 2 && have.length === 1 && have[0] === this.cidrs[0])
        return { ...cur, spec: { ...obj(cur.spec), cidrs: this.cidrs } };
      if (!isDeepStrictEqual(have, this.cidrs))
        this.log.warn(
          { configured: this.cidrs, stored: have },
          "the default ServiceCIDR does not match --service-cluster-ip-range; delete it to have it re-created",
        );
      return cur;
    });
  }

  private syncCIDR(name: string): void {
    if (this.stopped) return;
    this.runner.run(`cidr/${name}`, async () => {
      try {
        const ref = { ...servicecidrs, name };
        let retryInMs: number | undefined;
        const updated = await this.store.guaranteedUpdate(ref, (cur) => {
          if (!cur.metadata.deletionTimestamp) return syncLiveServiceCIDR(cur, Date.now()) ?? cur;
          const all = this.cache.list(servicecidrs).items.map((i) => i.object);
          const addresses = this.cache.list(ipaddresses).items.map((i) => i.object);
          const out = syncDeletedServiceCIDR(cur, all, addresses, Date.now());
          retryInMs = out.retryInMs;
          return out.next ?? cur;
        });
        if (retryInMs !== undefined) this.later(retryInMs, () => this.syncCIDR(name));
        // The last finalizer gone: the deletion completes, as it would after an API write.
        if (updated.metadata.deletionTimestamp && (updated.metadata.finalizers ?? []).length === 0)
          await this.store.delete(ref, { resourceVersion: updated.metadata.resourceVersion as string });
      } catch (err) {
        if (!isStatusError(err, "NotFound"))
          this.log.error({ servicecidr: name, err: (err as Error).message }, "syncing a ServiceCIDR failed");
      }
    });
  }

  private syncService(namespace: string, name: string): void {
    if (this.stopped || !namespace || !name) return;
    this.runner.run(`svc/${namespace}/${name}`, async () => {
      try {
        const svc = this.cache.get({ ...services, namespace, name })?.object;
        const names = new Set([
          ...(this.byService.get(`${namespace}/${name}`) ?? []),
          ...(svc ? serviceAddresses(svc) : []),
        ]);
        const existing: KubeObject[] = [];
        for (const n of names) {
          const ip = this.cache.get({ ...ipaddresses, name: n })?.object;
          if (ip) existing.push(ip);
        }
        const plan = planServiceAddresses(namespace, name, svc, existing);
        for (const ip of plan.create)
          await this.store
            .create(
              { ...ipaddresses, name: ip.metadata.name as string },
              { ...ip, metadata: { ...ip.metadata, uid: randomUUID(), creationTimestamp: rfc3339(Date.now()) } },
            )
            .catch((err) => {
              if (!isStatusError(err, "AlreadyExists")) throw err;
            });
        for (const ip of plan.remove)
          await deleteHonouringFinalizers(this.store, ipaddresses, { ...ipaddresses, name: ip }).catch((err) => {
            if (!isStatusError(err, "NotFound")) throw err;
          });
      } catch (err) {
        this.log.error({ service: `${namespace}/${name}`, err: (err as Error).message }, "syncing IPAddresses failed");
      }
    });
  }

  private index(ip: KubeObject, gone: boolean): void {
    const ref = obj(obj(ip.spec).parentRef);
    const name = ip.metadata.name as string;
    // An address's parent never changes (validation), so one Service's set is the only one to touch.
    const key = `${String(ref.namespace ?? "")}/${String(ref.name ?? "")}`;
    if (!managedAddress(ip) || ref.resource !== "services" || ref.group) return;
    const set = this.byService.get(key) ?? new Set<string>();
    if (gone) set.delete(name);
    else set.add(name);
    if (set.size) this.byService.set(key, set);
    else this.byService.delete(key);
  }

  private later(ms: number, f: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      f();
    }, ms);
    this.timers.add(t);
  }
}
