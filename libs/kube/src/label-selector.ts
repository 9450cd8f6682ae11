import { StatusError } from "./errors.ts";

// kube's label selector grammar and its error messages (apimachinery pkg/labels): a lexer that knows the
// symbols ! != ( ) , = == > < and the keywords in / notin, and a recursive-descent parser over its tokens.
// Errors are worded exactly as kube-apiserver words them, since clients show them to users.

type Tok = "end" | "ident" | "in" | "notin" | "!" | "!=" | "(" | ")" | "," | "=" | "==" | ">" | "<";

interface Item {
  tok: Tok;
  lit: string;
}

const SYMBOLS: Record<string, Tok> = {
  "!": "!",
  "!=": "!=",
  "(": "(",
  ")": ")",
  ",": ",",
  "=": "=",
  "==": "==",
  ">": ">",
  "<": "<",
};
const isSpace = (c: string) => c === " " || c === "\t" || c === "\r" || c === "\n";
const isSymbol = (c: string) => "=!(),><".includes(c);

function lex(s: string): Item[] {
  const out: Item[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isSpace(s[i] as string)) i++;
    if (i >= s.length) {
      out.push({ tok: "end", lit: "" });
      return out;
    }
    if (isSymbol(s[i] as string)) {
      // The longest symbol that starts here.
      let best: Item | undefined;
      let j = i;
      let buf = "";
      while (j < s.length && isSymbol(s[j] as string)) {
        buf += s[j];
        const t = SYMBOLS[buf];
        if (t) best = { tok: t, lit: buf };
        else if (best) break;
        j++;
      }
      const b = best as Item;
      out.push(b);
      i += b.lit.length;
      continue;
    }
    let j = i;
    while (j < s.length && !isSymbol(s[j] as string) && !isSpace(s[j] as string)) j++;
    const lit = s.slice(i, j);
    out.push({ tok: lit === "in" ? "in" : lit === "notin" ? "notin" : "ident", lit });
    i = j;
  }
}

export type LabelOperator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

const BINARY = ["in", "notin", "=", "==", "!=", "gt", "lt"];
const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const regexError = (msg: string, fmt: string, ...examples: string[]) =>
  `${msg} (e.g. ${examples.map((e) => `'${e}'`).join(",  or ")}, regex used for validation is '${fmt}')`;

/** apimachinery's IsQualifiedName, with the label-key wording of kube 1.35. */
export function labelKeyProblems(key: string): string[] {
  const errs: string[] = [];
  const parts = key.split("/");
  let name: string;
  if (parts.length === 1) name = parts[0] as string;
  else if (parts.length === 2) {
    const prefix = parts[0] as string;
    name = parts[1] as string;
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else {
      if (prefix.length > 253) errs.push("prefix part must be no more than 253 characters");
      if (!SUBDOMAIN.test(prefix))
        errs.push(
          `prefix part ${regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", "example.com")}`,
        );
    }
  } else {
    return [
      `a valid label key ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > 63) errs.push("name part must be no more than 63 characters");
  if (!QUALIFIED_NAME.test(name))
    errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")}`);
  return errs;
}

export function labelValueProblems(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push("must be no more than 63 characters");
  if (!LABEL_VALUE.test(value))
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?",
        "MyValue",
        "my_value",
        "12345",
      ),
    );
  return errs;
}

class ParseError extends Error {}
const invalid = (field: string, value: string, problems: string[]) =>
  new ParseError(`${field}: Invalid value: ${JSON.stringify(value)}: ${problems.join("; ")}`);

/** Parses a label selector; throws a BadRequest StatusError with kube's message. */
export function parseLabelRequirements(selector: string): LabelRequirement[] {
  const items = lex(selector);
  let pos = 0;
  // In the values context the keywords are plain identifiers (a value may be "in").
  const look = (values: boolean): Item => {
    const it = items[pos] as Item;
    return values && (it.tok === "in" || it.tok === "notin") ? { tok: "ident", lit: it.lit } : it;
  };
  const take = (values: boolean): Item => {
    const it = look(values);
    pos++;
    return it;
  };

  const keyAndOperator = (): { key: string; op?: LabelOperator } => {
    let op: LabelOperator | undefined;
    let it = take(true);
    if (it.tok === "!") {
      op = "!";
      it = take(true);
    }
    if (it.tok !== "ident") throw new ParseError(`found '${it.lit}', expected: identifier`);
    const problems = labelKeyProblems(it.lit);
    if (problems.length) throw invalid("<nil>", it.lit, problems);
    const next = look(true).tok;
    if (next === "end" || next === ",") op = op ?? "exists";
    return { key: it.lit, ...(op ? { op } : {}) };
  };

  const operator = (): LabelOperator => {
    const it = take(false);
    switch (it.tok) {
      case "in":
      case "notin":
      case "=":
      case "==":
      case "!=":
        return it.tok;
      case ">":
        return "gt";
      case "<":
        return "lt";
      default:
        throw new ParseError(`found '${it.lit}', expected: ${BINARY.join(", ")}`);
    }
  };

  const identifiers = (): string[] => {
    const s = new Set<string>();
    for (;;) {
      const it = take(true);
      if (it.tok === "ident") {
        s.add(it.lit);
        const next = look(true);
        if (next.tok === ",") continue;
        if (next.tok === ")") return [...s];
        throw new ParseError(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (it.tok === ",") {
        if (s.size === 0) s.add("");
        const next = look(true);
        if (next.tok === ")") {
          s.add("");
          return [...s];
        }
        if (next.tok === ",") {
          take(true);
          s.add("");
        }
        continue;
      }
      throw new ParseError(`found '${it.lit}', expected: ',', or identifier`);
    }
  };

  const setValues = (): string[] => {
    const open = take(true);
    if (open.tok !== "(") throw new ParseError(`found '${open.lit}' expected: '('`);
    const it = look(true);
    if (it.tok === "ident" || it.tok === ",") {
      const s = identifiers();
      if (take(true).tok !== ")") throw new ParseError(`found '${it.lit}', expected: ')'`);
      return s;
    }
    if (it.tok === ")") {
      take(true);
      return [""];
    }
    throw new ParseError(`found '${it.lit}', expected: ',', ')' or identifier`);
  };

  const exactValue = (): string[] => {
    const next = look(true).tok;
    if (next === "end" || next === ",") return [""];
    const it = take(true);
    if (it.tok === "ident") return [it.lit];
    throw new ParseError(`found '${it.lit}', expected: identifier`);
  };

  const requirement = (): LabelRequirement => {
    const k = keyAndOperator();
    if (k.op === "exists" || k.op === "!") return { key: k.key, operator: k.op, values: [] };
    const op = operator();
    const values = op === "in" || op === "notin" ? setValues() : exactValue();
    // NewRequirement's checks.
    if ((op === "in" || op === "notin") && values.length === 0)
      throw new ParseError("for 'in', 'notin' operators, values set can't be empty");
    if ((op === "gt" || op === "lt") && !/^-?\d+$/.test(values[0] as string))
      throw new ParseError(`for 'Gt', 'Lt' operators, the value must be an integer`);
    values.forEach((v, i) => {
      const problems = labelValueProblems(v);
      if (problems.length && op !== "gt" && op !== "lt") throw invalid(`values[${i}]`, v, problems);
    });
    return { key: k.key, operator: op, values: [...values].sort() };
  };

  const out: LabelRequirement[] = [];
  try {
    for (;;) {
      const it = look(true);
      if (it.tok === "end") return out;
      if (it.tok !== "ident" && it.tok !== "!")
        throw new StatusError("BadRequest", `found '${it.lit}', expected: !, identifier, or 'end of string'`);
      try {
        out.push(requirement());
      } catch (err) {
        if (err instanceof ParseError)
          throw new StatusError("BadRequest", `unable to parse requirement: ${err.message}`);
        throw err;
      }
      const after = take(true);
      if (after.tok === "end") return out;
      if (after.tok === ",") {
        const next = look(true);
        if (next.tok !== "ident" && next.tok !== "!")
          throw new StatusError("BadRequest", `found '${next.lit}', expected: identifier after ','`);
        continue;
      }
      throw new StatusError("BadRequest", `found '${after.lit}', expected: ',' or 'end of string'`);
    }
  } catch (err) {
    if (err instanceof ParseError) throw new StatusError("BadRequest", err.message);
    throw err;
  }
}

export function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.operator) {
    case "=":
    case "==":
    case "in":
      return has && r.values.includes(v as string);
    case "!=":
    case "notin":
      return !has || !r.values.includes(v as string);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has || !/^-?\d+$/.test(v as string)) return false;
      const a = Number(v);
      const b = Number(r.values[0]);
      return r.operator === "gt" ? a > b : a < b;
    }
  }
}
