import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  binaries,
  type Etcd,
  type HostCluster,
  httpGet,
  kubectlVersions,
  type LocalApiserver,
  ServerClient,
  startApiserver,
  startEtcd,
  startHost,
  waitFor,
} from "@evk/testing";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";

// The kubectl built beside the host control plane, and the machine's 1.33 when it has one.
const kubectls = kubectlVersions().map((k) => k.bin);

describe("apiserver with real kubectl and client-node (slice: core CRUD, patch, watch)", function () {
  this.timeout(120_000);
  let etcd: Etcd;
  let apiserver: LocalApiserver;
  let kubeconfig: string;
  let evk: ServerClient;

  before(async () => {
    etcd = await startEtcd();
    apiserver = await startApiserver({ etcd: etcd.endpoint, cluster: "t1" });
    kubeconfig = apiserver.kubeconfigPath;
    evk = new ServerClient("evk", kubeconfig);
  });
  after(async () => {
    await apiserver?.stop();
    await etcd?.dispose();
  });

  const kubectl = (bin: string, args: string[], input?: string) => evk.kubectl(args, { bin, stdin: input });

  for (const bin of kubectls) {
    const v = bin === binaries.kubectl ? "1.35" : "1.33";
    it(`kubectl ${v}: lists bootstrap namespaces, creates, reads, patches, watches and deletes`, async () => {
      const ns = `demo-${v.replace(".", "")}`;
      const ok = async (args: string[], input?: string) => {
        const r = await kubectl(bin, args, input);
        assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
        return r.stdout;
      };
      assert.deepEqual(
        (await ok(["get", "ns", "-o", "jsonpath={.items[*].metadata.name}"]))
          .split(" ")
          .filter((n) => n.startsWith("kube-") || n === "default")
          .sort(),
        ["default", "kube-node-lease", "kube-public", "kube-system"],
      );
      await ok(
        ["create", "--validate=false", "-f", "-"],
        JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }),
      );
      await ok(
        ["-n", ns, "create", "--validate=false", "-f", "-"],
        JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c1" }, data: { a: "b" } }),
      );
      const got = JSON.parse(await ok(["-n", ns, "get", "cm", "c1", "-o", "json", "--show-managed-fields"]));
      const fromCache = await waitFor(
        "the watch cache to hold c1",
        async () => {
          const r = await kubectl(bin, ["get", "--raw", `/api/v1/namespaces/${ns}/configmaps/c1?resourceVersion=0`]);
          return r.code === 0 ? JSON.parse(r.stdout) : undefined;
        },
        5_000,
      );
      assert.deepEqual(fromCache, got, "resourceVersion=0 is served from the watch cache, the same object");
      assert.equal(got.data.a, "b");
      assert.equal(got.metadata.namespace, ns);
      assert.match(got.metadata.uid, /^[0-9a-f-]{36}$/);
      assert.match(got.metadata.resourceVersion, /^\d+$/);
      await ok(["-n", ns, "patch", "cm", "c1", "--type=merge", "-p", '{"data":{"x":"y"}}']);
      await ok(["-n", ns, "patch", "cm", "c1", "--type=json", "-p", '[{"op":"remove","path":"/data/a"}]']);
      assert.equal(await ok(["-n", ns, "get", "cm", "c1", "-o", "jsonpath={.data}"]), '{"x":"y"}');
      const watch = kubectl(bin, ["-n", ns, "get", "cm", "-w", "--output-watch-events", "--request-timeout=5s"]);
      await new Promise((r) => setTimeout(r, 1_000));
      await ok(["-n", ns, "delete", "cm", "c1"]);
      const w = await watch;
      assert.match(w.stdout, /ADDED\s+c1/);
      assert.match(w.stdout, /DELETED\s+c1/);
      const missing = await kubectl(bin, ["-n", ns, "get", "cm", "c1"]);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /configmaps "c1" not found/);
    });
  }

  it("filters lists and watches by label and field selectors; an object leaving the selector is DELETED", async () => {
    const k = (args: string[], input?: string) => kubectl(binaries.kubectl, args, input);
    const ns = "sel";
    await k(
      ["create", "--validate=false", "-f", "-"],
      JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }),
    );
    for (const [name, app] of [
      ["a", "web"],
      ["b", "db"],
      ["c", "web"],
    ]) {
      const r = await k(
        ["-n", ns, "create", "--validate=false", "-f", "-"],
        JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { app } } }),
      );
      assert.equal(r.code, 0, r.stderr);
    }
    const names = async (args: string[]) =>
      (await k(["-n", ns, "get", "cm", ...args, "-o", "jsonpath={.items[*].metadata.name}"])).stdout;
    assert.equal(await names(["-l", "app=web"]), "a c");
    assert.equal(await names(["-l", "app in (db),app!=web"]), "b");
    assert.equal(await names(["--field-selector", "metadata.name=c"]), "c");
    const bad = await k(["-n", ns, "get", "cm", "-l", "app=we b"]);
    assert.notEqual(bad.code, 0);
    // kube-apiserver's own words for this selector.
    assert.match(bad.stderr, /found 'b', expected: ',' or 'end of string'/);
    const badField = await k(["-n", ns, "get", "cm", "--field-selector", "data.x=y"]);
    // ConfigMaps have no field labels of their own: kube-apiserver's default conversion words the refusal.
    assert.match(badField.stderr, /"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"/);
    const watch = k(["-n", ns, "get", "cm", "-l", "app=web", "-w", "--output-watch-events", "--request-timeout=5s"]);
    await new Promise((r) => setTimeout(r, 1_000));
    await k(["-n", ns, "label", "cm", "a", "app=db", "--overwrite"]);
    await k(["-n", ns, "patch", "cm", "b", "--type=merge", "-p", '{"metadata":{"labels":{"app":"web"}}}']);
    const w = (await watch).stdout;
    assert.match(w, /ADDED\s+a/);
    assert.match(w, /ADDED\s+c/);
    assert.match(w, /DELETED\s+a/, "a left the selector");
    assert.match(w, /ADDED\s+b/, "b entered the selector");
  });

  describe("side by side with kube-apiserver 1.35", () => {
    let host: HostCluster;
    before(async () => {
      host = await startHost({ nodes: 1 });
    });
    after(async () => {
      await host?.stop();
    });

    it("prints the same kubectl get tables as kube-apiserver (configmaps, secrets, namespaces, serviceaccounts)", async () => {
      {
        const objects = [
          { apiVersion: "v1", kind: "Namespace", metadata: { name: "tables" } },
          {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "c1", namespace: "tables" },
            data: { a: "1", b: "2" },
          },
          {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "s1", namespace: "tables" },
            type: "Opaque",
            data: { k: "dg==" },
          },
          { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "sa1", namespace: "tables" } },
        ];
        for (const o of objects) {
          const body = JSON.stringify(o);
          assert.equal((await kubectl(binaries.kubectl, ["create", "--validate=false", "-f", "-"], body)).code, 0);
          assert.equal((await host.kubectl(["create", "-f", "-"], { input: body })).code, 0);
        }
        // AGE differs by when each server saw the object; every other cell and the headers must agree.
        const normalise = (out: string) => out.replace(/\b\d+(s|m|h|d)\b/g, "<age>").trimEnd();
        for (const args of [
          ["get", "cm", "c1", "-n", "tables"],
          ["get", "secret", "s1", "-n", "tables"],
          ["get", "ns", "tables"],
          ["get", "sa", "sa1", "-n", "tables"],
        ]) {
          const ours = await kubectl(binaries.kubectl, args);
          const theirs = await host.kubectl(args);
          assert.equal(ours.code, 0, ours.stderr);
          assert.equal(normalise(ours.stdout), normalise(theirs.stdout), `kubectl ${args.join(" ")}`);
        }
      }
    });

    it("holds an object with finalizers as deleting and removes it with its last finalizer, as kube-apiserver does", async () => {
      const ours = (args: string[], input?: string) => kubectl(binaries.kubectl, args, input);
      const theirs = (args: string[], input?: string) => host.kubectl(args, input === undefined ? {} : { input });
      for (const [server, k] of [
        ["evk", ours],
        ["kube-apiserver", theirs],
      ] as const) {
        const cm = {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "fin", namespace: "default", finalizers: ["example.com/hold"] },
        };
        assert.equal((await k(["create", "--validate=false", "-f", "-"], JSON.stringify(cm))).code, 0, server);
        assert.equal((await k(["delete", "cm", "fin", "--wait=false"])).code, 0, server);
        const held = await k([
          "get",
          "cm",
          "fin",
          "-o",
          "jsonpath={.metadata.deletionTimestamp}|{.metadata.finalizers}",
        ]);
        assert.match(held.stdout, /^\d{4}-\d\d-\d\dT[\d:]+Z\|\["example.com\/hold"\]$/, `${server}: ${held.stdout}`);
        // Clients cannot clear deletionTimestamp: an update keeps it.
        await k(["label", "cm", "fin", "x=y"]);
        assert.match(
          (await k(["get", "cm", "fin", "-o", "jsonpath={.metadata.deletionTimestamp}"])).stdout,
          /^\d{4}-/,
          server,
        );
        assert.equal(
          (await k(["patch", "cm", "fin", "--type=merge", "-p", '{"metadata":{"finalizers":null}}'])).code,
          0,
          server,
        );
        const gone = await k(["get", "cm", "fin"]);
        assert.notEqual(gone.code, 0, `${server}: removed with its last finalizer`);
        assert.match(gone.stderr, /not found/, server);
      }
      // Orphan propagation is recorded as the "orphan" finalizer (a garbage collector then removes it).
      await ours(
        ["create", "--validate=false", "-f", "-"],
        JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "orph", namespace: "default" } }),
      );
      assert.equal((await ours(["delete", "cm", "orph", "--cascade=orphan", "--wait=false"])).code, 0);
      assert.equal((await ours(["get", "cm", "orph", "-o", "jsonpath={.metadata.finalizers}"])).stdout, '["orphan"]');
    });

    it("deletes a namespace with its content and refuses system namespaces, as kube-apiserver does", async () => {
      const ours = (args: string[], input?: string) => kubectl(binaries.kubectl, args, input);
      const theirs = (args: string[], input?: string) => host.kubectl(args, input === undefined ? {} : { input });
      for (const [server, k] of [
        ["evk", ours],
        ["kube-apiserver", theirs],
      ] as const) {
        await k(
          ["create", "--validate=false", "-f", "-"],
          JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "doomed" } }),
        );
        const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "inside", namespace: "doomed" } };
        assert.equal((await k(["create", "--validate=false", "-f", "-"], JSON.stringify(cm))).code, 0, server);
        const del = await k(["delete", "ns", "doomed", "--wait=true", "--timeout=60s"]);
        assert.equal(del.code, 0, `${server}: ${del.stderr}`);
        const gone = await k(["get", "ns", "doomed"]);
        assert.match(gone.stderr, /namespaces "doomed" not found/, server);
        assert.equal((await k(["get", "cm", "-n", "doomed", "-o", "name"])).stdout, "", `${server}: emptied`);
        const system = await k(["delete", "ns", "kube-system", "--wait=false"]);
        assert.notEqual(system.code, 0, server);
        assert.match(system.stderr, /namespaces "kube-system" is forbidden: this namespace may not be deleted/, server);
      }
    });

    it("refuses new content in a Terminating namespace with 403", async () => {
      const k = (args: string[], input?: string) => kubectl(binaries.kubectl, args, input);
      await k(
        ["create", "--validate=false", "-f", "-"],
        JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "stuck" } }),
      );
      const held = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "held", namespace: "stuck", finalizers: ["example.com/hold"] },
      };
      await k(["create", "--validate=false", "-f", "-"], JSON.stringify(held));
      assert.equal((await k(["delete", "ns", "stuck", "--wait=false"])).code, 0);
      assert.equal((await k(["get", "ns", "stuck", "-o", "jsonpath={.status.phase}"])).stdout, "Terminating");
      const refused = await k(
        ["create", "--validate=false", "-f", "-"],
        JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "late", namespace: "stuck" } }),
      );
      assert.match(refused.stderr, /unable to create new content in namespace stuck because it is being terminated/);
      // Once the held object lets go, the namespace finishes.
      await k(["patch", "cm", "held", "-n", "stuck", "--type=merge", "-p", '{"metadata":{"finalizers":null}}']);
      await waitFor(
        "the namespace to be removed",
        async () => (await k(["get", "ns", "stuck"])).code !== 0,
        30_000,
        250,
      );
    });
  });

  it("client-node: typed list and a 404 Status for a missing object", async () => {
    const kc = new KubeConfig();
    kc.loadFromString(readFileSync(kubeconfig, "utf8"));
    const core = kc.makeApiClient(CoreV1Api);
    const list = await core.listNamespace();
    assert.ok(list.items.some((n) => n.metadata?.name === "kube-system"));
    assert.match(list.metadata?.resourceVersion ?? "", /^\d+$/);
    await assert.rejects(
      core.readNamespacedConfigMap({ namespace: "default", name: "nope" }),
      (e: { code?: number }) => e.code === 404,
    );
  });

  it("answers anonymous API requests with a 401 Status and serves health and version publicly", async () => {
    const url = apiserver.url;
    const anon = await httpGet(`${url}/api/v1/namespaces`);
    assert.equal(anon.status, 401);
    assert.deepEqual(JSON.parse(anon.body), {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "Unauthorized",
      reason: "Unauthorized",
      code: 401,
    });
    assert.equal((await httpGet(`${url}/readyz`)).status, 200);
    assert.equal(JSON.parse((await httpGet(`${url}/version`)).body).minor, "35");
  });

  it("takes the protobuf body of a typed kubectl command (kubectl create namespace)", async () => {
    const r = await kubectl(binaries.kubectl, ["create", "namespace", "pb-test"]);
    assert.equal(r.code, 0, r.stderr);
    const got = await kubectl(binaries.kubectl, ["get", "namespace", "pb-test", "-o", "jsonpath={.status.phase}"]);
    assert.equal(got.stdout, "Active");
  });
});
