import type { KubeObject } from "@evk/kube";

// Server-side printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), with kube-apiserver's
// columns per resource. Resources without columns here answer with plain lists, which kubectl prints itself.

export interface Column {
  name: string;
  type: "string" | "integer" | "date";
  format: string;
  description: string;
  priority: number;
  cell: (o: KubeObject, now: number) => string | number;
}

/** k8s.io/apimachinery's duration.HumanDuration, the AGE column's format. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

const name: Column = {
  name: "Name",
  type: "string",
  format: "name",
  description:
    "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
  priority: 0,
  cell: (o) => o.metadata.name ?? "",
};

const age: Column = {
  name: "Age",
  type: "string",
  format: "",
  description:
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  priority: 0,
  cell: (o, now) =>
    o.metadata.creationTimestamp ? humanDuration(now - Date.parse(o.metadata.creationTimestamp)) : "<unknown>",
};

const count = (v: unknown) => (v && typeof v === "object" ? Object.keys(v).length : 0);

export const tableColumns: Record<string, Column[]> = {
  "core/configmaps": [
    name,
    {
      name: "Data",
      type: "integer",
      format: "",
      description: "Data contains the configuration data.",
      priority: 0,
      cell: (o) => count(o.data) + count(o.binaryData),
    },
    age,
  ],
  "core/secrets": [
    name,
    {
      name: "Type",
      type: "string",
      format: "",
      description: "Used to facilitate programmatic handling of secret data.",
      priority: 0,
      cell: (o) => String(o.type ?? "Opaque"),
    },
    {
      name: "Data",
      type: "string",
      format: "",
      description: "Contains the secret data.",
      priority: 0,
      cell: (o) => count(o.data),
    },
    age,
  ],
  "core/namespaces": [
    name,
    {
      name: "Status",
      type: "string",
      format: "",
      description: "The status of the namespace",
      priority: 0,
      cell: (o) => String((o.status as { phase?: string } | undefined)?.phase ?? ""),
    },
    age,
  ],
  // Kubernetes 1.35 prints service accounts with NAME and AGE only (the SECRETS column is gone).
  "core/serviceaccounts": [name, age],
};

const TABLE_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io";

/** True when the Accept header asks for a meta.k8s.io/v1 Table before anything else we serve. */
export function wantsTable(accept: string | undefined): boolean {
  for (const entry of (accept ?? "").split(",")) {
    const [media, ...params] = entry.split(";").map((p) => p.trim());
    const p = Object.fromEntries(params.map((x) => x.split("=").map((y) => y.trim()) as [string, string]));
    if (media === "application/json" && p.as === "Table") return p.g === "meta.k8s.io" && p.v === "v1";
    if (media === "application/json" || media === "*/*" || media === "application/*") return false;
  }
  return false;
}

export const TABLE_CONTENT_TYPE = TABLE_TYPE;

function partialMetadata(o: KubeObject) {
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
}

export function toTable(
  columns: Column[],
  objects: KubeObject[],
  listMeta: Record<string, unknown>,
  includeObject: string | null,
  now = Date.now(),
) {
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMeta,
    columnDefinitions: columns.map(({ cell: _c, ...def }) => def),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o, now)),
      ...(includeObject === "None" ? {} : { object: includeObject === "Object" ? o : partialMetadata(o) }),
    })),
  };
}
