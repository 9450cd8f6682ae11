import { compile, isCELIdentifier } from "../admission/cel.ts";
import {
  duplicate,
  type FieldError,
  forbidden,
  invalid,
  j,
  n,
  notSupported,
  q,
  required,
  tooMany,
} from "./field-errors.ts";
import {
  child,
  dns1035Label,
  dns1123Subdomain,
  each,
  index,
  isNil,
  list,
  type Obj,
  obj,
  objs,
  pathSegmentName,
  qualifiedName,
  str,
  validateLabelSelector,
} from "./formats.ts";

// kube-apiserver 1.35's validation of admissionregistration.k8s.io/v1 (pkg/apis/admissionregistration/validation):
// webhook configurations, ValidatingAdmissionPolicies and their bindings, with CEL expressions compiled in the
// admission environment (admission/cel.ts).

type Errs = FieldError[];

const hasWildcard = (l: unknown[]) => l.includes("*");
/** Go's `%v` of a []string, as kube prints some lists in its details. */
const joined = (l: readonly string[]) => l.join(", ");

function validateResources(resources: unknown[], path: string): Errs {
  const out: Errs = [];
  if (resources.length === 0) out.push(required(path));
  const withWildcardSub = new Set<string>();
  const subWithWildcardRes = new Set<string>();
  let doubleWildcard = false;
  let singleWildcard = false;
  let withoutSub = false;
  resources.forEach((r, i) => {
    const resSub = str(r);
    if (resSub === "") {
      out.push(required(index(path, i)));
      return;
    }
    if (resSub === "*/*") doubleWildcard = true;
    if (resSub === "*") singleWildcard = true;
    const slash = resSub.indexOf("/");
    if (slash < 0) {
      withoutSub = resSub !== "*";
      return;
    }
    const res = resSub.slice(0, slash);
    const sub = resSub.slice(slash + 1);
    if (withWildcardSub.has(res))
      out.push(invalid(index(path, i), q(resSub), `if '${res}/*' is present, must not specify ${resSub}`));
    if (subWithWildcardRes.has(sub))
      out.push(invalid(index(path, i), q(resSub), `if '*/${sub}' is present, must not specify ${resSub}`));
    if (sub === "*") withWildcardSub.add(res);
    if (res === "*") subWithWildcardRes.add(sub);
  });
  if (resources.length > 1 && doubleWildcard)
    out.push(invalid(path, j(resources), "if '*/*' is present, must not specify other resources"));
  if (singleWildcard && withoutSub)
    out.push(invalid(path, j(resources), "if '*' is present, must not specify other resources without subresources"));
  return out;
}

const SCOPES = ["*", "Cluster", "Namespaced"];
const OPERATIONS = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"];

function validateRule(rule: Obj, path: string): Errs {
  const out: Errs = [];
  const groups = list(rule.apiGroups);
  const versions = list(rule.apiVersions);
  if (groups.length === 0) out.push(required(child(path, "apiGroups")));
  if (groups.length > 1 && hasWildcard(groups))
    out.push(invalid(child(path, "apiGroups"), j(groups), "if '*' is present, must not specify other API groups"));
  if (versions.length === 0) out.push(required(child(path, "apiVersions")));
  if (versions.length > 1 && hasWildcard(versions))
    out.push(
      invalid(child(path, "apiVersions"), j(versions), "if '*' is present, must not specify other API versions"),
    );
  versions.forEach((v, i) => {
    if (str(v) === "") out.push(required(index(child(path, "apiVersions"), i)));
  });
  out.push(...validateResources(list(rule.resources), child(path, "resources")));
  if (!isNil(rule.scope) && !SCOPES.includes(str(rule.scope)))
    out.push(notSupported(child(path, "scope"), j(rule.scope), SCOPES));
  return out;
}

function validateRuleWithOperations(rule: Obj, path: string): Errs {
  const out: Errs = [];
  const ops = list(rule.operations);
  if (ops.length === 0) out.push(required(child(path, "operations")));
  if (ops.length > 1 && hasWildcard(ops))
    out.push(invalid(child(path, "operations"), j(ops), "if '*' is present, must not specify other operations"));
  ops.forEach((op, i) => {
    if (!OPERATIONS.includes(str(op))) out.push(notSupported(index(child(path, "operations"), i), j(op), OPERATIONS));
  });
  out.push(...validateRule(rule, path));
  return out;
}

const REVIEW_VERSIONS = ["v1", "v1beta1"];

function validateAdmissionReviewVersions(versions: unknown[], requireRecognized: boolean, path: string): Errs {
  const out: Errs = [];
  if (versions.length < 1) {
    out.push(required(path, `must specify one of ${joined(REVIEW_VERSIONS)}`));
    return out;
  }
  const seen = new Set<string>();
  let accepted = false;
  versions.forEach((raw, i) => {
    const v = str(raw);
    if (seen.has(v)) {
      out.push(invalid(index(path, i), q(v), "duplicate version"));
      return;
    }
    seen.add(v);
    out.push(...each(index(path, i), v, dns1035Label(v)));
    if (REVIEW_VERSIONS.includes(v)) accepted = true;
  });
  if (requireRecognized && !accepted)
    out.push(invalid(path, j(versions), `must include at least one of ${joined(REVIEW_VERSIONS)}`));
  return out;
}

interface Options {
  ignoreMatchConditions: boolean;
  allowParamsInMatchConditions: boolean;
  requireNoSideEffects: boolean;
  requireRecognizedAdmissionReviewVersion: boolean;
  requireUniqueWebhookNames: boolean;
  allowInvalidLabelValueInSelector: boolean;
}

const CREATE_OPTIONS: Options = {
  ignoreMatchConditions: false,
  allowParamsInMatchConditions: false,
  requireNoSideEffects: true,
  requireRecognizedAdmissionReviewVersion: true,
  requireUniqueWebhookNames: true,
  allowInvalidLabelValueInSelector: false,
};

/** utilvalidation.IsFullyQualifiedName. */
function fullyQualifiedName(name: string, path: string): Errs {
  if (name === "") return [required(path)];
  const errs = dns1123Subdomain(name);
  if (errs.length) return [invalid(path, q(name), errs.join(","))];
  if (name.split(".").length < 3)
    return [invalid(path, q(name), "should be a domain with at least three segments separated by dots")];
  return [];
}

/** Go's net/url.Parse, as far as webhook URL validation looks at it. */
export function goParseURL(
  raw: string,
): { scheme: string; host: string; user?: string; fragment: string; rawQuery: string } | { error: string } {
  const fail = (why: string) => ({ error: `parse ${JSON.stringify(raw)}: ${why}` });
  let rest = raw;
  let fragment = "";
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  if ([...raw].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    return fail("net/url: invalid control character in URL");
  if (rest === "" && hash < 0) return fail("empty url");
  let scheme = "";
  const sm = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (rest.startsWith(":")) return fail("missing protocol scheme");
  if (sm) {
    scheme = (sm[1] as string).toLowerCase();
    rest = rest.slice(sm[0].length);
  }
  let rawQuery = "";
  const qm = rest.indexOf("?");
  if (qm >= 0) {
    rawQuery = rest.slice(qm + 1);
    rest = rest.slice(0, qm);
  }
  let host = "";
  let user: string | undefined;
  if ((scheme !== "" || !rest.startsWith("///")) && rest.startsWith("//")) {
    const authEnd = rest.indexOf("/", 2);
    let authority = authEnd < 0 ? rest.slice(2) : rest.slice(2, authEnd);
    const at = authority.lastIndexOf("@");
    if (at >= 0) {
      user = authority.slice(0, at);
      authority = authority.slice(at + 1);
    }
    const colon = authority.startsWith("[") ? authority.indexOf("]:") + 1 : authority.lastIndexOf(":");
    if (colon > 0 && !/^\d*$/.test(authority.slice(colon + 1)))
      return fail(`invalid port ${JSON.stringify(authority.slice(colon))} after host`);
    host = authority;
  } else if (
    scheme === "" &&
    rest.indexOf(":") >= 0 &&
    rest.indexOf(":") < (rest.indexOf("/") < 0 ? Infinity : rest.indexOf("/"))
  )
    return fail("first path segment in URL cannot contain colon");
  if (/%(?![0-9a-fA-F]{2})/.test(rest))
    return fail(`invalid URL escape ${JSON.stringify(/%.{0,2}/.exec(rest)?.[0] ?? "%")}`);
  return { scheme, host, ...(user !== undefined ? { user } : {}), fragment, rawQuery };
}

const URL_FORM = "; desired format: https://host[/path]";

/** webhook.ValidateWebhookURL with forceHttps. */
function validateWebhookURL(url: string, path: string): Errs {
  const u = goParseURL(url);
  if ("error" in u) return [required(path, `url must be a valid URL: ${u.error}${URL_FORM}`)];
  const out: Errs = [];
  if (u.scheme !== "https") out.push(invalid(path, q(u.scheme), `'https' is the only allowed URL scheme${URL_FORM}`));
  if (u.host === "") out.push(invalid(path, q(u.host), `host must be specified${URL_FORM}`));
  if (u.user !== undefined) out.push(invalid(path, q(u.user), "user information is not permitted in the URL"));
  if (u.fragment !== "") out.push(invalid(path, q(u.fragment), "fragments are not permitted in the URL"));
  if (u.rawQuery !== "") out.push(invalid(path, q(u.rawQuery), "query parameters are not permitted in the URL"));
  return out;
}

/** webhook.ValidateWebhookService. */
function validateWebhookService(svc: Obj, path: string): Errs {
  const out: Errs = [];
  // kube passes the name where ValidateWebhookService takes the namespace and the other way round, so a
  // missing name is reported as the namespace and a missing namespace as the name.
  if (str(svc.namespace) === "") out.push(required(child(path, "name")));
  if (str(svc.name) === "") out.push(required(child(path, "namespace")));
  const port = typeof svc.port === "number" ? svc.port : 0;
  if (!(port >= 1 && port <= 65535))
    out.push(invalid(child(path, "port"), n(port), "port is not valid: must be between 1 and 65535, inclusive"));
  if (isNil(svc.path)) return out;
  const p = str(svc.path);
  if (p === "/" || p === "") return out;
  if (p === "//") return [...out, invalid(child(path, "path"), q(p), "segment[0] may not be empty")];
  if (!p.startsWith("/")) out.push(invalid(child(path, "path"), q(p), "must start with a '/'"));
  let check = p.slice(1);
  if (check.endsWith("/")) check = check.slice(0, -1);
  check.split("/").forEach((step, i) => {
    if (step === "") {
      out.push(invalid(child(path, "path"), q(p), `segment[${i}] may not be empty`));
      return;
    }
    for (const f of dns1123Subdomain(step)) out.push(invalid(child(path, "path"), q(p), `segment[${i}]: ${f}`));
  });
  return out;
}

/** A CEL compile failure as the field error kube makes of it. */
function celError(path: string, expression: string, c: ReturnType<typeof compile>): Errs {
  if (c.ok) return [];
  if (c.kind === "Required") return [required(path, c.detail)];
  if (c.kind === "Invalid") return [invalid(path, q(expression), c.detail)];
  return [{ type: "InternalError", field: path, detail: c.detail }];
}

function validateMatchConditions(conditions: Obj[], params: boolean, path: string): Errs {
  const out: Errs = [];
  const names = new Set<string>();
  if (conditions.length > 64) out.push(tooMany(path, conditions.length, 64));
  conditions.forEach((mc, i) => {
    const p = index(path, i);
    const expr = str(mc.expression).trim();
    if (expr === "") out.push(required(child(p, "expression")));
    else out.push(...celError(child(p, "expression"), expr, compile(expr, { params, authorizer: true }, ["bool"])));
    const name = str(mc.name);
    if (name === "") out.push(required(child(p, "name")));
    else out.push(...each(child(p, "name"), name, qualifiedName(name)));
    if (name !== "") {
      if (names.has(name)) out.push(duplicate(child(p, "name"), q(name)));
      else names.add(name);
    }
  });
  return out;
}

function validateWebhook(hook: Obj, opts: Options, path: string, mutating: boolean): Errs {
  const out = fullyQualifiedName(str(hook.name), child(path, "name"));
  objs(hook.rules).forEach((r, i) => {
    out.push(...validateRuleWithOperations(r, index(child(path, "rules"), i)));
  });
  if (!isNil(hook.failurePolicy) && !["Fail", "Ignore"].includes(str(hook.failurePolicy)))
    out.push(notSupported(child(path, "failurePolicy"), j(hook.failurePolicy), ["Fail", "Ignore"]));
  if (!isNil(hook.matchPolicy) && !["Equivalent", "Exact"].includes(str(hook.matchPolicy)))
    out.push(notSupported(child(path, "matchPolicy"), j(hook.matchPolicy), ["Equivalent", "Exact"]));
  const allowed = opts.requireNoSideEffects ? ["None", "NoneOnDryRun"] : ["None", "NoneOnDryRun", "Some", "Unknown"];
  if (isNil(hook.sideEffects)) out.push(required(child(path, "sideEffects"), `must specify one of ${joined(allowed)}`));
  else if (!allowed.includes(str(hook.sideEffects)))
    out.push(notSupported(child(path, "sideEffects"), j(hook.sideEffects), allowed));
  if (typeof hook.timeoutSeconds === "number" && (hook.timeoutSeconds > 30 || hook.timeoutSeconds < 1))
    out.push(
      invalid(
        child(path, "timeoutSeconds"),
        n(hook.timeoutSeconds),
        "the timeout value must be between 1 and 30 seconds",
      ),
    );
  if (!isNil(hook.namespaceSelector))
    out.push(
      ...validateLabelSelector(
        hook.namespaceSelector,
        child(path, "namespaceSelector"),
        opts.allowInvalidLabelValueInSelector,
      ),
    );
  if (!isNil(hook.objectSelector))
    out.push(
      ...validateLabelSelector(
        hook.objectSelector,
        child(path, "objectSelector"),
        opts.allowInvalidLabelValueInSelector,
      ),
    );
  if (mutating && !isNil(hook.reinvocationPolicy) && !["IfNeeded", "Never"].includes(str(hook.reinvocationPolicy)))
    out.push(notSupported(child(path, "reinvocationPolicy"), j(hook.reinvocationPolicy), ["IfNeeded", "Never"]));
  const cc = obj(hook.clientConfig);
  const cp = child(path, "clientConfig");
  if (isNil(cc.url) === isNil(cc.service)) out.push(required(cp, "exactly one of url or service is required"));
  else if (!isNil(cc.url)) out.push(...validateWebhookURL(str(cc.url), child(cp, "url")));
  else out.push(...validateWebhookService(obj(cc.service), child(cp, "service")));
  if (!opts.ignoreMatchConditions)
    out.push(
      ...validateMatchConditions(
        objs(hook.matchConditions),
        opts.allowParamsInMatchConditions,
        child(path, "matchConditions"),
      ),
    );
  return out;
}

function validateWebhookConfiguration(o: Obj, opts: Options, mutating: boolean): Errs {
  const out: Errs = [];
  const names = new Set<string>();
  objs(o.webhooks).forEach((hook, i) => {
    const p = index("webhooks", i);
    out.push(...validateWebhook(hook, opts, p, mutating));
    out.push(
      ...validateAdmissionReviewVersions(
        list(hook.admissionReviewVersions),
        opts.requireRecognizedAdmissionReviewVersion,
        child(p, "admissionReviewVersions"),
      ),
    );
    const name = str(hook.name);
    if (opts.requireUniqueWebhookNames && name !== "") {
      if (names.has(name)) out.push(duplicate(child(p, "name"), q(name)));
      else names.add(name);
    }
  });
  return out;
}

/** What an update may keep of the old configuration's looser rules (kube's ValidateXWebhookConfigurationUpdate). */
function updateOptions(next: Obj, old: Obj): Options {
  const oldHooks = objs(old.webhooks);
  const newHooks = objs(next.webhooks);
  const sameConditions =
    oldHooks.length === newHooks.length &&
    oldHooks.every(
      (h, i) => JSON.stringify(h.matchConditions ?? null) === JSON.stringify(newHooks[i]?.matchConditions ?? null),
    );
  const names = oldHooks.map((h) => str(h.name));
  return {
    ignoreMatchConditions: sameConditions,
    allowParamsInMatchConditions: false,
    requireNoSideEffects: oldHooks.every((h) => ["None", "NoneOnDryRun"].includes(str(h.sideEffects))),
    requireRecognizedAdmissionReviewVersion: oldHooks.every((h) => {
      const v = list(h.admissionReviewVersions).map(str);
      return v.length === 0 || v.some((x) => REVIEW_VERSIONS.includes(x));
    }),
    requireUniqueWebhookNames: new Set(names).size === names.length,
    allowInvalidLabelValueInSelector: oldHooks.some(
      (h) =>
        validateLabelSelector(h.namespaceSelector, "").length > 0 ||
        validateLabelSelector(h.objectSelector, "").length > 0,
    ),
  };
}

export const mutatingWebhookConfigurationProblems = (o: Obj): Errs =>
  validateWebhookConfiguration(o, CREATE_OPTIONS, true);
export const mutatingWebhookConfigurationUpdateProblems = (o: Obj, old: Obj): Errs =>
  validateWebhookConfiguration(o, updateOptions(o, old), true);
export const validatingWebhookConfigurationProblems = (o: Obj): Errs =>
  validateWebhookConfiguration(o, CREATE_OPTIONS, false);
export const validatingWebhookConfigurationUpdateProblems = (o: Obj, old: Obj): Errs =>
  validateWebhookConfiguration(o, updateOptions(o, old), false);

// ---- ValidatingAdmissionPolicy ---------------------------------------------------------------------------------

/** validateParamKind. */
function validateParamKind(pk: Obj, path: string): Errs {
  const out: Errs = [];
  const apiVersion = str(pk.apiVersion);
  if (apiVersion === "") out.push(required(child(path, "apiVersion")));
  else {
    const slashes = apiVersion.split("/").length - 1;
    if (slashes > 1)
      out.push(invalid(child(path, "apiVersion"), q(apiVersion), `unexpected GroupVersion string: ${apiVersion}`));
    else {
      const [group, version] = apiVersion === "/" ? ["", ""] : slashes === 1 ? apiVersion.split("/") : ["", apiVersion];
      if (group) {
        const errs = dns1123Subdomain(group);
        if (errs.length) out.push(invalid(child(path, "apiVersion"), q(group), errs.join(",")));
      }
      if (!version) out.push(invalid(child(path, "apiVersion"), q(apiVersion), "version must be specified"));
      else {
        const errs = dns1035Label(version);
        if (errs.length) out.push(invalid(child(path, "apiVersion"), q(version), errs.join(",")));
      }
    }
  }
  const kind = str(pk.kind);
  if (kind === "") out.push(required(child(path, "kind")));
  else {
    const errs = dns1035Label(kind.toLowerCase());
    if (errs.length)
      out.push(
        invalid(child(path, "kind"), q(kind), `may have mixed case, but should otherwise match: ${errs.join(",")}`),
      );
  }
  return out;
}

function validateNamedRule(rule: Obj, path: string): Errs {
  const out: Errs = [];
  const seen = new Set<string>();
  list(rule.resourceNames).forEach((raw, i) => {
    const name = str(raw);
    const p = index(child(path, "resourceNames"), i);
    for (const m of pathSegmentName(name)) out.push(invalid(p, q(name), m));
    if (seen.has(name)) out.push(duplicate(p, q(name)));
    else seen.add(name);
  });
  out.push(...validateRuleWithOperations(rule, path));
  return out;
}

function validateMatchResources(m: Obj | undefined, path: string): Errs {
  if (!m) return [];
  const out: Errs = [];
  if (isNil(m.matchPolicy)) out.push(required(child(path, "matchPolicy")));
  else if (!["Equivalent", "Exact"].includes(str(m.matchPolicy)))
    out.push(notSupported(child(path, "matchPolicy"), j(m.matchPolicy), ["Equivalent", "Exact"]));
  if (isNil(m.namespaceSelector)) out.push(required(child(path, "namespaceSelector")));
  else out.push(...validateLabelSelector(m.namespaceSelector, child(path, "namespaceSelector")));
  if (isNil(m.objectSelector)) out.push(required(child(path, "objectSelector")));
  else out.push(...validateLabelSelector(m.objectSelector, child(path, "objectSelector")));
  objs(m.resourceRules).forEach((r, i) => {
    out.push(...validateNamedRule(r, index(child(path, "resourceRules"), i)));
  });
  objs(m.excludeResourceRules).forEach((r, i) => {
    out.push(...validateNamedRule(r, index(child(path, "excludeResourceRules"), i)));
  });
  return out;
}

const POLICY_REASONS = ["Forbidden", "Invalid", "RequestEntityTooLarge"];

interface PolicyOptions {
  ignoreMatchConditions: boolean;
}

/** The compiled type of each variable, in order, as composition declares them to later expressions. */
export function policyVariableTypes(spec: Obj): Record<string, string> {
  const params = !isNil(spec.paramKind);
  const types: Record<string, string> = {};
  for (const v of objs(spec.variables)) {
    const name = str(v.name);
    const c = compile(str(v.expression), { params, authorizer: true, variables: { ...types } }, ["any"]);
    types[name] = c.ok ? c.type : "dyn";
  }
  return types;
}

function validatePolicySpec(name: string, spec: Obj, opts: PolicyOptions, path: string): Errs {
  const out: Errs = [];
  const params = !isNil(spec.paramKind);
  if (isNil(spec.failurePolicy)) out.push(required(child(path, "failurePolicy")));
  else if (!["Fail", "Ignore"].includes(str(spec.failurePolicy)))
    out.push(notSupported(child(path, "failurePolicy"), j(spec.failurePolicy), ["Fail", "Ignore"]));
  if (params) out.push(...validateParamKind(obj(spec.paramKind), child(path, "paramKind")));
  if (isNil(spec.matchConstraints)) out.push(required(child(path, "matchConstraints")));
  else {
    out.push(...validateMatchResources(obj(spec.matchConstraints), child(path, "matchConstraints")));
    if (list(obj(spec.matchConstraints).resourceRules).length === 0)
      out.push(required(`${child(path, "matchConstraints")}.resourceRules`));
  }
  if (!opts.ignoreMatchConditions)
    out.push(...validateMatchConditions(objs(spec.matchConditions), params, child(path, "matchConditions")));
  const variables = objs(spec.variables);
  const types: Record<string, string> = {};
  variables.forEach((v, i) => {
    const p = index(child(path, "variables"), i);
    const vname = str(v.name);
    if (vname.trim() === "") out.push(required(child(p, "name"), "name is not specified"));
    else if (!isCELIdentifier(vname)) out.push(invalid(child(p, "name"), q(vname), "must be a valid CEL identifier"));
    const expr = str(v.expression);
    if (expr.trim() === "") out.push(required(child(p, "expression"), "expression is not specified"));
    else {
      const c = compile(expr, { params, authorizer: true, variables: { ...types } }, ["any"]);
      out.push(...celError(child(p, "expression"), expr, c));
      types[vname] = c.ok ? c.type : "dyn";
    }
  });
  const decls = { params, authorizer: true, ...(variables.length ? { variables: types } : {}) };
  const validations = objs(spec.validations);
  const audits = objs(spec.auditAnnotations);
  if (validations.length === 0 && audits.length === 0) {
    out.push(required(child(path, "validations"), "validations or auditAnnotations must contain at least one item"));
    out.push(
      required(child(path, "auditAnnotations"), "validations or auditAnnotations must contain at least one item"),
    );
    return out;
  }
  validations.forEach((v, i) => {
    const p = index(child(path, "validations"), i);
    const expr = str(v.expression);
    if (expr.trim() === "") out.push(required(child(p, "expression"), "expression is not specified"));
    else out.push(...celError(child(p, "expression"), expr, compile(expr, decls, ["bool"])));
    const me = str(v.messageExpression);
    if (me.length > 0 && me.trim() === "")
      out.push(invalid(child(p, "messageExpression"), q(me), "must be non-empty if specified"));
    else if (me.trim() !== "")
      out.push(
        ...celError(
          child(p, "messageExpression"),
          me,
          compile(me, { params, authorizer: false, ...(variables.length ? { variables: types } : {}) }, ["string"]),
        ),
      );
    const msg = str(v.message);
    if (msg.length > 0 && msg.trim() === "")
      out.push(invalid(child(p, "message"), q(msg), "must be non-empty if specified"));
    else if (/[\n\r]/.test(msg.trim())) out.push(invalid(child(p, "message"), q(msg), "must not contain line breaks"));
    if (!isNil(v.reason) && !POLICY_REASONS.includes(str(v.reason)))
      out.push(notSupported(child(p, "reason"), j(v.reason), POLICY_REASONS));
  });
  if (audits.length > 20)
    out.push(invalid(child(path, "auditAnnotations"), j(audits), "must not have more than 20 auditAnnotations"));
  const keys = new Set<string>();
  audits.forEach((a, i) => {
    const p = index(child(path, "auditAnnotations"), i);
    const key = str(a.key);
    if (name !== "") out.push(...each(child(p, "key"), `${name}/${key}`, qualifiedName(`${name}/${key}`)));
    else out.push(invalid(child(p, "key"), q(key), "requires metadata.name be non-empty"));
    const ve = str(a.valueExpression).trim();
    if (ve === "") out.push(required(child(p, "valueExpression"), "valueExpression is not specified"));
    else if (ve.length > 5 * 1024)
      out.push(required(child(p, "valueExpression"), "must not exceed 5120 bytes in length"));
    else
      out.push(
        ...celError(child(p, "valueExpression"), str(a.valueExpression), compile(ve, decls, ["string", "null_type"])),
      );
    if (keys.has(key)) out.push(duplicate(child(p, "key"), q(key)));
    keys.add(key);
  });
  return out;
}

export function validatingAdmissionPolicyProblems(o: Obj): Errs {
  const name = str(obj(o.metadata).name);
  return validatePolicySpec(name, obj(o.spec), { ignoreMatchConditions: false }, "spec");
}

export function validatingAdmissionPolicyUpdateProblems(o: Obj, old: Obj): Errs {
  const s = obj(o.spec);
  const os = obj(old.spec);
  const same =
    JSON.stringify(s.paramKind ?? null) === JSON.stringify(os.paramKind ?? null) &&
    JSON.stringify(s.matchConditions ?? null) === JSON.stringify(os.matchConditions ?? null);
  return validatePolicySpec(str(obj(o.metadata).name), s, { ignoreMatchConditions: same }, "spec");
}

/** The /status strategy's ValidateValidatingAdmissionPolicyStatusUpdate. */
export function validatingAdmissionPolicyStatusProblems(o: Obj): Errs {
  const out: Errs = [];
  const tc = obj(obj(o.status).typeChecking);
  objs(tc.expressionWarnings).forEach((w, i) => {
    const p = index("status.typeChecking.expressionWarnings", i);
    if (str(w.warning) === "") out.push(required(child(p, "warning")));
    if (str(w.fieldRef).trim() === "") out.push(required(child(p, "fieldRef")));
  });
  return out;
}

// ---- ValidatingAdmissionPolicyBinding --------------------------------------------------------------------------

function validateParamRef(pr: Obj | undefined, path: string): Errs {
  if (!pr) return [];
  const out: Errs = [];
  const name = str(pr.name);
  if (name !== "") {
    for (const m of pathSegmentName(name)) out.push(invalid(child(path, "name"), q(name), m));
    if (!isNil(pr.selector)) out.push(forbidden(child(path, "name"), "name and selector are mutually exclusive"));
  }
  if (!isNil(pr.selector)) {
    out.push(...validateLabelSelector(pr.selector, child(path, "selector")));
    if (name !== "") out.push(forbidden(child(path, "selector"), "name and selector are mutually exclusive"));
  }
  if (name === "" && isNil(pr.selector)) out.push(required(path, "one of name or selector must be specified"));
  const action = pr.parameterNotFoundAction;
  if (isNil(action) || str(action) === "") out.push(required(child(path, "parameterNotFoundAction")));
  else if (!["Deny", "Allow"].includes(str(action)))
    out.push(notSupported(child(path, "parameterNotFoundAction"), j(action), ["Deny", "Allow"]));
  return out;
}

function validateValidationActions(actions: unknown[], path: string): Errs {
  const out: Errs = [];
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    const action = str(a);
    if (!["Audit", "Deny", "Warn"].includes(action))
      out.push(notSupported(index(path, i), j(a), ["Audit", "Deny", "Warn"]));
    if (seen.has(action)) out.push(duplicate(index(path, i), j(a)));
    seen.add(action);
  });
  if (seen.has("Deny") && seen.has("Warn"))
    out.push(
      invalid(
        path,
        j(actions),
        "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)",
      ),
    );
  if (seen.size === 0) out.push(required(path, "at least one validation action is required"));
  return out;
}

export function validatingAdmissionPolicyBindingProblems(o: Obj): Errs {
  const spec = obj(o.spec);
  const out: Errs = [];
  const policy = str(spec.policyName);
  if (policy === "") out.push(required("spec.policyName"));
  else for (const m of dns1123Subdomain(policy)) out.push(invalid("spec.policyName", q(policy), m));
  out.push(...validateParamRef(isNil(spec.paramRef) ? undefined : obj(spec.paramRef), "spec.paramRef"));
  out.push(
    ...validateMatchResources(isNil(spec.matchResources) ? undefined : obj(spec.matchResources), "spec.matchResources"),
  );
  out.push(...validateValidationActions(list(spec.validationActions), "spec.validationActions"));
  return out;
}
