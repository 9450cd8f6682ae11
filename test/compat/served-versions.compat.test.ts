import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { AGES, IPS, normaliser, type ServerClient, sleep, useSideBySide, waitFor } from "@evk/testing";

// What kube-apiserver 1.35 serves beside the kinds every cluster has, side by side with a whole virtual
// cluster on the same host: autoscaling/v1 HorizontalPodAutoscalers over the stored v2 objects, the service
// IP allocator's ServiceCIDRs and IPAddresses (the host allocates; evk shows it), and in-place pod resize
// carried to the host pod. Raw requests and kubectl, outputs compared after normalising what must differ.

const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";

interface Reply {
  status: number;
  body: unknown;
}

/** A request; the answer's body parsed where it is JSON, else as text. */
async function req(
  c: ServerClient,
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
  accept?: string,
): Promise<Reply> {
  const r = await c.request(method, path, {
    ...(body === undefined ? {} : { body, ...(contentType ? { contentType } : {}) }),
    ...(accept ? { accept } : {}),
  });
  let parsed: unknown = r.body;
  try {
    parsed = JSON.parse(r.body);
  } catch {
    // not JSON: compared as text
  }
  return { status: r.status, body: parsed };
}

/** Watch events of `path` (a watch=true URL) until `count` have come or `ms` passed. */
async function watch(
  c: ServerClient,
  path: string,
  count: number,
  ms: number,
): Promise<{ type: string; object: Record<string, unknown> }[]> {
  // Whole lines only: the last one may still be on its way.
  const events = (b: Buffer) =>
    b
      .toString("utf8")
      .split("\n")
      .slice(0, -1)
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as { type: string; object: Record<string, unknown> });
  const r = await c.request("GET", path, { until: (b) => events(b).length >= count, readForMs: ms });
  return events(r.bytes);
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const [IP] = IPS;
const AGE = /^\d+(s|m\d*s?|h\d*m?|d\d*h?)$/;

/**
 * What two correct servers may differ in: identities, times, revisions, IPs, generated volume names, managed
 * fields (evk records none) and evk's own bookkeeping annotations.
 */
function normalise(v: unknown, key = ""): unknown {
  if (Array.isArray(v))
    return v.map((x) => {
      // evk writes kind and apiVersion into list items, which kube leaves out (the same for every kind).
      if (key !== "items" || !x || typeof x !== "object") return normalise(x);
      const { kind: _k, apiVersion: _a, ...rest } = x as Record<string, unknown>;
      return normalise(rest);
    });
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (["uid", "resourceVersion", "managedFields", "selfLink"].includes(k)) continue;
      if (key === "annotations" && k.startsWith("evk.dev/")) continue;
      out[k.replace(IP, "<ip>")] = normalise(x, k);
    }
    if (key === "metadata" && out.annotations && Object.keys(out.annotations).length === 0) delete out.annotations;
    return out;
  }
  if (typeof v === "string") {
    if (TIME.test(v)) return "<time>";
    if (AGE.test(v)) return "<age>";
    return v.replace(IP, "<ip>").replace(/kube-api-access-[a-z0-9]{5}/g, "kube-api-access-<x>");
  }
  return v;
}

/** Inside the JSON an annotation carries, the same as outside. */
function normaliseAnnotations(o: unknown): unknown {
  const meta = (o as { metadata?: { annotations?: Record<string, string> } })?.metadata;
  if (!meta?.annotations) return o;
  for (const [k, v] of Object.entries(meta.annotations))
    if (k.startsWith("autoscaling.alpha.kubernetes.io/"))
      meta.annotations[k] = v.replace(/"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"/g, '"<time>"');
  return o;
}

const same = (kube: unknown, evk: unknown, what: string) =>
  assert.deepEqual(normalise(normaliseAnnotations(evk)), normalise(normaliseAnnotations(kube)), what);

describe("compat: served versions (autoscaling/v1, ServiceCIDRs and IPAddresses, pods/resize) against kube-apiserver", function () {
  this.timeout(600_000);
  const sides = useSideBySide({
    cluster: "versions",
    virtualCluster: { syncers: ["syncer-pods", "syncer-services"], nodes: 1, controllerManager: false },
    // The host's HPA controller would write conditions into the host's autoscalers while they are compared.
    host: { controllerManagerFlags: ["--controllers=*,-horizontalpodautoscaling"] },
  });
  let kube: ServerClient;
  let evk: ServerClient;
  const ns = "served-versions";
  const hpas = `/apis/autoscaling/v1/namespaces/${ns}/horizontalpodautoscalers`;
  const hpas2 = `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`;

  /** The same request to both servers. */
  const both = (method: string, path: string, body?: unknown, contentType?: string, accept?: string) =>
    Promise.all([
      req(kube, method, path, body, contentType, accept),
      req(evk, method, path, body, contentType, accept),
    ]);
  const compare = async (what: string, method: string, path: string, body?: unknown, contentType?: string) => {
    const [k, e] = await both(method, path, body, contentType);
    assert.equal(e.status, k.status, `${what}: ${JSON.stringify(e.body)}`);
    same(k.body, e.body, what);
    return k.body as Record<string, unknown>;
  };
  /** Waits until the object at `path` lists a condition of this type, whatever its status. */
  const conditionListed = (c: ServerClient, path: string, type: string, timeoutMs: number) =>
    waitFor(
      `the ${type} condition`,
      async () => {
        const o = (await req(c, "GET", path)).body as { status?: { conditions?: { type: string }[] } };
        return o.status?.conditions?.some((x) => x.type === type) ?? false;
      },
      timeoutMs,
    );
  const kubectl = async (c: ServerClient, args: string[], input?: string) => {
    const r = await c.kubectl(args, { stdin: input });
    return { code: r.code, out: `${r.stdout}${r.stderr}` };
  };
  const textOf = normaliser(
    IPS,
    [/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/g, "<time>"],
    AGES,
    [/(resourceVersion: )"\d+"/g, "$1<rv>"],
    [/uid: [0-9a-f-]{36}/g, "uid: <uid>"],
  );
  const sameKubectl = async (args: string[], input?: string) => {
    const [k, e] = await Promise.all([kubectl(kube, args, input), kubectl(evk, args, input)]);
    assert.equal(textOf(e.out), textOf(k.out), `kubectl ${args.join(" ")}`);
    assert.equal(e.code, k.code, `kubectl ${args.join(" ")}`);
    return k.out;
  };

  before(async () => {
    [kube, evk] = sides.both;
    await both("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  });

  describe("autoscaling/v1 HorizontalPodAutoscalers", () => {
    const v1 = (name: string, extra: Record<string, unknown> = {}) => ({
      apiVersion: "autoscaling/v1",
      kind: "HorizontalPodAutoscaler",
      metadata: {
        name,
        annotations: {
          team: "a",
          "autoscaling.alpha.kubernetes.io/metrics": JSON.stringify([
            { type: "Pods", pods: { metricName: "packets", targetAverageValue: "1000m" } },
            {
              type: "Object",
              object: {
                target: { kind: "Service", name: "s" },
                metricName: "rps",
                targetValue: "2",
                averageValue: "5",
              },
            },
            {
              type: "External",
              external: { metricName: "q", targetValue: "3", metricSelector: { matchLabels: { a: "b" } } },
            },
          ]),
          "autoscaling.alpha.kubernetes.io/behavior": JSON.stringify({
            scaleDown: { stabilizationWindowSeconds: 30, Policies: [{ Type: "Pods", Value: 1, PeriodSeconds: 60 }] },
          }),
          "autoscaling.alpha.kubernetes.io/conditions": JSON.stringify([{ type: "ScalingActive", status: "True" }]),
        },
      },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        maxReplicas: 4,
        targetCPUUtilizationPercentage: 70,
      },
      status: { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 9 },
      ...extra,
    });
    const v2 = {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "from-v2", annotations: { "autoscaling.alpha.kubernetes.io/metrics": "dropped" } },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [
          { type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "1000Mi" } } },
          { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } },
          {
            type: "Pods",
            pods: {
              metric: { name: "packets", selector: { matchLabels: { x: "z" } } },
              target: { type: "AverageValue", averageValue: "1k" },
            },
          },
          {
            type: "Object",
            object: {
              describedObject: { kind: "Service", name: "s" },
              metric: { name: "rps" },
              target: { type: "Value", value: 10 },
            },
          },
          { type: "External", external: { metric: { name: "q" }, target: { type: "AverageValue", averageValue: 30 } } },
          {
            type: "ContainerResource",
            containerResource: { name: "cpu", container: "c", target: { type: "Utilization", averageUtilization: 60 } },
          },
        ],
        behavior: { scaleUp: { stabilizationWindowSeconds: 10, tolerance: "50m" } },
      },
    };

    it("create, read and list in v1 and v2 convert as kube converts", async () => {
      await compare("create v1", "POST", hpas, v1("from-v1"));
      await compare("get v1 as v2", "GET", `${hpas2}/from-v1`);
      await compare("create v2", "POST", hpas2, v2);
      await compare("get v2 as v1", "GET", `${hpas}/from-v2`);
      const list = await compare("list v1", "GET", hpas);
      assert.equal((list.items as unknown[]).length, 2);
      const [k, e] = await both("GET", `${hpas}?includeObject=Object`, undefined, undefined, TABLE);
      same(k.body, e.body, "table of v1 autoscalers with the objects");
    });

    it("updates, patches (merge, strategic, JSON) and status writes through v1 land in the v2 object as in kube", async () => {
      const cur = (await req(evk, "GET", `${hpas}/from-v2`)).body as Record<string, unknown>;
      const kcur = (await req(kube, "GET", `${hpas}/from-v2`)).body as Record<string, unknown>;
      // The v1 form (annotations and all) goes back unchanged but for the fields a v1 client edits.
      const edit = (o: Record<string, unknown>) => ({
        ...o,
        spec: { ...(o.spec as object), maxReplicas: 6, targetCPUUtilizationPercentage: 40 },
      });
      const [k, e] = await Promise.all([
        req(kube, "PUT", `${hpas}/from-v2`, edit(kcur)),
        req(evk, "PUT", `${hpas}/from-v2`, edit(cur)),
      ]);
      assert.equal(e.status, k.status, JSON.stringify(e.body));
      same(k.body, e.body, "update v1");
      await compare("the update, as v2", "GET", `${hpas2}/from-v2`);
      await compare(
        "merge patch v1",
        "PATCH",
        `${hpas}/from-v1`,
        { spec: { minReplicas: 2 } },
        "application/merge-patch+json",
      );
      await compare(
        "strategic patch v1",
        "PATCH",
        `${hpas}/from-v1`,
        {
          metadata: { annotations: { "autoscaling.alpha.kubernetes.io/metrics": null } },
          spec: { targetCPUUtilizationPercentage: 55 },
        },
        "application/strategic-merge-patch+json",
      );
      await compare(
        "JSON patch v1",
        "PATCH",
        `${hpas}/from-v1`,
        [{ op: "replace", path: "/spec/maxReplicas", value: 9 }],
        "application/json-patch+json",
      );
      await compare("the patches, as v2", "GET", `${hpas2}/from-v1`);
      await compare(
        "status patch v1",
        "PATCH",
        `${hpas}/from-v1/status`,
        {
          metadata: {
            annotations: {
              "autoscaling.alpha.kubernetes.io/conditions": JSON.stringify([
                {
                  type: "AbleToScale",
                  status: "True",
                  lastTransitionTime: "2026-01-01T00:00:00Z",
                  reason: "R",
                  message: "m",
                },
              ]),
            },
          },
          status: { currentReplicas: 3, desiredReplicas: 4, currentCPUUtilizationPercentage: 21 },
        },
        "application/merge-patch+json",
      );
      await compare("status, as v2", "GET", `${hpas2}/from-v1/status`);
      await compare("status, as v1", "GET", `${hpas}/from-v1/status`);
    });

    it("a v1 watch sends every event in v1, whichever version wrote it", async () => {
      const rv = (r: Reply) => (r.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
      const [k0, e0] = await both("GET", hpas);
      const path = (from: string) => `${hpas}?watch=true&resourceVersion=${from}&timeoutSeconds=30`;
      const [kw, ew] = [watch(kube, path(rv(k0)), 2, 20_000), watch(evk, path(rv(e0)), 2, 20_000)];
      await sleep(500);
      await both("PATCH", `${hpas2}/from-v2`, { spec: { maxReplicas: 8 } }, "application/merge-patch+json");
      await both("DELETE", `${hpas2}/from-v2`);
      const [k, e] = await Promise.all([kw, ew]);
      assert.deepEqual(
        e.map((x) => x.type),
        ["MODIFIED", "DELETED"],
      );
      same(k, e, "watch events");
    });

    it("bad v1 objects get kube's Status", async () => {
      const bad = (spec: Record<string, unknown>, annotations: Record<string, string> = {}) => ({
        ...v1("bad"),
        metadata: { name: "bad", annotations },
        spec,
      });
      for (const [what, body] of [
        [
          "zero target",
          bad({ maxReplicas: 0, targetCPUUtilizationPercentage: 0, scaleTargetRef: { kind: "Deployment", name: "x" } }),
        ],
        [
          "empty reference",
          bad({ maxReplicas: 3, minReplicas: 0, targetCPUUtilizationPercentage: -5, scaleTargetRef: {} }),
        ],
        [
          "bad annotated metric",
          bad(
            { maxReplicas: 3, scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "x" } },
            {
              "autoscaling.alpha.kubernetes.io/metrics": JSON.stringify([
                { type: "Pods", pods: { metricName: "", targetAverageValue: "0" } },
              ]),
            },
          ),
        ],
        [
          "bad annotated behavior",
          bad(
            { maxReplicas: 3, scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "x" } },
            {
              "autoscaling.alpha.kubernetes.io/behavior": '{"ScaleUp":{"StabilizationWindowSeconds":-1,"Policies":[]}}',
            },
          ),
        ],
        ["wrong version", { ...v1("bad"), apiVersion: "autoscaling/v2" }],
      ] as const)
        await compare(what, "POST", hpas, body);
    });

    it("kubectl reads and writes v1 as kube serves it", async () => {
      const manifest = JSON.stringify(v1("by-kubectl"));
      await sameKubectl(["-n", ns, "create", "-f", "-"], manifest);
      await sameKubectl(["-n", ns, "get", "horizontalpodautoscalers.v1.autoscaling", "by-kubectl", "-o", "yaml"]);
      await sameKubectl(["-n", ns, "get", "hpa", "by-kubectl"]);
      await sameKubectl(["-n", ns, "delete", "horizontalpodautoscalers.v1.autoscaling", "by-kubectl"]);
      await compare("delete v1", "DELETE", `${hpas}/from-v1`);
    });
  });

  describe("ServiceCIDRs and IPAddresses", () => {
    const cidrs = "/apis/networking.k8s.io/v1/servicecidrs";
    const ips = "/apis/networking.k8s.io/v1/ipaddresses";
    const ipOf = (r: Reply) => (r.body as { spec: { clusterIP?: string } }).spec.clusterIP ?? "";

    it("the default ServiceCIDR holds the host's range, Ready, with the protection finalizer", async () => {
      const kubeDefault = await compare("default ServiceCIDR", "GET", `${cidrs}/kubernetes`);
      assert.deepEqual((kubeDefault.spec as { cidrs: string[] }).cidrs, ["10.96.0.0/16"]);
      await sameKubectl(["get", "servicecidr", "kubernetes"]);
      const [k, e] = await both("GET", `${cidrs}/kubernetes`, undefined, undefined, TABLE);
      same(k.body, e.body, "ServiceCIDR table");
      // default/kubernetes: the host's own, and in the virtual cluster the host Service pods reach it by.
      const [kip, eip] = (await both("GET", "/api/v1/namespaces/default/services/kubernetes")).map(ipOf);
      await waitFor(
        "the kubernetes Service's IPAddress",
        async () => (await req(evk, "GET", `${ips}/${eip}`)).status === 200,
        30_000,
      );
      const [ka, ea] = await Promise.all([req(kube, "GET", `${ips}/${kip}`), req(evk, "GET", `${ips}/${eip}`)]);
      same(ka.body, ea.body, "the kubernetes Service's IPAddress");
      const [kt, et] = await Promise.all([
        req(kube, "GET", `${ips}/${kip}`, undefined, undefined, TABLE),
        req(evk, "GET", `${ips}/${eip}`, undefined, undefined, TABLE),
      ]);
      same(kt.body, et.body, "IPAddress table");
      const [kk, ek] = await Promise.all([
        kubectl(kube, ["get", "ipaddress", kip as string, "-o", "wide"]),
        kubectl(evk, ["get", "ipaddress", eip as string, "-o", "wide"]),
      ]);
      // The IPs differ in length, and so the column widths.
      assert.equal(textOf(ek.out).replace(/ +/g, " "), textOf(kk.out).replace(/ +/g, " "));
    });

    it("a Service's clusterIP gets its IPAddress once the host allocated it, and loses it with the Service", async () => {
      const svc = {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "web" },
        spec: { ports: [{ port: 80 }], selector: { app: "web" } },
      };
      await both("POST", `/api/v1/namespaces/${ns}/services`, svc);
      const clusterIP = async (c: ServerClient) => {
        let ip = "";
        await waitFor(
          "the Service's clusterIP",
          async () => {
            ip = ipOf(await req(c, "GET", `/api/v1/namespaces/${ns}/services/web`));
            return ip !== "";
          },
          60_000,
        );
        return ip;
      };
      const [kip, eip] = await Promise.all([clusterIP(kube), clusterIP(evk)]);
      await waitFor(
        "the Service's IPAddress",
        async () => (await req(evk, "GET", `${ips}/${eip}`)).status === 200,
        30_000,
      );
      const [k, e] = await Promise.all([req(kube, "GET", `${ips}/${kip}`), req(evk, "GET", `${ips}/${eip}`)]);
      same(k.body, e.body, "a Service's IPAddress");
      await both("DELETE", `/api/v1/namespaces/${ns}/services/web`);
      await waitFor(
        "the host IPAddress to go",
        async () => (await req(kube, "GET", `${ips}/${kip}`)).status === 404,
        30_000,
      );
      await waitFor(
        "the virtual IPAddress to go",
        async () => (await req(evk, "GET", `${ips}/${eip}`)).status === 404,
        30_000,
      );
    });

    it("user ServiceCIDRs: validation, status on create, the finalizer and Ready, immutability, /status, deletion", async () => {
      const sc = (cidrList: unknown, name = "extra") => ({
        apiVersion: "networking.k8s.io/v1",
        kind: "ServiceCIDR",
        metadata: { name },
        spec: { cidrs: cidrList },
      });
      for (const bad of [
        [],
        ["10.1.0.0/24", "10.2.0.0/24", "fd00::/64"],
        ["10.1.0.0/24", "10.2.0.0/24"],
        ["10.1.0.1/24", "x"],
        ["2001:DB8::/64"],
        ["010.1.0.0/24"],
      ])
        await compare(`ServiceCIDR ${JSON.stringify(bad)}`, "POST", cidrs, sc(bad, "bad"));
      await compare("create ServiceCIDR with status", "POST", cidrs, {
        ...sc(["10.50.0.0/24"]),
        status: {
          conditions: [
            { type: "X", status: "True", reason: "R", message: "m", lastTransitionTime: "2026-01-01T00:00:00Z" },
          ],
        },
      });
      const ready = (c: ServerClient) => conditionListed(c, `${cidrs}/extra`, "Ready", 30_000);
      await Promise.all([ready(kube), ready(evk)]);
      await compare("ServiceCIDR after the controller", "GET", `${cidrs}/extra`);
      await compare(
        "change a CIDR",
        "PATCH",
        `${cidrs}/extra`,
        { spec: { cidrs: ["10.51.0.0/24"] } },
        "application/merge-patch+json",
      );
      await compare(
        "add the other family",
        "PATCH",
        `${cidrs}/extra`,
        { spec: { cidrs: ["10.50.0.0/24", "fd00::/120"] } },
        "application/merge-patch+json",
      );
      await compare(
        "status subresource",
        "PATCH",
        `${cidrs}/extra/status`,
        {
          spec: { cidrs: ["10.9.0.0/24"] },
          status: {
            conditions: [
              { type: "Y", status: "False", reason: "Why", message: "m", lastTransitionTime: "2026-01-01T00:00:00Z" },
            ],
          },
        },
        "application/merge-patch+json",
      );
      await compare("delete ServiceCIDR", "DELETE", `${cidrs}/extra`);
      // Held by its finalizer for the controller's grace period, then gone.
      await waitFor(
        "the host ServiceCIDR to go",
        async () => (await req(kube, "GET", `${cidrs}/extra`)).status === 404,
        60_000,
      );
      await waitFor(
        "the virtual ServiceCIDR to go",
        async () => (await req(evk, "GET", `${cidrs}/extra`)).status === 404,
        60_000,
      );
    });

    it("user IPAddresses: name and parent checks, creation, an immutable parent", async () => {
      const ip = (name: string, parentRef: unknown) => ({
        apiVersion: "networking.k8s.io/v1",
        kind: "IPAddress",
        metadata: { name },
        spec: { parentRef },
      });
      const badRef = { group: "Bad_G", resource: "a/b", name: "", namespace: "x%" };
      for (const name of ["10.0.0.01", "::ffff:1.2.3.4", "FE80::1", "x"])
        await compare(`IPAddress ${name}`, "POST", ips, ip(name, badRef));
      await compare("IPAddress without a parent", "POST", ips, { ...ip("10.9.9.9", undefined), spec: {} });
      const ref = { group: "", resource: "services", namespace: "default", name: "foo" };
      await compare("IPAddress", "POST", ips, ip("10.50.0.5", ref));
      await compare("IPAddress v6", "POST", ips, ip("fd00::5", ref));
      await compare(
        "move an IPAddress",
        "PATCH",
        `${ips}/10.50.0.5`,
        { spec: { parentRef: { name: "bar" } } },
        "application/merge-patch+json",
      );
      await compare("delete IPAddress", "DELETE", `${ips}/10.50.0.5`);
      await compare("delete IPAddress v6", "DELETE", `${ips}/fd00::5`);
    });
  });

  describe("pods/resize", () => {
    const pods = `/api/v1/namespaces/${ns}/pods`;
    // Never scheduled (no node matches), so no running container stands in the way of a resize on either side.
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "rz" },
      spec: {
        nodeSelector: { nowhere: "true" },
        initContainers: [
          { name: "side", image: "busybox", restartPolicy: "Always", resources: { requests: { cpu: "10m" } } },
          { name: "init", image: "busybox" },
        ],
        containers: [
          {
            name: "c",
            image: "nginx",
            resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
            resizePolicy: [{ resourceName: "cpu", restartPolicy: "NotRequired" }],
          },
          { name: "d", image: "nginx" },
        ],
      },
    };
    const smp = "application/strategic-merge-patch+json";
    const scheduledFalse = (c: ServerClient) => conditionListed(c, `${pods}/rz`, "PodScheduled", 60_000);

    it("resizes as kube does, refuses what kube refuses, and carries the resize to the host pod", async () => {
      await both("POST", pods, pod);
      await Promise.all([scheduledFalse(kube), scheduledFalse(evk)]);
      await compare("get resize", "GET", `${pods}/rz/resize`);
      await compare(
        "resize cpu",
        "PATCH",
        `${pods}/rz/resize`,
        { spec: { containers: [{ name: "c", resources: { requests: { cpu: "150m" } } }] } },
        smp,
      );
      for (const [what, patch] of [
        [
          "another resource",
          { spec: { containers: [{ name: "c", resources: { requests: { "ephemeral-storage": "1Gi" } } }] } },
        ],
        [
          "a resize policy",
          {
            spec: {
              containers: [
                { name: "c", resizePolicy: [{ resourceName: "memory", restartPolicy: "RestartContainer" }] },
              ],
            },
          },
        ],
        ["an init container", { spec: { initContainers: [{ name: "init", resources: { requests: { cpu: "1" } } }] } }],
        ["a removed limit", { spec: { containers: [{ name: "c", resources: { limits: { cpu: null } } }] } }],
        [
          "a QoS change",
          { spec: { containers: [{ name: "c", resources: { requests: { cpu: null, memory: null } } }] } },
        ],
      ] as const)
        await compare(`resize ${what}`, "PATCH", `${pods}/rz/resize`, patch, smp);
      await compare(
        "resize a sidecar and drop other changes",
        "PATCH",
        `${pods}/rz/resize`,
        {
          metadata: { labels: { x: "y" } },
          spec: {
            initContainers: [{ name: "side", resources: { requests: { cpu: "20m" } } }],
            containers: [{ name: "c", image: "other" }],
          },
        },
        smp,
      );
      await sameKubectl([
        "-n",
        ns,
        "patch",
        "pod",
        "rz",
        "--subresource=resize",
        "-p",
        '{"spec":{"containers":[{"name":"d","resources":{"requests":{"cpu":"50m"}}}]}}',
      ]);
      const bump = (o: Record<string, unknown>) => {
        const copy = structuredClone(o) as {
          spec: { containers: { resources: { limits: Record<string, string> } }[] };
        };
        (copy.spec.containers[0] as { resources: { limits: Record<string, string> } }).resources.limits.memory =
          "256Mi";
        return copy;
      };
      // A read-modify-write: status reports from the scheduler (and on evk, their ingest) may come between.
      const update = async (c: ServerClient): Promise<Reply> => {
        for (let attempt = 0; ; attempt++) {
          const cur = (await req(c, "GET", `${pods}/rz`)).body as Record<string, unknown>;
          const r = await req(c, "PUT", `${pods}/rz/resize`, bump(cur));
          if (r.status !== 409 || attempt === 5) return r;
        }
      };
      const [k, e] = await Promise.all([update(kube), update(evk)]);
      assert.equal(e.status, k.status, JSON.stringify(e.body));
      same(k.body, e.body, "resize by update");

      // The host twin of the virtual pod follows through the host's pods/resize.
      const want = (e.body as { spec: { containers: unknown[]; initContainers: unknown[] } }).spec;
      const pick = (s: { containers?: { name: string; resources?: unknown; resizePolicy?: unknown }[] }) =>
        (s.containers ?? []).map((c) => ({ name: c.name, resources: c.resources, resizePolicy: c.resizePolicy }));
      const twin = `/api/v1/namespaces/${sides.vc.hostNamespace}/pods/rz-x-${ns}-x-versions`;
      await waitFor(
        "the resize on the host pod",
        async () => {
          const h = (await req(kube, "GET", twin)).body as {
            spec?: { containers?: never[]; initContainers?: never[] };
          };
          return (
            isDeepStrictEqual(pick(h.spec ?? {}), pick(want as never)) &&
            isDeepStrictEqual(
              pick({ containers: h.spec?.initContainers }),
              pick({ containers: want.initContainers as never[] }),
            )
          );
        },
        60_000,
      );
    });
  });

  describe("pod status", () => {
    it("records who wrote a running pod's status as kube does (its node agent's Update of /status)", async () => {
      const pods = `/api/v1/namespaces/${ns}/pods`;
      await both("POST", pods, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "st" },
        spec: { containers: [{ name: "c", image: "nginx" }] },
      });
      type Entry = { manager: string; operation: string; subresource?: string; fieldsV1: unknown };
      const statusEntry = async (c: ServerClient) => {
        let found: Entry | undefined;
        await waitFor(
          `${c.name}: st Running`,
          async () => {
            const o = (await req(c, "GET", `${pods}/st`)).body as {
              metadata: { managedFields?: Entry[] };
              status?: { phase?: string };
            };
            found = o.metadata.managedFields?.find((e) => e.subresource === "status");
            return o.status?.phase === "Running" && found !== undefined;
          },
          60_000,
        );
        return found as Entry;
      };
      const [k, e] = await Promise.all([statusEntry(kube), statusEntry(evk)]);
      // kube's pods run on kwok, which writes their status as kube's kubelet does; evk's node agent is named kubelet.
      assert.deepEqual([k.manager, e.manager], ["kwok", "kubelet"]);
      const shown = (x: Entry) =>
        normaliser(IPS)(JSON.stringify({ operation: x.operation, subresource: x.subresource, fieldsV1: x.fieldsV1 }));
      assert.equal(shown(e), shown(k));
    });
  });
});
