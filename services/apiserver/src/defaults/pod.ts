// Pod and pod-template defaulting: kube's SetDefaults_PodSpec, _Container, _Volume, _Probe… as
// pkg/apis/core/v1/zz_generated.defaults.go applies them to every PodSpec (Pods, PodTemplates and the
// templates inside workloads), SetDefaults_Pod for Pods only, and the v1 conversion round trip
// (serviceAccount alias, dropped init-container annotations) that kube's storage applies.

import { canonicalQuantity, canonicalResourceList } from "@evk/kube";
import { defaultNil, defaultZero, ensureObj, isNil, isObj, listAt, type Obj, objAt, size } from "./util.ts";

// ---- image references (distribution/reference, as parsers.ParseImageName reads them) ----------------

const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const REFERENCE = new RegExp(
  `^(${NAME})(?::([\\w][\\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$`,
);

function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf("/");
  if (slash < 0) return ["docker.io", `library/${name}`];
  const maybeDomain = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  let domain: string;
  let remote: string;
  if (maybeDomain === "localhost") [domain, remote] = [maybeDomain, rest];
  else if (maybeDomain === "index.docker.io") [domain, remote] = ["docker.io", rest];
  else if (/[.:]/.test(maybeDomain) || maybeDomain.toLowerCase() !== maybeDomain)
    [domain, remote] = [maybeDomain, rest];
  else [domain, remote] = ["docker.io", name];
  if (domain === "docker.io" && !remote.includes("/")) remote = `library/${remote}`;
  return [domain, remote];
}

/** The tag ParseImageName reports: "latest" when neither tag nor digest is given, "" when it cannot parse. */
export function imageTag(image: string): string {
  if (/^[a-f0-9]{64}$/.test(image)) return "";
  const [domain, remainder] = splitDockerDomain(image);
  const colon = remainder.indexOf(":");
  const remote = colon < 0 ? remainder : remainder.slice(0, colon);
  if (remote.toLowerCase() !== remote) return "";
  const m = REFERENCE.exec(`${domain}/${remainder}`);
  if (!m || (m[1] as string).length > 255) return "";
  const [, , tag, digest] = m;
  // go-digest accepts the algorithms kube links in, with their exact lowercase hex lengths.
  if (digest && !/^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/.test(digest)) return "";
  if (!tag && !digest) return "latest";
  return tag ?? "";
}

export const pullPolicyFor = (image: unknown): string =>
  imageTag(typeof image === "string" ? image : "") === "latest" ? "Always" : "IfNotPresent";

// ---- containers ---------------------------------------------------------------------------------

function defaultHTTPGet(h: Obj | undefined): void {
  if (!h) return;
  defaultZero(h, "path", "/");
  defaultZero(h, "scheme", "HTTP");
}

function defaultProbe(p: Obj | undefined): void {
  if (!p) return;
  defaultZero(p, "timeoutSeconds", 1);
  defaultZero(p, "periodSeconds", 10);
  defaultZero(p, "successThreshold", 1);
  defaultZero(p, "failureThreshold", 3);
  defaultHTTPGet(objAt(p, "httpGet"));
  const grpc = objAt(p, "grpc");
  if (grpc) defaultNil(grpc, "service", "");
}

function defaultFieldRef(ref: Obj | undefined): void {
  if (ref) defaultZero(ref, "apiVersion", "v1");
}

/** SetDefaults_Container and the per-field defaults the generated code adds (ports, env, probes, hooks). */
export function defaultContainer(c: Obj): void {
  defaultZero(c, "imagePullPolicy", pullPolicyFor(c.image));
  defaultZero(c, "terminationMessagePath", "/dev/termination-log");
  defaultZero(c, "terminationMessagePolicy", "File");
  for (const p of listAt(c, "ports")) defaultZero(p, "protocol", "TCP");
  for (const e of listAt(c, "env")) {
    const from = objAt(e, "valueFrom");
    defaultFieldRef(objAt(from, "fieldRef"));
    const fileKey = objAt(from, "fileKeyRef");
    if (fileKey) defaultNil(fileKey, "optional", false);
  }
  // ResourceRequirements is a struct, not a pointer: Go always writes it, empty or not.
  const resources = ensureObj(c, "resources");
  for (const k of ["limits", "requests"]) if (isObj(resources[k])) resources[k] = canonicalResourceList(resources[k]);
  defaultProbe(objAt(c, "livenessProbe"));
  defaultProbe(objAt(c, "readinessProbe"));
  defaultProbe(objAt(c, "startupProbe"));
  const lifecycle = objAt(c, "lifecycle");
  defaultHTTPGet(objAt(objAt(lifecycle, "postStart"), "httpGet"));
  defaultHTTPGet(objAt(objAt(lifecycle, "preStop"), "httpGet"));
}

// ---- volumes ------------------------------------------------------------------------------------

const MODE_420 = 0o644;

/** The PersistentVolumeClaimSpec defaults (also used by ephemeral volumes and StatefulSet claim templates). */
export function defaultClaimSpec(spec: Obj): void {
  defaultNil(spec, "volumeMode", "Filesystem");
  // TypedLocalObjectReference.apiGroup and TypedObjectReference.apiGroup have no omitempty: nil reads as null.
  for (const k of ["dataSource", "dataSourceRef"]) {
    const ref = objAt(spec, k);
    if (ref && ref.apiGroup === undefined) ref.apiGroup = null;
  }
  const resources = objAt(spec, "resources");
  if (resources)
    for (const k of ["limits", "requests"]) if (isObj(resources[k])) resources[k] = canonicalResourceList(resources[k]);
}

export function defaultAzureDisk(d: Obj | undefined): void {
  if (!d) return;
  defaultNil(d, "cachingMode", "ReadWrite");
  defaultNil(d, "fsType", "ext4");
  defaultNil(d, "readOnly", false);
  defaultNil(d, "kind", "Shared");
}

export function defaultRBD(r: Obj | undefined): void {
  if (!r) return;
  defaultZero(r, "pool", "rbd");
  defaultZero(r, "user", "admin");
  defaultZero(r, "keyring", "/etc/ceph/keyring");
}

export function defaultScaleIO(s: Obj | undefined): void {
  if (!s) return;
  defaultZero(s, "storageMode", "ThinProvisioned");
  defaultZero(s, "fsType", "xfs");
}

export function defaultISCSI(s: Obj | undefined): void {
  if (s) defaultZero(s, "iscsiInterface", "default");
}

export function defaultHostPath(h: Obj | undefined): void {
  if (h) defaultNil(h, "type", "");
}

function defaultVolume(v: Obj): void {
  // SetDefaults_Volume: a volume that names no source is an emptyDir.
  if (Object.entries(v).every(([k, x]) => k === "name" || isNil(x))) v.emptyDir = {};
  const image = objAt(v, "image");
  if (image) defaultZero(image, "pullPolicy", pullPolicyFor(image.reference));
  defaultHostPath(objAt(v, "hostPath"));
  const emptyDir = objAt(v, "emptyDir");
  if (emptyDir && !isNil(emptyDir.sizeLimit)) emptyDir.sizeLimit = canonicalQuantity(emptyDir.sizeLimit);
  const secret = objAt(v, "secret");
  if (secret) defaultNil(secret, "defaultMode", MODE_420);
  defaultISCSI(objAt(v, "iscsi"));
  defaultRBD(objAt(v, "rbd"));
  const downwardAPI = objAt(v, "downwardAPI");
  if (downwardAPI) {
    defaultNil(downwardAPI, "defaultMode", MODE_420);
    for (const item of listAt(downwardAPI, "items")) defaultFieldRef(objAt(item, "fieldRef"));
  }
  const configMap = objAt(v, "configMap");
  if (configMap) defaultNil(configMap, "defaultMode", MODE_420);
  defaultAzureDisk(objAt(v, "azureDisk"));
  const projected = objAt(v, "projected");
  if (projected) {
    defaultNil(projected, "defaultMode", MODE_420);
    for (const src of listAt(projected, "sources")) {
      for (const item of listAt(objAt(src, "downwardAPI"), "items")) defaultFieldRef(objAt(item, "fieldRef"));
      const token = objAt(src, "serviceAccountToken");
      if (token) defaultNil(token, "expirationSeconds", 3600);
    }
  }
  defaultScaleIO(objAt(v, "scaleIO"));
  const claimTemplate = objAt(objAt(v, "ephemeral"), "volumeClaimTemplate");
  if (claimTemplate) {
    ensureObj(claimTemplate, "metadata");
    defaultClaimSpec(ensureObj(claimTemplate, "spec"));
  }
}

// ---- pod specs ----------------------------------------------------------------------------------

/** Every container list of a PodSpec, in the order kube visits them. */
export const allContainers = (spec: Obj): Obj[] => [
  ...listAt(spec, "initContainers"),
  ...listAt(spec, "containers"),
  ...listAt(spec, "ephemeralContainers"),
];

/**
 * What the generated defaulters do to any PodSpec (SetDefaults_PodSpec and the nested structs), plus the
 * v1 conversion's serviceAccount alias.
 */
export function defaultPodSpec(spec: Obj): void {
  defaultZero(spec, "dnsPolicy", "ClusterFirst");
  defaultZero(spec, "restartPolicy", "Always");
  defaultNil(spec, "securityContext", {});
  defaultNil(spec, "terminationGracePeriodSeconds", 30);
  defaultZero(spec, "schedulerName", "default-scheduler");
  for (const v of listAt(spec, "volumes")) defaultVolume(v);
  for (const c of allContainers(spec)) defaultContainer(c);
  if (isObj(spec.overhead)) spec.overhead = canonicalResourceList(spec.overhead);
  const resources = objAt(spec, "resources");
  if (resources)
    for (const k of ["limits", "requests"]) if (isObj(resources[k])) resources[k] = canonicalResourceList(resources[k]);
  // v1 keeps serviceAccount as an alias of serviceAccountName; kube stores one and writes both.
  const account = spec.serviceAccountName || spec.serviceAccount;
  if (account) {
    spec.serviceAccountName = account;
    spec.serviceAccount = account;
  } else {
    delete spec.serviceAccountName;
    delete spec.serviceAccount;
  }
}

const INIT_CONTAINER_ANNOTATIONS = [
  "pod.beta.kubernetes.io/init-containers",
  "pod.alpha.kubernetes.io/init-containers",
  "pod.beta.kubernetes.io/init-container-statuses",
  "pod.alpha.kubernetes.io/init-container-statuses",
];

/** The v1 conversion of Pods and PodTemplateSpecs drops the annotations init containers once used. */
export function dropInitContainerAnnotations(meta: Obj | undefined): void {
  const annotations = objAt(meta, "annotations");
  if (annotations) for (const k of INIT_CONTAINER_ANNOTATIONS) delete annotations[k];
}

/** A PodTemplateSpec: ObjectMeta is a struct, so Go writes `metadata: {}` when there is none. */
export function defaultPodTemplate(template: Obj | undefined): void {
  if (!template) return;
  dropInitContainerAnnotations(ensureObj(template, "metadata"));
  defaultPodSpec(ensureObj(template, "spec"));
}

/** SetDefaults_Pod's extras over a plain PodSpec: requests from limits, service links, host-network ports. */
function defaultPodOnly(spec: Obj): void {
  for (const c of [...listAt(spec, "containers"), ...listAt(spec, "initContainers")]) {
    const resources = objAt(c, "resources");
    const limits = objAt(resources, "limits");
    if (!resources || !limits) continue;
    const requests = ensureObj(resources, "requests");
    for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
  }
  defaultNil(spec, "enableServiceLinks", true);
  if (spec.hostNetwork === true)
    for (const c of [...listAt(spec, "containers"), ...listAt(spec, "initContainers")])
      for (const p of listAt(c, "ports")) defaultZero(p, "hostPort", p.containerPort);
}

function canonicalStatusResources(status: Obj): void {
  for (const list of ["initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"])
    for (const s of listAt(status, list)) {
      if (isObj(s.allocatedResources)) s.allocatedResources = canonicalResourceList(s.allocatedResources);
      const r = objAt(s, "resources");
      if (r) for (const k of ["limits", "requests"]) if (isObj(r[k])) r[k] = canonicalResourceList(r[k]);
    }
  if (isObj(status.allocatedResources)) status.allocatedResources = canonicalResourceList(status.allocatedResources);
  const r = objAt(status, "resources");
  if (r) for (const k of ["limits", "requests"]) if (isObj(r[k])) r[k] = canonicalResourceList(r[k]);
}

/** PodStatus conversion: podIP is authoritative over podIPs and mirrors its first entry. */
function syncPodIPs(status: Obj): void {
  const podIP = typeof status.podIP === "string" ? status.podIP : "";
  const podIPs = listAt(status, "podIPs");
  if (podIP && (podIPs.length === 0 || podIPs[0]?.ip !== podIP)) status.podIPs = [{ ip: podIP }];
  const first = listAt(status, "podIPs")[0];
  if (first && typeof first.ip === "string" && first.ip) status.podIP = first.ip;
}

export function defaultPod(pod: Obj): void {
  dropInitContainerAnnotations(objAt(pod, "metadata"));
  const spec = ensureObj(pod, "spec");
  defaultPodOnly(spec);
  defaultPodSpec(spec);
  // The Pod conversion turns a negative grace period into 1 (PodTemplates keep theirs).
  if (typeof spec.terminationGracePeriodSeconds === "number" && spec.terminationGracePeriodSeconds < 0)
    spec.terminationGracePeriodSeconds = 1;
  const status = objAt(pod, "status");
  if (status) {
    canonicalStatusResources(status);
    syncPodIPs(status);
  }
}

/** matchLabelKeys / mismatchLabelKeys merged into the selector from the pod's labels (pod strategy, create). */
function applyLabelKeys(term: Obj, labels: Record<string, string>, withMismatch: boolean): void {
  const selector = objAt(term, "labelSelector");
  const match = Array.isArray(term.matchLabelKeys) ? (term.matchLabelKeys as string[]) : [];
  const mismatch = withMismatch && Array.isArray(term.mismatchLabelKeys) ? (term.mismatchLabelKeys as string[]) : [];
  if (!selector || (match.length === 0 && mismatch.length === 0)) return;
  const exprs = Array.isArray(selector.matchExpressions) ? (selector.matchExpressions as unknown[]) : [];
  for (const [keys, operator] of [
    [match, "In"],
    [mismatch, "NotIn"],
  ] as const)
    for (const key of keys) if (key in labels) exprs.push({ key, operator, values: [labels[key]] });
  if (exprs.length) selector.matchExpressions = exprs;
}

/**
 * The pod strategy's PrepareForCreate additions: MatchLabelKeysInPodAffinity and
 * MatchLabelKeysInPodTopologySpread(SelectorMerge) (both on in 1.35) and the SchedulingGated condition.
 */
export function preparePodForCreate(pod: Obj, now: string): void {
  const spec = ensureObj(pod, "spec");
  const labels = (objAt(pod, "metadata")?.labels ?? {}) as Record<string, string>;
  const affinity = objAt(spec, "affinity");
  for (const kind of ["podAffinity", "podAntiAffinity"]) {
    const a = objAt(affinity, kind);
    for (const w of listAt(a, "preferredDuringSchedulingIgnoredDuringExecution")) {
      const term = objAt(w, "podAffinityTerm");
      if (term) applyLabelKeys(term, labels, true);
    }
    for (const term of listAt(a, "requiredDuringSchedulingIgnoredDuringExecution")) applyLabelKeys(term, labels, true);
  }
  for (const c of listAt(spec, "topologySpreadConstraints")) applyLabelKeys(c, labels, false);
  if (size(spec.schedulingGates) > 0) {
    const status = ensureObj(pod, "status");
    const conditions = listAt(status, "conditions");
    if (!conditions.some((c) => c.type === "PodScheduled"))
      status.conditions = [
        ...conditions,
        {
          type: "PodScheduled",
          status: "False",
          lastProbeTime: null,
          lastTransitionTime: now,
          reason: "SchedulingGated",
          message: "Scheduling is blocked due to non-empty scheduling gates",
        },
      ];
  }
}
