import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  type Etcd,
  type HostCluster,
  type LocalApiserver,
  ServerClient,
  startApiserver,
  startEtcd,
  startHost,
} from "@evk/testing";
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";

describe("apiserver subresources: status, scale, binding, finalize, generation (real kubectl 1.35, client-node)", function () {
  this.timeout(120_000);
  let etcd: Etcd;
  let apiserver: LocalApiserver;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let client: ServerClient;

  before(async () => {
    etcd = await startEtcd();
    apiserver = await startApiserver({ etcd: etcd.endpoint, cluster: "sub1" });
    const kc = new KubeConfig();
    kc.loadFromString(readFileSync(apiserver.kubeconfigPath, "utf8"));
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    client = new ServerClient("evk", apiserver.kubeconfigPath);
  });
  after(async () => {
    await apiserver?.stop();
    await etcd?.dispose();
  });

  const evk = (args: string[], opts: { input?: string } = {}) => client.kubectl(args, { stdin: opts.input });
  const must = async (k: typeof evk, args: string[], input?: string) => {
    const r = await k(args, input === undefined ? {} : { input });
    assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const deployment = (name: string) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default", labels: { app: name } },
    spec: {
      replicas: 1,
      selector: {
        matchLabels: { app: name },
        matchExpressions: [{ key: "tier", operator: "In", values: ["web", "api"] }],
      },
      template: {
        metadata: { labels: { app: name, tier: "web" } },
        spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] },
      },
    },
    status: { replicas: 42 },
  });
  const unscheduledPod = (name: string) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    // No scheduler picks up "none", so on the host the pod waits for our binding too.
    spec: { schedulerName: "none", containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] },
  });

  it("kubectl scale goes through /scale; generation moves with spec only", async () => {
    await must(evk, ["create", "--validate=false", "-f", "-"], JSON.stringify(deployment("web")));
    const fields = "jsonpath={.metadata.generation} {.spec.replicas} {.status.replicas}";
    assert.equal(await must(evk, ["get", "deploy", "web", "-o", fields]), "1 1 ", "create ignores client status");
    assert.match(await must(evk, ["scale", "deploy", "web", "--replicas=3"]), /deployment.apps\/web scaled/);
    assert.equal(await must(evk, ["get", "deploy", "web", "-o", fields]), "2 3 ");
    const scale = await apps.readNamespacedDeploymentScale({ name: "web", namespace: "default" });
    assert.equal(scale.spec?.replicas, 3);
    assert.equal(scale.status?.selector, "app=web,tier in (api,web)");
    // A PUT of a Scale carrying a stale resourceVersion conflicts on the server.
    const put = await evk(["replace", "--raw", "/apis/apps/v1/namespaces/default/deployments/web/scale", "-f", "-"], {
      input: JSON.stringify({
        kind: "Scale",
        apiVersion: "autoscaling/v1",
        metadata: { name: "web", namespace: "default", resourceVersion: "1" },
        spec: { replicas: 4 },
      }),
    });
    assert.notEqual(put.code, 0);
    assert.match(put.stderr, /the object has been modified/);
    await must(evk, ["label", "deploy", "web", "x=y"]);
    await must(evk, ["patch", "deploy", "web", "--type=merge", "-p", '{"status":{"replicas":9}}']);
    assert.equal(await must(evk, ["get", "deploy", "web", "-o", fields]), "2 3 ", "metadata and status don't count");
    await must(evk, [
      "patch",
      "deploy",
      "web",
      "--subresource=status",
      "--type=merge",
      "-p",
      '{"status":{"replicas":3},"spec":{"replicas":8}}',
    ]);
    assert.equal(await must(evk, ["get", "deploy", "web", "-o", fields]), "2 3 3", "status writes change only status");
    const missing = await evk(["scale", "deploy", "nope", "--replicas=1"]);
    assert.match(missing.stderr, /deployments.apps "nope" not found/);
  });

  it("client-node: replaceNamespacedPodStatus changes status only", async () => {
    await core.createNamespacedPod({ namespace: "default", body: unscheduledPod("st") as V1Pod });
    const pod = await core.readNamespacedPod({ name: "st", namespace: "default" });
    assert.equal(pod.status?.phase, "Pending");
    assert.equal(pod.status?.qosClass, "BestEffort");
    assert.equal(pod.metadata?.generation, 1);
    pod.status = { ...pod.status, phase: "Running", podIP: "10.244.0.9" };
    pod.spec = { ...(pod.spec as NonNullable<V1Pod["spec"]>), nodeName: "sneaky" };
    const replaced = await core.replaceNamespacedPodStatus({ name: "st", namespace: "default", body: pod });
    assert.equal(replaced.status?.phase, "Running");
    assert.equal(replaced.spec?.nodeName, undefined, "spec is not written through /status");
    assert.equal(replaced.metadata?.generation, 1);
    // The main resource ignores status.
    const again = await core.readNamespacedPod({ name: "st", namespace: "default" });
    again.status = { phase: "Failed" };
    again.metadata = { ...again.metadata, labels: { a: "b" } };
    const upd = await core.replaceNamespacedPod({ name: "st", namespace: "default", body: again });
    assert.equal(upd.status?.phase, "Running");
    assert.equal(upd.metadata?.labels?.a, "b");
    assert.equal(upd.metadata?.generation, 1);
    // A stale resourceVersion on /status conflicts like any update.
    await assert.rejects(
      core.replaceNamespacedPodStatus({ name: "st", namespace: "default", body: pod }),
      (e: { code?: number }) => e.code === 409,
    );
  });

  it("client-node: createNamespacedPodBinding and createNamespacedBinding bind once, then 409", async () => {
    for (const name of ["b1", "b2"])
      await core.createNamespacedPod({ namespace: "default", body: unscheduledPod(name) as V1Pod });
    // The answer is a Status (client-node types it as a Binding); the kubectl comparison below checks it.
    await core.createNamespacedPodBinding({
      name: "b1",
      namespace: "default",
      body: { metadata: { name: "b1" }, target: { kind: "Node", name: "node-a" } },
    });
    await core.createNamespacedBinding({
      namespace: "default",
      body: { metadata: { name: "b2" }, target: { kind: "Node", name: "node-b" } },
    });
    for (const [name, node] of [
      ["b1", "node-a"],
      ["b2", "node-b"],
    ]) {
      const p = await core.readNamespacedPod({ name: name as string, namespace: "default" });
      assert.equal(p.spec?.nodeName, node);
      assert.equal(p.status?.conditions?.find((c) => c.type === "PodScheduled")?.status, "True");
      assert.equal(p.metadata?.generation, 1, "a binding is not a spec update");
    }
    await assert.rejects(
      core.createNamespacedPodBinding({
        name: "b1",
        namespace: "default",
        body: { metadata: { name: "b1" }, target: { kind: "Node", name: "node-c" } },
      }),
      (e: { code?: number; body?: string }) =>
        e.code === 409 && /already assigned to node \\"node-a\\"/.test(e.body ?? ""),
    );
    await assert.rejects(
      core.createNamespacedPodBinding({
        name: "ghost",
        namespace: "default",
        body: { metadata: { name: "ghost" }, target: { kind: "Node", name: "n" } },
      }),
      (e: { code?: number }) => e.code === 404,
    );
  });

  it("namespaces/finalize edits spec.finalizers; a Terminating namespace is then deleted by DELETE", async () => {
    await must(
      evk,
      ["create", "--validate=false", "-f", "-"],
      JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "fin" } }),
    );
    // The main resource cannot touch spec.finalizers.
    await must(evk, ["patch", "ns", "fin", "--type=merge", "-p", '{"spec":{"finalizers":[]}}']);
    assert.equal(await must(evk, ["get", "ns", "fin", "-o", "jsonpath={.spec.finalizers}"]), '["kubernetes"]');
    const ns = JSON.parse(await must(evk, ["get", "ns", "fin", "-o", "json"]));
    ns.spec.finalizers = ["example.com/keep", "kubernetes"];
    await must(evk, ["replace", "--raw", "/api/v1/namespaces/fin/finalize", "-f", "-"], JSON.stringify(ns));
    assert.equal(
      await must(evk, ["get", "ns", "fin", "-o", "jsonpath={.spec.finalizers}"]),
      '["example.com/keep","kubernetes"]',
    );
  });

  it("the default ServiceAccount appears in every namespace; default/kubernetes points at the apiserver", async () => {
    await must(
      evk,
      ["create", "--validate=false", "-f", "-"],
      JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "fresh" } }),
    );
    let found = "";
    for (let i = 0; i < 50 && !found; i++) {
      found = (await evk(["get", "sa", "default", "-n", "fresh", "-o", "name"])).stdout.trim();
      if (!found) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(found, "serviceaccount/default");
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"])
      assert.equal(
        (await must(evk, ["get", "sa", "default", "-n", ns, "-o", "name"])).trim(),
        "serviceaccount/default",
      );
    const port = new URL(apiserver.url).port;
    assert.equal(
      await must(evk, [
        "get",
        "svc",
        "kubernetes",
        "-o",
        "jsonpath={.spec.clusterIP} {.spec.ports[0].name} {.spec.ports[0].port} {.spec.ports[0].targetPort}",
      ]),
      `10.96.0.1 https 443 ${port}`,
    );
    assert.equal(
      await must(evk, [
        "get",
        "endpoints",
        "kubernetes",
        "-o",
        "jsonpath={.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}",
      ]),
      `127.0.0.1:${port}`,
    );
  });

  describe("side by side with kube-apiserver 1.35", () => {
    let host: HostCluster;
    before(async () => {
      host = await startHost({ nodes: 1 });
    });
    after(async () => {
      await host?.stop();
    });
    const theirs = (args: string[], opts: { input?: string } = {}) => host.kubectl(args, opts);

    it("answers bindings alike: the Success Status, then the same Conflict", async () => {
      const binding = (node: string) =>
        JSON.stringify({
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name: "pb" },
          target: { kind: "Node", name: node },
        });
      const out: Record<string, string[]> = {};
      for (const [server, k] of [
        ["evk", evk],
        ["kube-apiserver", theirs],
      ] as const) {
        await must(k, ["create", "--validate=false", "-f", "-"], JSON.stringify(unscheduledPod("pb")));
        const first = await must(
          k,
          ["create", "--raw", "/api/v1/namespaces/default/pods/pb/binding", "-f", "-"],
          binding("n-one"),
        );
        const second = await k(["create", "--raw", "/api/v1/namespaces/default/pods/pb/binding", "-f", "-"], {
          input: binding("n-two"),
        });
        assert.notEqual(second.code, 0, server);
        const pod = await must(k, [
          "get",
          "pod",
          "pb",
          "-o",
          "jsonpath={.spec.nodeName} {.metadata.generation} {.status.conditions[*].type}",
        ]);
        out[server] = [first.trim(), second.stderr.trim(), pod];
      }
      assert.deepEqual(out.evk, out["kube-apiserver"]);
    });

    it("serves the same Scale and generation sequence for kubectl scale, label and status writes", async () => {
      const seen: Record<string, unknown[]> = {};
      for (const [server, k] of [
        ["evk", evk],
        ["kube-apiserver", theirs],
      ] as const) {
        const d = deployment("side");
        await must(k, ["create", "--validate=false", "-f", "-"], JSON.stringify({ ...d, status: undefined }));
        const gen = async () =>
          (await must(k, ["get", "deploy", "side", "-o", "jsonpath={.metadata.generation}"])).trim();
        const steps: unknown[] = [await gen()];
        steps.push((await must(k, ["scale", "deploy", "side", "--replicas=2"])).trim(), await gen());
        await must(k, ["label", "deploy", "side", "extra=1"]);
        steps.push(await gen());
        await must(k, [
          "patch",
          "deploy",
          "side",
          "--subresource=status",
          "--type=merge",
          "-p",
          '{"spec":{"replicas":7},"metadata":{"labels":{"via":"status"}}}',
        ]);
        steps.push(
          await gen(),
          await must(k, ["get", "deploy", "side", "-o", "jsonpath={.spec.replicas} {.metadata.labels.via}"]),
        );
        const scale = JSON.parse(
          await must(k, ["get", "--raw", "/apis/apps/v1/namespaces/default/deployments/side/scale"]),
        );
        // uid, resourceVersion and timestamps are each server's own; the controller on the host moves status.replicas.
        steps.push({
          kind: scale.kind,
          apiVersion: scale.apiVersion,
          metadataKeys: Object.keys(scale.metadata).sort(),
          spec: scale.spec,
          selector: scale.status.selector,
        });
        seen[server] = steps;
      }
      assert.deepEqual(seen.evk, seen["kube-apiserver"]);
    });
  });
});
