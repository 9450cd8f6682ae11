import assert from "node:assert/strict";
import { normaliser, type RawReply, type ServerClient, TOKEN_VOLUMES, UIDS, useSideBySide } from "@evk/testing";

// Spec validation side by side: the same bad (and good) creates and updates, sent to the host's
// kube-apiserver 1.35 and to evk-apiserver, each in a namespace of its own name on both servers. Both must
// answer with the same HTTP status, reason, message and causes, up to data that is the server's own (uids,
// generated volume names). A row that kube accepts and evk refuses is a false refusal, the worst kind.

const NS = "spec-validation";

/** One write, or the writes a row needs before it (`setup`, which must succeed on both servers). */
interface Request {
  method?: string;
  path: string;
  body: unknown;
  ct?: string;
}

interface Case extends Request {
  name: string;
  method: string;
  setup?: Request[];
  /** kube lists these causes in Go's map order, which varies: compared as sets. */
  unordered?: boolean;
  /** A difference that is not spec validation's (why, where it comes from): reported, not failed. */
  known?: string;
}

/** One write; its body always as JSON (a string too: a JSON string). */
const call = (s: ServerClient, r: Request) =>
  s.request(r.method ?? "POST", r.path, {
    ...(r.body === undefined ? {} : { body: JSON.stringify(r.body), ...(r.ct ? { contentType: r.ct } : {}) }),
    timeoutMs: 15_000,
  });

/** What is compared of an answer: the status code, and for a Status its reason, message and causes. */
function outcome(reply: RawReply, unordered: boolean): string {
  const normalise = normaliser(UIDS, TOKEN_VOLUMES);
  let parsed: { kind?: string; reason?: string; message?: string; details?: { causes?: unknown[] } } = {};
  try {
    parsed = JSON.parse(reply.body);
  } catch {
    return `${reply.status} ${normalise(reply.body)}`;
  }
  if (parsed.kind !== "Status") return `${reply.status} (an object)`;
  const causes = (parsed.details?.causes ?? []).map((c) => normalise(JSON.stringify(c)));
  if (unordered) return `${reply.status} ${parsed.reason}\n  causes ${causes.sort().join("\n    ")}`;
  return `${reply.status} ${parsed.reason}: ${normalise(parsed.message ?? "")}\n  causes ${causes.join("\n    ")}`;
}

function podCases(ns: string): Case[] {
  const c = (name = "c", extra: Record<string, unknown> = {}) => ({ name, image: "nginx", ...extra });
  const pods = `/api/v1/namespaces/${ns}/pods`;
  const pod = (name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}) => ({
    method: "POST",
    path: pods,
    body: { apiVersion: "v1", kind: "Pod", metadata: { name, ...meta }, spec },
  });
  const bad = (name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}) => ({
    name,
    ...pod(
      `p-${name
        .replace(/[^a-z0-9]+/g, "-")
        .slice(0, 40)
        .replace(/-$/, "")}`,
      spec,
      meta,
    ),
  });
  return [
    bad("valid pod", { containers: [c()] }),
    bad("no containers", { containers: [] }),
    bad("container name uppercase", { containers: [c("Web")] }),
    bad("container name missing", { containers: [{ image: "nginx" }] }),
    bad("duplicate container names", { containers: [c("a"), c("a")] }),
    bad("image missing", { containers: [{ name: "a" }] }),
    bad("image whitespace", { containers: [{ name: "a", image: " nginx" }] }),
    bad("init container duplicate of container", { containers: [c("a")], initContainers: [c("a")] }),
    bad("port out of range", { containers: [c("a", { ports: [{ containerPort: 70000 }] })] }),
    bad("port zero", { containers: [c("a", { ports: [{ containerPort: 0, name: "http" }] })] }),
    bad("port protocol bad", { containers: [c("a", { ports: [{ containerPort: 80, protocol: "FOO" }] })] }),
    bad("port name bad", { containers: [c("a", { ports: [{ containerPort: 80, name: "Http_1" }] })] }),
    bad("port name duplicate", {
      containers: [
        c("a", {
          ports: [
            { containerPort: 80, name: "http" },
            { containerPort: 81, name: "http" },
          ],
        }),
      ],
    }),
    bad("host port conflict", {
      containers: [
        c("a", { ports: [{ containerPort: 80, hostPort: 8080 }] }),
        c("b", { ports: [{ containerPort: 81, hostPort: 8080 }] }),
      ],
    }),
    bad("env name empty", { containers: [c("a", { env: [{ name: "", value: "x" }] })] }),
    bad("env name with =", { containers: [c("a", { env: [{ name: "A=B", value: "x" }] })] }),
    bad("env valueFrom empty", { containers: [c("a", { env: [{ name: "A", valueFrom: {} }] })] }),
    bad("env valueFrom and value", {
      containers: [
        c("a", { env: [{ name: "A", value: "x", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }] }),
      ],
    }),
    bad("env fieldRef unsupported", {
      containers: [c("a", { env: [{ name: "A", valueFrom: { fieldRef: { fieldPath: "spec.foo" } } }] })],
    }),
    bad("env configMapKeyRef no key", {
      containers: [c("a", { env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "cm", key: "" } } }] })],
    }),
    bad("env secretKeyRef bad key", {
      containers: [c("a", { env: [{ name: "A", valueFrom: { secretKeyRef: { name: "s", key: "a/b" } } }] })],
    }),
    bad("envFrom nothing", { containers: [c("a", { envFrom: [{}] })] }),
    bad("resource fieldRef bad", {
      containers: [c("a", { env: [{ name: "A", valueFrom: { resourceFieldRef: { resource: "limits.foo" } } }] })],
    }),
    bad("volume name duplicate", {
      containers: [c()],
      volumes: [
        { name: "v", emptyDir: {} },
        { name: "v", emptyDir: {} },
      ],
    }),
    bad("volume no source", { containers: [c()], volumes: [{ name: "v" }] }),
    bad("volume two sources", { containers: [c()], volumes: [{ name: "v", emptyDir: {}, hostPath: { path: "/x" } }] }),
    bad("volume name bad", { containers: [c()], volumes: [{ name: "V_1", emptyDir: {} }] }),
    bad("volume secret no name", { containers: [c()], volumes: [{ name: "v", secret: {} }] }),
    bad("volume configMap bad mode", {
      containers: [c()],
      volumes: [{ name: "v", configMap: { name: "x", defaultMode: 1000 } }],
    }),
    bad("volume configMap item path abs", {
      containers: [c()],
      volumes: [{ name: "v", configMap: { name: "x", items: [{ key: "k", path: "/abs" }] } }],
    }),
    bad("volume hostPath type bad", {
      containers: [c()],
      volumes: [{ name: "v", hostPath: { path: "/x", type: "Nope" } }],
    }),
    bad("volume pvc no claim", {
      containers: [c()],
      volumes: [{ name: "v", persistentVolumeClaim: { claimName: "" } }],
    }),
    bad("volume nfs relative", { containers: [c()], volumes: [{ name: "v", nfs: { server: "s", path: "rel" } }] }),
    bad("volume downwardAPI bad", {
      containers: [c()],
      volumes: [{ name: "v", downwardAPI: { items: [{ path: "x" }] } }],
    }),
    bad("volumeMount missing volume", { containers: [c("a", { volumeMounts: [{ name: "nope", mountPath: "/x" }] })] }),
    bad("volumeMount no path", {
      containers: [c("a", { volumeMounts: [{ name: "v", mountPath: "" }] })],
      volumes: [{ name: "v", emptyDir: {} }],
    }),
    bad("volumeMount duplicate path", {
      containers: [
        c("a", {
          volumeMounts: [
            { name: "v", mountPath: "/x" },
            { name: "v", mountPath: "/x" },
          ],
        }),
      ],
      volumes: [{ name: "v", emptyDir: {} }],
    }),
    bad("volumeMount subPath abs", {
      containers: [c("a", { volumeMounts: [{ name: "v", mountPath: "/x", subPath: "/abs" }] })],
      volumes: [{ name: "v", emptyDir: {} }],
    }),
    bad("volumeMount propagation bad", {
      containers: [c("a", { volumeMounts: [{ name: "v", mountPath: "/x", mountPropagation: "Bidirectional" }] })],
      volumes: [{ name: "v", emptyDir: {} }],
    }),
    bad("requests over limits", {
      containers: [c("a", { resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } })],
    }),
    bad("requests memory over limits", {
      containers: [c("a", { resources: { requests: { memory: "2Gi" }, limits: { memory: "1Gi" } } })],
    }),
    bad("negative request", { containers: [c("a", { resources: { requests: { cpu: "-1" } } })] }),
    bad("unknown resource", { containers: [c("a", { resources: { requests: { foo: "1" } } })] }),
    bad("extended resource fraction", {
      containers: [
        c("a", { resources: { requests: { "example.com/gpu": "500m" }, limits: { "example.com/gpu": "500m" } } }),
      ],
    }),
    bad("extended resource without limit", {
      containers: [c("a", { resources: { requests: { "example.com/gpu": "1" } } })],
    }),
    bad("hugepages alone", {
      containers: [c("a", { resources: { requests: { "hugepages-2Mi": "2Mi" }, limits: { "hugepages-2Mi": "2Mi" } } })],
    }),
    bad("restartPolicy bad", { containers: [c()], restartPolicy: "Sometimes" }),
    bad("dnsPolicy bad", { containers: [c()], dnsPolicy: "Foo" }),
    bad("dnsPolicy None without config", { containers: [c()], dnsPolicy: "None" }),
    bad("dnsConfig bad nameserver", { containers: [c()], dnsConfig: { nameservers: ["1.2.3"] } }),
    bad("probe no handler", { containers: [c("a", { livenessProbe: {} })] }),
    bad("probe two handlers", {
      containers: [c("a", { livenessProbe: { exec: { command: ["x"] }, tcpSocket: { port: 80 } } })],
    }),
    bad("liveness successThreshold", {
      containers: [c("a", { livenessProbe: { exec: { command: ["x"] }, successThreshold: 2 } })],
    }),
    bad("readiness negative delay", {
      containers: [c("a", { readinessProbe: { exec: { command: ["x"] }, initialDelaySeconds: -1 } })],
    }),
    bad("httpGet bad port", { containers: [c("a", { readinessProbe: { httpGet: { port: 0 } } })] }),
    bad("httpGet bad port name", { containers: [c("a", { readinessProbe: { httpGet: { port: "Bad_Name" } } })] }),
    bad("exec no command", { containers: [c("a", { startupProbe: { exec: {} } })] }),
    bad("lifecycle preStop empty", { containers: [c("a", { lifecycle: { preStop: {} } })] }),
    bad("init container probe", {
      containers: [c("a")],
      initContainers: [c("b", { livenessProbe: { exec: { command: ["x"] } } })],
    }),
    bad("sidecar probe ok", {
      containers: [c("a")],
      initContainers: [c("b", { restartPolicy: "Always", readinessProbe: { exec: { command: ["x"] } } })],
    }),
    bad("container restartPolicy bad", { containers: [c("a", { restartPolicy: "Sometimes" })] }),
    bad("imagePullPolicy bad", { containers: [c("a", { imagePullPolicy: "Sometimes" })] }),
    bad("terminationMessagePolicy bad", { containers: [c("a", { terminationMessagePolicy: "X" })] }),
    bad("nodeSelector bad label", { containers: [c()], nodeSelector: { "a b": "c" } }),
    bad("tolerations bad operator", { containers: [c()], tolerations: [{ key: "k", operator: "Foo" }] }),
    bad("tolerations empty key equal", { containers: [c()], tolerations: [{ operator: "Equal", value: "x" }] }),
    bad("tolerations seconds without NoExecute", {
      containers: [c()],
      tolerations: [{ key: "k", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 5 }],
    }),
    bad("tolerations bad effect", {
      containers: [c()],
      tolerations: [{ key: "k", operator: "Exists", effect: "Bad" }],
    }),
    bad("activeDeadlineSeconds zero", { containers: [c()], activeDeadlineSeconds: 0 }),
    bad("hostname bad", { containers: [c()], hostname: "Bad_Host" }),
    bad("subdomain bad", { containers: [c()], subdomain: "a.b" }),
    bad("serviceAccountName bad", { containers: [c()], serviceAccountName: "Bad_SA" }),
    bad("nodeName bad", { containers: [c()], nodeName: "Bad_Node" }),
    bad("priorityClassName bad", { containers: [c()], priorityClassName: "Bad_PC" }),
    bad("affinity node empty terms", {
      containers: [c()],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } },
    }),
    bad("affinity bad operator", {
      containers: [c()],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: "k", operator: "Foo" }] }],
          },
        },
      },
    }),
    bad("pod affinity no topology", {
      containers: [c()],
      affinity: {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { a: "b" } } }],
        },
      },
    }),
    bad("pod anti affinity weight", {
      containers: [c()],
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, podAffinityTerm: { topologyKey: "k" } }],
        },
      },
    }),
    bad("topology spread bad", {
      containers: [c()],
      topologySpreadConstraints: [{ maxSkew: 0, topologyKey: "", whenUnsatisfiable: "Foo" }],
    }),
    bad("securityContext runAsUser negative", { containers: [c("a", { securityContext: { runAsUser: -1 } })] }),
    bad("pod securityContext fsGroup negative", { containers: [c()], securityContext: { fsGroup: -5 } }),
    bad("seccomp localhost without profile", {
      containers: [c()],
      securityContext: { seccompProfile: { type: "Localhost" } },
    }),
    bad("seccomp bad type", { containers: [c("a", { securityContext: { seccompProfile: { type: "Foo" } } })] }),
    bad("allowPrivilegeEscalation with privileged", {
      containers: [c("a", { securityContext: { allowPrivilegeEscalation: false, privileged: true } })],
    }),
    bad("sysctl bad name", { containers: [c()], securityContext: { sysctls: [{ name: "Bad Name", value: "1" }] } }),
    bad("hostNetwork port mismatch", {
      containers: [c("a", { ports: [{ containerPort: 80, hostPort: 81 }] })],
      hostNetwork: true,
    }),
    bad("imagePullSecrets ok", { containers: [c()], imagePullSecrets: [{ name: "x" }] }),
    bad("readinessGates bad", { containers: [c()], readinessGates: [{ conditionType: "a b" }] }),
    bad("schedulingGates duplicate", { containers: [c()], schedulingGates: [{ name: "a" }, { name: "a" }] }),
    bad("nodeName with scheduling gates", { containers: [c()], schedulingGates: [{ name: "a" }], nodeName: "n1" }),
    bad("ephemeral containers on create", {
      containers: [c()],
      ephemeralContainers: [{ name: "e", image: "busybox" }],
    }),
    bad("os bad", { containers: [c()], os: { name: "plan9" } }),
    {
      ...bad("overhead bad", { containers: [c()], overhead: { cpu: "-1" } }),
      known:
        "evk's RuntimeClass admission (defaults/admission.ts) refuses the overhead during mutating admission; kube's refusal is a validating plugin's, after validation",
    },
    bad("hostAliases bad ip", { containers: [c()], hostAliases: [{ ip: "1.2.3", hostnames: ["Bad_Host"] }] }),
    bad("preemptionPolicy bad", { containers: [c()], preemptionPolicy: "Sometimes" }),
    bad("runtimeClassName bad", { containers: [c()], runtimeClassName: "Bad_RC" }),
    bad("many problems", {
      containers: [
        { name: "A", ports: [{ containerPort: 0 }] },
        { name: "A", image: "x" },
      ],
      restartPolicy: "X",
      volumes: [{ name: "v" }],
    }),
    bad(
      "pod annotation deletion cost",
      { containers: [c()] },
      { annotations: { "controller.kubernetes.io/pod-deletion-cost": "abc" } },
    ),
    bad(
      "pod annotation seccomp bad",
      { containers: [c()] },
      { annotations: { "seccomp.security.alpha.kubernetes.io/pod": "foo" } },
    ),
    bad(
      "pod annotation apparmor no container",
      { containers: [c()] },
      { annotations: { "container.apparmor.security.beta.kubernetes.io/x": "runtime/default" } },
    ),
    bad("valid rich pod", {
      containers: [
        c("a", {
          ports: [{ containerPort: 80, name: "http" }],
          env: [
            { name: "A", value: "1" },
            { name: "B", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          ],
          resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1", memory: "128Mi" } },
          volumeMounts: [
            { name: "v", mountPath: "/v" },
            { name: "cm", mountPath: "/cm" },
          ],
          livenessProbe: { httpGet: { path: "/", port: "http" } },
          readinessProbe: { tcpSocket: { port: 80 } },
          securityContext: { runAsUser: 1000, allowPrivilegeEscalation: false },
        }),
      ],
      initContainers: [c("i")],
      volumes: [
        { name: "v", emptyDir: { sizeLimit: "1Gi" } },
        { name: "cm", configMap: { name: "x", items: [{ key: "a", path: "a.txt" }] } },
        { name: "d", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } },
        { name: "p", projected: { sources: [{ configMap: { name: "x" } }, { secret: { name: "y" } }] } },
      ],
      tolerations: [{ key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds: 10 }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/os", operator: "In", values: ["linux"] }] }],
          },
        },
      },
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "zone",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: { a: "b" } },
        },
      ],
      securityContext: { fsGroup: 2000, sysctls: [{ name: "net.ipv4.ip_local_port_range", value: "1024 65535" }] },
      dnsConfig: { nameservers: ["1.1.1.1"], searches: ["a.b"], options: [{ name: "ndots", value: "2" }] },
    }),
  ];
}

function workloadCases(ns: string): Case[] {
  const c = (name = "c", extra: Record<string, unknown> = {}) => ({ name, image: "nginx", ...extra });
  const MP = "application/merge-patch+json";
  const SMP = "application/strategic-merge-patch+json";
  const api = `/api/v1/namespaces/${ns}`;
  const apps = `/apis/apps/v1/namespaces/${ns}`;
  const podObj = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    // No scheduler binds it: a diff's context would otherwise show the host's node name.
    spec: { schedulerName: "no-such-scheduler", ...spec },
  });
  const upd = (name: string, spec: Record<string, unknown>, patch: unknown, ct = MP) => ({
    name,
    setup: [{ path: `${api}/pods`, body: podObj(name, spec) }],
    method: "PATCH",
    path: `${api}/pods/${name}`,
    body: patch,
    ct,
  });
  const tmpl = (labels: Record<string, string>, spec: Record<string, unknown> = {}) => ({
    metadata: { labels },
    spec: { containers: [c()], ...spec },
  });
  const deploy = (name: string, spec: Record<string, unknown>) => ({
    name: `deploy ${name}`,
    method: "POST",
    path: `${apps}/deployments`,
    body: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: name.replace(/[^a-z0-9]+/g, "-") }, spec },
  });
  const rs = (name: string, spec: Record<string, unknown>) => ({
    name: `rs ${name}`,
    method: "POST",
    path: `${apps}/replicasets`,
    body: { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: name.replace(/[^a-z0-9]+/g, "-") }, spec },
  });
  const ss = (name: string, spec: Record<string, unknown>) => ({
    name: `ss ${name}`,
    method: "POST",
    path: `${apps}/statefulsets`,
    body: { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: name.replace(/[^a-z0-9]+/g, "-") }, spec },
  });
  const ds = (name: string, spec: Record<string, unknown>) => ({
    name: `ds ${name}`,
    method: "POST",
    path: `${apps}/daemonsets`,
    body: { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: name.replace(/[^a-z0-9]+/g, "-") }, spec },
  });
  const rc = (name: string, spec: Record<string, unknown>) => ({
    name: `rc ${name}`,
    method: "POST",
    path: `${api}/replicationcontrollers`,
    body: {
      apiVersion: "v1",
      kind: "ReplicationController",
      metadata: { name: name.replace(/[^a-z0-9]+/g, "-") },
      spec,
    },
  });
  const sel = { matchLabels: { app: "a" } };
  return [
    upd("pu-image", { containers: [c()] }, { spec: { containers: [{ name: "c", image: "nginx:2" }] } }, SMP),
    upd(
      "pu-port",
      { containers: [c()] },
      { spec: { containers: [{ name: "c", ports: [{ containerPort: 80 }] }] } },
      SMP,
    ),
    upd(
      "pu-add-container",
      { containers: [c()] },
      {
        spec: {
          containers: [
            { name: "c", image: "nginx" },
            { name: "d", image: "x" },
          ],
        },
      },
      MP,
    ),
    upd("pu-image-empty", { containers: [c()] }, { spec: { containers: [{ name: "c", image: "" }] } }, SMP),
    upd("pu-deadline-up", { containers: [c()], activeDeadlineSeconds: 10 }, { spec: { activeDeadlineSeconds: 20 } }),
    upd("pu-deadline-down", { containers: [c()], activeDeadlineSeconds: 10 }, { spec: { activeDeadlineSeconds: 5 } }),
    upd("pu-deadline-nil", { containers: [c()], activeDeadlineSeconds: 10 }, { spec: { activeDeadlineSeconds: null } }),
    upd("pu-tol-add", { containers: [c()] }, { spec: { tolerations: [{ key: "a", operator: "Exists" }] } }),
    upd(
      "pu-tol-change",
      { containers: [c()], tolerations: [{ key: "a", operator: "Exists" }] },
      { spec: { tolerations: [{ key: "b", operator: "Exists" }] } },
    ),
    upd("pu-labels", { containers: [c()] }, { metadata: { labels: { x: "y" } } }),
    upd("pu-restart", { containers: [c()] }, { spec: { restartPolicy: "Never" } }),
    upd(
      "pu-gates",
      { containers: [c()], schedulingGates: [{ name: "a" }] },
      { spec: { schedulingGates: [{ name: "a" }, { name: "b" }] } },
    ),
    upd("pu-gate-remove", { containers: [c()], schedulingGates: [{ name: "a" }] }, { spec: { schedulingGates: null } }),
    upd(
      "pu-gated-nodeselector",
      { containers: [c()], schedulingGates: [{ name: "a" }] },
      { spec: { nodeSelector: { a: "b" } } },
    ),
    upd(
      "pu-env",
      { containers: [c()] },
      { spec: { containers: [{ name: "c", env: [{ name: "A", value: "b" }] }] } },
      SMP,
    ),
    upd(
      "pu-resources",
      { containers: [c("c", { resources: { requests: { cpu: "100m" } } })] },
      { spec: { containers: [{ name: "c", resources: { requests: { cpu: "200m" } } }] } },
      SMP,
    ),
    deploy("ok", { selector: sel, template: tmpl({ app: "a" }) }),
    deploy("no selector", { template: tmpl({ app: "a" }) }),
    deploy("empty selector", { selector: {}, template: tmpl({ app: "a" }) }),
    deploy("mismatch", { selector: sel, template: tmpl({ app: "b" }) }),
    deploy("neg replicas", { replicas: -1, selector: sel, template: tmpl({ app: "a" }) }),
    deploy("restart never", { selector: sel, template: tmpl({ app: "a" }, { restartPolicy: "Never" }) }),
    deploy("deadline", { selector: sel, template: tmpl({ app: "a" }, { activeDeadlineSeconds: 5 }) }),
    deploy("surge zero", {
      selector: sel,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } },
      template: tmpl({ app: "a" }),
    }),
    deploy("bad percent", {
      selector: sel,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "x%", maxUnavailable: "120%" } },
      template: tmpl({ app: "a" }),
    }),
    deploy("recreate with rolling", {
      selector: sel,
      strategy: { type: "Recreate", rollingUpdate: { maxSurge: 1 } },
      template: tmpl({ app: "a" }),
    }),
    deploy("bad selector op", {
      selector: { matchExpressions: [{ key: "app", operator: "Foo", values: ["a"] }] },
      template: tmpl({ app: "a" }),
    }),
    deploy("bad selector key", { selector: { matchLabels: { "a/b/c": "x" } }, template: tmpl({ app: "a" }) }),
    deploy("progress deadline", {
      selector: sel,
      minReadySeconds: 10,
      progressDeadlineSeconds: 5,
      template: tmpl({ app: "a" }),
    }),
    deploy("revision history", { selector: sel, revisionHistoryLimit: -1, template: tmpl({ app: "a" }) }),
    deploy("template bad label", {
      selector: sel,
      template: { metadata: { labels: { app: "a", "b c": "d" } }, spec: { containers: [c()] } },
    }),
    deploy("template no containers", {
      selector: sel,
      template: { metadata: { labels: { app: "a" } }, spec: { containers: [] } },
    }),
    {
      name: "deploy selector change",
      setup: [
        {
          path: `${apps}/deployments`,
          body: {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "dsel" },
            spec: { selector: sel, template: tmpl({ app: "a", b: "c" }) },
          },
        },
      ],
      method: "PATCH",
      path: `${apps}/deployments/dsel`,
      body: { spec: { selector: { matchLabels: { app: "a", b: "c" } } } },
      ct: MP,
    },
    {
      name: "deploy replicas change ok",
      setup: [
        {
          path: `${apps}/deployments`,
          body: {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "drep" },
            spec: { selector: sel, template: tmpl({ app: "a" }) },
          },
        },
      ],
      method: "PATCH",
      path: `${apps}/deployments/drep`,
      body: { spec: { replicas: 3 } },
      ct: MP,
    },
    rs("ok", { selector: sel, template: tmpl({ app: "a" }) }),
    rs("mismatch", { selector: sel, template: tmpl({ app: "b" }) }),
    rs("empty selector", { selector: {}, template: tmpl({ app: "b" }) }),
    ss("ok", { selector: sel, serviceName: "svc", template: tmpl({ app: "a" }) }),
    ss("bad service name", { selector: sel, serviceName: "Bad_Svc", template: tmpl({ app: "a" }) }),
    ss("mismatch", { selector: sel, template: tmpl({ app: "b" }) }),
    ss("pmp bad", { selector: sel, podManagementPolicy: "Foo", template: tmpl({ app: "a" }) }),
    ss("update strategy bad", { selector: sel, updateStrategy: { type: "Foo" }, template: tmpl({ app: "a" }) }),
    ss("ondelete with rolling", {
      selector: sel,
      updateStrategy: { type: "OnDelete", rollingUpdate: { partition: 1 } },
      template: tmpl({ app: "a" }),
    }),
    ss("claim template bad", {
      selector: sel,
      template: tmpl({ app: "a" }),
      volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: [] } }],
    }),
    ss("claim template mounted ok", {
      selector: sel,
      template: tmpl({ app: "a" }, { containers: [c("c", { volumeMounts: [{ name: "data", mountPath: "/d" }] })] }),
      volumeClaimTemplates: [
        {
          metadata: { name: "data" },
          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
        },
      ],
    }),
    {
      name: "ss forbidden update",
      setup: [
        {
          path: `${apps}/statefulsets`,
          body: {
            apiVersion: "apps/v1",
            kind: "StatefulSet",
            metadata: { name: "ssu" },
            spec: { selector: sel, serviceName: "a", template: tmpl({ app: "a" }) },
          },
        },
      ],
      method: "PATCH",
      path: `${apps}/statefulsets/ssu`,
      body: { spec: { serviceName: "b" } },
      ct: MP,
    },
    {
      name: "ss allowed update",
      setup: [
        {
          path: `${apps}/statefulsets`,
          body: {
            apiVersion: "apps/v1",
            kind: "StatefulSet",
            metadata: { name: "ssv" },
            spec: { selector: sel, serviceName: "a", template: tmpl({ app: "a" }) },
          },
        },
      ],
      method: "PATCH",
      path: `${apps}/statefulsets/ssv`,
      body: { spec: { replicas: 4, minReadySeconds: 3 } },
      ct: MP,
    },
    ds("ok", { selector: sel, template: tmpl({ app: "a" }) }),
    ds("mismatch", { selector: sel, template: tmpl({ app: "b" }) }),
    ds("no selector", { template: tmpl({ app: "b" }) }),
    ds("strategy zeros", {
      selector: sel,
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } },
      template: tmpl({ app: "a" }),
    }),
    ds("strategy both", {
      selector: sel,
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } },
      template: tmpl({ app: "a" }),
    }),
    ds("strategy bad type", { selector: sel, updateStrategy: { type: "Foo" }, template: tmpl({ app: "a" }) }),
    {
      name: "ds selector change",
      setup: [
        {
          path: `${apps}/daemonsets`,
          body: {
            apiVersion: "apps/v1",
            kind: "DaemonSet",
            metadata: { name: "dssel" },
            spec: { selector: sel, template: tmpl({ app: "a", b: "c" }) },
          },
        },
      ],
      method: "PATCH",
      path: `${apps}/daemonsets/dssel`,
      body: { spec: { selector: { matchLabels: { b: "c" } } } },
      ct: MP,
    },
    {
      name: "ds template change ok",
      setup: [
        {
          path: `${apps}/daemonsets`,
          body: {
            apiVersion: "apps/v1",
            kind: "DaemonSet",
            metadata: { name: "dstpl" },
            spec: { selector: sel, template: tmpl({ app: "a" }) },
          },
        },
      ],
      method: "PATCH",
      path: `${apps}/daemonsets/dstpl`,
      body: { spec: { template: { spec: { containers: [c("c", { image: "nginx:2" })] } } } },
      ct: SMP,
    },
    rc("ok", { selector: { app: "a" }, template: tmpl({ app: "a" }) }),
    rc("mismatch", { selector: { app: "a" }, template: tmpl({ app: "b" }) }),
    rc("no template", { selector: { app: "a" } }),
    rc("negative", { replicas: -2, selector: { app: "a" }, template: tmpl({ app: "a" }) }),
    rc("restart", { selector: { app: "a" }, template: tmpl({ app: "a" }, { restartPolicy: "OnFailure" }) }),
    {
      name: "podtemplate bad",
      method: "POST",
      path: `${api}/podtemplates`,
      body: {
        apiVersion: "v1",
        kind: "PodTemplate",
        metadata: { name: "pt" },
        template: { metadata: { labels: { "a b": "c" } }, spec: { containers: [] } },
      },
    },
  ];
}

function batchCases(ns: string): Case[] {
  const c = (name = "c", extra: Record<string, unknown> = {}) => ({ name, image: "busybox", ...extra });
  const MP = "application/merge-patch+json";
  const batch = `/apis/batch/v1/namespaces/${ns}`;
  const job = (name: string, spec: Record<string, unknown>, tspec: Record<string, unknown> = {}) => ({
    name: `job ${name}`,
    method: "POST",
    path: `${batch}/jobs`,
    body: {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: `j-${name.replace(/[^a-z0-9]+/g, "-")}` },
      spec: { template: { spec: { restartPolicy: "Never", containers: [c()], ...tspec } }, ...spec },
    },
  });
  const jobUpd = (name: string, spec: Record<string, unknown>, patch: unknown) => ({
    name: `job update ${name}`,
    setup: [
      {
        path: `${batch}/jobs`,
        body: {
          apiVersion: "batch/v1",
          kind: "Job",
          metadata: { name: `ju-${name.replace(/[^a-z0-9]+/g, "-")}` },
          spec: { template: { spec: { restartPolicy: "Never", containers: [c()] } }, ...spec },
        },
      },
    ],
    method: "PATCH",
    path: `${batch}/jobs/ju-${name.replace(/[^a-z0-9]+/g, "-")}`,
    body: patch,
    ct: MP,
  });
  const cj = (name: string, spec: Record<string, unknown>, nameOverride?: string) => ({
    name: `cronjob ${name}`,
    method: "POST",
    path: `${batch}/cronjobs`,
    body: {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: nameOverride ?? `cj-${name.replace(/[^a-z0-9]+/g, "-")}` },
      spec: {
        schedule: "*/5 * * * *",
        jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure", containers: [c()] } } } },
        ...spec,
      },
    },
  });
  return [
    job("ok", {}),
    job("restart always", {}, { restartPolicy: "Always" }),
    job("negative parallelism", {
      parallelism: -1,
      completions: -2,
      backoffLimit: -3,
      activeDeadlineSeconds: -4,
      ttlSecondsAfterFinished: -5,
    }),
    job("indexed without completions", { completionMode: "Indexed" }),
    job("bad completion mode", { completionMode: "Foo" }),
    job("backoff per index non indexed", { backoffLimitPerIndex: 1, maxFailedIndexes: 1 }),
    job("max failed without backoff per index", { completionMode: "Indexed", completions: 3, maxFailedIndexes: 1 }),
    job("pod failure policy bad", {
      podFailurePolicy: { rules: [{ action: "Foo", onExitCodes: { operator: "In", values: [0, 2, 1, 2] } }] },
    }),
    job(
      "pod failure policy restart OnFailure",
      { podFailurePolicy: { rules: [{ action: "FailJob", onPodConditions: [{ type: "DisruptionTarget" }] }] } },
      { restartPolicy: "OnFailure" },
    ),
    job("pod failure policy neither", { podFailurePolicy: { rules: [{ action: "Ignore" }] } }),
    job("success policy non indexed", { successPolicy: { rules: [{ succeededCount: 1 }] } }),
    job("success policy bad indexes", {
      completionMode: "Indexed",
      completions: 3,
      successPolicy: { rules: [{ succeededIndexes: "5-1", succeededCount: 9 }] },
    }),
    job("pod replacement bad", { podReplacementPolicy: "Foo" }),
    job("manual selector mismatch", { manualSelector: true, selector: { matchLabels: { a: "b" } } }),
    job("manual selector ok", {
      manualSelector: true,
      selector: { matchLabels: { a: "b" } },
      template: { metadata: { labels: { a: "b" } }, spec: { restartPolicy: "Never", containers: [c()] } },
    }),
    job("selector not generated", { selector: { matchLabels: { a: "b" } } }),
    job("managedBy bad", { managedBy: "nope" }),
    job("indexed name too long", { completionMode: "Indexed", completions: 100 }),
    job("template no containers", {}, { containers: [] }),
    jobUpd("template change", {}, { spec: { template: { spec: { containers: [c("c", { image: "busybox:2" })] } } } }),
    jobUpd("completions change", { completions: 2 }, { spec: { completions: 3 } }),
    jobUpd("parallelism change ok", { parallelism: 2 }, { spec: { parallelism: 3 } }),
    jobUpd("negative parallelism", {}, { spec: { parallelism: -3 } }),
    jobUpd("suspend ok", {}, { spec: { suspend: true } }),
    jobUpd(
      "suspended scheduling change",
      { suspend: true },
      { spec: { template: { spec: { nodeSelector: { a: "b" } } } } },
    ),
    jobUpd("selector change", {}, { spec: { selector: { matchLabels: { x: "y" } } } }),
    jobUpd(
      "backoffLimitPerIndex change",
      { completionMode: "Indexed", completions: 2, backoffLimitPerIndex: 1 },
      { spec: { backoffLimitPerIndex: 2 } },
    ),
    cj("ok", {}),
    cj("bad schedule", { schedule: "bad" }),
    cj("schedule fields", { schedule: "* * * *" }),
    cj("schedule range", { schedule: "61 * * * *" }),
    cj("schedule step zero", { schedule: "*/0 * * * *" }),
    cj("schedule letters", { schedule: "* * * foo *" }),
    cj("schedule descriptor", { schedule: "@weekly" }),
    cj("schedule bad descriptor", { schedule: "@fortnightly" }),
    cj("schedule every", { schedule: "@every 5m" }),
    cj("schedule TZ", { schedule: "TZ=UTC * * * * *" }),
    cj("schedule CRON_TZ nospace", { schedule: "CRON_TZ=UTC" }),
    cj("schedule range reversed", { schedule: "5-1 * * * *" }),
    cj("schedule names", { schedule: "0 0 * jan-mar mon-fri" }),
    cj("empty schedule", { schedule: "" }),
    cj("time zone bad", { timeZone: "Mars/Olympus" }),
    cj("time zone ok", { timeZone: "Europe/Berlin" }),
    cj("time zone local", { timeZone: "Local" }),
    cj("time zone lowercase", { timeZone: "europe/berlin" }),
    cj("time zone empty", { timeZone: "" }),
    cj("concurrency bad", { concurrencyPolicy: "Sometimes" }),
    cj("negative limits", { startingDeadlineSeconds: -1, successfulJobsHistoryLimit: -1, failedJobsHistoryLimit: -2 }),
    cj("job template selector", {
      jobTemplate: {
        spec: {
          selector: { matchLabels: { a: "b" } },
          template: { metadata: { labels: { a: "b" } }, spec: { restartPolicy: "Never", containers: [c()] } },
        },
      },
    }),
    cj("job template restart always", {
      jobTemplate: { spec: { template: { spec: { restartPolicy: "Always", containers: [c()] } } } },
    }),
    cj("name too long", {}, "a".repeat(53)),
    {
      name: "cronjob update schedule bad",
      setup: [
        {
          path: `${batch}/cronjobs`,
          body: {
            apiVersion: "batch/v1",
            kind: "CronJob",
            metadata: { name: "cju" },
            spec: {
              schedule: "* * * * *",
              jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [c()] } } } },
            },
          },
        },
      ],
      method: "PATCH",
      path: `${batch}/cronjobs/cju`,
      body: { spec: { schedule: "x y" } },
      ct: MP,
    },
  ];
}

function serviceConfigStorageCases(ns: string): Case[] {
  const MP = "application/merge-patch+json";
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const api = `/api/v1/namespaces/${ns}`;
  const svc = (name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}) => ({
    name: `svc ${name}`,
    method: "POST",
    path: `${api}/services`,
    body: {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `s-${name.replace(/[^a-z0-9]+/g, "-")}`.slice(0, 60).replace(/-$/, ""), ...meta },
      spec,
    },
  });
  const p = (port: number, extra: Record<string, unknown> = {}) => ({ port, ...extra });
  const cm = (name: string, extra: Record<string, unknown>) => ({
    name: `cm ${name}`,
    method: "POST",
    path: `${api}/configmaps`,
    body: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `cm-${name.replace(/[^a-z0-9]+/g, "-")}` },
      ...extra,
    },
  });
  const sec = (name: string, extra: Record<string, unknown>, meta: Record<string, unknown> = {}) => ({
    name: `secret ${name}`,
    method: "POST",
    path: `${api}/secrets`,
    body: {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `s-${name.replace(/[^a-z0-9]+/g, "-")}`, ...meta },
      ...extra,
    },
  });
  const pvc = (name: string, spec: Record<string, unknown>) => ({
    name: `pvc ${name}`,
    method: "POST",
    path: `${api}/persistentvolumeclaims`,
    body: {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: `c-${name.replace(/[^a-z0-9]+/g, "-")}` },
      spec,
    },
  });
  const okClaim = { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } };
  return [
    svc("ok", { ports: [p(80)], selector: { app: "a" } }),
    svc("no ports", { selector: { app: "a" } }),
    svc("headless no ports ok", { clusterIP: "None", selector: { app: "a" } }),
    svc("externalname ok", { type: "ExternalName", externalName: "example.com" }),
    svc("externalname bad", { type: "ExternalName", externalName: "Bad_Name" }),
    svc("externalname missing", { type: "ExternalName" }),
    svc("port out of range", { ports: [p(0)] }),
    svc("port protocol bad", { ports: [p(80, { protocol: "ICMP" })] }),
    svc("multi ports without names", { ports: [p(80), p(81)] }),
    svc("duplicate port names", { ports: [p(80, { name: "a" }), p(81, { name: "a" })] }),
    svc("duplicate ports", { ports: [p(80, { name: "a" }), p(80, { name: "b" })] }),
    svc("bad target port", { ports: [p(80, { targetPort: "Bad_Name" })] }),
    svc("bad target port number", { ports: [p(80, { targetPort: 70000 })] }),
    svc("bad type", { type: "Foo", ports: [p(80)] }),
    svc("nodeport on clusterip", { ports: [p(80, { nodePort: 30001 })] }),
    svc("bad session affinity", { sessionAffinity: "Foo", ports: [p(80)] }),
    svc("affinity timeout", {
      sessionAffinity: "ClientIP",
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } },
      ports: [p(80)],
    }),
    svc("bad selector", { ports: [p(80)], selector: { "a b": "c" } }),
    svc("bad cluster ip", { clusterIP: "1.2.3", ports: [p(80)] }),
    svc("clusterIPs mismatch", { clusterIP: "10.96.0.50", clusterIPs: ["10.96.0.51"], ports: [p(80)] }),
    svc("bad ip family", { ipFamilies: ["IPv5"], ports: [p(80)] }),
    svc("bad ip family policy", { ipFamilyPolicy: "Triple", ports: [p(80)] }),
    svc("external ip loopback", { externalIPs: ["127.0.0.1"], ports: [p(80)] }),
    svc("source ranges not lb", { loadBalancerSourceRanges: ["10.0.0.0/8"], ports: [p(80)] }),
    svc("source ranges bad", { type: "LoadBalancer", loadBalancerSourceRanges: ["10.0.0.0/99"], ports: [p(80)] }),
    svc("lb class on clusterip", { loadBalancerClass: "x.io/y", ports: [p(80)] }),
    svc("external traffic policy on clusterip", { externalTrafficPolicy: "Local", ports: [p(80)] }),
    svc("internal traffic policy bad", { internalTrafficPolicy: "Foo", ports: [p(80)] }),
    svc("traffic distribution bad", { trafficDistribution: "Random", ports: [p(80)] }),
    svc("healthcheck on clusterip", { healthCheckNodePort: 30000, ports: [p(80)] }),
    svc("headless nodeport", { type: "NodePort", clusterIP: "None", ports: [p(80)] }),
    svc("app protocol bad", { ports: [p(80, { appProtocol: "a b" })] }),
    svc("nodeport ok", { type: "NodePort", ports: [p(80)] }),
    svc("lb ok", { type: "LoadBalancer", ports: [p(80)] }),
    svc(
      "topology annotations",
      { ports: [p(80)] },
      {
        annotations: {
          "service.kubernetes.io/topology-mode": "Auto",
          "service.kubernetes.io/topology-aware-hints": "Disabled",
        },
      },
    ),
    {
      name: "svc update clusterIP change",
      setup: [
        {
          path: `${api}/services`,
          body: {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "su1" },
            spec: { clusterIP: "10.96.200.10", ports: [p(80)] },
          },
        },
      ],
      method: "PATCH",
      path: `${api}/services/su1`,
      body: { spec: { clusterIP: "10.96.200.11", clusterIPs: ["10.96.200.11"] } },
      ct: MP,
    },
    {
      name: "svc update clusterIP only change",
      setup: [
        {
          path: `${api}/services`,
          body: {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "su2" },
            spec: { clusterIP: "10.96.200.12", ports: [p(80)] },
          },
        },
      ],
      method: "PATCH",
      path: `${api}/services/su2`,
      body: { spec: { clusterIP: "10.96.200.13" } },
      ct: MP,
    },
    {
      name: "svc update ports ok",
      setup: [
        {
          path: `${api}/services`,
          body: {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "su3" },
            spec: { clusterIP: "10.96.200.14", ports: [p(80)] },
          },
        },
      ],
      method: "PATCH",
      path: `${api}/services/su3`,
      body: { spec: { ports: [p(81)] } },
      ct: MP,
    },
    {
      name: "svc update put without clusterIP",
      setup: [
        {
          path: `${api}/services`,
          body: {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "su4" },
            spec: { clusterIP: "10.96.200.15", ports: [p(80)] },
          },
        },
      ],
      method: "PUT",
      path: `${api}/services/su4`,
      body: { apiVersion: "v1", kind: "Service", metadata: { name: "su4" }, spec: { ports: [p(82)] } },
    },
    {
      // An old client's manifest: clusterIP alone, as set; kube keeps clusterIPs for it.
      name: "svc update put with clusterIP only",
      setup: [
        {
          path: `${api}/services`,
          body: {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "su5" },
            spec: { clusterIP: "10.96.200.16", ports: [p(80)] },
          },
        },
      ],
      method: "PUT",
      path: `${api}/services/su5`,
      body: {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "su5" },
        spec: { clusterIP: "10.96.200.16", ports: [p(83)] },
      },
    },
    cm("ok", { data: { "a.b": "1" } }),
    { ...cm("bad key", { data: { "a/b": "1", "..x": "2" } }), unordered: true },
    cm("dup binary", { data: { a: "1" }, binaryData: { a: b64("1") } }),
    cm("bad binary key", { binaryData: { "a b": b64("1") } }),
    {
      name: "cm immutable change",
      setup: [
        {
          path: `${api}/configmaps`,
          body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cmi" }, immutable: true, data: { a: "1" } },
        },
      ],
      method: "PATCH",
      path: `${api}/configmaps/cmi`,
      body: { data: { a: "2" } },
      ct: MP,
    },
    {
      name: "cm immutable unset",
      setup: [
        {
          path: `${api}/configmaps`,
          body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cmj" }, immutable: true, data: { a: "1" } },
        },
      ],
      method: "PATCH",
      path: `${api}/configmaps/cmj`,
      body: { immutable: false },
      ct: MP,
    },
    {
      name: "cm immutable labels ok",
      setup: [
        {
          path: `${api}/configmaps`,
          body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cmk" }, immutable: true, data: { a: "1" } },
        },
      ],
      method: "PATCH",
      path: `${api}/configmaps/cmk`,
      body: { metadata: { labels: { a: "b" } } },
      ct: MP,
    },
    sec("ok", { data: { a: b64("x") } }),
    sec("bad key", { data: { "a b": b64("x") } }),
    sec("tls missing", { type: "kubernetes.io/tls", data: { "tls.crt": b64("x") } }),
    sec("tls ok", { type: "kubernetes.io/tls", data: { "tls.crt": b64("x"), "tls.key": b64("y") } }),
    sec("dockerconfigjson missing", { type: "kubernetes.io/dockerconfigjson", data: {} }),
    sec("dockerconfigjson bad json", {
      type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": b64("not json") },
    }),
    sec("dockerconfigjson array", {
      type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": b64("[1]") },
    }),
    sec("dockerconfigjson ok", {
      type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": b64('{"auths":{}}') },
    }),
    sec("basic auth empty", { type: "kubernetes.io/basic-auth", data: {} }),
    sec("basic auth user only ok", { type: "kubernetes.io/basic-auth", stringData: { username: "u" } }),
    sec("ssh auth empty", { type: "kubernetes.io/ssh-auth", data: { "ssh-privatekey": "" } }),
    sec("sa token no annotation", { type: "kubernetes.io/service-account-token" }),
    sec("custom type ok", { type: "example.com/foo", data: { a: b64("x") } }),
    {
      name: "secret type change",
      setup: [
        {
          path: `${api}/secrets`,
          body: {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "stc" },
            data: { "tls.crt": b64("x"), "tls.key": b64("y") },
          },
        },
      ],
      method: "PATCH",
      path: `${api}/secrets/stc`,
      body: { type: "kubernetes.io/tls" },
      ct: MP,
    },
    {
      name: "secret immutable change",
      setup: [
        {
          path: `${api}/secrets`,
          body: { apiVersion: "v1", kind: "Secret", metadata: { name: "sim" }, immutable: true, data: { a: b64("x") } },
        },
      ],
      method: "PATCH",
      path: `${api}/secrets/sim`,
      body: { data: { a: b64("y") } },
      ct: MP,
    },
    pvc("ok", okClaim),
    pvc("no access modes", { resources: { requests: { storage: "1Gi" } } }),
    pvc("no storage", { accessModes: ["ReadWriteOnce"] }),
    pvc("zero storage", { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "0" } } }),
    pvc("bad access mode", { accessModes: ["ReadWriteSometimes"], resources: { requests: { storage: "1Gi" } } }),
    pvc("rwop mixed", {
      accessModes: ["ReadWriteOncePod", "ReadWriteOnce"],
      resources: { requests: { storage: "1Gi" } },
    }),
    pvc("bad class", { ...okClaim, storageClassName: "Bad_Class" }),
    pvc("bad volume mode", { ...okClaim, volumeMode: "Raw" }),
    pvc("bad data source", { ...okClaim, dataSource: { kind: "Snapshot", name: "x" } }),
    pvc("bad selector", { ...okClaim, selector: { matchLabels: { "a b": "c" } } }),
    {
      name: "pvc update spec",
      setup: [
        {
          path: `${api}/persistentvolumeclaims`,
          body: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "cu1" }, spec: okClaim },
        },
      ],
      method: "PATCH",
      path: `${api}/persistentvolumeclaims/cu1`,
      body: { spec: { accessModes: ["ReadWriteMany"] } },
      ct: MP,
    },
    {
      name: "pvc update storage unbound",
      setup: [
        {
          path: `${api}/persistentvolumeclaims`,
          body: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "cu2" }, spec: okClaim },
        },
      ],
      method: "PATCH",
      path: `${api}/persistentvolumeclaims/cu2`,
      body: { spec: { resources: { requests: { storage: "2Gi" } } } },
      ct: MP,
    },
    {
      name: "pvc update labels ok",
      setup: [
        {
          path: `${api}/persistentvolumeclaims`,
          body: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "cu3" }, spec: okClaim },
        },
      ],
      method: "PATCH",
      path: `${api}/persistentvolumeclaims/cu3`,
      body: { metadata: { labels: { a: "b" } } },
      ct: MP,
    },
    {
      name: "pvc update volumeName ok",
      setup: [
        {
          path: `${api}/persistentvolumeclaims`,
          body: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "cu4" }, spec: okClaim },
        },
      ],
      method: "PATCH",
      path: `${api}/persistentvolumeclaims/cu4`,
      body: { spec: { volumeName: "pv-x" } },
      ct: MP,
    },
    {
      name: "pvc update storageclass",
      setup: [
        {
          path: `${api}/persistentvolumeclaims`,
          body: {
            apiVersion: "v1",
            kind: "PersistentVolumeClaim",
            metadata: { name: "cu5" },
            spec: { ...okClaim, storageClassName: "a" },
          },
        },
      ],
      method: "PATCH",
      path: `${api}/persistentvolumeclaims/cu5`,
      body: { spec: { storageClassName: "b" } },
      ct: MP,
    },
  ];
}

function otherKindCases(ns: string): Case[] {
  const MP = "application/merge-patch+json";
  const S = ns;
  const api = `/api/v1/namespaces/${ns}`;
  const pol = `/apis/policy/v1/namespaces/${ns}`;
  const rbac = `/apis/rbac.authorization.k8s.io/v1`;
  const net = `/apis/networking.k8s.io/v1`;
  const post = (name: string, path: string, body: Record<string, unknown>) => ({ name, method: "POST", path, body });
  const pdb = (name: string, spec: Record<string, unknown>) =>
    post(`pdb ${name}`, `${pol}/poddisruptionbudgets`, {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: `pdb-${name.replace(/[^a-z0-9]+/g, "-")}` },
      spec,
    });
  const role = (name: string, rules: unknown[]) =>
    post(`role ${name}`, `${rbac}/namespaces/${ns}/roles`, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: `r-${name.replace(/[^a-z0-9]+/g, "-")}` },
      rules,
    });
  const rb = (name: string, roleRef: unknown, subjects: unknown[]) =>
    post(`rolebinding ${name}`, `${rbac}/namespaces/${ns}/rolebindings`, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: `rb-${name.replace(/[^a-z0-9]+/g, "-")}` },
      roleRef,
      subjects,
    });
  const crb = (name: string, roleRef: unknown, subjects: unknown[]) =>
    post(`clusterrolebinding ${name}`, `${rbac}/clusterrolebindings`, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: `${S}-crb-${name.replace(/[^a-z0-9]+/g, "-")}` },
      roleRef,
      subjects,
    });
  const lease = (name: string, spec: Record<string, unknown>) =>
    post(`lease ${name}`, `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: `l-${name.replace(/[^a-z0-9]+/g, "-")}` },
      spec,
    });
  const ing = (name: string, spec: Record<string, unknown>) =>
    post(`ingress ${name}`, `${net}/namespaces/${ns}/ingresses`, {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: `i-${name.replace(/[^a-z0-9]+/g, "-")}` },
      spec,
    });
  const np = (name: string, spec: Record<string, unknown>) =>
    post(`networkpolicy ${name}`, `${net}/namespaces/${ns}/networkpolicies`, {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: `np-${name.replace(/[^a-z0-9]+/g, "-")}` },
      spec,
    });
  const pc = (name: string, body: Record<string, unknown>, n?: string) =>
    post(`priorityclass ${name}`, `/apis/scheduling.k8s.io/v1/priorityclasses`, {
      apiVersion: "scheduling.k8s.io/v1",
      kind: "PriorityClass",
      metadata: { name: n ?? `${S}-pc-${name.replace(/[^a-z0-9]+/g, "-")}` },
      ...body,
    });
  const ep = (name: string, subsets: unknown[]) =>
    post(`endpoints ${name}`, `${api}/endpoints`, {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: `ep-${name.replace(/[^a-z0-9]+/g, "-")}` },
      subsets,
    });
  const eps = (name: string, body: Record<string, unknown>) =>
    post(`endpointslice ${name}`, `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: `es-${name.replace(/[^a-z0-9]+/g, "-")}` },
      ...body,
    });
  const pv = (name: string, spec: Record<string, unknown>) =>
    post(`pv ${name}`, `/api/v1/persistentvolumes`, {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: `${S}-pv-${name.replace(/[^a-z0-9]+/g, "-")}` },
      spec,
    });
  const sc = (name: string, body: Record<string, unknown>) =>
    post(`storageclass ${name}`, `/apis/storage.k8s.io/v1/storageclasses`, {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: `${S}-sc-${name.replace(/[^a-z0-9]+/g, "-")}` },
      ...body,
    });
  const backend = { service: { name: "svc", port: { number: 80 } } };
  const rq = (name: string, spec: Record<string, unknown>): Case =>
    post(`quota ${name}`, `${api}/resourcequotas`, {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: `rq-${name.replace(/[^a-z0-9]+/g, "-")}` },
      spec,
    });
  const hpa = (name: string, spec: Record<string, unknown>): Case =>
    post(`hpa ${name}`, `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`, {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: `h-${name.replace(/[^a-z0-9]+/g, "-")}` },
      spec,
    });
  const target = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };
  return [
    hpa("ok", {
      scaleTargetRef: target,
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [
        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } },
      ],
    }),
    hpa("zero min", { scaleTargetRef: target, minReplicas: 0, maxReplicas: 5 }),
    hpa("max below min", { scaleTargetRef: target, minReplicas: 3, maxReplicas: 2 }),
    hpa("max zero", { scaleTargetRef: target, maxReplicas: 0 }),
    hpa("no target", { scaleTargetRef: {}, maxReplicas: 2 }),
    hpa("core group", { scaleTargetRef: { apiVersion: "v1", kind: "Deployment", name: "web" }, maxReplicas: 2 }),
    hpa("replication controller in the core group", {
      scaleTargetRef: { apiVersion: "v1", kind: "ReplicationController", name: "web" },
      maxReplicas: 2,
    }),
    hpa("bad apiVersion", { scaleTargetRef: { apiVersion: "a/b/c", kind: "X", name: "a/b" }, maxReplicas: 2 }),
    rq("ok", {
      hard: {
        pods: "10",
        "requests.cpu": "4",
        "requests.memory": "8Gi",
        "count/deployments.apps": "5",
        "example.com/gpu": "2",
      },
    }),
    { ...rq("bad names", { hard: { foo: "1", "a b": "1" } }), unordered: true },
    rq("negative", { hard: { cpu: "-1" } }),
    rq("fractional pods", { hard: { pods: "1.5" } }),
    rq("bad scope", { hard: { pods: "1" }, scopes: ["Nope"] }),
    rq("scope not for resource", { hard: { secrets: "1" }, scopes: ["BestEffort"] }),
    rq("conflicting scopes", { hard: { pods: "1" }, scopes: ["BestEffort", "NotBestEffort"] }),
    rq("scope selector", {
      hard: { pods: "1" },
      scopeSelector: {
        matchExpressions: [
          { scopeName: "PriorityClass", operator: "In" },
          { scopeName: "BestEffort", operator: "In", values: ["x"] },
        ],
      },
    }),
    rq("priority class ok", {
      hard: { pods: "1" },
      scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: ["high"] }] },
    }),
    {
      name: "quota scopes change",
      setup: [
        {
          path: `${api}/resourcequotas`,
          body: {
            apiVersion: "v1",
            kind: "ResourceQuota",
            metadata: { name: "rqs" },
            spec: { hard: { pods: "1" }, scopes: ["BestEffort"] },
          },
        },
      ],
      method: "PATCH",
      path: `${api}/resourcequotas/rqs`,
      body: { spec: { scopes: ["NotBestEffort"] } },
      ct: MP,
    },
    post("namespace bad finalizer", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: `${S}-nsf` },
      spec: { finalizers: ["foo"] },
    }),
    pdb("ok", { minAvailable: 1, selector: { matchLabels: { a: "b" } } }),
    pdb("both", { minAvailable: 1, maxUnavailable: 1, selector: { matchLabels: { a: "b" } } }),
    pdb("negative", { minAvailable: -1 }),
    pdb("bad percent", { maxUnavailable: "150%" }),
    pdb("bad policy", { minAvailable: 1, unhealthyPodEvictionPolicy: "Foo" }),
    {
      ...pdb("bad label and spec", { minAvailable: -1 }),
      body: {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: "pdb-x", labels: { "a b": "c" } },
        spec: { minAvailable: -1 },
      },
    },
    role("ok", [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }]),
    role("no verbs", [{ apiGroups: [""], resources: ["pods"] }]),
    role("no groups", [{ verbs: ["get"], resources: ["pods"] }]),
    role("non resource urls", [{ verbs: ["get"], nonResourceURLs: ["/x"] }]),
    rb("ok", { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "r" }, [
      { kind: "User", name: "u", apiGroup: "rbac.authorization.k8s.io" },
    ]),
    rb("bad ref", { apiGroup: "x", kind: "Foo", name: "" }, [{ kind: "Robot", name: "" }]),
    rb("sa subject", { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "r" }, [
      { kind: "ServiceAccount", name: "Bad_SA", apiGroup: "x" },
    ]),
    crb("sa without namespace", { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "r" }, [
      { kind: "ServiceAccount", name: "sa" },
    ]),
    {
      name: "rolebinding roleRef change",
      setup: [
        {
          path: `${rbac}/namespaces/${ns}/rolebindings`,
          body: {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name: "rbu" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "a" },
          },
        },
      ],
      method: "PATCH",
      path: `${rbac}/namespaces/${ns}/rolebindings/rbu`,
      body: { roleRef: { name: "b" } },
      ct: MP,
    },
    lease("ok", { holderIdentity: "x", leaseDurationSeconds: 10 }),
    lease("bad", { leaseDurationSeconds: 0, leaseTransitions: -1, preferredHolder: "x" }),
    lease("bad strategy", { strategy: "Foo" }),
    ing("ok", { rules: [{ host: "a.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend }] } }] }),
    ing("empty", {}),
    ing("ip host", { rules: [{ host: "1.2.3.4", http: { paths: [{ path: "/", pathType: "Prefix", backend }] } }] }),
    ing("bad path", { rules: [{ http: { paths: [{ path: "rel", pathType: "Exact", backend }] } }] }),
    ing("no pathType", { rules: [{ http: { paths: [{ path: "/", backend }] } }] }),
    ing("bad pathType", { rules: [{ http: { paths: [{ path: "/", pathType: "Foo", backend }] } }] }),
    ing("no backend", { rules: [{ http: { paths: [{ path: "/", pathType: "Prefix", backend: {} }] } }] }),
    ing("no port", { defaultBackend: { service: { name: "svc", port: {} } } }),
    ing("bad service name", { defaultBackend: { service: { name: "Bad_Svc", port: { number: 80 } } } }),
    ing("wildcard bad", {
      rules: [{ host: "*.*.example.com" }],
      tls: [{ hosts: ["Bad_Host"], secretName: "Bad_Secret" }],
    }),
    np("ok", { podSelector: {}, ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 80 }] }] }),
    np("bad port", { podSelector: {}, ingress: [{ ports: [{ port: 0, protocol: "ICMP" }] }] }),
    np("endport", { podSelector: {}, egress: [{ ports: [{ port: 100, endPort: 50 }] }] }),
    np("empty peer", { podSelector: {}, ingress: [{ from: [{}] }] }),
    np("ipblock bad", {
      podSelector: {},
      ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["11.0.0.0/16", "10.0.0.0/4"] } }] }],
    }),
    np("policy types", { podSelector: {}, policyTypes: ["Sideways"] }),
    pc("ok", { value: 100 }),
    pc("too high", { value: 2000000000 }),
    pc("system prefix", { value: 1 }, `system-${S}`),
    pc("bad preemption", { value: 1, preemptionPolicy: "Sometimes" }),
    {
      name: "priorityclass value change",
      setup: [
        {
          path: `/apis/scheduling.k8s.io/v1/priorityclasses`,
          body: { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: `${S}-pcu` }, value: 5 },
        },
      ],
      method: "PATCH",
      path: `/apis/scheduling.k8s.io/v1/priorityclasses/${S}-pcu`,
      body: { value: 6 },
      ct: MP,
    },
    ep("ok", [{ addresses: [{ ip: "10.1.2.3" }], ports: [{ port: 80 }] }]),
    ep("no addresses", [{ ports: [{ port: 80 }] }]),
    ep("bad ip", [
      { addresses: [{ ip: "127.0.0.1" }, { ip: "x" }], ports: [{ port: 0, protocol: "ICMP" }, { port: 80 }] },
    ]),
    eps("ok", { addressType: "IPv4", endpoints: [{ addresses: ["10.1.2.3"] }], ports: [{ name: "http", port: 80 }] }),
    eps("bad type", { addressType: "IPv7", endpoints: [] }),
    eps("bad address", { addressType: "IPv4", endpoints: [{ addresses: ["fe80::1", "0.0.0.0"] }, { addresses: [] }] }),
    eps("dup ports", {
      addressType: "IPv4",
      endpoints: [],
      ports: [
        { name: "a", port: 80 },
        { name: "a", port: 81 },
      ],
    }),
    eps("fqdn bad", { addressType: "FQDN", endpoints: [{ addresses: ["localhost"] }] }),
    pv("ok", { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/tmp/x" } }),
    pv("no source", { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"] }),
    pv("no capacity", { accessModes: ["ReadWriteOnce"], hostPath: { path: "/tmp/x" } }),
    pv("extra capacity", {
      capacity: { storage: "1Gi", cpu: "1" },
      accessModes: ["ReadWriteOnce"],
      hostPath: { path: "/tmp/x" },
    }),
    pv("bad reclaim", {
      capacity: { storage: "1Gi" },
      accessModes: ["ReadWriteOnce"],
      hostPath: { path: "/tmp/x" },
      persistentVolumeReclaimPolicy: "Keep",
    }),
    pv("local without affinity", {
      capacity: { storage: "1Gi" },
      accessModes: ["ReadWriteOnce"],
      local: { path: "/x" },
    }),
    sc("ok", { provisioner: "example.com/x" }),
    sc("no provisioner", {}),
    sc("bad reclaim", { provisioner: "example.com/x", reclaimPolicy: "Recycle" }),
    sc("bad binding mode", { provisioner: "example.com/x", volumeBindingMode: "Later" }),
    {
      name: "storageclass parameters change",
      setup: [
        {
          path: `/apis/storage.k8s.io/v1/storageclasses`,
          body: {
            apiVersion: "storage.k8s.io/v1",
            kind: "StorageClass",
            metadata: { name: `${S}-scu` },
            provisioner: "example.com/x",
            parameters: { a: "b" },
          },
        },
      ],
      method: "PATCH",
      path: `/apis/storage.k8s.io/v1/storageclasses/${S}-scu`,
      body: { parameters: { a: "c" }, provisioner: "example.com/y" },
      ct: MP,
    },
  ];
}

function updateCases(ns: string): Case[] {
  const MP = "application/merge-patch+json";
  const c = (name = "c", extra: Record<string, unknown> = {}) => ({ name, image: "nginx", ...extra });
  const api = `/api/v1/namespaces/${ns}`;
  const apps = `/apis/apps/v1/namespaces/${ns}`;
  const batch = `/apis/batch/v1/namespaces/${ns}`;
  const upd = (name: string, coll: string, body: Record<string, unknown>, patch: unknown) => {
    const n = String((body.metadata as { name: string }).name);
    return { name, setup: [{ path: coll, body }], method: "PATCH", path: `${coll}/${n}`, body: patch, ct: MP };
  };
  const pod = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { automountServiceAccountToken: false, schedulerName: "no-such-scheduler", ...spec },
  });
  const sel = { matchLabels: { app: "a" } };
  const tmpl = { metadata: { labels: { app: "a" } }, spec: { containers: [c()] } };
  const jobTmpl = { spec: { restartPolicy: "Never", containers: [c()] } };
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  return [
    upd("pod update port", `${api}/pods`, pod("u1", { containers: [c("c", { ports: [{ containerPort: 80 }] })] }), {
      spec: { containers: [c("c", { ports: [{ containerPort: 81 }] })] },
    }),
    upd("pod update image ok", `${api}/pods`, pod("u2", { containers: [c()] }), {
      spec: { containers: [c("c", { image: "nginx:2" })] },
    }),
    upd("pod update remove container", `${api}/pods`, pod("u3", { containers: [c("a"), c("b")] }), {
      spec: { containers: [c("a")] },
    }),
    upd("pod update restart policy", `${api}/pods`, pod("u4", { containers: [c()] }), {
      spec: { restartPolicy: "Never" },
    }),
    upd("pod update deadline up", `${api}/pods`, pod("u5", { containers: [c()], activeDeadlineSeconds: 10 }), {
      spec: { activeDeadlineSeconds: 20 },
    }),
    upd(
      "pod update toleration change",
      `${api}/pods`,
      pod("u6", { containers: [c()], tolerations: [{ key: "a", operator: "Exists" }] }),
      { spec: { tolerations: [{ key: "b", operator: "Exists" }] } },
    ),
    upd("pod update node selector and env", `${api}/pods`, pod("u7", { containers: [c()] }), {
      spec: { nodeSelector: { disk: "ssd" }, containers: [c("c", { env: [{ name: "A", value: "1" }] })] },
    }),
    upd("pod update labels ok", `${api}/pods`, pod("u8", { containers: [c()] }), { metadata: { labels: { a: "b" } } }),
    upd(
      "deployment selector change",
      `${apps}/deployments`,
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "d1" },
        spec: { selector: sel, template: { ...tmpl, metadata: { labels: { app: "a", t: "x" } } } },
      },
      { spec: { selector: { matchLabels: { app: "a", t: "x" } } } },
    ),
    upd(
      "replicaset selector change",
      `${apps}/replicasets`,
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: { name: "r1" },
        spec: { selector: sel, template: { ...tmpl, metadata: { labels: { app: "a", t: "x" } } } },
      },
      { spec: { selector: { matchLabels: { t: "x" } } } },
    ),
    upd(
      "statefulset service name change",
      `${apps}/statefulsets`,
      {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "s1" },
        spec: { selector: sel, serviceName: "a", template: tmpl },
      },
      { spec: { serviceName: "b" } },
    ),
    upd(
      "statefulset replicas ok",
      `${apps}/statefulsets`,
      {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "s2" },
        spec: { selector: sel, serviceName: "a", template: tmpl },
      },
      { spec: { replicas: 3 } },
    ),
    upd(
      "job template change",
      `${batch}/jobs`,
      { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j1" }, spec: { template: jobTmpl } },
      { spec: { template: { spec: { containers: [c("c", { image: "busybox" })] } } } },
    ),
    upd(
      "job completions change",
      `${batch}/jobs`,
      { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j2" }, spec: { completions: 2, template: jobTmpl } },
      { spec: { completions: 3 } },
    ),
    upd(
      "cronjob schedule change bad",
      `${batch}/cronjobs`,
      {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name: "cj1" },
        spec: { schedule: "* * * * *", jobTemplate: { spec: { template: jobTmpl } } },
      },
      { spec: { schedule: "* *" } },
    ),
    upd(
      "service clusterIP change",
      `${api}/services`,
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "svc1" },
        spec: { clusterIP: "10.96.102.1", ports: [{ port: 80 }] },
      },
      { spec: { clusterIP: "10.96.102.2", clusterIPs: ["10.96.102.2"] } },
    ),
    upd(
      "service clusterIP alone ok",
      `${api}/services`,
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "svc2" },
        spec: { clusterIP: "10.96.102.3", ports: [{ port: 80 }] },
      },
      { spec: { clusterIPs: null, ports: [{ port: 81 }] } },
    ),
    upd(
      "configmap immutable",
      `${api}/configmaps`,
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm1" }, immutable: true, data: { a: "1" } },
      { data: { a: "2" }, immutable: false },
    ),
    upd(
      "secret type change",
      `${api}/secrets`,
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "sec1" },
        data: { "tls.crt": b64("x"), "tls.key": b64("y") },
      },
      { type: "kubernetes.io/tls" },
    ),
    upd(
      "pvc spec change",
      `${api}/persistentvolumeclaims`,
      {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "pvc1" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      },
      { spec: { accessModes: ["ReadWriteMany"], resources: { requests: { storage: "2Gi" } } } },
    ),
    upd(
      "rolebinding roleRef change",
      `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "rb1" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "a" },
      },
      { roleRef: { name: "b" } },
    ),
    upd(
      "ingressclass controller change",
      `/apis/networking.k8s.io/v1/ingressclasses`,
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "IngressClass",
        metadata: { name: `${ns}-ic1` },
        spec: { controller: "example.com/a" },
      },
      { spec: { controller: "example.com/b" } },
    ),
    upd(
      "endpointslice address type change",
      `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`,
      {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: { name: "es1" },
        addressType: "IPv4",
        endpoints: [],
      },
      { addressType: "IPv6" },
    ),
  ];
}

/** Bodies kube's decoder refuses before any validation (quantities), and /status writes of the workloads. */
function decodeAndStatusCases(ns: string): Case[] {
  const api = `/api/v1/namespaces/${ns}`;
  const apps = `/apis/apps/v1/namespaces/${ns}`;
  const MP = "application/merge-patch+json";
  const claim = (storage: string) => ({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage } } });
  const pod = (name: string, limits: Record<string, unknown>) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "c", image: "x", resources: { limits } }] },
  });
  const template = { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "x" }] } };
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d" },
    spec: { selector: { matchLabels: { a: "b" } }, template },
  };
  const replicaSet = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "r" },
    spec: { selector: { matchLabels: { a: "b" } }, template },
  };
  return [
    {
      name: "claim with a quantity that does not parse",
      method: "POST",
      path: `${api}/persistentvolumeclaims`,
      body: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "q1" }, spec: claim("1GB") },
    },
    {
      name: "pod with a quantity suffix that does not parse",
      method: "POST",
      path: `${api}/pods`,
      body: pod("q2", { memory: "1kk" }),
    },
    {
      name: "pod with a quantity number that does not parse",
      method: "POST",
      path: `${api}/pods`,
      body: pod("q3", { memory: "1.2.3" }),
    },
    {
      name: "pod with a numeric quantity",
      method: "POST",
      path: `${api}/pods`,
      body: pod("q4", { cpu: 0.5, memory: 1e9 }),
    },
    {
      name: "deployment template with a quantity that does not parse",
      method: "POST",
      path: `${apps}/deployments`,
      body: {
        ...deployment,
        metadata: { name: "q5" },
        spec: {
          ...deployment.spec,
          template: {
            ...template,
            spec: { containers: [{ name: "c", image: "x", resources: { limits: { cpu: "x" } } }] },
          },
        },
      },
    },
    {
      name: "update with a quantity that does not parse",
      setup: [
        {
          path: `${api}/persistentvolumeclaims`,
          body: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "q6" }, spec: claim("1Gi") },
        },
      ],
      method: "PUT",
      path: `${api}/persistentvolumeclaims/q6`,
      body: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "q6" }, spec: claim("zz") },
    },
    {
      name: "deployment status with negative and inconsistent counts",
      setup: [{ path: `${apps}/deployments`, body: deployment }],
      method: "PATCH",
      path: `${apps}/deployments/d/status`,
      body: { status: { replicas: -1, readyReplicas: 2, availableReplicas: 3 } },
      ct: MP,
    },
    {
      name: "deployment status that is fine",
      method: "PATCH",
      path: `${apps}/deployments/d/status`,
      body: { status: { replicas: 2, readyReplicas: 2, availableReplicas: 1, collisionCount: 2 } },
      ct: MP,
    },
    {
      name: "deployment status collisionCount going back",
      method: "PATCH",
      path: `${apps}/deployments/d/status`,
      body: { status: { collisionCount: 1 } },
      ct: MP,
    },
    {
      name: "replica set status above its replicas",
      setup: [{ path: `${apps}/replicasets`, body: replicaSet }],
      method: "PATCH",
      path: `${apps}/replicasets/r/status`,
      body: { status: { replicas: 1, fullyLabeledReplicas: 2, observedGeneration: -1 } },
      ct: MP,
    },
  ];
}

/** Objects both servers must accept: what real manifests look like, with most of what kube validates set. */
function validCases(ns: string): Case[] {
  const api = `/api/v1/namespaces/${ns}`;
  const apps = `/apis/apps/v1/namespaces/${ns}`;
  const container = {
    name: "web",
    image: "registry.example.com/team/web:1.2.3",
    command: ["/bin/web"],
    args: ["--port=8080"],
    ports: [
      { name: "http", containerPort: 8080 },
      { name: "metrics", containerPort: 9090, protocol: "TCP" },
    ],
    env: [
      { name: "MODE", value: "prod" },
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu", divisor: "1m" } } },
      { name: "SECRET", valueFrom: { secretKeyRef: { name: "s", key: "token", optional: true } } },
      { name: "weird.name-1", value: "relaxed names are fine" },
    ],
    envFrom: [{ configMapRef: { name: "cfg" }, prefix: "CFG_" }, { secretRef: { name: "sec" } }],
    resources: {
      requests: { cpu: "250m", memory: "128Mi", "ephemeral-storage": "1Gi" },
      limits: { cpu: 1, memory: "0.5Gi" },
    },
    volumeMounts: [
      { name: "data", mountPath: "/data" },
      { name: "cfg", mountPath: "/etc/cfg", readOnly: true },
      { name: "cfg", mountPath: "/etc/one", subPath: "one.conf" },
    ],
    livenessProbe: {
      httpGet: { path: "/healthz", port: "http", httpHeaders: [{ name: "X-Probe", value: "1" }] },
      periodSeconds: 5,
    },
    readinessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 2 },
    startupProbe: { exec: { command: ["cat", "/tmp/ready"] }, failureThreshold: 30 },
    lifecycle: { preStop: { sleep: { seconds: 5 } } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
  };
  const podSpec = {
    containers: [container, { name: "sidecar-log", image: "busybox", args: ["sleep", "3600"] }],
    initContainers: [
      { name: "init", image: "busybox", command: ["true"] },
      { name: "proxy", image: "envoy", restartPolicy: "Always", readinessProbe: { tcpSocket: { port: 15000 } } },
    ],
    volumes: [
      { name: "data", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
      { name: "cfg", configMap: { name: "cfg", defaultMode: 0o644, items: [{ key: "one", path: "one.conf" }] } },
      { name: "sec", secret: { secretName: "sec", optional: true } },
      { name: "info", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } },
      {
        name: "proj",
        projected: {
          sources: [
            { serviceAccountToken: { path: "tok", expirationSeconds: 3600, audience: "vault" } },
            { configMap: { name: "cfg", items: [{ key: "two", path: "two.conf" }] } },
          ],
        },
      },
      { name: "host", hostPath: { path: "/var/log", type: "Directory" } },
      {
        name: "scratch",
        ephemeral: {
          volumeClaimTemplate: {
            metadata: { labels: { tier: "scratch" } },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
          },
        },
      },
    ],
    serviceAccountName: "default",
    terminationGracePeriodSeconds: 45,
    nodeSelector: { "kubernetes.io/os": "linux" },
    tolerations: [
      { key: "dedicated", operator: "Equal", value: "web", effect: "NoSchedule" },
      { operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    ],
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 50, preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["a", "b"] }] } },
        ],
      },
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "web" } } },
          },
        ],
      },
    },
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "DoNotSchedule",
        minDomains: 2,
        labelSelector: { matchLabels: { app: "web" } },
      },
    ],
    securityContext: {
      fsGroup: 2000,
      supplementalGroups: [3000],
      sysctls: [{ name: "net.core.somaxconn", value: "1024" }],
    },
    dnsPolicy: "None",
    dnsConfig: {
      nameservers: ["10.96.0.10"],
      searches: ["svc.cluster.local", "_srv.example.com"],
      options: [{ name: "ndots", value: "2" }],
    },
    hostAliases: [{ ip: "10.1.2.3", hostnames: ["db.local"] }],
    priorityClassName: "",
    readinessGates: [{ conditionType: "example.com/ready" }],
    enableServiceLinks: false,
  };
  const template = {
    metadata: { labels: { app: "web", tier: "front" }, annotations: { "example.com/Note": "x" } },
    spec: podSpec,
  };
  const selector = {
    matchLabels: { app: "web" },
    matchExpressions: [{ key: "tier", operator: "In", values: ["front"] }],
  };
  const post = (name: string, path: string, body: Record<string, unknown>): Case => ({
    name: `valid ${name}`,
    method: "POST",
    path,
    body,
  });
  return [
    post("rich pod", `${api}/pods`, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "rich", labels: { app: "web", tier: "front" } },
      spec: podSpec,
    }),
    post("rich deployment", `${apps}/deployments`, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "rich" },
      spec: {
        replicas: 0,
        selector,
        strategy: { rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
        minReadySeconds: 5,
        progressDeadlineSeconds: 600,
        revisionHistoryLimit: 3,
        template,
      },
    }),
    post("rich statefulset", `${apps}/statefulsets`, {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "rich" },
      spec: {
        replicas: 0,
        serviceName: "rich",
        selector,
        podManagementPolicy: "Parallel",
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0, maxUnavailable: "50%" } },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" },
        ordinals: { start: 1 },
        template: { ...template, spec: { ...podSpec, hostname: "ignored", subdomain: "rich" } },
        volumeClaimTemplates: [
          {
            metadata: { name: "data" },
            spec: {
              accessModes: ["ReadWriteOnce"],
              storageClassName: "fast",
              resources: { requests: { storage: "10Gi" } },
            },
          },
        ],
      },
    }),
    post("rich daemonset", `${apps}/daemonsets`, {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "rich" },
      spec: {
        selector,
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template,
      },
    }),
    post("rich job", `/apis/batch/v1/namespaces/${ns}/jobs`, {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "rich" },
      spec: {
        completions: 5,
        parallelism: 2,
        completionMode: "Indexed",
        backoffLimitPerIndex: 1,
        maxFailedIndexes: 2,
        suspend: true,
        ttlSecondsAfterFinished: 100,
        podFailurePolicy: {
          rules: [
            { action: "FailJob", onExitCodes: { containerName: "web", operator: "In", values: [1, 2, 42] } },
            { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] },
          ],
        },
        successPolicy: { rules: [{ succeededIndexes: "0-2,4", succeededCount: 3 }] },
        template: { ...template, spec: { ...podSpec, restartPolicy: "Never" } },
      },
    }),
    post("rich cronjob", `/apis/batch/v1/namespaces/${ns}/cronjobs`, {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "rich" },
      spec: {
        schedule: "0 */2 * JAN-JUN MON-FRI",
        timeZone: "America/New_York",
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 30,
        jobTemplate: {
          metadata: { labels: { a: "b" } },
          spec: { template: { spec: { ...podSpec, restartPolicy: "OnFailure" } } },
        },
      },
    }),
    post("rich replication controller", `${api}/replicationcontrollers`, {
      apiVersion: "v1",
      kind: "ReplicationController",
      metadata: { name: "rich" },
      spec: { replicas: 0, selector: { app: "web" }, template },
    }),
    post("load balancer service", `${api}/services`, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "lb" },
      spec: {
        type: "LoadBalancer",
        selector: { app: "web" },
        ports: [
          { name: "http", port: 80, targetPort: "http", appProtocol: "http" },
          { name: "dns", port: 53, protocol: "UDP" },
        ],
        externalTrafficPolicy: "Local",
        loadBalancerSourceRanges: ["10.0.0.0/8", " 192.168.0.0/16 "],
        sessionAffinity: "ClientIP",
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
        loadBalancerClass: "example.com/lb",
        trafficDistribution: "PreferClose",
      },
    }),
    post("headless service", `${api}/services`, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "headless" },
      spec: { clusterIP: "None", selector: { app: "web" }, ports: [{ port: 80 }] },
    }),
    post("externalname service", `${api}/services`, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "ext" },
      spec: { type: "ExternalName", externalName: "db.example.com." },
    }),
    post("secret with stringData", `${api}/secrets`, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "sd" },
      type: "kubernetes.io/basic-auth",
      stringData: { username: "u", password: "p" },
    }),
    post("ingress", `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`, {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "web" },
      spec: {
        ingressClassName: "nginx",
        tls: [{ hosts: ["*.example.com"], secretName: "tls" }],
        rules: [
          {
            host: "*.example.com",
            http: {
              paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { name: "http" } } } }],
            },
          },
          {
            http: {
              paths: [
                {
                  path: "/api",
                  pathType: "ImplementationSpecific",
                  backend: { resource: { apiGroup: "example.com", kind: "Bucket", name: "b" } },
                },
              ],
            },
          },
        ],
      },
    }),
    post("network policy", `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`, {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "web" },
      spec: {
        podSelector: { matchLabels: { app: "web" } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          {
            from: [
              { namespaceSelector: {}, podSelector: { matchLabels: { a: "b" } } },
              { ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } },
            ],
            ports: [
              { port: 80, endPort: 90 },
              { port: "http", protocol: "TCP" },
            ],
          },
        ],
        egress: [{ to: [{ ipBlock: { cidr: "::/0" } }] }],
      },
    }),
    post("pod disruption budget", `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`, {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "web" },
      spec: { maxUnavailable: "10%", selector, unhealthyPodEvictionPolicy: "AlwaysAllow" },
    }),
    post("cluster role with aggregation", `/apis/rbac.authorization.k8s.io/v1/clusterroles`, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: `${ns}-agg` },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { agg: "yes" } }] },
      rules: [{ nonResourceURLs: ["/healthz"], verbs: ["get"] }],
    }),
    post("endpoints", `${api}/endpoints`, {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "manual" },
      subsets: [
        {
          addresses: [{ ip: "10.1.2.3", hostname: "a", nodeName: "n1" }],
          notReadyAddresses: [{ ip: "2001:db8::1" }],
          ports: [
            { name: "http", port: 80 },
            { name: "https", port: 443, appProtocol: "https" },
          ],
        },
      ],
    }),
    post("persistent volume claim from snapshot", `${api}/persistentvolumeclaims`, {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "restore" },
      spec: {
        accessModes: ["ReadWriteOncePod"],
        volumeMode: "Block",
        resources: { requests: { storage: "5Gi" } },
        dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "snap" },
        selector: { matchLabels: { a: "b" } },
      },
    }),
  ];
}

describe("compat: spec validation against kube-apiserver", function () {
  this.timeout(300_000);
  const sides = useSideBySide({ cluster: "specvalidation" });

  /** Runs each row on both servers (in a namespace of the section's own), listing every difference. */
  async function compare(
    section: string,
    rows: (ns: string) => Case[],
  ): Promise<{ differences: string[]; accepted: string[] }> {
    const ns = `${NS}-${section}`;
    const differences: string[] = [];
    const accepted: string[] = [];
    const [kube, ours] = sides.both;
    for (const s of [kube, ours]) {
      const r = await call(s, {
        path: "/api/v1/namespaces",
        body: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
      });
      assert.equal(r.status, 201, `${s.name}: namespace ${ns}: ${r.body}`);
    }
    for (const row of rows(ns)) {
      const answers: string[] = [];
      for (const s of [kube, ours]) {
        for (const step of row.setup ?? []) {
          const r = await call(s, step);
          if (r.status >= 300)
            differences.push(`${row.name}: ${s.name} refused the setup ${step.path}: ${r.status} ${r.body}`);
        }
        const reply = await call(s, row);
        answers.push(outcome(reply, row.unordered ?? false));
        if (reply.status < 300 && s === kube) accepted.push(row.name);
      }
      const [k, e] = answers as [string, string];
      if (row.known) {
        if (k === e) differences.push(`${row.name}: now the same on both; take its \`known\` mark off`);
        else console.log(`    known difference, ${row.name}: ${row.known}`);
      } else if (k !== e) {
        const falseRefusal = k.startsWith("2") && !e.startsWith("2") ? " (FALSE REFUSAL)" : "";
        differences.push(`${row.name}${falseRefusal}\n  kube ${k}\n  evk  ${e}`);
      }
    }
    return { differences, accepted };
  }

  for (const [section, rows] of [
    ["pods", podCases],
    ["workloads", workloadCases],
    ["batch", batchCases],
    ["services-config-storage", serviceConfigStorageCases],
    ["other-kinds", otherKindCases],
    ["updates", updateCases],
    ["decoding-and-status", decodeAndStatusCases],
  ] as const)
    it(`${section}: evk answers every bad create and update as kube does`, async () => {
      const { differences } = await compare(section, rows);
      assert.deepEqual(differences, [], differences.join("\n\n"));
    });

  it("valid objects: both accept them (no false refusals)", async () => {
    const { differences, accepted } = await compare("valid", validCases);
    assert.deepEqual(differences, [], differences.join("\n\n"));
    assert.deepEqual(
      accepted,
      validCases("x").map((c) => c.name),
      "kube itself refused a row meant to be valid",
    );
  });
});
