import type { Environment } from "@marcbachmann/cel-js";
import { CelRuntimeError, kubernetesEnvironment, withAuthorizer } from "../cel/library.ts";

// The CEL environment of kube-apiserver 1.35's admission expressions (match conditions, ValidatingAdmissionPolicy
// validations, messages, variables, audit annotations): the shared Kubernetes libraries (../cel/library.ts) with the
// admission variables and, where the kind has one, the authorizer. What the library cannot express is refused when
// the expression is compiled, never evaluated into an "allow".

export { authorizerValue } from "../cel/library.ts";

/** The optional variables of an expression's environment (kube's OptionalVariableDeclarations). */
export interface CelDeclarations {
  params: boolean;
  authorizer: boolean;
  /** The policy's variables with the CEL type each compiled to; absent when the kind has none. */
  variables?: Record<string, string>;
}

/** A compiled expression, or why it does not compile as kube words it (apiserver/pkg/cel Error). */
export type Compiled =
  | { ok: true; run: (activation: Record<string, unknown>) => unknown; type: string }
  | { ok: false; kind: "Required" | "Invalid" | "Internal"; detail: string };

// ---- values ---------------------------------------------------------------------------------------------------

/** JSON (as decoded from a request or storage) into CEL values: integers become int, as in kube's unstructured. */
export function toCel(v: unknown): unknown {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCel);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toCel(x);
    return out;
  }
  return v;
}

// ---- the environment -------------------------------------------------------------------------------------------

const REQUEST_SCHEMA = {
  kind: { group: "string", version: "string", kind: "string" },
  resource: { group: "string", version: "string", resource: "string" },
  subResource: "string",
  requestKind: { group: "string", version: "string", kind: "string" },
  requestResource: { group: "string", version: "string", resource: "string" },
  requestSubResource: "string",
  name: "string",
  namespace: "string",
  operation: "string",
  userInfo: { username: "string", uid: "string", groups: "list<string>", extra: "map<string, list<string>>" },
  dryRun: "bool",
  options: "dyn",
};

const envs = new Map<string, Environment>();

/** The environment for a set of optional variables; built once per combination (parsing is the costly part). */
function environmentFor(d: CelDeclarations): Environment {
  const vars = d.variables ? Object.entries(d.variables).sort(([a], [b]) => (a < b ? -1 : 1)) : undefined;
  const key = `${d.params}|${d.authorizer}|${vars ? JSON.stringify(vars) : ""}`;
  let env = envs.get(key);
  if (env) return env;
  env = kubernetesEnvironment()
    .registerVariable("object", "dyn")
    .registerVariable("oldObject", "dyn")
    .registerVariable({ name: "request", schema: REQUEST_SCHEMA })
    .registerVariable("namespaceObject", "dyn");
  if (d.params) env.registerVariable("params", "dyn");
  if (d.authorizer) withAuthorizer(env);
  if (vars) {
    const fields: Record<string, string> = {};
    for (const [name, type] of vars) fields[name] = type;
    env.registerType("kubernetes.Variables", { fields });
    env.registerVariable("variables", "kubernetes.Variables");
  }
  envs.set(key, env);
  return env;
}

/** cel-go's name of a type cel-js reports. */
function celGoType(t: string): string {
  return t === "null" ? "null_type" : t === "kubernetes.Variables" ? "dyn" : t;
}

/** Where an offset of the expression is, 1-based line and 0-based column, as cel-go locates issues. */
function locate(expr: string, offset: number): { line: number; column: number; text: string } {
  const before = expr.slice(0, offset);
  const line = before.split("\n").length;
  const lineStart = before.lastIndexOf("\n") + 1;
  const end = expr.indexOf("\n", lineStart);
  return { line, column: offset - lineStart, text: expr.slice(lineStart, end < 0 ? undefined : end) };
}

/** A cel-js issue in cel-go's words and layout: "ERROR: <input>:L:C: message" and the caret under the source. */
function issue(expr: string, err: { code?: string; summary?: string; message: string; range?: { start: number } }) {
  const summary = err.summary ?? err.message.split("\n")[0] ?? "";
  let message = summary;
  const unknown = /^Unknown variable: (.+)$/.exec(summary);
  const noFunction = /^found no matching overload for '(?:[^.(]+\.)?([^.(]+)\(/.exec(summary);
  const operator = /^no such overload: (.+?) ([-+*/%<>=!]+|in) (.+)$/.exec(summary);
  if (unknown) message = `undeclared reference to '${unknown[1]}' (in container '')`;
  else if (noFunction && err.code === "no_matching_overload")
    message = `undeclared reference to '${noFunction[1]}' (in container '')`;
  else if (operator)
    message = `found no matching overload for '_${operator[2]}_' applied to '(${operator[1]}, ${operator[3]})'`;
  else if (err.code === "unexpected_token" || err.code?.startsWith("parse")) message = `Syntax error: ${summary}`;
  const at = locate(expr, err.range?.start ?? 0);
  const caret = `${".".repeat([...at.text.slice(0, at.column)].length)}^`;
  return `ERROR: <input>:${at.line}:${at.column + 1}: ${message}\n | ${at.text.replace(/\t/g, " ")}\n | ${caret}`;
}

/**
 * Compiles an expression for its environment and checks its result type against `returnTypes` (cel-go names:
 * bool, string, null_type; "any" accepts every type), as plugin/cel's CompileCELExpression.
 */
export function compile(expression: string, decls: CelDeclarations, returnTypes: string[]): Compiled {
  const env = environmentFor(decls);
  let parsed: ReturnType<Environment["parse"]>;
  try {
    parsed = env.parse(expression);
  } catch (err) {
    return { ok: false, kind: "Invalid", detail: `compilation failed: ${issue(expression, err as Error)}` };
  }
  let type: string;
  try {
    const checked = parsed.check();
    if (!checked.valid)
      return {
        ok: false,
        kind: "Invalid",
        detail: `compilation failed: ${issue(expression, checked.error as unknown as Error)}`,
      };
    type = celGoType(String(checked.type));
  } catch (err) {
    return { ok: false, kind: "Invalid", detail: `compilation failed: ${issue(expression, err as Error)}` };
  }
  if (!returnTypes.includes("any") && !returnTypes.includes(type)) {
    const reason =
      returnTypes.length === 1
        ? `must evaluate to ${returnTypes[0]} but got ${type}`
        : `must evaluate to one of [${returnTypes.join(" ")}] but got ${type}`;
    return { ok: false, kind: "Invalid", detail: reason };
  }
  return { ok: true, run: (activation) => parsed(activation), type };
}

/** An evaluation error as cel-go words it (kube prefixes it with the expression). */
export function evaluationMessage(err: unknown): string {
  if (err instanceof CelRuntimeError) return err.message;
  const e = err as { code?: string; summary?: string; message?: string };
  const summary = e.summary ?? String(e.message ?? err).split("\n")[0] ?? "";
  const key = /^No such key: (?:index out of bounds, index (\d+) >= size (\d+)|(.*))$/.exec(summary);
  if (key?.[1] !== undefined) return `index out of bounds: ${key[1]}`;
  if (key) return `no such key: ${key[3]}`;
  const overload = /^no such overload: (.*)$/.exec(summary);
  if (overload) return "no such overload";
  if (summary === "division by zero") return "division by zero";
  if (summary === "modulus by zero") return "modulus by zero";
  return summary.charAt(0).toLowerCase() + summary.slice(1);
}

/** Runs a compiled expression; an error is kube's "expression '<e>' resulted in error: <why>". */
export function run(
  expression: string,
  compiled: Extract<Compiled, { ok: true }>,
  activation: Record<string, unknown>,
): { value: unknown } | { error: string } {
  try {
    return { value: compiled.run(activation) };
  } catch (err) {
    return { error: `expression '${expression}' resulted in error: ${evaluationMessage(err)}` };
  }
}

/** kube's CEL identifier rule for variable names. */
export function isCELIdentifier(name: string): boolean {
  const reserved = new Set([
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
  ]);
  return /^[_a-zA-Z][_a-zA-Z0-9]*$/.test(name) && !reserved.has(name);
}
