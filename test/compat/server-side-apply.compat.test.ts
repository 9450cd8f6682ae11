import assert from "node:assert/strict";
import {
  KUBECTL_DIFF,
  normaliser,
  RESOURCE_VERSIONS,
  type ServerClient,
  TIMES,
  TOKEN_VOLUMES,
  UIDS,
  useSideBySide,
} from "@evk/testing";

// Server-side apply and metadata.managedFields, side by side: the same kubectl 1.35 commands and raw requests
// to the host's kube-apiserver 1.35 and to evk-apiserver, whose answers (exit codes, output, Status bodies,
// managedFields whole) must be the same up to times, uids, resourceVersions and the random suffix of the
// service account token volume. The host runs without the workload controllers and pods name no scheduler,
// so nothing but these requests writes the objects.

const APPLY = "application/apply-patch+yaml";
const MERGE = "application/merge-patch+json";

type O = Record<string, unknown>;

const normalise = normaliser(UIDS, TIMES, RESOURCE_VERSIONS, TOKEN_VOLUMES, KUBECTL_DIFF);

/**
 * JSON with its keys sorted, so that two servers' orders of the same fields compare equal; managedFields
 * entries too, by operation, manager and subresource: their order otherwise follows the second of their
 * times, which two servers written within the same moment can reach on different sides of a second.
 */
function canonical(v: unknown, key?: string): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => canonical(x));
    if (key !== "managedFields") return items;
    const order = (e: unknown) => {
      const x = e as { operation?: string; manager?: string; subresource?: string };
      return `${x.operation} ${x.manager} ${x.subresource ?? ""}`;
    };
    return items.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  }
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as O)[k], k)]),
    );
  return v;
}

const json = (o: unknown) => JSON.stringify(o);
const configMap = (name: string, data: Record<string, string>, metadata: O = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, ...metadata },
  data,
});
const deployment = (replicas: number | undefined, container: O = {}, labels?: Record<string, string>) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", ...(labels ? { labels } : {}) },
  spec: {
    ...(replicas !== undefined ? { replicas } : {}),
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "nginx", image: "nginx:1.27", ports: [{ containerPort: 80 }], ...container }] },
    },
  },
});
const service = (ports: O[]) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "web" },
  spec: { selector: { app: "web" }, ports },
});
const pod = (containers: O[]) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", labels: { app: "p" } },
  // No scheduler by that name runs: nothing binds the pod or reports its status.
  spec: { schedulerName: "none", containers },
});

/** A request with its body as given and the body's media type. */
const call = (s: ServerClient, method: string, path: string, body?: string, contentType?: string) =>
  s.request(method, path, {
    ...(body !== undefined ? { body } : {}),
    ...(contentType ? { contentType } : {}),
    timeoutMs: 30_000,
  });

describe("server-side apply and managedFields: evk-apiserver as kube-apiserver 1.35", function () {
  this.timeout(600_000);
  const servers = useSideBySide({
    cluster: "ssa",
    host: {
      nodes: 1,
      // The workload controllers would write status and annotations of their own on the host only.
      controllerManagerFlags: [
        "--controllers=*,-deployment-controller,-replicaset-controller,-statefulset-controller,-daemonset-controller",
      ],
    },
  });

  const kc = async (server: "kube" | "evk", args: string[], stdin?: string) => {
    const r = await servers[server].kubectl(args, { stdin });
    return normalise(`exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  };

  /**
   * The same kubectl command on both servers; their outputs must be the same. A write waits for the next
   * second first: managedFields entries are ordered by the second of their time, which each server would
   * otherwise reach at its own moment.
   */
  const same = async (ns: string, args: string[], stdin?: O) => {
    if (!["get", "diff"].includes(args[0] as string))
      await new Promise((r) => setTimeout(r, 1_050 - (Date.now() % 1_000)));
    const [kube, ours] = await Promise.all([
      kc("kube", ["-n", ns, ...args], stdin && json(stdin)),
      kc("evk", ["-n", ns, ...args], stdin && json(stdin)),
    ]);
    assert.equal(ours, kube, `kubectl ${args.join(" ")}`);
    return ours;
  };

  /** The same request to both servers: status, warnings and body (as `view` shows it) must be the same. */
  const sameRaw = async (
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
    view: (o: O) => unknown = (o) => o,
  ) => {
    const text = body === undefined || typeof body === "string" ? body : json(body);
    const answer = async (s: ServerClient) => {
      const r = await call(s, method, path, text, contentType ?? (text !== undefined ? "application/json" : undefined));
      let b: unknown = r.body;
      try {
        b = canonical(view(JSON.parse(r.body) as O));
      } catch {}
      return normalise(`${r.status} ${r.warning}\n${JSON.stringify(b, null, 1)}`);
    };
    const [kube, ours] = await Promise.all([answer(servers.kube), answer(servers.evk)]);
    assert.equal(ours, kube, `${method} ${path}`);
    return ours;
  };

  /** The same steps on each server (each with its own objects); what they return must be the same. */
  const sameEach = async (label: string, f: (s: ServerClient) => Promise<unknown>) => {
    const [kube, ours] = await Promise.all([f(servers.kube), f(servers.evk)]);
    assert.equal(
      normalise(JSON.stringify(canonical(ours), null, 1)),
      normalise(JSON.stringify(canonical(kube), null, 1)),
      label,
    );
  };

  const managedFields = (o: O) => ({ managedFields: (o.metadata as O | undefined)?.managedFields ?? o });
  // Pods need the namespace's default ServiceAccount.
  const namespace = (name: string) => servers.namespace(name, { serviceAccount: true });

  it("kubectl apply --server-side: creates, prunes what it stops applying, conflicts and forces", async () => {
    const ns = "ssa-kubectl";
    await namespace(ns);
    const ssa = ["apply", "--server-side", "-f", "-"];
    const show = (kind: string, name: string) => ["get", kind, name, "-o", "yaml", "--show-managed-fields"];

    // A Deployment: containers keyed by name, ports by containerPort and protocol, defaults owned by nobody.
    await same(
      ns,
      ssa,
      deployment(2, {
        env: [
          { name: "A", value: "1" },
          { name: "B", value: "2" },
        ],
      }),
    );
    await same(ns, show("deployment", "web"));
    await same(ns, ssa, deployment(2, { env: [{ name: "B", value: "2" }] }));
    await same(ns, show("deployment", "web"));
    const conflict = await same(ns, [...ssa, "--field-manager=other"], deployment(5));
    assert.match(conflict, /^exit 1\n/);
    assert.match(conflict, /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas/);
    await same(ns, [...ssa, "--field-manager=other", "--force-conflicts"], deployment(5));
    await same(ns, show("deployment", "web"));
    // Sharing: the same value applied by another manager, then released by the first.
    await same(ns, [...ssa, "--field-manager=sharer"], {
      ...deployment(undefined),
      metadata: { name: "web", labels: { tier: "front" } },
    });
    await same(ns, ssa, { ...deployment(undefined), metadata: { name: "web", labels: { tier: "front" } } });
    await same(ns, show("deployment", "web"));

    // A ConfigMap; removing a key this manager alone owned removes it from the object.
    await same(ns, ssa, configMap("cfg", { a: "1", b: "2" }, { labels: { x: "y" } }));
    await same(ns, ssa, configMap("cfg", { a: "1" }));
    await same(ns, show("configmap", "cfg"));

    // A Service: ports keyed by port and protocol.
    await same(
      ns,
      ssa,
      service([
        { name: "http", port: 80, targetPort: 8080 },
        { name: "dns", port: 53, protocol: "UDP" },
      ]),
    );
    await same(ns, ssa, service([{ name: "http", port: 80, targetPort: 8080 }]));
    await same(ns, ["get", "service", "web", "-o", "jsonpath={.metadata.managedFields}{.spec.ports}"]);

    // A Pod: its containers keyed by name.
    await same(
      ns,
      ssa,
      pod([
        { name: "a", image: "busybox", command: ["sleep", "1d"] },
        { name: "b", image: "busybox" },
      ]),
    );
    await same(ns, show("pod", "p"));
    await same(ns, [...ssa, "--field-manager=other"], pod([{ name: "a", image: "busybox:2" }]));
    await same(
      ns,
      ["apply", "--server-side", "--dry-run=server", "-o", "yaml", "--show-managed-fields", "-f", "-"],
      configMap("dry", { k: "v" }),
    );
    await same(ns, ["get", "configmap", "dry"]);
    await same(ns, ["diff", "--server-side", "-f", "-"], configMap("cfg", { a: "2" }));
  });

  it("client-side apply, then kubectl apply --server-side: kubectl's migration of the managers", async () => {
    const ns = "ssa-migrate";
    await namespace(ns);
    await same(ns, ["apply", "-f", "-"], configMap("csa", { a: "1", b: "2" }));
    await same(ns, ["get", "configmap", "csa", "-o", "yaml", "--show-managed-fields"]);
    await same(ns, ["apply", "--server-side", "-f", "-"], configMap("csa", { a: "1", b: "3" }));
    await same(ns, ["get", "configmap", "csa", "-o", "yaml", "--show-managed-fields"]);
    await same(ns, ["apply", "--server-side", "-f", "-"], configMap("csa", { a: "1" }));
    await same(ns, ["get", "configmap", "csa", "-o", "yaml", "--show-managed-fields"]);

    // A Deployment created and edited the client-side way, then taken over by server-side apply.
    await same(ns, ["apply", "-f", "-"], deployment(2));
    await same(ns, ["apply", "-f", "-"], deployment(3));
    await same(ns, ["apply", "--server-side", "-f", "-"], deployment(4, { image: "nginx:1.28" }));
    await same(ns, ["get", "deployment", "web", "-o", "yaml", "--show-managed-fields"]);
  });

  it("kubectl create, scale, label, annotate and set image, then apply", async () => {
    const ns = "ssa-updates";
    await namespace(ns);
    await same(ns, ["create", "deployment", "web", "--image=nginx:1.27", "--replicas=2"]);
    await same(ns, ["scale", "deployment", "web", "--replicas=3"]);
    await same(ns, ["label", "deployment", "web", "team=a"]);
    await same(ns, ["annotate", "deployment", "web", "note=x"]);
    await same(ns, ["set", "image", "deployment/web", "nginx=nginx:1.28"]);
    await same(ns, ["get", "deployment", "web", "-o", "yaml", "--show-managed-fields"]);
    const applied = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", labels: { team: "b" } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "nginx", image: "nginx:1.29" }] },
        },
      },
    };
    const conflicts = await same(ns, ["apply", "--server-side", "-f", "-"], applied);
    assert.match(conflicts, /Apply failed with \d conflicts: conflicts with "kubectl" with subresource "scale"/);
    await same(ns, ["apply", "--server-side", "--force-conflicts", "-f", "-"], applied);
    await same(ns, ["get", "deployment", "web", "-o", "yaml", "--show-managed-fields"]);
    await same(ns, ["scale", "deployment", "web", "--replicas=1"]);
    await same(ns, ["get", "deployment", "web", "-o", "jsonpath={.metadata.managedFields}"]);
  });

  it("status and scale subresources: updates, patches and applies", async () => {
    const ns = "ssa-subresources";
    await namespace(ns);
    const svc = `/api/v1/namespaces/${ns}/services/lb`;
    await sameRaw(
      "POST",
      `/api/v1/namespaces/${ns}/services?fieldManager=creator`,
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "lb" },
        spec: { type: "LoadBalancer", ports: [{ port: 80 }] },
      },
      undefined,
      managedFields,
    );
    const ingress = (ips: string[]) => ({ loadBalancer: { ingress: ips.map((ip) => ({ ip })) } });
    await sameRaw(
      "PATCH",
      `${svc}/status?fieldManager=lb-controller`,
      { status: ingress(["1.2.3.4"]) },
      MERGE,
      managedFields,
    );
    const statusApply = (ips: string[], extra: O = {}) => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "lb", ...extra },
      status: ingress(ips),
    });
    await sameRaw(
      "PATCH",
      `${svc}/status?fieldManager=lb-apply`,
      statusApply(["1.2.3.4", "5.6.7.8"]),
      APPLY,
      managedFields,
    );
    await sameRaw(
      "PATCH",
      `${svc}/status?fieldManager=lb-apply&force=true`,
      statusApply(["1.2.3.4", "5.6.7.8"]),
      APPLY,
      managedFields,
    );
    // A status apply owns only status (and what the status strategy keeps of metadata).
    await sameRaw(
      "PATCH",
      `${svc}/status?fieldManager=lb-apply`,
      statusApply(["5.6.7.8"], { labels: { q: "1" } }),
      APPLY,
      managedFields,
    );
    await sameRaw("PATCH", `${svc}/status?fieldManager=other`, statusApply(["9.9.9.9"]), APPLY, managedFields);
    // A dry run answers what it would store and stores nothing.
    await sameRaw(
      "PATCH",
      `${svc}/status?fieldManager=dry&force=true&dryRun=All`,
      statusApply(["8.8.8.8"]),
      APPLY,
      (o) => [managedFields(o), o.status],
    );
    await sameRaw("GET", svc, undefined, undefined, (o) => [managedFields(o), o.status]);
    // A PUT of status ignores the request's managedFields.
    await sameEach("PUT status with managedFields of its own", async (s) => {
      const cur = JSON.parse((await call(s, "GET", svc)).body) as { metadata: O; status: O };
      cur.metadata.managedFields = [
        { manager: "forged", operation: "Update", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: {} },
      ];
      cur.status = ingress(["7.7.7.7"]);
      const r = await call(s, "PUT", `${svc}/status?fieldManager=status-put`, json(cur), "application/json");
      return [r.status, managedFields(JSON.parse(r.body) as O)];
    });

    const rs = `/apis/apps/v1/namespaces/${ns}/replicasets/rs`;
    await sameRaw(
      "POST",
      `/apis/apps/v1/namespaces/${ns}/replicasets?fieldManager=creator`,
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: { name: "rs" },
        spec: {
          replicas: 0,
          selector: { matchLabels: { a: "b" } },
          template: {
            metadata: { labels: { a: "b" } },
            spec: { schedulerName: "none", containers: [{ name: "c", image: "busybox" }] },
          },
        },
      },
      undefined,
      managedFields,
    );
    await sameRaw("PUT", `${rs}/scale?fieldManager=scaler`, {
      apiVersion: "autoscaling/v1",
      kind: "Scale",
      metadata: { name: "rs", namespace: ns },
      spec: { replicas: 1 },
    });
    await sameRaw("GET", rs, undefined, undefined, managedFields);
    const scaleApply = (replicas: number) => ({
      apiVersion: "autoscaling/v1",
      kind: "Scale",
      metadata: { name: "rs" },
      spec: { replicas },
    });
    await sameRaw("PATCH", `${rs}/scale?fieldManager=scale-apply`, scaleApply(2), APPLY);
    await sameRaw("PATCH", `${rs}/scale?fieldManager=scale-other`, scaleApply(0), APPLY);
    await sameRaw("PATCH", `${rs}/scale?fieldManager=mp`, { spec: { replicas: 0 } }, MERGE);
    await sameRaw("GET", rs, undefined, undefined, managedFields);
    await sameRaw(
      "PATCH",
      `${rs}/status?fieldManager=status-writer`,
      { status: { replicas: 0, observedGeneration: 1 } },
      MERGE,
      managedFields,
    );
  });

  it("raw requests: options, bodies, dry runs, resets and the cap on update managers", async () => {
    const ns = "ssa-raw";
    await namespace(ns);
    const cms = `/api/v1/namespaces/${ns}/configmaps`;
    const cases: [string, string, unknown?, string?][] = [
      ["PATCH", `${cms}/a`, configMap("a", { x: "1" }), APPLY],
      ["PATCH", `${cms}/a?fieldManager=m1`, configMap("a", { x: "1" }), APPLY],
      ["PATCH", `${cms}/a?fieldManager=m1`, configMap("a", { x: "1" }), APPLY],
      ["PATCH", `${cms}/a?fieldManager=m2`, configMap("a", { x: "1" }), APPLY],
      ["PATCH", `${cms}/a?fieldManager=m1`, configMap("a", {}), APPLY],
      ["PATCH", `${cms}/a?fieldManager=m1&force=maybe`, configMap("a", { x: "1" }), APPLY],
      ["PATCH", `${cms}/a?force=true`, { data: { y: "2" } }, MERGE],
      ["PATCH", `${cms}/a?fieldManager=${"x".repeat(129)}`, configMap("a", { x: "1" }), APPLY],
      ["POST", `${cms}?fieldManager=a%01b`, configMap("a2", { x: "1" })],
      ["PATCH", `${cms}/a?fieldManager=m1`, configMap("a", { x: "1" }, { managedFields: [] }), APPLY],
      ["PATCH", `${cms}/a?fieldManager=m1`, { apiVersion: "v1", kind: "Secret", metadata: { name: "a" } }, APPLY],
      ["PATCH", `${cms}/a?fieldManager=m1`, { apiVersion: "v2", kind: "ConfigMap", metadata: { name: "a" } }, APPLY],
      ["PATCH", `${cms}/a?fieldManager=m1`, { metadata: { name: "a" } }, APPLY],
      ["PATCH", `${cms}/a?fieldManager=m1`, configMap("zz", { x: "1" }), APPLY],
      ["PATCH", `${cms}/a?fieldManager=m1`, { apiVersion: "v1", kind: "ConfigMap", data: { x: "1" } }, APPLY],
      ["PATCH", `${cms}/new?fieldManager=m1`, { apiVersion: "v1", kind: "ConfigMap", data: { x: "1" } }, APPLY],
      ["PATCH", `${cms}/b?fieldManager=m1`, configMap("b", {}, { uid: "11111111-2222-3333-4444-555555555555" }), APPLY],
      ["PATCH", `${cms}/a?fieldManager=m1`, configMap("a", { x: "1" }, { resourceVersion: "1" }), APPLY],
      ["PATCH", `${cms}/a?fieldManager=m1`, { ...configMap("a", { x: "1" }), bogus: 1 }, APPLY],
      ["PATCH", `${cms}/a?fieldManager=m1`, { ...configMap("a", {}), data: { x: 5 } }, APPLY],
      ["PATCH", `${cms}/a?fieldManager=m1`, { ...configMap("a", {}), data: "text" }, APPLY],
      ...["Strict", "Warn", "Ignore"].map((v): [string, string, unknown, string] => [
        "PATCH",
        `${cms}/a?fieldManager=m1&fieldValidation=${v}`,
        '{"apiVersion":"v1","kind":"ConfigMap",\n"metadata":{"name":"a"},\n"data":{"x":"1",\n"x":"2"}}',
        APPLY,
      ]),
      [
        "PATCH",
        `${cms}/y?fieldManager=m1`,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  k: v\n",
        APPLY,
      ],
      ["PATCH", `${cms}/y?fieldManager=m1`, "[1,2]", APPLY],
      ["PATCH", `${cms}/y?fieldManager=m1`, "", APPLY],
      ["PATCH", `${cms}/y?fieldManager=m1`, "\u00a0", "application/apply-patch+cbor"],
      ["PATCH", `${cms}/dry?fieldManager=m1&dryRun=All`, configMap("dry", { x: "1" }), APPLY],
      ["GET", `${cms}/dry`],
      ["PATCH", `${cms}/a?fieldManager=m9&dryRun=All`, configMap("a", { z: "1" }), APPLY],
      ["GET", `${cms}/a`],
      // managedFields: [] resets them, and then nobody is tracked until the next apply.
      ["PATCH", `${cms}/a`, { metadata: { managedFields: [] } }, MERGE],
      ["PATCH", `${cms}/a?fieldManager=after`, { data: { q: "1" } }, MERGE],
      ["PATCH", `${cms}/a?fieldManager=m1`, configMap("a", { q: "2" }), APPLY],
      // Invalid managedFields are ignored; valid ones replace the object's.
      [
        "PATCH",
        `${cms}/a?fieldManager=x`,
        {
          metadata: {
            managedFields: [
              { manager: "bad", operation: "Nope", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: {} },
            ],
          },
          data: { r: "1" },
        },
        MERGE,
      ],
      [
        "PATCH",
        `${cms}/a?fieldManager=x`,
        {
          metadata: {
            managedFields: [
              {
                manager: "custom",
                operation: "Update",
                apiVersion: "v1",
                fieldsType: "FieldsV1",
                fieldsV1: { "f:data": { "f:q": {} } },
              },
            ],
          },
        },
        MERGE,
      ],
      [
        "POST",
        `${cms}?fieldManager=c`,
        configMap(
          "c1",
          { x: "1" },
          {
            managedFields: [
              {
                manager: "pre",
                operation: "Apply",
                apiVersion: "v1",
                fieldsType: "FieldsV1",
                fieldsV1: { "f:data": { "f:x": {} } },
              },
            ],
          },
        ),
      ],
      ["POST", `${cms}?fieldManager=c`, configMap("c2", { x: "1" }, { managedFields: [] })],
      // Without fieldManager the writer is named by its User-Agent (Node's requests send none).
      ["POST", cms, configMap("c3", { x: "1" })],
      ...Array.from({ length: 12 }, (_, i): [string, string, unknown, string] => [
        "PATCH",
        `${cms}/a?fieldManager=mgr${i}`,
        { data: { [`k${i}`]: "v" } },
        MERGE,
      ]),
      ["GET", `${cms}/a`],
    ];
    for (const [method, path, body, contentType] of cases) await sameRaw(method, path, body, contentType);
  });

  it("PUT and patches that change nothing keep the object, times and resourceVersion", async () => {
    const ns = "ssa-noop";
    await namespace(ns);
    const cm = `/api/v1/namespaces/${ns}/configmaps/c`;
    await sameRaw("POST", `/api/v1/namespaces/${ns}/configmaps?fieldManager=a`, configMap("c", { x: "1" }));
    // A second later the times would differ if the no-op were written.
    await new Promise((r) => setTimeout(r, 1_100));
    for (const s of [servers.kube, servers.evk]) {
      const before = JSON.parse((await call(s, "GET", cm)).body) as O;
      const put = JSON.parse(
        (await call(s, "PUT", `${cm}?fieldManager=a`, json(before), "application/json")).body,
      ) as O;
      const patch = JSON.parse(
        (await call(s, "PATCH", `${cm}?fieldManager=a`, json({ data: { x: "1" } }), MERGE)).body,
      ) as O;
      for (const after of [put, patch]) assert.deepEqual(after, before, s.kubeconfigPath);
    }
    // An apply of what the object has: a new owner, no change to the object.
    await sameRaw("PATCH", `${cm}?fieldManager=b`, configMap("c", { x: "1" }), APPLY);
    await new Promise((r) => setTimeout(r, 1_100));
    await sameEach("an apply that changes nothing", async (s) => {
      const before = JSON.parse((await call(s, "GET", cm)).body) as O;
      const after = JSON.parse(
        (await call(s, "PATCH", `${cm}?fieldManager=b`, json(configMap("c", { x: "1" })), APPLY)).body,
      ) as O;
      return { unchanged: JSON.stringify(after) === JSON.stringify(before), after };
    });
  });
});
