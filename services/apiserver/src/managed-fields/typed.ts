// structured-merge-diff's typed operations over JSON values with a compiled type (schema.ts): validation,
// the field set of a value, the comparison of two values, the merge of an applied configuration into an
// object, and the removal of a field set from a value. Each is a single walk over the values.
//
// Objects kube holds as Go structs ("typed") read as Go reads them: non-pointer structs and fields without
// omitempty are present even when the JSON leaves them out, and empty omitempty lists and maps are absent.
// Applied configurations are taken as they are. Pure.
import { elementString, fieldKey, keyKey, valueKey } from "./path.ts";
import { type Atom, deduce, type Field, type ListType, type MapType, type Scalar, sameAtom } from "./schema.ts";
import { FieldSet } from "./set.ts";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export interface ValidationError {
  path: string;
  message: string;
}

/** ValidationErrors.Error(). */
export function errorsText(errs: ValidationError[]): string {
  const one = (e: ValidationError) => (e.path ? `${e.path}: ${e.message}` : e.message);
  if (errs.length === 1) return one(errs[0] as ValidationError);
  return ["errors:", ...errs.map((e) => `  ${one(e)}`)].join("\n");
}

// ---------------------------------------------------------------------------------------------------------
// Values as Go prints them in structured-merge-diff's messages

function goPrint(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(goPrint).join(" ")}]`;
  return `map[${Object.keys(v as Obj)
    .sort()
    .map((k) => `${k}:${goPrint((v as Obj)[k])}`)
    .join(" ")}]`;
}

function goSyntax(v: unknown): string {
  if (v === null || v === undefined) return "interface {}(nil)";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSyntax).join(", ")}}`;
  return `map[string]interface {}{${Object.keys(v as Obj)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${goSyntax((v as Obj)[k])}`)
    .join(", ")}}`;
}

/** %v of a value.Value. */
const valueV = (v: unknown) => `&{${goPrint(v)}}`;
/** %#v of a value.Value. */
const valueSharpV = (v: unknown) => `&value.valueUnstructured{Value:${goSyntax(v)}}`;

function goTypeName(v: unknown): string {
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int64" : "float64";
  if (Array.isArray(v)) return "[]interface {}";
  if (v === null) return "<nil>";
  return "map[string]interface {}";
}

function scalarProblem(t: Scalar, v: unknown, prefix: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  const scalar = typeof v === "number" || typeof v === "string" || typeof v === "boolean";
  switch (t) {
    case "numeric":
      return typeof v === "number" ? undefined : `${prefix}expected numeric (int or float), got ${goTypeName(v)}`;
    case "string":
      return typeof v === "string" ? undefined : `${prefix}expected string, got ${valueSharpV(v)}`;
    case "boolean":
      return typeof v === "boolean" ? undefined : `${prefix}expected boolean, got ${valueV(v)}`;
    default:
      return scalar ? undefined : `${prefix}expected any scalar, got ${valueV(v)}`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// List items and their path elements

/** The path element of an associative list item, or why it has none. */
export function itemElement(list: ListType, item: unknown): string | Error {
  if (list.keys.length > 0) {
    if (item === null) return new Error("associative list with keys may not have a null element");
    if (!isObj(item)) return new Error("associative list with keys may not have non-map elements");
    const fields: [string, unknown][] = [];
    const struct = list.elem.map?.fields;
    for (const k of list.keys) {
      if (k in item) fields.push([k, item[k]]);
      else {
        const def = struct?.get(k)?.default;
        if (def !== undefined && def !== null) fields.push([k, def]);
      }
    }
    if (fields.length === 0)
      return new Error(
        `associative list with keys has an element that omits all key fields ${goStringSlice(list.keys)} (and doesn't have default values for any key fields)`,
      );
    return keyKey(fields);
  }
  if (isObj(item)) return new Error("associative list without keys has an element that's a map type");
  if (Array.isArray(item)) return new Error("not supported: associative list with lists as elements");
  if (item === null) return new Error("associative list without keys has an element that's an explicit null");
  return valueKey(item);
}

const goStringSlice = (a: readonly string[]) => `[${a.map((s) => JSON.stringify(s)).join(" ")}]`;

// ---------------------------------------------------------------------------------------------------------
// Go's view of a typed struct

/** A field's value as a Go struct holds it; undefined when the struct has nothing there. */
function goField(f: Field, v: unknown): unknown {
  if (v === undefined) return f.implicit;
  if (v === null) return f.implicit !== undefined ? f.implicit : f.nullPresent ? null : undefined;
  if (f.zeroAbsent && (v === "" || v === 0 || v === false)) return f.implicit;
  if (f.emptyAbsent) {
    if (Array.isArray(v) ? v.length === 0 : isObj(v) && isEmptyObj(v)) return f.implicit;
  }
  return v;
}

function isEmptyObj(o: Obj): boolean {
  for (const _ in o) return false;
  return true;
}

/** The entries of a map value as Go has them, in the JSON's order then the implicit fields'. */
function entries(m: MapType, v: Obj | undefined, typed: boolean): [string, unknown][] {
  const out: [string, unknown][] = [];
  if (!typed || !m.fields) {
    if (v) for (const k in v) if (v[k] !== undefined) out.push([k, v[k]]);
    return out;
  }
  if (v) {
    for (const k in v) {
      const f = m.fields.get(k);
      if (!f) {
        // Go drops what its struct does not declare.
        if (m.elem && v[k] !== undefined) out.push([k, v[k]]);
        continue;
      }
      const g = goField(f, v[k]);
      if (g !== undefined) out.push([k, g]);
    }
  }
  if (v) for (const f of m.implicit) if (!(f.name in v)) out.push([f.name, f.implicit]);
  return out;
}

function typeOfKey(m: MapType, key: string): Atom | undefined {
  return m.fields?.get(key)?.type ?? m.elem;
}

// ---------------------------------------------------------------------------------------------------------
// Equality (value.Equals)

export function jsonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEquals(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  let n = 0;
  for (const k in a as Obj) {
    if ((a as Obj)[k] === undefined) continue;
    n++;
    if (!jsonEquals((a as Obj)[k], (b as Obj)[k])) return false;
  }
  for (const k in b as Obj) if ((b as Obj)[k] !== undefined) n--;
  return n === 0;
}

/**
 * value.Equals of a Go-typed value and a plain one (the object before an apply and the merge): list order
 * counts, as it does for kube.
 */
export function sameValue(atom: Atom, typed: unknown, plain: unknown): boolean {
  if (typed === plain) return true;
  const a = deduce(atom, plain ?? typed);
  if (isObj(typed) && isObj(plain)) {
    const m = a.map;
    if (!m) return jsonEquals(typed, plain);
    const l = entries(m, typed, true);
    let n = 0;
    for (const k in plain) if (plain[k] !== undefined) n++;
    if (l.length !== n) return false;
    for (const [k, v] of l) {
      if (!(k in plain)) return false;
      const t = typeOfKey(m, k);
      if (!(t ? sameValue(t, v, plain[k]) : jsonEquals(v, plain[k]))) return false;
    }
    return true;
  }
  if (Array.isArray(typed) && Array.isArray(plain)) {
    if (typed.length !== plain.length) return false;
    const elem = a.list?.elem;
    for (let i = 0; i < typed.length; i++)
      if (!(elem ? sameValue(elem, typed[i], plain[i]) : jsonEquals(typed[i], plain[i]))) return false;
    return true;
  }
  return jsonEquals(typed, plain);
}

/**
 * The value as Go decodes it: what a typed struct leaves out (empty omitempty lists and maps, omitempty zero
 * scalars, nil pointers) is left out. An apply's merge is decoded this way before kube stores it.
 */
export function goShape(atom: Atom, v: unknown): unknown {
  const a = deduce(atom, v);
  if (isObj(v) && a.map) {
    const m = a.map;
    const out: Obj = {};
    for (const k in v) {
      let x = v[k];
      if (x === undefined) continue;
      const f = m.fields?.get(k);
      if (f) {
        x = goField(f, x);
        if (x === undefined) continue;
      }
      const t = f ? f.type : m.elem;
      out[k] = t ? goShape(t, x) : x;
    }
    return out;
  }
  if (Array.isArray(v) && a.list) {
    const elem = a.list.elem;
    return v.map((x) => goShape(elem, x));
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------
// Validation

/** Validate: the problems of a value against its type, with structured-merge-diff's paths and messages. */
export function validate(atom: Atom, v: unknown, allowDuplicates = false): ValidationError[] {
  const errs: ValidationError[] = [];
  walkValidate(atom, v, "", errs, allowDuplicates);
  return errs;
}

function walkValidate(atom: Atom, v: unknown, path: string, errs: ValidationError[], dup: boolean): void {
  const a = deduce(atom, v);
  if (a.map) {
    if (v === null || v === undefined) return;
    if (!isObj(v)) {
      errs.push({ path, message: `expected map, got ${valueV(v)}` });
      return;
    }
    const m = a.map;
    for (const k in v) {
      const t = typeOfKey(m, k);
      if (!t) {
        errs.push({ path: `${path}.${k}`, message: "field not declared in schema" });
        return;
      }
      walkValidate(t, v[k], `${path}.${k}`, errs, dup);
    }
    return;
  }
  if (a.scalar) {
    const p = scalarProblem(a.scalar, v, "");
    if (p) errs.push({ path, message: p });
    return;
  }
  if (a.list) {
    if (v === null || v === undefined) return;
    if (!Array.isArray(v)) {
      errs.push({ path, message: `expected list, got ${valueV(v)}` });
      return;
    }
    const l = a.list;
    const seen = new Set<string>();
    for (let i = 0; i < v.length; i++) {
      let pe: string;
      if (!l.associative) pe = `i:${i}`;
      else {
        const e = itemElement(l, v[i]);
        if (e instanceof Error) {
          errs.push({ path, message: `element ${i}: ${e.message}` });
          return;
        }
        pe = e;
        if (seen.has(pe) && !dup) errs.push({ path, message: `duplicate entries for key ${elementString(pe)}` });
        seen.add(pe);
      }
      walkValidate(l.elem, v[i], `${path}${elementString(pe)}`, errs, dup);
    }
    return;
  }
  errs.push({ path, message: "schema error: invalid atom: inlined" });
}

// ---------------------------------------------------------------------------------------------------------
// Field sets

/** ToFieldSet: every leaf and every granular list item or map entry of a value. */
export function toFieldSet(atom: Atom, v: unknown): FieldSet {
  const set = new FieldSet();
  const path: string[] = [];
  walkFieldSet(atom, v, set, path);
  return set;
}

function walkFieldSet(atom: Atom, v: unknown, set: FieldSet, path: string[]): void {
  const a = deduce(atom, v);
  if (a.map) {
    const m = a.map;
    if (m.atomic) {
      set.insert(path);
      return;
    }
    if (!isObj(v)) return;
    for (const k in v) {
      const val = v[k];
      if (val === undefined) continue;
      const t = typeOfKey(m, k);
      const declared = m.fields?.has(k) ?? false;
      path.push(fieldKey(k));
      if (t) walkFieldSet(t, val, set, path);
      if (val === null || (isObj(val) && isEmptyObj(val)) || !declared) set.insert(path);
      path.pop();
    }
    return;
  }
  if (a.scalar) {
    set.insert(path);
    return;
  }
  if (a.list) {
    const l = a.list;
    if (!l.associative) {
      set.insert(path);
      return;
    }
    if (!Array.isArray(v)) return;
    const seen = new Set<string>();
    const dups = new Set<string>();
    const pes: (string | undefined)[] = [];
    for (const item of v) {
      const e = itemElement(l, item);
      const pe = e instanceof Error ? undefined : e;
      pes.push(pe);
      if (pe === undefined) continue;
      if (seen.has(pe)) {
        if (!dups.has(pe)) {
          path.push(pe);
          set.insert(path);
          path.pop();
          dups.add(pe);
        }
      } else seen.add(pe);
    }
    for (let i = 0; i < v.length; i++) {
      const pe = pes[i];
      if (pe === undefined || dups.has(pe)) continue;
      path.push(pe);
      walkFieldSet(l.elem, v[i], set, path);
      set.insert(path);
      path.pop();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Comparison

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

interface CompareWalk {
  c: Comparison;
  path: string[];
  /** Whether each side is a Go-typed object (see goField). */
  lt: boolean;
  rt: boolean;
}

/** Compare: which paths the right value adds, changes and removes relative to the left one. */
export function compare(atom: Atom, lhs: unknown, rhs: unknown, lhsTyped = true, rhsTyped = true): Comparison {
  const c = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  const w: CompareWalk = { c, path: [], lt: lhsTyped, rt: rhsTyped };
  compareNode(w, atom, lhs, rhs);
  return c;
}

function compareNode(w: CompareWalk, atom: Atom, lhs: unknown, rhs: unknown): void {
  const al = deduce(atom, lhs);
  const ar = deduce(atom, rhs);
  let leaf: boolean;
  if (rhs === undefined) leaf = compareAtom(w, al, lhs, rhs, false);
  else if (lhs === undefined || sameAtom(al, ar)) leaf = compareAtom(w, ar, lhs, rhs, false);
  else {
    compareAtom(w, al, lhs, rhs, false);
    leaf = compareAtom(w, ar, lhs, rhs, false);
  }
  if (!leaf) {
    if (lhs === undefined) w.c.added.insert(w.path);
    else if (rhs === undefined) w.c.removed.insert(w.path);
  }
}

/** Handles one atom; true when the node was compared as a leaf. */
function compareAtom(w: CompareWalk, a: Atom, lhs: unknown, rhs: unknown, inLeaf: boolean): boolean {
  if (a.map) return compareMap(w, a.map, lhs, rhs, inLeaf);
  if (a.scalar) {
    const lp = scalarProblem(a.scalar, lhs, "lhs: ");
    const rp = scalarProblem(a.scalar, rhs, "rhs: ");
    if (lp && rp) return false;
    return compareLeaf(w, lhs, rhs, inLeaf);
  }
  if (a.list) return compareList(w, a.list, lhs, rhs, inLeaf);
  return false;
}

function compareLeaf(w: CompareWalk, lhs: unknown, rhs: unknown, inLeaf: boolean): boolean {
  if (inLeaf) return true;
  if (lhs === undefined) w.c.added.insert(w.path);
  else if (rhs === undefined) w.c.removed.insert(w.path);
  else if (lhs !== rhs && !jsonEquals(lhs, rhs)) w.c.modified.insert(w.path);
  return true;
}

/** Whether a map value is empty as Go holds it (a typed struct with fields it always carries never is). */
function goEmpty(m: MapType, v: Obj | undefined, typed: boolean): boolean {
  if (!v) return true;
  if (typed && m.fields) {
    if (m.implicit.length > 0) return false;
    for (const k in v) {
      const f = m.fields.get(k);
      if (f ? goField(f, v[k]) !== undefined : m.elem !== undefined && v[k] !== undefined) return false;
    }
    return true;
  }
  for (const k in v) if (v[k] !== undefined) return false;
  return true;
}

/** A map entry's value as Go holds it: undefined when it has none (or the struct does not declare it). */
function goEntry(m: MapType, f: Field | undefined, v: Obj | undefined, k: string, typed: boolean): unknown {
  if (!v) return undefined;
  const raw = v[k];
  if (f) return typed ? goField(f, raw) : raw;
  return typed && m.fields && !m.elem ? undefined : raw;
}

function compareMap(w: CompareWalk, m: MapType, lhs: unknown, rhs: unknown, inLeaf: boolean): boolean {
  const l = isObj(lhs) ? lhs : undefined;
  const r = isObj(rhs) ? rhs : undefined;
  if (m.atomic || (goEmpty(m, l, w.lt) && goEmpty(m, r, w.rt))) return compareLeaf(w, lhs, rhs, inLeaf);
  const fields = m.fields;
  if (r)
    for (const k in r) {
      const f = fields?.get(k);
      const rv = goEntry(m, f, r, k, w.rt);
      if (rv === undefined) continue;
      compareChild(w, m, f, k, goEntry(m, f, l, k, w.lt), rv);
    }
  if (l)
    for (const k in l) {
      const f = fields?.get(k);
      const lv = goEntry(m, f, l, k, w.lt);
      if (lv === undefined) continue;
      // What the right side has was compared above; where its JSON has nothing, Go may still have a value.
      if (r && r[k] !== undefined && goEntry(m, f, r, k, w.rt) !== undefined) continue;
      compareChild(w, m, f, k, lv, goEntry(m, f, r, k, w.rt));
    }
  // The fields Go has on a side whose JSON leaves them out.
  for (const f of m.implicit) {
    if ((l && f.name in l) || (r && f.name in r)) continue;
    const lv = l && w.lt ? f.implicit : undefined;
    const rv = r && w.rt ? f.implicit : undefined;
    if ((lv === undefined) === (rv === undefined)) continue;
    compareChild(w, m, f, f.name, lv, rv);
  }
  return false;
}

function compareChild(w: CompareWalk, m: MapType, f: Field | undefined, k: string, lv: unknown, rv: unknown): void {
  const t = f ? f.type : m.elem;
  if (!t) return;
  w.path.push(f ? f.pe : fieldKey(k));
  compareNode(w, t, lv, rv);
  w.path.pop();
}

function compareList(w: CompareWalk, t: ListType, lhs: unknown, rhs: unknown, inLeaf: boolean): boolean {
  const l = Array.isArray(lhs) ? lhs : undefined;
  const r = Array.isArray(rhs) ? rhs : undefined;
  if (!t.associative || ((!l || l.length === 0) && (!r || r.length === 0))) return compareLeaf(w, lhs, rhs, inLeaf);
  const order: string[] = [];
  const lv = new Map<string, unknown[]>();
  const rv = new Map<string, unknown[]>();
  for (const item of l ?? []) {
    const pe = itemElement(t, item);
    if (pe instanceof Error) continue;
    const prev = lv.get(pe);
    if (prev) prev.push(item);
    else {
      lv.set(pe, [item]);
      order.push(pe);
    }
  }
  for (const item of r ?? []) {
    const pe = itemElement(t, item);
    if (pe instanceof Error) continue;
    const prev = rv.get(pe);
    if (prev) prev.push(item);
    else {
      rv.set(pe, [item]);
      if (!lv.has(pe)) order.push(pe);
    }
  }
  for (const pe of order) {
    const ll = lv.get(pe) ?? [];
    const rl = rv.get(pe) ?? [];
    w.path.push(pe);
    if (ll.length <= 1 && rl.length <= 1) compareNode(w, t.elem, ll[0], rl[0]);
    else if (ll.length >= 2 && rl.length >= 2) {
      if (!jsonEquals(ll, rl)) w.c.modified.insert(w.path);
    } else if (ll.length >= 2) {
      if (rl.length !== 0) compareNode(w, t.elem, undefined, rl[0]);
      w.c.removed.insert(w.path);
    } else {
      if (ll.length !== 0) compareNode(w, t.elem, ll[0], undefined);
      w.c.added.insert(w.path);
    }
    w.path.pop();
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// Merge (an applied configuration into an object; the configuration wins at the leaves)

/**
 * Merge: the applied configuration `rhs` over the object `lhs`. A typed `lhs` contributes what Go holds in it,
 * including the fields its structs always carry, as kube's merge of a decoded object does.
 */
export function merge(atom: Atom, lhs: unknown, rhs: unknown, lhsTyped = true): unknown {
  return mergeNode(atom, lhs, rhs, lhsTyped);
}

function mergeNode(atom: Atom, lhs: unknown, rhs: unknown, lt: boolean): unknown {
  const al = deduce(atom, lhs);
  const ar = deduce(atom, rhs);
  const a = rhs === undefined ? al : ar;
  if (a.map) return mergeMap(a.map, lhs, rhs, lt);
  if (a.list) return mergeList(a.list, lhs, rhs, lt);
  return rhs !== undefined ? rhs : lhs;
}

function mergeMap(m: MapType, lhs: unknown, rhs: unknown, lt: boolean): unknown {
  const l = isObj(lhs) ? entries(m, lhs, lt) : undefined;
  const r = isObj(rhs) ? rhs : undefined;
  if (m.atomic || ((!l || l.length === 0) && (!r || isEmptyObj(r)))) return rhs !== undefined ? rhs : lhs;
  const out: Obj = {};
  let any = false;
  const seen = new Set<string>();
  if (l)
    for (const [k, lv] of l) {
      seen.add(k);
      const rv = r?.[k];
      const t = typeOfKey(m, k);
      const v = t ? mergeNode(t, lv, rv, lt) : rv !== undefined ? rv : lv;
      if (v !== undefined) {
        out[k] = v;
        any = true;
      }
    }
  if (r)
    for (const k in r) {
      if (r[k] === undefined || seen.has(k)) continue;
      const t = typeOfKey(m, k);
      const v = t ? mergeNode(t, undefined, r[k], lt) : r[k];
      if (v !== undefined) {
        out[k] = v;
        any = true;
      }
    }
  return any ? out : undefined;
}

function mergeList(t: ListType, lhs: unknown, rhs: unknown, lt: boolean): unknown {
  const l = Array.isArray(lhs) ? lhs : undefined;
  const r = Array.isArray(rhs) ? rhs : undefined;
  if (!t.associative || ((!l || l.length === 0) && (!r || r.length === 0))) return rhs !== undefined ? rhs : lhs;
  const rPEs: string[] = [];
  const observedR = new Map<string, unknown>();
  for (const item of r ?? []) {
    const pe = itemElement(t, item);
    if (pe instanceof Error) continue;
    observedR.set(pe, item);
    rPEs.push(pe);
  }
  const lPEs: string[] = [];
  const lItems: unknown[] = [];
  const observedL = new Map<string, unknown>();
  for (const item of l ?? []) {
    const pe = itemElement(t, item);
    if (pe instanceof Error) continue;
    // A key the live object repeats merges as a null item.
    observedL.set(pe, observedL.has(pe) ? null : item);
    lPEs.push(pe);
    lItems.push(item);
  }
  const shared = rPEs.filter((pe) => observedL.has(pe));
  let next: string | undefined = shared.shift();
  const mergedR = new Set<string>();
  const out: unknown[] = [];
  const push = (v: unknown) => {
    if (v !== undefined) out.push(v);
  };
  let li = 0;
  let ri = 0;
  while (li < lPEs.length || ri < rPEs.length) {
    if (li < lPEs.length && ri < rPEs.length) {
      const pe = lPEs[li] as string;
      if (pe === rPEs[ri]) {
        mergedR.add(pe);
        push(mergeNode(t.elem, observedL.get(pe), observedR.get(pe), lt));
        li++;
        ri++;
        next = shared.shift();
        continue;
      }
      if (observedR.has(pe) && next !== undefined && next !== pe) {
        li++;
        continue;
      }
    }
    if (li < lPEs.length) {
      const pe = lPEs[li] as string;
      if (!observedR.has(pe)) {
        push(mergeNode(t.elem, lItems[li], undefined, lt));
        li++;
        continue;
      }
      if (mergedR.has(pe)) li++;
    }
    if (ri < rPEs.length) {
      const pe = rPEs[ri] as string;
      mergedR.add(pe);
      push(mergeNode(t.elem, observedL.get(pe), observedR.get(pe), lt));
      ri++;
      if (next !== undefined && next === pe) next = shared.shift();
    }
  }
  return out.length > 0 ? out : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Removal of a field set (RemoveItems)

/**
 * The value without the items and fields of `set`. What a removal empties stays as an empty map or list,
 * except an omitempty field of a typed struct, which Go would leave out.
 */
export function removeItems(atom: Atom, v: unknown, set: FieldSet): unknown {
  const out = removeNode(atom, v, set);
  return out === undefined ? null : out;
}

function removeNode(atom: Atom, v: unknown, set: FieldSet): unknown {
  const a = deduce(atom, v);
  if (a.map) {
    if (!isObj(v)) return undefined;
    const m = a.map;
    if (isEmptyObj(v) || m.atomic) return undefined;
    const out: Obj = {};
    let any = false;
    let matched = false;
    for (const k in v) {
      let val = v[k];
      if (val === undefined) continue;
      const pe = fieldKey(k);
      if (set.hasMember(pe)) continue;
      const sub = set.child(pe);
      if (sub && !sub.empty) {
        matched = true;
        const wasMap = isObj(val);
        const wasList = Array.isArray(val);
        const t = typeOfKey(m, k);
        val = t ? removeNode(t, val, sub) : val;
        if (val === undefined || val === null) val = wasMap ? {} : wasList ? [] : null;
        const f = m.fields?.get(k);
        if (f?.emptyAbsent && ((wasMap && isEmptyObj(val as Obj)) || (wasList && (val as unknown[]).length === 0)))
          continue;
      }
      out[k] = val;
      any = true;
    }
    return any || matched ? out : undefined;
  }
  if (a.scalar) return v;
  if (a.list) {
    if (!Array.isArray(v) || v.length === 0 || !a.list.associative) return undefined;
    const out: unknown[] = [];
    let matched = false;
    for (let item of v) {
      const e = itemElement(a.list, item);
      const pe = e instanceof Error ? undefined : e;
      if (pe !== undefined && set.hasMember(pe)) continue;
      const sub = pe !== undefined ? set.child(pe) : undefined;
      if (sub && !sub.empty) {
        matched = true;
        const wasMap = isObj(item);
        const wasList = Array.isArray(item);
        item = removeNode(a.list.elem, item, sub);
        if (item === undefined || item === null) item = wasMap ? {} : wasList ? [] : null;
      }
      out.push(item);
    }
    return out.length > 0 || matched ? out : undefined;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------
// Set operations that need the schema

/** EnsureNamedFieldsAreMembers: a declared struct field with paths below it becomes a member itself. */
export function ensureNamedFieldsAreMembers(atom: Atom | undefined, s: FieldSet): FieldSet {
  let members = s.members;
  let children: Map<string, FieldSet> | undefined;
  if (s.children) {
    children = new Map();
    for (const [pe, c] of s.children) {
      let t: Atom | undefined;
      if (pe.startsWith("f:") && atom?.map) {
        const name = pe.slice(2);
        const f = atom.map.fields?.get(name);
        t = f ? f.type : atom.map.elem;
        if (f && !members?.has(pe)) {
          members = new Set(members);
          members.add(pe);
        }
      } else if (pe.startsWith("k:") && atom?.list) t = atom.list.elem;
      children.set(pe, ensureNamedFieldsAreMembers(t, c));
    }
  }
  return new FieldSet(members, children);
}

/**
 * ReconcileFieldSetWithSchema: a set that owns parts of what the schema now says is atomic owns the whole of
 * it instead. undefined when nothing changes.
 */
export function reconcileWithSchema(atom: Atom, s: FieldSet): FieldSet | undefined {
  const toRemove = new FieldSet();
  const toAdd = new FieldSet();
  const path: string[] = [];
  reconcileNode(atom, s, false, path, toRemove, toAdd);
  if (toRemove.empty && toAdd.empty) return undefined;
  return s.recursiveDifference(toRemove).union(toAdd);
}

function reconcileNode(
  atom: Atom,
  s: FieldSet | undefined,
  isAtomic: boolean,
  path: string[],
  toRemove: FieldSet,
  toAdd: FieldSet,
): void {
  if (atom.map) {
    const m = atom.map;
    if (m.deduced) return;
    if (!isAtomic && m.atomic) {
      if (s && !s.empty) {
        toRemove.insert(path);
        toAdd.insert(path);
      }
      return;
    }
    if (!s) return;
    const visit = (pe: string, member: boolean) => {
      const t = pe.startsWith("f:") ? typeOfKey(m, pe.slice(2)) : m.elem;
      if (!t) return;
      const c = s.child(pe);
      path.push(pe);
      reconcileNode(t, c, member && !c, path, toRemove, toAdd);
      path.pop();
    };
    if (s.children) for (const pe of s.children.keys()) if (!s.hasMember(pe)) visit(pe, false);
    if (s.members) for (const pe of s.members) visit(pe, true);
    return;
  }
  if (atom.scalar) return;
  if (atom.list) {
    const l = atom.list;
    if (!isAtomic && !l.associative) {
      toRemove.insert(path);
      toAdd.insert(path);
      return;
    }
    if (!s) return;
    const visit = (pe: string, member: boolean) => {
      const c = s.child(pe);
      path.push(pe);
      reconcileNode(l.elem, c, member && !c, path, toRemove, toAdd);
      path.pop();
    };
    if (s.children) for (const pe of s.children.keys()) if (!s.hasMember(pe)) visit(pe, false);
    if (s.members) for (const pe of s.members) visit(pe, true);
  }
}
