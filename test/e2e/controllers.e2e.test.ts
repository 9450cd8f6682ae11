import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { binaries, makeTempDir, startVirtualCluster, type VirtualCluster, waitFor } from "@evk/testing";

const run = promisify(execFile);

// The real kube-controller-manager against a virtual cluster: what a user of any Kubernetes distribution
// expects from workloads and deletes, with the pods running on the host.
describe("e2e: kube-controller-manager on a virtual cluster", function () {
  this.timeout(300_000);
  let vc: VirtualCluster;
  const dir = makeTempDir("controllers-e2e");
  const ns = "apps";

  const kubectl = async (kubeconfig: string, ...args: string[]) =>
    (await run(binaries.kubectl, [`--kubeconfig=${kubeconfig}`, `--cache-dir=${join(dir, "cache")}`, ...args])).stdout;
  const virtual = (...args: string[]) => kubectl(vc.apiserver.kubeconfigPath, ...args);
  const host = (...args: string[]) => kubectl(vc.host.kubeconfigPath, "-n", vc.hostNamespace, ...args);
  const lines = (s: string) => s.split("\n").filter(Boolean).sort();

  /** The virtual names of this namespace's pods that have a twin on the host, whose name starts so. */
  const hostTwins = async (prefix: string) =>
    lines(
      await host(
        "get",
        "pods",
        "-l",
        `evk.dev/namespace=${ns}`,
        "-o",
        'jsonpath={range .items[*]}{.metadata.annotations.evk\\.dev/object-name}{"\\n"}{end}',
      ),
    ).filter((n) => n.startsWith(prefix));

  before(async () => {
    vc = await startVirtualCluster({
      cluster: "ctrl",
      syncers: ["syncer-pods", "syncer-services", "syncer-storage"],
      controllerManager: true,
    });
    await virtual("create", "namespace", ns);
  });
  after(async () => {
    await vc?.stop();
  });

  it("a Deployment rolls out: replica set, pods Running on the host, Available; scaling adds and removes pods", async () => {
    await virtual("-n", ns, "create", "deployment", "web", "--image=nginx", "--replicas=2");
    await virtual("-n", ns, "wait", "--for=condition=Available", "deployment/web", "--timeout=120s");
    const pods = lines(await virtual("-n", ns, "get", "pods", "-l", "app=web", "-o", "name"));
    assert.equal(pods.length, 2, pods.join(" "));
    const rs = (
      await virtual("-n", ns, "get", "rs", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}")
    ).split(" ");
    assert.equal(rs.length, 1);
    // Pod names come from the replica set, whose name carries the template's hash.
    for (const p of pods) assert.match(p, new RegExp(`^pod/${rs[0]}-[a-z0-9]{5}$`));
    assert.deepEqual(await hostTwins("web-"), pods.map((p) => p.slice("pod/".length)).sort());

    await virtual("-n", ns, "scale", "deployment/web", "--replicas=4");
    await virtual("-n", ns, "wait", "--for=jsonpath={.status.readyReplicas}=4", "deployment/web", "--timeout=120s");
    await virtual("-n", ns, "scale", "deployment/web", "--replicas=1");
    await waitFor(
      "the deployment to scale down to one pod, on both sides",
      async () =>
        lines(await virtual("-n", ns, "get", "pods", "-l", "app=web", "-o", "name")).length === 1 &&
        (await hostTwins("web-")).length === 1,
      120_000,
      500,
    );
  });

  it("deletes cascade as asked: orphan keeps the replica set, foreground removes the pods first, background after", async () => {
    await virtual("-n", ns, "delete", "deployment", "web", "--cascade=orphan", "--timeout=60s");
    const rs = await virtual("-n", ns, "get", "rs", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}");
    assert.ok(rs, "the replica set outlives its orphaning deployment");
    assert.equal(
      await virtual("-n", ns, "get", "rs", rs, "-o", "jsonpath={.metadata.ownerReferences}"),
      "",
      "the garbage collector removed the owner reference",
    );
    await virtual("-n", ns, "delete", "rs", rs, "--cascade=foreground", "--timeout=120s");
    // --wait (the default) returned once the replica set was gone: with foreground, its pods went first.
    assert.deepEqual(lines(await virtual("-n", ns, "get", "pods", "-l", "app=web", "-o", "name")), []);
    await waitFor("the host twins to be gone", async () => (await hostTwins("web-")).length === 0, 60_000, 500);

    await virtual("-n", ns, "create", "deployment", "api", "--image=nginx", "--replicas=2");
    await virtual("-n", ns, "wait", "--for=condition=Available", "deployment/api", "--timeout=120s");
    await virtual("-n", ns, "delete", "deployment", "api", "--cascade=background");
    await waitFor(
      "the garbage collector to remove the replica set and pods of a deleted deployment",
      async () =>
        (await virtual("-n", ns, "get", "rs,pods", "-l", "app=api", "-o", "name")) === "" &&
        (await hostTwins("api-")).length === 0,
      120_000,
      500,
    );
  });

  it("a StatefulSet gets ordered pod names, a Job its generated selector and a Running pod, a CronJob its jobs", async () => {
    const sts = {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "db" },
      spec: {
        replicas: 2,
        serviceName: "db",
        selector: { matchLabels: { app: "db" } },
        template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "db", image: "postgres" }] } },
      },
    };
    await apply(sts);
    await virtual("-n", ns, "wait", "--for=jsonpath={.status.readyReplicas}=2", "statefulset/db", "--timeout=120s");
    assert.deepEqual(lines(await virtual("-n", ns, "get", "pods", "-l", "app=db", "-o", "name")), [
      "pod/db-0",
      "pod/db-1",
    ]);
    assert.deepEqual(await hostTwins("db-"), ["db-0", "db-1"]);

    await virtual("-n", ns, "create", "job", "once", "--image=busybox", "--", "true");
    const selector = await virtual("-n", ns, "get", "job", "once", "-o", "jsonpath={.spec.selector.matchLabels}");
    assert.match(selector, /batch\.kubernetes\.io\/controller-uid/);
    await waitFor(
      "the job's pod to run",
      async () =>
        (await virtual("-n", ns, "get", "pods", "-l", "job-name=once", "-o", "jsonpath={.items[*].status.phase}")) ===
        "Running",
      120_000,
      500,
    );

    await virtual("-n", ns, "create", "cronjob", "tick", "--image=busybox", "--schedule=* * * * *", "--", "true");
    await virtual("-n", ns, "create", "job", "tick-now", "--from=cronjob/tick");
    assert.equal(
      await virtual("-n", ns, "get", "job", "tick-now", "-o", "jsonpath={.metadata.ownerReferences[0].kind}"),
      "CronJob",
    );
  });

  it("deleting a namespace removes everything in it, and its pods from the host", async () => {
    await virtual("delete", "namespace", ns, "--timeout=180s");
    assert.equal(await virtual("get", "namespace", ns, "--ignore-not-found", "-o", "name"), "");
    await waitFor(
      "every twin of the namespace to leave the host",
      async () => (await hostTwins("")).length === 0,
      120_000,
      500,
    );
  });

  async function apply(o: unknown): Promise<void> {
    const p = run(binaries.kubectl, [
      `--kubeconfig=${vc.apiserver.kubeconfigPath}`,
      `--cache-dir=${join(dir, "cache")}`,
      "-n",
      ns,
      "apply",
      "-f",
      "-",
    ]);
    p.child.stdin?.end(JSON.stringify(o));
    await p;
  }
});
