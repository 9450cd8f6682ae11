import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { kubectlVersions, makeTempDir, RunningKubectl, sleep, useSideBySide, waitFor } from "@evk/testing";
import {
  type Informer as ClientInformer,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  ListWatch,
  makeInformer,
  type ObjectCache,
  type V1ConfigMap,
  type V1ConfigMapList,
  Watch,
} from "@kubernetes/client-node";

// Watches that end on the server's side, side by side on evk-apiserver and kube-apiserver 1.35: both servers are
// restarted (which ends every watch), informers' watches also end every few seconds (timeoutSeconds), and a
// watch starts from a resourceVersion that is compacted and older than the restarted server's cache (410).
// Informers must end equal to the server's list; kubectl get -w and kubectl wait must behave the same on both.

const NS = "watch-restart";
const kubectls = kubectlVersions();

/** A client-node Watch that records what the server says and, optionally, asks it to end each watch soon. */
class RecordingWatch extends Watch {
  readonly errors: { code?: number; reason?: string; message?: string }[] = [];
  /** The resourceVersion each watch started from. */
  readonly starts: string[] = [];
  private readonly timeoutSeconds: number | undefined;

  constructor(kc: KubeConfig, timeoutSeconds?: number) {
    super(kc);
    this.timeoutSeconds = timeoutSeconds;
  }

  override watch(
    path: string,
    params: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, obj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    this.starts.push(String(params.resourceVersion ?? ""));
    const query = this.timeoutSeconds ? { ...params, timeoutSeconds: this.timeoutSeconds } : params;
    return super.watch(
      path,
      query,
      (phase, obj, watchObj) => {
        if (phase === "ERROR") this.errors.push(obj as { code?: number; reason?: string; message?: string });
        callback(phase, obj, watchObj);
      },
      done,
    );
  }
}

type Informer = ClientInformer<V1ConfigMap> & ObjectCache<V1ConfigMap>;

/** One server, its client and what runs against it. */
class Side {
  readonly name: string;
  readonly kubeconfigPath: string;
  readonly kc = new KubeConfig();
  readonly api: CoreV1Api;
  readonly restart: () => Promise<void>;
  readonly etcd: string;
  readonly informers: { name: string; informer: Informer; watch?: RecordingWatch }[] = [];
  /** The informer errors client-node reported (connection failures while the server restarts). */
  readonly informerErrors: string[] = [];

  constructor(name: string, kubeconfigPath: string, etcd: string, restart: () => Promise<void>) {
    this.name = name;
    this.kubeconfigPath = kubeconfigPath;
    this.kc.loadFromFile(kubeconfigPath);
    this.api = this.kc.makeApiClient(CoreV1Api);
    this.etcd = etcd;
    this.restart = restart;
  }

  list = () => this.api.listNamespacedConfigMap({ namespace: NS });

  /** An informer as client-node's docs have one: restarted by its error handler when the server goes away. */
  async informer(name: string, make: (list: () => Promise<V1ConfigMapList>) => Informer, watch?: RecordingWatch) {
    const informer = make(this.list);
    informer.on("error", (err) => {
      this.informerErrors.push(`${name}: ${(err as Error)?.message ?? err}`);
      setTimeout(() => void informer.start(), 500);
    });
    this.informers.push({ name, informer, ...(watch ? { watch } : {}) });
    await informer.start();
    return informer;
  }

  async stopInformers() {
    for (const i of this.informers) await i.informer.stop();
  }

  async apply(op: Op) {
    const body = (name: string, data: Record<string, string>): V1ConfigMap => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: NS },
      data,
    });
    if (op.op === "create") await this.api.createNamespacedConfigMap({ namespace: NS, body: body(op.name, op.data) });
    else if (op.op === "update")
      await this.api.replaceNamespacedConfigMap({ namespace: NS, name: op.name, body: body(op.name, op.data) });
    else await this.api.deleteNamespacedConfigMap({ namespace: NS, name: op.name });
  }
}

type Op = { op: "create" | "update"; name: string; data: Record<string, string> } | { op: "delete"; name: string };

/** Creates, updates and deletes: what each phase does, the same on both servers. */
function ops(phase: string, n: number): Op[] {
  const out: Op[] = [];
  for (let i = 0; i < n; i++) out.push({ op: "create", name: `${phase}-${i}`, data: { v: "1" } });
  for (let i = 0; i < n; i += 2) out.push({ op: "update", name: `${phase}-${i}`, data: { v: "2" } });
  for (let i = 1; i < n; i += 3) out.push({ op: "delete", name: `${phase}-${i}` });
  return out;
}

/** name -> resourceVersion and data, as the server lists it and as an informer has it. */
const view = (items: readonly KubernetesObject[]) =>
  Object.fromEntries(
    [...items]
      .map((o) => [o.metadata?.name ?? "", `${o.metadata?.resourceVersion} ${JSON.stringify((o as V1ConfigMap).data)}`])
      .sort(([a], [b]) => (a as string).localeCompare(b as string)),
  );

/** Waits until every informer of the side holds exactly the server's list. */
async function converged(side: Side, why: string, timeoutMs = 60_000): Promise<void> {
  let last = "";
  try {
    await waitFor(
      why,
      async () => {
        const want = view((await side.list()).items);
        const off = side.informers.filter(({ informer }) => {
          return JSON.stringify(view(informer.list(NS))) !== JSON.stringify(want);
        });
        last = off
          .map((i) => `${i.name}: ${JSON.stringify(view(i.informer.list(NS)))}\n  server: ${JSON.stringify(want)}`)
          .join("\n");
        return off.length === 0;
      },
      timeoutMs,
      250,
    );
  } catch {
    assert.fail(
      `${side.name}, ${why}: informers differ from the server's list\n${last}\n${side.informerErrors.join("\n")}`,
    );
  }
}

/** Compacts an etcd's history up to now, through its JSON gateway. */
async function compact(endpoint: string): Promise<void> {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${endpoint}${path}`, { method: "POST", body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { header: { revision: string } };
  };
  const { header } = await post("/v3/kv/range", { key: Buffer.from("compact-probe").toString("base64") });
  await post("/v3/kv/compaction", { revision: header.revision, physical: true });
}

describe("compat: watches across server restarts and a forced 410, evk-apiserver and kube-apiserver", function () {
  this.timeout(600_000);
  let sides: [Side, Side];
  const dir = makeTempDir("watch-restart");
  const kubectlsRunning: RunningKubectl[] = [];
  // A fixed port: the restarted apiserver serves where its clients' kubeconfig points.
  const servers = useSideBySide({
    cluster: "watchrestart",
    apiserver: { fixedPort: true },
    beforeStop: async () => {
      for (const k of kubectlsRunning) await k.stop();
      for (const s of sides ?? []) await s.stopInformers();
    },
  });

  before(async () => {
    const { etcd, host, apiserver: evk } = servers;
    const kubeApiserver = host.processes?.apiserver;
    if (!kubeApiserver)
      throw new Error("this test restarts the host's kube-apiserver: it needs the local host backend");
    sides = [
      new Side("kube-apiserver", host.kubeconfigPath, host.etcd?.endpoint as string, () => kubeApiserver.restart()),
      new Side("evk", evk.kubeconfigPath, etcd.endpoint, async () => {
        await evk.process.stop();
        // The apiserver counts as started once it has written its kubeconfig again.
        rmSync(evk.kubeconfigPath);
        await evk.process.start();
      }),
    ];
    for (const s of sides) await s.api.createNamespace({ body: { metadata: { name: NS } } });
  });

  const both = <T>(f: (s: Side) => Promise<T>) => Promise.all(sides.map(f));
  const run = async (phase: string, n: number) => {
    for (const op of ops(phase, n)) await both((s) => s.apply(op));
  };
  const kubectl = (s: Side, k: { version: string; bin: string }, args: string[]) => {
    const p = new RunningKubectl(args, {
      bin: k.bin,
      kubeconfig: s.kubeconfigPath,
      cacheDir: join(dir, `${s.name}-${k.version}`),
    });
    kubectlsRunning.push(p);
    return p;
  };
  const lines = (text: string) => text.trim().split("\n").filter(Boolean);

  it("keeps informers, kubectl get -w and kubectl wait right across restarts, watch timeouts and a 410", async () => {
    // (a) Informers: one as client-node's makeInformer builds it, one whose watches the server ends every 2 s.
    const short = new Map<Side, RecordingWatch>();
    await both(async (s) => {
      await s.informer("makeInformer", (list) => makeInformer(s.kc, `/api/v1/namespaces/${NS}/configmaps`, list));
      const w = new RecordingWatch(s.kc, 2);
      short.set(s, w);
      // Reconnect delays capped at 1 s: client-node doubles them on quiet watches up to 30 s, which only slows this.
      await s.informer(
        "timeoutSeconds=2",
        (list) =>
          new ListWatch(`/api/v1/namespaces/${NS}/configmaps`, w, list, false, undefined, undefined, {
            delayFn: (ms) => sleep(Math.min(ms, 1_000)),
          }),
        w,
      );
    });
    // (b) kubectl get -w, and (c) kubectl wait for a condition that becomes true only after the restarts.
    await both((s) => s.apply({ op: "create", name: "gate", data: { ready: "no" } }));
    const getW = new Map<string, RunningKubectl>();
    const waits = new Map<string, RunningKubectl>();
    for (const s of sides)
      for (const k of kubectls) {
        getW.set(
          `${s.name} ${k.version}`,
          kubectl(s, k, ["-n", NS, "get", "configmaps", "-w", "--output-watch-events", "-o", "name"]),
        );
        waits.set(
          `${s.name} ${k.version}`,
          kubectl(s, k, ["-n", NS, "wait", "--for=jsonpath={.data.ready}=yes", "configmap/gate", "--timeout=180s"]),
        );
      }
    // kubectl get -w watches from the revision of the list it printed first: nothing after that is missed.
    await waitFor(
      "kubectl get -w listed",
      async () => [...getW.values()].every((k) => k.stdout.includes("configmap/gate")),
      60_000,
    );

    await run("one", 9);
    for (const s of sides) await converged(s, "after the first writes");
    // A few more watches the server ends (each after 2 s), with nothing happening meanwhile.
    const watched = (s: Side) => (short.get(s) as RecordingWatch).starts.length;
    const before = sides.map(watched);
    await waitFor(
      "the servers ending watches",
      async () => sides.every((s, i) => watched(s) >= (before[i] as number) + 3),
      60_000,
    );
    await run("two", 6);
    for (const s of sides) await converged(s, "after watches that the server ended (timeoutSeconds)");

    // A resourceVersion every informer has left behind, then history it cannot resume from: compacted away,
    // and older than what the restarted servers' watch caches start with.
    const stale = new Map<Side, string>();
    for (const s of sides) stale.set(s, (await s.list()).metadata?.resourceVersion as string);
    await run("three", 6);
    for (const s of sides) await converged(s, "before the restart");
    await both((s) => compact(s.etcd));

    // Both servers restart: every watch ends.
    await both((s) => s.restart());
    await run("four", 6);
    await both((s) => s.apply({ op: "update", name: "gate", data: { ready: "yes" } }));
    for (const s of sides) await converged(s, "after the server restarted");

    // (c) kubectl wait saw the condition come true after its watch was ended by the restart.
    for (const [who, k] of waits) {
      const code = await Promise.race([k.exited, sleep(60_000).then(() => "still waiting")]);
      assert.equal(
        `${code} ${k.stdout.trim()}`,
        "0 configmap/gate condition met",
        `kubectl wait on ${who}: ${k.stderr}`,
      );
    }

    // (b) kubectl get -w: on both servers it printed every event until the server ended its watch, and then
    // ended as kubectl ends any watch the server closes (UntilWithoutRetry: exit 0, nothing on stderr); a new
    // one goes on from there.
    const ended = new Map<string, string>();
    for (const [who, k] of getW) {
      const code = await Promise.race([k.exited, sleep(30_000).then(() => "still running")]);
      ended.set(who, `exit ${code}\n${lines(k.stdout).join("\n")}${k.stderr ? `\nstderr: ${k.stderr}` : ""}`);
    }
    for (const k of kubectls) {
      const [kube, ours] = sides.map((s) => ended.get(`${s.name} ${k.version}`));
      assert.equal(ours, kube, `kubectl ${k.version} get -w across the restart`);
      assert.match(
        kube as string,
        /^exit 0\n(.|\n)*configmap\/three-4$/,
        `kubectl ${k.version} get -w on kube-apiserver`,
      );
    }
    const again = new Map<string, RunningKubectl>();
    for (const s of sides)
      for (const k of kubectls)
        again.set(
          `${s.name} ${k.version}`,
          kubectl(s, k, ["-n", NS, "get", "configmaps", "-w", "--output-watch-events", "-o", "name"]),
        );
    await waitFor(
      "kubectl get -w listed",
      async () => [...again.values()].every((k) => k.stdout.includes("configmap/gate")),
      60_000,
    );
    await run("five", 3);
    // The last of those writes deletes five-1, which it created first.
    await waitFor(
      "kubectl get -w printed the writes",
      async () =>
        [...again.values()].every((k) => lines(k.stdout).filter((l) => l === "configmap/five-1").length === 2),
      60_000,
    );
    for (const k of kubectls) {
      const [kube, ours] = sides.map((s) => {
        const p = again.get(`${s.name} ${k.version}`) as RunningKubectl;
        return lines(p.stdout).join("\n");
      });
      assert.equal(ours, kube, `kubectl ${k.version} get -w after the restart`);
      assert.match(kube as string, /configmap\/five-2/);
    }

    // (a) A watch from the stale resourceVersion: both servers answer 410 Expired; the informer relists.
    const forced = new Map<Side, RecordingWatch>();
    const lists = new Map<Side, number>();
    await both(async (s) => {
      const w = new RecordingWatch(s.kc);
      forced.set(s, w);
      await s.informer(
        "watch from a compacted resourceVersion",
        (list) =>
          new ListWatch(
            `/api/v1/namespaces/${NS}/configmaps`,
            w,
            // The first list hands the informer a resourceVersion its watch cannot resume from.
            () =>
              list().then((l) => {
                lists.set(s, (lists.get(s) ?? 0) + 1);
                return lists.get(s) === 1
                  ? { ...l, metadata: { ...l.metadata, resourceVersion: stale.get(s) as string } }
                  : l;
              }),
            false,
          ),
        w,
      );
    });
    await run("six", 6);
    for (const s of sides) await converged(s, "after a watch from a compacted resourceVersion");
    const expired = sides.map((s) => {
      const w = forced.get(s) as RecordingWatch;
      assert.equal(w.starts[0], stale.get(s), `${s.name}: the first watch started from the stale resourceVersion`);
      assert.ok((lists.get(s) ?? 0) >= 2, `${s.name}: the informer did not list again after the 410`);
      const e = w.errors[0];
      return `${e?.code} ${e?.reason} ${e?.message?.replace(/\d+/g, "<rv>")}`;
    });
    assert.equal(expired[1], expired[0], "the 410 of a watch from a compacted resourceVersion");
    assert.match(expired[0] as string, /^410 Expired too old resource version/);

    // Both servers ended with the same objects (but the CA bundle each publishes, which is its own).
    const [kube, ours] = await both(async (s) =>
      Object.fromEntries(
        (await s.list()).items
          .filter((o) => o.metadata?.name !== "kube-root-ca.crt")
          .map((o) => [o.metadata?.name, o.data]),
      ),
    );
    assert.deepEqual(ours, kube);
  });
});
