// The checks structural schemas add on top of the OpenAPI ones (apiextensions-apiserver pkg/apiserver/schema):
// uniqueness of x-kubernetes-list-type=set items and =map keys (listtype.ValidateListSetsAndMaps) and the
// apiVersion, kind and metadata of x-kubernetes-embedded-resource objects (objectmeta.Validate). Pure.
import type { KubeObject } from "@evk/kube";
import { metadataProblems } from "../../metadata-validation.ts";
import { duplicate, type FieldError, fromCauses, invalid, q, required } from "../../spec-validation/field-errors.ts";
import { nameRules } from "../../validation.ts";
import { child, index, key, type Path } from "../field-path.ts";
import { deepEqual, goValue } from "./go-values.ts";
import { coerceObjectMeta, MetadataDecodeError } from "./prune.ts";
import type { Structural } from "./structural.ts";

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** ValidateListSetsAndMaps over an object (the resource root, or any nested object). */
export function validateListSetsAndMaps(p: Path, s: Structural | undefined, obj: unknown): FieldError[] {
  if (!s || !isMap(obj)) return [];
  const errs: FieldError[] = [];
  const keys = Object.keys(obj).sort();
  if (s.additionalProperties?.schema)
    for (const k of keys) errs.push(...listSetAndMaps(key(p, k), s.additionalProperties.schema, obj[k]));
  if (s.properties)
    for (const k of keys) {
      const sub = s.properties.get(k);
      if (sub) errs.push(...listSetAndMaps(child(p, k), sub, obj[k]));
    }
  return errs;
}

function listSetAndMaps(p: string, s: Structural, v: unknown): FieldError[] {
  if (Array.isArray(v)) return array(p, s, v);
  if (isMap(v)) return validateListSetsAndMaps(p, s, v);
  return [];
}

/** The indexes of the second occurrence of every value that occurs more than once. */
function nonUnique(values: unknown[]): number[] {
  const out: number[] = [];
  values.forEach((v, i) => {
    const before = values.slice(0, i).filter((u) => deepEqual(u, v)).length;
    if (before === 1) out.push(i);
  });
  return out;
}

function array(p: string, s: Structural, v: unknown[]): FieldError[] {
  const errs: FieldError[] = [];
  if (s.listType === "set") for (const i of nonUnique(v)) errs.push(duplicate(index(p, i), goValue(v[i])));
  else if (s.listType === "map") errs.push(...listMap(p, s, v));
  if (s.items) for (const [i, x] of v.entries()) errs.push(...listSetAndMaps(index(p, i), s.items, x));
  return errs;
}

const UNSPECIFIED = Symbol("unspecified");

function listMap(p: string, s: Structural, v: unknown[]): FieldError[] {
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x !== null && !isMap(x))
      return [invalid(index(p, i), goValue(x), "must be an object for an array of list-type map")];
  }
  if (v.length <= 1) return [];
  if (s.listMapKeys.length === 1) {
    const k = s.listMapKeys[0] as string;
    const keys = v.map((x) => (isMap(x) && k in x ? x[k] : UNSPECIFIED));
    return nonUniqueKeyed(keys).map((i) =>
      duplicate(index(p, i), goValue(keys[i] === UNSPECIFIED ? {} : { [k]: keys[i] })),
    );
  }
  const keys = v.map((x) => {
    const out: Json = {};
    if (isMap(x)) for (const k of s.listMapKeys) if (k in x) out[k] = x[k];
    return out;
  });
  return nonUnique(keys).map((i) => duplicate(index(p, i), goValue(keys[i])));
}

function nonUniqueKeyed(keys: unknown[]): number[] {
  const out: number[] = [];
  keys.forEach((v, i) => {
    const before = keys
      .slice(0, i)
      .filter((u) => (u === UNSPECIFIED || v === UNSPECIFIED ? u === v : deepEqual(u, v))).length;
    if (before === 1) out.push(i);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Embedded resources

const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dns1035Msg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/** schema.ParseGroupVersion's complaint about an apiVersion, if it has one. */
function groupVersionProblem(gv: string): string | undefined {
  if (gv === "" || gv === "/") return undefined;
  const parts = gv.split("/");
  if (parts.length === 1 || parts.length === 2) return undefined;
  return `unexpected GroupVersion string: ${gv}`;
}

/** objectmeta.Validate: embedded resources need apiVersion and kind, and metadata that would pass as an object's. */
export function validateEmbedded(
  p: Path,
  x: unknown,
  s: Structural | undefined,
  isResourceRoot: boolean,
): FieldError[] {
  const schema = isResourceRoot && s && !s.embeddedResource ? { ...s, embeddedResource: true } : s;
  return walkEmbedded(p, x, schema);
}

function walkEmbedded(p: Path, x: unknown, s: Structural | undefined): FieldError[] {
  if (!s) return [];
  const errs: FieldError[] = [];
  if (isMap(x)) {
    if (s.embeddedResource) errs.push(...embeddedResource(p, x));
    for (const k of Object.keys(x).sort()) {
      const prop = s.properties?.get(k);
      if (prop) errs.push(...walkEmbedded(child(p, k), x[k], prop));
      else if (s.additionalProperties) errs.push(...walkEmbedded(key(p, k), x[k], s.additionalProperties.schema));
    }
  } else if (Array.isArray(x)) for (const [i, v] of x.entries()) errs.push(...walkEmbedded(index(p, i), v, s.items));
  return errs;
}

function embeddedResource(p: Path, x: Json): FieldError[] {
  // The resource root's own apiVersion, kind and metadata are checked by the handler and ObjectMeta validation.
  if (p === null) return [];
  const errs: FieldError[] = [];
  if (!("apiVersion" in x)) errs.push(required(child(p, "apiVersion"), ""));
  if (!("kind" in x)) errs.push(required(child(p, "kind"), ""));
  for (const k of Object.keys(x).sort()) {
    const v = x[k];
    if (k === "apiVersion") {
      if (typeof v !== "string") errs.push(invalid(child(p, "apiVersion"), goValue(v), "must be a string"));
      else if (v === "") errs.push(invalid(child(p, "apiVersion"), q(v), "must not be empty"));
      else {
        const why = groupVersionProblem(v);
        if (why) errs.push(invalid(child(p, "apiVersion"), q(v), why));
      }
    } else if (k === "kind") {
      if (typeof v !== "string") errs.push(invalid(child(p, "kind"), goValue(v), "must be a string"));
      else if (v === "") errs.push(invalid(child(p, "kind"), q(v), "must not be empty"));
      else {
        const lower = v.toLowerCase();
        const problems = [
          ...(lower.length > 63 ? ["must be no more than 63 characters"] : []),
          ...(DNS1035.test(lower) ? [] : [dns1035Msg]),
        ];
        if (problems.length)
          errs.push(
            invalid(child(p, "kind"), q(v), `may have mixed case, but should otherwise match: ${problems.join(",")}`),
          );
      }
    } else if (k === "metadata") {
      try {
        const { meta } = coerceObjectMeta(v);
        const name = typeof meta.name === "string" && meta.name !== "" ? meta.name : "fakename";
        const mp = child(p, "metadata");
        for (const problem of nameRules.pathSegment(name)) errs.push(invalid(child(mp, "name"), q(name), problem));
        const causes = metadataProblems({ apiVersion: "", kind: "", metadata: meta } as KubeObject);
        errs.push(
          ...fromCauses(causes.map((c) => ({ ...c, field: `${mp}.${(c.field ?? "").replace(/^metadata\.?/, "")}` }))),
        );
      } catch (err) {
        if (!(err instanceof MetadataDecodeError)) throw err;
        errs.push(invalid(child(p, "metadata"), goValue(v), err.message));
      }
    }
  }
  return errs;
}
