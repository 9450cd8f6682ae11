// Printers of the workload kinds: apps, batch, autoscaling and policy.

import { formatQuantity, type KubeObject } from "@evk/kube";
import { ageOf, bool, columns, int, nameOf, type Printer, view, wide } from "./columns.ts";
import {
  containerCells,
  formatLabelSelector,
  formatLabels,
  humanDuration,
  intOrString,
  type LabelSelector,
  selectorString,
  since,
  timeOf,
} from "./format.ts";

interface Template {
  metadata?: { labels?: Record<string, string> };
  spec?: { containers?: { name?: string; image?: string }[]; nodeSelector?: Record<string, string> };
}

interface Deployment {
  spec?: { replicas?: number; selector?: LabelSelector; template?: Template };
  status?: { updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number };
}

const deploymentPrinter: Printer = {
  columns: columns("apps/deployments", [
    "Name",
    "Ready",
    "Up-to-date",
    "Available",
    "Age",
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
  ]),
  cells(o, now) {
    const { spec, status } = view<Deployment>(o);
    return [
      nameOf(o),
      `${status?.readyReplicas ?? 0}/${spec?.replicas ?? 0}`,
      status?.updatedReplicas ?? 0,
      status?.availableReplicas ?? 0,
      ageOf(o, now),
      ...containerCells(spec?.template?.spec?.containers),
      // Unlike the other workloads, kube prints the selector here without "<none>" for an empty one.
      selectorString(spec?.selector) ?? "<invalid>",
    ];
  },
};

interface ReplicaSet {
  spec?: { replicas?: number; selector?: LabelSelector; template?: Template };
  status?: { replicas?: number; readyReplicas?: number };
}

/** Replica sets and replication controllers: desired, current and ready replicas; only the selector differs. */
export function replicasPrinter(key: string, selector: (o: KubeObject) => string): Printer {
  return {
    columns: columns(key, [
      "Name",
      int("Desired"),
      int("Current"),
      int("Ready"),
      "Age",
      wide("Containers"),
      wide("Images"),
      wide("Selector"),
    ]),
    cells(o, now) {
      const { spec, status } = view<ReplicaSet>(o);
      return [
        nameOf(o),
        spec?.replicas ?? 0,
        status?.replicas ?? 0,
        status?.readyReplicas ?? 0,
        ageOf(o, now),
        ...containerCells(spec?.template?.spec?.containers),
        selector(o),
      ];
    },
  };
}

const replicaSetPrinter = replicasPrinter("apps/replicasets", (o) =>
  formatLabelSelector(view<ReplicaSet>(o).spec?.selector),
);

const statefulSetPrinter: Printer = {
  columns: columns("apps/statefulsets", ["Name", "Ready", "Age", wide("Containers"), wide("Images")]),
  cells(o, now) {
    const { spec, status } = view<ReplicaSet>(o);
    return [
      nameOf(o),
      `${status?.readyReplicas ?? 0}/${spec?.replicas ?? 0}`,
      ageOf(o, now),
      ...containerCells(spec?.template?.spec?.containers),
    ];
  },
};

interface DaemonSet {
  spec?: { selector?: LabelSelector; template?: Template };
  status?: {
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
}

const daemonSetPrinter: Printer = {
  columns: columns("apps/daemonsets", [
    "Name",
    int("Desired"),
    int("Current"),
    int("Ready"),
    int("Up-to-date"),
    int("Available"),
    "Node Selector",
    "Age",
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
  ]),
  cells(o, now) {
    const { spec, status = {} } = view<DaemonSet>(o);
    return [
      nameOf(o),
      status.desiredNumberScheduled ?? 0,
      status.currentNumberScheduled ?? 0,
      status.numberReady ?? 0,
      status.updatedNumberScheduled ?? 0,
      status.numberAvailable ?? 0,
      formatLabels(spec?.template?.spec?.nodeSelector),
      ageOf(o, now),
      ...containerCells(spec?.template?.spec?.containers),
      formatLabelSelector(spec?.selector),
    ];
  },
};

interface OwnerReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  controller?: boolean;
}

/** "<kind>.<group>/<name>" of the controlling owner, lower case, as formatResourceName prints it. */
export function controllerOf(owners: unknown[] | undefined): string {
  const ref = (owners as OwnerReference[] | undefined)?.find((r) => r.controller === true);
  if (!ref) return "<none>";
  const apiVersion = ref.apiVersion ?? "";
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  const kind = ref.kind ?? "";
  if (!group && !kind) return ref.name ?? "";
  return `${(group ? `${kind}.${group}` : kind).toLowerCase()}/${ref.name ?? ""}`;
}

const controllerRevisionPrinter: Printer = {
  columns: columns("apps/controllerrevisions", ["Name", "Controller", "Revision", "Age"]),
  cells: (o, now) => [nameOf(o), controllerOf(o.metadata.ownerReferences), Number(o.revision ?? 0), ageOf(o, now)],
};

interface Job {
  spec?: {
    completions?: number;
    parallelism?: number;
    selector?: LabelSelector;
    template?: Template;
  };
  status?: {
    succeeded?: number;
    startTime?: string;
    completionTime?: string;
    conditions?: { type?: string; status?: string }[];
  };
}

/** The job's state in kube's order of precedence (finished, terminating, suspended, about to finish). */
export function jobStatus(o: Job & { metadata: { deletionTimestamp?: string } }): string {
  const conds = o.status?.conditions ?? [];
  // The first condition of a type decides (hasJobCondition).
  const has = (type: string) => conds.find((c) => c.type === type)?.status === "True";
  if (has("Complete")) return "Complete";
  if (has("Failed")) return "Failed";
  if (o.metadata.deletionTimestamp) return "Terminating";
  if (has("Suspended")) return "Suspended";
  if (has("FailureTarget")) return "FailureTarget";
  if (has("SuccessCriteriaMet")) return "SuccessCriteriaMet";
  return "Running";
}

const jobPrinter: Printer = {
  columns: columns("batch/jobs", [
    "Name",
    "Status",
    "Completions",
    "Duration",
    "Age",
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
  ]),
  cells(o, now) {
    const job = view<Job>(o);
    const { spec = {}, status = {} } = job;
    const succeeded = status.succeeded ?? 0;
    let completions: string;
    if (spec.completions !== undefined && spec.completions !== null) completions = `${succeeded}/${spec.completions}`;
    else if ((spec.parallelism ?? 0) > 1) completions = `${succeeded}/1 of ${spec.parallelism}`;
    else completions = `${succeeded}/1`;
    const start = timeOf(status.startTime);
    const end = timeOf(status.completionTime);
    let duration = "";
    if (start !== undefined) duration = humanDuration((end ?? now) - start);
    return [
      nameOf(o),
      jobStatus(job),
      completions,
      duration,
      ageOf(o, now),
      ...containerCells(spec.template?.spec?.containers),
      formatLabelSelector(spec.selector),
    ];
  },
};

interface CronJob {
  spec?: {
    schedule?: string;
    timeZone?: string;
    suspend?: boolean;
    jobTemplate?: { spec?: { selector?: LabelSelector; template?: Template } };
  };
  status?: { active?: unknown[]; lastScheduleTime?: string };
}

const cronJobPrinter: Printer = {
  columns: columns("batch/cronjobs", [
    "Name",
    "Schedule",
    "Timezone",
    bool("Suspend"),
    int("Active"),
    "Last Schedule",
    "Age",
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
  ]),
  cells(o, now) {
    const { spec = {}, status = {} } = view<CronJob>(o);
    const job = spec.jobTemplate?.spec;
    return [
      nameOf(o),
      spec.schedule ?? "",
      spec.timeZone ?? "<none>",
      // printBoolPtr: a string in a boolean column.
      spec.suspend === undefined || spec.suspend === null ? "<unset>" : spec.suspend ? "True" : "False",
      status.active?.length ?? 0,
      status.lastScheduleTime ? since(status.lastScheduleTime, now) : "<none>",
      ageOf(o, now),
      ...containerCells(job?.template?.spec?.containers),
      formatLabelSelector(job?.selector),
    ];
  },
};

// ---- autoscaling

type Quantity = string | number;

interface MetricTarget {
  type?: string;
  value?: Quantity;
  averageValue?: Quantity;
  averageUtilization?: number;
}

interface MetricValue {
  value?: Quantity;
  averageValue?: Quantity;
  averageUtilization?: number;
}

interface MetricSpec {
  type?: string;
  resource?: { name?: string; target?: MetricTarget };
  containerResource?: { name?: string; target?: MetricTarget };
  pods?: { target?: MetricTarget };
  object?: { target?: MetricTarget };
  external?: { target?: MetricTarget };
}

interface MetricStatus {
  resource?: { current?: MetricValue };
  containerResource?: { current?: MetricValue };
  pods?: { current?: MetricValue };
  object?: { current?: MetricValue };
  external?: { current?: MetricValue };
}

/** Quantity.String() of an optional quantity: Go prints a nil *Quantity as "<nil>". */
const q = (v: Quantity | undefined | null) => (v === undefined || v === null ? "<nil>" : formatQuantity(v));

/**
 * formatHPAMetrics: "current/target" per metric, at most two, then "+ N more...". Statuses pair with specs by
 * position, as in kube.
 */
export function formatHPAMetrics(specs: MetricSpec[] | undefined, statuses: MetricStatus[] | undefined): string {
  if (!specs?.length) return "<none>";
  const list: string[] = [];
  for (const [i, spec] of specs.entries()) {
    const status = statuses?.[i];
    switch (spec.type) {
      case "External":
      case "Object": {
        const source = spec.type === "External" ? "external" : "object";
        const target = spec[source]?.target;
        const current = status?.[source]?.current;
        if (target?.averageValue !== undefined && target.averageValue !== null) {
          const c =
            current?.averageValue !== undefined && current.averageValue !== null
              ? q(current.averageValue)
              : "<unknown>";
          list.push(`${c}/${q(target.averageValue)} (avg)`);
        } else {
          list.push(`${status?.[source] ? q(current?.value) : "<unknown>"}/${q(target?.value)}`);
        }
        break;
      }
      case "Pods":
        list.push(
          `${status?.pods ? q(status.pods.current?.averageValue) : "<unknown>"}/${q(spec.pods?.target?.averageValue)}`,
        );
        break;
      case "Resource":
      case "ContainerResource": {
        const source = spec.type === "Resource" ? "resource" : "containerResource";
        const target = spec[source]?.target;
        const current = status?.[source];
        const name = spec[source]?.name ?? "";
        if (target?.averageValue !== undefined && target.averageValue !== null) {
          list.push(`${name}: ${current ? q(current.current?.averageValue) : "<unknown>"}/${q(target.averageValue)}`);
        } else {
          const utilization = current?.current?.averageUtilization;
          const c = utilization !== undefined && utilization !== null ? `${utilization}%` : "<unknown>";
          const t =
            target?.averageUtilization !== undefined && target.averageUtilization !== null
              ? `${target.averageUtilization}%`
              : "<auto>";
          list.push(`${name}: ${c}/${t}`);
        }
        break;
      }
      default:
        list.push("<unknown type>");
    }
  }
  const max = 2;
  if (list.length > max) return `${list.slice(0, max).join(", ")} + ${list.length - max} more...`;
  return list.join(", ");
}

interface HorizontalPodAutoscaler {
  spec?: {
    scaleTargetRef?: { kind?: string; name?: string };
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: MetricSpec[];
  };
  status?: { currentReplicas?: number; currentMetrics?: MetricStatus[] };
}

const hpaPrinter: Printer = {
  columns: columns("autoscaling/horizontalpodautoscalers", [
    "Name",
    "Reference",
    "Targets",
    "MinPods",
    "MaxPods",
    "Replicas",
    "Age",
  ]),
  cells(o, now) {
    const { spec = {}, status = {} } = view<HorizontalPodAutoscaler>(o);
    return [
      nameOf(o),
      `${spec.scaleTargetRef?.kind ?? ""}/${spec.scaleTargetRef?.name ?? ""}`,
      formatHPAMetrics(spec.metrics, status.currentMetrics),
      spec.minReplicas === undefined || spec.minReplicas === null ? "<unset>" : String(spec.minReplicas),
      spec.maxReplicas ?? 0,
      status.currentReplicas ?? 0,
      ageOf(o, now),
    ];
  },
};

interface PodDisruptionBudget {
  spec?: { minAvailable?: number | string; maxUnavailable?: number | string };
  status?: { disruptionsAllowed?: number };
}

const pdbPrinter: Printer = {
  columns: columns("policy/poddisruptionbudgets", [
    "Name",
    "Min Available",
    "Max Unavailable",
    int("Allowed Disruptions"),
    "Age",
  ]),
  cells(o, now) {
    const { spec = {}, status = {} } = view<PodDisruptionBudget>(o);
    return [
      nameOf(o),
      spec.minAvailable === undefined || spec.minAvailable === null ? "N/A" : intOrString(spec.minAvailable),
      spec.maxUnavailable === undefined || spec.maxUnavailable === null ? "N/A" : intOrString(spec.maxUnavailable),
      status.disruptionsAllowed ?? 0,
      ageOf(o, now),
    ];
  },
};

export const workloadPrinters: Record<string, Printer> = {
  "apps/deployments": deploymentPrinter,
  "apps/replicasets": replicaSetPrinter,
  "apps/statefulsets": statefulSetPrinter,
  "apps/daemonsets": daemonSetPrinter,
  "apps/controllerrevisions": controllerRevisionPrinter,
  "batch/jobs": jobPrinter,
  "batch/cronjobs": cronJobPrinter,
  "autoscaling/horizontalpodautoscalers": hpaPrinter,
  "policy/poddisruptionbudgets": pdbPrinter,
};
