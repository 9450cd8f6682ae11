import assert from "node:assert/strict";
import type { KubeObject } from "@evk/kube";
import { applyDefaults } from "../src/defaults/index.ts";
import {
  computeConcurrencyAllocation,
  currentLimits,
  Integrator,
  levelLimits,
  maxSeatsFor,
  updateDemandStats,
} from "../src/flowcontrol/allocation.ts";
import {
  AUTO_UPDATE_ANNOTATION,
  bootstrapObject,
  MANDATORY_FLOW_SCHEMAS,
  MANDATORY_PRIORITY_LEVELS,
  SUGGESTED_FLOW_SCHEMAS,
  SUGGESTED_PRIORITY_LEVELS,
} from "../src/flowcontrol/bootstrap.ts";
import { danglingCondition, queuingOf, schemaOrder } from "../src/flowcontrol/controller.ts";
import { parseBool, reviseIfNeeded, specEqualish, unwantedObjects } from "../src/flowcontrol/ensurer.ts";
import { isLongRunning, parseGoDuration, waitLimitMs } from "../src/flowcontrol/filter.ts";
import {
  classificationKey,
  digestOf,
  type FlowSchemaSpec,
  flowDistinguisher,
  hashFlowID,
  matchesFlowSchema,
  matchesNonResourceURL,
  type RequestDigest,
} from "../src/flowcontrol/match.ts";
import { dealHand, QueueSet } from "../src/flowcontrol/queueset.ts";
import { DroppedRequestsTracker } from "../src/flowcontrol/retry-after.ts";
import { estimateWork, WatchTracker } from "../src/flowcontrol/work-estimate.ts";
import { parseRequest } from "../src/request-info.ts";
import { specProblems, specUpdateProblems, statusUpdateProblems } from "../src/spec-validation/index.ts";
import { tableColumns, toTable } from "../src/tables/index.ts";

// API Priority and Fairness, piece by piece, against kube-apiserver 1.35's rules (apiserver pkg/util/flowcontrol,
// kubernetes pkg/apis/flowcontrol, pkg/registry/flowcontrol/ensurer). Expected numbers come from kube's own tests
// or were printed by the Go code (hashes, hands) and a real kube-apiserver (seat limits).

const admin = { username: "admin", groups: ["system:masters", "system:authenticated"] };
const sa = (ns: string, name: string) => ({
  username: `system:serviceaccount:${ns}:${name}`,
  groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"],
});
const anonymous = { username: "system:anonymous", groups: ["system:unauthenticated"] };

function digest(user: RequestDigest["user"], method: string, path: string): RequestDigest {
  const url = new URL(path, "https://x");
  return digestOf(parseRequest(method, url.pathname, url.searchParams), user, method, url.pathname, url.searchParams);
}

/** The schema kube would pick among the bootstrap configuration. */
function classify(d: RequestDigest): string {
  const all = [...MANDATORY_FLOW_SCHEMAS, ...SUGGESTED_FLOW_SCHEMAS]
    .map((b) => ({ name: b.name, spec: b.spec as FlowSchemaSpec }))
    .sort(schemaOrder);
  return all.find((s) => matchesFlowSchema(d, s.spec))?.name ?? "catch-all";
}

describe("flowcontrol: classification", () => {
  const cases: [string, RequestDigest, string][] = [
    ["system:masters, any request", digest(admin, "GET", "/api/v1/pods"), "exempt"],
    ["an anonymous probe", digest(anonymous, "GET", "/healthz"), "probes"],
    ["an anonymous /livez/etcd is a probe too (prefix rule)", digest(anonymous, "GET", "/livez/etcd"), "probes"],
    ["an anonymous /metrics is no probe", digest(anonymous, "GET", "/metrics"), "global-default"],
    ["a POST to /healthz is no probe", digest(sa("default", "x"), "POST", "/healthz"), "service-accounts"],
    [
      "a kube-system service account's lease",
      digest(sa("kube-system", "x"), "PUT", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l"),
      "system-leader-election",
    ],
    [
      "a kube-system service account's pods",
      digest(sa("kube-system", "x"), "GET", "/api/v1/namespaces/default/pods"),
      "kube-system-service-accounts",
    ],
    [
      "another namespace's service account",
      digest(sa("default", "builder"), "GET", "/api/v1/namespaces/default/pods"),
      "service-accounts",
    ],
    [
      "kube-controller-manager (precedence tie broken by name)",
      digest({ username: "system:kube-controller-manager", groups: ["system:authenticated"] }, "GET", "/api/v1/nodes"),
      "kube-controller-manager",
    ],
    [
      "a node's own status",
      digest(
        { username: "system:node:n1", groups: ["system:nodes", "system:authenticated"] },
        "PATCH",
        "/api/v1/nodes/n1/status",
      ),
      "system-node-high",
    ],
    [
      "a node's pods",
      digest({ username: "system:node:n1", groups: ["system:nodes", "system:authenticated"] }, "GET", "/api/v1/pods"),
      "system-nodes",
    ],
    ["a plain user", digest({ username: "alice", groups: ["system:authenticated"] }, "GET", "/apis"), "global-default"],
  ];
  for (const [name, d, want] of cases) it(name, () => assert.equal(classify(d), want));

  it("reads kube's RequestInfo: a namespace object is in its own namespace, names come from field selectors", () => {
    assert.equal(digest(admin, "GET", "/api/v1/namespaces/foo").namespace, "foo");
    assert.equal(digest(admin, "GET", "/api/v1/namespaces").namespace, "");
    assert.equal(digest(admin, "GET", "/api/v1/namespaces/foo/pods/p").namespace, "foo");
    assert.equal(digest(admin, "GET", "/api/v1/namespaces/d/pods?fieldSelector=metadata.name%3Dp1").name, "p1");
    const nr = digest(admin, "POST", "/logs/x");
    assert.deepEqual([nr.resource, nr.verb, nr.path], [false, "post", "/logs/x"]);
  });

  it("matches resource rules by verb, group, resource/subresource and scope", () => {
    const rule = (r: Record<string, unknown>): FlowSchemaSpec => ({
      rules: [{ subjects: [{ kind: "Group", group: { name: "*" } }], resourceRules: [r as never] }],
    });
    const pods = rule({ verbs: ["get"], apiGroups: [""], resources: ["pods"], namespaces: ["a"] });
    assert.equal(matchesFlowSchema(digest(admin, "GET", "/api/v1/namespaces/a/pods/p"), pods), true);
    assert.equal(matchesFlowSchema(digest(admin, "GET", "/api/v1/namespaces/b/pods/p"), pods), false);
    assert.equal(matchesFlowSchema(digest(admin, "GET", "/api/v1/namespaces/a/pods/p/status"), pods), false);
    assert.equal(matchesFlowSchema(digest(admin, "LIST" as string, "/api/v1/namespaces/a/pods"), pods), false);
    const status = rule({ verbs: ["*"], apiGroups: ["*"], resources: ["pods/status"], namespaces: ["*"] });
    assert.equal(matchesFlowSchema(digest(admin, "PUT", "/api/v1/namespaces/a/pods/p/status"), status), true);
    const cluster = rule({ verbs: ["*"], apiGroups: ["*"], resources: ["*"], clusterScope: true });
    assert.equal(matchesFlowSchema(digest(admin, "GET", "/api/v1/nodes"), cluster), true);
    assert.equal(matchesFlowSchema(digest(admin, "GET", "/api/v1/namespaces/a/pods"), cluster), false);
    assert.equal(matchesFlowSchema(digest(admin, "GET", "/api/v1/nodes"), pods), false);
  });

  it("matches subjects: users, groups, service accounts by name or namespace", () => {
    const by = (s: Record<string, unknown>): FlowSchemaSpec => ({
      rules: [{ subjects: [s as never], nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }] }],
    });
    const d = (u: RequestDigest["user"]) => digest(u, "GET", "/version");
    assert.equal(
      matchesFlowSchema(
        d(sa("ns", "a")),
        by({ kind: "ServiceAccount", serviceAccount: { namespace: "ns", name: "*" } }),
      ),
      true,
    );
    assert.equal(
      matchesFlowSchema(
        d(sa("ns2", "a")),
        by({ kind: "ServiceAccount", serviceAccount: { namespace: "ns", name: "*" } }),
      ),
      false,
    );
    assert.equal(
      matchesFlowSchema(
        d(sa("ns", "a")),
        by({ kind: "ServiceAccount", serviceAccount: { namespace: "ns", name: "a" } }),
      ),
      true,
    );
    assert.equal(
      matchesFlowSchema(
        d(sa("ns", "ab")),
        by({ kind: "ServiceAccount", serviceAccount: { namespace: "ns", name: "a" } }),
      ),
      false,
    );
    assert.equal(matchesFlowSchema(d(admin), by({ kind: "User", user: { name: "admin" } })), true);
    assert.equal(matchesFlowSchema(d(admin), by({ kind: "User", user: { name: "*" } })), true);
    assert.equal(matchesFlowSchema(d(admin), by({ kind: "Group", group: { name: "system:masters" } })), true);
    assert.equal(matchesFlowSchema(d(anonymous), by({ kind: "Group", group: { name: "system:masters" } })), false);
    assert.equal(matchesFlowSchema(d(admin), by({ kind: "User" })), false);
  });

  it("matches non-resource URLs exactly, by prefix with /*, or all with *", () => {
    const cases: [string[], string, boolean][] = [
      [["*"], "/anything", true],
      [["/healthz"], "/healthz", true],
      [["/healthz"], "/healthz/etcd", true],
      [["/apis/*"], "/apis/apps", true],
      [["/apis/*"], "/apis", false],
      [["/metrics"], "/metricsx", false],
    ];
    for (const [urls, path, want] of cases) assert.equal(matchesNonResourceURL(urls, path), want, `${urls} ${path}`);
  });

  it("distinguishes flows by user or namespace and hashes them as kube does", () => {
    const d = digest(sa("default", "burst"), "GET", "/api/v1/namespaces/ns1/pods");
    assert.equal(flowDistinguisher(d, { type: "ByUser" }), "system:serviceaccount:default:burst");
    assert.equal(flowDistinguisher(d, { type: "ByNamespace" }), "ns1");
    assert.equal(flowDistinguisher(d, null), "");
    // Printed by kube's hashFlowID and shufflesharding.Dealer.
    assert.equal(hashFlowID("service-accounts", "system:serviceaccount:default:burst"), 14896144542055975960n);
    assert.equal(hashFlowID("catch-all", ""), 7733929212674924205n);
    assert.deepEqual(dealHand(14896144542055975960n, 128, 6), [24, 93, 61, 51, 81, 79]);
    assert.deepEqual(dealHand(17644606172554983095n, 16, 4), [7, 14, 0, 3]);
    assert.deepEqual(dealHand(5788695476672829020n, 128, 6), [92, 95, 124, 69, 84, 46]);
  });

  it("memoises by everything classification reads", () => {
    const a = digest(admin, "GET", "/api/v1/namespaces/a/pods");
    const b = digest(admin, "GET", "/api/v1/namespaces/b/pods");
    const c = digest({ ...admin, groups: ["system:authenticated"] }, "GET", "/api/v1/namespaces/a/pods");
    assert.notEqual(classificationKey(a), classificationKey(b));
    assert.notEqual(classificationKey(a), classificationKey(c));
    assert.equal(classificationKey(a), classificationKey(digest(admin, "GET", "/api/v1/namespaces/a/pods?limit=5")));
  });
});

describe("flowcontrol: seats", () => {
  const levels = [...MANDATORY_PRIORITY_LEVELS, ...SUGGESTED_PRIORITY_LEVELS];
  const sharesOf = (spec: Record<string, unknown>) => {
    const l = spec.limited as Record<string, number> | undefined;
    const e = spec.exempt as Record<string, number> | undefined;
    return l
      ? {
          exempt: false,
          shares: l.nominalConcurrencyShares ?? 0,
          lendablePercent: l.lendablePercent,
          borrowingLimitPercent: l.borrowingLimitPercent,
        }
      : { exempt: true, shares: e?.nominalConcurrencyShares ?? 0, lendablePercent: e?.lendablePercent };
  };

  it("divides 600 seats as kube-apiserver 1.35 does (nominal, lower, upper; read from its metrics)", () => {
    const tiny = {
      name: "tiny",
      spec: { limited: { nominalConcurrencyShares: 1, lendablePercent: 0, borrowingLimitPercent: 0 } },
    };
    const all = [...levels, tiny];
    const sum = all.reduce((s, l) => s + sharesOf(l.spec).shares, 0);
    const got: Record<string, { nominalCL: number; minCL: number; maxCL: number }> = Object.fromEntries(
      all.map((l) => [l.name, levelLimits(600, sharesOf(l.spec), sum)]),
    );
    assert.deepEqual(
      { ...got },
      {
        "catch-all": { nominalCL: 13, minCL: 13, maxCL: 613 },
        exempt: { nominalCL: 0, minCL: 0, maxCL: 600 },
        "global-default": { nominalCL: 49, minCL: 24, maxCL: 649 },
        "leader-election": { nominalCL: 25, minCL: 25, maxCL: 625 },
        "node-high": { nominalCL: 98, minCL: 73, maxCL: 698 },
        system: { nominalCL: 74, minCL: 50, maxCL: 674 },
        tiny: { nominalCL: 3, minCL: 3, maxCL: 3 },
        "workload-high": { nominalCL: 98, minCL: 49, maxCL: 698 },
        "workload-low": { nominalCL: 244, minCL: 24, maxCL: 844 },
      },
    );
    // With no demand at all, the current limits kube reported at rest.
    const names = Object.keys(got);
    const cls = currentLimits(
      names.reduce((s, n) => s + (got[n]?.nominalCL ?? 0), 0),
      names.map((n) => ({
        ...(got[n] as { nominalCL: number; minCL: number; maxCL: number }),
        exempt: n === "exempt",
        stats: { avg: 0, stdDev: 0, highWatermark: n === "exempt" ? 1 : 0, smoothed: 0 },
        currentCL: 0,
      })),
    );
    assert.deepEqual(Object.fromEntries(names.map((n, i) => [n, cls[i]])), {
      "catch-all": 30,
      exempt: 1,
      "global-default": 56,
      "leader-election": 58,
      "node-high": 170,
      system: 116,
      tiny: 3,
      "workload-high": 114,
      "workload-low": 56,
    });
  });

  it("limits one request's seats to max(1, min(15% of nominal, nominal / handSize))", () => {
    assert.equal(maxSeatsFor(244, 6), 37);
    assert.equal(maxSeatsFor(3, 6), 1);
    assert.equal(maxSeatsFor(49, 6), 8);
    assert.equal(maxSeatsFor(13, undefined), undefined);
  });

  it("computeConcurrencyAllocation: fair shares within bounds summing to the total", () => {
    const cases: [number, { target: number; lowerBound: number; upperBound: number }[], number[]][] = [
      [
        10,
        [
          { target: 1, lowerBound: 0, upperBound: 10 },
          { target: 1, lowerBound: 0, upperBound: 10 },
        ],
        [5, 5],
      ],
      [
        10,
        [
          { target: 1, lowerBound: 0, upperBound: 2 },
          { target: 1, lowerBound: 0, upperBound: 10 },
        ],
        [2, 8],
      ],
      [
        10,
        [
          { target: 4, lowerBound: 4, upperBound: 4 },
          { target: 1, lowerBound: 1, upperBound: 10 },
        ],
        [4, 6],
      ],
      [
        6,
        [
          { target: 1, lowerBound: 3, upperBound: 3 },
          { target: 1, lowerBound: 3, upperBound: 3 },
        ].map((c) => ({ ...c, target: 3 })),
        [3, 3],
      ],
      [0, [{ target: 1, lowerBound: 0, upperBound: 2 }], [0]],
    ];
    for (const [sum, classes, want] of cases) {
      const [allocs] = computeConcurrencyAllocation(sum, classes);
      assert.deepEqual(
        allocs.map((a) => Math.round(a * 1e9) / 1e9),
        want,
        JSON.stringify(classes),
      );
    }
    assert.throws(
      () => computeConcurrencyAllocation(1, [{ target: 2, lowerBound: 2, upperBound: 3 }]),
      /lower bounds sum/,
    );
    assert.throws(
      () => computeConcurrencyAllocation(9, [{ target: 1, lowerBound: 0, upperBound: 3 }]),
      /upper bounds sum/,
    );
  });

  it("integrates seat demand over time and smooths it", () => {
    let t = 0;
    const i = new Integrator(() => t);
    i.set(2);
    t = 1000;
    i.set(4);
    t = 2000;
    const r = i.reset();
    assert.deepEqual([r.duration, r.average, r.max, r.deviation], [2, 3, 4, 1]);
    const s = updateDemandStats({ avg: 0, stdDev: 0, highWatermark: 0, smoothed: 10 }, r);
    assert.equal(s.highWatermark, 4);
    assert.ok(Math.abs(s.smoothed - (0.977 * 10 + 0.023 * 4)) < 1e-9);
    t = 3000;
    assert.deepEqual(i.reset().max, 4, "after a reset the range starts at the current value");
  });

  it("estimates work: lists by memory, writes by watchers, the rest one seat", () => {
    const stats = (count: number, averageBytes: number) => () => ({ count, averageBytes });
    const none = { stats: () => undefined, watchCount: () => 0, maxSeats: undefined };
    const q = (s = "") => new URLSearchParams(s);
    const list = digest(admin, "GET", "/api/v1/pods");
    assert.equal(
      estimateWork(list, q(), { ...none, stats: stats(1000, 5000) }).initialSeats,
      10,
      "1 MB from the cache",
    );
    assert.equal(estimateWork(list, q(), { ...none, stats: stats(1000, 5000), maxSeats: 4 }).initialSeats, 4);
    assert.equal(
      estimateWork(list, q("limit=500"), { ...none, stats: stats(1000, 5000) }).initialSeats,
      25,
      "paged lists read etcd",
    );
    assert.equal(estimateWork(list, q(), { ...none, stats: stats(10, 1000) }).initialSeats, 1);
    assert.equal(estimateWork(list, q(), none).initialSeats, 1, "an aggregated API's list");
    const watch = digest(admin, "GET", "/api/v1/pods?watch=1&resourceVersion=5");
    assert.equal(
      estimateWork(watch, q("watch=1&resourceVersion=5"), { ...none, stats: stats(1000, 5000) }).initialSeats,
      1,
    );
    const create = digest(admin, "POST", "/api/v1/namespaces/a/pods");
    assert.deepEqual(estimateWork(create, q(), { ...none, watchCount: () => 9 }), {
      initialSeats: 1,
      finalSeats: 0,
      additionalLatencyMs: 0,
    });
    assert.deepEqual(estimateWork(create, q(), { ...none, watchCount: () => 25 }), {
      initialSeats: 1,
      finalSeats: 3,
      additionalLatencyMs: 5,
    });
    assert.deepEqual(estimateWork(create, q(), { ...none, watchCount: () => 250 }), {
      initialSeats: 1,
      finalSeats: 10,
      additionalLatencyMs: 12.5,
    });
    const token = digest(admin, "POST", "/api/v1/namespaces/a/serviceaccounts/s/token");
    assert.equal(estimateWork(token, q(), { ...none, watchCount: () => 250 }).finalSeats, 0);
  });

  it("counts the watches a write wakes: the resource's, its namespace's and the object's", () => {
    const w = new WatchTracker();
    const q = new URLSearchParams("watch=1");
    const forget = w.register(digest(admin, "GET", "/api/v1/pods?watch=1"), q);
    w.register(digest(admin, "GET", "/api/v1/namespaces/a/pods?watch=1"), q);
    w.register(digest(admin, "GET", "/api/v1/namespaces/b/pods?watch=1"), q);
    w.register(
      digest(admin, "GET", "/api/v1/pods?watch=1&fieldSelector=spec.nodeName%3Dn1"),
      new URLSearchParams("fieldSelector=spec.nodeName=n1"),
    );
    assert.equal(w.interested(digest(admin, "POST", "/api/v1/namespaces/a/pods")), 2);
    assert.equal(w.interested(digest(admin, "GET", "/api/v1/namespaces/a/pods")), 0);
    forget();
    forget();
    assert.equal(w.interested(digest(admin, "POST", "/api/v1/namespaces/a/pods")), 1);
  });
});

describe("flowcontrol: queue sets", () => {
  const work = (seats = 1) => ({ initialSeats: seats, finalSeats: 0, additionalLatencyMs: 0 });
  let now = 0;
  const clock = () => now;

  it("a level without queues runs what fits and rejects the rest", () => {
    const qs = new QueueSet("tiny", { queues: 0, handSize: 0, queueLengthLimit: 0 }, clock);
    qs.setConfiguration({ queues: 0, handSize: 0, queueLengthLimit: 0 }, 3);
    const running = [1, 2, 3].map(() => qs.startRequest(work(), 0n, "f", "fs"));
    assert.ok(running.every((r) => r?.decision === "execute"));
    assert.equal(qs.startRequest(work(), 0n, "f", "fs"), undefined);
    qs.finish(running[0] as never);
    assert.equal(qs.startRequest(work(), 0n, "f", "fs")?.decision, "execute");
    // A request wider than the whole limit runs only alone.
    const wide = new QueueSet("w", { queues: 0, handSize: 0, queueLengthLimit: 0 }, clock);
    wide.setConfiguration({ queues: 0, handSize: 0, queueLengthLimit: 0 }, 2);
    assert.equal(wide.startRequest(work(5), 0n, "f", "fs")?.decision, "execute");
    assert.equal(wide.startRequest(work(1), 0n, "f", "fs"), undefined);
  });

  it("the exempt level is never limited", () => {
    const qs = new QueueSet("exempt", { queues: -1, handSize: 0, queueLengthLimit: 0 }, clock);
    for (let i = 0; i < 1000; i++) assert.equal(qs.startRequest(work(), 0n, "", "exempt")?.decision, "execute");
    assert.equal(qs.requestsExecuting, 1000);
  });

  it("queues what does not fit, dispatches fairly, and rejects when the queue is full", async () => {
    const cfg = { queues: 4, handSize: 2, queueLengthLimit: 2 };
    const qs = new QueueSet("q", cfg, clock);
    qs.setConfiguration(cfg, 1);
    const first = qs.startRequest(work(), 1n, "a", "fs");
    assert.equal(first?.decision, "execute");
    const a2 = qs.startRequest(work(), 1n, "a", "fs");
    const b1 = qs.startRequest(work(), 99n, "b", "fs");
    assert.equal(a2?.decision, undefined);
    assert.equal(b1?.decision, undefined);
    assert.equal(qs.requestsWaiting, 2);
    // Flow a fills its hand's queues; then it is turned away.
    qs.startRequest(work(), 1n, "a", "fs");
    qs.startRequest(work(), 1n, "a", "fs");
    qs.startRequest(work(), 1n, "a", "fs");
    assert.equal(qs.startRequest(work(), 1n, "a", "fs"), undefined);
    now += 10;
    qs.finish(first as never);
    assert.equal(await Promise.race([a2?.decided, b1?.decided]), true);
    assert.equal(qs.requestsExecuting, 1);
  });

  it("a waiting request can give up, and nothing waits for it then", async () => {
    const cfg = { queues: 1, handSize: 1, queueLengthLimit: 5 };
    const qs = new QueueSet("q", cfg, clock);
    qs.setConfiguration(cfg, 1);
    const running = qs.startRequest(work(), 0n, "a", "fs");
    const waiting = qs.startRequest(work(), 0n, "a", "fs");
    assert.equal(qs.cancel(waiting as never), true);
    assert.equal(await waiting?.decided, false);
    assert.equal(qs.requestsWaiting, 0);
    qs.finish(running as never);
    assert.equal(qs.isIdle(), true);
  });

  it("raising the limit dispatches what waits", async () => {
    const cfg = { queues: 2, handSize: 1, queueLengthLimit: 5 };
    const qs = new QueueSet("q", cfg, clock);
    qs.setConfiguration(cfg, 1);
    qs.startRequest(work(), 0n, "a", "fs");
    const w = qs.startRequest(work(), 0n, "a", "fs");
    qs.setConfiguration(cfg, 2);
    assert.equal(await w?.decided, true);
  });
});

describe("flowcontrol: Retry-After (kube's TestDroppedRequestsTracker)", () => {
  it("grows and shrinks with the drops per second", () => {
    let t = 1_700_000_000_000;
    const tracker = new DroppedRequestsTracker(() => t);
    const steps: [number, number, number][] = [
      [0, 5, 1],
      [1, 11, 2],
      [2, 1, 2],
      [3, 11, 4],
      [4, 1, 4],
      [7, 1, 8],
      [11, 1, 8],
      [15, 1, 7],
      [17, 1, 6],
      [21, 14, 5],
      [22, 1, 10],
    ];
    const start = t;
    for (const [secs, drops, want] of steps) {
      t = start + secs * 1000;
      for (let i = 0; i < drops; i++) tracker.recordDropped("pl");
      assert.equal(tracker.retryAfter("pl"), want, `at ${secs}s`);
    }
    assert.equal(tracker.retryAfter("other"), 1);
  });
});

describe("flowcontrol: the request pipeline", () => {
  it("leaves long-running requests but watches alone", () => {
    const info = (m: string, p: string) => {
      const u = new URL(p, "https://x");
      return parseRequest(m, u.pathname, u.searchParams);
    };
    assert.equal(isLongRunning(info("GET", "/api/v1/pods?watch=true")), true);
    assert.equal(isLongRunning(info("GET", "/api/v1/namespaces/a/pods/p/log")), true);
    assert.equal(isLongRunning(info("POST", "/api/v1/namespaces/a/pods/p/exec")), true);
    assert.equal(isLongRunning(info("GET", "/api/v1/namespaces/a/pods/p")), false);
    assert.equal(isLongRunning(info("GET", "/healthz")), false);
  });

  it("waits at most a quarter of the request's deadline", () => {
    const u = (p: string) => new URL(p, "https://x");
    const at = (p: string) => waitLimitMs(parseRequest("GET", u(p).pathname, u(p).searchParams), u(p).searchParams);
    assert.equal(at("/api/v1/pods"), 15_000);
    assert.equal(at("/api/v1/pods?timeout=32s"), 8_000);
    assert.equal(at("/api/v1/pods?timeout=5m"), 15_000);
    assert.equal(at("/api/v1/pods?watch=1&timeout=2s"), 15_000);
    assert.deepEqual(["1m30s", "250ms", "1.5s", "x", ""].map(parseGoDuration), [
      90_000,
      250,
      1_500,
      undefined,
      undefined,
    ]);
  });
});

describe("flowcontrol: configuration objects", () => {
  const fsDefaults = (o: Record<string, unknown>) =>
    applyDefaults("flowcontrol.apiserver.k8s.io", "flowschemas", o as KubeObject, { subresource: "x" });
  const plDefaults = (o: Record<string, unknown>) =>
    applyDefaults("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", o as KubeObject, {
      subresource: "x",
    });

  it("defaults as kube's v1 defaulters (and writes what Go always writes)", () => {
    const fs = fsDefaults({
      metadata: { name: "a" },
      spec: {
        priorityLevelConfiguration: { name: "p" },
        rules: [
          {
            subjects: [{ kind: "Group", group: { name: "g" } }],
            resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"], clusterScope: true, namespaces: [] }],
          },
        ],
      },
    });
    assert.deepEqual(fs.spec, {
      priorityLevelConfiguration: { name: "p" },
      matchingPrecedence: 1000,
      rules: [
        {
          subjects: [{ kind: "Group", group: { name: "g" } }],
          resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"], clusterScope: true, namespaces: null }],
        },
      ],
    });
    assert.deepEqual(fs.status, {});
    const pl = plDefaults({
      metadata: { name: "p" },
      spec: { type: "Limited", limited: { limitResponse: { type: "Queue", queuing: {} } } },
    });
    assert.deepEqual(pl.spec, {
      type: "Limited",
      limited: {
        nominalConcurrencyShares: 30,
        lendablePercent: 0,
        limitResponse: { type: "Queue", queuing: { handSize: 8, queues: 64, queueLengthLimit: 50 } },
      },
    });
    const exempt = plDefaults({ metadata: { name: "exempt" }, spec: { type: "Exempt", exempt: {} } });
    assert.deepEqual(exempt.spec, { type: "Exempt", exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } });
  });

  const fsType = { group: "flowcontrol.apiserver.k8s.io", resource: "flowschemas" };
  const plType = { group: "flowcontrol.apiserver.k8s.io", resource: "prioritylevelconfigurations" };
  const messages = (causes: { field?: string; message?: string }[]) => causes.map((c) => `${c.field}: ${c.message}`);

  it("validates FlowSchemas with kube's messages", () => {
    const fs = fsDefaults({
      metadata: { name: "bad" },
      spec: {
        priorityLevelConfiguration: { name: "" },
        matchingPrecedence: 1,
        distinguisherMethod: { type: "ByColour" },
        rules: [
          { subjects: [] },
          {
            subjects: [{ kind: "ServiceAccount", serviceAccount: { name: "", namespace: "" } }, { kind: "Robot" }],
            resourceRules: [
              { verbs: ["get", "*"], apiGroups: ["*", "apps"], resources: [], namespaces: ["Not_A_Label"] },
            ],
            nonResourceRules: [{ verbs: ["fly"], nonResourceURLs: ["healthz", "/a/*/b"] }],
          },
        ],
      },
    });
    assert.deepEqual(messages(specProblems(fsType, fs)), [
      "spec.matchingPrecedence: Invalid value: 1: only the schema named 'exempt' may have matchingPrecedence 1",
      'spec.distinguisherMethod.type: Unsupported value: {"Type":"ByColour"}: supported values: "ByNamespace", "ByUser"',
      "spec.priorityLevelConfiguration.name: Required value: must reference a priority level",
      "spec.rules[0].subjects: Required value: subjects must contain at least one value",
      "spec.rules[0]: Required value: at least one of resourceRules and nonResourceRules has to be non-empty",
      "spec.rules[1].subjects[0].serviceAccount.name: Required value",
      "spec.rules[1].subjects[0].serviceAccount.namespace: Required value: must specify namespace for service account",
      'spec.rules[1].subjects[1].kind: Unsupported value: "Robot": supported values: "Group", "ServiceAccount", "User"',
      'spec.rules[1].resourceRules[0].verbs: Invalid value: ["get","*"]: if \'*\' is present, must not specify other verbs',
      'spec.rules[1].resourceRules[0].apiGroups: Invalid value: ["*","apps"]: if \'*\' is present, must not specify other api groups',
      "spec.rules[1].resourceRules[0].resources: Required value: resource rules must supply at least one resource",
      "spec.rules[1].resourceRules[0].namespaces[0]: Invalid value: \"Not_A_Label\": each member of this list must be '*' or a DNS-1123 label; a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      'spec.rules[1].nonResourceRules[0].verbs: Unsupported value: ["fly"]: supported values: "create", "delete", "deletecollection", "get", "list", "patch", "proxy", "update", "watch"',
      'spec.rules[1].nonResourceRules[0].nonResourceURLs[0]: Invalid value: "healthz": must start with slash',
      'spec.rules[1].nonResourceRules[0].nonResourceURLs[1]: Invalid value: "/a/*/b": wildcard can only do suffix matching',
    ]);
  });

  it("keeps the mandatory objects' specs fixed (the exempt level's limits excepted)", () => {
    const exemptFS = fsDefaults(bootstrapObject("FlowSchema", MANDATORY_FLOW_SCHEMAS[0] as never));
    assert.deepEqual(specProblems(fsType, exemptFS), []);
    const changed = structuredClone(exemptFS);
    (changed.spec as { matchingPrecedence: number }).matchingPrecedence = 2;
    assert.deepEqual(messages(specProblems(fsType, changed)), [
      'spec: Invalid value: {"PriorityLevelConfiguration":{"Name":"exempt"},"MatchingPrecedence":2,"DistinguisherMethod":null,"Rules":[{"Subjects":[{"Kind":"Group","User":null,"Group":{"Name":"system:masters"},"ServiceAccount":null}],"ResourceRules":[{"Verbs":["*"],"APIGroups":["*"],"Resources":["*"],"ClusterScope":true,"Namespaces":["*"]}],"NonResourceRules":[{"Verbs":["*"],"NonResourceURLs":["*"]}]}]}: spec of \'exempt\' must equal the fixed value',
    ]);
    const exemptPL = plDefaults({
      metadata: { name: "exempt" },
      spec: { type: "Exempt", exempt: { nominalConcurrencyShares: 10, lendablePercent: 50 } },
    });
    assert.deepEqual(specProblems(plType, exemptPL), []);
    const catchAll = plDefaults({
      metadata: { name: "catch-all" },
      spec: { type: "Limited", limited: { nominalConcurrencyShares: 6, limitResponse: { type: "Reject" } } },
    });
    assert.deepEqual(messages(specProblems(plType, catchAll)), [
      'spec: Invalid value: {"Type":"Limited","Limited":{"NominalConcurrencyShares":6,"LimitResponse":{"Type":"Reject","Queuing":null},"LendablePercent":0,"BorrowingLimitPercent":null},"Exempt":null}: spec of \'catch-all\' must equal the fixed value',
    ]);
  });

  it("validates PriorityLevelConfigurations with kube's messages", () => {
    const cases: [string, Record<string, unknown>, string[]][] = [
      [
        "exempt type on another name",
        { type: "Exempt", exempt: {} },
        ["spec.type: Invalid value: \"Exempt\": must be 'Exempt' if and only if `name` is 'exempt'"],
      ],
      [
        "no limited part",
        { type: "Limited" },
        ["spec.limited: Required value: must not be empty when type is Limited"],
      ],
      [
        "unknown type",
        { type: "Sometimes" },
        ['spec.type: Unsupported value: "Sometimes": supported values: "Exempt", "Limited"'],
      ],
      [
        "bad limits",
        {
          type: "Limited",
          limited: {
            nominalConcurrencyShares: -1,
            lendablePercent: 101,
            borrowingLimitPercent: -1,
            limitResponse: { type: "Reject", queuing: { queues: 1 } },
          },
        },
        [
          "spec.limited.nominalConcurrencyShares: Invalid value: -1: must be a non-negative integer",
          "spec.limited.limitResponse.queuing: Forbidden: must be nil if limited.limitResponse.type is not Limited",
          "spec.limited.lendablePercent: Invalid value: 101: must be between 0 and 100, inclusive",
          "spec.limited.borrowingLimitPercent: Invalid value: -1: if specified, must be a non-negative integer",
        ],
      ],
      [
        "queuing beyond shuffle sharding's entropy",
        {
          type: "Limited",
          limited: { limitResponse: { type: "Queue", queuing: { queues: 512, handSize: 7, queueLengthLimit: 1 } } },
        },
        [
          "spec.limited.limitResponse.queuing.handSize: Invalid value: 7: required entropy bits of deckSize 512 and handSize 7 should not be greater than 60",
        ],
      ],
      [
        "hand larger than the deck",
        { type: "Limited", limited: { limitResponse: { type: "Queue", queuing: { queues: 2, handSize: 3 } } } },
        ["spec.limited.limitResponse.queuing.handSize: Invalid value: 3: should not be greater than queues (2)"],
      ],
      [
        "queue without queuing",
        { type: "Limited", limited: { limitResponse: { type: "Queue" } } },
        [
          "spec.limited.limitResponse.queuing: Required value: must not be empty if limited.limitResponse.type is Limited",
        ],
      ],
    ];
    for (const [name, spec, want] of cases)
      assert.deepEqual(messages(specProblems(plType, plDefaults({ metadata: { name: "p" }, spec }))), want, name);
  });

  it("checks conditions on status writes and on update", () => {
    const fs = {
      metadata: { name: "a" },
      status: { conditions: [{ type: "Dangling" }, { type: "Dangling" }, { status: "True" }] },
    } as unknown as KubeObject;
    assert.deepEqual(messages(statusUpdateProblems(fsType, "status", fs, fs)), [
      'status.conditions[1].type: Duplicate value: "Dangling"',
      "status.conditions[2].type: Required value",
    ]);
    const ok = fsDefaults(bootstrapObject("FlowSchema", SUGGESTED_FLOW_SCHEMAS[0] as never));
    assert.deepEqual(specUpdateProblems(fsType, ok, ok), []);
  });

  it("prints FlowSchemas by precedence with their Dangling state, levels with their queuing", () => {
    const fs = (name: string, mp: number, status?: string) =>
      ({
        metadata: { name },
        spec: { priorityLevelConfiguration: { name: "p" }, matchingPrecedence: mp },
        status: status ? { conditions: [{ type: "Dangling", status }] } : {},
      }) as KubeObject;
    const printer = tableColumns["flowcontrol.apiserver.k8s.io/flowschemas"];
    assert.ok(printer);
    const t = toTable(printer, [fs("b", 5, "True"), fs("a", 5), fs("z", 1, "False")], {}, "None", 0);
    assert.deepEqual(
      t.rows.map((r) => [r.cells[0], r.cells[2], r.cells[3], r.cells[5]]),
      [
        ["z", 1, "<none>", "False"],
        ["a", 5, "<none>", "?"],
        ["b", 5, "<none>", "True"],
      ],
    );
    const pl = tableColumns["flowcontrol.apiserver.k8s.io/prioritylevelconfigurations"];
    assert.ok(pl);
    const cells = (spec: Record<string, unknown>) =>
      pl.cells({ metadata: { name: "p" }, spec } as KubeObject, 0).slice(1, 6);
    assert.deepEqual(cells({ type: "Exempt", exempt: {} }), ["Exempt", "<none>", "<none>", "<none>", "<none>"]);
    assert.deepEqual(
      cells({ type: "Limited", limited: { nominalConcurrencyShares: 5, limitResponse: { type: "Reject" } } }),
      ["Limited", 5, "<none>", "<none>", "<none>"],
    );
    assert.deepEqual(
      cells({
        type: "Limited",
        limited: {
          nominalConcurrencyShares: 20,
          limitResponse: { type: "Queue", queuing: { queues: 128, handSize: 6, queueLengthLimit: 50 } },
        },
      }),
      ["Limited", 20, 128, 6, 50],
    );
  });

  it("says whether a schema's level exists in kube's words", () => {
    assert.deepEqual(danglingCondition("p", true), {
      type: "Dangling",
      status: "False",
      reason: "Found",
      message: 'This FlowSchema references the PriorityLevelConfiguration object named "p" and it exists',
    });
    assert.equal(
      danglingCondition("p", false).message,
      'This FlowSchema references the PriorityLevelConfiguration object named "p" but there is no such object',
    );
  });

  it("ignores levels whose spec is inconsistent, as kube's controller does", () => {
    assert.deepEqual(queuingOf("exempt", { type: "Exempt", exempt: {} }), {
      queues: -1,
      handSize: 0,
      queueLengthLimit: 0,
    });
    assert.equal(queuingOf("x", { type: "Exempt", exempt: {} }), undefined);
    assert.equal(
      queuingOf("x", { type: "Limited", limited: { limitResponse: { type: "Reject", queuing: { queues: 1 } } } }),
      undefined,
    );
    assert.deepEqual(
      queuingOf("x", {
        type: "Limited",
        limited: { limitResponse: { type: "Queue", queuing: { queues: 4, handSize: 2, queueLengthLimit: 3 } } },
      }),
      { queues: 4, handSize: 2, queueLengthLimit: 3 },
    );
  });
});

describe("flowcontrol: the bootstrap ensurer's rules", () => {
  const stored = (
    kind: "FlowSchema" | "PriorityLevelConfiguration",
    name: string,
    mutate: (o: KubeObject) => void = () => {},
  ) => {
    const all = [
      ...MANDATORY_FLOW_SCHEMAS,
      ...SUGGESTED_FLOW_SCHEMAS,
      ...MANDATORY_PRIORITY_LEVELS,
      ...SUGGESTED_PRIORITY_LEVELS,
    ];
    const b = all.find(
      (x) =>
        x.name === name &&
        (kind === "FlowSchema" ? "rules" in x.spec || "priorityLevelConfiguration" in x.spec : "type" in x.spec),
    );
    assert.ok(b);
    const o = applyDefaults(
      "flowcontrol.apiserver.k8s.io",
      kind === "FlowSchema" ? "flowschemas" : "prioritylevelconfigurations",
      bootstrapObject(kind, b),
      { subresource: "x" },
    );
    o.metadata.generation = 1;
    mutate(o);
    return { o, b };
  };

  it("leaves an untouched object alone", () => {
    const { o, b } = stored("FlowSchema", "global-default");
    assert.equal(reviseIfNeeded("FlowSchema", o, b, false), undefined);
    assert.equal(specEqualish("FlowSchema", b, o), true);
  });

  it("puts back a suggested object's spec while auto-update is on", () => {
    const { o, b } = stored("PriorityLevelConfiguration", "workload-low", (x) => {
      (x.spec as { limited: { nominalConcurrencyShares: number } }).limited.nominalConcurrencyShares = 1;
    });
    const r = reviseIfNeeded("PriorityLevelConfiguration", o, b, false);
    assert.equal(
      (r?.spec as { limited: { nominalConcurrencyShares: number } } | undefined)?.limited.nominalConcurrencyShares,
      100,
    );
  });

  it("keeps a user's change once auto-update is off, and marks one made without the annotation", () => {
    const off = stored("FlowSchema", "service-accounts", (x) => {
      x.metadata.annotations = { [AUTO_UPDATE_ANNOTATION]: "false" };
      (x.spec as { matchingPrecedence: number }).matchingPrecedence = 42;
      x.metadata.generation = 2;
    });
    assert.equal(reviseIfNeeded("FlowSchema", off.o, off.b, false), undefined);
    const unannotated = stored("FlowSchema", "service-accounts", (x) => {
      x.metadata.annotations = {};
      (x.spec as { matchingPrecedence: number }).matchingPrecedence = 42;
      x.metadata.generation = 2;
    });
    const r = reviseIfNeeded("FlowSchema", unannotated.o, unannotated.b, false);
    assert.equal(r?.metadata.annotations?.[AUTO_UPDATE_ANNOTATION], "false");
    assert.equal((r?.spec as { matchingPrecedence: number } | undefined)?.matchingPrecedence, 42);
    const fresh = stored("FlowSchema", "service-accounts", (x) => {
      x.metadata.annotations = {};
    });
    assert.equal(
      reviseIfNeeded("FlowSchema", fresh.o, fresh.b, false)?.metadata.annotations?.[AUTO_UPDATE_ANNOTATION],
      "true",
    );
  });

  it("always restores a mandatory object (annotation and spec), but not the exempt level's limits", () => {
    const m = stored("FlowSchema", "catch-all", (x) => {
      x.metadata.annotations = { [AUTO_UPDATE_ANNOTATION]: "false" };
      (x.spec as { matchingPrecedence: number }).matchingPrecedence = 9999;
    });
    const r = reviseIfNeeded("FlowSchema", m.o, m.b, true);
    assert.equal(r?.metadata.annotations?.[AUTO_UPDATE_ANNOTATION], "true");
    assert.equal((r?.spec as { matchingPrecedence: number } | undefined)?.matchingPrecedence, 10000);
    const e = stored("PriorityLevelConfiguration", "exempt", (x) => {
      (x.spec as { exempt: Record<string, number> }).exempt = { nominalConcurrencyShares: 7, lendablePercent: 3 };
    });
    assert.equal(reviseIfNeeded("PriorityLevelConfiguration", e.o, e.b, true), undefined);
  });

  it("deletes only auto-updated objects that left the configuration", () => {
    const o = (name: string, annotation?: string) =>
      ({
        metadata: {
          name,
          ...(annotation === undefined ? {} : { annotations: { [AUTO_UPDATE_ANNOTATION]: annotation } }),
        },
      }) as KubeObject;
    const gone = unwantedObjects(
      [o("global-default", "true"), o("old", "true"), o("mine", "false"), o("plain"), o("odd", "yes"), o("old2", "1")],
      SUGGESTED_FLOW_SCHEMAS,
    );
    assert.deepEqual(
      gone.map((x) => x.metadata.name),
      ["old", "old2"],
    );
    assert.deepEqual(["true", "1", "T", "false", "0", "yes", undefined].map(parseBool), [
      true,
      true,
      true,
      false,
      false,
      undefined,
      undefined,
    ]);
  });
});
