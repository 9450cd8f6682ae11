import {
  errors,
  goQuote,
  type KubeObject,
  type Status,
  type StatusDetails,
  StatusError,
  type StatusReason,
} from "@evk/kube";
import { type FieldError, forbidden, invalid, raw, toCauses } from "./spec-validation/field-errors.ts";

// The options of the pod subresources that reach a container (pods/log, exec, attach, portforward), read
// from the query the way kube-apiserver's parameter codec converts url.Values (k8s.io/api core/v1
// conversions: strconv for numbers, RFC3339 for times, "0"/"false" for false), validated as
// ValidatePodLogOptions does, the container chosen as the pod registry's validateContainer does, and the
// request for the pod's "kubelet" (syncer-pods' container-streams endpoint) built as LogLocation and
// streamLocation build the kubelet URL. Pure.

export type PodStreamSubresource = "log" | "exec" | "attach" | "portforward";

export const POD_STREAM_SUBRESOURCES: readonly PodStreamSubresource[] = ["log", "exec", "attach", "portforward"];

export const isPodStreamSubresource = (s: string | undefined): s is PodStreamSubresource =>
  POD_STREAM_SUBRESOURCES.includes(s as PodStreamSubresource);

// ---- Go's strconv and time parsing, with their error messages ----

/** strconv.ParseUint(s, 10, bitSize): throws an Error worded as Go's *NumError. */
export function goParseUint(s: string, bitSize: number, fn = "ParseUint", shown = s): bigint {
  const fail = (why: string) => new Error(`strconv.${fn}: parsing ${goQuote(shown)}: ${why}`);
  if (s === "") throw fail("invalid syntax");
  const max = (1n << BigInt(bitSize)) - 1n;
  let n = 0n;
  for (const c of s) {
    if (c < "0" || c > "9") throw fail("invalid syntax");
    n = n * 10n + BigInt(c.charCodeAt(0) - 48);
    // Go stops at the first overflow, before looking at the rest of the digits.
    if (n > max) throw fail("value out of range");
  }
  return n;
}

/** strconv.ParseInt(s, 10, bitSize). */
export function goParseInt(s: string, bitSize = 64): bigint {
  const neg = s.startsWith("-");
  const digits = s.startsWith("-") || s.startsWith("+") ? s.slice(1) : s;
  const un = goParseUint(digits, bitSize, "ParseInt", s);
  const cutoff = 1n << BigInt(bitSize - 1);
  if ((!neg && un >= cutoff) || (neg && un > cutoff))
    throw new Error(`strconv.ParseInt: parsing ${goQuote(s)}: value out of range`);
  return neg ? -un : un;
}

/** runtime.Convert_Slice_string_To_bool: only "0" and "false" (any case) are false; anything else, even "", is true. */
export const goBool = (s: string): boolean => !(s === "0" || s.toLowerCase() === "false");

/** The time package's own quote (not strconv's): bytes outside printable ASCII as \x escapes. */
function timeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c >= 0x80 || c < 0x20) for (const b of Buffer.from(ch)) out += `\\x${b.toString(16).padStart(2, "0")}`;
    else out += ch === '"' || ch === "\\" ? `\\${ch}` : ch;
  }
  return `${out}"`;
}

const RFC3339 = "2006-01-02T15:04:05Z07:00";
const isDigitAt = (s: string, i: number) => i < s.length && s[i] !== undefined && s[i] >= "0" && s[i] <= "9";

/** time's getnum: one or two digits (exactly two when fixed). */
function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!isDigitAt(s, 0)) return undefined;
  if (!isDigitAt(s, 1)) return fixed ? undefined : [Number(s[0]), s.slice(1)];
  return [Number(s.slice(0, 2)), s.slice(2)];
}

const daysIn = (month: number, year: number) =>
  month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31;

/**
 * time.Parse(time.RFC3339, s) as metav1.Time's UnmarshalQueryParameter calls it: the instant as RFC3339 in UTC
 * with whole seconds (what LogLocation's Format(time.RFC3339) keeps of it), or an Error with Go's ParseError text.
 * "" and "null" are the zero time.
 */
export function goParseRFC3339(value: string): string {
  if (value === "" || value === "null") return "0001-01-01T00:00:00Z";
  const cannot = (elem: string, rest: string) =>
    new Error(
      `parsing time ${timeQuote(value)} as ${timeQuote(RFC3339)}: cannot parse ${timeQuote(rest)} as ${timeQuote(elem)}`,
    );
  const outOfRange = (what: string) => new Error(`parsing time ${timeQuote(value)}: ${what} out of range`);
  let v = value;
  const skip = (prefix: string) => {
    for (const p of prefix) {
      if (v[0] !== p) throw cannot(prefix, v);
      v = v.slice(1);
    }
  };
  const num = (elem: string, fixed: boolean): number => {
    const r = getnum(v, fixed);
    if (!r) throw cannot(elem, v);
    v = r[1];
    return r[0];
  };
  if (v.length < 4 || !/^\d{4}/.test(v)) throw cannot("2006", v);
  const year = Number(v.slice(0, 4));
  v = v.slice(4);
  skip("-");
  const month = num("01", true);
  if (month <= 0 || month > 12) throw outOfRange("month");
  skip("-");
  const day = num("02", true);
  skip("T");
  const hourAt = v;
  const hourParsed = getnum(v, false);
  const hour = hourParsed?.[0] ?? 0;
  if (hour >= 24) throw outOfRange("hour");
  if (!hourParsed) throw cannot("15", hourAt);
  v = hourParsed[1];
  skip(":");
  const minuteAt = v;
  const minuteParsed = getnum(v, true);
  const minute = minuteParsed?.[0] ?? 0;
  if (minute >= 60) throw outOfRange("minute");
  if (!minuteParsed) throw cannot("04", minuteAt);
  v = minuteParsed[1];
  skip(":");
  const second = num("05", true);
  if (second >= 60) throw outOfRange("second");
  // A fractional second the layout does not name is still taken (and dropped by the RFC3339 format).
  if (v.length >= 2 && (v[0] === "." || v[0] === ",") && isDigitAt(v, 1)) {
    let n = 2;
    while (isDigitAt(v, n)) n++;
    v = v.slice(n);
  }
  let offsetSeconds = 0;
  if (v[0] === "Z") v = v.slice(1);
  else {
    const at = v;
    if (v.length < 6 || v[3] !== ":") throw cannot("Z07:00", at);
    const hh = getnum(v.slice(1, 3), true);
    const mm = getnum(v.slice(4, 6), true);
    const sign = v[0];
    // Go checks the hour, then the minute, and the last one out of range is the one it names.
    if (hh && mm && mm[0] > 60) throw outOfRange("time zone offset minute");
    if (hh && hh[0] > 24) throw outOfRange("time zone offset hour");
    if (!hh || !mm || (sign !== "+" && sign !== "-")) throw cannot("Z07:00", at);
    offsetSeconds = (sign === "-" ? -1 : 1) * (hh[0] * 3600 + mm[0] * 60);
    v = v.slice(6);
  }
  if (v !== "") throw new Error(`parsing time ${timeQuote(value)}: extra text: ${timeQuote(v)}`);
  if (day < 1 || day > daysIn(month, year)) throw outOfRange("day");
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second - offsetSeconds, 0);
  const pad = (x: number, w = 2) => String(x).padStart(w, "0");
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}Z`;
}

// ---- The options ----

/** The conversion of one query parameter, its error a 400 BadRequest carrying the converter's words. */
function convert<T>(q: URLSearchParams, key: string, f: (first: string, all: string[]) => T): T | undefined {
  const all = q.getAll(key);
  if (all.length === 0) return undefined;
  try {
    return f(all[0] as string, all);
  } catch (err) {
    throw errors.badRequest((err as Error).message);
  }
}

const bool = (q: URLSearchParams, key: string) => convert(q, key, goBool) ?? false;
const int64 = (q: URLSearchParams, key: string) => convert(q, key, (s) => goParseInt(s));
const str = (q: URLSearchParams, key: string) => convert(q, key, (s) => s) ?? "";

export interface PodLogOptions {
  container: string;
  follow: boolean;
  previous: boolean;
  sinceSeconds?: bigint;
  /** RFC3339, UTC, whole seconds. */
  sinceTime?: string;
  timestamps: boolean;
  tailLines?: bigint;
  limitBytes?: bigint;
  insecureSkipTLSVerifyBackend: boolean;
  stream?: string;
}

const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** v1.PodLogOptions from the query, field by field in the struct's order: the first bad one is the 400. */
export function parsePodLogOptions(q: URLSearchParams): PodLogOptions {
  return defined({
    container: str(q, "container"),
    follow: bool(q, "follow"),
    previous: bool(q, "previous"),
    sinceSeconds: int64(q, "sinceSeconds"),
    sinceTime: convert(q, "sinceTime", goParseRFC3339),
    timestamps: bool(q, "timestamps"),
    tailLines: int64(q, "tailLines"),
    limitBytes: int64(q, "limitBytes"),
    insecureSkipTLSVerifyBackend: bool(q, "insecureSkipTLSVerifyBackend"),
    stream: convert(q, "stream", (s) => s),
  });
}

/**
 * ValidatePodLogOptions with the PodLogsQuerySplitStreams gate off (its 1.35 default): `stream` may not be
 * given at all.
 */
export function podLogOptionsProblems(o: PodLogOptions): FieldError[] {
  const out: FieldError[] = [];
  if (o.tailLines !== undefined && o.tailLines < 0n)
    out.push(invalid("tailLines", raw(String(o.tailLines)), "must be greater than or equal to 0"));
  if (o.limitBytes !== undefined && o.limitBytes < 1n)
    out.push(invalid("limitBytes", raw(String(o.limitBytes)), "must be greater than 0"));
  if (o.sinceSeconds !== undefined && o.sinceTime !== undefined)
    out.push(forbidden("[]", "at most one of `sinceTime` or `sinceSeconds` may be specified"));
  else if (o.sinceSeconds !== undefined && o.sinceSeconds < 1n)
    out.push(invalid("sinceSeconds", raw(String(o.sinceSeconds)), "must be greater than 0"));
  if (o.stream !== undefined) out.push(forbidden("stream", "may not be specified"));
  return out;
}

/** The 422 for bad log options, named after the pod as kube names it. */
export function checkPodLogOptions(podName: string, o: PodLogOptions): void {
  const problems = podLogOptionsProblems(o);
  if (problems.length) throw errors.invalid("PodLogOptions", podName, toCauses(problems));
}

export interface PodExecOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  container: string;
  command: string[];
}

export type PodAttachOptions = Omit<PodExecOptions, "command">;

export function parsePodExecOptions(q: URLSearchParams): PodExecOptions {
  return { ...parsePodAttachOptions(q), command: q.getAll("command") };
}

export function parsePodAttachOptions(q: URLSearchParams): PodAttachOptions {
  return {
    stdin: bool(q, "stdin"),
    stdout: bool(q, "stdout"),
    stderr: bool(q, "stderr"),
    tty: bool(q, "tty"),
    container: str(q, "container"),
  };
}

export interface PodPortForwardOptions {
  ports: number[];
}

/** metav1.Convert_Slice_string_To_Slice_int32: every value, split at commas, each a 16-bit unsigned number. */
export function parsePodPortForwardOptions(q: URLSearchParams): PodPortForwardOptions {
  const ports =
    convert(q, "ports", (_first, all) =>
      all.flatMap((s) =>
        s.split(",").map((v) => {
          try {
            return Number(goParseUint(v, 16));
          } catch (err) {
            throw new Error(`cannot convert to []int32: ${(err as Error).message}`);
          }
        }),
      ),
    ) ?? [];
  return { ports };
}

// ---- The pod's container ----

interface Named {
  name?: string;
}

/** Every container of the pod in podutil.VisitContainers order: init containers, containers, ephemeral containers. */
export function containerNames(pod: KubeObject): string[] {
  const spec = (pod.spec ?? {}) as { initContainers?: Named[]; containers?: Named[]; ephemeralContainers?: Named[] };
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])].map(
    (c) => c.name ?? "",
  );
}

/**
 * validateContainer: a given container must be one of the pod's (init and ephemeral containers count); none
 * given is the only container, or a 400 listing the choices. kube-apiserver does not read
 * kubectl.kubernetes.io/default-container: kubectl does, and sends the container it picked.
 */
export function chooseContainer(pod: KubeObject, requested: string): string {
  const name = pod.metadata.name ?? "";
  if (requested !== "") {
    if (!containerNames(pod).includes(requested))
      throw errors.badRequest(`container ${requested} is not valid for pod ${name}`);
    return requested;
  }
  const containers = ((pod.spec as { containers?: Named[] } | undefined)?.containers ?? []).map((c) => c.name ?? "");
  if (containers.length === 1) return containers[0] as string;
  if (containers.length === 0) throw errors.badRequest(`a container name must be specified for pod ${name}`);
  throw errors.badRequest(
    `a container name must be specified for pod ${name}, choose one of: [${containerNames(pod).join(" ")}]`,
  );
}

/** streamLocation's refusal of a pod no node runs yet (logs instead answer 204 with no body). */
export function requireNode(pod: KubeObject): void {
  if (!(pod.spec as { nodeName?: string } | undefined)?.nodeName)
    throw errors.badRequest(`pod ${pod.metadata.name ?? ""} does not have a host assigned`);
}

// ---- The kubelet request ----

/** Go's url.Values.Encode: keys sorted, each key's values in order. */
function encodeValues(values: [string, string][]): string {
  const keys = [...new Set(values.map(([k]) => k))].sort();
  return keys
    .flatMap((k) =>
      values.filter(([key]) => key === k).map(([, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
    )
    .join("&");
}

const seg = encodeURIComponent;

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export type PodStreamOptions =
  | { subresource: "log"; options: PodLogOptions }
  | { subresource: "exec"; options: PodExecOptions }
  | { subresource: "attach"; options: PodAttachOptions }
  | { subresource: "portforward"; options: PodPortForwardOptions };

/**
 * The path and query on the pod's kubelet: kubelet's own routes (/containerLogs/{ns}/{pod}/{container},
 * /exec|/attach/{ns}/{pod}/{uid}/{container}, /portForward/{ns}/{pod}/{uid}) with the parameters LogLocation
 * and streamParams send. Streams name the pod's uid, so a pod deleted and created again under the same name
 * is never reached through the old one.
 */
export function kubeletPath(o: PodStreamOptions, pod: PodRef, container: string): string {
  const params: [string, string][] = [];
  const flag = (on: boolean, key: string, value: string) => {
    if (on) params.push([key, value]);
  };
  let path: string;
  switch (o.subresource) {
    case "log": {
      const l = o.options;
      flag(l.follow, "follow", "true");
      flag(l.previous, "previous", "true");
      flag(l.timestamps, "timestamps", "true");
      if (l.sinceSeconds !== undefined) params.push(["sinceSeconds", String(l.sinceSeconds)]);
      if (l.sinceTime !== undefined) params.push(["sinceTime", l.sinceTime]);
      if (l.tailLines !== undefined) params.push(["tailLines", String(l.tailLines)]);
      if (l.limitBytes !== undefined) params.push(["limitBytes", String(l.limitBytes)]);
      path = `/containerLogs/${seg(pod.namespace)}/${seg(pod.name)}/${seg(container)}`;
      break;
    }
    case "exec":
    case "attach": {
      const e = o.options;
      flag(e.stdin, "input", "1");
      flag(e.stdout, "output", "1");
      flag(e.stderr, "error", "1");
      flag(e.tty, "tty", "1");
      if (o.subresource === "exec") for (const c of o.options.command) params.push(["command", c]);
      path = `/${o.subresource}/${seg(pod.namespace)}/${seg(pod.name)}/${seg(pod.uid)}/${seg(container)}`;
      break;
    }
    case "portforward":
      if (o.options.ports.length) params.push(["port", o.options.ports.join(",")]);
      path = `/portForward/${seg(pod.namespace)}/${seg(pod.name)}/${seg(pod.uid)}`;
      break;
  }
  const query = encodeValues(params);
  return query ? `${path}?${query}` : path;
}

/** Parses the options of one of the four subresources (400 on a bad parameter, 422 on bad log options). */
export function parsePodStreamOptions(
  sub: PodStreamSubresource,
  q: URLSearchParams,
  podName: string,
): PodStreamOptions {
  switch (sub) {
    case "log": {
      const options = parsePodLogOptions(q);
      checkPodLogOptions(podName, options);
      return { subresource: "log", options };
    }
    case "exec":
      return { subresource: "exec", options: parsePodExecOptions(q) };
    case "attach":
      return { subresource: "attach", options: parsePodAttachOptions(q) };
    case "portforward":
      return { subresource: "portforward", options: parsePodPortForwardOptions(q) };
  }
}

/** The container a stream asks for ("" for port-forward, which reaches the pod). */
export function requestedContainer(o: PodStreamOptions): string {
  return o.subresource === "portforward" ? "" : o.options.container;
}

// ---- The kubelet's answer ----

/** A Status with a code and no reason, as kube's StatusReasonUnknown ("") is written. */
class UnknownReasonError extends StatusError {
  constructor(code: number, message: string, details: StatusDetails) {
    super("InternalError", message, details, code);
  }
  override toStatus(): Status {
    const { reason: _, ...rest } = super.toStatus();
    return rest as Status;
  }
}

const GENERIC: Record<number, [StatusReason, string]> = {
  401: ["Unauthorized", "the server has asked for the client to provide credentials"],
  404: ["NotFound", "the server could not find the requested resource"],
  405: ["MethodNotAllowed", "the server does not allow this method on the requested resource"],
  409: ["Conflict", "the server reported a conflict"],
  422: ["Invalid", "the server rejected our request due to an error in our request"],
  429: ["TooManyRequests", "the server has received too many requests and has asked us to try again later"],
  503: ["ServiceUnavailable", "the server is currently unable to handle the request"],
  504: [
    "Timeout",
    "the server was unable to return a response in the time allotted, but may still be processing the request",
  ],
};

/**
 * The error a log request gets from a kubelet's non-2xx answer that is no Status (GenericHttpResponseChecker):
 * 400 and 500 carry the kubelet's text, any other code NewGenericServerResponse's words about pods/log.
 */
export function kubeletLogError(code: number, body: string, podName: string): StatusError {
  if (code === 500) return errors.internal(body);
  if (code === 400) return errors.badRequest(body);
  let reason: StatusReason | undefined;
  let message = `the server responded with the status code ${code} but did not return more information`;
  const known = GENERIC[code];
  if (known) [reason, message] = known;
  else if (code === 403) [reason, message] = ["Forbidden", body];
  else if (code === 406)
    [reason, message] = [
      "NotAcceptable",
      body === "" || body === "unknown"
        ? "the server was unable to respond with a content type that the client supports"
        : body,
    ];
  else if (code === 415) [reason, message] = ["UnsupportedMediaType", body];
  else if (code >= 500)
    [reason, message] = [
      "InternalError",
      `an error on the server (${goQuote(body)}) has prevented the request from succeeding`,
    ];
  message = `${message} ( pods/log ${podName})`;
  const details: StatusDetails = { name: podName, kind: "pods/log" };
  return reason ? new StatusError(reason, message, details, code) : new UnknownReasonError(code, message, details);
}

// ---- The options as admission sees them ----

const OPTIONS_KIND: Record<Exclude<PodStreamSubresource, "log">, string> = {
  exec: "PodExecOptions",
  attach: "PodAttachOptions",
  portforward: "PodPortForwardOptions",
};

/** The kind of a CONNECT's options object (admission's requestKind). */
export const connectKind = (sub: Exclude<PodStreamSubresource, "log">) => ({
  group: "",
  version: "v1",
  kind: OPTIONS_KIND[sub],
});

/** The v1 object a CONNECT admission call carries, as Go's encoding/json writes it (omitempty fields left out). */
export function connectOptionsObject(o: Exclude<PodStreamOptions, { subresource: "log" }>): Record<string, unknown> {
  const head = { kind: OPTIONS_KIND[o.subresource], apiVersion: "v1" };
  if (o.subresource === "portforward")
    return { ...head, ...(o.options.ports.length ? { ports: o.options.ports } : {}) };
  const e = o.options;
  return {
    ...head,
    ...(e.stdin ? { stdin: true } : {}),
    ...(e.stdout ? { stdout: true } : {}),
    ...(e.stderr ? { stderr: true } : {}),
    ...(e.tty ? { tty: true } : {}),
    ...(e.container ? { container: e.container } : {}),
    ...(o.subresource === "exec" ? { command: o.options.command.length ? o.options.command : null } : {}),
  };
}

/** The options a mutating webhook left: what the request goes on with. */
export function fromConnectOptionsObject(
  sub: Exclude<PodStreamSubresource, "log">,
  obj: Record<string, unknown>,
): PodStreamOptions {
  const flag = (k: string) => obj[k] === true;
  const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  if (sub === "portforward")
    return { subresource: sub, options: { ports: Array.isArray(obj.ports) ? obj.ports.map(Number) : [] } };
  const base = {
    stdin: flag("stdin"),
    stdout: flag("stdout"),
    stderr: flag("stderr"),
    tty: flag("tty"),
    container: typeof obj.container === "string" ? obj.container : "",
  };
  return sub === "exec"
    ? { subresource: sub, options: { ...base, command: strings(obj.command) } }
    : { subresource: sub, options: base };
}
