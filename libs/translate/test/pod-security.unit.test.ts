import assert from "node:assert/strict";
import type { V1Container, V1Pod, V1PodSpec } from "@kubernetes/client-node";
import { checkPodSecurity, type PodSecurityLevel } from "../src/index.ts";

/** A pod that passes restricted; each case breaks one thing. */
function restrictedPod(): V1Pod {
  const sc = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
  return {
    metadata: { name: "p", namespace: "default" },
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      containers: [{ name: "a", securityContext: structuredClone(sc) }],
      initContainers: [{ name: "i", securityContext: structuredClone(sc) }],
      volumes: [{ name: "cfg", configMap: { name: "c" } }],
    },
  };
}

const spec = (p: V1Pod) => p.spec as V1PodSpec;
const container = (p: V1Pod, i = 0) => spec(p).containers[i] as V1Container;
const podSc = (p: V1Pod) => {
  spec(p).securityContext ??= {};
  return spec(p).securityContext as NonNullable<V1PodSpec["securityContext"]>;
};
const sc = (c: V1Container) => {
  c.securityContext ??= {};
  return c.securityContext;
};

const cases: { name: string; level: PodSecurityLevel; mutate: (p: V1Pod) => void; want: string[] }[] = [
  { name: "the reference pod passes restricted", level: "restricted", mutate: () => {}, want: [] },
  {
    name: "privileged level allows everything",
    level: "privileged",
    mutate: (p) => {
      spec(p).hostPID = true;
      sc(container(p)).privileged = true;
    },
    want: [],
  },
  {
    name: "privileged container",
    level: "baseline",
    mutate: (p) => (sc(container(p)).privileged = true),
    want: ['privileged (container "a" must not set securityContext.privileged=true)'],
  },
  {
    name: "host namespaces",
    level: "baseline",
    mutate: (p) => Object.assign(spec(p), { hostNetwork: true, hostPID: true, hostIPC: true }),
    want: ["host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)"],
  },
  {
    name: "hostPath volumes (baseline)",
    level: "baseline",
    mutate: (p) =>
      spec(p).volumes?.push({ name: "h1", hostPath: { path: "/" } }, { name: "h2", hostPath: { path: "/x" } }),
    want: ['hostPath volumes (volumes "h1", "h2")'],
  },
  {
    name: "hostPath volumes at restricted report the restricted volume check instead",
    level: "restricted",
    mutate: (p) =>
      spec(p).volumes?.push({ name: "h1", hostPath: { path: "/" } }, { name: "n", nfs: { server: "s", path: "/" } }),
    want: ['restricted volume types (volumes "h1", "n" use restricted volume types "hostPath", "nfs")'],
  },
  {
    name: "hostPorts, two containers",
    level: "baseline",
    mutate: (p) => {
      container(p).ports = [{ containerPort: 80, hostPort: 80 }];
      spec(p).containers.push({ name: "b", ports: [{ containerPort: 443, hostPort: 443 }, { containerPort: 1 }] });
    },
    want: ['hostPort (containers "a", "b" use hostPorts 443, 80)'],
  },
  {
    name: "capabilities beyond the baseline set",
    level: "baseline",
    mutate: (p) => (sc(container(p)).capabilities = { add: ["NET_ADMIN", "CHOWN", "SYS_ADMIN"] }),
    want: [
      'non-default capabilities (container "a" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add)',
    ],
  },
  {
    name: "procMount Unmasked",
    level: "baseline",
    mutate: (p) => (sc(container(p)).procMount = "Unmasked"),
    want: ['procMount (container "a" must not set securityContext.procMount to "Unmasked")'],
  },
  {
    name: "procMount Unmasked is fine at baseline in a user namespace",
    level: "baseline",
    mutate: (p) => {
      sc(container(p)).procMount = "Unmasked";
      spec(p).hostUsers = false;
    },
    want: [],
  },
  {
    name: "seLinuxOptions",
    level: "baseline",
    mutate: (p) => {
      podSc(p).seLinuxOptions = { type: "spc_t" };
      sc(container(p)).seLinuxOptions = { user: "root" };
    },
    want: [
      'seLinuxOptions (pod and container "a" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set)',
    ],
  },
  {
    name: "seccomp Unconfined (baseline)",
    level: "baseline",
    mutate: (p) => (sc(container(p)).seccompProfile = { type: "Unconfined" }),
    want: ['seccompProfile (container "a" must not set securityContext.seccompProfile.type to "Unconfined")'],
  },
  {
    name: "unsafe sysctls",
    level: "baseline",
    mutate: (p) =>
      (podSc(p).sysctls = [
        { name: "net.ipv4.tcp_syncookies", value: "1" },
        { name: "kernel.msgmax", value: "1" },
        { name: "vm.swappiness", value: "1" },
      ]),
    want: ["forbidden sysctls (kernel.msgmax, vm.swappiness)"],
  },
  {
    name: "AppArmor unconfined by field and annotation",
    level: "baseline",
    mutate: (p) => {
      sc(container(p)).appArmorProfile = { type: "Unconfined" };
      p.metadata = { ...p.metadata, annotations: { "container.apparmor.security.beta.kubernetes.io/a": "unconfined" } };
    },
    want: [
      'forbidden AppArmor profiles (container "a" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a=\\"unconfined\\"")',
    ],
  },
  {
    name: "AppArmor localhost is allowed",
    level: "baseline",
    mutate: (p) => {
      sc(container(p)).appArmorProfile = { type: "Localhost", localhostProfile: "x" };
      p.metadata = {
        ...p.metadata,
        annotations: { "container.apparmor.security.beta.kubernetes.io/a": "localhost/x" },
      };
    },
    want: [],
  },
  {
    name: "a default pod at restricted, in kube-apiserver's order",
    level: "restricted",
    mutate: (p) => {
      p.spec = { containers: [{ name: "nginx" }] };
    },
    want: [
      'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false)',
      'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"])',
      'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true)',
      'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    ],
  },
  {
    name: "restricted: only NET_BIND_SERVICE may be added",
    level: "restricted",
    mutate: (p) => (sc(container(p)).capabilities = { drop: ["ALL"], add: ["NET_BIND_SERVICE", "CHOWN"] }),
    want: ['unrestricted capabilities (container "a" must not include "CHOWN" in securityContext.capabilities.add)'],
  },
  {
    name: "restricted: explicit runAsNonRoot=false and runAsUser=0",
    level: "restricted",
    mutate: (p) => {
      sc(container(p)).runAsNonRoot = false;
      podSc(p).runAsUser = 0;
    },
    want: [
      'runAsNonRoot != true (container "a" must not set securityContext.runAsNonRoot=false)',
      "runAsUser=0 (pod must not set runAsUser=0)",
    ],
  },
  {
    name: "restricted: explicitly unconfined seccomp",
    level: "restricted",
    mutate: (p) => (sc(container(p)).seccompProfile = { type: "Unconfined" }),
    want: ['seccompProfile (container "a" must not set securityContext.seccompProfile.type to "Unconfined")'],
  },
  {
    name: "restricted: allowPrivilegeEscalation also checks init and ephemeral containers",
    level: "restricted",
    mutate: (p) => {
      sc(spec(p).initContainers?.[0] as V1Container).allowPrivilegeEscalation = true;
      spec(p).ephemeralContainers = [{ name: "dbg", securityContext: { capabilities: { drop: ["ALL"] } } }];
    },
    want: [
      'allowPrivilegeEscalation != false (containers "i", "dbg" must set securityContext.allowPrivilegeEscalation=false)',
    ],
  },
  {
    name: "windows hostProcess",
    level: "baseline",
    mutate: (p) => (podSc(p).windowsOptions = { hostProcess: true }),
    want: ["hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)"],
  },
];

describe("checkPodSecurity", () => {
  for (const c of cases) {
    it(`${c.level}: ${c.name}`, () => {
      const p = restrictedPod();
      c.mutate(p);
      assert.deepEqual(checkPodSecurity(p, c.level), c.want);
    });
  }
});
