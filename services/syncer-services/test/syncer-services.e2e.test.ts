import assert from "node:assert/strict";
import { type ManagedProcess, startVirtualCluster, type VirtualCluster, waitFor } from "@evk/testing";
import { hostName } from "@evk/translate";
import { CoreV1Api, DiscoveryV1Api, type V1Pod, type V1Service } from "@kubernetes/client-node";

const cluster = "ss";
const hostNamespace = `evk-${cluster}`;

// Services end to end with real parts only: apiserver → etcd → relay → JetStream → syncer-services (and
// syncer-pods for the pods behind them) → host kube-apiserver + controller-manager + kwok → EVK_STATUS →
// apiserver.
describe("e2e: syncer-services on a real host control plane with kwok", function () {
  this.timeout(240_000);
  let vc: VirtualCluster;
  let services: ManagedProcess;
  let v: CoreV1Api;
  let vDiscovery: DiscoveryV1Api;
  let h: CoreV1Api;
  let apiserverIP: string;

  before(async () => {
    vc = await startVirtualCluster({ cluster, syncers: ["syncer-pods", "syncer-services"] });
    services = vc.syncers["syncer-services"] as ManagedProcess;
    v = vc.virtualKubeConfig.makeApiClient(CoreV1Api);
    vDiscovery = vc.virtualKubeConfig.makeApiClient(DiscoveryV1Api);
    h = vc.hostKubeConfig.makeApiClient(CoreV1Api);
    apiserverIP = vc.apiserverClusterIP;
  });
  after(async () => {
    await vc?.stop();
  });

  const hostService = (ns: string, name: string) =>
    h.readNamespacedService({ name: hostName(cluster, ns, name), namespace: hostNamespace }).catch(() => undefined);
  const virtualService = (ns: string, name: string) =>
    v.readNamespacedService({ name, namespace: ns }).catch(() => undefined);
  const virtualEndpoints = (ns: string, name: string) =>
    v.readNamespacedEndpoints({ name, namespace: ns }).catch(() => undefined);
  const hostEndpoints = (ns: string, name: string) =>
    h.readNamespacedEndpoints({ name: hostName(cluster, ns, name), namespace: hostNamespace }).catch(() => undefined);
  /** client-node's model classes, as plain JSON. */
  const plain = (x: unknown) => JSON.parse(JSON.stringify(x ?? null));
  const ips = (subsets: { addresses?: { ip: string }[] }[] | undefined) =>
    (subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
  const warningFor = async (ns: string, name: string) =>
    (await v.listNamespacedEvent({ namespace: ns })).items.find(
      (e) => e.involvedObject?.name === name && e.involvedObject.kind === "Service" && e.type === "Warning",
    );

  const webPod = (name: string, labels: Record<string, string>): V1Pod => ({
    metadata: { name, labels },
    spec: { containers: [{ name: "c", image: "nginx", ports: [{ name: "http", containerPort: 8080 }] }] },
  });

  it("a selector Service selects the host pods on the host and gets Endpoints of the virtual pods", async () => {
    await Promise.all([
      v.createNamespacedPod({ namespace: "default", body: webPod("web-1", { app: "web", release: "r1" }) }),
      v.createNamespacedPod({ namespace: "default", body: webPod("web-2", { app: "web", release: "r1" }) }),
      v.createNamespacedPod({ namespace: "default", body: webPod("other", { app: "other" }) }),
    ]);
    await v.createNamespacedService({
      namespace: "default",
      body: {
        metadata: { name: "web", labels: { tier: "front" } },
        spec: {
          selector: { app: "web", release: "r1" },
          ports: [{ name: "http", port: 80, targetPort: "http" }],
        },
      },
    });
    const hSvc = await waitFor("the host Service", () => hostService("default", "web"), 30_000, 200);
    assert.equal(hSvc.metadata?.labels?.["evk.dev/managed-by"], cluster);
    assert.equal(hSvc.metadata?.labels?.tier, "front");
    assert.equal(hSvc.metadata?.annotations?.["evk.dev/object-name"], "web");
    const selector = hSvc.spec?.selector ?? {};
    assert.equal(selector.app, "web");
    assert.equal(selector.release, undefined, "a reserved label key is hashed as on the host pods");
    assert.equal(selector["evk.dev/managed-by"], cluster);
    assert.equal(selector["evk.dev/namespace"], "default");
    assert.ok(hSvc.spec?.clusterIP && hSvc.spec.clusterIP !== "None");

    // The host's own endpoints controller finds exactly the two host pods through the translated selector.
    const hostPodIPs = await waitFor(
      "both host pods to have IPs",
      async () => {
        const got = await Promise.all(
          ["web-1", "web-2"].map((n) =>
            h.readNamespacedPod({ name: hostName(cluster, "default", n), namespace: hostNamespace }),
          ),
        );
        const list = got.map((p) => p.status?.podIP);
        return list.every(Boolean) ? (list as string[]).sort() : undefined;
      },
      90_000,
      250,
    );
    const hEp = await waitFor(
      "the host Endpoints to list both host pods",
      async () => {
        const e = await hostEndpoints("default", "web");
        return ips(e?.subsets).length === 2 ? e : undefined;
      },
      60_000,
      250,
    );
    assert.deepEqual(ips(hEp.subsets), hostPodIPs);
    assert.equal(hEp.subsets?.[0]?.ports?.[0]?.port, 8080, "the host resolved the named targetPort");

    // Back in the virtual cluster: the host's clusterIP, and Endpoints listing the pods' (host) IPs.
    const vSvc = await waitFor(
      "the virtual Service to show the host clusterIP",
      async () => {
        const s = await virtualService("default", "web");
        return s?.spec?.clusterIP ? s : undefined;
      },
      30_000,
      200,
    );
    assert.equal(vSvc.spec?.clusterIP, hSvc.spec?.clusterIP);
    assert.deepEqual(vSvc.spec?.clusterIPs, hSvc.spec?.clusterIPs);
    const vEp = await waitFor(
      "the virtual Endpoints to list both pods",
      async () => {
        const e = await virtualEndpoints("default", "web");
        return ips(e?.subsets).length === 2 ? e : undefined;
      },
      60_000,
      250,
    );
    assert.deepEqual(ips(vEp.subsets), hostPodIPs);
    const subset = vEp.subsets?.[0];
    assert.deepEqual(plain(subset?.ports), [{ name: "http", port: 8080, protocol: "TCP" }]);
    assert.deepEqual(subset?.addresses?.map((a) => a.targetRef?.name).sort(), ["web-1", "web-2"]);
    assert.equal(subset?.addresses?.[0]?.targetRef?.kind, "Pod");
    assert.equal(vEp.metadata?.labels?.tier, "front");
    const slices = await waitFor(
      "a virtual EndpointSlice with both pods ready",
      async () => {
        const l = await vDiscovery.listNamespacedEndpointSlice({
          namespace: "default",
          labelSelector: "kubernetes.io/service-name=web",
        });
        const eps = l.items.flatMap((s) => s.endpoints ?? []);
        return eps.length === 2 && eps.every((e) => e.conditions?.ready) ? l.items : undefined;
      },
      30_000,
      250,
    );
    assert.equal(
      slices[0]?.metadata?.labels?.["endpointslice.kubernetes.io/managed-by"],
      "endpointslice-controller.k8s.io",
    );
    assert.deepEqual(plain(slices[0]?.ports), [{ name: "http", port: 8080, protocol: "TCP" }]);

    // A pod leaving the selector leaves the Endpoints.
    const web2 = await v.readNamespacedPod({ name: "web-2", namespace: "default" });
    web2.metadata = { ...web2.metadata, labels: { ...web2.metadata?.labels, app: "gone" } };
    await v.replaceNamespacedPod({ name: "web-2", namespace: "default", body: web2 });
    await waitFor(
      "web-2 to leave the virtual Endpoints",
      async () => {
        const e = await virtualEndpoints("default", "web");
        return e?.subsets?.[0]?.addresses?.map((a) => a.targetRef?.name).join() === "web-1";
      },
      30_000,
      250,
    );
  });

  it("default/kubernetes shows the host Service in front of the virtual apiserver", async () => {
    await waitFor(
      "default/kubernetes to carry the host clusterIP",
      async () => (await virtualService("default", "kubernetes"))?.spec?.clusterIP === apiserverIP,
      30_000,
      200,
    );
  });

  it("NodePort: the host's node port is visible in the virtual cluster; headless stays headless", async () => {
    await v.createNamespacedService({
      namespace: "default",
      body: { metadata: { name: "np" }, spec: { type: "NodePort", selector: { app: "web" }, ports: [{ port: 80 }] } },
    });
    await v.createNamespacedService({
      namespace: "default",
      body: {
        metadata: { name: "hl" },
        spec: { clusterIP: "None", selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });
    const hNp = await waitFor(
      "the host NodePort Service",
      async () => {
        const s = await hostService("default", "np");
        return s?.spec?.ports?.[0]?.nodePort ? s : undefined;
      },
      30_000,
      200,
    );
    assert.equal(hNp.spec?.type, "NodePort");
    const vNp = await waitFor(
      "the node port in the virtual cluster",
      async () => {
        const s = await virtualService("default", "np");
        return s?.spec?.ports?.[0]?.nodePort ? s : undefined;
      },
      30_000,
      200,
    );
    assert.equal(vNp.spec?.ports?.[0]?.nodePort, hNp.spec?.ports?.[0]?.nodePort);
    assert.equal(vNp.spec?.clusterIP, hNp.spec?.clusterIP);

    const hHl = await waitFor("the host headless Service", () => hostService("default", "hl"), 30_000, 200);
    assert.equal(hHl.spec?.clusterIP, "None");
    const selected = (await v.listNamespacedPod({ namespace: "default", labelSelector: "app=web" })).items;
    const want = selected.map((p) => p.status?.podIP).sort();
    assert.ok(want.length >= 1 && want.every(Boolean));
    const vEp = await waitFor(
      "the headless Service's virtual Endpoints",
      async () => {
        const e = await virtualEndpoints("default", "hl");
        return ips(e?.subsets).join() === want.join() ? e : undefined;
      },
      30_000,
      250,
    );
    assert.equal(vEp.metadata?.labels?.["service.kubernetes.io/headless"], "");
    assert.equal(vEp.subsets?.[0]?.ports?.[0]?.port, 8080);
    assert.equal((await virtualService("default", "hl"))?.spec?.clusterIP, "None");
  });

  it("a selector-less Service's hand-written Endpoints reach the host and follow changes", async () => {
    await v.createNamespacedService({
      namespace: "default",
      body: { metadata: { name: "db" }, spec: { ports: [{ name: "pg", port: 5432 }] } },
    });
    await v.createNamespacedEndpoints({
      namespace: "default",
      body: {
        metadata: { name: "db" },
        subsets: [{ addresses: [{ ip: "10.20.30.40" }], ports: [{ name: "pg", port: 5432 }] }],
      },
    });
    const hEp = await waitFor(
      "the host Endpoints",
      async () => {
        const e = await hostEndpoints("default", "db");
        return ips(e?.subsets).length === 1 ? e : undefined;
      },
      30_000,
      200,
    );
    assert.deepEqual(ips(hEp.subsets), ["10.20.30.40"]);
    assert.equal(hEp.metadata?.annotations?.["evk.dev/object-name"], "db");
    assert.equal((await hostService("default", "db"))?.spec?.selector, undefined, "no selector on the host either");
    await v.replaceNamespacedEndpoints({
      name: "db",
      namespace: "default",
      body: {
        metadata: { name: "db" },
        subsets: [{ addresses: [{ ip: "10.20.30.40" }, { ip: "10.20.30.41" }], ports: [{ name: "pg", port: 5432 }] }],
      },
    });
    await waitFor(
      "the host Endpoints to follow",
      async () => ips((await hostEndpoints("default", "db"))?.subsets).join() === "10.20.30.40,10.20.30.41",
      30_000,
      200,
    );
    // The virtual Endpoints stay the user's: evk computes none for a selector-less Service.
    assert.equal((await virtualEndpoints("default", "db"))?.metadata?.annotations?.["evk.dev/host-uid"], undefined);
  });

  it("deletes both ways: virtual deleted → host deleted; host deleted → virtual deleted", async () => {
    await v.deleteNamespacedService({ name: "web", namespace: "default" });
    await waitFor(
      "the host Service to go",
      async () => (await hostService("default", "web")) === undefined,
      30_000,
      200,
    );
    await waitFor(
      "the computed virtual Endpoints to go",
      async () => (await virtualEndpoints("default", "web")) === undefined,
      30_000,
      200,
    );
    await v.deleteNamespacedService({ name: "db", namespace: "default" });
    await waitFor(
      "the host db Service to go",
      async () => (await hostService("default", "db")) === undefined,
      30_000,
      200,
    );
    await waitFor(
      "the host copy of db's Endpoints to go",
      async () => (await hostEndpoints("default", "db")) === undefined,
      30_000,
      200,
    );

    await h.deleteNamespacedService({ name: hostName(cluster, "default", "np"), namespace: hostNamespace });
    await waitFor(
      "the virtual np to go",
      async () => (await virtualService("default", "np")) === undefined,
      30_000,
      200,
    );
  });

  it("a Service the host refuses gets a Warning Event and a condition; the others keep working", async () => {
    await v.createNamespacedService({
      namespace: "default",
      body: { metadata: { name: "port-a" }, spec: { type: "NodePort", ports: [{ port: 80, nodePort: 30555 }] } },
    });
    await waitFor("port-a on the host", () => hostService("default", "port-a"), 30_000, 200);
    await v.createNamespacedService({
      namespace: "default",
      body: { metadata: { name: "port-b" }, spec: { type: "NodePort", ports: [{ port: 80, nodePort: 30555 }] } },
    });
    await v.createNamespacedService({
      namespace: "default",
      // A nodePort outside the host's node-port range: only the host's allocator knows the range.
      body: { metadata: { name: "bogus" }, spec: { type: "NodePort", ports: [{ port: 80, nodePort: 20000 }] } },
    });
    const ev = await waitFor("a Warning Event on port-b", () => warningFor("default", "port-b"), 30_000, 250);
    assert.match(ev.message ?? "", /30555/);
    const refused = await waitFor(
      "the Synced=False condition on port-b",
      async () => {
        const s = await virtualService("default", "port-b");
        return s?.status?.conditions?.some((c) => c.type === "evk.dev/Synced" && c.status === "False") ? s : undefined;
      },
      30_000,
      250,
    );
    assert.equal(refused.status?.conditions?.find((c) => c.type === "evk.dev/Synced")?.reason, "HostRefused");
    const bogus = await waitFor("a Warning Event on bogus", () => warningFor("default", "bogus"), 30_000, 250);
    assert.match(bogus.message ?? "", /20000/);
    assert.equal(await hostService("default", "port-b"), undefined, "nothing reached the host");
    assert.equal(await hostService("default", "bogus"), undefined);

    await v.createNamespacedService({
      namespace: "default",
      body: { metadata: { name: "fine" }, spec: { ports: [{ port: 80 }] } },
    });
    await waitFor(
      "another Service to get its clusterIP",
      async () => Boolean((await virtualService("default", "fine"))?.spec?.clusterIP),
      30_000,
      200,
    );
  });

  it("after a SIGKILL in the middle of a burst of 60 Services, all exist on the host exactly once", async () => {
    await v.createNamespace({ body: { metadata: { name: "burst" } } });
    const names = Array.from({ length: 60 }, (_, i) => `s${i}`);
    let created = 0;
    const creating = (async () => {
      for (const name of names) {
        const body: V1Service = { metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }] } };
        await v.createNamespacedService({ namespace: "burst", body });
        created++;
      }
    })();
    const onHost = async () =>
      (await h.listNamespacedService({ namespace: hostNamespace, labelSelector: "evk.dev/namespace=burst" })).items;
    await waitFor("some Services to reach the host", async () => (await onHost()).length >= 10, 60_000, 50);
    await services.kill();
    await creating;
    assert.equal(created, 60);
    await services.start();
    const all = await waitFor(
      "all 60 on the host",
      async () => {
        const l = await onHost();
        return l.length >= 60 ? l : undefined;
      },
      90_000,
      250,
    );
    const hostNames = all.map((s) => s.metadata?.name);
    assert.equal(new Set(hostNames).size, 60);
    assert.deepEqual([...hostNames].sort(), names.map((n) => hostName(cluster, "burst", n)).sort());
    await waitFor(
      "all 60 with their clusterIP in the virtual cluster",
      async () =>
        (await v.listNamespacedService({ namespace: "burst" })).items.filter((s) => s.spec?.clusterIP).length === 60,
      60_000,
      500,
    );
  });
});
