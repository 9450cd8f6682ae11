import type { V1Container, V1EnvVar, V1EphemeralContainer, V1Service } from "@kubernetes/client-node";
import { compareStrings } from "./util.ts";

/** kubelet's makeEnvVariableName: names are DNS labels, so upper-casing and "-" → "_" is enough. */
export function envVarName(serviceName: string): string {
  return serviceName.replaceAll("-", "_").toUpperCase();
}

/** net.JoinHostPort: IPv6 addresses need brackets before the port. */
function joinHostPort(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function hasClusterIP(svc: V1Service): boolean {
  const ip = svc.spec?.clusterIP ?? "";
  return ip !== "" && ip !== "None";
}

/** The docker-link style variables of one service, exactly as kubelet's envvars.FromServices emits them. */
export function serviceLinkEnvVars(svc: V1Service): V1EnvVar[] {
  if (!hasClusterIP(svc)) return [];
  const ip = svc.spec?.clusterIP ?? "";
  const ports = svc.spec?.ports ?? [];
  const prefix = envVarName(svc.metadata?.name ?? "");
  const out: V1EnvVar[] = [{ name: `${prefix}_SERVICE_HOST`, value: ip }];
  const first = ports[0];
  if (first === undefined) return out;
  out.push({ name: `${prefix}_SERVICE_PORT`, value: String(first.port) });
  for (const p of ports) {
    if (p.name) out.push({ name: `${prefix}_SERVICE_PORT_${envVarName(p.name)}`, value: String(p.port) });
  }
  ports.forEach((p, i) => {
    const proto = p.protocol || "TCP";
    const url = `${proto.toLowerCase()}://${joinHostPort(ip, p.port)}`;
    if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
    const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
    out.push(
      { name: pp, value: url },
      { name: `${pp}_PROTO`, value: proto.toLowerCase() },
      { name: `${pp}_PORT`, value: String(p.port) },
      { name: `${pp}_ADDR`, value: ip },
    );
  });
  return out;
}

/**
 * The variables the host kubelet would have injected had the pod run in the virtual cluster: the virtual services of
 * its namespace (unless service links are off) and KUBERNETES_* pointing at evk's API server. The host pod itself runs
 * with enableServiceLinks=false, so these replace what the host kubelet would otherwise inject from host services.
 */
export function generatedEnvVars(input: {
  namespace: string;
  services?: readonly V1Service[] | undefined;
  enableServiceLinks?: boolean | undefined;
  apiserverServiceIP: string;
}): Map<string, string> {
  const out = new Map<string, string>();
  if (input.enableServiceLinks !== false) {
    // Sorted so that two services producing the same variable resolve the same way on every reconcile.
    const services = (input.services ?? [])
      .filter((s) => (s.metadata?.namespace ?? input.namespace) === input.namespace)
      .toSorted((a, b) => compareStrings(a.metadata?.name ?? "", b.metadata?.name ?? ""));
    for (const svc of services) for (const e of serviceLinkEnvVars(svc)) out.set(e.name, e.value ?? "");
  }
  // Always set, and after the services: a virtual default/kubernetes service must not win over evk's endpoint.
  const ip = input.apiserverServiceIP;
  const url = `tcp://${joinHostPort(ip, 443)}`;
  out.set("KUBERNETES_PORT", url);
  out.set("KUBERNETES_PORT_443_TCP", url);
  out.set("KUBERNETES_PORT_443_TCP_ADDR", ip);
  out.set("KUBERNETES_PORT_443_TCP_PORT", "443");
  out.set("KUBERNETES_PORT_443_TCP_PROTO", "tcp");
  out.set("KUBERNETES_SERVICE_HOST", ip);
  out.set("KUBERNETES_SERVICE_PORT", "443");
  out.set("KUBERNETES_SERVICE_PORT_HTTPS", "443");
  return out;
}

/**
 * Prepends the generated variables the container does not define itself, sorted by name: prepended so that user
 * variables can reference them with $(VAR), never overriding a user's own value.
 */
export function prependGeneratedEnv(container: V1Container | V1EphemeralContainer, generated: Map<string, string>) {
  const own = new Set((container.env ?? []).map((e) => e.name));
  const extra = [...generated.entries()]
    .filter(([name]) => !own.has(name))
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([name, value]): V1EnvVar => ({ name, value }));
  if (extra.length > 0) container.env = [...extra, ...(container.env ?? [])];
}
