import assert from "node:assert/strict";
import type { V1Service, V1ServicePort } from "@kubernetes/client-node";
import { generatedEnvVars, serviceLinkEnvVars } from "../src/index.ts";

const svc = (
  name: string,
  clusterIP: string,
  ports: V1ServicePort[] | undefined,
  namespace = "default",
): V1Service => ({
  metadata: { name, namespace },
  spec: { clusterIP, ...(ports ? { ports } : {}) },
});

describe("service link variables (kubelet algorithm)", () => {
  const cases: { name: string; service: V1Service; want: [string, string][] }[] = [
    {
      name: "two ports, first unnamed: every variable in kubelet order",
      service: svc("my-db", "10.1.2.3", [{ port: 5432 }, { name: "metrics-http", port: 9187, protocol: "TCP" }]),
      want: [
        ["MY_DB_SERVICE_HOST", "10.1.2.3"],
        ["MY_DB_SERVICE_PORT", "5432"],
        ["MY_DB_SERVICE_PORT_METRICS_HTTP", "9187"],
        ["MY_DB_PORT", "tcp://10.1.2.3:5432"],
        ["MY_DB_PORT_5432_TCP", "tcp://10.1.2.3:5432"],
        ["MY_DB_PORT_5432_TCP_PROTO", "tcp"],
        ["MY_DB_PORT_5432_TCP_PORT", "5432"],
        ["MY_DB_PORT_5432_TCP_ADDR", "10.1.2.3"],
        ["MY_DB_PORT_9187_TCP", "tcp://10.1.2.3:9187"],
        ["MY_DB_PORT_9187_TCP_PROTO", "tcp"],
        ["MY_DB_PORT_9187_TCP_PORT", "9187"],
        ["MY_DB_PORT_9187_TCP_ADDR", "10.1.2.3"],
      ],
    },
    {
      name: "UDP and IPv6",
      service: svc("dns", "fd00::a", [{ name: "dns", port: 53, protocol: "UDP" }]),
      want: [
        ["DNS_SERVICE_HOST", "fd00::a"],
        ["DNS_SERVICE_PORT", "53"],
        ["DNS_SERVICE_PORT_DNS", "53"],
        ["DNS_PORT", "udp://[fd00::a]:53"],
        ["DNS_PORT_53_UDP", "udp://[fd00::a]:53"],
        ["DNS_PORT_53_UDP_PROTO", "udp"],
        ["DNS_PORT_53_UDP_PORT", "53"],
        ["DNS_PORT_53_UDP_ADDR", "fd00::a"],
      ],
    },
    { name: "headless services get nothing", service: svc("h", "None", [{ port: 80 }]), want: [] },
    { name: "services without a ClusterIP get nothing", service: svc("ext", "", undefined), want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(
        serviceLinkEnvVars(c.service).map((e) => [e.name, e.value]),
        c.want,
      );
    });
  }
});

describe("generatedEnvVars", () => {
  const kube = {
    KUBERNETES_PORT: "tcp://10.0.0.1:443",
    KUBERNETES_PORT_443_TCP: "tcp://10.0.0.1:443",
    KUBERNETES_PORT_443_TCP_ADDR: "10.0.0.1",
    KUBERNETES_PORT_443_TCP_PORT: "443",
    KUBERNETES_PORT_443_TCP_PROTO: "tcp",
    KUBERNETES_SERVICE_HOST: "10.0.0.1",
    KUBERNETES_SERVICE_PORT: "443",
    KUBERNETES_SERVICE_PORT_HTTPS: "443",
  };
  const services = [
    svc("a", "10.1.0.1", [{ port: 80 }]),
    svc("kubernetes", "10.96.0.1", [{ name: "https", port: 6443 }]),
    svc("other-ns", "10.1.0.2", [{ port: 80 }], "kube-system"),
  ];
  const cases: { name: string; enableServiceLinks: boolean | undefined; want: Record<string, string> }[] = [
    { name: "service links off: only the API server", enableServiceLinks: false, want: kube },
    {
      name: "service links default on; evk's API server wins over a virtual kubernetes service; other namespaces ignored",
      enableServiceLinks: undefined,
      want: {
        A_SERVICE_HOST: "10.1.0.1",
        A_SERVICE_PORT: "80",
        A_PORT: "tcp://10.1.0.1:80",
        A_PORT_80_TCP: "tcp://10.1.0.1:80",
        A_PORT_80_TCP_PROTO: "tcp",
        A_PORT_80_TCP_PORT: "80",
        A_PORT_80_TCP_ADDR: "10.1.0.1",
        KUBERNETES_PORT_6443_TCP: "tcp://10.96.0.1:6443",
        KUBERNETES_PORT_6443_TCP_PROTO: "tcp",
        KUBERNETES_PORT_6443_TCP_PORT: "6443",
        KUBERNETES_PORT_6443_TCP_ADDR: "10.96.0.1",
        ...kube,
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = generatedEnvVars({
        namespace: "default",
        services,
        enableServiceLinks: c.enableServiceLinks,
        apiserverServiceIP: "10.0.0.1",
      });
      assert.deepEqual(Object.fromEntries(got), c.want);
    });
  }
});
