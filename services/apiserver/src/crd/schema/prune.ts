// What apiextensions' decoder does to a custom resource beyond JSON: pruning of fields the structural schema does
// not know (with their paths, for fieldValidation=Strict|Warn), removal of nulls the schema neither allows nor
// defaults, defaulting from `default`, and the metadata round trip through ObjectMeta. All in place. Pure.
import { goJsonKind } from "@evk/kube";
import { fieldSchema, type Structural } from "./structural.ts";

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const META_FIELDS = new Set(["apiVersion", "kind", "metadata"]);

/**
 * pruning.PruneWithOptions: drops unknown fields in place and returns their paths, sorted. At a resource root (or
 * an embedded resource) apiVersion, kind and metadata are left alone.
 */
export function prune(obj: unknown, s: Structural | undefined, isResourceRoot: boolean): string[] {
  const unknown: string[] = [];
  const root =
    isResourceRoot && s && !s.embeddedResource
      ? { ...s, embeddedResource: true }
      : isResourceRoot && !s
        ? emptyEmbedded
        : s;
  walk(obj, root, "", unknown);
  return unknown.sort();
}

const emptyEmbedded: Structural = {
  type: "",
  description: "",
  title: "",
  nullable: false,
  preserveUnknownFields: false,
  embeddedResource: true,
  intOrString: false,
  listMapKeys: [],
  validations: [],
  props: {},
};

const join = (path: string, k: string) => (path ? `${path}.${k}` : k);

function walk(x: unknown, s: Structural | undefined, path: string, unknown: string[]): void {
  if (s?.preserveUnknownFields) {
    skip(x, s, path, unknown);
    return;
  }
  if (isMap(x)) {
    for (const k of Object.keys(x)) {
      if (s?.embeddedResource && META_FIELDS.has(k)) continue;
      if (!s) {
        unknown.push(join(path, k));
        delete x[k];
        continue;
      }
      const prop = s.properties?.get(k);
      if (prop) walk(x[k], prop, join(path, k), unknown);
      else if (s.additionalProperties) walk(x[k], s.additionalProperties.schema, join(path, k), unknown);
      else {
        if (!META_FIELDS.has(k) || path !== "") unknown.push(join(path, k));
        delete x[k];
      }
    }
  } else if (Array.isArray(x)) {
    x.forEach((v, i) => {
      walk(v, s?.items, `${path}[${i}]`, unknown);
    });
  }
}

function skip(x: unknown, s: Structural | undefined, path: string, unknown: string[]): void {
  if (!s) return;
  if (isMap(x)) {
    for (const k of Object.keys(x)) {
      if (s.embeddedResource && META_FIELDS.has(k)) continue;
      const prop = s.properties?.get(k);
      if (prop) walk(x[k], prop, join(path, k), unknown);
      else if (s.additionalProperties) walk(x[k], s.additionalProperties.schema, join(path, k), unknown);
    }
  } else if (Array.isArray(x)) {
    x.forEach((v, i) => {
      skip(v, s.items, `${path}[${i}]`, unknown);
    });
  }
}

/** PruneNonNullableNullsWithoutDefaults: a null the schema neither allows nor defaults is dropped. */
export function pruneNulls(x: unknown, s: Structural | undefined): void {
  if (isMap(x)) {
    for (const k of Object.keys(x)) {
      const f = fieldSchema(s, k);
      if (x[k] === null && f && !f.nullable && !f.default) delete x[k];
      else pruneNulls(x[k], f);
    }
  } else if (Array.isArray(x)) for (const v of x) pruneNulls(v, s?.items);
}

const copy = (v: unknown): unknown => (v === undefined ? undefined : structuredClone(v));

/** defaulting.Default: fills in missing (or null, where null is not allowed) fields from `default`. */
export function applyDefaults(x: unknown, s: Structural | undefined): void {
  if (!s) return;
  if (isMap(x)) {
    for (const [k, prop] of s.properties ?? []) {
      if (!prop.default) continue;
      if (!(k in x) || x[k] === undefined || (x[k] === null && !prop.nullable)) x[k] = copy(prop.default.value);
    }
    for (const k of Object.keys(x)) {
      const prop = s.properties?.get(k);
      if (prop) applyDefaults(x[k], prop);
      else if (s.additionalProperties) {
        const ap = s.additionalProperties.schema;
        if (x[k] === null && ap && !ap.nullable) x[k] = copy(ap.default?.value) ?? null;
        applyDefaults(x[k], ap);
      }
    }
  } else if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const items = s.items;
      if (x[i] === null && items && !items.nullable) x[i] = copy(items.default?.value) ?? null;
      applyDefaults(x[i], items);
    }
  }
}

/** structuraldefaulting.PruneDefaults: the defaults kube serves with, themselves pruned by their schema. */
export function pruneDefaults(s: Structural): Structural {
  const walkSchema = (x: Structural): Structural => {
    const out: Structural = { ...x };
    if (x.default) {
      const v = copy(x.default.value);
      prune(v, x, x.embeddedResource);
      out.default = { value: v };
    }
    if (x.items) out.items = walkSchema(x.items);
    if (x.properties) out.properties = new Map([...x.properties].map(([k, v]) => [k, walkSchema(v)]));
    if (x.additionalProperties?.schema)
      out.additionalProperties = { ...x.additionalProperties, schema: walkSchema(x.additionalProperties.schema) };
    return out;
  };
  return walkSchema(s);
}

// ---------------------------------------------------------------------------------------------------------
// ObjectMeta

type FieldType = "string" | "int" | "bool" | "map" | "strings" | "owners" | "managed" | "time";

/** ObjectMeta's fields as Go decodes them. */
const OBJECT_META: Record<string, FieldType> = {
  name: "string",
  generateName: "string",
  namespace: "string",
  selfLink: "string",
  uid: "string",
  resourceVersion: "string",
  generation: "int",
  creationTimestamp: "time",
  deletionTimestamp: "time",
  deletionGracePeriodSeconds: "int",
  labels: "map",
  annotations: "map",
  ownerReferences: "owners",
  finalizers: "strings",
  managedFields: "managed",
};
const OWNER_REFERENCE: Record<string, string> = {
  apiVersion: "string",
  kind: "string",
  name: "string",
  uid: "string",
  controller: "bool",
  blockOwnerDeletion: "bool",
};
const MANAGED_FIELDS: Record<string, string> = {
  manager: "string",
  operation: "string",
  apiVersion: "string",
  time: "time",
  fieldsType: "string",
  fieldsV1: "any",
  subresource: "string",
};

const GO_TYPES: Record<string, string> = { string: "string", int: "int64", bool: "bool", time: "string" };

/** The error Go's encoding/json gives when a metadata value has the wrong JSON type. */
export class MetadataDecodeError extends Error {}

function checkScalar(v: unknown, t: string, field: string): void {
  if (v === null || t === "any") return;
  const ok =
    t === "string" || t === "time"
      ? typeof v === "string"
      : t === "int"
        ? typeof v === "number" && Number.isInteger(v)
        : t === "bool"
          ? typeof v === "boolean"
          : true;
  if (!ok) {
    const kind = typeof v === "number" && t === "int" ? `number ${v}` : goJsonKind(v);
    throw new MetadataDecodeError(
      `json: cannot unmarshal ${kind} into Go struct field ${field} of type ${t === "int" ? "int64" : (GO_TYPES[t] ?? t)}`,
    );
  }
}

function listOfObjects(
  v: unknown,
  fields: Record<string, string>,
  goField: string,
  path: string,
  unknown: string[],
): unknown[] | null {
  if (v === null) return null;
  if (!Array.isArray(v))
    throw new MetadataDecodeError(
      `json: cannot unmarshal ${goJsonKind(v)} into Go struct field ${goField} of type []v1.${goField.endsWith("ownerReferences") ? "OwnerReference" : "ManagedFieldsEntry"}`,
    );
  return v.map((item, i) => {
    if (!isMap(item)) return item;
    const out: Json = {};
    for (const k of Object.keys(item).sort()) {
      const t = fields[k];
      if (!t) {
        unknown.push(`${path}[${i}].${k}`);
        continue;
      }
      checkScalar(item[k], t, `${goField}.${k}`);
      out[k] = item[k];
    }
    return out;
  });
}

/**
 * GetObjectMetaWithOptions + SetObjectMeta: metadata as it survives decoding into ObjectMeta. Unknown fields are
 * dropped and their paths (under `prefix`) returned; a value of the wrong JSON type throws MetadataDecodeError.
 */
export function coerceObjectMeta(meta: unknown, prefix = "metadata"): { meta: Json; unknown: string[] } {
  if (!isMap(meta)) {
    if (meta === null) return { meta: {}, unknown: [] };
    throw new MetadataDecodeError(`json: cannot unmarshal ${goJsonKind(meta)} into Go value of type v1.ObjectMeta`);
  }
  const unknown: string[] = [];
  const out: Json = {};
  for (const k of Object.keys(meta).sort()) {
    const v = meta[k];
    const t = OBJECT_META[k];
    if (!t) {
      unknown.push(`${prefix}.${k}`);
      continue;
    }
    const goField = `ObjectMeta.${k}`;
    if (t === "map") {
      if (v !== null && !isMap(v))
        throw new MetadataDecodeError(
          `json: cannot unmarshal ${goJsonKind(v)} into Go struct field ${goField} of type map[string]string`,
        );
      if (isMap(v)) for (const mv of Object.values(v)) checkScalar(mv, "string", goField);
    } else if (t === "strings") {
      if (v !== null && !Array.isArray(v))
        throw new MetadataDecodeError(
          `json: cannot unmarshal ${goJsonKind(v)} into Go struct field ${goField} of type []string`,
        );
      if (Array.isArray(v)) for (const x of v) checkScalar(x, "string", goField);
    } else if (t === "owners") {
      out[k] = listOfObjects(v, OWNER_REFERENCE, goField, `${prefix}.${k}`, unknown);
      continue;
    } else if (t === "managed") {
      out[k] = listOfObjects(v, MANAGED_FIELDS, goField, `${prefix}.${k}`, unknown);
      continue;
    } else checkScalar(v, t, goField);
    out[k] = v;
  }
  // ToUnstructured of ObjectMeta leaves out the empty values omitempty drops.
  for (const k of Object.keys(out)) {
    const v = out[k];
    if (
      v === null ||
      v === "" ||
      v === 0 ||
      (Array.isArray(v) && v.length === 0) ||
      (isMap(v) && Object.keys(v).length === 0)
    )
      delete out[k];
  }
  return { meta: out, unknown };
}
