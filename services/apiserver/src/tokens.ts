import { randomUUID } from "node:crypto";
import { errors, isStatusError, type KubeObject } from "@evk/kube";
import type { ObjectRef, Store, WatchCache } from "@evk/store";
import {
  buildClaims,
  checkClaims,
  DEFAULT_TOKEN_EXPIRATION_SECONDS,
  EXPIRATION_EXTENSION_SECONDS,
  groupsOf,
  LEEWAY_SECONDS,
  MAX_TOKEN_AGE_SECONDS,
  MIN_TOKEN_AGE_SECONDS,
  type Ref,
  type SigningKey,
  signJwt,
  TokenInvalidError,
  unverifiedIssuer,
  usernameOf,
  verifyJwt,
  WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS,
} from "./sa-token.ts";

// TokenRequest (POST serviceaccounts/<name>/token) and the service-account token authenticator, as
// kube-apiserver's TokenREST and jwtTokenAuthenticator do them, over evk's store.

/** The identity a request authenticated as (authentication.k8s.io/v1 UserInfo). */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface TokenPolicy {
  issuer: string;
  /** The apiserver's own audiences (kube's --api-audiences; defaults to the issuer). */
  apiAudiences: string[];
  /** kube's --service-account-max-token-expiration in seconds; 0 = no cap (kube's default). */
  maxExpirationSeconds: number;
  /** kube's --service-account-extend-token-expiration (default true). */
  extendExpiration: boolean;
}

export interface BoundObjectRef {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

export interface TokenRequestBody {
  metadata?: { name?: string; namespace?: string; uid?: string };
  spec?: { audiences?: string[] | null; expirationSeconds?: number | null; boundObjectRef?: BoundObjectRef | null };
}

const TR = { group: "authentication.k8s.io", kind: "TokenRequest" };
const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

/** Pure: the lifetime a token gets, with the `warnafter` of kube's projected-token transition. */
export function effectiveExpiration(
  requested: number,
  podBound: boolean,
  audiences: string[],
  p: Pick<TokenPolicy, "apiAudiences" | "maxExpirationSeconds" | "extendExpiration">,
): { expirationSeconds: number; tokenSeconds: number; warnAfterSeconds: number; shortened: boolean } {
  let expirationSeconds = requested;
  let shortened = false;
  if (p.maxExpirationSeconds > 0 && requested > p.maxExpirationSeconds) {
    expirationSeconds = p.maxExpirationSeconds;
    shortened = true;
  }
  // kube only extends pod-bound tokens asked for with kubelet's 3607 s for its own audiences: they live a
  // year but carry warnafter, so stale use is visible in audit while nothing breaks.
  if (
    p.extendExpiration &&
    podBound &&
    expirationSeconds === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS &&
    audiences.every((a) => p.apiAudiences.includes(a))
  ) {
    return {
      expirationSeconds,
      tokenSeconds: EXPIRATION_EXTENSION_SECONDS,
      warnAfterSeconds: expirationSeconds,
      shortened,
    };
  }
  return { expirationSeconds, tokenSeconds: expirationSeconds, warnAfterSeconds: 0, shortened };
}

export class ServiceAccountTokens {
  private readonly store: Store;
  private readonly cache: WatchCache;
  private readonly key: SigningKey;
  readonly policy: TokenPolicy;

  constructor(store: Store, cache: WatchCache, key: SigningKey, policy: TokenPolicy) {
    this.store = store;
    this.cache = cache;
    this.key = key;
    this.policy = policy;
  }

  /**
   * TokenREST.Create: the TokenRequest with its status filled, and the warnings kube would send.
   * Every check reads etcd, so a token is never issued for an object deleted a moment ago.
   */
  async issue(
    namespace: string,
    name: string,
    body: TokenRequestBody,
    /** Validating admission of the request as it stands once checked, before anything is looked up for it. */
    admit?: (request: KubeObject) => Promise<void>,
  ): Promise<{ object: KubeObject; warnings: string[]; claims: ReturnType<typeof buildClaims> }> {
    const md = body.metadata ?? {};
    if (md.name && md.name !== name)
      throw errors.invalid(
        TR.kind,
        name,
        [
          {
            field: "metadata.name",
            message: `Invalid value: "${md.name}": must match the service account name if specified`,
          },
        ],
        TR.group,
      );
    if (md.namespace && md.namespace !== namespace)
      throw errors.invalid(
        TR.kind,
        name,
        [
          {
            field: "metadata.namespace",
            message: `Invalid value: "${md.namespace}": must match the service account namespace if specified`,
          },
        ],
        TR.group,
      );
    const sa = await this.store.get({ group: "", resource: "serviceaccounts", namespace, name });
    const saUid = sa.metadata.uid as string;
    if (md.uid && md.uid !== saUid)
      throw errors.conflict(
        { group: TR.group, resource: TR.kind },
        name,
        `the UID in the token request (${md.uid}) does not match the UID of the service account (${saUid})`,
      );
    const spec = body.spec ?? {};
    const audiences = spec.audiences?.length ? spec.audiences : this.policy.apiAudiences;
    const requested = spec.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
    const nowMs = Date.now();
    const now = Math.floor(nowMs / 1000);
    const invalid: { field: string; message: string }[] = [];
    if (requested < MIN_TOKEN_AGE_SECONDS)
      invalid.push({
        field: "spec.expirationSeconds",
        message: `Invalid value: ${requested}: may not specify a duration less than 10 minutes`,
      });
    if (requested > MAX_TOKEN_AGE_SECONDS)
      invalid.push({
        field: "spec.expirationSeconds",
        message: `Invalid value: ${requested}: may not specify a duration larger than 2^32 seconds`,
      });
    if (invalid.length) throw errors.invalid(TR.kind, "", invalid, TR.group);
    await admit?.({
      kind: "TokenRequest",
      apiVersion: "authentication.k8s.io/v1",
      metadata: { ...md, name, namespace, uid: md.uid || saUid, creationTimestamp: rfc3339(nowMs) },
      // As Go encodes the request: the pointer and the status fields have no omitempty.
      spec: { audiences, expirationSeconds: requested, boundObjectRef: spec.boundObjectRef ?? null },
      status: { token: "", expirationTimestamp: null },
    });

    let pod: Required<Ref> | undefined;
    let secret: Required<Ref> | undefined;
    let node: Ref | undefined;
    const bound = spec.boundObjectRef ?? undefined;
    if (bound) {
      const [group] = (bound.apiVersion ?? "").includes("/") ? (bound.apiVersion as string).split("/") : [""];
      const refName = bound.name ?? "";
      let uid: string | undefined;
      if (group === "" && bound.kind === "Pod") {
        const p = await this.store.get({ group: "", resource: "pods", namespace, name: refName });
        if (name !== podServiceAccount(p))
          throw errors.badRequest(
            `cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`,
          );
        uid = p.metadata.uid as string;
        pod = { name: refName, uid };
        const nodeName = (p.spec as { nodeName?: string } | undefined)?.nodeName;
        if (nodeName) {
          // kube embeds the node's name even when the Node object is missing, so a token still says where it ran.
          const n = await this.find({ group: "", resource: "nodes", name: nodeName });
          node = { name: nodeName, ...(n?.metadata.uid ? { uid: n.metadata.uid } : {}) };
        }
      } else if (group === "" && bound.kind === "Node") {
        const n = await this.store.get({ group: "", resource: "nodes", name: refName });
        uid = n.metadata.uid as string;
        node = { name: refName, uid };
      } else if (group === "" && bound.kind === "Secret") {
        const s = await this.store.get({ group: "", resource: "secrets", namespace, name: refName });
        uid = s.metadata.uid as string;
        secret = { name: refName, uid };
      } else {
        throw errors.badRequest(`cannot bind token to object of type ${gvkString(bound)}`);
      }
      if (bound.uid && bound.uid !== uid)
        throw errors.conflict(
          { group, resource: bound.kind },
          refName,
          `the UID in the bound object reference (${bound.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
        );
    }

    const exp = effectiveExpiration(requested, pod !== undefined, audiences, this.policy);
    const warnings = exp.shortened
      ? [`requested expiration of ${requested} seconds shortened to ${exp.expirationSeconds} seconds`]
      : [];
    const claims = buildClaims({
      issuer: this.policy.issuer,
      namespace,
      serviceAccount: { name, uid: saUid },
      ...(pod ? { pod } : {}),
      ...(secret ? { secret } : {}),
      ...(node ? { node } : {}),
      audiences,
      now,
      expirationSeconds: exp.tokenSeconds,
      warnAfterSeconds: exp.warnAfterSeconds,
      jti: randomUUID(),
    });
    const object: KubeObject = {
      kind: "TokenRequest",
      apiVersion: "authentication.k8s.io/v1",
      metadata: { name, namespace, uid: saUid, creationTimestamp: rfc3339(nowMs) },
      spec: { audiences, expirationSeconds: exp.expirationSeconds, boundObjectRef: bound ?? null },
      status: {
        token: signJwt(claims, this.key),
        expirationTimestamp: rfc3339(nowMs + exp.expirationSeconds * 1000),
      },
    };
    return { object, warnings, claims };
  }

  /**
   * The user a bearer token names, undefined when it is not a token of this issuer (another
   * authenticator may know it), or TokenInvalidError when it is ours but not (any longer) valid.
   */
  async authenticate(token: string): Promise<UserInfo | undefined> {
    if (unverifiedIssuer(token) !== this.policy.issuer) return undefined;
    const claims = verifyJwt(token, this.key);
    const nowSec = Date.now() / 1000;
    const c = checkClaims(claims, { issuer: this.policy.issuer, apiAudiences: this.policy.apiAudiences, now: nowSec });
    const deletedLongAgo = (o: KubeObject) =>
      o.metadata.deletionTimestamp !== undefined &&
      Date.parse(o.metadata.deletionTimestamp) / 1000 < nowSec - LEEWAY_SECONDS;
    const sa = await this.current(
      { group: "", resource: "serviceaccounts", namespace: c.namespace, name: c.name },
      c.uid,
    );
    if (!sa) throw new TokenInvalidError(`service account ${c.namespace}/${c.name} is gone or was recreated`);
    if (deletedLongAgo(sa)) throw new TokenInvalidError(`service account ${c.namespace}/${c.name} has been deleted`);
    for (const [resource, r] of [
      ["secrets", c.secret],
      ["pods", c.pod],
    ] as const) {
      if (!r) continue;
      const o = await this.current({ group: "", resource, namespace: c.namespace, name: r.name }, r.uid);
      if (!o || deletedLongAgo(o)) throw new TokenInvalidError("service account token has been invalidated");
    }
    if (c.node && !c.pod) {
      const n = await this.current({ group: "", resource: "nodes", name: c.node.name }, c.node.uid ?? "");
      if (!n || deletedLongAgo(n)) throw new TokenInvalidError("service account token has been invalidated");
    }
    const extra: Record<string, string[]> = {};
    if (c.pod) {
      extra["authentication.kubernetes.io/pod-name"] = [c.pod.name];
      extra["authentication.kubernetes.io/pod-uid"] = [c.pod.uid];
    }
    if (c.jti) extra["authentication.kubernetes.io/credential-id"] = [`JTI=${c.jti}`];
    if (c.node) {
      extra["authentication.kubernetes.io/node-name"] = [c.node.name];
      if (c.node.uid) extra["authentication.kubernetes.io/node-uid"] = [c.node.uid];
    }
    return {
      username: usernameOf(c.namespace, c.name),
      uid: c.uid,
      groups: [...groupsOf(c.namespace), "system:authenticated"],
      ...(Object.keys(extra).length ? { extra } : {}),
    };
  }

  /** The object when it exists with this uid: the watch cache first, etcd when the cache disagrees. */
  private async current(r: ObjectRef, uid: string): Promise<KubeObject | undefined> {
    const cached = this.cache.get(r)?.object;
    if (cached?.metadata.uid === uid) return cached;
    const live = await this.find(r);
    return live?.metadata.uid === uid ? live : undefined;
  }

  private async find(r: ObjectRef): Promise<KubeObject | undefined> {
    try {
      return await this.store.get(r);
    } catch (err) {
      if (isStatusError(err, "NotFound")) return undefined;
      throw err;
    }
  }
}

/** A pod's service account; admission sets "default" when the pod names none. */
export function podServiceAccount(pod: KubeObject): string {
  return (pod.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName || "default";
}

function gvkString(r: BoundObjectRef): string {
  const [group, version] = (r.apiVersion ?? "").includes("/")
    ? (r.apiVersion as string).split("/")
    : ["", r.apiVersion ?? ""];
  return `${group ? `${group}/` : "/"}${version}, Kind=${r.kind ?? ""}`;
}
