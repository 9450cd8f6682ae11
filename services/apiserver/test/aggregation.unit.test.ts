import assert from "node:assert/strict";
import type { KubeObject } from "@evk/kube";
import { legacyToAggregated } from "../src/aggregation/aggregator.ts";
import { autoregisterAction } from "../src/aggregation/autoregister.ts";
import { resolveEndpoint, serviceCondition, setCondition, slicesFor } from "../src/aggregation/availability.ts";
import {
  defaultPriority,
  mergedAggregated,
  mergedGroup,
  mergedGroupList,
  servedVersions,
} from "../src/aggregation/discovery.ts";
import {
  compareKubeAwareVersions,
  desiredLocalAPIServices,
  groupVersionOf,
  sortedByGroupAndVersion,
} from "../src/aggregation/priorities.ts";
import { encodeQuery, headerKeyEscape, proxiedHeaders } from "../src/aggregation/proxy.ts";
import { applyDefaults } from "../src/defaults/index.ts";
import { apiGroupList } from "../src/discovery.ts";
import { specProblems, statusUpdateProblems } from "../src/spec-validation/index.ts";
import { tableColumns } from "../src/tables/index.ts";
import { nameCauses } from "../src/validation.ts";

// API aggregation against kube-aggregator 1.35's rules (autoregister, the availability controllers, the proxy's
// endpoint resolution, SortedByGroupAndVersion, the APIService strategy and validation). The local APIService
// list and order are what a real kube-apiserver 1.35 registers for the groups evk serves.

const obj = (o: Record<string, unknown>) => ({ metadata: {}, ...o }) as KubeObject;

describe("aggregation: local APIServices", () => {
  it("registers kube's priorities for served group-versions, CRD priorities for the rest, none for its own group", () => {
    const d = desiredLocalAPIServices([
      { group: "", version: "v1" },
      { group: "apps", version: "v1" },
      { group: "autoscaling", version: "v2" },
      { group: "apiregistration.k8s.io", version: "v1" },
      { group: "stable.example.com", version: "v1" },
    ]);
    assert.deepEqual(d, [
      { name: "v1.", managed: "onstart", spec: { version: "v1", groupPriorityMinimum: 18000, versionPriority: 1 } },
      {
        name: "v1.apps",
        managed: "onstart",
        spec: { group: "apps", version: "v1", groupPriorityMinimum: 17800, versionPriority: 15 },
      },
      {
        name: "v2.autoscaling",
        managed: "onstart",
        spec: { group: "autoscaling", version: "v2", groupPriorityMinimum: 17500, versionPriority: 30 },
      },
      {
        name: "v1.stable.example.com",
        managed: "true",
        spec: { group: "stable.example.com", version: "v1", groupPriorityMinimum: 1000, versionPriority: 100 },
      },
    ]);
    assert.deepEqual(groupVersionOf("v1beta1.metrics.k8s.io"), { group: "metrics.k8s.io", version: "v1beta1" });
    assert.deepEqual(groupVersionOf("v1."), { group: "", version: "v1" });
  });

  it("lists evk's groups in kube-apiserver 1.35's order", () => {
    const served = servedVersions(apiGroupList().groups, defaultPriority, []);
    const order = mergedGroupList(apiGroupList(), served).groups.map((g) => g.name);
    // kube orders by group priority, then APIService name; evk serves a subset of kube's groups.
    const kube = [
      "apiregistration.k8s.io",
      "apps",
      "events.k8s.io",
      "authentication.k8s.io",
      "authorization.k8s.io",
      "autoscaling",
      "batch",
      "certificates.k8s.io",
      "networking.k8s.io",
      "policy",
      "rbac.authorization.k8s.io",
      "storage.k8s.io",
      "admissionregistration.k8s.io",
      "apiextensions.k8s.io",
      "scheduling.k8s.io",
      "coordination.k8s.io",
      "node.k8s.io",
      "discovery.k8s.io",
      "resource.k8s.io",
      "flowcontrol.apiserver.k8s.io",
    ];
    assert.deepEqual(
      order,
      kube.filter((g) => order.includes(g)),
    );
    const autoscaling = mergedGroupList(apiGroupList(), served).groups.find((g) => g.name === "autoscaling");
    if (autoscaling?.versions.length === 2)
      assert.deepEqual(
        autoscaling.versions.map((v) => v.version),
        ["v2", "v1"],
      );
  });

  it("orders versions by priority, then kube-aware version order", () => {
    const vs = ["v1beta1", "v2", "foo", "v1", "v1alpha1", "v10", "bar", "v1beta2"];
    assert.deepEqual(
      [...vs].sort((a, b) => -compareKubeAwareVersions(a, b)),
      ["v10", "v2", "v1", "v1beta2", "v1beta1", "v1alpha1", "bar", "foo"],
    );
    const groups = sortedByGroupAndVersion([
      { group: "b", version: "v1", groupPriorityMinimum: 100, versionPriority: 10 },
      { group: "a", version: "v1", groupPriorityMinimum: 100, versionPriority: 10 },
      { group: "b", version: "v2", groupPriorityMinimum: 50, versionPriority: 20 },
      { group: "c", version: "v1", groupPriorityMinimum: 200, versionPriority: 1 },
    ]);
    assert.deepEqual(
      groups.map((g) => g.map((v) => `${v.group}/${v.version}`)),
      [["c/v1"], ["a/v1"], ["b/v2", "b/v1"]],
    );
  });

  describe("autoregister (kube's checkAPIService)", () => {
    const desired = (managed: "onstart" | "true") => ({
      name: "v1.apps",
      managed,
      spec: { group: "apps", version: "v1", groupPriorityMinimum: 17800, versionPriority: 15 },
    });
    const current = (labels: Record<string, string>, spec: Record<string, unknown> = desired("onstart").spec) =>
      obj({ metadata: { name: "v1.apps", uid: "u1", labels }, spec });
    const cases: [
      string,
      ReturnType<typeof desired> | undefined,
      KubeObject | undefined,
      { hasSynced: boolean; existedAtStart: boolean },
      string,
    ][] = [
      ["nothing wanted, nothing there", undefined, undefined, { hasSynced: false, existedAtStart: false }, "none"],
      [
        "missing at start: created",
        desired("onstart"),
        undefined,
        { hasSynced: false, existedAtStart: false },
        "create",
      ],
      [
        "onstart, deleted after the first sync: left deleted",
        desired("onstart"),
        undefined,
        { hasSynced: true, existedAtStart: true },
        "none",
      ],
      [
        "CRD-managed, deleted: created again",
        desired("true"),
        undefined,
        { hasSynced: true, existedAtStart: false },
        "create",
      ],
      [
        "user-owned (no label): left alone",
        desired("onstart"),
        current({}),
        { hasSynced: false, existedAtStart: true },
        "none",
      ],
      [
        "stale onstart at start: spec put back",
        desired("onstart"),
        current({ "kube-aggregator.kubernetes.io/automanaged": "onstart" }, { version: "v1" }),
        { hasSynced: false, existedAtStart: true },
        "update",
      ],
      [
        "onstart edited after the first sync: left",
        desired("onstart"),
        current({ "kube-aggregator.kubernetes.io/automanaged": "onstart" }, { version: "v1" }),
        { hasSynced: true, existedAtStart: true },
        "none",
      ],
      [
        "onstart no longer served at start: deleted",
        undefined,
        current({ "kube-aggregator.kubernetes.io/automanaged": "onstart" }),
        { hasSynced: false, existedAtStart: true },
        "delete",
      ],
      [
        "onstart created by someone after start: left",
        undefined,
        current({ "kube-aggregator.kubernetes.io/automanaged": "onstart" }),
        { hasSynced: false, existedAtStart: false },
        "none",
      ],
      [
        "CRD group gone: deleted",
        undefined,
        current({ "kube-aggregator.kubernetes.io/automanaged": "true" }),
        { hasSynced: true, existedAtStart: false },
        "delete",
      ],
      [
        "in step: nothing",
        desired("true"),
        current({ "kube-aggregator.kubernetes.io/automanaged": "true" }),
        { hasSynced: true, existedAtStart: false },
        "none",
      ],
    ];
    for (const [name, d, c, state, want] of cases)
      it(name, () => assert.equal(autoregisterAction(d, c, state).kind, want));

    it("labels what it creates and deletes by uid", () => {
      const a = autoregisterAction(desired("onstart"), undefined, { hasSynced: false, existedAtStart: false });
      assert.equal(a.kind, "create");
      if (a.kind === "create")
        assert.deepEqual(a.object.metadata, {
          name: "v1.apps",
          labels: { "kube-aggregator.kubernetes.io/automanaged": "onstart" },
        });
      const del = autoregisterAction(undefined, current({ "kube-aggregator.kubernetes.io/automanaged": "true" }), {
        hasSynced: false,
        existedAtStart: true,
      });
      assert.deepEqual(del, { kind: "delete", uid: "u1" });
    });
  });
});

describe("aggregation: availability and routing", () => {
  const ref = { namespace: "kube-system", name: "metrics", port: 443 };
  const service = (spec: Record<string, unknown>) =>
    obj({ metadata: { name: "metrics", namespace: "kube-system" }, spec });
  const slice = (ready: boolean | undefined, portName: string | null, ips = ["10.0.0.1"], addressType = "IPv4") => ({
    addressType,
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: ready === undefined ? {} : { ready } })),
    ports: [{ name: portName, port: 4443 }],
  });

  it("gives kube's reasons and messages for a service that cannot serve", () => {
    const svc = service({ type: "ClusterIP", ports: [{ name: "https", port: 443 }] });
    const cases: [
      string,
      KubeObject | undefined,
      ReturnType<typeof slice>[],
      string | undefined,
      string | undefined,
    ][] = [
      ["no service", undefined, [], "ServiceNotFound", 'service/metrics in "kube-system" is not present'],
      [
        "wrong port",
        service({ type: "ClusterIP", ports: [{ name: "https", port: 8443 }] }),
        [],
        "ServicePortError",
        'service/metrics in "kube-system" is not listening on port 443',
      ],
      ["no slices", svc, [], "EndpointsNotFound", 'cannot find endpointslices for service/metrics in "kube-system"'],
      [
        "not ready",
        svc,
        [slice(false, "https")],
        "MissingEndpoints",
        'endpointslices for service/metrics in "kube-system" have no addresses with port name "https"',
      ],
      [
        "other port name",
        svc,
        [slice(true, "metrics")],
        "MissingEndpoints",
        'endpointslices for service/metrics in "kube-system" have no addresses with port name "https"',
      ],
      ["ready (unset means ready)", svc, [slice(undefined, "https")], undefined, undefined],
      ["ExternalName: only the discovery check", service({ type: "ExternalName" }), [], undefined, undefined],
    ];
    for (const [name, s, sl, reason, message] of cases) {
      const c = serviceCondition(ref, s, sl);
      assert.equal(c?.reason, reason, name);
      assert.equal(c?.message, message, name);
    }
  });

  it("reads Endpoints as slices only where no slice names the service", () => {
    const ep = obj({ subsets: [{ addresses: [{ ip: "10.0.0.9" }], ports: [{ name: "https", port: 4443 }] }] });
    assert.deepEqual(slicesFor([], ep), [
      {
        addressType: "IPv4",
        endpoints: [{ addresses: ["10.0.0.9"], conditions: { ready: true } }],
        ports: [{ name: "https", port: 4443 }],
      },
    ]);
    assert.deepEqual(slicesFor([obj({ addressType: "IPv4" })], ep), [obj({ addressType: "IPv4" })]);
    assert.deepEqual(slicesFor([], undefined), []);
  });

  it("resolves a ready endpoint on the service port's name, preferring the service's IP family", () => {
    const svc = service({ type: "ClusterIP", ipFamilies: ["IPv6"], ports: [{ name: "https", port: 443 }] });
    const first = () => 0;
    assert.deepEqual(
      resolveEndpoint(svc, [slice(true, "https", ["10.0.0.1"]), slice(true, "https", ["fd00::1"], "IPv6")], 443, first),
      { host: "fd00::1", port: 4443 },
    );
    assert.deepEqual(
      resolveEndpoint(svc, [slice(true, "https", ["10.0.0.1", "10.0.0.2"])], 443, () => 1),
      { host: "10.0.0.2", port: 4443 },
    );
    assert.deepEqual(
      resolveEndpoint(
        svc,
        [
          {
            addressType: "IPv4",
            endpoints: [
              { addresses: ["10.0.0.1"], conditions: { ready: false } },
              { addresses: ["10.0.0.2"], conditions: { ready: true } },
            ],
            ports: [{ name: "https", port: 1 }],
          },
        ],
        443,
        first,
      ),
      { host: "10.0.0.2", port: 1 },
    );
    assert.equal(resolveEndpoint(svc, [], 443), 'no endpoints available for service "metrics"');
    assert.equal(resolveEndpoint(svc, [slice(true, "other")], 443), 'no endpoints available for service "metrics"');
    assert.equal(resolveEndpoint(svc, [slice(true, "https")], 80), 'no service port 80 found for service "metrics"');
    assert.equal(
      resolveEndpoint(service({ type: "ExternalName" }), [], 443),
      'unsupported service type "ExternalName"',
    );
    assert.equal(resolveEndpoint(undefined, [], 443), "service not found");
  });

  it("moves a condition's transition time only when its status changes", () => {
    const c0 = setCondition([], { type: "Available", status: "False", reason: "A", message: "a" }, "t1");
    assert.deepEqual(c0, [{ type: "Available", status: "False", reason: "A", message: "a", lastTransitionTime: "t1" }]);
    const c1 = setCondition(c0, { type: "Available", status: "False", reason: "B", message: "b" }, "t2");
    assert.equal(c1[0]?.lastTransitionTime, "t1");
    assert.equal(c1[0]?.reason, "B");
    const c2 = setCondition(
      c1,
      { type: "Available", status: "True", reason: "Passed", message: "all checks passed" },
      "t3",
    );
    assert.equal(c2[0]?.lastTransitionTime, "t3");
  });
});

describe("aggregation: discovery of service-backed group-versions", () => {
  const local = apiGroupList();
  const metrics = (current: boolean) => ({
    group: "metrics.k8s.io",
    version: "v1beta1",
    groupPriorityMinimum: 100,
    versionPriority: 100,
    remote: current ? { current: true, resources: [{ resource: "pods" }] } : { current: false },
  });

  it("lists them after the local groups by priority, in /apis and /apis/<group>", () => {
    const served = servedVersions(local.groups, defaultPriority, [metrics(false)]);
    const list = mergedGroupList(local, served);
    assert.equal(list.groups.at(-1)?.name, "metrics.k8s.io");
    assert.deepEqual(mergedGroup("metrics.k8s.io", undefined, served), {
      name: "metrics.k8s.io",
      versions: [{ groupVersion: "metrics.k8s.io/v1beta1", version: "v1beta1" }],
      preferredVersion: { groupVersion: "metrics.k8s.io/v1beta1", version: "v1beta1" },
    });
    assert.equal(mergedGroup("nothing.example", undefined, served), undefined);
  });

  it("carries the backend's resources while its answer is current, and is Stale without resources otherwise", () => {
    const agg = {
      kind: "APIGroupDiscoveryList",
      apiVersion: "apidiscovery.k8s.io/v2",
      metadata: {},
      items: [{ metadata: { name: "apps" }, versions: [{ version: "v1", resources: [], freshness: "Current" }] }],
    };
    const appsOnly = { ...local, groups: local.groups.filter((g) => g.name === "apps") };
    const stale = mergedAggregated(agg, servedVersions(appsOnly.groups, defaultPriority, [metrics(false)]));
    assert.deepEqual(
      stale.items.map((i) => i.metadata.name),
      ["apps", "metrics.k8s.io"],
    );
    assert.deepEqual(stale.items[1]?.versions, [{ version: "v1beta1", freshness: "Stale" }]);
    const current = mergedAggregated(agg, servedVersions(appsOnly.groups, defaultPriority, [metrics(true)]));
    assert.deepEqual(current.items[1]?.versions, [
      { version: "v1beta1", resources: [{ resource: "pods" }], freshness: "Current" },
    ]);
  });

  it("converts a legacy resource list as kube's ConvertGroupVersionIntoToDiscovery does", () => {
    assert.deepEqual(
      legacyToAggregated([
        { name: "pods", singularName: "", namespaced: true, kind: "PodMetrics", verbs: ["get", "list"] },
        { name: "pods/status", namespaced: true, kind: "PodMetrics", verbs: ["get"] },
      ]),
      [
        {
          resource: "pods",
          responseKind: { group: "", version: "", kind: "PodMetrics" },
          scope: "Namespaced",
          singularResource: "",
          verbs: ["get", "list"],
          subresources: [
            { subresource: "status", responseKind: { group: "", version: "", kind: "PodMetrics" }, verbs: ["get"] },
          ],
        },
      ],
    );
  });
});

describe("aggregation: the proxy", () => {
  it("sends the caller's identity instead of its credentials", () => {
    const h = proxiedHeaders(
      {
        authorization: "Bearer secret",
        "x-remote-user": "forged",
        "x-remote-extra-forged": "x",
        connection: "keep-alive, x-hop",
        "x-hop": "1",
        "content-type": "application/json",
        host: "evk",
      },
      {
        username: "alice",
        uid: "u",
        groups: ["g1", "system:authenticated"],
        extra: { "authentication.kubernetes.io/pod-name": ["p"] },
      },
      "10.0.0.5",
    );
    assert.deepEqual(h, {
      "content-type": "application/json",
      "x-remote-user": "alice",
      "x-remote-uid": "u",
      "x-remote-group": ["g1", "system:authenticated"],
      "x-remote-extra-authentication.kubernetes.io%2Fpod-name": ["p"],
      "x-forwarded-for": "10.0.0.5",
    });
    assert.equal(headerKeyEscape("a b/c"), "a%20b%2Fc");
  });

  it("re-encodes the query as Go's url.Values does (keys sorted)", () => {
    assert.equal(encodeQuery(new URLSearchParams("b=2&a=1&a=0&c=x y")), "a=1&a=0&b=2&c=x+y");
  });
});

describe("aggregation: APIService objects", () => {
  const type = { group: "apiregistration.k8s.io", resource: "apiservices" };
  const defaulted = (spec: Record<string, unknown>, name = "v1beta1.metrics.k8s.io") =>
    applyDefaults(type.group, type.resource, obj({ metadata: { name }, spec }));
  const messages = (causes: { field?: string; message?: string }[]) => causes.map((c) => `${c.field}: ${c.message}`);

  it("defaults a service's port to 443, starts service-backed ones without status and local ones Available", () => {
    const remote = defaulted({
      group: "metrics.k8s.io",
      version: "v1beta1",
      service: { namespace: "a", name: "b" },
      groupPriorityMinimum: 1,
      versionPriority: 1,
    });
    assert.deepEqual((remote.spec as { service: unknown }).service, { namespace: "a", name: "b", port: 443 });
    assert.deepEqual(remote.status, {});
    const local = defaulted({
      group: "metrics.k8s.io",
      version: "v1beta1",
      groupPriorityMinimum: 1,
      versionPriority: 1,
    });
    const c = (local.status as { conditions: Record<string, string>[] }).conditions[0];
    assert.deepEqual(
      [c?.type, c?.status, c?.reason, c?.message],
      ["Available", "True", "Local", "Local APIServices are always available"],
    );
  });

  it("validates with kube-aggregator's messages", () => {
    const cases: [string, Record<string, unknown>, string, string[]][] = [
      [
        "a name that is not version.group",
        { group: "metrics.k8s.io", version: "v1beta1", groupPriorityMinimum: 1, versionPriority: 1 },
        "metrics",
        ['metadata.name: Invalid value: "metrics": must be `spec.version+"."+spec.group`: "v1beta1.metrics.k8s.io"'],
      ],
      [
        "bad priorities and group",
        { group: "Metrics", version: "v1beta1", groupPriorityMinimum: 0, versionPriority: 1001 },
        "v1beta1.Metrics",
        [
          "spec.group: Invalid value: \"Metrics\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
          "spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000",
          "spec.versionPriority: Invalid value: 1001: must be positive and less than 1000",
        ],
      ],
      [
        "an empty group is v1 only",
        { version: "v2", groupPriorityMinimum: 1, versionPriority: 1 },
        "v2.",
        ["spec.group: Required value: only v1 may have an empty group and it better be legacy kube"],
      ],
      [
        "a local one with TLS settings",
        {
          group: "a.b",
          version: "v1",
          groupPriorityMinimum: 1,
          versionPriority: 1,
          caBundle: "YWJj",
          insecureSkipTLSVerify: true,
        },
        "v1.a.b",
        [
          'spec.caBundle: Invalid value: "3 bytes": local APIServices may not have a caBundle',
          "spec.insecureSkipTLSVerify: Invalid value: true: local APIServices may not have insecureSkipTLSVerify",
        ],
      ],
      [
        "a service-backed one",
        {
          group: "a.b",
          version: "v1",
          groupPriorityMinimum: 1,
          versionPriority: 1,
          caBundle: "YWJj",
          insecureSkipTLSVerify: true,
          service: { port: 70000 },
        },
        "v1.a.b",
        [
          "spec.service.namespace: Required value",
          "spec.service.name: Required value",
          "spec.service.port: Invalid value: 70000: port is not valid: must be between 1 and 65535, inclusive",
          "spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present",
        ],
      ],
    ];
    for (const [name, spec, objName, want] of cases)
      assert.deepEqual(messages(specProblems(type, defaulted(spec, objName))), want, name);
    assert.deepEqual(messages(nameCauses(type, "a/b")), ["metadata.name: Invalid value: \"a/b\": may not contain '/'"]);
  });

  it("refuses a condition status other than True, False or Unknown", () => {
    const o = obj({ status: { conditions: [{ type: "Available", status: "Maybe" }] } });
    assert.deepEqual(messages(statusUpdateProblems(type, "status", o, o)), [
      'status.conditions[0].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"',
    ]);
  });

  it("prints Local or the service, and the Available condition with its reason", () => {
    const p = tableColumns["apiregistration.k8s.io/apiservices"];
    assert.ok(p);
    const row = (o: Record<string, unknown>) => p.cells(obj({ metadata: { name: "x" }, ...o }), 0).slice(1, 3);
    assert.deepEqual(
      row({ spec: {}, status: { conditions: [{ type: "Available", status: "True", reason: "Local" }] } }),
      ["Local", "True"],
    );
    assert.deepEqual(
      row({
        spec: { service: { namespace: "kube-system", name: "m" } },
        status: { conditions: [{ type: "Available", status: "False", reason: "MissingEndpoints" }] },
      }),
      ["kube-system/m", "False (MissingEndpoints)"],
    );
    assert.deepEqual(row({ spec: {}, status: {} }), ["Local", "Unknown"]);
  });
});
