import { isIPv6 } from "node:net";
import { annotationProblems, labelValueProblems, qualifiedNameProblems } from "../metadata-validation.ts";
import { nameRules } from "../validation.ts";
import { type FieldError, forbidden, fromCauses, invalid, n, notSupported, q, raw, required } from "./field-errors.ts";
import { goStructJson } from "./go-structs.ts";

// The value checks kube's validators share (apimachinery util/validation, meta/v1 validation, labels), with
// kube's messages, plus small helpers for reading the JSON of a decoded object.

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
export const obj = (v: unknown): Obj => (isObj(v) ? v : {});
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const objs = (v: unknown): Obj[] => list(v).map(obj);
export const str = (v: unknown): string => (typeof v === "string" ? v : "");
export const num = (v: unknown): number => (typeof v === "number" ? v : 0);
export const isNil = (v: unknown): boolean => v === undefined || v === null;
/** Go's len() of a slice, map or string. */
export const len = (v: unknown): number =>
  Array.isArray(v) ? v.length : isObj(v) ? Object.keys(v).length : typeof v === "string" ? v.length : 0;
/** A map's keys in a fixed order (Go visits maps in random order; kube's output then varies, ours does not). */
export const keys = (v: unknown): string[] => Object.keys(obj(v)).sort();

export const child = (path: string, name: string): string => (path ? `${path}.${name}` : name);
export const index = (path: string, i: number): string => `${path}[${i}]`;
export const key = (path: string, k: string): string => `${path}[${k}]`;

export const IS_NEGATIVE = "must be greater than or equal to 0";
export const IMMUTABLE = "field is immutable";

export const dns1123Label = (v: string): string[] => nameRules.label(v);
export const dns1123Subdomain = (v: string): string[] => nameRules.subdomain(v);
export const dns1035Label = (v: string): string[] => nameRules.dns1035(v);
export const pathSegmentName = (v: string): string[] => nameRules.pathSegment(v);
export const qualifiedName = qualifiedNameProblems;
export const labelValue = labelValueProblems;

/** Invalid causes, one per message, for a string value. */
export const each = (path: string, value: string, msgs: string[]): FieldError[] =>
  msgs.map((m) => invalid(path, q(value), m));

export const validateDNS1123Label = (v: string, path: string) => each(path, v, dns1123Label(v));
export const validateDNS1123Subdomain = (v: string, path: string) => each(path, v, dns1123Subdomain(v));
export const validateQualifiedName = (v: string, path: string) => each(path, v, qualifiedName(v));
export const validateLabelName = (v: string, path: string) => each(path, v, qualifiedName(v));

export function validateNonnegative(value: number, path: string): FieldError[] {
  return value < 0 ? [invalid(path, n(value), IS_NEGATIVE)] : [];
}

export const inclusiveRange = (lo: number, hi: number) => `must be between ${lo} and ${hi}, inclusive`;

export function portNumProblems(port: number): string[] {
  return port >= 1 && port <= 65535 ? [] : [inclusiveRange(1, 65535)];
}

export function portNameProblems(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push("must be no more than 15 characters");
  if (!/^[-a-z0-9]+$/.test(port)) errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(port)) errs.push("must contain at least one letter (a-z)");
  if (port.includes("--")) errs.push("must not contain consecutive hyphens");
  if (port.length > 0 && (port.startsWith("-") || port.endsWith("-"))) errs.push("must not begin or end with a hyphen");
  return errs;
}

/** ValidatePortNumOrName of an IntOrString. */
export function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === "string") return each(path, port, portNameProblems(port));
  const p = num(port);
  return portNumProblems(p).map((m) => invalid(path, n(p), m));
}

const regexError = (msg: string, fmt: string, ...examples: string[]) =>
  examples.length === 0
    ? `${msg} (regex used for validation is '${fmt}')`
    : `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(" or ")}regex used for validation is '${fmt}')`;

function chDirPrefix(v: string): string[] {
  if (v === ".") return ["must not be '.'"];
  if (v === "..") return ["must not be '..'"];
  if (v.startsWith("..")) return ["must not start with '..'"];
  return [];
}

export function configMapKeyProblems(v: string): string[] {
  return [
    ...(v.length > 253 ? ["must be no more than 253 characters"] : []),
    ...(/^[-._a-zA-Z0-9]+$/.test(v)
      ? []
      : [
          regexError(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
            "[-._a-zA-Z0-9]+",
            "key.name",
            "KEY_NAME",
            "key-name",
          ),
        ]),
    ...chDirPrefix(v),
  ];
}

export function envVarNameProblems(v: string): string[] {
  return [
    ...(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(v)
      ? []
      : [
          regexError(
            "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
            "[-._a-zA-Z][-._a-zA-Z0-9]*",
            "my.env-name",
            "MY_ENV.NAME",
            "MyEnvName1",
          ),
        ]),
    ...chDirPrefix(v),
  ];
}

/** IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation is on in 1.35). */
export function relaxedEnvVarNameProblems(v: string): string[] {
  const errs = v.length === 0 ? ["environment variable name must be non-empty"] : [];
  for (const ch of v) {
    const c = ch.codePointAt(0) as number;
    if (c > 0x7e || c < 0x20 || ch === "=") {
      errs.push("a valid environment variable name must consist only of printable ASCII characters other than '='");
      break;
    }
  }
  return errs;
}

export function percentProblems(v: string): string[] {
  return /^[0-9]+%$/.test(v)
    ? []
    : [regexError("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", "1%", "93%")];
}

export function httpHeaderNameProblems(v: string): string[] {
  return /^[-A-Za-z0-9]+$/.test(v)
    ? []
    : [
        regexError(
          "a valid HTTP header must consist of alphanumeric characters or '-'",
          "[-A-Za-z0-9]+",
          "X-Header-Name",
        ),
      ];
}

/** Go's net.ParseIP as netutils.ParseIPSloppy uses it (IPv4 parts may have leading zeros). */
export function parseIPSloppy(v: string): "4" | "6" | undefined {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(v))
    return v.split(".").every((p) => Number(p) <= 255) ? "4" : undefined;
  if (v.includes("%") || !v.includes(":")) return undefined;
  return isIPv6(v) ? "6" : undefined;
}

/** IsValidIPForLegacyField, StrictIPCIDRValidation off (its 1.35 default). */
export function validateIPForLegacyField(path: string, value: string, validOld: string[] = []): FieldError[] {
  if (validOld.includes(value) || parseIPSloppy(value)) return [];
  return [invalid(path, q(value), "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")];
}

/** netutils.ParseCIDRSloppy: the address and prefix length, or undefined. */
export function parseCIDRSloppy(v: string): { family: "4" | "6"; ip: string; bits: number } | undefined {
  const slash = v.indexOf("/");
  if (slash < 0) return undefined;
  const ip = v.slice(0, slash);
  const bitsText = v.slice(slash + 1);
  const family = parseIPSloppy(ip);
  if (!family || !/^\d+$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > (family === "4" ? 32 : 128)) return undefined;
  return { family, ip, bits };
}

export function validateCIDRForLegacyField(path: string, value: string, validOld: string[] = []): FieldError[] {
  if (validOld.includes(value) || parseCIDRSloppy(value)) return [];
  return [invalid(path, q(value), "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")];
}

/** ValidateLabels: each key a qualified name, each value a label value (keys visited in a fixed order). */
export function validateLabels(labels: unknown, path: string): FieldError[] {
  const out: FieldError[] = [];
  const m = obj(labels);
  for (const k of keys(m)) {
    out.push(...validateLabelName(k, path));
    const v = str(m[k]);
    out.push(...each(path, v, labelValue(v)));
  }
  return out;
}

/** ValidateAnnotations of annotations at `path`. */
export const validateAnnotations = (a: unknown, path: string): FieldError[] => fromCauses(annotationProblems(a, path));

const SELECTOR_OPS = ["In", "NotIn", "Exists", "DoesNotExist"];

/** ValidateLabelSelector (AllowInvalidLabelValueInSelector off unless told). */
export function validateLabelSelector(sel: unknown, path: string, allowInvalidValues = false): FieldError[] {
  if (isNil(sel)) return [];
  const s = obj(sel);
  const out = validateLabels(s.matchLabels, child(path, "matchLabels"));
  objs(s.matchExpressions).forEach((e, i) => {
    const p = index(child(path, "matchExpressions"), i);
    const op = str(e.operator);
    const values = list(e.values);
    if (op === "In" || op === "NotIn") {
      if (values.length === 0)
        out.push(required(child(p, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (op === "Exists" || op === "DoesNotExist") {
      if (values.length > 0)
        out.push(forbidden(child(p, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else out.push(invalid(child(p, "operator"), q(op), "not a valid selector operator"));
    out.push(...validateLabelName(str(e.key), child(p, "key")));
    if (!allowInvalidValues)
      values.forEach((v, vi) => {
        out.push(...each(index(child(p, "values"), vi), str(v), labelValue(str(v))));
      });
  });
  return out;
}

/** A label selector as labels.Selector: what it matches, or undefined where LabelSelectorAsSelector fails. */
export interface Selector {
  /** Everything() (an empty selector), which the "does not match template labels" checks skip. */
  empty: boolean;
  matches(labels: unknown): boolean;
}

export function labelSelectorAsSelector(sel: unknown): Selector | undefined {
  if (isNil(sel)) return { empty: false, matches: () => false };
  const s = obj(sel);
  const ml = obj(s.matchLabels);
  const exprs = objs(s.matchExpressions);
  if (len(ml) + exprs.length === 0) return { empty: true, matches: () => true };
  const reqs: ((l: Obj) => boolean)[] = [];
  for (const k of keys(ml)) {
    const v = str(ml[k]);
    if (qualifiedName(k).length || labelValue(v).length) return undefined;
    reqs.push((l) => k in l && l[k] === v);
  }
  for (const e of exprs) {
    const k = str(e.key);
    const op = str(e.operator);
    const values = list(e.values).map(str);
    if (!SELECTOR_OPS.includes(op) || qualifiedName(k).length) return undefined;
    if ((op === "In" || op === "NotIn") && values.length === 0) return undefined;
    if ((op === "Exists" || op === "DoesNotExist") && values.length) return undefined;
    if (values.some((v) => labelValue(v).length)) return undefined;
    if (op === "In") reqs.push((l) => k in l && values.includes(str(l[k])));
    else if (op === "NotIn") reqs.push((l) => !(k in l) || !values.includes(str(l[k])));
    else if (op === "Exists") reqs.push((l) => k in l);
    else reqs.push((l) => !(k in l));
  }
  return { empty: false, matches: (labels) => reqs.every((r) => r(obj(labels))) };
}

/** A map[string]string selector (Service, ReplicationController) as labels.Set.AsSelector(). */
export function setSelector(sel: unknown): Selector {
  const m = obj(sel);
  const ks = keys(m);
  return { empty: ks.length === 0, matches: (labels) => ks.every((k) => k in obj(labels) && obj(labels)[k] === m[k]) };
}

/** The JSON Go prints for a *metav1.LabelSelector. */
export const selectorValue = (sel: unknown) => raw(goStructJson("*metav1.LabelSelector", sel));

/** ValidateImmutableField with the value printed as its internal Go type. */
export function validateImmutable(
  type: string,
  next: unknown,
  old: unknown,
  path: string,
  print: (v: unknown) => string = (v) => goStructJson(type, v),
): FieldError[] {
  const a = goStructJson(type, next, { stored: true });
  const b = goStructJson(type, old, { stored: true });
  return a === b ? [] : [invalid(path, raw(print(next)), IMMUTABLE)];
}

/** NotSupported for a Go string field. */
export const unsupported = (path: string, value: string, valid: readonly string[]) =>
  notSupported(path, q(value), valid);

const HTTP_PATH = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

/** IsDomainPrefixedPath (a Job's managedBy, an IngressClass's controller). */
export function domainPrefixedPath(path: string, v: string): FieldError[] {
  if (!v) return [required(path)];
  const slash = v.indexOf("/");
  if (slash <= 0 || slash === v.length - 1)
    return [invalid(path, q(v), 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const host = v.slice(0, slash);
  const rest = v.slice(slash + 1);
  const out = each(path, host, dns1123Subdomain(host));
  if (!HTTP_PATH.test(rest))
    out.push(invalid(path, q(rest), "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')"));
  return out;
}
