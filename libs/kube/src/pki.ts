// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs this polyfill loaded first.
import "reflect-metadata";
import { randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(globalThis.crypto);

type KeyPair = webcrypto.CryptoKeyPair;

const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 24 * 60 * 60 * 1000;

/** A PEM certificate with its PKCS#8 PEM private key. */
export interface KeyPairPem {
  cert: string;
  key: string;
}

export interface CertificateAuthority extends KeyPairPem {
  issue(req: IssueRequest): Promise<KeyPairPem>;
}

export interface IssueRequest {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ips?: string[];
  usage: "server" | "client" | "both";
  validDays?: number;
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

function serial(): string {
  // Positive 16-byte serial: clear the top bit so DER does not read it as negative.
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f;
  return b.toString("hex");
}

function dn(commonName: string, organizations: string[] = []): string {
  const esc = (s: string) => s.replace(/([,+"\\<>;=])/g, "\\$1");
  return [...organizations.map((o) => `O=${esc(o)}`), `CN=${esc(commonName)}`].join(", ");
}

/** A fresh ECDSA P-256 CA; certificates it issues chain to `cert`. */
export async function createCertificateAuthority(commonName: string, validDays = 3650): Promise<CertificateAuthority> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as KeyPair;
  return authorityFrom(keys, await selfSigned(keys, commonName, validDays));
}

/** A CA from its PEM certificate and PKCS#8 key, e.g. as kept in etcd across restarts. */
export async function loadCertificateAuthority(certPem: string, keyPem: string): Promise<CertificateAuthority> {
  const caCert = new x509.X509Certificate(certPem);
  const der = x509.PemConverter.decode(keyPem)[0] as ArrayBuffer;
  const privateKey = await webcrypto.subtle.importKey("pkcs8", der, alg, true, ["sign"]);
  return authorityFrom(
    { privateKey, publicKey: (await caCert.publicKey.export(alg, ["verify"])) as webcrypto.CryptoKey },
    caCert,
  );
}

async function selfSigned(keys: KeyPair, commonName: string, validDays: number): Promise<x509.X509Certificate> {
  const now = Date.now();
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: dn(commonName),
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validDays * DAY),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
}

async function authorityFrom(keys: KeyPair, caCert: x509.X509Certificate): Promise<CertificateAuthority> {
  const caKeyPem = await exportKey(keys.privateKey);
  return {
    cert: caCert.toString("pem"),
    key: caKeyPem,
    async issue(req: IssueRequest): Promise<KeyPairPem> {
      const leaf = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as KeyPair;
      const eku =
        req.usage === "server"
          ? [x509.ExtendedKeyUsage.serverAuth]
          : req.usage === "client"
            ? [x509.ExtendedKeyUsage.clientAuth]
            : [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth];
      const names = [
        ...(req.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
        ...(req.ips ?? []).map((value) => ({ type: "ip" as const, value })),
      ];
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: dn(req.commonName, req.organizations),
        issuer: caCert.subject,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + (req.validDays ?? 365) * DAY),
        publicKey: leaf.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: alg,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension(eku),
          await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
          ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
        ],
      });
      return { cert: cert.toString("pem"), key: await exportKey(leaf.privateKey) };
    },
  };
}

/** A service-account signing key pair (PKCS#8 private, SPKI public), as kube-apiserver reads them. */
export async function createSigningKeyPair(): Promise<{ privateKey: string; publicKey: string }> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as KeyPair;
  const spki = await webcrypto.subtle.exportKey("spki", keys.publicKey);
  return { privateKey: await exportKey(keys.privateKey), publicKey: x509.PemConverter.encode(spki, "PUBLIC KEY") };
}
