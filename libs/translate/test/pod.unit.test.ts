import assert from "node:assert/strict";
import type { V1Pod, V1PodSpec } from "@kubernetes/client-node";
import {
  type PodTranslation,
  type PodTranslationContext,
  serviceAccountTokenRequests,
  translatePod,
} from "../src/index.ts";
import { baseCtx, basePod, sha } from "./fixtures.ts";

function ok(r: PodTranslation) {
  if (!r.ok) assert.fail(`translation failed: ${r.reason}: ${r.message}`);
  return r;
}

function translateWith(mutate: (p: V1Pod) => void, ctx: Partial<PodTranslationContext> = {}) {
  const p = basePod();
  mutate(p);
  return ok(translatePod(p, { ...baseCtx(), ...ctx }));
}

const specOf = (r: { pod: V1Pod }): V1PodSpec => r.pod.spec ?? assert.fail("no spec");
const ann = (key: string) => `metadata.annotations['${key}']`;

describe("translatePod: metadata", () => {
  const r = translateWith(() => {}, { namespaceLabels: { team: "a" } });
  it("names and places the pod like every namespaced object", () => {
    assert.equal(r.pod.metadata?.name, "web-0-x-default-x-vc");
    assert.equal(r.pod.metadata?.namespace, "hostns");
  });
  it("resets server-owned metadata and drops status", () => {
    const m = r.pod.metadata ?? {};
    for (const k of [
      "uid",
      "resourceVersion",
      "generation",
      "generateName",
      "finalizers",
      "ownerReferences",
    ] as const) {
      assert.equal(m[k], undefined, k);
    }
    assert.equal(r.pod.status, undefined);
  });
  it("labels: user labels, markers and namespace labels", () => {
    assert.deepEqual(r.pod.metadata?.labels, {
      app: "web",
      "evk.dev/managed-by": "vc",
      "evk.dev/namespace": "default",
      [`evk.dev/ns-label-vc-x-${sha("team").slice(0, 10)}`]: "a",
    });
  });
  it("annotations: copied, identity, pod identity", () => {
    assert.deepEqual(r.pod.metadata?.annotations, {
      note: "hi",
      "evk.dev/object-name": "web-0",
      "evk.dev/object-namespace": "default",
      "evk.dev/object-uid": "uid-1",
      "evk.dev/object-kind": "/v1, Kind=Pod",
      "evk.dev/object-host-name": "web-0-x-default-x-vc",
      "evk.dev/object-host-namespace": "hostns",
      "evk.dev/managed-annotations": "note",
      "evk.dev/name": "web-0",
      "evk.dev/namespace": "default",
      "evk.dev/uid": "uid-1",
      "evk.dev/service-account-name": "builder",
      "evk.dev/labels": 'app="web"',
      "cluster-autoscaler.kubernetes.io/safe-to-evict": "false",
    });
  });
  it('labels annotation: sorted key="json" lines', () => {
    const r2 = translateWith((p) => {
      p.metadata = { ...p.metadata, labels: { z: "1", a: 'q"uote', m: "" } };
    });
    assert.equal(r2.pod.metadata?.annotations?.["evk.dev/labels"], 'a="q\\"uote"\nm=""\nz="1"');
  });
  it("a virtual pod cannot set the syncer's own annotations", () => {
    const r2 = translateWith((p) => {
      p.metadata = { ...p.metadata, annotations: { "evk.dev/uid": "spoof", "evk.dev/token-abcdefgh": "stolen" } };
    });
    assert.equal(r2.pod.metadata?.annotations?.["evk.dev/uid"], "uid-1");
    assert.equal(r2.pod.metadata?.annotations?.["evk.dev/token-abcdefgh"], undefined);
    assert.equal(r2.pod.metadata?.annotations?.["evk.dev/managed-annotations"], undefined);
  });
  it("does not modify its input and is deterministic", () => {
    const p = basePod();
    const before = structuredClone(p);
    const a = translatePod(p, baseCtx());
    const b = translatePod(p, baseCtx());
    assert.deepEqual(p, before);
    assert.deepEqual(a, b);
  });
  it("refuses a pod without a name", () => {
    const p = basePod();
    p.metadata = { namespace: "default" };
    const res = translatePod(p, baseCtx());
    assert.equal(res.ok, false);
  });
});

describe("translatePod: owners and eviction", () => {
  const rs = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    name: "web-5d",
    uid: "rs1",
    controller: true,
    blockOwnerDeletion: true,
  };
  const cases: {
    name: string;
    owners: NonNullable<V1Pod["metadata"]>["ownerReferences"];
    userAnnotations?: Record<string, string>;
    want: Record<string, string | undefined>;
  }[] = [
    {
      name: "no owner: not safe to evict",
      owners: undefined,
      want: { "cluster-autoscaler.kubernetes.io/safe-to-evict": "false", "evk.dev/owner-references": undefined },
    },
    {
      name: "ReplicaSet controller: safe to evict, owner set kind, refs JSON in Go field order",
      owners: [
        {
          uid: "rs1",
          name: "web-5d",
          kind: "ReplicaSet",
          apiVersion: "apps/v1",
          blockOwnerDeletion: true,
          controller: true,
        },
      ],
      want: {
        "cluster-autoscaler.kubernetes.io/safe-to-evict": "true",
        "evk.dev/owner-set-kind": "ReplicaSet",
        "evk.dev/owner-references": JSON.stringify([rs]),
        "cluster-autoscaler.kubernetes.io/daemonset-pod": undefined,
      },
    },
    {
      name: "DaemonSet controller: daemonset-pod",
      owners: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "ds", uid: "d1", controller: true }],
      want: {
        "cluster-autoscaler.kubernetes.io/safe-to-evict": "true",
        "cluster-autoscaler.kubernetes.io/daemonset-pod": "true",
        "evk.dev/owner-set-kind": "DaemonSet",
      },
    },
    {
      name: "non-controller owner: refs recorded, still not safe to evict, no set kind for other kinds",
      owners: [{ apiVersion: "v1", kind: "ConfigMap", name: "c", uid: "c1" }],
      want: {
        "cluster-autoscaler.kubernetes.io/safe-to-evict": "false",
        "evk.dev/owner-references": '[{"apiVersion":"v1","kind":"ConfigMap","name":"c","uid":"c1"}]',
        "evk.dev/owner-set-kind": undefined,
      },
    },
    {
      name: "a user's safe-to-evict is kept",
      owners: undefined,
      userAnnotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict": "true" },
      want: { "cluster-autoscaler.kubernetes.io/safe-to-evict": "true" },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = translateWith((p) => {
        p.metadata = { ...p.metadata, ownerReferences: c.owners, annotations: c.userAnnotations ?? {} };
      });
      for (const [k, v] of Object.entries(c.want)) assert.equal(r.pod.metadata?.annotations?.[k], v, k);
    });
  }
});

describe("translatePod: service account and service links", () => {
  const cases: { name: string; ctx: Partial<PodTranslationContext>; want: string }[] = [
    { name: "the context's workload service account", ctx: { hostServiceAccountName: "runner" }, want: "runner" },
    { name: "defaults to evk-workload-<cluster>", ctx: { hostServiceAccountName: undefined }, want: "evk-workload-vc" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const spec = specOf(translateWith((p) => ((p.spec as V1PodSpec).serviceAccount = "builder"), c.ctx));
      assert.equal(spec.serviceAccountName, c.want);
      assert.equal(spec.serviceAccount, undefined);
      assert.equal(spec.automountServiceAccountToken, false);
      assert.equal(spec.enableServiceLinks, false);
    });
  }
});

describe("translatePod: service account tokens", () => {
  const withToken = (p: V1Pod) => {
    (p.spec as V1PodSpec).volumes = [
      {
        name: "kube-api-access",
        projected: {
          sources: [
            { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
            { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
            { serviceAccountToken: { path: "vault", audience: "vault" } },
          ],
        },
      },
    ];
  };
  const id0 = sha("kube-api-access/0").slice(0, 8);
  const id2 = sha("kube-api-access/2").slice(0, 8);

  it("lists the tokens to request, with deterministic ids and default audiences", () => {
    const p = basePod();
    withToken(p);
    assert.deepEqual(serviceAccountTokenRequests(p, "corp.local"), [
      {
        id: id0,
        annotation: `evk.dev/token-${id0}`,
        volume: "kube-api-access",
        sourceIndex: 0,
        path: "token",
        serviceAccountName: "builder",
        audiences: [
          "https://kubernetes.default.svc.corp.local",
          "https://kubernetes.default.svc",
          "https://kubernetes.default",
        ],
        expirationSeconds: 315360000,
        boundObject: { kind: "Pod", apiVersion: "v1", name: "web-0", uid: "uid-1" },
      },
      {
        id: id2,
        annotation: `evk.dev/token-${id2}`,
        volume: "kube-api-access",
        sourceIndex: 2,
        path: "vault",
        serviceAccountName: "builder",
        audiences: ["vault"],
        expirationSeconds: 315360000,
        boundObject: { kind: "Pod", apiVersion: "v1", name: "web-0", uid: "uid-1" },
      },
    ]);
  });
  it("replaces token sources by downward-API reads of the token annotations", () => {
    const r = translateWith(withToken, { tokens: { [id0]: "jwt-0", [id2]: "jwt-2" } });
    const sources = specOf(r).volumes?.[0]?.projected?.sources;
    assert.deepEqual(sources?.[0], {
      downwardAPI: {
        items: [{ path: "token", fieldRef: { apiVersion: "v1", fieldPath: ann(`evk.dev/token-${id0}`) }, mode: 0o644 }],
      },
    });
    assert.equal(sources?.[1]?.configMap?.name, "kube-root-ca.crt-x-default-x-vc");
    assert.equal(sources?.[2]?.downwardAPI?.items?.[0]?.fieldRef?.fieldPath, ann(`evk.dev/token-${id2}`));
    assert.equal(r.pod.metadata?.annotations?.[`evk.dev/token-${id0}`], "jwt-0");
    assert.equal(r.pod.metadata?.annotations?.[`evk.dev/token-${id2}`], "jwt-2");
  });
  it("accepts a Map of tokens", () => {
    const r = translateWith(withToken, {
      tokens: new Map([
        [id0, "a"],
        [id2, "b"],
      ]),
    });
    assert.equal(r.pod.metadata?.annotations?.[`evk.dev/token-${id2}`], "b");
  });
  it("reports a missing token instead of creating a pod without it", () => {
    const p = basePod();
    withToken(p);
    const r = translatePod(p, { ...baseCtx(), tokens: { [id0]: "only-one" } });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.reason, "MissingToken");
  });
});

describe("translatePod: downward API", () => {
  const releaseHost = `evk.dev/label-vc-x-${sha("release").slice(0, 10)}`;
  const cases: [string, string][] = [
    ["metadata.name", ann("evk.dev/name")],
    ["metadata.namespace", ann("evk.dev/namespace")],
    ["metadata.uid", ann("evk.dev/uid")],
    ["spec.serviceAccountName", ann("evk.dev/service-account-name")],
    ["metadata.labels", ann("evk.dev/labels")],
    ["metadata.labels['app']", "metadata.labels['app']"],
    ["metadata.labels['release']", `metadata.labels['${releaseHost}']`],
    ["metadata.annotations['note']", "metadata.annotations['note']"],
    ["status.podIP", "status.podIP"],
    ["spec.nodeName", "spec.nodeName"],
  ];
  for (const [from, to] of cases) {
    it(`${from} → ${to} in env, volume items and projected items`, () => {
      const spec = specOf(
        translateWith((p) => {
          const s = p.spec as V1PodSpec;
          s.initContainers = [{ name: "init", env: [{ name: "F", valueFrom: { fieldRef: { fieldPath: from } } }] }];
          s.volumes = [
            { name: "d", downwardAPI: { items: [{ path: "f", fieldRef: { fieldPath: from } }] } },
            {
              name: "p",
              projected: { sources: [{ downwardAPI: { items: [{ path: "f", fieldRef: { fieldPath: from } }] } }] },
            },
          ];
        }),
      );
      const env = spec.initContainers?.[0]?.env?.find((e) => e.name === "F");
      assert.equal(env?.valueFrom?.fieldRef?.fieldPath, to);
      assert.equal(spec.volumes?.[0]?.downwardAPI?.items?.[0]?.fieldRef?.fieldPath, to);
      assert.equal(spec.volumes?.[1]?.projected?.sources?.[0]?.downwardAPI?.items?.[0]?.fieldRef?.fieldPath, to);
    });
  }
});

describe("translatePod: environment", () => {
  const r = translateWith(
    (p) => {
      (p.spec as V1PodSpec).containers = [
        {
          name: "main",
          env: [
            { name: "KUBERNETES_SERVICE_HOST", value: "mine" },
            { name: "C", valueFrom: { configMapKeyRef: { name: "cfg", key: "k" } } },
            { name: "S", valueFrom: { secretKeyRef: { name: "sec", key: "k" } } },
          ],
          envFrom: [{ configMapRef: { name: "cfg2" } }, { secretRef: { name: "sec2" } }],
        },
      ];
      (p.spec as V1PodSpec).ephemeralContainers = [{ name: "debug", envFrom: [{ secretRef: { name: "dbg" } }] }];
    },
    {
      services: [
        { metadata: { name: "api", namespace: "default" }, spec: { clusterIP: "10.1.1.1", ports: [{ port: 80 }] } },
      ],
    },
  );
  const env = specOf(r).containers[0]?.env ?? [];
  it("translates referenced names", () => {
    assert.equal(env.find((e) => e.name === "C")?.valueFrom?.configMapKeyRef?.name, "cfg-x-default-x-vc");
    assert.equal(env.find((e) => e.name === "S")?.valueFrom?.secretKeyRef?.name, "sec-x-default-x-vc");
    assert.deepEqual(specOf(r).containers[0]?.envFrom, [
      { configMapRef: { name: "cfg2-x-default-x-vc" } },
      { secretRef: { name: "sec2-x-default-x-vc" } },
    ]);
    assert.equal(specOf(r).ephemeralContainers?.[0]?.envFrom?.[0]?.secretRef?.name, "dbg-x-default-x-vc");
  });
  it("prepends generated variables sorted by name, without overriding the user's", () => {
    const names = env.map((e) => e.name);
    const generated = names.slice(0, names.indexOf("KUBERNETES_SERVICE_HOST"));
    assert.deepEqual(generated, [...generated].sort());
    assert.ok(generated.includes("API_SERVICE_HOST"));
    assert.ok(generated.includes("KUBERNETES_PORT_443_TCP_ADDR"));
    assert.equal(names.filter((n) => n === "KUBERNETES_SERVICE_HOST").length, 1);
    assert.equal(env.find((e) => e.name === "KUBERNETES_SERVICE_HOST")?.value, "mine");
    assert.deepEqual(names.slice(-3), ["KUBERNETES_SERVICE_HOST", "C", "S"]);
  });
  it("records references for the syncer", () => {
    assert.deepEqual(r.references, {
      configMaps: ["cfg", "cfg2"],
      secrets: ["dbg", "sec", "sec2"],
      persistentVolumeClaims: [],
    });
  });
  it("no service links when the virtual pod disabled them", () => {
    const r2 = translateWith((p) => ((p.spec as V1PodSpec).enableServiceLinks = false), {
      services: [{ metadata: { name: "api" }, spec: { clusterIP: "10.1.1.1", ports: [{ port: 80 }] } }],
    });
    const names = (specOf(r2).containers[0]?.env ?? []).map((e) => e.name);
    assert.ok(!names.includes("API_SERVICE_HOST"));
    assert.ok(names.includes("KUBERNETES_SERVICE_HOST"));
  });
});

describe("translatePod: hostAliases", () => {
  it("appends the API server entry after the user's", () => {
    const spec = specOf(
      translateWith((p) => ((p.spec as V1PodSpec).hostAliases = [{ ip: "1.2.3.4", hostnames: ["db"] }]), {
        clusterDomain: "corp.local",
      }),
    );
    assert.deepEqual(spec.hostAliases, [
      { ip: "1.2.3.4", hostnames: ["db"] },
      {
        ip: "10.0.0.1",
        hostnames: ["kubernetes.default.svc.corp.local", "kubernetes", "kubernetes.default", "kubernetes.default.svc"],
      },
    ]);
  });
});

describe("translatePod: DNS", () => {
  const clusterFirst = {
    dnsPolicy: "None",
    dnsConfig: {
      nameservers: ["10.0.0.10"],
      searches: ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"],
      options: [{ name: "ndots", value: "5" }],
    },
  };
  const cases: { name: string; spec: Partial<V1PodSpec>; dnsIP?: string | undefined; want: Partial<V1PodSpec> }[] = [
    { name: "ClusterFirst → None with the virtual DNS", spec: { dnsPolicy: "ClusterFirst" }, want: clusterFirst },
    { name: "unset policy means ClusterFirst", spec: {}, want: clusterFirst },
    {
      name: "ClusterFirstWithHostNet → None",
      spec: { dnsPolicy: "ClusterFirstWithHostNet", hostNetwork: true },
      want: clusterFirst,
    },
    {
      name: "ClusterFirst with hostNetwork is left alone",
      spec: { dnsPolicy: "ClusterFirst", hostNetwork: true },
      want: { dnsPolicy: "ClusterFirst", dnsConfig: undefined },
    },
    {
      name: "Default is left alone",
      spec: { dnsPolicy: "Default" },
      want: { dnsPolicy: "Default", dnsConfig: undefined },
    },
    {
      name: "None is left alone",
      spec: { dnsPolicy: "None", dnsConfig: { nameservers: ["8.8.8.8"] } },
      want: { dnsPolicy: "None", dnsConfig: { nameservers: ["8.8.8.8"] } },
    },
    {
      name: "user config merged and de-duplicated, user options dropped",
      spec: {
        dnsPolicy: "ClusterFirst",
        dnsConfig: {
          nameservers: ["10.0.0.10", "1.1.1.1"],
          searches: ["corp", "svc.cluster.local"],
          options: [{ name: "ndots", value: "2" }],
        },
      },
      want: {
        dnsPolicy: "None",
        dnsConfig: {
          nameservers: ["10.0.0.10", "1.1.1.1"],
          searches: ["default.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp"],
          options: [{ name: "ndots", value: "5" }],
        },
      },
    },
    {
      name: "without a DNS service IP the policy is kept",
      spec: { dnsPolicy: "ClusterFirst" },
      dnsIP: undefined,
      want: { dnsPolicy: "ClusterFirst", dnsConfig: undefined },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const ctx = "dnsIP" in c ? { dnsServiceIP: c.dnsIP } : {};
      const spec = specOf(translateWith((p) => Object.assign(p.spec as V1PodSpec, c.spec), ctx));
      assert.deepEqual({ dnsPolicy: spec.dnsPolicy, dnsConfig: spec.dnsConfig }, c.want);
    });
  }
});

describe("translatePod: hostname and subdomain", () => {
  const cases: { name: string; podName: string; hostname?: string; want: string }[] = [
    { name: "defaults to the virtual name", podName: "web-0", want: "web-0" },
    { name: "dots become dashes", podName: "a.b.c", want: "a-b-c" },
    { name: "cut to 63 and trailing dash trimmed", podName: `${"x".repeat(62)}-yyy`, want: "x".repeat(62) },
    { name: "a user hostname is kept", podName: "web-0", hostname: "custom", want: "custom" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const spec = specOf(
        translateWith((p) => {
          p.metadata = { ...p.metadata, name: c.podName };
          (p.spec as V1PodSpec).subdomain = "headless";
          if (c.hostname) (p.spec as V1PodSpec).hostname = c.hostname;
        }),
      );
      assert.equal(spec.hostname, c.want);
      assert.equal(spec.subdomain, undefined);
    });
  }
});

describe("translatePod: volumes and image pull secrets", () => {
  const r = translateWith((p) => {
    const s = p.spec as V1PodSpec;
    s.imagePullSecrets = [{ name: "regcred" }];
    s.volumes = [
      { name: "cm", configMap: { name: "cfg" } },
      { name: "sec", secret: { secretName: "tls" } },
      { name: "data", persistentVolumeClaim: { claimName: "data-web-0" } },
      { name: "proj", projected: { sources: [{ configMap: { name: "cfg" } }, { secret: { name: "tls" } }] } },
      { name: "csi", csi: { driver: "d", nodePublishSecretRef: { name: "csi-s" } } },
      { name: "iscsi", iscsi: { iqn: "i", lun: 0, targetPortal: "t", secretRef: { name: "chap" } } },
      { name: "az", azureFile: { secretName: "azs", shareName: "s" } },
      { name: "scratch", ephemeral: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"] } } } },
      { name: "tmp", emptyDir: {} },
    ];
  });
  const vols = specOf(r).volumes ?? [];
  const cases: [string, (v: NonNullable<V1PodSpec["volumes"]>[number]) => unknown, unknown][] = [
    ["cm", (v) => v.configMap?.name, "cfg-x-default-x-vc"],
    ["sec", (v) => v.secret?.secretName, "tls-x-default-x-vc"],
    ["data", (v) => v.persistentVolumeClaim?.claimName, "data-web-0-x-default-x-vc"],
    [
      "proj",
      (v) => v.projected?.sources?.map((s) => s.configMap?.name ?? s.secret?.name),
      ["cfg-x-default-x-vc", "tls-x-default-x-vc"],
    ],
    ["csi", (v) => v.csi?.nodePublishSecretRef?.name, "csi-s-x-default-x-vc"],
    ["iscsi", (v) => v.iscsi?.secretRef?.name, "chap-x-default-x-vc"],
    ["az", (v) => v.azureFile?.secretName, "azs-x-default-x-vc"],
    ["scratch", (v) => v, { name: "scratch", persistentVolumeClaim: { claimName: "web-0-scratch-x-default-x-vc" } }],
    ["tmp", (v) => v, { name: "tmp", emptyDir: {} }],
  ];
  for (const [name, get, want] of cases) {
    it(`${name} volume`, () => {
      const v = vols.find((x) => x.name === name) ?? assert.fail(`no volume ${name}`);
      assert.deepEqual(get(v), want);
    });
  }
  it("imagePullSecrets", () => assert.deepEqual(specOf(r).imagePullSecrets, [{ name: "regcred-x-default-x-vc" }]));
  it("references, de-duplicated and sorted", () => {
    assert.deepEqual(r.references, {
      configMaps: ["cfg"],
      secrets: ["azs", "chap", "csi-s", "regcred", "tls"],
      persistentVolumeClaims: ["data-web-0", "web-0-scratch"],
    });
  });
});

describe("translatePod: scheduling", () => {
  const sel = { matchLabels: { app: "db" } };
  const nsHash = (k: string) => `evk.dev/ns-label-vc-x-${sha(k).slice(0, 10)}`;
  const cases: {
    name: string;
    term: NonNullable<
      NonNullable<NonNullable<V1PodSpec["affinity"]>["podAffinity"]>["requiredDuringSchedulingIgnoredDuringExecution"]
    >[number];
    want: unknown;
    warns?: boolean;
  }[] = [
    {
      name: "no namespaces: the pod's own namespace",
      term: { topologyKey: "zone", labelSelector: sel },
      want: {
        topologyKey: "zone",
        labelSelector: { matchLabels: { app: "db", "evk.dev/namespace": "default", "evk.dev/managed-by": "vc" } },
      },
    },
    {
      name: "namespaces list: In on the namespace label",
      term: { topologyKey: "zone", labelSelector: sel, namespaces: ["a", "b"] },
      want: {
        topologyKey: "zone",
        labelSelector: {
          matchLabels: { app: "db", "evk.dev/managed-by": "vc" },
          matchExpressions: [{ key: "evk.dev/namespace", operator: "In", values: ["a", "b"] }],
        },
      },
    },
    {
      name: "namespaceSelector: ns-label keys",
      term: { topologyKey: "zone", labelSelector: sel, namespaceSelector: { matchLabels: { team: "x" } } },
      want: {
        topologyKey: "zone",
        labelSelector: { matchLabels: { app: "db", [nsHash("team")]: "x", "evk.dev/managed-by": "vc" } },
      },
    },
    {
      name: "empty namespaceSelector: every namespace of this cluster",
      term: { topologyKey: "zone", labelSelector: sel, namespaceSelector: {}, namespaces: ["a"] },
      want: { topologyKey: "zone", labelSelector: { matchLabels: { app: "db", "evk.dev/managed-by": "vc" } } },
    },
    {
      name: "namespaces with a namespaceSelector: selector ignored, warning",
      term: {
        topologyKey: "zone",
        labelSelector: sel,
        namespaces: ["a"],
        namespaceSelector: { matchLabels: { t: "1" } },
      },
      want: {
        topologyKey: "zone",
        labelSelector: {
          matchLabels: { app: "db", "evk.dev/managed-by": "vc" },
          matchExpressions: [{ key: "evk.dev/namespace", operator: "In", values: ["a"] }],
        },
      },
      warns: true,
    },
    { name: "no labelSelector: still matches nothing", term: { topologyKey: "zone" }, want: { topologyKey: "zone" } },
    {
      name: "reserved keys and matchLabelKeys translated",
      term: { topologyKey: "zone", labelSelector: { matchLabels: { release: "r" } }, matchLabelKeys: ["release"] },
      want: {
        topologyKey: "zone",
        matchLabelKeys: [`evk.dev/label-vc-x-${sha("release").slice(0, 10)}`],
        labelSelector: {
          matchLabels: {
            [`evk.dev/label-vc-x-${sha("release").slice(0, 10)}`]: "r",
            "evk.dev/namespace": "default",
            "evk.dev/managed-by": "vc",
          },
        },
      },
    },
  ];
  for (const c of cases) {
    it(`affinity: ${c.name}`, () => {
      const r = translateWith((p) => {
        (p.spec as V1PodSpec).affinity = {
          podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [c.term] },
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: c.term }],
          },
        };
      });
      const a = specOf(r).affinity;
      assert.deepEqual(a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0], c.want);
      assert.deepEqual(
        a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm,
        c.want,
      );
      assert.equal(r.warnings.length, c.warns ? 1 : 0);
    });
  }
  it("topology spread constraints are limited to the pod's namespace in this cluster", () => {
    const r = translateWith((p) => {
      (p.spec as V1PodSpec).topologySpreadConstraints = [
        { maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: sel },
      ];
    });
    assert.deepEqual(specOf(r).topologySpreadConstraints?.[0]?.labelSelector, {
      matchLabels: { app: "db", "evk.dev/namespace": "default", "evk.dev/managed-by": "vc" },
    });
  });
  const copied: [string, Partial<V1PodSpec>][] = [
    ["nodeSelector", { nodeSelector: { disk: "ssd" } }],
    ["nodeName", { nodeName: "node-1" }],
    ["tolerations", { tolerations: [{ key: "k", operator: "Exists", effect: "NoSchedule" }] }],
    [
      "nodeAffinity",
      { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } },
    ],
  ];
  for (const [name, fields] of copied) {
    it(`${name} is copied`, () => {
      const spec = specOf(translateWith((p) => Object.assign(p.spec as V1PodSpec, structuredClone(fields))));
      for (const [k, v] of Object.entries(fields)) assert.deepEqual(spec[k as keyof V1PodSpec], v);
    });
  }
  const priority: { name: string; ctx: Partial<PodTranslationContext>; want: string | undefined }[] = [
    { name: "priority cleared", ctx: {}, want: undefined },
    { name: "priority class from the context", ctx: { priorityClassName: "tenant" }, want: "tenant" },
  ];
  for (const c of priority) {
    it(c.name, () => {
      const spec = specOf(
        translateWith(
          (p) => Object.assign(p.spec as V1PodSpec, { priorityClassName: "virtual-high", priority: 1000 }),
          c.ctx,
        ),
      );
      assert.equal(spec.priorityClassName, c.want);
      assert.equal(spec.priority, undefined);
    });
  }
});

describe("translatePod: pod security", () => {
  it("refuses a pod that violates the configured standard", () => {
    const p = basePod();
    (p.spec as V1PodSpec).hostNetwork = true;
    const r = translatePod(p, { ...baseCtx(), podSecurityStandard: "baseline" });
    assert.deepEqual(r, {
      ok: false,
      reason: "Forbidden",
      message: 'Pod web-0 is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)',
    });
  });
  it("translates it under privileged", () => {
    const p = basePod();
    (p.spec as V1PodSpec).hostNetwork = true;
    assert.equal(translatePod(p, { ...baseCtx(), podSecurityStandard: "privileged" }).ok, true);
  });
});
