import assert from "node:assert/strict";
import { request } from "node:https";
import { type Etcd, type LocalApiserver, startApiserver, startEtcd } from "@evk/testing";
import { KubeConfig } from "@kubernetes/client-node";

describe("watch responses (real apiserver and etcd)", function () {
  this.timeout(60_000);
  let etcd: Etcd;
  let apiserver: LocalApiserver;
  before(async () => {
    etcd = await startEtcd();
    apiserver = await startApiserver({ etcd: etcd.endpoint, cluster: "w1" });
  });
  after(async () => {
    await apiserver?.stop();
    await etcd?.dispose();
  });

  it("answers a watch with its headers at once, before any event (as kube-apiserver does)", async () => {
    const kc = new KubeConfig();
    kc.loadFromString(apiserver.kubeconfig);
    const url = new URL(`${kc.getCurrentCluster()?.server}/api/v1/namespaces/default/configmaps?watch=true`);
    const ca = Buffer.from(kc.getCurrentCluster()?.caData ?? "", "base64").toString();
    // Nothing changes in the namespace: only the headers can arrive.
    const headers = await new Promise<{ status: number; type: string | undefined }>((resolve, reject) => {
      const req = request(url, { ca, headers: { authorization: `Bearer ${kc.getCurrentUser()?.token}` } }, (res) => {
        resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"] });
        req.destroy();
      });
      req.on("error", (err) => {
        if (!req.destroyed) reject(err);
      });
      req.setTimeout(10_000, () => reject(new Error("no response headers within 10 s")));
      req.end();
    });
    assert.deepEqual(headers, { status: 200, type: "application/json" });
  });
});
