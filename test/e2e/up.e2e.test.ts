import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseEnvelope } from "@evk/events";
import { binaries, findRunProcesses, makeTempDir, repoRoot, startHost, waitFor } from "@evk/testing";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

const run = promisify(execFile);

/** `evk up` as a user runs it, with its output collected; stop() is Ctrl-C. */
function evkUp(cluster: string, dir: string, extraArgs: string[], env: NodeJS.ProcessEnv = {}) {
  const runId = `up-e2e-${cluster}-${process.pid}-${Date.now()}`;
  const child = spawn(
    process.execPath,
    [join(repoRoot, "cli/src/main.ts"), "up", `--cluster=${cluster}`, `--dir=${dir}`, ...extraArgs],
    { env: { ...process.env, ...env, EVK_TEST_RUN_ID: runId }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const kubectl = (kubeconfig: string, ...args: string[]) =>
    run(binaries.kubectl, [`--kubeconfig=${kubeconfig}`, `--cache-dir=${join(dir, "cache")}`, ...args]);
  return {
    out: () => out,
    kubectl,
    up: () => waitFor("evk up to report it is up", async () => /evk is up in/.test(out), 120_000, 200),
    /** Ctrl-C; resolves once evk up exited cleanly and left nothing running. */
    async stop() {
      child.kill("SIGINT");
      assert.equal(await exited, 0, out);
      assert.match(out, /evk: stopped/);
      assert.deepEqual(findRunProcesses(runId), [], "nothing evk up started is still running");
    },
    kill: () => child.kill("SIGINT"),
  };
}

/** The README's first thing to try: a pod that runs, with its translated twin on the host. */
async function runWeb(up: ReturnType<typeof evkUp>, virtual: string, host: string, cluster: string) {
  await up.kubectl(virtual, "run", "web", "--image=nginx");
  const node = await waitFor(
    "pod web to be Running in the virtual cluster",
    async () => {
      const r = await up.kubectl(virtual, "get", "pod", "web", "-o", "jsonpath={.status.phase} {.spec.nodeName}");
      const [phase, nodeName] = r.stdout.split(" ");
      return phase === "Running" && nodeName ? nodeName : undefined;
    },
    90_000,
    500,
  );
  const twin = await up.kubectl(
    host,
    "-n",
    `evk-${cluster}`,
    "get",
    "pod",
    `web-x-default-x-${cluster}`,
    "-o",
    "jsonpath={.status.phase} {.spec.nodeName} {.metadata.labels.run}",
  );
  assert.equal(twin.stdout, `Running ${node} web`);
}

describe("e2e: evk up (the README's run command)", function () {
  this.timeout(180_000);

  it("runs a virtual cluster on a local host that kubectl uses, publishes its changes to JetStream, runs pods, and stops cleanly on Ctrl-C", async () => {
    const dir = makeTempDir("up-e2e");
    const up = evkUp("e2e", dir, ["--local-host"]);
    try {
      await up.up();
      const kubeconfig = join(dir, "kubeconfig");
      const ns = (await up.kubectl(kubeconfig, "get", "ns", "-o", "jsonpath={.items[*].metadata.name}")).stdout;
      assert.match(ns, /kube-system/);
      const cm = JSON.stringify({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "hello", namespace: "default" },
        data: { k: "v" },
      });
      const create = up.kubectl(kubeconfig, "create", "--validate=false", "-f", "-");
      create.child.stdin?.end(cm);
      await create;
      const natsUrl = /nats\s+(nats:\/\/\S+)/.exec(up.out())?.[1] as string;
      const nc = await connect({ servers: natsUrl });
      try {
        const consumer = await jetstream(nc).consumers.get("EVK_EVENTS", {
          filter_subjects: ["evk.ev.e2e.configmaps.default.hello"],
          deliver_policy: DeliverPolicy.All,
        });
        const m = await consumer.next({ expires: 10_000 });
        assert.ok(m, "the ConfigMap's event reached the stream");
        const env = parseEnvelope(m.data);
        assert.equal(env.type, "ADDED");
        assert.equal(env.cluster, "e2e");
        assert.deepEqual(env.object.data, { k: "v" });
      } finally {
        await nc.close();
      }
      await runWeb(up, kubeconfig, join(dir, "host.kubeconfig"), "e2e");
      // syncer-services runs too: a Service for the pod gets the host's clusterIP and Endpoints.
      const svc = up.kubectl(kubeconfig, "create", "--validate=false", "-f", "-");
      svc.child.stdin?.end(
        JSON.stringify({
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "web", namespace: "default" },
          spec: { selector: { run: "web" }, ports: [{ port: 80 }] },
        }),
      );
      await svc;
      const clusterIP = await waitFor(
        "the web Service to get the host's clusterIP",
        async () =>
          (await up.kubectl(kubeconfig, "get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}")).stdout || undefined,
        60_000,
        500,
      );
      const hostIP = await up.kubectl(
        join(dir, "host.kubeconfig"),
        "-n",
        "evk-e2e",
        "get",
        "svc",
        "web-x-default-x-e2e",
        "-o",
        "jsonpath={.spec.clusterIP}",
      );
      assert.equal(clusterIP, hostIP.stdout);
      const endpoints = await waitFor(
        "the web Endpoints to list the pod",
        async () =>
          (await up.kubectl(kubeconfig, "get", "endpoints", "web", "-o", "jsonpath={.subsets[*].addresses[*].ip}"))
            .stdout || undefined,
        60_000,
        500,
      );
      const podIP = (await up.kubectl(kubeconfig, "get", "pod", "web", "-o", "jsonpath={.status.podIP}")).stdout;
      assert.equal(endpoints, podIP);
      // kubectl exec goes through the API server and syncer-pods to the pod's twin (kwok runs it on this machine).
      const hello = await up.kubectl(kubeconfig, "exec", "web", "--", "sh", "-c", "echo hello from $(basename $PWD)");
      assert.equal(hello.stdout, "hello from exec\n");
      // The README's second thing to try: kube-controller-manager rolls a Deployment out, its pods on the host.
      await up.kubectl(kubeconfig, "create", "deployment", "app", "--image=nginx", "--replicas=3");
      await up.kubectl(kubeconfig, "wait", "--for=condition=Available", "deployment/app", "--timeout=120s");
      const twins = await up.kubectl(
        join(dir, "host.kubeconfig"),
        "-n",
        "evk-e2e",
        "get",
        "pods",
        "-l",
        "evk.dev/namespace=default",
        "-o",
        "jsonpath={.items[*].status.phase}",
      );
      // web and the deployment's three pods.
      assert.deepEqual(twins.stdout.split(" "), ["Running", "Running", "Running", "Running"]);
    } catch (err) {
      up.kill();
      throw err;
    }
    await up.stop();
  });

  it("uses the host cluster of the current kubeconfig when it answers", async () => {
    const host = await startHost({ nodes: 1 });
    const dir = makeTempDir("up-e2e-current");
    const up = evkUp("cur", dir, [], { KUBECONFIG: host.kubeconfigPath });
    try {
      await up.up();
      assert.match(up.out(), /using the host cluster of /);
      assert.doesNotMatch(up.out(), /starting a local host control plane/);
      await runWeb(up, join(dir, "kubeconfig"), host.kubeconfigPath, "cur");
      // The virtual default/kubernetes Service shows the apiserver's host Service address.
      const hostIP = (
        await up.kubectl(host.kubeconfigPath, "-n", "evk-cur", "get", "svc", "cur", "-o", "jsonpath={.spec.clusterIP}")
      ).stdout;
      const virtualIP = (
        await up.kubectl(join(dir, "kubeconfig"), "get", "svc", "kubernetes", "-o", "jsonpath={.spec.clusterIP}")
      ).stdout;
      assert.equal(virtualIP, hostIP);
    } catch (err) {
      up.kill();
      throw err;
    } finally {
      await up.stop().finally(() => host.stop());
    }
  });
});
