import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { parseTokenRequest, tokenSubject } from "@evk/events";
import { isStatusError } from "@evk/kube";
import { decodeKubeProtobuf } from "../src/protobuf.ts";
import {
  buildClaims,
  checkClaims,
  ISSUER,
  jwks,
  loadSigningKey,
  signJwt,
  TokenInvalidError,
  unverifiedIssuer,
  verifyJwt,
} from "../src/sa-token.ts";
import { effectiveExpiration } from "../src/tokens.ts";

const pem = () =>
  generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }) as string;
const key = loadSigningKey(pem());
const sa = { name: "builder", uid: "sa-uid" };

describe("service-account JWT claims", () => {
  it("builds kube-apiserver's claims, keys in encoding/json's sorted order", () => {
    const c = buildClaims({
      issuer: ISSUER,
      namespace: "ci",
      serviceAccount: sa,
      pod: { name: "p", uid: "pod-uid" },
      node: { name: "n1" },
      audiences: ["vault"],
      now: 1000,
      expirationSeconds: 600,
      warnAfterSeconds: 0,
      jti: "j",
    });
    assert.equal(
      JSON.stringify(c),
      JSON.stringify({
        aud: ["vault"],
        exp: 1600,
        iat: 1000,
        iss: ISSUER,
        jti: "j",
        "kubernetes.io": {
          namespace: "ci",
          node: { name: "n1" },
          pod: { name: "p", uid: "pod-uid" },
          serviceaccount: { name: "builder", uid: "sa-uid" },
        },
        nbf: 1000,
        sub: "system:serviceaccount:ci:builder",
      }),
    );
    const unbound = buildClaims({
      issuer: ISSUER,
      namespace: "ci",
      serviceAccount: sa,
      audiences: [ISSUER],
      now: 5,
      expirationSeconds: 3600,
      warnAfterSeconds: 3607,
    });
    assert.deepEqual(unbound["kubernetes.io"], { namespace: "ci", serviceaccount: sa, warnafter: 3612 });
  });

  it("signs ES256 with the key's kid and verifies; a tampered payload or signature fails", () => {
    const c = buildClaims({
      issuer: ISSUER,
      namespace: "ci",
      serviceAccount: sa,
      audiences: [ISSUER],
      now: 1,
      expirationSeconds: 600,
    });
    const t = signJwt(c, key);
    const [h, p, s] = t.split(".") as [string, string, string];
    assert.deepEqual(JSON.parse(Buffer.from(h, "base64url").toString()), { alg: "ES256", kid: key.kid });
    assert.deepEqual(verifyJwt(t, key), c);
    assert.equal(unverifiedIssuer(t), ISSUER);
    const forged = Buffer.from(JSON.stringify({ ...c, sub: "system:serviceaccount:kube-system:admin" })).toString(
      "base64url",
    );
    assert.throws(() => verifyJwt(`${h}.${forged}.${s}`, key), TokenInvalidError);
    const flipped = `${s.slice(0, -2)}${s.endsWith("AA") ? "AB" : "AA"}`;
    assert.throws(() => verifyJwt(`${h}.${p}.${flipped}`, key), TokenInvalidError);
    const none = Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url");
    assert.throws(() => verifyJwt(`${none}.${p}.`, key), /unexpected signing algorithm/);
    assert.throws(() => verifyJwt(t, loadSigningKey(pem())), TokenInvalidError, "another cluster's key");
    assert.deepEqual(Object.keys(jwks(key).keys[0] ?? {}), ["use", "kty", "kid", "crv", "alg", "x", "y"]);
  });

  it("checks issuer, audiences and time with kube's one-minute leeway", () => {
    const c = buildClaims({
      issuer: ISSUER,
      namespace: "ci",
      serviceAccount: sa,
      audiences: [ISSUER],
      now: 1000,
      expirationSeconds: 600,
    });
    const o = { issuer: ISSUER, apiAudiences: [ISSUER], now: 1000 };
    assert.deepEqual(checkClaims(c, o), { namespace: "ci", name: "builder", uid: "sa-uid" });
    assert.doesNotThrow(() => checkClaims(c, { ...o, now: 1660 }), "within leeway after exp");
    assert.throws(() => checkClaims(c, { ...o, now: 1661 }), /has expired/);
    assert.throws(() => checkClaims(c, { ...o, now: 939 }), /not valid yet/);
    assert.throws(() => checkClaims({ ...c, aud: ["vault"] }, o), /audiences/);
    assert.throws(() => checkClaims({ ...c, iss: "https://elsewhere" }, o), /issuer/);
    assert.throws(() => checkClaims({ ...c, sub: "system:serviceaccount:ci:other" }, o), /subject/);
  });

  it("extends kubelet's 3607 s pod-bound tokens to a year with warnafter, and caps at the configured max", () => {
    const p = { apiAudiences: [ISSUER], maxExpirationSeconds: 0, extendExpiration: true };
    assert.deepEqual(effectiveExpiration(3607, true, [ISSUER], p), {
      expirationSeconds: 3607,
      tokenSeconds: 365 * 24 * 3600,
      warnAfterSeconds: 3607,
      shortened: false,
    });
    assert.equal(effectiveExpiration(3607, false, [ISSUER], p).tokenSeconds, 3607, "not pod-bound");
    assert.equal(effectiveExpiration(3607, true, ["vault"], p).tokenSeconds, 3607, "foreign audience");
    assert.equal(effectiveExpiration(315360000, true, [ISSUER], p).tokenSeconds, 315360000, "no cap by default");
    const capped = effectiveExpiration(315360000, true, [ISSUER], { ...p, maxExpirationSeconds: 7200 });
    assert.deepEqual([capped.expirationSeconds, capped.tokenSeconds, capped.shortened], [7200, 7200, true]);
    assert.equal(effectiveExpiration(3607, true, [ISSUER], { ...p, extendExpiration: false }).tokenSeconds, 3607);
  });
});

/** A minimal protobuf writer for the test's own bodies. */
const varint = (n: number) => {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
};
const field = (no: number, v: Buffer | string | number) =>
  typeof v === "number"
    ? Buffer.concat([varint(no << 3), varint(v)])
    : Buffer.concat([varint((no << 3) | 2), varint(Buffer.byteLength(v)), Buffer.from(v)]);

describe("protobuf bodies", () => {
  it("decodes the TokenRequest kubectl create token sends", () => {
    const raw = Buffer.concat([
      field(1, field(1, "builder")),
      field(
        2,
        Buffer.concat([
          field(1, "vault"),
          field(1, "api"),
          field(4, 7200),
          field(3, Buffer.concat([field(1, "Pod"), field(2, "v1"), field(3, "p")])),
        ]),
      ),
    ]);
    const body = Buffer.concat([
      Buffer.from("k8s\0", "latin1"),
      field(1, Buffer.concat([field(1, "authentication.k8s.io/v1"), field(2, "TokenRequest")])),
      field(2, raw),
    ]);
    assert.deepEqual(decodeKubeProtobuf(body), {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      metadata: { name: "builder" },
      spec: {
        audiences: ["vault", "api"],
        expirationSeconds: 7200,
        boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p" },
      },
    });
  });

  it("answers 415 for other kinds and 400 for truncated bodies", () => {
    const envelope = (kind: string, raw: Buffer) =>
      Buffer.concat([
        Buffer.from("k8s\0", "latin1"),
        field(1, Buffer.concat([field(1, "v1"), field(2, kind)])),
        field(2, raw),
      ]);
    assert.throws(
      () => decodeKubeProtobuf(envelope("Namespace", Buffer.alloc(0))),
      (e: unknown) => isStatusError(e, "UnsupportedMediaType"),
    );
    assert.throws(
      () => decodeKubeProtobuf(Buffer.from("{}")),
      (e: unknown) => isStatusError(e, "UnsupportedMediaType"),
    );
    const cut = Buffer.concat([Buffer.from("k8s\0", "latin1"), Buffer.from([0x0a, 0x40, 0x01])]);
    assert.throws(
      () => decodeKubeProtobuf(cut),
      (e: unknown) => isStatusError(e, "BadRequest"),
    );
  });
});

describe("token channel messages", () => {
  it("uses an encoded cluster token in its subject and refuses malformed requests", () => {
    assert.equal(tokenSubject("team.a"), "evk.rpc.team~2Ea.token");
    const ok = {
      namespace: "n",
      serviceAccountName: "s",
      podName: "p",
      podUid: "u",
      audiences: [],
      expirationSeconds: 3607,
    };
    assert.deepEqual(parseTokenRequest(Buffer.from(JSON.stringify(ok))), ok);
    for (const bad of [
      "nope",
      "[]",
      JSON.stringify({ ...ok, podUid: "" }),
      JSON.stringify({ ...ok, audiences: [1] }),
      JSON.stringify({ ...ok, expirationSeconds: "1" }),
    ])
      assert.equal(typeof parseTokenRequest(Buffer.from(bad)), "string", bad);
    assert.equal(typeof parseTokenRequest(Buffer.from([0xff, 0xfe])), "string");
  });
});
