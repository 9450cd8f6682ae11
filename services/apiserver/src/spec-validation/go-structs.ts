import { canonicalQuantity } from "@evk/kube";
import { goJsonString } from "./field-errors.ts";
import { GO_TYPES } from "./go-types.ts";

// kube prints some bad values as the JSON of its internal Go structs (no JSON tags: Go field names, every
// field present, nil as null), and an immutable pod or claim spec as a unified diff (go-difflib) of their
// indented JSON. This renders a v1 object as that JSON, and diffs as go-difflib does.

/** An ordered JSON object (Go structs keep field order; maps are sorted). */
class GoObject {
  readonly entries: [string, GoNode][];
  constructor(entries: [string, GoNode][]) {
    this.entries = entries;
  }
}
type GoNode = null | boolean | number | string | GoNode[] | GoObject;

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export interface RenderOptions {
  /** The object was read back from storage: kube's protobuf turns empty lists and maps into nil. */
  stored?: boolean;
}

/** The Go value of `type` converted from the v1 JSON value `v`. */
function render(type: string, v: unknown, o: RenderOptions): GoNode {
  if (type.startsWith("*")) return v === undefined || v === null ? null : render(type.slice(1), v, o);
  if (type.startsWith("[]")) {
    if (!Array.isArray(v) || (o.stored && v.length === 0)) return null;
    return v.map((x) => render(type.slice(2), x, o));
  }
  if (type.startsWith("map:")) {
    if (!isObj(v) || (o.stored && Object.keys(v).length === 0)) return null;
    return new GoObject(
      Object.keys(v)
        .sort()
        .map((k) => [k, render(type.slice(4), v[k], o)]),
    );
  }
  switch (type) {
    case "s":
      return typeof v === "string" ? v : "";
    case "i":
    case "f":
      return typeof v === "number" ? v : 0;
    case "b":
      return v === true;
    case "q":
      return v === undefined || v === null ? "0" : String(canonicalQuantity(v));
    case "n":
      return typeof v === "number" || typeof v === "string" ? v : 0;
    case "t":
    case "y":
      return typeof v === "string" ? v : null;
  }
  return new GoObject(structEntries(type, isObj(v) ? v : {}, o));
}

function isEmpty(n: GoNode): boolean {
  if (n === null || n === false || n === 0 || n === "") return true;
  if (Array.isArray(n)) return n.length === 0;
  return n instanceof GoObject && n.entries.length === 0;
}

function structEntries(type: string, v: Json, o: RenderOptions): [string, GoNode][] {
  const rows = GO_TYPES[type];
  if (!rows) throw new Error(`no layout for Go type ${type}`);
  const out: [string, GoNode][] = [];
  for (const [name, key, fieldType, flags = 0] of rows) {
    if (name.startsWith("...")) {
      // Internal types embed ObjectMeta (so Go prints its fields inline); v1 keeps it under "metadata".
      const from = name === "...ObjectMeta" ? (isObj(v.metadata) ? v.metadata : {}) : v;
      out.push(...structEntries(fieldType, from, o));
      continue;
    }
    let value = v[key];
    // The v1 PodSpec keeps the host namespace switches beside securityContext; internally they live in it,
    // which conversion therefore always allocates.
    if (type === "core.PodSpec" && name === "SecurityContext") {
      const { hostNetwork, hostPID, hostIPC, shareProcessNamespace, hostUsers } = v;
      value = { ...(isObj(value) ? value : {}), hostNetwork, hostPID, hostIPC, shareProcessNamespace, hostUsers };
    }
    const node = render(fieldType, value, o);
    if (flags & 1 && isEmpty(node)) continue;
    if (flags & 2 && node === null) continue;
    out.push([name, node]);
  }
  return out;
}

/** json.Marshal of the internal Go value of `type` converted from `v`. */
export function goStructJson(type: string, v: unknown, o: RenderOptions = {}): string {
  return marshal(render(type, v, o));
}

/** json.MarshalIndent(…, "", " ") of the internal Go value. */
export function goStructJsonIndent(type: string, v: unknown, o: RenderOptions = {}): string {
  return marshalIndent(render(type, v, o), "");
}

function scalar(n: Exclude<GoNode, GoNode[] | GoObject>): string {
  if (typeof n === "string") return goJsonString(n);
  return JSON.stringify(n);
}

function marshal(n: GoNode): string {
  if (Array.isArray(n)) return `[${n.map(marshal).join(",")}]`;
  if (n instanceof GoObject) return `{${n.entries.map(([k, v]) => `${goJsonString(k)}:${marshal(v)}`).join(",")}}`;
  return scalar(n);
}

function marshalIndent(n: GoNode, indent: string): string {
  const inner = `${indent} `;
  if (Array.isArray(n)) {
    if (n.length === 0) return "[]";
    return `[\n${n.map((x) => inner + marshalIndent(x, inner)).join(",\n")}\n${indent}]`;
  }
  if (n instanceof GoObject) {
    if (n.entries.length === 0) return "{}";
    return `{\n${n.entries.map(([k, v]) => `${inner}${goJsonString(k)}: ${marshalIndent(v, inner)}`).join(",\n")}\n${indent}}`;
  }
  return scalar(n);
}

/** Every Quantity a v1 value of `type` holds, with its field path (for the decoder's checks). */
export function quantitiesIn(
  type: string,
  v: unknown,
  path: string,
  out: [string, unknown][] = [],
): [string, unknown][] {
  if (v === undefined || v === null) return out;
  if (type.startsWith("*")) return quantitiesIn(type.slice(1), v, path, out);
  if (type.startsWith("[]")) {
    if (Array.isArray(v))
      v.forEach((x, i) => {
        quantitiesIn(type.slice(2), x, `${path}[${i}]`, out);
      });
    return out;
  }
  if (type.startsWith("map:")) {
    if (isObj(v)) for (const k of Object.keys(v)) quantitiesIn(type.slice(4), v[k], `${path}[${k}]`, out);
    return out;
  }
  if (type === "q") out.push([path, v]);
  if (!isObj(v) || !GO_TYPES[type]) return out;
  for (const [name, key, fieldType] of GO_TYPES[type] ?? []) {
    if (name.startsWith("...")) quantitiesIn(fieldType, name === "...ObjectMeta" ? v.metadata : v, path, out);
    else if (key) quantitiesIn(fieldType, v[key], `${path}.${key}`, out);
  }
  return out;
}

/** Whether two v1 values are the same Go value of `type` (apiequality.Semantic: nil and empty alike). */
export function sameGoValue(type: string, a: unknown, b: unknown): boolean {
  return goStructJson(type, a, { stored: true }) === goStructJson(type, b, { stored: true });
}

// ---- go-difflib's unified diff (a port of Python's difflib SequenceMatcher, autojunk on) -----------------

interface Match {
  a: number;
  b: number;
  size: number;
}
type OpCode = [tag: "r" | "d" | "i" | "e", i1: number, i2: number, j1: number, j2: number];

function matchingBlocks(a: string[], b: string[]): Match[] {
  const b2j = new Map<string, number[]>();
  b.forEach((s, i) => {
    const list = b2j.get(s);
    if (list) list.push(i);
    else b2j.set(s, [i]);
  });
  // autojunk: in a long sequence, lines that recur in more than 1% of it are not used to anchor a match.
  if (b.length >= 200) {
    const ntest = Math.floor(b.length / 100) + 1;
    for (const [s, idx] of [...b2j]) if (idx.length > ntest) b2j.delete(s);
  }
  const longest = (alo: number, ahi: number, blo: number, bhi: number): Match => {
    let besti = alo;
    let bestj = blo;
    let bestsize = 0;
    let j2len = new Map<number, number>();
    for (let i = alo; i < ahi; i++) {
      const next = new Map<number, number>();
      for (const j of b2j.get(a[i] as string) ?? []) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = (j2len.get(j - 1) ?? 0) + 1;
        next.set(j, k);
        if (k > bestsize) {
          besti = i - k + 1;
          bestj = j - k + 1;
          bestsize = k;
        }
      }
      j2len = next;
    }
    // No line is junk (only popular), so the junk extensions of difflib never apply.
    while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
      besti--;
      bestj--;
      bestsize++;
    }
    while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) bestsize++;
    return { a: besti, b: bestj, size: bestsize };
  };
  const matched: Match[] = [];
  const recurse = (alo: number, ahi: number, blo: number, bhi: number) => {
    const m = longest(alo, ahi, blo, bhi);
    if (m.size === 0) return;
    if (alo < m.a && blo < m.b) recurse(alo, m.a, blo, m.b);
    matched.push(m);
    if (m.a + m.size < ahi && m.b + m.size < bhi) recurse(m.a + m.size, ahi, m.b + m.size, bhi);
  };
  recurse(0, a.length, 0, b.length);
  const joined: Match[] = [];
  let cur: Match = { a: 0, b: 0, size: 0 };
  for (const m of matched) {
    if (cur.a + cur.size === m.a && cur.b + cur.size === m.b) cur = { ...cur, size: cur.size + m.size };
    else {
      if (cur.size > 0) joined.push(cur);
      cur = m;
    }
  }
  if (cur.size > 0) joined.push(cur);
  joined.push({ a: a.length, b: b.length, size: 0 });
  return joined;
}

function opCodes(a: string[], b: string[]): OpCode[] {
  let i = 0;
  let j = 0;
  const out: OpCode[] = [];
  for (const m of matchingBlocks(a, b)) {
    const tag = i < m.a && j < m.b ? "r" : i < m.a ? "d" : j < m.b ? "i" : undefined;
    if (tag) out.push([tag, i, m.a, j, m.b]);
    i = m.a + m.size;
    j = m.b + m.size;
    if (m.size > 0) out.push(["e", m.a, i, m.b, j]);
  }
  return out;
}

function groupedOpCodes(a: string[], b: string[], n: number): OpCode[][] {
  let codes = opCodes(a, b);
  if (codes.length === 0) codes = [["e", 0, 1, 0, 1]];
  const first = codes[0] as OpCode;
  if (first[0] === "e")
    codes[0] = ["e", Math.max(first[1], first[2] - n), first[2], Math.max(first[3], first[4] - n), first[4]];
  const last = codes[codes.length - 1] as OpCode;
  if (last[0] === "e")
    codes[codes.length - 1] = ["e", last[1], Math.min(last[2], last[1] + n), last[3], Math.min(last[4], last[3] + n)];
  const groups: OpCode[][] = [];
  let group: OpCode[] = [];
  for (const c of codes) {
    let [tag, i1, i2, j1, j2] = c;
    if (tag === "e" && i2 - i1 > 2 * n) {
      group.push([tag, i1, Math.min(i2, i1 + n), j1, Math.min(j2, j1 + n)]);
      groups.push(group);
      group = [];
      i1 = Math.max(i1, i2 - n);
      j1 = Math.max(j1, j2 - n);
    }
    group.push([tag, i1, i2, j1, j2]);
  }
  if (group.length > 0 && !(group.length === 1 && group[0]?.[0] === "e")) groups.push(group);
  return groups;
}

function rangeUnified(start: number, stop: number): string {
  const length = stop - start;
  if (length === 1) return String(start + 1);
  return `${length === 0 ? start : start + 1},${length}`;
}

/** difflib.SplitLines: lines keep their "\n", and the last line gets one. */
const splitLines = (s: string): string[] => {
  const lines = s.split(/(?<=\n)/);
  lines[lines.length - 1] += "\n";
  return lines;
};

/** apimachinery's diff.Diff of two texts: a unified diff with three lines of context and no file header. */
export function unifiedDiff(aText: string, bText: string): string {
  const a = splitLines(aText);
  const b = splitLines(bText);
  let out = "";
  for (const g of groupedOpCodes(a, b, 3)) {
    const first = g[0] as OpCode;
    const last = g[g.length - 1] as OpCode;
    out += `@@ -${rangeUnified(first[1], last[2])} +${rangeUnified(first[3], last[4])} @@\n`;
    for (const [tag, i1, i2, j1, j2] of g) {
      if (tag === "e") {
        for (const line of a.slice(i1, i2)) out += ` ${line}`;
        continue;
      }
      if (tag === "r" || tag === "d") for (const line of a.slice(i1, i2)) out += `-${line}`;
      if (tag === "r" || tag === "i") for (const line of b.slice(j1, j2)) out += `+${line}`;
    }
  }
  return out;
}

/** diff.Diff(old, new) of two v1 values as the internal Go type kube compares. */
export function goDiff(type: string, before: unknown, after: unknown, o: { afterStored?: boolean } = {}): string {
  return unifiedDiff(
    goStructJsonIndent(type, before, { stored: true }),
    goStructJsonIndent(type, after, { stored: o.afterStored ?? false }),
  );
}
