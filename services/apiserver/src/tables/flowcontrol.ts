// Printers of flowcontrol.apiserver.k8s.io/v1, as kube-apiserver 1.35 prints them (pkg/printers/internalversion):
// FlowSchema lists sorted by matching precedence then name, "?" for a schema whose Dangling condition is not
// known yet, "<none>" for what a level does not have.
import type { KubeObject } from "@evk/kube";
import { ageOf, type ColumnDefinition, nameOf, type Printer, view } from "./columns.ts";
import { COMMON } from "./descriptions.ts";

const name: ColumnDefinition = { name: "Name", type: "string", format: "name", description: COMMON.Name, priority: 0 };
const age: ColumnDefinition = { name: "Age", type: "string", format: "", description: COMMON.Age, priority: 0 };
const column = (n: string, description: string): ColumnDefinition => ({
  name: n,
  type: "string",
  format: "",
  description,
  priority: 0,
});

interface FlowSchema {
  spec?: {
    priorityLevelConfiguration?: { name?: string };
    matchingPrecedence?: number;
    distinguisherMethod?: { type?: string } | null;
  };
  status?: { conditions?: { type?: string; status?: string }[] | null };
}

/** apihelpers.FlowSchemaSequence: by matching precedence, then by name. */
export function byPrecedence(objects: KubeObject[]): KubeObject[] {
  const mp = (o: KubeObject) => view<FlowSchema>(o).spec?.matchingPrecedence ?? 0;
  return [...objects].sort((a, b) => mp(a) - mp(b) || (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
}

const flowSchemaPrinter: Printer = {
  columns: [
    name,
    column("PriorityLevel", "`name` is the name of the priority level configuration being referenced Required."),
    column(
      "MatchingPrecedence",
      "`matchingPrecedence` is used to choose among the FlowSchemas that match a given request. The chosen FlowSchema is among those with the numerically lowest (which we take to be logically highest) MatchingPrecedence.  Each MatchingPrecedence value must be ranged in [1,10000]. Note that if the precedence is not specified, it will be set to 1000 as default.",
    ),
    column(
      "DistinguisherMethod",
      "`distinguisherMethod` defines how to compute the flow distinguisher for requests that match this schema. `nil` specifies that the distinguisher is disabled and thus will always be the empty string.",
    ),
    age,
    column("MissingPL", "references a broken or non-existent PriorityLevelConfiguration"),
  ],
  cells(o, now) {
    const fs = view<FlowSchema>(o);
    const dangling = (fs.status?.conditions ?? []).find((c) => c.type === "Dangling");
    return [
      nameOf(o),
      fs.spec?.priorityLevelConfiguration?.name ?? "",
      fs.spec?.matchingPrecedence ?? 0,
      fs.spec?.distinguisherMethod ? (fs.spec.distinguisherMethod.type ?? "") : "<none>",
      ageOf(o, now),
      dangling ? (dangling.status ?? "") : "?",
    ];
  },
  order: byPrecedence,
};

interface PriorityLevel {
  spec?: {
    type?: string;
    limited?: {
      nominalConcurrencyShares?: number;
      limitResponse?: { queuing?: { queues?: number; handSize?: number; queueLengthLimit?: number } | null };
    } | null;
  };
}

const priorityLevelPrinter: Printer = {
  columns: [
    name,
    column(
      "Type",
      '`type` indicates whether this priority level is subject to limitation on request execution.  A value of `"Exempt"` means that requests of this priority level are not subject to a limit (and thus are never queued) and do not detract from the capacity made available to other priority levels.  A value of `"Limited"` means that (a) requests of this priority level _are_ subject to limits and (b) some of the server\'s limited capacity is made available exclusively to this priority level. Required.',
    ),
    column(
      "NominalConcurrencyShares",
      '`nominalConcurrencyShares` (NCS) contributes to the computation of the NominalConcurrencyLimit (NominalCL) of this level. This is the number of execution seats available at this priority level. This is used both for requests dispatched from this priority level as well as requests dispatched from other priority levels borrowing seats from this level. The server\'s concurrency limit (ServerCL) is divided among the Limited priority levels in proportion to their NCS values:\n\nNominalCL(i)  = ceil( ServerCL * NCS(i) / sum_ncs ) sum_ncs = sum[priority level k] NCS(k)\n\nBigger numbers mean a larger nominal concurrency limit, at the expense of every other priority level.\n\nIf not specified, this field defaults to a value of 30.\n\nSetting this field to zero supports the construction of a "jail" for this priority level that is used to hold some request(s)',
    ),
    column(
      "Queues",
      "`queues` is the number of queues for this priority level. The queues exist independently at each apiserver. The value must be positive.  Setting it to 1 effectively precludes shufflesharding and thus makes the distinguisher method of associated flow schemas irrelevant.  This field has a default value of 64.",
    ),
    column(
      "HandSize",
      "`handSize` is a small positive number that configures the shuffle sharding of requests into queues.  When enqueuing a request at this priority level the request's flow identifier (a string pair) is hashed and the hash value is used to shuffle the list of queues and deal a hand of the size specified here.  The request is put into one of the shortest queues in that hand. `handSize` must be no larger than `queues`, and should be significantly smaller (so that a few heavy flows do not saturate most of the queues).  See the user-facing documentation for more extensive guidance on setting this field.  This field has a default value of 8.",
    ),
    column(
      "QueueLengthLimit",
      "`queueLengthLimit` is the maximum number of requests allowed to be waiting in a given queue of this priority level at a time; excess requests are rejected.  This value must be positive.  If not specified, it will be defaulted to 50.",
    ),
    age,
  ],
  cells(o, now) {
    const spec = view<PriorityLevel>(o).spec;
    const limited = spec?.limited;
    const q = limited?.limitResponse?.queuing;
    const none = "<none>";
    return [
      nameOf(o),
      spec?.type ?? "",
      limited ? (limited.nominalConcurrencyShares ?? 0) : none,
      q ? (q.queues ?? 0) : none,
      q ? (q.handSize ?? 0) : none,
      q ? (q.queueLengthLimit ?? 0) : none,
      ageOf(o, now),
    ];
  },
};

export const flowControlPrinters: Record<string, Printer> = {
  "flowcontrol.apiserver.k8s.io/flowschemas": flowSchemaPrinter,
  "flowcontrol.apiserver.k8s.io/prioritylevelconfigurations": priorityLevelPrinter,
};
