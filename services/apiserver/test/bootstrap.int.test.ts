import assert from "node:assert/strict";
import type { KubeObject } from "@evk/kube";
import { EtcdClient, Store } from "@evk/store";
import { type Etcd, startEtcd } from "@evk/testing";
import { createBootstrapNamespaces, reconcileKubernetesService } from "../src/bootstrap.ts";

describe("bootstrap objects in etcd (real etcd)", function () {
  this.timeout(60_000);
  let etcd: Etcd;
  let client: EtcdClient;
  let store: Store;
  before(async () => {
    etcd = await startEtcd();
    client = new EtcdClient({ endpoints: [etcd.endpoint] });
    store = new Store({ etcd: client, cluster: "boot" });
  });
  after(async () => {
    client?.close();
    await etcd?.dispose();
  });

  const refs = {
    service: { group: "", resource: "services", namespace: "default", name: "kubernetes" },
    endpoints: { group: "", resource: "endpoints", namespace: "default", name: "kubernetes" },
    slice: { group: "discovery.k8s.io", resource: "endpointslices", namespace: "default", name: "kubernetes" },
  };
  const read = async () => ({
    service: await store.get(refs.service),
    endpoints: await store.get(refs.endpoints),
    slice: await store.get(refs.slice),
  });
  const entry = (o: KubeObject) => (o.metadata.managedFields as { manager?: string; time?: string }[] | undefined)?.[0];
  const entryTime = (o: KubeObject) => entry(o)?.time;

  it("creates the system namespaces once, without generation", async () => {
    await createBootstrapNamespaces(store);
    const first = await store.list({ group: "", resource: "namespaces" });
    await createBootstrapNamespaces(store);
    const again = await store.list({ group: "", resource: "namespaces" });
    assert.deepEqual(
      first.items.map((n) => [n.metadata.name, n.metadata.generation, entry(n)?.manager]),
      [
        ["default", undefined, "kube-apiserver"],
        ["kube-node-lease", undefined, "kube-apiserver"],
        ["kube-public", undefined, "kube-apiserver"],
        ["kube-system", undefined, "kube-apiserver"],
      ],
    );
    assert.deepEqual(again.items, first.items, "a second start changes nothing");
  });

  it("keeps default/kubernetes as kube's reconciler does: a new port moves the endpoints and their entries", async () => {
    const o = { clusterIP: "10.96.0.1", address: "192.0.2.2", port: 6443 };
    await reconcileKubernetesService(store, o);
    const made = await read();
    assert.deepEqual(
      [made.service.metadata.generation, made.endpoints.metadata.generation, made.slice.metadata.generation],
      [undefined, undefined, 1],
    );
    for (const x of Object.values(made)) assert.equal(entryTime(x), x.metadata.creationTimestamp);
    // The same apiserver again: nothing written.
    await reconcileKubernetesService(store, o);
    assert.deepEqual(await read(), made);
    // Another port: the objects follow, the EndpointSlice's generation moves, and so do the entries' times.
    await new Promise((r) => setTimeout(r, 1100));
    await reconcileKubernetesService(store, { ...o, port: 7443 });
    const moved = await read();
    assert.equal((moved.endpoints.subsets as { ports: { port: number }[] }[])[0]?.ports[0]?.port, 7443);
    assert.equal(moved.slice.metadata.generation, 2);
    assert.equal(moved.service.metadata.generation, undefined);
    for (const k of ["service", "endpoints", "slice"] as const)
      assert.notEqual(entryTime(moved[k]), entryTime(made[k]), `${k}: the entry's time moved`);
  });
});
