import assert from "node:assert/strict";
import { join } from "node:path";
import {
  binaries,
  type Etcd,
  ensureParts,
  type HostCluster,
  kubectlVersions,
  type LocalApiserver,
  makeTempDir,
  ServerClient,
  startApiserver,
  startEtcd,
  startHost,
} from "@evk/testing";

// Typed kubectl commands send protobuf bodies. Each object they create on evk must be the object the same
// command creates from its JSON form (`--dry-run=client -o json` then `create -f`), and everything evk stores
// must be what kube-apiserver stores for the same protobuf request (kube also applies defaults evk lacks).

const kubectls = kubectlVersions().map((k) => k.bin);
const PAUSE = "registry.k8s.io/pause:3.10";

type Json = Record<string, unknown>;

/**
 * What differs by server and by moment, not by what the request said. A `creationTimestamp: null` (what
 * kubectl 1.33's JSON carries in pod templates) is the zero time that Go 1.35 types omit (omitzero).
 */
function normalise(o: Json): Json {
  // The object's own uid also shows where the server generated labels from it (a Job's selector).
  const uid = (o.metadata as Json | undefined)?.uid;
  const c = (
    typeof uid === "string" ? JSON.parse(JSON.stringify(o).replaceAll(uid, "<uid>")) : structuredClone(o)
  ) as Json;
  const m = c.metadata as Json;
  for (const k of ["uid", "resourceVersion", "creationTimestamp", "managedFields", "namespace"]) delete m[k];
  const dropNullTimes = (x: unknown): void => {
    if (!x || typeof x !== "object") return;
    if (!Array.isArray(x) && (x as Json).creationTimestamp === null) delete (x as Json).creationTimestamp;
    for (const v of Object.values(x)) dropNullTimes(v);
  };
  dropNullTimes(c);
  return c;
}

/**
 * The paths (a.b.0.c) at which `ours` has a value `theirs` does not have, with both values. evk's create
 * path sets generation 1 on every kind, kube only on kinds with a spec it tracks: not a body-decoding matter.
 */
function notIn(ours: unknown, theirs: unknown): string[] {
  return diff(ours, theirs).filter((d) => d !== ".metadata.generation: 1 vs absent");
}

function diff(ours: unknown, theirs: unknown, path = ""): string[] {
  if (ours !== null && typeof ours === "object" && theirs !== null && typeof theirs === "object") {
    if (Array.isArray(ours) !== Array.isArray(theirs))
      return [`${path}: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`];
    if (Array.isArray(ours) && ours.length !== (theirs as unknown[]).length)
      return [`${path}: ${ours.length} items vs ${(theirs as unknown[]).length}`];
    return Object.entries(ours).flatMap(([k, v]) =>
      k in (theirs as Json)
        ? diff(v, (theirs as Json)[k], `${path}.${k}`)
        : [`${path}.${k}: ${JSON.stringify(v)} vs absent`],
    );
  }
  return JSON.stringify(ours) === JSON.stringify(theirs)
    ? []
    : [`${path}: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`];
}

describe("protobuf request bodies from real kubectl (typed create commands), side by side with kube-apiserver", function () {
  this.timeout(180_000);
  let etcd: Etcd;
  let apiserver: LocalApiserver;
  let noProtos: LocalApiserver;
  let host: HostCluster;
  let ours: ServerClient;
  let bare: ServerClient;
  const dir = makeTempDir("protobuf-test");

  before(async () => {
    await ensureParts(["kubeProtos"]);
    etcd = await startEtcd();
    [apiserver, noProtos, host] = await Promise.all([
      startApiserver({ etcd: etcd.endpoint, cluster: "pb1" }),
      startApiserver({ etcd: etcd.endpoint, cluster: "pb2", extraArgs: [`--k8s-protos=${join(dir, "none")}`] }),
      startHost({ nodes: 1 }),
    ]);
    ours = new ServerClient("evk", apiserver.kubeconfigPath);
    bare = new ServerClient("evk without protos", noProtos.kubeconfigPath);
  });
  after(async () => {
    await Promise.all([apiserver?.stop(), noProtos?.stop(), host?.stop()]);
    await etcd?.dispose();
  });

  for (const bin of kubectls) {
    const v = bin === binaries.kubectl ? "1.35" : "1.33";
    const tag = v.replace(".", "");
    it(`kubectl ${v}: typed creates are stored as from JSON, and as kube-apiserver stores them`, async () => {
      const evk = async (args: string[], input?: string) => {
        const r = await ours.kubectl(args, { bin, stdin: input });
        assert.equal(r.code, 0, `evk: kubectl ${args.join(" ")}: ${r.stderr}`);
        return r;
      };
      const kube = async (args: string[]) => {
        const r = await host.kubectl(args, { kubectl: bin });
        assert.equal(r.code, 0, `kube-apiserver: kubectl ${args.join(" ")}: ${r.stderr}`);
        return r;
      };
      const ns = `pb-${tag}`;
      const viaJson = `pb-${tag}-json`;
      // -v=8 logs the request headers: the test is only worth something if the body really is protobuf.
      const created = await evk(["create", "namespace", ns, "-v=8"]);
      assert.match(created.stderr, /Content-Type[:=" ]+application\/vnd\.kubernetes\.protobuf/i);
      await kube(["create", "namespace", ns]);
      await evk(["create", "namespace", viaJson]);
      const cmds: [string, string, string[]][] = [
        ["configmap", "cm1", ["create", "configmap", "cm1", "--from-literal=a=b", "--from-literal=c=d"]],
        ["secret", "s1", ["create", "secret", "generic", "s1", "--from-literal=k=v", "--from-literal=e="]],
        [
          "secret",
          "tls1",
          [
            "create",
            "secret",
            "docker-registry",
            "tls1",
            "--docker-server=r.example",
            "--docker-username=u",
            "--docker-password=p",
          ],
        ],
        ["deployment", "d1", ["create", "deployment", "d1", `--image=${PAUSE}`, "--replicas=2", "--port=80"]],
        ["service", "svc1", ["create", "service", "clusterip", "svc1", "--tcp=80:8080", "--tcp=443:https"]],
        ["job", "j1", ["create", "job", "j1", `--image=${PAUSE}`, "--", "sleep", "1"]],
        ["cronjob", "cj1", ["create", "cronjob", "cj1", `--image=${PAUSE}`, "--schedule=*/5 * * * *"]],
        ["role", "r1", ["create", "role", "r1", "--verb=get,list", "--resource=pods,deployments.apps"]],
        ["rolebinding", "rb1", ["create", "rolebinding", "rb1", "--role=r1", "--user=alice", "--group=devs"]],
        ["serviceaccount", "sa1", ["create", "serviceaccount", "sa1"]],
        [
          "poddisruptionbudget",
          "pdb1",
          ["create", "poddisruptionbudget", "pdb1", "--selector=app=x", "--min-available=50%"],
        ],
        [
          "poddisruptionbudget",
          "pdb2",
          ["create", "poddisruptionbudget", "pdb2", "--selector=app=y", "--max-unavailable=1"],
        ],
        ["resourcequota", "q1", ["create", "quota", "q1", "--hard=cpu=1500m,memory=1Gi,pods=10"]],
        ["ingress", "ing1", ["create", "ingress", "ing1", "--rule=foo.example/bar*=svc1:80", "--annotation=a=b"]],
      ];
      for (const [resource, name, args] of cmds) {
        await evk(["-n", ns, ...args]);
        await kube(["-n", ns, ...args]);
        // Flags go before `--`: what follows it is the container's command.
        const at = args.includes("--") ? args.indexOf("--") : args.length;
        const dryRun = [...args.slice(0, at), "--dry-run=client", "-o", "json", ...args.slice(at)];
        const asJson = (await evk(["-n", viaJson, ...dryRun])).stdout;
        await evk(["-n", viaJson, "create", "--validate=false", "-f", "-"], asJson);
        const get = async (k: typeof evk, n: string) =>
          normalise(JSON.parse((await k(["-n", n, "get", resource, name, "-o", "json"])).stdout));
        const ours = await get(evk, ns);
        assert.deepEqual(ours, await get(evk, viaJson), `${resource}/${name}: protobuf and JSON bodies differ on evk`);
        assert.deepEqual(
          notIn(ours, await get(kube, ns)),
          [],
          `${resource}/${name}: evk stored what kube-apiserver did not`,
        );
      }
      // Typed commands on existing objects: expose (Service), scale (Scale), create token (TokenRequest).
      await evk(["-n", ns, "expose", "deployment", "d1", "--name=exp1", "--port=8080", "--target-port=80"]);
      await kube(["-n", ns, "expose", "deployment", "d1", "--name=exp1", "--port=8080", "--target-port=80"]);
      const exp = async (k: typeof evk) =>
        normalise(JSON.parse((await k(["-n", ns, "get", "svc", "exp1", "-o", "json"])).stdout));
      assert.deepEqual(notIn(await exp(evk), await exp(kube)), [], "service/exp1");
      await evk(["-n", ns, "scale", "deployment", "d1", "--replicas=3"]);
      assert.equal((await evk(["-n", ns, "get", "deploy", "d1", "-o", "jsonpath={.spec.replicas}"])).stdout, "3");
      assert.match(
        (await evk(["-n", ns, "create", "token", "sa1", "--duration=10m"])).stdout,
        /^ey[\w-]+\.[\w-]+\.[\w-]+\s*$/,
      );
      // Cluster-scoped kinds.
      for (const [resource, name, args] of [
        ["clusterrole", `cr-${tag}`, ["create", "clusterrole", `cr-${tag}`, "--verb=*", "--non-resource-url=/healthz"]],
        ["priorityclass", `pc-${tag}`, ["create", "priorityclass", `pc-${tag}`, "--value=1000", "--description=d"]],
      ] as const) {
        await evk([...args]);
        await kube([...args]);
        const get = async (k: typeof evk) =>
          normalise(JSON.parse((await k(["get", resource, name, "-o", "json"])).stdout));
        assert.deepEqual(notIn(await get(evk), await get(kube)), [], `${resource}/${name}`);
      }
      await evk(["delete", "namespace", viaJson, "--wait=false"]);
    });
  }

  it("without the .proto files a protobuf body gets a 415 naming what is missing; TokenRequest still works", async () => {
    const k = (args: string[]) => bare.kubectl(args);
    const r = await k(["create", "namespace", "pb-missing"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /UnsupportedMediaType|unknown format/);
    assert.match(r.stderr, /protobuf: .*not found under .*none/);
    assert.equal((await k(["create", "namespace", "pb-missing", "--dry-run=client", "-o", "json"])).code, 0);
    assert.match((await k(["create", "token", "default", "-n", "default"])).stdout, /^ey/);
  });
});
