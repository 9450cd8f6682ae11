import type { V1LabelSelector } from "@kubernetes/client-node";
import { hash10 } from "./hash.ts";
import {
  CONTROLLED_BY_LABEL,
  HASHED_LABEL_PREFIX,
  MANAGED_BY_LABEL,
  NAMESPACE_LABEL,
  NS_LABEL_PREFIX,
  RESERVED_LABEL_KEYS,
} from "./keys.ts";
import { clusterScopedMarker, safeConcatName } from "./names.ts";

export type Labels = Record<string, string>;

const reserved = new Set(RESERVED_LABEL_KEYS);

export function isReservedLabelKey(key: string): boolean {
  return reserved.has(key);
}

/** `evk.dev/label-<cluster>-x-<hash10(key)>`, whatever the key; hostLabelKey decides when to use it. */
export function hashedLabelKey(cluster: string, key: string): string {
  return safeConcatName(HASHED_LABEL_PREFIX, cluster, "x", hash10(key));
}

/** Host key for a virtual label key: verbatim, except keys that would collide with evk's markers (or Helm's). */
export function hostLabelKey(cluster: string, key: string): string {
  return reserved.has(key) ? hashedLabelKey(cluster, key) : key;
}

/** Host key under which a virtual namespace label is copied onto host pods. */
export function namespaceLabelKey(cluster: string, key: string): string {
  return safeConcatName(NS_LABEL_PREFIX, cluster, "x", hash10(key));
}

function rewriteKeys(cluster: string, labels: Labels | undefined): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(labels ?? {})) out[hostLabelKey(cluster, k)] = v;
  return out;
}

/** Labels of a namespaced host object: the user's labels plus the two markers that scope it to this cluster. */
export function hostLabels(cluster: string, namespace: string, virtualLabels: Labels | undefined): Labels {
  const out = rewriteKeys(cluster, virtualLabels);
  out[MANAGED_BY_LABEL] = cluster;
  out[NAMESPACE_LABEL] = namespace;
  return out;
}

/** Labels of a cluster-scoped host object, whose marker names the host namespace too (it has none of its own). */
export function clusterScopedHostLabels(
  cluster: string,
  hostNamespace: string,
  virtualLabels: Labels | undefined,
): Labels {
  const out = rewriteKeys(cluster, virtualLabels);
  out[MANAGED_BY_LABEL] = clusterScopedMarker(cluster, hostNamespace);
  return out;
}

/**
 * Reverse of hostLabels. sha256 cannot be inverted, so a hashed key maps back only if its original is one of the
 * reserved keys or one of `knownVirtualKeys` (e.g. the virtual object's current keys); other hashed keys are kept
 * as they are rather than guessed.
 */
export function virtualLabels(
  cluster: string,
  hostLabelsIn: Labels | undefined,
  knownVirtualKeys: Iterable<string> = [],
): Labels {
  const back = new Map<string, string>();
  for (const k of [...RESERVED_LABEL_KEYS, ...knownVirtualKeys]) {
    const hk = hostLabelKey(cluster, k);
    if (hk !== k) back.set(hk, k);
  }
  const out: Labels = {};
  for (const [k, v] of Object.entries(hostLabelsIn ?? {})) {
    if (k === MANAGED_BY_LABEL || k === NAMESPACE_LABEL || k === CONTROLLED_BY_LABEL) continue;
    if (k.startsWith(NS_LABEL_PREFIX)) continue;
    out[back.get(k) ?? k] = v;
  }
  return out;
}

/** The ns-label entries a host pod carries, so host-side selectors can still select by virtual namespace labels. */
export function namespaceLabelsForPod(cluster: string, nsLabels: Labels | undefined): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(nsLabels ?? {})) out[namespaceLabelKey(cluster, k)] = v;
  return out;
}

function mapSelectorKeys(selector: V1LabelSelector, mapKey: (k: string) => string): V1LabelSelector {
  const out: V1LabelSelector = {};
  if (selector.matchLabels !== undefined) {
    const ml: Labels = {};
    for (const [k, v] of Object.entries(selector.matchLabels)) ml[mapKey(k)] = v;
    out.matchLabels = ml;
  }
  if (selector.matchExpressions !== undefined) {
    out.matchExpressions = selector.matchExpressions.map((e) => ({
      ...e,
      key: mapKey(e.key),
      ...(e.values === undefined ? {} : { values: [...e.values] }),
    }));
  }
  return out;
}

/** A pod label selector as it must read on the host. undefined stays undefined: it matches nothing, unlike {}. */
export function translateLabelSelector(
  cluster: string,
  selector: V1LabelSelector | undefined,
): V1LabelSelector | undefined {
  if (selector === undefined || selector === null) return undefined;
  return mapSelectorKeys(selector, (k) => hostLabelKey(cluster, k));
}

/** A namespace selector rewritten to select host pods by the ns-label keys they carry. */
export function translateNamespaceSelector(
  cluster: string,
  selector: V1LabelSelector | undefined,
): V1LabelSelector | undefined {
  if (selector === undefined || selector === null) return undefined;
  return mapSelectorKeys(selector, (k) => namespaceLabelKey(cluster, k));
}

interface MetaLike {
  metadata?: { labels?: Labels; annotations?: Labels };
}

/**
 * True when another controller claimed the object through evk.dev/controlled-by: as a label (any value) or as an
 * annotation naming someone other than `syncerName`. Core syncers leave such objects alone.
 */
export function controlledByOther(obj: MetaLike, syncerName?: string): boolean {
  if (obj.metadata?.labels?.[CONTROLLED_BY_LABEL] !== undefined) return true;
  const a = obj.metadata?.annotations?.[CONTROLLED_BY_LABEL];
  return a !== undefined && a !== syncerName;
}
