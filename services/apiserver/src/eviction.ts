import { errors, type KubeObject, parseLabelSelector, StatusError } from "@evk/kube";
import { selectorString } from "./subresources.ts";

// policy/v1 Eviction (pods/eviction), as kube-apiserver 1.35 decides it: a pod goes only if the one
// PodDisruptionBudget covering it allows a disruption; the budget's status counts the eviction so that
// concurrent evictions cannot overdraw it. The status is kept up to date by kube-controller-manager's
// disruption controller. Pure: the caller reads the pod and budgets, writes what is decided.

interface Budget extends KubeObject {
  spec?: { selector?: unknown; unhealthyPodEvictionPolicy?: string };
  status?: {
    observedGeneration?: number;
    disruptionsAllowed?: number;
    currentHealthy?: number;
    desiredHealthy?: number;
    disruptedPods?: Record<string, string>;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/** kube's cap on disruptedPods: evictions the disruption controller has not confirmed yet. */
const MAX_DISRUPTED_PODS = 2000;

export type EvictionDecision =
  /** Delete the pod; no budget to charge. */
  | { action: "delete" }
  /** Write this budget (one disruption spent, the pod recorded), then delete the pod. */
  | { action: "charge"; budget: Budget };

const phase = (pod: KubeObject) => (pod.status as { phase?: string } | undefined)?.phase;

function ready(pod: KubeObject): boolean {
  const conditions = (pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
  return conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** The budgets whose (non-empty) selector matches the pod, as eviction looks them up. */
export function budgetsFor(pod: KubeObject, budgets: Budget[]): Budget[] {
  return budgets.filter((b) => {
    const text = selectorString(b.spec?.selector as Parameters<typeof selectorString>[0]);
    if (text === "") return false; // an empty selector covers no pod here
    return parseLabelSelector(text).matches(pod.metadata.labels ?? {});
  });
}

/**
 * What an eviction of `pod` does, given the budgets covering it; throws the Status kube-apiserver answers
 * when the pod may not go (429 with a DisruptionBudget cause, or 403 / 500 for budgets it cannot use).
 */
export function decideEviction(pod: KubeObject, covering: Budget[], now: Date): EvictionDecision {
  // Pods that are not running, or already going, do not count against any budget.
  const p = phase(pod);
  if (p === "Succeeded" || p === "Failed" || p === "Pending" || pod.metadata.deletionTimestamp)
    return { action: "delete" };
  if (covering.length === 0) return { action: "delete" };
  if (covering.length > 1)
    throw errors.internal(
      "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
    );
  const budget = covering[0] as Budget;
  const status = budget.status ?? {};
  // An unready pod may always go under AlwaysAllow, and under the default IfHealthyBudget while the
  // budget is met; it spends no disruption either way.
  if (!ready(pod)) {
    const policy = budget.spec?.unhealthyPodEvictionPolicy ?? "IfHealthyBudget";
    if (policy === "AlwaysAllow") return { action: "delete" };
    if ((status.desiredHealthy ?? 0) > 0 && (status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0))
      return { action: "delete" };
  }
  if ((status.observedGeneration ?? 0) < (budget.metadata.generation ?? 0))
    throw tooMany(`The disruption budget ${budget.metadata.name} is still being processed by the server.`);
  const allowed = status.disruptionsAllowed ?? 0;
  if (allowed < 0) throw new StatusError("Forbidden", "pdb disruptions allowed is negative");
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS)
    throw new StatusError(
      "Forbidden",
      "DisruptedPods map too big - too many evictions not confirmed by PDB controller",
    );
  if (allowed === 0)
    throw tooMany(
      `The disruption budget ${budget.metadata.name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`,
    );
  const left = allowed - 1;
  const stamp = now.toISOString().replace(/\.\d+Z$/, "Z");
  const conditions =
    left === 0
      ? [
          ...(status.conditions ?? []).filter((c) => c.type !== "DisruptionAllowed"),
          {
            type: "DisruptionAllowed",
            status: "False",
            reason: "InsufficientPods",
            message: "",
            observedGeneration: budget.metadata.generation,
            lastTransitionTime: stamp,
          },
        ]
      : status.conditions;
  return {
    action: "charge",
    budget: {
      ...budget,
      status: {
        ...status,
        disruptionsAllowed: left,
        disruptedPods: { ...(status.disruptedPods ?? {}), [pod.metadata.name as string]: stamp },
        ...(conditions ? { conditions } : {}),
      },
    },
  };
}

function tooMany(cause: string): StatusError {
  return new StatusError("TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", {
    causes: [{ reason: "DisruptionBudget", message: cause }],
  });
}

/** The condition kube adds to a pod it evicts (PodDisruptionConditions), before deleting it. */
export function withDisruptionTarget(pod: KubeObject, now: Date): KubeObject {
  const status = (pod.status ?? {}) as { conditions?: { type: string }[] };
  const condition = {
    type: "DisruptionTarget",
    status: "True",
    lastProbeTime: null,
    lastTransitionTime: now.toISOString().replace(/\.\d+Z$/, "Z"),
    reason: "EvictionByEvictionAPI",
    message: "Eviction API: evicting",
  };
  return {
    ...pod,
    status: {
      ...status,
      conditions: [...(status.conditions ?? []).filter((c) => c.type !== "DisruptionTarget"), condition],
    },
  };
}
