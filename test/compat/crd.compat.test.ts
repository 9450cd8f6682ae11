import assert from "node:assert/strict";
import {
  controllerManagerProcess,
  KUBE_VERSION,
  KUBECTL_OUTPUT,
  type KubectlStep,
  type ManagedProcess,
  normaliser,
  type ServerClient,
  useSideBySide,
  waitFor,
} from "@evk/testing";
import { KubeConfig, type KubernetesObject, makeInformer } from "@kubernetes/client-node";

const GROUP = "compat.evk.dev";
const AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

interface Step extends KubectlStep {
  /** Compare only the exit code (outputs that carry server-specific data). */
  codeOnly?: boolean;
  /**
   * Run again (up to 30 s) until it succeeds: kube-apiserver publishes a new CRD's OpenAPI a few seconds after
   * the CRD is Established, so `kubectl explain` right after `wait` may not find it yet on a busy machine.
   */
  untilOk?: boolean;
}

/** What may differ between two correct servers: identities, times, revisions, ages. */
const normalise = normaliser(KUBECTL_OUTPUT);

const schema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      required: ["size"],
      "x-kubernetes-validations": [{ rule: "self.replicas <= 10", message: "replicas must be at most 10" }],
      properties: {
        size: { type: "string", enum: ["small", "medium", "large"] },
        replicas: { type: "integer", minimum: 0, default: 1 },
        color: { type: "string", default: "blue", maxLength: 10 },
        tags: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
      },
    },
    status: {
      type: "object",
      properties: { replicas: { type: "integer" }, selector: { type: "string" }, phase: { type: "string" } },
    },
  },
};

const version = (name: string, storage: boolean) => ({
  name,
  served: true,
  storage,
  schema: { openAPIV3Schema: schema },
  subresources: {
    status: {},
    scale: {
      specReplicasPath: ".spec.replicas",
      statusReplicasPath: ".status.replicas",
      labelSelectorPath: ".status.selector",
    },
  },
  additionalPrinterColumns: [
    { name: "Size", type: "string", jsonPath: ".spec.size" },
    { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
    { name: "Color", type: "string", jsonPath: ".spec.color", priority: 1 },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ],
  selectableFields: [{ jsonPath: ".spec.size" }],
});

const crd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `widgets.${GROUP}` },
  spec: {
    group: GROUP,
    names: { plural: "widgets", singular: "widget", kind: "Widget", shortNames: ["wd"], categories: ["all", "evk"] },
    scope: "Namespaced",
    versions: [version("v1", true), { ...version("v1beta1", false), deprecated: true }],
  },
};

/** A definition with what kube refuses in it, one mistake per field. */
const badCrd = (name: string, spec: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name }, spec });
const names = (plural: string, kind: string, extra: Record<string, unknown> = {}) => ({ plural, kind, ...extra });
const simpleVersion = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  served: true,
  storage: true,
  schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object" } } } },
  ...extra,
});

/** A cluster-scoped definition, and one converting through a webhook. */
const gizmos = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `gizmos.${GROUP}` },
  spec: {
    group: GROUP,
    names: { plural: "gizmos", singular: "gizmo", kind: "Gizmo" },
    scope: "Cluster",
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                properties: {
                  enabled: { type: "boolean" },
                  weight: { type: "number" },
                  since: { type: "string", format: "date-time" },
                  port: { "x-kubernetes-int-or-string": true },
                  ports: {
                    type: "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    items: {
                      type: "object",
                      required: ["name"],
                      properties: { name: { type: "string" }, port: { type: "integer" } },
                    },
                  },
                },
              },
            },
          },
        },
        additionalPrinterColumns: [
          { name: "Enabled", type: "boolean", jsonPath: ".spec.enabled" },
          { name: "Weight", type: "number", jsonPath: ".spec.weight" },
          { name: "Since", type: "date", jsonPath: ".spec.since" },
        ],
      },
    ],
  },
};

const gadgets = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `gadgets.${GROUP}` },
  spec: {
    group: GROUP,
    names: { plural: "gadgets", singular: "gadget", kind: "Gadget" },
    scope: "Namespaced",
    conversion: {
      strategy: "Webhook",
      webhook: { conversionReviewVersions: ["v1"], clientConfig: { url: "https://127.0.0.1:1/convert" } },
    },
    versions: [
      {
        ...simpleVersion("v1"),
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      },
      {
        ...simpleVersion("v2"),
        storage: false,
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      },
    ],
  },
};

const widget = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: `${GROUP}/v1`, kind: "Widget", metadata: { name }, spec, ...extra });

/** Steps a user runs, in order, in a namespace of their own on each server. */
function scenario(ns: string): Step[] {
  const n = ["-n", ns];
  return [
    { args: ["apply", "-f", "-"], stdin: JSON.stringify(crd) },
    { args: ["wait", "--for=condition=Established", `crd/widgets.${GROUP}`, "--timeout=60s"] },
    { args: ["get", "crd", `widgets.${GROUP}`] },
    { args: ["get", "crd", `widgets.${GROUP}`, "-o", "yaml"] },
    { args: ["api-resources", `--api-group=${GROUP}`] },
    { args: ["explain", "widgets.spec"], untilOk: true },
    { args: ["explain", "widgets", "--recursive"], untilOk: true },
    // Definitions kube refuses, each for its own reasons.
    {
      args: ["create", "-f", "-"],
      stdin: badCrd(`bad.${GROUP}`, {
        group: GROUP,
        names: names("bads", "Bad"),
        scope: "Namespaced",
        versions: [simpleVersion("v1")],
      }),
    },
    {
      args: ["create", "-f", "-"],
      stdin: badCrd(`nodots.example`, {
        group: "nodots",
        names: names("nodots", "NoDot"),
        scope: "Sideways",
        versions: [simpleVersion("v1"), simpleVersion("v1")],
      }),
    },
    {
      args: ["create", "-f", "-"],
      stdin: badCrd(`things.${GROUP}`, {
        group: GROUP,
        names: names("things", "Thing", { listKind: "Thing", shortNames: ["T"] }),
        scope: "Namespaced",
        versions: [{ name: "v1", served: true, storage: false }],
      }),
    },
    {
      args: ["create", "-f", "-"],
      stdin: badCrd(`shapes.${GROUP}`, {
        group: GROUP,
        names: names("shapes", "Shape"),
        scope: "Namespaced",
        versions: [
          {
            ...simpleVersion("v1"),
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: { properties: { size: { type: "integer", default: "big" } } },
                  status: { type: "string" },
                },
              },
            },
            subresources: {
              status: {},
              scale: { specReplicasPath: ".status.replicas", statusReplicasPath: "status.replicas" },
            },
            additionalPrinterColumns: [{ name: "Size", type: "long", jsonPath: "spec.size" }],
          },
        ],
      }),
    },
    {
      args: ["create", "-f", "-"],
      stdin: badCrd(`hooks.${GROUP}`, {
        group: GROUP,
        names: names("hooks", "Hook"),
        scope: "Namespaced",
        conversion: { strategy: "Webhook", webhook: { clientConfig: { url: "http://user@example.com/x?y=1#z" } } },
        versions: [simpleVersion("v1")],
      }),
    },
    // A definition in the same group whose names are taken is not accepted.
    {
      args: ["create", "-f", "-"],
      stdin: badCrd(`sprockets.${GROUP}`, {
        group: GROUP,
        names: names("sprockets", "Widget", { shortNames: ["wd"] }),
        scope: "Namespaced",
        versions: [simpleVersion("v1")],
      }),
    },
    {
      args: [
        "wait",
        "--for=jsonpath={.status.conditions[?(@.type=='NamesAccepted')].status}=False",
        `crd/sprockets.${GROUP}`,
        "--timeout=60s",
      ],
    },
    {
      args: [
        "get",
        "crd",
        `sprockets.${GROUP}`,
        "-o",
        "jsonpath={.status.conditions[*].reason} {.status.acceptedNames}",
      ],
    },
    { args: ["delete", "crd", `sprockets.${GROUP}`] },
    { args: ["apply", "-f", "-"], stdin: JSON.stringify(gizmos) },
    { args: ["wait", "--for=condition=Established", `crd/gizmos.${GROUP}`, "--timeout=60s"] },
    {
      args: ["create", "-f", "-"],
      stdin: JSON.stringify({
        apiVersion: `${GROUP}/v1`,
        kind: "Gizmo",
        metadata: { name: "g1" },
        spec: {
          enabled: true,
          weight: 1.5,
          since: "2020-01-01T00:00:00Z",
          port: "http",
          ports: [{ name: "a", port: 1 }],
        },
      }),
    },
    // One mistake each: kube reports several fields' errors in an order of its map iteration.
    ...[
      { since: "yesterday" },
      { port: 1.5 },
      { ports: [{ name: "a" }, { name: "a", port: 2 }] },
      { weight: "heavy" },
    ].map((spec, i) => ({
      args: ["create", "-f", "-"],
      stdin: JSON.stringify({ apiVersion: `${GROUP}/v1`, kind: "Gizmo", metadata: { name: `bad-${i}` }, spec }),
    })),
    { args: ["get", "gizmos"] },
    { args: ["get", "gizmos", "--field-selector", "metadata.namespace=x"] },
    { args: ["delete", "gizmo", "g1"] },
    { args: ["apply", "-f", "-"], stdin: JSON.stringify(gadgets) },
    { args: ["wait", "--for=condition=Established", `crd/gadgets.${GROUP}`, "--timeout=60s"] },
    { args: ["create", "namespace", ns] },
    { args: [...n, "create", "-f", "-"], stdin: widget("alpha", { size: "small" }) },
    { args: [...n, "create", "-f", "-"], stdin: widget("beta", { size: "large", replicas: 2, tags: ["a", "b"] }) },
    { args: [...n, "get", "widgets"] },
    { args: [...n, "get", "wd", "-o", "wide"] },
    { args: [...n, "get", "widget", "alpha", "-o", "yaml"] },
    { args: [...n, "get", `widgets.v1beta1.${GROUP}`, "alpha", "-o", "json"] },
    { args: [...n, "get", "widgets", "--field-selector", "spec.size=large", "-o", "name"] },
    { args: [...n, "get", "widgets", "-w", "--output-watch-events", "-o", "name", "--request-timeout=2s"] },
    { args: [...n, "get", "widgets", "-l", "app=none"] },
    // Client-side apply computes a merge patch from the published schema; server-side apply sends the object.
    { args: [...n, "apply", "-f", "-"], stdin: widget("applied", { size: "small", tags: ["x"] }) },
    { args: [...n, "apply", "-f", "-"], stdin: widget("applied", { size: "medium" }) },
    { args: [...n, "get", "widget", "applied", "-o", "jsonpath={.spec} {.metadata.generation}"] },
    { args: [...n, "apply", "--server-side", "-f", "-"], stdin: widget("ssa", { size: "small", tags: ["a"] }) },
    { args: [...n, "apply", "--server-side", "-f", "-"], stdin: widget("ssa", { size: "large" }) },
    { args: [...n, "get", "widget", "ssa", "-o", "jsonpath={.spec}"] },
    {
      args: [...n, "create", "-f", "-"],
      stdin: JSON.stringify({
        apiVersion: `${GROUP}/v1`,
        kind: "Widget",
        metadata: { name: "meta", bogus: 1 },
        spec: { size: "small" },
      }),
    },
    { args: [...n, "get", "widgets", "--field-selector", "spec.color=blue", "-o", "name"] },
    { args: [...n, "get", "all", "-o", "name"] },
    { args: [...n, "patch", "widget", "alpha", "--type", "merge", "-p", '{"spec":{"color":"red"}}'] },
    {
      args: [
        ...n,
        "patch",
        "widget",
        "alpha",
        "--type",
        "json",
        "-p",
        '[{"op":"replace","path":"/spec/size","value":"medium"}]',
      ],
    },
    { args: [...n, "patch", "widget", "alpha", "--type", "strategic", "-p", '{"spec":{"color":"green"}}'] },
    { args: [...n, "get", "widget", "alpha", "-o", "jsonpath={.metadata.generation} {.spec}"] },
    { args: [...n, "scale", "widget", "alpha", "--replicas=3"] },
    { args: [...n, "get", "widget", "alpha", "--subresource=scale", "-o", "yaml"] },
    {
      args: [
        ...n,
        "patch",
        "widget",
        "alpha",
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status":{"replicas":3,"phase":"Ready"}}',
      ],
    },
    { args: [...n, "get", "widget", "alpha", "-o", "jsonpath={.metadata.generation} {.status}"] },
    { args: [...n, "get", "widget", "alpha", "--subresource=status", "-o", "jsonpath={.status.phase}"] },
    // A new printer column shows at once.
    {
      args: [
        "patch",
        "crd",
        `widgets.${GROUP}`,
        "--type=json",
        "-p",
        JSON.stringify([
          {
            op: "add",
            path: "/spec/versions/0/additionalPrinterColumns/-",
            value: { name: "Phase", type: "string", jsonPath: ".status.phase" },
          },
        ]),
      ],
    },
    { args: [...n, "get", "widgets"] },
    // Written through the deprecated version, stored in the storage version, read back in either.
    {
      args: [...n, "create", "-f", "-"],
      stdin: widget("old", { size: "small" }).replace(`${GROUP}/v1"`, `${GROUP}/v1beta1"`),
    },
    { args: [...n, "get", `widgets.v1beta1.${GROUP}`, "old", "-o", "yaml"] },
    { args: [...n, "get", "widget", "old", "-o", "jsonpath={.apiVersion}"] },
    // A new storage version is recorded in storedVersions.
    {
      args: [
        "patch",
        "crd",
        `widgets.${GROUP}`,
        "--type=json",
        "-p",
        JSON.stringify([
          { op: "replace", path: "/spec/versions/0/storage", value: false },
          { op: "replace", path: "/spec/versions/1/storage", value: true },
        ]),
      ],
    },
    { args: ["get", "crd", `widgets.${GROUP}`, "-o", "jsonpath={.status.storedVersions} {.metadata.generation}"] },
    { args: [...n, "patch", "widget", "old", "--type=merge", "-p", '{"spec":{"color":"pink"}}'] },
    { args: [...n, "get", "widget", "old", "-o", "jsonpath={.apiVersion} {.spec.color}"] },
    // Bad custom resources get the same answer from both.
    { args: [...n, "create", "-f", "-"], stdin: widget("bad-enum", { size: "huge" }) },
    { args: [...n, "create", "-f", "-"], stdin: widget("bad-cel", { size: "small", replicas: 11 }) },
    { args: [...n, "create", "-f", "-"], stdin: widget("bad-required", { replicas: 2 }) },
    { args: [...n, "create", "-f", "-"], stdin: widget("bad-type", { size: "small", replicas: "two" }) },
    { args: [...n, "create", "-f", "-"], stdin: widget("bad-length", { size: "small", color: "ultraviolet-ish" }) },
    { args: [...n, "create", "-f", "-"], stdin: widget("bad-set", { size: "small", tags: ["a", "a"] }) },
    { args: [...n, "patch", "widget", "beta", "--type", "merge", "-p", '{"spec":{"replicas":12}}'] },
    // Strict field validation (kubectl's default) refuses unknown fields; Warn prunes them with a warning.
    { args: [...n, "create", "-f", "-"], stdin: widget("strict", { size: "small", bogus: 1 }, { extra: true }) },
    { args: [...n, "create", "--validate=warn", "-f", "-"], stdin: widget("warned", { size: "small", bogus: 1 }) },
    { args: [...n, "get", "widget", "warned", "-o", "jsonpath={.spec}"] },
    {
      args: [...n, "create", "--dry-run=server", "-o", "jsonpath={.spec}", "-f", "-"],
      stdin: widget("dry", { size: "medium" }),
    },
    { args: [...n, "get", "widget", "dry", "--ignore-not-found", "-o", "name"] },
    { args: [...n, "delete", "widget", "warned"] },
    { args: [...n, "get", "widgets", "-o", "name"] },
    { args: [...n, "delete", "widgets", "-l", "app!=keep", "--field-selector", "metadata.name=applied"] },
    // The conversion webhook is called only when versions differ: then the answer is a 500.
    {
      args: [...n, "create", "-f", "-"],
      stdin: JSON.stringify({ apiVersion: `${GROUP}/v1`, kind: "Gadget", metadata: { name: "gd" }, spec: { a: 1 } }),
    },
    { args: [...n, "get", "gadget.v1.compat.evk.dev", "gd", "-o", "jsonpath={.spec}"] },
    { args: [...n, "get", "gadget.v2.compat.evk.dev", "gd"], codeOnly: true },
    // Deleting the definition deletes its custom resources, then itself.
    { args: ["delete", "crd", `widgets.${GROUP}`, "--timeout=60s"] },
    { args: [...n, "get", "widgets"], codeOnly: true },
    { args: ["delete", "crd", `gizmos.${GROUP}`, `gadgets.${GROUP}`, "--timeout=60s"] },
    { args: ["delete", "namespace", ns, "--wait=false"] },
  ];
}

/** A discovery document and its status. */
async function get(s: ServerClient, path: string, accept = "application/json") {
  const r = await s.request("GET", path, { accept });
  return { status: r.status, body: JSON.parse(r.body) as unknown };
}

describe("compat: CustomResourceDefinitions and custom resources against kube-apiserver", function () {
  this.timeout(600_000);
  // evk's own kube-controller-manager: the garbage collector and namespace deletion of custom resources.
  let kcm: ManagedProcess | undefined;
  const sides = useSideBySide({ cluster: "crds", beforeStop: async () => await kcm?.stop() });
  before(async () => {
    kcm = await controllerManagerProcess({ cluster: "crds", kubeconfigPath: sides.apiserver.kubeconfigPath });
    await kcm.start();
  });

  it(`kubectl ${KUBE_VERSION}: every step prints the same on both servers`, async () => {
    const differences: string[] = [];
    for (const step of scenario("crd-compat")) {
      const [kube, ours] = await sides.onBoth(async (s) => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const r = await s.kubectl(step.args, { stdin: step.stdin });
          if (!step.untilOk || r.code === 0 || Date.now() > deadline) return r;
          await new Promise((done) => setTimeout(done, 1_000));
        }
      });
      const show = (r: typeof kube) =>
        step.codeOnly ? `exit ${r.code}` : `exit ${r.code}\n${normalise(r.stdout)}\n${normalise(r.stderr)}`;
      if (process.env.TRACE_CRD)
        console.log(`$ kubectl ${step.args.join(" ")}\n--- kube\n${show(kube)}\n--- evk\n${show(ours)}`);
      if (show(kube) !== show(ours))
        differences.push(`kubectl ${step.args.join(" ")}\n--- kube-apiserver\n${show(kube)}\n--- evk\n${show(ours)}`);
    }
    assert.deepEqual(differences, [], `\n${differences.join("\n\n")}`);
  });

  it("discovery of a custom resource group is the same on both servers, and an informer sees its objects", async () => {
    // Each test has kubectl caches of its own: what one test's kubectl discovered never answers for another's.
    const step = async (args: string[], stdin?: string) => {
      for (const s of sides.both) {
        const r = await s.kubectl(args, { cache: "2", ...(stdin ? { stdin } : {}) });
        assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      }
    };
    await step(["apply", "-f", "-"], JSON.stringify(crd));
    await step(["wait", "--for=condition=Established", `crd/widgets.${GROUP}`, "--timeout=60s"]);
    const [kube, ours] = sides.both;
    for (const path of [`/apis/${GROUP}`, `/apis/${GROUP}/v1`, `/apis/${GROUP}/v1beta1`]) {
      const [k, e] = await Promise.all([get(kube, path), get(ours, path)]);
      assert.deepEqual(e, k, path);
    }
    const groupOf = async (c: ServerClient) =>
      ((await get(c, "/apis", AGGREGATED)).body as { items: { metadata: { name: string } }[] }).items.find(
        (g) => g.metadata.name === GROUP,
      );
    assert.deepEqual(await groupOf(ours), await groupOf(kube));
    const legacy = async (c: ServerClient) =>
      ((await get(c, "/apis")).body as { groups: { name: string }[] }).groups.find((g) => g.name === GROUP);
    assert.deepEqual(await legacy(ours), await legacy(kube));

    // An informer on the custom resources sees them come, change and go on both servers.
    await step(["create", "namespace", "informed"]);
    const seen: Record<string, string[]> = {};
    const informers = await Promise.all(
      [sides.host.kubeconfig, sides.apiserver.kubeconfig].map(async (text, i) => {
        const kc = new KubeConfig();
        kc.loadFromString(text);
        const events: string[] = [];
        seen[i === 0 ? "kube" : "evk"] = events;
        const api = kc.makeApiClient((await import("@kubernetes/client-node")).CustomObjectsApi);
        const informer = makeInformer<KubernetesObject>(kc, `/apis/${GROUP}/v1/namespaces/informed/widgets`, () =>
          api.listNamespacedCustomObject({ group: GROUP, version: "v1", namespace: "informed", plural: "widgets" }),
        );
        for (const verb of ["add", "update", "delete"] as const)
          informer.on(verb, (o) => events.push(`${verb} ${o.metadata?.name}`));
        // As client-node's examples do: an informer whose list or watch fails starts again.
        informer.on("error", () => {
          setTimeout(() => void informer.start().catch(() => {}), 500);
        });
        await informer.start();
        return informer;
      }),
    );
    await step(["-n", "informed", "create", "-f", "-"], widget("watched", { size: "small" }));
    await step(["-n", "informed", "patch", "widget", "watched", "--type=merge", "-p", '{"spec":{"color":"red"}}']);
    await step(["-n", "informed", "delete", "widget", "watched"]);
    await waitFor(
      `three informer events on each server (so far ${JSON.stringify(seen)})`,
      async () => (seen.kube?.length ?? 0) >= 3 && (seen.evk?.length ?? 0) >= 3,
      30_000,
    ).catch((err) => {
      throw new Error(`${(err as Error).message}; seen ${JSON.stringify(seen)}`);
    });
    for (const i of informers) await i.stop();
    assert.deepEqual(seen.evk, seen.kube);
    assert.deepEqual(seen.kube, ["add watched", "update watched", "delete watched"]);
  });

  it("the garbage collector and namespace deletion reach custom resources on both servers", async () => {
    const k = async (s: ServerClient, args: string[], stdin?: string) =>
      s.kubectl(args, { cache: "3", ...(stdin ? { stdin } : {}) });
    const must = async (s: ServerClient, args: string[], stdin?: string) => {
      const r = await k(s, args, stdin);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    const gone = (s: ServerClient, args: string[]) =>
      waitFor(
        `${args.join(" ")} to be gone`,
        async () => (await k(s, [...args, "-o", "name"])).code !== 0,
        120_000,
        500,
      );
    await Promise.all(
      sides.both.map(async (s) => {
        const n = ["-n", "gc"];
        await must(s, ["create", "namespace", "gc"]);
        // A ConfigMap owned by a Widget goes with it.
        await must(s, [...n, "create", "-f", "-"], widget("owner", { size: "small" }));
        const uid = await must(s, [...n, "get", "widget", "owner", "-o", "jsonpath={.metadata.uid}"]);
        const ref = (apiVersion: string, kind: string, name: string, u: string) => [{ apiVersion, kind, name, uid: u }];
        await must(
          s,
          [...n, "create", "-f", "-"],
          JSON.stringify({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "owned", ownerReferences: ref(`${GROUP}/v1`, "Widget", "owner", uid) },
          }),
        );
        await must(s, [...n, "delete", "widget", "owner"]);
        await gone(s, [...n, "get", "configmap", "owned"]);
        // A Widget owned by a ConfigMap goes with it.
        await must(s, [...n, "create", "configmap", "holder"]);
        const cm = await must(s, [...n, "get", "configmap", "holder", "-o", "jsonpath={.metadata.uid}"]);
        await must(
          s,
          [...n, "create", "-f", "-"],
          widget("held", { size: "small" }, {}).replace(
            '"metadata":{"name":"held"}',
            `"metadata":{"name":"held","ownerReferences":${JSON.stringify(ref("v1", "ConfigMap", "holder", cm))}}`,
          ),
        );
        await must(s, [...n, "delete", "configmap", "holder"]);
        await gone(s, [...n, "get", "widget", "held"]);
        // A namespace with custom resources in it empties and goes.
        await must(s, [...n, "create", "-f", "-"], widget("left", { size: "large" }));
        await must(s, ["delete", "namespace", "gc", "--wait=false"]);
        await gone(s, ["get", "namespace", "gc"]);
      }),
    );
    for (const s of sides.both) await must(s, ["delete", "crd", `widgets.${GROUP}`, "--timeout=60s"]);
  });
});
