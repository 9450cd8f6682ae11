import { objectKey, splitKey } from "@evk/syncer-runtime";

/**
 * syncer-services reconciles three kinds of things through one queue; a key says which:
 * `service:<ns>/<name>` (the host twin and what comes back), `endpoints:<ns>/<name>` (the Endpoints and
 * EndpointSlices of the Service of that name), `slice:<ns>/<name>` (one user-maintained EndpointSlice).
 */
export type WorkKind = "service" | "endpoints" | "slice";

export const workKey = (kind: WorkKind, namespace: string, name: string) => `${kind}:${objectKey(namespace, name)}`;

export function parseWorkKey(key: string): { kind: WorkKind; namespace: string; name: string } {
  const i = key.indexOf(":");
  const kind = key.slice(0, i) as WorkKind;
  if (!["service", "endpoints", "slice"].includes(kind)) throw new Error(`not a work key: ${key}`);
  return { kind, ...splitKey(key.slice(i + 1)) };
}
