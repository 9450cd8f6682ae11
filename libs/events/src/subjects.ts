// NATS subject tokens for Kubernetes names. NATS splits subjects on "." and treats "*" and ">" as
// wildcards, while Kubernetes names may hold dots, colons (RBAC), "@", and more. The encoding keeps
// [A-Za-z0-9_-] and writes every other UTF-8 byte as ~XX (uppercase hex), so it is reversible and
// every token is a plain NATS token.

const SAFE = /^[A-Za-z0-9_-]$/;

export function encodeToken(s: string): string {
  if (s === "") throw new Error("a subject token may not be empty");
  let out = "";
  for (const byte of Buffer.from(s, "utf8")) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && SAFE.test(ch) ? ch : `~${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

export function decodeToken(token: string): string {
  if (!/^(?:[A-Za-z0-9_-]|~[0-9A-F]{2})+$/.test(token)) throw new Error(`not an encoded subject token: "${token}"`);
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === "~") {
      bytes.push(Number.parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(token.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** The namespace token of cluster-scoped objects: "_" can never be a namespace (DNS labels have no "_"). */
export const CLUSTER_SCOPED = "_";

export interface SubjectParts {
  cluster: string;
  /** "" or "core" for the core group. */
  group: string;
  resource: string;
  /** "" for cluster-scoped objects. */
  namespace: string;
  name: string;
}

export type SubjectKind = "ev" | "st";

const resourceToken = (group: string, resource: string) =>
  encodeToken(group && group !== "core" ? `${resource}.${group}` : resource);

export function subjectFor(kind: SubjectKind, p: SubjectParts): string {
  // Kubernetes namespaces are DNS labels, so this never refuses a real object; it keeps the encoding
  // unambiguous for anything else that reaches it.
  if (p.namespace === CLUSTER_SCOPED)
    throw new Error(`namespace "${CLUSTER_SCOPED}" is reserved for cluster-scoped objects`);
  return [
    "evk",
    kind,
    encodeToken(p.cluster),
    resourceToken(p.group, p.resource),
    p.namespace ? encodeToken(p.namespace) : CLUSTER_SCOPED,
    encodeToken(p.name),
  ].join(".");
}

/** A filter over one cluster (or all: undefined) and optionally one resource. */
export function filterSubject(kind: SubjectKind, cluster?: string, r?: { group: string; resource: string }): string {
  const c = cluster ? encodeToken(cluster) : "*";
  return r ? `evk.${kind}.${c}.${resourceToken(r.group, r.resource)}.>` : `evk.${kind}.${c}.>`;
}

export function parseSubject(subject: string): SubjectParts & { kind: SubjectKind } {
  const t = subject.split(".");
  if (t.length !== 6 || t[0] !== "evk" || (t[1] !== "ev" && t[1] !== "st")) {
    throw new Error(`not an evk event or status subject: "${subject}"`);
  }
  const res = decodeToken(t[3] as string);
  const dot = res.indexOf(".");
  return {
    kind: t[1],
    cluster: decodeToken(t[2] as string),
    resource: dot < 0 ? res : res.slice(0, dot),
    group: dot < 0 ? "" : res.slice(dot + 1),
    namespace: t[4] === CLUSTER_SCOPED ? "" : decodeToken(t[4] as string),
    name: decodeToken(t[5] as string),
  };
}
