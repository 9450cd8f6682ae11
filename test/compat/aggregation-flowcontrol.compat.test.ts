import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { createServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import {
  createCertificateAuthority,
  KUBECTL_OUTPUT,
  normaliser,
  type RawReply,
  type ServerClient,
  useSideBySide,
  waitFor,
} from "@evk/testing";

// API aggregation and API Priority and Fairness side by side against kube-apiserver 1.35 (started with priority
// and fairness on and aggregator routing to endpoints, as a cluster whose apiserver reaches pod IPs runs it):
// the local APIServices, a service-backed APIService whose backend is an HTTPS server this test runs (reached
// through a selector-less Service and its Endpoints, set up the same way on both servers), the bootstrap flow
// schemas and priority levels, the headers naming a request's schema and level, and a burst at a tiny level.

const GROUP = "metrics.k8s.io";
const GV = `${GROUP}/v1beta1`;
const APISERVICE = `v1beta1.${GROUP}`;
const INSECURE_GROUP = "insecure.compat.evk.dev";
const INSECURE_APISERVICE = `v1.${INSECURE_GROUP}`;
const AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/** The name of the FlowSchema or PriorityLevelConfiguration with this uid. */
async function nameOfUid(
  s: ServerClient,
  resource: "flowschemas" | "prioritylevelconfigurations",
  uid: string | undefined,
): Promise<string> {
  const list = await s.json<{ items: { metadata: { name: string; uid: string } }[] }>(
    "GET",
    `/apis/flowcontrol.apiserver.k8s.io/v1/${resource}`,
  );
  return list.items.find((i) => i.metadata.uid === uid)?.metadata.name ?? `<no object with uid ${uid}>`;
}

/** What may differ between two correct servers: identities, times, revisions, ages, the admin's name. */
const normalise = normaliser(KUBECTL_OUTPUT, [/ +/g, " "]);

/** A line-by-line table whose rows name group-versions: only the rows whose first cell is in `keep`. */
function rowsNamed(table: string, keep: (name: string) => boolean): string {
  const [head, ...rows] = table.trimEnd().split("\n");
  return [head, ...rows.filter((r) => keep(r.split(/\s+/)[0] as string))].join("\n");
}

/** The machine's first non-loopback IPv4 address: kube refuses loopback endpoints, and so would a real cluster. */
function routableAddress(): string {
  for (const addrs of Object.values(networkInterfaces()))
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  throw new Error("no non-loopback IPv4 address for the test backend");
}

/**
 * The aggregated API server both apiservers proxy to: metrics.k8s.io/v1beta1 (behind a caBundle) and an
 * insecure group, with aggregated discovery, and a "hold" path whose requests wait until released.
 */
class Backend {
  server!: HttpsServer;
  address = "";
  port = 0;
  caBundle = "";
  readonly seen: { path: string; user?: string; groups?: string; authorization?: string }[] = [];
  private held: ServerResponse[] = [];

  get holding(): number {
    return this.held.length;
  }

  async start(): Promise<void> {
    this.address = routableAddress();
    const ca = await createCertificateAuthority("compat-backend-ca");
    const kp = await ca.issue({ commonName: "aggtest", dnsNames: ["aggtest.default.svc"], usage: "server" });
    this.caBundle = Buffer.from(ca.cert).toString("base64");
    this.server = createServer({ cert: kp.cert, key: kp.key }, (req, res) => {
      const url = new URL(req.url ?? "/", "https://x");
      const user = req.headers["x-remote-user"] as string | undefined;
      const groups = req.headers["x-remote-group"] as string | undefined;
      this.seen.push({
        path: url.pathname,
        ...(user ? { user } : {}),
        ...(groups ? { groups } : {}),
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      });
      const send = (code: number, body: unknown, type = "application/json") => {
        const text = JSON.stringify(body);
        res.writeHead(code, { "content-type": type, "content-length": Buffer.byteLength(text) });
        res.end(text);
      };
      const resources = (kind: string) => [
        { name: "nodes", singularName: "", namespaced: false, kind: `Node${kind}`, verbs: ["get", "list"] },
        { name: "pods", singularName: "", namespaced: true, kind: `Pod${kind}`, verbs: ["get", "list"] },
      ];
      if (url.pathname === "/apis" && (req.headers.accept ?? "").includes("as=APIGroupDiscoveryList")) {
        const version = (group: string, v: string, kind: string) => ({
          metadata: { name: group },
          versions: [
            {
              version: v,
              freshness: "Current",
              resources: resources(kind).map((r) => ({
                resource: r.name,
                responseKind: { group: "", version: "", kind: r.kind },
                scope: r.namespaced ? "Namespaced" : "Cluster",
                singularResource: "",
                verbs: r.verbs,
              })),
            },
          ],
        });
        return send(
          200,
          {
            kind: "APIGroupDiscoveryList",
            apiVersion: "apidiscovery.k8s.io/v2",
            metadata: {},
            items: [version(GROUP, "v1beta1", "Metrics"), version(INSECURE_GROUP, "v1", "Things")],
          },
          AGGREGATED,
        );
      }
      if (url.pathname === `/apis/${GV}`)
        return send(200, {
          kind: "APIResourceList",
          apiVersion: "v1",
          groupVersion: GV,
          resources: resources("Metrics"),
        });
      if (url.pathname === `/apis/${INSECURE_GROUP}/v1`)
        return send(200, {
          kind: "APIResourceList",
          apiVersion: "v1",
          groupVersion: `${INSECURE_GROUP}/v1`,
          resources: resources("Things"),
        });
      if (url.pathname.includes("/pods/hold-")) {
        this.held.push(res);
        return;
      }
      if (url.pathname === `/apis/${GV}/namespaces/default/pods` || url.pathname === `/apis/${INSECURE_GROUP}/v1/nodes`)
        return send(200, { kind: "List", apiVersion: "v1", metadata: {}, items: [], query: url.search });
      send(404, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "the server could not find the requested resource",
        reason: "NotFound",
        code: 404,
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, this.address, resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  release(): void {
    for (const res of this.held.splice(0)) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "PodMetrics", apiVersion: GV, metadata: { name: "hold" } }));
    }
  }

  stop(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const manifest = (...objects: unknown[]) => JSON.stringify({ apiVersion: "v1", kind: "List", items: objects });

function serviceObjects(b: Backend, o: { portName?: string; port?: number } = {}) {
  return [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "aggtest", namespace: "default" },
      spec: { ports: [{ name: "https", port: 443, targetPort: b.port }] },
    },
    {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "aggtest", namespace: "default" },
      subsets: [{ addresses: [{ ip: b.address }], ports: [{ name: o.portName ?? "https", port: o.port ?? b.port }] }],
    },
  ];
}

function apiServices(b: Backend) {
  return [
    {
      apiVersion: "apiregistration.k8s.io/v1",
      kind: "APIService",
      metadata: { name: APISERVICE },
      spec: {
        group: GROUP,
        version: "v1beta1",
        service: { namespace: "default", name: "aggtest" },
        caBundle: b.caBundle,
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    },
    {
      apiVersion: "apiregistration.k8s.io/v1",
      kind: "APIService",
      metadata: { name: INSECURE_APISERVICE },
      spec: {
        group: INSECURE_GROUP,
        version: "v1",
        service: { namespace: "default", name: "aggtest", port: 443 },
        insecureSkipTLSVerify: true,
        groupPriorityMinimum: 90,
        versionPriority: 10,
      },
    },
  ];
}

/**
 * A cluster-admin service account whose every request its FlowSchema (both named `name`) sends to `level`: a level
 * of one nominal share that lends and borrows nothing, answering with `limitResponse` once its seats are taken.
 */
function accountAtTinyLevel(
  name: string,
  level: string,
  limitResponse: Record<string, unknown>,
  schema: Record<string, unknown> = {},
): string {
  return manifest(
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: "default" } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: `compat-${name}` },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name, namespace: "default" }],
    },
    {
      apiVersion: "flowcontrol.apiserver.k8s.io/v1",
      kind: "PriorityLevelConfiguration",
      metadata: { name: level },
      spec: {
        type: "Limited",
        limited: { nominalConcurrencyShares: 1, lendablePercent: 0, borrowingLimitPercent: 0, limitResponse },
      },
    },
    {
      apiVersion: "flowcontrol.apiserver.k8s.io/v1",
      kind: "FlowSchema",
      metadata: { name },
      spec: {
        priorityLevelConfiguration: { name: level },
        matchingPrecedence: 500,
        ...schema,
        rules: [
          {
            subjects: [{ kind: "ServiceAccount", serviceAccount: { namespace: "default", name } }],
            resourceRules: [
              { verbs: ["*"], apiGroups: ["*"], resources: ["*"], namespaces: ["*"], clusterScope: true },
            ],
          },
        ],
      },
    },
  );
}

const condition = async (s: ServerClient, name: string) => {
  const r = await s.kubectl([
    "get",
    "apiservice",
    name,
    "-o",
    "jsonpath={.status.conditions[0].reason} {.status.conditions[0].message}",
  ]);
  return r.code === 0 ? r.stdout : "";
};

describe("compat: API aggregation and priority & fairness against kube-apiserver", function () {
  this.timeout(600_000);
  const servers = useSideBySide({
    cluster: "aggfc",
    host: { nodes: 1, apiserverFlags: ["--enable-priority-and-fairness=true", "--enable-aggregator-routing=true"] },
    kubectl: { timeoutMs: 60_000 },
  });
  let kube: ServerClient;
  let ours: ServerClient;
  let sides: ServerClient[];
  const backend = new Backend();

  before(async () => {
    [kube, ours] = servers.both;
    sides = [kube, ours];
    await backend.start();
    await Promise.all(
      sides.map((s) =>
        s.kubectlOk(["create", "-f", "-"], { stdin: manifest(...serviceObjects(backend), ...apiServices(backend)) }),
      ),
    );
  });
  after(async () => {
    await backend?.stop();
  });

  const both = async (args: string[], stdin?: string) => {
    const [k, e] = await servers.onBoth((s) => s.kubectl(args, { stdin }));
    return { k, e };
  };
  /**
   * Creates a service account's FlowSchema `name` (with its level and the account, in `objects`) on both servers;
   * once a request of the account is classified into the schema, the account's token on each server.
   */
  const inForce = async (name: string, objects: string): Promise<string[]> => {
    await Promise.all(sides.map((s) => s.kubectlOk(["create", "-f", "-"], { stdin: objects })));
    const tokens = await Promise.all(sides.map(async (s) => (await s.kubectlOk(["create", "token", name])).trim()));
    for (const [i, s] of sides.entries()) {
      const fsUid = (await s.kubectlOk(["get", "flowschema", name, "-o", "jsonpath={.metadata.uid}"])).trim();
      await waitFor(
        `the ${name} schema in force on ${s.name}`,
        async () => {
          const r = await s.request("GET", "/api/v1/namespaces/default/configmaps", { token: tokens[i] });
          return r.headers["x-kubernetes-pf-flowschema-uid"] === fsUid;
        },
        30_000,
        200,
      );
    }
    return tokens;
  };

  /** BURST requests at once to the backend's "hold" path, where those given a seat wait: all, and those answered. */
  const BURST = 8;
  const burst = (s: ServerClient, name: string, token: string) => {
    const settled: RawReply[] = [];
    const requests = Array.from({ length: BURST }, (_, k) =>
      s.request("GET", `/apis/${GV}/namespaces/default/pods/${name}-${k}`, { token }).then((r) => {
        settled.push(r);
        return r;
      }),
    );
    return { requests, settled };
  };

  const sameOutput = async (args: string[], stdin?: string, filter: (t: string) => string = (t) => t) => {
    const { k, e } = await both(args, stdin);
    assert.equal(e.code, k.code, `${args.join(" ")}: exit codes (evk stderr: ${e.stderr})`);
    assert.equal(normalise(filter(e.stdout)), normalise(filter(k.stdout)), args.join(" "));
    assert.equal(normalise(e.stderr), normalise(k.stderr), `${args.join(" ")} (stderr)`);
  };

  it("registers the same local APIServices, printed the same (get, -o wide, -o yaml)", async () => {
    // kube serves a few groups evk does not (discovery.compat.test.ts lists them): rows for those are left out.
    const served = new Set(
      ((await ours.json("GET", "/apis")) as { groups: { versions: { groupVersion: string }[] }[] }).groups
        .flatMap((g) => g.versions.map((v) => v.groupVersion))
        .map((gv) => (gv.includes("/") ? `${gv.split("/")[1]}.${gv.split("/")[0]}` : `${gv}.`)),
    );
    served.add("v1.");
    const keep = (name: string) => name === "NAME" || served.has(name);
    for (const wide of [[], ["-o", "wide"]]) {
      const { k, e } = await both(["get", "apiservices", ...wide]);
      assert.equal(normalise(rowsNamed(e.stdout, keep)), normalise(rowsNamed(k.stdout, keep)));
      assert.ok(e.stdout.includes("v1.apps"), e.stdout);
    }
    await sameOutput([
      "get",
      "apiservices",
      "v1.",
      "v1.apps",
      "v2.autoscaling",
      "v1.flowcontrol.apiserver.k8s.io",
      "-o",
      "yaml",
    ]);
  });

  it("makes a service-backed APIService Available, lists and proxies its group-version", async () => {
    for (const s of sides)
      for (const name of [APISERVICE, INSECURE_APISERVICE])
        await waitFor(
          `${name} Available on ${s.name}`,
          async () => (await condition(s, name)).startsWith("Passed"),
          60_000,
          250,
        );
    await sameOutput(["get", "apiservices", APISERVICE, INSECURE_APISERVICE]);
    await sameOutput(["get", "apiservice", APISERVICE, "-o", "yaml"]);
    // Discovery: the legacy group document, the group in /apis, and the aggregated entry with the backend's resources.
    for (const path of [`/apis/${GROUP}`, `/apis/${GV}`]) {
      const [k, e] = await Promise.all([kube.json("GET", path), ours.json("GET", path)]);
      assert.deepEqual(e, k, path);
    }
    const group = async (s: ServerClient, name: string) =>
      ((await s.json("GET", "/apis")) as { groups: { name: string }[] }).groups.find((g) => g.name === name);
    assert.deepEqual(await group(ours, GROUP), await group(kube, GROUP));
    const aggregated = async (s: ServerClient) => {
      const r = await s.request("GET", "/apis", { accept: `${AGGREGATED},application/json` });
      const items = (JSON.parse(r.body) as { items: { metadata: { name: string } }[] }).items;
      return items.filter((i) => [GROUP, INSECURE_GROUP].includes(i.metadata.name));
    };
    await waitFor(
      "the backend's resources in aggregated discovery",
      async () => {
        const [k, e] = await Promise.all([aggregated(kube), aggregated(ours)]);
        return JSON.stringify(k) === JSON.stringify(e) && JSON.stringify(k).includes("PodMetrics");
      },
      90_000,
      500,
    ).catch(async (err) => {
      assert.deepEqual(await aggregated(ours), await aggregated(kube));
      throw err;
    });
    await sameOutput(["api-resources", `--api-group=${GROUP}`]);
    // Requests: proxied with the query re-encoded, the caller named in X-Remote-* and no credentials.
    backend.seen.length = 0;
    for (const s of sides) {
      const r = await s.request("GET", `/apis/${GV}/namespaces/default/pods?b=2&a=1`);
      assert.equal(r.status, 200, `${s.name}: ${r.body}`);
      assert.equal(JSON.parse(r.body).query, "?a=1&b=2");
      const i = await s.request("GET", `/apis/${INSECURE_GROUP}/v1/nodes`);
      assert.equal(i.status, 200, `${s.name}: ${i.body}`);
    }
    const proxied = backend.seen.filter((x) => x.path.endsWith("/pods"));
    assert.equal(proxied.length, 2);
    for (const p of proxied) {
      assert.equal(p.authorization, undefined);
      assert.equal(p.groups, "system:masters, system:authenticated");
    }
    await sameOutput(["get", "--raw", `/apis/${GV}/namespaces/default/pods/missing`]);
  });

  it("follows its Service and endpoints as kube does: the same conditions, 503 while unavailable", async () => {
    const steps: { name: string; apply: () => Promise<void>; reason: string }[] = [
      {
        name: "no endpoints",
        apply: async () => {
          await Promise.all(sides.map((s) => s.kubectlOk(["delete", "endpoints", "aggtest"])));
        },
        reason: "EndpointsNotFound",
      },
      {
        name: "endpoints on another port name",
        apply: async () => {
          await Promise.all(
            sides.map((s) =>
              s.kubectlOk(["create", "-f", "-"], {
                stdin: manifest(serviceObjects(backend, { portName: "other" })[1]),
              }),
            ),
          );
        },
        reason: "MissingEndpoints",
      },
      {
        name: "endpoints where nothing listens",
        apply: async () => {
          await Promise.all(sides.map((s) => s.kubectlOk(["delete", "endpoints", "aggtest"])));
          await Promise.all(
            sides.map((s) =>
              s.kubectlOk(["create", "-f", "-"], { stdin: manifest(serviceObjects(backend, { port: 1 })[1]) }),
            ),
          );
        },
        reason: "FailedDiscoveryCheck",
      },
      {
        name: "no service",
        apply: async () => {
          await Promise.all(sides.map((s) => s.kubectlOk(["delete", "service", "aggtest"])));
        },
        reason: "ServiceNotFound",
      },
    ];
    for (const step of steps) {
      await step.apply();
      const got: string[] = [];
      for (const s of sides)
        got.push(
          await waitFor(
            `${step.reason} on ${s.name} (${step.name})`,
            async () => {
              const c = await condition(s, APISERVICE);
              return c.startsWith(step.reason) ? c : undefined;
            },
            60_000,
            250,
          ),
        );
      assert.equal(got[1], got[0], step.name);
      const { k, e } = await both(["get", "apiservice", APISERVICE]);
      assert.equal(normalise(e.stdout), normalise(k.stdout), step.name);
      for (const s of sides) {
        const r = await s.request("GET", `/apis/${GV}/namespaces/default/pods`);
        assert.deepEqual(
          [r.status, r.body, r.headers["content-type"]],
          [503, "service unavailable\n", "text/plain; charset=utf-8"],
          `${s.name} ${step.name}`,
        );
      }
    }
    // Everything back: Available again. (kube's endpoints controller removed the Endpoints with the Service.)
    await Promise.all(sides.map((s) => s.kubectlOk(["delete", "endpoints", "aggtest", "--ignore-not-found"])));
    await Promise.all(
      sides.map((s) => s.kubectlOk(["create", "-f", "-"], { stdin: manifest(...serviceObjects(backend)) })),
    );
    for (const s of sides)
      await waitFor(
        `${APISERVICE} Available again on ${s.name}`,
        async () => (await condition(s, APISERVICE)).startsWith("Passed"),
        60_000,
        250,
      );
  });

  it("refuses bad APIServices with kube's errors", async () => {
    const bad = (name: string, spec: Record<string, unknown>) =>
      manifest({ apiVersion: "apiregistration.k8s.io/v1", kind: "APIService", metadata: { name }, spec });
    await sameOutput(
      ["create", "--validate=false", "-f", "-"],
      bad("wrong.name", { group: "x.io", version: "v1", groupPriorityMinimum: 1, versionPriority: 1 }),
    );
    await sameOutput(
      ["create", "--validate=false", "-f", "-"],
      bad("v1.x.io", {
        group: "x.io",
        version: "v1",
        groupPriorityMinimum: 0,
        versionPriority: 2000,
        insecureSkipTLSVerify: true,
        caBundle: "YWJj",
        service: { name: "s" },
      }),
    );
  });

  it("has kube's bootstrap flow schemas and priority levels, printed the same", async () => {
    for (const resource of ["flowschemas", "prioritylevelconfigurations"]) {
      await sameOutput(["get", resource]);
      await sameOutput(["get", resource, "-o", "wide"]);
      await sameOutput(["get", resource, "-o", "yaml"]);
    }
  });

  it("names the matched schema and level in every response's headers", async () => {
    const reader = manifest(
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "reader", namespace: "default" } },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "compat-reader" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
        subjects: [{ kind: "ServiceAccount", name: "reader", namespace: "default" }],
      },
    );
    await Promise.all(sides.map((s) => s.kubectlOk(["create", "-f", "-"], { stdin: reader })));
    const tokens = await Promise.all(sides.map(async (s) => (await s.kubectlOk(["create", "token", "reader"])).trim()));
    const cases: [string, string, "admin" | "anonymous" | "reader"][] = [
      ["admin, a resource", "/api/v1/namespaces", "admin"],
      ["admin, a watch", "/api/v1/namespaces?watch=1&timeoutSeconds=1", "admin"],
      ["admin, a non-resource path", "/version", "admin"],
      ["admin, an aggregated API", `/apis/${GV}/namespaces/default/pods`, "admin"],
      ["anonymous probe", "/healthz", "anonymous"],
      ["anonymous version", "/version", "anonymous"],
      ["a service account", "/api/v1/namespaces/default/configmaps", "reader"],
    ];
    for (const [name, path, who] of cases) {
      const seen: string[] = [];
      for (const [i, s] of sides.entries()) {
        const r = await s.request("GET", path, who === "admin" ? {} : { token: who === "reader" ? tokens[i] : null });
        const fs = await nameOfUid(s, "flowschemas", r.headers["x-kubernetes-pf-flowschema-uid"] as string);
        const pl = await nameOfUid(
          s,
          "prioritylevelconfigurations",
          r.headers["x-kubernetes-pf-prioritylevel-uid"] as string,
        );
        seen.push(`${r.status} ${fs}/${pl}`);
      }
      assert.equal(seen[1], seen[0], name);
    }
  });

  it("keeps mandatory specs fixed, user-owned suggested ones as edited, and marks dangling references", async () => {
    await sameOutput([
      "patch",
      "flowschema",
      "catch-all",
      "--type=merge",
      "-p",
      '{"spec":{"matchingPrecedence":9999}}',
    ]);
    await sameOutput([
      "patch",
      "prioritylevelconfiguration",
      "catch-all",
      "--type=merge",
      "-p",
      '{"spec":{"limited":{"nominalConcurrencyShares":6}}}',
    ]);
    await sameOutput([
      "patch",
      "prioritylevelconfiguration",
      "exempt",
      "--type=merge",
      "-p",
      '{"spec":{"exempt":{"nominalConcurrencyShares":3}}}',
    ]);
    await sameOutput([
      "patch",
      "flowschema",
      "global-default",
      "--type=merge",
      "-p",
      '{"metadata":{"annotations":{"apf.kubernetes.io/autoupdate-spec":"false"}},"spec":{"matchingPrecedence":9800}}',
    ]);
    await sameOutput(["get", "flowschema", "global-default", "prioritylevelconfiguration/exempt", "-o", "yaml"]);
    const orphan = manifest({
      apiVersion: "flowcontrol.apiserver.k8s.io/v1",
      kind: "FlowSchema",
      metadata: { name: "orphan" },
      spec: {
        priorityLevelConfiguration: { name: "nowhere" },
        rules: [
          {
            subjects: [{ kind: "User", user: { name: "nobody" } }],
            nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["/x/*"] }],
          },
        ],
      },
    });
    await sameOutput(["create", "-f", "-"], orphan);
    for (const s of sides)
      await waitFor(
        `orphan's Dangling condition on ${s.name}`,
        async () => {
          const r = await s.kubectl(["get", "flowschema", "orphan", "-o", "jsonpath={.status.conditions[0].status}"]);
          return r.stdout === "True";
        },
        30_000,
        250,
      );
    await sameOutput(["get", "flowschema", "orphan", "-o", "yaml"]);
    await sameOutput(["get", "flowschema", "orphan"]);
    const bad = manifest(
      {
        apiVersion: "flowcontrol.apiserver.k8s.io/v1",
        kind: "FlowSchema",
        metadata: { name: "bad" },
        spec: {
          priorityLevelConfiguration: { name: "" },
          matchingPrecedence: 1,
          distinguisherMethod: { type: "ByColour" },
          rules: [
            {
              subjects: [{ kind: "Robot" }],
              resourceRules: [{ verbs: ["get", "*"], apiGroups: [], resources: ["pods"] }],
            },
          ],
        },
      },
      {
        apiVersion: "flowcontrol.apiserver.k8s.io/v1",
        kind: "PriorityLevelConfiguration",
        metadata: { name: "bad" },
        spec: {
          type: "Limited",
          limited: { lendablePercent: 101, limitResponse: { type: "Queue", queuing: { queues: 512, handSize: 7 } } },
        },
      },
    );
    await sameOutput(["create", "--validate=false", "-f", "-"], bad);
  });

  it("rejects a burst beyond a tiny Reject level's seats with 429 and Retry-After, as kube does", async () => {
    const objects = accountAtTinyLevel(
      "burst",
      "tiny",
      { type: "Reject" },
      { distinguisherMethod: { type: "ByUser" } },
    );
    // The tiny level is in force once a request of the burst account is classified into it.
    const tokens = await inForce("burst", objects);
    // Seats: 600 × 1 / (245 + 1) shares, rounded up, is 3; nothing to lend or borrow.
    const seats = async (s: ServerClient) =>
      (await s.kubectlOk(["get", "--raw", "/metrics"]))
        .split("\n")
        .filter((l) => /^apiserver_flowcontrol_(nominal|lower|upper)_limit_seats\{/.test(l))
        .sort()
        .join("\n");
    const [kubeSeats, evkSeats] = await Promise.all([seats(kube), seats(ours)]);
    assert.equal(evkSeats, kubeSeats);
    assert.match(kubeSeats, /nominal_limit_seats\{priority_level="tiny"\} 3/);

    const outcomes: {
      status: number;
      retryAfter: string | undefined;
      type: string | undefined;
      body: string;
      pf: boolean;
    }[][] = [];
    for (const [i, s] of sides.entries()) {
      const { requests, settled } = burst(s, `hold-${s.name}`, tokens[i] as string);
      // Every request is either held by the backend (it got a seat) or already answered 429.
      await waitFor(
        `the burst on ${s.name} to be placed`,
        async () => backend.holding + settled.length === BURST,
        60_000,
        50,
      );
      assert.equal(
        backend.holding,
        3,
        `${s.name}: requests that got a seat (answered: ${settled.map((r) => `${r.status} ${r.body.slice(0, 200)}`).join(" | ")})`,
      );
      backend.release();
      const replies = await Promise.all(requests);
      outcomes.push(
        replies
          .map((r) => ({
            status: r.status,
            // The value grows with the drops of each second, which depends on how the burst falls in time.
            retryAfter: /^[1-9]\d*$/.test(String(r.headers["retry-after"])) ? "<seconds>" : r.headers["retry-after"],
            type: r.headers["content-type"],
            body: r.status === 429 ? r.body : "",
            pf: typeof r.headers["x-kubernetes-pf-flowschema-uid"] === "string",
          }))
          .sort((a, b) => a.status - b.status),
      );
    }
    assert.deepEqual(outcomes[1], outcomes[0]);
    const rejected = (outcomes[0] ?? []).filter((o) => o.status === 429);
    assert.equal(rejected.length, BURST - 3);
    assert.deepEqual(rejected[0], {
      status: 429,
      retryAfter: "<seconds>",
      type: "text/plain; charset=utf-8",
      body: "Too many requests, please try again later.\n",
      pf: true,
    });
    // Both count what they rejected.
    for (const s of sides) {
      const m = await s.kubectlOk(["get", "--raw", "/metrics"]);
      assert.match(
        m,
        /apiserver_flowcontrol_rejected_requests_total\{flow_schema="burst",priority_level="tiny",reason="concurrency-limit"\} 5/,
        s.name,
      );
    }
  });

  it("queues a burst at a level with one short queue: runs 3, queues 2, rejects the rest, then runs the queued", async () => {
    const objects = accountAtTinyLevel("queued", "tinyq", {
      type: "Queue",
      queuing: { queues: 1, handSize: 1, queueLengthLimit: 2 },
    });
    const tokens = await inForce("queued", objects);
    const results: string[] = [];
    for (const [i, s] of sides.entries()) {
      const { requests, settled } = burst(s, `hold-q-${s.name}`, tokens[i] as string);
      // Three run (held by the backend), two wait in the queue, three find it full.
      await waitFor(
        `the first seats taken on ${s.name}`,
        async () => backend.holding === 3 && settled.length === BURST - 5,
        60_000,
        50,
      );
      backend.release();
      await waitFor(`the queued requests to run on ${s.name}`, async () => backend.holding === 2, 30_000, 50);
      backend.release();
      const replies = await Promise.all(requests);
      results.push(
        replies
          .map((r) => r.status)
          .sort()
          .join(","),
      );
      const m = await s.kubectlOk(["get", "--raw", "/metrics"]);
      assert.match(
        m,
        /apiserver_flowcontrol_rejected_requests_total\{flow_schema="queued",priority_level="tinyq",reason="queue-full"\} 3/,
        s.name,
      );
    }
    assert.equal(results[0], "200,200,200,200,200,429,429,429");
    assert.equal(results[1], results[0]);
  });

  it("puts back deleted bootstrap objects, drops auto-updated strays and keeps user-owned edits within a minute", async () => {
    const stray = manifest({
      apiVersion: "flowcontrol.apiserver.k8s.io/v1",
      kind: "FlowSchema",
      metadata: { name: "stray", annotations: { "apf.kubernetes.io/autoupdate-spec": "true" } },
      spec: {
        priorityLevelConfiguration: { name: "global-default" },
        rules: [
          {
            subjects: [{ kind: "User", user: { name: "nobody" } }],
            nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["/y"] }],
          },
        ],
      },
    });
    await Promise.all(sides.map((s) => s.kubectlOk(["create", "-f", "-"], { stdin: stray })));
    await Promise.all(sides.map((s) => s.kubectlOk(["delete", "flowschema", "probes", "catch-all"])));
    // kube-apiserver's ensurer runs every minute: both servers must have had their pass well within two.
    for (const s of sides)
      await waitFor(
        `the bootstrap configuration restored on ${s.name}`,
        async () => {
          const names = (await s.kubectlOk(["get", "flowschemas", "-o", "name"])).split("\n");
          return (
            names.includes("flowschema.flowcontrol.apiserver.k8s.io/probes") &&
            names.includes("flowschema.flowcontrol.apiserver.k8s.io/catch-all") &&
            !names.includes("flowschema.flowcontrol.apiserver.k8s.io/stray")
          );
        },
        120_000,
        1000,
      );
    for (const s of sides)
      await waitFor(
        `the restored schemas' conditions on ${s.name}`,
        async () => {
          const r = await s.kubectl([
            "get",
            "flowschemas",
            "probes",
            "catch-all",
            "-o",
            "jsonpath={.items[*].status.conditions[0].reason}",
          ]);
          return r.stdout === "Found Found";
        },
        30_000,
        250,
      );
    await sameOutput(["get", "flowschemas", "probes", "catch-all", "global-default", "-o", "yaml"]);
    await sameOutput(["get", "flowschemas"]);
  });

  it("explains the new kinds from the same OpenAPI", async () => {
    await sameOutput(["explain", "flowschema.spec.distinguisherMethod"]);
    await sameOutput(["explain", "apiservice.spec.service"]);
  });
});
