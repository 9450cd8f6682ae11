// apimachinery's resource.Quantity as kube-apiserver writes and prints it: a value that parses is answered in
// its canonical spelling ("0.5" → "500m", "1024Mi" → "1Gi"), except spellings Go keeps verbatim because they are
// canonical already. Values that do not parse are left for validation to refuse. Defaulting (requests, limits,
// capacity) and table cells (Quantity.String()) both use it.

type Format = "DecimalSI" | "BinarySI" | "DecimalExponent";

/** An exact value: sign · mantissa · 10^exponent, and the format the client spelled it in. */
interface Parsed {
  negative: boolean;
  mantissa: bigint;
  exponent: number;
  format: Format;
  /** Go caches the input string when it is canonical already (ParseQuantity's fast path). */
  verbatim?: string;
  /** True when Go's fast path (int64Amount) holds the value; RoundUp keeps its string then. */
  int64: boolean;
}

const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIX = new Map(Object.entries(DECIMAL).map(([s, e]) => [e, s]));
const BINARY_SUFFIX = new Map(Object.entries(BINARY).map(([s, e]) => [e / 10, s]));
const INT64_MAX = (1n << 63n) - 1n;

function splitQuantity(
  str: string,
): { negative: boolean; num: string; denom: string; suffix: string; digits: boolean } | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?([eEinumkKMGTP]*(?:[+-]?\d+)?)$/.exec(str);
  if (!m) return undefined;
  // Like Go, a quantity without digits ("G", "-") is zero.
  const [, sign = "", intPart = "", denom = "", suffix = ""] = m;
  return {
    negative: sign === "-",
    num: intPart.replace(/^0+/, "") || "0",
    denom,
    suffix,
    digits: `${intPart}${denom}` !== "",
  };
}

function interpret(suffix: string): { base: 2 | 10; exponent: number; format: Format } | undefined {
  if (suffix in DECIMAL) return { base: 10, exponent: DECIMAL[suffix] as number, format: "DecimalSI" };
  if (suffix in BINARY) return { base: 2, exponent: BINARY[suffix] as number, format: "BinarySI" };
  if (suffix.length > 1 && (suffix[0] === "e" || suffix[0] === "E") && /^[+-]?\d+$/.test(suffix.slice(1)))
    return { base: 10, exponent: Number.parseInt(suffix.slice(1), 10), format: "DecimalExponent" };
  return undefined;
}

/** ceil(|n| / 10^k) for k > 0: Go rounds quantities away from zero (inf.RoundUp). */
function divCeil(n: bigint, k: number): bigint {
  const d = 10n ** BigInt(k);
  return (n + d - 1n) / d;
}

function parse(str: string): Parsed | undefined {
  if (str === "") return undefined;
  if (str === "0")
    return { negative: false, mantissa: 0n, exponent: 0, format: "DecimalSI", verbatim: "0", int64: true };
  const parts = splitQuantity(str);
  if (!parts) return undefined;
  const suf = interpret(parts.suffix);
  if (!suf) return undefined;
  const { negative, num, denom } = parts;
  const digits = BigInt(num + denom);
  if (suf.base === 10) {
    const scale = suf.exponent - denom.length;
    const precision = 18 - (num.length + denom.length);
    if (precision >= 0 && scale >= -9) {
      const shifted = num + denom;
      const canonical = scale % 3 === 0 && !shifted.endsWith("000") && shifted[0] !== "0";
      return {
        negative,
        mantissa: digits,
        exponent: scale,
        format: suf.format,
        ...(canonical ? { verbatim: str } : {}),
        int64: true,
      };
    }
    // inf.Dec path: anything finer than a nano rounds up to one. (It parses the digits, so it needs some.)
    if (!parts.digits) return undefined;
    const mantissa = scale < -9 && digits !== 0n ? divCeil(digits, -9 - scale) : digits;
    return { negative, mantissa, exponent: Math.max(scale, -9), format: suf.format, int64: false };
  }
  // Binary suffixes: the value is digits · 2^exponent / 10^len(denom).
  const exponent = suf.exponent;
  if (denom.length === 0) {
    const precision = 14 - num.length - Math.trunc((exponent * 3) / 10);
    const value = digits << BigInt(exponent);
    if (precision >= 0 && value <= INT64_MAX) {
      const canonical = exponent % 10 === 0 && (digits & 7n) !== 0n;
      return {
        negative,
        mantissa: value,
        exponent: 0,
        format: "BinarySI",
        ...(canonical ? { verbatim: str } : {}),
        int64: true,
      };
    }
  }
  if (!parts.digits) return undefined;
  let mantissa = digits << BigInt(exponent);
  let scale = -denom.length;
  if (scale < -9 && mantissa !== 0n) {
    mantissa = divCeil(mantissa, -9 - scale);
    scale = -9;
  }
  // A binary value above int64 is capped (maxAllowed); below one it is shown in decimal.
  if (mantissa > INT64_MAX * 10n ** BigInt(-scale)) {
    mantissa = INT64_MAX;
    scale = 0;
  }
  const belowOne = mantissa !== 0n && mantissa < 10n ** BigInt(-scale);
  return { negative, mantissa, exponent: scale, format: belowOne ? "DecimalSI" : "BinarySI", int64: false };
}

function stripFactors(n: bigint, base: bigint): [bigint, number] {
  let times = 0;
  while (n !== 0n && n % base === 0n) {
    n /= base;
    times++;
  }
  return [n, times];
}

/** Quantity.CanonicalizeBytes. */
function canonical(q: Parsed): string | undefined {
  if (q.mantissa === 0n) return "0";
  const sign = q.negative ? "-" : "";
  let format = q.format;
  if (format === "BinarySI") {
    const absBelow1024 = q.mantissa < 1024n * 10n ** BigInt(Math.max(0, -q.exponent)) && q.exponent <= 0;
    const integral = q.exponent >= 0 || q.mantissa % 10n ** BigInt(-q.exponent) === 0n;
    if (absBelow1024 || !integral) format = "DecimalSI";
    else {
      const whole = q.exponent >= 0 ? q.mantissa * 10n ** BigInt(q.exponent) : q.mantissa / 10n ** BigInt(-q.exponent);
      const [amount, times] = stripFactors(whole, 1024n);
      const suffix = times === 0 ? "" : BINARY_SUFFIX.get(times);
      return suffix === undefined ? undefined : `${sign}${amount}${suffix}`;
    }
  }
  let [amount, times] = stripFactors(q.mantissa, 10n);
  let exponent = q.exponent + times;
  const rem = ((exponent % 3) + 3) % 3;
  if (rem === 1) {
    amount *= 10n;
    exponent -= 1;
  } else if (rem === 2) {
    amount *= 100n;
    exponent -= 2;
  }
  if (format === "DecimalExponent") return `${sign}${amount}${exponent === 0 ? "" : `e${exponent}`}`;
  // Go writes no suffix at all for an exponent beyond the table ("1000E" reads back as "1"), and so does evk.
  return `${sign}${amount}${DECIMAL_SUFFIX.get(exponent) ?? ""}`;
}

/** What kube-apiserver answers for a quantity the client sent (a string or a JSON number). */
export function canonicalQuantity(v: unknown): unknown {
  if (typeof v !== "string" && typeof v !== "number") return v;
  const str = String(v).trim();
  const q = parse(str);
  if (!q) return v;
  return q.verbatim ?? canonical(q) ?? v;
}

/**
 * A ResourceList entry: SetDefaults_ResourceList rounds up to milli-units (RoundUp(-3)), which keeps a
 * verbatim spelling only when it is already no finer than a milli-unit.
 */
export function canonicalResourceQuantity(v: unknown): unknown {
  if (typeof v !== "string" && typeof v !== "number") return v;
  const q = parse(String(v).trim());
  if (!q) return v;
  if (q.int64 && q.exponent >= -3) return q.verbatim ?? canonical(q) ?? v;
  if (q.exponent < -3 && q.mantissa !== 0n) {
    const rounded = divCeil(q.mantissa, -3 - q.exponent);
    return canonical({ ...q, mantissa: rounded, exponent: -3 }) ?? v;
  }
  return canonical(q) ?? v;
}

/** A ResourceList (requests, limits, capacity, hard…) with every value as kube writes it. */
export function canonicalResourceList(list: unknown): unknown {
  if (!list || typeof list !== "object" || Array.isArray(list)) return list;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(list)) out[k] = canonicalResourceQuantity(v);
  return out;
}

/** Quantity.String() of a stored quantity, as kube prints it in tables ("0" when absent; bad text unchanged). */
export function formatQuantity(q: unknown): string {
  return q === undefined || q === null ? "0" : String(canonicalQuantity(q));
}

// ---------------------------------------------------------------------------------------------------------
// resource.Quantity arithmetic validation needs (sign, comparison, Value, MilliValue), on exact fractions.
// Quantities reach validation in their canonical spelling (defaulting rewrote them); one that does not parse
// counts as zero, as kube never gets that far with it (its decoder refuses it).

export interface Fraction {
  num: bigint;
  den: bigint;
}

const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

export function parseQuantity(v: unknown): Fraction | undefined {
  if (typeof v !== "string" && typeof v !== "number") return undefined;
  const m = QUANTITY.exec(String(v).trim());
  if (!m) return undefined;
  const [, sign = "", whole = "", frac = "", suffix = ""] = m;
  if (whole === "" && frac === "") return { num: 0n, den: 1n };
  let num = BigInt(`${whole || "0"}${frac}`) * (sign === "-" ? -1n : 1n);
  let den = 10n ** BigInt(frac.length);
  if (suffix in BINARY) num *= 2n ** BigInt(BINARY[suffix] as number);
  else {
    const exp = suffix in DECIMAL ? (DECIMAL[suffix] as number) : Number(suffix.slice(1));
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den *= 10n ** BigInt(-exp);
  }
  return { num, den };
}

const of = (v: unknown): Fraction => parseQuantity(v) ?? { num: 0n, den: 1n };

/** Quantity.Cmp: -1, 0 or 1. */
export function cmpQuantity(a: unknown, b: unknown): number {
  const x = of(a);
  const y = of(b);
  const l = x.num * y.den;
  const r = y.num * x.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

export const signOf = (v: unknown): number => cmpQuantity(v, "0");

const ceilDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
};

/** Quantity.Value(): rounded up to an integer. */
export const quantityValue = (v: unknown): bigint => {
  const f = of(v);
  return ceilDiv(f.num, f.den);
};

/** Quantity.MilliValue(). */
export const quantityMilliValue = (v: unknown): bigint => {
  const f = of(v);
  return ceilDiv(f.num * 1000n, f.den);
};

/** Quantity.Add: the sum, printed in the first quantity's format (its suffix family), as Go keeps it. */
export function addQuantities(a: unknown, b: unknown): string {
  const x = of(a);
  const y = of(b);
  const num = x.num * y.den + y.num * x.den;
  const den = x.den * y.den;
  const binary = typeof a === "string" && /(Ki|Mi|Gi|Ti|Pi|Ei)$/.test(a.trim());
  // Spelled in units fine enough to be exact: bytes in Ki for binary sums, nano-units for decimal ones.
  if (binary && num % den === 0n) {
    const bytes = num / den;
    if (bytes % 1024n === 0n) return formatQuantity(`${bytes / 1024n}Ki`);
    return formatQuantity(`${bytes}`);
  }
  const nanos = (num * 1_000_000_000n) / den;
  return formatQuantity(`${nanos}n`);
}

const FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

/** Why resource.ParseQuantity refuses a quantity's spelling (kube's decoder answers 400 with it), if it does. */
export function quantitySyntaxError(v: unknown): string | undefined {
  if (typeof v !== "string") return undefined;
  const s = v.trim();
  if (s === "") return FORMAT_WRONG;
  let i = s[0] === "-" || s[0] === "+" ? 1 : 0;
  while (isDigit(s[i])) i++;
  if (s[i] === ".") {
    i++;
    while (isDigit(s[i])) i++;
  }
  const suffixStart = i;
  while (i < s.length && "eEinumkKMGTP".includes(s[i] as string)) i++;
  if (i < s.length) {
    if (s[i] === "-" || s[i] === "+") i++;
    while (isDigit(s[i])) i++;
    if (i < s.length) return FORMAT_WRONG;
  }
  const suffix = s.slice(suffixStart);
  const known = suffix in DECIMAL || suffix in BINARY || (/^[eE][+-]?\d+$/.test(suffix) && suffix.length > 1);
  return known ? undefined : "unable to parse quantity's suffix";
}
