import assert from "node:assert/strict";
import type { V1EndpointSlice, V1Endpoints, V1Pod, V1Service, V1ServicePort } from "@kubernetes/client-node";
import {
  endpointSliceName,
  endpointsUpdate,
  findServicePort,
  sameEndpointContent,
  servesEndpoints,
  serviceSelectsPod,
  translateEndpointSlice,
  translateEndpoints,
  virtualEndpointSlicesFor,
  virtualEndpointsFor,
} from "../src/index.ts";
import { sha } from "./fixtures.ts";

const ctx = { cluster: "vc", hostNamespace: "hostns" };
const json = (x: unknown) => JSON.parse(JSON.stringify(x));

function service(spec: NonNullable<V1Service["spec"]>, name = "web"): V1Service {
  return {
    metadata: { name, namespace: "app", uid: "svc-uid", labels: { tier: "front" } },
    spec: { selector: { app: "web" }, ...spec },
  };
}

interface PodOpts {
  ip?: string;
  ready?: boolean;
  labels?: Record<string, string>;
  namespace?: string;
  phase?: string;
  deleting?: boolean;
  ports?: { name: string; containerPort: number; protocol?: string }[];
  hostname?: string;
  subdomain?: string;
}
function pod(name: string, o: PodOpts = {}): V1Pod {
  return {
    metadata: {
      name,
      namespace: o.namespace ?? "app",
      uid: `uid-${name}`,
      labels: o.labels ?? { app: "web" },
      ...(o.deleting ? { deletionTimestamp: new Date(0) } : {}),
    },
    spec: {
      nodeName: "node-1",
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
      containers: [{ name: "c", image: "i", ports: o.ports ?? [{ name: "http", containerPort: 8080 }] }],
    },
    status: {
      phase: (o.phase ?? "Running") as never,
      ...(o.ip === "" ? {} : { podIP: o.ip ?? "10.244.0.1" }),
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  };
}
const ref = (name: string) => ({ kind: "Pod", namespace: "app", name, uid: `uid-${name}` });
const addr = (name: string, ip: string) => ({ ip, nodeName: "node-1", targetRef: ref(name) });

describe("findServicePort", () => {
  const p = pod("a", {
    ports: [
      { name: "http", containerPort: 8080 },
      { name: "dns", containerPort: 5353, protocol: "UDP" },
    ],
  });
  const sidecar = structuredClone(p);
  sidecar.spec = {
    ...sidecar.spec,
    containers: sidecar.spec?.containers ?? [],
    initContainers: [{ name: "proxy", restartPolicy: "Always", ports: [{ name: "proxy", containerPort: 15001 }] }],
  };
  const cases: [string, V1Pod, V1ServicePort, number | undefined][] = [
    ["a number is the port", p, { port: 80, targetPort: 9090 }, 9090],
    ["no targetPort means the service port", p, { port: 80 }, 80],
    ["a name is looked up in the containers", p, { port: 80, targetPort: "http" }, 8080],
    ["the name must match the protocol too", p, { port: 53, targetPort: "dns" }, undefined],
    ["UDP by name", p, { port: 53, targetPort: "dns", protocol: "UDP" }, 5353],
    ["an unknown name resolves to nothing", p, { port: 80, targetPort: "nope" }, undefined],
    ["sidecars (restartable init containers) serve too", sidecar, { port: 1, targetPort: "proxy" }, 15001],
  ];
  for (const [name, pd, port, want] of cases) it(name, () => assert.equal(findServicePort(pd, port), want));
});

describe("serviceSelectsPod / servesEndpoints", () => {
  const cases: [string, V1Service, V1Pod, boolean][] = [
    ["all selector labels equal", service({}), pod("a", { labels: { app: "web", x: "y" } }), true],
    ["a label differs", service({}), pod("a", { labels: { app: "api" } }), false],
    ["another namespace", service({}), pod("a", { namespace: "other" }), false],
    ["a selector-less Service selects nothing", service({ selector: {} }), pod("a"), false],
  ];
  for (const [name, s, p, want] of cases) it(name, () => assert.equal(serviceSelectsPod(s, p), want));
  it("Endpoints only for selector Services that are not ExternalName", () => {
    assert.equal(servesEndpoints(service({})), true);
    assert.equal(servesEndpoints(service({ selector: undefined as never })), false);
    assert.equal(servesEndpoints(service({ type: "ExternalName", externalName: "x" })), false);
  });
});

describe("virtualEndpointsFor", () => {
  const port = { name: "http", port: 80, targetPort: "http" };
  const cases: { name: string; svc: V1Service; pods: V1Pod[]; want: Partial<V1Endpoints> }[] = [
    {
      name: "ready pods under addresses, unready under notReadyAddresses, named port resolved",
      svc: service({ ports: [port] }),
      pods: [pod("b", { ip: "10.0.0.2" }), pod("a", { ip: "10.0.0.1" }), pod("c", { ip: "10.0.0.3", ready: false })],
      want: {
        subsets: [
          {
            addresses: [addr("a", "10.0.0.1"), addr("b", "10.0.0.2")],
            notReadyAddresses: [addr("c", "10.0.0.3")],
            ports: [{ name: "http", port: 8080, protocol: "TCP" }],
          },
        ],
      },
    },
    {
      name: "pods without an IP, finished, terminating or unselected are left out",
      svc: service({ ports: [{ port: 80 }] }),
      pods: [
        pod("a", { ip: "10.0.0.1" }),
        pod("noip", { ip: "" }),
        pod("done", { ip: "10.0.0.5", phase: "Succeeded" }),
        pod("failed", { ip: "10.0.0.6", phase: "Failed" }),
        pod("going", { ip: "10.0.0.7", deleting: true }),
        pod("other", { ip: "10.0.0.8", labels: { app: "other" } }),
        pod("elsewhere", { ip: "10.0.0.9", namespace: "x" }),
      ],
      want: { subsets: [{ addresses: [addr("a", "10.0.0.1")], ports: [{ port: 80, protocol: "TCP" }] }] },
    },
    {
      name: "publishNotReadyAddresses: every pod is an address, terminating ones too",
      svc: service({ ports: [{ port: 80 }], publishNotReadyAddresses: true }),
      pods: [pod("a", { ip: "10.0.0.1", ready: false }), pod("b", { ip: "10.0.0.2", deleting: true })],
      want: {
        subsets: [
          { addresses: [addr("a", "10.0.0.1"), addr("b", "10.0.0.2")], ports: [{ port: 80, protocol: "TCP" }] },
        ],
      },
    },
    {
      name: "repacked as kube does: ports grouped by the addresses that serve them",
      svc: service({
        ports: [
          { name: "http", port: 80, targetPort: "http" },
          { name: "metrics", port: 9090, targetPort: "metrics" },
        ],
      }),
      pods: [
        pod("a", {
          ip: "10.0.0.1",
          ports: [
            { name: "http", containerPort: 8080 },
            { name: "metrics", containerPort: 9100 },
          ],
        }),
        pod("b", { ip: "10.0.0.2", ports: [{ name: "http", containerPort: 8080 }] }),
      ],
      want: {
        subsets: [
          {
            addresses: [addr("a", "10.0.0.1"), addr("b", "10.0.0.2")],
            ports: [{ name: "http", port: 8080, protocol: "TCP" }],
          },
          { addresses: [addr("a", "10.0.0.1")], ports: [{ name: "metrics", port: 9100, protocol: "TCP" }] },
        ],
      },
    },
    {
      name: "a headless Service without ports still lists its pods",
      svc: service({ clusterIP: "None" }),
      pods: [pod("a", { ip: "10.0.0.1" })],
      want: { subsets: [{ addresses: [addr("a", "10.0.0.1")] }] },
    },
    {
      name: "a non-headless Service without ports lists nothing",
      svc: service({}),
      pods: [pod("a", { ip: "10.0.0.1" })],
      want: { subsets: undefined },
    },
    {
      name: "hostname set for pods of the Service's subdomain",
      svc: service({ clusterIP: "None", ports: [{ port: 80 }] }),
      pods: [
        pod("a", { ip: "10.0.0.1", hostname: "a0", subdomain: "web" }),
        pod("b", { ip: "10.0.0.2", hostname: "b0" }),
      ],
      want: {
        subsets: [
          {
            addresses: [{ ...addr("a", "10.0.0.1"), hostname: "a0" }, addr("b", "10.0.0.2")],
            ports: [{ port: 80, protocol: "TCP" }],
          },
        ],
      },
    },
    {
      name: "no pods: Endpoints without subsets",
      svc: service({ ports: [port] }),
      pods: [],
      want: { subsets: undefined },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = virtualEndpointsFor(c.svc, c.pods);
      for (const [k, v] of Object.entries(c.want))
        assert.deepEqual(json((got as Record<string, unknown>)[k] ?? null), v ?? null, k);
    });
  }
  it("named like the Service, with its labels (and the headless marker for headless ones)", () => {
    assert.deepEqual(virtualEndpointsFor(service({}), []).metadata, {
      name: "web",
      namespace: "app",
      labels: { tier: "front" },
    });
    assert.deepEqual(virtualEndpointsFor(service({ clusterIP: "None" }), []).metadata?.labels, {
      tier: "front",
      "service.kubernetes.io/headless": "",
    });
  });
  it("is stable whatever order the pods come in", () => {
    const svc = service({ ports: [{ port: 80 }] });
    const ps = [pod("a", { ip: "10.0.0.3" }), pod("b", { ip: "10.0.0.1" }), pod("c", { ip: "10.0.0.2", ready: false })];
    assert.deepEqual(virtualEndpointsFor(svc, ps), virtualEndpointsFor(svc, [...ps].reverse()));
  });
});

describe("virtualEndpointSlicesFor", () => {
  it("one slice per port set, with kube's conditions, labels and owner", () => {
    const svc = service({ ports: [{ name: "http", port: 80, targetPort: "http" }] });
    const slices = virtualEndpointSlicesFor(svc, [
      pod("a", { ip: "10.0.0.1" }),
      pod("b", { ip: "10.0.0.2", ready: false }),
      pod("c", { ip: "10.0.0.3", deleting: true }),
      pod("d", { ip: "10.0.0.4", ports: [{ name: "http", containerPort: 9000 }] }),
    ]);
    assert.equal(slices.length, 2);
    const p8080 = [{ name: "http", port: 8080, protocol: "TCP" }];
    const s8080 = slices.find((s) => s.ports?.[0]?.port === 8080) as V1EndpointSlice;
    assert.equal(s8080.metadata?.name, endpointSliceName("web", p8080));
    assert.deepEqual(json(s8080), {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: endpointSliceName("web", p8080),
        namespace: "app",
        labels: {
          tier: "front",
          "kubernetes.io/service-name": "web",
          "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        },
        ownerReferences: [
          {
            apiVersion: "v1",
            kind: "Service",
            name: "web",
            uid: "svc-uid",
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      addressType: "IPv4",
      endpoints: [
        {
          addresses: ["10.0.0.1"],
          conditions: { ready: true, serving: true, terminating: false },
          targetRef: ref("a"),
          nodeName: "node-1",
        },
        {
          addresses: ["10.0.0.2"],
          conditions: { ready: false, serving: false, terminating: false },
          targetRef: ref("b"),
          nodeName: "node-1",
        },
        {
          addresses: ["10.0.0.3"],
          conditions: { ready: false, serving: true, terminating: true },
          targetRef: ref("c"),
          nodeName: "node-1",
        },
      ],
      ports: p8080,
    });
    const s9000 = slices.find((s) => s.ports?.[0]?.port === 9000);
    assert.deepEqual(
      s9000?.endpoints?.map((e) => e.targetRef?.name),
      ["d"],
    );
  });
  it("no pods: one placeholder slice without ports or endpoints", () => {
    const slices = virtualEndpointSlicesFor(service({ ports: [{ port: 80 }] }), []);
    assert.equal(slices.length, 1);
    assert.deepEqual(slices[0]?.endpoints, []);
    assert.equal(slices[0]?.ports, undefined);
  });
  it("publishNotReadyAddresses makes every endpoint ready; headless Services are marked", () => {
    const slices = virtualEndpointSlicesFor(
      service({ clusterIP: "None", ports: [{ port: 80 }], publishNotReadyAddresses: true }),
      [pod("a", { ready: false })],
    );
    assert.equal(slices[0]?.endpoints?.[0]?.conditions?.ready, true);
    assert.equal(slices[0]?.metadata?.labels?.["service.kubernetes.io/headless"], "");
  });
  it("IPv6 Services list IPv6 addresses", () => {
    const p = pod("a", { ip: "10.0.0.1" });
    (p.status as NonNullable<V1Pod["status"]>).podIPs = [{ ip: "10.0.0.1" }, { ip: "fd00::1" }];
    const slices = virtualEndpointSlicesFor(service({ ipFamilies: ["IPv6"], ports: [{ port: 80 }] }), [p]);
    assert.equal(slices[0]?.addressType, "IPv6");
    assert.deepEqual(slices[0]?.endpoints?.[0]?.addresses, ["fd00::1"]);
  });
});

describe("sameEndpointContent", () => {
  const svc = service({ ports: [{ port: 80 }] });
  const ep = virtualEndpointsFor(svc, [pod("a")]);
  const cases: [string, unknown, boolean][] = [
    ["missing", undefined, false],
    [
      "as applied (identity and host annotations aside)",
      {
        ...json(ep),
        metadata: { ...ep.metadata, uid: "u", resourceVersion: "9", annotations: { "evk.dev/host-uid": "svc-uid" } },
      },
      true,
    ],
    ["other subsets", { ...json(ep), subsets: [] }, false],
    ["other labels", { ...json(ep), metadata: { ...ep.metadata, labels: {} } }, false],
  ];
  for (const [name, cur, want] of cases) it(name, () => assert.equal(sameEndpointContent(ep, cur), want));
});

describe("translateEndpoints / translateEndpointSlice (selector-less Services, virtual → host)", () => {
  const vEp: V1Endpoints = {
    metadata: {
      name: "db",
      namespace: "app",
      uid: "ep-uid",
      labels: { release: "r" },
      annotations: { "control-plane.alpha.kubernetes.io/leader": "x", note: "n" },
    },
    subsets: [
      {
        addresses: [
          { ip: "10.1.0.1", targetRef: { kind: "Pod", name: "db-0", uid: "vuid", resourceVersion: "3" } },
          { ip: "192.0.2.10" },
        ],
        notReadyAddresses: [{ ip: "10.1.0.2", targetRef: { kind: "Pod", namespace: "app", name: "db-1" } }],
        ports: [{ name: "pg", port: 5432 }],
      },
    ],
  };
  it("Endpoints: metadata per §1, pod references translated, protocol defaulted", () => {
    assert.deepEqual(json(translateEndpoints(vEp, ctx)), {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: {
        name: "db-x-app-x-vc",
        namespace: "hostns",
        labels: {
          [`evk.dev/label-vc-x-${sha("release").slice(0, 10)}`]: "r",
          "evk.dev/managed-by": "vc",
          "evk.dev/namespace": "app",
        },
        annotations: {
          note: "n",
          "evk.dev/object-name": "db",
          "evk.dev/object-namespace": "app",
          "evk.dev/object-uid": "ep-uid",
          "evk.dev/object-kind": "/v1, Kind=Endpoints",
          "evk.dev/object-host-name": "db-x-app-x-vc",
          "evk.dev/object-host-namespace": "hostns",
          "evk.dev/managed-annotations": "note",
        },
      },
      subsets: [
        {
          addresses: [
            { ip: "10.1.0.1", targetRef: { kind: "Pod", name: "db-0-x-app-x-vc", namespace: "hostns" } },
            { ip: "192.0.2.10" },
          ],
          notReadyAddresses: [
            { ip: "10.1.0.2", targetRef: { kind: "Pod", namespace: "hostns", name: "db-1-x-app-x-vc" } },
          ],
          ports: [{ name: "pg", port: 5432, protocol: "TCP" }],
        },
      ],
    });
  });

  const vSlice: V1EndpointSlice = {
    metadata: {
      name: "db-abc",
      namespace: "app",
      uid: "slice-uid",
      labels: { "kubernetes.io/service-name": "db", "endpointslice.kubernetes.io/managed-by": "me" },
    },
    addressType: "IPv4",
    endpoints: [{ addresses: ["10.1.0.1"], targetRef: { kind: "Pod", name: "db-0", uid: "x" } }],
    ports: [{ name: "pg", port: 5432 }],
  };
  it("EndpointSlice: names the host Service in its service-name label; references translated", () => {
    const got = translateEndpointSlice(vSlice, ctx);
    assert.equal(got.metadata?.name, "db-abc-x-app-x-vc");
    assert.equal(got.metadata?.labels?.["kubernetes.io/service-name"], "db-x-app-x-vc");
    assert.equal(got.metadata?.labels?.["endpointslice.kubernetes.io/managed-by"], "me");
    assert.equal(got.metadata?.annotations?.["evk.dev/object-kind"], "discovery.k8s.io/v1, Kind=EndpointSlice");
    assert.deepEqual(json(got.endpoints), [
      { addresses: ["10.1.0.1"], targetRef: { kind: "Pod", name: "db-0-x-app-x-vc", namespace: "hostns" } },
    ]);
    assert.deepEqual(got.ports, [{ name: "pg", port: 5432, protocol: "TCP" }]);
  });
  it("EndpointSlice of a long-named Service: the label is the host Service's real (hashed) name", () => {
    const long = "a-service-name-long-enough-to-be-hashed-on-the-host-side";
    const s = structuredClone(vSlice);
    (s.metadata as { labels: Record<string, string> }).labels["kubernetes.io/service-name"] = long;
    const label = translateEndpointSlice(s, ctx).metadata?.labels?.["kubernetes.io/service-name"] ?? "";
    assert.ok(label.length <= 63);
    assert.equal(label, `${`${long}-x-app-x-vc`.slice(0, 52)}-${sha(`${long}-x-app-x-vc`).slice(0, 10)}`);
  });

  it("endpointsUpdate: nothing when equal; content follows; host-added annotations stay", () => {
    const desired = translateEndpoints(vEp, ctx);
    const host = {
      ...json(desired),
      metadata: {
        ...json(desired.metadata),
        uid: "h",
        resourceVersion: "5",
        annotations: { ...desired.metadata?.annotations, "endpoints.kubernetes.io/last-change-trigger-time": "t" },
      },
    } as V1Endpoints;
    assert.equal(endpointsUpdate(desired, host), undefined);
    const changed = translateEndpoints({ ...vEp, subsets: [{ addresses: [{ ip: "10.9.9.9" }] }] }, ctx);
    const upd = endpointsUpdate(changed, host) ?? assert.fail("expected an update");
    assert.deepEqual(upd.subsets, [{ addresses: [{ ip: "10.9.9.9" }] }]);
    assert.equal(upd.metadata?.resourceVersion, "5");
    assert.equal(upd.metadata?.annotations?.["endpoints.kubernetes.io/last-change-trigger-time"], "t");
  });
});
