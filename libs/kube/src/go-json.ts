// Go's encoding/json as kube-apiserver meets a request body: the scanner's syntax errors, word for word
// (encoding/json/scanner.go), and the duplicate keys sigs.k8s.io/json's strict decoding reports, with the
// paths it names them by ("metadata.name", "spec.containers[0].env"). Pure.

/** Go's strconv.IsPrint for the Latin-1 runes a single byte can stand for. */
function printable(c: number): boolean {
  return (c >= 0x20 && c < 0x7f) || (c >= 0xa1 && c !== 0xad);
}

const namedEscapes: Record<number, string> = {
  7: "\\a",
  8: "\\b",
  9: "\\t",
  10: "\\n",
  11: "\\v",
  12: "\\f",
  13: "\\r",
};

/**
 * Go's strconv.Quote (what %q prints): printable runes kept, the rest escaped as Go escapes them. Of the runes
 * past Latin-1, all are taken as printable.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c > 0xff || printable(c)) out += ch;
    else if (namedEscapes[c]) out += namedEscapes[c];
    else if (c < 0x80) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += `\\u${c.toString(16).padStart(4, "0")}`;
  }
  return `${out}"`;
}

/** encoding/json's quoteChar: a byte as Go's scanner quotes it in "invalid character ..." errors. */
export function goQuoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  if (c === 0x5c) return "'\\\\'";
  if (printable(c)) return `'${String.fromCharCode(c)}'`;
  if (namedEscapes[c]) return `'${namedEscapes[c]}'`;
  const hex = c.toString(16).padStart(2, "0");
  return c < 0x80 ? `'\\x${hex}'` : `'\\u00${hex}'`;
}

type Step = (c: number) => boolean;
type ParseState = "objectKey" | "objectValue" | "arrayValue";

interface Frame {
  state: ParseState;
  /** Path of this container. */
  path: string;
  /** Key whose value is being read (objects). */
  key?: string;
  index: number;
  seen: Set<string>;
}

export interface JsonScan {
  /** Go's syntax error for the document, e.g. "invalid character '}' looking for beginning of object key string". */
  error?: string;
  /** Keys repeated within one object, in document order. */
  duplicates: { path: string; offset: number }[];
  /** Where each key path first occurs: kube reports strict-decoding errors in document order. */
  offsets: Map<string, number>;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
const MAX_DEPTH = 10000;

/** Scans a JSON document as Go does: its first syntax error, and the keys that repeat. */
export function scanJson(data: Uint8Array): JsonScan {
  const duplicates: JsonScan["duplicates"] = [];
  const offsets = new Map<string, number>();
  const stack: Frame[] = [];
  let error: string | undefined;
  let step: Step;
  let i = 0;
  let stringStart = 0;

  const fail = (c: number, context: string) => {
    error = `invalid character ${goQuoteChar(c)} ${context}`;
    return false;
  };
  const childPath = (f: Frame) =>
    f.state === "arrayValue" ? `${f.path}[${f.index}]` : f.path ? `${f.path}.${f.key}` : (f.key as string);
  const push = (state: ParseState) => {
    const parent = stack[stack.length - 1];
    if (stack.length >= MAX_DEPTH) {
      error = "exceeded max depth";
      return false;
    }
    stack.push({ state, path: parent ? childPath(parent) : "", index: 0, seen: new Set() });
    return true;
  };
  const pop = () => {
    stack.pop();
    step = stack.length === 0 ? endTop : endValue;
    return true;
  };
  /** A string just ended at i: when it is an object key, remember it. */
  const stringEnded = () => {
    const f = stack[stack.length - 1];
    if (f?.state !== "objectKey") return;
    const key = JSON.parse(Buffer.from(data.subarray(stringStart, i + 1)).toString("utf8")) as string;
    f.key = key;
    const path = childPath({ ...f, state: "objectValue" });
    if (f.seen.has(key)) duplicates.push({ path, offset: stringStart });
    else {
      f.seen.add(key);
      if (!offsets.has(path)) offsets.set(path, stringStart);
    }
  };

  const beginValue: Step = (c) => {
    if (isSpace(c)) return true;
    switch (c) {
      case 0x7b: // {
        step = beginStringOrEmpty;
        return push("objectKey");
      case 0x5b: // [
        step = beginValueOrEmpty;
        return push("arrayValue");
      case 0x22: // "
        stringStart = i;
        step = inString;
        return true;
      case 0x2d: // -
        step = neg;
        return true;
      case 0x30: // 0
        step = zero;
        return true;
      case 0x74: // t
        step = literal("true", 1);
        return true;
      case 0x66: // f
        step = literal("false", 1);
        return true;
      case 0x6e: // n
        step = literal("null", 1);
        return true;
    }
    if (c >= 0x31 && c <= 0x39) {
      step = one;
      return true;
    }
    return fail(c, "looking for beginning of value");
  };
  const beginValueOrEmpty: Step = (c) => {
    if (isSpace(c)) return true;
    if (c === 0x5d) return endValue(c);
    return beginValue(c);
  };
  const beginStringOrEmpty: Step = (c) => {
    if (isSpace(c)) return true;
    if (c === 0x7d) {
      (stack[stack.length - 1] as Frame).state = "objectValue";
      return endValue(c);
    }
    return beginString(c);
  };
  const beginString: Step = (c) => {
    if (isSpace(c)) return true;
    if (c === 0x22) {
      stringStart = i;
      step = inString;
      return true;
    }
    return fail(c, "looking for beginning of object key string");
  };
  const endValue: Step = (c) => {
    const f = stack[stack.length - 1];
    if (!f) {
      step = endTop;
      return endTop(c);
    }
    if (isSpace(c)) {
      step = endValue;
      return true;
    }
    if (f.state === "objectKey") {
      if (c === 0x3a) {
        f.state = "objectValue";
        step = beginValue;
        return true;
      }
      return fail(c, "after object key");
    }
    if (f.state === "objectValue") {
      if (c === 0x2c) {
        f.state = "objectKey";
        step = beginString;
        return true;
      }
      if (c === 0x7d) return pop();
      return fail(c, "after object key:value pair");
    }
    if (c === 0x2c) {
      f.index++;
      step = beginValue;
      return true;
    }
    if (c === 0x5d) return pop();
    return fail(c, "after array element");
  };
  const endTop: Step = (c) => (isSpace(c) ? true : fail(c, "after top-level value"));
  const inString: Step = (c) => {
    if (c === 0x22) {
      stringEnded();
      step = endValue;
      return true;
    }
    if (c === 0x5c) {
      step = inStringEsc;
      return true;
    }
    if (c < 0x20) return fail(c, "in string literal");
    return true;
  };
  const inStringEsc: Step = (c) => {
    if ([0x62, 0x66, 0x6e, 0x72, 0x74, 0x5c, 0x2f, 0x22].includes(c)) {
      step = inString;
      return true;
    }
    if (c === 0x75) {
      step = hexDigit(4);
      return true;
    }
    return fail(c, "in string escape code");
  };
  const hexDigit =
    (left: number): Step =>
    (c) => {
      if (!isHex(c)) return fail(c, "in \\u hexadecimal character escape");
      step = left === 1 ? inString : hexDigit(left - 1);
      return true;
    };
  const neg: Step = (c) => {
    if (c === 0x30) {
      step = zero;
      return true;
    }
    if (c >= 0x31 && c <= 0x39) {
      step = one;
      return true;
    }
    return fail(c, "in numeric literal");
  };
  const one: Step = (c) => (isDigit(c) ? true : zero(c));
  const zero: Step = (c) => {
    if (c === 0x2e) {
      step = dot;
      return true;
    }
    if (c === 0x65 || c === 0x45) {
      step = exponent;
      return true;
    }
    return endValue(c);
  };
  const dot: Step = (c) => {
    if (isDigit(c)) {
      step = dot0;
      return true;
    }
    return fail(c, "after decimal point in numeric literal");
  };
  const dot0: Step = (c) => {
    if (isDigit(c)) return true;
    if (c === 0x65 || c === 0x45) {
      step = exponent;
      return true;
    }
    return endValue(c);
  };
  const exponent: Step = (c) => {
    if (c === 0x2b || c === 0x2d) {
      step = exponentSign;
      return true;
    }
    return exponentSign(c);
  };
  const exponentSign: Step = (c) => {
    if (isDigit(c)) {
      step = exponent0;
      return true;
    }
    return fail(c, "in exponent of numeric literal");
  };
  const exponent0: Step = (c) => (isDigit(c) ? true : endValue(c));
  const literal =
    (word: string, at: number): Step =>
    (c) => {
      const want = word.charCodeAt(at);
      if (c !== want) return fail(c, `in literal ${word} (expecting '${word[at]}')`);
      step = at === word.length - 1 ? endValue : literal(word, at + 1);
      return true;
    };

  step = beginValue;
  for (i = 0; i < data.length; i++) {
    if (!step(data[i] as number)) return { error, duplicates, offsets };
  }
  // Go's scanner.eof: a space ends a pending number or literal; anything else left open is truncation.
  if (step !== endTop) {
    step(0x20);
    if ((step as Step) !== endTop) return { error: error ?? "unexpected end of JSON input", duplicates, offsets };
  }
  return { duplicates, offsets };
}

/** How Go's encoding/json names a JSON value's type in its unmarshal errors. */
export function goJsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return "object";
  if (typeof v === "boolean") return "bool";
  return typeof v;
}

/**
 * Whether a document JSON.parse accepted repeats a key within one object: a quick pass for the common case,
 * before the full scan that names them.
 */
export function hasDuplicateKeys(text: string): boolean {
  // One set of keys per open object; null for an array.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      let escaped = false;
      for (;;) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) {
          escaped = true;
          j += 2;
        } else if (d === 0x22 || Number.isNaN(d)) break;
        else j++;
      }
      const keys = stack[stack.length - 1];
      if (expectKey && keys) {
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (keys.has(key)) return true;
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b) stack.push(null);
    else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x2c) expectKey = stack[stack.length - 1] != null;
  }
  return false;
}
