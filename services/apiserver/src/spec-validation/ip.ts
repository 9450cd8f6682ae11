import { isIPv6 } from "node:net";

// IP addresses and CIDRs as Go parses and prints them (net.ParseIP through netutils.ParseIPSloppy, netip for
// strictness, net.IP.String for the canonical form), and apimachinery's IsValidIP / IsValidCIDR messages,
// which the service IP allocator's kinds (ServiceCIDR, IPAddress) are validated with.

/** An address as 16 bytes (IPv4 as its IPv4-mapped form, as Go keeps it) and the family it was written in. */
export interface ParsedIP {
  bytes: Uint8Array;
  family: "4" | "6";
  /** Written with a leading zero in an IPv4 part (ParseIPSloppy takes it, netip does not). */
  leadingZeros: boolean;
}

const V4_SLOPPY = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseV4(s: string): { bytes: number[]; leadingZeros: boolean } | undefined {
  const m = V4_SLOPPY.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return { bytes: parts, leadingZeros: m.slice(1).some((p) => p.length > 1 && p.startsWith("0")) };
}

/** netutils.ParseIPSloppy: IPv4 parts may carry leading zeros; no zones. */
export function parseIP(s: string): ParsedIP | undefined {
  const v4 = parseV4(s);
  if (v4) {
    const bytes = new Uint8Array(16);
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    bytes.set(v4.bytes, 12);
    return { bytes, family: "4", leadingZeros: v4.leadingZeros };
  }
  if (!s.includes(":") || s.includes("%") || !isIPv6(s)) return undefined;
  // An embedded IPv4 tail ("::ffff:1.2.3.4") is two more groups; Go parses it strictly.
  let text = s;
  const lastColon = s.lastIndexOf(":");
  const tailText = s.slice(lastColon + 1);
  if (tailText.includes(".")) {
    const v4 = parseV4(tailText);
    if (!v4 || v4.leadingZeros) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = v4.bytes;
    text = `${s.slice(0, lastColon + 1)}${(a * 256 + b).toString(16)}:${(c * 256 + d).toString(16)}`;
  }
  const [left = "", right] = text.split("::") as [string, string | undefined];
  const groups = (p: string) => (p === "" ? [] : p.split(":").map((g) => Number.parseInt(g, 16)));
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const words = right === undefined ? l : [...l, ...new Array(8 - l.length - r.length).fill(0), ...r];
  if (words.length !== 8 || words.some((w) => Number.isNaN(w))) return undefined;
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return { bytes, family: "6", leadingZeros: false };
}

const isMapped = (b: Uint8Array) => b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

/** net.IP.String(): dotted IPv4 for IPv4 (and IPv4-mapped) addresses, RFC 5952 for the rest. */
export function formatIP(b: Uint8Array): string {
  if (isMapped(b)) return [...b.slice(12)].join(".");
  const words = Array.from({ length: 8 }, (_, i) => ((b[2 * i] as number) << 8) | (b[2 * i + 1] as number));
  // The longest run of two or more zero groups (the first of equal ones) becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(":");
  if (best < 0) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

/** Strict parsing's verdict on an address ParseIPSloppy took (netip.ParseAddr, Is4In6). */
function strictIPProblems(ip: ParsedIP): string[] {
  const out: string[] = [];
  if (ip.leadingZeros) out.push("must not have leading 0s");
  if (ip.family === "6" && isMapped(ip.bytes)) out.push("must not be an IPv4-mapped IPv6 address");
  return out;
}

/** IsValidIP's messages (the value is reported with each). */
export function ipProblems(s: string): string[] {
  const ip = parseIP(s);
  if (!ip) return ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"];
  const strict = strictIPProblems(ip);
  if (strict.length) return strict;
  const canonical = formatIP(ip.bytes);
  return s === canonical ? [] : [`must be in canonical form (${JSON.stringify(canonical)})`];
}

export interface ParsedCIDR {
  ip: ParsedIP;
  bits: number;
}

/** netutils.ParseCIDRSloppy. */
export function parseCIDR(s: string): ParsedCIDR | undefined {
  const slash = s.indexOf("/");
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const bitsText = s.slice(slash + 1);
  if (!ip || !/^\d+$/.test(bitsText) || bitsText.length > 3) return undefined;
  const bits = Number(bitsText);
  if (bits > (ip.family === "4" ? 32 : 128)) return undefined;
  return { ip, bits };
}

/** The address with every bit after the first `bits` of its family cleared. */
function masked(c: ParsedCIDR): Uint8Array {
  const out = new Uint8Array(c.ip.bytes);
  const total = c.ip.family === "4" ? 96 + c.bits : c.bits;
  for (let i = 0; i < 128; i++) if (i >= total) out[i >> 3] = (out[i >> 3] as number) & ~(0x80 >> (i & 7));
  return out;
}

/** ipnet.String(). */
export function formatCIDR(c: ParsedCIDR): string {
  return `${formatIP(masked(c))}/${c.bits}`;
}

/** IsValidCIDR's messages. */
export function cidrProblems(s: string): string[] {
  const c = parseCIDR(s);
  if (!c) return ["must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"];
  const bitsText = s.slice(s.indexOf("/") + 1);
  if (c.ip.leadingZeros || (bitsText.length > 1 && bitsText.startsWith("0")))
    return ["must not have leading 0s in IP or prefix length"];
  if (c.ip.family === "6" && isMapped(c.ip.bytes)) return ["must not have an IPv4-mapped IPv6 address"];
  const m = masked(c);
  if (m.some((x, i) => x !== c.ip.bytes[i])) return ["must not have bits set beyond the prefix length"];
  const canonical = formatCIDR(c);
  return s === canonical ? [] : [`must be in canonical form (${JSON.stringify(canonical)})`];
}

/** The family of a CIDR (netutils.IPFamilyOfCIDRString), or undefined when it does not parse. */
export function cidrFamily(s: string): "4" | "6" | undefined {
  return parseCIDR(s)?.ip.family;
}

/** Whether `ip` lies in `cidr` (both as written; false when either does not parse). */
export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCIDR(cidr);
  const a = parseIP(ip);
  if (!c || !a || c.ip.family !== a.family) return false;
  const m = masked(c);
  const probe = masked({ ip: a, bits: c.bits });
  return m.every((x, i) => x === probe[i]);
}
