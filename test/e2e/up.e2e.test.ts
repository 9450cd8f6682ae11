import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseEnvelope } from "@evk/events";
import { binaries, findRunProcesses, makeTempDir, repoRoot, waitFor } from "@evk/testing";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

const run = promisify(execFile);

describe("e2e: evk up (the README's run command)", function () {
  this.timeout(180_000);

  it("runs a virtual cluster that kubectl uses, publishes its changes to JetStream, and stops cleanly on Ctrl-C", async () => {
    const dir = makeTempDir("up-e2e");
    const runId = `up-e2e-${process.pid}-${Date.now()}`;
    const child = spawn(process.execPath, [join(repoRoot, "cli/src/main.ts"), "up", "--cluster=e2e", `--dir=${dir}`], {
      env: { ...process.env, EVK_TEST_RUN_ID: runId },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      await waitFor("evk up to report it is up", async () => /evk is up in/.test(out), 120_000, 200);
      const kubeconfig = join(dir, "kubeconfig");
      const kubectl = (...args: string[]) =>
        run(binaries.kubectl, [`--kubeconfig=${kubeconfig}`, `--cache-dir=${join(dir, "cache")}`, ...args]);
      const ns = (await kubectl("get", "ns", "-o", "jsonpath={.items[*].metadata.name}")).stdout;
      assert.match(ns, /kube-system/);
      const cm = JSON.stringify({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "hello", namespace: "default" },
        data: { k: "v" },
      });
      const create = kubectl("create", "--validate=false", "-f", "-");
      create.child.stdin?.end(cm);
      await create;
      const natsUrl = /nats\s+(nats:\/\/\S+)/.exec(out)?.[1] as string;
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
      // The README's first thing to try: a pod that runs, with its translated twin on the host.
      await kubectl("run", "web", "--image=nginx");
      const node = await waitFor(
        "pod web to be Running in the virtual cluster",
        async () => {
          const r = await kubectl("get", "pod", "web", "-o", "jsonpath={.status.phase} {.spec.nodeName}");
          const [phase, nodeName] = r.stdout.split(" ");
          return phase === "Running" && nodeName ? nodeName : undefined;
        },
        90_000,
        500,
      );
      const hostKubeconfig = join(dir, "host.kubeconfig");
      const twin = await run(binaries.kubectl, [
        `--kubeconfig=${hostKubeconfig}`,
        `--cache-dir=${join(dir, "cache")}`,
        "-n",
        "evk-e2e",
        "get",
        "pod",
        "web-x-default-x-e2e",
        "-o",
        "jsonpath={.status.phase} {.spec.nodeName} {.metadata.labels.run}",
      ]);
      assert.equal(twin.stdout, `Running ${node} web`);
    } finally {
      child.kill("SIGINT");
    }
    assert.equal(await exited, 0, out);
    assert.match(out, /evk: stopped/);
    assert.deepEqual(findRunProcesses(runId), [], "nothing evk up started is still running");
  });
});
