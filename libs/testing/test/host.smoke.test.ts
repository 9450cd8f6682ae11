import assert from "node:assert/strict";
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { type HostCluster, KUBE_VERSION, startHost, waitFor } from "../src/index.ts";

describe("smoke: host control plane (kube-apiserver, controller-manager, scheduler, kwok)", function () {
  this.timeout(180_000);
  let host: HostCluster;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  const ns = "smoke";

  before(async () => {
    host = await startHost({ nodes: 2 });
    const kc = new KubeConfig();
    kc.loadFromString(host.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
  });
  after(async () => {
    await host?.stop();
  });

  it("serves the built Kubernetes version and kubectl of the same version talks to it", async () => {
    const res = await host.kubectl(["version", "-o", "json"]);
    assert.equal(res.code, 0, res.stderr);
    const v = JSON.parse(res.stdout) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string };
    };
    assert.equal(v.serverVersion.gitVersion, KUBE_VERSION);
    assert.equal(v.clientVersion.gitVersion, KUBE_VERSION);
  });

  it("runs a Deployment of 3 replicas whose pods reach Running with pod IPs on kwok nodes", async () => {
    const labels = { app: "web" };
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: "web" },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: "nginx", image: "nginx:1.27", ports: [{ containerPort: 80 }] }] },
          },
        },
      },
    });
    const pods = await waitFor(
      "3 Running web pods with IPs",
      async () => {
        const list = await core.listNamespacedPod({ namespace: ns, labelSelector: "app=web" });
        const running = list.items.filter((p: V1Pod) => p.status?.phase === "Running" && p.status.podIP);
        return running.length === 3 ? running : undefined;
      },
      90_000,
      250,
    );
    for (const p of pods) {
      assert.ok(host.nodeNames.includes(p.spec?.nodeName ?? ""), `pod ${p.metadata?.name} scheduled on a kwok node`);
      assert.match(p.status?.podIP ?? "", /^10\.244\.\d+\.\d+$/);
    }
    const dep = await waitFor(
      "the Deployment to report 3 ready replicas",
      async () => {
        const d = await apps.readNamespacedDeployment({ namespace: ns, name: "web" });
        return d.status?.readyReplicas === 3 ? d : undefined;
      },
      60_000,
      250,
    );
    assert.equal(dep.status?.availableReplicas, 3);
  });

  it("gives a Service a clusterIP and Endpoints listing the ready pods' IPs", async () => {
    await core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 80 }] } },
    });
    const svc = await core.readNamespacedService({ namespace: ns, name: "web" });
    assert.match(svc.spec?.clusterIP ?? "", /^10\.96\.\d+\.\d+$/);
    const podIPs = (await core.listNamespacedPod({ namespace: ns, labelSelector: "app=web" })).items
      .map((p) => p.status?.podIP)
      .sort();
    const addresses = await waitFor(
      "Endpoints with 3 addresses",
      async () => {
        // The Endpoints API is deprecated in favour of EndpointSlices but still served; kubectl reads it.
        const res = await host.kubectl([
          "get",
          "endpoints",
          "web",
          "-n",
          ns,
          "-o",
          "jsonpath={.subsets[*].addresses[*].ip}",
        ]);
        const ips = res.stdout.split(" ").filter(Boolean).sort();
        return ips.length === 3 ? ips : undefined;
      },
      60_000,
      250,
    );
    assert.deepEqual(addresses, podIPs);
  });
});
