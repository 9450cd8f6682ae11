import { randomBytes } from "node:crypto";
import {
  type CertificateAuthority,
  createCertificateAuthority,
  createSigningKeyPair,
  loadCertificateAuthority,
} from "@evk/kube";
import type { EtcdClient } from "@evk/store";

// The cluster's CA, service-account signing key and admin token live in etcd beside its objects, so every apiserver replica and every
// restart serves the same identity. Created once: the first writer wins and the others read its copy.

async function createOnce(etcd: EtcdClient, key: string, make: () => Promise<string>): Promise<string> {
  const existing = (await etcd.range({ key })).kvs[0];
  if (existing) return existing.value.toString("utf8");
  const value = await make();
  const res = await etcd.txn(
    [{ key, target: "Create", result: "Equal", create_revision: 0 }],
    [{ request_put: { key, value } }],
    [{ request_range: { key } }],
  );
  return res.succeeded ? value : (res.responses[0]?.response_range?.kvs[0]?.value.toString("utf8") as string);
}

export async function clusterCA(etcd: EtcdClient, cluster: string): Promise<CertificateAuthority> {
  const stored = await createOnce(etcd, `/evk/${cluster}/pki/ca`, async () => {
    const ca = await createCertificateAuthority(`evk-${cluster}-ca`);
    return JSON.stringify({ cert: ca.cert, key: ca.key });
  });
  const { cert, key } = JSON.parse(stored) as { cert: string; key: string };
  return loadCertificateAuthority(cert, key);
}

export function adminToken(etcd: EtcdClient, cluster: string): Promise<string> {
  return createOnce(etcd, `/evk/${cluster}/auth/admin-token`, async () => randomBytes(32).toString("base64url"));
}

/** The cluster's service-account signing key (ECDSA P-256, PKCS#8 PEM): signs and verifies its JWTs. */
export async function serviceAccountKey(etcd: EtcdClient, cluster: string): Promise<string> {
  const stored = await createOnce(etcd, `/evk/${cluster}/pki/sa`, async () => {
    const k = await createSigningKeyPair();
    return JSON.stringify({ privateKey: k.privateKey, publicKey: k.publicKey });
  });
  return (JSON.parse(stored) as { privateKey: string }).privateKey;
}
