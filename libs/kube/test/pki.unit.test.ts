import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { KubeConfig } from "@kubernetes/client-node";
import { renderKubeconfig } from "../src/kubeconfig.ts";
import { createCertificateAuthority, loadCertificateAuthority } from "../src/pki.ts";

describe("pki", () => {
  it("issues server and client certificates that chain to the CA with the requested names", async () => {
    const ca = await createCertificateAuthority("unit-ca");
    const caCert = new X509Certificate(ca.cert);
    const cases = [
      {
        req: { commonName: "kube-apiserver", dnsNames: ["localhost"], ips: ["127.0.0.1"], usage: "server" as const },
        subject: "CN=kube-apiserver",
        san: "DNS:localhost, IP Address:127.0.0.1",
        eku: ["1.3.6.1.5.5.7.3.1"],
      },
      {
        req: { commonName: "admin", organizations: ["system:masters"], usage: "client" as const },
        subject: "O=system:masters\nCN=admin",
        san: undefined,
        eku: ["1.3.6.1.5.5.7.3.2"],
      },
    ];
    for (const c of cases) {
      const issued = await ca.issue(c.req);
      const cert = new X509Certificate(issued.cert);
      assert.equal(cert.subject, c.subject);
      assert.equal(cert.subjectAltName, c.san);
      assert.deepEqual(cert.keyUsage, c.eku);
      assert.ok(cert.checkIssued(caCert), "issuer matches the CA");
      assert.ok(cert.verify(caCert.publicKey), "signed by the CA key");
      assert.equal(cert.ca, false);
      assert.match(issued.key, /^-----BEGIN PRIVATE KEY-----/);
    }
    assert.equal(caCert.ca, true);
  });
});

describe("pki persistence", () => {
  it("loads a CA from its PEMs and keeps issuing certificates that chain to the same CA", async () => {
    const ca = await createCertificateAuthority("persisted-ca");
    const loaded = await loadCertificateAuthority(ca.cert, ca.key);
    assert.equal(loaded.cert, ca.cert);
    const leaf = new X509Certificate(
      (await loaded.issue({ commonName: "x", usage: "server", ips: ["127.0.0.1"] })).cert,
    );
    assert.ok(leaf.verify(new X509Certificate(ca.cert).publicKey));
  });
});

describe("kubeconfig", () => {
  it("renders a kubeconfig that client-node loads with embedded CA and token", () => {
    const text = renderKubeconfig({
      cluster: "c1",
      server: "https://127.0.0.1:6443",
      caPem: "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n",
      user: "u1",
      token: "t0k",
    });
    const kc = new KubeConfig();
    kc.loadFromString(text);
    assert.equal(kc.getCurrentContext(), "c1");
    assert.equal(kc.getCurrentCluster()?.server, "https://127.0.0.1:6443");
    assert.equal(
      Buffer.from(kc.getCurrentCluster()?.caData ?? "", "base64").toString(),
      "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n",
    );
    assert.equal(kc.getCurrentUser()?.token, "t0k");
  });
});
