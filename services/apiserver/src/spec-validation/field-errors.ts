import { goQuote, type StatusCause } from "@evk/kube";

// apimachinery's field.Error as kube-apiserver words it (util/validation/field/errors.go): the cause type, the
// field path, the bad value printed the way Go prints it, and the detail. Validators build lists of these;
// the API turns them into the causes of a 422 Invalid.

export type ErrorType =
  | "FieldValueRequired"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueForbidden"
  | "FieldValueDuplicate"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "FieldValueNotFound"
  | "InternalError";

export interface FieldError {
  type: ErrorType;
  field: string;
  /** The bad value as Go prints it; undefined for the types that print none or for an omitted value. */
  value?: string;
  detail: string;
  /** The whole message, for causes other modules have worded already (metadata-validation.ts). */
  body?: string;
}

/** A bad value as Go's ErrorBody prints it: see the helpers below. */
export type GoValue = { readonly go: string };

/** A Go string: printed with %q. */
export const q = (s: string): GoValue => ({ go: goQuote(s) });
/** A Go integer, float or bool: printed with %v. */
export const n = (v: number | boolean): GoValue => ({ go: String(v) });
/** Anything else (pointers, slices, maps, structs with JSON tags): printed as its JSON. */
export const j = (v: unknown): GoValue => ({ go: goJson(v) });
/** A value already rendered the way Go renders it (internal structs, see go-types.ts). */
export const raw = (text: string): GoValue => ({ go: text });

/** The value of a JSON field, printed as Go would print that Go type: strings quoted, numbers bare. */
export function asGo(v: unknown): GoValue {
  if (typeof v === "string") return q(v);
  if (typeof v === "number" || typeof v === "boolean") return n(v);
  return j(v ?? null);
}

export const required = (field: string, detail = ""): FieldError => ({ type: "FieldValueRequired", field, detail });
export const forbidden = (field: string, detail: string): FieldError => ({
  type: "FieldValueForbidden",
  field,
  detail,
});
export const invalid = (field: string, value: GoValue | undefined, detail: string): FieldError => ({
  type: "FieldValueInvalid",
  field,
  ...(value ? { value: value.go } : {}),
  detail,
});
export const duplicate = (field: string, value: GoValue): FieldError => ({
  type: "FieldValueDuplicate",
  field,
  value: value.go,
  detail: "",
});
export const notFound = (field: string, value: GoValue, detail = ""): FieldError => ({
  type: "FieldValueNotFound",
  field,
  value: value.go,
  detail,
});
export const notSupported = (field: string, value: GoValue, valid: readonly string[]): FieldError => ({
  type: "FieldValueNotSupported",
  field,
  value: value.go,
  detail: valid.length ? `supported values: ${valid.map(goQuote).join(", ")}` : "",
});
export const tooLong = (field: string, max: number): FieldError => ({
  type: "FieldValueTooLong",
  field,
  detail: max >= 0 ? `may not be more than ${max} ${max === 1 ? "byte" : "bytes"}` : "value is too long",
});
export const tooMany = (field: string, actual: number, max: number): FieldError => ({
  type: "FieldValueTooMany",
  field,
  ...(actual >= 0 ? { value: String(actual) } : {}),
  detail: max >= 0 ? `must have at most ${max} ${max === 1 ? "item" : "items"}` : "has too many items",
});

const TITLES: Record<ErrorType, string> = {
  FieldValueRequired: "Required value",
  FieldValueInvalid: "Invalid value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueForbidden: "Forbidden",
  FieldValueDuplicate: "Duplicate value",
  FieldValueTooLong: "Too long",
  FieldValueTooMany: "Too many",
  FieldValueNotFound: "Not found",
  InternalError: "Internal error",
};

/** ErrorBody: the message of a cause. */
export function errorBody(e: FieldError): string {
  if (e.body !== undefined) return e.body;
  let s = TITLES[e.type];
  if (e.value !== undefined) s += `: ${e.value}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

export const toCause = (e: FieldError): StatusCause => ({ reason: e.type, message: errorBody(e), field: e.field });
export const toCauses = (errs: readonly FieldError[]): StatusCause[] => errs.map(toCause);
export const fromCauses = (causes: readonly StatusCause[]): FieldError[] =>
  causes.map((c) => ({ type: c.reason as ErrorType, field: c.field ?? "", detail: "", body: c.message ?? "" }));

/** A JSON string as Go's encoding/json writes it: like JSON.stringify, with <, >, & and U+2028/9 escaped. */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** json.Marshal of a plain value: Go maps have sorted keys; objects here are maps, so keys are sorted. */
export function goJson(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return goJsonString(v);
  if (typeof v === "number" || typeof v === "boolean") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(goJson).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${goJsonString(k)}:${goJson(o[k])}`)
    .join(",")}}`;
}
