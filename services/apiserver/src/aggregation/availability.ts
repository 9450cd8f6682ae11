import type { KubeObject } from "@evk/kube";

// Whether a service-backed APIService is Available, as kube-aggregator 1.35's remote availability controller
// decides it (pkg/controllers/status/remote): its Service must exist, listen on the port (ClusterIP services),
// and have ready endpoints on that port; then a discovery GET must answer 2xx. Also where a request for it goes
// (apiserver pkg/util/proxy ResolveEndpoint). Pure: the objects come in, a condition or an address comes out.

export interface Condition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ServiceRef {
  namespace: string;
  name: string;
  port: number;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  ipFamilies?: string[];
  ports?: { name?: string; port?: number }[];
}

interface Slice {
  addressType?: string;
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean | null } }[] | null;
  ports?: { name?: string | null; port?: number | null }[] | null;
}

interface EndpointsSubset {
  addresses?: { ip?: string }[];
  ports?: { name?: string; port?: number }[];
}

/**
 * The EndpointSlices of a service. Where none carry its kubernetes.io/service-name label but Endpoints exist
 * (a selector-less service in a cluster without the mirroring controller), those Endpoints as the slices the
 * mirroring controller would make.
 */
export function slicesFor(slices: KubeObject[], endpoints: KubeObject | undefined): Slice[] {
  if (slices.length > 0 || !endpoints) return slices as Slice[];
  const subsets = (endpoints.subsets ?? []) as EndpointsSubset[];
  return subsets.map((s) => ({
    addressType: (s.addresses?.[0]?.ip ?? "").includes(":") ? "IPv6" : "IPv4",
    endpoints: (s.addresses ?? []).map((a) => ({ addresses: [a.ip ?? ""], conditions: { ready: true } })),
    ports: (s.ports ?? []).map((p) => ({ name: p.name ?? "", port: p.port ?? null })),
  }));
}

const q = (s: string) => JSON.stringify(s);

/**
 * The condition the service checks give, or undefined when they pass and the discovery check decides.
 * `slices` are the service's (slicesFor).
 */
export function serviceCondition(
  ref: ServiceRef,
  service: KubeObject | undefined,
  slices: Slice[],
): Condition | undefined {
  const where = `service/${ref.name} in ${q(ref.namespace)}`;
  if (!service)
    return { type: "Available", status: "False", reason: "ServiceNotFound", message: `${where} is not present` };
  const spec = (service.spec ?? {}) as ServiceSpec;
  // kube checks ports and endpoints of ClusterIP services only (the defaulted type).
  if ((spec.type ?? "ClusterIP") !== "ClusterIP") return undefined;
  const port = (spec.ports ?? []).find((p) => p.port === ref.port);
  if (!port)
    return {
      type: "Available",
      status: "False",
      reason: "ServicePortError",
      message: `${where} is not listening on port ${ref.port}`,
    };
  const portName = port.name ?? "";
  if (slices.length === 0)
    return {
      type: "Available",
      status: "False",
      reason: "EndpointsNotFound",
      message: `cannot find endpointslices for ${where}`,
    };
  const active = slices.some(
    (s) =>
      (s.endpoints ?? []).some(
        (e) => e.conditions?.ready === undefined || e.conditions?.ready === null || e.conditions.ready,
      ) &&
      (s.ports ?? []).some(
        (p) =>
          (p.name ?? "") === portName &&
          p.name !== undefined &&
          p.name !== null &&
          p.port !== undefined &&
          p.port !== null,
      ),
  );
  if (!active)
    return {
      type: "Available",
      status: "False",
      reason: "MissingEndpoints",
      message: `endpointslices for ${where} have no addresses with port name ${q(portName)}`,
    };
  return undefined;
}

export const passedCondition = (): Condition => ({
  type: "Available",
  status: "True",
  reason: "Passed",
  message: "all checks passed",
});

export const failedDiscoveryCondition = (message: string): Condition => ({
  type: "Available",
  status: "False",
  reason: "FailedDiscoveryCheck",
  message,
});

export const LOCAL_CONDITION: Condition = {
  type: "Available",
  status: "True",
  reason: "Local",
  message: "Local APIServices are always available",
};

/**
 * SetAPIServiceCondition: reason and message follow the new condition; the transition time moves only when
 * the status changes. Returns the new conditions (the given list is not changed).
 */
export function setCondition(conditions: Condition[], next: Condition, now: string): Condition[] {
  const i = conditions.findIndex((c) => c.type === next.type);
  if (i < 0) return [...conditions, { ...next, lastTransitionTime: now }];
  const cur = conditions[i] as Condition;
  const updated: Condition = {
    ...cur,
    status: next.status,
    ...(cur.status !== next.status ? { lastTransitionTime: now } : {}),
    ...(next.reason ? { reason: next.reason } : {}),
    ...(next.message ? { message: next.message } : {}),
  };
  if (!next.reason) delete updated.reason;
  if (!next.message) delete updated.message;
  return conditions.map((c, k) => (k === i ? updated : c));
}

export interface Address {
  host: string;
  port: number;
}

/**
 * ResolveEndpoint: a ready endpoint of the service's port, starting at a random one, from slices of the
 * service's first IP family first. A string is the reason there is none (kube answers 503 then).
 */
export function resolveEndpoint(
  service: KubeObject | undefined,
  slices: Slice[],
  port: number,
  random: (n: number) => number = (n) => Math.floor(Math.random() * n),
): Address | string {
  if (!service) return "service not found";
  const spec = (service.spec ?? {}) as ServiceSpec;
  const type = spec.type ?? "ClusterIP";
  if (!["ClusterIP", "LoadBalancer", "NodePort"].includes(type)) return `unsupported service type ${q(type)}`;
  const svcPort = (spec.ports ?? []).find((p) => p.port === port);
  const name = service.metadata.name as string;
  if (!svcPort) return `no service port ${port} found for service ${q(name)}`;
  if (slices.length === 0) return `no endpoints available for service ${q(name)}`;
  const family = spec.ipFamilies?.[0];
  const ordered =
    slices.length > 1 && family
      ? [...slices.filter((s) => s.addressType === family), ...slices.filter((s) => s.addressType !== family)]
      : slices;
  for (const s of ordered) {
    for (const p of s.ports ?? []) {
      if ((p.name ?? undefined) !== (svcPort.name ?? "") || p.port === undefined || p.port === null) continue;
      const eps = s.endpoints ?? [];
      if (eps.length === 0) continue;
      const offset = random(eps.length);
      for (let k = 0; k < eps.length; k++) {
        const ep = eps[(k + offset) % eps.length];
        const ready = ep?.conditions?.ready;
        if (ready === undefined || ready === null || ready) return { host: ep?.addresses?.[0] ?? "", port: p.port };
      }
    }
  }
  return `no endpoints available for service ${q(name)}`;
}
