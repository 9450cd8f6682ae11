import { type CelDeclarations, type Compiled, compile, run, toCel } from "./cel.ts";
import type {
  Attributes,
  GroupVersionKind,
  GroupVersionResource,
  MatchResources,
  Obj,
  ParsedSelector,
} from "./matching.ts";

// ValidatingAdmissionPolicy as kube-apiserver 1.35 evaluates it (plugin/policy/validating): a policy compiled
// once per generation, evaluated for each matching binding and each of its params, into decisions that deny,
// warn or are audited as the binding's validationActions say. Pure: params, the namespace and the CEL request
// come in; decisions and warnings go out.

type Ok = Extract<Compiled, { ok: true }>;

export interface CompiledExpression {
  expression: string;
  compiled: Compiled;
}

export interface CompiledPolicy {
  name: string;
  failurePolicy: "Fail" | "Ignore";
  paramKind: { apiVersion: string; kind: string } | undefined;
  matchConstraints: MatchResources & { namespaceSelector: ParsedSelector; objectSelector: ParsedSelector };
  matchConditions: (CompiledExpression & { name: string })[];
  variables: (CompiledExpression & { name: string })[];
  validations: (CompiledExpression & {
    message: string;
    messageExpression: CompiledExpression | undefined;
    reason: string | undefined;
  })[];
  auditAnnotations: (CompiledExpression & { key: string })[];
}

const str = (v: unknown) => (typeof v === "string" ? v : "");
const objOf = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const objsOf = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(objOf) : []);

/** Compiles a policy's expressions in the environments kube gives each kind of them. */
export function compilePolicy(policy: Obj, parseSelector: (s: unknown) => ParsedSelector): CompiledPolicy {
  const spec = objOf(policy.spec);
  const params = spec.paramKind !== undefined && spec.paramKind !== null;
  const mc = objOf(spec.matchConstraints);
  const types: Record<string, string> = {};
  const variables = objsOf(spec.variables).map((v) => {
    const expression = str(v.expression);
    const compiled = compile(expression, { params, authorizer: true, variables: { ...types } }, ["any"]);
    types[str(v.name)] = compiled.ok ? compiled.type : "dyn";
    return { name: str(v.name), expression, compiled };
  });
  const withVars = (d: CelDeclarations): CelDeclarations => (variables.length ? { ...d, variables: types } : d);
  return {
    name: str(objOf(policy.metadata).name),
    failurePolicy: spec.failurePolicy === "Ignore" ? "Ignore" : "Fail",
    paramKind: params
      ? { apiVersion: str(objOf(spec.paramKind).apiVersion), kind: str(objOf(spec.paramKind).kind) }
      : undefined,
    matchConstraints: {
      ...(mc as MatchResources),
      namespaceSelector: parseSelector(mc.namespaceSelector),
      objectSelector: parseSelector(mc.objectSelector),
    },
    matchConditions: objsOf(spec.matchConditions).map((c) => ({
      name: str(c.name),
      expression: str(c.expression),
      compiled: compile(str(c.expression), { params, authorizer: true }, ["bool"]),
    })),
    variables,
    validations: objsOf(spec.validations).map((v) => ({
      expression: str(v.expression),
      compiled: compile(str(v.expression), withVars({ params, authorizer: true }), ["bool"]),
      message: str(v.message),
      messageExpression: str(v.messageExpression).trim()
        ? {
            expression: str(v.messageExpression),
            compiled: compile(str(v.messageExpression), withVars({ params, authorizer: false }), ["string"]),
          }
        : undefined,
      reason: typeof v.reason === "string" ? v.reason : undefined,
    })),
    auditAnnotations: objsOf(spec.auditAnnotations).map((a) => ({
      key: str(a.key),
      expression: str(a.valueExpression),
      compiled: compile(str(a.valueExpression).trim(), withVars({ params, authorizer: true }), ["string", "null_type"]),
    })),
  };
}

/** One evaluation's outcome, as kube's PolicyDecision. */
export interface Decision {
  action: "admit" | "deny";
  error: boolean;
  message: string;
  reason?: string;
}

/** The CEL `request` variable (kube's CreateAdmissionRequest), for the resource and kind the policy matched. */
export function celRequest(attr: Attributes, resource: GroupVersionResource, kind: GroupVersionKind): Obj {
  return {
    kind,
    resource,
    subResource: attr.subresource,
    requestKind: attr.kind,
    requestResource: attr.resource,
    requestSubResource: attr.subresource,
    name: attr.name,
    namespace: attr.namespace,
    operation: attr.operation,
    userInfo: {
      username: attr.userInfo.username,
      uid: attr.userInfo.uid ?? "",
      groups: attr.userInfo.groups ?? [],
      extra: attr.userInfo.extra ?? {},
    },
    dryRun: attr.dryRun,
    options: toCel(attr.options),
  };
}

/** The `namespaceObject` variable: what kube's CreateNamespaceObject keeps of a namespace. */
export function celNamespace(ns: Obj | undefined): Obj | null {
  if (!ns) return null;
  const m = objOf(ns.metadata);
  const keep = [
    "name",
    "generateName",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "finalizers",
  ];
  const metadata: Obj = {};
  for (const k of keep) if (m[k] !== undefined) metadata[k] = m[k];
  return toCel({ metadata, spec: ns.spec ?? {}, status: ns.status ?? {} }) as Obj;
}

/** A failed compile shows as kube's "compilation error: ..." when the expression is evaluated. */
const evaluate = (
  e: CompiledExpression,
  activation: Record<string, unknown>,
): { value: unknown } | { error: string } =>
  e.compiled.ok
    ? run(e.expression, e.compiled as Ok, activation)
    : { error: `compilation error: ${e.compiled.detail}` };

/**
 * The variables of one evaluation: each computed when first used and kept, as kube's lazy composition
 * does, so a variable that fails matters only to the expressions that use it.
 */
function lazyVariables(policy: CompiledPolicy, activation: Record<string, unknown>): Obj {
  const values = new Map<string, { value: unknown } | { error: string }>();
  const vars: Obj = {};
  for (const v of policy.variables) {
    Object.defineProperty(vars, v.name, {
      enumerable: true,
      get() {
        let r = values.get(v.name);
        if (!r) {
          r = evaluate(v, activation);
          values.set(v.name, r);
        }
        if ("error" in r) throw new Error(`composited variable "${v.name}" fails to evaluate: ${r.error}`);
        return r.value;
      },
    });
  }
  return vars;
}

const failAction = (p: CompiledPolicy): Decision["action"] => (p.failurePolicy === "Ignore" ? "admit" : "deny");

/** validator.Validate: the decisions of one policy for one binding and one param. */
export function validate(
  policy: CompiledPolicy,
  base: { object: unknown; oldObject: unknown; request: Obj; namespaceObject: unknown; authorizer: unknown },
  params: unknown,
): Decision[] {
  const activation: Record<string, unknown> = { ...base, params: params === undefined ? null : params };
  activation.variables = lazyVariables(policy, activation);
  for (const mc of policy.matchConditions) {
    const r = evaluate(mc, activation);
    if ("error" in r) return [{ action: failAction(policy), error: true, message: r.error }];
    if (r.value === false) return [];
  }
  const decisions: Decision[] = policy.validations.map((v) => {
    const r = evaluate(v, activation);
    if ("error" in r) return { action: failAction(policy), error: true, message: r.error };
    if (r.value === true) return { action: "admit", error: false, message: "" };
    let message = "";
    if (v.messageExpression) {
      const m = evaluate(v.messageExpression, activation);
      if ("value" in m && typeof m.value === "string") {
        message = m.value.trim();
        if (message.length > 5 * 1024 || message.includes("\n")) message = "";
      }
    }
    if (!message && v.message) message = v.message.trim();
    if (!message) message = `failed expression: ${v.expression.trim()}`;
    return { action: "deny", error: false, message, reason: v.reason ?? "Invalid" };
  });
  for (const a of policy.auditAnnotations) {
    const r = evaluate(a, activation);
    if ("error" in r) {
      if (policy.failurePolicy !== "Ignore") decisions.push({ action: "deny", error: true, message: r.error });
    } else if (r.value !== null && typeof r.value !== "string" && policy.failurePolicy !== "Ignore")
      decisions.push({
        action: "deny",
        error: true,
        message: `valueExpression '${a.expression}' resulted in unsupported return type: ${typeof r.value}. Return type must be either string or null.`,
      });
  }
  return decisions;
}
