// How Go sees and prints the JSON values of custom resources: apimachinery decodes integral numbers as int64 and
// the rest as float64, and fmt's %v prints float64 in the shortest form with an exponent from 1e+06 on. Pure.
import { goQuote } from "@evk/kube";
import { type GoValue, goJson } from "../../spec-validation/field-errors.ts";

export type GoKind = "null" | "bool" | "string" | "int" | "float" | "array" | "object";

export function goKind(v: unknown): GoKind {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "string") return "string";
  if (typeof v === "number") return Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER ? "int" : "float";
  if (typeof v === "bigint") return "int";
  if (Array.isArray(v)) return "array";
  return "object";
}

/** strconv.FormatFloat(f, 'g', -1, 64) as fmt's %v uses it. */
export function goFloat(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Number.POSITIVE_INFINITY) return "+Inf";
  if (f === Number.NEGATIVE_INFINITY) return "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const [mantissa, expText] = f.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 21) return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  if (exp >= 6) return `${mantissa}e+${String(exp).padStart(2, "0")}`;
  return String(f);
}

/** fmt's %v of a decoded JSON number. */
export const goNumber = (v: number): string => (goKind(v) === "int" ? String(v) : goFloat(v));

/** A field.Error's bad value as ErrorBody prints it: strings quoted, numbers and booleans bare, the rest as JSON. */
export function goValue(v: unknown): GoValue {
  switch (goKind(v)) {
    case "string":
      return { go: goQuote(v as string) };
    case "int":
    case "float":
      return { go: goNumber(Number(v)) };
    case "bool":
      return { go: String(v) };
    default:
      return { go: goJson(v ?? null) };
  }
}

/** fmt's %v of a value of any kind ([a b] for slices, map[k:v] for maps). */
export function goPrint(v: unknown): string {
  switch (goKind(v)) {
    case "null":
      return "<nil>";
    case "string":
      return v as string;
    case "int":
    case "float":
      return goNumber(Number(v));
    case "bool":
      return String(v);
    case "array":
      return `[${(v as unknown[]).map(goPrint).join(" ")}]`;
    default: {
      const o = v as Record<string, unknown>;
      return `map[${Object.keys(o)
        .sort()
        .map((k) => `${k}:${goPrint(o[k])}`)
        .join(" ")}]`;
    }
  }
}

/** reflect.DeepEqual of two decoded JSON values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ka = goKind(a);
  if (ka !== goKind(b)) return false;
  if (ka === "array") {
    const x = a as unknown[];
    const y = b as unknown[];
    return x.length === y.length && x.every((v, i) => deepEqual(v, y[i]));
  }
  if (ka === "object") {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    const kx = Object.keys(x).filter((k) => x[k] !== undefined);
    const ky = Object.keys(y).filter((k) => y[k] !== undefined);
    return kx.length === ky.length && kx.every((k) => k in y && deepEqual(x[k], y[k]));
  }
  return false;
}
