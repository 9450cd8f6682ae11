import assert from "node:assert/strict";
import { authorizerValue, compile, run, toCel } from "../src/admission/cel.ts";
import { httpStatusMessage, requestURL, transportMessage } from "../src/admission/client.ts";
import { beforeSystemFields, goShapedMetadata, withSystemFields } from "../src/admission/index.ts";
import {
  type Attributes,
  isExemptFromWebhooks,
  namespaceLabelsFromRequest,
  needsNamespaceLabels,
  objectSelectorMatches,
  parseSelector,
  type Rule,
  resourcesMatch,
  ruleMatches,
  webhookInvocation,
} from "../src/admission/matching.ts";
import { celRequest, compilePolicy, validate } from "../src/admission/policy.ts";
import { admissionReview, rejection, verifyResponse } from "../src/admission/review.ts";

const attrs = (over: Partial<Attributes> = {}): Attributes => ({
  resource: { group: "", version: "v1", resource: "configmaps" },
  subresource: "",
  kind: { group: "", version: "v1", kind: "ConfigMap" },
  namespace: "ns",
  name: "cm",
  operation: "CREATE",
  object: { metadata: { name: "cm", labels: { app: "a" } } },
  oldObject: undefined,
  dryRun: false,
  options: { kind: "CreateOptions", apiVersion: "meta.k8s.io/v1" },
  userInfo: { username: "admin", groups: ["system:masters"] },
  ...over,
});

const rule = (r: Partial<Rule> = {}): Rule => ({
  apiGroups: [""],
  apiVersions: ["v1"],
  resources: ["configmaps"],
  operations: ["CREATE"],
  ...r,
});

describe("admission: rules", () => {
  const cases: [string, Rule, Partial<Attributes>, boolean][] = [
    ["exact match", rule(), {}, true],
    ["another operation", rule(), { operation: "UPDATE" }, false],
    ["operation *", rule({ operations: ["*"] }), { operation: "DELETE" }, true],
    ["group *", rule({ apiGroups: ["*"] }), {}, true],
    ["another group", rule({ apiGroups: ["apps"] }), {}, false],
    ["version *", rule({ apiVersions: ["*"] }), {}, true],
    ["resource *", rule({ resources: ["*"] }), {}, true],
    ["resource * leaves subresources out", rule({ resources: ["*"] }), { subresource: "status" }, false],
    ["*/* takes subresources", rule({ resources: ["*/*"] }), { subresource: "status" }, true],
    ["configmaps/* takes subresources", rule({ resources: ["configmaps/*"] }), { subresource: "x" }, true],
    ["*/status", rule({ resources: ["*/status"] }), { subresource: "status" }, true],
    ["pods/status is not configmaps/status", rule({ resources: ["pods/status"] }), { subresource: "status" }, false],
    ["scope Namespaced, namespaced request", rule({ scope: "Namespaced" }), {}, true],
    ["scope Cluster, namespaced request", rule({ scope: "Cluster" }), {}, false],
    ["scope Cluster, cluster-scoped request", rule({ scope: "Cluster" }), { namespace: "" }, true],
    [
      "a namespace is cluster-scoped even with its own name as namespace",
      rule({ scope: "Cluster", resources: ["namespaces"] }),
      { resource: { group: "", version: "v1", resource: "namespaces" }, namespace: "ns" },
      true,
    ],
    [
      "and never Namespaced",
      rule({ scope: "Namespaced", resources: ["namespaces"] }),
      { resource: { group: "", version: "v1", resource: "namespaces" }, namespace: "ns" },
      false,
    ],
    ["an unknown scope matches nothing", rule({ scope: "Odd" }), {}, false],
  ];
  for (const [name, r, over, want] of cases) it(name, () => assert.equal(ruleMatches(r, attrs(over)), want));

  it("matchPolicy Equivalent calls a rule for events.k8s.io with the core Event too, naming the equivalent", () => {
    const a = attrs({
      resource: { group: "", version: "v1", resource: "events" },
      kind: { group: "", version: "v1", kind: "Event" },
    });
    const r = [rule({ apiGroups: ["events.k8s.io"], resources: ["events"] })];
    assert.deepEqual(webhookInvocation(r, "Equivalent", a), {
      resource: { group: "events.k8s.io", version: "v1", resource: "events" },
      kind: { group: "events.k8s.io", version: "v1", kind: "Event" },
    });
    assert.equal(webhookInvocation(r, "Exact", a), undefined);
  });

  it("policies: exclusions win, resourceNames narrow", () => {
    const a = attrs();
    assert.ok(resourcesMatch({ resourceRules: [rule()] }, a));
    assert.equal(resourcesMatch({ resourceRules: [rule()], excludeResourceRules: [rule()] }, a), undefined);
    assert.equal(resourcesMatch({ resourceRules: [rule({ resourceNames: ["other"] })] }, a), undefined);
    assert.ok(resourcesMatch({ resourceRules: [rule({ resourceNames: ["cm"] })] }, a));
    assert.ok(resourcesMatch({}, a), "no rules: everything");
  });

  it("the admission configuration kinds are exempt from webhooks", () => {
    const kind = (k: string) => attrs({ kind: { group: "admissionregistration.k8s.io", version: "v1", kind: k } });
    assert.equal(isExemptFromWebhooks(kind("ValidatingWebhookConfiguration")), true);
    assert.equal(isExemptFromWebhooks(kind("ValidatingAdmissionPolicyBinding")), true);
    assert.equal(isExemptFromWebhooks(attrs()), false);
  });
});

describe("admission: selectors", () => {
  it("object selector: the new or the old object's labels", () => {
    const sel = parseSelector({ matchLabels: { app: "b" } });
    assert.equal(objectSelectorMatches(sel, attrs()), false);
    assert.equal(objectSelectorMatches(sel, attrs({ oldObject: { metadata: { labels: { app: "b" } } } })), true);
    assert.equal(objectSelectorMatches(parseSelector({}), attrs()), true);
  });
  it("namespace selector: cluster-scoped requests other than namespaces are never exempted", () => {
    const sel = parseSelector({ matchLabels: { env: "x" } });
    assert.equal(needsNamespaceLabels(sel, attrs({ namespace: "" })), false);
    assert.equal(needsNamespaceLabels(sel, attrs()), true);
    assert.equal(needsNamespaceLabels(parseSelector({}), attrs()), false);
  });
  it("a namespace being written is judged by its new labels", () => {
    const ns = attrs({
      resource: { group: "", version: "v1", resource: "namespaces" },
      object: { metadata: { labels: { env: "x" } } },
    });
    assert.deepEqual(namespaceLabelsFromRequest(ns), { env: "x" });
    assert.equal(namespaceLabelsFromRequest({ ...ns, operation: "DELETE" }), undefined);
    assert.equal(namespaceLabelsFromRequest(attrs()), undefined);
  });
});

describe("admission: reviews", () => {
  it("are sent in kube's shape", () => {
    const a = attrs();
    const r = admissionReview("u1", a, { resource: a.resource, kind: a.kind });
    assert.deepEqual(r, {
      kind: "AdmissionReview",
      apiVersion: "admission.k8s.io/v1",
      request: {
        uid: "u1",
        kind: a.kind,
        resource: a.resource,
        requestKind: a.kind,
        requestResource: a.resource,
        name: "cm",
        namespace: "ns",
        operation: "CREATE",
        userInfo: { username: "admin", groups: ["system:masters"] },
        object: a.object,
        oldObject: null,
        dryRun: false,
        options: a.options,
      },
    });
  });

  const ok = { kind: "AdmissionReview", apiVersion: "admission.k8s.io/v1" };
  const cases: [string, boolean, unknown, string | undefined][] = [
    ["no response", false, ok, "webhook response was absent"],
    ["another uid", false, { ...ok, response: { uid: "x" } }, 'expected response.uid="u", got "x"'],
    [
      "another kind",
      false,
      { kind: "Review", apiVersion: "admission.k8s.io/v1beta1", response: { uid: "u" } },
      "expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got admission.k8s.io/v1beta1, Kind=Review",
    ],
    [
      "a patch from a validating webhook",
      false,
      { ...ok, response: { uid: "u", patch: "W10=" } },
      "validating webhook may not return response.patch",
    ],
    [
      "a patch without type",
      true,
      { ...ok, response: { uid: "u", patch: "W10=" } },
      "webhook returned response.patch but not response.patchType",
    ],
    [
      "a type without patch",
      true,
      { ...ok, response: { uid: "u", patchType: "JSONPatch" } },
      "webhook returned response.patchType but not response.patch",
    ],
    ["fine", true, { ...ok, response: { uid: "u", allowed: true } }, undefined],
  ];
  for (const [name, mutating, review, invalid] of cases)
    it(`a response: ${name}`, () => {
      const r = verifyResponse("u", mutating, review);
      assert.equal("invalid" in r ? r.invalid : undefined, invalid);
    });

  const denials: [string, unknown, { message: string; code: number; reason?: string }][] = [
    ["no status", undefined, { message: 'admission webhook "w" denied the request without explanation', code: 400 }],
    ["a message", { message: "no", code: 403 }, { message: 'admission webhook "w" denied the request: no', code: 403 }],
    [
      "only a reason",
      { reason: "Odd" },
      { message: 'admission webhook "w" denied the request: Odd', code: 400, reason: "Odd" },
    ],
    [
      "a code below 400",
      { message: "m", code: 200 },
      { message: 'admission webhook "w" denied the request: m', code: 400 },
    ],
  ];
  for (const [name, status, want] of denials)
    it(`a denial with ${name}`, () => {
      const s = rejection("w", status as never).toStatus() as unknown as Record<string, unknown>;
      assert.equal(s.message, want.message);
      assert.equal(s.code, want.code);
      assert.equal(s.status, "Failure");
      assert.equal(s.reason, want.reason);
    });
});

describe("admission: calling", () => {
  it("posts to the cleaned path with the timeout", () => {
    assert.equal(requestURL(new URL("https://h:1/a/b/"), 10).href, "https://h:1/a/b?timeout=10s");
    assert.equal(requestURL(new URL("https://h:1"), 3).href, "https://h:1/?timeout=3s");
  });
  const errs: [string, string, string][] = [
    ["ECONNREFUSED", "", "dial tcp 127.0.0.1:9: connect: connection refused"],
    [
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      "",
      "tls: failed to verify certificate: x509: certificate signed by unknown authority",
    ],
    [
      "ERR_TLS_CERT_ALTNAME_INVALID",
      "Hostname/IP does not match certificate's altnames: Host: a.b. is not in the cert's altnames: DNS:c.d",
      "tls: failed to verify certificate: x509: certificate is valid for c.d, not a.b",
    ],
  ];
  for (const [code, message, want] of errs)
    it(`words ${code} as Go`, () =>
      assert.equal(transportMessage(Object.assign(new Error(message), { code }), "127.0.0.1:9"), want));
  it("words an HTTP error as client-go", () => {
    assert.equal(
      httpStatusMessage(500, "boom\n", "text/plain"),
      'an error on the server ("boom") has prevented the request from succeeding',
    );
    assert.equal(httpStatusMessage(404, "", undefined), "the server could not find the requested resource");
    assert.equal(
      httpStatusMessage(502, "{}", "application/json"),
      'an error on the server ("unknown") has prevented the request from succeeding',
    );
  });
});

describe("admission: objects as admission sees them", () => {
  it("a create before its system fields, and back", () => {
    const o = { metadata: { name: "x-abcde", generateName: "x-", uid: "u", creationTimestamp: "t", generation: 1 } };
    const seen = beforeSystemFields(o, true);
    assert.deepEqual(seen, { metadata: { generateName: "x-" } });
    assert.deepEqual(withSystemFields(seen, o), o);
  });
  it("metadata as Go encodes it: empty maps and lists left out, keys sorted", () => {
    const o = goShapedMetadata({ metadata: { labels: { b: "1", a: "2" }, annotations: {}, finalizers: [] } });
    assert.equal(JSON.stringify(o), '{"metadata":{"labels":{"a":"2","b":"1"}}}');
  });
});

describe("admission: CEL", () => {
  const decls = { params: true, authorizer: true };
  const compiles: [string, string[], string | undefined][] = [
    ["object.spec.replicas <= 3", ["bool"], undefined],
    ["object.spec.replicas", ["bool"], "must evaluate to bool but got dyn"],
    ["'a'", ["string", "null_type"], undefined],
    ["1", ["string", "null_type"], "must evaluate to one of [string null_type] but got int"],
    [
      "foo > 1",
      ["bool"],
      "compilation failed: ERROR: <input>:1:1: undeclared reference to 'foo' (in container '')\n | foo > 1\n | ^",
    ],
    ["1 +", ["bool"], "compilation failed: ERROR: <input>:1:4: Syntax error: Unexpected token: EOF\n | 1 +\n | ...^"],
    ["request.dryRun", ["bool"], undefined],
    ["params.max > 1", ["bool"], undefined],
  ];
  for (const [expr, types, want] of compiles)
    it(`compiles ${JSON.stringify(expr)}`, () => {
      const c = compile(expr, decls, types);
      assert.equal(c.ok ? undefined : c.detail, want);
    });
  it("has no params without a paramKind", () => {
    const c = compile("params.x == 1", { params: false, authorizer: true }, ["bool"]);
    assert.equal(c.ok, false);
  });

  const evaluations: [string, unknown, unknown][] = [
    ["object.spec.replicas + 1 == 4", { spec: { replicas: 3 } }, true],
    ["object.spec.f > 1.0", { spec: { f: 1.5 } }, true],
    ["has(object.spec.x)", { spec: {} }, false],
    ["object.spec.x == 1", { spec: {} }, "expression 'object.spec.x == 1' resulted in error: no such key: x"],
    ["object.metadata.?labels.?team.orValue('') == ''", { metadata: {} }, true],
    ["quantity('1Gi').isGreaterThan(quantity('1000Mi'))", {}, true],
    ["quantity(object.q).asInteger() == 2000", { q: "2k" }, true],
    ["isQuantity('1x')", {}, false],
    ["[3, 1, 2].sort() == [1, 2, 3] && [1, 2].sum() == 3 && [1, 5].max() == 5", {}, true],
    ["'a-b-c'.replace('-', '.') == 'a.b.c' && 'abc'.reverse() == 'cba' && 'abc'.charAt(1) == 'b'", {}, true],
    ["'x123y'.find('[0-9]+') == '123' && 'a1b2'.findAll('[0-9]') == ['1', '2']", {}, true],
    [
      "url('https://h.example:8443/p?q=1').getHostname() == 'h.example' && url('https://h:1/p').getPort() == '1'",
      {},
      true,
    ],
    ["isURL('not a url') == false", {}, true],
    [
      "cidr('10.0.0.0/8').containsIP(ip('10.2.3.4')) && ip('::1').family() == 6 && ip('127.0.0.1').isLoopback()",
      {},
      true,
    ],
    ["sets.contains([1, 2], [2]) && sets.intersects([1], [1, 3]) && !sets.equivalent([1], [2])", {}, true],
    ["base64.decode(base64.encode(b'hi')) == b'hi' && strings.quote('a\"b') == '\"a\\\\\"b\"'", {}, true],
    ["math.greatest([1, 9, 3]) == 9", {}, true],
    ["authorizer.group('apps').resource('deployments').namespace('x').check('create').allowed()", {}, true],
    ["request.userInfo.username == 'admin' && request.operation == 'CREATE'", {}, true],
  ];
  for (const [expr, object, want] of evaluations)
    it(`evaluates ${JSON.stringify(expr)}`, () => {
      const c = compile(expr, decls, ["bool"]);
      assert.ok(c.ok, c.ok ? "" : c.detail);
      const a = attrs();
      const r = run(expr, c, {
        object: toCel(object),
        oldObject: null,
        params: null,
        namespaceObject: null,
        request: celRequest(a, a.resource, a.kind),
        authorizer: authorizerValue(),
      });
      assert.deepEqual("error" in r ? r.error : r.value, want);
    });
});

describe("admission: ValidatingAdmissionPolicy decisions", () => {
  const policy = (spec: Record<string, unknown>) =>
    compilePolicy({ metadata: { name: "p" }, spec: { failurePolicy: "Fail", ...spec } }, parseSelector);
  const base = (object: unknown) => {
    const a = attrs();
    return {
      object: toCel(object),
      oldObject: null,
      request: celRequest(a, a.resource, a.kind),
      namespaceObject: null,
      authorizer: authorizerValue(),
    };
  };
  const cases: [
    string,
    Record<string, unknown>,
    unknown,
    unknown,
    { action: string; message: string; reason?: string }[],
  ][] = [
    ["admits", { validations: [{ expression: "object.n < 3" }] }, { n: 1 }, null, [{ action: "admit", message: "" }]],
    [
      "denies with the expression when there is no message",
      { validations: [{ expression: "object.n < 3" }] },
      { n: 5 },
      null,
      [{ action: "deny", message: "failed expression: object.n < 3", reason: "Invalid" }],
    ],
    [
      "a messageExpression wins over the message",
      {
        validations: [
          {
            expression: "object.n < 3",
            message: "static",
            messageExpression: "'n is ' + string(object.n)",
            reason: "Forbidden",
          },
        ],
      },
      { n: 5 },
      null,
      [{ action: "deny", message: "n is 5", reason: "Forbidden" }],
    ],
    [
      "a messageExpression that fails falls back to the message",
      { validations: [{ expression: "false", message: "static", messageExpression: "object.missing" }] },
      {},
      null,
      [{ action: "deny", message: "static", reason: "Invalid" }],
    ],
    [
      "an error denies with Fail",
      { validations: [{ expression: "object.missing == 1" }] },
      {},
      null,
      [{ action: "deny", message: "expression 'object.missing == 1' resulted in error: no such key: missing" }],
    ],
    [
      "and admits with Ignore",
      { failurePolicy: "Ignore", validations: [{ expression: "object.missing == 1" }] },
      {},
      null,
      [{ action: "admit", message: "expression 'object.missing == 1' resulted in error: no such key: missing" }],
    ],
    [
      "match conditions that do not match: no decisions",
      { matchConditions: [{ name: "c", expression: "object.n > 10" }], validations: [{ expression: "false" }] },
      { n: 1 },
      null,
      [],
    ],
    [
      "variables, lazily",
      {
        variables: [
          { name: "limit", expression: "params.max" },
          { name: "broken", expression: "object.nope" },
        ],
        paramKind: { apiVersion: "v1", kind: "ConfigMap" },
        validations: [{ expression: "object.n <= variables.limit" }],
      },
      { n: 5 },
      { max: 3 },
      [{ action: "deny", message: "failed expression: object.n <= variables.limit", reason: "Invalid" }],
    ],
  ];
  for (const [name, spec, object, params, want] of cases)
    it(name, () => {
      const got = validate(policy(spec), base(object), params === null ? null : toCel(params)).map((d) => ({
        action: d.action,
        message: d.message,
        ...(d.reason ? { reason: d.reason } : {}),
      }));
      assert.deepEqual(got, want);
    });
});
