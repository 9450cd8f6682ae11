// Printers of the cluster plumbing: coordination, RBAC, storage, scheduling, node, certificates and
// resource.k8s.io kinds.
import type { KubeObject } from "@evk/kube";
import { ageOf, bool, columns, int, nameOf, type Printer, view, wide } from "./columns.ts";
import { humanDuration } from "./format.ts";

const leasePrinter: Printer = {
  columns: columns("coordination.k8s.io/leases", ["Name", "Holder", "Age"]),
  cells: (o, now) => [
    nameOf(o),
    view<{ spec?: { holderIdentity?: string } }>(o).spec?.holderIdentity ?? "",
    ageOf(o, now),
  ],
};

interface Binding {
  roleRef?: { kind?: string; name?: string };
  subjects?: { kind?: string; name?: string; namespace?: string }[];
}

function bindingPrinter(kind: string): Printer {
  return {
    columns: columns(kind, ["Name", "Role", "Age", wide("Users"), wide("Groups"), wide("ServiceAccounts")]),
    cells(o, now) {
      const b = view<Binding>(o);
      const subjects = b.subjects ?? [];
      const names = (k: string) => subjects.filter((s) => s.kind === k);
      return [
        nameOf(o),
        `${b.roleRef?.kind ?? ""}/${b.roleRef?.name ?? ""}`,
        ageOf(o, now),
        names("User")
          .map((s) => s.name ?? "")
          .join(", "),
        names("Group")
          .map((s) => s.name ?? "")
          .join(", "),
        names("ServiceAccount")
          .map((s) => `${s.namespace ?? ""}/${s.name ?? ""}`)
          .join(", "),
      ];
    },
  };
}

const DEFAULT_CLASS_ANNOTATIONS = [
  "storageclass.kubernetes.io/is-default-class",
  "storageclass.beta.kubernetes.io/is-default-class",
];

interface StorageClass {
  provisioner?: string;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
  allowVolumeExpansion?: boolean;
}

const storageClassPrinter: Printer = {
  columns: columns("storage.k8s.io/storageclasses", [
    "Name",
    "Provisioner",
    "ReclaimPolicy",
    "VolumeBindingMode",
    "AllowVolumeExpansion",
    "Age",
  ]),
  cells(o, now) {
    const sc = view<StorageClass>(o);
    const isDefault = DEFAULT_CLASS_ANNOTATIONS.some((a) => o.metadata.annotations?.[a] === "true");
    return [
      isDefault ? `${nameOf(o)} (default)` : nameOf(o),
      sc.provisioner ?? "",
      sc.reclaimPolicy ?? "Delete",
      sc.volumeBindingMode ?? "Immediate",
      sc.allowVolumeExpansion ?? false,
      ageOf(o, now),
    ];
  },
};

const volumeAttributesClassPrinter: Printer = {
  columns: columns("storage.k8s.io/volumeattributesclasses", ["Name", "DriverName", "Age"]),
  cells: (o, now) => [nameOf(o), String(o.driverName ?? ""), ageOf(o, now)],
};

interface CSIDriver {
  spec?: {
    attachRequired?: boolean;
    podInfoOnMount?: boolean;
    storageCapacity?: boolean;
    requiresRepublish?: boolean;
    tokenRequests?: { audience?: string }[] | null;
    volumeLifecycleModes?: string[];
  };
}

const csiDriverPrinter: Printer = {
  columns: columns("storage.k8s.io/csidrivers", [
    "Name",
    bool("AttachRequired"),
    bool("PodInfoOnMount"),
    bool("StorageCapacity"),
    "TokenRequests",
    bool("RequiresRepublish"),
    "Modes",
    "Age",
  ]),
  cells(o, now) {
    const { spec = {} } = view<CSIDriver>(o);
    return [
      nameOf(o),
      spec.attachRequired ?? true,
      spec.podInfoOnMount ?? false,
      spec.storageCapacity ?? false,
      // kube stores an empty list as none (omitempty), so it reads back unset.
      spec.tokenRequests?.length ? spec.tokenRequests.map((t) => t.audience ?? "").join(",") : "<unset>",
      spec.requiresRepublish ?? false,
      spec.volumeLifecycleModes?.join(",") || "<none>",
      ageOf(o, now),
    ];
  },
};

const csiNodePrinter: Printer = {
  columns: columns("storage.k8s.io/csinodes", ["Name", int("Drivers"), "Age"]),
  cells: (o, now) => [nameOf(o), view<{ spec?: { drivers?: unknown[] } }>(o).spec?.drivers?.length ?? 0, ageOf(o, now)],
};

interface VolumeAttachment {
  spec?: { attacher?: string; nodeName?: string; source?: { persistentVolumeName?: string } };
  status?: { attached?: boolean };
}

const volumeAttachmentPrinter: Printer = {
  columns: columns("storage.k8s.io/volumeattachments", [
    "Name",
    { name: "Attacher", format: "name" },
    "PV",
    "Node",
    bool("Attached"),
    "Age",
  ]),
  cells(o, now) {
    const { spec = {}, status = {} } = view<VolumeAttachment>(o);
    return [
      nameOf(o),
      spec.attacher ?? "",
      spec.source?.persistentVolumeName ?? "",
      spec.nodeName ?? "",
      status.attached ?? false,
      ageOf(o, now),
    ];
  },
};

interface PriorityClass {
  value?: number;
  globalDefault?: boolean;
  preemptionPolicy?: string;
}

const priorityClassPrinter: Printer = {
  columns: columns("scheduling.k8s.io/priorityclasses", [
    "Name",
    int("Value"),
    bool("Global-Default"),
    "Age",
    "PreemptionPolicy",
  ]),
  cells(o, now) {
    const pc = view<PriorityClass>(o);
    return [nameOf(o), pc.value ?? 0, pc.globalDefault ?? false, ageOf(o, now), pc.preemptionPolicy ?? ""];
  },
};

const runtimeClassPrinter: Printer = {
  columns: columns("node.k8s.io/runtimeclasses", ["Name", "Handler", "Age"]),
  cells: (o, now) => [nameOf(o), String(o.handler ?? ""), ageOf(o, now)],
};

interface CertificateSigningRequest {
  spec?: { signerName?: string; username?: string; expirationSeconds?: number };
  status?: { conditions?: { type?: string }[]; certificate?: string };
}

/** extractCSRStatus: Denied over Approved over Pending, then ",Failed" and ",Issued". */
export function csrCondition(o: KubeObject): string {
  const { status = {} } = view<CertificateSigningRequest>(o);
  const types = new Set((status.conditions ?? []).map((c) => c.type));
  let s = types.has("Denied") ? "Denied" : types.has("Approved") ? "Approved" : "Pending";
  if (types.has("Failed")) s += ",Failed";
  if (status.certificate) s += ",Issued";
  return s;
}

const csrPrinter: Printer = {
  columns: columns("certificates.k8s.io/certificatesigningrequests", [
    "Name",
    "Age",
    "SignerName",
    "Requestor",
    "RequestedDuration",
    "Condition",
  ]),
  cells(o, now) {
    const { spec = {} } = view<CertificateSigningRequest>(o);
    const seconds = spec.expirationSeconds;
    return [
      nameOf(o),
      ageOf(o, now),
      spec.signerName || "<none>",
      spec.username ?? "",
      seconds === undefined || seconds === null ? "<none>" : humanDuration(seconds * 1000),
      csrCondition(o),
    ];
  },
};

/** The name and age, for kinds kube prints with nothing else. */
function nameAge(kind: string): Printer {
  return { columns: columns(kind, ["Name", "Age"]), cells: (o, now) => [nameOf(o), ageOf(o, now)] };
}

interface ResourceClaim {
  status?: { allocation?: unknown; reservedFor?: unknown[] };
}

/** resourceClaimState: deleted, pending, allocated, reserved, comma separated. */
export function resourceClaimState(o: KubeObject): string {
  const { status = {} } = view<ResourceClaim>(o);
  const deleted = Boolean(o.metadata.deletionTimestamp);
  const states: string[] = deleted ? ["deleted"] : [];
  if (status.allocation === undefined || status.allocation === null) {
    if (!deleted) states.push("pending");
  } else {
    states.push("allocated");
    if (status.reservedFor?.length) states.push("reserved");
  }
  return states.join(",");
}

const resourceClaimPrinter: Printer = {
  columns: columns("resource.k8s.io/resourceclaims", ["Name", "State", "Age"]),
  cells: (o, now) => [nameOf(o), resourceClaimState(o), ageOf(o, now)],
};

interface ResourceSlice {
  spec?: { nodeName?: string; driver?: string; pool?: { name?: string } };
}

const resourceSlicePrinter: Printer = {
  columns: columns("resource.k8s.io/resourceslices", ["Name", "Node", "Driver", "Pool", "Age"]),
  cells(o, now) {
    const { spec = {} } = view<ResourceSlice>(o);
    return [nameOf(o), spec.nodeName ?? "", spec.driver ?? "", spec.pool?.name ?? "", ageOf(o, now)];
  },
};

export const miscPrinters: Record<string, Printer> = {
  "coordination.k8s.io/leases": leasePrinter,
  "rbac.authorization.k8s.io/rolebindings": bindingPrinter("rbac.authorization.k8s.io/rolebindings"),
  "rbac.authorization.k8s.io/clusterrolebindings": bindingPrinter("rbac.authorization.k8s.io/clusterrolebindings"),
  "storage.k8s.io/storageclasses": storageClassPrinter,
  "storage.k8s.io/volumeattributesclasses": volumeAttributesClassPrinter,
  "storage.k8s.io/csidrivers": csiDriverPrinter,
  "storage.k8s.io/csinodes": csiNodePrinter,
  "storage.k8s.io/volumeattachments": volumeAttachmentPrinter,
  "scheduling.k8s.io/priorityclasses": priorityClassPrinter,
  "node.k8s.io/runtimeclasses": runtimeClassPrinter,
  "certificates.k8s.io/certificatesigningrequests": csrPrinter,
  "resource.k8s.io/deviceclasses": nameAge("resource.k8s.io/deviceclasses"),
  "resource.k8s.io/resourceclaimtemplates": nameAge("resource.k8s.io/resourceclaimtemplates"),
  "resource.k8s.io/resourceclaims": resourceClaimPrinter,
  "resource.k8s.io/resourceslices": resourceSlicePrinter,
};
