import { createHash } from "node:crypto";
import type { V1Pod } from "@kubernetes/client-node";
import type { PodTranslationContext } from "../src/index.ts";

export const sha = (s: string) => createHash("sha256").update(s).digest("hex");

export function basePod(): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "web-0",
      namespace: "default",
      uid: "uid-1",
      resourceVersion: "42",
      generation: 1,
      generateName: "web-",
      finalizers: ["x/y"],
      labels: { app: "web" },
      annotations: { note: "hi" },
    },
    spec: {
      serviceAccountName: "builder",
      containers: [{ name: "main", image: "nginx:1" }],
    },
    status: { phase: "Pending", qosClass: "BestEffort" },
  };
}

export function baseCtx(): PodTranslationContext {
  return {
    cluster: "vc",
    hostNamespace: "hostns",
    apiserverServiceIP: "10.0.0.1",
    dnsServiceIP: "10.0.0.10",
    hostServiceAccountName: "evk-workload-vc",
  };
}
