import { objectKey, splitKey } from "@evk/syncer-runtime";

/**
 * syncer-storage reconciles three kinds of things through one queue; a key says which:
 * `pvc:<ns>/<name>`, `pv:<name>` (a virtual PersistentVolume name), `sc:<name>` (a StorageClass: the host's
 * name when mirroring host classes, the virtual name when syncing classes to the host).
 */
export type WorkKind = "pvc" | "pv" | "sc";

export const workKey = (kind: WorkKind, namespace: string | undefined, name: string) =>
  `${kind}:${objectKey(namespace, name)}`;

export function parseWorkKey(key: string): { kind: WorkKind; namespace: string; name: string } {
  const i = key.indexOf(":");
  const kind = key.slice(0, i) as WorkKind;
  if (!["pvc", "pv", "sc"].includes(kind)) throw new Error(`not a work key: ${key}`);
  return { kind, ...splitKey(key.slice(i + 1)) };
}
