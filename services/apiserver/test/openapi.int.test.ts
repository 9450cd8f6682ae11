import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  binaries,
  type Etcd,
  type HostCluster,
  kubectlVersions,
  type LocalApiserver,
  makeTempDir,
  kubectl as runKubectl,
  ServerClient,
  startApiserver,
  startEtcd,
  startHost,
} from "@evk/testing";

const kubectls = kubectlVersions();

/** The parts of a Deployment the patch commands touch (evk does not default Deployments as kube does). */
function project(o: Record<string, unknown>) {
  const d = o as {
    metadata: { labels?: object; annotations?: Record<string, string> };
    spec: {
      replicas?: number;
      paused?: boolean;
      template: {
        metadata?: { labels?: object; annotations?: Record<string, string> };
        spec: { containers: Record<string, unknown>[]; volumes?: unknown[]; nodeSelector?: object };
      };
    };
  };
  const annotations = { ...(d.metadata.annotations ?? {}) };
  // Written by kube's deployment controller, which evk does not run.
  delete annotations["deployment.kubernetes.io/revision"];
  const tmplAnnotations = { ...(d.spec.template.metadata?.annotations ?? {}) };
  if (tmplAnnotations["kubectl.kubernetes.io/restartedAt"])
    tmplAnnotations["kubectl.kubernetes.io/restartedAt"] = "<t>";
  return {
    labels: d.metadata.labels,
    annotations,
    replicas: d.spec.replicas,
    paused: d.spec.paused,
    templateLabels: d.spec.template.metadata?.labels,
    templateAnnotations: tmplAnnotations,
    nodeSelector: d.spec.template.spec.nodeSelector,
    volumes: d.spec.template.spec.volumes,
    containers: d.spec.template.spec.containers.map((c) => ({
      name: c.name,
      image: c.image,
      args: c.args,
      env: c.env,
      ports: (c.ports as { containerPort: number; name?: string }[] | undefined)?.map((p) => ({
        containerPort: p.containerPort,
        name: p.name,
      })),
    })),
  };
}

describe("OpenAPI from the host, strategic merge patch and field validation, side by side with kube-apiserver", function () {
  this.timeout(300_000);
  let etcd: Etcd;
  let host: HostCluster;
  let apiserver: LocalApiserver;
  const dir = makeTempDir("openapi-test");

  before(async () => {
    etcd = await startEtcd();
    host = await startHost({ nodes: 1 });
    apiserver = await startApiserver({ etcd: etcd.endpoint, cluster: "oa", hostKubeconfigPath: host.kubeconfigPath });
  });
  after(async () => {
    await apiserver?.stop();
    await host?.stop();
    await etcd?.dispose();
  });

  // Each server and kubectl version gets its own cache: kubectl caches OpenAPI documents by URL and hash. (The
  // restarted apiserver has a kubeconfig of its own, so a cache of its own.)
  const kubectl = (
    bin: string,
    kubeconfig: string,
    args: string[],
    opts: { input?: string; env?: Record<string, string> } = {},
  ) =>
    runKubectl(args, {
      bin,
      kubeconfig,
      cacheDir: join(
        dir,
        `cache-${Buffer.from(bin + kubeconfig)
          .toString("hex")
          .slice(-24)}`,
      ),
      stdin: opts.input,
      env: opts.env,
    });
  const both = (bin: string) => ({
    evk: (args: string[], opts?: { input?: string; env?: Record<string, string> }) =>
      kubectl(bin, apiserver.kubeconfigPath, args, opts),
    kube: (args: string[], opts?: { input?: string; env?: Record<string, string> }) =>
      kubectl(bin, host.kubeconfigPath, args, opts),
  });

  it("serves the host's documents cut down to what evk serves, with kube's caching headers", async () => {
    const { evk } = both(binaries.kubectl);
    const index = JSON.parse((await evk(["get", "--raw", "/openapi/v3"])).stdout) as {
      paths: Record<string, { serverRelativeURL: string }>;
    };
    // Every group of the host's default API is served now; what is cut is the proxy subresources below.
    for (const gv of ["api/v1", "apis/apps/v1", "apis/apiextensions.k8s.io/v1", "apis/flowcontrol.apiserver.k8s.io/v1"])
      assert.ok(index.paths[gv], `${gv} in /openapi/v3`);
    const v2 = JSON.parse((await evk(["get", "--raw", "/openapi/v2"])).stdout) as {
      paths: Record<string, unknown>;
      definitions: Record<string, unknown>;
    };
    assert.ok(v2.paths["/api/v1/namespaces/{namespace}/pods/{name}"]);
    assert.ok(v2.paths["/api/v1/namespaces/{namespace}/pods/{name}/log"], "pods/log is served");
    assert.equal(v2.paths["/api/v1/namespaces/{namespace}/pods/{name}/proxy"], undefined);
    assert.ok(v2.definitions["io.k8s.api.core.v1.Pod"]);
    assert.ok(v2.definitions["io.k8s.api.flowcontrol.v1.FlowSchema"]);

    const url = index.paths["api/v1"]?.serverRelativeURL as string;
    // Plain GETs (no Accept header), as the admin or anonymous: their status and caching headers.
    const server = new ServerClient("evk", apiserver.kubeconfigPath);
    const get = (path: string, o: { headers?: Record<string, string>; token?: null } = {}) =>
      server.request("GET", path, { accept: null, ...o });
    const hit = await get(url);
    assert.equal(hit.status, 200);
    assert.equal(hit.headers["cache-control"], "public, immutable");
    assert.match(String(hit.headers.etag), /^"[0-9A-F]{128}"$/);
    assert.equal(`"${url.split("hash=")[1]}"`, hit.headers.etag);
    const stale = await get("/openapi/v3/api/v1?hash=0");
    assert.equal(stale.status, 301);
    assert.equal(stale.headers.location, url);
    const first = await get("/openapi/v2");
    assert.equal(first.status, 200);
    const again = await get("/openapi/v2", { headers: { "if-none-match": String(first.headers.etag) } });
    assert.equal(again.status, 304);
    const anon = await get("/openapi/v2", { token: null });
    assert.equal(anon.status, 401);
  });

  for (const { version: v, bin } of kubectls) {
    describe(`kubectl ${v}`, () => {
      const k = both(bin);
      const ns = `oa-${v.replace(".", "")}`;
      before(async () => {
        for (const run of [k.evk, k.kube]) await run(["create", "namespace", ns], {});
      });

      it("explain gives the host's text", async () => {
        for (const what of ["pods.spec.containers.ports", "deployments.spec.strategy"]) {
          const ours = await k.evk(["explain", what]);
          const theirs = await k.kube(["explain", what]);
          assert.equal(ours.code, 0, ours.stderr);
          assert.equal(ours.stdout, theirs.stdout, what);
        }
      });

      it("create with the default validation refuses unknown fields with kube's message; warn warns", async () => {
        const pod = {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "strict", namespace: ns, foo: 1 },
          spec: { containers: [{ name: "c", image: "nginx", bar: 2 }], zzz: true },
        };
        const ours = await k.evk(["create", "-f", "-"], { input: JSON.stringify(pod) });
        const theirs = await k.kube(["create", "-f", "-"], { input: JSON.stringify(pod) });
        assert.notEqual(ours.code, 0);
        assert.match(ours.stderr, /strict decoding error: unknown field "metadata.foo"/);
        assert.equal(ours.stderr, theirs.stderr);
        const warnOurs = await k.evk(["create", "--validate=warn", "-f", "-"], { input: JSON.stringify(pod) });
        const warnTheirs = await k.kube(["create", "--validate=warn", "-f", "-"], { input: JSON.stringify(pod) });
        assert.equal(warnOurs.code, 0, warnOurs.stderr);
        assert.match(warnOurs.stderr, /Warning: unknown field "spec.zzz"/);
        assert.equal(warnOurs.stderr, warnTheirs.stderr);
        const stored = JSON.parse((await k.evk(["get", "pod", "strict", "-n", ns, "-o", "json"])).stdout);
        assert.equal(stored.spec.zzz, undefined, "unknown fields are dropped, as kube drops them");
      });

      it("apply, label, annotate, patch, set image, scale, rollout and edit give kube-apiserver's results", async () => {
        const editor = join(dir, `editor-${v}.sh`);
        writeFileSync(editor, `#!/bin/sh\nsed -i 's/nginx:1.28/nginx:1.29/' "$1"\n`);
        chmodSync(editor, 0o755);
        const deployment = (
          image: string,
          extra: { name: string; image: string }[],
          labels: Record<string, string>,
        ) => ({
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "web", namespace: ns, labels },
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: "web" } },
            template: {
              metadata: { labels: { app: "web" } },
              spec: {
                containers: [
                  {
                    name: "main",
                    image,
                    env: [
                      { name: "A", value: "1" },
                      { name: "B", value: "2" },
                    ],
                    ports: [{ containerPort: 80, name: "http" }],
                  },
                  ...extra,
                ],
              },
            },
          },
        });
        const steps: [string, string[], { input?: string; env?: Record<string, string> }?][] = [
          [
            "apply (create)",
            ["apply", "-f", "-"],
            { input: JSON.stringify(deployment("nginx:1.27", [], { a: "1", b: "2" })) },
          ],
          [
            "apply (change image, add a container, drop a label)",
            ["apply", "-f", "-"],
            {
              input: JSON.stringify(deployment("nginx:1.28", [{ name: "side", image: "busybox" }], { a: "1" })),
            },
          ],
          ["label", ["label", "deploy", "web", "tier=front"]],
          ["annotate", ["annotate", "deploy", "web", "note=hi"]],
          [
            "patch --type strategic (merge env by name, add a port)",
            [
              "patch",
              "deploy",
              "web",
              "--type=strategic",
              "-p",
              JSON.stringify({
                spec: {
                  template: {
                    spec: {
                      containers: [
                        {
                          name: "main",
                          env: [
                            { name: "C", value: "3" },
                            { name: "A", $patch: "delete" },
                          ],
                          ports: [{ containerPort: 8080 }],
                        },
                      ],
                      nodeSelector: { disk: "ssd" },
                    },
                  },
                },
              }),
            ],
          ],
          [
            "patch (default type) deleting a container",
            [
              "patch",
              "deploy",
              "web",
              "-p",
              '{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}',
            ],
          ],
          ["set image", ["set", "image", "deploy/web", "main=nginx:1.28"]],
          ["edit", ["edit", "deploy", "web"], { env: { KUBE_EDITOR: editor, EDITOR: editor } }],
          ["scale", ["scale", "deploy", "web", "--replicas=3"]],
          ["rollout pause", ["rollout", "pause", "deploy/web"]],
          ["rollout resume", ["rollout", "resume", "deploy/web"]],
          ["rollout restart", ["rollout", "restart", "deploy/web"]],
          ["label removal", ["label", "deploy", "web", "tier-"]],
        ];
        for (const [what, args, opts] of steps) {
          const ours = await k.evk(["-n", ns, ...args], opts);
          const theirs = await k.kube(["-n", ns, ...args], opts);
          assert.equal(theirs.code, 0, `kube-apiserver: ${what}: ${theirs.stderr}`);
          assert.equal(ours.code, 0, `evk: ${what}: ${ours.stderr}`);
          assert.equal(ours.stdout, theirs.stdout, what);
          const got = async (r: typeof k.evk) =>
            project(JSON.parse((await r(["-n", ns, "get", "deploy", "web", "-o", "json"])).stdout));
          assert.deepEqual(await got(k.evk), await got(k.kube), `after ${what}`);
        }
        const final = project(JSON.parse((await k.evk(["-n", ns, "get", "deploy", "web", "-o", "json"])).stdout));
        assert.equal(final.containers[0]?.image, "nginx:1.29", "edit went through");
        assert.deepEqual(
          (final.containers[0]?.env as { name: string }[] | undefined)?.map((e) => e.name),
          ["C", "B"],
          "env merged by name with A deleted",
        );
      });
    });
  }

  // Last: it stops the host.
  describe("restart", () => {
    it("after a restart with the host stopped, serves the stored documents and strategic merge patch still works", async () => {
      const { evk } = both(binaries.kubectl);
      const before = (await evk(["get", "--raw", "/openapi/v2"])).stdout;
      await apiserver.stop();
      await host.stop();
      apiserver = await startApiserver({
        etcd: etcd.endpoint,
        cluster: "oa",
        hostKubeconfigPath: host.kubeconfigPath,
        kubeconfigPath: join(makeTempDir("openapi-restart"), "kubeconfig"),
      });
      const after = await evk(["get", "--raw", "/openapi/v2"]);
      assert.equal(after.code, 0, after.stderr);
      assert.equal(after.stdout, before, "the same document, from etcd");
      await evk(["create", "cm", "smp", "--from-literal=a=b"]);
      const p = await evk(["patch", "cm", "smp", "-p", '{"metadata":{"finalizers":["x/y"]},"data":{"c":"d"}}']);
      assert.equal(p.code, 0, p.stderr);
      assert.equal((await evk(["get", "cm", "smp", "-o", "jsonpath={.data}"])).stdout, '{"a":"b","c":"d"}');
      await evk(["patch", "cm", "smp", "--type=merge", "-p", '{"metadata":{"finalizers":null}}']);
    });

    it("without documents (no host, nothing stored) answers /openapi with a 404 Status and strategic merge patch with 415", async () => {
      const bare = await startApiserver({ etcd: etcd.endpoint, cluster: "bare" });
      try {
        const r = await kubectl(binaries.kubectl, bare.kubeconfigPath, ["get", "--raw", "/openapi/v2"]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /NotFound/);
        await kubectl(binaries.kubectl, bare.kubeconfigPath, ["create", "cm", "x", "--validate=false"]);
        const p = await kubectl(binaries.kubectl, bare.kubeconfigPath, [
          "patch",
          "cm",
          "x",
          "-p",
          '{"data":{"a":"b"}}',
        ]);
        assert.notEqual(p.code, 0);
        // kubectl words the 415 itself.
        assert.match(p.stderr, /application\/strategic-merge-patch\+json is not supported by \/v1, Kind=ConfigMap/);
      } finally {
        await bare.stop();
      }
    });
  });
});
