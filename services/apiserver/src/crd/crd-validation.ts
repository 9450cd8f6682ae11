// CustomResourceDefinition defaulting and validation as kube-apiserver 1.35 does it
// (apiextensions-apiserver pkg/apis/apiextensions/v1/defaults.go and validation/validation.go): kube's checks,
// in its order, with its field paths (those of the internal form, see internal.ts) and messages. Pure.
import { goQuote, type StatusCause } from "@evk/kube";
import {
  duplicate,
  type FieldError,
  forbidden,
  invalid,
  n,
  notSupported,
  q,
  raw,
  required,
  toCauses,
  tooMany,
} from "../spec-validation/field-errors.ts";
import { nameRules } from "../validation.ts";
import { ruleCompilationErrors, validateCel } from "./cel.ts";
import { child, index, key } from "./field-path.ts";
import { type InternalSpec, schemaGoJson, subresourcesFor, toInternal, versionsGoJson } from "./internal.ts";
import { goValue } from "./schema/go-values.ts";
import { validateEmbedded } from "./schema/list-type.ts";
import { coerceObjectMeta, MetadataDecodeError, prune } from "./schema/prune.ts";
import { newStructural, type Structural, StructuralError, validateStructural } from "./schema/structural.ts";
import { validateValue } from "./schema/value-validation.ts";
import {
  type ColumnDefinition,
  type CRD,
  type CRDNames,
  type CRDSpec,
  type CRDStatus,
  isObject,
  type JSONSchemaProps,
  type Subresources,
  type ValidationRule,
} from "./types.ts";

// ---------------------------------------------------------------------------------------------------------
// Defaulting (SetDefaults_CustomResourceDefinition and friends)

/** The CRD as v1 decoding defaults it. Returns a new object. */
export function defaultCRD(crd: CRD): CRD {
  const out = structuredClone(crd) as CRD;
  if (!isObject(out.spec)) return out;
  const spec = out.spec as CRDSpec;
  if (isObject(spec.names)) {
    const names = spec.names as CRDNames;
    if (!names.singular && typeof names.kind === "string") names.singular = names.kind.toLowerCase();
    if (!names.listKind && typeof names.kind === "string" && names.kind !== "") names.listKind = `${names.kind}List`;
  }
  if (!isObject(spec.conversion)) spec.conversion = { strategy: "None" };
  const service = spec.conversion.webhook?.clientConfig?.service;
  if (isObject(service) && service.port === undefined) service.port = 443;
  const status = isObject(out.status) ? (out.status as CRDStatus) : undefined;
  if (status && !(Array.isArray(status.storedVersions) && status.storedVersions.length)) {
    const storage = (Array.isArray(spec.versions) ? spec.versions : []).find((v) => isObject(v) && v.storage === true);
    if (storage?.name) status.storedVersions = [storage.name];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Names

const DNS1035 = (v: string) => nameRules.dns1035(v);
const SUBDOMAIN = (v: string) => nameRules.subdomain(v);

export function validateNames(names: CRDNames, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const s = (v: unknown) => (typeof v === "string" ? v : "");
  const plural = s(names.plural);
  const singular = s(names.singular);
  const kind = s(names.kind);
  const listKind = s(names.listKind);
  if (plural && DNS1035(plural).length) errs.push(invalid(child(p, "plural"), q(plural), DNS1035(plural).join(",")));
  if (singular && DNS1035(singular).length)
    errs.push(invalid(child(p, "singular"), q(singular), DNS1035(singular).join(",")));
  if (kind && DNS1035(kind.toLowerCase()).length)
    errs.push(
      invalid(
        child(p, "kind"),
        q(kind),
        `may have mixed case, but should otherwise match: ${DNS1035(kind.toLowerCase()).join(",")}`,
      ),
    );
  if (listKind && DNS1035(listKind.toLowerCase()).length)
    errs.push(
      invalid(
        child(p, "listKind"),
        q(listKind),
        `may have mixed case, but should otherwise match: ${DNS1035(listKind.toLowerCase()).join(",")}`,
      ),
    );
  (Array.isArray(names.shortNames) ? names.shortNames : []).forEach((sn, i) => {
    const v = s(sn);
    if (DNS1035(v).length) errs.push(invalid(index(child(p, "shortNames"), i), q(v), DNS1035(v).join(",")));
  });
  if (kind && kind === listKind)
    errs.push(invalid(child(p, "listKind"), q(listKind), "kind and listKind may not be the same"));
  (Array.isArray(names.categories) ? names.categories : []).forEach((c, i) => {
    const v = s(c);
    if (DNS1035(v).length) errs.push(invalid(index(child(p, "categories"), i), q(v), DNS1035(v).join(",")));
  });
  return errs;
}

// ---------------------------------------------------------------------------------------------------------
// Schemas

const OPENAPI_TYPES = ["array", "boolean", "integer", "number", "object", "string"];
const META_FIELDS = new Set(["metadata", "kind", "apiVersion"]);
const ALLOWED_AT_ROOT = [
  "Description",
  "Type",
  "Format",
  "Title",
  "Maximum",
  "ExclusiveMaximum",
  "Minimum",
  "ExclusiveMinimum",
  "MaxLength",
  "MinLength",
  "Pattern",
  "MaxItems",
  "MinItems",
  "UniqueItems",
  "MultipleOf",
  "Required",
  "Items",
  "Properties",
  "ExternalDocs",
  "Example",
  "XPreserveUnknownFields",
  "XValidations",
];
/** JSON names of JSONSchemaProps fields, by their Go names (for the root-with-status check). */
const GO_NAMES: Record<string, string> = {
  id: "ID",
  $schema: "Schema",
  $ref: "Ref",
  description: "Description",
  type: "Type",
  nullable: "Nullable",
  format: "Format",
  title: "Title",
  default: "Default",
  maximum: "Maximum",
  exclusiveMaximum: "ExclusiveMaximum",
  minimum: "Minimum",
  exclusiveMinimum: "ExclusiveMinimum",
  maxLength: "MaxLength",
  minLength: "MinLength",
  pattern: "Pattern",
  maxItems: "MaxItems",
  minItems: "MinItems",
  uniqueItems: "UniqueItems",
  multipleOf: "MultipleOf",
  enum: "Enum",
  maxProperties: "MaxProperties",
  minProperties: "MinProperties",
  required: "Required",
  items: "Items",
  allOf: "AllOf",
  oneOf: "OneOf",
  anyOf: "AnyOf",
  not: "Not",
  properties: "Properties",
  additionalProperties: "AdditionalProperties",
  patternProperties: "PatternProperties",
  dependencies: "Dependencies",
  additionalItems: "AdditionalItems",
  definitions: "Definitions",
  externalDocs: "ExternalDocs",
  example: "Example",
  "x-kubernetes-preserve-unknown-fields": "XPreserveUnknownFields",
  "x-kubernetes-embedded-resource": "XEmbeddedResource",
  "x-kubernetes-int-or-string": "XIntOrString",
  "x-kubernetes-list-map-keys": "XListMapKeys",
  "x-kubernetes-list-type": "XListType",
  "x-kubernetes-map-type": "XMapType",
  "x-kubernetes-validations": "XValidations",
};
/** The Go struct order of those fields. */
const GO_ORDER = Object.values(GO_NAMES);

const isZero = (v: unknown) =>
  v === undefined ||
  v === null ||
  v === false ||
  v === "" ||
  v === 0 ||
  (Array.isArray(v) && v.length === 0) ||
  (isObject(v) && Object.keys(v).length === 0);

interface Ssv {
  allowDefaults: boolean;
  disallowDefaultsReason: string;
  insideResourceMeta: boolean;
  /** The highest path within which oldSelf cannot be correlated, if any. */
  uncorrelatable?: string;
}

interface SchemaErrors {
  schema: FieldError[];
  cel: FieldError[];
}

function standardErrors(s: JSONSchemaProps, p: string, v: Ssv): FieldError[] {
  const errs: FieldError[] = [];
  const type = typeof s.type === "string" ? s.type : "";
  if (type !== "" && !OPENAPI_TYPES.includes(type)) errs.push(notSupported(child(p, "type"), q(type), OPENAPI_TYPES));
  if (s.default !== undefined && s.default !== null && !v.allowDefaults)
    errs.push(
      forbidden(
        child(p, "default"),
        `must not be set${v.disallowDefaultsReason ? ` ${v.disallowDefaultsReason}` : ""}`,
      ),
    );
  if (typeof s.id === "string" && s.id !== "") errs.push(forbidden(child(p, "id"), "id is not supported"));
  if (s.additionalItems !== undefined && s.additionalItems !== null)
    errs.push(forbidden(child(p, "additionalItems"), "additionalItems is not supported"));
  if (isObject(s.patternProperties) && Object.keys(s.patternProperties).length)
    errs.push(forbidden(child(p, "patternProperties"), "patternProperties is not supported"));
  if (isObject(s.definitions) && Object.keys(s.definitions).length)
    errs.push(forbidden(child(p, "definitions"), "definitions is not supported"));
  if (s.dependencies !== undefined && s.dependencies !== null)
    errs.push(forbidden(child(p, "dependencies"), "dependencies is not supported"));
  if (s.$ref !== undefined && s.$ref !== null) errs.push(forbidden(child(p, "$ref"), "$ref is not supported"));
  if (type === "null")
    errs.push(forbidden(child(p, "type"), "type cannot be set to null, use nullable as an alternative"));
  if (Array.isArray(s.items) && s.items.length)
    errs.push(forbidden(child(p, "items"), "items must be a schema object and not an array"));
  if (v.insideResourceMeta && s["x-kubernetes-embedded-resource"] === true)
    errs.push(forbidden(child(p, "x-kubernetes-embedded-resource"), "must not be used inside of resource meta"));
  return errs;
}

const SUPPORTED_REASONS = ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"];

function schemaErrors(s: unknown, p: string, v: Ssv, isRoot: boolean, celOk: boolean): SchemaErrors {
  const out: SchemaErrors = { schema: [], cel: [] };
  if (!isObject(s)) return out;
  const schema = s as JSONSchemaProps;
  const append = (x: SchemaErrors) => {
    out.schema.push(...x.schema);
    out.cel.push(...x.cel);
  };
  out.schema.push(...standardErrors(schema, p, v));
  if (schema.uniqueItems === true)
    out.schema.push(
      forbidden(
        child(p, "uniqueItems"),
        "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
      ),
    );
  const props = isObject(schema.properties) ? (schema.properties as Record<string, JSONSchemaProps>) : {};
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== null) {
    if (Object.keys(props).length && (schema.additionalProperties === false || isObject(schema.additionalProperties)))
      out.schema.push(
        forbidden(child(p, "additionalProperties"), "additionalProperties and properties are mutual exclusive"),
      );
    const sub = v.insideResourceMeta
      ? {
          ...v,
          allowDefaults: false,
          disallowDefaultsReason: "inside additionalProperties applying to object metadata",
        }
      : v;
    append(schemaErrors(schema.additionalProperties, child(p, "additionalProperties"), sub, false, celOk));
  }
  const mapType = schema["x-kubernetes-map-type"];
  for (const k of Object.keys(props).sort()) {
    let sub: Ssv = v;
    if (!(mapType === undefined || mapType === "granular" || mapType === "atomic") && sub.uncorrelatable === undefined)
      sub = { ...sub, uncorrelatable: p };
    if ((isRoot || schema["x-kubernetes-embedded-resource"] === true) && META_FIELDS.has(k)) {
      sub = { ...sub, insideResourceMeta: true };
      if (isRoot) sub = { ...sub, allowDefaults: false, disallowDefaultsReason: `in top-level ${k}` };
    }
    append(schemaErrors(props[k], key(child(p, "properties"), k), sub, false, celOk));
  }
  append(schemaErrors(schema.not, child(p, "not"), v, false, false));
  for (const [name, list] of [
    ["allOf", schema.allOf],
    ["oneOf", schema.oneOf],
    ["anyOf", schema.anyOf],
  ] as const)
    (Array.isArray(list) ? list : []).forEach((x, i) => {
      append(schemaErrors(x, index(child(p, name), i), v, false, false));
    });
  if (isObject(schema.definitions))
    for (const k of Object.keys(schema.definitions).sort())
      append(schemaErrors(schema.definitions[k], key(child(p, "definitions"), k), v, false, false));
  if (schema.items !== undefined && schema.items !== null) {
    let sub = v;
    if (schema["x-kubernetes-list-type"] !== "map" && sub.uncorrelatable === undefined)
      sub = { ...sub, uncorrelatable: p };
    if (Array.isArray(schema.items))
      schema.items.forEach((x, i) => {
        append(schemaErrors(x, index(child(p, "items"), i), sub, false, celOk));
      });
    else append(schemaErrors(schema.items, child(p, "items"), sub, false, celOk));
  }
  if (isObject(schema.dependencies))
    for (const k of Object.keys(schema.dependencies).sort())
      append(schemaErrors(schema.dependencies[k], key(child(p, "dependencies"), k), v, false, false));
  if (schema["x-kubernetes-preserve-unknown-fields"] === false)
    out.schema.push(invalid(child(p, "x-kubernetes-preserve-unknown-fields"), n(false), "must be true or undefined"));
  const type = typeof schema.type === "string" ? schema.type : "";
  if (typeof mapType === "string" && type !== "object") {
    if (type === "")
      out.schema.push(required(child(p, "type"), "must be object if x-kubernetes-map-type is specified"));
    else out.schema.push(invalid(child(p, "type"), q(type), "must be object if x-kubernetes-map-type is specified"));
  }
  if (typeof mapType === "string" && mapType !== "atomic" && mapType !== "granular")
    out.schema.push(notSupported(child(p, "x-kubernetes-map-type"), q(mapType), ["atomic", "granular"]));
  const listType = schema["x-kubernetes-list-type"];
  const items = isObject(schema.items) ? (schema.items as JSONSchemaProps) : undefined;
  if (typeof listType === "string" && type !== "array") {
    if (type === "")
      out.schema.push(required(child(p, "type"), "must be array if x-kubernetes-list-type is specified"));
    else out.schema.push(invalid(child(p, "type"), q(type), "must be array if x-kubernetes-list-type is specified"));
  } else if (listType === "set" && items) {
    if (items.type === "array") {
      const ilt = items["x-kubernetes-list-type"];
      if (typeof ilt === "string" && ilt !== "atomic")
        out.schema.push(
          invalid(
            child(child(p, "items"), "x-kubernetes-list-type"),
            q(ilt),
            "must be atomic as item of a list with x-kubernetes-list-type=set",
          ),
        );
    } else if (items.type === "object") {
      const imt = items["x-kubernetes-map-type"];
      if (imt !== "atomic")
        out.schema.push(
          invalid(
            child(child(p, "items"), "x-kubernetes-map-type"),
            typeof items["x-kubernetes-list-type"] === "string" ? q(items["x-kubernetes-list-type"]) : raw("null"),
            "must be atomic as item of a list with x-kubernetes-list-type=set",
          ),
        );
    }
  }
  if (typeof listType === "string" && !["atomic", "set", "map"].includes(listType))
    out.schema.push(notSupported(child(p, "x-kubernetes-list-type"), q(listType), ["atomic", "set", "map"]));
  const mapKeys = Array.isArray(schema["x-kubernetes-list-map-keys"])
    ? (schema["x-kubernetes-list-map-keys"] as string[])
    : [];
  if (mapKeys.length) {
    if (listType === undefined)
      out.schema.push(
        required(child(p, "x-kubernetes-list-type"), "must be map if x-kubernetes-list-map-keys is non-empty"),
      );
    else if (listType !== "map")
      out.schema.push(
        invalid(
          child(p, "x-kubernetes-list-type"),
          q(String(listType)),
          "must be map if x-kubernetes-list-map-keys is non-empty",
        ),
      );
  }
  if (listType === "map") {
    if (!mapKeys.length)
      out.schema.push(
        required(child(p, "x-kubernetes-list-map-keys"), "must not be empty if x-kubernetes-list-type is map"),
      );
    if (schema.items === undefined || schema.items === null)
      out.schema.push(required(child(p, "items"), "must have a schema if x-kubernetes-list-type is map"));
    if (Array.isArray(schema.items))
      out.schema.push(
        invalid(
          child(p, "items"),
          raw(goJsonOfItems(schema.items)),
          "must only have a single schema if x-kubernetes-list-type is map",
        ),
      );
    if (items && items.type !== "object")
      out.schema.push(
        invalid(
          child(child(p, "items"), "type"),
          q(String(items.type ?? "")),
          "must be object if parent array's x-kubernetes-list-type is map",
        ),
      );
    if (items && items.type === "object") {
      const seen = new Set<string>();
      const itemProps = isObject(items.properties) ? (items.properties as Record<string, JSONSchemaProps>) : {};
      for (const k of mapKeys) {
        const ks = itemProps[k];
        if (ks) {
          if (ks.type === "array" || ks.type === "object")
            out.schema.push(
              invalid(
                child(key(child(child(p, "items"), "properties"), k), "type"),
                q("object"),
                "must be a scalar type if parent array's x-kubernetes-list-type is map",
              ),
            );
        } else
          out.schema.push(
            invalid(
              child(p, "x-kubernetes-list-map-keys"),
              goValue(mapKeys),
              "entries must all be names of item properties",
            ),
          );
        if (seen.has(k))
          out.schema.push(
            invalid(child(p, "x-kubernetes-list-map-keys"), goValue(mapKeys), "must not contain duplicate entries"),
          );
        seen.add(k);
      }
    }
  }
  out.schema.push(...mapListKeysMapSet(schema, p));
  const rules = Array.isArray(schema["x-kubernetes-validations"])
    ? (schema["x-kubernetes-validations"] as ValidationRule[])
    : [];
  if (rules.length) {
    rules.forEach((rule, i) => {
      const rp = index(child(p, "x-kubernetes-validations"), i);
      const r = typeof rule.rule === "string" ? rule.rule : "";
      const m = typeof rule.message === "string" ? rule.message : "";
      const trimmedRule = r.trim();
      const trimmedMsg = m.trim();
      if (trimmedRule === "") out.schema.push(required(child(rp, "rule"), "rule is not specified"));
      else if (m.length > 0 && trimmedMsg === "")
        out.schema.push(invalid(child(rp, "message"), q(m), "must be non-empty if specified"));
      else if (/[\n\r]/.test(trimmedMsg))
        out.schema.push(invalid(child(rp, "message"), q(m), "must not contain line breaks"));
      else if (/[\n\r]/.test(trimmedRule) && trimmedMsg === "")
        out.schema.push(required(child(rp, "message"), "message must be specified if rule contains line breaks"));
      const me = typeof rule.messageExpression === "string" ? rule.messageExpression : "";
      if (me.length > 0 && me.trim() === "")
        out.schema.push(required(child(rp, "messageExpression"), "messageExpression must be non-empty if specified"));
      if (rule.reason !== undefined && rule.reason !== null && !SUPPORTED_REASONS.includes(String(rule.reason)))
        out.schema.push(notSupported(child(rp, "reason"), q(String(rule.reason)), SUPPORTED_REASONS));
      const fp = typeof rule.fieldPath === "string" ? rule.fieldPath : "";
      if (fp.length > 0 && fp.trim() === "")
        out.schema.push(invalid(child(rp, "fieldPath"), q(fp), "must be non-empty if specified"));
      if (/[\n\r]/.test(fp)) out.schema.push(invalid(child(rp, "fieldPath"), q(fp), "must not contain line breaks"));
      if (fp.length > 0 && !fieldPathValid(schema, fp))
        out.schema.push(invalid(child(rp, "fieldPath"), q(fp), "must be a valid path"));
    });
    if (out.schema.length === 0 && celOk) {
      out.cel.push(...ruleCompilationErrors(rules, p));
      rules.forEach((rule, i) => {
        const compiled = ruleCompilationErrors([rule], p);
        if (compiled.length) return;
        if (usesOldSelf(rule) && v.uncorrelatable !== undefined)
          out.cel.push(
            invalid(
              child(index(child(p, "x-kubernetes-validations"), i), "rule"),
              q(String(rule.rule)),
              `oldSelf cannot be used on the uncorrelatable portion of the schema within ${v.uncorrelatable}`,
            ),
          );
      });
    }
  }
  return out;
}

const goJsonOfItems = (items: unknown[]) => `{"Schema":null,"JSONSchemas":[${items.map(schemaGoJson).join(",")}]}`;

const usesOldSelf = (rule: ValidationRule) => typeof rule.rule === "string" && /\boldSelf\b/.test(rule.rule);

function fieldPathValid(schema: JSONSchemaProps, path: string): boolean {
  try {
    const s = newStructural(schema);
    return validFieldPath(path, s, true).error === undefined;
  } catch (err) {
    if (err instanceof StructuralError) return true;
    throw err;
  }
}

function mapListKeysMapSet(s: JSONSchemaProps, p: string): FieldError[] {
  const items = isObject(s.items) ? (s.items as JSONSchemaProps) : undefined;
  const lt = s["x-kubernetes-list-type"];
  if (!items || (lt !== "set" && lt !== "map")) return [];
  const errs: FieldError[] = [];
  if (items.nullable === true)
    errs.push(
      forbidden(child(child(p, "items"), "nullable"), `cannot be nullable when x-kubernetes-list-type is ${lt}`),
    );
  if (lt === "map") {
    const req = new Set(Array.isArray(items.required) ? items.required : []);
    const props = isObject(items.properties) ? (items.properties as Record<string, JSONSchemaProps>) : {};
    for (const k of Array.isArray(s["x-kubernetes-list-map-keys"])
      ? (s["x-kubernetes-list-map-keys"] as string[])
      : []) {
      const ks = props[k];
      if (!ks) continue;
      const kp = key(child(child(p, "items"), "properties"), k);
      if (!req.has(k) && (ks.default === undefined || ks.default === null))
        errs.push(
          required(
            child(kp, "default"),
            "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property",
          ),
        );
      if (ks.nullable === true)
        errs.push(
          forbidden(child(kp, "nullable"), "this property is in x-kubernetes-list-map-keys, so it cannot be nullable"),
        );
    }
  }
  return errs;
}

/** cel.ValidFieldPath: a JSON path into a structural schema, with the schema it reaches. */
export function validFieldPath(
  jsonPath: string,
  schema: Structural,
  allowArrayNotation = true,
): { path?: string; schema?: Structural; error?: string } {
  const tokens: string[] = [];
  for (let i = 0; i < jsonPath.length; ) {
    const c = jsonPath[i] as string;
    if (c === "'") {
      let j = i + 1;
      while (j < jsonPath.length && !(jsonPath[j] === "'" && jsonPath[j - 1] !== "\\")) j++;
      tokens.push(jsonPath.slice(i, j + 1));
      i = j + 1;
    } else if (c === "." || c === "[" || c === "]") {
      tokens.push(c);
      i++;
    } else {
      let j = i;
      while (j < jsonPath.length && !".[]".includes(jsonPath[j] as string)) j++;
      tokens.push(jsonPath.slice(i, j));
      i = j;
    }
  }
  let path: string | null = null;
  let s: Structural | undefined = schema;
  const append = (name: string, named: boolean): string | undefined => {
    if (!s) return "does not refer to a valid field";
    if (!named) {
      path = key(path, name);
      s = s.additionalProperties?.schema;
      return undefined;
    }
    path = child(path, name);
    const next: Structural | undefined = s.properties?.get(name);
    if (!next) return "does not refer to a valid field";
    s = next;
    return undefined;
  };
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i] as string;
    if (tok === "[") {
      if (!allowArrayNotation) return { error: "array notation is not allowed" };
      const lit = tokens[++i];
      if (lit === undefined) return { error: "unexpected end of JSON path" };
      if (lit.length < 2 || !lit.startsWith("'") || !lit.endsWith("'"))
        return { error: `expected single quoted string but got ${lit}` };
      const named = s?.properties !== undefined ? true : s?.additionalProperties !== undefined ? false : undefined;
      if (named === undefined) return { error: "does not refer to a valid field" };
      const err = append(lit.slice(1, -1).replace(/\\(.)/g, "$1"), named);
      if (err) return { error: err };
      const close = tokens[++i];
      if (close === undefined) return { error: "unexpected end of JSON path" };
      if (close !== "]") return { error: `expected ] but got ${close}` };
    } else if (tok === ".") {
      const name = tokens[++i];
      if (name === undefined) return { error: "unexpected end of JSON path" };
      const named = s?.properties !== undefined ? true : s?.additionalProperties !== undefined ? false : undefined;
      if (named === undefined) return { error: "does not refer to a valid field" };
      const err = append(name, named);
      if (err) return { error: err };
    } else return { error: `expected [ or . but got: ${tok}` };
  }
  return { ...(path !== null ? { path } : {}), ...(s ? { schema: s } : {}) };
}

/** ValidateDefaults: every default must survive pruning, pass its schema, and pass CEL. */
function defaultsErrors(
  p: string,
  s: Structural,
  root: Structural,
  insideMeta: boolean,
  requirePruned: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  let rootSchema = root;
  let meta = insideMeta;
  if (s.embeddedResource) {
    meta = false;
    rootSchema = s;
  }
  if (s.default) {
    const dp = child(p, "default");
    const value = s.default.value;
    if (meta) {
      // Defaults inside metadata are checked as the metadata they would make.
      try {
        if (isObject(value) || value !== undefined) coerceObjectMeta(isObject(value) ? value : {});
      } catch (err) {
        if (!(err instanceof MetadataDecodeError)) throw err;
        errs.push(invalid(dp, goValue(value), `must result in valid metadata: ${err.message}`));
      }
    } else {
      if (requirePruned) {
        const pruned = structuredClone(value);
        prune(pruned, s, s.embeddedResource);
        if (JSON.stringify(pruned) !== JSON.stringify(value))
          errs.push(invalid(dp, goValue(value), "must not have unknown fields"));
      }
      const embedded = validateEmbedded(dp, value, s, s.embeddedResource);
      if (embedded.length) errs.push(...embedded);
      else {
        const schemaErrs = validateValue(s.props, value, dp);
        if (schemaErrs.length) errs.push(...schemaErrs);
        else errs.push(...validateCel(s, dp, value, { value }), ...validateCel(s, dp, value, undefined));
      }
    }
  }
  if (s.items) errs.push(...defaultsErrors(child(p, "items"), s.items, rootSchema, meta, requirePruned));
  for (const [k, sub] of s.properties ?? []) {
    const subMeta = meta || (s.embeddedResource && META_FIELDS.has(k));
    errs.push(...defaultsErrors(key(child(p, "properties"), k), sub, rootSchema, subMeta, requirePruned));
  }
  return dedupe(errs);
}

function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const k = `${e.field}|${e.type}|${e.value}|${e.detail}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

interface ValidationOptions {
  requireStructural: boolean;
  requirePrunedDefaults: boolean;
  requireOpenAPISchema: boolean;
  requireImmutableNames: boolean;
  requireRecognizedConversionReviewVersion: boolean;
}

function validationErrors(
  validation: { openAPIV3Schema?: JSONSchemaProps } | undefined,
  statusEnabled: boolean,
  opts: ValidationOptions,
  p: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const schema = validation?.openAPIV3Schema;
  if (!isObject(schema)) return errs;
  const sp = child(p, "openAPIV3Schema");
  if (statusEnabled) {
    const present = Object.keys(schema)
      .filter((k) => !isZero(schema[k]) && GO_NAMES[k])
      .map((k) => GO_NAMES[k] as string)
      .sort((a, b) => GO_ORDER.indexOf(a) - GO_ORDER.indexOf(b));
    for (const f of present) {
      if (f === "Type") {
        if (schema.type !== "object") {
          errs.push(
            invalid(
              child(p, "openAPIV3Schema.type"),
              q(String(schema.type)),
              'only "object" is allowed as the type at the root of the schema if the status subresource is enabled',
            ),
          );
          break;
        }
        continue;
      }
      if (!ALLOWED_AT_ROOT.includes(f)) {
        errs.push(
          invalid(
            sp,
            raw(schemaGoJson(schema)),
            `only [${ALLOWED_AT_ROOT.join(" ")}] fields are allowed at the root of the schema if the status subresource is enabled`,
          ),
        );
        break;
      }
    }
  }
  if (schema.nullable === true)
    errs.push(forbidden(child(p, "openAPIV3Schema.nullable"), "nullable cannot be true at the root"));
  let initErrs: FieldError[] = [];
  let celOk = false;
  if (opts.requireStructural) {
    try {
      const ss = newStructural(schema);
      const structural = validateStructural(sp, ss);
      if (structural.length) errs.push(...structural);
      else {
        const root = ss.embeddedResource ? ss : { ...ss, embeddedResource: true };
        const defaults = defaultsErrors(sp, root, root, false, opts.requirePrunedDefaults);
        if (defaults.length) errs.push(...defaults);
        else celOk = true;
      }
    } catch (err) {
      if (!(err instanceof StructuralError)) throw err;
      initErrs = [invalid(sp, q(""), err.message)];
    }
  }
  const v: Ssv = { allowDefaults: true, disallowDefaultsReason: "", insideResourceMeta: false };
  const se = schemaErrors(schema, sp, v, true, celOk);
  errs.push(...se.schema, ...se.cel);
  if (errs.length === 0 && initErrs.length) errs.push(...initErrs);
  return errs;
}

const PRINTER_TYPES = ["boolean", "date", "integer", "number", "string"];
const PRINTER_FORMATS = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"];

function simpleJSONPath(s: string, p: string): FieldError[] {
  if (s === "") return [invalid(p, q(s), "must not be empty")];
  if (s[0] !== ".") return [invalid(p, q(s), "must be a simple json path starting with .")];
  return [];
}

export function validateColumn(c: ColumnDefinition, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = typeof c.name === "string" ? c.name : "";
  const type = typeof c.type === "string" ? c.type : "";
  const format = typeof c.format === "string" ? c.format : "";
  const jsonPath = typeof c.jsonPath === "string" ? c.jsonPath : "";
  if (name === "") errs.push(required(child(p, "name"), ""));
  if (type === "") errs.push(required(child(p, "type"), `must be one of ${PRINTER_TYPES.join(",")}`));
  else if (!PRINTER_TYPES.includes(type))
    errs.push(invalid(child(p, "type"), q(type), `must be one of ${PRINTER_TYPES.join(",")}`));
  if (format !== "" && !PRINTER_FORMATS.includes(format))
    errs.push(invalid(child(p, "format"), q(format), `must be one of ${PRINTER_FORMATS.join(",")}`));
  if (jsonPath === "") errs.push(required(child(p, "JSONPath"), ""));
  else errs.push(...simpleJSONPath(jsonPath, child(p, "JSONPath")));
  return errs;
}

function validateSubresources(s: Subresources | undefined, p: string): FieldError[] {
  if (!isObject(s) || !isObject(s.scale)) return [];
  const errs: FieldError[] = [];
  const scale = s.scale;
  const spec = typeof scale.specReplicasPath === "string" ? scale.specReplicasPath : "";
  const status = typeof scale.statusReplicasPath === "string" ? scale.statusReplicasPath : "";
  if (spec === "") errs.push(required(child(p, "scale.specReplicasPath"), ""));
  else {
    const e = simpleJSONPath(spec, child(p, "scale.specReplicasPath"));
    if (e.length) errs.push(...e);
    else if (!spec.startsWith(".spec."))
      errs.push(invalid(child(p, "scale.specReplicasPath"), q(spec), "should be a json path under .spec"));
  }
  if (status === "") errs.push(required(child(p, "scale.statusReplicasPath"), ""));
  else {
    const e = simpleJSONPath(status, child(p, "scale.statusReplicasPath"));
    if (e.length) errs.push(...e);
    else if (!status.startsWith(".status."))
      errs.push(invalid(child(p, "scale.statusReplicasPath"), q(status), "should be a json path under .status"));
  }
  const sel = typeof scale.labelSelectorPath === "string" ? scale.labelSelectorPath : "";
  if (sel !== "") {
    const e = simpleJSONPath(sel, child(p, "scale.labelSelectorPath"));
    if (e.length) errs.push(...e);
    else if (!sel.startsWith(".spec.") && !sel.startsWith(".status."))
      errs.push(
        invalid(child(p, "scale.labelSelectorPath"), q(sel), "should be a json path under either .spec or .status"),
      );
  }
  return errs;
}

const MAX_SELECTABLE_FIELDS = 8;

function validateSelectableFields(
  fields: { jsonPath?: string }[],
  schema: Structural | undefined,
  p: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const unique = new Set<string>();
  fields.forEach((f, i) => {
    const ip = index(p, i);
    const jsonPath = typeof f?.jsonPath === "string" ? f.jsonPath : "";
    if (jsonPath === "") {
      errs.push(required(child(ip, "jsonPath"), ""));
      return;
    }
    const found = schema ? validFieldPath(jsonPath, schema, false) : { error: "does not refer to a valid field" };
    if (found.error) {
      errs.push(invalid(child(ip, "jsonPath"), q(jsonPath), `is an invalid path: ${found.error}`));
      return;
    }
    const path = found.path ?? "";
    if (path.split(/[.[]/)[0] === "metadata")
      errs.push(invalid(child(ip, "jsonPath"), q(jsonPath), "must not point to fields in metadata"));
    if (!found.schema || !["string", "boolean", "integer"].includes(found.schema.type))
      errs.push(
        invalid(
          child(ip, "jsonPath"),
          q(jsonPath),
          "must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.",
        ),
      );
    if (unique.has(path)) errs.push(duplicate(child(ip, "jsonPath"), q(jsonPath)));
    else unique.add(path);
  });
  if (unique.size > MAX_SELECTABLE_FIELDS) errs.push(tooMany(p, unique.size, MAX_SELECTABLE_FIELDS));
  return errs;
}

function deprecationWarningProblems(deprecated: boolean, warning: string | undefined): string[] {
  if (!deprecated && warning !== undefined) return ["can only be set for deprecated versions"];
  if (warning === undefined) return [];
  const out: string[] = [];
  if (Buffer.byteLength(warning) > 256) out.push("must be <= 256 characters long");
  if (warning.length === 0) out.push("must not be an empty string");
  let i = 0;
  for (const ch of warning) {
    const c = ch.codePointAt(0) as number;
    if (!/[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(ch)) {
      out.push(`must only contain printable UTF-8 characters; non-printable character found at index ${i}`);
      break;
    }
    if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
      out.push(`must only contain printable UTF-8 characters; control character found at index ${i}`);
      break;
    }
    i += Buffer.byteLength(ch);
  }
  return out;
}

/** Go's url.Parse enough for webhook URLs: scheme, userinfo, host, query and fragment. */
function webhookURLErrors(raw: string, p: string): FieldError[] {
  const form = "; desired format: https://host[/path]";
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/.exec(raw);
  const scheme = m ? (m[1] as string).toLowerCase() : "";
  let rest = m ? (m[2] as string) : raw;
  let fragment = "";
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  let query = "";
  const qm = rest.indexOf("?");
  if (qm >= 0) {
    query = rest.slice(qm + 1);
    rest = rest.slice(0, qm);
  }
  let host = "";
  let user: string | undefined;
  if (rest.startsWith("//")) {
    const authority = rest.slice(2).split("/")[0] as string;
    const at = authority.lastIndexOf("@");
    if (at >= 0) {
      user = authority.slice(0, at);
      host = authority.slice(at + 1);
    } else host = authority;
  }
  const errs: FieldError[] = [];
  if (scheme !== "https") errs.push(invalid(p, q(scheme), `'https' is the only allowed URL scheme${form}`));
  if (host === "") errs.push(invalid(p, q(host), `host must be specified${form}`));
  if (user !== undefined) errs.push(invalid(p, q(user), "user information is not permitted in the URL"));
  if (fragment !== "") errs.push(invalid(p, q(fragment), "fragments are not permitted in the URL"));
  if (query !== "") errs.push(invalid(p, q(query), "query parameters are not permitted in the URL"));
  return errs;
}

function webhookServiceErrors(
  svc: { namespace?: string; name?: string; path?: string; port?: number },
  p: string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!svc.name) errs.push(required(child(p, "name"), ""));
  if (!svc.namespace) errs.push(required(child(p, "namespace"), ""));
  const port = typeof svc.port === "number" ? svc.port : 0;
  if (!(port >= 1 && port <= 65535))
    errs.push(invalid(child(p, "port"), n(port), "port is not valid: must be between 1 and 65535, inclusive"));
  if (typeof svc.path !== "string") return errs;
  const path = svc.path;
  if (path === "/" || path === "") return errs;
  if (path === "//") return [...errs, invalid(child(p, "path"), q(path), "segment[0] may not be empty")];
  if (!path.startsWith("/")) errs.push(invalid(child(p, "path"), q(path), "must start with a '/'"));
  let check = path.slice(1);
  if (check.endsWith("/")) check = check.slice(0, -1);
  check.split("/").forEach((step, i) => {
    if (step === "") {
      errs.push(invalid(child(p, "path"), q(path), `segment[${i}] may not be empty`));
      return;
    }
    for (const f of SUBDOMAIN(step)) errs.push(invalid(child(p, "path"), q(path), `segment[${i}]: ${f}`));
  });
  return errs;
}

function conversionErrors(spec: InternalSpec, p: string, requireRecognized: boolean): FieldError[] {
  const c = spec.conversion;
  if (!c) return [];
  const errs: FieldError[] = [];
  if (c.strategy === "") errs.push(required(child(p, "strategy"), ""));
  else if (c.strategy !== "None" && c.strategy !== "Webhook")
    errs.push(notSupported(child(p, "strategy"), q(c.strategy), ["None", "Webhook"]));
  if (c.strategy === "Webhook") {
    const cc = c.webhookClientConfig;
    if (!cc) errs.push(required(child(p, "webhookClientConfig"), "required when strategy is set to Webhook"));
    else {
      const hasURL = typeof cc.url === "string";
      const hasService = isObject(cc.service);
      if (hasURL === hasService)
        errs.push(required(child(p, "webhookClientConfig"), "exactly one of url or service is required"));
      else if (hasURL) errs.push(...webhookURLErrors(cc.url as string, child(child(p, "webhookClientConfig"), "url")));
      else errs.push(...webhookServiceErrors(cc.service as object, child(child(p, "webhookClientConfig"), "service")));
    }
    const versions = c.conversionReviewVersions ?? [];
    const vp = child(p, "conversionReviewVersions");
    if (versions.length < 1) errs.push(required(vp, ""));
    else {
      const seen = new Set<string>();
      let accepted = false;
      versions.forEach((v, i) => {
        if (seen.has(v)) {
          errs.push(invalid(index(vp, i), q(v), "duplicate version"));
          return;
        }
        seen.add(v);
        for (const e of DNS1035(v)) errs.push(invalid(index(vp, i), q(v), e));
        if (v === "v1" || v === "v1beta1") accepted = true;
      });
      if (requireRecognized && !accepted)
        errs.push(invalid(vp, goValue(versions), "must include at least one of v1, v1beta1"));
    }
  } else {
    if (c.webhookClientConfig)
      errs.push(forbidden(child(p, "webhookClientConfig"), "should not be set when strategy is not set to Webhook"));
    if (c.conversionReviewVersions?.length)
      errs.push(
        forbidden(child(p, "conversionReviewVersions"), "should not be set when strategy is not set to Webhook"),
      );
  }
  return errs;
}

const hasStatus = (s: Subresources | undefined) => isObject(s) && isObject(s.status);

function specErrors(spec: InternalSpec, opts: ValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  const p = "spec";
  if (spec.group === "") errs.push(required(child(p, "group"), ""));
  else if (SUBDOMAIN(spec.group).length)
    errs.push(invalid(child(p, "group"), q(spec.group), SUBDOMAIN(spec.group).join(",")));
  else if (spec.group.split(".").length < 2)
    errs.push(invalid(child(p, "group"), q(spec.group), "should be a domain with at least one dot"));
  if (spec.scope === "") errs.push(required(child(p, "scope"), ""));
  else if (spec.scope !== "Cluster" && spec.scope !== "Namespaced")
    errs.push(notSupported(child(p, "scope"), q(spec.scope), ["Cluster", "Namespaced"]));
  if (opts.requireOpenAPISchema && !isObject(spec.validation?.openAPIV3Schema))
    spec.versions.forEach((v, i) => {
      if (!isObject(v.schema?.openAPIV3Schema))
        errs.push(required(child(index(child(p, "versions"), i), "schema", "openAPIV3Schema"), ""));
    });
  let storage = 0;
  const names = new Set<string>();
  let unique = true;
  spec.versions.forEach((v, i) => {
    const vp = index(child(p, "versions"), i);
    if (v.storage) storage++;
    if (names.has(v.name)) unique = false;
    else names.add(v.name);
    const dns = DNS1035(v.name);
    if (dns.length) errs.push(invalid(child(vp, "name"), q(v.name), dns.join(",")));
    for (const e of deprecationWarningProblems(v.deprecated, v.deprecationWarning))
      errs.push(
        invalid(
          child(vp, "deprecationWarning"),
          v.deprecationWarning === undefined ? raw("null") : q(v.deprecationWarning),
          e,
        ),
      );
    errs.push(...validationErrors(v.schema, hasStatus(subresourcesFor(spec, v.name)), opts, child(vp, "schema")));
    errs.push(...validateSubresources(v.subresources, child(vp, "subresources")));
    (v.additionalPrinterColumns ?? []).forEach((c, j) => {
      errs.push(...validateColumn(c, index(child(vp, "additionalPrinterColumns"), j)));
    });
    if (v.selectableFields?.length) {
      const schema = v.schema?.openAPIV3Schema;
      if (!isObject(schema))
        errs.push(
          invalid(
            child(vp, "selectableFields"),
            q(""),
            "may only be set when `version.schema.openAPIV3Schema` is not included",
          ),
        );
      else
        errs.push(
          ...validateSelectableFields(v.selectableFields, structuralOrUndefined(schema), child(vp, "selectableFields")),
        );
    }
  });
  if (!unique)
    errs.push(invalid(child(p, "versions"), raw(versionsGoJson(spec.versions)), "must contain unique version names"));
  if (storage !== 1)
    errs.push(
      invalid(
        child(p, "versions"),
        raw(versionsGoJson(spec.versions)),
        "must have exactly one version marked as storage version",
      ),
    );
  if (spec.version !== "") {
    const dns = DNS1035(spec.version);
    if (dns.length) errs.push(invalid(child(p, "version"), q(spec.version), dns.join(",")));
  }
  const names2 = spec.names;
  const s = (v: unknown) => (typeof v === "string" ? v : "");
  if (!s(names2.plural)) errs.push(required(child(p, "names", "plural"), ""));
  if (!s(names2.singular)) errs.push(required(child(p, "names", "singular"), ""));
  if (!s(names2.kind)) errs.push(required(child(p, "names", "kind"), ""));
  if (!s(names2.listKind)) errs.push(required(child(p, "names", "listKind"), ""));
  errs.push(...validateNames(names2, child(p, "names")));
  const anyStatus = hasStatus(spec.subresources) || spec.versions.some((v) => hasStatus(v.subresources));
  errs.push(...validationErrors(spec.validation, anyStatus, opts, child(p, "validation")));
  errs.push(...validateSubresources(spec.subresources, child(p, "subresources")));
  (spec.additionalPrinterColumns ?? []).forEach((c, i) => {
    errs.push(...validateColumn(c, index(child(p, "additionalPrinterColumns"), i)));
  });
  if (spec.selectableFields?.length) {
    if (!spec.validation)
      errs.push(invalid(child(p, "selectableFields"), q(""), "may only be set when validations.schema is included"));
    else
      errs.push(
        ...validateSelectableFields(
          spec.selectableFields,
          structuralOrUndefined(spec.validation.openAPIV3Schema),
          child(p, "selectableFields"),
        ),
      );
  }
  errs.push(...conversionErrors(spec, child(p, "conversion"), opts.requireRecognizedConversionReviewVersion));
  return errs;
}

function structuralOrUndefined(schema: unknown): Structural | undefined {
  if (!isObject(schema)) return undefined;
  try {
    return newStructural(schema as JSONSchemaProps);
  } catch (err) {
    if (err instanceof StructuralError) return undefined;
    throw err;
  }
}

function storedVersionsErrors(stored: unknown, spec: InternalSpec): FieldError[] {
  const p = "status.storedVersions";
  const list = Array.isArray(stored) ? stored.map(String) : [];
  if (list.length === 0)
    return [invalid(p, raw(Array.isArray(stored) ? "[]" : "null"), "must have at least one stored version")];
  const errs: FieldError[] = [];
  const remaining = new Map(list.map((v, i) => [v, i]));
  for (const v of spec.versions) {
    if (v.storage && !remaining.has(v.name))
      errs.push(invalid(p, goValue(list), `must have the storage version ${v.name}`));
    remaining.delete(v.name);
  }
  for (const [v, i] of remaining)
    errs.push(
      invalid(
        index(p, i),
        q(v),
        `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`,
      ),
    );
  return errs;
}

const APPROVAL = "api-approved.kubernetes.io";
const isProtectedGroup = (g: string) =>
  g === "k8s.io" || g.endsWith(".k8s.io") || g === "kubernetes.io" || g.endsWith(".kubernetes.io");

type Approval = "missing" | "bypassed" | "approved" | "invalid";
function approvalState(annotations: Record<string, string> | undefined): { state: Approval; reason: string } {
  const a = annotations?.[APPROVAL] ?? "";
  if (a === "")
    return {
      state: "missing",
      reason: `protected groups must have approval annotation ${goQuote(APPROVAL)}, see https://github.com/kubernetes/enhancements/pull/1111`,
    };
  if (a.startsWith("unapproved")) return { state: "bypassed", reason: `not approved: ${goQuote(a)}` };
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]+)/.exec(a);
  if (m) return { state: "approved", reason: `approved in ${a}` };
  return {
    state: "invalid",
    reason: `protected groups must have approval annotation ${goQuote(APPROVAL)} with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111`,
  };
}

export function apiApprovalState(crd: CRD): { state: Approval; reason: string } {
  return approvalState(crd.metadata.annotations);
}

function approvalErrors(crd: CRD, old: CRD | undefined): FieldError[] {
  const group = typeof crd.spec?.group === "string" ? crd.spec.group : "";
  if (!isProtectedGroup(group)) return [];
  const next = approvalState(crd.metadata.annotations);
  if (old && approvalState(old.metadata.annotations).state === next.state) return [];
  const p = key("metadata.annotations", APPROVAL);
  const value = crd.metadata.annotations?.[APPROVAL] ?? "";
  if (next.state === "missing") return [required(p, next.reason)];
  if (next.state === "invalid") return [invalid(p, q(value), next.reason)];
  return [];
}

/** The causes for the parts of a CRD beyond its metadata, on create. */
export function validateCRD(crd: CRD): FieldError[] {
  const spec = toInternal(isObject(crd.spec) ? (crd.spec as CRDSpec) : {});
  const opts: ValidationOptions = {
    requireStructural: true,
    requirePrunedDefaults: true,
    requireOpenAPISchema: true,
    requireImmutableNames: false,
    requireRecognizedConversionReviewVersion: true,
  };
  const status = isObject(crd.status) ? (crd.status as CRDStatus) : {};
  return [
    ...specErrors(spec, opts),
    ...validateNames(isObject(status.acceptedNames) ? status.acceptedNames : {}, "status.acceptedNames"),
    ...storedVersionsErrors(status.storedVersions, spec),
    ...approvalErrors(crd, undefined),
    ...(crd.spec?.preserveUnknownFields === true
      ? [
          invalid(
            "spec.preserveUnknownFields",
            n(true),
            "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead",
          ),
        ]
      : []),
  ];
}

const established = (crd: CRD) =>
  Array.isArray(crd.status?.conditions) &&
  crd.status.conditions.some((c) => c?.type === "Established" && c.status === "True");

/** The causes for an update of a CRD's spec (ValidateCustomResourceDefinitionUpdate, metadata aside). */
export function validateCRDUpdate(crd: CRD, old: CRD): FieldError[] {
  const spec = toInternal(isObject(crd.spec) ? (crd.spec as CRDSpec) : {});
  const oldSpec = toInternal(isObject(old.spec) ? (old.spec as CRDSpec) : {});
  const allSchemas = (x: InternalSpec) =>
    isObject(x.validation?.openAPIV3Schema) || x.versions.every((v) => isObject(v.schema?.openAPIV3Schema));
  const oldReviewVersions = oldSpec.conversion?.conversionReviewVersions ?? [];
  const opts: ValidationOptions = {
    requireStructural: true,
    requirePrunedDefaults: true,
    requireOpenAPISchema: allSchemas(oldSpec),
    requireImmutableNames: established(old),
    requireRecognizedConversionReviewVersion:
      !oldSpec.conversion ||
      oldReviewVersions.length === 0 ||
      oldReviewVersions.some((v) => v === "v1" || v === "v1beta1"),
  };
  const errs = specErrors(spec, opts);
  const immutable = (p: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a ?? "") !== JSON.stringify(b ?? ""))
      errs.push(invalid(p, goValue(a ?? ""), "field is immutable"));
  };
  if (opts.requireImmutableNames) {
    immutable("spec.scope", spec.scope, oldSpec.scope);
    immutable("spec.names.kind", spec.names.kind ?? "", oldSpec.names.kind ?? "");
  }
  immutable("spec.group", spec.group, oldSpec.group);
  immutable("spec.names.plural", spec.names.plural ?? "", oldSpec.names.plural ?? "");
  const status = isObject(crd.status) ? (crd.status as CRDStatus) : {};
  errs.push(
    ...validateNames(isObject(status.acceptedNames) ? status.acceptedNames : {}, "status.acceptedNames"),
    ...storedVersionsErrors(status.storedVersions, spec),
    ...approvalErrors(crd, old),
  );
  if (old.spec?.preserveUnknownFields !== true && crd.spec?.preserveUnknownFields === true)
    errs.push(
      invalid(
        "spec.preserveUnknownFields",
        n(true),
        "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead",
      ),
    );
  return errs;
}

/** A status write: only the accepted names are checked. */
export function validateCRDStatus(crd: CRD): FieldError[] {
  const status = isObject(crd.status) ? (crd.status as CRDStatus) : {};
  return validateNames(isObject(status.acceptedNames) ? status.acceptedNames : {}, "status.acceptedNames");
}

/** metadata.name must be the plural and the group. */
export function crdNameProblem(crd: CRD): FieldError | undefined {
  const name = crd.metadata.name ?? "";
  const required = `${crd.spec?.names?.plural ?? ""}.${crd.spec?.group ?? ""}`;
  return name !== required ? invalid("metadata.name", q(name), 'must be spec.names.plural+"."+spec.group') : undefined;
}

/** Field errors as Status causes. */
export const causesOf = (errs: FieldError[]): StatusCause[] => toCauses(errs);

/** The warnings kube gives for formats it does not know (WarningsOnCreate / WarningsOnUpdate). */
export function unrecognizedFormats(crd: CRD): string[] {
  const out: string[] = [];
  const known = new Set([
    "bsonobjectid",
    "uri",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "cidr",
    "mac",
    "uuid",
    "uuid3",
    "uuid4",
    "uuid5",
    "isbn",
    "isbn10",
    "isbn13",
    "creditcard",
    "ssn",
    "hexcolor",
    "rgbcolor",
    "byte",
    "password",
    "date",
    "duration",
    "datetime",
    "k8sshortname",
    "k8slongname",
  ]);
  const walk = (s: unknown) => {
    if (!isObject(s)) return;
    const x = s as JSONSchemaProps;
    if (
      typeof x.format === "string" &&
      x.format !== "" &&
      x.type === "string" &&
      !known.has(x.format.replace(/-/g, ""))
    )
      out.push(x.format);
    if (Array.isArray(x.items)) x.items.forEach(walk);
    else walk(x.items);
    for (const k of ["allOf", "anyOf", "oneOf"] as const) (Array.isArray(x[k]) ? x[k] : []).forEach(walk);
    walk(x.not);
    if (isObject(x.properties)) for (const k of Object.keys(x.properties).sort()) walk(x.properties[k]);
    if (isObject(x.additionalProperties)) walk(x.additionalProperties);
  };
  const spec = toInternal(isObject(crd.spec) ? (crd.spec as CRDSpec) : {});
  walk(spec.validation?.openAPIV3Schema);
  for (const v of spec.versions) walk(v.schema?.openAPIV3Schema);
  return out.map((f) => `unrecognized format ${goQuote(f)}`);
}
