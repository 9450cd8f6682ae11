// kube-apiserver 1.35's API Priority and Fairness bootstrap configuration (apiserver pkg/apis/flowcontrol/
// bootstrap/default.go): the mandatory objects every server insists on and the suggested ones it creates and
// keeps current unless a user takes them over. Specs are given as stored, that is defaulted.

import type { KubeObject } from "@evk/kube";

export const AUTO_UPDATE_ANNOTATION = "apf.kubernetes.io/autoupdate-spec";

export type Spec = Record<string, unknown>;

export interface BootstrapObject {
  name: string;
  spec: Spec;
}

const ALL = "*";

const groups = (...names: string[]) => names.map((name) => ({ kind: "Group", group: { name } }));
const users = (...names: string[]) => names.map((name) => ({ kind: "User", user: { name } }));
const kubeSystemServiceAccounts = (...names: string[]) =>
  names.map((name) => ({ kind: "ServiceAccount", serviceAccount: { namespace: "kube-system", name } }));

const resourceRule = (
  verbs: string[],
  apiGroups: string[],
  resources: string[],
  namespaces: string[],
  clusterScope: boolean,
) => ({ verbs, apiGroups, resources, ...(clusterScope ? { clusterScope } : {}), namespaces });

const nonResourceRule = (verbs: string[], nonResourceURLs: string[]) => ({ verbs, nonResourceURLs });

const everything = {
  resourceRules: [resourceRule([ALL], [ALL], [ALL], [ALL], true)],
  nonResourceRules: [nonResourceRule([ALL], [ALL])],
};

function flowSchema(
  name: string,
  priorityLevel: string,
  matchingPrecedence: number,
  distinguisher: "ByUser" | "ByNamespace" | "",
  rules: Spec,
): BootstrapObject {
  return {
    name,
    spec: {
      priorityLevelConfiguration: { name: priorityLevel },
      matchingPrecedence,
      ...(distinguisher ? { distinguisherMethod: { type: distinguisher } } : {}),
      rules: [rules],
    },
  };
}

function queuing(
  name: string,
  shares: number,
  lendablePercent: number,
  queues: number,
  handSize: number,
): BootstrapObject {
  return {
    name,
    spec: {
      type: "Limited",
      limited: {
        nominalConcurrencyShares: shares,
        lendablePercent,
        limitResponse: { type: "Queue", queuing: { queues, handSize, queueLengthLimit: 50 } },
      },
    },
  };
}

export const MANDATORY_PRIORITY_LEVELS: BootstrapObject[] = [
  {
    name: "catch-all",
    spec: {
      type: "Limited",
      limited: { nominalConcurrencyShares: 5, lendablePercent: 0, limitResponse: { type: "Reject" } },
    },
  },
  { name: "exempt", spec: { type: "Exempt", exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } } },
];

export const MANDATORY_FLOW_SCHEMAS: BootstrapObject[] = [
  flowSchema("exempt", "exempt", 1, "", { subjects: groups("system:masters"), ...everything }),
  flowSchema("catch-all", "catch-all", 10000, "ByUser", {
    subjects: groups("system:unauthenticated", "system:authenticated"),
    ...everything,
  }),
];

export const SUGGESTED_PRIORITY_LEVELS: BootstrapObject[] = [
  queuing("system", 30, 33, 64, 6),
  queuing("node-high", 40, 25, 64, 6),
  queuing("leader-election", 10, 0, 16, 4),
  queuing("workload-high", 40, 50, 128, 6),
  queuing("workload-low", 100, 90, 128, 6),
  queuing("global-default", 20, 50, 128, 6),
];

export const SUGGESTED_FLOW_SCHEMAS: BootstrapObject[] = [
  flowSchema("system-nodes", "system", 500, "ByUser", { subjects: groups("system:nodes"), ...everything }),
  flowSchema("system-node-high", "node-high", 400, "ByUser", {
    subjects: groups("system:nodes"),
    resourceRules: [
      resourceRule([ALL], [""], ["nodes", "nodes/status"], [ALL], true),
      resourceRule([ALL], ["coordination.k8s.io"], ["leases"], [ALL], false),
    ],
  }),
  flowSchema("probes", "exempt", 2, "", {
    subjects: groups("system:unauthenticated", "system:authenticated"),
    nonResourceRules: [nonResourceRule(["get"], ["/healthz", "/readyz", "/livez"])],
  }),
  flowSchema("system-leader-election", "leader-election", 100, "ByUser", {
    subjects: [...users("system:kube-controller-manager", "system:kube-scheduler"), ...kubeSystemServiceAccounts(ALL)],
    resourceRules: [resourceRule(["get", "create", "update"], ["coordination.k8s.io"], ["leases"], [ALL], false)],
  }),
  flowSchema("kube-controller-manager", "workload-high", 800, "ByNamespace", {
    subjects: users("system:kube-controller-manager"),
    ...everything,
  }),
  flowSchema("kube-scheduler", "workload-high", 800, "ByNamespace", {
    subjects: users("system:kube-scheduler"),
    ...everything,
  }),
  flowSchema("kube-system-service-accounts", "workload-high", 900, "ByNamespace", {
    subjects: kubeSystemServiceAccounts(ALL),
    ...everything,
  }),
  flowSchema("service-accounts", "workload-low", 9000, "ByUser", {
    subjects: groups("system:serviceaccounts"),
    ...everything,
  }),
  flowSchema("global-default", "global-default", 9900, "ByUser", {
    subjects: groups("system:unauthenticated", "system:authenticated"),
    ...everything,
  }),
];

export const mandatoryFlowSchema = (name: string) => MANDATORY_FLOW_SCHEMAS.find((o) => o.name === name);
export const mandatoryPriorityLevel = (name: string) => MANDATORY_PRIORITY_LEVELS.find((o) => o.name === name);

/** The object the ensurer creates for a bootstrap entry (before the server stamps uid and timestamps). */
export function bootstrapObject(kind: "FlowSchema" | "PriorityLevelConfiguration", b: BootstrapObject): KubeObject {
  return {
    apiVersion: "flowcontrol.apiserver.k8s.io/v1",
    kind,
    metadata: { name: b.name, annotations: { [AUTO_UPDATE_ANNOTATION]: "true" } },
    spec: structuredClone(b.spec),
  };
}
