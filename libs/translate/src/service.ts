// Service, Endpoints and EndpointSlice translation (vcluster-behaviour.md §3).
import type {
  CoreV1EndpointPort,
  DiscoveryV1EndpointPort,
  V1Endpoint,
  V1EndpointAddress,
  V1EndpointSlice,
  V1EndpointSubset,
  V1Endpoints,
  V1ObjectReference,
  V1Pod,
  V1Service,
  V1ServicePort,
  V1ServiceSpec,
  V1ServiceStatus,
} from "@kubernetes/client-node";
import { hostAnnotations, mergeHostOnlyAnnotations } from "./annotations.ts";
import { hash10 } from "./hash.ts";
import { MANAGED_BY_LABEL, NAMESPACE_LABEL } from "./keys.ts";
import { hostLabelKey, hostLabels, type Labels } from "./labels.ts";
import { hostName, safeConcatName } from "./names.ts";
import { compareStrings, deepEqual } from "./util.ts";

export const SERVICE_KIND = "/v1, Kind=Service";
export const ENDPOINTS_KIND = "/v1, Kind=Endpoints";
export const ENDPOINT_SLICE_KIND = "discovery.k8s.io/v1, Kind=EndpointSlice";

/** Per-kind annotations never synced (Rancher's and the old leader-election record). */
export const SERVICE_EXCLUDED_ANNOTATIONS: readonly string[] = ["field.cattle.io/publicEndpoints"];
export const ENDPOINTS_EXCLUDED_ANNOTATIONS: readonly string[] = ["control-plane.alpha.kubernetes.io/leader"];

/** Well-known discovery labels, as kube's endpoint controllers write them. */
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const ENDPOINT_SLICE_MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
export const ENDPOINT_SLICE_CONTROLLER = "endpointslice-controller.k8s.io";
export const HEADLESS_SERVICE_LABEL = "service.kubernetes.io/headless";

export interface ServiceTranslationContext {
  cluster: string;
  hostNamespace: string;
}

type ServiceType = "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName";

export const serviceType = (s: V1Service): string => s.spec?.type || "ClusterIP";
export const isHeadless = (s: V1Service): boolean => s.spec?.clusterIP === "None";
/** kube: a nil or empty selector means "no selector": the endpoints are maintained by someone else. */
export const hasSelector = (s: V1Service): boolean => Object.keys(s.spec?.selector ?? {}).length > 0;
const needsNodePorts = (type: string) => type === "NodePort" || type === "LoadBalancer";

/**
 * The host selector of a virtual selector: keys rewritten as host pod labels are, plus the two markers,
 * so it picks exactly this cluster's pods of that namespace (see podHostLabels). Empty stays empty.
 */
export function hostServiceSelector(
  cluster: string,
  namespace: string,
  selector: Labels | undefined,
): Labels | undefined {
  if (!selector || Object.keys(selector).length === 0) return undefined;
  const out: Labels = {};
  for (const [k, v] of Object.entries(selector)) out[hostLabelKey(cluster, k)] = v;
  out[MANAGED_BY_LABEL] = cluster;
  out[NAMESPACE_LABEL] = namespace;
  return out;
}

/** A service port as kube-apiserver defaults it (protocol TCP, targetPort = port). */
function defaultedPort(p: V1ServicePort, type: string): V1ServicePort {
  const out: V1ServicePort = { ...p, protocol: p.protocol || "TCP", targetPort: p.targetPort ?? p.port };
  // evk's virtual apiserver allocates no node ports, so one in the virtual spec was asked for by the user
  // (or written back from the host): it is kept, unlike vcluster, whose virtual node ports are its own.
  if (!needsNodePorts(type) || !out.nodePort) delete out.nodePort;
  return out;
}

/**
 * The host twin of a virtual Service at creation: metadata per §1, the selector rewritten, clusterIP
 * cleared unless headless, IP families left to the host (which allocates the IP and any node ports), and
 * kube-apiserver's defaults filled in so an update compares like with like.
 */
export function translateService(v: V1Service, ctx: ServiceTranslationContext): V1Service {
  const name = v.metadata?.name ?? "";
  const namespace = v.metadata?.namespace ?? "";
  const hName = hostName(ctx.cluster, namespace, name);
  const src: V1ServiceSpec = structuredClone(v.spec ?? {});
  const type = (src.type || "ClusterIP") as ServiceType;
  const spec: V1ServiceSpec = { ...src, type };
  delete spec.clusterIPs;
  delete spec.ipFamilies;
  delete spec.ipFamilyPolicy;
  if (type === "ExternalName" || spec.clusterIP !== "None") delete spec.clusterIP;
  const selector = hostServiceSelector(ctx.cluster, namespace, src.selector);
  if (selector) spec.selector = selector;
  else delete spec.selector;
  if (src.ports) spec.ports = src.ports.map((p) => defaultedPort(p, type));
  spec.sessionAffinity = src.sessionAffinity || "None";
  if (spec.sessionAffinity === "ClientIP" && !spec.sessionAffinityConfig)
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  if (type !== "ExternalName") spec.internalTrafficPolicy = src.internalTrafficPolicy || "Cluster";
  if (needsNodePorts(type)) spec.externalTrafficPolicy = src.externalTrafficPolicy || "Cluster";
  if (type === "LoadBalancer") spec.allocateLoadBalancerNodePorts = src.allocateLoadBalancerNodePorts ?? true;
  if (!(type === "LoadBalancer" && spec.externalTrafficPolicy === "Local") || !spec.healthCheckNodePort)
    delete spec.healthCheckNodePort;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: hName,
      namespace: ctx.hostNamespace,
      labels: hostLabels(ctx.cluster, namespace, v.metadata?.labels),
      annotations: hostAnnotations({
        ...ctx,
        kind: SERVICE_KIND,
        virtual: v,
        hostName: hName,
        excluded: SERVICE_EXCLUDED_ANNOTATIONS,
      }),
    },
    spec,
  };
}

/** Spec fields of a host Service the syncer owns; the host allocates the rest. */
const OWNED_SPEC_FIELDS = [
  "type",
  "selector",
  "ports",
  "externalIPs",
  "externalName",
  "loadBalancerIP",
  "loadBalancerSourceRanges",
  "loadBalancerClass",
  "publishNotReadyAddresses",
  "sessionAffinity",
  "sessionAffinityConfig",
  "externalTrafficPolicy",
  "internalTrafficPolicy",
  "allocateLoadBalancerNodePorts",
  "healthCheckNodePort",
  "trafficDistribution",
] as const;
const ALLOCATED_IP_FIELDS = ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] as const;

export type ServiceUpdate =
  | { action: "none" }
  | { action: "update"; service: V1Service }
  /** What changed is immutable on the host (headless or not): the twin must be deleted and created anew. */
  | { action: "recreate"; reason: string };

/**
 * What an existing host twin must become (vcluster's service Diff, with the virtual side authoritative for
 * what the user sets): type, selector, ports, external IPs/name, load-balancer and traffic settings,
 * labels and annotations follow the virtual Service; the host keeps what it allocated (IPs, node ports,
 * health-check node port) and annotations its own controllers added.
 */
export function serviceUpdate(v: V1Service, host: V1Service, ctx: ServiceTranslationContext): ServiceUpdate {
  const want = translateService(v, ctx);
  const wantSpec = want.spec as V1ServiceSpec;
  const hostSpec = host.spec ?? {};
  const wantType = wantSpec.type as string;
  const hostType = hostSpec.type || "ClusterIP";
  const ipBased = wantType !== "ExternalName" && hostType !== "ExternalName";
  if (ipBased && (wantSpec.clusterIP === "None") !== (hostSpec.clusterIP === "None")) {
    return {
      action: "recreate",
      reason: wantSpec.clusterIP === "None" ? "the Service became headless" : "the Service is no longer headless",
    };
  }
  const spec = structuredClone(hostSpec) as Record<string, unknown>;
  const wanted = wantSpec as Record<string, unknown>;
  for (const k of OWNED_SPEC_FIELDS) {
    if (wanted[k] !== undefined) spec[k] = structuredClone(wanted[k]);
    else if (
      !(k === "healthCheckNodePort" && wantType === "LoadBalancer" && wantSpec.externalTrafficPolicy === "Local")
    )
      delete spec[k];
  }
  for (const k of Object.keys(wanted)) {
    if (
      !(OWNED_SPEC_FIELDS as readonly string[]).includes(k) &&
      !(ALLOCATED_IP_FIELDS as readonly string[]).includes(k)
    )
      spec[k] = structuredClone(wanted[k]);
  }
  if (!ipBased) {
    // Into or out of ExternalName: IPs go, or the host allocates new ones.
    for (const k of ALLOCATED_IP_FIELDS) delete spec[k];
    if (wantType !== "ExternalName" && wantSpec.clusterIP === "None") spec.clusterIP = "None";
  }
  if (needsNodePorts(wantType) && Array.isArray(spec.ports)) {
    // A node port the user did not ask for stays what the host allocated.
    spec.ports = (spec.ports as V1ServicePort[]).map((p) => {
      if (p.nodePort) return p;
      const had = hostSpec.ports?.find((h) => h.port === p.port && (h.protocol || "TCP") === p.protocol)?.nodePort;
      return had ? { ...p, nodePort: had } : p;
    });
  }
  const labels = want.metadata?.labels ?? {};
  const annotations = mergeHostOnlyAnnotations(want.metadata?.annotations ?? {}, host.metadata?.annotations);
  if (
    deepEqual(spec, hostSpec) &&
    deepEqual(labels, host.metadata?.labels ?? {}) &&
    deepEqual(annotations, host.metadata?.annotations ?? {})
  )
    return { action: "none" };
  return {
    action: "update",
    service: {
      apiVersion: "v1",
      kind: "Service",
      metadata: { ...structuredClone(host.metadata ?? {}), labels, annotations },
      spec: spec as V1ServiceSpec,
    },
  };
}

export interface ServiceWriteBack {
  /** Shallow-merged into the virtual spec by the status ingest. */
  fields: Record<string, unknown>;
  status: V1ServiceStatus;
}

const json = <T>(x: T): T => (x === undefined ? x : JSON.parse(JSON.stringify(x)));

/**
 * What the virtual Service adopts from its host twin (§3.2): the allocated clusterIP(s), IP families, the
 * ports with their node ports, the health-check node port, and the status (load-balancer ingress only for
 * type LoadBalancer). undefined when the virtual Service already says all of it.
 */
export function serviceWriteBack(v: V1Service, host: V1Service): ServiceWriteBack | undefined {
  const hs = host.spec ?? {};
  const vs = (v.spec ?? {}) as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  let changed = false;
  const put = (key: string, hostValue: unknown, empty: unknown) => {
    const has = (x: unknown) => x !== undefined && x !== null && !deepEqual(x, empty);
    if (!has(hostValue) && !has(vs[key])) return;
    const value = has(hostValue) ? json(hostValue) : empty;
    fields[key] = value;
    if (!deepEqual(value, vs[key] ?? empty)) changed = true;
  };
  put("clusterIP", hs.clusterIP, "");
  put("clusterIPs", hs.clusterIPs, []);
  put("ipFamilies", hs.ipFamilies, []);
  if (hs.ipFamilyPolicy) put("ipFamilyPolicy", hs.ipFamilyPolicy, "");
  put("ports", hs.ports, []);
  put("healthCheckNodePort", hs.healthCheckNodePort, 0);
  const status: V1ServiceStatus = json(host.status ?? {});
  if ((hs.type || "ClusterIP") !== "LoadBalancer" || !status.loadBalancer) status.loadBalancer = {};
  if (!deepEqual(status, v.status ?? {})) changed = true;
  return changed ? { fields, status } : undefined;
}

/**
 * The virtual default/kubernetes mirrors the host Service in front of the virtual apiserver (§3.3): its
 * IPs, and its ports without node ports and without a port named kubelet. undefined when it already does.
 */
export function kubernetesServiceFields(
  v: V1Service,
  apiserverService: V1Service,
): Record<string, unknown> | undefined {
  const hs = apiserverService.spec ?? {};
  const fields: Record<string, unknown> = {};
  if (hs.clusterIP) fields.clusterIP = hs.clusterIP;
  if (hs.clusterIPs) fields.clusterIPs = json(hs.clusterIPs);
  if (hs.ipFamilies) fields.ipFamilies = json(hs.ipFamilies);
  if (hs.ipFamilyPolicy) fields.ipFamilyPolicy = hs.ipFamilyPolicy;
  fields.ports = (hs.ports ?? [])
    .filter((p) => p.name !== "kubelet")
    .map(({ nodePort: _n, ...p }) => json(p) as V1ServicePort);
  const vs = (v.spec ?? {}) as Record<string, unknown>;
  return Object.entries(fields).every(([k, x]) => deepEqual(x, vs[k])) ? undefined : fields;
}

// ---- Endpoints and EndpointSlices a selector Service has in the virtual cluster -------------------------

/** kube's podutil.FindPort: the container port a service port's targetPort means for this pod. */
export function findServicePort(pod: V1Pod, port: V1ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  const protocol = port.protocol || "TCP";
  const spec = pod.spec;
  // Sidecars (restartable init containers) serve too, as in kube 1.29+.
  const containers = [
    ...(spec?.containers ?? []),
    ...(spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always"),
  ];
  for (const c of containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol || "TCP") === protocol) return p.containerPort;
  }
  return undefined;
}

export const podIsReady = (pod: V1Pod): boolean =>
  (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** Whether a service's selector picks this pod (same namespace, every selector label equal). */
export function serviceSelectsPod(svc: V1Service, pod: V1Pod): boolean {
  if (!hasSelector(svc) || pod.metadata?.namespace !== svc.metadata?.namespace) return false;
  const labels = pod.metadata?.labels ?? {};
  return Object.entries(svc.spec?.selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** kube's ShouldPodBeInEndpoints: it has an IP, has not finished, and is not terminating (unless tolerated). */
function podBelongsInEndpoints(pod: V1Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP && !(pod.status?.podIPs ?? []).length) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  return phase !== "Failed" && phase !== "Succeeded";
}

const familyOf = (ip: string) => (ip.includes(":") ? "IPv6" : "IPv4");

function serviceAddressType(svc: V1Service, pods: V1Pod[]): "IPv4" | "IPv6" {
  const f = svc.spec?.ipFamilies?.[0];
  if (f === "IPv4" || f === "IPv6") return f;
  const first = pods.find((p) => p.status?.podIP)?.status?.podIP;
  return first ? familyOf(first) : "IPv4";
}

function podAddress(pod: V1Pod, family: string): string | undefined {
  const ips = [...(pod.status?.podIPs ?? []).map((p) => p.ip), pod.status?.podIP].filter(Boolean) as string[];
  return ips.find((ip) => familyOf(ip) === family);
}

/** kube's ShouldSetHostname: the pod asked to be <hostname>.<this service>. */
const hostnameFor = (pod: V1Pod, svc: V1Service) =>
  pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace
    ? pod.spec.hostname
    : undefined;

const podRef = (pod: V1Pod): V1ObjectReference => ({
  kind: "Pod",
  namespace: pod.metadata?.namespace ?? "",
  name: pod.metadata?.name ?? "",
  uid: pod.metadata?.uid ?? "",
});

function servicePortsFor(svc: V1Service, pod: V1Pod) {
  const out: { name: string; port: number; protocol: string; appProtocol?: string }[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findServicePort(pod, sp);
    if (port === undefined) continue; // kube skips this port for this pod
    out.push({
      name: sp.name ?? "",
      port,
      protocol: sp.protocol || "TCP",
      ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
    });
  }
  return out;
}

const portKey = (p: { name?: string; port?: number; protocol?: string; appProtocol?: string }) =>
  `${p.name ?? ""}/${p.port}/${p.protocol ?? "TCP"}/${p.appProtocol ?? ""}`;
const comparePorts = (a: CoreV1EndpointPort, b: CoreV1EndpointPort) => compareStrings(portKey(a), portKey(b));

/** Labels kube's endpoint controllers put on what they write: the service's, plus the headless marker. */
function endpointLabels(svc: V1Service, extra: Labels = {}): Labels {
  const out: Labels = { ...(svc.metadata?.labels ?? {}), ...extra };
  if (isHeadless(svc)) out[HEADLESS_SERVICE_LABEL] = "";
  else delete out[HEADLESS_SERVICE_LABEL];
  return out;
}

/** Whether evk keeps Endpoints for this Service in the virtual cluster (kube's endpoints controller does). */
export const servesEndpoints = (svc: V1Service): boolean => hasSelector(svc) && serviceType(svc) !== "ExternalName";

/**
 * The Endpoints kube's endpoints controller would write for a selector Service, from the virtual pods
 * (whose IPs are their host twins'): ready pods under addresses, others under notReadyAddresses (all
 * ready with publishNotReadyAddresses), terminating and finished pods left out, targetPort names
 * resolved per pod, and the subsets repacked as kube's RepackSubsets does (addresses grouped by the
 * ports they offer; sorted for a stable result where kube sorts by hash).
 */
export function virtualEndpointsFor(svc: V1Service, pods: readonly V1Pod[]): V1Endpoints {
  const tolerateUnready = svc.spec?.publishNotReadyAddresses === true;
  const selected = pods.filter((p) => serviceSelectsPod(svc, p) && podBelongsInEndpoints(p, tolerateUnready));
  const family = serviceAddressType(svc, selected);
  type Entry = { addr: V1EndpointAddress; ready: boolean; id: string };
  const byPort = new Map<string, { port: CoreV1EndpointPort | undefined; addrs: Map<string, Entry> }>();
  const add = (port: CoreV1EndpointPort | undefined, e: Entry) => {
    const k = port ? portKey(port) : "";
    const slot = byPort.get(k) ?? { port, addrs: new Map<string, Entry>() };
    slot.addrs.set(e.id, e);
    byPort.set(k, slot);
  };
  for (const pod of selected) {
    const ip = podAddress(pod, family);
    if (!ip) continue;
    const hostname = hostnameFor(pod, svc);
    const addr: V1EndpointAddress = {
      ip,
      ...(hostname ? { hostname } : {}),
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: podRef(pod),
    };
    const e = { addr, ready: tolerateUnready || podIsReady(pod), id: `${ip}/${pod.metadata?.uid ?? ""}` };
    if ((svc.spec?.ports ?? []).length === 0) {
      // A headless Service without ports still lists its pods (kube's sentinel port).
      if (isHeadless(svc)) add(undefined, e);
      continue;
    }
    for (const p of servicePortsFor(svc, pod)) {
      const { name, ...rest } = p;
      add(name ? { name, ...rest } : rest, e);
    }
  }
  // Ports served by exactly the same (address, readiness) set share a subset.
  const groups = new Map<string, { ports: CoreV1EndpointPort[]; entries: Entry[] }>();
  for (const { port, addrs } of byPort.values()) {
    const entries = [...addrs.values()].sort((a, b) => compareStrings(a.id, b.id));
    const k = entries.map((e) => `${e.id}:${e.ready}`).join(",");
    const g = groups.get(k) ?? { ports: [], entries };
    if (port) g.ports.push(port);
    groups.set(k, g);
  }
  const subsets: V1EndpointSubset[] = [...groups.values()].map((g) => {
    const ready = g.entries.filter((e) => e.ready).map((e) => e.addr);
    const notReady = g.entries.filter((e) => !e.ready).map((e) => e.addr);
    return {
      ...(ready.length ? { addresses: ready } : {}),
      ...(notReady.length ? { notReadyAddresses: notReady } : {}),
      ...(g.ports.length ? { ports: g.ports.sort(comparePorts) } : {}),
    };
  });
  const subsetKey = (s: V1EndpointSubset) =>
    `${(s.ports ?? []).map(portKey).join(",")}|${[...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])].map((a) => a.ip).join(",")}`;
  subsets.sort((a, b) => compareStrings(subsetKey(a), subsetKey(b)));
  const labels = endpointLabels(svc);
  return {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: {
      name: svc.metadata?.name ?? "",
      namespace: svc.metadata?.namespace ?? "",
      ...(Object.keys(labels).length ? { labels } : {}),
    },
    ...(subsets.length ? { subsets } : {}),
  };
}

/** Name of the virtual EndpointSlice for one set of ports (kube names them <service>-<random>). */
export function endpointSliceName(service: string, ports: readonly DiscoveryV1EndpointPort[]): string {
  return safeConcatName(service, hash10(ports.map(portKey).join(",")).slice(0, 5));
}

/**
 * The EndpointSlices kube's EndpointSlice controller would write for a selector Service: one per set of
 * ports the pods resolve to (a placeholder without ports or endpoints when no pod is selected), each
 * endpoint with ready / serving / terminating conditions, targetRef to the virtual pod, node and hostname.
 * Terminating pods are kept (ready false, terminating true), as kube does since 1.22.
 */
export function virtualEndpointSlicesFor(svc: V1Service, pods: readonly V1Pod[]): V1EndpointSlice[] {
  const name = svc.metadata?.name ?? "";
  const namespace = svc.metadata?.namespace ?? "";
  const selected = pods.filter((p) => serviceSelectsPod(svc, p) && podBelongsInEndpoints(p, true));
  const addressType = serviceAddressType(svc, selected);
  const slices = new Map<string, { ports: DiscoveryV1EndpointPort[]; endpoints: V1Endpoint[] }>();
  for (const pod of selected) {
    const ip = podAddress(pod, addressType);
    if (!ip) continue;
    const ports = servicePortsFor(svc, pod);
    const k = ports.map(portKey).join(",");
    const slot = slices.get(k) ?? { ports, endpoints: [] };
    const serving = podIsReady(pod);
    const terminating = Boolean(pod.metadata?.deletionTimestamp);
    const hostname = hostnameFor(pod, svc);
    slot.endpoints.push({
      addresses: [ip],
      conditions: {
        ready: svc.spec?.publishNotReadyAddresses === true || (serving && !terminating),
        serving,
        terminating,
      },
      ...(hostname ? { hostname } : {}),
      targetRef: podRef(pod),
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    });
    slices.set(k, slot);
  }
  if (slices.size === 0) slices.set("", { ports: [], endpoints: [] });
  const labels = endpointLabels(svc, {
    [SERVICE_NAME_LABEL]: name,
    [ENDPOINT_SLICE_MANAGED_BY_LABEL]: ENDPOINT_SLICE_CONTROLLER,
  });
  return [...slices.values()]
    .map(({ ports, endpoints }) => ({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: endpointSliceName(name, ports),
        namespace,
        labels: { ...labels },
        ownerReferences: [
          {
            apiVersion: "v1",
            kind: "Service",
            name,
            uid: svc.metadata?.uid ?? "",
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      addressType,
      endpoints: endpoints.sort((a, b) => compareStrings(a.addresses[0] ?? "", b.addresses[0] ?? "")),
      ...(ports.length ? { ports } : {}),
    }))
    .sort((a, b) => compareStrings(a.metadata.name, b.metadata.name));
}

/** Whether a virtual Endpoints / EndpointSlice already holds what evk would write (identity aside). */
export function sameEndpointContent(desired: V1Endpoints | V1EndpointSlice, current: unknown): boolean {
  if (!current) return false;
  const c = current as Record<string, unknown> & { metadata?: { labels?: Labels; ownerReferences?: unknown[] } };
  const d = desired as Record<string, unknown> & { metadata?: { labels?: Labels; ownerReferences?: unknown[] } };
  for (const k of ["subsets", "addressType", "endpoints", "ports"]) if (!deepEqual(d[k], c[k])) return false;
  return (
    deepEqual(d.metadata?.labels ?? {}, c.metadata?.labels ?? {}) &&
    deepEqual(d.metadata?.ownerReferences, c.metadata?.ownerReferences)
  );
}

// ---- Endpoints and EndpointSlices of selector-less Services, virtual → host (§3.4) ----------------------

/** A virtual pod reference as it reads on the host; uid and resourceVersion are the virtual pod's, so they go. */
function hostTargetRef(
  ref: V1ObjectReference | undefined,
  namespace: string,
  ctx: ServiceTranslationContext,
): V1ObjectReference | undefined {
  if (ref?.kind !== "Pod" || !ref.name) return ref ? structuredClone(ref) : undefined;
  const { uid: _u, resourceVersion: _r, ...rest } = ref;
  return { ...rest, namespace: ctx.hostNamespace, name: hostName(ctx.cluster, ref.namespace || namespace, ref.name) };
}

function hostEndpointMeta(
  v: V1Endpoints | V1EndpointSlice,
  kind: string,
  ctx: ServiceTranslationContext,
): { name: string; namespace: string; labels: Labels; annotations: Labels } {
  const name = v.metadata?.name ?? "";
  const namespace = v.metadata?.namespace ?? "";
  const hName = hostName(ctx.cluster, namespace, name);
  return {
    name: hName,
    namespace: ctx.hostNamespace,
    labels: hostLabels(ctx.cluster, namespace, v.metadata?.labels),
    annotations: hostAnnotations({
      ...ctx,
      kind,
      virtual: v,
      hostName: hName,
      excluded: ENDPOINTS_EXCLUDED_ANNOTATIONS,
    }),
  };
}

/** Host copy of a user-maintained virtual Endpoints (selector-less Service): pod references translated. */
export function translateEndpoints(v: V1Endpoints, ctx: ServiceTranslationContext): V1Endpoints {
  const namespace = v.metadata?.namespace ?? "";
  const addr = (a: V1EndpointAddress): V1EndpointAddress => {
    const out: V1EndpointAddress = { ...structuredClone(a) };
    const ref = hostTargetRef(a.targetRef, namespace, ctx);
    if (ref) out.targetRef = ref;
    return out;
  };
  const subsets = (v.subsets ?? []).map((s) => ({
    ...(s.addresses ? { addresses: s.addresses.map(addr) } : {}),
    ...(s.notReadyAddresses ? { notReadyAddresses: s.notReadyAddresses.map(addr) } : {}),
    // The host defaults the protocol; written out so the next comparison sees no change.
    ...(s.ports ? { ports: s.ports.map((p) => ({ ...p, protocol: p.protocol || "TCP" })) } : {}),
  }));
  return {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: hostEndpointMeta(v, ENDPOINTS_KIND, ctx),
    ...(subsets.length ? { subsets } : {}),
  };
}

/**
 * Host copy of a user-maintained virtual EndpointSlice. Its kubernetes.io/service-name label names the
 * host Service (hostName, so it stays a valid label value where vcluster's plain concatenation would
 * exceed 63 characters).
 */
export function translateEndpointSlice(v: V1EndpointSlice, ctx: ServiceTranslationContext): V1EndpointSlice {
  const namespace = v.metadata?.namespace ?? "";
  const meta = hostEndpointMeta(v, ENDPOINT_SLICE_KIND, ctx);
  const service = v.metadata?.labels?.[SERVICE_NAME_LABEL];
  if (service) meta.labels[SERVICE_NAME_LABEL] = hostName(ctx.cluster, namespace, service);
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: meta,
    addressType: v.addressType,
    endpoints: (v.endpoints ?? []).map((e) => {
      const out: V1Endpoint = structuredClone(e);
      const ref = hostTargetRef(e.targetRef, namespace, ctx);
      if (ref) out.targetRef = ref;
      return out;
    }),
    ...(v.ports ? { ports: v.ports.map((p) => ({ ...p, protocol: p.protocol || "TCP" })) } : {}),
  };
}

/**
 * The host Endpoints / EndpointSlice after an update, or undefined when it already matches: content and
 * labels follow the virtual object; annotations host controllers added stay.
 */
export function endpointsUpdate<T extends V1Endpoints | V1EndpointSlice>(desired: T, host: T): T | undefined {
  const annotations = mergeHostOnlyAnnotations(desired.metadata?.annotations ?? {}, host.metadata?.annotations);
  const d = desired as Record<string, unknown>;
  const h = host as Record<string, unknown>;
  const same =
    ["subsets", "addressType", "endpoints", "ports"].every((k) => deepEqual(d[k], h[k])) &&
    deepEqual(desired.metadata?.labels ?? {}, host.metadata?.labels ?? {}) &&
    deepEqual(annotations, host.metadata?.annotations ?? {});
  if (same) return undefined;
  return {
    ...desired,
    metadata: {
      ...desired.metadata,
      annotations,
      resourceVersion: host.metadata?.resourceVersion,
      uid: host.metadata?.uid,
    },
  } as T;
}
