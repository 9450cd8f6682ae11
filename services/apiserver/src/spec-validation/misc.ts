import { objectMetricOptions, validateBehavior, validateMetrics } from "./autoscaling.ts";
import { type FieldError, forbidden, invalid, j, n, notSupported, q, raw, required, tooLong } from "./field-errors.ts";
import {
  child,
  dns1035Label,
  dns1123Label,
  dns1123Subdomain,
  domainPrefixedPath,
  each,
  IMMUTABLE,
  isNil,
  isObj,
  keys,
  labelSelectorAsSelector,
  list,
  type Obj,
  obj,
  objs,
  parseCIDRSloppy,
  parseIPSloppy,
  pathSegmentName,
  percentProblems,
  portNameProblems,
  portNumProblems,
  qualifiedName,
  str,
  unsupported,
  validateCIDRForLegacyField,
  validateLabelSelector,
  validateNonnegative,
} from "./formats.ts";
import { goStructJson } from "./go-structs.ts";
import { validateResourceName, validateResourceQuantityValue } from "./pod.ts";

// kube-apiserver 1.35's validation of the smaller kinds: Namespaces, PodDisruptionBudgets, PriorityClasses,
// RBAC roles and bindings, Leases, Ingresses and IngressClasses, NetworkPolicies.

type Errs = FieldError[];
const num = (v: unknown) => (typeof v === "number" ? v : 0);

// ---- Namespaces ----------------------------------------------------------------------------------------

const STANDARD_FINALIZERS = ["kubernetes", "orphan", "foregroundDeletion"];

/** validateFinalizerName: a qualified name, and standard unless it has a domain. */
export function finalizerNameProblems(name: string, path: string): Errs {
  const out = each(path, name, qualifiedName(name));
  if (!name.includes("/") && !STANDARD_FINALIZERS.includes(name))
    out.push(invalid(path, q(name), "name is neither a standard finalizer name nor is it fully qualified"));
  return out;
}

/** ValidateNamespace after ValidateObjectMeta (an update checks metadata only). */
export function namespaceProblems(ns: Obj): Errs {
  return list(obj(ns.spec).finalizers).flatMap((f) => finalizerNameProblems(str(f), "spec.finalizers"));
}

// ---- PodDisruptionBudgets ------------------------------------------------------------------------------

const ios = (v: unknown) => raw(goStructJson("n", v));

function positiveIntOrPercent(v: unknown, path: string): Errs {
  if (typeof v === "string") {
    const out = percentProblems(v).map((m) => invalid(path, ios(v), m));
    if (!out.length && Number.parseInt(v, 10) > 100) out.push(invalid(path, ios(v), "must not be greater than 100%"));
    return out;
  }
  return validateNonnegative(num(v), path);
}

/** ValidatePodDisruptionBudget (kube checks its metadata only after the spec passes). */
export function podDisruptionBudgetProblems(pdb: Obj): Errs {
  const spec = obj(pdb.spec);
  const out: Errs = [];
  if (!isNil(spec.minAvailable) && !isNil(spec.maxUnavailable))
    out.push(
      invalid(
        "spec",
        raw(goStructJson("policy.PodDisruptionBudgetSpec", spec)),
        "minAvailable and maxUnavailable cannot be both set",
      ),
    );
  if (!isNil(spec.minAvailable)) out.push(...positiveIntOrPercent(spec.minAvailable, "spec.minAvailable"));
  if (!isNil(spec.maxUnavailable)) out.push(...positiveIntOrPercent(spec.maxUnavailable, "spec.maxUnavailable"));
  out.push(...validateLabelSelector(spec.selector, "spec.selector"));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (typeof policy === "string" && !["AlwaysAllow", "IfHealthyBudget"].includes(policy))
    out.push(unsupported("spec.unhealthyPodEvictionPolicy", policy, ["AlwaysAllow", "IfHealthyBudget"]));
  return out;
}

// ---- PriorityClasses -----------------------------------------------------------------------------------

const HIGHEST_USER_PRIORITY = 1000000000;
const SYSTEM_CLASSES: [string, number][] = [
  ["system-node-critical", 2 * HIGHEST_USER_PRIORITY + 1000],
  ["system-cluster-critical", 2 * HIGHEST_USER_PRIORITY],
];

export function priorityClassProblems(pc: Obj): Errs {
  const out: Errs = [];
  const name = str(obj(pc.metadata).name);
  const value = num(pc.value);
  if (name.startsWith("system-")) {
    const known = SYSTEM_CLASSES.find(([k]) => k === name);
    const why = !known
      ? `${name} is not a known system priority class`
      : known[1] !== value
        ? `value of ${name} PriorityClass must be ${known[1]}`
        : pc.globalDefault === true
          ? `globalDefault of ${name} PriorityClass must be false`
          : undefined;
    if (why)
      out.push(
        forbidden(
          "metadata.name",
          `priority class names with 'system-' prefix are reserved for system use only. error: ${why}`,
        ),
      );
  } else if (value > HIGHEST_USER_PRIORITY)
    out.push(forbidden("value", `maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`));
  if (typeof pc.preemptionPolicy === "string") {
    if (pc.preemptionPolicy === "") out.push(required("preemptionPolicy"));
    else if (!["PreemptLowerPriority", "Never"].includes(pc.preemptionPolicy))
      out.push(notSupported("preemptionPolicy", j(pc.preemptionPolicy), ["PreemptLowerPriority", "Never"]));
  }
  return out;
}

/** ValidatePriorityClassUpdate (no create checks: kube compares only). */
export function priorityClassUpdateProblems(pc: Obj, old: Obj): Errs {
  const out: Errs = [];
  if (num(pc.value) !== num(old.value)) out.push(forbidden("value", "may not be changed in an update."));
  if ((pc.preemptionPolicy ?? null) !== (old.preemptionPolicy ?? null))
    out.push(invalid("preemptionPolicy", j(pc.preemptionPolicy ?? null), IMMUTABLE));
  return out;
}

// ---- RBAC ----------------------------------------------------------------------------------------------

const RBAC_GROUP = "rbac.authorization.k8s.io";

function policyRule(rule: Obj, namespaced: boolean, path: string): Errs {
  const out: Errs = [];
  if (list(rule.verbs).length === 0) out.push(required(child(path, "verbs"), "verbs must contain at least one value"));
  const urls = list(rule.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced)
      out.push(invalid(child(path, "nonResourceURLs"), j(urls), "namespaced rules cannot apply to non-resource URLs"));
    if (list(rule.apiGroups).length || list(rule.resources).length || list(rule.resourceNames).length)
      out.push(
        invalid(
          child(path, "nonResourceURLs"),
          j(urls),
          "rules cannot apply to both regular resources and non-resource URLs",
        ),
      );
    return out;
  }
  if (list(rule.apiGroups).length === 0)
    out.push(required(child(path, "apiGroups"), "resource rules must supply at least one api group"));
  if (list(rule.resources).length === 0)
    out.push(required(child(path, "resources"), "resource rules must supply at least one resource"));
  return out;
}

/** ValidateRole / ValidateClusterRole, after ValidateObjectMeta. */
export function roleProblems(role: Obj, namespaced: boolean): Errs {
  const out = objs(role.rules).flatMap((r, i) => policyRule(r, namespaced, `rules[${i}]`));
  if (!namespaced && isObj(role.aggregationRule)) {
    const selectors = objs(role.aggregationRule.clusterRoleSelectors);
    if (selectors.length === 0)
      out.push(
        required(
          "aggregationRule.clusterRoleSelectors",
          "at least one clusterRoleSelector required if aggregationRule is non-nil",
        ),
      );
    selectors.forEach((s, i) => {
      const p = `aggregationRule.clusterRoleSelectors[${i}]`;
      out.push(...validateLabelSelector(s, p));
      if (!labelSelectorAsSelector(s)) out.push(invalid(p, raw("null"), "invalid label selector."));
    });
  }
  return out;
}

function subject(s: Obj, namespaced: boolean, path: string): Errs {
  const out: Errs = [];
  const name = str(s.name);
  if (!name) out.push(required(child(path, "name")));
  const kind = str(s.kind);
  const group = str(s.apiGroup);
  if (kind === "ServiceAccount") {
    if (name) out.push(...each(child(path, "name"), name, dns1123Subdomain(name)));
    if (group) out.push(unsupported(child(path, "apiGroup"), group, [""]));
    if (!namespaced && !str(s.namespace)) out.push(required(child(path, "namespace")));
  } else if (kind === "User" || kind === "Group") {
    if (group !== RBAC_GROUP) out.push(unsupported(child(path, "apiGroup"), group, [RBAC_GROUP]));
  } else out.push(unsupported(child(path, "kind"), kind, ["ServiceAccount", "User", "Group"]));
  return out;
}

/** ValidateRoleBinding / ValidateClusterRoleBinding, after ValidateObjectMeta. */
export function roleBindingProblems(rb: Obj, namespaced: boolean): Errs {
  const out: Errs = [];
  const ref = obj(rb.roleRef);
  if (str(ref.apiGroup) !== RBAC_GROUP) out.push(unsupported("roleRef.apiGroup", str(ref.apiGroup), [RBAC_GROUP]));
  const kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (!kinds.includes(str(ref.kind))) out.push(unsupported("roleRef.kind", str(ref.kind), kinds));
  const name = str(ref.name);
  if (!name) out.push(required("roleRef.name"));
  else out.push(...each("roleRef.name", name, pathSegmentName(name)));
  objs(rb.subjects).forEach((s, i) => {
    out.push(...subject(s, namespaced, `subjects[${i}]`));
  });
  return out;
}

/** ValidateRoleBindingUpdate's own rule: the role a binding grants never changes. */
export function roleRefChange(rb: Obj, old: Obj): Errs {
  const a = obj(rb.roleRef);
  const b = obj(old.roleRef);
  if (str(a.apiGroup) === str(b.apiGroup) && str(a.kind) === str(b.kind) && str(a.name) === str(b.name)) return [];
  return [invalid("roleRef", raw(goStructJson("rbac.RoleRef", a)), "cannot change roleRef")];
}

// ---- Leases --------------------------------------------------------------------------------------------

/** ValidateLeaseSpec (strategy and preferredHolder belong to CoordinatedLeaderElection, off in 1.35: dropped). */
export function leaseProblems(lease: Obj): Errs {
  const spec = obj(lease.spec);
  const out: Errs = [];
  if (typeof spec.leaseDurationSeconds === "number" && spec.leaseDurationSeconds <= 0)
    out.push(invalid("spec.leaseDurationSeconds", n(spec.leaseDurationSeconds), "must be greater than 0"));
  if (typeof spec.leaseTransitions === "number" && spec.leaseTransitions < 0)
    out.push(invalid("spec.leaseTransitions", n(spec.leaseTransitions), "must be greater than or equal to 0"));
  return out;
}

// ---- Ingresses -----------------------------------------------------------------------------------------

const PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"];
const WILDCARD = /^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const WILDCARD_MSG =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

function hostProblems(host: string): string[] {
  if (!host.includes("*")) return dns1123Subdomain(host);
  return [
    ...(host.length > 253 ? ["must be no more than 253 characters"] : []),
    ...(WILDCARD.test(host) ? [] : [WILDCARD_MSG]),
  ];
}

function typedLocalObjectReference(ref: Obj, path: string): Errs {
  const out: Errs = [];
  if (typeof ref.apiGroup === "string")
    out.push(...each(child(path, "apiGroup"), ref.apiGroup, dns1123Subdomain(ref.apiGroup)));
  for (const f of ["kind", "name"]) {
    const v = str(ref[f]);
    if (!v) out.push(required(child(path, f)));
    else out.push(...each(child(path, f), v, pathSegmentName(v)));
  }
  return out;
}

function ingressBackend(b: Obj, path: string): Errs {
  const hasResource = isObj(b.resource);
  const hasService = isObj(b.service);
  if (hasResource && hasService) return [invalid(path, q(""), "cannot set both resource and service backends")];
  if (hasResource) return typedLocalObjectReference(b.resource as Obj, child(path, "resource"));
  if (!hasService) return [invalid(path, q(""), "resource or service backend is required")];
  const svc = b.service as Obj;
  const out: Errs = [];
  const name = str(svc.name);
  if (!name) out.push(required(child(path, "service.name")));
  else out.push(...each(child(path, "service.name"), name, dns1035Label(name)));
  const port = obj(svc.port);
  const portName = str(port.name);
  const portNumber = num(port.number);
  if (portName && portNumber) out.push(invalid(path, q(""), "cannot set both port name & port number"));
  else if (portName) out.push(...each(child(path, "service.port.name"), portName, portNameProblems(portName)));
  else if (portNumber)
    out.push(...portNumProblems(portNumber).map((m) => invalid(child(path, "service.port.number"), n(portNumber), m)));
  else out.push(required(path, "port name or number is required"));
  return out;
}

function ingressPath(p: Obj, path: string): Errs {
  if (isNil(p.pathType)) return [required(child(path, "pathType"), "pathType must be specified")];
  const out: Errs = [];
  const value = str(p.path);
  const t = str(p.pathType);
  if (t === "Exact" || t === "Prefix") {
    if (!value.startsWith("/")) out.push(invalid(child(path, "path"), q(value), "must be an absolute path"));
    if (value)
      for (const seq of ["//", "/./", "/../", "%2f", "%2F"])
        if (value.includes(seq)) out.push(invalid(child(path, "path"), q(value), `must not contain '${seq}'`));
    if (value)
      for (const suffix of ["/..", "/."])
        if (value.endsWith(suffix)) out.push(invalid(child(path, "path"), q(value), `cannot end with '${suffix}'`));
  } else if (t === "ImplementationSpecific") {
    if (value && !value.startsWith("/")) out.push(invalid(child(path, "path"), q(value), "must be an absolute path"));
  } else out.push(unsupported(child(path, "pathType"), t, PATH_TYPES));
  out.push(...ingressBackend(obj(p.backend), child(path, "backend")));
  return out;
}

const INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class";

function ingressSpec(spec: Obj): Errs {
  const out: Errs = [];
  const rules = objs(spec.rules);
  if (rules.length === 0 && !isObj(spec.defaultBackend))
    out.push(invalid("spec", j(spec.rules ?? null), "either `defaultBackend` or `rules` must be specified"));
  if (isObj(spec.defaultBackend)) out.push(...ingressBackend(spec.defaultBackend, "spec.defaultBackend"));
  rules.forEach((r, i) => {
    const p = `spec.rules[${i}]`;
    const host = str(r.host);
    if (host) {
      if (parseIPSloppy(host)) out.push(invalid(child(p, "host"), q(host), "must be a DNS name, not an IP address"));
      out.push(...each(child(p, "host"), host, hostProblems(host)));
    }
    if (isObj(r.http)) {
      const paths = objs(r.http.paths);
      if (paths.length === 0) out.push(required(child(p, "http.paths")));
      paths.forEach((hp, pi) => {
        out.push(...ingressPath(hp, `${p}.http.paths[${pi}]`));
      });
    }
  });
  objs(spec.tls).forEach((t, ti) => {
    list(t.hosts).forEach((h, hi) => {
      out.push(...each(`spec.tls[${ti}].hosts[${hi}]`, str(h), hostProblems(str(h))));
    });
    const secret = str(t.secretName);
    if (secret) out.push(...each(`spec.tls[${ti}].secretName`, secret, dns1123Subdomain(secret)));
  });
  if (typeof spec.ingressClassName === "string")
    out.push(...each("spec.ingressClassName", spec.ingressClassName, dns1123Subdomain(spec.ingressClassName)));
  return out;
}

/** ValidateIngressCreate, after ValidateObjectMeta. */
export function ingressProblems(ing: Obj): Errs {
  const spec = obj(ing.spec);
  const out = ingressSpec(spec);
  const ann = obj(obj(ing.metadata).annotations);
  if (
    INGRESS_CLASS_ANNOTATION in ann &&
    typeof spec.ingressClassName === "string" &&
    ann[INGRESS_CLASS_ANNOTATION] !== spec.ingressClassName
  )
    out.push(
      invalid(
        `annotations.${INGRESS_CLASS_ANNOTATION}`,
        q(str(ann[INGRESS_CLASS_ANNOTATION])),
        "must match `ingressClassName` when both are specified",
      ),
    );
  return out;
}

export const ingressUpdateProblems = (ing: Obj) => ingressSpec(obj(ing.spec));

function ingressClassSpec(spec: Obj): Errs {
  const out: Errs = [];
  const controller = str(spec.controller);
  if (controller.length > 250) out.push(tooLong("spec.controller", 250));
  out.push(...domainPrefixedPath("spec.controller", controller));
  if (isObj(spec.parameters)) {
    const p = spec.parameters;
    out.push(...typedLocalObjectReference(p, "spec.parameters"));
    const scope = p.scope;
    if (isNil(scope)) out.push(required("spec.parameters.scope"));
    else if (!["Cluster", "Namespace"].includes(str(scope)))
      out.push(notSupported("spec.parameters.scope", q(str(scope)), ["Cluster", "Namespace"]));
    else if (scope === "Namespace") {
      if (isNil(p.namespace))
        out.push(required("spec.parameters.namespace", "`parameters.scope` is set to 'Namespace'"));
      else out.push(...each("spec.parameters.namespace", str(p.namespace), dns1123Label(str(p.namespace))));
    } else if (scope === "Cluster" && !isNil(p.namespace))
      out.push(forbidden("spec.parameters.namespace", "`parameters.scope` is set to 'Cluster'"));
  }
  return out;
}

export const ingressClassProblems = (ic: Obj) => ingressClassSpec(obj(ic.spec));

export function ingressClassUpdateProblems(ic: Obj, old: Obj): Errs {
  const out: Errs = [];
  const c = str(obj(ic.spec).controller);
  if (c !== str(obj(old.spec).controller)) out.push(invalid("spec.controller", q(c), IMMUTABLE));
  return [...out, ...ingressClassSpec(obj(ic.spec))];
}

// ---- NetworkPolicies -----------------------------------------------------------------------------------

function npPort(p: Obj, path: string): Errs {
  const out: Errs = [];
  if (typeof p.protocol === "string" && !["TCP", "UDP", "SCTP"].includes(p.protocol))
    out.push(unsupported(child(path, "protocol"), p.protocol, ["TCP", "UDP", "SCTP"]));
  if (!isNil(p.port)) {
    if (typeof p.port === "number") {
      out.push(...portNumProblems(p.port).map((m) => invalid(child(path, "port"), n(p.port as number), m)));
      if (!isNil(p.endPort)) {
        if (num(p.endPort) < p.port)
          out.push(invalid(child(path, "endPort"), n(p.port), "must be greater than or equal to `port`"));
        out.push(...portNumProblems(num(p.endPort)).map((m) => invalid(child(path, "endPort"), n(num(p.endPort)), m)));
      }
    } else {
      if (!isNil(p.endPort))
        out.push(invalid(child(path, "endPort"), n(num(p.endPort)), "may not be specified when `port` is non-numeric"));
      out.push(...each(child(path, "port"), str(p.port), portNameProblems(str(p.port))));
    }
  } else if (!isNil(p.endPort))
    out.push(invalid(child(path, "endPort"), n(num(p.endPort)), "may not be specified when `port` is not specified"));
  return out;
}

function ipBlock(b: Obj, path: string, existing: string[]): Errs {
  const cidr = str(b.cidr);
  if (!cidr) return [required(child(path, "cidr"))];
  const out = validateCIDRForLegacyField(child(path, "cidr"), cidr, existing);
  const outer = parseCIDRSloppy(cidr);
  if (!outer) return out;
  list(b.except).forEach((e, i) => {
    const ep = `${path}.except[${i}]`;
    const text = str(e);
    out.push(...validateCIDRForLegacyField(ep, text, existing));
    const inner = parseCIDRSloppy(text);
    if (!inner) return;
    if (!cidrContains(outer, inner.ip) || outer.bits >= inner.bits)
      out.push(invalid(ep, q(text), "must be a strict subset of `cidr`"));
  });
  return out;
}

function ipToBigInt(ip: string, family: "4" | "6"): bigint | undefined {
  if (family === "4") return ip.split(".").reduce((a, p) => (a << 8n) | BigInt(Number(p)), 0n);
  if (ip.includes(".")) return undefined;
  const [head = "", rest] = ip.split("::");
  const h = head ? head.split(":") : [];
  const r = rest ? rest.split(":") : [];
  const groups = [...h, ...Array(8 - h.length - r.length).fill("0"), ...r];
  return groups.reduce((a, g) => (a << 16n) | BigInt(Number.parseInt(g || "0", 16)), 0n);
}

function cidrContains(net: { family: "4" | "6"; ip: string; bits: number }, ip: string): boolean {
  const fam = parseIPSloppy(ip);
  if (fam !== net.family) return false;
  const width = net.family === "4" ? 32 : 128;
  const a = ipToBigInt(net.ip, net.family);
  const b = ipToBigInt(ip, net.family);
  if (a === undefined || b === undefined) return true;
  const shift = BigInt(width - net.bits);
  return a >> shift === b >> shift;
}

function peer(p: Obj, path: string, existing: string[]): Errs {
  const out: Errs = [];
  let count = 0;
  if (!isNil(p.podSelector)) {
    count++;
    out.push(...validateLabelSelector(p.podSelector, child(path, "podSelector")));
  }
  if (!isNil(p.namespaceSelector)) {
    count++;
    out.push(...validateLabelSelector(p.namespaceSelector, child(path, "namespaceSelector")));
  }
  if (isObj(p.ipBlock)) {
    count++;
    out.push(...ipBlock(p.ipBlock, child(path, "ipBlock"), existing));
  }
  if (count === 0) out.push(required(path, "must specify a peer"));
  else if (count > 1 && isObj(p.ipBlock)) out.push(forbidden(path, "may not specify both ipBlock and another peer"));
  return out;
}

function networkPolicySpec(spec: Obj, existing: string[]): Errs {
  const out = validateLabelSelector(obj(spec.podSelector), "spec.podSelector");
  objs(spec.ingress).forEach((r, i) => {
    objs(r.ports).forEach((p, pi) => {
      out.push(...npPort(p, `spec.ingress[${i}].ports[${pi}]`));
    });
    objs(r.from).forEach((p, pi) => {
      out.push(...peer(p, `spec.ingress[${i}].from[${pi}]`, existing));
    });
  });
  objs(spec.egress).forEach((r, i) => {
    objs(r.ports).forEach((p, pi) => {
      out.push(...npPort(p, `spec.egress[${i}].ports[${pi}]`));
    });
    objs(r.to).forEach((p, pi) => {
      out.push(...peer(p, `spec.egress[${i}].to[${pi}]`, existing));
    });
  });
  const types = list(spec.policyTypes);
  if (types.length > 2) {
    out.push(invalid("spec.policyTypes", j(types), "may not specify more than two policyTypes"));
    return out;
  }
  types.forEach((t, i) => {
    if (!["Ingress", "Egress"].includes(str(t)))
      out.push(unsupported(`spec.policyTypes[${i}]`, str(t), ["Ingress", "Egress"]));
  });
  return out;
}

export const networkPolicyProblems = (np: Obj) => networkPolicySpec(obj(np.spec), []);

/** The strategy checks the policy, then the update with the CIDRs stored before tolerated. */
export function networkPolicyUpdateProblems(np: Obj, old: Obj): Errs {
  const existing: string[] = [];
  const os = obj(old.spec);
  for (const r of objs(os.ingress))
    for (const p of objs(r.from))
      if (isObj(p.ipBlock)) existing.push(str(p.ipBlock.cidr), ...list(p.ipBlock.except).map(str));
  for (const r of objs(os.egress))
    for (const p of objs(r.to))
      if (isObj(p.ipBlock)) existing.push(str(p.ipBlock.cidr), ...list(p.ipBlock.except).map(str));
  return [...networkPolicySpec(obj(np.spec), []), ...networkPolicySpec(obj(np.spec), existing)];
}

// ---- ResourceQuotas ------------------------------------------------------------------------------------

const QUOTA_RESOURCES = new Set([
  "cpu",
  "memory",
  "ephemeral-storage",
  "requests.cpu",
  "requests.memory",
  "requests.storage",
  "requests.ephemeral-storage",
  "limits.cpu",
  "limits.memory",
  "limits.ephemeral-storage",
  "pods",
  "resourcequotas",
  "services",
  "replicationcontrollers",
  "secrets",
  "persistentvolumeclaims",
  "configmaps",
  "services.nodeports",
  "services.loadbalancers",
]);
const isQuotaResource = (r: string) =>
  QUOTA_RESOURCES.has(r) || r.startsWith("hugepages-") || r.startsWith("requests.hugepages-");
const QUOTA_SCOPES = [
  "Terminating",
  "NotTerminating",
  "BestEffort",
  "NotBestEffort",
  "PriorityClass",
  "VolumeAttributesClass",
  "CrossNamespacePodAffinity",
];
const POD_COMPUTE = ["pods", "cpu", "memory", "limits.cpu", "limits.memory", "requests.cpu", "requests.memory"];

/** IsResourceQuotaScopeValidForResource. */
function scopeFits(scope: string, r: string): boolean {
  if (["Terminating", "NotTerminating", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity"].includes(scope))
    return POD_COMPUTE.includes(r);
  if (scope === "BestEffort") return r === "pods";
  if (scope === "VolumeAttributesClass") return r === "persistentvolumeclaims" || r === "requests.storage";
  return true;
}

const CONFLICTING_SCOPES = [
  ["BestEffort", "NotBestEffort"],
  ["Terminating", "NotTerminating"],
];

function resourceQuotaSpec(spec: Obj): Errs {
  const out: Errs = [];
  const hard = obj(spec.hard);
  for (const r of keys(hard)) {
    const p = `spec.hard[${r}]`;
    const names = validateResourceName(r, p);
    if (!r.includes("/") && !isQuotaResource(r)) names.push(invalid(p, q(r), "must be a standard resource for quota"));
    out.push(...names, ...validateResourceQuantityValue(r, hard[r], p));
  }
  const scopes = list(spec.scopes).map(str);
  if (scopes.length) {
    const shown = () => j(spec.scopes);
    for (const scope of scopes) {
      if (!QUOTA_SCOPES.includes(scope)) out.push(invalid("spec.scopes", shown(), "unsupported scope"));
      for (const r of keys(hard))
        if (isQuotaResource(r) && !scopeFits(scope, r))
          out.push(invalid("spec.scopes", shown(), "unsupported scope applied to resource"));
    }
    for (const pair of CONFLICTING_SCOPES)
      if (pair.every((s) => scopes.includes(s))) out.push(invalid("spec.scopes", shown(), "conflicting scopes"));
  }
  if (isObj(spec.scopeSelector)) {
    const p = "spec.scopeSelector.matchExpressions";
    const seen: string[] = [];
    for (const req of objs(spec.scopeSelector.matchExpressions)) {
      const scope = str(req.scopeName);
      const op = str(req.operator);
      if (!QUOTA_SCOPES.includes(scope)) out.push(invalid(`${p}.scopeName`, q(scope), "unsupported scope"));
      for (const r of keys(hard))
        if (isQuotaResource(r) && !scopeFits(scope, r))
          out.push(invalid(p, raw(goJsonScopeSelector(spec.scopeSelector)), "unsupported scope applied to resource"));
      if (
        ["BestEffort", "NotBestEffort", "Terminating", "NotTerminating", "CrossNamespacePodAffinity"].includes(scope) &&
        op !== "Exists"
      )
        out.push(
          invalid(
            `${p}.operator`,
            q(op),
            "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
          ),
        );
      if (op === "In" || op === "NotIn") {
        if (list(req.values).length === 0)
          out.push(
            required(`${p}.values`, "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"),
          );
      } else if (op === "Exists" || op === "DoesNotExist") {
        if (list(req.values).length)
          out.push(
            invalid(
              `${p}.values`,
              j(req.values),
              "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
            ),
          );
      } else out.push(invalid(`${p}.operator`, q(op), "not a valid selector operator"));
      seen.push(scope);
    }
    for (const pair of CONFLICTING_SCOPES)
      if (pair.every((s) => seen.includes(s))) out.push(invalid(p, j(spec.scopes ?? null), "conflicting scopes"));
  }
  return out;
}

/** The internal ScopeSelector as Go prints it (no JSON tags). */
function goJsonScopeSelector(sel: Obj): string {
  const exprs = objs(sel.matchExpressions).map(
    (e) =>
      `{"ScopeName":${JSON.stringify(str(e.scopeName))},"Operator":${JSON.stringify(str(e.operator))},"Values":${JSON.stringify(e.values ?? null)}}`,
  );
  return `{"MatchExpressions":[${exprs.join(",")}]}`;
}

/** ValidateResourceQuota (spec and status), after ValidateObjectMeta. */
export function resourceQuotaProblems(rq: Obj): Errs {
  const out = resourceQuotaSpec(obj(rq.spec));
  for (const part of ["hard", "used"]) {
    const m = obj(obj(rq.status)[part]);
    for (const r of keys(m)) {
      const p = `status.${part}[${r}]`;
      const names = validateResourceName(r, p);
      if (!r.includes("/") && !isQuotaResource(r))
        names.push(invalid(p, q(r), "must be a standard resource for quota"));
      out.push(...names, ...validateResourceQuantityValue(r, m[r], p));
    }
  }
  return out;
}

/** ValidateResourceQuotaUpdate: the spec again, and scopes that never change. */
export function resourceQuotaUpdateProblems(rq: Obj, old: Obj): Errs {
  const out = resourceQuotaSpec(obj(rq.spec));
  const a = new Set(list(obj(rq.spec).scopes).map(str));
  const b = new Set(list(obj(old.spec).scopes).map(str));
  if (a.size !== b.size || [...a].some((s) => !b.has(s)))
    out.push(invalid("spec.scopes", j(obj(rq.spec).scopes ?? null), IMMUTABLE));
  return out;
}

// ---- HorizontalPodAutoscalers ----------------------------------------------------------------------------

/** ValidateAPIVersion of a CrossVersionObjectReference: why the reference's apiVersion is refused, if it is. */
function apiVersionProblem(apiVersion: string, allowEmptyGroup: boolean): string | undefined {
  if (apiVersion === "" || apiVersion === "/") return allowEmptyGroup ? undefined : "apiVersion must specify API group";
  const slashes = apiVersion.split("/").length - 1;
  if (slashes > 1) return `unexpected GroupVersion string: ${apiVersion}`;
  const group = slashes === 0 ? "" : apiVersion.slice(0, apiVersion.indexOf("/"));
  return !allowEmptyGroup && group === "" ? "apiVersion must specify API group" : undefined;
}

/** validateHorizontalPodAutoscalerSpec: replica bounds, the scale target, metrics and behavior (autoscaling.ts). */
function autoscalerSpec(spec: Obj, old: Obj | undefined): Errs {
  const out: Errs = [];
  const oldSpec = obj(old?.spec);
  const lowerBound = oldSpec.minReplicas === 0 ? 0 : 1;
  if (typeof spec.minReplicas === "number" && spec.minReplicas < lowerBound)
    out.push(invalid("spec.minReplicas", n(spec.minReplicas), `must be greater than or equal to ${lowerBound}`));
  const max = num(spec.maxReplicas);
  if (max < 1) out.push(invalid("spec.maxReplicas", n(max), "must be greater than 0"));
  if (typeof spec.minReplicas === "number" && max < spec.minReplicas)
    out.push(invalid("spec.maxReplicas", n(max), "must be greater than or equal to `minReplicas`"));
  const ref = obj(spec.scaleTargetRef);
  const oldRef = obj(oldSpec.scaleTargetRef);
  for (const f of ["kind", "name"]) {
    const v = str(ref[f]);
    if (!v) out.push(required(`spec.scaleTargetRef.${f}`));
    else out.push(...each(`spec.scaleTargetRef.${f}`, v, pathSegmentName(v)));
  }
  const unchanged =
    old !== undefined && str(oldRef.apiVersion) === str(ref.apiVersion) && str(oldRef.kind) === str(ref.kind);
  const why = unchanged ? undefined : apiVersionProblem(str(ref.apiVersion), str(ref.kind) === "ReplicationController");
  if (why) out.push(invalid("spec.scaleTargetRef.apiVersion", q(str(ref.apiVersion)), why));
  out.push(...validateMetrics(spec, objectMetricOptions(old)), ...validateBehavior(spec));
  return out;
}

export const autoscalerProblems = (hpa: Obj) => autoscalerSpec(obj(hpa.spec), undefined);
export const autoscalerUpdateProblems = (hpa: Obj, old: Obj) => autoscalerSpec(obj(hpa.spec), old);
