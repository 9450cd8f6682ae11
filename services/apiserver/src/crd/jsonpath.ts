// client-go's JSONPath, for printer columns and selectable fields: `{.spec.replicas}`-style paths with fields,
// quoted keys, indexes and slices, wildcards, recursive descent and `[?(@.x == "y")]` filters, with missing keys
// allowed. find() returns every match in document order, as FindResults' first result list. Pure.

type Step =
  | { t: "field"; name: string }
  | { t: "wild" }
  | { t: "recursive" }
  | { t: "index"; i: number }
  | { t: "slice"; start?: number; end?: number; step?: number }
  | { t: "filter"; left: string[]; op?: string; right?: unknown };

export class JSONPathError extends Error {}

function parseLiteral(s: string): unknown {
  const t = s.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1);
  if (t === "true") return true;
  if (t === "false") return false;
  if (t === "nil" || t === "null") return null;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  throw new JSONPathError(`unrecognized literal ${t}`);
}

function fieldPath(s: string): string[] {
  const t = s.trim();
  if (!t.startsWith("@")) throw new JSONPathError(`unrecognized filter ${s}`);
  return t
    .slice(1)
    .split(".")
    .filter((x) => x !== "");
}

/** Parses `.a.b[0]` (with or without surrounding braces). */
export function parseJSONPath(path: string): Step[] {
  let p = path.trim();
  if (p.startsWith("{") && p.endsWith("}")) p = p.slice(1, -1).trim();
  const steps: Step[] = [];
  let i = 0;
  const readName = () => {
    const m = /^[^.[\]\s]+/.exec(p.slice(i));
    if (!m) throw new JSONPathError(`invalid path ${path}`);
    i += m[0].length;
    return m[0];
  };
  if (p.startsWith("$")) i = 1;
  while (i < p.length) {
    const c = p[i];
    if (c === ".") {
      if (p[i + 1] === ".") {
        steps.push({ t: "recursive" });
        i += 2;
        if (p[i] === "[") continue;
      } else i++;
      if (i >= p.length) break;
      if (p[i] === "*") {
        steps.push({ t: "wild" });
        i++;
      } else steps.push({ t: "field", name: readName() });
    } else if (c === "[") {
      const close = findClose(p, i);
      const inner = p.slice(i + 1, close).trim();
      i = close + 1;
      if (inner === "*") steps.push({ t: "wild" });
      else if (inner.startsWith("?(") && inner.endsWith(")")) {
        const expr = inner.slice(2, -1).trim();
        const m = /^(.+?)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(expr);
        if (m)
          steps.push({
            t: "filter",
            left: fieldPath(m[1] as string),
            op: m[2] as string,
            right: parseLiteral(m[3] as string),
          });
        else steps.push({ t: "filter", left: fieldPath(expr) });
      } else if ((inner.startsWith("'") && inner.endsWith("'")) || (inner.startsWith('"') && inner.endsWith('"')))
        steps.push({ t: "field", name: inner.slice(1, -1) });
      else if (inner.includes(":")) {
        const [a, b, s] = inner.split(":").map((x) => (x.trim() === "" ? undefined : Number(x)));
        steps.push({
          t: "slice",
          ...(a !== undefined ? { start: a } : {}),
          ...(b !== undefined ? { end: b } : {}),
          ...(s !== undefined ? { step: s } : {}),
        });
      } else if (/^-?\d+$/.test(inner)) steps.push({ t: "index", i: Number(inner) });
      else throw new JSONPathError(`invalid array index ${inner}`);
    } else if (c === " ") i++;
    else steps.push({ t: "field", name: readName() });
  }
  return steps;
}

function findClose(p: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let j = open; j < p.length; j++) {
    const c = p[j];
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === "[" || c === "(") depth++;
    else if (c === "]" || c === ")") {
      depth--;
      if (depth === 0 && c === "]") return j;
    }
  }
  throw new JSONPathError(`unterminated array notation in ${p}`);
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function lookup(v: unknown, path: string[]): { found: boolean; value?: unknown } {
  let cur = v;
  for (const k of path) {
    if (!isMap(cur) || !(k in cur)) return { found: false };
    cur = cur[k];
  }
  return { found: true, value: cur };
}

function cmp(a: unknown, op: string, b: unknown): boolean {
  if (op === "==") return a === b || (typeof a === "number" && typeof b === "number" && a === b);
  if (op === "!=") return a !== b;
  if (typeof a !== typeof b) return false;
  const x = a as number | string;
  const y = b as number | string;
  return op === "<" ? x < y : op === ">" ? x > y : op === "<=" ? x <= y : x >= y;
}

function apply(step: Step, values: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    switch (step.t) {
      case "field":
        if (isMap(v) && step.name in v) out.push(v[step.name]);
        break;
      case "wild":
        if (Array.isArray(v)) out.push(...v);
        else if (isMap(v)) for (const k of Object.keys(v).sort()) out.push(v[k]);
        break;
      case "recursive": {
        const walk = (x: unknown) => {
          out.push(x);
          if (Array.isArray(x)) x.forEach(walk);
          else if (isMap(x)) for (const k of Object.keys(x).sort()) walk(x[k]);
        };
        walk(v);
        break;
      }
      case "index":
        if (Array.isArray(v)) {
          const i = step.i < 0 ? v.length + step.i : step.i;
          if (i >= 0 && i < v.length) out.push(v[i]);
        }
        break;
      case "slice":
        if (Array.isArray(v)) {
          const len = v.length;
          let start = step.start ?? 0;
          let end = step.end ?? len;
          if (start < 0) start += len;
          if (end < 0) end += len;
          start = Math.max(0, Math.min(start, len));
          end = Math.max(0, Math.min(end, len));
          for (let i = start; i < end; i += step.step && step.step > 0 ? step.step : 1) out.push(v[i]);
        }
        break;
      case "filter":
        if (Array.isArray(v))
          for (const item of v) {
            const l = lookup(item, step.left);
            if (!l.found) continue;
            if (step.op === undefined || cmp(l.value, step.op, step.right)) out.push(item);
          }
        break;
    }
  }
  return out;
}

/** Every value the path reaches in `obj`, in order; none when a key is missing. */
export function findJSONPath(steps: Step[], obj: unknown): unknown[] {
  let values = [obj];
  for (const s of steps) values = apply(s, values);
  return values;
}
