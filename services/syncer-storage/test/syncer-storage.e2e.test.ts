import assert from "node:assert/strict";
import { prepareHostNamespace } from "@evk/syncer-runtime";
import {
  controllerManagerProcess,
  type Etcd,
  type HostCluster,
  type LocalApiserver,
  type ManagedProcess,
  type Nats,
  relayProcess,
  startApiserver,
  startEtcd,
  startHost,
  startNats,
  syncerProcess,
  waitFor,
} from "@evk/testing";
import { hostName } from "@evk/translate";
import {
  CoreV1Api,
  KubeConfig,
  StorageV1Api,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
} from "@kubernetes/client-node";

const cluster = "ss";
const hostNamespace = "evk-ss";

// Claims end to end with real parts only: apiserver → etcd → relay → JetStream → syncer-storage → host
// kube-apiserver, whose kube-controller-manager binds the host claim → EVK_STATUS → apiserver; syncer-pods runs a pod
// that mounts the claim on a kwok node.
describe("e2e: syncer-storage on a real host control plane with kwok", function () {
  this.timeout(180_000);
  let etcd: Etcd;
  let nats: Nats;
  let host: HostCluster;
  let h: CoreV1Api;
  let hs: StorageV1Api;
  before(async () => {
    [etcd, nats, host] = await Promise.all([startEtcd(), startNats(), startHost({ nodes: 1 })]);
    const hostKc = new KubeConfig();
    hostKc.loadFromString(host.kubeconfig);
    h = hostKc.makeApiClient(CoreV1Api);
    hs = hostKc.makeApiClient(StorageV1Api);
  });
  after(async () => {
    await host?.stop();
    await Promise.all([etcd?.dispose(), nats?.dispose()]);
  });

  describe("default: claims to the host, fake volumes, the host's classes mirrored", () => {
    let apiserver: LocalApiserver;
    let controllerManager: ManagedProcess | undefined;
    let relay: ManagedProcess;
    let pods: ManagedProcess;
    let storage: ManagedProcess;
    let v: CoreV1Api;
    let vs: StorageV1Api;

    const hostClass = (name: string) => ({
      metadata: { name, labels: { tier: name } },
      provisioner: "kubernetes.io/no-provisioner",
      volumeBindingMode: "Immediate",
      reclaimPolicy: "Retain",
    });
    const hostVolume = (name: string): V1PersistentVolume => ({
      metadata: { name },
      spec: {
        capacity: { storage: "1Gi" },
        accessModes: ["ReadWriteOnce"],
        storageClassName: "manual",
        persistentVolumeReclaimPolicy: "Retain",
        hostPath: { path: `/tmp/${name}` },
      },
    });
    const claim = (name: string, storageClassName: string, labels: Record<string, string> = {}) => ({
      metadata: { name, labels },
      spec: { accessModes: ["ReadWriteOnce"], storageClassName, resources: { requests: { storage: "1Gi" } } },
    });

    before(async () => {
      const hostKc = new KubeConfig();
      hostKc.loadFromString(host.kubeconfig);
      await prepareHostNamespace(hostKc, { cluster, hostNamespace });
      await hs.createStorageClass({ body: hostClass("manual") });
      apiserver = await startApiserver({ etcd: etcd.endpoint, nats: nats.url, cluster });
      const vKc = new KubeConfig();
      vKc.loadFromString(apiserver.kubeconfig);
      v = vKc.makeApiClient(CoreV1Api);
      vs = vKc.makeApiClient(StorageV1Api);
      relay = relayProcess({ etcd: etcd.endpoint, nats: nats.url, cluster, instance: "ss" });
      await relay.start();
      const common = { nats: nats.url, cluster, hostKubeconfigPath: host.kubeconfigPath, hostNamespace };
      [pods, storage] = await Promise.all([
        syncerProcess({ syncer: "syncer-pods", ...common }),
        syncerProcess({ syncer: "syncer-storage", ...common }),
      ]);
      await Promise.all([pods.start(), storage.start()]);
      // Its PVC-protection controller lets a claim no pod uses go (as on any cluster).
      controllerManager = await controllerManagerProcess({ cluster, kubeconfigPath: apiserver.kubeconfigPath });
      await controllerManager.start();
    });
    after(async () => {
      await controllerManager?.stop();
      await storage?.stop();
      await pods?.stop();
      await relay?.stop();
      await apiserver?.stop();
    });

    const hostClaim = (ns: string, name: string) =>
      h
        .readNamespacedPersistentVolumeClaim({ name: hostName(cluster, ns, name), namespace: hostNamespace })
        .catch(() => undefined);
    const virtualClaim = (ns: string, name: string) =>
      v.readNamespacedPersistentVolumeClaim({ name, namespace: ns }).catch(() => undefined);
    const virtualVolume = (name: string) => v.readPersistentVolume({ name }).catch(() => undefined);
    const virtualClass = (name: string) => vs.readStorageClass({ name }).catch(() => undefined);

    it("shows the host's StorageClasses in the virtual cluster and follows their creation and deletion", async () => {
      const manual = await waitFor("the host class in the virtual cluster", () => virtualClass("manual"), 30_000);
      assert.equal(manual.provisioner, "kubernetes.io/no-provisioner");
      assert.equal(manual.volumeBindingMode, "Immediate");
      assert.equal(manual.reclaimPolicy, "Retain");
      assert.equal(manual.metadata?.labels?.tier, "manual");
      await hs.createStorageClass({ body: hostClass("extra") });
      await waitFor("a new host class to appear", () => virtualClass("extra"), 30_000);
      await hs.deleteStorageClass({ name: "extra" });
      await waitFor("a deleted host class to go", async () => (await virtualClass("extra")) === undefined, 30_000);
      assert.ok(await virtualClass("manual"), "the other class stays");
    });

    it("binds a claim on the host, reports it Bound with a fake volume, and runs a pod that mounts it", async () => {
      await h.createPersistentVolume({ body: hostVolume("pv-a") });
      await v.createNamespacedPersistentVolumeClaim({
        namespace: "default",
        body: claim("data", "manual", { app: "db", release: "r1" }),
      });
      const vPvc = await waitFor(
        "the virtual claim to be Bound to pv-a",
        async () => {
          const c = await virtualClaim("default", "data");
          return c?.status?.phase === "Bound" && c.spec?.volumeName === "pv-a" ? c : undefined;
        },
        60_000,
        250,
      );
      assert.deepEqual(vPvc.status?.capacity, { storage: "1Gi" });
      assert.deepEqual(vPvc.status?.accessModes, ["ReadWriteOnce"]);

      const hPvc = (await hostClaim("default", "data")) as V1PersistentVolumeClaim;
      assert.equal(hPvc.metadata?.name, "data-x-default-x-ss");
      assert.equal(hPvc.metadata?.labels?.["evk.dev/managed-by"], cluster);
      assert.equal(hPvc.metadata?.labels?.["evk.dev/namespace"], "default");
      assert.equal(hPvc.metadata?.labels?.app, "db");
      assert.equal(hPvc.metadata?.labels?.release, undefined, "a reserved label key is rewritten");
      assert.equal(hPvc.metadata?.annotations?.["evk.dev/object-uid"], vPvc.metadata?.uid);
      assert.equal(hPvc.metadata?.annotations?.["evk.dev/object-kind"], "/v1, Kind=PersistentVolumeClaim");
      assert.equal(hPvc.spec?.storageClassName, "manual");
      assert.equal(hPvc.spec?.volumeName, "pv-a");
      assert.equal(hPvc.status?.phase, "Bound");

      const fake = await waitFor("a fake volume for the bound claim", () => virtualVolume("pv-a"), 30_000);
      assert.equal(fake.metadata?.labels?.["evk.dev/fake-pv"], "true");
      assert.equal(fake.metadata?.annotations?.["pv.kubernetes.io/provisioned-by"], "fake-pv-provisioner");
      assert.equal(fake.spec?.flexVolume?.driver, "fake");
      assert.deepEqual(fake.spec?.capacity, { storage: "1Gi" });
      assert.equal(fake.spec?.storageClassName, "manual");
      assert.equal(fake.spec?.persistentVolumeReclaimPolicy, "Delete");
      assert.equal(fake.spec?.claimRef?.name, "data");
      assert.equal(fake.spec?.claimRef?.namespace, "default");
      assert.equal(fake.spec?.claimRef?.uid, vPvc.metadata?.uid);
      assert.equal(fake.status?.phase, "Bound");

      await v.createNamespacedPod({
        namespace: "default",
        body: {
          metadata: { name: "db" },
          spec: {
            containers: [{ name: "c", image: "busybox", volumeMounts: [{ name: "data", mountPath: "/data" }] }],
            volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
          },
        },
      });
      const hPod = await waitFor(
        "the host pod mounting the claim to be scheduled and Running",
        async () => {
          const p = await h
            .readNamespacedPod({ name: hostName(cluster, "default", "db"), namespace: hostNamespace })
            .catch(() => undefined);
          return p?.status?.phase === "Running" && p.spec?.nodeName ? p : undefined;
        },
        90_000,
        250,
      );
      const vol = hPod.spec?.volumes?.find((x) => x.name === "data");
      assert.equal(vol?.persistentVolumeClaim?.claimName, "data-x-default-x-ss");
      await waitFor(
        "the virtual pod Running",
        async () => (await v.readNamespacedPod({ name: "db", namespace: "default" })).status?.phase === "Running",
        30_000,
      );
    });

    it("deleting the claim removes the host claim and the fake volume", async () => {
      await v.deleteNamespacedPod({ name: "db", namespace: "default" });
      await waitFor(
        "the host pod to go",
        async () =>
          (await h
            .readNamespacedPod({ name: hostName(cluster, "default", "db"), namespace: hostNamespace })
            .catch(() => undefined)) === undefined,
        60_000,
      );
      await v.deleteNamespacedPersistentVolumeClaim({ name: "data", namespace: "default" });
      await waitFor("the host claim to go", async () => (await hostClaim("default", "data")) === undefined, 60_000);
      await waitFor("the fake volume to go", async () => (await virtualVolume("pv-a")) === undefined, 30_000);
      assert.equal(await virtualClaim("default", "data"), undefined);
    });

    it("a claim for a missing class gets a Warning Event and Synced=False while other claims bind", async () => {
      await v.createNamespacedPersistentVolumeClaim({ namespace: "default", body: claim("nope", "missing") });
      const ev = await waitFor(
        "a Warning Event on the claim",
        async () =>
          (await v.listNamespacedEvent({ namespace: "default" })).items.find(
            (e) => e.involvedObject?.name === "nope" && e.type === "Warning",
          ),
        30_000,
      );
      assert.equal(ev.reason, "StorageClassNotFound");
      assert.match(ev.message ?? "", /"missing" not found/);
      const c = await waitFor(
        "a Synced=False condition",
        async () => {
          const x = await virtualClaim("default", "nope");
          return x?.status?.conditions?.some((k) => k.type === "Synced" && k.status === "False") ? x : undefined;
        },
        30_000,
      );
      assert.equal(c.status?.phase, "Pending");
      assert.equal(await hostClaim("default", "nope"), undefined, "nothing reached the host");

      // The syncer keeps serving other claims.
      await h.createPersistentVolume({ body: hostVolume("pv-b") });
      await v.createNamespacedPersistentVolumeClaim({ namespace: "default", body: claim("fine", "manual") });
      await waitFor(
        "another claim to bind",
        async () => (await virtualClaim("default", "fine"))?.status?.phase === "Bound",
        60_000,
        250,
      );
      // Once the class exists on the host, the waiting claim goes there.
      await hs.createStorageClass({ body: hostClass("missing") });
      await waitFor("the waiting claim on the host", () => hostClaim("default", "nope"), 30_000);
    });

    it("after a SIGKILL in the middle of a burst of claims, all exist on the host exactly once", async () => {
      await v.createNamespace({ body: { metadata: { name: "burst" } } });
      const names = Array.from({ length: 60 }, (_, i) => `c${i}`);
      let created = 0;
      const creating = (async () => {
        for (const name of names) {
          await v.createNamespacedPersistentVolumeClaim({
            namespace: "burst",
            body: claim(name, "manual", { burst: "yes" }),
          });
          created++;
        }
      })();
      await waitFor(
        "some claims to reach the host",
        async () => {
          const l = await h.listNamespacedPersistentVolumeClaim({
            namespace: hostNamespace,
            labelSelector: "burst=yes",
          });
          return l.items.length >= 5;
        },
        60_000,
        25,
      );
      await storage.kill();
      await creating;
      assert.equal(created, names.length);
      await storage.start();
      const onHost = await waitFor(
        "every claim on the host",
        async () => {
          const l = await h.listNamespacedPersistentVolumeClaim({
            namespace: hostNamespace,
            labelSelector: "burst=yes",
          });
          return l.items.length >= names.length ? l.items : undefined;
        },
        90_000,
        250,
      );
      const hostNames = onHost.map((p) => p.metadata?.name);
      assert.equal(new Set(hostNames).size, names.length, "each exactly once");
      assert.deepEqual([...hostNames].sort(), names.map((n) => hostName(cluster, "burst", n)).sort());
    });
  });

  describe("with --sync-persistent-volumes-to-host and --sync-storage-classes-to-host", () => {
    const cluster2 = "st";
    const hostNamespace2 = "evk-st";
    let apiserver: LocalApiserver;
    let relay: ManagedProcess;
    let storage: ManagedProcess;
    let v: CoreV1Api;
    let vs: StorageV1Api;
    const hostScName = "evk-gold-x-evk-st-x-st";
    const hostPvName = "evk-vpv-x-evk-st-x-st";

    before(async () => {
      const hostKc = new KubeConfig();
      hostKc.loadFromString(host.kubeconfig);
      await prepareHostNamespace(hostKc, { cluster: cluster2, hostNamespace: hostNamespace2 });
      apiserver = await startApiserver({ etcd: etcd.endpoint, nats: nats.url, cluster: cluster2 });
      const vKc = new KubeConfig();
      vKc.loadFromString(apiserver.kubeconfig);
      v = vKc.makeApiClient(CoreV1Api);
      vs = vKc.makeApiClient(StorageV1Api);
      relay = relayProcess({ etcd: etcd.endpoint, nats: nats.url, cluster: cluster2, instance: "st" });
      await relay.start();
      storage = await syncerProcess({
        syncer: "syncer-storage",
        nats: nats.url,
        cluster: cluster2,
        hostKubeconfigPath: host.kubeconfigPath,
        hostNamespace: hostNamespace2,
        extraArgs: ["--sync-persistent-volumes-to-host", "--sync-storage-classes-to-host"],
      });
      await storage.start();
    });
    after(async () => {
      await storage?.stop();
      await relay?.stop();
      await apiserver?.stop();
    });

    const hostClassOf = () => hs.readStorageClass({ name: hostScName }).catch(() => undefined);
    const hostVolumeOf = () => h.readPersistentVolume({ name: hostPvName }).catch(() => undefined);

    it("the tenant's class and volume go to the host, its claim binds to that volume and comes back Bound", async () => {
      await vs.createStorageClass({
        body: {
          metadata: { name: "gold", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
          provisioner: "kubernetes.io/no-provisioner",
          volumeBindingMode: "Immediate",
        },
      });
      const hSc = await waitFor("the class on the host", hostClassOf, 30_000);
      assert.equal(hSc.provisioner, "kubernetes.io/no-provisioner");
      assert.equal(hSc.metadata?.labels?.["evk.dev/managed-by"], "evk-st-x-st");
      assert.equal(hSc.metadata?.annotations?.["evk.dev/object-name"], "gold");
      assert.equal(
        hSc.metadata?.annotations?.["storageclass.kubernetes.io/is-default-class"],
        undefined,
        "a tenant's default class is not the host's default",
      );

      await v.createPersistentVolume({
        body: {
          metadata: { name: "vpv" },
          spec: {
            capacity: { storage: "1Gi" },
            accessModes: ["ReadWriteOnce"],
            storageClassName: "gold",
            persistentVolumeReclaimPolicy: "Retain",
            hostPath: { path: "/tmp/vpv" },
          },
        },
      });
      const hPv = await waitFor("the volume on the host", hostVolumeOf, 30_000);
      assert.equal(hPv.spec?.storageClassName, hostScName);
      assert.equal(hPv.spec?.hostPath?.path, "/tmp/vpv");

      await v.createNamespacedPersistentVolumeClaim({
        namespace: "default",
        body: {
          metadata: { name: "claim" },
          spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: "gold",
            resources: { requests: { storage: "1Gi" } },
          },
        },
      });
      const vPvc = await waitFor(
        "the virtual claim Bound to the virtual volume",
        async () => {
          const c = await v.readNamespacedPersistentVolumeClaim({ name: "claim", namespace: "default" });
          return c.status?.phase === "Bound" && c.spec?.volumeName === "vpv" ? c : undefined;
        },
        60_000,
        250,
      );
      const hPvc = await h.readNamespacedPersistentVolumeClaim({
        name: hostName(cluster2, "default", "claim"),
        namespace: hostNamespace2,
      });
      assert.equal(hPvc.spec?.storageClassName, hostScName);
      assert.equal(hPvc.spec?.volumeName, hostPvName);
      const vPv = await waitFor(
        "the virtual volume Bound to the virtual claim",
        async () => {
          const x = await v.readPersistentVolume({ name: "vpv" });
          return x.status?.phase === "Bound" && x.spec?.claimRef?.name === "claim" ? x : undefined;
        },
        30_000,
      );
      assert.equal(vPv.spec?.claimRef?.namespace, "default");
      assert.equal(vPv.spec?.claimRef?.uid, vPvc.metadata?.uid);
    });

    it("deleting the tenant's claim, volume and class removes their host copies", async () => {
      await v.deleteNamespacedPersistentVolumeClaim({ name: "claim", namespace: "default" });
      await waitFor(
        "the host claim to go",
        async () =>
          (await h
            .readNamespacedPersistentVolumeClaim({
              name: hostName(cluster2, "default", "claim"),
              namespace: hostNamespace2,
            })
            .catch(() => undefined)) === undefined,
        60_000,
      );
      await v.deletePersistentVolume({ name: "vpv" });
      await waitFor("the host volume to go", async () => (await hostVolumeOf()) === undefined, 30_000);
      await vs.deleteStorageClass({ name: "gold" });
      await waitFor("the host class to go", async () => (await hostClassOf()) === undefined, 30_000);
    });
  });
});
