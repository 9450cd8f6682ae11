// Printers of discovery.k8s.io and networking.k8s.io kinds.
import { ageOf, columns, nameOf, type Printer, view } from "./columns.ts";
import { loadBalancerAddresses } from "./core.ts";
import { formatLabelSelector, type LabelSelector, listWithMore } from "./format.ts";

interface EndpointSlice {
  addressType?: string;
  ports?: { name?: string; port?: number }[] | null;
  endpoints?: { addresses?: string[] }[] | null;
}

/** formatDiscoveryPorts: port numbers, else names, else "*"; three at most. */
export function formatSlicePorts(ports: EndpointSlice["ports"]): string {
  const list = (ports ?? []).map((p) =>
    p.port !== undefined && p.port !== null ? String(p.port) : p.name !== undefined && p.name !== null ? p.name : "*",
  );
  return listWithMore(list, list.length, 3);
}

/** formatDiscoveryEndpoints: the addresses of all endpoints, three at most. */
export function formatSliceEndpoints(endpoints: EndpointSlice["endpoints"]): string {
  const list = (endpoints ?? []).flatMap((e) => e.addresses ?? []);
  return listWithMore(list, list.length, 3);
}

const endpointSlicePrinter: Printer = {
  columns: columns("discovery.k8s.io/endpointslices", ["Name", "AddressType", "Ports", "Endpoints", "Age"]),
  cells(o, now) {
    const s = view<EndpointSlice>(o);
    return [
      nameOf(o),
      s.addressType ?? "",
      formatSlicePorts(s.ports),
      formatSliceEndpoints(s.endpoints),
      ageOf(o, now),
    ];
  },
};

interface Ingress {
  spec?: { ingressClassName?: string; rules?: { host?: string }[]; tls?: unknown[] };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** formatHosts: the first three hosts, "*" when no rule names one. */
export function formatIngressHosts(rules: { host?: string }[] | undefined): string {
  const max = 3;
  const list: string[] = [];
  let more = false;
  for (const rule of rules ?? []) {
    if (list.length === max) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return "*";
  const ret = list.join(",");
  return more ? `${ret} + ${(rules ?? []).length - max} more...` : ret;
}

const ingressPrinter: Printer = {
  columns: columns("networking.k8s.io/ingresses", ["Name", "Class", "Hosts", "Address", "Ports", "Age"]),
  cells(o, now) {
    const { spec = {}, status } = view<Ingress>(o);
    return [
      nameOf(o),
      spec.ingressClassName ?? "<none>",
      formatIngressHosts(spec.rules),
      loadBalancerAddresses(status?.loadBalancer),
      spec.tls?.length ? "80, 443" : "80",
      ageOf(o, now),
    ];
  },
};

interface IngressClass {
  spec?: { controller?: string; parameters?: { apiGroup?: string; kind?: string; name?: string } };
}

const ingressClassPrinter: Printer = {
  columns: columns("networking.k8s.io/ingressclasses", ["Name", "Controller", "Parameters", "Age"]),
  cells(o, now) {
    const { spec = {} } = view<IngressClass>(o);
    const p = spec.parameters;
    let parameters = "<none>";
    if (p)
      parameters = `${p.kind ?? ""}${p.apiGroup !== undefined && p.apiGroup !== null ? `.${p.apiGroup}` : ""}/${p.name ?? ""}`;
    return [nameOf(o), spec.controller ?? "", parameters, ageOf(o, now)];
  },
};

const networkPolicyPrinter: Printer = {
  columns: columns("networking.k8s.io/networkpolicies", ["Name", "Pod-Selector", "Age"]),
  cells(o, now) {
    const { spec } = view<{ spec?: { podSelector?: LabelSelector } }>(o);
    // The pod selector is a value in Go, never nil: a missing one selects everything, "<none>".
    return [nameOf(o), formatLabelSelector(spec?.podSelector ?? {}), ageOf(o, now)];
  },
};

interface ServiceCIDR {
  spec?: { cidrs?: string[] | null };
}

const serviceCIDRPrinter: Printer = {
  columns: columns("networking.k8s.io/servicecidrs", ["Name", "CIDRs", "Age"]),
  cells: (o, now) => [nameOf(o), (view<ServiceCIDR>(o).spec?.cidrs ?? []).join(","), ageOf(o, now)],
};

interface IPAddress {
  spec?: { parentRef?: { group?: string; resource?: string; namespace?: string; name?: string } | null };
}

/** The parent as group-qualified resource, namespace and name ("services/default/kubernetes"). */
export function formatParentRef(ref: NonNullable<IPAddress["spec"]>["parentRef"]): string {
  if (!ref) return "<none>";
  const resource = ref.group ? `${ref.resource ?? ""}.${ref.group}` : (ref.resource ?? "");
  return `${resource.toLowerCase()}${ref.namespace ? `/${ref.namespace}` : ""}/${ref.name ?? ""}`;
}

const ipAddressPrinter: Printer = {
  // kube defines no Age column for IPAddresses but still sends the age as a third cell.
  columns: columns("networking.k8s.io/ipaddresses", ["Name", "ParentRef"]),
  cells: (o, now) => [nameOf(o), formatParentRef(view<IPAddress>(o).spec?.parentRef), ageOf(o, now)],
};

export const networkingPrinters: Record<string, Printer> = {
  "networking.k8s.io/servicecidrs": serviceCIDRPrinter,
  "networking.k8s.io/ipaddresses": ipAddressPrinter,
  "discovery.k8s.io/endpointslices": endpointSlicePrinter,
  "networking.k8s.io/ingresses": ingressPrinter,
  "networking.k8s.io/ingressclasses": ingressClassPrinter,
  "networking.k8s.io/networkpolicies": networkPolicyPrinter,
};
