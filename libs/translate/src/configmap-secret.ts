import type { V1ConfigMap, V1Secret } from "@kubernetes/client-node";
import { hostAnnotations, mergeHostOnlyAnnotations } from "./annotations.ts";
import { CONFIG_MAP_KIND, SECRET_KIND } from "./keys.ts";
import { hostLabels } from "./labels.ts";
import { hostName } from "./names.ts";
import { deepEqual } from "./util.ts";

export interface ObjectTranslationContext {
  cluster: string;
  hostNamespace: string;
}

function hostMetadata(
  v: V1ConfigMap | V1Secret,
  kind: string,
  ctx: ObjectTranslationContext,
): NonNullable<V1ConfigMap["metadata"]> {
  const name = v.metadata?.name ?? "";
  const namespace = v.metadata?.namespace ?? "";
  const hName = hostName(ctx.cluster, namespace, name);
  return {
    name: hName,
    namespace: ctx.hostNamespace,
    labels: hostLabels(ctx.cluster, namespace, v.metadata?.labels),
    annotations: hostAnnotations({ ...ctx, kind, virtual: v, hostName: hName }),
  };
}

/** Host copy of a virtual ConfigMap a synced pod uses. */
export function translateConfigMap(vCm: V1ConfigMap, ctx: ObjectTranslationContext): V1ConfigMap {
  const out: V1ConfigMap = { apiVersion: "v1", kind: "ConfigMap", metadata: hostMetadata(vCm, CONFIG_MAP_KIND, ctx) };
  if (vCm.data !== undefined) out.data = { ...vCm.data };
  if (vCm.binaryData !== undefined) out.binaryData = { ...vCm.binaryData };
  if (vCm.immutable !== undefined) out.immutable = vCm.immutable;
  return out;
}

/**
 * Host copy of a virtual Secret. A service-account-token secret becomes Opaque: on the host, the token controller
 * would otherwise treat it as its own. stringData is folded into data the way kube-apiserver does on write, so the
 * desired object compares equal to what the host returns (stringData is never read back).
 */
export function translateSecret(vSecret: V1Secret, ctx: ObjectTranslationContext): V1Secret {
  const out: V1Secret = { apiVersion: "v1", kind: "Secret", metadata: hostMetadata(vSecret, SECRET_KIND, ctx) };
  if (vSecret.data !== undefined || vSecret.stringData !== undefined) {
    const data: Record<string, string> = { ...(vSecret.data ?? {}) };
    for (const [k, v] of Object.entries(vSecret.stringData ?? {})) data[k] = Buffer.from(v, "utf8").toString("base64");
    out.data = data;
  }
  if (vSecret.type !== undefined) {
    out.type = vSecret.type === "kubernetes.io/service-account-token" ? "Opaque" : vSecret.type;
  }
  if (vSecret.immutable !== undefined) out.immutable = vSecret.immutable;
  return out;
}

/**
 * Whether the host copy differs from the translated one in anything the syncer owns: data, type, immutability,
 * labels, and annotations other than those host controllers added. An empty map and a missing one are the same on
 * the wire, and the host defaults a Secret's type to Opaque.
 */
export function configMapOrSecretChanged(desired: V1ConfigMap | V1Secret, host: V1ConfigMap | V1Secret): boolean {
  const map = (o: V1ConfigMap | V1Secret, key: "data" | "binaryData") => (o as Record<string, unknown>)[key] ?? {};
  if (!deepEqual(map(desired, "data"), map(host, "data"))) return true;
  if (!deepEqual(map(desired, "binaryData"), map(host, "binaryData"))) return true;
  if (desired.kind === "Secret" && ((desired as V1Secret).type ?? "Opaque") !== ((host as V1Secret).type ?? "Opaque")) {
    return true;
  }
  if ((desired.immutable ?? false) !== (host.immutable ?? false)) return true;
  if (!deepEqual(desired.metadata?.labels ?? {}, host.metadata?.labels ?? {})) return true;
  const hostAnn = host.metadata?.annotations;
  return !deepEqual(mergeHostOnlyAnnotations(desired.metadata?.annotations ?? {}, hostAnn), hostAnn ?? {});
}
