import {
  duplicate,
  type FieldError,
  forbidden,
  invalid,
  j,
  n,
  notSupported,
  q,
  raw,
  required,
  tooMany,
} from "./field-errors.ts";
import {
  child,
  dns1123Subdomain,
  each,
  index,
  isNil,
  isObj,
  key,
  labelValue,
  len,
  list,
  type Obj,
  obj,
  objs,
  parseIPSloppy,
  portNumProblems,
  str,
  unsupported,
  validateCIDRForLegacyField,
  validateDNS1123Label,
  validateDNS1123Subdomain,
  validateImmutable,
  validateIPForLegacyField,
  validateLabels,
  validatePortNumOrName,
  validateQualifiedName,
} from "./formats.ts";
import { goStructJson } from "./go-structs.ts";

// kube-apiserver 1.35's validation of Services, Endpoints and EndpointSlices. evk's host allocates cluster
// IPs, node ports and health check ports after the write (kube allocates them before it validates), so the
// rules that require an allocated value are left out; the ones about values a client set all apply.

type Errs = FieldError[];
const num = (v: unknown) => (typeof v === "number" ? v : 0);
const PROTOCOLS = ["SCTP", "TCP", "UDP"];

// ---- IPs -----------------------------------------------------------------------------------------------

function ipv4Bytes(ip: string): number[] | undefined {
  return parseIPSloppy(ip) === "4" ? ip.split(".").map(Number) : undefined;
}

function ipv6Groups(ip: string): number[] | undefined {
  if (parseIPSloppy(ip) !== "6") return undefined;
  let text = ip;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = (v4[1] as string).split(".").map(Number);
    tail.push(((b[0] as number) << 8) | (b[1] as number), ((b[2] as number) << 8) | (b[3] as number));
    text = text.slice(0, -(v4[1] as string).length) || ":";
    if (text.endsWith(":") && !text.endsWith("::")) text = text.slice(0, -1);
  }
  const [head = "", rest] = text.split("::");
  const parse = (s: string) => (s ? s.split(":").map((h) => Number.parseInt(h, 16)) : []);
  const h = parse(head);
  const r = rest === undefined ? [] : parse(rest);
  const fill = 8 - tail.length - h.length - r.length;
  return [...h, ...Array(rest === undefined ? 0 : fill).fill(0), ...r, ...tail];
}

const isIPv6String = (ip: string) => {
  const g = ipv6Groups(ip);
  // An IPv4-mapped address is IPv4 to Go.
  return g !== undefined && !(g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff);
};

/** ValidateEndpointIP: the address kinds an endpoint may not have. */
export function validateEndpointIP(ip: string, path: string): Errs {
  const v4 = ipv4Bytes(ip);
  const g = ipv6Groups(ip);
  if (!v4 && !g) return [invalid(path, q(ip), "must be a valid IP address")];
  const mapped = g?.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;
  const b =
    v4 ??
    (mapped && g
      ? [(g[6] as number) >> 8, (g[6] as number) & 255, (g[7] as number) >> 8, (g[7] as number) & 255]
      : undefined);
  const out: Errs = [];
  if (b) {
    if (b.every((x) => x === 0)) out.push(invalid(path, q(ip), `may not be unspecified (${ip})`));
    if (b[0] === 127) out.push(invalid(path, q(ip), "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
    if (b[0] === 169 && b[1] === 254)
      out.push(invalid(path, q(ip), "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
    if (b[0] === 224 && b[1] === 0 && b[2] === 0)
      out.push(invalid(path, q(ip), "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
    return out;
  }
  const groups = g as number[];
  if (groups.every((x) => x === 0)) out.push(invalid(path, q(ip), `may not be unspecified (${ip})`));
  if (groups.slice(0, 7).every((x) => x === 0) && groups[7] === 1)
    out.push(invalid(path, q(ip), "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
  if (((groups[0] as number) & 0xffc0) === 0xfe80)
    out.push(invalid(path, q(ip), "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
  if (((groups[0] as number) & 0xff0f) === 0xff02)
    out.push(invalid(path, q(ip), "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
  return out;
}

// ---- Services ------------------------------------------------------------------------------------------

const isHeadless = (spec: Obj) => len(spec.clusterIPs) === 1 && list(spec.clusterIPs)[0] === "None";
const externallyAccessible = (spec: Obj) =>
  spec.type === "LoadBalancer" || spec.type === "NodePort" || (spec.type === "ClusterIP" && len(spec.externalIPs) > 0);
const needsHealthCheck = (spec: Obj) => spec.type === "LoadBalancer" && spec.externalTrafficPolicy === "Local";
const SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const IP_FAMILIES = ["IPv4", "IPv6"];
const IP_FAMILY_POLICIES = ["PreferDualStack", "RequireDualStack", "SingleStack"];
const TOPOLOGY_MODE = "service.kubernetes.io/topology-mode";
const TOPOLOGY_HINTS = "service.kubernetes.io/topology-aware-hints";
const SOURCE_RANGES = "service.beta.kubernetes.io/load-balancer-source-ranges";

function validateServicePort(p: Obj, requireName: boolean, names: Set<string>, path: string): Errs {
  const out: Errs = [];
  const name = str(p.name);
  if (requireName && !name) out.push(required(child(path, "name")));
  else if (name) {
    out.push(...validateDNS1123Label(name, child(path, "name")));
    if (names.has(name)) out.push(duplicate(child(path, "name"), q(name)));
    else names.add(name);
  }
  out.push(...portNumProblems(num(p.port)).map((m) => invalid(child(path, "port"), n(num(p.port)), m)));
  const proto = str(p.protocol);
  if (!proto) out.push(required(child(path, "protocol")));
  else if (!PROTOCOLS.includes(proto)) out.push(unsupported(child(path, "protocol"), proto, PROTOCOLS));
  out.push(...validatePortNumOrName(p.targetPort, child(path, "targetPort")));
  if (typeof p.appProtocol === "string") out.push(...validateQualifiedName(p.appProtocol, child(path, "appProtocol")));
  return out;
}

function validateClusterIPsRelatedFields(spec: Obj, oldSpec: Obj | undefined): Errs {
  if (spec.type === "ExternalName") return [];
  const out: Errs = [];
  const ips = list(spec.clusterIPs).map(str);
  const ipsValue = () => j(spec.clusterIPs ?? null);
  if (str(spec.clusterIP)) {
    if (ips.length === 0) out.push(required("spec.clusterIPs"));
    else if (ips[0] !== spec.clusterIP)
      out.push(invalid("spec.clusterIPs", ipsValue(), "first value must match `clusterIP`"));
  } else if (ips.length)
    out.push(invalid("spec.clusterIPs", ipsValue(), "must be empty when `clusterIP` is not specified"));
  const seen = new Set<string>();
  list(spec.ipFamilies).forEach((f, i) => {
    const fam = str(f);
    if (!IP_FAMILIES.includes(fam)) out.push(unsupported(`spec.ipFamilies[${i}]`, fam, IP_FAMILIES));
    if (seen.has(fam)) out.push(duplicate(`spec.ipFamilies[${i}]`, q(fam)));
    seen.add(fam);
  });
  if (typeof spec.ipFamilyPolicy === "string" && !IP_FAMILY_POLICIES.includes(spec.ipFamilyPolicy))
    out.push(notSupported("spec.ipFamilyPolicy", j(spec.ipFamilyPolicy), IP_FAMILY_POLICIES));
  const existing = list(oldSpec?.clusterIPs).map(str);
  let bad = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === "None") {
      if (ips.length > 1) {
        bad = true;
        out.push(invalid("spec.clusterIPs", ipsValue(), "'None' must be the first and only value"));
      }
      return;
    }
    const e = validateIPForLegacyField(`spec.clusterIPs[${i}]`, ip, existing);
    if (e.length) bad = true;
    out.push(...e);
  });
  if (ips.length > 2) out.push(invalid("spec.clusterIPs", ipsValue(), "may only hold up to 2 values"));
  if (bad) return out;
  if (ips.length > 1) {
    const v6 = ips.map(isIPv6String);
    if (v6[0] === v6[1] || ips.length > 2)
      out.push(invalid("spec.clusterIPs", ipsValue(), "may specify no more than one IP for each IP family"));
  }
  const fams = list(spec.ipFamilies).map(str);
  if (!isHeadless(spec) && ips.length && fams.length)
    ips.forEach((ip, i) => {
      if (i > fams.length - 1) return;
      if (fams[i] === "IPv4" && isIPv6String(ip))
        out.push(
          invalid(`spec.clusterIPs[${i}]`, q(ip), `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``),
        );
      if (fams[i] === "IPv6" && !isIPv6String(ip))
        out.push(
          invalid(`spec.clusterIPs[${i}]`, q(ip), `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``),
        );
    });
  return out;
}

function validateService(svc: Obj, old: Obj | undefined): Errs {
  const spec = obj(svc.spec);
  const ann = obj(obj(svc.metadata).annotations);
  const out: Errs = [];
  if (TOPOLOGY_MODE in ann && TOPOLOGY_HINTS in ann && ann[TOPOLOGY_MODE] !== ann[TOPOLOGY_HINTS])
    out.push(
      invalid(
        key("metadata.annotations", TOPOLOGY_MODE),
        q(str(ann[TOPOLOGY_MODE])),
        `must match annotations[${TOPOLOGY_HINTS}] when both are specified`,
      ),
    );
  const ports = objs(spec.ports);
  const type = str(spec.type);
  if (ports.length === 0 && !isHeadless(spec) && type !== "ExternalName") out.push(required("spec.ports"));
  const first = () => q(str(list(spec.clusterIPs)[0]));
  if (type === "LoadBalancer" && isHeadless(spec))
    out.push(invalid("spec.clusterIPs[0]", first(), "may not be set to 'None' for LoadBalancer services"));
  if (type === "NodePort" && isHeadless(spec))
    out.push(invalid("spec.clusterIPs[0]", first(), "may not be set to 'None' for NodePort services"));
  if (type === "ExternalName") {
    if (len(spec.clusterIPs) > 0) out.push(forbidden("spec.clusterIPs", "may not be set for ExternalName services"));
    if (len(spec.ipFamilies) > 0) out.push(forbidden("spec.ipFamilies", "may not be set for ExternalName services"));
    if (!isNil(spec.ipFamilyPolicy))
      out.push(forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"));
    const cname = str(spec.externalName).replace(/\.$/, "");
    if (cname) out.push(...validateDNS1123Subdomain(cname, "spec.externalName"));
    else out.push(required("spec.externalName"));
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    out.push(...validateServicePort(p, ports.length > 1, names, `spec.ports[${i}]`));
  });
  if (!isNil(spec.selector)) out.push(...validateLabels(spec.selector, "spec.selector"));
  const sa = str(spec.sessionAffinity);
  if (!sa) out.push(required("spec.sessionAffinity"));
  else if (sa !== "ClientIP" && sa !== "None") out.push(unsupported("spec.sessionAffinity", sa, ["ClientIP", "None"]));
  if (sa === "ClientIP") {
    const cfg = spec.sessionAffinityConfig;
    const why = "when session affinity type is ClientIP";
    if (!isObj(cfg)) out.push(required("spec.sessionAffinityConfig", why));
    else if (!isObj(cfg.clientIP)) out.push(required("spec.sessionAffinityConfig.clientIP", why));
    else if (isNil(cfg.clientIP.timeoutSeconds))
      out.push(required("spec.sessionAffinityConfig.clientIP.timeoutSeconds", why));
    else {
      const t = num(cfg.clientIP.timeoutSeconds);
      if (t <= 0 || t > 86400)
        out.push(
          invalid(
            "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
            n(t),
            "must be greater than 0 and less than 86400",
          ),
        );
    }
  } else if (sa === "None" && !isNil(spec.sessionAffinityConfig))
    out.push(forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"));
  out.push(...validateClusterIPsRelatedFields(spec, old ? obj(old.spec) : undefined));
  const oldExternal = list(obj(old?.spec).externalIPs).map(str);
  list(spec.externalIPs).forEach((ip, i) => {
    const e = validateIPForLegacyField(`spec.externalIPs[${i}]`, str(ip), oldExternal);
    out.push(...(e.length ? e : validateEndpointIP(str(ip), `spec.externalIPs[${i}]`)));
  });
  if (!type) out.push(required("spec.type"));
  else if (!SERVICE_TYPES.includes(type)) out.push(unsupported("spec.type", type, SERVICE_TYPES));
  if (type === "ClusterIP")
    ports.forEach((p, i) => {
      if (num(p.nodePort) !== 0)
        out.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (num(p.nodePort) === 0) return;
    const k = `${str(p.protocol)}/${num(p.nodePort)}`;
    if (nodePorts.has(k)) out.push(duplicate(`spec.ports[${i}].nodePort`, n(num(p.nodePort))));
    nodePorts.add(k);
  });
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const k = `${str(p.protocol)}/${num(p.port)}`;
    if (seen.has(k))
      out.push(
        duplicate(`spec.ports[${i}]`, raw(goStructJson("core.ServicePort", { protocol: p.protocol, port: p.port }))),
      );
    seen.add(k);
  });
  const ranges = list(spec.loadBalancerSourceRanges).map(str);
  if (ranges.length > 0) {
    if (type !== "LoadBalancer")
      out.push(forbidden("spec.LoadBalancerSourceRanges", "may only be used when `type` is 'LoadBalancer'"));
    const existing = list(obj(old?.spec).loadBalancerSourceRanges).map((r) => str(r).trim());
    ranges.forEach((r, i) => {
      out.push(...validateCIDRForLegacyField(`spec.LoadBalancerSourceRanges[${i}]`, r.trim(), existing));
    });
  } else if (SOURCE_RANGES in ann) {
    const p = key("metadata.annotations", SOURCE_RANGES);
    if (type !== "LoadBalancer") out.push(forbidden(p, "may only be used when `type` is 'LoadBalancer'"));
    const val = str(ann[SOURCE_RANGES]);
    if (!old || obj(obj(old.metadata).annotations)[SOURCE_RANGES] !== val) {
      const t = val.trim();
      if (t) for (const c of t.split(",")) out.push(...validateCIDRForLegacyField(p, c.trim()));
    }
  }
  if (!isNil(spec.allocateLoadBalancerNodePorts) && type !== "LoadBalancer")
    out.push(forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"));
  if (type === "LoadBalancer" && isNil(spec.allocateLoadBalancerNodePorts))
    out.push(required("allocateLoadBalancerNodePorts"));
  out.push(...loadBalancerClass(spec));
  if (!externallyAccessible(spec)) {
    if (str(spec.externalTrafficPolicy))
      out.push(
        invalid(
          "spec.externalTrafficPolicy",
          q(str(spec.externalTrafficPolicy)),
          "may only be set for externally-accessible services",
        ),
      );
  } else if (!str(spec.externalTrafficPolicy)) out.push(required("spec.externalTrafficPolicy"));
  else if (!["Cluster", "Local"].includes(str(spec.externalTrafficPolicy)))
    out.push(unsupported("spec.externalTrafficPolicy", str(spec.externalTrafficPolicy), ["Cluster", "Local"]));
  const hc = num(spec.healthCheckNodePort);
  // kube allocates a health check port before validating; evk's host allocates it later, so none is fine here.
  if (!needsHealthCheck(spec)) {
    if (hc !== 0)
      out.push(
        invalid(
          "spec.healthCheckNodePort",
          n(hc),
          "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
        ),
      );
  } else if (hc !== 0) out.push(...portNumProblems(hc).map((m) => invalid("spec.healthCheckNodePort", n(hc), m)));
  if (isNil(spec.internalTrafficPolicy)) {
    if (["NodePort", "LoadBalancer", "ClusterIP"].includes(type)) out.push(required("spec.internalTrafficPolicy"));
  } else if (!["Cluster", "Local"].includes(str(spec.internalTrafficPolicy)))
    out.push(unsupported("spec.internalTrafficPolicy", str(spec.internalTrafficPolicy), ["Cluster", "Local"]));
  if (typeof spec.trafficDistribution === "string") {
    const valid = ["PreferClose", "PreferSameZone", "PreferSameNode"];
    if (!valid.includes(spec.trafficDistribution))
      out.push(unsupported("spec.trafficDistribution", spec.trafficDistribution, valid));
  }
  return out;
}

function loadBalancerClass(spec: Obj): Errs {
  const out: Errs = [];
  const cls = spec.loadBalancerClass;
  if (spec.type === "LoadBalancer") {
    if (typeof cls === "string") out.push(...validateQualifiedName(cls, "spec.loadBalancerClass"));
  } else if (!isNil(cls))
    out.push(forbidden("spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'"));
  return out;
}

/** ValidateServiceCreate, after ValidateObjectMeta. */
export function serviceProblems(svc: Obj): Errs {
  return validateService(svc, undefined);
}

/** ValidateServiceUpdate, after ValidateObjectMetaUpdate. */
export function serviceUpdateProblems(input: Obj, old: Obj): Errs {
  const svc = normalizedClusterIPs(input, old);
  const spec = obj(svc.spec);
  const oldSpec = obj(old.spec);
  const out: Errs = [];
  const external = spec.type === "ExternalName" || oldSpec.type === "ExternalName";
  if (!external && !(isHeadless(spec) && isHeadless(oldSpec))) {
    const o = list(oldSpec.clusterIPs).map(str);
    const nw = list(spec.clusterIPs).map(str);
    const shown = () => j(spec.clusterIPs ?? null);
    if (o.length === nw.length)
      o.forEach((ip, i) => {
        ip !== nw[i] && out.push(invalid(`spec.clusterIPs[${i}]`, shown(), "may not change once set"));
      });
    else if (o.length > nw.length) {
      if (nw.length === 0) out.push(invalid("spec.clusterIPs[0]", shown(), "primary clusterIP can not be unset"));
      if (o.length > 0 && nw.length > 0 && nw[0] !== o[0])
        out.push(invalid("spec.clusterIPs[0]", shown(), "may not change once set"));
      if (nw.length === 1 && spec.ipFamilyPolicy !== "SingleStack")
        out.push(
          invalid(
            "spec.ipFamilyPolicy",
            j(spec.ipFamilyPolicy ?? null),
            "must be set to 'SingleStack' when releasing the secondary clusterIP",
          ),
        );
    } else if (o.length > 0 && nw[0] !== o[0])
      out.push(invalid("spec.clusterIPs[0]", shown(), "may not change once set"));
  }
  if (!external && isHeadless(spec) === isHeadless(oldSpec) && !isHeadless(spec)) {
    const o = list(oldSpec.ipFamilies).map(str);
    const nw = list(spec.ipFamilies).map(str);
    const fams = () => j(spec.ipFamilies ?? null);
    const ipsShown = () => j(spec.clusterIPs ?? null);
    if (o.length === nw.length)
      o.forEach((f, i) => {
        f !== nw[i] && out.push(invalid("spec.ipFamilies[0]", fams(), "may not change once set"));
      });
    else if (o.length > nw.length) {
      if (len(spec.clusterIPs) === 0)
        out.push(invalid("spec.ipFamilies[0]", fams(), "primary ipFamily can not be unset"));
      if (nw.length > 0 && nw[0] !== o[0])
        out.push(invalid("spec.ipFamilies[0]", ipsShown(), "may not change once set"));
      if (nw.length === 1 && spec.ipFamilyPolicy !== "SingleStack")
        out.push(
          invalid(
            "spec.ipFamilyPolicy",
            j(spec.ipFamilyPolicy ?? null),
            "must be set to 'SingleStack' when releasing the secondary ipFamily",
          ),
        );
    } else if (o.length > 0 && nw.length > 0 && nw[0] !== o[0])
      out.push(invalid("spec.ipFamilies[0]", ipsShown(), "may not change once set"));
  }
  if (
    oldSpec.type === "LoadBalancer" &&
    spec.type === "LoadBalancer" &&
    (oldSpec.loadBalancerClass ?? null) !== (spec.loadBalancerClass ?? null)
  )
    out.push(invalid("spec.loadBalancerClass", j(spec.loadBalancerClass ?? null), "may not change once set"));
  out.push(...loadBalancerClass(spec));
  if (
    needsHealthCheck(oldSpec) &&
    needsHealthCheck(spec) &&
    num(spec.healthCheckNodePort) !== num(oldSpec.healthCheckNodePort)
  )
    out.push(forbidden("spec.healthCheckNodePort", "field is immutable"));
  out.push(...validateService(svc, old));
  return out;
}

/**
 * The Service strategy's normalizeClusterIPs on update, which evk's defaulting leaves out: an old client that
 * sends clusterIP alone keeps clusterIPs, and a changed clusterIP moves an unchanged clusterIPs with it.
 */
function normalizedClusterIPs(svc: Obj, old: Obj): Obj {
  const spec: Obj = { ...obj(svc.spec) };
  const oldSpec = obj(old.spec);
  const oldIPs = list(oldSpec.clusterIPs);
  const sameIPs = () => JSON.stringify(list(spec.clusterIPs)) === JSON.stringify(oldIPs);
  if (oldIPs.length > 0 && len(spec.clusterIPs) === 0 && str(oldSpec.clusterIP) === str(spec.clusterIP))
    spec.clusterIPs = oldIPs;
  if (str(oldSpec.clusterIP) !== str(spec.clusterIP)) {
    if (str(oldSpec.clusterIP) && !str(spec.clusterIP) && sameIPs()) spec.clusterIPs = undefined;
    else if (sameIPs() && oldIPs.length > 0) spec.clusterIPs = [str(spec.clusterIP), ...oldIPs.slice(1)];
  }
  return { ...svc, spec };
}

// ---- Endpoints -----------------------------------------------------------------------------------------

function validateEndpointAddress(a: Obj, path: string): Errs {
  const out = validateIPForLegacyField(child(path, "ip"), str(a.ip));
  if (str(a.hostname)) out.push(...validateDNS1123Label(str(a.hostname), child(path, "hostname")));
  if (typeof a.nodeName === "string")
    out.push(...each(child(path, "nodeName"), a.nodeName, dns1123Subdomain(a.nodeName)));
  out.push(...validateEndpointIP(str(a.ip), child(path, "ip")));
  return out;
}

function validateEndpointPort(p: Obj, requireName: boolean, path: string): Errs {
  const out: Errs = [];
  const name = str(p.name);
  if (requireName && !name) out.push(required(child(path, "name")));
  else if (name) out.push(...validateDNS1123Label(name, child(path, "name")));
  out.push(...portNumProblems(num(p.port)).map((m) => invalid(child(path, "port"), n(num(p.port)), m)));
  const proto = str(p.protocol);
  if (!proto) out.push(required(child(path, "protocol")));
  else if (!PROTOCOLS.includes(proto)) out.push(unsupported(child(path, "protocol"), proto, PROTOCOLS));
  if (typeof p.appProtocol === "string") out.push(...validateQualifiedName(p.appProtocol, child(path, "appProtocol")));
  return out;
}

function endpointSubsetProblems(ep: Obj): Errs {
  const out: Errs = [];
  objs(ep.subsets).forEach((ss, i) => {
    const p = `subsets[${i}]`;
    if (len(ss.addresses) === 0 && len(ss.notReadyAddresses) === 0)
      out.push(required(p, "must specify `addresses` or `notReadyAddresses`"));
    objs(ss.addresses).forEach((a, ai) => {
      out.push(...validateEndpointAddress(a, `${p}.addresses[${ai}]`));
    });
    objs(ss.notReadyAddresses).forEach((a, ai) => {
      out.push(...validateEndpointAddress(a, `${p}.notReadyAddresses[${ai}]`));
    });
    const ports = objs(ss.ports);
    ports.forEach((pt, pi) => {
      out.push(...validateEndpointPort(pt, ports.length > 1, `${p}.ports[${pi}]`));
    });
  });
  return out;
}

export function endpointsProblems(ep: Obj): Errs {
  return endpointSubsetProblems(ep);
}

/** On update, subsets kube stored before are not judged again. */
export function endpointsUpdateProblems(ep: Obj, old: Obj): Errs {
  const errs = endpointSubsetProblems(ep);
  return errs.length && JSON.stringify(ep.subsets ?? null) === JSON.stringify(old.subsets ?? null) ? [] : errs;
}

// ---- EndpointSlices ------------------------------------------------------------------------------------

const ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"];

function fqdnProblems(path: string, name: string): Errs {
  if (!name) return [required(path)];
  const v = name.endsWith(".") ? name.slice(0, -1) : name;
  const sub = dns1123Subdomain(v);
  if (sub.length) return [invalid(path, q(v), sub.join(","))];
  if (v.split(".").length < 2)
    return [invalid(path, q(v), "should be a domain with at least two segments separated by dots")];
  return [];
}

function endpointSliceEndpoints(eps: Obj): Errs {
  const endpoints = objs(eps.endpoints);
  if (endpoints.length > 1000) return [tooMany("endpoints", endpoints.length, 1000)];
  const type = str(eps.addressType);
  const out: Errs = [];
  endpoints.forEach((e, i) => {
    const p = `endpoints[${i}]`;
    const ap = child(p, "addresses");
    const addrs = list(e.addresses).map(str);
    if (addrs.length === 0) out.push(required(ap, "must contain at least 1 address"));
    else if (addrs.length > 100) out.push(tooMany(ap, addrs.length, 100));
    addrs.forEach((a, ai) => {
      const idx = index(ap, ai);
      if (type === "IPv4") {
        const e4 = validateIPForLegacyField(idx, a);
        if (e4.length) out.push(...e4);
        else {
          if (isIPv6String(a)) out.push(invalid(ap, q(a), "must be an IPv4 address"));
          out.push(...validateEndpointIP(a, idx));
        }
      } else if (type === "IPv6") {
        if (!parseIPSloppy(a))
          out.push(invalid(idx, q(a), "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
        else {
          if (!isIPv6String(a)) out.push(invalid(ap, q(a), "must be an IPv6 address"));
          out.push(...validateEndpointIP(a, idx));
        }
      } else if (type === "FQDN") out.push(...fqdnProblems(idx, a));
    });
    if (typeof e.nodeName === "string")
      out.push(...each(child(p, "nodeName"), e.nodeName, dns1123Subdomain(e.nodeName)));
    if (typeof e.hostname === "string") out.push(...validateDNS1123Label(e.hostname, child(p, "hostname")));
    if (isObj(e.hints)) {
      const zones = objs(e.hints.forZones);
      const zp = child(child(p, "hints"), "forZones");
      if (zones.length > 8) out.push(tooMany(zp, zones.length, 8));
      else {
        const names: string[] = [];
        zones.forEach((z, zi) => {
          const np = child(index(zp, zi), "name");
          const name = str(z.name);
          if (names.includes(name)) out.push(duplicate(np, q(name)));
          else names.push(name);
          out.push(...each(np, name, labelValue(name)));
        });
      }
    }
  });
  return out;
}

function endpointSliceProblemsWith(eps: Obj, old: Obj | undefined): Errs {
  const out: Errs = [];
  const type = str(eps.addressType);
  if (!type) out.push(required("addressType"));
  else if (!ADDRESS_TYPES.includes(type)) out.push(unsupported("addressType", type, ADDRESS_TYPES));
  const ports = objs(eps.ports);
  if (ports.length > 20000) out.push(tooMany("ports", ports.length, 20000));
  else {
    const names: string[] = [];
    ports.forEach((p, i) => {
      const ip = `ports[${i}]`;
      const name = str(p.name);
      if (name) out.push(...validateDNS1123Label(name, child(ip, "name")));
      if (names.includes(name)) out.push(duplicate(child(ip, "name"), j(name)));
      else names.push(name);
      if (isNil(p.protocol)) out.push(required(child(ip, "protocol")));
      else if (!PROTOCOLS.includes(str(p.protocol)))
        out.push(unsupported(child(ip, "protocol"), str(p.protocol), PROTOCOLS));
      if (typeof p.appProtocol === "string")
        out.push(...validateQualifiedName(p.appProtocol, child(ip, "appProtocol")));
    });
  }
  const errs = endpointSliceEndpoints(eps);
  if (!(errs.length && old && JSON.stringify(old.endpoints ?? null) === JSON.stringify(eps.endpoints ?? null)))
    out.push(...errs);
  return out;
}

export function endpointSliceProblems(eps: Obj): Errs {
  return endpointSliceProblemsWith(eps, undefined);
}

export function endpointSliceUpdateProblems(eps: Obj, old: Obj): Errs {
  return [
    ...endpointSliceProblemsWith(eps, old),
    ...validateImmutable("s", eps.addressType, old.addressType, "addressType", (v) => JSON.stringify(str(v))),
  ];
}
