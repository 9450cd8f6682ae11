// Server-side printing of custom resources (apiextensions-apiserver registry/customresource/tableconvertor): a Name
// column, then the version's additionalPrinterColumns (or Age when it declares none), each cell the first value
// its JSONPath finds, typed as the column says. Pure.
import type { KubeObject } from "@evk/kube";
import { COMMON } from "../tables/descriptions.ts";
import { humanDuration } from "../tables/format.ts";
import type { Cell, ColumnDefinition, Printer } from "../tables/index.ts";
import { findJSONPath, JSONPathError, parseJSONPath } from "./jsonpath.ts";
import { goNumber } from "./schema/go-values.ts";
import type { ColumnDefinition as CRDColumn } from "./types.ts";

const AGE: CRDColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: COMMON.Age };

/** fmt.Fprint of a JSON value, as jsonpath's PrintResults prints one. */
function printValue(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number") return goNumber(v);
  if (typeof v === "boolean") return String(v);
  if (v === null || v === undefined) return "<nil>";
  if (Array.isArray(v)) return `[${v.map(printValue).join(" ")}]`;
  const o = v as Record<string, unknown>;
  return `map[${Object.keys(o)
    .sort()
    .map((k) => `${k}:${printValue(o[k])}`)
    .join(" ")}]`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function cell(type: string, value: unknown, now: number): Cell | null {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "integer":
      return typeof value === "number" ? Math.trunc(value) : null;
    case "number":
      return typeof value === "number" ? value : null;
    case "boolean":
      return typeof value === "boolean" ? value : null;
    case "string":
      return typeof value === "string" ? value : null;
    case "date": {
      if (typeof value !== "string") return null;
      if (!RFC3339.test(value)) return "<invalid>";
      const t = Date.parse(value);
      if (Number.isNaN(t)) return "<invalid>";
      return t <= Date.parse("0001-01-01T00:00:00Z") ? "<unknown>" : humanDuration(now - t);
    }
    default:
      return null;
  }
}

/** The printer for one served version's columns (the Age column alone when it declares none). */
export function customResourcePrinter(columns: CRDColumn[] | undefined): Printer {
  const cols = columns?.length ? columns : [AGE];
  const parsed = cols.map((c) => {
    try {
      return parseJSONPath(`{${c.jsonPath ?? ""}}`);
    } catch (err) {
      if (err instanceof JSONPathError) return undefined;
      throw err;
    }
  });
  const definitions: ColumnDefinition[] = [
    { name: "Name", type: "string", format: "name", description: COMMON.Name, priority: 0 },
    ...cols.map((c) => ({
      name: c.name ?? "",
      type: (c.type ?? "string") as ColumnDefinition["type"],
      format: c.format ?? "",
      description:
        c.description && c.description.length > 0
          ? c.description
          : `Custom resource definition column (in JSONPath format): ${c.jsonPath ?? ""}`,
      priority: typeof c.priority === "number" ? c.priority : 0,
    })),
  ];
  return {
    columns: definitions,
    cells: (o: KubeObject, now: number) => [
      o.metadata.name ?? "",
      ...cols.map((c, i) => {
        const steps = parsed[i];
        if (!steps) return null as unknown as Cell;
        const found = findJSONPath(steps, o);
        if (found.length === 0) return null as unknown as Cell;
        const v = found[0];
        if ((c.type ?? "string") === "string")
          return (v === null || v === undefined ? null : printValue(v)) as unknown as Cell;
        return cell(c.type ?? "", v, now) as unknown as Cell;
      }),
    ],
  };
}
