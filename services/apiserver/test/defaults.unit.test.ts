import assert from "node:assert/strict";
import type { KubeObject } from "@evk/kube";
import { canonicalQuantity, canonicalResourceQuantity } from "@evk/kube";
import { type AdmissionReads, applyDefaults, type DefaultingOptions } from "../src/defaults/index.ts";
import { imageTag } from "../src/defaults/pod.ts";

// Every row is one kube-apiserver 1.35 rule, with what kube answers (checked against a real
// kube-apiserver by test/defaulting.int.test.ts, and against apimachinery's Go code for quantities).

type O = Record<string, unknown>;

/** The value at a dotted path; numeric segments index lists, `[key]` names a map key with dots. */
function at(o: unknown, path: string): unknown {
  let cur = o;
  for (const seg of path.match(/\[[^\]]+\]|[^.[\]]+/g) ?? []) {
    const k = seg.startsWith("[") ? seg.slice(1, -1) : seg;
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as O)[k];
  }
  return cur;
}

const NOW = "2025-01-02T03:04:05Z";
const opts = (o: DefaultingOptions = {}): DefaultingOptions => ({ now: () => NOW, randomSuffix: () => "abcde", ...o });

const meta = (extra: O = {}) => ({ name: "x", namespace: "ns", uid: "u-1", ...extra });
const container = (extra: O = {}) => ({ name: "c", image: "nginx:1.27", ...extra });
const podSpec = (extra: O = {}) => ({ containers: [container()], ...extra });
const pod = (spec: O = {}, m: O = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: meta(m),
  spec: podSpec(spec),
});
const template = (spec: O = {}, labels: Record<string, string> = { app: "a" }) => ({
  metadata: { labels },
  spec: podSpec(spec),
});
const deployment = (spec: O = {}): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: meta(),
  spec: { selector: { matchLabels: { app: "a" } }, template: template(), ...spec },
});

/** Stored objects admission plugins read. */
function reads(objects: { group: string; resource: string; namespace?: string; obj: O }[]): AdmissionReads {
  return {
    get: (group, resource, namespace, name) =>
      objects.find(
        (o) =>
          o.group === group &&
          o.resource === resource &&
          o.namespace === namespace &&
          (o.obj.metadata as O).name === name,
      )?.obj,
    list: (group, resource, namespace) =>
      objects
        .filter((o) => o.group === group && o.resource === resource && (!namespace || o.namespace === namespace))
        .map((o) => o.obj),
  };
}

interface Row {
  rule: string;
  group?: string;
  resource: string;
  obj: KubeObject;
  opts?: DefaultingOptions;
  /** path → the value kube has there (undefined: absent). */
  want: Record<string, unknown>;
}

const rows: Row[] = [
  // ---- pods: SetDefaults_PodSpec and SetDefaults_Pod -------------------------------------------
  {
    rule: "PodSpec: dnsPolicy, restartPolicy, securityContext, grace period, scheduler",
    resource: "pods",
    obj: pod(),
    want: {
      "spec.dnsPolicy": "ClusterFirst",
      "spec.restartPolicy": "Always",
      "spec.securityContext": {},
      "spec.terminationGracePeriodSeconds": 30,
      "spec.schedulerName": "default-scheduler",
    },
  },
  {
    rule: "PodSpec: set values stay",
    resource: "pods",
    obj: pod({ dnsPolicy: "Default", restartPolicy: "Never", terminationGracePeriodSeconds: 0, schedulerName: "s" }),
    want: {
      "spec.dnsPolicy": "Default",
      "spec.restartPolicy": "Never",
      "spec.terminationGracePeriodSeconds": 0,
      "spec.schedulerName": "s",
    },
  },
  {
    rule: "Pod: enableServiceLinks true",
    resource: "pods",
    obj: pod(),
    want: { "spec.enableServiceLinks": true },
  },
  {
    rule: "Pod conversion: a negative grace period becomes 1",
    resource: "pods",
    obj: pod({ terminationGracePeriodSeconds: -3 }),
    want: { "spec.terminationGracePeriodSeconds": 1 },
  },
  {
    rule: "Pod: requests default to limits (containers and init containers), quantities canonical",
    resource: "pods",
    obj: pod({
      containers: [container({ resources: { limits: { cpu: "0.5", memory: "1024Mi" }, requests: { cpu: "100m" } } })],
      initContainers: [container({ name: "i", resources: { limits: { memory: "64Mi" } } })],
    }),
    want: {
      "spec.containers.0.resources": {
        limits: { cpu: "500m", memory: "1Gi" },
        requests: { cpu: "100m", memory: "1Gi" },
      },
      "spec.initContainers.0.resources": { limits: { memory: "64Mi" }, requests: { memory: "64Mi" } },
    },
  },
  {
    rule: "Pod: hostNetwork copies containerPort to hostPort",
    resource: "pods",
    obj: pod({ hostNetwork: true, containers: [container({ ports: [{ containerPort: 8080 }] })] }),
    want: { "spec.containers.0.ports.0": { containerPort: 8080, hostPort: 8080, protocol: "TCP" } },
  },
  {
    rule: "PodSpec conversion: serviceAccount is an alias of serviceAccountName",
    resource: "pods",
    obj: pod({ serviceAccount: "builder" }),
    want: { "spec.serviceAccountName": "builder", "spec.serviceAccount": "builder" },
  },
  {
    rule: "Pod conversion: init-container annotations are dropped",
    resource: "pods",
    obj: pod({}, { annotations: { "pod.beta.kubernetes.io/init-containers": "[]", keep: "y" } }),
    want: { "metadata.annotations": { keep: "y" } },
  },
  // ---- containers ------------------------------------------------------------------------------
  {
    rule: "Container: termination message path and policy, resources struct",
    resource: "pods",
    obj: pod(),
    want: {
      "spec.containers.0.terminationMessagePath": "/dev/termination-log",
      "spec.containers.0.terminationMessagePolicy": "File",
      "spec.containers.0.resources": {},
    },
  },
  ...(
    [
      ["nginx", "Always"],
      ["nginx:latest", "Always"],
      ["nginx:1.27", "IfNotPresent"],
      ["localhost:5000/app", "Always"],
      ["registry.k8s.io/pause@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a", "IfNotPresent"],
      ["Nginx", "IfNotPresent"],
    ] as const
  ).map(
    ([image, policy]): Row => ({
      rule: `Container: imagePullPolicy of ${image} is ${policy}`,
      resource: "pods",
      obj: pod({ containers: [container({ image })] }),
      want: { "spec.containers.0.imagePullPolicy": policy },
    }),
  ),
  {
    rule: "Container: ports default to TCP, env fieldRef to apiVersion v1, fileKeyRef optional false",
    resource: "pods",
    obj: pod({
      containers: [
        container({
          ports: [{ containerPort: 80 }, { containerPort: 53, protocol: "UDP" }],
          env: [
            { name: "A", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "B", valueFrom: { fileKeyRef: { path: "p", key: "k", volumeName: "v" } } },
          ],
        }),
      ],
    }),
    want: {
      "spec.containers.0.ports.0.protocol": "TCP",
      "spec.containers.0.ports.1.protocol": "UDP",
      "spec.containers.0.env.0.valueFrom.fieldRef.apiVersion": "v1",
      "spec.containers.0.env.1.valueFrom.fileKeyRef.optional": false,
    },
  },
  {
    rule: "Probe: timeout 1, period 10, success 1, failure 3; httpGet path / scheme HTTP; grpc service ''",
    resource: "pods",
    obj: pod({
      containers: [
        container({
          livenessProbe: { httpGet: { port: 80 } },
          readinessProbe: { grpc: { port: 9 }, periodSeconds: 5 },
          lifecycle: { preStop: { httpGet: { port: 81 } } },
        }),
      ],
    }),
    want: {
      "spec.containers.0.livenessProbe": {
        httpGet: { port: 80, path: "/", scheme: "HTTP" },
        timeoutSeconds: 1,
        periodSeconds: 10,
        successThreshold: 1,
        failureThreshold: 3,
      },
      "spec.containers.0.readinessProbe.periodSeconds": 5,
      "spec.containers.0.readinessProbe.grpc.service": "",
      "spec.containers.0.lifecycle.preStop.httpGet.path": "/",
    },
  },
  {
    rule: "EphemeralContainer: container defaults",
    resource: "pods",
    obj: pod({ ephemeralContainers: [{ name: "dbg", image: "busybox" }] }),
    want: {
      "spec.ephemeralContainers.0.imagePullPolicy": "Always",
      "spec.ephemeralContainers.0.terminationMessagePolicy": "File",
      "spec.ephemeralContainers.0.resources": {},
    },
  },
  // ---- volumes -----------------------------------------------------------------------------------
  {
    rule: "Volume: no source is an emptyDir; secret/configMap/downwardAPI/projected mode 420; hostPath type ''",
    resource: "pods",
    obj: pod({
      volumes: [
        { name: "e" },
        { name: "s", secret: { secretName: "s" } },
        { name: "c", configMap: { name: "c" } },
        { name: "d", downwardAPI: { items: [{ path: "n", fieldRef: { fieldPath: "metadata.name" } }] } },
        { name: "p", projected: { sources: [{ serviceAccountToken: { path: "t" } }] } },
        { name: "h", hostPath: { path: "/x" } },
        { name: "m", emptyDir: { sizeLimit: "1024Mi" } },
      ],
    }),
    want: {
      "spec.volumes.0": { name: "e", emptyDir: {} },
      "spec.volumes.1.secret.defaultMode": 420,
      "spec.volumes.2.configMap.defaultMode": 420,
      "spec.volumes.3.downwardAPI": {
        defaultMode: 420,
        items: [{ path: "n", fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } }],
      },
      "spec.volumes.4.projected": {
        defaultMode: 420,
        sources: [{ serviceAccountToken: { path: "t", expirationSeconds: 3600 } }],
      },
      "spec.volumes.5.hostPath.type": "",
      "spec.volumes.6.emptyDir.sizeLimit": "1Gi",
    },
  },
  {
    rule: "Volume: rbd, iscsi, azureDisk, scaleIO, image, ephemeral claim template",
    resource: "pods",
    obj: pod({
      volumes: [
        { name: "r", rbd: { monitors: ["m"], image: "i" } },
        { name: "i", iscsi: { targetPortal: "t", iqn: "q", lun: 0 } },
        { name: "a", azureDisk: { diskName: "d", diskURI: "u" } },
        { name: "s", scaleIO: { gateway: "g", system: "s", secretRef: { name: "x" } } },
        { name: "img", image: { reference: "quay.io/a/b" } },
        { name: "eph", ephemeral: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"] } } } },
      ],
    }),
    want: {
      "spec.volumes.0.rbd": { monitors: ["m"], image: "i", pool: "rbd", user: "admin", keyring: "/etc/ceph/keyring" },
      "spec.volumes.1.iscsi.iscsiInterface": "default",
      "spec.volumes.2.azureDisk": {
        diskName: "d",
        diskURI: "u",
        cachingMode: "ReadWrite",
        fsType: "ext4",
        readOnly: false,
        kind: "Shared",
      },
      "spec.volumes.3.scaleIO.storageMode": "ThinProvisioned",
      "spec.volumes.3.scaleIO.fsType": "xfs",
      "spec.volumes.4.image.pullPolicy": "Always",
      "spec.volumes.5.ephemeral.volumeClaimTemplate": {
        metadata: {},
        spec: { accessModes: ["ReadWriteOnce"], volumeMode: "Filesystem" },
      },
    },
  },
  // ---- pod create strategy and admission ------------------------------------------------------
  {
    rule: "Pod strategy: matchLabelKeys merged into pod (anti-)affinity and topology spread selectors",
    resource: "pods",
    obj: pod(
      {
        affinity: {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              {
                labelSelector: { matchLabels: { a: "1" } },
                topologyKey: "k",
                matchLabelKeys: ["b"],
                mismatchLabelKeys: ["c"],
              },
            ],
          },
        },
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: "z",
            whenUnsatisfiable: "DoNotSchedule",
            labelSelector: {},
            matchLabelKeys: ["b"],
          },
        ],
      },
      { labels: { a: "1", b: "2", c: "3" } },
    ),
    want: {
      "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution.0.labelSelector.matchExpressions": [
        { key: "b", operator: "In", values: ["2"] },
        { key: "c", operator: "NotIn", values: ["3"] },
      ],
      "spec.topologySpreadConstraints.0.labelSelector.matchExpressions": [{ key: "b", operator: "In", values: ["2"] }],
    },
  },
  {
    rule: "Pod strategy: scheduling gates add the SchedulingGated condition",
    resource: "pods",
    obj: pod({ schedulingGates: [{ name: "g" }] }),
    want: {
      "status.conditions": [
        {
          type: "PodScheduled",
          status: "False",
          lastProbeTime: null,
          lastTransitionTime: NOW,
          reason: "SchedulingGated",
          message: "Scheduling is blocked due to non-empty scheduling gates",
        },
      ],
    },
  },
  {
    rule: "ServiceAccount admission: default account, kube-api-access volume and mounts (not ephemeral containers)",
    resource: "pods",
    obj: pod({ initContainers: [container({ name: "i" })], ephemeralContainers: [{ name: "e", image: "x" }] }),
    want: {
      "spec.serviceAccountName": "default",
      "spec.serviceAccount": "default",
      "spec.volumes": [
        {
          name: "kube-api-access-abcde",
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
              { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
              {
                downwardAPI: {
                  items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }],
                },
              },
            ],
          },
        },
      ],
      "spec.containers.0.volumeMounts": [
        { name: "kube-api-access-abcde", readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" },
      ],
      "spec.initContainers.0.volumeMounts.0.name": "kube-api-access-abcde",
      "spec.ephemeralContainers.0.volumeMounts": undefined,
    },
  },
  {
    rule: "ServiceAccount admission: automountServiceAccountToken false (pod or account) mounts nothing",
    resource: "pods",
    obj: pod({ serviceAccountName: "quiet" }),
    opts: {
      reads: reads([
        {
          group: "",
          resource: "serviceaccounts",
          namespace: "ns",
          obj: { metadata: { name: "quiet" }, automountServiceAccountToken: false, imagePullSecrets: [{ name: "p" }] },
        },
      ]),
    },
    want: {
      "spec.volumes": undefined,
      "spec.containers.0.volumeMounts": undefined,
      "spec.imagePullSecrets": [{ name: "p" }],
    },
  },
  {
    rule: "ServiceAccount admission: a container mounting the token path itself gets no second mount",
    resource: "pods",
    obj: pod({
      containers: [
        container({ volumeMounts: [{ name: "own", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }] }),
      ],
      volumes: [{ name: "own", emptyDir: {} }],
    }),
    want: { "spec.volumes.1": undefined, "spec.containers.0.volumeMounts.1": undefined },
  },
  {
    rule: "Priority admission: priority 0 and PreemptLowerPriority without a default class",
    resource: "pods",
    obj: pod(),
    want: { "spec.priority": 0, "spec.preemptionPolicy": "PreemptLowerPriority", "spec.priorityClassName": undefined },
  },
  {
    rule: "Priority admission: the global default class (the lowest of several) and the built-in system classes",
    resource: "pods",
    obj: pod(),
    opts: {
      reads: reads([
        {
          group: "scheduling.k8s.io",
          resource: "priorityclasses",
          obj: { metadata: { name: "hi" }, value: 9, globalDefault: true },
        },
        {
          group: "scheduling.k8s.io",
          resource: "priorityclasses",
          obj: { metadata: { name: "lo" }, value: 5, globalDefault: true, preemptionPolicy: "Never" },
        },
        { group: "", resource: "serviceaccounts", namespace: "ns", obj: { metadata: { name: "default" } } },
      ]),
    },
    want: { "spec.priorityClassName": "lo", "spec.priority": 5, "spec.preemptionPolicy": "Never" },
  },
  {
    rule: "Priority admission: system-node-critical resolves without a stored class",
    resource: "pods",
    obj: pod({ priorityClassName: "system-node-critical" }),
    opts: { reads: reads([]) },
    want: { "spec.priority": 2000001000 },
  },
  {
    rule: "Priority admission on update: a dropped priority comes back from the stored pod",
    resource: "pods",
    obj: pod(),
    opts: { operation: "update", old: pod({ priority: 7, preemptionPolicy: "Never" }) },
    want: { "spec.priority": 7, "spec.preemptionPolicy": "Never" },
  },
  {
    rule: "DefaultTolerationSeconds: not-ready and unreachable NoExecute for 300 s unless tolerated",
    resource: "pods",
    obj: pod({
      tolerations: [
        { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 9 },
      ],
    }),
    want: {
      "spec.tolerations": [
        { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 9 },
        { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      ],
    },
  },
  {
    rule: "DefaultTolerationSeconds: a toleration of everything needs no more",
    resource: "pods",
    obj: pod({ tolerations: [{ operator: "Exists" }] }),
    want: { "spec.tolerations": [{ operator: "Exists" }] },
  },
  {
    rule: "LimitRanger: the namespace's container defaults fill unset requests and limits, annotated",
    resource: "pods",
    obj: pod({ containers: [container({ resources: { limits: { cpu: "1" } } })] }),
    opts: {
      reads: reads([
        {
          group: "",
          resource: "limitranges",
          namespace: "ns",
          obj: {
            metadata: { name: "lr" },
            spec: { limits: [{ type: "Container", default: { memory: "256Mi" }, defaultRequest: { cpu: "50m" } }] },
          },
        },
      ]),
    },
    want: {
      "spec.containers.0.resources": { limits: { cpu: "1", memory: "256Mi" }, requests: { cpu: "1", memory: "256Mi" } },
      "metadata.annotations.[kubernetes.io/limit-ranger]":
        "LimitRanger plugin set: memory request for container c; memory limit for container c",
    },
  },
  {
    rule: "RuntimeClass admission: overhead and scheduling from the class",
    resource: "pods",
    obj: pod({ runtimeClassName: "gvisor" }),
    opts: {
      reads: reads([
        {
          group: "node.k8s.io",
          resource: "runtimeclasses",
          obj: {
            metadata: { name: "gvisor" },
            handler: "runsc",
            overhead: { podFixed: { cpu: "250m" } },
            scheduling: { nodeSelector: { sandbox: "yes" }, tolerations: [{ key: "sandbox", operator: "Exists" }] },
          },
        },
      ]),
    },
    want: {
      "spec.overhead": { cpu: "250m" },
      "spec.nodeSelector": { sandbox: "yes" },
      "spec.tolerations.2": { key: "sandbox", operator: "Exists" },
    },
  },
  // ---- workloads ---------------------------------------------------------------------------------
  {
    rule: "Deployment: replicas 1, RollingUpdate 25%/25%, history 10, progress deadline 600, template defaults",
    group: "apps",
    resource: "deployments",
    obj: deployment(),
    want: {
      "spec.replicas": 1,
      "spec.strategy": { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
      "spec.revisionHistoryLimit": 10,
      "spec.progressDeadlineSeconds": 600,
      "spec.template.spec.dnsPolicy": "ClusterFirst",
      "spec.template.spec.enableServiceLinks": undefined,
      "spec.template.spec.containers.0.imagePullPolicy": "IfNotPresent",
    },
  },
  {
    rule: "Deployment: Recreate gets no rollingUpdate",
    group: "apps",
    resource: "deployments",
    obj: deployment({ strategy: { type: "Recreate" } }),
    want: { "spec.strategy": { type: "Recreate" } },
  },
  {
    rule: "ReplicaSet: replicas 1, status replicas 0",
    group: "apps",
    resource: "replicasets",
    obj: { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: meta(), spec: { template: template() } },
    want: { "spec.replicas": 1, "status.replicas": 0 },
  },
  {
    rule: "StatefulSet: OrderedReady, RollingUpdate partition 0, Retain/Retain, replicas 1, history 10, claim templates",
    group: "apps",
    resource: "statefulsets",
    obj: {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: meta(),
      spec: {
        template: template(),
        volumeClaimTemplates: [{ metadata: { name: "d" }, spec: { resources: { requests: { storage: "1024Mi" } } } }],
      },
    },
    want: {
      "spec.podManagementPolicy": "OrderedReady",
      "spec.updateStrategy": { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
      "spec.persistentVolumeClaimRetentionPolicy": { whenDeleted: "Retain", whenScaled: "Retain" },
      "spec.replicas": 1,
      "spec.revisionHistoryLimit": 10,
      "spec.volumeClaimTemplates.0": {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "d" },
        spec: { resources: { requests: { storage: "1Gi" } }, volumeMode: "Filesystem" },
        status: { phase: "Pending" },
      },
    },
  },
  {
    rule: "StatefulSet: an explicit RollingUpdate without rollingUpdate stays without it",
    group: "apps",
    resource: "statefulsets",
    obj: {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: meta(),
      spec: { updateStrategy: { type: "RollingUpdate" }, template: template() },
    },
    want: { "spec.updateStrategy": { type: "RollingUpdate" } },
  },
  {
    rule: "DaemonSet: RollingUpdate maxUnavailable 1 maxSurge 0, history 10, template generation 1",
    group: "apps",
    resource: "daemonsets",
    obj: { apiVersion: "apps/v1", kind: "DaemonSet", metadata: meta(), spec: { template: template() } },
    want: {
      "spec.updateStrategy": { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      "spec.revisionHistoryLimit": 10,
      "metadata.annotations.[deprecated.daemonset.template.generation]": "1",
    },
  },
  {
    rule: "DaemonSet update: the template generation is the stored one, plus one for a new template",
    group: "apps",
    resource: "daemonsets",
    obj: { apiVersion: "apps/v1", kind: "DaemonSet", metadata: meta(), spec: { template: template({}, { app: "b" }) } },
    opts: {
      operation: "update",
      old: applyDefaults("apps", "daemonsets", {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: meta({ annotations: { "deprecated.daemonset.template.generation": "4" } }),
        spec: { template: template() },
      }),
    },
    want: { "metadata.annotations.[deprecated.daemonset.template.generation]": "5" },
  },
  {
    rule: "Job: completions/parallelism 1, backoffLimit 6, NonIndexed, not suspended, TerminatingOrFailed, manualSelector false",
    group: "batch",
    resource: "jobs",
    obj: {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: meta({ name: "j" }),
      spec: { template: template({ restartPolicy: "Never" }, {}) },
    },
    want: {
      "spec.completions": 1,
      "spec.parallelism": 1,
      "spec.backoffLimit": 6,
      "spec.completionMode": "NonIndexed",
      "spec.suspend": false,
      "spec.podReplacementPolicy": "TerminatingOrFailed",
      "spec.manualSelector": false,
    },
  },
  {
    rule: "Job strategy: generated selector and template labels; the Job's labels come from its template",
    group: "batch",
    resource: "jobs",
    obj: {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: meta({ name: "j" }),
      spec: { template: template({ restartPolicy: "Never" }) },
    },
    want: {
      "spec.selector": { matchLabels: { "batch.kubernetes.io/controller-uid": "u-1" } },
      "spec.template.metadata.labels": {
        app: "a",
        "batch.kubernetes.io/controller-uid": "u-1",
        "batch.kubernetes.io/job-name": "j",
        "controller-uid": "u-1",
        "job-name": "j",
      },
      "metadata.labels": {
        app: "a",
        "batch.kubernetes.io/controller-uid": "u-1",
        "batch.kubernetes.io/job-name": "j",
        "controller-uid": "u-1",
        "job-name": "j",
      },
    },
  },
  {
    rule: "Job: own labels stay; manualSelector keeps the selector; backoffLimitPerIndex means no backoff limit; podFailurePolicy means Failed",
    group: "batch",
    resource: "jobs",
    obj: {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: meta({ labels: { mine: "yes" } }),
      spec: {
        manualSelector: true,
        selector: { matchLabels: { app: "a" } },
        parallelism: 3,
        backoffLimitPerIndex: 1,
        podFailurePolicy: { rules: [{ action: "FailJob", onPodConditions: [{ type: "DisruptionTarget" }] }] },
        template: template({ restartPolicy: "Never" }),
      },
    },
    want: {
      "metadata.labels": { mine: "yes" },
      "spec.selector": { matchLabels: { app: "a" } },
      "spec.completions": undefined,
      "spec.backoffLimit": 2147483647,
      "spec.podReplacementPolicy": "Failed",
      "spec.podFailurePolicy.rules.0.onPodConditions.0.status": "True",
      "spec.template.metadata.labels": { app: "a" },
    },
  },
  {
    rule: "CronJob: Allow, not suspended, 3 and 1 jobs kept, job template metadata, pod template defaults only",
    group: "batch",
    resource: "cronjobs",
    obj: {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: meta(),
      spec: {
        schedule: "* * * * *",
        jobTemplate: { spec: { template: { spec: podSpec({ restartPolicy: "OnFailure" }) } } },
      },
    },
    want: {
      "spec.concurrencyPolicy": "Allow",
      "spec.suspend": false,
      "spec.successfulJobsHistoryLimit": 3,
      "spec.failedJobsHistoryLimit": 1,
      "spec.jobTemplate.metadata": {},
      "spec.jobTemplate.spec.template.metadata": {},
      "spec.jobTemplate.spec.completions": undefined,
      "spec.jobTemplate.spec.template.spec.schedulerName": "default-scheduler",
    },
  },
  {
    rule: "ReplicationController: selector and labels from the template, replicas 1",
    resource: "replicationcontrollers",
    obj: { apiVersion: "v1", kind: "ReplicationController", metadata: meta(), spec: { template: template() } },
    want: { "spec.selector": { app: "a" }, "metadata.labels": { app: "a" }, "spec.replicas": 1, "status.replicas": 0 },
  },
  {
    rule: "PodTemplate: template metadata and PodSpec defaults, no Pod-only defaults",
    resource: "podtemplates",
    obj: { apiVersion: "v1", kind: "PodTemplate", metadata: meta(), template: { spec: podSpec() } },
    want: {
      "template.metadata": {},
      "template.spec.restartPolicy": "Always",
      "template.spec.enableServiceLinks": undefined,
    },
  },
  // ---- services and endpoints --------------------------------------------------------------------
  {
    rule: "Service: ClusterIP, None affinity, TCP, targetPort = port, internalTrafficPolicy Cluster, SingleStack",
    resource: "services",
    obj: { apiVersion: "v1", kind: "Service", metadata: meta(), spec: { selector: { a: "b" }, ports: [{ port: 80 }] } },
    want: {
      "spec.type": "ClusterIP",
      "spec.sessionAffinity": "None",
      "spec.ports": [{ port: 80, protocol: "TCP", targetPort: 80 }],
      "spec.internalTrafficPolicy": "Cluster",
      "spec.ipFamilyPolicy": "SingleStack",
      "spec.clusterIP": undefined,
      "spec.ipFamilies": undefined,
    },
  },
  {
    rule: "Service: ClientIP affinity timeout 10800; NodePort externalTrafficPolicy Cluster",
    resource: "services",
    obj: {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(),
      spec: { type: "NodePort", sessionAffinity: "ClientIP", ports: [{ port: 80, targetPort: "http" }] },
    },
    want: {
      "spec.sessionAffinityConfig": { clientIP: { timeoutSeconds: 10800 } },
      "spec.externalTrafficPolicy": "Cluster",
      "spec.ports.0.targetPort": "http",
    },
  },
  {
    rule: "Service: LoadBalancer allocates node ports; ingress IPs get ipMode VIP",
    resource: "services",
    obj: {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(),
      spec: { type: "LoadBalancer", ports: [{ port: 80 }] },
      status: { loadBalancer: { ingress: [{ ip: "1.2.3.4" }, { hostname: "h" }] } },
    },
    opts: { subresource: "status" },
    want: {
      "spec.allocateLoadBalancerNodePorts": true,
      "status.loadBalancer.ingress": [{ ip: "1.2.3.4", ipMode: "VIP" }, { hostname: "h" }],
    },
  },
  {
    rule: "Service: headless mirrors clusterIP into clusterIPs; without a selector RequireDualStack",
    resource: "services",
    obj: { apiVersion: "v1", kind: "Service", metadata: meta(), spec: { clusterIP: "None", ports: [{ port: 80 }] } },
    want: { "spec.clusterIPs": ["None"], "spec.ipFamilyPolicy": "RequireDualStack" },
  },
  {
    rule: "Service: ExternalName has no internalTrafficPolicy and no ipFamilyPolicy",
    resource: "services",
    obj: {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(),
      spec: { type: "ExternalName", externalName: "e.com", internalTrafficPolicy: "Local" },
    },
    want: { "spec.internalTrafficPolicy": undefined, "spec.ipFamilyPolicy": undefined, "spec.sessionAffinity": "None" },
  },
  {
    rule: "Service update: a switch to ExternalName wipes what the old type had allocated",
    resource: "services",
    obj: {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(),
      spec: {
        type: "ExternalName",
        externalName: "e.com",
        clusterIP: "10.0.0.9",
        clusterIPs: ["10.0.0.9"],
        ipFamilies: ["IPv4"],
        ipFamilyPolicy: "SingleStack",
      },
    },
    opts: {
      operation: "update",
      old: {
        metadata: meta(),
        spec: {
          type: "ClusterIP",
          clusterIP: "10.0.0.9",
          clusterIPs: ["10.0.0.9"],
          ipFamilies: ["IPv4"],
          ipFamilyPolicy: "SingleStack",
        },
      },
    },
    want: {
      "spec.clusterIP": undefined,
      "spec.clusterIPs": undefined,
      "spec.ipFamilies": undefined,
      "spec.ipFamilyPolicy": undefined,
    },
  },
  {
    rule: "Service update: ipFamilyPolicy left out is the stored one",
    resource: "services",
    obj: { apiVersion: "v1", kind: "Service", metadata: meta(), spec: { ports: [{ port: 80 }] } },
    opts: { operation: "update", old: { metadata: meta(), spec: { ipFamilyPolicy: "PreferDualStack" } } },
    want: { "spec.ipFamilyPolicy": "PreferDualStack" },
  },
  {
    rule: "Endpoints: ports default to TCP",
    resource: "endpoints",
    obj: {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: meta(),
      subsets: [{ addresses: [{ ip: "1.1.1.1" }], ports: [{ port: 80 }] }],
    },
    want: { "subsets.0.ports.0.protocol": "TCP" },
  },
  {
    rule: "EndpointSlice: ports name '' and TCP, conditions struct, no deprecatedTopology, null lists",
    group: "discovery.k8s.io",
    resource: "endpointslices",
    obj: {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: meta(),
      addressType: "IPv4",
      endpoints: [{ addresses: ["1.1.1.1"], deprecatedTopology: { "kubernetes.io/hostname": "n" } }],
      ports: [{ port: 80 }],
    },
    want: {
      ports: [{ port: 80, name: "", protocol: "TCP" }],
      endpoints: [{ addresses: ["1.1.1.1"], conditions: {} }],
    },
  },
  {
    rule: "EndpointSlice: endpoints and ports read back as null when absent",
    group: "discovery.k8s.io",
    resource: "endpointslices",
    obj: { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: meta(), addressType: "IPv4" },
    want: { endpoints: null, ports: null },
  },
  // ---- namespaces, secrets, storage ---------------------------------------------------------------
  {
    rule: "Namespace: name label (overriding the client's), Active, kubernetes finalizer appended",
    resource: "namespaces",
    obj: {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "a", labels: { "kubernetes.io/metadata.name": "b", x: "y" } },
      spec: { finalizers: ["example.com/f"] },
      status: { phase: "Terminating" },
    },
    want: {
      "metadata.labels": { "kubernetes.io/metadata.name": "a", x: "y" },
      "spec.finalizers": ["example.com/f", "kubernetes"],
      status: { phase: "Active" },
    },
  },
  {
    rule: "Namespace update: the label comes back, finalizers and status are left to the strategy",
    resource: "namespaces",
    obj: { apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } },
    opts: { operation: "update", old: { metadata: { name: "a" } } },
    want: {
      "metadata.labels": { "kubernetes.io/metadata.name": "a" },
      "spec.finalizers": undefined,
      "status.phase": "Active",
    },
  },
  {
    rule: "Secret: stringData folds into data (overriding it) as base64, type Opaque",
    resource: "secrets",
    obj: {
      apiVersion: "v1",
      kind: "Secret",
      metadata: meta(),
      data: { a: "eA==", b: "eQ==" },
      stringData: { b: "über" },
    },
    want: { data: { a: "eA==", b: "w7xiZXI=" }, stringData: undefined, type: "Opaque" },
  },
  {
    rule: "PersistentVolumeClaim: Filesystem, Pending, pvc-protection, data source pair, default class",
    resource: "persistentvolumeclaims",
    obj: {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: meta(),
      spec: {
        resources: { requests: { storage: "0.5Gi" } },
        dataSource: { kind: "PersistentVolumeClaim", name: "src" },
      },
    },
    opts: {
      reads: reads([
        {
          group: "storage.k8s.io",
          resource: "storageclasses",
          obj: {
            metadata: {
              name: "old",
              creationTimestamp: "2024-01-01T00:00:00Z",
              annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
            },
          },
        },
        {
          group: "storage.k8s.io",
          resource: "storageclasses",
          obj: {
            metadata: {
              name: "new",
              creationTimestamp: "2024-06-01T00:00:00Z",
              annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
            },
          },
        },
      ]),
    },
    want: {
      "spec.volumeMode": "Filesystem",
      "spec.resources.requests.storage": "512Mi",
      "status.phase": "Pending",
      "metadata.finalizers": ["kubernetes.io/pvc-protection"],
      "spec.dataSource": { apiGroup: null, kind: "PersistentVolumeClaim", name: "src" },
      "spec.dataSourceRef": { apiGroup: null, kind: "PersistentVolumeClaim", name: "src" },
      "spec.storageClassName": "new",
    },
  },
  {
    rule: "PersistentVolumeClaim: an explicit empty class is kept",
    resource: "persistentvolumeclaims",
    obj: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: meta(), spec: { storageClassName: "" } },
    opts: {
      reads: reads([
        {
          group: "storage.k8s.io",
          resource: "storageclasses",
          obj: { metadata: { name: "d", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } } },
        },
      ]),
    },
    want: { "spec.storageClassName": "" },
  },
  {
    rule: "PersistentVolume: Retain, Filesystem, Pending, pv-protection, hostPath type",
    resource: "persistentvolumes",
    obj: {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: "pv" },
      spec: { capacity: { storage: "1024Mi" }, hostPath: { path: "/x" } },
    },
    want: {
      "spec.persistentVolumeReclaimPolicy": "Retain",
      "spec.volumeMode": "Filesystem",
      "spec.capacity.storage": "1Gi",
      "spec.hostPath.type": "",
      "status.phase": "Pending",
      "metadata.finalizers": ["kubernetes.io/pv-protection"],
    },
  },
  {
    rule: "StorageClass: Delete, Immediate",
    group: "storage.k8s.io",
    resource: "storageclasses",
    obj: { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "s" }, provisioner: "p" },
    want: { reclaimPolicy: "Delete", volumeBindingMode: "Immediate" },
  },
  {
    rule: "CSIDriver: attach required, no pod info, no capacity, RWO-with-fstype fsGroup, Persistent, no republish, no SELinux mount",
    group: "storage.k8s.io",
    resource: "csidrivers",
    obj: { apiVersion: "storage.k8s.io/v1", kind: "CSIDriver", metadata: { name: "d" }, spec: {} },
    want: {
      spec: {
        attachRequired: true,
        podInfoOnMount: false,
        storageCapacity: false,
        fsGroupPolicy: "ReadWriteOnceWithFSType",
        volumeLifecycleModes: ["Persistent"],
        requiresRepublish: false,
        seLinuxMount: false,
      },
    },
  },
  {
    rule: "VolumeAttributesClass: vac-protection finalizer",
    group: "storage.k8s.io",
    resource: "volumeattributesclasses",
    obj: { apiVersion: "storage.k8s.io/v1", kind: "VolumeAttributesClass", metadata: { name: "v" }, driverName: "d" },
    want: { "metadata.finalizers": ["kubernetes.io/vac-protection"] },
  },
  {
    rule: "LimitRange: container default from max, default request from default, then min",
    resource: "limitranges",
    obj: {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: meta(),
      spec: {
        limits: [
          {
            type: "Container",
            max: { cpu: "2", memory: "1Gi" },
            min: { cpu: "10m", "ephemeral-storage": "1Gi" },
            default: { memory: "512Mi" },
          },
        ],
      },
    },
    want: {
      "spec.limits.0.default": { cpu: "2", memory: "512Mi" },
      "spec.limits.0.defaultRequest": { cpu: "2", memory: "512Mi", "ephemeral-storage": "1Gi" },
    },
  },
  {
    rule: "ResourceQuota: hard quantities canonical",
    resource: "resourcequotas",
    obj: {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: meta(),
      spec: { hard: { "requests.memory": "1024Mi", pods: "10" } },
    },
    want: { "spec.hard": { "requests.memory": "1Gi", pods: "10" } },
  },
  {
    rule: "ServiceAccount strategy: secret references keep their names only",
    resource: "serviceaccounts",
    obj: {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: meta(),
      secrets: [{ name: "s", namespace: "o", kind: "Secret" }],
    },
    want: { secrets: [{ name: "s" }] },
  },
  // ---- networking, policy, rbac, scheduling, autoscaling, coordination, events, resource --------
  {
    rule: "Ingress: default IngressClass (newest default), spec struct",
    group: "networking.k8s.io",
    resource: "ingresses",
    obj: { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: meta() },
    opts: {
      reads: reads([
        {
          group: "networking.k8s.io",
          resource: "ingressclasses",
          obj: { metadata: { name: "nginx", annotations: { "ingressclass.kubernetes.io/is-default-class": "true" } } },
        },
      ]),
    },
    want: { "spec.ingressClassName": "nginx" },
  },
  {
    rule: "Ingress: the legacy class annotation keeps the class unset",
    group: "networking.k8s.io",
    resource: "ingresses",
    obj: {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: meta({ annotations: { "kubernetes.io/ingress.class": "x" } }),
    },
    opts: {
      reads: reads([
        {
          group: "networking.k8s.io",
          resource: "ingressclasses",
          obj: { metadata: { name: "nginx", annotations: { "ingressclass.kubernetes.io/is-default-class": "true" } } },
        },
      ]),
    },
    want: { "spec.ingressClassName": undefined },
  },
  {
    rule: "IngressClass: parameters scope Cluster",
    group: "networking.k8s.io",
    resource: "ingressclasses",
    obj: {
      apiVersion: "networking.k8s.io/v1",
      kind: "IngressClass",
      metadata: { name: "i" },
      spec: { parameters: { kind: "K", name: "n" } },
    },
    want: { "spec.parameters.scope": "Cluster" },
  },
  {
    rule: "NetworkPolicy: policyTypes Ingress (+ Egress with egress rules), ports TCP, podSelector struct",
    group: "networking.k8s.io",
    resource: "networkpolicies",
    obj: {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta(),
      spec: { egress: [{ ports: [{ port: 53 }] }] },
    },
    want: {
      "spec.policyTypes": ["Ingress", "Egress"],
      "spec.egress.0.ports.0.protocol": "TCP",
      "spec.podSelector": {},
    },
  },
  {
    rule: "PodDisruptionBudget: status counters written as 0",
    group: "policy",
    resource: "poddisruptionbudgets",
    obj: { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta(), spec: { minAvailable: 1 } },
    want: { status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 } },
  },
  {
    rule: "RoleBinding: roleRef and User/Group subjects in the rbac group, ServiceAccount in the core group",
    group: "rbac.authorization.k8s.io",
    resource: "rolebindings",
    obj: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta(),
      roleRef: { kind: "Role", name: "r" },
      subjects: [
        { kind: "User", name: "u" },
        { kind: "ServiceAccount", name: "s", namespace: "ns", apiGroup: "" },
      ],
    },
    want: {
      "roleRef.apiGroup": "rbac.authorization.k8s.io",
      subjects: [
        { kind: "User", name: "u", apiGroup: "rbac.authorization.k8s.io" },
        { kind: "ServiceAccount", name: "s", namespace: "ns" },
      ],
    },
  },
  {
    rule: "ClusterRole: rules read back as null when absent",
    group: "rbac.authorization.k8s.io",
    resource: "clusterroles",
    obj: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "r" } },
    want: { rules: null },
  },
  {
    rule: "PriorityClass: PreemptLowerPriority",
    group: "scheduling.k8s.io",
    resource: "priorityclasses",
    obj: { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "p" }, value: 1 },
    want: { preemptionPolicy: "PreemptLowerPriority" },
  },
  {
    rule: "HPA v2: minReplicas 1, 80% CPU, empty status written",
    group: "autoscaling",
    resource: "horizontalpodautoscalers",
    obj: {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: meta(),
      spec: { scaleTargetRef: { kind: "Deployment", name: "d" }, maxReplicas: 3 },
    },
    want: {
      "spec.minReplicas": 1,
      "spec.metrics": [
        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } },
      ],
      status: { currentMetrics: null, desiredReplicas: 0 },
    },
  },
  {
    rule: "HPA v2: a behavior gets both directions' rules filled",
    group: "autoscaling",
    resource: "horizontalpodautoscalers",
    obj: {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: meta(),
      spec: { maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } },
    },
    want: {
      "spec.behavior": {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: "Max",
          policies: [
            { type: "Pods", value: 4, periodSeconds: 15 },
            { type: "Percent", value: 100, periodSeconds: 15 },
          ],
        },
        scaleDown: {
          stabilizationWindowSeconds: 60,
          selectPolicy: "Max",
          policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
        },
      },
    },
  },
  {
    rule: "Lease: spec struct",
    group: "coordination.k8s.io",
    resource: "leases",
    obj: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: meta() },
    want: { spec: {} },
  },
  {
    rule: "core/v1 Event: unset times are null, source and involvedObject structs, reporting fields ''",
    resource: "events",
    obj: { apiVersion: "v1", kind: "Event", metadata: meta(), reason: "R" },
    want: {
      eventTime: null,
      firstTimestamp: null,
      lastTimestamp: null,
      source: {},
      involvedObject: {},
      reportingComponent: "",
      reportingInstance: "",
    },
  },
  {
    rule: "ResourceClaim: ExactCount 1; tolerations dropped on create (DRADeviceTaints is off)",
    group: "resource.k8s.io",
    resource: "resourceclaims",
    obj: {
      apiVersion: "resource.k8s.io/v1",
      kind: "ResourceClaim",
      metadata: meta(),
      spec: { devices: { requests: [{ name: "r", exactly: { deviceClassName: "c", tolerations: [{ key: "k" }] } }] } },
    },
    want: { "spec.devices.requests.0.exactly": { deviceClassName: "c", allocationMode: "ExactCount", count: 1 } },
  },
  {
    rule: "ResourceClaim update: tolerations a stored claim has stay, with operator Equal",
    group: "resource.k8s.io",
    resource: "resourceclaims",
    obj: {
      apiVersion: "resource.k8s.io/v1",
      kind: "ResourceClaim",
      metadata: meta(),
      spec: { devices: { requests: [{ name: "r", exactly: { deviceClassName: "c", tolerations: [{ key: "k" }] } }] } },
    },
    opts: {
      operation: "update",
      old: {
        metadata: meta(),
        spec: { devices: { requests: [{ name: "r", exactly: { tolerations: [{ key: "k", operator: "Equal" }] } }] } },
      },
    },
    want: { "spec.devices.requests.0.exactly.tolerations": [{ key: "k", operator: "Equal" }] },
  },
  {
    rule: "ResourceClaimTemplate: the template's metadata struct",
    group: "resource.k8s.io",
    resource: "resourceclaimtemplates",
    obj: { apiVersion: "resource.k8s.io/v1", kind: "ResourceClaimTemplate", metadata: meta(), spec: { spec: {} } },
    want: { "spec.metadata": {} },
  },
  {
    rule: "ResourceSlice: taints dropped on create; kept ones get the time they were added",
    group: "resource.k8s.io",
    resource: "resourceslices",
    obj: {
      apiVersion: "resource.k8s.io/v1",
      kind: "ResourceSlice",
      metadata: { name: "s" },
      spec: { devices: [{ name: "d", taints: [{ key: "k", effect: "NoSchedule" }] }] },
    },
    want: { "spec.devices.0.taints": undefined },
  },
  {
    rule: "ResourceSlice update: taints a stored slice has get timeAdded",
    group: "resource.k8s.io",
    resource: "resourceslices",
    obj: {
      apiVersion: "resource.k8s.io/v1",
      kind: "ResourceSlice",
      metadata: { name: "s" },
      spec: { devices: [{ name: "d", taints: [{ key: "k", effect: "NoSchedule" }] }] },
    },
    opts: {
      operation: "update",
      old: {
        metadata: { name: "s" },
        spec: { devices: [{ name: "d", taints: [{ key: "k", effect: "NoSchedule" }] }] },
      },
    },
    want: { "spec.devices.0.taints.0.timeAdded": NOW },
  },
  {
    rule: "Ingress: a resource backend's apiGroup reads back as null",
    group: "networking.k8s.io",
    resource: "ingresses",
    obj: {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: meta(),
      spec: {
        defaultBackend: { resource: { kind: "K", name: "n" } },
        rules: [
          { http: { paths: [{ path: "/", pathType: "Prefix", backend: { resource: { kind: "K", name: "m" } } }] } },
        ],
      },
    },
    want: {
      "spec.defaultBackend.resource.apiGroup": null,
      "spec.rules.0.http.paths.0.backend.resource.apiGroup": null,
    },
  },
  {
    rule: "VolumeAttachment: status.attached false",
    group: "storage.k8s.io",
    resource: "volumeattachments",
    obj: {
      apiVersion: "storage.k8s.io/v1",
      kind: "VolumeAttachment",
      metadata: { name: "v" },
      spec: { attacher: "a" },
    },
    want: { "status.attached": false },
  },
  {
    rule: "RuntimeClass: overhead quantities canonical",
    group: "node.k8s.io",
    resource: "runtimeclasses",
    obj: {
      apiVersion: "node.k8s.io/v1",
      kind: "RuntimeClass",
      metadata: { name: "r" },
      handler: "h",
      overhead: { podFixed: { cpu: "0.25" } },
    },
    want: { "overhead.podFixed.cpu": "250m" },
  },
  {
    rule: "TaintNodesByCondition: a new node is tainted not-ready NoSchedule",
    resource: "nodes",
    obj: { apiVersion: "v1", kind: "Node", metadata: { name: "n" } },
    want: { "spec.taints": [{ key: "node.kubernetes.io/not-ready", effect: "NoSchedule" }] },
  },
  {
    rule: "Node: allocatable from capacity, podCIDRs from podCIDR, status structs",
    resource: "nodes",
    obj: {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "n" },
      spec: { podCIDR: "10.0.0.0/24" },
      status: { capacity: { cpu: "4" } },
    },
    want: {
      "spec.podCIDRs": ["10.0.0.0/24"],
      "status.allocatable": { cpu: "4" },
      "status.daemonEndpoints": { kubeletEndpoint: { Port: 0 } },
      "status.nodeInfo.kubeletVersion": "",
    },
  },
];

describe("defaulting (kube-apiserver 1.35)", () => {
  for (const r of rows) {
    it(r.rule, () => {
      const input = structuredClone(r.obj);
      const out = applyDefaults(r.group ?? "", r.resource, r.obj, opts(r.opts));
      for (const [path, want] of Object.entries(r.want)) assert.deepEqual(at(out, path), want, path);
      assert.deepEqual(r.obj, input, "the input is not changed");
    });
  }

  it("is idempotent: defaulting a defaulted object changes nothing", () => {
    for (const r of rows) {
      const once = applyDefaults(r.group ?? "", r.resource, r.obj, opts(r.opts));
      const twice = applyDefaults(r.group ?? "", r.resource, once, opts({ ...r.opts, operation: "update", old: once }));
      assert.deepEqual(twice, once, r.rule);
    }
  });

  it("leaves resources without defaulters alone (the same object back)", () => {
    const cm = { metadata: { name: "c" }, data: {} };
    assert.equal(applyDefaults("", "configmaps", cm), cm);
  });

  it("admission refuses as kube does: a missing service account, priority class or runtime class, a wrong priority", () => {
    const none = reads([]);
    const refusal = (obj: KubeObject) => {
      try {
        applyDefaults("", "pods", obj, opts({ reads: none }));
      } catch (err) {
        const e = err as { reason: string; code: number; message: string };
        return [e.reason, e.code, e.message];
      }
      assert.fail("admitted");
    };
    assert.deepEqual(refusal(pod({ serviceAccountName: "nope" })), [
      "Forbidden",
      403,
      'pods "x" is forbidden: error looking up service account ns/nope: serviceaccount "nope" not found',
    ]);
    assert.deepEqual(refusal(pod({ priorityClassName: "nope" })), [
      "Forbidden",
      403,
      'pods "x" is forbidden: no PriorityClass with name nope was found',
    ]);
    assert.deepEqual(refusal(pod({ priority: 5 })), [
      "Forbidden",
      403,
      'pods "x" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name',
    ]);
    assert.deepEqual(refusal(pod({ runtimeClassName: "nope" })), [
      "Forbidden",
      403,
      'pods "x" is forbidden: pod rejected: RuntimeClass "nope" not found',
    ]);
    assert.deepEqual(refusal(pod({ overhead: { cpu: "1" } })), [
      "Forbidden",
      403,
      'pods "x" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead',
    ]);
  });

  it("subresource writes are decoded only: no admission, no strategy", () => {
    const out = applyDefaults(
      "",
      "pods",
      pod({ ephemeralContainers: [{ name: "d", image: "busybox" }] }),
      opts({ operation: "update", subresource: "ephemeralcontainers" }),
    );
    assert.equal(at(out, "spec.ephemeralContainers.0.imagePullPolicy"), "Always");
    assert.equal(at(out, "spec.serviceAccountName"), undefined);
    assert.equal(at(out, "spec.tolerations"), undefined);
    assert.equal(at(out, "spec.priority"), undefined);
  });

  it("the create path can be split around the caller's PrepareForCreate", () => {
    const job: KubeObject = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: meta({ name: "j" }),
      spec: { template: template({ restartPolicy: "Never" }) },
    };
    const admitted = applyDefaults("batch", "jobs", job, opts({ stage: "admission" }));
    assert.equal(at(admitted, "spec.selector"), undefined, "the selector is the strategy's");
    const stored = applyDefaults("batch", "jobs", { ...admitted, status: {} }, opts({ stage: "strategy" }));
    assert.deepEqual(stored, applyDefaults("batch", "jobs", { ...job, status: {} }, opts()));
    assert.equal(at(stored, "metadata.labels.[job-name]"), "j");
  });
});

describe("quantities as kube writes them back (apimachinery resource.Quantity)", () => {
  // [input, MarshalJSON after ParseQuantity, and after SetDefaults_ResourceList's RoundUp(-3)], from Go.
  const cases: [string | number, string, string][] = [
    ["0", "0", "0"],
    ["0.5", "500m", "500m"],
    [".5", "500m", "500m"],
    [0.25, "250m", "250m"],
    [2, "2", "2"],
    ["1024Mi", "1Gi", "1Gi"],
    ["1000m", "1", "1"],
    ["100m", "100m", "100m"],
    ["1.5Gi", "1536Mi", "1536Mi"],
    ["0.5Gi", "512Mi", "512Mi"],
    ["3.5Ti", "3584Gi", "3584Gi"],
    ["1023Mi", "1023Mi", "1023Mi"],
    ["2000Ki", "2000Ki", "2000Ki"],
    ["1e3", "1e3", "1e3"],
    ["1E3", "1E3", "1E3"],
    ["1.5e3", "1500", "1500"],
    ["2e-3", "2e-3", "2e-3"],
    ["1e19", "10e18", "10e18"],
    ["12000", "12k", "12k"],
    ["1000", "1k", "1k"],
    ["1000k", "1M", "1M"],
    ["2048", "2048", "2048"],
    ["1024", "1024", "1024"],
    ["+1", "+1", "+1"],
    ["01", "01", "01"],
    ["1.0", "1", "1"],
    ["1.", "1.", "1."],
    ["0m", "0", "0"],
    ["-1.5Gi", "-1536Mi", "-1536Mi"],
    ["0.0001", "100u", "1m"],
    ["1500u", "1500u", "2m"],
    ["1n", "1n", "1m"],
    ["0.1n", "1n", "1m"],
    ["5e-10", "1e-9", "1e-3"],
    ["1.2345678901234567890", "1234567891n", "1235m"],
    ["123456789012345678901", "123456789012345678901", "123456789012345678901"],
    ["1000E", "1", "1"],
    ["G", "0", "0"],
  ];
  for (const [input, plain, rounded] of cases) {
    it(`${JSON.stringify(input)} → ${plain} (in a resource list: ${rounded})`, () => {
      assert.equal(canonicalQuantity(input), plain);
      assert.equal(canonicalResourceQuantity(input), rounded);
    });
  }
  it("leaves what does not parse for validation", () => {
    for (const bad of ["bad", "1Qi", "Ei", "e-12", ""]) assert.equal(canonicalQuantity(bad), bad);
  });
});

describe("image tags as parsers.ParseImageName reads them", () => {
  const cases: [string, string][] = [
    ["nginx", "latest"],
    ["nginx:1.27", "1.27"],
    ["docker.io/library/nginx", "latest"],
    ["index.docker.io/nginx:2", "2"],
    ["localhost/app:v", "v"],
    ["[::1]:5000/app:v1", "v1"],
    ["Registry.Example.com/app:v1", "v1"],
    ["registry.example.com/App:v1", ""],
    ["Nginx", ""],
    ["my_registry:5000/app", ""],
    ["nginx:", ""],
    ["ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a", ""],
    ["nginx:1.2@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a", "1.2"],
    ["nginx:latest@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917", ""],
    ["nginx@md5:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a", ""],
  ];
  for (const [image, tag] of cases) it(`${image} → ${JSON.stringify(tag)}`, () => assert.equal(imageTag(image), tag));
});
