import assert from "node:assert/strict";
import { createServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import {
  createCertificateAuthority,
  freePort,
  KUBECTL_OUTPUT,
  normaliser,
  type ServerClient,
  sleep,
  useSideBySide,
} from "@evk/testing";

// Admission webhooks and ValidatingAdmissionPolicies taking effect, side by side against kube-apiserver 1.35:
// one HTTPS webhook server (its CA given as caBundle) registered on both servers, each server's calls under its
// own path so that what each sent can be compared; the same kubectl commands and raw requests to both, outputs
// compared after normalising identities, times, revisions and the per-server path.

type Obj = Record<string, unknown>;
/** What may differ between two correct servers: identities, times, revisions, ports and the per-server path. */
const normalise = normaliser(
  KUBECTL_OUTPUT,
  [/127\.0\.0\.1:\d+/g, "127.0.0.1:<port>"],
  [/\/(kube|evk)\//g, "/<server>/"],
  [/"caBundle":"[^"]*"/g, '"caBundle":"<ca>"'],
);

/** The lines that differ, kube's first: enough to see a difference in a long output. */
function lineDiff(kube: string, ours: string): string {
  const a = kube.split("\n");
  const b = ours.split("\n");
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if (a[i] !== b[i]) out.push(`  line ${i + 1}\n  kube: ${a[i] ?? "<none>"}\n  evk:  ${b[i] ?? "<none>"}`);
  return out.join("\n");
}

interface Call {
  path: string;
  review: { request: Obj };
}

/** The test's webhook: mutates by adding a label, validates by a label, answers late or fails on purpose. */
function webhookServer(cert: { cert: string; key: string }, calls: Call[]): HttpsServer {
  return createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      text += c;
    });
    req.on("end", async () => {
      const review = JSON.parse(text) as { request: Obj };
      const path = new URL(req.url ?? "/", "https://x").pathname;
      calls.push({ path, review });
      const r = review.request;
      const object = (r.object ?? r.oldObject ?? {}) as { metadata?: { labels?: Record<string, string> } };
      const labels = object.metadata?.labels ?? {};
      const answer = (response: Obj) => {
        const body = JSON.stringify({
          apiVersion: "admission.k8s.io/v1",
          kind: "AdmissionReview",
          response: { uid: r.uid, ...response },
        });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(body);
      };
      const action = path.split("/").pop();
      if (action === "mutate") {
        const ops = [
          ...(object.metadata?.labels ? [] : [{ op: "add", path: "/metadata/labels", value: {} }]),
          { op: "add", path: "/metadata/labels/webhook", value: "mutated" },
        ];
        return answer({
          allowed: true,
          patchType: "JSONPatch",
          patch: Buffer.from(JSON.stringify(ops)).toString("base64"),
          warnings: ["mutated by the test webhook"],
        });
      }
      if (action === "validate") {
        if (labels.deny === "true")
          return answer({
            allowed: false,
            status: {
              code: 403,
              reason: "Forbidden",
              message: `objects labelled deny are refused (${String(r.operation)})`,
            },
          });
        return answer({ allowed: true });
      }
      if (action === "scale") {
        const replicas = Number((r.object as { spec?: { replicas?: number } } | null)?.spec?.replicas ?? 0);
        if (replicas > 5)
          return answer({
            allowed: false,
            status: { code: 403, reason: "Forbidden", message: `scaling to ${replicas} is refused` },
          });
        return answer({ allowed: true });
      }
      if (action === "slow") {
        await sleep(3000);
        return answer({ allowed: true });
      }
      if (action === "broken") {
        res.writeHead(500, { "content-type": "text/plain" });
        return res.end("the test webhook broke");
      }
      return answer({ allowed: true });
    });
  });
}

const rule = (resources: string[], operations = ["CREATE", "UPDATE"], apiGroups = [""]) => ({
  apiGroups,
  apiVersions: ["v1"],
  resources,
  operations,
});

function configurations(base: string, caBundle: string, closedPort: number) {
  const client = (path: string) => ({ url: `${base}/${path}`, caBundle });
  const hook = (name: string, extra: Obj) => ({
    name,
    sideEffects: "None",
    admissionReviewVersions: ["v1"],
    ...extra,
  });
  const testNamespace = { matchLabels: { env: "test" } };
  return [
    // Subresource writes: first, so that the probes of the configurations after them find these in effect too.
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      metadata: { name: "status-mutator" },
      webhooks: [
        hook("status-mutate.evk.test", {
          clientConfig: client("mutate"),
          rules: [rule(["pods/status"], ["UPDATE"])],
          namespaceSelector: testNamespace,
        }),
      ],
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: "subresource-checks" },
      webhooks: [
        hook("scale.evk.test", {
          clientConfig: client("scale"),
          rules: [rule(["deployments/scale"], ["UPDATE"], ["apps"])],
          namespaceSelector: testNamespace,
        }),
        hook("record.evk.test", {
          clientConfig: client("record"),
          rules: [rule(["pods/*", "serviceaccounts/token"], ["*"])],
          namespaceSelector: testNamespace,
        }),
      ],
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: { name: "subresource-limits" },
      spec: {
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: [""],
              apiVersions: ["v1"],
              operations: ["CREATE"],
              resources: ["pods/eviction", "pods/binding"],
            },
          ],
        },
        validations: [
          {
            expression:
              "object.kind != 'Eviction' || !has(object.deleteOptions) || !has(object.deleteOptions.gracePeriodSeconds) || object.deleteOptions.gracePeriodSeconds > 0",
            message: "evictions must be graceful",
          },
          {
            expression: "object.kind != 'Binding' || object.target.name != 'forbidden-node'",
            messageExpression: "'pod ' + object.metadata.name + ' may not go to ' + object.target.name",
            reason: "Forbidden",
          },
        ],
      },
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name: "subresource-limits-binding" },
      spec: {
        policyName: "subresource-limits",
        validationActions: ["Deny"],
        matchResources: { namespaceSelector: testNamespace },
      },
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      metadata: { name: "label-adder" },
      webhooks: [
        hook("mutate.evk.test", {
          clientConfig: client("mutate"),
          rules: [rule(["configmaps"])],
          namespaceSelector: { matchLabels: { env: "test" } },
          reinvocationPolicy: "IfNeeded",
        }),
      ],
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: "checks" },
      webhooks: [
        hook("validate.evk.test", {
          clientConfig: client("validate"),
          rules: [rule(["configmaps"], ["CREATE", "UPDATE", "DELETE"])],
          objectSelector: { matchLabels: { checked: "yes" } },
        }),
        hook("unreachable.evk.test", {
          clientConfig: { url: `https://127.0.0.1:${closedPort}/x`, caBundle },
          rules: [rule(["secrets"], ["CREATE"])],
          namespaceSelector: { matchLabels: { env: "test" } },
        }),
        hook("ignored.evk.test", {
          clientConfig: { url: `https://127.0.0.1:${closedPort}/y`, caBundle },
          failurePolicy: "Ignore",
          rules: [rule(["serviceaccounts"], ["CREATE"])],
        }),
        hook("slow.evk.test", {
          clientConfig: client("slow"),
          timeoutSeconds: 1,
          rules: [rule(["podtemplates"], ["CREATE"])],
        }),
        hook("broken.evk.test", {
          clientConfig: client("broken"),
          rules: [rule(["limitranges"], ["CREATE"])],
        }),
        hook("missing-service.evk.test", {
          clientConfig: { service: { namespace: "default", name: "no-such-webhook", path: "/check" }, caBundle },
          rules: [rule(["resourcequotas"], ["CREATE"])],
        }),
        // On Endpoints, whose every request also carries kube's deprecation warning.
        hook("conditions.evk.test", {
          clientConfig: client("validate"),
          rules: [rule(["endpoints"], ["CREATE"])],
          namespaceSelector: { matchExpressions: [{ key: "env", operator: "DoesNotExist" }] },
          matchConditions: [{ name: "labelled", expression: "object.metadata.labels.check == 'yes'" }],
        }),
      ],
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: { name: "replica-limit" },
      spec: {
        matchConstraints: {
          resourceRules: [
            { apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["deployments"] },
          ],
        },
        validations: [
          {
            expression: "object.spec.replicas <= 3",
            messageExpression: "'replicas ' + string(object.spec.replicas) + ' is more than 3'",
          },
        ],
      },
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name: "replica-limit-binding" },
      spec: {
        policyName: "replica-limit",
        validationActions: ["Deny"],
        matchResources: { namespaceSelector: { matchLabels: { env: "test" } } },
      },
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: { name: "team-label" },
      spec: {
        failurePolicy: "Fail",
        matchConstraints: {
          resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"] }],
        },
        variables: [{ name: "team", expression: "object.metadata.?labels.?team.orValue('')" }],
        validations: [
          { expression: "variables.team != ''", message: "configmaps must have a team label", reason: "Forbidden" },
        ],
      },
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name: "team-label-warn" },
      spec: {
        policyName: "team-label",
        validationActions: ["Warn"],
        matchResources: { namespaceSelector: { matchLabels: { env: "test" } } },
      },
    },
  ];
}

/** Configurations kube refuses, with the causes kube gives. */
const invalidConfigurations: Obj[] = [
  {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name: "bad-webhooks" },
    webhooks: [
      {
        name: "short",
        clientConfig: { url: "http://example.com/x?a=b#frag" },
        rules: [
          {
            apiGroups: ["*", "apps"],
            apiVersions: [],
            resources: ["*/*", "pods"],
            operations: ["CREATE", "*", "EXEC"],
            scope: "Everywhere",
          },
        ],
        timeoutSeconds: 31,
        admissionReviewVersions: ["v2", "v2"],
        failurePolicy: "Sometimes",
        namespaceSelector: { matchExpressions: [{ key: "a", operator: "In" }] },
      },
      {
        name: "svc.evk.test",
        sideEffects: "Some",
        admissionReviewVersions: ["v1"],
        clientConfig: { service: { name: "", namespace: "ns", port: 70000, path: "no-slash//x" } },
      },
      { name: "svc.evk.test", sideEffects: "None", admissionReviewVersions: ["v1"], clientConfig: {} },
    ],
  },
  {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name: "bad-mutating" },
    webhooks: [
      {
        name: "m.evk.test",
        sideEffects: "None",
        admissionReviewVersions: ["v1"],
        reinvocationPolicy: "Sometimes",
        matchPolicy: "Close",
        clientConfig: { url: "https://example.com" },
        matchConditions: [
          { name: "", expression: "" },
          { name: "a", expression: "true" },
          { name: "a", expression: "params.x" },
        ],
      },
    ],
  },
  {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: "bad-policy" },
    spec: {
      failurePolicy: "Maybe",
      paramKind: { apiVersion: "a/b/c", kind: "Bad_Kind" },
      matchConstraints: { resourceRules: [] },
      validations: [
        { expression: "foo > 1" },
        { expression: "object.spec.replicas", message: "  " },
        { expression: "true", messageExpression: "1", reason: "Teapot" },
      ],
      variables: [{ name: "1x", expression: "" }],
    },
  },
  {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: "no-validations" },
    spec: {
      matchConstraints: {
        resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] }],
      },
    },
  },
  {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: "bad-binding" },
    spec: {
      policyName: "Not_A_Name",
      validationActions: ["Deny", "Warn", "Deny", "Shout"],
      paramRef: { name: "x", selector: {}, parameterNotFoundAction: "Ignore" },
    },
  },
];

describe("compat: admission webhooks and ValidatingAdmissionPolicies against kube-apiserver", function () {
  this.timeout(300_000);
  // The clients are named kube and evk: each server's webhook calls come under that path.
  const sides = useSideBySide({ cluster: "admission" });
  let servers: ServerClient[];
  let webhook: HttpsServer;
  const calls: Call[] = [];
  let caBundle = "";
  let port = 0;
  let closedPort = 0;

  before(async () => {
    const ca = await createCertificateAuthority("admission-compat");
    const cert = await ca.issue({ commonName: "webhook", ips: ["127.0.0.1"], usage: "server" });
    caBundle = Buffer.from(ca.cert).toString("base64");
    webhook = webhookServer(cert, calls);
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    port = (webhook.address() as AddressInfo).port;
    // A port nothing listens on: a webhook there cannot be reached.
    closedPort = await freePort();
    servers = [...sides.both];
    for (const s of servers) {
      for (const ns of [{ name: "adm-a", labels: { env: "test" } }, { name: "adm-b" }])
        await s.request("POST", "/api/v1/namespaces", { body: { apiVersion: "v1", kind: "Namespace", metadata: ns } });
      for (const c of configurations(`https://127.0.0.1:${port}/${s.name}`, caBundle, closedPort)) {
        const plural = `${String(c.kind).toLowerCase().replace(/y$/, "ie")}s`;
        const r = await s.request("POST", `/apis/admissionregistration.k8s.io/v1/${plural}`, { body: c });
        assert.equal(r.status, 201, `${s.name}: ${r.body}`);
      }
    }
    // kube's admission reads its configuration from informers: wait until every webhook and policy is in effect.
    await Promise.all(
      servers.map(async (s) => {
        for (let i = 0; ; i++) {
          const cm = await s.request("POST", "/api/v1/namespaces/adm-a/configmaps?dryRun=All", {
            body: {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: { name: "probe", labels: { checked: "yes", deny: "true" } },
            },
          });
          const dep = await s.request("POST", "/apis/apps/v1/namespaces/adm-a/deployments?dryRun=All", {
            body: deployment("probe", 9),
          });
          const ep = await s.request("POST", "/api/v1/namespaces/adm-b/endpoints?dryRun=All", {
            body: {
              apiVersion: "v1",
              kind: "Endpoints",
              metadata: { name: "probe", labels: { check: "yes", deny: "true" } },
            },
          });
          if (cm.status === 403 && dep.status === 422 && ep.status === 403) break;
          if (i > 120) throw new Error(`${s.name}: admission not in effect: ${cm.body} ${dep.body} ${ep.body}`);
          await sleep(500);
        }
      }),
    );
  });
  after(() => {
    webhook?.close();
  });

  const deployment = (name: string, replicas: number) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "c", image: "registry.example.com/c:1" }] },
      },
    },
  });

  const kubectlOn = async (s: ServerClient, args: string[], stdin?: string) => {
    const r = await s.kubectl(args, { stdin });
    return `exit ${r.code}\n${r.stdout}\n${r.stderr}`;
  };

  /** Each step on both servers, in order; the normalised outputs must be equal. */
  async function sameOnBoth(steps: { args?: string[]; stdin?: Obj; raw?: [string, string, Obj?] }[]) {
    const differences: string[] = [];
    for (const step of steps) {
      const outs = await Promise.all(
        servers.map(async (s) => {
          if (step.raw) {
            const [method, path, body] = step.raw;
            const r = await s.request(method, path, { body: body });
            const shown = r.status >= 300 ? r.body : JSON.stringify(pick(JSON.parse(r.body) as Obj));
            return `${r.status}\n${shown}\nwarning: ${r.warning}`;
          }
          return kubectlOn(s, step.args ?? [], step.stdin ? JSON.stringify(step.stdin) : undefined);
        }),
      );
      const [kube, ours] = outs.map((o) => normalise(o));
      if (kube !== ours)
        differences.push(`${JSON.stringify(step.args ?? step.raw?.slice(0, 2))}\n${lineDiff(kube ?? "", ours ?? "")}`);
    }
    assert.deepEqual(differences, [], `\n${differences.join("\n\n")}`);
  }

  /** What a created object shows of admission: its labels. */
  const pick = (o: Obj) => ({ kind: o.kind, labels: (o.metadata as Obj | undefined)?.labels });

  it("serves the four kinds with kube's defaults, tables and validation", async () => {
    await sameOnBoth([
      { args: ["get", "mutatingwebhookconfigurations", "label-adder", "-o", "json"] },
      { args: ["get", "validatingwebhookconfigurations", "checks", "-o", "yaml"] },
      { args: ["get", "validatingadmissionpolicybindings"] },
      { args: ["get", "validatingwebhookconfigurations,mutatingwebhookconfigurations"] },
      { args: ["get", "validatingadmissionpolicybinding", "team-label-warn", "-o", "jsonpath={.spec}"] },
      ...invalidConfigurations.map((c) => ({ args: ["create", "--validate=false", "-f", "-"], stdin: c })),
      { args: ["api-resources", "--api-group=admissionregistration.k8s.io"] },
    ]);
  });

  it("writes a policy's status as kube-controller-manager's status controller does", async () => {
    for (const s of servers)
      for (let i = 0; ; i++) {
        const r = await s.request(
          "GET",
          "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/replica-limit",
        );
        if ((JSON.parse(r.body) as { status?: { observedGeneration?: number } }).status?.observedGeneration === 1)
          break;
        if (i > 120) throw new Error(`${s.name}: no policy status: ${r.body}`);
        await sleep(500);
      }
    await sameOnBoth([
      { args: ["get", "validatingadmissionpolicies", "replica-limit", "-o", "jsonpath={.status}"] },
      { args: ["get", "validatingadmissionpolicies"] },
    ]);
  });

  it("calls webhooks on writes: mutation, denial, failure policies, timeouts, selectors and match conditions", async () => {
    calls.length = 0;
    const cm = (name: string, labels: Record<string, string> = {}) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, labels },
      data: { a: "1" },
    });
    await sameOnBoth([
      // Mutated where the namespace selector matches; the VAP's Warn binding warns.
      { raw: ["POST", "/api/v1/namespaces/adm-a/configmaps", cm("one", { team: "x" })] },
      { raw: ["POST", "/api/v1/namespaces/adm-a/configmaps", cm("no-team")] },
      { raw: ["POST", "/api/v1/namespaces/adm-b/configmaps", cm("two", { team: "x" })] },
      { args: ["-n", "adm-a", "get", "configmap", "one", "-o", "jsonpath={.metadata.labels}"] },
      // Denied by the validating webhook (selected by the object's labels), with the webhook's own Status.
      { raw: ["POST", "/api/v1/namespaces/adm-b/configmaps", cm("three", { checked: "yes", deny: "true" })] },
      { args: ["-n", "adm-b", "create", "-f", "-"], stdin: cm("four", { checked: "yes", deny: "true" }) },
      { raw: ["POST", "/api/v1/namespaces/adm-b/configmaps", cm("five", { checked: "yes" })] },
      { args: ["-n", "adm-b", "label", "configmap", "five", "deny=true"] },
      {
        args: [
          "-n",
          "adm-b",
          "patch",
          "configmap",
          "two",
          "--type=merge",
          "-p",
          '{"metadata":{"labels":{"checked":"yes","deny":"true"}}}',
        ],
      },
      { args: ["-n", "adm-a", "patch", "configmap", "one", "--type=merge", "-p", '{"data":{"b":"2"}}'] },
      { args: ["-n", "adm-a", "get", "configmap", "one", "-o", "jsonpath={.metadata.labels} {.data}"] },
      // Server-side dry run: webhooks with sideEffects None are called and dryRun is true.
      { raw: ["POST", "/api/v1/namespaces/adm-a/configmaps?dryRun=All", cm("dry", { team: "x" })] },
      // failurePolicy Fail on an unreachable webhook; Ignore lets the write through.
      {
        raw: [
          "POST",
          "/api/v1/namespaces/adm-a/secrets",
          { apiVersion: "v1", kind: "Secret", metadata: { name: "s" } },
        ],
      },
      {
        raw: [
          "POST",
          "/api/v1/namespaces/adm-b/secrets",
          { apiVersion: "v1", kind: "Secret", metadata: { name: "s" } },
        ],
      },
      {
        raw: [
          "POST",
          "/api/v1/namespaces/adm-a/serviceaccounts",
          { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "sa" } },
        ],
      },
      // A webhook slower than its timeout, one answering 500, one whose service does not exist.
      {
        raw: [
          "POST",
          "/api/v1/namespaces/adm-a/podtemplates",
          {
            apiVersion: "v1",
            kind: "PodTemplate",
            metadata: { name: "t" },
            template: { spec: { containers: [{ name: "c", image: "i" }] } },
          },
        ],
      },
      {
        raw: [
          "POST",
          "/api/v1/namespaces/adm-a/limitranges",
          { apiVersion: "v1", kind: "LimitRange", metadata: { name: "l" }, spec: { limits: [] } },
        ],
      },
      {
        raw: [
          "POST",
          "/api/v1/namespaces/adm-a/resourcequotas",
          { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q" } },
        ],
      },
      // Match conditions (CEL) decide whether the webhook is called at all; one that fails to evaluate denies.
      {
        raw: [
          "POST",
          "/api/v1/namespaces/adm-b/endpoints",
          { apiVersion: "v1", kind: "Endpoints", metadata: { name: "e1", labels: { check: "no", deny: "true" } } },
        ],
      },
      {
        raw: [
          "POST",
          "/api/v1/namespaces/adm-b/endpoints",
          { apiVersion: "v1", kind: "Endpoints", metadata: { name: "e2", labels: { check: "yes", deny: "true" } } },
        ],
      },
      // DELETE goes to validating webhooks with the object as oldObject.
      { raw: ["POST", "/api/v1/namespaces/adm-b/configmaps", cm("six", { checked: "no" })] },
      { args: ["-n", "adm-b", "label", "configmap", "six", "checked=yes", "deny=true", "--overwrite"] },
      { args: ["-n", "adm-b", "delete", "configmap", "six"] },
      { args: ["-n", "adm-b", "get", "configmaps", "-o", "name"] },
    ]);
    // What each server told the webhook: the same reviews in the same order.
    const shown = (server: string) =>
      calls
        .filter((c) => c.path.startsWith(`/${server}/`))
        .map((c) => {
          const r = c.review.request;
          const o = (r.object ?? null) as Obj | null;
          return normalise(
            JSON.stringify({
              path: c.path.replace(`/${server}/`, "/"),
              kind: r.kind,
              resource: r.resource,
              requestKind: r.requestKind,
              subResource: r.subResource,
              name: r.name,
              namespace: r.namespace,
              operation: r.operation,
              dryRun: r.dryRun,
              options: r.options,
              labels: (o?.metadata as Obj | undefined)?.labels,
              oldLabels: ((r.oldObject as Obj | null)?.metadata as Obj | undefined)?.labels,
            }),
          );
        });
    const [kube, ours] = [shown("kube").join("\n"), shown("evk").join("\n")];
    assert.equal(ours, kube, `\n${lineDiff(kube, ours)}`);
  });

  it("enforces ValidatingAdmissionPolicies with Deny and Warn bindings", async () => {
    await sameOnBoth([
      { raw: ["POST", "/apis/apps/v1/namespaces/adm-a/deployments", deployment("big", 5)] },
      { raw: ["POST", "/apis/apps/v1/namespaces/adm-b/deployments", deployment("big", 5)] },
      { args: ["-n", "adm-a", "create", "-f", "-"], stdin: deployment("web", 7) },
      { args: ["-n", "adm-a", "create", "-f", "-"], stdin: deployment("web", 2) },
      { args: ["-n", "adm-a", "scale", "deployment", "web", "--replicas=2"] },
      { args: ["-n", "adm-a", "patch", "deployment", "web", "--type=merge", "-p", '{"spec":{"replicas":4}}'] },
      { args: ["-n", "adm-a", "create", "configmap", "bare", "--from-literal=a=b"] },
    ]);
  });

  it("admits subresource writes: status, scale, eviction, binding and token requests", async () => {
    calls.length = 0;
    const pod = (name: string) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, labels: { app: name } },
      // No scheduler of either cluster takes it: only the test binds it.
      spec: { schedulerName: "evk-test-none", containers: [{ name: "c", image: "registry.example.com/c:1" }] },
    });
    const binding = (name: string, node: string) => ({
      apiVersion: "v1",
      kind: "Binding",
      metadata: { name },
      target: { apiVersion: "v1", kind: "Node", name: node },
    });
    const eviction = (name: string, deleteOptions?: Obj) => ({
      apiVersion: "policy/v1",
      kind: "Eviction",
      metadata: { name },
      ...(deleteOptions ? { deleteOptions } : {}),
    });
    const base = "/api/v1/namespaces/adm-a";
    await sameOnBoth([
      { raw: ["POST", `${base}/pods`, pod("sub")] },
      { raw: ["POST", `${base}/pods`, pod("bound")] },
      // pods/status: the mutating webhook's label stays, as the pod status strategy keeps labels.
      {
        args: [
          "-n",
          "adm-a",
          "patch",
          "pod",
          "sub",
          "--subresource=status",
          "--type=merge",
          "-p",
          '{"status":{"message":"hi"}}',
        ],
      },
      { args: ["-n", "adm-a", "get", "pod", "sub", "-o", "jsonpath={.metadata.labels} {.status.message}"] },
      // A policy on pods/binding and pods/eviction.
      { raw: ["POST", `${base}/pods/bound/binding`, binding("bound", "forbidden-node")] },
      { raw: ["POST", `${base}/pods/bound/binding?dryRun=All`, binding("bound", "virtual-node")] },
      { raw: ["POST", `${base}/pods/bound/binding`, binding("bound", "virtual-node")] },
      { args: ["-n", "adm-a", "get", "pod", "bound", "-o", "jsonpath={.spec.nodeName}"] },
      { raw: ["POST", `${base}/pods/sub/eviction`, eviction("sub", { gracePeriodSeconds: 0 })] },
      { raw: ["POST", `${base}/pods/sub/eviction?dryRun=All`, eviction("sub", { propagationPolicy: "Background" })] },
      { raw: ["POST", `${base}/pods/sub/eviction`, eviction("sub")] },
      // A validating webhook on deployments/scale, which the policy on deployments does not see.
      { raw: ["POST", "/apis/apps/v1/namespaces/adm-a/deployments", deployment("scaled", 2)] },
      { args: ["-n", "adm-a", "scale", "deployment", "scaled", "--replicas=4"] },
      { args: ["-n", "adm-a", "scale", "deployment", "scaled", "--replicas=6"] },
      { args: ["-n", "adm-a", "get", "deployment", "scaled", "-o", "jsonpath={.spec.replicas}"] },
      // serviceaccounts/token.
      {
        raw: [
          "POST",
          `${base}/serviceaccounts`,
          { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "tokens" } },
        ],
      },
      {
        raw: [
          "POST",
          `${base}/serviceaccounts/tokens/token`,
          { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { audiences: ["evk-test"] } },
        ],
      },
    ]);
    // What each server told the webhooks about these objects (the host's controllers write pods of their own).
    const ours = new Set(["sub", "bound", "scaled", "tokens"]);
    const canonical = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(canonical)
        : v && typeof v === "object"
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, canonical((v as Obj)[k])]),
            )
          : v;
    const reviews = (server: string) =>
      calls
        .filter((c) => c.path.startsWith(`/${server}/`) && ours.has(String(c.review.request.name)))
        .map((c) => {
          const { uid: _uid, userInfo: _user, ...r } = c.review.request;
          // Not compared: managedFields (kube hands webhooks the entry the write will record, evk records it after
          // admission) and a Scale's status (the host's deployment controller moves it).
          const shape = (o: unknown) => {
            if (!o || typeof o !== "object") return o;
            const { managedFields: _m, ...metadata } = ((o as Obj).metadata ?? {}) as Obj;
            const { status, ...rest } = o as Obj;
            return { ...rest, metadata, ...(rest.kind === "Scale" ? {} : { status }) };
          };
          return normalise(
            JSON.stringify(
              canonical({
                path: c.path.replace(`/${server}/`, "/"),
                ...r,
                object: shape(r.object),
                oldObject: shape(r.oldObject),
              }),
            ),
          );
        });
    // The service account volume's name ends in a random suffix.
    const shown = (server: string) =>
      reviews(server)
        .join("\n")
        .replace(/kube-api-access-[a-z0-9]{5}/g, "kube-api-access-<suffix>");
    const [kube, evk] = [shown("kube"), shown("evk")];
    assert.ok(kube.length > 0, "kube called no webhook");
    assert.equal(evk, kube, `\n${lineDiff(kube, evk)}`);
  });
});
