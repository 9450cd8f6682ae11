import type { KubeObject } from "@evk/kube";

// Defaulting applied on create, as kube-apiserver's defaulters and strategies do it, per resource.
// Pure: the object in, the defaulted object out.

type Defaulter = (o: KubeObject) => KubeObject;

const namespace: Defaulter = (o) => ({
  ...o,
  metadata: {
    ...o.metadata,
    // The NamespaceDefaultLabelName feature: every namespace carries its own name as a label.
    labels: { ...o.metadata.labels, "kubernetes.io/metadata.name": o.metadata.name as string },
  },
  spec: { finalizers: ["kubernetes"], ...(o.spec as object | undefined) },
  // A new namespace is Active whatever status the client sent.
  status: { phase: "Active" },
});

const defaulters: Record<string, Defaulter> = {
  "core/namespaces": namespace,
};

export function applyDefaults(group: string, resource: string, o: KubeObject): KubeObject {
  const d = defaulters[`${group || "core"}/${resource}`];
  return d ? d(o) : o;
}
