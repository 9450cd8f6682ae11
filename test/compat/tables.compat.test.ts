import assert from "node:assert/strict";
import { normaliser, type ServerClient, sleep, TIMES, UIDS, useSideBySide } from "@evk/testing";

// `kubectl get <kind>` and `-o wide`, and the Table JSON behind them, for every kind evk serves, side by side
// against kube-apiserver 1.35. The same objects go to both servers; where the host's controllers (kwok,
// kube-controller-manager) write status, the host's status is copied into evk's object before comparing, so
// what is compared is how each server prints the same object.

const NS = "tables";
// A real PKCS#10 request (EC P-256, CN=compat): both servers parse it.
const CSR_PEM_BASE64 =
  "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIS01ITUNBUUF3RVRFUE1BMEdBMVVFQXd3R1kyOXRjR0YwTUZrd0V3WUhLb1pJemowQ0FRWUlLb1pJemowRApBUWNEUWdBRWpSeXBnTlN6MVllRVNyWFYzaFI5b0k4WmxXazNRQzcvaStLSHVhU2pSTWNLckFRY0ZlVGNJQjM3CmZwR256S3prTEhoZE5hYytqZlZFMTVjZlcvWUZKNkFBTUFvR0NDcUdTTTQ5QkFNQ0EwY0FNRVFDSUFLVUdyZ3gKK0dyYjU4dkQxaEtZVU5hZGttV3loUnFiempDV01lSHpzbVNCQWlBdGFvVkhVeVEwODhPMWhJQ2ZGZWpoMGdidgpsbjYycTRxUWZBNDNoTHBNaGc9PQotLS0tLUVORCBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K";

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

/** One kind: where it lives, the objects to create, and how their status gets its content. */
interface Fixture {
  /** kubectl's name for the kind, fully qualified where a short name is ambiguous. */
  kind: string;
  /** The collection path (namespaced collections are under NS). */
  path: string;
  /** The objects, built per server when they refer to something that server made (owner UIDs). */
  objects: Obj[] | ((s: ServerClient) => Promise<Obj[]>);
  /** Status set through the status subresource on both servers, by object name. */
  status?: Record<string, unknown>;
  /** Controllers on the host write this kind's status: copy the host's into evk before comparing. */
  statusFromHost?: boolean;
  /** Anything more, on each server, after the objects exist (approvals, bindings, deletions). */
  after?: (s: ServerClient) => Promise<void>;
  /** Columns left out of the comparison, each for a reason given where it is set. */
  ignoreColumns?: string[];
}

const now = Date.now();
const ago = (ms: number) => new Date(now - ms).toISOString().replace(/\.\d+Z$/, "Z");
const microAgo = (ms: number) => new Date(now - ms).toISOString().replace(/Z$/, "000Z");
const MIN = 60_000;

const meta = (kind: string, name: string, extra: Record<string, unknown> = {}) => ({
  name,
  ...extra,
  labels: { compat: kind, ...((extra.labels as Record<string, string>) ?? {}) },
});

const container = (name: string, image = `registry.example.com/${name}:1.0`) => ({ name, image });
const podSpec = (containers = [container("app")]) => ({
  schedulerName: "compat-nobody",
  restartPolicy: "Always",
  containers,
});
const template = (labels: Record<string, string>, containers = [container("app")]) => ({
  metadata: { labels },
  spec: { containers, restartPolicy: "Always" },
});
const running = { running: { startedAt: ago(10 * MIN) } };

function fixtures(): Fixture[] {
  const pods = `/api/v1/namespaces/${NS}/pods`;
  return [
    {
      kind: "pods",
      path: pods,
      objects: [
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: meta("pods", "running"),
          spec: {
            ...podSpec([container("app"), container("proxy")]),
            readinessGates: [{ conditionType: "example.com/gate" }],
          },
        },
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: meta("pods", "init"),
          spec: { ...podSpec(), initContainers: [container("setup"), container("migrate")] },
        },
        { apiVersion: "v1", kind: "Pod", metadata: meta("pods", "crash"), spec: podSpec() },
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: meta("pods", "done"),
          spec: { ...podSpec(), restartPolicy: "Never" },
        },
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: meta("pods", "gated"),
          spec: { ...podSpec(), schedulingGates: [{ name: "example.com/wait" }] },
        },
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: meta("pods", "sidecar"),
          spec: { ...podSpec(), initContainers: [{ ...container("log"), restartPolicy: "Always" }] },
        },
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: meta("pods", "terminating", { finalizers: ["example.com/hold"] }),
          spec: podSpec(),
        },
      ],
      status: {
        running: {
          phase: "Running",
          podIP: "10.244.7.5",
          podIPs: [{ ip: "10.244.7.5" }],
          conditions: [
            { type: "Ready", status: "True" },
            { type: "example.com/gate", status: "True" },
          ],
          containerStatuses: [
            { name: "app", ready: true, restartCount: 0, image: "app", imageID: "", state: running },
            {
              name: "proxy",
              ready: true,
              restartCount: 3,
              image: "proxy",
              imageID: "",
              state: running,
              lastState: { terminated: { exitCode: 1, startedAt: ago(20 * MIN), finishedAt: ago(5 * MIN) } },
            },
          ],
        },
        init: {
          phase: "Pending",
          initContainerStatuses: [
            { name: "setup", ready: false, restartCount: 0, image: "setup", imageID: "", state: running },
            { name: "migrate", ready: false, restartCount: 0, image: "migrate", imageID: "", state: { waiting: {} } },
          ],
          containerStatuses: [
            {
              name: "app",
              ready: false,
              restartCount: 0,
              image: "app",
              imageID: "",
              state: { waiting: { reason: "PodInitializing" } },
            },
          ],
        },
        crash: {
          phase: "Running",
          containerStatuses: [
            {
              name: "app",
              ready: false,
              restartCount: 5,
              image: "app",
              imageID: "",
              state: { waiting: { reason: "CrashLoopBackOff", message: "back-off" } },
              lastState: { terminated: { exitCode: 2, startedAt: ago(3 * MIN), finishedAt: ago(2 * MIN) } },
            },
          ],
        },
        done: {
          phase: "Succeeded",
          containerStatuses: [
            {
              name: "app",
              ready: false,
              restartCount: 0,
              image: "app",
              imageID: "",
              state: {
                terminated: { exitCode: 0, reason: "Completed", startedAt: ago(9 * MIN), finishedAt: ago(8 * MIN) },
              },
            },
          ],
        },
        gated: {
          phase: "Pending",
          nominatedNodeName: "node-b",
          conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }],
        },
        sidecar: {
          phase: "Running",
          conditions: [{ type: "Initialized", status: "True" }],
          initContainerStatuses: [
            { name: "log", ready: true, started: true, restartCount: 1, image: "log", imageID: "", state: running },
          ],
          containerStatuses: [{ name: "app", ready: true, restartCount: 0, image: "app", imageID: "", state: running }],
        },
      },
      async after(s) {
        // A node that does not exist: nothing on the host runs the pod, so its status stays as set.
        await s.json<Obj>("POST", `${pods}/running/binding`, {
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name: "running" },
          target: { apiVersion: "v1", kind: "Node", name: "compat-absent" },
        });
        await s.json<Obj>("DELETE", `${pods}/terminating`);
      },
    },
    {
      kind: "podtemplates",
      path: `/api/v1/namespaces/${NS}/podtemplates`,
      objects: [
        {
          apiVersion: "v1",
          kind: "PodTemplate",
          metadata: meta("podtemplates", "web"),
          template: template({ tier: "web", app: "shop" }, [container("app"), container("proxy")]),
        },
        {
          apiVersion: "v1",
          kind: "PodTemplate",
          metadata: meta("podtemplates", "bare"),
          template: { spec: podSpec() },
        },
      ],
    },
    {
      kind: "replicationcontrollers",
      path: `/api/v1/namespaces/${NS}/replicationcontrollers`,
      objects: [
        {
          apiVersion: "v1",
          kind: "ReplicationController",
          metadata: meta("replicationcontrollers", "rc1"),
          spec: {
            replicas: 2,
            selector: { app: "rc1", tier: "back" },
            template: template({ app: "rc1", tier: "back" }, [container("app"), container("sidecar")]),
          },
        },
      ],
      statusFromHost: true,
    },
    {
      kind: "services",
      path: `/api/v1/namespaces/${NS}/services`,
      objects: [
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: meta("services", "cluster"),
          spec: {
            type: "ClusterIP",
            clusterIP: "10.96.200.10",
            selector: { app: "web", tier: "front" },
            ports: [
              { name: "http", port: 80, protocol: "TCP" },
              { name: "dns", port: 53, protocol: "UDP" },
            ],
          },
        },
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: meta("services", "nodeport"),
          spec: {
            type: "NodePort",
            clusterIP: "10.96.200.11",
            externalIPs: ["203.0.113.5", "203.0.113.6"],
            ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }],
          },
        },
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: meta("services", "lb"),
          spec: {
            type: "LoadBalancer",
            clusterIP: "10.96.200.12",
            externalIPs: ["203.0.113.7"],
            ports: [{ port: 443, nodePort: 30443, protocol: "TCP" }],
          },
        },
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: meta("services", "lb-pending"),
          spec: {
            type: "LoadBalancer",
            clusterIP: "10.96.200.13",
            allocateLoadBalancerNodePorts: false,
            ports: [{ port: 8080, protocol: "TCP" }],
          },
        },
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: meta("services", "external"),
          spec: { type: "ExternalName", externalName: "db.example.com" },
        },
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: meta("services", "headless"),
          spec: { type: "ClusterIP", clusterIP: "None", selector: { app: "db" } },
        },
      ],
      status: {
        lb: {
          loadBalancer: { ingress: [{ ip: "198.51.100.9" }, { hostname: "lb.example.com" }, { ip: "198.51.100.2" }] },
        },
      },
    },
    {
      kind: "endpoints",
      path: `/api/v1/namespaces/${NS}/endpoints`,
      objects: [
        {
          apiVersion: "v1",
          kind: "Endpoints",
          metadata: meta("endpoints", "ep-many"),
          subsets: [
            {
              addresses: [{ ip: "10.1.0.1" }, { ip: "10.1.0.2" }, { ip: "10.1.0.3" }, { ip: "10.1.0.4" }],
              ports: [
                { name: "http", port: 80, protocol: "TCP" },
                { name: "https", port: 443, protocol: "TCP" },
              ],
            },
          ],
        },
        {
          apiVersion: "v1",
          kind: "Endpoints",
          metadata: meta("endpoints", "ep-headless"),
          subsets: [{ addresses: [{ ip: "10.1.1.1" }, { ip: "10.1.1.2" }] }],
        },
        {
          apiVersion: "v1",
          kind: "Endpoints",
          metadata: meta("endpoints", "ep-v6"),
          subsets: [{ addresses: [{ ip: "fd00::1" }], ports: [{ port: 8080, protocol: "TCP" }] }],
        },
        { apiVersion: "v1", kind: "Endpoints", metadata: meta("endpoints", "ep-empty") },
      ],
    },
    {
      kind: "nodes",
      path: "/api/v1/nodes",
      objects: [
        {
          apiVersion: "v1",
          kind: "Node",
          metadata: meta("nodes", "compat-node-a", {
            labels: {
              "node-role.kubernetes.io/control-plane": "",
              "node-role.kubernetes.io/worker": "",
              "kubernetes.io/role": "infra",
            },
          }),
          spec: { unschedulable: true },
        },
      ],
      // kwok manages every node of the host and reports its status.
      statusFromHost: true,
    },
    {
      kind: "events",
      path: `/api/v1/namespaces/${NS}/events`,
      objects: [
        {
          apiVersion: "v1",
          kind: "Event",
          metadata: meta("events", "started"),
          involvedObject: { kind: "Pod", name: "running", namespace: NS, fieldPath: "spec.containers{app}" },
          reason: "Started",
          message: "  Started container app\n",
          type: "Normal",
          source: { component: "kubelet", host: "node-a" },
          firstTimestamp: ago(10 * MIN),
          lastTimestamp: ago(2 * MIN),
          count: 4,
        },
        {
          apiVersion: "v1",
          kind: "Event",
          metadata: meta("events", "series"),
          involvedObject: { kind: "Deployment", namespace: NS },
          reason: "Scaled",
          message: "scaled up",
          type: "Warning",
          eventTime: microAgo(3 * MIN),
          series: { count: 7, lastObservedTime: microAgo(MIN) },
          action: "Scale",
          reportingComponent: "compat-controller",
          reportingInstance: "ctrl-1",
        },
        {
          apiVersion: "v1",
          kind: "Event",
          metadata: meta("events", "once"),
          involvedObject: { kind: "ConfigMap", name: "cm", namespace: NS },
          reason: "Seen",
          message: "once",
          type: "Normal",
          source: { component: "watcher" },
          firstTimestamp: ago(4 * MIN),
        },
      ],
    },
    {
      kind: "events.v1.events.k8s.io",
      path: `/apis/events.k8s.io/v1/namespaces/${NS}/events`,
      objects: [
        {
          apiVersion: "events.k8s.io/v1",
          kind: "Event",
          metadata: meta("events-v1", "synced"),
          regarding: { kind: "Pod", name: "running", namespace: NS, fieldPath: "spec.containers{proxy}" },
          reason: "Synced",
          note: "synced ok",
          type: "Normal",
          eventTime: microAgo(6 * MIN),
          series: { count: 2, lastObservedTime: microAgo(2 * MIN) },
          action: "Reconcile",
          reportingController: "compat.example.com/ctrl",
          reportingInstance: "ctrl-7",
        },
        {
          apiVersion: "events.k8s.io/v1",
          kind: "Event",
          metadata: meta("events-v1", "single"),
          regarding: { kind: "Pod", name: "crash", namespace: NS },
          reason: "Checked",
          note: "node checked",
          type: "Warning",
          eventTime: microAgo(7 * MIN),
          action: "Check",
          reportingController: "compat.example.com/ctrl",
          reportingInstance: "ctrl-8",
        },
      ],
    },
    {
      kind: "limitranges",
      path: `/api/v1/namespaces/${NS}/limitranges`,
      objects: [
        {
          apiVersion: "v1",
          kind: "LimitRange",
          metadata: meta("limitranges", "limits"),
          spec: { limits: [{ type: "Container", max: { memory: "64Gi" } }] },
        },
      ],
    },
    {
      kind: "persistentvolumes",
      path: "/api/v1/persistentvolumes",
      objects: [
        {
          apiVersion: "v1",
          kind: "PersistentVolume",
          metadata: meta("persistentvolumes", "compat-pv-bound"),
          spec: {
            capacity: { storage: "1024Mi" },
            accessModes: ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteOnce"],
            persistentVolumeReclaimPolicy: "Retain",
            storageClassName: "compat-manual",
            volumeMode: "Filesystem",
            claimRef: { namespace: NS, name: "bound" },
            hostPath: { path: "/tmp/compat-pv-bound" },
          },
        },
        {
          apiVersion: "v1",
          kind: "PersistentVolume",
          metadata: meta("persistentvolumes", "compat-pv-block", {
            annotations: { "volume.beta.kubernetes.io/storage-class": "legacy" },
          }),
          spec: {
            capacity: { storage: "1.5Gi" },
            accessModes: ["ReadWriteOncePod"],
            persistentVolumeReclaimPolicy: "Delete",
            storageClassName: "ignored",
            volumeMode: "Block",
            volumeAttributesClassName: "gold",
            csi: { driver: "full.csi.example.com", volumeHandle: "vol-1" },
          },
        },
      ],
      // The host's persistent volume controller binds and reports phases.
      statusFromHost: true,
    },
    {
      kind: "persistentvolumeclaims",
      path: `/api/v1/namespaces/${NS}/persistentvolumeclaims`,
      objects: [
        {
          apiVersion: "v1",
          kind: "PersistentVolumeClaim",
          metadata: meta("persistentvolumeclaims", "bound"),
          spec: {
            volumeName: "compat-pv-bound",
            storageClassName: "compat-manual",
            accessModes: ["ReadWriteOnce"],
            volumeMode: "Filesystem",
            resources: { requests: { storage: "1Gi" } },
          },
        },
        {
          apiVersion: "v1",
          kind: "PersistentVolumeClaim",
          metadata: meta("persistentvolumeclaims", "pending"),
          spec: {
            storageClassName: "compat-missing",
            volumeAttributesClassName: "silver",
            accessModes: ["ReadWriteMany"],
            volumeMode: "Block",
            resources: { requests: { storage: "2Gi" } },
          },
        },
      ],
      statusFromHost: true,
    },
    {
      kind: "deployments",
      path: `/apis/apps/v1/namespaces/${NS}/deployments`,
      objects: [
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: meta("deployments", "web"),
          spec: {
            replicas: 2,
            selector: {
              matchLabels: { app: "web" },
              matchExpressions: [{ key: "tier", operator: "In", values: ["front", "edge"] }],
            },
            template: template({ app: "web", tier: "front" }, [container("app"), container("proxy")]),
          },
        },
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: meta("deployments", "paused"),
          spec: {
            replicas: 3,
            paused: true,
            selector: { matchLabels: { app: "paused" } },
            template: template({ app: "paused" }),
          },
        },
      ],
      statusFromHost: true,
    },
    {
      kind: "replicasets",
      path: `/apis/apps/v1/namespaces/${NS}/replicasets`,
      objects: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          metadata: meta("replicasets", "rs1"),
          spec: {
            replicas: 1,
            selector: {
              matchLabels: { app: "rs1" },
              matchExpressions: [{ key: "app", operator: "Exists" }],
            },
            template: template({ app: "rs1" }),
          },
        },
      ],
      statusFromHost: true,
    },
    {
      kind: "statefulsets",
      path: `/apis/apps/v1/namespaces/${NS}/statefulsets`,
      objects: [
        {
          apiVersion: "apps/v1",
          kind: "StatefulSet",
          metadata: meta("statefulsets", "db"),
          spec: {
            replicas: 2,
            serviceName: "db",
            selector: { matchLabels: { app: "db" } },
            template: template({ app: "db" }, [container("db"), container("backup")]),
          },
        },
      ],
      statusFromHost: true,
    },
    {
      kind: "daemonsets",
      path: `/apis/apps/v1/namespaces/${NS}/daemonsets`,
      objects: [
        {
          apiVersion: "apps/v1",
          kind: "DaemonSet",
          metadata: meta("daemonsets", "agent"),
          spec: {
            selector: { matchLabels: { app: "agent" } },
            template: {
              metadata: { labels: { app: "agent" } },
              spec: {
                nodeSelector: { "kubernetes.io/os": "linux", disk: "ssd" },
                containers: [container("agent")],
                restartPolicy: "Always",
              },
            },
          },
        },
      ],
      statusFromHost: true,
    },
    {
      kind: "controllerrevisions",
      path: `/apis/apps/v1/namespaces/${NS}/controllerrevisions`,
      async objects(s) {
        // The owner must exist on each server, or the host's garbage collector removes the revision.
        const owner = await s.json<Obj>("POST", `/api/v1/namespaces/${NS}/configmaps`, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "revision-owner" },
        });
        return [
          {
            apiVersion: "apps/v1",
            kind: "ControllerRevision",
            metadata: meta("controllerrevisions", "owned-3", {
              ownerReferences: [
                {
                  apiVersion: "v1",
                  kind: "ConfigMap",
                  name: "revision-owner",
                  uid: owner.metadata.uid,
                  controller: true,
                },
              ],
            }),
            revision: 3,
            data: { spec: {} },
          },
          {
            apiVersion: "apps/v1",
            kind: "ControllerRevision",
            metadata: meta("controllerrevisions", "free-1"),
            revision: 1,
            data: { spec: {} },
          },
        ];
      },
    },
    {
      kind: "jobs",
      path: `/apis/batch/v1/namespaces/${NS}/jobs`,
      objects: [
        {
          apiVersion: "batch/v1",
          kind: "Job",
          metadata: meta("jobs", "suspended"),
          spec: {
            suspend: true,
            completions: 3,
            parallelism: 2,
            manualSelector: true,
            selector: { matchLabels: { job: "suspended" } },
            template: { ...template({ job: "suspended" }), spec: { ...template({}).spec, restartPolicy: "Never" } },
          },
        },
        {
          apiVersion: "batch/v1",
          kind: "Job",
          metadata: meta("jobs", "queue"),
          spec: {
            parallelism: 2,
            manualSelector: true,
            selector: { matchLabels: { job: "queue" } },
            template: {
              ...template({ job: "queue" }, [container("worker")]),
              spec: { containers: [container("worker")], restartPolicy: "OnFailure" },
            },
          },
        },
      ],
      statusFromHost: true,
    },
    {
      kind: "cronjobs",
      path: `/apis/batch/v1/namespaces/${NS}/cronjobs`,
      objects: [
        {
          apiVersion: "batch/v1",
          kind: "CronJob",
          metadata: meta("cronjobs", "nightly"),
          spec: {
            schedule: "0 3 * * *",
            timeZone: "Etc/UTC",
            suspend: true,
            jobTemplate: {
              spec: { template: { spec: { containers: [container("backup")], restartPolicy: "OnFailure" } } },
            },
          },
        },
        {
          apiVersion: "batch/v1",
          kind: "CronJob",
          metadata: meta("cronjobs", "yearly"),
          spec: {
            schedule: "@yearly",
            suspend: false,
            jobTemplate: {
              spec: { template: { spec: { containers: [container("report")], restartPolicy: "Never" } } },
            },
          },
        },
      ],
      status: { nightly: { lastScheduleTime: ago(26 * 60 * MIN) } },
      statusFromHost: true,
    },
    {
      kind: "endpointslices",
      path: `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`,
      objects: [
        {
          apiVersion: "discovery.k8s.io/v1",
          kind: "EndpointSlice",
          metadata: meta("endpointslices", "web-abc"),
          addressType: "IPv4",
          ports: [
            { name: "http", port: 80, protocol: "TCP" },
            { name: "https", port: 443, protocol: "TCP" },
            { name: "metrics", protocol: "TCP" },
            { protocol: "TCP" },
          ],
          endpoints: ["10.2.0.1", "10.2.0.2", "10.2.0.3", "10.2.0.4"].map((ip) => ({ addresses: [ip] })),
        },
        {
          apiVersion: "discovery.k8s.io/v1",
          kind: "EndpointSlice",
          metadata: meta("endpointslices", "empty"),
          addressType: "FQDN",
          endpoints: [],
        },
      ],
    },
    {
      kind: "leases",
      path: `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`,
      objects: [
        {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: meta("leases", "held"),
          spec: { holderIdentity: "node-a_7f3c", leaseDurationSeconds: 40 },
        },
        { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: meta("leases", "free"), spec: {} },
      ],
    },
    {
      kind: "roles",
      path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`,
      objects: [
        {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "Role",
          metadata: meta("roles", "reader"),
          rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }],
        },
      ],
    },
    {
      kind: "rolebindings",
      path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`,
      objects: [
        {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "RoleBinding",
          metadata: meta("rolebindings", "readers"),
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "reader" },
          subjects: [
            { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "alice" },
            { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "bob" },
            { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "devs" },
            { kind: "ServiceAccount", name: "default", namespace: NS },
          ],
        },
      ],
    },
    {
      kind: "clusterroles",
      path: "/apis/rbac.authorization.k8s.io/v1/clusterroles",
      objects: [
        {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "ClusterRole",
          metadata: meta("clusterroles", "compat-reader"),
          rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get"] }],
        },
      ],
    },
    {
      kind: "clusterrolebindings",
      path: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
      objects: [
        {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "ClusterRoleBinding",
          metadata: meta("clusterrolebindings", "compat-readers"),
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "compat-reader" },
          subjects: [
            { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "ops" },
            { kind: "ServiceAccount", name: "robot", namespace: "kube-system" },
          ],
        },
      ],
    },
    {
      kind: "storageclasses",
      path: "/apis/storage.k8s.io/v1/storageclasses",
      objects: [
        {
          apiVersion: "storage.k8s.io/v1",
          kind: "StorageClass",
          metadata: meta("storageclasses", "compat-default", {
            annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
          }),
          provisioner: "example.com/compat",
          reclaimPolicy: "Retain",
          volumeBindingMode: "WaitForFirstConsumer",
          allowVolumeExpansion: true,
        },
        {
          apiVersion: "storage.k8s.io/v1",
          kind: "StorageClass",
          metadata: meta("storageclasses", "compat-beta", {
            annotations: { "storageclass.beta.kubernetes.io/is-default-class": "true" },
          }),
          provisioner: "example.com/beta",
        },
        {
          apiVersion: "storage.k8s.io/v1",
          kind: "StorageClass",
          metadata: meta("storageclasses", "compat-plain"),
          provisioner: "example.com/plain",
        },
      ],
    },
    {
      kind: "ingresses",
      path: `/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses`,
      objects: [
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "Ingress",
          metadata: meta("ingresses", "shop"),
          spec: {
            ingressClassName: "compat",
            tls: [{ hosts: ["a.example.com"], secretName: "tls" }],
            rules: ["a", "b", "c", "d"].map((h) => ({ host: `${h}.example.com` })),
          },
        },
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "Ingress",
          metadata: meta("ingresses", "catchall"),
          spec: { defaultBackend: { service: { name: "web", port: { number: 80 } } } },
        },
      ],
      status: {
        shop: { loadBalancer: { ingress: [{ ip: "192.0.2.10" }, { hostname: "ingress.example.com" }] } },
      },
    },
    {
      kind: "ingressclasses",
      path: "/apis/networking.k8s.io/v1/ingressclasses",
      objects: [
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "IngressClass",
          metadata: meta("ingressclasses", "compat"),
          spec: {
            controller: "example.com/ingress",
            parameters: { apiGroup: "k8s.example.com", kind: "IngressParameters", name: "p1", scope: "Cluster" },
          },
        },
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "IngressClass",
          metadata: meta("ingressclasses", "compat-core"),
          spec: {
            controller: "example.com/ingress",
            parameters: { kind: "ConfigMap", name: "cfg", scope: "Namespace", namespace: NS },
          },
        },
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "IngressClass",
          metadata: meta("ingressclasses", "compat-none"),
          spec: { controller: "example.com/other" },
        },
      ],
    },
    {
      kind: "networkpolicies",
      path: `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies`,
      objects: [
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "NetworkPolicy",
          metadata: meta("networkpolicies", "all"),
          spec: { podSelector: {}, policyTypes: ["Ingress"] },
        },
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "NetworkPolicy",
          metadata: meta("networkpolicies", "db"),
          spec: {
            podSelector: {
              matchLabels: { tier: "db", app: "shop" },
              matchExpressions: [
                { key: "env", operator: "NotIn", values: ["prod", "dev"] },
                { key: "canary", operator: "DoesNotExist" },
              ],
            },
            policyTypes: ["Ingress"],
          },
        },
      ],
    },
    {
      kind: "poddisruptionbudgets",
      path: `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets`,
      objects: [
        {
          apiVersion: "policy/v1",
          kind: "PodDisruptionBudget",
          metadata: meta("poddisruptionbudgets", "min"),
          spec: { minAvailable: 1, selector: { matchLabels: { app: "web" } } },
        },
        {
          apiVersion: "policy/v1",
          kind: "PodDisruptionBudget",
          metadata: meta("poddisruptionbudgets", "max"),
          spec: { maxUnavailable: "25%", selector: { matchLabels: { app: "db" } } },
        },
      ],
      // The host's disruption controller computes the allowed disruptions.
      statusFromHost: true,
    },
    {
      kind: "priorityclasses",
      path: "/apis/scheduling.k8s.io/v1/priorityclasses",
      objects: [
        {
          apiVersion: "scheduling.k8s.io/v1",
          kind: "PriorityClass",
          metadata: meta("priorityclasses", "compat-high"),
          value: 1000000,
          preemptionPolicy: "Never",
        },
        {
          apiVersion: "scheduling.k8s.io/v1",
          kind: "PriorityClass",
          metadata: meta("priorityclasses", "compat-low"),
          value: -5,
          globalDefault: false,
          preemptionPolicy: "PreemptLowerPriority",
        },
      ],
    },
    {
      kind: "horizontalpodautoscalers",
      path: `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers`,
      objects: [
        {
          apiVersion: "autoscaling/v2",
          kind: "HorizontalPodAutoscaler",
          metadata: meta("horizontalpodautoscalers", "ghost"),
          spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "ghost" },
            minReplicas: 2,
            maxReplicas: 5,
            metrics: [
              { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } },
              {
                type: "Pods",
                pods: { metric: { name: "qps" }, target: { type: "AverageValue", averageValue: "1000" } },
              },
              {
                type: "External",
                external: { metric: { name: "queue" }, target: { type: "Value", value: "30" } },
              },
            ],
          },
        },
        {
          apiVersion: "autoscaling/v2",
          kind: "HorizontalPodAutoscaler",
          metadata: meta("horizontalpodautoscalers", "plain"),
          spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "ghost" },
            minReplicas: 1,
            maxReplicas: 3,
            metrics: [],
          },
        },
      ],
      statusFromHost: true,
    },
    {
      kind: "runtimeclasses",
      path: "/apis/node.k8s.io/v1/runtimeclasses",
      objects: [
        {
          apiVersion: "node.k8s.io/v1",
          kind: "RuntimeClass",
          metadata: meta("runtimeclasses", "compat-rt"),
          handler: "runsc",
        },
      ],
    },
    {
      kind: "csidrivers",
      path: "/apis/storage.k8s.io/v1/csidrivers",
      objects: [
        {
          apiVersion: "storage.k8s.io/v1",
          kind: "CSIDriver",
          metadata: meta("csidrivers", "full.csi.example.com"),
          spec: {
            attachRequired: false,
            podInfoOnMount: true,
            storageCapacity: true,
            requiresRepublish: true,
            tokenRequests: [{ audience: "vault" }, { audience: "aws" }],
            volumeLifecycleModes: ["Persistent", "Ephemeral"],
          },
        },
        {
          apiVersion: "storage.k8s.io/v1",
          kind: "CSIDriver",
          metadata: meta("csidrivers", "plain.csi.example.com"),
          spec: {
            attachRequired: true,
            podInfoOnMount: false,
            storageCapacity: false,
            requiresRepublish: false,
            volumeLifecycleModes: ["Persistent"],
          },
        },
      ],
    },
    {
      kind: "csinodes",
      path: "/apis/storage.k8s.io/v1/csinodes",
      objects: [
        {
          apiVersion: "storage.k8s.io/v1",
          kind: "CSINode",
          metadata: meta("csinodes", "compat-csinode"),
          spec: {
            drivers: [
              { name: "full.csi.example.com", nodeID: "n1" },
              { name: "plain.csi.example.com", nodeID: "n1" },
            ],
          },
        },
      ],
    },
    {
      kind: "csistoragecapacities",
      path: `/apis/storage.k8s.io/v1/namespaces/${NS}/csistoragecapacities`,
      objects: [
        {
          apiVersion: "storage.k8s.io/v1",
          kind: "CSIStorageCapacity",
          metadata: meta("csistoragecapacities", "cap-1"),
          storageClassName: "compat-default",
          capacity: "100Gi",
        },
      ],
    },
    {
      kind: "volumeattachments",
      path: "/apis/storage.k8s.io/v1/volumeattachments",
      objects: [
        {
          apiVersion: "storage.k8s.io/v1",
          kind: "VolumeAttachment",
          metadata: meta("volumeattachments", "compat-va"),
          spec: {
            attacher: "full.csi.example.com",
            nodeName: "compat-node-a",
            source: { persistentVolumeName: "compat-pv-bound" },
          },
        },
      ],
      status: { "compat-va": { attached: true } },
    },
    {
      kind: "volumeattributesclasses",
      path: "/apis/storage.k8s.io/v1/volumeattributesclasses",
      objects: [
        {
          apiVersion: "storage.k8s.io/v1",
          kind: "VolumeAttributesClass",
          metadata: meta("volumeattributesclasses", "gold"),
          driverName: "full.csi.example.com",
          parameters: { iops: "3000" },
        },
      ],
    },
    {
      kind: "certificatesigningrequests",
      path: "/apis/certificates.k8s.io/v1/certificatesigningrequests",
      objects: ["approved", "denied", "pending"].map((name) => ({
        apiVersion: "certificates.k8s.io/v1",
        kind: "CertificateSigningRequest",
        metadata: meta("certificatesigningrequests", `compat-${name}`),
        spec: {
          // A signer of our own: the host's approver and signers leave its requests alone.
          signerName: "example.com/compat",
          request: CSR_PEM_BASE64,
          usages: ["digital signature", "client auth"],
          ...(name === "pending" ? {} : { expirationSeconds: 3600 }),
        },
      })),
      // REQUESTOR is the requesting user (spec.username, set by each server's CSR strategy), and the two
      // servers' admin users have different names.
      ignoreColumns: ["Requestor"],
      async after(s) {
        for (const [name, type] of [
          ["compat-approved", "Approved"],
          ["compat-denied", "Denied"],
        ]) {
          const path = `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}`;
          const csr = await s.json<Obj>("GET", path);
          csr.status = { conditions: [{ type, status: "True", reason: "Compat", message: "by the test" }] };
          await s.json<Obj>("PUT", `${path}/approval`, csr);
        }
      },
    },
    {
      kind: "deviceclasses",
      path: "/apis/resource.k8s.io/v1/deviceclasses",
      objects: [
        {
          apiVersion: "resource.k8s.io/v1",
          kind: "DeviceClass",
          metadata: meta("deviceclasses", "gpu.example.com"),
          spec: {},
        },
      ],
    },
    {
      kind: "resourceclaims",
      path: `/apis/resource.k8s.io/v1/namespaces/${NS}/resourceclaims`,
      objects: ["pending", "allocated"].map((name) => ({
        apiVersion: "resource.k8s.io/v1",
        kind: "ResourceClaim",
        metadata: meta("resourceclaims", name),
        spec: { devices: { requests: [{ name: "gpu", exactly: { deviceClassName: "gpu.example.com" } }] } },
      })),
      status: {
        allocated: {
          allocation: {
            devices: {
              results: [{ request: "gpu", driver: "gpu.example.com", pool: "pool-a", device: "gpu-0" }],
            },
          },
        },
      },
      statusFromHost: true,
    },
    {
      kind: "resourceclaimtemplates",
      path: `/apis/resource.k8s.io/v1/namespaces/${NS}/resourceclaimtemplates`,
      objects: [
        {
          apiVersion: "resource.k8s.io/v1",
          kind: "ResourceClaimTemplate",
          metadata: meta("resourceclaimtemplates", "gpu"),
          spec: { spec: { devices: { requests: [{ name: "gpu", exactly: { deviceClassName: "gpu.example.com" } }] } } },
        },
      ],
    },
    {
      kind: "resourceslices",
      path: "/apis/resource.k8s.io/v1/resourceslices",
      objects: [
        {
          apiVersion: "resource.k8s.io/v1",
          kind: "ResourceSlice",
          metadata: meta("resourceslices", "compat-node-a-gpu"),
          spec: {
            driver: "gpu.example.com",
            nodeName: "compat-node-a",
            pool: { name: "pool-a", generation: 1, resourceSliceCount: 1 },
            devices: [{ name: "gpu-0" }],
          },
        },
        {
          apiVersion: "resource.k8s.io/v1",
          kind: "ResourceSlice",
          metadata: meta("resourceslices", "compat-shared"),
          spec: {
            driver: "net.example.com",
            allNodes: true,
            pool: { name: "shared", generation: 1, resourceSliceCount: 1 },
            devices: [{ name: "nic-0" }],
          },
        },
      ],
    },
    {
      kind: "configmaps",
      path: `/api/v1/namespaces/${NS}/configmaps`,
      objects: [
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: meta("configmaps", "settings"),
          data: { a: "1", b: "2" },
          binaryData: { c: "AAE=" },
        },
        { apiVersion: "v1", kind: "ConfigMap", metadata: meta("configmaps", "empty") },
      ],
    },
    {
      kind: "secrets",
      path: `/api/v1/namespaces/${NS}/secrets`,
      objects: [
        {
          apiVersion: "v1",
          kind: "Secret",
          metadata: meta("secrets", "mixed"),
          type: "Opaque",
          data: { a: "YQ==" },
          stringData: { b: "b", a: "A" },
        },
        {
          apiVersion: "v1",
          kind: "Secret",
          metadata: meta("secrets", "tls"),
          type: "kubernetes.io/tls",
          data: { "tls.crt": "Y2VydA==", "tls.key": "a2V5" },
        },
      ],
    },
    {
      kind: "serviceaccounts",
      path: `/api/v1/namespaces/${NS}/serviceaccounts`,
      objects: [{ apiVersion: "v1", kind: "ServiceAccount", metadata: meta("serviceaccounts", "robot") }],
    },
    {
      kind: "resourcequotas",
      path: `/api/v1/namespaces/${NS}/resourcequotas`,
      objects: [
        {
          apiVersion: "v1",
          kind: "ResourceQuota",
          metadata: meta("resourcequotas", "quota"),
          spec: {
            hard: {
              pods: "50",
              configmaps: "1000",
              "requests.storage": "20Gi",
              "requests.memory": "2048Mi",
              "limits.memory": "4Gi",
              "limits.cpu": "8",
              "count/jobs.batch": "20",
            },
          },
        },
      ],
      // The host's quota controller reports usage. Created last: its limits would refuse pods created after it.
      statusFromHost: true,
    },
  ];
}

/** Cells that show times, durations or things only a server names: compared in shape, not value. */
const TIME_COLUMNS = new Set(["Age", "Last Seen", "First Seen", "Last Schedule", "Duration", "Created At", "Restarts"]);

/** Durations as kubectl prints them in cells (years too), wherever they stand. */
const DURATION = /\b\d+(s|m\d*s?|h\d*m?|d\d*h?|y\d*d?)\b/g;

/** The text without a column: kubectl aligns every cell under its header, so the header gives its span. */
function dropColumn(text: string, column: string): string {
  const lines = text.split("\n");
  const header = lines[0] ?? "";
  const start = header.indexOf(column.toUpperCase());
  if (start < 0) return text;
  const gap = header.slice(start).search(/ {2,}\S/);
  const end = gap < 0 ? Number.POSITIVE_INFINITY : start + gap + header.slice(start + gap).search(/\S/);
  return lines.map((l) => l.slice(0, start) + l.slice(end)).join("\n");
}

const normaliseText = normaliser(UIDS, TIMES, [DURATION, "<age>"], [/[ \t]+/g, " "]);

interface TableJson {
  columnDefinitions?: unknown[];
  rows?: { cells: unknown[]; conditions?: unknown[] }[];
}

function normaliseTable(body: string, ignore: string[]): unknown {
  const t = JSON.parse(body) as TableJson;
  const names = (t.columnDefinitions ?? []).map((c) => (c as { name: string }).name);
  const cell = (c: unknown, name: string) => {
    if (ignore.includes(name)) return "<ignored>";
    return TIME_COLUMNS.has(name) && typeof c === "string" ? normaliseText(c) : c;
  };
  return {
    columnDefinitions: t.columnDefinitions,
    rows: (t.rows ?? []).map((r) => ({
      cells: r.cells.map((c, i) => cell(c, names[i] ?? "")),
      conditions: r.conditions,
    })),
  };
}

describe("compat: Table output of every kind against kube-apiserver 1.35", function () {
  this.timeout(600_000);
  const sides = useSideBySide({ cluster: "tables" });
  let kube: ServerClient;
  let ours: ServerClient;
  before(() => {
    [kube, ours] = sides.both;
  });

  // stdout only: kube-apiserver also sends deprecation warnings (v1 Endpoints), which kubectl prints on stderr
  // and which are no part of the table. The newest kubectl (the default): the tables are the server's, kubectl
  // only lays them out.
  const kubectl = async (s: ServerClient, args: string[]) => {
    const r = await s.kubectl(args);
    return r.code === 0 ? r.stdout : `exit ${r.code}\n${r.stdout}${r.stderr}`;
  };

  const itemPath = (f: Fixture, name: string) => `${f.path}/${encodeURIComponent(name)}`;

  async function create(s: ServerClient, f: Fixture): Promise<string[]> {
    const objects = typeof f.objects === "function" ? await f.objects(s) : f.objects;
    for (const o of objects) await s.json<Obj>("POST", f.path, o);
    for (const [name, status] of Object.entries(f.status ?? {})) {
      const o = await s.json<Obj>("GET", itemPath(f, name));
      o.status = status;
      await s.json<Obj>("PUT", `${itemPath(f, name)}/status`, o);
    }
    await f.after?.(s);
    return objects.map((o) => String(o.metadata.name));
  }

  /** The host's status of each object, written into evk's copy of it. */
  async function copyStatus(f: Fixture, names: string[]) {
    for (const name of names) {
      const [theirs, mine] = await Promise.all([
        kube.json<Obj>("GET", itemPath(f, name)),
        ours.json<Obj>("GET", itemPath(f, name)),
      ]);
      mine.status = theirs.status;
      await ours.json<Obj>("PUT", `${itemPath(f, name)}/status`, mine);
    }
  }

  async function outputs(s: ServerClient, f: Fixture) {
    const selector = `compat=${f.kind === "events.v1.events.k8s.io" ? "events-v1" : f.kind}`;
    const args = ["get", f.kind, "-l", selector, ...(f.path.includes("/namespaces/") ? ["-n", NS] : [])];
    const table = await s.request("GET", `${f.path}?labelSelector=${encodeURIComponent(selector)}`, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
    });
    const ignore = f.ignoreColumns ?? [];
    const text = async (extra: string[]) =>
      normaliseText(ignore.reduce(dropColumn, await kubectl(s, [...args, ...extra])));
    return {
      text: await text([]),
      wide: await text(["-o", "wide"]),
      table: table.status === 200 ? normaliseTable(table.body, ignore) : `${table.status} ${table.body}`,
    };
  }

  it("prints every kind as kube-apiserver does, in kubectl and as Table JSON", async () => {
    const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } };
    await Promise.all([
      kube.json<Obj>("POST", "/api/v1/namespaces", namespace),
      ours.json<Obj>("POST", "/api/v1/namespaces", namespace),
    ]);
    const created: { f: Fixture; names: string[] }[] = [];
    for (const f of fixtures()) {
      const [names] = await Promise.all([create(kube, f), create(ours, f)]);
      created.push({ f, names });
    }

    const differences: string[] = [];
    for (const { f, names } of created) {
      let last = "";
      // Host controllers may still be at work: copy their latest status and look again, a few times.
      for (let attempt = 0; attempt < (f.statusFromHost ? 6 : 2); attempt++) {
        if (f.statusFromHost) await copyStatus(f, names);
        const [a, b] = await Promise.all([outputs(kube, f), outputs(ours, f)]);
        // Equal is not enough: kube must have printed a row for every object, or nothing was compared.
        const rows = (a.table as TableJson).rows?.length;
        last = rows === names.length ? "" : `kube-apiserver printed ${rows} rows of ${f.kind}, not ${names.length}\n`;
        if (a.text !== b.text) last += `kubectl get ${f.kind}\n--- kube-apiserver\n${a.text}\n--- evk\n${b.text}\n`;
        if (a.wide !== b.wide)
          last += `kubectl get ${f.kind} -o wide\n--- kube-apiserver\n${a.wide}\n--- evk\n${b.wide}\n`;
        try {
          assert.deepEqual(b.table, a.table);
        } catch (err) {
          last += `Table of ${f.kind}: ${(err as Error).message}\n`;
        }
        if (last === "") break;
        await sleep(1000);
      }
      if (last) differences.push(last);
    }
    // The namespace itself, by name.
    const [a, b] = await Promise.all([
      kubectl(kube, ["get", "namespace", NS]),
      kubectl(ours, ["get", "namespace", NS]),
    ]);
    if (normaliseText(a) !== normaliseText(b))
      differences.push(`get namespace\n--- kube-apiserver\n${a}\n--- evk\n${b}`);
    assert.deepEqual(differences, [], `\n${differences.join("\n")}`);
  });
});
