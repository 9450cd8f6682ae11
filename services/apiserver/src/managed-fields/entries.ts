// metadata.managedFields on the wire and in the field manager: entries decoded into per-manager field sets
// keyed by kube's manager identifier, encoded back in kube's order, the cap on update managers, and kube's
// conflict error. Pure.
import { goQuote, StatusError } from "@evk/kube";
import { goJsonString, type Json, pathString } from "./path.ts";
import { FieldSet } from "./set.ts";
import type { Conflict, ManagedFields } from "./updater.ts";

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, Json>;
  subresource?: string;
}

/** The fields of every manager and when each last changed them (RFC 3339; undefined for no time). */
export interface Managed {
  fields: ManagedFields;
  times: Map<string, string | undefined>;
}

export const emptyManaged = (): Managed => ({ fields: new Map(), times: new Map() });

/** BuildManagerIdentifier: the entry without time and fields, an applier without its API version. */
export function managerIdentifier(e: {
  manager?: string | undefined;
  operation?: string | undefined;
  apiVersion?: string | undefined;
  subresource?: string | undefined;
}): string {
  const parts: string[] = [];
  if (e.manager) parts.push(`"manager":${goJsonString(e.manager)}`);
  if (e.operation) parts.push(`"operation":${goJsonString(e.operation)}`);
  if (e.apiVersion && e.operation !== "Apply") parts.push(`"apiVersion":${goJsonString(e.apiVersion)}`);
  if (e.subresource) parts.push(`"subresource":${goJsonString(e.subresource)}`);
  return `{${parts.join(",")}}`;
}

interface Identified {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  subresource?: string;
}

const identifiers = new Map<string, Identified>();

function parseIdentifier(id: string): Identified {
  let e = identifiers.get(id);
  if (!e) {
    try {
      e = JSON.parse(id) as Identified;
    } catch {
      e = {};
    }
    if (identifiers.size > 10_000) identifiers.clear();
    identifiers.set(id, e);
  }
  return e;
}

let lastSecond = Number.NaN;
let lastText = "";

/** metav1.Time as Go writes it: UTC, whole seconds. */
export function rfc3339(d: Date): string {
  const sec = Math.floor(d.getTime() / 1000);
  if (sec !== lastSecond) {
    lastSecond = sec;
    lastText = d.toISOString().replace(/\.\d+Z$/, "Z");
  }
  return lastText;
}

function normaliseTime(t: unknown): string | undefined {
  if (typeof t !== "string" || t === "") return undefined;
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) throw new Error(`invalid time ${JSON.stringify(t)}`);
  return rfc3339(d);
}

/** DecodeManagedFields; throws on what kube refuses (an unknown operation, no apiVersion, a bad fieldsType…). */
export function decodeManagedFields(entries: unknown): Managed {
  const out = emptyManaged();
  if (entries === undefined || entries === null) return out;
  if (!Array.isArray(entries)) throw new Error("managedFields must be a list");
  entries.forEach((raw, i) => {
    const e = (raw ?? {}) as ManagedFieldsEntry;
    if (typeof e !== "object" || Array.isArray(e)) throw new Error(`managed fields entry ${i} is not an object`);
    if (e.operation !== "Apply" && e.operation !== "Update") throw new Error("operation must be `Apply` or `Update`");
    if (typeof e.apiVersion !== "string" || e.apiVersion.length < 1) throw new Error("apiVersion must not be empty");
    if (e.fieldsType === undefined || e.fieldsType === "")
      throw new Error(`missing fieldsType in managed fields entry ${i}`);
    if (e.fieldsType !== "FieldsV1")
      throw new Error(`invalid fieldsType ${JSON.stringify(e.fieldsType)} in entry ${i}`);
    const id = managerIdentifier({
      manager: typeof e.manager === "string" ? e.manager : undefined,
      operation: e.operation,
      apiVersion: e.apiVersion,
      subresource: typeof e.subresource === "string" ? e.subresource : undefined,
    });
    out.fields.set(id, {
      set: FieldSet.fromJSON(e.fieldsV1 ?? {}),
      apiVersion: e.apiVersion,
      applied: e.operation === "Apply",
    });
    out.times.set(id, normaliseTime(e.time));
  });
  return out;
}

const seconds = (t: string | undefined) => (t ? Math.floor(Date.parse(t) / 1000) : 0);
const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** encodeManagedFields: undefined when no manager is left; otherwise entries in kube's order. */
export function encodeManagedFields(m: Managed): ManagedFieldsEntry[] | undefined {
  if (m.fields.size === 0) return undefined;
  const out: ManagedFieldsEntry[] = [];
  for (const [id, vs] of m.fields) {
    const ident = parseIdentifier(id);
    const e: ManagedFieldsEntry = {};
    if (ident.manager) e.manager = ident.manager;
    const operation = vs.applied ? "Apply" : ident.operation;
    if (operation) e.operation = operation;
    if (vs.apiVersion) e.apiVersion = vs.apiVersion;
    const t = m.times.get(id);
    if (t) e.time = t;
    e.fieldsType = "FieldsV1";
    e.fieldsV1 = vs.set.toJSON();
    if (ident.subresource) e.subresource = ident.subresource;
    out.push(e);
  }
  return out.sort(
    (p, q) =>
      order(p.operation ?? "", q.operation ?? "") ||
      seconds(p.time) - seconds(q.time) ||
      order(p.manager ?? "", q.manager ?? "") ||
      order(p.apiVersion ?? "", q.apiVersion ?? "") ||
      order(p.subresource ?? "", q.subresource ?? ""),
  );
}

/** isResetManagedFields: an empty list, or one empty entry. */
export function isReset(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  if (v.length === 0) return true;
  if (v.length !== 1) return false;
  const e = v[0];
  return typeof e === "object" && e !== null && !Array.isArray(e) && Object.keys(e).length === 0;
}

export const MAX_UPDATE_MANAGERS = 10;

/** capManagersManager: beyond ten update managers, the oldest are merged into "ancient-changes" per version. */
export function capUpdateManagers(m: Managed): Managed {
  let n = 0;
  for (const vs of m.fields.values()) if (!vs.applied) n++;
  if (n <= MAX_UPDATE_MANAGERS) return m;
  const updaters = [...m.fields.entries()].filter(([, vs]) => !vs.applied).map(([id]) => id);
  updaters.sort((a, b) => seconds(m.times.get(a)) - seconds(m.times.get(b)) || order(a, b));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > MAX_UPDATE_MANAGERS; i++) {
    const id = updaters[i] as string;
    const vs = m.fields.get(id);
    if (!vs) continue;
    const time = m.times.get(id);
    const bucket = managerIdentifier({ manager: "ancient-changes", operation: "Update", apiVersion: vs.apiVersion });
    const first = firstOfVersion.get(vs.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(vs.apiVersion, id);
      continue;
    }
    if (!m.fields.has(bucket)) {
      const s = m.fields.get(first);
      m.fields.delete(first);
      if (s) m.fields.set(bucket, s);
    }
    const b = m.fields.get(bucket);
    m.fields.set(bucket, { set: vs.set.union(b?.set ?? new FieldSet()), apiVersion: vs.apiVersion, applied: false });
    m.fields.delete(id);
    length--;
    m.times.set(bucket, time);
  }
  return m;
}

/** printManager: how a conflict names a manager. */
export function printManager(id: string): string {
  let e: Identified;
  try {
    e = JSON.parse(id) as Identified;
  } catch {
    return goQuote(id);
  }
  let s = goQuote(e.manager ?? "");
  if (e.subresource) s = `${s} with subresource ${goQuote(e.subresource)}`;
  if (e.operation === "Update") return `${s} using ${e.apiVersion ?? ""}`;
  return s;
}

/** NewConflictError: 409 naming each conflicting field and its manager. */
export function conflictError(conflicts: Conflict[]): StatusError {
  const causes = conflicts.map((c) => ({
    reason: "FieldManagerConflict",
    message: `conflict with ${printManager(c.manager)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    const c = conflicts[0] as Conflict;
    message = `Apply failed with 1 conflict: conflict with ${printManager(c.manager)}: ${pathString(c.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const l = byManager.get(c.manager) ?? [];
      byManager.set(c.manager, l);
      l.push(pathString(c.path));
    }
    const lines: string[] = [];
    for (const m of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${printManager(m)}:`);
      for (const p of byManager.get(m) as string[]) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
  }
  return new StatusError("Conflict", message, { causes });
}
