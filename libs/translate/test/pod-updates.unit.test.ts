import assert from "node:assert/strict";
import type { V1Pod, V1PodSpec } from "@kubernetes/client-node";
import { podUpdates, translatePod, virtualPodStatus } from "../src/index.ts";
import { baseCtx, basePod } from "./fixtures.ts";

/** A host pod as the host API server would return it after creation: admission added tolerations and metadata. */
function hostPodFor(v: V1Pod): V1Pod {
  const r = translatePod(v, baseCtx());
  if (!r.ok) assert.fail(r.message);
  const host = structuredClone(r.pod);
  host.metadata = {
    ...host.metadata,
    uid: "host-uid",
    labels: { ...host.metadata?.labels, "pod-template-hash": "abc" },
    annotations: {
      ...host.metadata?.annotations,
      "kubectl.kubernetes.io/restartedAt": "t",
      "evk.dev/token-aaaaaaaa": "jwt",
    },
  };
  (host.spec as V1PodSpec).tolerations = [
    ...((host.spec as V1PodSpec).tolerations ?? []),
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
  ];
  return host;
}

describe("podUpdates", () => {
  it("nothing to do for an unchanged virtual pod, whatever the host added", () => {
    const v = basePod();
    assert.equal(podUpdates(v, hostPodFor(v), baseCtx()), undefined);
  });

  const cases: { name: string; setup?: (v: V1Pod) => void; change: (v: V1Pod) => void; check: (h: V1Pod) => void }[] = [
    {
      name: "container image",
      change: (v) => (((v.spec as V1PodSpec).containers[0] as { image?: string }).image = "nginx:2"),
      check: (h) => assert.equal(h.spec?.containers[0]?.image, "nginx:2"),
    },
    {
      name: "init container image",
      setup: (v) => ((v.spec as V1PodSpec).initContainers = [{ name: "init", image: "busybox:1" }]),
      change: (v) => (((v.spec as V1PodSpec).initContainers ?? [])[0] = { name: "init", image: "busybox:2" }),
      check: (h) => assert.equal(h.spec?.initContainers?.[0]?.image, "busybox:2"),
    },
    {
      name: "activeDeadlineSeconds",
      change: (v) => ((v.spec as V1PodSpec).activeDeadlineSeconds = 30),
      check: (h) => assert.equal(h.spec?.activeDeadlineSeconds, 30),
    },
    {
      name: "tolerations: virtual ones added, host-only ones kept",
      change: (v) => ((v.spec as V1PodSpec).tolerations = [{ key: "gpu", operator: "Exists" }]),
      check: (h) =>
        assert.deepEqual(h.spec?.tolerations, [
          { key: "gpu", operator: "Exists" },
          { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
        ]),
    },
    {
      name: "labels: changed and removed virtual labels follow, host-only labels stay, labels annotation refreshed",
      change: (v) => (v.metadata = { ...v.metadata, labels: { tier: "front" } }),
      check: (h) => {
        assert.deepEqual(h.metadata?.labels, {
          tier: "front",
          "evk.dev/managed-by": "vc",
          "evk.dev/namespace": "default",
          "pod-template-hash": "abc",
        });
        assert.equal(h.metadata?.annotations?.["evk.dev/labels"], 'tier="front"');
      },
    },
    {
      name: "annotations: removed virtual annotation removed, host-only and token annotations kept",
      change: (v) => (v.metadata = { ...v.metadata, annotations: { other: "1" } }),
      check: (h) => {
        const a = h.metadata?.annotations ?? {};
        assert.equal(a.note, undefined);
        assert.equal(a.other, "1");
        assert.equal(a["evk.dev/managed-annotations"], "other");
        assert.equal(a["kubectl.kubernetes.io/restartedAt"], "t");
        assert.equal(a["evk.dev/token-aaaaaaaa"], "jwt");
      },
    },
    {
      name: "ephemeral containers missing on the host are added with translated env",
      change: (v) => {
        (v.spec as V1PodSpec).ephemeralContainers = [
          {
            name: "debug",
            image: "busybox",
            env: [{ name: "N", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
          },
        ];
      },
      check: (h) => {
        const env = h.spec?.ephemeralContainers?.[0]?.env ?? [];
        assert.equal(
          env.find((e) => e.name === "N")?.valueFrom?.fieldRef?.fieldPath,
          "metadata.annotations['evk.dev/name']",
        );
        assert.equal(env.find((e) => e.name === "KUBERNETES_SERVICE_HOST")?.value, "10.0.0.1");
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = basePod();
      c.setup?.(v);
      const host = hostPodFor(v);
      c.change(v);
      const updated = podUpdates(v, host, baseCtx()) ?? assert.fail("expected an update");
      c.check(updated);
      assert.equal(podUpdates(v, updated, baseCtx()), undefined, "applying the update converges");
    });
  }

  it("schedulingGates follow the virtual pod (removal)", () => {
    const v = basePod();
    (v.spec as V1PodSpec).schedulingGates = [{ name: "wait" }];
    const host = hostPodFor(v);
    assert.deepEqual(host.spec?.schedulingGates, [{ name: "wait" }]);
    delete (v.spec as V1PodSpec).schedulingGates;
    assert.equal(podUpdates(v, host, baseCtx())?.spec?.schedulingGates, undefined);
  });
});

describe("virtualPodStatus", () => {
  const v = basePod();
  v.spec = { containers: [{ name: "main" }], initContainers: [{ name: "init" }] };
  v.status = { phase: "Pending", qosClass: "Burstable", observedGeneration: 1 };
  const host: V1Pod = {
    status: {
      phase: "Running",
      podIP: "10.244.0.5",
      qosClass: "BestEffort",
      observedGeneration: 7,
      containerStatuses: [
        { name: "main", ready: true, restartCount: 0, image: "nginx", imageID: "x" },
        { name: "sidecar", ready: true, restartCount: 0, image: "s", imageID: "y" },
      ],
      initContainerStatuses: [
        { name: "evk-rewrite-hosts", ready: true, restartCount: 0, image: "a", imageID: "a" },
        { name: "init", ready: true, restartCount: 0, image: "b", imageID: "b" },
      ],
    },
  };
  const got = virtualPodStatus(v, host);
  const cases: [string, unknown, unknown][] = [
    ["phase from the host", got.phase, "Running"],
    ["podIP from the host", got.podIP, "10.244.0.5"],
    ["qosClass stays virtual", got.qosClass, "Burstable"],
    ["observedGeneration stays virtual", got.observedGeneration, 1],
    ["container statuses filtered to the virtual spec", got.containerStatuses?.map((s) => s.name), ["main"]],
    ["init container statuses filtered", got.initContainerStatuses?.map((s) => s.name), ["init"]],
  ];
  for (const [name, actual, want] of cases) it(name, () => assert.deepEqual(actual, want));
  it("does not modify the host pod", () => assert.equal(host.status?.containerStatuses?.length, 2));
});
