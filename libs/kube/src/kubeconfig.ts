import { stringify } from "yaml";

export interface KubeconfigParams {
  cluster: string;
  server: string;
  caPem: string;
  user: string;
  token?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

/** A self-contained kubeconfig (certificates embedded) with one context that is current. */
export function renderKubeconfig(p: KubeconfigParams): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: p.cluster, cluster: { server: p.server, "certificate-authority-data": b64(p.caPem) } }],
    users: [
      {
        name: p.user,
        user: {
          ...(p.token ? { token: p.token } : {}),
          ...(p.clientCertPem ? { "client-certificate-data": b64(p.clientCertPem) } : {}),
          ...(p.clientKeyPem ? { "client-key-data": b64(p.clientKeyPem) } : {}),
        },
      },
    ],
    contexts: [{ name: p.cluster, context: { cluster: p.cluster, user: p.user } }],
    "current-context": p.cluster,
    preferences: {},
  });
}
