import assert from "node:assert/strict";
import type { V1Pod } from "@kubernetes/client-node";
import { podReferences } from "../src/pod.ts";

describe("what a pod uses", () => {
  const pod = (spec: Partial<NonNullable<V1Pod["spec"]>>): V1Pod => ({
    metadata: { name: "p", namespace: "d" },
    spec: { containers: [{ name: "c", image: "i" }], ...spec },
  });
  const cases: [string, V1Pod, { configMaps: string[]; secrets: string[]; persistentVolumeClaims: string[] }][] = [
    [
      "env, envFrom and every kind of container",
      pod({
        initContainers: [
          { name: "i", env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "cm-a", key: "k" } } }] },
        ],
        containers: [{ name: "c", envFrom: [{ secretRef: { name: "s-b" } }, { configMapRef: { name: "cm-b" } }] }],
      }),
      { configMaps: ["cm-a", "cm-b"], secrets: ["s-b"], persistentVolumeClaims: [] },
    ],
    [
      "volume sources, projected ones and a CSI driver's secret",
      pod({
        volumes: [
          { name: "v1", configMap: { name: "cm" } },
          { name: "v2", secret: { secretName: "s" } },
          { name: "v3", projected: { sources: [{ configMap: { name: "pcm" } }, { secret: { name: "ps" } }] } },
          { name: "v4", csi: { driver: "d.io", nodePublishSecretRef: { name: "csi-s" } } },
          { name: "v5", persistentVolumeClaim: { claimName: "data" } },
        ],
      }),
      { configMaps: ["cm", "pcm"], secrets: ["csi-s", "ps", "s"], persistentVolumeClaims: ["data"] },
    ],
    [
      "image pull secrets, once each",
      pod({ imagePullSecrets: [{ name: "reg" }, { name: "reg" }] }),
      { configMaps: [], secrets: ["reg"], persistentVolumeClaims: [] },
    ],
  ];
  for (const [why, p, want] of cases) {
    it(why, () => assert.deepEqual(podReferences(p), want));
  }
  it("does not change the pod", () => {
    const p = pod({ volumes: [{ name: "v", configMap: { name: "cm" } }] });
    const copy = structuredClone(p);
    podReferences(p);
    assert.deepEqual(p, copy);
  });
});
