import type { V1Container, V1Pod, V1PodSpec, V1SecurityContext } from "@kubernetes/client-node";
import { compareStrings } from "./util.ts";

// Kubernetes Pod Security Standards, evaluated the way the pod-security-admission library does (policy "latest"):
// checks run in the order of their IDs, restricted checks replace the baseline check they tighten, and each violation
// reads "<reason> (<detail>)", so messages match what users see from kube-apiserver.

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

interface NamedContainer {
  name: string;
  securityContext?: V1SecurityContext;
  ports?: V1Container["ports"];
}

function containersOf(spec: V1PodSpec): NamedContainer[] {
  return [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])];
}

function pluralize(one: string, many: string, n: number): string {
  return n === 1 ? one : many;
}

/** Go's %q for the ASCII names Kubernetes allows. */
function joinQuote(xs: readonly string[]): string {
  return xs.map((x) => JSON.stringify(x)).join(", ");
}

function sortedUnique(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort(compareStrings);
}

function containersPhrase(names: readonly string[]): string {
  return `${pluralize("container", "containers", names.length)} ${joinQuote(names)}`;
}

/** Pods in a user namespace ("hostUsers: false") run as root only inside it, so some checks relax for them. */
function inUserNamespace(spec: V1PodSpec): boolean {
  return spec.hostUsers === false;
}

function isWindows(spec: V1PodSpec): boolean {
  return spec.os?.name === "windows";
}

type Violation = { reason: string; detail: string } | undefined;
type Check = (pod: V1Pod, spec: V1PodSpec) => Violation;

const allowPrivilegeEscalation: Check = (_pod, spec) => {
  if (isWindows(spec)) return undefined;
  const bad = containersOf(spec)
    .filter((c) => c.securityContext?.allowPrivilegeEscalation !== false)
    .map((c) => c.name);
  if (bad.length === 0) return undefined;
  return {
    reason: "allowPrivilegeEscalation != false",
    detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`,
  };
};

const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

const appArmorProfile: Check = (pod, spec) => {
  const allowedType = (t: string | undefined) => t === "RuntimeDefault" || t === "Localhost";
  const setters: string[] = [];
  const badValues = new Set<string>();
  const podProfile = spec.securityContext?.appArmorProfile;
  if (podProfile && !allowedType(podProfile.type)) {
    setters.push("pod");
    badValues.add(podProfile.type ?? "");
  }
  const badContainers: string[] = [];
  for (const c of containersOf(spec)) {
    const p = c.securityContext?.appArmorProfile;
    if (p && !allowedType(p.type)) {
      badContainers.push(c.name);
      badValues.add(p.type ?? "");
    }
  }
  if (badContainers.length > 0) setters.push(containersPhrase(badContainers));
  const badAnnotations: string[] = [];
  for (const [k, v] of Object.entries(pod.metadata?.annotations ?? {})) {
    if (!k.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
    if (v === "" || v === "runtime/default" || v.startsWith("localhost/")) continue;
    badAnnotations.push(`${k}=${JSON.stringify(v)}`);
  }
  const values = sortedUnique(badValues);
  if (badAnnotations.length > 0) {
    values.push(...badAnnotations.sort(compareStrings));
    setters.push(pluralize("annotation", "annotations", badAnnotations.length));
  }
  if (setters.length === 0) return undefined;
  return {
    reason: pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", values.length),
    detail: `${setters.join(" and ")} must not set AppArmor profile type to ${joinQuote(values)}`,
  };
};

const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);

const capabilitiesBaseline: Check = (_pod, spec) => {
  const bad: string[] = [];
  const caps = new Set<string>();
  for (const c of containersOf(spec)) {
    const added = (c.securityContext?.capabilities?.add ?? []).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    if (added.length === 0) continue;
    bad.push(c.name);
    for (const cap of added) caps.add(cap);
  }
  if (bad.length === 0) return undefined;
  return {
    reason: "non-default capabilities",
    detail: `${containersPhrase(bad)} must not include ${joinQuote(sortedUnique(caps))} in securityContext.capabilities.add`,
  };
};

const capabilitiesRestricted: Check = (_pod, spec) => {
  if (isWindows(spec)) return undefined;
  const missingDropAll: string[] = [];
  const addingForbidden: string[] = [];
  const forbidden = new Set<string>();
  for (const c of containersOf(spec)) {
    const caps = c.securityContext?.capabilities;
    if (!caps?.drop?.includes("ALL")) missingDropAll.push(c.name);
    const added = (caps?.add ?? []).filter((cap) => cap !== "NET_BIND_SERVICE");
    if (added.length > 0) {
      addingForbidden.push(c.name);
      for (const cap of added) forbidden.add(cap);
    }
  }
  const details: string[] = [];
  if (missingDropAll.length > 0) {
    details.push(`${containersPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  }
  if (addingForbidden.length > 0) {
    details.push(
      `${containersPhrase(addingForbidden)} must not include ${joinQuote(sortedUnique(forbidden))} in securityContext.capabilities.add`,
    );
  }
  return details.length === 0 ? undefined : { reason: "unrestricted capabilities", detail: details.join("; ") };
};

const hostNamespaces: Check = (_pod, spec) => {
  const set: string[] = [];
  if (spec.hostNetwork) set.push("hostNetwork=true");
  if (spec.hostPID) set.push("hostPID=true");
  if (spec.hostIPC) set.push("hostIPC=true");
  return set.length === 0 ? undefined : { reason: "host namespaces", detail: set.join(", ") };
};

const hostPathVolumes: Check = (_pod, spec) => {
  const bad = (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => v.name);
  if (bad.length === 0) return undefined;
  return { reason: "hostPath volumes", detail: `${pluralize("volume", "volumes", bad.length)} ${joinQuote(bad)}` };
};

const hostPorts: Check = (_pod, spec) => {
  const bad: string[] = [];
  const ports = new Set<string>();
  for (const c of containersOf(spec)) {
    const used = (c.ports ?? []).filter((p) => (p.hostPort ?? 0) !== 0).map((p) => String(p.hostPort));
    if (used.length === 0) continue;
    bad.push(c.name);
    for (const p of used) ports.add(p);
  }
  if (bad.length === 0) return undefined;
  const list = sortedUnique(ports);
  return {
    reason: "hostPort",
    detail: `${containersPhrase(bad)} ${pluralize("uses", "use", bad.length)} ${pluralize("hostPort", "hostPorts", list.length)} ${list.join(", ")}`,
  };
};

const privileged: Check = (_pod, spec) => {
  const bad = containersOf(spec)
    .filter((c) => c.securityContext?.privileged === true)
    .map((c) => c.name);
  if (bad.length === 0) return undefined;
  return { reason: "privileged", detail: `${containersPhrase(bad)} must not set securityContext.privileged=true` };
};

const procMount: Check = (_pod, spec) => {
  if (inUserNamespace(spec)) return undefined;
  return procMountStrict(_pod, spec);
};

/** Restricted no longer accepts an unmasked /proc even inside a user namespace. */
const procMountStrict: Check = (_pod, spec) => {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const c of containersOf(spec)) {
    const pm = c.securityContext?.procMount;
    if (pm === undefined || pm === null || pm === "Default") continue;
    bad.push(c.name);
    types.add(pm);
  }
  if (bad.length === 0) return undefined;
  return {
    reason: "procMount",
    detail: `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sortedUnique(types))}`,
  };
};

const RESTRICTED_ALLOWED_VOLUMES = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
] as const;

const KNOWN_RESTRICTED_VOLUMES = [
  "hostPath",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "nfs",
  "iscsi",
  "glusterfs",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "fc",
  "azureFile",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "portworxVolume",
  "scaleIO",
  "storageos",
] as const;

const restrictedVolumes: Check = (_pod, spec) => {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const v of spec.volumes ?? []) {
    const rec = v as unknown as Record<string, unknown>;
    if (RESTRICTED_ALLOWED_VOLUMES.some((t) => rec[t])) continue;
    bad.push(v.name);
    types.add(KNOWN_RESTRICTED_VOLUMES.find((t) => rec[t]) ?? "unknown");
  }
  if (bad.length === 0) return undefined;
  const list = sortedUnique(types);
  return {
    reason: "restricted volume types",
    detail: `${pluralize("volume", "volumes", bad.length)} ${joinQuote(bad)} ${pluralize("uses", "use", bad.length)} ${pluralize("restricted volume type", "restricted volume types", list.length)} ${joinQuote(list)}`,
  };
};

const runAsNonRoot: Check = (_pod, spec) => {
  if (inUserNamespace(spec)) return undefined;
  const setters: string[] = [];
  const podValue = spec.securityContext?.runAsNonRoot;
  if (podValue === false) setters.push("pod");
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containersOf(spec)) {
    const v = c.securityContext?.runAsNonRoot;
    if (v === false) explicit.push(c.name);
    else if (v === undefined || v === null) {
      if (podValue !== true) implicit.push(c.name);
    }
  }
  if (explicit.length > 0) setters.push(containersPhrase(explicit));
  if (setters.length > 0) {
    return {
      reason: "runAsNonRoot != true",
      detail: `${setters.join(" and ")} must not set securityContext.runAsNonRoot=false`,
    };
  }
  if (implicit.length === 0) return undefined;
  return {
    reason: "runAsNonRoot != true",
    detail: `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true`,
  };
};

const runAsUser: Check = (_pod, spec) => {
  if (inUserNamespace(spec)) return undefined;
  const setters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) setters.push("pod");
  const bad = containersOf(spec)
    .filter((c) => c.securityContext?.runAsUser === 0)
    .map((c) => c.name);
  if (bad.length > 0) setters.push(containersPhrase(bad));
  if (setters.length === 0) return undefined;
  return { reason: "runAsUser=0", detail: `${setters.join(" and ")} must not set runAsUser=0` };
};

const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

const seLinuxOptions: Check = (_pod, spec) => {
  const badTypes = new Set<string>();
  let setUser = false;
  let setRole = false;
  const valid = (o: { type?: string; user?: string; role?: string }) => {
    let ok = true;
    if (!SELINUX_TYPES.has(o.type ?? "")) {
      ok = false;
      badTypes.add(o.type ?? "");
    }
    if (o.user) {
      ok = false;
      setUser = true;
    }
    if (o.role) {
      ok = false;
      setRole = true;
    }
    return ok;
  };
  const setters: string[] = [];
  const podOpts = spec.securityContext?.seLinuxOptions;
  if (podOpts && !valid(podOpts)) setters.push("pod");
  const bad: string[] = [];
  for (const c of containersOf(spec)) {
    const o = c.securityContext?.seLinuxOptions;
    if (o && !valid(o)) bad.push(c.name);
  }
  if (bad.length > 0) setters.push(containersPhrase(bad));
  if (setters.length === 0) return undefined;
  const data: string[] = [];
  if (badTypes.size > 0) {
    data.push(`${pluralize("type", "types", badTypes.size)} ${joinQuote(sortedUnique(badTypes))}`);
  }
  if (setUser) data.push("user may not be set");
  if (setRole) data.push("role may not be set");
  return {
    reason: "seLinuxOptions",
    detail: `${setters.join(" and ")} set forbidden securityContext.seLinuxOptions: ${data.join("; ")}`,
  };
};

const seccompBaseline: Check = (_pod, spec) => {
  const setters: string[] = [];
  if (spec.securityContext?.seccompProfile?.type === "Unconfined") setters.push("pod");
  const bad = containersOf(spec)
    .filter((c) => c.securityContext?.seccompProfile?.type === "Unconfined")
    .map((c) => c.name);
  if (bad.length > 0) setters.push(containersPhrase(bad));
  if (setters.length === 0) return undefined;
  return {
    reason: "seccompProfile",
    detail: `${setters.join(" and ")} must not set securityContext.seccompProfile.type to "Unconfined"`,
  };
};

const seccompRestricted: Check = (_pod, spec) => {
  if (isWindows(spec)) return undefined;
  const validType = (t: string | undefined) => t === "RuntimeDefault" || t === "Localhost";
  const setters: string[] = [];
  const badValues = new Set<string>();
  let podSet = false;
  const podProfile = spec.securityContext?.seccompProfile;
  if (podProfile) {
    if (validType(podProfile.type)) podSet = true;
    else {
      setters.push("pod");
      badValues.add(podProfile.type ?? "");
    }
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containersOf(spec)) {
    const p = c.securityContext?.seccompProfile;
    if (p) {
      if (!validType(p.type)) {
        explicit.push(c.name);
        badValues.add(p.type ?? "");
      }
    } else if (!podSet) implicit.push(c.name);
  }
  if (explicit.length > 0) setters.push(containersPhrase(explicit));
  if (setters.length > 0) {
    return {
      reason: "seccompProfile",
      detail: `${setters.join(" and ")} must not set securityContext.seccompProfile.type to ${joinQuote(sortedUnique(badValues))}`,
    };
  }
  if (implicit.length === 0) return undefined;
  return {
    reason: "seccompProfile",
    detail: `pod or ${containersPhrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
  };
};

/** Namespaced sysctls that cannot affect other pods on the node. */
export const SAFE_SYSCTLS: ReadonlySet<string> = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_wmem",
]);

const sysctls: Check = (_pod, spec) => {
  const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !SAFE_SYSCTLS.has(n));
  return bad.length === 0 ? undefined : { reason: "forbidden sysctls", detail: bad.join(", ") };
};

const windowsHostProcess: Check = (_pod, spec) => {
  const setters: string[] = [];
  if (spec.securityContext?.windowsOptions?.hostProcess === true) setters.push("pod");
  const bad = containersOf(spec)
    .filter((c) => c.securityContext?.windowsOptions?.hostProcess === true)
    .map((c) => c.name);
  if (bad.length > 0) setters.push(containersPhrase(bad));
  if (setters.length === 0) return undefined;
  return {
    reason: "hostProcess",
    detail: `${setters.join(" and ")} must not set securityContext.windowsOptions.hostProcess=true`,
  };
};

// Sorted by check ID, which is the order kube-apiserver reports violations in.
const BASELINE: Check[] = [
  appArmorProfile,
  capabilitiesBaseline,
  hostNamespaces,
  hostPathVolumes,
  hostPorts,
  privileged,
  procMount,
  seLinuxOptions,
  seccompBaseline,
  sysctls,
  windowsHostProcess,
];

const RESTRICTED: Check[] = [
  allowPrivilegeEscalation,
  appArmorProfile,
  capabilitiesRestricted,
  hostNamespaces,
  hostPorts,
  privileged,
  procMountStrict,
  restrictedVolumes,
  runAsNonRoot,
  runAsUser,
  seLinuxOptions,
  seccompRestricted,
  sysctls,
  windowsHostProcess,
];

/** Violations of the given Pod Security Standard, each "<reason> (<detail>)"; empty means the pod is allowed. */
export function checkPodSecurity(pod: V1Pod, level: PodSecurityLevel): string[] {
  if (level === "privileged") return [];
  const spec: V1PodSpec = pod.spec ?? { containers: [] };
  const out: string[] = [];
  for (const check of level === "restricted" ? RESTRICTED : BASELINE) {
    const v = check(pod, spec);
    if (v) out.push(`${v.reason} (${v.detail})`);
  }
  return out;
}

/** kube-apiserver's wording, e.g. `violates PodSecurity "baseline:latest": privileged (...)`. */
export function podSecurityMessage(level: PodSecurityLevel, violations: readonly string[]): string {
  return `violates PodSecurity "${level}:latest": ${violations.join(", ")}`;
}
