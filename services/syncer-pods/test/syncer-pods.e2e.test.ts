import assert from "node:assert/strict";
import { type ManagedProcess, startVirtualCluster, type VirtualCluster, waitFor } from "@evk/testing";
import { hostName } from "@evk/translate";
import { CoreV1Api, type V1Pod } from "@kubernetes/client-node";

const cluster = "sp";
const hostNamespace = `evk-${cluster}`;

/** A read-modify-write that starts over when the object changed meanwhile (409), as clients do. */
async function retryOnConflict(write: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return;
    } catch (err) {
      if ((err as { code?: number }).code !== 409 || attempt >= 10) throw err;
    }
  }
}

// The whole first slice, with real parts only: kubectl-compatible apiserver → etcd → relay → JetStream →
// syncer-pods → host kube-apiserver (+ scheduler, kwok) → EVK_STATUS → apiserver.
describe("e2e: syncer-pods on a real host control plane with kwok", function () {
  this.timeout(240_000);
  let vc: VirtualCluster;
  let syncer: ManagedProcess;
  let v: CoreV1Api;
  let h: CoreV1Api;
  let apiserverIP: string;

  before(async () => {
    vc = await startVirtualCluster({ cluster, syncers: ["syncer-pods"] });
    syncer = vc.syncers["syncer-pods"] as ManagedProcess;
    v = vc.virtualKubeConfig.makeApiClient(CoreV1Api);
    h = vc.hostKubeConfig.makeApiClient(CoreV1Api);
    apiserverIP = vc.apiserverClusterIP;
  });
  after(async () => {
    await vc?.stop();
  });

  const hostPod = (ns: string, name: string) =>
    h.readNamespacedPod({ name: hostName(cluster, ns, name), namespace: hostNamespace }).catch(() => undefined);
  const virtualPod = (ns: string, name: string) => v.readNamespacedPod({ name, namespace: ns }).catch(() => undefined);
  const running = async (ns: string, name: string) => {
    const p = await virtualPod(ns, name);
    return p?.status?.phase === "Running" && p.status.podIP && p.spec?.nodeName ? p : undefined;
  };

  it("runs a pod with configmap, secret, fieldRef env and a projected token on the host, and reports it Running", async () => {
    await v.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "app-config" }, data: { "app.conf": "debug=true" } },
    });
    await v.createNamespacedSecret({
      namespace: "default",
      body: { metadata: { name: "app-secret" }, stringData: { password: "s3cret" } },
    });
    const pod: V1Pod = {
      metadata: { name: "web", labels: { app: "web", release: "r1" } },
      spec: {
        containers: [
          {
            name: "nginx",
            image: "nginx:1.27",
            env: [
              { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "app-secret", key: "password" } } },
            ],
            volumeMounts: [
              { name: "config", mountPath: "/etc/app" },
              { name: "token", mountPath: "/var/run/secrets/tokens" },
            ],
          },
        ],
        volumes: [
          { name: "config", configMap: { name: "app-config" } },
          {
            name: "token",
            projected: {
              sources: [{ serviceAccountToken: { path: "token", audience: "vault", expirationSeconds: 3600 } }],
            },
          },
        ],
      },
    };
    await v.createNamespacedPod({ namespace: "default", body: pod });
    const vPod = await waitFor(
      "the virtual pod to be Running with an IP and a node",
      () => running("default", "web"),
      90_000,
      250,
    );
    const hPod = (await hostPod("default", "web")) as V1Pod;
    assert.ok(hPod, "the host twin exists");
    assert.equal(hPod.metadata?.name, "web-x-default-x-sp");
    assert.equal(hPod.metadata?.labels?.["evk.dev/managed-by"], cluster);
    assert.equal(hPod.metadata?.labels?.["evk.dev/namespace"], "default");
    assert.equal(hPod.metadata?.labels?.app, "web");
    assert.equal(hPod.metadata?.labels?.release, undefined, "a reserved label key is rewritten");
    assert.equal(hPod.metadata?.annotations?.["evk.dev/object-uid"], vPod.metadata?.uid);
    assert.equal(hPod.spec?.serviceAccountName, `evk-workload-${cluster}`);
    assert.equal(hPod.spec?.automountServiceAccountToken, false);
    const c = hPod.spec?.containers[0];
    const env = Object.fromEntries((c?.env ?? []).map((e) => [e.name, e]));
    assert.equal(env.POD_NAME?.valueFrom?.fieldRef?.fieldPath, "metadata.annotations['evk.dev/name']");
    assert.equal(env.PASSWORD?.valueFrom?.secretKeyRef?.name, "app-secret-x-default-x-sp");
    assert.equal(env.KUBERNETES_SERVICE_HOST?.value, apiserverIP);
    const vols = Object.fromEntries((hPod.spec?.volumes ?? []).map((x) => [x.name, x]));
    assert.equal(vols.config?.configMap?.name, "app-config-x-default-x-sp");
    const tokenItem = vols.token?.projected?.sources?.[0]?.downwardAPI?.items?.[0];
    const tokenKey = /metadata\.annotations\['(.+)'\]/.exec(tokenItem?.fieldRef?.fieldPath ?? "")?.[1] as string;
    assert.ok(tokenKey?.startsWith("evk.dev/token-"), `token source rewritten: ${JSON.stringify(vols.token)}`);
    const jwt = hPod.metadata?.annotations?.[tokenKey] as string;
    const claims = JSON.parse(Buffer.from(jwt.split(".")[1] as string, "base64url").toString());
    assert.deepEqual(claims.aud, ["vault"]);
    assert.equal(claims.sub, "system:serviceaccount:default:default");
    assert.equal(claims["kubernetes.io"]?.pod?.uid, vPod.metadata?.uid);
    // Its configmap and secret went to the host with it.
    const hCm = await h.readNamespacedConfigMap({ name: "app-config-x-default-x-sp", namespace: hostNamespace });
    assert.deepEqual(hCm.data, { "app.conf": "debug=true" });
    const hSecret = await h.readNamespacedSecret({ name: "app-secret-x-default-x-sp", namespace: hostNamespace });
    assert.equal(Buffer.from(hSecret.data?.password ?? "", "base64").toString(), "s3cret");
    // Status flowed back: the host's IP and node.
    assert.equal(vPod.status?.podIP, hPod.status?.podIP);
    assert.equal(vPod.spec?.nodeName, hPod.spec?.nodeName);
    // The node it runs on exists in the virtual cluster.
    const nodes = await waitFor(
      "a virtual node for the host node",
      async () => {
        const list = await v.listNode();
        return list.items.some((n) => n.metadata?.name === hPod.spec?.nodeName) ? list : undefined;
      },
      30_000,
    );
    assert.ok(nodes.items.length >= 1);
    // The host scheduler's Event about the twin appears on the virtual pod, in virtual names.
    const scheduled = await waitFor(
      "the host's Scheduled event on the virtual pod",
      async () =>
        (await v.listNamespacedEvent({ namespace: "default" })).items.find(
          (e) => e.involvedObject?.name === "web" && e.reason === "Scheduled",
        ),
      30_000,
    );
    assert.equal(scheduled.message, `Successfully assigned default/web to ${hPod.spec?.nodeName}`);
    assert.equal(scheduled.involvedObject?.uid, vPod.metadata?.uid);
  });

  it("keeps a used configmap up to date on the host and removes it when no pod uses it", async () => {
    await v.replaceNamespacedConfigMap({
      name: "app-config",
      namespace: "default",
      body: { metadata: { name: "app-config" }, data: { "app.conf": "debug=false" } },
    });
    await waitFor(
      "the host copy to follow",
      async () => {
        const cm = await h.readNamespacedConfigMap({ name: "app-config-x-default-x-sp", namespace: hostNamespace });
        return cm.data?.["app.conf"] === "debug=false";
      },
      30_000,
    );
    await v.deleteNamespacedPod({ name: "web", namespace: "default" });
    await waitFor("the host pod to go", async () => (await hostPod("default", "web")) === undefined, 60_000);
    await waitFor(
      "the unused host configmap to go",
      async () =>
        (await h
          .readNamespacedConfigMap({ name: "app-config-x-default-x-sp", namespace: hostNamespace })
          .catch(() => undefined)) === undefined,
      30_000,
    );
  });

  it("deletes the virtual pod when its host twin is deleted", async () => {
    await v.createNamespacedPod({
      namespace: "default",
      body: { metadata: { name: "doomed" }, spec: { containers: [{ name: "c", image: "busybox" }] } },
    });
    await waitFor("doomed to run", () => running("default", "doomed"), 90_000, 250);
    await h.deleteNamespacedPod({
      name: hostName(cluster, "default", "doomed"),
      namespace: hostNamespace,
      gracePeriodSeconds: 0,
    });
    await waitFor("the virtual pod to go", async () => (await virtualPod("default", "doomed")) === undefined, 60_000);
  });

  it("refuses a privileged pod under the baseline policy with a Warning Event and a condition", async () => {
    await v.createNamespacedPod({
      namespace: "default",
      body: {
        metadata: { name: "root" },
        spec: { containers: [{ name: "c", image: "busybox", securityContext: { privileged: true } }] },
      },
    });
    const ev = await waitFor(
      "a Warning Event",
      async () => {
        const list = await v.listNamespacedEvent({ namespace: "default" });
        return list.items.find((e) => e.involvedObject?.name === "root" && e.type === "Warning");
      },
      30_000,
    );
    assert.match(ev.message ?? "", /privileged/);
    const p = await waitFor(
      "the PodScheduled=False condition",
      async () => {
        const pod = await virtualPod("default", "root");
        return pod?.status?.conditions?.some((c) => c.type === "PodScheduled" && c.status === "False")
          ? pod
          : undefined;
      },
      30_000,
    );
    assert.equal(p.status?.phase, "Pending");
    assert.equal(await hostPod("default", "root"), undefined, "nothing reached the host");
    // The syncer keeps serving other pods.
    await v.createNamespacedPod({
      namespace: "default",
      body: { metadata: { name: "fine" }, spec: { containers: [{ name: "c", image: "busybox" }] } },
    });
    await waitFor("another pod to run", () => running("default", "fine"), 90_000, 250);
  });

  it("a pod the host refuses gets a Warning Event and a HostRejected condition", async () => {
    // Host quota: no pods with resource requests in the cluster's host namespace.
    await h.createNamespacedResourceQuota({
      namespace: hostNamespace,
      body: { metadata: { name: "no-burstable" }, spec: { hard: { pods: "0" }, scopes: ["NotBestEffort"] } },
    });
    try {
      await v.createNamespacedPod({
        namespace: "default",
        body: {
          metadata: { name: "greedy" },
          spec: { containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "10m" } } }] },
        },
      });
      const p = await waitFor(
        "the HostRejected condition",
        async () => {
          const pod = await virtualPod("default", "greedy");
          return pod?.status?.conditions?.find((c) => c.type === "PodScheduled" && c.reason === "HostRejected");
        },
        30_000,
      );
      assert.match(p.message ?? "", /exceeded quota/);
      assert.match(p.message ?? "", /greedy/);
      assert.doesNotMatch(p.message ?? "", /greedy-x-default-x-sp/, "the message names the virtual pod");
      const ev = (await v.listNamespacedEvent({ namespace: "default" })).items.find(
        (e) => e.involvedObject?.name === "greedy" && e.type === "Warning",
      );
      assert.match(ev?.message ?? "", /exceeded quota/);
    } finally {
      await h.deleteNamespacedResourceQuota({ name: "no-burstable", namespace: hostNamespace });
    }
  });

  it("carries image, label and activeDeadlineSeconds changes to the host, and re-creates the twin for a new pod of the same name", async () => {
    await v.createNamespacedPod({
      namespace: "default",
      body: {
        metadata: { name: "upd", labels: { v: "1" } },
        spec: { containers: [{ name: "c", image: "busybox:1.36" }] },
      },
    });
    const first = await waitFor("upd to run", () => running("default", "upd"), 90_000, 250);
    // Host status keeps updating the pod, so a read-modify-write may need another go, as for any client.
    await retryOnConflict(async () => {
      const cur = await virtualPod("default", "upd");
      await v.replaceNamespacedPod({
        name: "upd",
        namespace: "default",
        body: {
          ...cur,
          metadata: { ...cur?.metadata, labels: { v: "2", extra: "yes" } },
          // Only the image may change (kube refuses any other container change of a running pod).
          spec: {
            ...cur?.spec,
            containers: (cur?.spec?.containers ?? []).map((c) => ({ ...c, image: "busybox:1.37" })),
            activeDeadlineSeconds: 3600,
          },
        } as V1Pod,
      });
    });
    const updated = await waitFor(
      "the host twin to follow",
      async () => {
        const hp = await hostPod("default", "upd");
        return hp?.spec?.containers[0]?.image === "busybox:1.37" && hp.metadata?.labels?.v === "2" ? hp : undefined;
      },
      30_000,
    );
    assert.equal(updated.metadata?.labels?.extra, "yes");
    assert.equal(updated.spec?.activeDeadlineSeconds, 3600);
    // An ephemeral (debug) container added in the virtual cluster is added to the twin.
    await retryOnConflict(async () => {
      const withDebug = (await virtualPod("default", "upd")) as V1Pod;
      await v.replaceNamespacedPodEphemeralcontainers({
        name: "upd",
        namespace: "default",
        body: {
          ...withDebug,
          spec: {
            ...(withDebug.spec as NonNullable<V1Pod["spec"]>),
            ephemeralContainers: [{ name: "debugger", image: "busybox", command: ["sh"], stdin: true, tty: true }],
          },
        },
      });
    });
    await waitFor(
      "the debug container on the host twin",
      async () => (await hostPod("default", "upd"))?.spec?.ephemeralContainers?.some((c) => c.name === "debugger"),
      30_000,
    );
    const firstHostUid = updated.metadata?.uid;
    // Same name, new pod: the old twin goes and a new one carries the new UID.
    await v.deleteNamespacedPod({ name: "upd", namespace: "default", gracePeriodSeconds: 0 });
    await waitFor("upd to be gone", async () => (await virtualPod("default", "upd")) === undefined, 30_000);
    await v.createNamespacedPod({
      namespace: "default",
      body: { metadata: { name: "upd" }, spec: { containers: [{ name: "c", image: "busybox" }] } },
    });
    const second = await waitFor("the new upd to run", () => running("default", "upd"), 90_000, 250);
    assert.notEqual(second.metadata?.uid, first.metadata?.uid);
    const twin = await hostPod("default", "upd");
    assert.equal(twin?.metadata?.annotations?.["evk.dev/object-uid"], second.metadata?.uid);
    assert.notEqual(twin?.metadata?.uid, firstHostUid);
  });

  it("translates a PVC reference to the claim's host name", async () => {
    await v.createNamespacedPod({
      namespace: "default",
      body: {
        metadata: { name: "with-claim" },
        spec: {
          containers: [{ name: "c", image: "busybox", volumeMounts: [{ name: "data", mountPath: "/data" }] }],
          volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
        },
      },
    });
    const twin = await waitFor("the twin", () => hostPod("default", "with-claim"), 30_000);
    const vol = twin.spec?.volumes?.find((x) => x.name === "data");
    assert.equal(vol?.persistentVolumeClaim?.claimName, "data-x-default-x-sp");
    await v.deleteNamespacedPod({ name: "with-claim", namespace: "default", gracePeriodSeconds: 0 });
  });

  it("after a SIGKILL in the middle of a burst of 200 pods, all 200 exist on the host exactly once and run", async () => {
    await v.createNamespace({ body: { metadata: { name: "burst" } } });
    const names = Array.from({ length: 200 }, (_, i) => `p${i}`);
    let created = 0;
    const creating = (async () => {
      for (const name of names) {
        await v.createNamespacedPod({
          namespace: "burst",
          body: {
            metadata: { name, labels: { burst: "yes" } },
            spec: { containers: [{ name: "c", image: "busybox" }] },
          },
        });
        created++;
      }
    })();
    await waitFor(
      "some pods to reach the host",
      async () => {
        const l = await h.listNamespacedPod({ namespace: hostNamespace, labelSelector: "burst=yes" });
        return l.items.length >= 20;
      },
      60_000,
      50,
    );
    await syncer.kill();
    await creating;
    assert.equal(created, 200);
    await syncer.start();
    const hostPods = await waitFor(
      "all 200 on the host",
      async () => {
        const l = await h.listNamespacedPod({ namespace: hostNamespace, labelSelector: "burst=yes" });
        return l.items.length >= 200 ? l.items : undefined;
      },
      150_000,
      500,
    );
    const hostNames = hostPods.map((p) => p.metadata?.name);
    assert.equal(new Set(hostNames).size, 200, "each exactly once");
    assert.deepEqual([...hostNames].sort(), names.map((n) => hostName(cluster, "burst", n)).sort());
    await waitFor(
      "all 200 Running in the virtual cluster",
      async () => {
        const l = await v.listNamespacedPod({ namespace: "burst" });
        return l.items.filter((p) => p.status?.phase === "Running" && p.spec?.nodeName).length === 200;
      },
      150_000,
      1_000,
    );
  });
});
