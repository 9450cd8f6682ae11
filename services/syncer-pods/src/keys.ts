import { objectKey, splitKey } from "@evk/syncer-runtime";

/**
 * syncer-pods reconciles three kinds of things through one queue; a key says which:
 * `pod:<ns>/<name>`, `configmap:<ns>/<name>`, `secret:<ns>/<name>`, `node:<name>`.
 */
export type WorkKind = "pod" | "configmap" | "secret" | "node";

export const workKey = (kind: WorkKind, namespace: string | undefined, name: string) =>
  `${kind}:${objectKey(namespace, name)}`;

export function parseWorkKey(key: string): { kind: WorkKind; namespace: string; name: string } {
  const i = key.indexOf(":");
  const kind = key.slice(0, i) as WorkKind;
  if (!["pod", "configmap", "secret", "node"].includes(kind)) throw new Error(`not a work key: ${key}`);
  return { kind, ...splitKey(key.slice(i + 1)) };
}
