// A set of field paths as a trie, structured-merge-diff's fieldpath.Set: at each node the elements that are
// members themselves and the elements with paths below them. Elements are serialized path elements (path.ts).
// Sets are treated as immutable once built; operations share unchanged subtrees. Pure.
import { canonicalElement, compareElements, type Json } from "./path.ts";

export class FieldSet {
  members: Set<string> | undefined;
  children: Map<string, FieldSet> | undefined;

  constructor(members?: Set<string>, children?: Map<string, FieldSet>) {
    this.members = members && members.size > 0 ? members : undefined;
    this.children = children && children.size > 0 ? children : undefined;
  }

  static of(...paths: (readonly string[])[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Adds a path; only for a set still being built. */
  insert(path: readonly string[]): void {
    if (path.length === 0) return;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) node = node.descend(path[i] as string);
    node.members ??= new Set();
    node.members.add(path[path.length - 1] as string);
  }

  /** The child set under an element, created if missing; only for a set still being built. */
  descend(pe: string): FieldSet {
    this.children ??= new Map();
    let c = this.children.get(pe);
    if (!c) {
      c = new FieldSet();
      this.children.set(pe, c);
    }
    return c;
  }

  get empty(): boolean {
    if (this.members && this.members.size > 0) return false;
    if (this.children) for (const c of this.children.values()) if (!c.empty) return false;
    return true;
  }

  has(path: readonly string[]): boolean {
    if (path.length === 0) return false;
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1; i++) {
      node = node.children?.get(path[i] as string);
      if (!node) return false;
    }
    return node.members?.has(path[path.length - 1] as string) ?? false;
  }

  hasMember(pe: string): boolean {
    return this.members?.has(pe) ?? false;
  }

  child(pe: string): FieldSet | undefined {
    return this.children?.get(pe);
  }

  /** The set below an element (WithPrefix); empty when there is none. */
  withPrefix(pe: string): FieldSet {
    return this.children?.get(pe) ?? EMPTY;
  }

  union(o: FieldSet): FieldSet {
    if (o.isBare()) return this;
    if (this.isBare()) return o;
    let members = this.members;
    if (o.members) {
      if (!members) members = o.members;
      else {
        members = new Set(members);
        for (const m of o.members) members.add(m);
      }
    }
    let children = this.children;
    if (o.children) {
      if (!children) children = o.children;
      else {
        children = new Map(children);
        for (const [pe, c] of o.children) {
          const mine = children.get(pe);
          children.set(pe, mine ? mine.union(c) : c);
        }
      }
    }
    return new FieldSet(members, children);
  }

  intersection(o: FieldSet): FieldSet {
    let members: Set<string> | undefined;
    if (this.members && o.members)
      for (const m of this.members)
        if (o.members.has(m)) {
          members ??= new Set();
          members.add(m);
        }
    let children: Map<string, FieldSet> | undefined;
    if (this.children && o.children)
      for (const [pe, c] of this.children) {
        const oc = o.children.get(pe);
        if (!oc) continue;
        const r = c.intersection(oc);
        if (!r.empty) {
          children ??= new Map();
          children.set(pe, r);
        }
      }
    return new FieldSet(members, children);
  }

  /** Members and child paths of this set not in `o`; a member of `o` does not remove the paths below it. */
  difference(o: FieldSet): FieldSet {
    if (o.isBare() || this.isBare()) return this;
    let members = this.members;
    if (members && o.members) {
      members = new Set();
      for (const m of this.members as Set<string>) if (!o.members.has(m)) members.add(m);
    }
    let children = this.children;
    if (children && o.children) {
      children = new Map();
      for (const [pe, c] of this.children as Map<string, FieldSet>) {
        const oc = o.children.get(pe);
        if (!oc) children.set(pe, c);
        else {
          const d = c.difference(oc);
          if (!d.empty) children.set(pe, d);
        }
      }
    }
    return new FieldSet(members, children);
  }

  /** Like difference, but a member of `o` removes everything below it too. */
  recursiveDifference(o: FieldSet): FieldSet {
    if (o.isBare() || this.isBare()) return this;
    let members = this.members;
    if (members && o.members) {
      members = new Set();
      for (const m of this.members as Set<string>) if (!o.members.has(m)) members.add(m);
    }
    let children: Map<string, FieldSet> | undefined;
    if (this.children) {
      children = new Map();
      for (const [pe, c] of this.children) {
        if (o.members?.has(pe)) continue;
        const oc = o.children?.get(pe);
        if (!oc) children.set(pe, c);
        else {
          const d = c.recursiveDifference(oc);
          if (!d.empty) children.set(pe, d);
        }
      }
    }
    return new FieldSet(members, children);
  }

  equals(o: FieldSet): boolean {
    if (this === o) return true;
    const ma = this.members?.size ?? 0;
    const mb = o.members?.size ?? 0;
    if (ma !== mb) return false;
    if (ma > 0) for (const m of this.members as Set<string>) if (!o.members?.has(m)) return false;
    const ca = this.children?.size ?? 0;
    const cb = o.children?.size ?? 0;
    if (ca !== cb) return false;
    if (ca > 0)
      for (const [pe, c] of this.children as Map<string, FieldSet>) {
        const oc = o.children?.get(pe);
        if (!oc || !c.equals(oc)) return false;
      }
    return true;
  }

  /** Every path, members first, in structured-merge-diff's order (Set.Iterate). */
  paths(prefix: string[] = [], out: string[][] = []): string[][] {
    if (this.members) for (const m of sortElements(this.members)) out.push([...prefix, m]);
    if (this.children)
      for (const pe of sortElements(this.children.keys()))
        (this.children.get(pe) as FieldSet).paths([...prefix, pe], out);
    return out;
  }

  /** Keeps what the include patterns match (fieldpath.NewIncludeMatcherFilter); "*" matches any element. */
  filterInclude(patterns: readonly (readonly string[])[]): FieldSet {
    if (patterns.some((p) => p.length === 0)) return this;
    const heads = new Map<string, (readonly string[])[]>();
    for (const p of patterns) {
      const h = p[0] as string;
      const l = heads.get(h) ?? [];
      heads.set(h, l);
      l.push(p.slice(1));
    }
    const wild = heads.get("*");
    const matching = (pe: string) => heads.get(pe) ?? wild;
    let members: Set<string> | undefined;
    if (this.members)
      for (const m of this.members)
        if (matching(m)) {
          members ??= new Set();
          members.add(m);
        }
    let children: Map<string, FieldSet> | undefined;
    if (this.children)
      for (const [pe, c] of this.children) {
        const rest = matching(pe);
        if (!rest) continue;
        const f = c.filterInclude(rest);
        if (!f.empty) {
          children ??= new Map();
          children.set(pe, f);
        }
      }
    return new FieldSet(members, children);
  }

  /** FieldsV1: the trie as a JSON object, "." marking a member that also has children. */
  toJSON(): Record<string, Json> {
    return this.emit(false);
  }

  private emit(self: boolean): Record<string, Json> {
    const out: Record<string, Json> = {};
    if (self && !this.isBare()) out["."] = {};
    const keys: string[] = this.members ? [...this.members] : [];
    if (this.children) for (const k of this.children.keys()) if (!this.members?.has(k)) keys.push(k);
    for (const k of sortElements(keys)) {
      const c = this.children?.get(k);
      out[k] = c ? c.emit(this.members?.has(k) ?? false) : {};
    }
    return out;
  }

  private isBare(): boolean {
    return (!this.members || this.members.size === 0) && (!this.children || this.children.size === 0);
  }

  /** Reads FieldsV1 as kube does: unknown element types are skipped, a malformed element fails the whole set. */
  static fromJSON(v: unknown): FieldSet {
    const { set } = readNode(v);
    return set ?? new FieldSet();
  }
}

const EMPTY = new FieldSet();

export function sortElements(pes: Iterable<string>): string[] {
  const a = Array.isArray(pes) ? (pes as string[]) : [...pes];
  if (a.length < 2) return a;
  // Field names alone sort as strings; other elements by their values.
  if (a.every((k) => k.charCodeAt(0) === 0x66)) return a.sort();
  return a.sort(compareElements);
}

function readNode(v: unknown): { set: FieldSet | undefined; member: boolean } {
  if (v === null) return { set: undefined, member: true };
  if (typeof v !== "object" || Array.isArray(v)) throw new Error(`expected an object, got ${JSON.stringify(v)}`);
  let set: FieldSet | undefined;
  let member = false;
  for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
    if (k === ".") {
      member = true;
      continue;
    }
    const pe = canonicalElement(k);
    // An element of a type kube does not know is skipped unread.
    if (pe === undefined) continue;
    const { set: grand, member: childMember } = readNode(child);
    if (childMember) {
      set ??= new FieldSet();
      set.members ??= new Set();
      set.members.add(pe);
    }
    if (grand) {
      set ??= new FieldSet();
      set.children ??= new Map();
      const prev = set.children.get(pe);
      set.children.set(pe, prev ? prev.union(grand) : grand);
    }
  }
  if (!set) member = true;
  return { set, member };
}
