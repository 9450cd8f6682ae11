// Printers of the core/v1 kinds (pods, services, nodes, events, storage claims, ...).
import type { KubeObject } from "@evk/kube";
import { formatQuantity } from "@evk/kube";
import { ageOf, columns, nameOf, type Printer, type RowCondition, view, wide } from "./columns.ts";
import {
  accessModes,
  byBytes,
  containerCells,
  formatLabels,
  humanDuration,
  joinHostPort,
  since,
  timeOf,
} from "./format.ts";
import { replicasPrinter } from "./workloads.ts";

// ---- pods

interface ContainerState {
  waiting?: { reason?: string };
  running?: object;
  terminated?: { exitCode?: number; signal?: number; reason?: string; finishedAt?: string };
}

interface ContainerStatus {
  name?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
}

interface Pod {
  spec?: {
    nodeName?: string;
    containers?: unknown[];
    initContainers?: { name?: string; restartPolicy?: string }[];
    readinessGates?: { conditionType?: string }[];
  };
  status?: {
    phase?: string;
    reason?: string;
    podIP?: string;
    podIPs?: { ip?: string }[];
    nominatedNodeName?: string;
    conditions?: Condition[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
}

/** What printPod derives from the container statuses. */
interface PodSummary {
  ready: number;
  total: number;
  reason: string;
  restarts: number;
  lastRestart: number | undefined;
}

const later = (a: number | undefined, b: string | undefined) => {
  const t = timeOf(b);
  return t !== undefined && (a === undefined || t > a) ? t : a;
};

const hasCondition = (conds: Condition[] | undefined, type: string) =>
  (conds ?? []).some((c) => c.type === type && c.status === "True");

/** The first condition of a type decides, as in kube's isPodInitializedConditionTrue. */
const firstConditionTrue = (conds: Condition[] | undefined, type: string) =>
  (conds ?? []).find((c) => c.type === type)?.status === "True";

export function summarisePod(o: KubeObject): PodSummary {
  const { spec = {}, status = {} } = view<Pod>(o);
  const initSpecs = spec.initContainers ?? [];
  // Sidecars (init containers that restart always) count as containers of the pod.
  const sidecars = new Set(initSpecs.filter((c) => c.restartPolicy === "Always").map((c) => c.name));
  const total = (spec.containers?.length ?? 0) + initSpecs.filter((c) => c.restartPolicy === "Always").length;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;
  let reason = status.reason || status.phase || "";
  if ((status.conditions ?? []).some((c) => c.type === "PodScheduled" && c.reason === "SchedulingGated"))
    reason = "SchedulingGated";

  let initializing = false;
  const inits = status.initContainerStatuses ?? [];
  for (const [i, c] of inits.entries()) {
    restarts += c.restartCount ?? 0;
    lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
    const sidecar = sidecars.has(c.name);
    if (sidecar) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = later(lastSidecarRestart, c.lastState?.terminated?.finishedAt);
    }
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (terminated) {
      if (!terminated.reason) {
        reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode ?? 0}`;
      } else {
        reason = `Init:${terminated.reason}`;
      }
    } else if (waiting?.reason && waiting.reason !== "PodInitializing") {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || firstConditionTrue(status.conditions, "Initialized")) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    let errorReason = "";
    const containers = status.containerStatuses ?? [];
    for (let i = containers.length - 1; i >= 0; i--) {
      const c = containers[i] as ContainerStatus;
      restarts += c.restartCount ?? 0;
      lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
      const terminated = c.state?.terminated;
      if (c.state?.waiting?.reason) {
        reason = c.state.waiting.reason;
      } else if (terminated) {
        if (terminated.reason) reason = terminated.reason;
        else if (terminated.signal) reason = `Signal:${terminated.signal}`;
        else reason = `ExitCode:${terminated.exitCode ?? 0}`;
        if ((terminated.exitCode ?? 0) !== 0) errorReason = reason;
      } else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    // A pod whose last container completed while others still run is not "Completed".
    if (reason === "Completed") {
      if (hasRunning && hasCondition(status.conditions, "Ready")) reason = "Running";
      else if (errorReason) reason = errorReason;
      else if (hasRunning) reason = "NotReady";
    }
  }

  if (o.metadata.deletionTimestamp && status.reason === "NodeLost") reason = "Unknown";
  else if (o.metadata.deletionTimestamp && status.phase !== "Succeeded" && status.phase !== "Failed")
    reason = "Terminating";
  return { ready, total, reason, restarts, lastRestart };
}

/** The pod's first IP: status.podIP wins over podIPs, as the v1 to internal conversion decides. */
function podIP(status: Pod["status"]): string {
  return status?.podIP || status?.podIPs?.[0]?.ip || "";
}

const podPrinter: Printer = {
  columns: columns("core/pods", [
    "Name",
    "Ready",
    "Status",
    "Restarts",
    "Age",
    wide("IP"),
    wide("Node"),
    wide("Nominated Node"),
    wide("Readiness Gates"),
  ]),
  cells(o, now) {
    const { spec = {}, status = {} } = view<Pod>(o);
    const s = summarisePod(o);
    const restarts =
      s.restarts !== 0 && s.lastRestart !== undefined
        ? `${s.restarts} (${humanDuration(now - s.lastRestart)} ago)`
        : String(s.restarts);
    let gates = "<none>";
    if (spec.readinessGates?.length) {
      const conds = status.conditions ?? [];
      const passed = spec.readinessGates.filter(
        (g) => conds.find((c) => c.type === g.conditionType)?.status === "True",
      ).length;
      gates = `${passed}/${spec.readinessGates.length}`;
    }
    return [
      nameOf(o),
      `${s.ready}/${s.total}`,
      s.reason,
      restarts,
      ageOf(o, now),
      podIP(status) || "<none>",
      spec.nodeName || "<none>",
      status.nominatedNodeName || "<none>",
      gates,
    ];
  },
  conditions(o): RowCondition[] | undefined {
    switch (view<Pod>(o).status?.phase) {
      case "Succeeded":
        return [
          { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." },
        ];
      case "Failed":
        return [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }];
      default:
        return undefined;
    }
  },
};

interface PodTemplate {
  template?: {
    metadata?: { labels?: Record<string, string> };
    spec?: { containers?: { name?: string; image?: string }[] };
  };
}

const podTemplatePrinter: Printer = {
  columns: columns("core/podtemplates", ["Name", "Containers", "Images", "Pod Labels"]),
  cells(o) {
    const { template } = view<PodTemplate>(o);
    return [nameOf(o), ...containerCells(template?.spec?.containers), formatLabels(template?.metadata?.labels)];
  },
};

interface ReplicationController {
  spec?: { selector?: Record<string, string> };
}

// kube prints replication controllers as replica sets, with their map selector.
const replicationControllerPrinter = replicasPrinter("core/replicationcontrollers", (o) =>
  formatLabels(view<ReplicationController>(o).spec?.selector),
);

// ---- services and endpoints

interface LoadBalancerStatus {
  ingress?: { ip?: string; hostname?: string }[];
}

/** loadBalancerStatusStringer with wide on: the sorted, distinct IPs (or else hostnames) of the ingress points. */
export function loadBalancerAddresses(lb: LoadBalancerStatus | undefined): string {
  const set = new Set<string>();
  for (const i of lb?.ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  return [...set].sort(byBytes).join(",");
}

interface Service {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    externalName?: string;
    ports?: { port?: number; nodePort?: number; protocol?: string }[];
    selector?: Record<string, string>;
  };
  status?: { loadBalancer?: LoadBalancerStatus };
}

function externalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const external = spec.externalIPs ?? [];
  switch (spec.type) {
    case "ClusterIP":
    case "NodePort":
      return external.length ? external.join(",") : "<none>";
    case "LoadBalancer": {
      const lb = loadBalancerAddresses(svc.status?.loadBalancer);
      if (external.length) return [...(lb ? lb.split(",") : []), ...external].join(",");
      return lb || "<pending>";
    }
    case "ExternalName":
      return spec.externalName ?? "";
    default:
      return "<unknown>";
  }
}

const servicePrinter: Printer = {
  columns: columns("core/services", ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", wide("Selector")]),
  cells(o, now) {
    const svc = view<Service>(o);
    const spec = svc.spec ?? {};
    // kube prints clusterIPs[0]; its strategy keeps clusterIP equal to it, a server that leaves clusterIPs out
    // still has clusterIP.
    const clusterIP = spec.clusterIPs?.[0] || spec.clusterIP || "<none>";
    const ports = (spec.ports ?? [])
      .map((p) =>
        p.nodePort && p.nodePort > 0
          ? `${p.port ?? 0}:${p.nodePort}/${p.protocol ?? ""}`
          : `${p.port ?? 0}/${p.protocol ?? ""}`,
      )
      .join(",");
    return [
      nameOf(o),
      spec.type ?? "",
      clusterIP,
      externalIP(svc),
      ports || "<none>",
      ageOf(o, now),
      formatLabels(spec.selector),
    ];
  },
};

interface Endpoints {
  subsets?: { addresses?: { ip?: string }[]; ports?: { port?: number }[] }[];
}

/** formatEndpoints: up to three "ip:port" (or bare IPs without ports), then "+ N more...". */
export function formatEndpoints(o: KubeObject): string {
  const subsets = view<Endpoints>(o).subsets ?? [];
  if (subsets.length === 0) return "<none>";
  const max = 3;
  const list: string[] = [];
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    if (!ss.ports?.length) {
      count += addresses.length;
      for (const a of addresses) if (list.length < max) list.push(a.ip ?? "");
      continue;
    }
    for (const port of ss.ports) {
      count += addresses.length;
      for (const a of addresses) if (list.length < max) list.push(joinHostPort(a.ip ?? "", port.port ?? 0));
    }
  }
  const ret = list.join(",");
  return count > max ? `${ret} + ${count - max} more...` : ret;
}

const endpointsPrinter: Printer = {
  columns: columns("core/endpoints", ["Name", "Endpoints", "Age"]),
  cells: (o, now) => [nameOf(o), formatEndpoints(o), ageOf(o, now)],
};

// ---- nodes

interface Node {
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: Condition[];
    addresses?: { type?: string; address?: string }[];
    nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
  };
}

/** findNodeRoles: node-role.kubernetes.io/<role> label keys and kubernetes.io/role values, sorted. */
export function nodeRoles(labels: Record<string, string> | undefined): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith("node-role.kubernetes.io/")) {
      const role = k.slice("node-role.kubernetes.io/".length);
      if (role) roles.add(role);
    } else if (k === "kubernetes.io/role" && v !== "") {
      roles.add(v);
    }
  }
  return [...roles].sort(byBytes);
}

const nodePrinter: Printer = {
  columns: columns("core/nodes", [
    "Name",
    "Status",
    "Roles",
    "Age",
    "Version",
    wide("Internal-IP"),
    wide("External-IP"),
    wide("OS-Image"),
    wide("Kernel-Version"),
    wide("Container-Runtime"),
  ]),
  cells(o, now) {
    const { spec, status } = view<Node>(o);
    // Like kube, the last Ready condition of the list counts.
    const ready = (status?.conditions ?? []).filter((c) => c.type === "Ready").at(-1);
    const states = [ready ? (ready.status === "True" ? "Ready" : "NotReady") : "Unknown"];
    if (spec?.unschedulable) states.push("SchedulingDisabled");
    const address = (type: string) => status?.addresses?.find((a) => a.type === type)?.address ?? "<none>";
    const info = status?.nodeInfo ?? {};
    return [
      nameOf(o),
      states.join(","),
      nodeRoles(o.metadata.labels).join(",") || "<none>",
      ageOf(o, now),
      info.kubeletVersion ?? "",
      address("InternalIP"),
      address("ExternalIP"),
      info.osImage || "<unknown>",
      info.kernelVersion || "<unknown>",
      info.containerRuntimeVersion || "<unknown>",
    ];
  },
};

// ---- events

/** The fields of a core/v1 Event the printer reads. */
interface CoreEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

/** An events.k8s.io/v1 Event read as the core Event it is stored as (pkg/apis/events/v1 conversion). */
interface EventsV1Event {
  type?: string;
  reason?: string;
  note?: string;
  eventTime?: string;
  series?: CoreEvent["series"];
  regarding?: CoreEvent["involvedObject"];
  deprecatedSource?: CoreEvent["source"];
  deprecatedFirstTimestamp?: string;
  deprecatedLastTimestamp?: string;
  deprecatedCount?: number;
  reportingController?: string;
  reportingInstance?: string;
}

function asCoreEvent(o: KubeObject): CoreEvent {
  const e = view<EventsV1Event>(o);
  return {
    type: e.type,
    reason: e.reason,
    message: e.note,
    count: e.deprecatedCount,
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    eventTime: e.eventTime,
    series: e.series,
    involvedObject: e.regarding,
    source: e.deprecatedSource,
    reportingComponent: e.reportingController,
    reportingInstance: e.reportingInstance,
  };
}

function eventCells(o: KubeObject, e: CoreEvent, now: number) {
  const first = timeOf(e.firstTimestamp) !== undefined ? since(e.firstTimestamp, now) : since(e.eventTime, now);
  let last = timeOf(e.lastTimestamp) !== undefined ? since(e.lastTimestamp, now) : first;
  let count = e.count ?? 0;
  if (e.series) {
    last = since(e.series.lastObservedTime, now);
    count = e.series.count ?? 0;
  } else if (count === 0) {
    // Singleton events of the new API have no count.
    count = 1;
  }
  const involved = e.involvedObject ?? {};
  const kind = (involved.kind ?? "").toLowerCase();
  const target = involved.name ? `${kind}/${involved.name}` : kind;
  const component = e.source?.component || e.reportingComponent || "";
  const instance = e.source?.host || e.reportingInstance || "";
  return [
    last,
    e.type ?? "",
    e.reason ?? "",
    target,
    involved.fieldPath ?? "",
    instance ? `${component}, ${instance}` : component,
    (e.message ?? "").trim(),
    first,
    count,
    nameOf(o),
  ];
}

const eventColumns = (kind: string) =>
  columns(kind, [
    "Last Seen",
    "Type",
    "Reason",
    "Object",
    wide("Subobject"),
    wide("Source"),
    "Message",
    wide("First Seen"),
    wide("Count"),
    { name: "Name", format: "name", wide: true },
  ]);

const eventPrinter: Printer = {
  columns: eventColumns("core/events"),
  cells: (o, now) => eventCells(o, view<CoreEvent>(o), now),
};

const eventsV1Printer: Printer = {
  columns: eventColumns("events.k8s.io/events"),
  cells: (o, now) => eventCells(o, asCoreEvent(o), now),
};

// ---- quota and storage

interface ResourceQuota {
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

const resourceQuotaPrinter: Printer = {
  columns: columns("core/resourcequotas", ["Name", "Request", "Limit", "Age"]),
  cells(o, now) {
    const { status } = view<ResourceQuota>(o);
    const requests: string[] = [];
    const limits: string[] = [];
    for (const resource of Object.keys(status?.hard ?? {}).sort(byBytes)) {
      const pieces = resource.split(".");
      const entry = `${resource}: ${formatQuantity(status?.used?.[resource])}/${formatQuantity(status?.hard?.[resource])}`;
      (pieces.length > 1 && pieces[0] === "limits" ? limits : requests).push(entry);
    }
    return [nameOf(o), requests.join(", "), limits.join(", "), ageOf(o, now)];
  },
};

const STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class";

interface PersistentVolume {
  spec?: {
    capacity?: Record<string, string>;
    accessModes?: string[];
    persistentVolumeReclaimPolicy?: string;
    claimRef?: { namespace?: string; name?: string };
    storageClassName?: string;
    volumeAttributesClassName?: string;
    volumeMode?: string;
  };
  status?: { phase?: string; reason?: string };
}

const persistentVolumePrinter: Printer = {
  columns: columns("core/persistentvolumes", [
    "Name",
    "Capacity",
    "Access Modes",
    "Reclaim Policy",
    "Status",
    "Claim",
    "StorageClass",
    "VolumeAttributesClass",
    "Reason",
    "Age",
    wide("VolumeMode"),
  ]),
  cells(o, now) {
    const { spec = {}, status = {} } = view<PersistentVolume>(o);
    const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ""}/${spec.claimRef.name ?? ""}` : "";
    const annotations = o.metadata.annotations ?? {};
    return [
      nameOf(o),
      formatQuantity(spec.capacity?.storage),
      accessModes(spec.accessModes),
      spec.persistentVolumeReclaimPolicy ?? "",
      o.metadata.deletionTimestamp ? "Terminating" : (status.phase ?? ""),
      claim,
      STORAGE_CLASS_ANNOTATION in annotations
        ? (annotations[STORAGE_CLASS_ANNOTATION] ?? "")
        : (spec.storageClassName ?? ""),
      spec.volumeAttributesClassName ?? "<unset>",
      status.reason ?? "",
      ageOf(o, now),
      spec.volumeMode ?? "<unset>",
    ];
  },
};

interface PersistentVolumeClaim {
  spec?: { volumeName?: string; storageClassName?: string; volumeAttributesClassName?: string; volumeMode?: string };
  status?: { phase?: string; accessModes?: string[]; capacity?: Record<string, string> };
}

const persistentVolumeClaimPrinter: Printer = {
  columns: columns("core/persistentvolumeclaims", [
    "Name",
    "Status",
    "Volume",
    "Capacity",
    "Access Modes",
    "StorageClass",
    "VolumeAttributesClass",
    "Age",
    wide("VolumeMode"),
  ]),
  cells(o, now) {
    const { spec = {}, status = {} } = view<PersistentVolumeClaim>(o);
    const annotations = o.metadata.annotations ?? {};
    // Capacity and access modes are the bound volume's; a claim that is not bound shows neither.
    const bound = Boolean(spec.volumeName);
    return [
      nameOf(o),
      o.metadata.deletionTimestamp ? "Terminating" : (status.phase ?? ""),
      spec.volumeName ?? "",
      bound ? formatQuantity(status.capacity?.storage) : "",
      bound ? accessModes(status.accessModes) : "",
      STORAGE_CLASS_ANNOTATION in annotations
        ? (annotations[STORAGE_CLASS_ANNOTATION] ?? "")
        : (spec.storageClassName ?? ""),
      spec.volumeAttributesClassName ?? "<unset>",
      ageOf(o, now),
      spec.volumeMode ?? "<unset>",
    ];
  },
};

// ---- the simple ones

const count = (v: unknown) => (v && typeof v === "object" ? Object.keys(v).length : 0);

const namespacePrinter: Printer = {
  columns: columns("core/namespaces", ["Name", "Status", "Age"]),
  cells: (o, now) => [nameOf(o), String(view<{ status?: { phase?: string } }>(o).status?.phase ?? ""), ageOf(o, now)],
};

const configMapPrinter: Printer = {
  columns: columns("core/configmaps", ["Name", "Data", "Age"]),
  cells: (o, now) => [nameOf(o), count(o.data) + count(o.binaryData), ageOf(o, now)],
};

const secretPrinter: Printer = {
  columns: columns("core/secrets", ["Name", "Type", "Data", "Age"]),
  cells(o, now) {
    // stringData is write-only: kube merges it into data before it stores the secret.
    const keys = new Set([...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})]);
    // kube defaults the type before it stores a secret, so it never prints one without.
    return [nameOf(o), String(o.type ?? "Opaque"), keys.size, ageOf(o, now)];
  },
};

const serviceAccountPrinter: Printer = {
  columns: columns("core/serviceaccounts", ["Name", "Age"]),
  cells: (o, now) => [nameOf(o), ageOf(o, now)],
};

export const corePrinters: Record<string, Printer> = {
  "core/pods": podPrinter,
  "core/podtemplates": podTemplatePrinter,
  "core/replicationcontrollers": replicationControllerPrinter,
  "core/services": servicePrinter,
  "core/endpoints": endpointsPrinter,
  "core/nodes": nodePrinter,
  "core/events": eventPrinter,
  "events.k8s.io/events": eventsV1Printer,
  "core/resourcequotas": resourceQuotaPrinter,
  "core/persistentvolumes": persistentVolumePrinter,
  "core/persistentvolumeclaims": persistentVolumeClaimPrinter,
  "core/namespaces": namespacePrinter,
  "core/configmaps": configMapPrinter,
  "core/secrets": secretPrinter,
  "core/serviceaccounts": serviceAccountPrinter,
};
