import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { requestToken, TokenRequestError, tokenSubject } from "@evk/events";
import { EtcdClient } from "@evk/store";
import {
  type Etcd,
  type HostCluster,
  httpGet,
  type LocalApiserver,
  type Nats,
  ServerClient,
  startApiserver,
  startEtcd,
  startHost,
  startNats,
} from "@evk/testing";
import { AuthenticationV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { buildClaims, ISSUER, loadSigningKey, signJwt } from "../src/sa-token.ts";

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1] as string, "base64url").toString("utf8"));

describe("service-account tokens: TokenRequest, JWT authentication, the syncer token channel (real kubectl 1.35, nats-server)", function () {
  this.timeout(120_000);
  let etcd: Etcd;
  let nats: Nats;
  let apiserver: LocalApiserver;
  let nc: NatsConnection;
  let client: ServerClient;
  const cluster = "tok1";

  before(async () => {
    [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
    apiserver = await startApiserver({ etcd: etcd.endpoint, nats: nats.url, cluster });
    nc = await connect({ servers: nats.url });
    client = new ServerClient("evk", apiserver.kubeconfigPath);
  });
  after(async () => {
    await nc?.close();
    await apiserver?.stop();
    await Promise.all([etcd?.dispose(), nats?.dispose()]);
  });

  const evk = (args: string[], opts: { input?: string; token?: string } = {}) =>
    client.kubectl([...(opts.token === undefined ? [] : [`--token=${opts.token}`]), ...args], { stdin: opts.input });
  const must = async (args: string[], opts: { input?: string; token?: string } = {}) => {
    const r = await evk(args, opts);
    assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const create = (o: object) => must(["create", "--validate=false", "-f", "-"], { input: JSON.stringify(o) });
  const podJson = (name: string, ns: string, sa?: string) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns },
    spec: {
      ...(sa ? { serviceAccountName: sa } : {}),
      containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }],
    },
  });

  it("kubectl create token issues kube's claims; the token authenticates (auth whoami, a list) until it is tampered with", async () => {
    await create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } });
    await create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "builder", namespace: "team" } });
    const saUid = (await must(["get", "sa", "builder", "-n", "team", "-o", "jsonpath={.metadata.uid}"])).trim();
    const token = (await must(["create", "token", "builder", "-n", "team"])).trim();
    const c = claimsOf(token);
    assert.deepEqual(Object.keys(c), ["aud", "exp", "iat", "iss", "jti", "kubernetes.io", "nbf", "sub"]);
    assert.equal(c.iss, ISSUER);
    assert.deepEqual(c.aud, [ISSUER]);
    assert.equal(c.sub, "system:serviceaccount:team:builder");
    assert.equal(c.exp - c.iat, 3600);
    assert.equal(c.nbf, c.iat);
    assert.deepEqual(c["kubernetes.io"], { namespace: "team", serviceaccount: { name: "builder", uid: saUid } });

    const who = await must(["auth", "whoami", "-o", "json"], { token });
    const info = JSON.parse(who).status.userInfo;
    assert.deepEqual(info, {
      username: "system:serviceaccount:team:builder",
      uid: saUid,
      groups: ["system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"],
      extra: { "authentication.kubernetes.io/credential-id": [`JTI=${c.jti}`] },
    });
    assert.match(await must(["get", "sa", "-n", "team", "-o", "name"], { token }), /serviceaccount\/builder/);

    const [h, p, s] = token.split(".") as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...c, sub: "system:serviceaccount:kube-system:default" })).toString(
      "base64url",
    );
    for (const bad of [`${h}.${forged}.${s}`, `${h}.${p}.${s.slice(2)}AA`]) {
      const r = await evk(["get", "ns"], { token: bad });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Unauthorized/);
    }
    // Deleting the service account revokes its tokens; a new one of the same name does not revive them.
    await must(["delete", "sa", "builder", "-n", "team"]);
    await create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "builder", namespace: "team" } });
    const revoked = await evk(["get", "ns"], { token });
    assert.match(revoked.stderr, /Unauthorized/);
  });

  it("refuses an expired token (past kube's one-minute leeway) with 401, accepts one within it", async () => {
    const etcdClient = new EtcdClient({ endpoints: [etcd.endpoint] });
    try {
      const stored = (await etcdClient.range({ key: `/evk/${cluster}/pki/sa` })).kvs[0];
      assert.ok(stored, "the signing key is kept in etcd");
      const key = loadSigningKey(JSON.parse(stored.value.toString("utf8")).privateKey);
      const saUid = (await must(["get", "sa", "default", "-n", "default", "-o", "jsonpath={.metadata.uid}"])).trim();
      const mint = (expiredFor: number) =>
        signJwt(
          buildClaims({
            issuer: ISSUER,
            namespace: "default",
            serviceAccount: { name: "default", uid: saUid },
            audiences: [ISSUER],
            now: Math.floor(Date.now() / 1000) - 3600 - expiredFor,
            expirationSeconds: 3600,
          }),
          key,
        );
      const expired = await httpGet(`${apiserver.url}/api/v1/namespaces`, { token: mint(120) });
      assert.equal(expired.status, 401);
      assert.equal(JSON.parse(expired.body).reason, "Unauthorized");
      const grace = await httpGet(`${apiserver.url}/api/v1/namespaces`, { token: mint(10) });
      assert.equal(grace.status, 200, grace.body);
    } finally {
      etcdClient.close();
    }
  });

  it("TokenRequest: 404 for a missing service account, 422 for too short a lifetime, pod binding via client-node", async () => {
    const missing = await evk(["create", "token", "ghost", "-n", "default"]);
    assert.match(missing.stderr, /serviceaccounts "ghost" not found/);
    const short = await evk(["create", "token", "default", "--duration=5m"]);
    assert.match(short.stderr, /may not specify a duration less than 10 minutes/);
    await create(podJson("runner", "default"));
    const podUid = (await must(["get", "pod", "runner", "-o", "jsonpath={.metadata.uid}"])).trim();
    const kc = new KubeConfig();
    kc.loadFromString(readFileSync(apiserver.kubeconfigPath, "utf8"));
    const core = kc.makeApiClient(CoreV1Api);
    const tr = await core.createNamespacedServiceAccountToken({
      name: "default",
      namespace: "default",
      body: {
        spec: {
          audiences: ["vault"],
          expirationSeconds: 7200,
          boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "runner", uid: podUid },
        },
      },
    });
    const c = claimsOf(tr.status?.token ?? "");
    assert.deepEqual(c.aud, ["vault"]);
    assert.equal(c.exp - c.iat, 7200);
    assert.deepEqual(c["kubernetes.io"].pod, { name: "runner", uid: podUid });
    // A token for another audience is no credential for this apiserver.
    const foreign = await evk(["get", "ns"], { token: tr.status?.token as string });
    assert.match(foreign.stderr, /Unauthorized/);
    await assert.rejects(
      core.createNamespacedServiceAccountToken({
        name: "default",
        namespace: "default",
        body: {
          spec: { audiences: [], boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "runner", uid: "stale-uid" } },
        },
      }),
      (e: { code?: number }) => e.code === 409,
    );
    const auth = kc.makeApiClient(AuthenticationV1Api);
    const review = await auth.createSelfSubjectReview({
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    assert.equal(review.status?.userInfo?.username, "admin");
  });

  it("serves the issuer's OIDC discovery document and keys", async () => {
    const cfg = JSON.parse(await must(["get", "--raw", "/.well-known/openid-configuration"]));
    assert.equal(cfg.issuer, ISSUER);
    assert.equal(cfg.jwks_uri, `${apiserver.url}/openid/v1/jwks`);
    assert.deepEqual(cfg.id_token_signing_alg_values_supported, ["ES256"]);
    const keys = JSON.parse(await must(["get", "--raw", "/openid/v1/jwks"]));
    const token = (await must(["create", "token", "default"])).trim();
    const kid = JSON.parse(Buffer.from(token.split(".")[0] as string, "base64url").toString()).kid;
    assert.deepEqual(
      keys.keys.map((k: { kid: string; alg: string }) => [k.kid, k.alg]),
      [[kid, "ES256"]],
    );
  });

  describe("the token channel for syncers (nats request/reply)", () => {
    let podUid: string;
    before(async () => {
      await create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } });
      await create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "runner", namespace: "apps" } });
      await create(podJson("web", "apps", "runner"));
      podUid = (await must(["get", "pod", "web", "-n", "apps", "-o", "jsonpath={.metadata.uid}"])).trim();
    });
    const req = (over: object = {}) => ({
      namespace: "apps",
      serviceAccountName: "runner",
      podName: "web",
      podUid,
      audiences: [] as string[],
      expirationSeconds: 3607,
      ...over,
    });

    it("issues a pod-bound token (kubelet's 3607 s extended to a year with warnafter) that authenticates, and audits it", async () => {
      const before = Date.now();
      const got = await requestToken(nc, cluster, req());
      const c = claimsOf(got.token);
      assert.deepEqual(c["kubernetes.io"].pod, { name: "web", uid: podUid });
      assert.equal(c.sub, "system:serviceaccount:apps:runner");
      assert.equal(c.exp - c.iat, 365 * 24 * 3600);
      assert.equal(c["kubernetes.io"].warnafter - c.iat, 3607);
      const expires = Date.parse(got.expirationTimestamp) - before;
      assert.ok(
        expires > 3500_000 && expires < 3700_000,
        `expirationTimestamp reports the requested 3607 s: ${got.expirationTimestamp}`,
      );
      const who = JSON.parse(await must(["auth", "whoami", "-o", "json"], { token: got.token })).status.userInfo;
      assert.equal(who.username, "system:serviceaccount:apps:runner");
      assert.deepEqual(who.extra["authentication.kubernetes.io/pod-name"], ["web"]);
      assert.deepEqual(who.extra["authentication.kubernetes.io/pod-uid"], [podUid]);
      const log = readFileSync(apiserver.process.spec.logFile, "utf8");
      const audit = log
        .split("\n")
        .filter((l) => l.includes("service account token issued over the token channel"))
        .map((l) => JSON.parse(l));
      assert.ok(
        audit.some(
          (a) =>
            a.level === 30 &&
            a.namespace === "apps" &&
            a.pod === "web" &&
            a.serviceAccount === "runner" &&
            a.jti === c.jti,
        ),
        "an info audit line names namespace, pod, service account and the token's jti",
      );
    });

    it("honours a ten-year request as kube does without a max-expiration flag", async () => {
      const got = await requestToken(nc, cluster, req({ expirationSeconds: 315360000, audiences: ["vault"] }));
      const c = claimsOf(got.token);
      assert.equal(c.exp - c.iat, 315360000);
      assert.equal(c["kubernetes.io"].warnafter, undefined);
    });

    it("refuses a wrong pod uid, another service account, a missing pod and malformed requests", async () => {
      const refused = async (over: object) => {
        try {
          await requestToken(nc, cluster, req(over));
        } catch (err) {
          assert.ok(err instanceof TokenRequestError, String(err));
          return [err.reason, err.code, err.message];
        }
        assert.fail(`issued a token for ${JSON.stringify(over)}`);
      };
      const [r1, c1, m1] = await refused({ podUid: "00000000-0000-0000-0000-000000000000" });
      assert.deepEqual([r1, c1], ["Conflict", 409]);
      assert.match(m1 as string, /UID in the bound object reference/);
      const [r2, c2, m2] = await refused({ serviceAccountName: "default" });
      assert.deepEqual([r2, c2], ["BadRequest", 400]);
      assert.match(m2 as string, /different serviceaccount name/);
      const [r3, c3, m3] = await refused({ podName: "gone" });
      assert.deepEqual([r3, c3], ["NotFound", 404]);
      assert.match(m3 as string, /pods "gone" not found/);
      const [r4, c4] = await refused({ namespace: "nowhere" });
      assert.deepEqual([r4, c4], ["NotFound", 404]);
      const [r5, c5] = await refused({ expirationSeconds: 60 });
      assert.deepEqual([r5, c5], ["Invalid", 422]);
      for (const body of ["not json", JSON.stringify({ namespace: "apps" })]) {
        const reply = (await nc.request(tokenSubject(cluster), body, { timeout: 5000 })).json<{
          error: { reason: string; code: number };
        }>();
        assert.deepEqual([reply.error.reason, reply.error.code], ["BadRequest", 400], body);
      }
      const log = readFileSync(apiserver.process.spec.logFile, "utf8");
      assert.ok(
        log
          .split("\n")
          .some(
            (l) =>
              l.includes("refused over the token channel") && l.includes('"pod":"gone"') && l.includes('"level":40'),
          ),
        "refusals are logged at warn",
      );
      // Still serving after all that.
      assert.ok((await requestToken(nc, cluster, req())).token);
    });

    it("a deleted pod's tokens stop working (after kube's one-minute grace for deletions)", async () => {
      await create(podJson("short", "apps", "runner"));
      const uid = (await must(["get", "pod", "short", "-n", "apps", "-o", "jsonpath={.metadata.uid}"])).trim();
      const got = await requestToken(nc, cluster, req({ podName: "short", podUid: uid }));
      await must(["get", "ns"], { token: got.token });
      await must(["delete", "pod", "short", "-n", "apps", "--wait=true"]);
      const r = await evk(["get", "ns"], { token: got.token });
      assert.match(r.stderr, /Unauthorized/);
    });
  });

  describe("side by side with kube-apiserver 1.35", () => {
    let host: HostCluster;
    before(async () => {
      host = await startHost({ nodes: 1 });
    });
    after(async () => {
      await host?.stop();
    });

    it("issues tokens with the same claims and the same whoami identity", async () => {
      const shape = (jwt: string) => {
        const c = claimsOf(jwt);
        const k = c["kubernetes.io"];
        return {
          keys: Object.keys(c),
          k8sKeys: Object.keys(k),
          iss: c.iss,
          aud: c.aud,
          sub: c.sub,
          lifetime: c.exp - c.iat,
          nbf: c.nbf === c.iat,
          sa: Object.keys(k.serviceaccount),
          pod: k.pod && Object.keys(k.pod),
        };
      };
      const results: Record<string, unknown[]> = {};
      const theirs = (args: string[], opts: { input?: string; token?: string } = {}) =>
        host.kubectl(
          [...(opts.token ? [`--token=${opts.token}`] : []), ...args],
          opts.input === undefined ? {} : { input: opts.input },
        );
      for (const [server, k] of [
        ["evk", evk],
        ["kube-apiserver", theirs],
      ] as const) {
        const ok = async (args: string[], opts: { input?: string; token?: string } = {}) => {
          const r = await k(args, opts);
          assert.equal(r.code, 0, `${server}: kubectl ${args.join(" ")}: ${r.stderr}`);
          return r.stdout.trim();
        };
        await ok(["create", "--validate=false", "-f", "-"], {
          input: JSON.stringify({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "tp", namespace: "default" },
            spec: { schedulerName: "none", containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] },
          }),
        });
        const plain = await ok(["create", "token", "default"]);
        const bound = await ok([
          "create",
          "token",
          "default",
          "--bound-object-kind=Pod",
          "--bound-object-name=tp",
          "--duration=2h",
        ]);
        const who = (await ok(["auth", "whoami"], { token: plain }))
          .replace(/[0-9a-f-]{36}/g, "<uuid>")
          .replace(/\s+/g, " ");
        const missing = await k(["create", "token", "ghost"]);
        results[server] = [shape(plain), shape(bound), who, missing.stderr.trim()];
      }
      assert.deepEqual(results.evk, results["kube-apiserver"]);
    });
  });
});
