// structured-merge-diff's merge.Updater: who owns what after a write. An update gives the writer what it
// changed and takes that from everyone else; an apply merges the configuration, gives the applier exactly
// the configuration's fields, refuses to change what others own unless forced, and removes what the applier
// stopped specifying when nobody else owns it. Pure.
import type { Atom } from "./schema.ts";
import { FieldSet } from "./set.ts";
import {
  type Comparison,
  compare,
  ensureNamedFieldsAreMembers,
  merge,
  reconcileWithSchema,
  removeItems,
  sameValue,
  toFieldSet,
} from "./typed.ts";

export interface VersionedSet {
  set: FieldSet;
  apiVersion: string;
  applied: boolean;
}

/** fieldpath.ManagedFields: each manager's fields, by manager identifier (see entries.ts). */
export type ManagedFields = Map<string, VersionedSet>;

/** A conflict: a field another manager owns that an apply would change. */
export interface Conflict {
  manager: string;
  path: string[];
}

export class ConflictsError extends Error {
  readonly conflicts: Conflict[];
  constructor(conflicts: Conflict[]) {
    super("conflicts");
    this.conflicts = conflicts;
  }
}

export interface UpdaterOptions {
  atom: Atom;
  /** The API version written. */
  version: string;
  /** What a write at this version may own (the strategy's reset fields); everything when undefined. */
  filter?: ((s: FieldSet) => FieldSet) | undefined;
}

const filtered = (c: Comparison, filter: UpdaterOptions["filter"]): Comparison =>
  filter ? { added: filter(c.added), modified: filter(c.modified), removed: filter(c.removed) } : c;

/**
 * Managers whose API version the object is not served at are dropped, as kube drops versions it cannot convert
 * to; sets that own parts of what the schema makes atomic are made to own the whole.
 */
function reconcile(o: UpdaterOptions, managers: ManagedFields): ManagedFields {
  const out: ManagedFields = new Map();
  for (const [m, vs] of managers) {
    if (vs.apiVersion !== o.version) continue;
    const r = reconcileWithSchema(o.atom, vs.set);
    out.set(m, r ? { ...vs, set: r } : vs);
  }
  return out;
}

/** The shared step of update and apply: others lose what changed, and conflicts are found. */
function settle(c: Comparison, managers: ManagedFields, workflow: string, force: boolean): ManagedFields {
  const changed = c.modified.union(c.added);
  const conflicts = new Map<string, FieldSet>();
  for (const [m, vs] of managers) {
    if (m === workflow) continue;
    const cs = vs.set.intersection(changed);
    if (!cs.empty) conflicts.set(m, cs);
  }
  if (!force && conflicts.size > 0) {
    const list: Conflict[] = [];
    for (const m of [...conflicts.keys()].sort())
      for (const path of (conflicts.get(m) as FieldSet).paths()) list.push({ manager: m, path });
    throw new ConflictsError(list);
  }
  const out: ManagedFields = new Map();
  for (const [m, vs] of managers) {
    let set = vs.set;
    if (m !== workflow) {
      const cs = conflicts.get(m);
      if (cs) set = set.difference(cs);
      if (!c.removed.empty) set = set.difference(c.removed);
    }
    if (!set.empty) out.set(m, set === vs.set ? vs : { ...vs, set });
  }
  return out;
}

/** Updater.Update: `manager` wrote `next` over `live` (both Go-typed objects). */
export function update(
  o: UpdaterOptions,
  live: unknown,
  next: unknown,
  managers: ManagedFields,
  manager: string,
): ManagedFields {
  let ms = reconcile(o, managers);
  let c = compare(o.atom, live, next, true, true);
  // What others lose is what changed where the write may own it; with nobody else there is nothing to settle.
  let others = false;
  for (const m of ms.keys()) if (m !== manager) others = true;
  if (others) {
    c = filtered(c, o.filter);
    ms = settle(c, ms, manager, true);
  }
  const prev = ms.get(manager)?.set;
  let set = prev ? prev.difference(c.removed).union(c.modified).union(c.added) : c.modified.union(c.added);
  if (o.filter) set = o.filter(set);
  if (set.empty) ms.delete(manager);
  else ms.set(manager, { set, apiVersion: o.version, applied: false });
  return ms;
}

/** Updater.Apply: the merged object (undefined when nothing changes) and the managers after the apply. */
export function apply(
  o: UpdaterOptions,
  live: unknown,
  config: unknown,
  managers: ManagedFields,
  manager: string,
  force: boolean,
): { object: unknown; managers: ManagedFields } {
  let ms = reconcile(o, managers);
  let merged = merge(o.atom, live, config, true);
  const last = ms.get(manager);
  let set = toFieldSet(o.atom, config);
  if (o.filter) set = o.filter(set);
  ms.set(manager, { set, apiVersion: o.version, applied: true });
  if (last && !last.set.empty) merged = prune(o, merged, ms, last);
  ms = settle(filtered(compare(o.atom, live, merged, true, false), o.filter), ms, manager, force);
  return { object: sameValue(o.atom, live, merged) ? undefined : merged, managers: ms };
}

/**
 * Removes what the applier owned last time, no longer applies, and nobody else owns (items others own, or
 * that belonged to no applier, stay).
 */
function prune(o: UpdaterOptions, merged: unknown, ms: ManagedFields, last: VersionedSet): unknown {
  const a = o.atom;
  const lastSet = ensureNamedFieldsAreMembers(a, last.set);
  let pruned = removeItems(a, merged, lastSet);
  // Add back what anyone (the applier's new configuration included) owns.
  let owned = new FieldSet();
  for (const vs of ms.values()) owned = owned.union(vs.set);
  const mergedSet = ensureNamedFieldsAreMembers(a, toFieldSet(a, merged));
  const prunedSet = ensureNamedFieldsAreMembers(a, toFieldSet(a, pruned));
  pruned = removeItems(a, merged, mergedSet.difference(prunedSet.union(ensureNamedFieldsAreMembers(a, owned))));
  // Remove only what the applier owned last time.
  const keptSet = ensureNamedFieldsAreMembers(a, toFieldSet(a, pruned));
  return removeItems(a, merged, mergedSet.difference(keptSet).intersection(lastSet));
}
