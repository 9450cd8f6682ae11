import type {
  V1Container,
  V1DownwardAPIVolumeFile,
  V1EphemeralContainer,
  V1LabelSelector,
  V1ObjectFieldSelector,
  V1OwnerReference,
  V1Pod,
  V1PodAffinityTerm,
  V1PodSpec,
  V1Service,
  V1Volume,
  V1VolumeProjection,
} from "@kubernetes/client-node";
import { hostAnnotations } from "./annotations.ts";
import { sha256Hex } from "./hash.ts";
import {
  DAEMONSET_POD_ANNOTATION,
  MANAGED_BY_LABEL,
  NAMESPACE_LABEL,
  OWNER_REFERENCES_ANNOTATION,
  OWNER_SET_KIND_ANNOTATION,
  POD_KIND,
  POD_LABELS_ANNOTATION,
  POD_NAME_ANNOTATION,
  POD_NAMESPACE_ANNOTATION,
  POD_OWNED_ANNOTATION_KEYS,
  POD_SERVICE_ACCOUNT_NAME_ANNOTATION,
  POD_UID_ANNOTATION,
  SAFE_TO_EVICT_ANNOTATION,
  TOKEN_ANNOTATION_PREFIX,
} from "./keys.ts";
import {
  hostLabelKey,
  hostLabels,
  type Labels,
  namespaceLabelsForPod,
  translateLabelSelector,
  translateNamespaceSelector,
} from "./labels.ts";
import { hostName } from "./names.ts";
import { generatedEnvVars, prependGeneratedEnv } from "./pod-env.ts";
import { checkPodSecurity, type PodSecurityLevel, podSecurityMessage } from "./pod-security.ts";
import { compareStrings, unique } from "./util.ts";

export const DEFAULT_CLUSTER_DOMAIN = "cluster.local";
/** vcluster's lifetime for the tokens it mints on a pod's behalf (10 years): the host kubelet cannot refresh them. */
export const SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS = 315_360_000;

/** The host service account every synced pod runs as (vcluster: `vc-workload-<vc>`). */
export function defaultWorkloadServiceAccountName(cluster: string): string {
  return `evk-workload-${cluster}`;
}

export interface PodTranslationContext {
  cluster: string;
  hostNamespace: string;
  /** Virtual cluster DNS domain; default "cluster.local". */
  clusterDomain?: string;
  /** Host ClusterIP of the Service fronting evk's API server: KUBERNETES_SERVICE_* and the hostAliases entry. */
  apiserverServiceIP: string;
  /**
   * Host ClusterIP of the virtual kube-dns Service. When undefined the pod keeps its DNS policy, and so resolves
   * through the host's DNS: evk may run without a DNS of its own, and a pod that runs beats one that waits forever.
   */
  dnsServiceIP?: string;
  /** Virtual Services of the pod's namespace, for the service-link variables. */
  services?: readonly V1Service[];
  /** Labels of the pod's virtual namespace, copied onto the host pod as ns-label keys. */
  namespaceLabels?: Labels;
  /** Token per ServiceAccountTokenRequest id, obtained by the caller from the virtual API server. */
  tokens?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** Host service account for every pod; default defaultWorkloadServiceAccountName(cluster). */
  hostServiceAccountName?: string;
  /** Host priority class for every pod (virtual priority classes do not exist on the host). */
  priorityClassName?: string;
  /** Refuse pods that violate this Pod Security Standard, as vcluster's policies.podSecurityStandard does. */
  podSecurityStandard?: PodSecurityLevel;
}

export interface PodReferences {
  /** Virtual names, in the pod's namespace, that the syncer must sync to the host before the pod can start. */
  configMaps: string[];
  secrets: string[];
  persistentVolumeClaims: string[];
}

export type PodTranslation =
  | { ok: true; pod: V1Pod; references: PodReferences; warnings: string[] }
  | { ok: false; reason: "InvalidPod" | "MissingToken" | "Forbidden"; message: string };

export interface ServiceAccountTokenRequest {
  /** 8 hex characters, stable for a given volume and source position, so reconciles reuse the same key. */
  id: string;
  /** Host pod annotation that carries the token. */
  annotation: string;
  volume: string;
  sourceIndex: number;
  path: string;
  /** Virtual service account to mint the token for. */
  serviceAccountName: string;
  audiences: string[];
  expirationSeconds: number;
  /** The token is bound to the virtual pod, so it dies with it. */
  boundObject: { kind: "Pod"; apiVersion: "v1"; name: string; uid: string };
}

export function tokenId(volume: string, sourceIndex: number): string {
  return sha256Hex(`${volume}/${sourceIndex}`).slice(0, 8);
}

/** The tokens translatePod will need; the syncer requests them from the virtual API server first. */
export function serviceAccountTokenRequests(
  vPod: V1Pod,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): ServiceAccountTokenRequest[] {
  const out: ServiceAccountTokenRequest[] = [];
  const spec = vPod.spec;
  const serviceAccountName = spec?.serviceAccountName || spec?.serviceAccount || "default";
  for (const vol of spec?.volumes ?? []) {
    (vol.projected?.sources ?? []).forEach((src, i) => {
      const t = src.serviceAccountToken;
      if (!t) return;
      const id = tokenId(vol.name, i);
      out.push({
        id,
        annotation: `${TOKEN_ANNOTATION_PREFIX}${id}`,
        volume: vol.name,
        sourceIndex: i,
        path: t.path,
        serviceAccountName,
        audiences: t.audience
          ? [t.audience]
          : [
              `https://kubernetes.default.svc.${clusterDomain}`,
              "https://kubernetes.default.svc",
              "https://kubernetes.default",
            ],
        expirationSeconds: SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS,
        boundObject: { kind: "Pod", apiVersion: "v1", name: vPod.metadata?.name ?? "", uid: vPod.metadata?.uid ?? "" },
      });
    });
  }
  return out;
}

function lookupToken(tokens: PodTranslationContext["tokens"], id: string): string | undefined {
  if (tokens === undefined) return undefined;
  if (tokens instanceof Map) return tokens.get(id);
  const rec = tokens as Readonly<Record<string, string>>;
  return Object.hasOwn(rec, id) ? rec[id] : undefined;
}

const LABEL_FIELD_PATH = /^metadata\.labels\['(.*)'\]$/;

/**
 * Where a downward-API field of the virtual pod lives on the host pod: identity fields read the annotations that
 * hold the virtual values, label subscripts follow the label's host key; anything else is the same on both sides.
 */
export function hostFieldPath(cluster: string, fieldPath: string): string {
  const annotation = (key: string) => `metadata.annotations['${key}']`;
  switch (fieldPath) {
    case "metadata.name":
      return annotation(POD_NAME_ANNOTATION);
    case "metadata.namespace":
      return annotation(POD_NAMESPACE_ANNOTATION);
    case "metadata.uid":
      return annotation(POD_UID_ANNOTATION);
    case "spec.serviceAccountName":
      return annotation(POD_SERVICE_ACCOUNT_NAME_ANNOTATION);
    case "metadata.labels":
      return annotation(POD_LABELS_ANNOTATION);
  }
  const m = LABEL_FIELD_PATH.exec(fieldPath);
  if (m?.[1] !== undefined) return `metadata.labels['${hostLabelKey(cluster, m[1])}']`;
  return fieldPath;
}

/** The kubelet's rendering of metadata.labels for the downward API: sorted `key="value"` lines. */
export function labelsAnnotationValue(labels: Labels | undefined): string {
  return Object.keys(labels ?? {})
    .sort(compareStrings)
    .map((k) => `${k}=${JSON.stringify(labels?.[k] ?? "")}`)
    .join("\n");
}

/** Reverse of labelsAnnotationValue; lines that do not parse are skipped. */
export function parseLabelsAnnotation(value: string | undefined): Labels {
  const out: Labels = {};
  for (const line of (value ?? "").split("\n")) {
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    try {
      const v: unknown = JSON.parse(line.slice(eq + 1));
      if (typeof v === "string") out[line.slice(0, eq)] = v;
    } catch {
      // A hand-edited host annotation must not break reconciles.
    }
  }
  return out;
}

function ownerReferencesJSON(refs: readonly V1OwnerReference[]): string {
  // Go's field order, so the annotation reads the same as vcluster's and stays byte-stable across reconciles.
  return JSON.stringify(
    refs.map((r) => ({
      apiVersion: r.apiVersion,
      kind: r.kind,
      name: r.name,
      uid: r.uid,
      ...(r.controller === undefined ? {} : { controller: r.controller }),
      ...(r.blockOwnerDeletion === undefined ? {} : { blockOwnerDeletion: r.blockOwnerDeletion }),
    })),
  );
}

const SET_KINDS = new Set(["DaemonSet", "ReplicaSet", "StatefulSet"]);

const isPodOwnedAnnotation = (() => {
  const owned = new Set(POD_OWNED_ANNOTATION_KEYS);
  return (k: string) => owned.has(k) || k.startsWith(TOKEN_ANNOTATION_PREFIX);
})();

/** Host pod annotations except the token ones: shared by creation and updates. */
export function podHostAnnotations(vPod: V1Pod, ctx: Pick<PodTranslationContext, "cluster" | "hostNamespace">) {
  const meta = vPod.metadata ?? {};
  const name = meta.name ?? "";
  const namespace = meta.namespace ?? "";
  const out = hostAnnotations({
    cluster: ctx.cluster,
    hostNamespace: ctx.hostNamespace,
    kind: POD_KIND,
    virtual: vPod,
    hostName: hostName(ctx.cluster, namespace, name),
    excluded: isPodOwnedAnnotation,
  });
  out[POD_NAME_ANNOTATION] = name;
  out[POD_NAMESPACE_ANNOTATION] = namespace;
  out[POD_UID_ANNOTATION] = meta.uid ?? "";
  out[POD_SERVICE_ACCOUNT_NAME_ANNOTATION] = vPod.spec?.serviceAccountName || vPod.spec?.serviceAccount || "";
  out[POD_LABELS_ANNOTATION] = labelsAnnotationValue(meta.labels);

  const owners = meta.ownerReferences ?? [];
  const controller = owners.find((o) => o.controller === true);
  if (owners.length > 0) {
    out[OWNER_REFERENCES_ANNOTATION] = ownerReferencesJSON(owners);
    const setOwner = owners.find((o) => o.apiVersion === "apps/v1" && SET_KINDS.has(o.kind));
    if (setOwner) out[OWNER_SET_KIND_ANNOTATION] = setOwner.kind;
  }
  // A controlled pod comes back if evicted; a bare pod would be lost, so the autoscaler must not evict it.
  if (!Object.hasOwn(meta.annotations ?? {}, SAFE_TO_EVICT_ANNOTATION)) {
    out[SAFE_TO_EVICT_ANNOTATION] = controller ? "true" : "false";
  }
  if (controller?.kind === "DaemonSet") out[DAEMONSET_POD_ANNOTATION] = "true";
  return out;
}

/** Host pod labels: translated virtual labels, markers, and the virtual namespace's labels. */
export function podHostLabels(vPod: V1Pod, ctx: Pick<PodTranslationContext, "cluster" | "namespaceLabels">): Labels {
  return {
    ...hostLabels(ctx.cluster, vPod.metadata?.namespace ?? "", vPod.metadata?.labels),
    ...namespaceLabelsForPod(ctx.cluster, ctx.namespaceLabels),
  };
}

export interface ReferenceCollector {
  configMap(name: string): string;
  secret(name: string): string;
  pvc(name: string): string;
  result(): PodReferences;
}

/** Translates referenced names and remembers the virtual ones, so the syncer knows what the pod depends on. */
export function referenceCollector(cluster: string, namespace: string): ReferenceCollector {
  const refs = { configMaps: [] as string[], secrets: [] as string[], persistentVolumeClaims: [] as string[] };
  const record = (list: string[], name: string) => {
    if (name === "") return name;
    list.push(name);
    return hostName(cluster, namespace, name);
  };
  const norm = (xs: string[]) => unique(xs).sort(compareStrings);
  return {
    configMap: (n) => record(refs.configMaps, n),
    secret: (n) => record(refs.secrets, n),
    pvc: (n) => record(refs.persistentVolumeClaims, n),
    result: () => ({
      configMaps: norm(refs.configMaps),
      secrets: norm(refs.secrets),
      persistentVolumeClaims: norm(refs.persistentVolumeClaims),
    }),
  };
}

function rewriteFieldRef(cluster: string, ref: V1ObjectFieldSelector | undefined) {
  if (ref) ref.fieldPath = hostFieldPath(cluster, ref.fieldPath);
}

/** Env names, downward-API paths and generated variables of one container, in place. */
export function translateContainerEnv(
  c: V1Container | V1EphemeralContainer,
  cluster: string,
  refs: Pick<ReferenceCollector, "configMap" | "secret">,
  generated: Map<string, string>,
) {
  for (const e of c.env ?? []) {
    const from = e.valueFrom;
    if (!from) continue;
    rewriteFieldRef(cluster, from.fieldRef);
    if (from.configMapKeyRef?.name) from.configMapKeyRef.name = refs.configMap(from.configMapKeyRef.name);
    if (from.secretKeyRef?.name) from.secretKeyRef.name = refs.secret(from.secretKeyRef.name);
  }
  for (const ef of c.envFrom ?? []) {
    if (ef.configMapRef?.name) ef.configMapRef.name = refs.configMap(ef.configMapRef.name);
    if (ef.secretRef?.name) ef.secretRef.name = refs.secret(ef.secretRef.name);
  }
  prependGeneratedEnv(c, generated);
}

function rewriteItems(cluster: string, items: V1DownwardAPIVolumeFile[] | undefined) {
  for (const item of items ?? []) rewriteFieldRef(cluster, item.fieldRef);
}

function translateProjection(
  cluster: string,
  volume: string,
  src: V1VolumeProjection,
  index: number,
  refs: ReferenceCollector,
): V1VolumeProjection {
  if (src.serviceAccountToken) {
    // The host kubelet would mint a host token; the pod needs one from the virtual cluster, carried in an annotation.
    const key = `${TOKEN_ANNOTATION_PREFIX}${tokenId(volume, index)}`;
    return {
      downwardAPI: {
        items: [
          {
            path: src.serviceAccountToken.path,
            fieldRef: { apiVersion: "v1", fieldPath: `metadata.annotations['${key}']` },
            mode: 0o644,
          },
        ],
      },
    };
  }
  if (src.configMap?.name) src.configMap.name = refs.configMap(src.configMap.name);
  if (src.secret?.name) src.secret.name = refs.secret(src.secret.name);
  if (src.downwardAPI) rewriteItems(cluster, src.downwardAPI.items);
  return src;
}

function translateVolume(
  cluster: string,
  namespace: string,
  podName: string,
  vol: V1Volume,
  refs: ReferenceCollector,
): V1Volume {
  if (vol.ephemeral) {
    // The virtual ephemeral-volume controller already created `<pod>-<volume>`; point at its host copy so only
    // one PVC exists instead of the host controller creating a second one.
    return { name: vol.name, persistentVolumeClaim: { claimName: refs.pvc(`${podName}-${vol.name}`) } };
  }
  if (vol.configMap?.name) vol.configMap.name = refs.configMap(vol.configMap.name);
  if (vol.secret?.secretName) vol.secret.secretName = refs.secret(vol.secret.secretName);
  if (vol.persistentVolumeClaim?.claimName) {
    vol.persistentVolumeClaim.claimName = refs.pvc(vol.persistentVolumeClaim.claimName);
  }
  if (vol.downwardAPI) rewriteItems(cluster, vol.downwardAPI.items);
  if (vol.projected?.sources) {
    vol.projected.sources = vol.projected.sources.map((s, i) => translateProjection(cluster, vol.name, s, i, refs));
  }
  for (const ref of [
    vol.iscsi?.secretRef,
    vol.rbd?.secretRef,
    vol.flexVolume?.secretRef,
    vol.cinder?.secretRef,
    vol.cephfs?.secretRef,
    vol.scaleIO?.secretRef,
    vol.storageos?.secretRef,
    vol.csi?.nodePublishSecretRef,
  ]) {
    if (ref?.name) ref.name = refs.secret(ref.name);
  }
  if (vol.azureFile?.secretName) vol.azureFile.secretName = refs.secret(vol.azureFile.secretName);
  // An Endpoints object, not a secret: translated like any namespaced name but not a sync dependency.
  if (vol.glusterfs?.endpoints) vol.glusterfs.endpoints = hostName(cluster, namespace, vol.glusterfs.endpoints);
  return vol;
}

function selectorIsEmpty(s: V1LabelSelector): boolean {
  return Object.keys(s.matchLabels ?? {}).length + (s.matchExpressions?.length ?? 0) === 0;
}

/**
 * An inter-pod (anti-)affinity term as the host scheduler must see it: keys translated, and restricted to this
 * cluster's pods in the namespaces the term meant, expressed through the host pods' namespace labels because all
 * virtual namespaces share one host namespace.
 */
export function translatePodAffinityTerm(
  cluster: string,
  podNamespace: string,
  term: V1PodAffinityTerm,
  warnings: string[] = [],
): V1PodAffinityTerm {
  const out: V1PodAffinityTerm = { topologyKey: term.topologyKey };
  if (term.matchLabelKeys) out.matchLabelKeys = term.matchLabelKeys.map((k) => hostLabelKey(cluster, k));
  if (term.mismatchLabelKeys) out.mismatchLabelKeys = term.mismatchLabelKeys.map((k) => hostLabelKey(cluster, k));
  const sel = translateLabelSelector(cluster, term.labelSelector);
  // A missing selector matches no pod; constraining it would make it match some.
  if (sel === undefined) return out;
  const matchLabels: Labels = sel.matchLabels ?? {};
  const matchExpressions = sel.matchExpressions ?? [];
  const nsSel = term.namespaceSelector ?? undefined;
  if (term.namespaces && term.namespaces.length > 0) {
    if (nsSel && !selectorIsEmpty(nsSel)) {
      // namespaces and namespaceSelector are OR-ed, label selectors AND-ed: not expressible, so keep the list.
      warnings.push(
        "Inter-pod affinity terms that use both .namespaces and .namespaceSelector are not supported; the .namespaceSelector is ignored.",
      );
    }
    // An empty namespaceSelector selects every namespace, which the namespaces list cannot narrow.
    if (!nsSel || !selectorIsEmpty(nsSel)) {
      matchExpressions.push({ key: NAMESPACE_LABEL, operator: "In", values: [...term.namespaces] });
    }
  } else if (nsSel) {
    const t = translateNamespaceSelector(cluster, nsSel);
    Object.assign(matchLabels, t?.matchLabels ?? {});
    matchExpressions.push(...(t?.matchExpressions ?? []));
  } else {
    matchLabels[NAMESPACE_LABEL] = podNamespace;
  }
  matchLabels[MANAGED_BY_LABEL] = cluster;
  out.labelSelector = { matchLabels, ...(matchExpressions.length > 0 ? { matchExpressions } : {}) };
  return out;
}

function translateAffinity(cluster: string, namespace: string, spec: V1PodSpec, warnings: string[]) {
  for (const a of [spec.affinity?.podAffinity, spec.affinity?.podAntiAffinity]) {
    if (!a) continue;
    if (a.requiredDuringSchedulingIgnoredDuringExecution) {
      a.requiredDuringSchedulingIgnoredDuringExecution = a.requiredDuringSchedulingIgnoredDuringExecution.map((t) =>
        translatePodAffinityTerm(cluster, namespace, t, warnings),
      );
    }
    for (const w of a.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
      w.podAffinityTerm = translatePodAffinityTerm(cluster, namespace, w.podAffinityTerm, warnings);
    }
  }
  for (const c of spec.topologySpreadConstraints ?? []) {
    const sel = translateLabelSelector(cluster, c.labelSelector);
    if (c.matchLabelKeys) c.matchLabelKeys = c.matchLabelKeys.map((k) => hostLabelKey(cluster, k));
    if (sel === undefined) continue;
    sel.matchLabels = { ...sel.matchLabels, [NAMESPACE_LABEL]: namespace, [MANAGED_BY_LABEL]: cluster };
    c.labelSelector = sel;
  }
}

/** ClusterFirst inside the virtual cluster means "ask the virtual cluster's DNS first". */
function translateDNS(spec: V1PodSpec, namespace: string, clusterDomain: string, dnsIP: string | undefined) {
  const policy = spec.dnsPolicy || "ClusterFirst";
  const clusterFirst = policy === "ClusterFirstWithHostNet" || (policy === "ClusterFirst" && spec.hostNetwork !== true);
  if (!clusterFirst || dnsIP === undefined || dnsIP === "") return;
  const user = spec.dnsConfig;
  spec.dnsPolicy = "None";
  spec.dnsConfig = {
    nameservers: unique([dnsIP, ...(user?.nameservers ?? [])]),
    searches: unique([
      `${namespace}.svc.${clusterDomain}`,
      `svc.${clusterDomain}`,
      clusterDomain,
      ...(user?.searches ?? []),
    ]),
    options: [{ name: "ndots", value: "5" }],
  };
}

/** The container hostname a pod would have had in the virtual cluster (its virtual name), as a valid DNS label. */
export function podHostname(virtualName: string): string {
  return virtualName.slice(0, 63).replaceAll(".", "-").replace(/-+$/, "");
}

/**
 * Host pod for a virtual pod (vcluster's translator). Deterministic: the same inputs give the same host pod, so a
 * replayed event creates nothing new. The caller obtains `ctx.tokens` for serviceAccountTokenRequests(vPod) first.
 */
/**
 * The configmaps, secrets and claims a virtual pod uses, found by the same walk translatePod rewrites them
 * with (env, envFrom, every volume source incl. projected and CSI secret references, imagePullSecrets), so a
 * syncer keeps on the host exactly what the translated pod mounts.
 */
export function podReferences(vPod: V1Pod): PodReferences {
  const spec = structuredClone(vPod.spec ?? { containers: [] });
  const namespace = vPod.metadata?.namespace ?? "";
  const refs = referenceCollector("", namespace);
  for (const c of [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])])
    translateContainerEnv(c, "", refs, new Map());
  for (const v of spec.volumes ?? []) translateVolume("", namespace, vPod.metadata?.name ?? "", v, refs);
  for (const s of spec.imagePullSecrets ?? []) if (s.name) refs.secret(s.name);
  return refs.result();
}

export function translatePod(vPod: V1Pod, ctx: PodTranslationContext): PodTranslation {
  const name = vPod.metadata?.name ?? "";
  const namespace = vPod.metadata?.namespace ?? "";
  if (name === "" || namespace === "") {
    return { ok: false, reason: "InvalidPod", message: "pod has no name or namespace" };
  }
  if (ctx.podSecurityStandard !== undefined) {
    const violations = checkPodSecurity(vPod, ctx.podSecurityStandard);
    if (violations.length > 0) {
      return {
        ok: false,
        reason: "Forbidden",
        message: `Pod ${name} is forbidden: ${podSecurityMessage(ctx.podSecurityStandard, violations)}`,
      };
    }
  }
  const clusterDomain = ctx.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const annotations = podHostAnnotations(vPod, ctx);
  for (const req of serviceAccountTokenRequests(vPod, clusterDomain)) {
    const token = lookupToken(ctx.tokens, req.id);
    if (token === undefined) {
      return {
        ok: false,
        reason: "MissingToken",
        message: `no service account token for projected volume "${req.volume}" source ${req.sourceIndex} (id ${req.id})`,
      };
    }
    annotations[req.annotation] = token;
  }

  const cluster = ctx.cluster;
  const refs = referenceCollector(cluster, namespace);
  const warnings: string[] = [];
  const spec: V1PodSpec = structuredClone(vPod.spec ?? { containers: [] });

  spec.serviceAccountName = ctx.hostServiceAccountName ?? defaultWorkloadServiceAccountName(cluster);
  delete spec.serviceAccount;
  // The host must not mount host credentials nor inject host service links; both are replaced by virtual ones.
  spec.automountServiceAccountToken = false;
  spec.enableServiceLinks = false;

  const generated = generatedEnvVars({
    namespace,
    services: ctx.services,
    enableServiceLinks: vPod.spec?.enableServiceLinks,
    apiserverServiceIP: ctx.apiserverServiceIP,
  });
  for (const c of [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])]) {
    translateContainerEnv(c, cluster, refs, generated);
  }

  if (spec.volumes) spec.volumes = spec.volumes.map((v) => translateVolume(cluster, namespace, name, v, refs));
  if (spec.imagePullSecrets) {
    spec.imagePullSecrets = spec.imagePullSecrets.map((s) => (s.name ? { ...s, name: refs.secret(s.name) } : s));
  }

  spec.hostAliases = [
    ...(spec.hostAliases ?? []),
    {
      ip: ctx.apiserverServiceIP,
      hostnames: [
        `kubernetes.default.svc.${clusterDomain}`,
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
      ],
    },
  ];
  translateDNS(spec, namespace, clusterDomain, ctx.dnsServiceIP);
  if (!spec.hostname) spec.hostname = podHostname(name);
  // A subdomain would resolve against the host namespace's services; evk does not rewrite /etc/hosts for it.
  delete spec.subdomain;

  translateAffinity(cluster, namespace, spec, warnings);

  delete spec.priorityClassName;
  delete spec.priority;
  if (ctx.priorityClassName) spec.priorityClassName = ctx.priorityClassName;

  return {
    ok: true,
    pod: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: hostName(cluster, namespace, name),
        namespace: ctx.hostNamespace,
        labels: podHostLabels(vPod, ctx),
        annotations,
      },
      spec,
    },
    references: refs.result(),
    warnings: unique(warnings),
  };
}
