import type { V1Container, V1Pod, V1PodStatus, V1Toleration } from "@kubernetes/client-node";
import { mergeHostOnlyAnnotations } from "./annotations.ts";
import {
  HASHED_LABEL_PREFIX,
  MANAGED_BY_LABEL,
  NAMESPACE_LABEL,
  NS_LABEL_PREFIX,
  POD_LABELS_ANNOTATION,
  POD_OWNED_ANNOTATION_KEYS,
  TOKEN_ANNOTATION_PREFIX,
} from "./keys.ts";
import { hostLabelKey, type Labels } from "./labels.ts";
import {
  type PodTranslationContext,
  parseLabelsAnnotation,
  podHostAnnotations,
  podHostLabels,
  referenceCollector,
  translateContainerEnv,
} from "./pod.ts";
import { generatedEnvVars } from "./pod-env.ts";
import { deepEqual } from "./util.ts";

function setImages(host: V1Container[] | undefined, virtual: V1Container[] | undefined) {
  for (const hc of host ?? []) {
    const vc = virtual?.find((c) => c.name === hc.name);
    if (vc?.image !== undefined) hc.image = vc.image;
  }
}

/**
 * Host labels after an update. Which host labels the syncer wrote last time is read back from the labels annotation
 * (the virtual labels at the last sync), so a label removed in the virtual pod is removed on the host while labels
 * that host controllers added survive.
 */
function updatedLabels(vPod: V1Pod, hostPod: V1Pod, ctx: PodTranslationContext): Labels {
  const desired = podHostLabels(vPod, ctx);
  const previous = parseLabelsAnnotation(hostPod.metadata?.annotations?.[POD_LABELS_ANNOTATION]);
  const owned = new Set(Object.keys(previous).map((k) => hostLabelKey(ctx.cluster, k)));
  const ownHashed = `${HASHED_LABEL_PREFIX}-${ctx.cluster}-x-`;
  for (const [k, v] of Object.entries(hostPod.metadata?.labels ?? {})) {
    if (Object.hasOwn(desired, k) || owned.has(k)) continue;
    if (k === MANAGED_BY_LABEL || k === NAMESPACE_LABEL || k.startsWith(NS_LABEL_PREFIX) || k.startsWith(ownHashed)) {
      continue;
    }
    desired[k] = v;
  }
  return desired;
}

/**
 * The host pod after applying what may change on a running pod (vcluster's pod Diff), or undefined when the host pod
 * is already up to date. Ephemeral containers are added to spec.ephemeralContainers; the caller writes them through
 * the pods/ephemeralcontainers subresource when that list grew.
 */
export function podUpdates(vPod: V1Pod, hostPod: V1Pod, ctx: PodTranslationContext): V1Pod | undefined {
  const vSpec = vPod.spec ?? { containers: [] };
  const desired: V1Pod = structuredClone(hostPod);
  const spec = desired.spec ?? { containers: [] };
  desired.spec = spec;

  if (vSpec.activeDeadlineSeconds === undefined) delete spec.activeDeadlineSeconds;
  else spec.activeDeadlineSeconds = vSpec.activeDeadlineSeconds;

  setImages(spec.containers, vSpec.containers);
  setImages(spec.initContainers, vSpec.initContainers);

  if (vSpec.schedulingGates && vSpec.schedulingGates.length > 0)
    spec.schedulingGates = structuredClone(vSpec.schedulingGates);
  else delete spec.schedulingGates;

  // The API server only lets tolerations be added, and host admission adds its own (not-ready/unreachable).
  const vTolerations: V1Toleration[] = structuredClone(vSpec.tolerations ?? []);
  const hostOnly = (spec.tolerations ?? []).filter((t) => !vTolerations.some((v) => deepEqual(v, t)));
  const tolerations = [...vTolerations, ...hostOnly];
  if (tolerations.length > 0) spec.tolerations = tolerations;
  else delete spec.tolerations;

  const namespace = vPod.metadata?.namespace ?? "";
  const onHost = new Set((spec.ephemeralContainers ?? []).map((c) => c.name));
  const missing = (vSpec.ephemeralContainers ?? []).filter((c) => !onHost.has(c.name));
  if (missing.length > 0) {
    const generated = generatedEnvVars({
      namespace,
      services: ctx.services,
      enableServiceLinks: vSpec.enableServiceLinks,
      apiserverServiceIP: ctx.apiserverServiceIP,
    });
    const refs = referenceCollector(ctx.cluster, namespace);
    const added = missing.map((c) => {
      const copy = structuredClone(c);
      translateContainerEnv(copy, ctx.cluster, refs, generated);
      return copy;
    });
    spec.ephemeralContainers = [...(spec.ephemeralContainers ?? []), ...added];
  }

  const meta = desired.metadata ?? {};
  desired.metadata = meta;
  meta.labels = updatedLabels(vPod, hostPod, ctx);
  const annotations = mergeHostOnlyAnnotations(
    podHostAnnotations(vPod, ctx),
    hostPod.metadata?.annotations,
    POD_OWNED_ANNOTATION_KEYS,
  );
  // Token annotations back mounted volumes, which cannot change: keep them as they are.
  for (const [k, v] of Object.entries(hostPod.metadata?.annotations ?? {})) {
    if (k.startsWith(TOKEN_ANNOTATION_PREFIX)) annotations[k] = v;
  }
  meta.annotations = annotations;

  const unchanged =
    deepEqual(meta.labels, hostPod.metadata?.labels ?? {}) &&
    deepEqual(meta.annotations, hostPod.metadata?.annotations ?? {}) &&
    deepEqual(spec, hostPod.spec ?? { containers: [] });
  return unchanged ? undefined : desired;
}

/**
 * An in-place resize carried to the host (vcluster does the same through pods/resize): the host pod with the
 * resources and resize policies the virtual pod's containers and sidecar init containers have, or undefined
 * when the host pod has them already. Only these fields differ from `hostPod`, so the host's resize
 * subresource takes the result as it is; containers the host pod lacks are left to validation there.
 */
export function podResize(vPod: V1Pod, hostPod: V1Pod): V1Pod | undefined {
  const desired: V1Pod = structuredClone(hostPod);
  const spec = desired.spec ?? { containers: [] };
  desired.spec = spec;
  let changed = false;
  const carry = (host: V1Container[] | undefined, virtual: V1Container[] | undefined, sidecarsOnly: boolean) => {
    for (const hc of host ?? []) {
      const vc = virtual?.find((c) => c.name === hc.name);
      if (!vc || (sidecarsOnly && vc.restartPolicy !== "Always")) continue;
      for (const k of ["resources", "resizePolicy"] as const) {
        const want = vc[k] === undefined ? undefined : structuredClone(vc[k]);
        if (deepEqual(want ?? null, hc[k] ?? null)) continue;
        changed = true;
        if (want === undefined) delete hc[k];
        else (hc as unknown as Record<string, unknown>)[k] = want;
      }
    }
  };
  carry(spec.containers, vPod.spec?.containers, false);
  carry(spec.initContainers, vPod.spec?.initContainers, true);
  return changed ? desired : undefined;
}

/**
 * Virtual pod status from the host pod: the host's wholesale, except the QoS class (computed from the virtual spec)
 * and container statuses of containers the virtual spec does not have. observedGeneration counts host generations,
 * which mean nothing to the virtual pod, so the virtual value stays.
 */
export function virtualPodStatus(vPod: V1Pod, hostPod: V1Pod): V1PodStatus {
  const status: V1PodStatus = structuredClone(hostPod.status ?? {});
  const keep = <K extends "qosClass" | "observedGeneration">(key: K) => {
    const v = vPod.status?.[key];
    if (v === undefined) delete status[key];
    else status[key] = v;
  };
  keep("qosClass");
  keep("observedGeneration");
  const names = (cs: readonly { name: string }[] | undefined) => new Set((cs ?? []).map((c) => c.name));
  const containers = names(vPod.spec?.containers);
  const initContainers = names(vPod.spec?.initContainers);
  if (status.containerStatuses)
    status.containerStatuses = status.containerStatuses.filter((s) => containers.has(s.name));
  if (status.initContainerStatuses) {
    status.initContainerStatuses = status.initContainerStatuses.filter((s) => initContainers.has(s.name));
  }
  return status;
}
