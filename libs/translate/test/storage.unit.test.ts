import assert from "node:assert/strict";
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1StorageClass } from "@kubernetes/client-node";
import {
  appliedFingerprint,
  defaultStorageClassName,
  fakePersistentVolume,
  hostStorageClassName,
  importedPersistentVolume,
  persistentVolumeUpdates,
  pvcStatusReport,
  pvcUpdates,
  quantityValue,
  type StorageTranslationContext,
  sameResources,
  storageClassUpdates,
  translatePersistentVolume,
  translatePvc,
  translateStorageClass,
  virtualStorageClass,
} from "../src/index.ts";
import { sha } from "./fixtures.ts";

const ctx: StorageTranslationContext = { cluster: "my-vcluster", hostNamespace: "team1" };
const pvMode: StorageTranslationContext = { ...ctx, persistentVolumesToHost: true };
const scMode: StorageTranslationContext = { ...ctx, storageClassesToHost: true };

function vPvc(mutate: (c: V1PersistentVolumeClaim) => void = () => {}): V1PersistentVolumeClaim {
  const c: V1PersistentVolumeClaim = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: "data",
      namespace: "default",
      uid: "pvc-uid",
      resourceVersion: "17",
      labels: { app: "db" },
      annotations: { note: "hi" },
    },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: "fast",
      resources: { requests: { storage: "1Gi" } },
    },
    status: { phase: "Pending" },
  };
  mutate(c);
  return c;
}

describe("translatePvc: metadata (§1)", () => {
  it("host name, namespace, marker labels and identity annotations", () => {
    const out = translatePvc(vPvc(), ctx);
    assert.deepEqual(out.metadata, {
      name: "data-x-default-x-my-vcluster",
      namespace: "team1",
      labels: { app: "db", "evk.dev/managed-by": "my-vcluster", "evk.dev/namespace": "default" },
      annotations: {
        note: "hi",
        "evk.dev/object-name": "data",
        "evk.dev/object-namespace": "default",
        "evk.dev/object-uid": "pvc-uid",
        "evk.dev/object-kind": "/v1, Kind=PersistentVolumeClaim",
        "evk.dev/object-host-name": "data-x-default-x-my-vcluster",
        "evk.dev/object-host-namespace": "team1",
        "evk.dev/managed-annotations": "note",
        "evk.dev/managed-labels": "app",
      },
    });
    assert.equal(out.status, undefined, "status is the host's own");
  });
  it("a reserved label key is hashed (release=foo → evk.dev/label-my-vcluster-x-<hash>)", () => {
    const out = translatePvc(
      vPvc((c) => {
        c.metadata = { ...c.metadata, labels: { release: "foo" } };
      }),
      ctx,
    );
    const key = `evk.dev/label-my-vcluster-x-${sha("release").slice(0, 10)}`;
    assert.equal(out.metadata?.labels?.[key], "foo");
    assert.equal(out.metadata?.labels?.release, undefined);
    assert.equal(out.metadata?.annotations?.["evk.dev/managed-labels"], key);
  });
  const excluded: [string, string][] = [
    ["pv.kubernetes.io/bind-completed", "yes"],
    ["pv.kubernetes.io/bound-by-controller", "yes"],
    ["volume.beta.kubernetes.io/storage-provisioner", "x.csi"],
    ["evk.dev/object-uid", "spoofed"],
    ["evk.dev/host-uid", "spoofed"],
  ];
  for (const [k, val] of excluded) {
    it(`never copies ${k} from the virtual claim`, () => {
      const out = translatePvc(
        vPvc((c) => {
          c.metadata = { ...c.metadata, annotations: { [k]: val } };
        }),
        ctx,
      );
      assert.notEqual(out.metadata?.annotations?.[k], val);
      assert.equal(out.metadata?.annotations?.["evk.dev/managed-annotations"], undefined);
    });
  }
  it("a long name is shortened with the sha256 rule", () => {
    const name = "a-very-long-deployment-name-with-many-characters-7d4f8b9c6-abcde";
    const out = translatePvc(
      vPvc((c) => {
        c.metadata = { ...c.metadata, name, namespace: "production" };
      }),
      ctx,
    );
    assert.equal(out.metadata?.name, "a-very-long-deployment-name-with-many-characters-7d4-dc2dd0c35d");
  });
});

describe("translatePvc: spec (§4.1)", () => {
  type Case = {
    name: string;
    ctx: StorageTranslationContext;
    claim: (c: V1PersistentVolumeClaim) => void;
    want: Partial<NonNullable<V1PersistentVolumeClaim["spec"]>>;
  };
  const cases: Case[] = [
    {
      name: "storageClassName passed through by default",
      ctx,
      claim: () => {},
      want: { storageClassName: "fast" },
    },
    {
      name: 'an explicit "" (no class) stays ""',
      ctx,
      claim: (c) => {
        c.spec = { ...c.spec, storageClassName: "" };
      },
      want: { storageClassName: "" },
    },
    {
      name: "no class stays none (the host default class applies)",
      ctx,
      claim: (c) => {
        delete c.spec?.storageClassName;
      },
      want: { storageClassName: undefined },
    },
    {
      name: "with classes to host: evk-<sc>-x-<hostns>-x-<vc>",
      ctx: scMode,
      claim: () => {},
      want: { storageClassName: "evk-fast-x-team1-x-my-vcluster" },
    },
    {
      name: "with classes to host: no class becomes the virtual default class",
      ctx: { ...scMode, defaultStorageClass: "standard" },
      claim: (c) => {
        delete c.spec?.storageClassName;
      },
      want: { storageClassName: "evk-standard-x-team1-x-my-vcluster" },
    },
    {
      name: "dataSource of kind PersistentVolumeClaim: host name of the source claim",
      ctx,
      claim: (c) => {
        c.spec = { ...c.spec, dataSource: { kind: "PersistentVolumeClaim", name: "src" } };
      },
      want: { dataSource: { kind: "PersistentVolumeClaim", name: "src-x-default-x-my-vcluster" } },
    },
    {
      name: "dataSource of another kind (VolumeSnapshot) untouched",
      ctx,
      claim: (c) => {
        c.spec = {
          ...c.spec,
          dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "snap" },
        };
      },
      want: { dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "snap" } },
    },
    {
      name: "dataSourceRef of kind PersistentVolumeClaim, cross-namespace: host name, host namespace implied",
      ctx,
      claim: (c) => {
        c.spec = { ...c.spec, dataSourceRef: { kind: "PersistentVolumeClaim", name: "src", namespace: "other" } };
      },
      want: { dataSourceRef: { kind: "PersistentVolumeClaim", name: "src-x-other-x-my-vcluster" } },
    },
    {
      name: "evk.dev/skip-translate=true: dataSource and dataSourceRef as written",
      ctx,
      claim: (c) => {
        c.metadata = { ...c.metadata, annotations: { "evk.dev/skip-translate": "true" } };
        c.spec = {
          ...c.spec,
          dataSource: { kind: "PersistentVolumeClaim", name: "src" },
          dataSourceRef: { kind: "PersistentVolumeClaim", name: "src" },
        };
      },
      want: {
        dataSource: { kind: "PersistentVolumeClaim", name: "src" },
        dataSourceRef: { kind: "PersistentVolumeClaim", name: "src" },
      },
    },
    {
      name: "fake volumes: volumeName and selector not translated",
      ctx,
      claim: (c) => {
        c.spec = { ...c.spec, volumeName: "pv-a", selector: { matchLabels: { release: "r1" } } };
      },
      want: { volumeName: "pv-a", selector: { matchLabels: { release: "r1" } } },
    },
    {
      name: "volume sync: volumeName is the host name of the virtual volume",
      ctx: pvMode,
      claim: (c) => {
        c.spec = { ...c.spec, volumeName: "pv-a" };
      },
      want: { volumeName: "evk-pv-a-x-team1-x-my-vcluster" },
    },
    {
      name: "volume sync: an imported volume keeps its host name",
      ctx: { ...pvMode, hostVolumeName: (n) => (n === "pvc-123" ? "pvc-123" : `evk-${n}`) },
      claim: (c) => {
        c.spec = { ...c.spec, volumeName: "pvc-123" };
      },
      want: { volumeName: "pvc-123" },
    },
    {
      name: "volume sync: selector keys as on host volumes, restricted to the cluster's volumes",
      ctx: pvMode,
      claim: (c) => {
        c.spec = {
          ...c.spec,
          selector: {
            matchLabels: { disk: "ssd", release: "r1" },
            matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }],
          },
        };
      },
      want: {
        selector: {
          matchLabels: {
            disk: "ssd",
            [`evk.dev/label-my-vcluster-x-${sha("release").slice(0, 10)}`]: "r1",
            "evk.dev/managed-by": "team1-x-my-vcluster",
          },
          matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }],
        },
      },
    },
    {
      name: "volume sync with skip-translate: volumeName and selector as written",
      ctx: pvMode,
      claim: (c) => {
        c.metadata = { ...c.metadata, annotations: { "evk.dev/skip-translate": "true" } };
        c.spec = { ...c.spec, volumeName: "pv-a", selector: { matchLabels: { a: "b" } } };
      },
      want: { volumeName: "pv-a", selector: { matchLabels: { a: "b" } } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const claim = vPvc(c.claim);
      const before = structuredClone(claim);
      const spec = translatePvc(claim, c.ctx).spec as Record<string, unknown>;
      for (const [k, want] of Object.entries(c.want)) assert.deepEqual(spec[k], want, k);
      assert.deepEqual(claim, before, "the virtual claim is not changed");
      assert.deepEqual(spec.accessModes, ["ReadWriteOnce"]);
      assert.deepEqual(spec.resources, { requests: { storage: "1Gi" } });
    });
  }
});

describe("hostStorageClassName / defaultStorageClassName", () => {
  const cases: [string | undefined, StorageTranslationContext, string | undefined][] = [
    ["fast", ctx, "fast"],
    [undefined, ctx, undefined],
    ["", scMode, ""],
    ["fast", scMode, "evk-fast-x-team1-x-my-vcluster"],
    [undefined, { ...scMode, defaultStorageClass: "std" }, "evk-std-x-team1-x-my-vcluster"],
  ];
  for (const [input, c, want] of cases) {
    it(`${JSON.stringify(input)} (classes to host: ${Boolean(c.storageClassesToHost)}) → ${JSON.stringify(want)}`, () =>
      assert.equal(hostStorageClassName(input, c), want));
  }
  it("the newest class marked default wins", () => {
    const sc = (name: string, ts: string, def?: string): V1StorageClass => ({
      provisioner: "x",
      metadata: {
        name,
        creationTimestamp: ts as never,
        ...(def ? { annotations: { "storageclass.kubernetes.io/is-default-class": def } } : {}),
      },
    });
    assert.equal(
      defaultStorageClassName([
        sc("a", "2024-01-01T00:00:00Z", "true"),
        sc("b", "2025-01-01T00:00:00Z", "true"),
        sc("c", "2026-01-01T00:00:00Z"),
        sc("d", "2026-01-01T00:00:00Z", "false"),
      ]),
      "b",
    );
    assert.equal(defaultStorageClassName([sc("c", "2026-01-01T00:00:00Z")]), undefined);
  });
});

describe("quantities", () => {
  const values: [string, number | undefined][] = [
    ["1Gi", 2 ** 30],
    ["1024Mi", 2 ** 30],
    ["1G", 1e9],
    ["500m", 0.5],
    ["1e3", 1000],
    ["1.5Ki", 1536],
    ["abc", undefined],
  ];
  for (const [q, want] of values) it(`${q} = ${want}`, () => assert.equal(quantityValue(q), want));
  it("same amounts however spelled; different keys or amounts differ", () => {
    assert.equal(sameResources({ storage: "1Gi" }, { storage: "1024Mi" }), true);
    assert.equal(sameResources({ storage: "1Gi" }, { storage: "2Gi" }), false);
    assert.equal(sameResources({ storage: "1Gi" }, {}), false);
    assert.equal(sameResources(undefined, {}), true);
  });
});

describe("pvcUpdates (§4.1 every sync)", () => {
  const asHost = (mutate: (h: V1PersistentVolumeClaim) => void = () => {}) => {
    const h = translatePvc(vPvc(), ctx);
    h.metadata = {
      ...h.metadata,
      uid: "host-uid",
      resourceVersion: "900",
      annotations: { ...h.metadata?.annotations, "pv.kubernetes.io/bind-completed": "yes" },
      labels: { ...h.metadata?.labels, "host-added": "1" },
    };
    h.spec = { ...h.spec, volumeName: "pv-a", volumeMode: "Filesystem" };
    h.status = { phase: "Bound" };
    mutate(h);
    return h;
  };
  it("nothing to do when the host claim is up to date (host-added labels and bind annotations stay)", () => {
    assert.equal(pvcUpdates(vPvc(), asHost(), ctx), undefined);
  });
  it('"1024Mi" in the virtual claim and "1Gi" on the host are the same request', () => {
    const claim = vPvc((c) => {
      c.spec = { ...c.spec, resources: { requests: { storage: "1024Mi" } } };
    });
    assert.equal(pvcUpdates(claim, asHost(), ctx), undefined);
  });
  it("expansion: the virtual requests go to the host, nothing else in spec moves", () => {
    const claim = vPvc((c) => {
      c.spec = { ...c.spec, resources: { requests: { storage: "5Gi" } } };
    });
    const out = pvcUpdates(claim, asHost(), ctx);
    assert.deepEqual(out?.spec?.resources, { requests: { storage: "5Gi" } });
    assert.equal(out?.spec?.volumeName, "pv-a");
    assert.equal(out?.spec?.volumeMode, "Filesystem");
    assert.equal(out?.metadata?.resourceVersion, "900", "optimistic concurrency on the host's revision");
  });
  it("labels: a removed virtual label goes, a host-added one stays", () => {
    const claim = vPvc((c) => {
      c.metadata = { ...c.metadata, labels: { tier: "gold" } };
    });
    const out = pvcUpdates(claim, asHost(), ctx);
    assert.deepEqual(out?.metadata?.labels, {
      tier: "gold",
      "host-added": "1",
      "evk.dev/managed-by": "my-vcluster",
      "evk.dev/namespace": "default",
    });
    assert.equal(out?.metadata?.annotations?.["evk.dev/managed-labels"], "tier");
  });
  it("annotations: a removed virtual annotation goes, the host's bind annotation stays", () => {
    const claim = vPvc((c) => {
      c.metadata = { ...c.metadata, annotations: { other: "x" } };
    });
    const out = pvcUpdates(claim, asHost(), ctx);
    assert.equal(out?.metadata?.annotations?.note, undefined);
    assert.equal(out?.metadata?.annotations?.other, "x");
    assert.equal(out?.metadata?.annotations?.["pv.kubernetes.io/bind-completed"], "yes");
  });
  it("a re-created claim (new uid) adopts the host twin: only the identity annotation changes", () => {
    const claim = vPvc((c) => {
      c.metadata = { ...c.metadata, uid: "new-uid" };
    });
    const out = pvcUpdates(claim, asHost(), ctx);
    assert.equal(out?.metadata?.annotations?.["evk.dev/object-uid"], "new-uid");
    assert.equal(out?.spec?.volumeName, "pv-a");
  });
  it("volumeAttributesClassName follows the virtual claim", () => {
    const claim = vPvc((c) => {
      c.spec = { ...c.spec, volumeAttributesClassName: "gold" };
    });
    assert.equal(pvcUpdates(claim, asHost(), ctx)?.spec?.volumeAttributesClassName, "gold");
  });
});

describe("pvcStatusReport (§4.1 host → virtual)", () => {
  const host: V1PersistentVolumeClaim = {
    metadata: { name: "data-x-default-x-my-vcluster", resourceVersion: "901" },
    spec: { volumeName: "pv-a" },
    status: {
      phase: "Bound",
      capacity: { storage: "1Gi" },
      accessModes: ["ReadWriteOnce"],
      conditions: [{ type: "Resizing", status: "True" }],
    },
  };
  it("status as on the host; volumeName adopted once bound", () => {
    assert.deepEqual(pvcStatusReport(vPvc(), host), {
      status: {
        phase: "Bound",
        capacity: { storage: "1Gi" },
        accessModes: ["ReadWriteOnce"],
        conditions: [{ type: "Resizing", status: "True" }],
      },
      fields: { volumeName: "pv-a" },
    });
  });
  it("no fields once the virtual claim already names the volume", () => {
    const claim = vPvc((c) => {
      c.spec = { ...c.spec, volumeName: "pv-a" };
    });
    assert.equal(pvcStatusReport(claim, host).fields, undefined);
  });
  it("volume sync: the virtual name of the host volume", () => {
    const r = pvcStatusReport(
      vPvc(),
      { ...host, spec: { volumeName: "evk-pv-a-x-team1-x-my-vcluster" } },
      () => "pv-a",
    );
    assert.deepEqual(r.fields, { volumeName: "pv-a" });
  });
  it("an unbound host claim: Pending, no fields", () => {
    const r = pvcStatusReport(vPvc(), { metadata: {}, spec: {} });
    assert.deepEqual(r, { status: { phase: "Pending" } });
  });
  it("the host's bind annotations do not come back (status reports carry no metadata)", () => {
    const r = pvcStatusReport(vPvc(), {
      ...host,
      metadata: { ...host.metadata, annotations: { "pv.kubernetes.io/bind-completed": "yes" } },
    });
    assert.equal(JSON.stringify(r).includes("bind-completed"), false);
  });
});

describe("fakePersistentVolume (§4.2)", () => {
  const bound = vPvc((c) => {
    c.spec = { ...c.spec, volumeName: "pvc-123", volumeMode: "Filesystem" };
    c.status = { phase: "Bound" };
  });
  it("named as the claim's volume, bound to the virtual claim, with what it asked for", () => {
    assert.deepEqual(fakePersistentVolume("pvc-123", bound), {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: {
        name: "pvc-123",
        labels: { "evk.dev/fake-pv": "true" },
        annotations: {
          "kubernetes.io/createdby": "fake-pv-provisioner",
          "pv.kubernetes.io/bound-by-controller": "true",
          "pv.kubernetes.io/provisioned-by": "fake-pv-provisioner",
        },
      },
      spec: {
        flexVolume: { driver: "fake" },
        capacity: { storage: "1Gi" },
        accessModes: ["ReadWriteOnce"],
        volumeMode: "Filesystem",
        storageClassName: "fast",
        persistentVolumeReclaimPolicy: "Delete",
        claimRef: {
          apiVersion: "v1",
          kind: "PersistentVolumeClaim",
          namespace: "default",
          name: "data",
          uid: "pvc-uid",
          resourceVersion: "17",
        },
      },
      status: { phase: "Bound" },
    });
  });
  it("a claim without a class gives a volume without one", () => {
    const c = structuredClone(bound);
    delete c.spec?.storageClassName;
    assert.equal(fakePersistentVolume("pvc-123", c).spec?.storageClassName, undefined);
  });
  it("the fingerprint ignores the claim's revision and the ingest's annotations, not a size change", () => {
    const a = fakePersistentVolume("pvc-123", bound);
    const b = structuredClone(a);
    if (b.spec?.claimRef) b.spec.claimRef.resourceVersion = "99";
    b.metadata = {
      ...b.metadata,
      uid: "virtual-uid",
      resourceVersion: "5",
      annotations: {
        ...b.metadata?.annotations,
        "evk.dev/host-uid": "fake-pv-pvc-123",
        "evk.dev/host-resource-version": "1",
      },
    };
    assert.equal(appliedFingerprint(b as never), appliedFingerprint(a as never));
    const bigger = fakePersistentVolume(
      "pvc-123",
      vPvc((c) => {
        c.spec = { ...bound.spec, resources: { requests: { storage: "2Gi" } } };
      }),
    );
    assert.notEqual(appliedFingerprint(bigger as never), appliedFingerprint(a as never));
  });
});

describe("StorageClasses (§4.4)", () => {
  const hostSc: V1StorageClass = {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: {
      name: "fast",
      uid: "host-sc",
      resourceVersion: "3",
      labels: { tier: "1" },
      annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
    },
    provisioner: "ebs.csi.aws.com",
    parameters: { type: "gp3" },
    reclaimPolicy: "Delete",
    volumeBindingMode: "WaitForFirstConsumer",
    allowVolumeExpansion: true,
    mountOptions: ["noatime"],
  };
  it("from the host: a read-only mirror with the same name, labels, annotations and fields", () => {
    assert.deepEqual(virtualStorageClass(hostSc), {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: {
        name: "fast",
        labels: { tier: "1" },
        annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
      },
      provisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3" },
      reclaimPolicy: "Delete",
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
      mountOptions: ["noatime"],
    });
  });
  it("to the host: cluster-scoped name and marker; a tenant's default is not the host's default", () => {
    const out = translateStorageClass({ ...hostSc, metadata: { ...hostSc.metadata, uid: "v-sc" } }, ctx);
    assert.equal(out.metadata?.name, "evk-fast-x-team1-x-my-vcluster");
    assert.deepEqual(out.metadata?.labels, { tier: "1", "evk.dev/managed-by": "team1-x-my-vcluster" });
    assert.deepEqual(out.metadata?.annotations, {
      "evk.dev/object-name": "fast",
      "evk.dev/object-uid": "v-sc",
      "evk.dev/object-kind": "storage.k8s.io/v1, Kind=StorageClass",
      "evk.dev/object-host-name": "evk-fast-x-team1-x-my-vcluster",
    });
    assert.equal(out.provisioner, "ebs.csi.aws.com");
    assert.deepEqual(out.parameters, { type: "gp3" });
  });
  const desired = translateStorageClass(hostSc, ctx);
  const onHost = () => ({
    ...structuredClone(desired),
    metadata: { ...desired.metadata, uid: "h", resourceVersion: "7" },
  });
  const updateCases: [string, (d: V1StorageClass) => void, string][] = [
    ["nothing changed", () => {}, "none"],
    ["mount options changed → update", (d) => (d.mountOptions = ["ro"]), "update"],
    ["expansion allowed changed → update", (d) => (d.allowVolumeExpansion = false), "update"],
    ["a label changed → update", (d) => (d.metadata = { ...d.metadata, labels: { tier: "2" } }), "update"],
    ["parameters changed → recreate", (d) => (d.parameters = { type: "io2" }), "recreate"],
    ["provisioner changed → recreate", (d) => (d.provisioner = "other"), "recreate"],
    ["binding mode changed → recreate", (d) => (d.volumeBindingMode = "Immediate"), "recreate"],
  ];
  for (const [name, mutate, want] of updateCases) {
    it(`host copy update: ${name}`, () => {
      const d = structuredClone(desired);
      mutate(d);
      assert.equal(storageClassUpdates(d, onHost()).action, want);
    });
  }
  it("unset reclaim policy and binding mode equal the host's defaults", () => {
    const d = structuredClone(desired);
    delete d.reclaimPolicy;
    const h = onHost();
    h.volumeBindingMode = "WaitForFirstConsumer";
    assert.equal(storageClassUpdates(d, h).action, "none");
  });
});

describe("PersistentVolumes to the host (§4.3)", () => {
  const vPv: V1PersistentVolume = {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: "pv-a", uid: "v-pv", labels: { disk: "ssd" }, annotations: { "evk.dev/host-pv": "x", n: "1" } },
    spec: {
      capacity: { storage: "5Gi" },
      accessModes: ["ReadWriteOnce"],
      storageClassName: "fast",
      persistentVolumeReclaimPolicy: "Retain",
      hostPath: { path: "/data" },
      claimRef: { namespace: "default", name: "data", uid: "pvc-uid" },
    },
  };
  it("cluster-scoped host name and marker, claimRef cleared, class as is", () => {
    const out = translatePersistentVolume(vPv, ctx);
    assert.equal(out.metadata?.name, "evk-pv-a-x-team1-x-my-vcluster");
    assert.deepEqual(out.metadata?.labels, { disk: "ssd", "evk.dev/managed-by": "team1-x-my-vcluster" });
    assert.equal(out.metadata?.annotations?.n, "1");
    assert.equal(out.metadata?.annotations?.["evk.dev/host-pv"], undefined, "an excluded annotation");
    assert.equal(out.metadata?.annotations?.["evk.dev/object-namespace"], undefined);
    assert.equal(out.spec?.claimRef, undefined);
    assert.equal(out.spec?.storageClassName, "fast");
    assert.deepEqual(out.spec?.hostPath, { path: "/data" });
  });
  it("with classes to host, the class is the host copy's name", () => {
    assert.equal(translatePersistentVolume(vPv, scMode).spec?.storageClassName, "evk-fast-x-team1-x-my-vcluster");
  });
  it("updates follow capacity and reclaim policy, never the host's claimRef", () => {
    const host = translatePersistentVolume(vPv, ctx);
    host.metadata = { ...host.metadata, resourceVersion: "4" };
    host.spec = { ...host.spec, claimRef: { namespace: "team1", name: "data-x-default-x-my-vcluster" } };
    assert.equal(persistentVolumeUpdates(vPv, host, ctx), undefined);
    const grown = {
      ...vPv,
      spec: { ...vPv.spec, capacity: { storage: "10Gi" }, persistentVolumeReclaimPolicy: "Delete" },
    };
    const out = persistentVolumeUpdates(grown, host, ctx);
    assert.deepEqual(out?.spec?.capacity, { storage: "10Gi" });
    assert.equal(out?.spec?.persistentVolumeReclaimPolicy, "Delete");
    assert.deepEqual(out?.spec?.claimRef, { namespace: "team1", name: "data-x-default-x-my-vcluster" });
  });
  it("a host volume bound to the cluster's claim is imported with its name, host-pv and the virtual claimRef", () => {
    const hostPv: V1PersistentVolume = {
      metadata: { name: "pvc-123", uid: "h-pv", annotations: { "pv.kubernetes.io/provisioned-by": "ebs" } },
      spec: {
        capacity: { storage: "1Gi" },
        storageClassName: "fast",
        claimRef: { namespace: "team1", name: "data-x-default-x-my-vcluster", uid: "host-claim" },
        csi: { driver: "ebs", volumeHandle: "vol-1" },
      },
      status: { phase: "Bound" },
    };
    const out = importedPersistentVolume(hostPv, { namespace: "default", name: "data", uid: "pvc-uid" });
    assert.equal(out.metadata?.name, "pvc-123");
    assert.equal(out.metadata?.annotations?.["evk.dev/host-pv"], "pvc-123");
    assert.equal(out.metadata?.annotations?.["pv.kubernetes.io/provisioned-by"], "ebs");
    assert.deepEqual(out.spec?.claimRef, {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      namespace: "default",
      name: "data",
      uid: "pvc-uid",
    });
    assert.deepEqual(out.status, { phase: "Bound" });
    assert.equal(importedPersistentVolume(hostPv, undefined).spec?.claimRef, undefined);
  });
});
