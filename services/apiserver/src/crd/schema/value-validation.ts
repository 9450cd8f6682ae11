// Validation of a custom resource against its OpenAPI v3 schema as kube-apiserver 1.35 does it: kube-openapi's
// SchemaValidator (type, enum, bounds, lengths, patterns, formats, items, properties, allOf/anyOf/oneOf/not) with
// its messages, turned into field errors the way apiextensions' kubeOpenAPIResultToFieldErrors turns them, and
// ratcheting on update (a value equal to its correlated old value keeps its old errors to itself). Pure.
import {
  errorBody,
  type FieldError,
  type GoValue,
  invalid,
  notSupported,
  required,
  tooLong,
  tooMany,
} from "../../spec-validation/field-errors.ts";
import { child, type Path, pathString } from "../field-path.ts";
import { isObject, type JSONSchemaProps } from "../types.ts";
import { isSupportedFormat, matchesFormat } from "./formats.ts";
import { deepEqual, type GoKind, goFloat, goKind, goPrint, goValue } from "./go-values.ts";

/** One kube-openapi error: its code, the path it names, the value it carries, and its message. */
interface OpenAPIError {
  code: "type" | "required" | "enum" | "tooLong" | "maxItems" | "tooManyProperties" | "other" | "composite";
  name: string;
  value?: unknown;
  hasValue: boolean;
  values?: unknown[];
  valid?: number;
  message: string;
}

interface Result {
  errors: OpenAPIError[];
  matchCount: number;
}

const IN = "body";
const withIn = (name: string, rest: string) => `${name} in ${IN} ${rest}`;

function add(r: Result, ...errs: OpenAPIError[]): void {
  for (const e of errs) if (!r.errors.some((x) => x.message === e.message)) r.errors.push(e);
}

function merge(r: Result, ...others: (Result | undefined)[]): Result {
  for (const o of others) {
    if (!o) continue;
    add(r, ...o.errors);
    r.matchCount += o.matchCount;
  }
  return r;
}

const fresh = (): Result => ({ errors: [], matchCount: 0 });

function invalidType(name: string, typeName: string, value: unknown): OpenAPIError {
  const message =
    typeof value === "string"
      ? withIn(name, `must be of type ${typeName}: ${JSON.stringify(value)}`)
      : withIn(name, `must be of type ${typeName}`);
  return { code: "type", name, value, hasValue: true, message };
}

const schemaTypes = (s: JSONSchemaProps): string[] => {
  if (s["x-kubernetes-int-or-string"] === true) return ["integer", "string"];
  return typeof s.type === "string" && s.type !== "" ? [s.type] : [];
};

const schemaTypeOf = (k: GoKind): { type: string; format: string } =>
  ({
    null: { type: "null", format: "" },
    bool: { type: "boolean", format: "" },
    string: { type: "string", format: "" },
    int: { type: "integer", format: "int64" },
    float: { type: "number", format: "float64" },
    array: { type: "array", format: "" },
    object: { type: "object", format: "" },
  })[k];

/** The format kube keeps in its validation schema: formats it does not support are stripped. */
const formatOf = (s: JSONSchemaProps) =>
  typeof s.format === "string" && s.format !== "" && isSupportedFormat(s.format) ? s.format : "";

function typeValidator(s: JSONSchemaProps, path: string, data: unknown): Result {
  const r: Result = { errors: [], matchCount: 1 };
  const types = schemaTypes(s);
  const format = formatOf(s);
  const kind = goKind(data);
  if (kind === "null") {
    if (types.length > 0 && !types.includes("null") && s.nullable !== true)
      add(r, invalidType(path, types.join(","), "null"));
    return r;
  }
  const { type: schType, format: valueFormat } = schemaTypeOf(kind);
  const isFloatInt = schType === "number" && Number.isInteger(data) && types.includes("integer");
  const isIntFloat = schType === "integer" && types.includes("number");
  if (
    kind !== "string" &&
    kind !== "array" &&
    format !== "" &&
    !(types.includes(schType) || valueFormat === format || isFloatInt || isIntFloat)
  ) {
    add(r, invalidType(path, format, valueFormat));
    return r;
  }
  if (
    !(types.includes("number") || types.includes("integer")) &&
    format !== "" &&
    (kind === "string" || kind === "array")
  )
    return r;
  if (!(types.includes(schType) || isFloatInt || isIntFloat)) add(r, invalidType(path, types.join(","), schType));
  return r;
}

/** reflect's ConvertibleTo-then-DeepEqual comparison basicCommonValidator makes for enums. */
function enumMatches(data: unknown, e: unknown): boolean {
  if (e === null || e === undefined) return false;
  const dk = goKind(data);
  const ek = goKind(e);
  if (dk === "null") return false;
  if (dk === ek) return deepEqual(data, e);
  if ((dk === "int" || dk === "float") && (ek === "int" || ek === "float"))
    return ek === "int" ? Math.trunc(data as number) === e : (data as number) === e;
  // Go converts an integer to the string of that code point.
  if (dk === "int" && ek === "string") return String.fromCodePoint(Number(data)) === e;
  return false;
}

function stringValidator(s: JSONSchemaProps, path: string, data: string): OpenAPIError | undefined {
  const len = [...data].length;
  if (typeof s.maxLength === "number" && len > s.maxLength)
    return {
      code: "tooLong",
      name: path,
      value: data,
      hasValue: true,
      valid: s.maxLength,
      message: withIn(path, `should be at most ${s.maxLength} chars long`),
    };
  if (typeof s.minLength === "number" && len < s.minLength)
    return {
      code: "other",
      name: path,
      value: data,
      hasValue: true,
      message: withIn(path, `should be at least ${s.minLength} chars long`),
    };
  if (typeof s.pattern === "string" && s.pattern !== "") {
    let re: RegExp | undefined;
    let why = "";
    try {
      re = new RegExp(s.pattern, "u");
    } catch (err) {
      why = (err as Error).message;
    }
    if (!re)
      return {
        code: "other",
        name: path,
        value: data,
        hasValue: true,
        message: withIn(path, `should match '${s.pattern}, but pattern is invalid: ${why}'`),
      };
    if (!re.test(data))
      return {
        code: "other",
        name: path,
        value: data,
        hasValue: true,
        message: withIn(path, `should match '${s.pattern}'`),
      };
  }
  return undefined;
}

function numberValidator(s: JSONSchemaProps, path: string, data: number): OpenAPIError[] {
  const out: OpenAPIError[] = [];
  const isInt = goKind(data) === "int";
  const show = (x: number) => (isInt ? String(Math.trunc(x)) : goFloat(x));
  if (typeof s.multipleOf === "number") {
    const factor = s.multipleOf;
    if (isInt ? Math.trunc(factor) <= 0 : factor <= 0)
      out.push({
        code: "other",
        name: path,
        value: factor,
        hasValue: true,
        message: `factor MultipleOf declared for ${path} must be positive: ${show(factor)}`,
      });
    else {
      const ok = isInt
        ? data % Math.trunc(factor) === 0
        : Number.isInteger(factor < 1 ? (1 / factor) * data : data / factor);
      if (!ok)
        out.push({
          code: "other",
          name: path,
          value: data,
          hasValue: true,
          message: withIn(path, `should be a multiple of ${show(factor)}`),
        });
    }
  }
  if (typeof s.minimum === "number") {
    const min = isInt ? Math.trunc(s.minimum) : s.minimum;
    const excl = s.exclusiveMinimum === true;
    if (excl ? data <= min : data < min)
      out.push({
        code: "other",
        name: path,
        value: data,
        hasValue: true,
        message: withIn(path, `should be greater than ${excl ? "" : "or equal to "}${show(min)}`),
      });
  }
  if (typeof s.maximum === "number") {
    const max = isInt ? Math.trunc(s.maximum) : s.maximum;
    const excl = s.exclusiveMaximum === true;
    if (excl ? data >= max : data > max)
      out.push({
        code: "other",
        name: path,
        value: data,
        hasValue: true,
        message: withIn(path, `should be less than ${excl ? "" : "or equal to "}${show(max)}`),
      });
  }
  return out;
}

/** A correlated old value for ratcheting: present when this node has a counterpart in the old object. */
type Old = { value: unknown } | undefined;

interface Ctx {
  /** Correlate old values (updates with ratcheting). */
  ratchet: boolean;
}

/** The counterpart of a list item in the old list: only map lists correlate their items, by their keys. */
function oldItem(s: JSONSchemaProps, old: Old, item: unknown): Old {
  if (!old || !Array.isArray(old.value) || s["x-kubernetes-list-type"] !== "map") return undefined;
  const keys = Array.isArray(s["x-kubernetes-list-map-keys"]) ? (s["x-kubernetes-list-map-keys"] as string[]) : [];
  if (!isObject(item) || keys.length === 0) return undefined;
  const found = (old.value as unknown[]).find((o) => isObject(o) && keys.every((k) => deepEqual(o[k], item[k])));
  return found === undefined ? undefined : { value: found };
}

function validate(s: JSONSchemaProps, path: string, data: unknown, old: Old, ctx: Ctx, atRoot: boolean): Result {
  const r = validateNode(s, path, data, old, ctx, atRoot);
  // Ratcheting: an unchanged value keeps the errors it had before to itself.
  if (ctx.ratchet && old && r.errors.length > 0 && deepEqual(data, old.value))
    return { errors: [], matchCount: r.matchCount };
  return r;
}

function validateNode(s: JSONSchemaProps, path: string, data: unknown, old: Old, ctx: Ctx, atRoot: boolean): Result {
  const result = fresh();
  if (!isObject(s)) return result;
  const kind = goKind(data);
  const hasTypeOrFormat = schemaTypes(s).length > 0 || formatOf(s) !== "";
  if (kind === "null") {
    if (hasTypeOrFormat) merge(result, typeValidator(s, path, data));
    const e = enumError(s, path, data);
    if (e) add(result, e);
    return result;
  }
  if (hasTypeOrFormat) {
    merge(result, typeValidator(s, path, data));
    result.matchCount++;
  }
  merge(result, schemaProps(s, path, data, old, ctx, atRoot));
  result.matchCount++;
  if (kind === "string") {
    const e = stringValidator(s, path, data as string);
    if (e) add(result, e);
    result.matchCount++;
    const format = formatOf(s);
    if (format !== "") {
      if (!matchesFormat(format, data as string)) add(result, invalidType(path, format, data));
      result.matchCount++;
    }
  }
  if (kind === "int" || kind === "float") {
    add(result, ...numberValidator(s, path, data as number));
    result.matchCount++;
  }
  if (kind === "array") {
    merge(result, sliceValidator(s, path, data as unknown[], old, ctx));
    result.matchCount++;
  }
  const e = enumError(s, path, data);
  if (e) add(result, e);
  result.matchCount++;
  if (kind === "object") {
    merge(result, objectValidator(s, path, data as Record<string, unknown>, old, ctx, atRoot));
    result.matchCount++;
  }
  result.matchCount++;
  return result;
}

function enumError(s: JSONSchemaProps, path: string, data: unknown): OpenAPIError | undefined {
  if (!Array.isArray(s.enum) || s.enum.length === 0) return undefined;
  if (s.enum.some((e) => enumMatches(data, e))) return undefined;
  return {
    code: "enum",
    name: path,
    value: data,
    hasValue: true,
    values: s.enum,
    message: withIn(path, `should be one of ${goPrint(s.enum)}`),
  };
}

function sliceValidator(s: JSONSchemaProps, path: string, data: unknown[], old: Old, ctx: Ctx): Result {
  const r = fresh();
  if (isObject(s.items)) {
    const items = s.items as JSONSchemaProps;
    data.forEach((v, i) => {
      merge(r, validate(items, `${path}[${i}]`, v, ctx.ratchet ? oldItem(s, old, v) : undefined, ctx, false));
    });
  }
  if (typeof s.minItems === "number" && data.length < s.minItems)
    add(r, {
      code: "other",
      name: path,
      value: data.length,
      hasValue: true,
      message: withIn(path, `should have at least ${s.minItems} items`),
    });
  if (typeof s.maxItems === "number" && data.length > s.maxItems)
    add(r, {
      code: "maxItems",
      name: path,
      value: data.length,
      hasValue: true,
      valid: s.maxItems,
      message: withIn(path, `should have at most ${s.maxItems} items`),
    });
  if (s.uniqueItems === true && data.some((v, i) => data.slice(0, i).some((u) => deepEqual(u, v))))
    add(r, { code: "other", name: path, hasValue: false, message: withIn(path, "shouldn't contain duplicates") });
  r.matchCount++;
  return r;
}

function objectValidator(
  s: JSONSchemaProps,
  path: string,
  data: Record<string, unknown>,
  old: Old,
  ctx: Ctx,
  atRoot: boolean,
): Result {
  const r = fresh();
  const keys = Object.keys(data).filter((k) => data[k] !== undefined);
  const props = isObject(s.properties) ? (s.properties as Record<string, JSONSchemaProps>) : {};
  if (typeof s.minProperties === "number" && keys.length < s.minProperties)
    add(r, {
      code: "other",
      name: path,
      value: keys.length,
      hasValue: true,
      message: withIn(path, `should have at least ${s.minProperties} properties`),
    });
  if (typeof s.maxProperties === "number" && keys.length > s.maxProperties)
    add(r, {
      code: "tooManyProperties",
      name: path,
      value: keys.length,
      hasValue: true,
      valid: s.maxProperties,
      message: withIn(path, `should have at most ${s.maxProperties} properties`),
    });
  const oldObj = old && isObject(old.value) ? (old.value as Record<string, unknown>) : undefined;
  const oldOf = (k: string, root: boolean): Old =>
    ctx.ratchet && oldObj && k in oldObj && !(root && (k === "kind" || k === "apiVersion"))
      ? { value: oldObj[k] }
      : undefined;
  if (s.additionalProperties === false) {
    for (const k of keys.sort())
      if (!(k in props))
        add(r, {
          code: "other",
          name: path,
          value: k,
          hasValue: true,
          message: `${path}.${k} in ${IN} is a forbidden property`,
        });
  } else if (isObject(s.additionalProperties)) {
    for (const k of keys.sort())
      if (!(k in props))
        merge(
          r,
          validate(s.additionalProperties as JSONSchemaProps, `${path}.${k}`, data[k], oldOf(k, false), ctx, false),
        );
  }
  for (const k of Object.keys(props).sort()) {
    if (!keys.includes(k)) continue;
    merge(r, validate(props[k] as JSONSchemaProps, path ? `${path}.${k}` : k, data[k], oldOf(k, atRoot), ctx, false));
  }
  for (const k of Array.isArray(s.required) ? s.required : [])
    if (!keys.includes(k))
      add(r, {
        code: "required",
        name: `${path}.${k}`,
        hasValue: false,
        message: withIn(`${path}.${k}`, "is required"),
      });
  return r;
}

function composite(message: string): OpenAPIError {
  return { code: "composite", name: "", hasValue: false, message };
}

function schemaProps(s: JSONSchemaProps, path: string, data: unknown, old: Old, ctx: Ctx, atRoot: boolean): Result {
  const main = fresh();
  const list = (x: unknown) => (Array.isArray(x) ? (x as JSONSchemaProps[]).filter(isObject) : []);
  const run = (x: JSONSchemaProps) => validate(x, path, data, old, ctx, atRoot);
  const anyOf = list(s.anyOf);
  if (anyOf.length) {
    let best: Result | undefined;
    let first: Result | undefined;
    let ok = false;
    for (const x of anyOf) {
      const res = run(x);
      if (res.errors.length === 0) {
        best = undefined;
        ok = true;
        first ??= res;
        break;
      }
      if (!best || res.matchCount > best.matchCount) best = res;
    }
    if (!ok) add(main, composite(`${JSON.stringify(path)} must validate at least one schema (anyOf)`));
    merge(main, best ?? first);
  }
  const oneOf = list(s.oneOf);
  if (oneOf.length) {
    let best: Result | undefined;
    let first: Result | undefined;
    let validated = 0;
    for (const x of oneOf) {
      const res = run(x);
      if (res.errors.length === 0) {
        validated++;
        best = undefined;
        first ??= res;
        continue;
      }
      if (validated === 0 && (!best || res.matchCount > best.matchCount)) best = res;
    }
    if (validated !== 1) {
      const more = validated === 0 ? "Found none valid" : `Found ${validated} valid alternatives`;
      add(main, composite(`${JSON.stringify(path)} must validate one and only one schema (oneOf). ${more}`));
      merge(main, best);
    } else merge(main, first);
  }
  const allOf = list(s.allOf);
  if (allOf.length) {
    let validated = 0;
    for (const x of allOf) {
      const res = run(x);
      if (res.errors.length === 0) validated++;
      merge(main, res);
    }
    if (validated !== allOf.length)
      add(
        main,
        composite(
          `${JSON.stringify(path)} must validate all the schemas (allOf)${validated === 0 ? ". None validated" : ""}`,
        ),
      );
  }
  if (isObject(s.not) && run(s.not as JSONSchemaProps).errors.length === 0)
    add(main, composite(`${JSON.stringify(path)} must not validate the schema (not)`));
  main.matchCount++;
  return main;
}

/** field.TypeInvalid: worded as Invalid, with a cause reason of its own. */
export function typeInvalid(field: string, value: GoValue, detail: string): FieldError {
  const e = invalid(field, value, detail);
  return { ...e, type: "FieldValueTypeInvalid" as FieldError["type"], body: errorBody(e) };
}

/** kubeOpenAPIResultToFieldErrors. */
function toFieldErrors(base: Path, errs: OpenAPIError[]): FieldError[] {
  return errs.map((e) => {
    if (e.code === "composite") return invalid(pathString(base), { go: '""' }, e.message);
    const p = e.name !== "" && e.name !== "." ? child(base, e.name.replace(/^\./, "")) : pathString(base);
    switch (e.code) {
      case "required":
        return required(p, "");
      case "enum":
        return notSupported(
          p,
          goValue(e.value),
          (e.values ?? []).map((v) => (typeof v === "string" ? v : JSON.stringify(v))),
        );
      case "tooLong":
        return tooLong(p, e.valid ?? -1);
      case "maxItems":
      case "tooManyProperties":
        return tooMany(p, Number(e.value ?? -1), e.valid ?? -1);
      case "type":
        return typeInvalid(
          p,
          goValue(e.hasValue && e.value !== undefined && e.value !== null ? e.value : ""),
          e.message,
        );
      default:
        return invalid(p, goValue(e.hasValue && e.value !== undefined && e.value !== null ? e.value : ""), e.message);
    }
  });
}

/**
 * ValidateCustomResource (and, with `old`, ValidateCustomResourceUpdate with ratcheting): `base` is the field
 * path the schema's root stands for (null at a resource's root, "status" for the status schema).
 */
export function validateValue(
  schema: JSONSchemaProps | undefined,
  value: unknown,
  base: Path = null,
  old?: { value: unknown },
): FieldError[] {
  if (!isObject(schema)) return [];
  const r = validate(schema, "", value, old, { ratchet: old !== undefined }, true);
  return toFieldErrors(base, r.errors);
}
