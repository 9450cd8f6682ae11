// The small formatters kube's printers share (apimachinery's duration, labels and selectors; the printers'
// own helpers). Each takes plain JSON as stored, never throws on missing fields.
import { type LabelSelector, labelSelectorString } from "@evk/kube";

/** apimachinery duration.HumanDuration. Go converts with int(), which truncates toward zero. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

const GO_ZERO_TIME = Date.parse("0001-01-01T00:00:00Z");

/** Milliseconds since the epoch of a metav1.Time or MicroTime; undefined when unset (Go's zero time). */
export function timeOf(ts: unknown): number | undefined {
  if (typeof ts !== "string" || ts === "") return undefined;
  const t = Date.parse(ts);
  return Number.isNaN(t) || t <= GO_ZERO_TIME ? undefined : t;
}

/** The printers' translateTimestampSince (and translateMicroTimestampSince). */
export function since(ts: unknown, now: number): string {
  const t = timeOf(ts);
  return t === undefined ? "<unknown>" : humanDuration(now - t);
}

type StringMap = Record<string, string> | undefined | null;

/** labels.Set.String(): "k=v" pairs sorted as whole strings. */
export function labelsString(m: StringMap): string {
  return Object.entries(m ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .sort(byBytes)
    .join(",");
}

/** labels.FormatLabels: labelsString, "<none>" when empty. */
export function formatLabels(m: StringMap): string {
  return labelsString(m) || "<none>";
}

export type { LabelSelector } from "@evk/kube";
export { labelSelectorString as selectorString } from "@evk/kube";

/** metav1.FormatLabelSelector. */
export function formatLabelSelector(s: LabelSelector | undefined | null): string {
  const text = labelSelectorString(s);
  if (text === undefined) return "<error>";
  return text || "<none>";
}

/** Go's string order (bytes), which for the ASCII of names and labels is UTF-16 code unit order. */
export function byBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Container {
  name?: string;
  image?: string;
}

/** layoutContainerCells: container names and images, each joined by commas. */
export function containerCells(containers: Container[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? "").join(","), list.map((c) => c.image ?? "").join(",")];
}

/** intstr.IntOrString.String(). */
export function intOrString(v: number | string | undefined): string {
  return v === undefined ? "" : String(v);
}

const ACCESS_MODES: [string, string][] = [
  ["ReadWriteOnce", "RWO"],
  ["ReadOnlyMany", "ROX"],
  ["ReadWriteMany", "RWX"],
  ["ReadWriteOncePod", "RWOP"],
];

/** helper.GetAccessModesAsString: the short names in a fixed order, duplicates dropped. */
export function accessModes(modes: string[] | undefined): string {
  const set = new Set(modes ?? []);
  return ACCESS_MODES.filter(([mode]) => set.has(mode))
    .map(([, short]) => short)
    .join(",");
}

/** net.JoinHostPort: IPv6 hosts in brackets. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The "a,b,c + 2 more..." form of lists capped at three entries (listWithMoreString). */
export function listWithMore(list: string[], count: number, max: number, empty = "<unset>"): string {
  const shown = list.slice(0, max).join(",");
  if (count > max) return `${shown} + ${count - max} more...`;
  return shown === "" ? empty : shown;
}
