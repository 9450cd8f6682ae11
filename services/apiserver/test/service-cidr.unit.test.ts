import assert from "node:assert/strict";
import type { KubeObject } from "@evk/kube";
import {
  canDeleteServiceCIDR,
  DELETION_GRACE_MS,
  defaultServiceCIDR,
  ipAddressFor,
  planServiceAddresses,
  SERVICE_CIDR_FINALIZER,
  serviceAddresses,
  serviceRangeProblem,
  syncDeletedServiceCIDR,
  syncLiveServiceCIDR,
} from "../src/service-cidr.ts";
import { toCauses } from "../src/spec-validation/field-errors.ts";
import { cidrContains, cidrProblems, ipProblems } from "../src/spec-validation/ip.ts";
import {
  ipAddressProblems,
  ipAddressUpdateProblems,
  serviceCIDRProblems,
  serviceCIDRUpdateProblems,
} from "../src/spec-validation/service-cidr.ts";
import { formatParentRef } from "../src/tables/networking.ts";
import { nameProblems } from "../src/validation.ts";

const messages = (errs: Parameters<typeof toCauses>[0]) => toCauses(errs).map((c) => `${c.field}: ${c.message}`);

describe("the service IP allocator's objects", () => {
  describe("IPs and CIDRs as Go parses and prints them", () => {
    for (const [ip, want] of [
      ["10.0.0.1", []],
      ["010.0.0.1", ["must not have leading 0s"]],
      ["::ffff:1.2.3.4", ["must not be an IPv4-mapped IPv6 address"]],
      ["2001:db8::1", []],
      ["2001:0db8:0:0::1", ['must be in canonical form ("2001:db8::1")']],
      ["FE80::1", ['must be in canonical form ("fe80::1")']],
      ["2001:db8:0:0:1:0:0:1", ['must be in canonical form ("2001:db8::1:0:0:1")']],
      ["::1.2.3.4", ['must be in canonical form ("::102:304")']],
      ["::", []],
      ["1.2.3", ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]],
      ["fe80::1%eth0", ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]],
    ] as const)
      it(`IP ${ip}`, () => assert.deepEqual(ipProblems(ip), want));
    for (const [cidr, want] of [
      ["10.96.0.0/12", []],
      ["10.0.0.1/24", ["must not have bits set beyond the prefix length"]],
      ["10.0.0.0/024", ["must not have leading 0s in IP or prefix length"]],
      ["010.0.0.0/24", ["must not have leading 0s in IP or prefix length"]],
      ["2001:DB8::/64", ['must be in canonical form ("2001:db8::/64")']],
      ["::ffff:1.2.3.0/120", ["must not have an IPv4-mapped IPv6 address"]],
      ["10.0.0.0/33", ["must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"]],
      ["10.0.0.0", ["must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"]],
    ] as const)
      it(`CIDR ${cidr}`, () => assert.deepEqual(cidrProblems(cidr), want));
    it("containment", () => {
      assert.equal(cidrContains("10.96.0.0/12", "10.96.0.1"), true);
      assert.equal(cidrContains("10.96.0.0/16", "10.97.0.1"), false);
      assert.equal(cidrContains("fd00::/64", "fd00::5"), true);
      assert.equal(cidrContains("fd00::/64", "10.0.0.1"), false);
    });
  });

  describe("validation, in kube's words", () => {
    const sc = (cidrs: unknown) => ({ spec: { cidrs } });
    for (const [name, o, want] of [
      ["no CIDR", sc([]), ["spec.cidrs: Required value: at least one CIDR required"]],
      [
        "three",
        sc(["10.1.0.0/24", "10.2.0.0/24", "fd00::/64"]),
        [
          'spec.cidrs: Invalid value: {"CIDRs":["10.1.0.0/24","10.2.0.0/24","fd00::/64"]}: may only hold up to 2 values',
        ],
      ],
      [
        "two of one family",
        sc(["10.1.0.0/24", "10.2.0.0/24"]),
        [
          'spec.cidrs: Invalid value: ["10.1.0.0/24","10.2.0.0/24"]: may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64',
        ],
      ],
      [
        "bad ones",
        sc(["a", "10.0.0.1/24"]),
        [
          'spec.cidrs[0]: Invalid value: "a": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
          'spec.cidrs[1]: Invalid value: "10.0.0.1/24": must not have bits set beyond the prefix length',
        ],
      ],
      ["dual stack", sc(["10.1.0.0/24", "fd00::/64"]), []],
    ] as const)
      it(`ServiceCIDR: ${name}`, () => assert.deepEqual(messages(serviceCIDRProblems(o)), want));

    it("ServiceCIDR updates: the CIDRs stay, a single-stack range may gain the other family", () => {
      const old = sc(["10.1.0.0/24"]);
      assert.deepEqual(messages(serviceCIDRUpdateProblems(sc(["10.1.0.0/24", "fd00::/64"]), old)), []);
      assert.deepEqual(messages(serviceCIDRUpdateProblems(sc(["10.2.0.0/24"]), old)), [
        'spec.cidrs[0]: Invalid value: "10.2.0.0/24": field is immutable',
      ]);
      assert.deepEqual(messages(serviceCIDRUpdateProblems(sc([]), old)), [
        "spec.cidrs: Invalid value: []: field is immutable",
      ]);
    });

    it("IPAddress: its name is an IP in canonical form, its parent a valid reference", () => {
      assert.deepEqual(nameProblems({ group: "networking.k8s.io", resource: "ipaddresses" }, "FE80::1"), [
        'must be in canonical form ("fe80::1")',
      ]);
      assert.deepEqual(messages(ipAddressProblems({ spec: {} })), ["spec.parentRef: Required value"]);
      assert.deepEqual(
        messages(
          ipAddressProblems({ spec: { parentRef: { group: "Bad_G", resource: "a/b", name: "", namespace: "x%" } } }),
        ),
        [
          "spec.parentRef.group: Invalid value: \"Bad_G\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
          "spec.parentRef.resource: Invalid value: \"a/b\": may not contain '/'",
          "spec.parentRef.name: Required value",
          "spec.parentRef.namespace: Invalid value: \"x%\": may not contain '%'",
        ],
      );
      const ref = (name: string) => ({ spec: { parentRef: { resource: "services", namespace: "default", name } } });
      assert.deepEqual(messages(ipAddressUpdateProblems(ref("foo"), ref("foo"))), []);
      assert.deepEqual(messages(ipAddressUpdateProblems(ref("bar"), ref("foo"))), [
        'spec.parentRef: Invalid value: {"Group":"","Resource":"services","Namespace":"default","Name":"bar"}: field is immutable',
      ]);
    });

    it("--service-cluster-ip-range", () => {
      assert.equal(serviceRangeProblem(["10.96.0.0/16"]), undefined);
      assert.equal(serviceRangeProblem(["10.96.0.0/16", "fd00::/108"]), undefined);
      assert.match(serviceRangeProblem(["10.96.0.0/16", "10.97.0.0/16"]) ?? "", /different IP families/);
      assert.match(serviceRangeProblem(["nope"]) ?? "", /no CIDR/);
      assert.match(serviceRangeProblem([]) ?? "", /one CIDR/);
    });
  });

  describe("what the servicecidrs controller does", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    const cidr = (name: string, cidrs: string[], extra: Partial<KubeObject["metadata"]> = {}): KubeObject => ({
      ...defaultServiceCIDR(cidrs),
      metadata: { name, ...extra },
    });

    it("a live ServiceCIDR gets the finalizer, then Ready, then nothing more", () => {
      const first = syncLiveServiceCIDR(cidr("kubernetes", ["10.96.0.0/16"]), now) as KubeObject;
      assert.deepEqual(first.metadata.finalizers, [SERVICE_CIDR_FINALIZER]);
      const second = syncLiveServiceCIDR(first, now) as KubeObject;
      assert.deepEqual(second.status, {
        conditions: [
          {
            type: "Ready",
            status: "True",
            reason: "",
            message: "Kubernetes Service CIDR is ready",
            lastTransitionTime: "2026-01-01T00:00:00Z",
          },
        ],
      });
      assert.equal(syncLiveServiceCIDR(second, now + 1000), undefined);
    });

    const address = (ip: string) => ({
      ...ipAddressFor({ metadata: { name: "web", namespace: "ns" } }, ip),
    });

    it("a deleted ServiceCIDR is held while an allocated IP has no other range, then let go after the grace", () => {
      const deleting = cidr("extra", ["10.50.0.0/24"], {
        deletionTimestamp: "2026-01-01T00:00:00Z",
        finalizers: [SERVICE_CIDR_FINALIZER],
      });
      const held = syncDeletedServiceCIDR(deleting, [deleting], [address("10.50.0.5")], now);
      assert.deepEqual(
        (held.next?.status as { conditions: { reason: string }[] } | undefined)?.conditions.map((c) => c.reason),
        ["Terminating"],
      );
      const parent = cidr("kubernetes", ["10.0.0.0/8"]);
      assert.equal(canDeleteServiceCIDR(deleting, [deleting, parent], [address("10.50.0.5")]), true);
      assert.equal(canDeleteServiceCIDR(deleting, [deleting], [address("10.60.0.5")]), true);
      assert.deepEqual(syncDeletedServiceCIDR(deleting, [deleting], [], now + 1000), {
        retryInMs: DELETION_GRACE_MS - 1000,
      });
      const gone = syncDeletedServiceCIDR(deleting, [deleting], [], now + DELETION_GRACE_MS);
      assert.deepEqual(gone.next?.metadata.finalizers, []);
    });

    it("a Service's clusterIPs get IPAddresses; stale ones of this Service go; others' stay", () => {
      const svc: KubeObject = {
        metadata: { name: "web", namespace: "ns" },
        spec: { clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10", "fd00::a"] },
      };
      assert.deepEqual(serviceAddresses(svc), ["10.96.0.10", "fd00::a"]);
      assert.deepEqual(serviceAddresses({ metadata: {}, spec: { clusterIP: "None" } }), []);
      assert.deepEqual(serviceAddresses({ metadata: {}, spec: { type: "ExternalName", clusterIP: "1.2.3.4" } }), []);
      assert.deepEqual(ipAddressFor(svc, "fd00::a"), {
        apiVersion: "networking.k8s.io/v1",
        kind: "IPAddress",
        metadata: {
          name: "fd00::a",
          labels: {
            "ipaddress.kubernetes.io/ip-family": "IPv6",
            "ipaddress.kubernetes.io/managed-by": "ipallocator.k8s.io",
          },
        },
        spec: { parentRef: { resource: "services", namespace: "ns", name: "web" } },
      });
      const stale = address("10.96.0.9");
      const someoneElses = {
        ...address("10.96.0.8"),
        spec: { parentRef: { resource: "services", namespace: "ns", name: "other" } },
      };
      const plan = planServiceAddresses("ns", "web", svc, [address("10.96.0.10"), stale, someoneElses]);
      assert.deepEqual(
        plan.create.map((o) => o.metadata.name),
        ["fd00::a"],
      );
      assert.deepEqual(plan.remove, ["10.96.0.9"]);
      assert.deepEqual(planServiceAddresses("ns", "web", undefined, [address("10.96.0.10")]).remove, ["10.96.0.10"]);
    });

    it("the IPAddress table's parent column", () => {
      assert.equal(
        formatParentRef({ resource: "services", namespace: "default", name: "kubernetes" }),
        "services/default/kubernetes",
      );
      assert.equal(
        formatParentRef({ group: "Example.com", resource: "Gateways", name: "g" }),
        "gateways.example.com/g",
      );
      assert.equal(formatParentRef(undefined), "<none>");
    });
  });
});
