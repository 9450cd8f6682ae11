// Structural schemas (apiextensions-apiserver pkg/apiserver/schema): the form of a CRD's OpenAPI schema that
// pruning, defaulting, list-type checks, embedded resources and CEL work on, built as NewStructural builds it,
// and ValidateStructural's checks with kube's field paths and messages. Pure.
import { errorBody, type FieldError, forbidden, invalid, n, q, required } from "../../spec-validation/field-errors.ts";
import { child, key, type Path, pathString } from "../field-path.ts";
import { isObject, type JSONSchemaProps, type ValidationRule } from "../types.ts";

export interface Structural {
  type: string;
  description: string;
  title: string;
  nullable: boolean;
  /** The default value, when the schema has one. */
  default?: { value: unknown };
  items?: Structural;
  properties?: Map<string, Structural>;
  /** additionalProperties: a schema, or a bare true/false. */
  additionalProperties?: { schema?: Structural; allows: boolean };
  preserveUnknownFields: boolean;
  embeddedResource: boolean;
  intOrString: boolean;
  listMapKeys: string[];
  listType?: string;
  mapType?: string;
  validations: ValidationRule[];
  /** The value validations (enum, formats, bounds, allOf/anyOf/oneOf/not) as the client wrote them. */
  props: JSONSchemaProps;
}

const str = (v: unknown) => (typeof v === "string" ? v : "");

/** Why NewStructural refuses a schema, or undefined: kube's messages for what no structural schema has. */
function unsupported(s: JSONSchemaProps): string | undefined {
  if (str(s.id)) return "OpenAPIV3Schema 'id' is not supported";
  if (str(s.$schema)) return "OpenAPIV3Schema 'schema' is not supported";
  if (str(s.$ref)) return "OpenAPIV3Schema '$ref' is not supported";
  if (isObject(s.patternProperties) && Object.keys(s.patternProperties).length)
    return "OpenAPIV3Schema 'patternProperties' is not supported";
  if (isObject(s.dependencies) && Object.keys(s.dependencies).length)
    return "OpenAPIV3Schema 'dependencies' is not supported";
  if (s.additionalItems !== undefined && s.additionalItems !== null)
    return "OpenAPIV3Schema 'additionalItems' is not supported";
  if (isObject(s.definitions) && Object.keys(s.definitions).length)
    return "OpenAPIV3Schema 'definitions' is not supported";
  return undefined;
}

/** A failure of NewStructural, with kube's words. */
export class StructuralError extends Error {}

function nested(s: unknown): void {
  if (!isObject(s)) return;
  const why = unsupported(s as JSONSchemaProps);
  if (why) throw new StructuralError(why);
  const p = s as JSONSchemaProps;
  if (Array.isArray(p.items)) throw new StructuralError("OpenAPIV3Schema 'items' must be a schema, but is an array");
  nested(p.items);
  for (const v of Object.values(isObject(p.properties) ? p.properties : {})) nested(v);
  if (isObject(p.additionalProperties)) nested(p.additionalProperties);
  for (const k of ["allOf", "anyOf", "oneOf"] as const) for (const x of Array.isArray(p[k]) ? p[k] : []) nested(x);
  nested(p.not);
  if (p["x-kubernetes-preserve-unknown-fields"] === false)
    throw new StructuralError("internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined");
}

/** NewStructural; throws StructuralError for a schema it cannot represent. */
export function newStructural(s: JSONSchemaProps): Structural {
  const why = unsupported(s);
  if (why) throw new StructuralError(why);
  for (const k of ["allOf", "anyOf", "oneOf"] as const) for (const x of Array.isArray(s[k]) ? s[k] : []) nested(x);
  nested(s.not);
  if (s["x-kubernetes-preserve-unknown-fields"] === false)
    throw new StructuralError("internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined");
  const out: Structural = {
    type: str(s.type),
    description: str(s.description),
    title: str(s.title),
    nullable: s.nullable === true,
    ...("default" in s && s.default !== null && s.default !== undefined ? { default: { value: s.default } } : {}),
    preserveUnknownFields: s["x-kubernetes-preserve-unknown-fields"] === true,
    embeddedResource: s["x-kubernetes-embedded-resource"] === true,
    intOrString: s["x-kubernetes-int-or-string"] === true,
    listMapKeys: Array.isArray(s["x-kubernetes-list-map-keys"]) ? s["x-kubernetes-list-map-keys"].map(String) : [],
    ...(typeof s["x-kubernetes-list-type"] === "string" ? { listType: s["x-kubernetes-list-type"] } : {}),
    ...(typeof s["x-kubernetes-map-type"] === "string" ? { mapType: s["x-kubernetes-map-type"] } : {}),
    validations: Array.isArray(s["x-kubernetes-validations"])
      ? (s["x-kubernetes-validations"].filter(isObject) as ValidationRule[])
      : [],
    props: s,
  };
  if (s.items !== undefined && s.items !== null) {
    if (Array.isArray(s.items)) throw new StructuralError("OpenAPIV3Schema 'items' must be a schema, but is an array");
    if (isObject(s.items)) out.items = newStructural(s.items);
  }
  if (isObject(s.properties) && Object.keys(s.properties).length > 0) {
    out.properties = new Map();
    for (const k of Object.keys(s.properties).sort())
      out.properties.set(k, newStructural((s.properties[k] ?? {}) as JSONSchemaProps));
  }
  if (s.additionalProperties !== undefined && s.additionalProperties !== null) {
    if (isObject(s.additionalProperties))
      out.additionalProperties = { schema: newStructural(s.additionalProperties), allows: true };
    else out.additionalProperties = { allows: s.additionalProperties === true };
  }
  return out;
}

/** The schema that applies to one field of an object: its property, else additionalProperties'. */
export function fieldSchema(s: Structural | undefined, name: string): Structural | undefined {
  if (!s) return undefined;
  return s.properties?.get(name) ?? s.additionalProperties?.schema;
}

// ---------------------------------------------------------------------------------------------------------
// ValidateStructural

type Level = "root" | "item" | "field";

const isIntOrStringAnyOf = (anyOf: unknown): boolean =>
  Array.isArray(anyOf) &&
  anyOf.length === 2 &&
  isObject(anyOf[0]) &&
  isObject(anyOf[1]) &&
  Object.keys(anyOf[0]).length === 1 &&
  anyOf[0].type === "integer" &&
  Object.keys(anyOf[1]).length === 1 &&
  anyOf[1].type === "string";

function invariants(s: Structural | undefined, lvl: Level, p: Path, errs: FieldError[]): void {
  if (!s) return;
  if (s.type === "array" && !s.items) errs.push(required(child(p, "items"), "must be specified"));
  invariants(s.items, "item", child(p, "items"), errs);
  for (const [k, v] of s.properties ?? []) invariants(v, "field", key(child(p, "properties"), k), errs);
  if (s.additionalProperties) {
    if (lvl === "root") errs.push(forbidden(child(p, "additionalProperties"), "must not be used at the root"));
    if (s.additionalProperties.schema)
      invariants(s.additionalProperties.schema, "field", child(p, "additionalProperties"), errs);
  }
  if (s.intOrString && s.preserveUnknownFields)
    errs.push(
      invalid(
        child(p, "x-kubernetes-preserve-unknown-fields"),
        n(true),
        "must be false if x-kubernetes-int-or-string is true",
      ),
    );
  if (s.intOrString && s.embeddedResource)
    errs.push(
      invalid(
        child(p, "x-kubernetes-embedded-resource"),
        n(true),
        "must be false if x-kubernetes-int-or-string is true",
      ),
    );
  const anyOf = s.props.anyOf;
  const allOf = Array.isArray(s.props.allOf) ? s.props.allOf : [];
  valueValidation(
    s.props,
    isIntOrStringAnyOf(anyOf),
    allOf.length >= 1 && isIntOrStringAnyOf((allOf[0] as JSONSchemaProps)?.anyOf),
    lvl,
    p,
    errs,
  );
  const checkMetadata = lvl === "root" || s.embeddedResource;
  if (s.embeddedResource && s.type !== "object") {
    if (s.type === "")
      errs.push(required(child(p, "type"), "must be object if x-kubernetes-embedded-resource is true"));
    else errs.push(invalid(child(p, "type"), q(s.type), "must be object if x-kubernetes-embedded-resource is true"));
  } else if (s.type === "" && !s.intOrString && !s.preserveUnknownFields) {
    const detail = {
      root: "must not be empty at the root",
      item: "must not be empty for specified array items",
      field: "must not be empty for specified object fields",
    }[lvl];
    errs.push(required(child(p, "type"), detail));
  }
  if (s.embeddedResource && s.additionalProperties)
    errs.push(forbidden(child(p, "additionalProperties"), "must not be used if x-kubernetes-embedded-resource is set"));
  if (lvl === "root" && s.type !== "" && s.type !== "object")
    errs.push(invalid(child(p, "type"), q(s.type), "must be object at the root"));
  const kind = s.properties?.get("kind");
  if (kind && checkMetadata && kind.type !== "string")
    errs.push(invalid(child(key(child(p, "properties"), "kind"), "type"), q(kind.type), "must be string"));
  const apiVersion = s.properties?.get("apiVersion");
  if (apiVersion && checkMetadata && apiVersion.type !== "string")
    errs.push(invalid(child(key(child(p, "properties"), "apiVersion"), "type"), q(apiVersion.type), "must be string"));
  const metadata = s.properties?.get("metadata");
  if (metadata) metadataInvariants(metadata, checkMetadata, lvl, key(child(p, "properties"), "metadata"), errs);
  if (s.embeddedResource && !s.preserveUnknownFields && !s.properties?.size)
    errs.push(
      required(
        child(p, "properties"),
        "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
      ),
    );
}

/** Keys of a JSONSchemaProps that make it more than an empty schema (Go compares against the zero struct). */
function meaningfulKeys(s: JSONSchemaProps): string[] {
  return Object.keys(s).filter((k) => {
    const v = s[k];
    if (v === undefined || v === null || v === false || v === "" || v === 0) return false;
    if (Array.isArray(v)) return v.length > 0;
    if (isObject(v) && k !== "not" && k !== "items" && k !== "additionalProperties" && k !== "default")
      return Object.keys(v).length > 0;
    return true;
  });
}

function metadataInvariants(s: Structural, checkMetadata: boolean, lvl: Level, p: string, errs: FieldError[]): void {
  if (checkMetadata && s.type !== "object") errs.push(invalid(child(p, "type"), q(s.type), "must be object"));
  if (lvl !== "root") return;
  // At the root, metadata may only name its name and generateName: anything else would be dropped.
  const props = [...(s.properties?.keys() ?? [])];
  const onlyNames =
    props.length === 0 ||
    (props.length === 1 && (props[0] === "name" || props[0] === "generateName")) ||
    (props.length === 2 && props.includes("name") && props.includes("generateName"));
  const rest = meaningfulKeys(s.props).filter((k) => !["type", "default", "properties"].includes(k));
  if (!onlyNames || rest.length > 0)
    errs.push(
      forbidden(p, "must not specify anything other than name and generateName, but metadata is implicitly specified"),
    );
}

function valueValidation(
  v: JSONSchemaProps | undefined,
  skipAnyOf: boolean,
  skipFirstAllOfAnyOf: boolean,
  lvl: Level,
  p: Path,
  errs: FieldError[],
): void {
  if (!isObject(v)) return;
  const list = (x: unknown) => (Array.isArray(x) ? (x as JSONSchemaProps[]) : []);
  if (!skipAnyOf)
    for (const [i, x] of list(v.anyOf).entries())
      nestedValueValidation(x, false, lvl, `${child(p, "anyOf")}[${i}]`, errs);
  for (const [i, x] of list(v.allOf).entries())
    nestedValueValidation(x, skipFirstAllOfAnyOf && i === 0, lvl, `${child(p, "allOf")}[${i}]`, errs);
  for (const [i, x] of list(v.oneOf).entries())
    nestedValueValidation(x, false, lvl, `${child(p, "oneOf")}[${i}]`, errs);
  if (isObject(v.not)) nestedValueValidation(v.not as JSONSchemaProps, false, lvl, child(p, "not"), errs);
  if (typeof v.pattern === "string" && v.pattern !== "") {
    const bad = regexpProblem(v.pattern);
    if (bad)
      errs.push(invalid(child(p, "pattern"), q(v.pattern), `must be a valid regular expression, but isn't: ${bad}`));
  }
}

/** Why Go's regexp would refuse a pattern (approximated with the ECMAScript engine, Unicode mode). */
export function regexpProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern, "u");
    return undefined;
  } catch (err) {
    return `error parsing regexp: ${(err as Error).message}`;
  }
}

function nestedValueValidation(
  v: JSONSchemaProps,
  skipAnyOf: boolean,
  lvl: Level,
  p: string,
  errs: FieldError[],
): void {
  if (!isObject(v)) return;
  valueValidation(v, skipAnyOf, false, lvl, p, errs);
  if (isObject(v.items)) nestedValueValidation(v.items as JSONSchemaProps, false, lvl, child(p, "items"), errs);
  const props = isObject(v.properties) ? v.properties : {};
  for (const k of Object.keys(props).sort())
    nestedValueValidation(props[k] as JSONSchemaProps, false, "field", key(child(p, "properties"), k), errs);
  if (typeof v.type === "string" && v.type !== "")
    errs.push(forbidden(child(p, "type"), "must be empty to be structural"));
  if (v.additionalProperties !== undefined && v.additionalProperties !== null && v.additionalProperties !== false)
    errs.push(forbidden(child(p, "additionalProperties"), "must be undefined to be structural"));
  if (v.default !== undefined && v.default !== null)
    errs.push(forbidden(child(p, "default"), "must be undefined to be structural"));
  if (str(v.title)) errs.push(forbidden(child(p, "title"), "must be empty to be structural"));
  if (str(v.description)) errs.push(forbidden(child(p, "description"), "must be empty to be structural"));
  if (v.nullable === true) errs.push(forbidden(child(p, "nullable"), "must be false to be structural"));
  if (v["x-kubernetes-preserve-unknown-fields"] === true)
    errs.push(forbidden(child(p, "x-kubernetes-preserve-unknown-fields"), "must be false to be structural"));
  if (v["x-kubernetes-embedded-resource"] === true)
    errs.push(forbidden(child(p, "x-kubernetes-embedded-resource"), "must be false to be structural"));
  if (v["x-kubernetes-int-or-string"] === true)
    errs.push(forbidden(child(p, "x-kubernetes-int-or-string"), "must be false to be structural"));
  if (Array.isArray(v["x-kubernetes-list-map-keys"]) && v["x-kubernetes-list-map-keys"].length)
    errs.push(forbidden(child(p, "x-kubernetes-list-map-keys"), "must be empty to be structural"));
  if (typeof v["x-kubernetes-list-type"] === "string")
    errs.push(forbidden(child(p, "x-kubernetes-list-type"), "must be undefined to be structural"));
  if (typeof v["x-kubernetes-map-type"] === "string")
    errs.push(forbidden(child(p, "x-kubernetes-map-type"), "must be undefined to be structural"));
  if (Array.isArray(v["x-kubernetes-validations"]) && v["x-kubernetes-validations"].length)
    errs.push(forbidden(child(p, "x-kubernetes-validations"), "must be empty to be structural"));
  if ("metadata" in props)
    errs.push(forbidden(key(child(p, "properties"), "metadata"), "must not be specified in a nested context"));
}

function completeness(
  v: JSONSchemaProps | undefined,
  s: Structural | undefined,
  sPath: Path,
  vPath: Path,
  errs: FieldError[],
) {
  if (!isObject(v)) return;
  if (!s) {
    errs.push(required(pathString(sPath), `because it is defined in ${pathString(vPath)}`));
    return;
  }
  const list = (x: unknown) => (Array.isArray(x) ? (x as JSONSchemaProps[]) : []);
  if (isObject(v.not)) nestedCompleteness(v.not as JSONSchemaProps, s, sPath, child(vPath, "not"), errs);
  for (const k of ["allOf", "anyOf", "oneOf"] as const)
    for (const [i, x] of list(v[k]).entries()) nestedCompleteness(x, s, sPath, `${child(vPath, k)}[${i}]`, errs);
}

function nestedCompleteness(
  v: JSONSchemaProps,
  s: Structural | undefined,
  sPath: Path,
  vPath: string,
  errs: FieldError[],
) {
  if (!isObject(v)) return;
  if (!s) {
    errs.push(required(pathString(sPath), `because it is defined in ${vPath}`));
    return;
  }
  completeness(v, s, sPath, vPath, errs);
  if (isObject(v.items))
    nestedCompleteness(v.items as JSONSchemaProps, s.items, child(sPath, "items"), child(vPath, "items"), errs);
  const props = isObject(v.properties) ? v.properties : {};
  for (const k of Object.keys(props).sort()) {
    const sFld = s.properties?.get(k);
    if (!sFld)
      errs.push(
        required(key(child(sPath, "properties"), k), `because it is defined in ${key(child(vPath, "properties"), k)}`),
      );
    else
      nestedCompleteness(
        props[k] as JSONSchemaProps,
        sFld,
        key(child(sPath, "properties"), k),
        key(child(vPath, "properties"), k),
        errs,
      );
  }
}

/** ValidateStructural: the reasons a schema is not structural, sorted by their text as kube sorts them. */
export function validateStructural(p: Path, s: Structural): FieldError[] {
  const errs: FieldError[] = [];
  invariants(s, "root", p, errs);
  completeness(s.props, s, p, p, errs);
  return errs.sort((a, b) => (errorText(a) < errorText(b) ? -1 : errorText(a) > errorText(b) ? 1 : 0));
}

const errorText = (e: FieldError) => `${e.field}: ${errorBody(e)}`;
