import { errors, goJsonKind, scanJson } from "@evk/kube";

// kube-apiserver's continue token: base64url of {"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key suffix>"},
// where start is the first key (relative to the list prefix) the next page begins with. A negative rv
// continues at the latest revision (what kube hands out with a 410 for a compacted one). Refusals are kube's,
// word for word (apiserver storage/continue.go, encoding/base64, encoding/json).

interface TokenBody {
  v: string;
  rv: number;
  start: string;
}

export function encodeContinue(revision: number, nextKeySuffix: string): string {
  const body: TokenBody = { v: "meta.k8s.io/v1", rv: revision, start: nextKeySuffix };
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

/**
 * The token of a page that ends at `lastKey`, read under `prefix` (which ends in "/"): kube's cacher trims the
 * list's key without that slash, so the start it hands out begins with one.
 */
export function pageContinue(revision: number, prefix: string, lastKey: string): string {
  return encodeContinue(revision, `/${lastKey.slice(prefix.length)}\u0000`);
}

const invalid = (why: string) => errors.badContinue(`continue key is not valid${why ? `: ${why}` : ""}`);
const BASE64URL = /[A-Za-z0-9_-]/;

/** Go's base64.RawURLEncoding.DecodeString: Node's decoder skips what Go refuses. */
function decodeBase64Url(s: string): Buffer {
  const digits: string[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "\n" || c === "\r") continue;
    if (!BASE64URL.test(c)) throw invalid(`illegal base64 data at input byte ${i}`);
    digits.push(c);
  }
  // A last group of one digit holds no whole byte.
  if (digits.length % 4 === 1) throw invalid(`illegal base64 data at input byte ${s.length - 1}`);
  return Buffer.from(digits.join(""), "base64url");
}

const goTypes: Record<keyof TokenBody, { js: string; go: string }> = {
  v: { js: "string", go: "string" },
  rv: { js: "number", go: "int64" },
  start: { js: "string", go: "string" },
};

/** Go's path.Clean of a rooted path. */
function cleanRooted(p: string): string {
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return `/${out.join("/")}`;
}

/** The revision (negative: the latest) and start key of a continue token, or kube's 400 for a bad one. */
export function decodeContinue(token: string): { revision: number; start: string } {
  const data = decodeBase64Url(token);
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString("utf8"));
  } catch (err) {
    throw invalid(scanJson(data).error ?? (err as Error).message);
  }
  if (parsed === null) throw invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  if (typeof parsed !== "object" || Array.isArray(parsed))
    throw invalid(`json: cannot unmarshal ${goJsonKind(parsed)} into Go value of type storage.continueToken`);
  const raw = parsed as Record<string, unknown>;
  for (const [field, t] of Object.entries(goTypes)) {
    const v = raw[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== t.js || (t.js === "number" && !Number.isSafeInteger(v)))
      throw invalid(
        `json: cannot unmarshal ${goJsonKind(v)}${typeof v === "number" ? ` ${v}` : ""} into Go struct field continueToken.${field} of type ${t.go}`,
      );
  }
  const body = { v: (raw.v as string) ?? "", rv: (raw.rv as number) ?? 0, start: (raw.start as string) ?? "" };
  if (body.v !== "meta.k8s.io/v1") throw invalid(`server does not recognize this encoded version ${body.v}`);
  if (body.rv === 0) throw invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  if (body.start === "") throw invalid("encoded start key empty (version meta.k8s.io/v1)");
  // Against path traversal: the start key must stay inside the list's prefix.
  const key = body.start.startsWith("/") ? body.start : `/${body.start}`;
  if (cleanRooted(key) !== key) throw invalid(body.start);
  return { revision: body.rv, start: key.slice(1) };
}
