// Server-side printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`) with kube-apiserver 1.35's
// columns and cells for every kind evk serves (kubernetes pkg/printers/internalversion), or its default
// Name/Created At table for the kinds kube has no printer for.
import type { KubeObject } from "@evk/kube";
import { admissionRegistrationPrinters } from "./admissionregistration.ts";
import { apiRegistrationPrinters } from "./apiregistration.ts";
import { type Cell, type ColumnDefinition, nameOf, type Printer, type RowCondition } from "./columns.ts";
import { corePrinters } from "./core.ts";
import { COMMON } from "./descriptions.ts";
import { flowControlPrinters } from "./flowcontrol.ts";
import { miscPrinters } from "./misc.ts";
import { networkingPrinters } from "./networking.ts";
import { workloadPrinters } from "./workloads.ts";

export type { Cell, ColumnDefinition, Printer, RowCondition } from "./columns.ts";
export { humanDuration } from "./format.ts";

/** kube-apiserver's rest.NewDefaultTableConvertor: the name and the creation time as an RFC 3339 date. */
export const defaultPrinter: Printer = {
  columns: [
    { name: "Name", type: "string", format: "name", description: COMMON.Name, priority: 0 },
    { name: "Created At", type: "date", format: "", description: COMMON.Age, priority: 0 },
  ],
  cells: (o) => [nameOf(o), rfc3339(o.metadata.creationTimestamp)],
};

function rfc3339(ts: string | undefined): string {
  const t = ts ? Date.parse(ts) : Number.NaN;
  // Go's zero time, as kube prints an object that has none.
  if (Number.isNaN(t)) return "0001-01-01T00:00:00Z";
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** Printers by "<group or core>/<resource>". */
export const tableColumns: Record<string, Printer> = {
  ...corePrinters,
  ...workloadPrinters,
  ...networkingPrinters,
  ...miscPrinters,
  ...admissionRegistrationPrinters,
  ...apiRegistrationPrinters,
  ...flowControlPrinters,
  // kube registers no printer for these and serves its default table.
  "core/limitranges": defaultPrinter,
  "rbac.authorization.k8s.io/roles": defaultPrinter,
  "rbac.authorization.k8s.io/clusterroles": defaultPrinter,
  "storage.k8s.io/csistoragecapacities": defaultPrinter,
  "apiextensions.k8s.io/customresourcedefinitions": defaultPrinter,
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

interface TableRow {
  cells: Cell[];
  conditions?: RowCondition[];
  object?: unknown;
}

export function toTable(
  printer: Printer,
  objects: KubeObject[],
  listMeta: Record<string, unknown>,
  includeObject: string | null,
  now = Date.now(),
): {
  kind: "Table";
  apiVersion: string;
  metadata: Record<string, unknown>;
  columnDefinitions: ColumnDefinition[];
  rows: TableRow[];
} {
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMeta,
    columnDefinitions: printer.columns,
    rows: (printer.order ? printer.order(objects) : objects).map((o) => {
      const conditions = printer.conditions?.(o);
      return {
        cells: printer.cells(o, now),
        ...(conditions?.length ? { conditions } : {}),
        ...(includeObject === "None" ? {} : { object: includeObject === "Object" ? o : partialMetadata(o) }),
      };
    }),
  };
}
