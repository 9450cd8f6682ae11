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

/**
 * A kind's field label conversion (kube registers one per kind with field labels of its own): the labels it
 * takes, and how it refuses any other.
 */
export interface FieldLabelConversion {
  labels: readonly string[];
  refuse: (label: string) => string;
}

/** What kube does for a kind without a conversion of its own (runtime.DefaultMetaV1FieldSelectorConversion). */
export const defaultFieldLabels: FieldLabelConversion = {
  labels: ["metadata.name", "metadata.namespace"],
  refuse: (label) =>
    `${JSON.stringify(label)} is not a known field selector: only "metadata.name", "metadata.namespace"`,
};

/**
 * `conversion`: the kind's field labels; a list names the labels beyond metadata.name and metadata.namespace of
 * a kind with a conversion that refuses others as "field label not supported".
 */
export function parseFieldSelector(
  s: string | null | undefined,
  conversion: readonly string[] | FieldLabelConversion = defaultFieldLabels,
): FieldSelector {
  const rule: FieldLabelConversion = Array.isArray(conversion)
    ? {
        labels: ["metadata.name", "metadata.namespace", ...(conversion as readonly string[])],
        refuse: (label) => `field label not supported: ${label}`,
      }
    : (conversion as FieldLabelConversion);
  if (!s || s.trim() === "") return { empty: true, matches: () => true };
  const terms = splitTop(s).map((raw) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
    if (!m) throw new StatusError("BadRequest", `invalid selector: '${s}'; can't understand '${raw.trim()}'`);
    return { field: m[1] as string, negate: m[2] === "!=", value: m[3] as string };
  });
  // kube parses the whole selector before it converts its labels: a syntax error anywhere comes first.
  for (const t of terms) if (!rule.labels.includes(t.field)) throw new StatusError("BadRequest", rule.refuse(t.field));
  const name = terms.find((t) => t.field === "metadata.name" && !t.negate)?.value;
  return {
    empty: false,
    ...(name !== undefined ? { name } : {}),
    matches: (obj) => terms.every((t) => (fieldValue(obj, t.field) === t.value) !== t.negate),
  };
}

// ---------------------------------------------------------------------------------------------------------
// metav1.LabelSelector (matchLabels / matchExpressions) as text

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

const OPERATORS: Record<string, string> = { In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" };

/**
 * metav1.LabelSelectorAsSelector(s).String(): requirements sorted by key (match labels first among equal
 * keys), values of in/notin sorted. Undefined for an operator Go rejects.
 */
export function labelSelectorString(s: LabelSelector | undefined | null): string | undefined {
  if (!s) return "";
  const reqs: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(s.matchLabels ?? {})) reqs.push({ key, text: `${key}=${value}` });
  for (const e of s.matchExpressions ?? []) {
    const op = OPERATORS[e.operator];
    if (op === undefined) return undefined;
    const values = e.values ?? [];
    const list = values.length === 1 ? values[0] : [...values].sort(byBytes).join(",");
    if (op === "exists") reqs.push({ key: e.key, text: e.key });
    else if (op === "!") reqs.push({ key: e.key, text: `!${e.key}` });
    else reqs.push({ key: e.key, text: `${e.key} ${op} (${list})` });
  }
  // Array.prototype.sort is stable, as Go's sort.Sort is for the few requirements a selector has.
  return reqs
    .sort((a, b) => byBytes(a.key, b.key))
    .map((r) => r.text)
    .join(",");
}

/** Go's string order (bytes), which for the ASCII of label keys and values is UTF-16 code unit order. */
function byBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
