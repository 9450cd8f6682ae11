import { StatusError } from "./errors.ts";
import { parseLabelRequirements, requirementMatches } from "./label-selector.ts";
import type { KubeObject } from "./object.ts";

// Label and field selectors with kube-apiserver's grammar:
//   labels: a=b, a==b, a!=b, a in (x,y), a notin (x), a, !a, a>1, a<1   (comma = AND; label-selector.ts)
//   fields: a.b=c, a.b==c, a.b!=c                             (only the resource's declared field labels)

export interface Selector {
  readonly empty: boolean;
  matches(labels: Record<string, string> | undefined): boolean;
}

const everything: Selector = { empty: true, matches: () => true };

/** Splits on commas outside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function parseLabelSelector(s: string | null | undefined): Selector {
  if (!s || s.trim() === "") return everything;
  const reqs = parseLabelRequirements(s);
  if (reqs.length === 0) return everything;
  return { empty: false, matches: (labels) => reqs.every((r) => requirementMatches(r, labels ?? {})) };
}

export interface FieldSelector {
  readonly empty: boolean;
  matches(obj: KubeObject): boolean;
  /** The name a `metadata.name=` term pins, which lets a watch or list look at one object. */
  readonly name?: string;
}

function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split("."))
    cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[part] : undefined;
  return cur === undefined || cur === null ? "" : String(cur);
}

/** `allowed` are the resource's field labels beyond metadata.name and metadata.namespace. */
export function parseFieldSelector(s: string | null | undefined, allowed: readonly string[] = []): FieldSelector {
  if (!s || s.trim() === "") return { empty: true, matches: () => true };
  const terms = splitTop(s).map((raw) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
    if (!m) throw new StatusError("BadRequest", `invalid selector: '${s}'; can't understand '${raw.trim()}'`);
    const field = m[1] as string;
    if (field !== "metadata.name" && field !== "metadata.namespace" && !allowed.includes(field)) {
      throw new StatusError("BadRequest", `field label not supported: ${field}`);
    }
    return { field, negate: m[2] === "!=", value: m[3] as string };
  });
  const name = terms.find((t) => t.field === "metadata.name" && !t.negate)?.value;
  return {
    empty: false,
    ...(name !== undefined ? { name } : {}),
    matches: (obj) => terms.every((t) => (fieldValue(obj, t.field) === t.value) !== t.negate),
  };
}
