import { StatusError } from "./errors.ts";
import type { KubeObject } from "./object.ts";

// Label and field selectors with kube-apiserver's grammar:
//   labels: a=b, a==b, a!=b, a in (x,y), a notin (x), a, !a   (comma = AND)
//   fields: a.b=c, a.b==c, a.b!=c                             (only the resource's declared field labels)

type Op = "=" | "!=" | "in" | "notin" | "exists" | "!exists";

interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

export interface Selector {
  readonly empty: boolean;
  matches(labels: Record<string, string> | undefined): boolean;
}

const everything: Selector = { empty: true, matches: () => true };

function bad(msg: string): StatusError {
  return new StatusError("BadRequest", `unable to parse requirement: ${msg}`);
}

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

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

function checkKey(k: string): string {
  if (!KEY.test(k))
    throw bad(
      `invalid label key "${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  return k;
}

function checkValue(v: string): string {
  if (!VALUE.test(v))
    throw bad(
      `invalid label value: "${v}": must be 63 characters or less and must be empty or begin and end with an alphanumeric character`,
    );
  return v;
}

function parseRequirement(raw: string): Requirement {
  const s = raw.trim();
  if (s === "") throw bad("found '', expected: !, identifier, or 'end of string'");
  if (s.startsWith("!")) return { key: checkKey(s.slice(1).trim()), op: "!exists", values: [] };
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(s);
  if (set) {
    const values = (set[3] as string).split(",").map((v) => checkValue(v.trim()));
    return { key: checkKey(set[1] as string), op: set[2] as "in" | "notin", values };
  }
  const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(s);
  if (eq) {
    return {
      key: checkKey(eq[1] as string),
      op: eq[2] === "!=" ? "!=" : "=",
      values: [checkValue((eq[3] as string).trim())],
    };
  }
  if (/^\S+$/.test(s)) return { key: checkKey(s), op: "exists", values: [] };
  throw bad(`found '${s}', expected: in, notin, =, ==, !=, gt, lt`);
}

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.op) {
    case "=":
      return has && v === r.values[0];
    case "!=":
      return !has || v !== r.values[0];
    case "in":
      return has && r.values.includes(v as string);
    case "notin":
      return !has || !r.values.includes(v as string);
    case "exists":
      return has;
    case "!exists":
      return !has;
  }
}

export function parseLabelSelector(s: string | null | undefined): Selector {
  if (!s || s.trim() === "") return everything;
  const reqs = splitTop(s).map(parseRequirement);
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
