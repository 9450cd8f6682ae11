// Path elements of structured-merge-diff field sets as kube writes them in metadata.managedFields (FieldsV1):
// "f:<field>", "k:<json of the key fields>", "v:<json of a set member>", "i:<index>". A path element is kept as
// its serialized string, which is also its identity; this module parses, orders and prints them. Pure.

import { goQuote } from "@evk/kube";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A parsed path element. */
export type PathElement =
  | { readonly kind: 0; readonly name: string }
  | { readonly kind: 1; readonly fields: readonly (readonly [string, Json])[] }
  | { readonly kind: 2; readonly value: Json }
  | { readonly kind: 3; readonly index: number };

const FIELD = 0;
const KEY = 1;
const VALUE = 2;
const INDEX = 3;

/**
 * A JSON string as json-iterator (ConfigCompatibleWithStandardLibrary) writes it inside a path element:
 * HTML-sensitive characters and the JavaScript line separators escaped, other control characters as \u00XX.
 */
export function goJsonString(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what must be escaped
  if (!/[\u0000-\u001f"\\<>&\u2028\u2029]/.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029)
      out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += s[i];
  }
  return `${out}"`;
}

/** A value in Go's JSON encoding: maps with sorted keys, strings escaped as goJsonString does. */
export function goJson(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return goJsonString(v);
  if (typeof v === "number") return Number.isFinite(v) ? JSON.stringify(v) : "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) return `[${v.map(goJson).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${goJsonString(k)}:${goJson(o[k])}`)
    .join(",")}}`;
}

export const fieldKey = (name: string): string => `f:${name}`;
export const indexKey = (i: number): string => `i:${i}`;
export const valueKey = (v: unknown): string => `v:${goJson(v)}`;

/** A keyed list item's element: the key fields sorted by name. */
export function keyKey(fields: [string, unknown][]): string {
  if (fields.length > 1) fields.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let out = "k:{";
  for (let i = 0; i < fields.length; i++) {
    const [name, v] = fields[i] as [string, unknown];
    out += `${i ? "," : ""}${goJsonString(name)}:${goJson(v)}`;
  }
  return `${out}}`;
}

const parsed = new Map<string, PathElement>();

/** Parses a serialized element; undefined for an element type kube skips (anything but f, k, v, i). */
export function parseElement(s: string): PathElement | undefined {
  const hit = parsed.get(s);
  if (hit) return hit;
  if (s.length < 2) throw new Error("key must be 2 characters long:");
  if (s[1] !== ":") throw new Error(`missing colon: ${s}`);
  const body = s.slice(2);
  let pe: PathElement;
  switch (s[0]) {
    case "f":
      pe = { kind: FIELD, name: body };
      break;
    case "v":
      pe = { kind: VALUE, value: JSON.parse(body) as Json };
      break;
    case "k": {
      const o = JSON.parse(body) as unknown;
      if (typeof o !== "object" || o === null || Array.isArray(o)) throw new Error(`invalid key: ${body}`);
      const fields = Object.entries(o as Record<string, Json>).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      pe = { kind: KEY, fields };
      break;
    }
    case "i": {
      if (!/^[+-]?\d+$/.test(body)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(body)}: invalid syntax`);
      pe = { kind: INDEX, index: Number(body) };
      break;
    }
    default:
      return undefined;
  }
  if (parsed.size > 50_000) parsed.clear();
  parsed.set(s, pe);
  return pe;
}

/** The canonical serialized form of an element read from a request (key fields sorted, values re-encoded). */
export function canonicalElement(s: string): string | undefined {
  const pe = parseElement(s);
  if (!pe) return undefined;
  switch (pe.kind) {
    case FIELD:
      return s;
    case KEY:
      return keyKey(pe.fields.map(([k, v]) => [k, v]));
    case VALUE:
      return valueKey(pe.value);
    default:
      return indexKey(pe.index);
  }
}

const typeRank = (v: Json): number => {
  if (typeof v === "number") return 0;
  if (typeof v === "string") return 2;
  if (typeof v === "boolean") return 3;
  if (Array.isArray(v)) return 4;
  if (v !== null && typeof v === "object") return 5;
  return 6;
};

const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

/** structured-merge-diff's total order of values: numbers, strings, booleans, lists, maps, null. */
export function compareValues(a: Json, b: Json): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
    case 2:
      return cmp(a as number | string, b as number | string);
    case 3:
      return a === b ? 0 : a ? 1 : -1;
    case 4: {
      const la = a as Json[];
      const lb = b as Json[];
      for (let i = 0; i < Math.min(la.length, lb.length); i++) {
        const c = compareValues(la[i] as Json, lb[i] as Json);
        if (c !== 0) return c;
      }
      return cmp(la.length, lb.length);
    }
    case 5: {
      const ka = Object.keys(a as object).sort();
      const kb = Object.keys(b as object).sort();
      for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
        const c =
          cmp(ka[i] as string, kb[i] as string) ||
          compareValues(
            (a as Record<string, Json>)[ka[i] as string] as Json,
            (b as Record<string, Json>)[kb[i] as string] as Json,
          );
        if (c !== 0) return c;
      }
      return cmp(ka.length, kb.length);
    }
    default:
      return 0;
  }
}

/** PathElement.Compare: fields, then keys, then values, then indexes. */
export function compareElements(a: string, b: string): number {
  if (a === b) return 0;
  const ka = a.charCodeAt(0);
  const kb = b.charCodeAt(0);
  // "f:" strings compare as Go compares the field names; same-kind elements otherwise need parsing.
  if (ka === 0x66 && kb === 0x66) return a < b ? -1 : 1;
  const pa = parseElement(a);
  const pb = parseElement(b);
  if (!pa || !pb) return cmp(a, b);
  if (pa.kind !== pb.kind) return pa.kind < pb.kind ? -1 : 1;
  switch (pa.kind) {
    case KEY: {
      const fa = pa.fields;
      const fb = (pb as { fields: readonly (readonly [string, Json])[] }).fields;
      for (let i = 0; ; i++) {
        if (i >= fa.length && i >= fb.length) return 0;
        if (i >= fa.length) return -1;
        if (i >= fb.length) return 1;
        const [na, va] = fa[i] as readonly [string, Json];
        const [nb, vb] = fb[i] as readonly [string, Json];
        const c = cmp(na, nb) || compareValues(va, vb);
        if (c !== 0) return c;
      }
    }
    case VALUE:
      return compareValues(pa.value, (pb as { value: Json }).value);
    case INDEX:
      return cmp(pa.index, (pb as { index: number }).index);
    default:
      return cmp(a, b);
  }
}

/** value.ToString: how a value reads in a printed path. */
export function valueString(v: Json): string {
  if (v === null) return "null";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === "string") return goQuote(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(",")}]`;
  return Object.entries(v)
    .map(([k, x]) => `${k}=${valueString(x)}`)
    .join("");
}

/** Go's %v of a float64. */
function goFloat(v: number): string {
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const [m, e] = v.toExponential().split("e") as [string, string];
    const exp = Number(e);
    return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return String(v);
}

/** PathElement.String: ".name", "[k=v,...]", "[=v]", "[i]". */
export function elementString(s: string): string {
  const pe = parseElement(s);
  if (!pe) return "{{invalid path element}}";
  switch (pe.kind) {
    case FIELD:
      return `.${pe.name}`;
    case KEY:
      return `[${pe.fields.map(([k, v]) => `${k}=${valueString(v)}`).join(",")}]`;
    case VALUE:
      return `[=${valueString(pe.value)}]`;
    default:
      return `[${pe.index}]`;
  }
}

export const pathString = (path: readonly string[]): string => path.map(elementString).join("");
