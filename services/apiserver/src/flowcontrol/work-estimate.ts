// How many seats a request takes, as kube-apiserver 1.35 estimates it (apiserver pkg/util/flowcontrol/request):
// one for most requests; a list (or a watch that starts with the current state) by the memory its objects take,
// 100 KB a seat; a write by the watches it will wake, with final seats held 5 ms per ten watchers. The object
// counts and watches come in as functions, so this is pure.

import type { RequestDigest } from "./match.ts";
import type { WorkEstimate } from "./queueset.ts";

const MINIMUM_SEATS = 1;
/** SizeBasedListCostEstimate is on in 1.35, which lifts the list limit from 10 to 100. */
const MAXIMUM_LIST_SEATS = 100;
const MAXIMUM_MUTATING_SEATS = 10;
const BYTES_PER_SEAT = 100_000;
const CACHE_STREAMING_MAX_MEMORY = 1_000_000;
const MAX_OBJECT_SIZE = 1_500_000;
const WATCHES_PER_SEAT = 10;
const EVENT_ADDITIONAL_MS = 5;

export interface ObjectStats {
  count: number;
  /** Estimated average size of one object in bytes; 0 when unknown. */
  averageBytes: number;
}

export interface EstimateInputs {
  /** Stored objects of a resource; undefined for one this server does not store (aggregated APIs). */
  stats(group: string, resource: string): ObjectStats | undefined;
  /** Watches a write to this request's object would wake. */
  watchCount(d: RequestDigest): number;
  /** The level's max seats (max(1, min(15% of nominal, nominal / handSize))); undefined for levels without queuing. */
  maxSeats: number | undefined;
}

/** A list is served from the watch cache unless it pages, continues, or asks for an exact older version. */
function listFromCache(query: URLSearchParams): boolean {
  const limit = Number(query.get("limit") ?? 0);
  const rv = query.get("resourceVersion") ?? "";
  return !(limit > 0 || query.get("continue") || (rv !== "" && query.get("resourceVersionMatch") === "Exact"));
}

function listSeats(d: RequestDigest, query: URLSearchParams, inputs: EstimateInputs): number {
  let maxSeats = inputs.maxSeats ?? 0;
  if (maxSeats === 0 || maxSeats > MAXIMUM_LIST_SEATS) maxSeats = MAXIMUM_LIST_SEATS;
  if (d.verb === "watch") {
    const initialEvents = query.get("sendInitialEvents") === "true";
    const rv = query.get("resourceVersion") ?? "";
    if (!initialEvents && rv !== "" && rv !== "0") return MINIMUM_SEATS;
  }
  const stats = inputs.stats(d.apiGroup, d.resourceName);
  // An aggregated API's cost is its own server's; here it is one seat.
  if (!stats) return MINIMUM_SEATS;
  const fromCache = d.verb === "watch" || listFromCache(query);
  const avg = stats.averageBytes <= 0 && stats.count !== 0 ? MAX_OBJECT_SIZE : stats.averageBytes;
  const limitParam = Number(query.get("limit") ?? 0);
  const limited = limitParam > 0 && limitParam < stats.count ? limitParam : stats.count;
  let objects: number;
  if (d.name) objects = 1;
  else if (fromCache) objects = limited;
  else if (query.get("fieldSelector") || query.get("labelSelector"))
    objects = Math.max(limited, Math.trunc(stats.count / 2));
  else objects = limited;
  let memory = objects * avg;
  if (fromCache) memory = Math.min(memory, CACHE_STREAMING_MAX_MEMORY);
  const seats = Math.ceil(memory / BYTES_PER_SEAT);
  return Math.min(Math.max(seats, MINIMUM_SEATS), maxSeats);
}

export function estimateWork(d: RequestDigest, query: URLSearchParams, inputs: EstimateInputs): WorkEstimate {
  const one = { initialSeats: MINIMUM_SEATS, finalSeats: 0, additionalLatencyMs: 0 };
  if (!d.resource) return one;
  switch (d.verb) {
    case "list":
    case "watch":
      // WatchList is on in 1.35: a watch costs what the list it may start with costs.
      return { ...one, initialSeats: listSeats(d, query, inputs) };
    case "create":
    case "update":
    case "patch":
    case "delete": {
      if (d.resourceName === "serviceaccounts" && d.subresource === "token") return one;
      let maxSeats = inputs.maxSeats ?? 0;
      if (maxSeats === 0 || maxSeats > MAXIMUM_MUTATING_SEATS) maxSeats = MAXIMUM_MUTATING_SEATS;
      const watches = inputs.watchCount(d);
      if (watches < WATCHES_PER_SEAT) return one;
      const wanted = Math.ceil(watches / WATCHES_PER_SEAT);
      const finalSeats = Math.min(wanted, maxSeats);
      return { initialSeats: 1, finalSeats, additionalLatencyMs: (wanted * EVENT_ADDITIONAL_MS) / finalSeats };
    }
    default:
      return one;
  }
}

/** The watches a write could wake, counted as kube's WatchTracker counts them. */
export class WatchTracker {
  private readonly counts = new Map<string, number>();

  /** A watch began; the returned function forgets it. Watches of pods on one node are not counted. */
  register(d: RequestDigest, query: URLSearchParams): () => void {
    if (d.verb !== "watch" || !d.resource) return () => {};
    if (d.resourceName === "pods") {
      const node = /(?:^|,)\s*spec\.nodeName\s*==?\s*([^,]+)/.exec(query.get("fieldSelector") ?? "")?.[1]?.trim();
      if (node) return () => {};
    }
    const key = `${d.apiGroup}\u0000${d.resourceName}\u0000${d.namespace}\u0000${d.name}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.counts.get(key) ?? 1) - 1;
      if (n <= 0) this.counts.delete(key);
      else this.counts.set(key, n);
    };
  }

  /** GetInterestedWatchCount: watches of the whole resource, of its namespace, and of the object itself. */
  interested(d: RequestDigest): number {
    if (["get", "list", "watch", "proxy"].includes(d.verb)) return 0;
    const base = `${d.apiGroup}\u0000${d.resourceName}\u0000`;
    let n = this.counts.get(`${base}\u0000`) ?? 0;
    if (d.namespace) {
      n += this.counts.get(`${base}${d.namespace}\u0000`) ?? 0;
      if (d.name) n += this.counts.get(`${base}${d.namespace}\u0000${d.name}`) ?? 0;
    } else if (d.name) n += this.counts.get(`${base}\u0000${d.name}`) ?? 0;
    return n;
  }
}
