import type { KubeObject } from "@evk/kube";
import { COMMON, DESCRIPTIONS } from "./descriptions.ts";
import { since } from "./format.ts";

export type Cell = string | number | boolean;

/** meta.k8s.io/v1 TableColumnDefinition. */
export interface ColumnDefinition {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format: string;
  description: string;
  priority: number;
}

/** meta.k8s.io/v1 TableRowCondition (kube marks finished pods "Completed"). */
export interface RowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/**
 * One kind's server-side printer: its columns, and for an object the cells of its row in column order, given
 * the time to measure ages from. kube-apiserver prints with Wide on, so rows always carry the priority-1 cells.
 */
export interface Printer {
  columns: ColumnDefinition[];
  cells(o: KubeObject, now: number): Cell[];
  conditions?(o: KubeObject): RowCondition[] | undefined;
  /** The order of a list's rows, for the kinds kube prints sorted (FlowSchemas by matching precedence). */
  order?(objects: KubeObject[]): KubeObject[];
}

/** A column of a `columns()` list: a name, or a name with its type, format or priority. */
export type ColumnSpec = string | { name: string; type?: ColumnDefinition["type"]; format?: string; wide?: boolean };

export const wide = (name: string): ColumnSpec => ({ name, wide: true });
export const int = (name: string): ColumnSpec => ({ name, type: "integer" });
export const bool = (name: string): ColumnSpec => ({ name, type: "boolean" });

/**
 * The column definitions of a kind, descriptions looked up from kube's text. Columns are strings unless said
 * otherwise; "Name" carries the "name" format as in kube.
 */
export function columns(kind: string, specs: ColumnSpec[]): ColumnDefinition[] {
  return specs.map((spec) => {
    const s = typeof spec === "string" ? { name: spec } : spec;
    const description = DESCRIPTIONS[kind]?.[s.name] ?? COMMON[s.name as keyof typeof COMMON];
    if (description === undefined) throw new Error(`no description for column ${s.name} of ${kind}`);
    return {
      name: s.name,
      type: s.type ?? "string",
      format: s.format ?? (s.name === "Name" ? "name" : ""),
      description,
      priority: s.wide ? 1 : 0,
    };
  });
}

export const nameOf = (o: KubeObject) => o.metadata.name ?? "";
export const ageOf = (o: KubeObject, now: number) => since(o.metadata.creationTimestamp, now);

/** Typed access to the fields a printer reads; objects are validated JSON, and every field may be missing. */
export const view = <T>(o: KubeObject) => o as unknown as T & KubeObject;
