// The schemas of the host's OpenAPI v2 document, indexed by group/version/kind: the patch metadata strategic
// merge patch needs and the field lists strict field validation needs, both read from the same definitions
// kube-apiserver generates from its Go types.
import type { PatchMeta, PatchMetaLookup } from "./strategic-merge-patch.ts";

export interface Schema {
  $ref?: string;
  allOf?: Schema[];
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  default?: unknown;
  "x-kubernetes-patch-strategy"?: string;
  "x-kubernetes-patch-merge-key"?: string;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string }[];
}

export class SchemaIndex {
  private readonly definitions: Record<string, Schema>;
  private readonly byGvk = new Map<string, Schema>();

  /** From a swagger 2.0 document (`definitions`) or an OpenAPI 3 one (`components.schemas`). */
  constructor(doc: { definitions?: Record<string, Schema>; components?: { schemas?: Record<string, Schema> } }) {
    this.definitions = doc.definitions ?? doc.components?.schemas ?? {};
    for (const s of Object.values(this.definitions)) {
      const gvks = s["x-kubernetes-group-version-kind"] ?? [];
      // Shared types (DeleteOptions, WatchEvent) list every group; a kind's own definition lists one.
      if (gvks.length !== 1) continue;
      const g = gvks[0] as { group: string; version: string; kind: string };
      this.byGvk.set(`${g.group}/${g.version}/${g.kind}`, s);
    }
  }

  get size(): number {
    return this.byGvk.size;
  }

  kind(group: string, version: string, kind: string): Schema | undefined {
    return this.byGvk.get(`${group}/${version}/${kind}`);
  }

  /** Follows $ref and the single-element allOf kube-openapi wraps references in. */
  resolve(s: Schema | undefined): Schema | undefined {
    for (let i = 0; s && i < 64; i++) {
      if (s.$ref) s = this.definitions[s.$ref.replace(/^#\/(definitions|components\/schemas)\//, "")];
      else if (s.allOf?.length === 1 && !s.properties) s = s.allOf[0];
      else return s;
    }
    return s;
  }

  patchMeta(s: Schema | undefined): PatchMetaLookup {
    return new SchemaPatchMeta(this, s);
  }
}

const empty: PatchMeta = { strategies: [], mergeKey: "" };

class SchemaPatchMeta implements PatchMetaLookup {
  private readonly index: SchemaIndex;
  private readonly schema: Schema | undefined;
  constructor(index: SchemaIndex, schema: Schema | undefined) {
    this.index = index;
    this.schema = schema;
  }

  private field(key: string): { field: Schema | undefined; meta: PatchMeta } {
    const s = this.index.resolve(this.schema);
    const field =
      s?.properties?.[key] ?? (typeof s?.additionalProperties === "object" ? s.additionalProperties : undefined);
    if (!field || !s?.properties?.[key]) return { field, meta: empty };
    const strategy = field["x-kubernetes-patch-strategy"];
    return {
      field,
      meta: { strategies: strategy ? strategy.split(",") : [], mergeKey: field["x-kubernetes-patch-merge-key"] ?? "" },
    };
  }

  forStruct(key: string) {
    const { field, meta } = this.field(key);
    return { schema: new SchemaPatchMeta(this.index, field), meta };
  }

  forSlice(key: string) {
    const { field, meta } = this.field(key);
    return { schema: new SchemaPatchMeta(this.index, this.index.resolve(field)?.items), meta };
  }
}

/**
 * Drops the fields the schema does not know, as decoding into kube's Go types does, and returns their paths in
 * kube's spelling (`spec.containers[0].foo`), sorted as kube reports them. Objects without declared properties
 * (RawExtension, FieldsV1) and x-kubernetes-preserve-unknown-fields keep everything.
 */
export function pruneUnknownFields(index: SchemaIndex, value: unknown, schema: Schema | undefined): string[] {
  const unknown: string[] = [];
  const walk = (v: unknown, s: Schema | undefined, path: string) => {
    const r = index.resolve(s);
    if (!r || v === null || typeof v !== "object") return;
    if (Array.isArray(v)) {
      if (r.items) for (let i = 0; i < v.length; i++) walk(v[i], r.items, `${path}[${i}]`);
      return;
    }
    if (r["x-kubernetes-preserve-unknown-fields"]) return;
    const o = v as Record<string, unknown>;
    if (r.properties) {
      for (const k of Object.keys(o)) {
        const p = path ? `${path}.${k}` : k;
        const f = r.properties[k];
        if (!f) {
          unknown.push(p);
          delete o[k];
        } else walk(o[k], f, p);
      }
    } else if (typeof r.additionalProperties === "object") {
      for (const k of Object.keys(o)) walk(o[k], r.additionalProperties, path ? `${path}.${k}` : k);
    }
  };
  walk(value, schema, "");
  return unknown.sort();
}
