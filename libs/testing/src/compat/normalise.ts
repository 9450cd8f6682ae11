// What two correct apiservers may print differently for the same request: data each server makes its own
// (uids, times, resource versions, ages, addresses, generated names). Each rule takes out one kind of it;
// a test composes the rules its outputs need, in its order, and adds rules of its own.

/** A pattern (global) and what each match becomes. */
export type Rule = readonly [pattern: RegExp, replacement: string];

/** Object uids, wherever they show (metadata, owner references, generated labels and selectors). */
export const UIDS: Rule = [/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uid>"];

/** RFC 3339 times in UTC, with or without fractional seconds. */
export const TIMES: Rule = [/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, "<time>"];

/** resourceVersions as JSON (`"resourceVersion": "12"`) and as YAML (`resourceVersion: "12"`) print them. */
export const RESOURCE_VERSIONS: readonly Rule[] = [
  [/("resourceVersion": ?)"\d+"/g, '$1"<rv>"'],
  [/(resourceVersion: )"?\d+"?/g, "$1<rv>"],
];

/** kubectl's ages (`5s`, `3m2s`, `4h`, `2d3h`), as a whole word followed by a space or the end of a line. */
export const AGES: Rule = [/\b\d+(s|m\d*s?|h\d*m?|d\d*h?)\b(?=\s|$)/g, "<age>"];

/** IPv4 addresses: the host allocates cluster IPs, pod IPs and node addresses. */
export const IPS: Rule = [/\b(\d{1,3}\.){3}\d{1,3}\b/g, "<ip>"];

/** The random suffix of the service account token volume admission adds to pods. */
export const TOKEN_VOLUMES: Rule = [/kube-api-access-[a-z0-9]{5}/g, "kube-api-access-<random>"];

/** `kubectl diff`'s temporary directories and the local times in its headers. */
export const KUBECTL_DIFF: readonly Rule[] = [
  [/\/tmp\/(LIVE|MERGED)-\d+/g, "/tmp/$1-<n>"],
  [/\t\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+ [+-]\d{4}/g, "\t<time>"],
];

/** What kubectl's printing of the same objects differs in between two servers: identities, times, revisions, ages. */
export const KUBECTL_OUTPUT: readonly Rule[] = [UIDS, TIMES, ...RESOURCE_VERSIONS, AGES];

/** A function applying the rules (single ones or lists of them) in the order given. */
export function normaliser(...rules: (Rule | readonly Rule[])[]): (text: string) => string {
  const flat = rules.flatMap((r): Rule[] => (isRule(r) ? [r] : [...r]));
  return (text) => flat.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text);
}

function isRule(r: Rule | readonly Rule[]): r is Rule {
  return r[0] instanceof RegExp;
}
