import assert from "node:assert/strict";
import { type StatusReport, subjectFor } from "@evk/events";
import {
  type Etcd,
  type LocalApiserver,
  type Nats,
  ServerClient,
  startApiserver,
  startEtcd,
  startNats,
  waitFor,
} from "@evk/testing";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";

describe("status ingest (real apiserver, etcd, nats-server, kubectl)", function () {
  this.timeout(60_000);
  let etcd: Etcd;
  let nats: Nats;
  let apiserver: LocalApiserver;
  let nc: NatsConnection;
  before(async () => {
    [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
    apiserver = await startApiserver({ etcd: etcd.endpoint, nats: nats.url, cluster: "st1" });
    nc = await connect({ servers: nats.url });
    client = new ServerClient("evk", apiserver.kubeconfigPath);
  });
  after(async () => {
    await nc?.close();
    await apiserver?.stop();
    await Promise.all([etcd?.dispose(), nats?.dispose()]);
  });

  let client: ServerClient;
  const kubectl = (args: string[], input?: string) => client.kubectlOk(args, { stdin: input });

  it("writes host status into the virtual pod and drops reports for an older host revision or another uid", async () => {
    await kubectl(
      ["create", "--validate=false", "-f", "-"],
      JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "web", namespace: "default" },
        spec: { containers: [{ name: "c", image: "nginx" }] },
      }),
    );
    const uid = await kubectl(["get", "pod", "web", "-o", "jsonpath={.metadata.uid}"]);
    const js = jetstream(nc);
    const subject = subjectFor("st", {
      cluster: "st1",
      group: "",
      resource: "pods",
      namespace: "default",
      name: "web",
    });
    const send = (r: Partial<StatusReport>) =>
      js.publish(
        subject,
        JSON.stringify({
          cluster: "st1",
          resource: "pods",
          namespace: "default",
          name: "web",
          uid,
          hostRevision: 1,
          status: {},
          ...r,
        }),
      );
    const phase = () =>
      kubectl(["get", "pod", "web", "-o", "jsonpath={.status.phase} {.status.podIP} {.spec.nodeName}"]);

    await send({
      hostRevision: 5,
      status: { phase: "Running", podIP: "10.244.0.7" },
      fields: { nodeName: "kwok-node-0" },
    });
    await waitFor(
      "the pod to be Running",
      async () => (await phase()) === "Running 10.244.0.7 kwok-node-0",
      10_000,
      200,
    );
    // Recorded as kube's kubelet records its status updates; the adopted nodeName is nobody's (kube binds).
    const managed = JSON.parse(
      await kubectl(["get", "pod", "web", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields}"]),
    ) as { manager: string; operation: string; subresource?: string; fieldsV1: unknown }[];
    const kubelet = managed.filter((e) => e.manager === "kubelet");
    assert.deepEqual(
      kubelet.map((e) => [e.operation, e.subresource, e.fieldsV1]),
      [["Update", "status", { "f:status": { "f:phase": {}, "f:podIP": {} } }]],
    );

    // One at a time: the stream keeps only the newest report per object, so each must be consumed alone.
    const processed = async () => {
      const info = await jetstreamManager(nc).then((m) => m.consumers.info("EVK_STATUS", "apiserver-status-st1"));
      return info.num_pending === 0 && info.num_ack_pending === 0;
    };
    for (const stale of [
      { hostRevision: 4, status: { phase: "Pending" } },
      { hostRevision: 9, uid: "someone-else", status: { phase: "Failed" } },
    ]) {
      await send(stale);
      await waitFor("the report to be consumed", processed, 10_000, 100);
      assert.equal(await phase(), "Running 10.244.0.7 kwok-node-0", `dropped: ${JSON.stringify(stale)}`);
    }
    await send({ hostRevision: 6, status: { phase: "Succeeded", podIP: "10.244.0.7" } });
    await waitFor("the newest report to win", async () => (await phase()).startsWith("Succeeded"), 10_000, 200);
    assert.equal(await phase(), "Succeeded 10.244.0.7 kwok-node-0");
  });
});
