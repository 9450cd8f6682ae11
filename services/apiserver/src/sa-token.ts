import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";

// Service-account JWTs as kube-apiserver issues and checks them (pkg/serviceaccount/claims.go, jwt.go):
// ES256 over the cluster's P-256 key, claims serialised with sorted keys as go-jose does, the kid derived
// from the public key. Pure apart from the crypto; lookups of the objects a token names live elsewhere.

export const ISSUER = "https://kubernetes.default.svc.cluster.local";
/** kubelet's projected-token lifetime that triggers the extended-expiration transition. */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 3607;
/** How long such a token really lives when --service-account-extend-token-expiration is on (one year). */
export const EXPIRATION_EXTENSION_SECONDS = 365 * 24 * 60 * 60;
export const MIN_TOKEN_AGE_SECONDS = 600;
export const MAX_TOKEN_AGE_SECONDS = 2 ** 32;
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
/** go-jose's DefaultLeeway, which kube's validator uses for exp, nbf and iat and for deleted objects. */
export const LEEWAY_SECONDS = 60;

export interface Ref {
  name: string;
  uid?: string;
}

export interface PrivateClaims {
  namespace: string;
  serviceaccount: Ref;
  pod?: Ref;
  secret?: Ref;
  node?: Ref;
  warnafter?: number;
}

export interface SaClaims {
  aud: string[];
  exp: number;
  iat: number;
  iss: string;
  jti?: string;
  "kubernetes.io": PrivateClaims;
  nbf: number;
  sub: string;
}

export interface ClaimsInput {
  issuer: string;
  namespace: string;
  serviceAccount: Required<Ref>;
  pod?: Required<Ref>;
  secret?: Required<Ref>;
  node?: Ref;
  audiences: string[];
  /** Unix seconds. */
  now: number;
  expirationSeconds: number;
  /** Seconds after `now` past which the token is stale but still accepted (0 or absent: none). */
  warnAfterSeconds?: number;
  jti?: string;
}

export const usernameOf = (namespace: string, name: string) => `system:serviceaccount:${namespace}:${name}`;
export const groupsOf = (namespace: string) => ["system:serviceaccounts", `system:serviceaccounts:${namespace}`];

// kube's ref has omitempty on both fields: an unknown node uid is left out, not written as "".
const ref = (r: Ref): Ref => ({ ...(r.name ? { name: r.name } : {}), ...(r.uid ? { uid: r.uid } : {}) }) as Ref;

/** The claims kube-apiserver's token.Claims builds, keys in the order encoding/json writes a map. */
export function buildClaims(i: ClaimsInput): SaClaims {
  const k8s: PrivateClaims = { namespace: i.namespace } as PrivateClaims;
  // Sorted: namespace, node, pod, secret, serviceaccount, warnafter.
  if (i.pod && i.node) k8s.node = ref(i.node);
  else if (!i.pod && !i.secret && i.node) k8s.node = ref(i.node);
  if (i.pod) k8s.pod = ref(i.pod);
  else if (i.secret) k8s.secret = ref(i.secret);
  k8s.serviceaccount = ref(i.serviceAccount);
  if (i.warnAfterSeconds) k8s.warnafter = i.now + i.warnAfterSeconds;
  return {
    aud: i.audiences,
    exp: i.now + i.expirationSeconds,
    iat: i.now,
    iss: i.issuer,
    ...(i.jti ? { jti: i.jti } : {}),
    "kubernetes.io": k8s,
    nbf: i.now,
    sub: usernameOf(i.namespace, i.serviceAccount.name),
  };
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  kid: string;
}

/** kube's keyIDFromPublicKey: base64url(sha256(PKIX DER of the public key)). */
export function keyId(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("base64url");
}

export function loadSigningKey(privateKeyPem: string): SigningKey {
  const privateKey = createPrivateKey(privateKeyPem);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, kid: keyId(publicKey) };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

export function signJwt(claims: SaClaims, key: SigningKey): string {
  const input = `${b64({ alg: "ES256", kid: key.kid })}.${b64(claims)}`;
  const sig = sign("sha256", Buffer.from(input), { key: key.privateKey, dsaEncoding: "ieee-p1363" });
  return `${input}.${sig.toString("base64url")}`;
}

/** The JWKS kube serves at /openid/v1/jwks for this key. */
export function jwks(key: SigningKey) {
  const jwk = key.publicKey.export({ format: "jwk" }) as { crv: string; x: string; y: string };
  return { keys: [{ use: "sig", kty: "EC", kid: key.kid, crv: jwk.crv, alg: "ES256", x: jwk.x, y: jwk.y }] };
}

/** Pure peek, before any check: the issuer a compact JWT claims, or undefined when it is no JWT at all. */
export function unverifiedIssuer(token: string): string | undefined {
  if (token.trimStart().startsWith("{")) return undefined;
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const iss = (JSON.parse(Buffer.from(parts[1] as string, "base64url").toString("utf8")) as { iss?: unknown }).iss;
    return typeof iss === "string" ? iss : undefined;
  } catch {
    return undefined;
  }
}

export class TokenInvalidError extends Error {
  override readonly name = "TokenInvalidError";
}

/** The claims of a token signed by `key`, or TokenInvalidError. Checks the signature only. */
export function verifyJwt(token: string, key: SigningKey): SaClaims {
  const parts = token.split(".");
  if (parts.length !== 3) throw new TokenInvalidError("not a compact JWS");
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: unknown; kid?: unknown };
  let claims: SaClaims;
  try {
    header = JSON.parse(Buffer.from(h, "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  } catch {
    throw new TokenInvalidError("malformed JWT");
  }
  // Only the algorithm this key signs with: never "none", never a confusion of key types.
  if (header.alg !== "ES256") throw new TokenInvalidError(`unexpected signing algorithm ${String(header.alg)}`);
  if (header.kid !== undefined && header.kid !== key.kid)
    throw new TokenInvalidError("invalid signature, no keys found");
  const ok = verify(
    "sha256",
    Buffer.from(`${h}.${p}`),
    { key: key.publicKey, dsaEncoding: "ieee-p1363" },
    Buffer.from(s, "base64url"),
  );
  if (!ok) throw new TokenInvalidError("invalid signature");
  if (typeof claims !== "object" || claims === null) throw new TokenInvalidError("malformed JWT claims");
  return claims;
}

/**
 * kube's checks on the claims of a correctly signed token, before the objects it names are looked up:
 * issuer, audiences (legacy tokens without aud get the apiserver's), exp / nbf / iat with one minute of
 * leeway, and a well-formed kubernetes.io claim matching the subject.
 */
export function checkClaims(
  c: SaClaims,
  o: { issuer: string; apiAudiences: string[]; now: number },
): {
  namespace: string;
  name: string;
  uid: string;
  pod?: Required<Ref>;
  secret?: Required<Ref>;
  node?: Ref;
  jti?: string;
} {
  if (c.iss !== o.issuer) throw new TokenInvalidError(`token issuer "${String(c.iss)}" is invalid`);
  const aud = typeof c.aud === "string" ? [c.aud] : Array.isArray(c.aud) ? c.aud : [];
  const auds = aud.length === 0 ? o.apiAudiences : aud;
  if (!auds.some((a) => o.apiAudiences.includes(a)))
    throw new TokenInvalidError(`token audiences ${JSON.stringify(auds)} is invalid for the target audiences`);
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  const exp = num(c.exp);
  const nbf = num(c.nbf);
  const iat = num(c.iat);
  if (exp !== undefined && o.now > exp + LEEWAY_SECONDS)
    throw new TokenInvalidError("service account token has expired");
  if (nbf !== undefined && o.now < nbf - LEEWAY_SECONDS)
    throw new TokenInvalidError("service account token is not valid yet");
  if (iat !== undefined && o.now < iat - LEEWAY_SECONDS)
    throw new TokenInvalidError("service account token is issued in the future");
  const k = c["kubernetes.io"];
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const sa = k?.serviceaccount;
  if (!k || !str(k.namespace) || !str(sa?.name) || !str(sa?.uid))
    throw new TokenInvalidError("service account token claims are incomplete");
  if (c.sub !== usernameOf(k.namespace, sa.name)) throw new TokenInvalidError("service account token subject mismatch");
  const fullRef = (r: Ref | undefined) => {
    if (r === undefined) return undefined;
    if (!str(r.name) || !str(r.uid)) throw new TokenInvalidError("service account token holds an incomplete reference");
    return { name: r.name, uid: r.uid as string };
  };
  const pod = fullRef(k.pod);
  const secret = fullRef(k.secret);
  const node =
    k.node && str(k.node.name) ? { name: k.node.name, ...(str(k.node.uid) ? { uid: k.node.uid } : {}) } : undefined;
  return {
    namespace: k.namespace,
    name: sa.name,
    uid: sa.uid as string,
    ...(pod ? { pod } : {}),
    ...(secret ? { secret } : {}),
    ...(node ? { node } : {}),
    ...(str(c.jti) ? { jti: c.jti as string } : {}),
  };
}
