// Services, Endpoints and EndpointSlices: core/v1 SetDefaults_Service and _Endpoints, discovery/v1
// SetDefaults_EndpointPort, and the parts of the Service REST layer that are not allocation (the
// clusterIPs mirror of clusterIP, ipFamilyPolicy, type-dependent field wiping on update, reading an
// ExternalName without internalTrafficPolicy). clusterIP(s) and ipFamilies stay with the host, which
// allocates them; evk adopts them later.

import { isDeepStrictEqual } from "node:util";
import { defaultNil, defaultZero, ensureObj, isNil, listAt, type Obj, objAt, size } from "./util.ts";

const typeOf = (spec: Obj | undefined) => (spec?.type as string | undefined) ?? "";

/** service.ExternallyAccessible */
const externallyAccessible = (spec: Obj) =>
  spec.type === "LoadBalancer" || spec.type === "NodePort" || (spec.type === "ClusterIP" && size(spec.externalIPs) > 0);

export function defaultService(svc: Obj): void {
  const spec = ensureObj(svc, "spec");
  defaultZero(spec, "sessionAffinity", "None");
  if (spec.sessionAffinity === "None") delete spec.sessionAffinityConfig;
  if (
    spec.sessionAffinity === "ClientIP" &&
    isNil(objAt(objAt(spec, "sessionAffinityConfig"), "clientIP")?.timeoutSeconds)
  )
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  defaultZero(spec, "type", "ClusterIP");
  for (const p of listAt(spec, "ports")) {
    defaultZero(p, "protocol", "TCP");
    if (isNil(p.targetPort) || p.targetPort === 0 || p.targetPort === "") p.targetPort = p.port;
  }
  if (externallyAccessible(spec)) defaultZero(spec, "externalTrafficPolicy", "Cluster");
  if (["NodePort", "LoadBalancer", "ClusterIP"].includes(typeOf(spec)))
    defaultNil(spec, "internalTrafficPolicy", "Cluster");
  if (spec.type === "LoadBalancer") {
    defaultNil(spec, "allocateLoadBalancerNodePorts", true);
    for (const ing of listAt(objAt(objAt(svc, "status"), "loadBalancer"), "ingress"))
      if (ing.ip && isNil(ing.ipMode)) ing.ipMode = "VIP";
  }
  // defaultOnReadInternalTrafficPolicy: an ExternalName never shows one, whatever is stored.
  if (spec.type === "ExternalName") delete spec.internalTrafficPolicy;
}

/** The allocator's ipFamilyPolicy choice (initIPFamilyFields), which does not depend on the cluster's families. */
function defaultIPFamilyPolicy(spec: Obj, old: Obj | undefined): void {
  if (spec.type === "ExternalName" || !isNil(spec.ipFamilyPolicy)) return;
  if (old && !isNil(old.ipFamilyPolicy)) spec.ipFamilyPolicy = old.ipFamilyPolicy;
  else if (spec.clusterIP === "None" && size(spec.selector) === 0) spec.ipFamilyPolicy = "RequireDualStack";
  else spec.ipFamilyPolicy = "SingleStack";
}

/** beginCreate: clusterIPs mirrors a clusterIP given alone (an old client), and the policy is chosen. */
export function prepareServiceForCreate(svc: Obj): void {
  const spec = ensureObj(svc, "spec");
  if (spec.clusterIP && size(spec.clusterIPs) === 0) spec.clusterIPs = [spec.clusterIP];
  defaultIPFamilyPolicy(spec, undefined);
}

const nodePorts = (spec: Obj) => new Set(listAt(spec, "ports").flatMap((p) => (p.nodePort ? [p.nodePort] : [])));
const needsNodePort = (spec: Obj) => spec.type === "NodePort" || spec.type === "LoadBalancer";
const needsHCNodePort = (spec: Obj) => spec.type === "LoadBalancer" && spec.externalTrafficPolicy === "Local";
const same = (a: unknown, b: unknown) => isDeepStrictEqual(a ?? null, b ?? null);
/** sameStringSlice: nil and empty are the same list. */
const sameList = (a: unknown, b: unknown) => same(size(a) ? a : null, size(b) ? b : null);

/**
 * The Service strategy's dropTypeDependentFields (what a type change makes moot and the client did not
 * touch goes) and the update half of the ipFamilyPolicy choice.
 */
export function prepareServiceForUpdate(svc: Obj, old: Obj): void {
  const spec = ensureObj(svc, "spec");
  const before = objAt(old, "spec") ?? {};
  if (before.type !== "ExternalName" && spec.type === "ExternalName") {
    if (
      same(before.clusterIP || undefined, spec.clusterIP || undefined) &&
      sameList(before.clusterIPs, spec.clusterIPs)
    ) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (same(before.ipFamilies, spec.ipFamilies)) delete spec.ipFamilies;
    if (same(before.ipFamilyPolicy, spec.ipFamilyPolicy)) delete spec.ipFamilyPolicy;
  }
  if (needsNodePort(before) && !needsNodePort(spec)) {
    const was = nodePorts(before);
    if ([...nodePorts(spec)].every((p) => was.has(p))) for (const p of listAt(spec, "ports")) delete p.nodePort;
  }
  if (needsHCNodePort(before) && !needsHCNodePort(spec) && same(before.healthCheckNodePort, spec.healthCheckNodePort))
    delete spec.healthCheckNodePort;
  if (before.type === "LoadBalancer" && spec.type !== "LoadBalancer") {
    if (
      !isNil(spec.allocateLoadBalancerNodePorts) &&
      spec.allocateLoadBalancerNodePorts === before.allocateLoadBalancerNodePorts
    )
      delete spec.allocateLoadBalancerNodePorts;
    if (same(before.loadBalancerClass, spec.loadBalancerClass)) delete spec.loadBalancerClass;
  }
  if (
    externallyAccessible(before) &&
    !externallyAccessible(spec) &&
    same(before.externalTrafficPolicy, spec.externalTrafficPolicy)
  )
    delete spec.externalTrafficPolicy;
  defaultIPFamilyPolicy(spec, before);
}

export function defaultEndpoints(ep: Obj): void {
  for (const subset of listAt(ep, "subsets"))
    for (const p of listAt(subset, "ports")) defaultZero(p, "protocol", "TCP");
}

export function defaultEndpointSlice(eps: Obj): void {
  for (const p of listAt(eps, "ports")) {
    defaultNil(p, "name", "");
    defaultNil(p, "protocol", "TCP");
  }
  // `endpoints` and `ports` have no omitempty (an absent list reads back as null); conditions is a struct.
  if (!Array.isArray(eps.endpoints)) eps.endpoints = null;
  if (!Array.isArray(eps.ports)) eps.ports = null;
  for (const e of listAt(eps, "endpoints")) ensureObj(e, "conditions");
}

const HOSTNAME = "kubernetes.io/hostname";

/**
 * dropTopologyOnV1: deprecatedTopology cannot be written through discovery/v1; a hostname it held in the
 * previous version moves to nodeName. Nothing changes when the endpoints did not.
 */
export function dropEndpointSliceTopology(eps: Obj, old: Obj | undefined): void {
  if (old && isDeepStrictEqual(old.endpoints ?? null, eps.endpoints ?? null)) return;
  const previous = new Set(
    listAt(old, "endpoints").flatMap((e) => {
      const h = objAt(e, "deprecatedTopology")?.[HOSTNAME];
      return typeof h === "string" ? [h] : [];
    }),
  );
  for (const e of listAt(eps, "endpoints")) {
    const h = objAt(e, "deprecatedTopology")?.[HOSTNAME];
    if (isNil(e.nodeName) && typeof h === "string" && previous.has(h)) e.nodeName = h;
    delete e.deprecatedTopology;
  }
}
