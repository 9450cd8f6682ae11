// The Kubernetes CEL libraries of kube-apiserver 1.35 (apiserver/pkg/cel/library), on @marcbachmann/cel-js, shared by
// every CEL environment of the server (admission expressions and CRD x-kubernetes-validations use the same set, as
// in kube): strings (charAt, replace, reverse, quote), lists (isSorted, sum, min, max, indexOf, lastIndexOf, slice,
// flatten, distinct, sort), regex (find, findAll), url, quantity, ip and cidr, sets, base64, math.greatest/least,
// and an authorizer (evk authorizes every authenticated request, so its checks allow). Pure.
import { isIP } from "node:net";
import { canonicalQuantity, cmpQuantity, formatQuantity, parseQuantity, quantitySyntaxError } from "@evk/kube";
import { Environment } from "@marcbachmann/cel-js";

/** Thrown by the library functions; its message becomes the evaluation error kube would give. */
export class CelRuntimeError extends Error {}

// ---- values ---------------------------------------------------------------------------------------------------

const isList = (v: unknown): v is unknown[] => Array.isArray(v);
const num = (v: unknown): number => (typeof v === "bigint" ? Number(v) : (v as number));
const cmp = (a: unknown, b: unknown): number => {
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  const x = num(a);
  const y = num(b);
  return x < y ? -1 : x > y ? 1 : 0;
};
const sameValue = (a: unknown, b: unknown): boolean => {
  if ((typeof a === "bigint" || typeof a === "number") && (typeof b === "bigint" || typeof b === "number"))
    return num(a) === num(b);
  if (isList(a) && isList(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return a === b;
};

// ---- library types ---------------------------------------------------------------------------------------------

class Quantity {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
}
class URLValue {
  readonly url: URL;
  readonly raw: string;
  constructor(raw: string, url: URL) {
    this.raw = raw;
    this.url = url;
  }
}
class IPValue {
  readonly addr: string;
  readonly family: 4 | 6;
  constructor(addr: string) {
    this.addr = addr;
    this.family = isIP(addr) === 6 ? 6 : 4;
  }
}
class CIDRValue {
  readonly ip: IPValue;
  readonly bits: number;
  constructor(ip: IPValue, bits: number) {
    this.ip = ip;
    this.bits = bits;
  }
}
class SetsNamespace {}
class StringsNamespace {}
class Base64Namespace {}
class MathNamespace {}
class Authorizer {}
class PathCheck {
  readonly path: string;
  constructor(path: string) {
    this.path = path;
  }
}
class GroupCheck {
  readonly group: string;
  constructor(group: string) {
    this.group = group;
  }
}
class ResourceCheck {
  readonly resource: string;
  constructor(resource: string) {
    this.resource = resource;
  }
}
class Decision {}

function parseIPStrict(s: string): IPValue | undefined {
  // kube's library refuses zones and IPv4-mapped IPv6 spellings.
  if (s.includes("%") || !isIP(s)) return undefined;
  if (isIP(s) === 6 && /\d+\.\d+\.\d+\.\d+$/.test(s)) return undefined;
  return new IPValue(s);
}

function ipBytes(ip: IPValue): number[] {
  if (ip.family === 4) return ip.addr.split(".").map(Number);
  const [head = "", tail = ""] = ip.addr.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = ip.addr.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  return groups.flatMap((g) => {
    const n = Number.parseInt(g || "0", 16);
    return [n >> 8, n & 0xff];
  });
}

function inPrefix(addr: number[], base: number[], bits: number): boolean {
  if (addr.length !== base.length) return false;
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if (((addr[byte] as number) & mask) !== ((base[byte] as number) & mask)) return false;
  }
  return true;
}

function parseCIDR(s: string): CIDRValue | undefined {
  const [addr = "", bits, ...rest] = s.split("/");
  if (rest.length || bits === undefined || !/^\d+$/.test(bits)) return undefined;
  const ip = parseIPStrict(addr);
  const n = Number(bits);
  if (!ip || n > (ip.family === 4 ? 32 : 128)) return undefined;
  return new CIDRValue(ip, n);
}

function quantityOf(s: string): Quantity {
  if (quantitySyntaxError(s) || !parseQuantity(s))
    throw new CelRuntimeError(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
  return new Quantity(s);
}

function goRegexp(re: string): RegExp {
  // RE2 and JavaScript agree on the syntax policies use; RE2's (?i) flag prefix is translated.
  const m = /^\(\?([imsU]+)\)/.exec(re);
  const flags = m ? [...new Set((m[1] as string).replace("U", "").split(""))].join("") : "";
  return new RegExp(m ? re.slice(m[0].length) : re, flags);
}

/** Go's strconv.Quote of a string (strings.quote). */
function quote(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

// ---- the environment -------------------------------------------------------------------------------------------

/** A new environment with the Kubernetes libraries; callers declare their own variables on it. */
export function kubernetesEnvironment(options: { unlistedVariablesAreDyn?: boolean } = {}): Environment {
  const env = new Environment({ ...options, enableOptionalTypes: true, homogeneousAggregateLiterals: false });
  env
    // strings
    .registerFunction("string.charAt(int): string", (s: string, i: bigint) => {
      const chars = [...s];
      if (i < 0n || i > BigInt(chars.length)) throw new CelRuntimeError(`index out of range: ${i}`);
      return chars[Number(i)] ?? "";
    })
    .registerFunction("string.replace(string, string): string", (s: string, a: string, b: string) => s.split(a).join(b))
    .registerFunction("string.replace(string, string, int): string", (s: string, a: string, b: string, n: bigint) => {
      if (n < 0n) return s.split(a).join(b);
      let out = s;
      let from = 0;
      for (let k = 0n; k < n; k++) {
        const at = out.indexOf(a, from);
        if (at < 0) break;
        out = out.slice(0, at) + b + out.slice(at + a.length);
        from = at + b.length;
      }
      return out;
    })
    .registerFunction("string.reverse(): string", (s: string) => [...s].reverse().join(""))
    .registerFunction("string.find(string): string", (s: string, re: string) => goRegexp(re).exec(s)?.[0] ?? "")
    .registerFunction("string.findAll(string): list<string>", (s: string, re: string) => {
      const r = goRegexp(re);
      return [...s.matchAll(new RegExp(r.source, `${r.flags}g`))].map((m) => m[0]);
    })
    .registerFunction("string.findAll(string, int): list<string>", (s: string, re: string, n: bigint) => {
      const r = goRegexp(re);
      const all = [...s.matchAll(new RegExp(r.source, `${r.flags}g`))].map((m) => m[0]);
      return n < 0n ? all : all.slice(0, Number(n));
    })
    // lists
    .registerFunction("list.isSorted(): bool", (l: unknown[]) => l.every((x, i) => i === 0 || cmp(l[i - 1], x) <= 0))
    .registerFunction("list.sum(): dyn", (l: unknown[]) => {
      if (l.length === 0) return 0n;
      return l.reduce((a, b) => (typeof a === "bigint" && typeof b === "bigint" ? a + b : num(a) + num(b)));
    })
    .registerFunction("list.min(): dyn", (l: unknown[]) => {
      if (!l.length) throw new CelRuntimeError("min called on empty list");
      return l.reduce((a, b) => (cmp(b, a) < 0 ? b : a));
    })
    .registerFunction("list.max(): dyn", (l: unknown[]) => {
      if (!l.length) throw new CelRuntimeError("max called on empty list");
      return l.reduce((a, b) => (cmp(b, a) > 0 ? b : a));
    })
    .registerFunction("list.indexOf(dyn): int", (l: unknown[], x: unknown) =>
      BigInt(l.findIndex((y) => sameValue(x, y))),
    )
    .registerFunction("list.lastIndexOf(dyn): int", (l: unknown[], x: unknown) =>
      BigInt(l.findLastIndex((y) => sameValue(x, y))),
    )
    .registerFunction("list.slice(int, int): list", (l: unknown[], a: bigint, b: bigint) => {
      if (a < 0n || b < a || b > BigInt(l.length))
        throw new CelRuntimeError(`cannot slice(${a}, ${b}), list is length ${l.length}`);
      return l.slice(Number(a), Number(b));
    })
    .registerFunction("list.flatten(): list", (l: unknown[]) => l.flatMap((x) => (isList(x) ? x : [x])))
    .registerFunction("list.distinct(): list", (l: unknown[]) =>
      l.filter((x, i) => l.findIndex((y) => sameValue(x, y)) === i),
    )
    .registerFunction("list.sort(): list", (l: unknown[]) => [...l].sort(cmp))
    .registerFunction("list.reverse(): list", (l: unknown[]) => [...l].reverse())
    // url
    .registerType("net.URL", URLValue)
    .registerFunction("url(string): net.URL", (s: string) => {
      try {
        if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s) && !s.startsWith("/")) throw new Error();
        return new URLValue(s, new URL(s, "http://relative.invalid"));
      } catch {
        throw new CelRuntimeError(
          `URL parse error during conversion from string: parse "${s}": invalid URI for request`,
        );
      }
    })
    .registerFunction("isURL(string): bool", (s: string) => {
      if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s) && !s.startsWith("/")) return false;
      try {
        new URL(s, "http://relative.invalid");
        return true;
      } catch {
        return false;
      }
    })
    .registerFunction("net.URL.getScheme(): string", (u: URLValue) =>
      /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(u.raw) ? u.url.protocol.slice(0, -1) : "",
    )
    .registerFunction("net.URL.getHost(): string", (u: URLValue) =>
      u.url.hostname === "relative.invalid" ? "" : u.url.host,
    )
    .registerFunction("net.URL.getHostname(): string", (u: URLValue) =>
      u.url.hostname === "relative.invalid" ? "" : u.url.hostname.replace(/^\[|\]$/g, ""),
    )
    .registerFunction("net.URL.getPort(): string", (u: URLValue) => u.url.port)
    .registerFunction("net.URL.getEscapedPath(): string", (u: URLValue) => u.url.pathname)
    .registerFunction("net.URL.getQuery(): map<string, list<string>>", (u: URLValue) => {
      const out: Record<string, string[]> = {};
      for (const [k, v] of u.url.searchParams) {
        out[k] ??= [];
        out[k].push(v);
      }
      return out;
    })
    // quantity
    .registerType("kubernetes.Quantity", Quantity)
    .registerFunction("quantity(string): kubernetes.Quantity", quantityOf)
    .registerFunction("isQuantity(string): bool", (s: string) => !quantitySyntaxError(s) && Boolean(parseQuantity(s)))
    .registerFunction("kubernetes.Quantity.sign(): int", (q: Quantity) => BigInt(cmpQuantity(q.value, "0")))
    .registerFunction(
      "kubernetes.Quantity.isGreaterThan(kubernetes.Quantity): bool",
      (a: Quantity, b: Quantity) => cmpQuantity(a.value, b.value) > 0,
    )
    .registerFunction(
      "kubernetes.Quantity.isLessThan(kubernetes.Quantity): bool",
      (a: Quantity, b: Quantity) => cmpQuantity(a.value, b.value) < 0,
    )
    .registerFunction("kubernetes.Quantity.compareTo(kubernetes.Quantity): int", (a: Quantity, b: Quantity) =>
      BigInt(cmpQuantity(a.value, b.value)),
    )
    .registerFunction("kubernetes.Quantity.isInteger(): bool", (q: Quantity) => {
      const f = parseQuantity(q.value);
      return Boolean(f && f.num % f.den === 0n);
    })
    .registerFunction("kubernetes.Quantity.asInteger(): int", (q: Quantity) => {
      const f = parseQuantity(q.value);
      if (!f || f.num % f.den !== 0n) throw new CelRuntimeError("cannot convert value to integer");
      return f.num / f.den;
    })
    .registerFunction("kubernetes.Quantity.asApproximateFloat(): double", (q: Quantity) => {
      const f = parseQuantity(q.value);
      return f ? Number(f.num) / Number(f.den) : 0;
    })
    .registerFunction(
      "kubernetes.Quantity.add(kubernetes.Quantity): kubernetes.Quantity",
      (a: Quantity, b: Quantity) => new Quantity(sumQuantities(a.value, b.value, 1n)),
    )
    .registerFunction(
      "kubernetes.Quantity.add(int): kubernetes.Quantity",
      (a: Quantity, b: bigint) => new Quantity(sumQuantities(a.value, String(b), 1n)),
    )
    .registerFunction(
      "kubernetes.Quantity.sub(kubernetes.Quantity): kubernetes.Quantity",
      (a: Quantity, b: Quantity) => new Quantity(sumQuantities(a.value, b.value, -1n)),
    )
    .registerFunction(
      "kubernetes.Quantity.sub(int): kubernetes.Quantity",
      (a: Quantity, b: bigint) => new Quantity(sumQuantities(a.value, String(b), -1n)),
    )
    .registerOperator(
      "kubernetes.Quantity == kubernetes.Quantity",
      (a: Quantity, b: Quantity) => cmpQuantity(a.value, b.value) === 0,
    )
    // ip and cidr
    .registerType("net.IP", IPValue)
    .registerType("net.CIDR", CIDRValue)
    .registerFunction("isIP(string): bool", (s: string) => parseIPStrict(s) !== undefined)
    .registerFunction("ip(string): net.IP", (s: string) => {
      const ip = parseIPStrict(s);
      if (!ip)
        throw new CelRuntimeError(
          `IP Address "${s}" parse error during conversion from string: ParseAddr("${s}"): unable to parse IP`,
        );
      return ip;
    })
    .registerFunction("net.IP.family(): int", (ip: IPValue) => BigInt(ip.family))
    .registerFunction("net.IP.isUnspecified(): bool", (ip: IPValue) => ipBytes(ip).every((b) => b === 0))
    .registerFunction("net.IP.isLoopback(): bool", (ip: IPValue) =>
      ip.family === 4 ? ip.addr.startsWith("127.") : ipBytes(ip).every((b, i) => b === (i === 15 ? 1 : 0)),
    )
    .registerFunction("net.IP.isGlobalUnicast(): bool", (ip: IPValue) => {
      const b = ipBytes(ip);
      if (ip.family === 4)
        return !(
          b[0] === 0 ||
          b[0] === 127 ||
          (b[0] as number) >= 224 ||
          (b[0] === 169 && b[1] === 254) ||
          b.every((x) => x === 255)
        );
      return !(
        b.every((x) => x === 0) ||
        b[0] === 0xff ||
        (b[0] === 0xfe && ((b[1] as number) & 0xc0) === 0x80) ||
        b.every((x, i) => x === (i === 15 ? 1 : 0))
      );
    })
    .registerFunction("net.IP.isLinkLocalUnicast(): bool", (ip: IPValue) => {
      const b = ipBytes(ip);
      return ip.family === 4 ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && ((b[1] as number) & 0xc0) === 0x80;
    })
    .registerFunction("net.IP.isLinkLocalMulticast(): bool", (ip: IPValue) => {
      const b = ipBytes(ip);
      return ip.family === 4
        ? b[0] === 224 && b[1] === 0 && b[2] === 0
        : b[0] === 0xff && ((b[1] as number) & 0x0f) === 2;
    })
    .registerFunction("string(net.IP): string", (ip: IPValue) => (ip.family === 4 ? ip.addr : canonicalIPv6(ip)))
    .registerFunction("isCIDR(string): bool", (s: string) => parseCIDR(s) !== undefined)
    .registerFunction("cidr(string): net.CIDR", (s: string) => {
      const c = parseCIDR(s);
      if (!c)
        throw new CelRuntimeError(
          `network address "${s}" parse error during conversion from string: netip.ParsePrefix("${s}"): bad prefix`,
        );
      return c;
    })
    .registerFunction("net.CIDR.containsIP(string): bool", (c: CIDRValue, s: string) => {
      const ip = parseIPStrict(s);
      return Boolean(ip && inPrefix(ipBytes(ip), ipBytes(c.ip), c.bits));
    })
    .registerFunction("net.CIDR.containsIP(net.IP): bool", (c: CIDRValue, ip: IPValue) =>
      inPrefix(ipBytes(ip), ipBytes(c.ip), c.bits),
    )
    .registerFunction("net.CIDR.containsCIDR(string): bool", (c: CIDRValue, s: string) => {
      const o = parseCIDR(s);
      return Boolean(o && o.bits >= c.bits && inPrefix(ipBytes(o.ip), ipBytes(c.ip), c.bits));
    })
    .registerFunction(
      "net.CIDR.containsCIDR(net.CIDR): bool",
      (c: CIDRValue, o: CIDRValue) => o.bits >= c.bits && inPrefix(ipBytes(o.ip), ipBytes(c.ip), c.bits),
    )
    .registerFunction("net.CIDR.ip(): net.IP", (c: CIDRValue) => c.ip)
    .registerFunction("net.CIDR.prefixLength(): int", (c: CIDRValue) => BigInt(c.bits))
    // sets, base64, math
    .registerType("kubernetes.SetsNamespace", SetsNamespace)
    .registerConstant("sets", "kubernetes.SetsNamespace", new SetsNamespace())
    .registerFunction(
      "kubernetes.SetsNamespace.contains(list, list): bool",
      (_n: unknown, a: unknown[], b: unknown[]) => b.every((x) => a.some((y) => sameValue(x, y))),
    )
    .registerFunction(
      "kubernetes.SetsNamespace.equivalent(list, list): bool",
      (_n: unknown, a: unknown[], b: unknown[]) =>
        b.every((x) => a.some((y) => sameValue(x, y))) && a.every((x) => b.some((y) => sameValue(x, y))),
    )
    .registerFunction(
      "kubernetes.SetsNamespace.intersects(list, list): bool",
      (_n: unknown, a: unknown[], b: unknown[]) => b.some((x) => a.some((y) => sameValue(x, y))),
    )
    .registerType("kubernetes.StringsNamespace", StringsNamespace)
    .registerConstant("strings", "kubernetes.StringsNamespace", new StringsNamespace())
    .registerFunction("kubernetes.StringsNamespace.quote(string): string", (_n: unknown, s: string) => quote(s))
    .registerType("kubernetes.Base64Namespace", Base64Namespace)
    .registerConstant("base64", "kubernetes.Base64Namespace", new Base64Namespace())
    .registerFunction("kubernetes.Base64Namespace.encode(bytes): string", (_n: unknown, b: Uint8Array) =>
      Buffer.from(b).toString("base64"),
    )
    .registerFunction("kubernetes.Base64Namespace.decode(string): bytes", (_n: unknown, s: string) => {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new CelRuntimeError("illegal base64 data");
      return new Uint8Array(Buffer.from(s, "base64"));
    })
    .registerType("kubernetes.MathNamespace", MathNamespace)
    .registerConstant("math", "kubernetes.MathNamespace", new MathNamespace())
    .registerFunction("kubernetes.MathNamespace.greatest(list): dyn", (_n: unknown, l: unknown[]) => {
      if (!l.length) throw new CelRuntimeError("math.@max(list) argument must not be empty");
      return l.reduce((a, b) => (cmp(b, a) > 0 ? b : a));
    })
    .registerFunction("kubernetes.MathNamespace.least(list): dyn", (_n: unknown, l: unknown[]) => {
      if (!l.length) throw new CelRuntimeError("math.@min(list) argument must not be empty");
      return l.reduce((a, b) => (cmp(b, a) < 0 ? b : a));
    });
  return env;
}

/** The authorizer library: evk authorizes every authenticated request, so each check is an "allow". */
export function withAuthorizer(env: Environment): Environment {
  return env
    .registerType("kubernetes.authorization.PathCheck", PathCheck)
    .registerType("kubernetes.authorization.GroupCheck", GroupCheck)
    .registerType("kubernetes.authorization.ResourceCheck", ResourceCheck)
    .registerType("kubernetes.authorization.Decision", Decision)
    .registerType("kubernetes.authorization.Authorizer", {
      ctor: Authorizer,
      fields: { requestResource: "kubernetes.authorization.ResourceCheck" },
    })
    .registerFunction(
      "kubernetes.authorization.Authorizer.path(string): kubernetes.authorization.PathCheck",
      (_a: Authorizer, p: string) => new PathCheck(p),
    )
    .registerFunction(
      "kubernetes.authorization.Authorizer.group(string): kubernetes.authorization.GroupCheck",
      (_a: Authorizer, g: string) => new GroupCheck(g),
    )
    .registerFunction(
      "kubernetes.authorization.Authorizer.serviceAccount(string, string): kubernetes.authorization.Authorizer",
      (a: Authorizer) => a,
    )
    .registerFunction(
      "kubernetes.authorization.GroupCheck.resource(string): kubernetes.authorization.ResourceCheck",
      (_g: GroupCheck, r: string) => new ResourceCheck(r),
    )
    .registerFunction(
      "kubernetes.authorization.ResourceCheck.subresource(string): kubernetes.authorization.ResourceCheck",
      (r: ResourceCheck) => r,
    )
    .registerFunction(
      "kubernetes.authorization.ResourceCheck.namespace(string): kubernetes.authorization.ResourceCheck",
      (r: ResourceCheck) => r,
    )
    .registerFunction(
      "kubernetes.authorization.ResourceCheck.name(string): kubernetes.authorization.ResourceCheck",
      (r: ResourceCheck) => r,
    )
    .registerFunction(
      "kubernetes.authorization.ResourceCheck.check(string): kubernetes.authorization.Decision",
      () => new Decision(),
    )
    .registerFunction(
      "kubernetes.authorization.PathCheck.check(string): kubernetes.authorization.Decision",
      () => new Decision(),
    )
    .registerFunction("kubernetes.authorization.Decision.allowed(): bool", () => true)
    .registerFunction("kubernetes.authorization.Decision.reason(): string", () => "")
    .registerFunction("kubernetes.authorization.Decision.errored(): bool", () => false)
    .registerFunction("kubernetes.authorization.Decision.error(): string", () => "")
    .registerVariable("authorizer", "kubernetes.authorization.Authorizer");
}

/** The `authorizer` variable's value. */
export function authorizerValue(): unknown {
  return Object.assign(new Authorizer(), { requestResource: new ResourceCheck("") });
}

function sumQuantities(a: string, b: string, sign: bigint): string {
  const x = parseQuantity(a) ?? { num: 0n, den: 1n };
  const y = parseQuantity(b) ?? { num: 0n, den: 1n };
  const numr = x.num * y.den + sign * y.num * x.den;
  const den = x.den * y.den;
  return String(canonicalQuantity(formatQuantity(`${(numr * 1_000_000_000n) / den}n`)));
}

function canonicalIPv6(ip: IPValue): string {
  const b = ipBytes(ip);
  const groups = Array.from({ length: 8 }, (_, i) =>
    (((b[2 * i] as number) << 8) | (b[2 * i + 1] as number)).toString(16),
  );
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
}
