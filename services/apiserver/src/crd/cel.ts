// x-kubernetes-validations: CEL rules on custom resources, evaluated with @marcbachmann/cel-js against `self` (and
// `oldSelf` for transition rules) as apiextensions-apiserver's cel.Validator walks the schema, with its field paths
// and messages. Values are typed from the structural schema (integer → int, number → double) as kube's
// UnstructuredToVal types them. The environment carries the same Kubernetes CEL libraries as admission expressions
// (../cel/library.ts). A rule this server cannot evaluate (a Kubernetes CEL extension it lacks) is reported as an
// error on the object, never passed silently. Pure.
import type { ASTNode, Environment, ParseResult } from "@marcbachmann/cel-js";
import { kubernetesEnvironment } from "../cel/library.ts";
import {
  duplicate,
  type FieldError,
  forbidden,
  goJson,
  invalid,
  q,
  required,
} from "../spec-validation/field-errors.ts";
import { child, index, key, type Path, pathString } from "./field-path.ts";
import { deepEqual, goValue } from "./schema/go-values.ts";
import { fieldSchema, type Structural } from "./schema/structural.ts";
import type { ValidationRule } from "./types.ts";

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

let env: Environment | undefined;
/** The Kubernetes CEL libraries, as admission expressions have them; `self` and `oldSelf` are undeclared (dyn). */
const celEnv = () => {
  env ??= kubernetesEnvironment({ unlistedVariablesAreDyn: true });
  return env;
};

export interface CompiledRule {
  rule: ValidationRule;
  program?: ParseResult;
  message?: ParseResult;
  /** Why the rule does not compile, in kube's words. */
  error?: string;
  messageError?: string;
  usesOldSelf: boolean;
  /** The rule's fieldPath, normalized (no leading dot). */
  fieldPath?: string;
}

function position(expr: string, err: unknown): string {
  const start =
    (err as { range?: { start?: number }; node?: { pos?: number } }).range?.start ??
    (err as { node?: { pos?: number } }).node?.pos;
  if (typeof start !== "number") return "<input>";
  const before = expr.slice(0, start).split("\n");
  return `<input>:${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
}

const summary = (err: unknown): string =>
  (((err as { summary?: string }).summary ?? (err as Error).message ?? String(err)).split("\n")[0] ?? "") as string;

function usesIdentifier(node: unknown, name: string): boolean {
  if (!node || typeof node !== "object") return false;
  const n = node as ASTNode;
  if (n.op === "id") return n.args === name;
  const args = (n as { args?: unknown }).args;
  if (Array.isArray(args))
    return args.some((a) => (Array.isArray(a) ? a.some((x) => usesIdentifier(x, name)) : usesIdentifier(a, name)));
  return usesIdentifier(args, name);
}

const cache = new WeakMap<ValidationRule, CompiledRule>();

export function compileRule(rule: ValidationRule): CompiledRule {
  const cached = cache.get(rule);
  if (cached) return cached;
  const out: CompiledRule = { rule, usesOldSelf: false };
  const text = typeof rule.rule === "string" ? rule.rule : "";
  if (text.trim() !== "") {
    try {
      out.program = celEnv().parse(text);
      out.usesOldSelf = usesIdentifier(out.program.ast, "oldSelf");
    } catch (err) {
      out.error = `compilation failed: ERROR: ${position(text, err)}: ${summary(err)}`;
    }
  }
  if (!out.error && typeof rule.messageExpression === "string" && rule.messageExpression.trim() !== "") {
    try {
      out.message = celEnv().parse(rule.messageExpression);
    } catch (err) {
      out.messageError = `messageExpression compilation failed: ERROR: ${position(rule.messageExpression, err)}: ${summary(err)}`;
    }
  }
  if (typeof rule.fieldPath === "string" && rule.fieldPath.trim() !== "")
    out.fieldPath = rule.fieldPath.trim().replace(/^\./, "");
  cache.set(rule, out);
  return out;
}

/** The internal ValidationRule as Go's json.Marshal prints it in CRD validation errors (no JSON tags). */
export function ruleGoValue(rule: ValidationRule): string {
  return goJsonOrdered([
    ["Rule", rule.rule ?? ""],
    ["Message", rule.message ?? ""],
    ["MessageExpression", rule.messageExpression ?? ""],
    ["Reason", rule.reason ?? null],
    ["FieldPath", rule.fieldPath ?? ""],
    ["OptionalOldSelf", rule.optionalOldSelf ?? null],
  ]);
}

const goJsonOrdered = (entries: [string, unknown][]) =>
  `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${goJson(v)}`).join(",")}}`;

/** The rule compilation errors kube reports when a CRD is written, for the rules of one schema node. */
export function ruleCompilationErrors(rules: ValidationRule[], p: string): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((rule, i) => {
    const c = compileRule(rule);
    const rp = `${child(p, "x-kubernetes-validations")}[${i}]`;
    if (c.error) errs.push(invalid(child(rp, "rule"), { go: ruleGoValue(rule) }, c.error));
    if (c.messageError) errs.push(invalid(child(rp, "messageExpression"), { go: ruleGoValue(rule) }, c.messageError));
    if (!c.usesOldSelf && rule.optionalOldSelf !== undefined && rule.optionalOldSelf !== null)
      errs.push(
        invalid(
          child(rp, "optionalOldSelf"),
          { go: String(rule.optionalOldSelf) },
          "may not be set if oldSelf is not used in rule",
        ),
      );
  });
  return errs;
}

/** A custom resource value as CEL sees it: integers as int (bigint), numbers as double. */
export function toCel(v: unknown, s: Structural | undefined): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") {
    if (s?.type === "number") return v;
    if (s?.type === "integer" || s?.intOrString || Number.isInteger(v)) return BigInt(Math.trunc(v));
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => toCel(x, s?.items));
  if (isMap(v)) {
    const out: Json = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toCel(x, fieldSchema(s, k));
    return out;
  }
  return v;
}

const ruleErrorString = (rule: ValidationRule) =>
  rule.message && rule.message.trim() !== "" ? rule.message.trim() : (rule.rule ?? "").trim();

function fieldErrorForReason(p: string, value: unknown, omit: boolean, detail: string, reason?: string): FieldError {
  const v = omit ? undefined : goValue(value);
  switch (reason) {
    case "FieldValueForbidden":
      return forbidden(p, detail);
    case "FieldValueRequired":
      return required(p, detail);
    case "FieldValueDuplicate":
      return omit ? { type: "FieldValueDuplicate", field: p, detail: "" } : duplicate(p, v as { go: string });
    default:
      return omit ? { type: "FieldValueInvalid", field: p, detail } : invalid(p, v, detail);
  }
}

/** Kubernetes CEL functions this server does not evaluate: the rule is reported, not skipped. */
const unsupportedFunction = (message: string) =>
  /found no matching overload|Function .* not found|Unknown function/i.test(message);

function evaluate(s: Structural, p: Path, obj: unknown, old: { value: unknown } | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const typeValue = q(s.type);
  const fp = pathString(p);
  for (const rule of s.validations) {
    const c = compileRule(rule);
    if (c.error) {
      errs.push(invalid(fp, typeValue, `rule compile error: ${c.error}`));
      continue;
    }
    if (!c.program) continue;
    if (c.usesOldSelf && old === undefined && rule.optionalOldSelf !== true) continue;
    const self = toCel(obj, s);
    const ctx: Json = { self };
    if (c.usesOldSelf) ctx.oldSelf = old === undefined ? null : toCel(old.value, s);
    let result: unknown;
    try {
      result = c.program(ctx);
    } catch (err) {
      const message = summary(err);
      if (unsupportedFunction(message))
        errs.push(
          invalid(fp, typeValue, `rule cannot be evaluated by this server (${message}): ${ruleErrorString(rule)}`),
        );
      else
        errs.push(
          invalid(
            fp,
            typeValue,
            `${message.replace(/^No such key/, "no such key")} evaluating rule: ${ruleErrorString(rule)}`,
          ),
        );
      continue;
    }
    if (result === true) continue;
    if (result !== false) {
      errs.push(
        invalid(fp, typeValue, `rule did not evaluate to a bool (got ${typeof result}): ${ruleErrorString(rule)}`),
      );
      continue;
    }
    const at = c.fieldPath ? child(p, c.fieldPath) : fp;
    let detail: string | undefined;
    if (c.message) {
      try {
        const m = c.message(ctx);
        if (typeof m === "string" && m.trim() !== "" && !/\n/.test(m.trim()) && m.trim().length <= 5 * 1024)
          detail = m.trim();
      } catch {
        // kube logs a failing messageExpression and falls back to the rule's message
      }
    }
    detail ??=
      rule.message && rule.message.trim() !== "" ? rule.message.trim() : `failed rule: ${ruleErrorString(rule)}`;
    const omit = s.type === "object" || s.type === "array";
    errs.push(fieldErrorForReason(at, obj, omit, detail, rule.reason));
  }
  return errs;
}

/**
 * cel.Validator.Validate: every x-kubernetes-validations rule along the object, transition rules only where an
 * old value correlates (object fields and map-list items).
 */
export function validateCel(
  s: Structural | undefined,
  p: Path,
  obj: unknown,
  old: { value: unknown } | undefined,
): FieldError[] {
  if (!s || obj === undefined || obj === null || !hasRules(s)) return [];
  const errs = evaluate(s, p, obj, old);
  if (Array.isArray(obj) && s.items) {
    const items = s.items;
    obj.forEach((x, i) => {
      errs.push(...validateCel(items, index(p, i), x, correlatedItem(s, old, x)));
    });
  } else if (isMap(obj)) {
    const correlatable = s.mapType === undefined || s.mapType === "granular" || s.mapType === "atomic";
    const oldMap = old && isMap(old.value) ? old.value : undefined;
    const oldOf = (k: string) =>
      correlatable && oldMap && k in oldMap && oldMap[k] !== undefined ? { value: oldMap[k] } : undefined;
    const keys = Object.keys(obj).sort();
    if (s.additionalProperties?.schema)
      for (const k of keys) errs.push(...validateCel(s.additionalProperties.schema, key(p, k), obj[k], oldOf(k)));
    if (s.properties)
      for (const k of keys) {
        const sub = s.properties.get(k);
        if (sub) errs.push(...validateCel(sub, child(p, k), obj[k], oldOf(k)));
      }
  }
  return errs;
}

function correlatedItem(
  s: Structural,
  old: { value: unknown } | undefined,
  item: unknown,
): { value: unknown } | undefined {
  if (!old || !Array.isArray(old.value) || s.listType !== "map" || !isMap(item)) return undefined;
  const found = old.value.find((o) => isMap(o) && s.listMapKeys.every((k) => deepEqual(o[k], item[k])));
  return found === undefined ? undefined : { value: found };
}

const rulesCache = new WeakMap<Structural, boolean>();

/** Whether any rule lives at or under this schema node. */
export function hasRules(s: Structural | undefined): boolean {
  if (!s) return false;
  const cached = rulesCache.get(s);
  if (cached !== undefined) return cached;
  const has =
    s.validations.length > 0 ||
    hasRules(s.items) ||
    hasRules(s.additionalProperties?.schema) ||
    [...(s.properties?.values() ?? [])].some(hasRules);
  rulesCache.set(s, has);
  return has;
}
