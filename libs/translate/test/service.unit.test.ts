import assert from "node:assert/strict";
import type { V1Pod, V1Service, V1ServiceSpec } from "@kubernetes/client-node";
import {
  hostServiceSelector,
  kubernetesServiceFields,
  podHostLabels,
  serviceUpdate,
  serviceWriteBack,
  translateService,
} from "../src/index.ts";
import { sha } from "./fixtures.ts";

const ctx = { cluster: "vc", hostNamespace: "hostns" };
const releaseKey = `evk.dev/label-vc-x-${sha("release").slice(0, 10)}`;

function svc(spec: V1ServiceSpec, meta: Partial<NonNullable<V1Service["metadata"]>> = {}): V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "app", uid: "svc-uid", resourceVersion: "7", ...meta },
    spec,
  };
}

/** The host twin as the host returns it: translated, then with what the host allocates. */
function hostTwin(v: V1Service, alloc: Partial<V1ServiceSpec> = {}): V1Service {
  const t = translateService(v, ctx);
  const spec = t.spec as V1ServiceSpec;
  const ipBased = spec.type !== "ExternalName";
  return {
    ...t,
    metadata: { ...t.metadata, uid: "host-uid", resourceVersion: "1234" },
    spec: {
      ...spec,
      ...(ipBased
        ? {
            clusterIP: spec.clusterIP ?? "10.96.0.20",
            clusterIPs: [spec.clusterIP ?? "10.96.0.20"],
            ipFamilies: ["IPv4"],
            ipFamilyPolicy: "SingleStack",
          }
        : {}),
      ports: spec.ports?.map((p, i) =>
        spec.type === "NodePort" || spec.type === "LoadBalancer" ? { ...p, nodePort: p.nodePort ?? 30000 + i } : p,
      ),
      ...alloc,
    },
    status: { loadBalancer: {} },
  };
}

describe("hostServiceSelector", () => {
  const cases: [string, Record<string, string> | undefined, Record<string, string> | undefined][] = [
    ["undefined stays selector-less", undefined, undefined],
    ["empty stays selector-less", {}, undefined],
    [
      "keys copied, markers added",
      { app: "web" },
      { app: "web", "evk.dev/managed-by": "vc", "evk.dev/namespace": "app" },
    ],
    [
      "reserved keys hashed like the host pods' labels",
      { release: "r1", app: "web" },
      { [releaseKey]: "r1", app: "web", "evk.dev/managed-by": "vc", "evk.dev/namespace": "app" },
    ],
    [
      "a user's own managed-by key cannot widen the selection",
      { "evk.dev/managed-by": "other" },
      {
        [`evk.dev/label-vc-x-${sha("evk.dev/managed-by").slice(0, 10)}`]: "other",
        "evk.dev/managed-by": "vc",
        "evk.dev/namespace": "app",
      },
    ],
  ];
  for (const [name, selector, want] of cases)
    it(name, () => assert.deepEqual(hostServiceSelector("vc", "app", selector), want));

  it("selects exactly the host pods of the cluster's namespace that the virtual selector selects", () => {
    const selector = hostServiceSelector("vc", "app", { app: "web", release: "r1" }) ?? {};
    const matches = (pod: V1Pod) => {
      const labels = podHostLabels(pod, { cluster: "vc", namespaceLabels: { team: "a" } });
      return Object.entries(selector).every(([k, v]) => labels[k] === v);
    };
    const pod = (namespace: string, labels: Record<string, string>): V1Pod => ({ metadata: { namespace, labels } });
    assert.equal(matches(pod("app", { app: "web", release: "r1", extra: "x" })), true);
    assert.equal(matches(pod("app", { app: "web" })), false);
    assert.equal(matches(pod("other", { app: "web", release: "r1" })), false, "another virtual namespace");
  });
});

describe("translateService", () => {
  it("metadata per §1, the per-kind excluded annotation, and host defaults filled in", () => {
    const v = svc(
      {
        selector: { app: "web" },
        ports: [{ name: "http", port: 80 }],
        clusterIP: "10.0.0.9",
        clusterIPs: ["10.0.0.9"],
      },
      {
        labels: { tier: "front", release: "r1" },
        annotations: { note: "x", "field.cattle.io/publicEndpoints": "[]", "evk.dev/object-uid": "spoof" },
      },
    );
    assert.deepEqual(translateService(v, ctx), {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: "web-x-app-x-vc",
        namespace: "hostns",
        labels: { tier: "front", [releaseKey]: "r1", "evk.dev/managed-by": "vc", "evk.dev/namespace": "app" },
        annotations: {
          note: "x",
          "evk.dev/object-name": "web",
          "evk.dev/object-namespace": "app",
          "evk.dev/object-uid": "svc-uid",
          "evk.dev/object-kind": "/v1, Kind=Service",
          "evk.dev/object-host-name": "web-x-app-x-vc",
          "evk.dev/object-host-namespace": "hostns",
          "evk.dev/managed-annotations": "note",
        },
      },
      spec: {
        type: "ClusterIP",
        selector: { app: "web", "evk.dev/managed-by": "vc", "evk.dev/namespace": "app" },
        ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: 80 }],
        sessionAffinity: "None",
        internalTrafficPolicy: "Cluster",
      },
    });
  });

  const cases: { name: string; spec: V1ServiceSpec; want: Partial<V1ServiceSpec>; absent?: (keyof V1ServiceSpec)[] }[] =
    [
      {
        name: "ClusterIP: IPs and IP families are the host's to allocate",
        spec: {
          clusterIP: "10.0.0.9",
          clusterIPs: ["10.0.0.9"],
          ipFamilies: ["IPv4"],
          ipFamilyPolicy: "SingleStack",
          ports: [{ port: 80 }],
        },
        want: { type: "ClusterIP" },
        absent: ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"],
      },
      {
        name: "headless: clusterIP None stays",
        spec: { clusterIP: "None", clusterIPs: ["None"], selector: { app: "db" } },
        want: { clusterIP: "None" },
        absent: ["clusterIPs"],
      },
      {
        name: "selector-less stays selector-less",
        spec: { ports: [{ port: 5432 }], selector: {} },
        want: {},
        absent: ["selector"],
      },
      {
        name: "NodePort: a node port asked for is kept, one not asked for is the host's to allocate",
        spec: {
          type: "NodePort",
          ports: [
            { name: "a", port: 80, nodePort: 30080 },
            { name: "b", port: 81, targetPort: "metrics", protocol: "UDP" },
          ],
        },
        want: {
          ports: [
            { name: "a", port: 80, nodePort: 30080, protocol: "TCP", targetPort: 80 },
            { name: "b", port: 81, targetPort: "metrics", protocol: "UDP" },
          ],
          externalTrafficPolicy: "Cluster",
        },
      },
      {
        name: "ClusterIP: a node port left over from NodePort goes (the host refuses one)",
        spec: { type: "ClusterIP", ports: [{ port: 80, nodePort: 30080 }] },
        want: { ports: [{ port: 80, protocol: "TCP", targetPort: 80 }] },
        absent: ["externalTrafficPolicy"],
      },
      {
        name: "LoadBalancer: node port allocation and the traffic policy default; health-check port only with Local",
        spec: { type: "LoadBalancer", ports: [{ port: 443 }], healthCheckNodePort: 31000, loadBalancerIP: "1.2.3.4" },
        want: { allocateLoadBalancerNodePorts: true, externalTrafficPolicy: "Cluster", loadBalancerIP: "1.2.3.4" },
        absent: ["healthCheckNodePort"],
      },
      {
        name: "LoadBalancer with Local: an asked-for health-check node port is kept",
        spec: {
          type: "LoadBalancer",
          ports: [{ port: 443 }],
          externalTrafficPolicy: "Local",
          healthCheckNodePort: 31000,
        },
        want: { externalTrafficPolicy: "Local", healthCheckNodePort: 31000 },
      },
      {
        name: "ExternalName: no IP, no internal traffic policy",
        spec: { type: "ExternalName", externalName: "db.example.com", clusterIP: "10.0.0.9" },
        want: { type: "ExternalName", externalName: "db.example.com" },
        absent: ["clusterIP", "internalTrafficPolicy"],
      },
      {
        name: "ClientIP affinity gets kube's default timeout",
        spec: { sessionAffinity: "ClientIP", ports: [{ port: 80 }] },
        want: { sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } },
      },
      {
        name: "other settings are copied",
        spec: {
          externalIPs: ["192.0.2.1"],
          publishNotReadyAddresses: true,
          internalTrafficPolicy: "Local",
          ports: [{ port: 80, appProtocol: "http" }],
        },
        want: {
          externalIPs: ["192.0.2.1"],
          publishNotReadyAddresses: true,
          internalTrafficPolicy: "Local",
          ports: [{ port: 80, appProtocol: "http", protocol: "TCP", targetPort: 80 }],
        },
      },
    ];
  for (const c of cases) {
    it(c.name, () => {
      const spec = translateService(svc(c.spec), ctx).spec as Record<string, unknown>;
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(spec[k], v, k);
      for (const k of c.absent ?? []) assert.equal(spec[k], undefined, `${k} is absent`);
    });
  }

  it("a long name is shortened with the hash rule", () => {
    const name = "a-very-long-service-name-that-goes-on-and-on-and-on-and-on";
    const got = translateService(svc({}, { name }), ctx).metadata?.name ?? "";
    assert.equal(got.length, 63);
    assert.equal(got, `${`${name}-x-app-x-vc`.slice(0, 52)}-${sha(`${name}-x-app-x-vc`).slice(0, 10)}`);
  });

  it("does not modify the virtual Service", () => {
    const v = svc({ clusterIP: "10.0.0.1", ports: [{ port: 80 }], selector: { a: "b" } });
    const before = structuredClone(v);
    translateService(v, ctx);
    assert.deepEqual(v, before);
  });
});

describe("serviceUpdate", () => {
  const base = () =>
    svc({ selector: { app: "web" }, ports: [{ name: "http", port: 80 }] }, { labels: { tier: "front" } });

  it("nothing to do against the host twin it created, whatever the host allocated", () => {
    for (const v of [
      base(),
      svc({ type: "NodePort", ports: [{ port: 80 }] }),
      svc({ clusterIP: "None", selector: { a: "b" } }),
      svc({ type: "ExternalName", externalName: "x.example.com" }),
      svc({ type: "LoadBalancer", externalTrafficPolicy: "Local", ports: [{ port: 80 }] }),
    ])
      assert.deepEqual(
        serviceUpdate(v, hostTwin(v, v.spec?.type === "LoadBalancer" ? { healthCheckNodePort: 32000 } : {}), ctx),
        { action: "none" },
      );
  });

  it("nothing to do once the virtual Service adopted the host's allocations", () => {
    const v = svc({ type: "NodePort", ports: [{ port: 80 }] });
    const h = hostTwin(v);
    const wb = serviceWriteBack(v, h) ?? assert.fail("expected a write-back");
    const adopted = { ...v, spec: { ...v.spec, ...wb.fields } } as V1Service;
    assert.deepEqual(serviceUpdate(adopted, h, ctx), { action: "none" });
  });

  const cases: {
    name: string;
    virtual?: () => V1Service;
    change: (v: V1Service) => void;
    host?: (h: V1Service) => void;
    check: (h: V1Service) => void;
  }[] = [
    {
      name: "ports follow; the host keeps the node port it allocated",
      virtual: () => svc({ type: "NodePort", ports: [{ name: "http", port: 80 }] }),
      change: (v) => {
        (v.spec as V1ServiceSpec).ports = [
          { name: "http", port: 80 },
          { name: "https", port: 443 },
        ];
      },
      check: (h) => {
        assert.deepEqual(h.spec?.ports, [
          { name: "http", port: 80, protocol: "TCP", targetPort: 80, nodePort: 30000 },
          { name: "https", port: 443, protocol: "TCP", targetPort: 443 },
        ]);
        assert.equal(h.spec?.clusterIP, "10.96.0.20", "the allocated IP stays");
      },
    },
    {
      name: "selector follows, translated",
      change: (v) => {
        (v.spec as V1ServiceSpec).selector = { app: "api" };
      },
      check: (h) =>
        assert.deepEqual(h.spec?.selector, { app: "api", "evk.dev/managed-by": "vc", "evk.dev/namespace": "app" }),
    },
    {
      name: "removing the selector removes it on the host",
      change: (v) => {
        delete (v.spec as V1ServiceSpec).selector;
      },
      check: (h) => assert.equal(h.spec?.selector, undefined),
    },
    {
      name: "type ClusterIP → NodePort: the host allocates node ports",
      change: (v) => {
        (v.spec as V1ServiceSpec).type = "NodePort";
      },
      check: (h) => {
        assert.equal(h.spec?.type, "NodePort");
        assert.equal(h.spec?.externalTrafficPolicy, "Cluster");
        assert.equal(h.spec?.ports?.[0]?.nodePort, undefined);
      },
    },
    {
      name: "type NodePort → ClusterIP: node ports and the external policy go",
      virtual: () => svc({ type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }),
      change: (v) => {
        (v.spec as V1ServiceSpec).type = "ClusterIP";
      },
      check: (h) => {
        assert.equal(h.spec?.ports?.[0]?.nodePort, undefined);
        assert.equal(h.spec?.externalTrafficPolicy, undefined);
      },
    },
    {
      name: "type → ExternalName: the host's IPs go",
      change: (v) => {
        (v.spec as V1ServiceSpec).type = "ExternalName";
        (v.spec as V1ServiceSpec).externalName = "db.example.com";
      },
      check: (h) => {
        assert.equal(h.spec?.type, "ExternalName");
        for (const k of ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"])
          assert.equal((h.spec as Record<string, unknown>)[k], undefined, k);
      },
    },
    {
      name: "ExternalName → ClusterIP: the host allocates an IP",
      virtual: () => svc({ type: "ExternalName", externalName: "db.example.com" }),
      change: (v) => {
        v.spec = { type: "ClusterIP", ports: [{ port: 80 }] };
      },
      check: (h) => {
        assert.equal(h.spec?.type, "ClusterIP");
        assert.equal(h.spec?.clusterIP, undefined);
        assert.equal(h.spec?.externalName, undefined);
      },
    },
    {
      name: "labels follow; annotations follow and those host controllers added stay",
      host: (h) => {
        h.metadata = { ...h.metadata, annotations: { ...h.metadata?.annotations, "cloud.example/lb-id": "42" } };
      },
      change: (v) => {
        v.metadata = { ...v.metadata, labels: { tier: "back" }, annotations: { note: "n" } };
      },
      check: (h) => {
        assert.equal(h.metadata?.labels?.tier, "back");
        assert.equal(h.metadata?.annotations?.note, "n");
        assert.equal(h.metadata?.annotations?.["cloud.example/lb-id"], "42");
        assert.equal(h.metadata?.resourceVersion, "1234", "an optimistic update of what was read");
      },
    },
    {
      name: "a host-side edit of an owned field is reverted",
      host: (h) => {
        (h.spec as V1ServiceSpec).sessionAffinity = "ClientIP";
      },
      change: () => {},
      check: (h) => assert.equal(h.spec?.sessionAffinity, "None"),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = (c.virtual ?? base)();
      const host = hostTwin(v);
      c.host?.(host);
      c.change(v);
      const got = serviceUpdate(v, host, ctx);
      if (got.action !== "update") assert.fail(`expected an update, got ${got.action}`);
      c.check(got.service);
      assert.deepEqual(serviceUpdate(v, got.service, ctx), { action: "none" }, "applying the update converges");
    });
  }

  const recreate: [string, V1ServiceSpec, V1ServiceSpec][] = [
    ["becoming headless", { ports: [{ port: 80 }] }, { clusterIP: "None", ports: [{ port: 80 }] }],
    ["no longer headless", { clusterIP: "None", ports: [{ port: 80 }] }, { ports: [{ port: 80 }] }],
  ];
  for (const [name, from, to] of recreate) {
    it(`${name}: the host twin must be re-created (clusterIP is immutable)`, () => {
      const host = hostTwin(svc(from));
      assert.equal(serviceUpdate(svc(to), host, ctx).action, "recreate");
    });
  }
});

describe("serviceWriteBack", () => {
  it("reports the host's IPs, ports with node ports and status; then nothing once adopted", () => {
    const v = svc({ type: "NodePort", selector: { a: "b" }, ports: [{ port: 80 }] });
    const h = hostTwin(v);
    const wb = serviceWriteBack(v, h) ?? assert.fail("expected a write-back");
    assert.deepEqual(wb.fields, {
      clusterIP: "10.96.0.20",
      clusterIPs: ["10.96.0.20"],
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      ports: [{ port: 80, protocol: "TCP", targetPort: 80, nodePort: 30000 }],
    });
    assert.deepEqual(wb.status, { loadBalancer: {} });
    const adopted: V1Service = { ...v, spec: { ...v.spec, ...wb.fields }, status: wb.status };
    assert.equal(serviceWriteBack(adopted, h), undefined);
  });

  const cases: { name: string; virtual: (v: V1Service) => void; host?: (h: V1Service) => void; want: unknown }[] = [
    {
      name: "a virtual clusterIP that differs from the host's is corrected",
      virtual: (v) => {
        (v.spec as V1ServiceSpec).clusterIP = "10.0.0.99";
      },
      want: { clusterIP: "10.96.0.20" },
    },
    {
      name: "a clusterIP dropped by a replace comes back",
      virtual: (v) => {
        delete (v.spec as V1ServiceSpec).clusterIP;
      },
      want: { clusterIP: "10.96.0.20" },
    },
    {
      name: "load-balancer ingress of a LoadBalancer Service",
      virtual: (v) => {
        (v.spec as V1ServiceSpec).type = "LoadBalancer";
      },
      host: (h) => {
        (h.spec as V1ServiceSpec).type = "LoadBalancer";
        h.status = { loadBalancer: { ingress: [{ ip: "203.0.113.5" }] } };
      },
      want: { status: { loadBalancer: { ingress: [{ ip: "203.0.113.5" }] } } },
    },
    {
      name: "a refusal condition is cleared by the host's status",
      virtual: (v) => {
        v.status = {
          loadBalancer: {},
          conditions: [
            {
              type: "evk.dev/Synced",
              status: "False",
              reason: "HostRefused",
              message: "m",
              lastTransitionTime: new Date(0),
            },
          ],
        };
      },
      want: { status: { loadBalancer: {} } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = svc({ selector: { a: "b" }, ports: [{ port: 80 }] });
      const h = hostTwin(v);
      const wb = serviceWriteBack(v, h) ?? assert.fail("expected a write-back");
      const adopted: V1Service = { ...v, spec: { ...v.spec, ...wb.fields }, status: wb.status };
      c.virtual(adopted);
      c.host?.(h);
      const got = serviceWriteBack(adopted, h) ?? assert.fail("expected a write-back");
      const want = c.want as { status?: unknown } & Record<string, unknown>;
      for (const [k, x] of Object.entries(want)) {
        if (k === "status") assert.deepEqual(got.status, x);
        else assert.deepEqual(got.fields[k], x, k);
      }
    });
  }

  it("no load-balancer ingress for other types: the host's does not leak", () => {
    const v = svc({ selector: { a: "b" }, ports: [{ port: 80 }] });
    const h = hostTwin(v);
    const wb = serviceWriteBack(v, h) ?? assert.fail("expected a write-back");
    h.status = { loadBalancer: { ingress: [{ ip: "203.0.113.5" }] } };
    assert.deepEqual(serviceWriteBack(v, h)?.status, { loadBalancer: {} });
    assert.equal(serviceWriteBack({ ...v, spec: { ...v.spec, ...wb.fields }, status: wb.status }, h), undefined);
  });

  it("ExternalName: nothing to allocate, nothing to report once the status is there", () => {
    const v = svc({ type: "ExternalName", externalName: "x.example.com" });
    const h = hostTwin(v);
    const wb = serviceWriteBack(v, h) ?? assert.fail("expected the status");
    assert.deepEqual(wb.fields, {});
    assert.equal(serviceWriteBack({ ...v, status: wb.status }, h), undefined);
  });
});

describe("kubernetesServiceFields", () => {
  const apiserverSvc: V1Service = {
    metadata: { name: "vc", namespace: "hostns" },
    spec: {
      type: "NodePort",
      clusterIP: "10.96.0.50",
      clusterIPs: ["10.96.0.50"],
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      ports: [
        { name: "https", port: 443, targetPort: 6443, protocol: "TCP", nodePort: 31443 },
        { name: "kubelet", port: 10250, protocol: "TCP", nodePort: 31250 },
      ],
    },
  };
  const vKube = svc(
    {
      clusterIP: "10.96.0.1",
      clusterIPs: ["10.96.0.1"],
      type: "ClusterIP",
      ports: [{ name: "https", port: 443, targetPort: 40123, protocol: "TCP" }],
    },
    { name: "kubernetes", namespace: "default" },
  );
  it("copies IPs and ports, without node ports and without the kubelet port", () => {
    assert.deepEqual(kubernetesServiceFields(vKube, apiserverSvc), {
      clusterIP: "10.96.0.50",
      clusterIPs: ["10.96.0.50"],
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      ports: [{ name: "https", port: 443, targetPort: 6443, protocol: "TCP" }],
    });
  });
  it("nothing once the virtual Service says the same", () => {
    const fields = kubernetesServiceFields(vKube, apiserverSvc) ?? assert.fail("expected fields");
    assert.equal(kubernetesServiceFields({ ...vKube, spec: { ...vKube.spec, ...fields } }, apiserverSvc), undefined);
  });
});
