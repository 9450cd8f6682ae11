import { apiServiceStatusProblems } from "./apiregistration.ts";
import { type FieldError, invalid, n } from "./field-errors.ts";
import { flowControlStatusProblems } from "./flowcontrol.ts";
import { isNil, type Obj, obj, validateNonnegative } from "./formats.ts";

// The status checks of kube-apiserver 1.35's workload status strategies (ValidateDeploymentStatusUpdate,
// ValidateReplicaSetStatusUpdate, ValidateStatefulSetStatusUpdate, ValidateDaemonSetStatusUpdate and the
// ReplicationController's): counters never negative, never above what contains them, collisionCount never
// going back.

type Errs = FieldError[];
const num = (v: unknown) => (typeof v === "number" ? v : 0);

function nonnegative(status: Obj, fields: string[], optional: string[] = []): Errs {
  const out: Errs = [];
  for (const f of fields) out.push(...validateNonnegative(num(status[f]), `status.${f}`));
  for (const f of optional) if (!isNil(status[f])) out.push(...validateNonnegative(num(status[f]), `status.${f}`));
  return out;
}

/** `a` may not exceed `b`; the message names `b` as kube does. */
function notAbove(status: Obj, a: string, b: string, shownAs: string): Errs {
  return num(status[a]) > num(status[b])
    ? [invalid(`status.${a}`, n(num(status[a])), `cannot be greater than ${shownAs}`)]
    : [];
}

function collisionCount(status: Obj, old: Obj): Errs {
  const before = old.collisionCount;
  const now = status.collisionCount;
  const decremented = (isNil(now) && !isNil(before)) || (!isNil(now) && !isNil(before) && num(now) < num(before));
  return decremented ? [invalid("status.collisionCount", n(num(now)), "cannot be decremented")] : [];
}

function deployment(s: Obj, old: Obj): Errs {
  return [
    ...nonnegative(
      s,
      [
        "observedGeneration",
        "replicas",
        "updatedReplicas",
        "readyReplicas",
        "availableReplicas",
        "unavailableReplicas",
      ],
      ["terminatingReplicas", "collisionCount"],
    ),
    ...notAbove(s, "updatedReplicas", "replicas", "status.replicas"),
    ...notAbove(s, "readyReplicas", "replicas", "status.replicas"),
    ...notAbove(s, "availableReplicas", "replicas", "status.replicas"),
    ...notAbove(s, "availableReplicas", "readyReplicas", "readyReplicas"),
    ...collisionCount(s, old),
  ];
}

function replicaSet(s: Obj): Errs {
  return [
    ...nonnegative(
      s,
      ["replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration"],
      ["terminatingReplicas"],
    ),
    ...notAbove(s, "fullyLabeledReplicas", "replicas", "status.replicas"),
    ...notAbove(s, "readyReplicas", "replicas", "status.replicas"),
    ...notAbove(s, "availableReplicas", "replicas", "status.replicas"),
    ...notAbove(s, "availableReplicas", "readyReplicas", "readyReplicas"),
  ];
}

function statefulSet(s: Obj, old: Obj): Errs {
  return [
    ...nonnegative(
      s,
      ["replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"],
      ["observedGeneration", "collisionCount"],
    ),
    ...notAbove(s, "readyReplicas", "replicas", "status.replicas"),
    ...notAbove(s, "currentReplicas", "replicas", "status.replicas"),
    ...notAbove(s, "updatedReplicas", "replicas", "status.replicas"),
    ...notAbove(s, "availableReplicas", "replicas", "status.replicas"),
    ...notAbove(s, "availableReplicas", "readyReplicas", "status.readyReplicas"),
    ...collisionCount(s, old),
  ];
}

function daemonSet(s: Obj, old: Obj): Errs {
  return [
    ...nonnegative(
      s,
      [
        "currentNumberScheduled",
        "numberMisscheduled",
        "desiredNumberScheduled",
        "numberReady",
        "observedGeneration",
        "updatedNumberScheduled",
        "numberAvailable",
        "numberUnavailable",
      ],
      ["collisionCount"],
    ),
    ...collisionCount(s, old),
  ];
}

const rules: Record<string, (status: Obj, old: Obj) => Errs> = {
  "apps/deployments": deployment,
  "apps/replicasets": replicaSet,
  "core/replicationcontrollers": replicaSet,
  "apps/statefulsets": statefulSet,
  "apps/daemonsets": daemonSet,
  "apiregistration.k8s.io/apiservices": apiServiceStatusProblems,
  "flowcontrol.apiserver.k8s.io/flowschemas": flowControlStatusProblems,
  "flowcontrol.apiserver.k8s.io/prioritylevelconfigurations": flowControlStatusProblems,
};

/** The status strategy's checks of a /status write, on the object the strategy prepared. */
export function statusProblems(key: string, next: Obj, old: Obj): Errs {
  return rules[key]?.(obj(next.status), obj(old.status)) ?? [];
}
