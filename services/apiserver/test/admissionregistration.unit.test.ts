import assert from "node:assert/strict";
import type { KubeObject } from "@evk/kube";
import { applyDefaults } from "../src/defaults/index.ts";
import {
  goParseURL,
  mutatingWebhookConfigurationProblems,
  validatingAdmissionPolicyBindingProblems,
  validatingAdmissionPolicyProblems,
  validatingWebhookConfigurationProblems,
  validatingWebhookConfigurationUpdateProblems,
} from "../src/spec-validation/admissionregistration.ts";
import { toCauses } from "../src/spec-validation/field-errors.ts";
import { goLabelSelectorString } from "../src/tables/admissionregistration.ts";
import { type Printer, tableColumns, toTable } from "../src/tables/index.ts";

const G = "admissionregistration.k8s.io";
const obj = (o: Record<string, unknown>) => o as unknown as KubeObject;
const messages = (errs: Parameters<typeof toCauses>[0]) => toCauses(errs).map((c) => `${c.field}: ${c.message}`);

describe("admissionregistration.k8s.io/v1 defaulting", () => {
  it("webhooks get kube's policies, selectors, timeout, service port and rule scope", () => {
    const out = applyDefaults(
      G,
      "mutatingwebhookconfigurations",
      obj({
        webhooks: [
          { name: "a.b.c", clientConfig: { service: { name: "s", namespace: "n" } }, rules: [{ operations: ["*"] }] },
        ],
      }),
    );
    assert.deepEqual((out as unknown as { webhooks: unknown[] }).webhooks[0], {
      name: "a.b.c",
      clientConfig: { service: { name: "s", namespace: "n", port: 443 } },
      rules: [{ operations: ["*"], scope: "*" }],
      failurePolicy: "Fail",
      matchPolicy: "Equivalent",
      namespaceSelector: {},
      objectSelector: {},
      timeoutSeconds: 10,
      reinvocationPolicy: "Never",
    });
    const v = applyDefaults(G, "validatingwebhookconfigurations", obj({ webhooks: [{ name: "x" }] }));
    assert.equal(
      "reinvocationPolicy" in ((v as unknown as { webhooks: Record<string, unknown>[] }).webhooks[0] ?? {}),
      false,
    );
  });
  it("policies fail by default and their match constraints get selectors", () => {
    const out = applyDefaults(
      G,
      "validatingadmissionpolicies",
      obj({ spec: { matchConstraints: { resourceRules: [{}] } } }),
    );
    assert.deepEqual(out.spec, {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [{ scope: "*" }],
        matchPolicy: "Equivalent",
        namespaceSelector: {},
        objectSelector: {},
      },
    });
    const b = applyDefaults(G, "validatingadmissionpolicybindings", obj({}));
    assert.deepEqual(b.spec, {});
  });
});

describe("admissionregistration.k8s.io/v1 validation", () => {
  const hook = (over: Record<string, unknown>) => ({
    name: "a.b.c",
    sideEffects: "None",
    admissionReviewVersions: ["v1"],
    clientConfig: { url: "https://example.com/x" },
    ...over,
  });
  const cases: [string, Record<string, unknown>, string[]][] = [
    ["a valid webhook", hook({}), []],
    [
      "a short name",
      hook({ name: "short" }),
      ['webhooks[0].name: Invalid value: "short": should be a domain with at least three segments separated by dots'],
    ],
    [
      "no sideEffects",
      hook({ sideEffects: undefined }),
      ["webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun"],
    ],
    [
      "both url and service",
      hook({ clientConfig: { url: "https://a", service: { name: "s", namespace: "n", port: 443 } } }),
      ["webhooks[0].clientConfig: Required value: exactly one of url or service is required"],
    ],
    [
      "an unparsable url",
      hook({ clientConfig: { url: ":x" } }),
      [
        'webhooks[0].clientConfig.url: Required value: url must be a valid URL: parse ":x": missing protocol scheme; desired format: https://host[/path]',
      ],
    ],
    [
      "a timeout of 0",
      hook({ timeoutSeconds: 0 }),
      ["webhooks[0].timeoutSeconds: Invalid value: 0: the timeout value must be between 1 and 30 seconds"],
    ],
    [
      "resources * and pods",
      hook({ rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["*", "pods"] }] }),
      [
        `webhooks[0].rules[0].resources: Invalid value: ["*","pods"]: if '*' is present, must not specify other resources without subresources`,
      ],
    ],
    [
      "pods/* and pods/status",
      hook({
        rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods/*", "pods/status"] }],
      }),
      [
        `webhooks[0].rules[0].resources[1]: Invalid value: "pods/status": if 'pods/*' is present, must not specify pods/status`,
      ],
    ],
    [
      "a match condition with params",
      hook({ matchConditions: [{ name: "c", expression: "params.x == 1" }] }),
      [
        "webhooks[0].matchConditions[0].expression: Invalid value: \"params.x == 1\": compilation failed: ERROR: <input>:1:1: undeclared reference to 'params' (in container '')\n | params.x == 1\n | ^",
      ],
    ],
  ];
  for (const [name, h, want] of cases)
    it(name, () => assert.deepEqual(messages(validatingWebhookConfigurationProblems({ webhooks: [h] })), want));

  it("a mutating webhook's reinvocationPolicy", () => {
    assert.deepEqual(
      messages(mutatingWebhookConfigurationProblems({ webhooks: [hook({ reinvocationPolicy: "Always" })] })),
      ['webhooks[0].reinvocationPolicy: Unsupported value: "Always": supported values: "IfNeeded", "Never"'],
    );
  });
  it("an update keeps what the stored configuration already allowed", () => {
    const old = { webhooks: [hook({ sideEffects: "Some" })] };
    assert.deepEqual(
      messages(validatingWebhookConfigurationUpdateProblems({ webhooks: [hook({ sideEffects: "Unknown" })] }, old)),
      [],
    );
    assert.deepEqual(
      messages(validatingWebhookConfigurationProblems({ webhooks: [hook({ sideEffects: "Unknown" })] })),
      ['webhooks[0].sideEffects: Unsupported value: "Unknown": supported values: "None", "NoneOnDryRun"'],
    );
  });
  it("a policy without rules or validations", () => {
    assert.deepEqual(
      messages(validatingAdmissionPolicyProblems({ metadata: { name: "p" }, spec: { failurePolicy: "Fail" } })),
      [
        "spec.matchConstraints: Required value",
        "spec.validations: Required value: validations or auditAnnotations must contain at least one item",
        "spec.auditAnnotations: Required value: validations or auditAnnotations must contain at least one item",
      ],
    );
  });
  it("a binding with both Deny and Warn", () => {
    assert.deepEqual(
      messages(
        validatingAdmissionPolicyBindingProblems({ spec: { policyName: "p", validationActions: ["Deny", "Warn"] } }),
      ),
      [
        'spec.validationActions: Invalid value: ["Deny","Warn"]: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)',
      ],
    );
  });

  const urls: [string, unknown][] = [
    ["https://h:1/p?q=1#f", { scheme: "https", host: "h:1", fragment: "f", rawQuery: "q=1" }],
    ["https://u@h/p", { scheme: "https", host: "h", user: "u", fragment: "", rawQuery: "" }],
    ["h/p", { scheme: "", host: "", fragment: "", rawQuery: "" }],
    ["https://h:x/", { error: 'parse "https://h:x/": invalid port ":x" after host' }],
  ];
  for (const [url, want] of urls) it(`parses ${url} as Go's net/url`, () => assert.deepEqual(goParseURL(url), want));
});

describe("admissionregistration.k8s.io/v1 tables", () => {
  it("a binding prints its paramRef as kube does", () => {
    const t = toTable(
      tableColumns[`${G}/validatingadmissionpolicybindings`] as Printer,
      [obj({ metadata: { name: "b" }, spec: { policyName: "p", paramRef: { name: "x" } } })],
      {},
      "None",
    );
    assert.deepEqual(t.rows[0]?.cells.slice(0, 3), ["b", "p", "*/x"]);
    assert.equal(
      goLabelSelectorString({
        matchLabels: { b: "2", a: "1" },
        matchExpressions: [{ key: "k", operator: "In", values: ["x", "y"] }],
      }),
      "&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:k,Operator:In,Values:[x y],},},}",
    );
  });
  it("a policy prints its validations and paramKind", () => {
    const t = toTable(
      tableColumns[`${G}/validatingadmissionpolicies`] as Printer,
      [obj({ metadata: { name: "p" }, spec: { validations: [{}, {}] } })],
      {},
      "None",
    );
    assert.deepEqual(t.rows[0]?.cells.slice(0, 3), ["p", 2, "<unset>"]);
  });
});
