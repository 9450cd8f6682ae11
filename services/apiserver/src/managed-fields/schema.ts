// The type graph structured-merge-diff walks, compiled once from the OpenAPI schemas kube-apiserver publishes
// (kube-openapi's schemaconv rules): which maps are atomic, which lists are sets or maps and by which keys,
// the defaults of list-map keys, and, for objects kube holds as Go structs, which fields a Go value always
// carries (non-pointer structs, fields without omitempty). Pure.
import { OMITEMPTY_SCALARS } from "./go-omitempty.ts";
import type { Json } from "./path.ts";

export type Scalar = "numeric" | "string" | "boolean" | "untyped";

/** schema.Atom: what a value of this type may be; a value picks the part that matches it. */
export interface Atom {
  scalar?: Scalar;
  list?: ListType;
  map?: MapType;
}

export interface ListType {
  elem: Atom;
  /** Associative lists are granular (sets, or maps by `keys`); the others are atomic. */
  associative: boolean;
  keys: readonly string[];
}

export interface MapType {
  /** Declared fields (a struct); undefined for a plain map. */
  fields: Map<string, Field> | undefined;
  /** The type of undeclared keys; undefined when they are not allowed ("field not declared in schema"). */
  elem: Atom | undefined;
  atomic: boolean;
  /** The untyped deduced map (no properties, any key). */
  deduced: boolean;
  /** The fields a Go struct of this type carries even when the JSON leaves them out. */
  implicit: Field[];
}

export interface Field {
  name: string;
  /** The field's path element ("f:<name>"). */
  pe: string;
  type: Atom;
  /** The schema's default: used for missing list-map keys. */
  default: Json | undefined;
  /** What a Go struct holds for this field when the JSON leaves it out (zero value, `{}`, null); undefined if nothing. */
  implicit: Json | undefined;
  /** Whether an empty list or map is left out of the Go value (omitempty). */
  emptyAbsent: boolean;
  /** Whether an explicit null is kept as a null (a zero metav1.Time), rather than read as absent. */
  nullPresent: boolean;
  /** Whether the zero value ("", 0, false) is left out of the Go value (a non-pointer omitempty scalar). */
  zeroAbsent: boolean;
}

interface RawSchema {
  $ref?: string;
  allOf?: RawSchema[];
  type?: string | string[];
  format?: string;
  properties?: Record<string, RawSchema>;
  additionalProperties?: RawSchema | boolean;
  items?: RawSchema;
  required?: string[];
  default?: unknown;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: string;
  "x-kubernetes-patch-strategy"?: string;
  "x-kubernetes-patch-merge-key"?: string;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string }[];
}

const UNTYPED_ATOMIC: Atom = { scalar: "untyped" };
UNTYPED_ATOMIC.list = { elem: UNTYPED_ATOMIC, associative: false, keys: [] };
UNTYPED_ATOMIC.map = { fields: undefined, elem: UNTYPED_ATOMIC, atomic: true, deduced: false, implicit: [] };

/** The type of values without a schema: maps merge key by key, lists and scalars are replaced whole. */
export const DEDUCED: Atom = { scalar: "untyped", list: { elem: UNTYPED_ATOMIC, associative: false, keys: [] } };
DEDUCED.map = { fields: undefined, elem: DEDUCED, atomic: false, deduced: true, implicit: [] };

const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const RAW_EXTENSION = "io.k8s.apimachinery.pkg.runtime.RawExtension";

const refName = (ref: string) => ref.slice(ref.lastIndexOf("/") + 1);

/** A compiled schema set: the atom of every kind it defines. */
export class TypeSchema {
  private readonly defs: Record<string, RawSchema>;
  private readonly named = new Map<string, Atom>();
  private readonly byGvk = new Map<string, Atom>();
  private readonly pending: (() => void)[] = [];

  constructor(definitions: Record<string, unknown>) {
    this.defs = definitions as Record<string, RawSchema>;
    // Shells first, so that references (and cycles) resolve to the same objects, then their contents.
    for (const name of Object.keys(this.defs)) this.named.set(name, {});
    for (const [name, s] of Object.entries(this.defs)) {
      const shell = this.named.get(name) as Atom;
      if (s.$ref) Object.assign(shell, this.named.get(refName(s.$ref)) ?? DEDUCED);
      else if (name === QUANTITY) shell.scalar = "untyped";
      else if (name === RAW_EXTENSION) Object.assign(shell, UNTYPED_ATOMIC);
      else Object.assign(shell, this.parse(s, s["x-kubernetes-preserve-unknown-fields"] === true, name));
      for (const gvk of s["x-kubernetes-group-version-kind"] ?? [])
        if (gvk.kind) this.byGvk.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, shell);
    }
    for (const p of this.pending) p();
    this.pending.length = 0;
  }

  kind(group: string, version: string, kind: string): Atom | undefined {
    return this.byGvk.get(`${group}/${version}/${kind}`);
  }

  /** `name`: the definition's, for the Go facts the schema lacks (go-omitempty.ts). */
  private parse(s: RawSchema, preserve: boolean, name?: string): Atom {
    const type = Array.isArray(s.type) ? s.type[0] : s.type;
    switch (type ?? "") {
      case "":
        return { scalar: "untyped", list: this.parseList(s, preserve), map: this.parseObject(s, preserve, name) };
      case "object":
        return { map: this.parseObject(s, preserve, name) };
      case "array":
        return { list: this.parseList(s, preserve) };
      case "integer":
      case "number":
        return { scalar: "numeric" };
      case "boolean":
        return { scalar: "boolean" };
      case "string":
        return { scalar: s.format === undefined || s.format === "" || s.format === "byte" ? "string" : "untyped" };
      default:
        return { scalar: "untyped" };
    }
  }

  /** A property's or item's type: a named reference (with a map-type override) or an inline schema. */
  private ref(s: RawSchema, preserve: boolean): Atom {
    const ref = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0]?.$ref : undefined);
    if (ref) {
      const base = this.named.get(refName(ref));
      if (!base) return {};
      const mapType = s["x-kubernetes-map-type"];
      if (mapType !== "atomic" && mapType !== "granular") return base;
      // An element relationship on the reference applies to that use of the type only.
      const variant: Atom = {};
      this.pending.push(() => {
        if (base.map) Object.assign(variant, { map: { ...base.map, atomic: mapType === "atomic" } });
        else if (base.list) Object.assign(variant, { list: { ...base.list, associative: mapType !== "atomic" } });
        else Object.assign(variant, base);
      });
      return variant;
    }
    const p = preserve || s["x-kubernetes-preserve-unknown-fields"] === true;
    return this.parse(s, p);
  }

  private parseObject(s: RawSchema, preserve: boolean, definition?: string): MapType {
    const props = s.properties ?? {};
    const names = Object.keys(props);
    const required = new Set(s.required ?? []);
    const omitempty = new Set((definition && OMITEMPTY_SCALARS[definition]?.split(" ")) || []);
    let fields: Map<string, Field> | undefined;
    if (names.length > 0) {
      fields = new Map();
      for (const name of names) {
        const p = props[name] as RawSchema;
        fields.set(name, this.field(name, p, required.has(name), preserve, omitempty.has(name)));
      }
    }
    let elem: Atom | undefined;
    const ap = s.additionalProperties;
    if (ap === undefined) elem = preserve || names.length === 0 ? DEDUCED : undefined;
    else if (typeof ap === "object") elem = this.ref(ap, preserve);
    else elem = ap ? DEDUCED : undefined;
    return {
      fields,
      elem,
      atomic: s["x-kubernetes-map-type"] === "atomic",
      deduced: fields === undefined && elem === DEDUCED,
      implicit: fields ? [...fields.values()].filter((f) => f.implicit !== undefined) : [],
    };
  }

  private field(name: string, p: RawSchema, required: boolean, preserve: boolean, zeroAbsent: boolean): Field {
    const resolved = this.resolveRaw(p);
    const type = Array.isArray(resolved?.type) ? resolved?.type[0] : resolved?.type;
    const plainMap = type === "object" && !resolved?.properties;
    const isList = type === "array";
    // An omitempty scalar's zero never shows in a Go value, whatever default the schema states.
    let implicit: Json | undefined = zeroAbsent ? undefined : (p.default as Json | undefined);
    if (implicit === undefined && required && (isList || plainMap)) implicit = null;
    return {
      name,
      pe: `f:${name}`,
      type: this.ref(p, preserve),
      default: p.default as Json | undefined,
      implicit,
      emptyAbsent: !required && (isList || plainMap),
      nullPresent: resolved?.format === "date-time",
      zeroAbsent,
    };
  }

  private resolveRaw(s: RawSchema): RawSchema | undefined {
    for (let i = 0; i < 16; i++) {
      const ref = s.$ref ?? (s.allOf?.length === 1 && !s.properties ? s.allOf[0]?.$ref : undefined);
      if (!ref) return s;
      const next = this.defs[refName(ref)];
      if (!next) return undefined;
      s = next;
    }
    return s;
  }

  private parseList(s: RawSchema, preserve: boolean): ListType {
    const elem = s.items ? this.ref(s.items, preserve) : UNTYPED_ATOMIC;
    const listType = s["x-kubernetes-list-type"];
    if (listType !== undefined) {
      if (listType === "map") return { elem, associative: true, keys: s["x-kubernetes-list-map-keys"] ?? [] };
      return { elem, associative: listType === "set", keys: [] };
    }
    const strategy = s["x-kubernetes-patch-strategy"];
    if (strategy === "merge" || strategy === "merge,retainKeys") {
      const key = s["x-kubernetes-patch-merge-key"];
      return { elem, associative: true, keys: key ? [key] : [] };
    }
    return { elem, associative: false, keys: [] };
  }
}

const compiled = new WeakMap<object, TypeSchema>();

/** The compiled form of a definitions record, compiled once. */
export function typeSchemaOf(definitions: Record<string, unknown>): TypeSchema {
  let t = compiled.get(definitions);
  if (!t) {
    t = new TypeSchema(definitions);
    compiled.set(definitions, t);
  }
  return t;
}

const parts = new WeakMap<Atom, [Atom | undefined, Atom | undefined, Atom | undefined]>();

function partsOf(a: Atom): [Atom | undefined, Atom | undefined, Atom | undefined] {
  let p = parts.get(a);
  if (!p) {
    p = [
      a.scalar ? { scalar: a.scalar } : undefined,
      a.list ? { list: a.list } : undefined,
      a.map ? { map: a.map } : undefined,
    ];
    parts.set(a, p);
  }
  return p;
}

/** The value's own part of an atom (deduceAtom); the same object for the same part. */
export function deduce(a: Atom, v: unknown): Atom {
  if (v === undefined || v === null) return a;
  const multi = (a.scalar ? 1 : 0) + (a.list ? 1 : 0) + (a.map ? 1 : 0) > 1;
  if (!multi) return a;
  const [s, l, m] = partsOf(a);
  if (typeof v === "object") return (Array.isArray(v) ? l : m) ?? a;
  return s ?? a;
}

/** schema.Atom.Equals, for atoms deduce returned. */
export function sameAtom(a: Atom, b: Atom): boolean {
  return a === b || (a.scalar === b.scalar && a.list === b.list && a.map === b.map);
}
