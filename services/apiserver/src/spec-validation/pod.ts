import { addQuantities, cmpQuantity, formatQuantity, quantityMilliValue, quantityValue, signOf } from "@evk/kube";
import {
  asGo,
  duplicate,
  type FieldError,
  forbidden,
  invalid,
  j,
  n,
  notFound,
  notSupported,
  q,
  raw,
  required,
  tooLong,
} from "./field-errors.ts";
import {
  child,
  configMapKeyProblems,
  dns1123Label,
  dns1123Subdomain,
  each,
  httpHeaderNameProblems,
  inclusiveRange,
  index,
  isNil,
  isObj,
  key,
  keys,
  labelValue,
  len,
  list,
  type Obj,
  obj,
  objs,
  portNameProblems,
  portNumProblems,
  qualifiedName,
  relaxedEnvVarNameProblems,
  str,
  unsupported,
  validateAnnotations,
  validateDNS1123Label,
  validateDNS1123Subdomain,
  validateIPForLegacyField,
  validateLabelName,
  validateLabelSelector,
  validateLabels,
  validateNonnegative,
  validatePortNumOrName,
  validateQualifiedName,
} from "./formats.ts";
import { goDiff, goStructJson, sameGoValue } from "./go-structs.ts";
import { validatePersistentVolumeClaimSpec, validateTemplateObjectMeta } from "./storage.ts";

// kube-apiserver 1.35's validation of pods and of the pod templates every workload carries
// (pkg/apis/core/validation: ValidatePodSpec, ValidatePodTemplateSpec, ValidatePodCreate/Update), with the
// 1.35 default feature gates: relaxed env names and DNS searches, env files, container restart rules,
// pod-level resources on; SELinuxMount off (only the Recursive change policy). Fields of features that are
// off (stop signals, workload references, cluster trust bundle and pod certificate projections) are dropped
// by kube's strategy before it validates, so they are not judged here either.

export interface PodOptions {
  /** The spec is a pod's own, not a template's (image whitespace and hostNetwork ports are stricter). */
  resourceIsPod?: boolean;
}

type Errs = FieldError[];

const FILE_MODE = "must be a number between 0 and 0777 (octal), both inclusive";
const PROTOCOLS = ["SCTP", "TCP", "UDP"];

// ---- paths ---------------------------------------------------------------------------------------------

function isAbs(p: string): boolean {
  return p.startsWith("/");
}

function validatePathNoBacksteps(p: string, path: string): Errs {
  return p.split("/").includes("..") ? [invalid(path, q(p), "must not contain '..'")] : [];
}

function validateLocalDescendingPath(p: string, path: string): Errs {
  return [...(isAbs(p) ? [invalid(path, q(p), "must be a relative path")] : []), ...validatePathNoBacksteps(p, path)];
}

function validateLocalNonReservedPath(p: string, path: string): Errs {
  const out = validateLocalDescendingPath(p, path);
  if (p.startsWith("..") && !p.startsWith("../")) out.push(invalid(path, q(p), "must not start with '..'"));
  return out;
}

const validMode = (m: unknown) => isNil(m) || (typeof m === "number" && m >= 0 && m <= 0o777);

function validateKeyToPath(kp: Obj, path: string): Errs {
  const out: Errs = [];
  if (!str(kp.key)) out.push(required(child(path, "key")));
  if (!str(kp.path)) out.push(required(child(path, "path")));
  out.push(...validateLocalNonReservedPath(str(kp.path), child(path, "path")));
  if (!validMode(kp.mode)) out.push(invalid(child(path, "mode"), asGo(kp.mode), FILE_MODE));
  return out;
}

// ---- volumes -------------------------------------------------------------------------------------------

const VOLUME_FIELD_PATHS = [
  "metadata.annotations",
  "metadata.labels",
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
];
const ENV_FIELD_PATHS = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
];
const RESOURCE_FIELD_PATHS = [
  "limits.cpu",
  "limits.ephemeral-storage",
  "limits.memory",
  "requests.cpu",
  "requests.ephemeral-storage",
  "requests.memory",
];

/** podshelper.ConvertDownwardAPIFieldLabel for v1: the internal path, or why it is refused. */
function convertDownwardAPIFieldLabel(version: string, label: string): { path: string } | { error: string } {
  if (version !== "v1") return { error: `unsupported pod version: ${version}` };
  const m = /^(metadata\.(?:annotations|labels))\['(.*)'\]$/.exec(label);
  if (m) return { path: label };
  const ok = [
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.serviceAccountName",
    "spec.schedulerName",
    "status.phase",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
  ];
  if (ok.includes(label)) return { path: label };
  if (label === "spec.host") return { path: "spec.nodeName" };
  return { error: `field label not supported: ${label}` };
}

function validateObjectFieldSelector(fs: Obj, expressions: string[], path: string): Errs {
  if (!str(fs.apiVersion)) return [required(child(path, "apiVersion"))];
  if (!str(fs.fieldPath)) return [required(child(path, "fieldPath"))];
  const conv = convertDownwardAPIFieldLabel(str(fs.apiVersion), str(fs.fieldPath));
  if ("error" in conv)
    return [invalid(child(path, "fieldPath"), q(str(fs.fieldPath)), `error converting fieldPath: ${conv.error}`)];
  const m = /^(.*)\['(.*)'\]$/.exec(conv.path);
  if (m) {
    const [, p = "", sub = ""] = m;
    if (p === "metadata.annotations") return validateQualifiedName(sub.toLowerCase(), path);
    if (p === "metadata.labels") return validateQualifiedName(sub, path);
    return [invalid(path, q(p), "does not support subscript")];
  }
  if (!expressions.includes(conv.path)) return [notSupported(child(path, "fieldPath"), q(conv.path), expressions)];
  return [];
}

const CPU_DIVISORS = ["1m", "1"];
const BYTE_DIVISORS = ["1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"];
const BYTE_LIST = "1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei";

function validateContainerResourceDivisor(rName: string, divisor: unknown, path: string): Errs {
  if (isNil(divisor) || cmpQuantity(divisor, "0") === 0) return [];
  const d = formatQuantity(divisor);
  const out: Errs = [];
  const p = child(path, "divisor");
  if ((rName === "limits.cpu" || rName === "requests.cpu") && !CPU_DIVISORS.includes(d))
    out.push(invalid(p, q(rName), "only divisor's values 1m and 1 are supported with the cpu resource"));
  if ((rName === "limits.memory" || rName === "requests.memory") && !BYTE_DIVISORS.includes(d))
    out.push(invalid(p, q(rName), `only divisor's values ${BYTE_LIST} are supported with the memory resource`));
  if ((rName === "limits.ephemeral-storage" || rName === "requests.ephemeral-storage") && !BYTE_DIVISORS.includes(d))
    out.push(
      invalid(
        p,
        q(rName),
        `only divisor's values ${BYTE_LIST} are supported with the local ephemeral storage resource`,
      ),
    );
  if ((rName.startsWith("requests.hugepages-") || rName.startsWith("limits.hugepages-")) && !BYTE_DIVISORS.includes(d))
    out.push(invalid(p, q(rName), `only divisor's values ${BYTE_LIST} are supported with the hugepages resource`));
  return out;
}

function validateContainerResourceFieldSelector(fs: Obj, path: string, volume: boolean): Errs {
  const out: Errs = [];
  const resource = str(fs.resource);
  if (volume && !str(fs.containerName)) out.push(required(child(path, "containerName")));
  else if (!resource) out.push(required(child(path, "resource")));
  else if (
    !RESOURCE_FIELD_PATHS.includes(resource) &&
    !resource.startsWith("limits.hugepages-") &&
    !resource.startsWith("requests.hugepages-")
  )
    out.push(notSupported(child(path, "resource"), q(resource), RESOURCE_FIELD_PATHS));
  out.push(...validateContainerResourceDivisor(resource, fs.divisor, path));
  return out;
}

function validateDownwardAPIVolumeFile(file: Obj, path: string): Errs {
  const out: Errs = [];
  if (!str(file.path)) out.push(required(child(path, "path")));
  out.push(...validateLocalNonReservedPath(str(file.path), child(path, "path")));
  if (isObj(file.fieldRef)) {
    out.push(...validateObjectFieldSelector(file.fieldRef, VOLUME_FIELD_PATHS, child(path, "fieldRef")));
    if (isObj(file.resourceFieldRef))
      out.push(invalid(path, q("resource"), "fieldRef and resourceFieldRef can not be specified simultaneously"));
  } else if (isObj(file.resourceFieldRef))
    out.push(...validateContainerResourceFieldSelector(file.resourceFieldRef, child(path, "resourceFieldRef"), true));
  else out.push(required(path, "one of fieldRef and resourceFieldRef is required"));
  if (!validMode(file.mode)) out.push(invalid(child(path, "mode"), asGo(file.mode), FILE_MODE));
  return out;
}

function validateProjected(p: Obj, path: string): Errs {
  const out: Errs = [];
  if (!validMode(p.defaultMode)) out.push(invalid(child(path, "defaultMode"), asGo(p.defaultMode), FILE_MODE));
  const seen = new Set<string>();
  const claim = (pathValue: string, shown: string) => {
    if (seen.has(pathValue)) out.push(invalid(path, q(shown), "conflicting duplicate paths"));
    else seen.add(pathValue);
  };
  objs(p.sources).forEach((source, i) => {
    const src = index(child(path, "sources"), i);
    let count = 0;
    for (const kind of ["secret", "configMap"] as const) {
      if (!isObj(source[kind])) continue;
      count++;
      const s = source[kind] as Obj;
      const sp = child(src, kind);
      if (!str(s.name)) out.push(required(child(sp, "name")));
      objs(s.items).forEach((kp, ki) => {
        out.push(...validateKeyToPath(kp, index(child(sp, "items"), ki)));
        if (str(kp.path)) claim(str(kp.path), str(s.name));
      });
    }
    if (isObj(source.downwardAPI)) {
      count++;
      for (const file of objs(source.downwardAPI.items)) {
        out.push(...validateDownwardAPIVolumeFile(file, child(src, "downwardAPI")));
        if (str(file.path)) claim(str(file.path), str(file.path));
      }
    }
    if (isObj(source.serviceAccountToken)) {
      count++;
      const t = source.serviceAccountToken;
      const sp = child(src, "serviceAccountToken");
      const exp = typeof t.expirationSeconds === "number" ? t.expirationSeconds : 0;
      if (exp < 600)
        out.push(invalid(child(sp, "expirationSeconds"), n(exp), "may not specify a duration less than 10 minutes"));
      if (exp > 2 ** 32)
        out.push(
          invalid(child(sp, "expirationSeconds"), n(exp), "may not specify a duration larger than 2^32 seconds"),
        );
      if (!str(t.path)) out.push(required(child(path, "path")));
      else out.push(...validateLocalNonReservedPath(str(t.path), child(path, "path")));
    }
    // clusterTrustBundle and podCertificate sources belong to features off in 1.35: kube drops them.
    if (count > 1) out.push(forbidden(src, "may not specify more than 1 volume type per source"));
  });
  return out;
}

/** validateVolumeSource's sources in its order: [v1 key, path of its "more than 1" error, path of its checks]. */
const VOLUME_SOURCES: [string, string, string][] = [
  ["emptyDir", "emptyDir", "emptyDir"],
  ["hostPath", "hostPath", "hostPath"],
  ["gitRepo", "gitRepo", "gitRepo"],
  ["gcePersistentDisk", "gcePersistentDisk", "persistentDisk"],
  ["awsElasticBlockStore", "awsElasticBlockStore", "awsElasticBlockStore"],
  ["secret", "secret", "secret"],
  ["nfs", "nfs", "nfs"],
  ["iscsi", "iscsi", "iscsi"],
  ["glusterfs", "glusterfs", "glusterfs"],
  ["flocker", "flocker", "flocker"],
  ["persistentVolumeClaim", "persistentVolumeClaim", "persistentVolumeClaim"],
  ["rbd", "rbd", "rbd"],
  ["cinder", "cinder", "cinder"],
  ["cephfs", "cephFS", "cephfs"],
  ["quobyte", "quobyte", "quobyte"],
  ["downwardAPI", "downwarAPI", "downwardAPI"],
  ["fc", "fc", "fc"],
  ["flexVolume", "flexVolume", "flexVolume"],
  ["configMap", "configMap", "configMap"],
  ["azureFile", "azureFile", "azureFile"],
  ["vsphereVolume", "vsphereVolume", "vsphereVolume"],
  ["photonPersistentDisk", "photonPersistentDisk", "photonPersistentDisk"],
  ["portworxVolume", "portworxVolume", "portworxVolume"],
  ["azureDisk", "azureDisk", "azureDisk"],
  ["storageos", "storageos", "storageos"],
  ["projected", "projected", "projected"],
  ["scaleIO", "scaleIO", "scaleIO"],
  ["csi", "csi", "csi"],
  ["ephemeral", "ephemeral", "ephemeral"],
  ["image", "image", "image"],
];

const HOST_PATH_TYPES = [
  "",
  "BlockDevice",
  "CharDevice",
  "Directory",
  "DirectoryOrCreate",
  "File",
  "FileOrCreate",
  "Socket",
];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];

function validatePullPolicy(policy: string, path: string): Errs {
  if (PULL_POLICIES.includes(policy)) return [];
  if (policy === "") return [required(path)];
  return [unsupported(path, policy, PULL_POLICIES)];
}

function csiDriverName(driver: string, path: string): Errs {
  if (!driver) return [required(path)];
  return [
    ...(driver.length > 63 ? [tooLong(path, 63)] : []),
    ...dns1123Subdomain(driver.toLowerCase()).map((m) => invalid(path, q(driver), m)),
  ];
}

function checkSource(
  k: string,
  s: Obj,
  path: string,
  volName: string,
  podName: string | undefined,
  opts: PodOptions,
): Errs {
  const out: Errs = [];
  switch (k) {
    case "emptyDir":
      if (!isNil(s.sizeLimit) && signOf(s.sizeLimit) < 0)
        out.push(forbidden(child(path, "sizeLimit"), "SizeLimit field must be a valid resource quantity"));
      break;
    case "hostPath":
      if (!str(s.path)) return [required(child(path, "path"))];
      out.push(...validatePathNoBacksteps(str(s.path), child(path, "path")));
      if (typeof s.type === "string" && !HOST_PATH_TYPES.includes(s.type))
        out.push(notSupported(child(path, "type"), q(s.type), HOST_PATH_TYPES));
      break;
    case "gitRepo":
      if (!str(s.repository)) out.push(required(child(path, "repository")));
      out.push(...validateLocalDescendingPath(str(s.directory), child(path, "directory")));
      break;
    case "gcePersistentDisk":
      if (!str(s.pdName)) out.push(required(child(path, "pdName")));
      if (typeof s.partition === "number" && (s.partition < 0 || s.partition > 255))
        out.push(invalid(child(path, "partition"), n(s.partition), inclusiveRange(1, 255)));
      break;
    case "awsElasticBlockStore":
      if (!str(s.volumeID)) out.push(required(child(path, "volumeID")));
      if (typeof s.partition === "number" && (s.partition < 0 || s.partition > 255))
        out.push(invalid(child(path, "partition"), n(s.partition), inclusiveRange(1, 255)));
      break;
    case "secret":
    case "configMap": {
      const nameField = k === "secret" ? "secretName" : "name";
      if (!str(s[nameField])) out.push(required(child(path, nameField)));
      if (!validMode(s.defaultMode)) out.push(invalid(child(path, "defaultMode"), asGo(s.defaultMode), FILE_MODE));
      objs(s.items).forEach((kp, i) => {
        out.push(...validateKeyToPath(kp, index(child(path, "items"), i)));
      });
      break;
    }
    case "nfs":
      if (!str(s.server)) out.push(required(child(path, "server")));
      if (!str(s.path)) out.push(required(child(path, "path")));
      if (!isAbs(str(s.path))) out.push(invalid(child(path, "path"), q(str(s.path)), "must be an absolute path"));
      break;
    case "glusterfs":
      if (!str(s.endpoints)) out.push(required(child(path, "endpoints")));
      if (!str(s.path)) out.push(required(child(path, "path")));
      break;
    case "persistentVolumeClaim":
      if (!str(s.claimName)) out.push(required(child(path, "claimName")));
      break;
    case "downwardAPI":
      if (!validMode(s.defaultMode)) out.push(invalid(child(path, "defaultMode"), asGo(s.defaultMode), FILE_MODE));
      for (const file of objs(s.items)) out.push(...validateDownwardAPIVolumeFile(file, path));
      break;
    case "projected":
      out.push(...validateProjected(s, path));
      break;
    case "csi": {
      out.push(...csiDriverName(str(s.driver), child(path, "driver")));
      const ref = s.nodePublishSecretRef;
      if (isObj(ref)) {
        if (!str(ref.name)) out.push(required(child(child(path, "nodePublishSecretRef"), "name")));
        else out.push(...each(child(path, "name"), str(ref.name), dns1123Subdomain(str(ref.name))));
      }
      break;
    }
    case "ephemeral":
      if (!isObj(s.volumeClaimTemplate)) out.push(required(child(path, "volumeClaimTemplate")));
      else {
        const tp = child(path, "volumeClaimTemplate");
        out.push(...validateTemplateObjectMeta(obj(s.volumeClaimTemplate.metadata), child(tp, "metadata")));
        out.push(...validatePersistentVolumeClaimSpec(obj(s.volumeClaimTemplate.spec), child(tp, "spec")));
        if (podName && volName) {
          const pvcName = `${podName}-${volName}`;
          for (const m of dns1123Subdomain(pvcName))
            out.push(invalid(child(path, "name"), q(volName), `PVC name ${JSON.stringify(pvcName)}: ${m}`));
        }
      }
      break;
    case "image":
      if (opts.resourceIsPod && !str(s.reference)) out.push(required(child(path, "reference")));
      out.push(...validatePullPolicy(str(s.pullPolicy), child(path, "pullPolicy")));
      break;
  }
  return out;
}

function validateVolumeSource(
  v: Obj,
  path: string,
  volName: string,
  podName: string | undefined,
  opts: PodOptions,
): Errs {
  const out: Errs = [];
  let count = 0;
  for (const [k, forbiddenAt, checkedAt] of VOLUME_SOURCES) {
    if (!isObj(v[k])) continue;
    if (count > 0) {
      out.push(forbidden(child(path, forbiddenAt), "may not specify more than 1 volume type"));
      continue;
    }
    count++;
    out.push(...checkSource(k, v[k] as Obj, child(path, checkedAt), volName, podName, opts));
  }
  if (count === 0) out.push(required(path, "must specify a volume type"));
  return out;
}

/** The volumes that validated, by name, and what was wrong with the others. */
function validateVolumes(volumes: Obj[], podName: string | undefined, path: string, opts: PodOptions) {
  const out: Errs = [];
  const valid = new Map<string, Obj>();
  const createdClaims = new Set(
    podName ? volumes.filter((v) => isObj(v.ephemeral)).map((v) => `${podName}-${str(v.name)}`) : [],
  );
  volumes.forEach((vol, i) => {
    const p = index(path, i);
    const name = str(vol.name);
    const el = validateVolumeSource(vol, p, name, podName, opts);
    if (!name) el.push(required(child(p, "name")));
    else el.push(...validateDNS1123Label(name, child(p, "name")));
    if (valid.has(name)) el.push(duplicate(child(p, "name"), q(name)));
    if (el.length === 0) valid.set(name, vol);
    else out.push(...el);
    const claim = obj(vol.persistentVolumeClaim);
    if (isObj(vol.persistentVolumeClaim) && createdClaims.has(str(claim.claimName)))
      out.push(
        invalid(
          child(child(p, "persistentVolumeClaim"), "claimName"),
          q(str(claim.claimName)),
          "must not reference a PVC that gets created for an ephemeral volume",
        ),
      );
  });
  return { valid, errors: out };
}

// ---- containers ----------------------------------------------------------------------------------------

function validateContainerPorts(ports: Obj[], path: string): Errs {
  const out: Errs = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = index(path, i);
    const name = str(port.name);
    if (name) {
      const msgs = portNameProblems(name);
      if (msgs.length) out.push(...each(child(p, "name"), name, msgs));
      else if (names.has(name)) out.push(duplicate(child(p, "name"), q(name)));
      else names.add(name);
    }
    const cp = typeof port.containerPort === "number" ? port.containerPort : 0;
    if (cp === 0) out.push(required(child(p, "containerPort")));
    else out.push(...portNumProblems(cp).map((m) => invalid(child(p, "containerPort"), n(cp), m)));
    const hp = typeof port.hostPort === "number" ? port.hostPort : 0;
    if (hp !== 0) out.push(...portNumProblems(hp).map((m) => invalid(child(p, "hostPort"), n(hp), m)));
    const proto = str(port.protocol);
    if (!proto) out.push(required(child(p, "protocol")));
    else if (!PROTOCOLS.includes(proto)) out.push(unsupported(child(p, "protocol"), proto, PROTOCOLS));
  });
  return out;
}

function validateKeySelector(s: Obj, path: string): Errs {
  const out = each(child(path, "name"), str(s.name), dns1123Subdomain(str(s.name)));
  if (!str(s.key)) out.push(required(child(path, "key")));
  else out.push(...each(child(path, "key"), str(s.key), configMapKeyProblems(str(s.key))));
  return out;
}

function validateEnvVarValueFrom(ev: Obj, path: string): Errs {
  if (!isObj(ev.valueFrom)) return [];
  const vf = ev.valueFrom;
  const out: Errs = [];
  let count = 0;
  if (isObj(vf.fieldRef)) {
    count++;
    out.push(...validateObjectFieldSelector(vf.fieldRef, ENV_FIELD_PATHS, child(path, "fieldRef")));
  }
  if (isObj(vf.resourceFieldRef)) {
    count++;
    out.push(...validateContainerResourceFieldSelector(vf.resourceFieldRef, child(path, "resourceFieldRef"), false));
  }
  if (isObj(vf.configMapKeyRef)) {
    count++;
    out.push(...validateKeySelector(vf.configMapKeyRef, child(path, "configMapKeyRef")));
  }
  if (isObj(vf.secretKeyRef)) {
    count++;
    out.push(...validateKeySelector(vf.secretKeyRef, child(path, "secretKeyRef")));
  }
  if (isObj(vf.fileKeyRef)) {
    count++;
    const f = vf.fileKeyRef;
    const fp = child(path, "fileKeyRef");
    if (!str(f.key)) out.push(required(child(fp, "key")));
    else out.push(...each(child(fp, "key"), str(f.key), relaxedEnvVarNameProblems(str(f.key))));
    if (!str(f.volumeName)) out.push(required(child(fp, "volumeName")));
    else out.push(...validateDNS1123Label(str(f.volumeName), child(fp, "volumeName")));
    if (!str(f.path)) out.push(required(child(fp, "path")));
    else out.push(...validatePathNoBacksteps(str(f.path), child(fp, "path")));
  }
  if (count === 0)
    out.push(
      invalid(
        path,
        q(""),
        "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef` or `fileKeyRef`",
      ),
    );
  else if (str(ev.value)) out.push(invalid(path, q(""), "may not be specified when `value` is not empty"));
  else if (count > 1) out.push(invalid(path, q(""), "may not have more than one field specified at a time"));
  return out;
}

function validateEnv(vars: Obj[], path: string): Errs {
  const out: Errs = [];
  vars.forEach((ev, i) => {
    const p = index(path, i);
    const name = str(ev.name);
    if (!name) out.push(required(child(p, "name")));
    else out.push(...each(child(p, "name"), name, relaxedEnvVarNameProblems(name)));
    out.push(...validateEnvVarValueFrom(ev, child(p, "valueFrom")));
  });
  return out;
}

function validateEnvFrom(vars: Obj[], path: string): Errs {
  const out: Errs = [];
  vars.forEach((ev, i) => {
    const p = index(path, i);
    const prefix = str(ev.prefix);
    if (prefix) out.push(...each(child(p, "prefix"), prefix, relaxedEnvVarNameProblems(prefix)));
    let count = 0;
    for (const k of ["configMapRef", "secretRef"] as const) {
      if (!isObj(ev[k])) continue;
      count++;
      const name = str((ev[k] as Obj).name);
      if (!name) out.push(required(child(child(p, k), "name")));
      else out.push(...each(child(child(p, k), "name"), name, nameRulesPrefix(name)));
    }
    if (count === 0) out.push(invalid(path, q(""), "must specify one of: `configMapRef` or `secretRef`"));
    else if (count > 1) out.push(invalid(path, q(""), "may not have more than one field specified at a time"));
  });
  return out;
}

/** NameIsDNSSubdomain(name, prefix=true): a trailing '-' is fine, as the name may be a generateName. */
function nameRulesPrefix(name: string): string[] {
  const masked = name.length > 1 && name.endsWith("-") ? `${name.slice(0, -1)}a` : name;
  return dns1123Subdomain(masked);
}

const PROPAGATIONS = ["Bidirectional", "HostToContainer", "None"];
const RRO = ["Disabled", "Enabled", "IfPossible"];

function validateVolumeMounts(c: Obj, volumes: Map<string, Obj>, path: string): Errs {
  const out: Errs = [];
  const devices = new Map(objs(c.volumeDevices).map((d) => [str(d.name), str(d.devicePath)]));
  const devicePaths = new Set(devices.values());
  const points = new Set<string>();
  const privileged = obj(c.securityContext).privileged === true;
  objs(c.volumeMounts).forEach((m, i) => {
    const p = index(path, i);
    const name = str(m.name);
    const mountPath = str(m.mountPath);
    if (!name) out.push(required(child(p, "name")));
    if (!volumes.has(name)) out.push(notFound(child(p, "name"), q(name)));
    if (!mountPath) out.push(required(child(p, "mountPath")));
    if (points.has(mountPath)) out.push(invalid(child(p, "mountPath"), q(mountPath), "must be unique"));
    points.add(mountPath);
    if (devices.has(name)) out.push(invalid(child(p, "name"), q(name), "must not already exist in volumeDevices"));
    if (devicePaths.has(mountPath))
      out.push(invalid(child(p, "mountPath"), q(mountPath), "must not already exist as a path in volumeDevices"));
    const sub = str(m.subPath);
    if (sub) out.push(...validateLocalDescendingPath(sub, child(path, "subPath")));
    const expr = str(m.subPathExpr);
    if (expr) {
      if (sub) out.push(invalid(child(p, "subPathExpr"), q(expr), "subPathExpr and subPath are mutually exclusive"));
      out.push(...validateLocalDescendingPath(expr, child(path, "subPathExpr")));
    }
    if (typeof m.mountPropagation === "string") {
      const mp = child(path, "mountPropagation");
      if (!PROPAGATIONS.includes(m.mountPropagation)) out.push(unsupported(mp, m.mountPropagation, PROPAGATIONS));
      if (m.mountPropagation === "Bidirectional" && !privileged)
        out.push(forbidden(mp, "Bidirectional mount propagation is available only to privileged containers"));
    }
    if (typeof m.recursiveReadOnly === "string") {
      const rp = child(path, "recursiveReadOnly");
      const rro = m.recursiveReadOnly;
      if (rro === "Enabled" || rro === "IfPossible") {
        if (m.readOnly !== true) out.push(forbidden(rp, "may only be specified when readOnly is true"));
        if (typeof m.mountPropagation === "string" && m.mountPropagation !== "None")
          out.push(forbidden(rp, "may only be specified when mountPropagation is None or not specified"));
      } else if (rro !== "Disabled") out.push(unsupported(rp, rro, RRO));
    }
  });
  return out;
}

function validateVolumeDevices(c: Obj, volumes: Map<string, Obj>, path: string): Errs {
  const out: Errs = [];
  const mounts = new Map(objs(c.volumeMounts).map((m) => [str(m.name), str(m.mountPath)]));
  const mountPaths = new Set(mounts.values());
  const paths = new Set<string>();
  const names = new Set<string>();
  objs(c.volumeDevices).forEach((d, i) => {
    const p = index(path, i);
    const name = str(d.name);
    const devPath = str(d.devicePath);
    const vol = volumes.get(name);
    const isPVC = vol !== undefined && (isObj(vol.persistentVolumeClaim) || isObj(vol.ephemeral));
    if (!name) out.push(required(child(p, "name")));
    if (names.has(name)) out.push(invalid(child(p, "name"), q(name), "must be unique"));
    if (vol && !isPVC)
      out.push(
        invalid(
          child(p, "name"),
          q(name),
          "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode",
        ),
      );
    if (!vol) out.push(notFound(child(p, "name"), q(name)));
    if (!devPath) out.push(required(child(p, "devicePath")));
    if (paths.has(devPath)) out.push(invalid(child(p, "devicePath"), q(devPath), "must be unique"));
    if (devPath?.split("/").includes(".."))
      out.push(invalid(child(p, "devicePath"), q(devPath), "can not contain backsteps ('..')"));
    else paths.add(devPath);
    if (mounts.has(name)) out.push(invalid(child(p, "name"), q(name), "must not already exist in volumeMounts"));
    if (mountPaths.has(devPath))
      out.push(invalid(child(p, "devicePath"), q(devPath), "must not already exist as a path in volumeMounts"));
    if (name) names.add(name);
  });
  return out;
}

// ---- resources ---------------------------------------------------------------------------------------

const isHugePages = (r: string) => r.startsWith("hugepages-");
const isNative = (r: string) => !r.includes("/") || r.includes("kubernetes.io/");
const isExtended = (r: string) =>
  !isNative(r) && !r.startsWith("requests.") && qualifiedName(`requests.${r}`).length === 0;
const overcommitAllowed = (r: string) => isNative(r) && !isHugePages(r);
const STANDARD_RESOURCES = new Set([
  "cpu",
  "memory",
  "ephemeral-storage",
  "requests.cpu",
  "requests.memory",
  "requests.ephemeral-storage",
  "limits.cpu",
  "limits.memory",
  "limits.ephemeral-storage",
  "pods",
  "resourcequotas",
  "services",
  "replicationcontrollers",
  "secrets",
  "configmaps",
  "persistentvolumeclaims",
  "storage",
  "requests.storage",
  "services.nodeports",
  "services.loadbalancers",
]);
const INTEGER_RESOURCES = new Set([
  "pods",
  "resourcequotas",
  "services",
  "replicationcontrollers",
  "secrets",
  "configmaps",
  "persistentvolumeclaims",
  "services.nodeports",
  "services.loadbalancers",
]);
const isStandardResource = (r: string) =>
  STANDARD_RESOURCES.has(r) || r.startsWith("hugepages-") || r.startsWith("requests.hugepages-");

/** validateResourceName. */
export function validateResourceName(r: string, path: string): Errs {
  const out = each(path, r, qualifiedName(r));
  if (out.length) return out;
  if (!r.includes("/") && !isStandardResource(r))
    return [invalid(path, q(r), "must be a standard resource type or fully qualified")];
  return [];
}

/** ValidateContainerResourceName. */
export function validateContainerResourceName(r: string, path: string): Errs {
  const out = validateResourceName(r, path);
  if (!r.includes("/")) {
    if (!["cpu", "memory", "ephemeral-storage"].includes(r) && !isHugePages(r))
      return [...out, invalid(path, q(r), "must be a standard resource for containers")];
  } else if (!isNative(r) && !isExtended(r))
    return [...out, invalid(path, q(r), "doesn't follow extended resource name standard")];
  return out;
}

const POD_LEVEL_RESOURCES = ["cpu", "hugepages-", "memory"];

function validatePodResourceName(r: string, path: string): Errs {
  const out = validateResourceName(r, path);
  if (out.length) return out;
  if (r !== "cpu" && r !== "memory" && !isHugePages(r)) return [notSupported(path, q(r), POD_LEVEL_RESOURCES)];
  return [];
}

/** ValidateResourceQuantityValue. */
export function validateResourceQuantityValue(r: string, value: unknown, path: string): Errs {
  const out: Errs = [];
  if (signOf(value) < 0) out.push(invalid(path, q(formatQuantity(value)), "must be greater than or equal to 0"));
  if ((INTEGER_RESOURCES.has(r) || isExtended(r)) && quantityMilliValue(value) % 1000n !== 0n)
    out.push(invalid(path, q(formatQuantity(value)), "must be an integer"));
  return out;
}

function hugePageProblem(r: string, value: unknown): string | undefined {
  const size = r.slice("hugepages-".length);
  const ok =
    /^[+-]?\d/.test(size) &&
    signOf(size) > 0 &&
    quantityMilliValue(size) % 1000n === 0n &&
    quantityValue(value) % quantityValue(size) === 0n;
  return ok ? undefined : `${formatQuantity(value)} is not positive integer multiple of ${r}`;
}

function validateResourceRequirements(
  req: Obj,
  nameFn: (r: string, path: string) => Errs,
  claimNames: Set<string>,
  path: string,
): Errs {
  const out: Errs = [];
  const limits = obj(req.limits);
  const requests = obj(req.requests);
  const limPath = child(path, "limits");
  const reqPath = child(path, "requests");
  let limCpuMem = false;
  let reqCpuMem = false;
  let limHuge = false;
  let reqHuge = false;
  for (const r of keys(limits)) {
    const p = key(limPath, r);
    out.push(...nameFn(r, p), ...validateResourceQuantityValue(r, limits[r], p));
    if (isHugePages(r)) {
      limHuge = true;
      const why = hugePageProblem(r, limits[r]);
      if (why) out.push(invalid(p, q(formatQuantity(limits[r])), why));
    }
    if (r === "cpu" || r === "memory") limCpuMem = true;
  }
  for (const r of keys(requests)) {
    const p = key(reqPath, r);
    out.push(...nameFn(r, p), ...validateResourceQuantityValue(r, requests[r], p));
    if (r in limits) {
      const c = cmpQuantity(requests[r], limits[r]);
      const shown = q(formatQuantity(requests[r]));
      if (c !== 0 && !overcommitAllowed(r))
        out.push(invalid(reqPath, shown, `must be equal to ${r} limit of ${formatQuantity(limits[r])}`));
      else if (c > 0)
        out.push(invalid(reqPath, shown, `must be less than or equal to ${r} limit of ${formatQuantity(limits[r])}`));
    } else if (!overcommitAllowed(r)) out.push(required(limPath, "Limit must be set for non overcommitable resources"));
    if (isHugePages(r)) {
      reqHuge = true;
      const why = hugePageProblem(r, requests[r]);
      if (why) out.push(invalid(p, q(formatQuantity(requests[r])), why));
    }
    if (r === "cpu" || r === "memory") reqCpuMem = true;
  }
  if (!limCpuMem && !reqCpuMem && (reqHuge || limHuge)) out.push(forbidden(path, "HugePages require cpu or memory"));
  out.push(...validateResourceClaimNames(objs(req.claims), claimNames, child(path, "claims")));
  return out;
}

function validateResourceClaimNames(claims: Obj[], podClaims: Set<string>, path: string): Errs {
  const out: Errs = [];
  const names = new Set<string>();
  claims.forEach((c, i) => {
    const p = index(path, i);
    const name = str(c.name);
    if (!name) {
      out.push(required(p));
      return;
    }
    const request = str(c.request);
    if (names.has(name)) out.push(duplicate(p, q(name)));
    else {
      let k = name;
      if (request) {
        out.push(...validateDNS1123Label(request, child(p, "request")));
        k += `/${request}`;
      }
      if (names.has(k)) out.push(duplicate(p, q(k)));
      else if (!request)
        for (const existing of names) if (existing.startsWith(`${name}/`)) out.push(duplicate(p, q(name)));
      names.add(k);
    }
    if (!podClaims.has(name)) {
      const known = [...podClaims].sort();
      out.push(
        notFound(
          p,
          q(name),
          `must be one of the names in pod.spec.resourceClaims${known.length ? `: ${known.join(", ")}` : " which is empty"}`,
        ),
      );
    }
  });
  return out;
}

const RESIZE_RESOURCES = ["cpu", "memory"];
const RESIZE_POLICIES = ["NotRequired", "RestartContainer"];

function validateResizePolicy(policies: Obj[], path: string, podRestartPolicy: string): Errs {
  const out: Errs = [];
  const seen = new Set<string>();
  policies.forEach((p, i) => {
    const r = str(p.resourceName);
    const rp = str(p.restartPolicy);
    if (seen.has(r)) out.push(duplicate(index(path, i), q(r)));
    seen.add(r);
    if (r === "") out.push(required(path));
    else if (!RESIZE_RESOURCES.includes(r)) out.push(unsupported(path, r, RESIZE_RESOURCES));
    if (rp === "") out.push(required(path));
    else if (!RESIZE_POLICIES.includes(rp)) out.push(unsupported(path, rp, RESIZE_POLICIES));
    if (podRestartPolicy === "Never" && rp !== "NotRequired")
      out.push(invalid(path, q(rp), "must be 'NotRequired' when `restartPolicy` is 'Never'"));
  });
  return out;
}

// ---- security ------------------------------------------------------------------------------------------

const SECCOMP_TYPES = ["Localhost", "RuntimeDefault", "Unconfined"];
const MAX_INT32 = 2147483647;
const idProblems = (v: number) => (v >= 0 && v <= MAX_INT32 ? [] : [inclusiveRange(0, MAX_INT32)]);

function validateSeccompProfile(sp: unknown, path: string): Errs {
  if (!isObj(sp)) return [];
  const out: Errs = [];
  const t = str(sp.type);
  if (t === "") out.push(required(child(path, "type"), "type is required when seccompProfile is set"));
  else if (!SECCOMP_TYPES.includes(t)) out.push(unsupported(child(path, "type"), t, SECCOMP_TYPES));
  if (t === "Localhost") {
    if (isNil(sp.localhostProfile))
      out.push(required(child(path, "localhostProfile"), "must be set when seccomp type is Localhost"));
    else out.push(...validateLocalDescendingPath(str(sp.localhostProfile), child(path, "localhostProfile")));
  } else if (!isNil(sp.localhostProfile))
    out.push(
      invalid(
        child(path, "localhostProfile"),
        raw(goStructJson("*core.SeccompProfile", sp)),
        "can only be set when seccomp type is Localhost",
      ),
    );
  return out;
}

function validateAppArmorProfile(p: unknown, path: string): Errs {
  if (!isObj(p)) return [];
  const t = str(p.type);
  const lp = p.localhostProfile;
  switch (t) {
    case "Localhost": {
      if (isNil(lp)) return [required(child(path, "localhostProfile"), "must be set when AppArmor type is Localhost")];
      const out: Errs = [];
      const s = str(lp);
      if (s.trim() !== s)
        out.push(invalid(child(path, "localhostProfile"), q(s), "must not be padded with whitespace"));
      else if (s === "")
        out.push(required(child(path, "localhostProfile"), "must be set when AppArmor type is Localhost"));
      if (s.length > 4095) out.push(tooLong(child(path, "localhostProfile"), 4095));
      return out;
    }
    case "RuntimeDefault":
    case "Unconfined":
      return isNil(lp)
        ? []
        : [invalid(child(path, "localhostProfile"), j(lp), "can only be set when AppArmor type is Localhost")];
    case "":
      return [required(child(path, "type"), "type is required when appArmorProfile is set")];
    default:
      return [unsupported(child(path, "type"), t, SECCOMP_TYPES)];
  }
}

function validateSecurityContext(sc: unknown, path: string, hostUsers: boolean): Errs {
  if (!isObj(sc)) return [];
  const out: Errs = [];
  if (typeof sc.runAsUser === "number")
    out.push(...idProblems(sc.runAsUser).map((m) => invalid(child(path, "runAsUser"), n(sc.runAsUser as number), m)));
  if (typeof sc.runAsGroup === "number")
    out.push(
      ...idProblems(sc.runAsGroup).map((m) => invalid(child(path, "runAsGroup"), n(sc.runAsGroup as number), m)),
    );
  if (typeof sc.procMount === "string") {
    if (sc.procMount !== "Default" && sc.procMount !== "Unmasked")
      out.push(unsupported(child(path, "procMount"), sc.procMount, ["Default", "Unmasked"]));
    if (hostUsers && sc.procMount === "Unmasked")
      out.push(invalid(child(path, "procMount"), q(sc.procMount), "`hostUsers` must be false to use `Unmasked`"));
  }
  out.push(...validateSeccompProfile(sc.seccompProfile, child(path, "seccompProfile")));
  if (sc.allowPrivilegeEscalation === false) {
    const shown = () => raw(goStructJson("*core.SecurityContext", sc));
    if (sc.privileged === true)
      out.push(invalid(path, shown(), "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"));
    for (const cap of list(obj(sc.capabilities).add))
      if (cap === "CAP_SYS_ADMIN")
        out.push(
          invalid(path, shown(), "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"),
        );
  }
  out.push(...validateAppArmorProfile(sc.appArmorProfile, child(path, "appArmorProfile")));
  return out;
}

const FS_GROUP_POLICIES = ["Always", "OnRootMismatch"];
const SYSCTL = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;
const SYSCTL_SOURCE = "^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$";

/** The namespace a sysctl belongs to (utilsysctl.GetNamespace), for the hostNetwork/hostIPC rule. */
function sysctlNamespace(name: string): "ipc" | "net" | undefined {
  const n = name.replaceAll("/", ".");
  if (n.startsWith("net.")) return "net";
  if (n.startsWith("kernel.shm") || n.startsWith("kernel.msg") || n === "kernel.sem" || n.startsWith("fs.mqueue."))
    return "ipc";
  return undefined;
}

function validatePodSecurityContext(spec: Obj, path: string): Errs {
  const sc = spec.securityContext;
  if (!isObj(sc)) return [];
  const out: Errs = [];
  for (const f of ["fsGroup", "runAsUser", "runAsGroup"] as const)
    if (typeof sc[f] === "number")
      out.push(...idProblems(sc[f] as number).map((m) => invalid(child(path, f), n(sc[f] as number), m)));
  list(sc.supplementalGroups).forEach((g, i) => {
    if (typeof g === "number")
      out.push(...idProblems(g).map((m) => invalid(index(child(path, "supplementalGroups"), i), n(g), m)));
  });
  if (sc.shareProcessNamespace === true && spec.hostPID === true)
    out.push(
      invalid(
        child(path, "shareProcessNamespace"),
        n(true),
        "ShareProcessNamespace and HostPID cannot both be enabled",
      ),
    );
  const seen = new Set<string>();
  objs(sc.sysctls).forEach((s, i) => {
    const p = child(index(child(path, "sysctls"), i), "name");
    const name = str(s.name);
    if (!name) out.push(required(p));
    else if (name.length > 253 || !SYSCTL.test(name))
      out.push(invalid(p, q(name), `must have at most 253 characters and match regex ${SYSCTL_SOURCE}`));
    else if (seen.has(name)) out.push(duplicate(p, q(name)));
    const ns = sysctlNamespace(name);
    if (spec.hostNetwork === true && ns === "net")
      out.push(invalid(p, q(name), "may not be specified when 'hostNetwork' is true"));
    else if (spec.hostIPC === true && ns === "ipc")
      out.push(invalid(p, q(name), "may not be specified when 'hostIPC' is true"));
    seen.add(name);
  });
  if (typeof sc.fsGroupChangePolicy === "string" && !FS_GROUP_POLICIES.includes(sc.fsGroupChangePolicy))
    out.push(unsupported(child(path, "fsGroupChangePolicy"), sc.fsGroupChangePolicy, FS_GROUP_POLICIES));
  out.push(...validateSeccompProfile(sc.seccompProfile, child(path, "seccompProfile")));
  out.push(...validateAppArmorProfile(sc.appArmorProfile, child(path, "appArmorProfile")));
  if (typeof sc.supplementalGroupsPolicy === "string" && !["Merge", "Strict"].includes(sc.supplementalGroupsPolicy))
    out.push(unsupported(child(path, "supplementalGroupsPolicy"), sc.supplementalGroupsPolicy, ["Merge", "Strict"]));
  if (typeof sc.seLinuxChangePolicy === "string" && sc.seLinuxChangePolicy !== "Recursive")
    out.push(unsupported(child(path, "seLinuxChangePolicy"), sc.seLinuxChangePolicy, ["Recursive"]));
  return out;
}

// ---- probes and handlers -------------------------------------------------------------------------------

function validateHandler(h: Obj, grace: number | undefined, path: string, kinds: readonly string[]): Errs {
  const out: Errs = [];
  let count = 0;
  for (const k of kinds) {
    if (!isObj(h[k])) continue;
    if (count > 0) {
      out.push(forbidden(child(path, k), "may not specify more than 1 handler type"));
      continue;
    }
    count++;
    const a = h[k] as Obj;
    const p = child(path, k);
    if (k === "exec" && len(a.command) === 0) out.push(required(child(p, "command")));
    if (k === "httpGet") {
      if (!str(a.path)) out.push(required(child(p, "path")));
      out.push(...validatePortNumOrName(a.port, child(p, "port")));
      if (!["HTTP", "HTTPS"].includes(str(a.scheme)))
        out.push(unsupported(child(p, "scheme"), str(a.scheme), ["HTTP", "HTTPS"]));
      for (const hdr of objs(a.httpHeaders))
        out.push(...each(child(p, "httpHeaders"), str(hdr.name), httpHeaderNameProblems(str(hdr.name))));
    }
    if (k === "tcpSocket") out.push(...validatePortNumOrName(a.port, child(p, "port")));
    if (k === "grpc") out.push(...validatePortNumOrName(typeof a.port === "number" ? a.port : 0, child(p, "port")));
    if (k === "sleep" && grace !== undefined) {
      const s = typeof a.seconds === "number" ? a.seconds : 0;
      if (s < 0 || s > grace)
        out.push(invalid(p, n(s), `must be non-negative and less than terminationGracePeriodSeconds (${grace})`));
    }
  }
  if (count === 0) out.push(required(path, "must specify a handler type"));
  return out;
}

const PROBE_HANDLERS = ["exec", "httpGet", "tcpSocket", "grpc"];
const LIFECYCLE_HANDLERS = ["exec", "httpGet", "tcpSocket", "sleep"];

function validateProbe(
  p: unknown,
  grace: number | undefined,
  path: string,
  kind: "liveness" | "readiness" | "startup",
): Errs {
  if (!isObj(p)) return [];
  const out = validateHandler(p, grace, path, PROBE_HANDLERS);
  for (const f of ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"])
    out.push(...validateNonnegative(typeof p[f] === "number" ? (p[f] as number) : 0, child(path, f)));
  if (typeof p.terminationGracePeriodSeconds === "number" && p.terminationGracePeriodSeconds <= 0)
    out.push(
      invalid(
        child(path, "terminationGracePeriodSeconds"),
        n(p.terminationGracePeriodSeconds),
        "must be greater than 0",
      ),
    );
  if (kind !== "readiness" && p.successThreshold !== 1)
    out.push(
      invalid(
        child(path, "successThreshold"),
        n(typeof p.successThreshold === "number" ? p.successThreshold : 0),
        "must be 1",
      ),
    );
  if (kind === "readiness" && !isNil(p.terminationGracePeriodSeconds))
    out.push(
      invalid(
        child(path, "terminationGracePeriodSeconds"),
        j(p.terminationGracePeriodSeconds),
        "must not be set for readinessProbes",
      ),
    );
  return out;
}

/** validateLifecycle (stopSignal belongs to ContainerStopSignals, off in 1.35: kube drops it unvalidated). */
function validateLifecycle(l: Obj, grace: number | undefined, path: string): Errs {
  const out: Errs = [];
  if (isObj(l.postStart))
    out.push(...validateHandler(l.postStart, grace, child(path, "postStart"), LIFECYCLE_HANDLERS));
  if (isObj(l.preStop)) out.push(...validateHandler(l.preStop, grace, child(path, "preStop"), LIFECYCLE_HANDLERS));
  return out;
}

const CONTAINER_RESTART = ["Always", "Never", "OnFailure"];

function validateContainerRestartPolicy(c: Obj, path: string): Errs {
  const out: Errs = [];
  const rules = objs(c.restartPolicyRules);
  const rp = child(path, "restartPolicy");
  if (isNil(c.restartPolicy)) {
    if (rules.length === 0) return out;
    out.push(required(rp, "must specify restartPolicy when restart rules are used"));
  } else if (!CONTAINER_RESTART.includes(str(c.restartPolicy)))
    out.push(unsupported(rp, str(c.restartPolicy), CONTAINER_RESTART));
  if (rules.length > 20) out.push(tooLong(child(path, "restartPolicyRules"), 20));
  rules.forEach((rule, i) => {
    const p = index(child(path, "restartPolicyRules"), i);
    if (str(rule.action) !== "Restart") out.push(unsupported(child(p, "action"), str(rule.action), ["Restart"]));
    if (isObj(rule.exitCodes)) {
      const op = str(rule.exitCodes.operator);
      if (op !== "In" && op !== "NotIn")
        out.push(unsupported(child(child(p, "exitCodes"), "operator"), op, ["In", "NotIn"]));
      if (len(rule.exitCodes.values) > 255) out.push(tooLong(child(child(p, "exitCodes"), "values"), 255));
    } else out.push(required(child(p, "exitCodes"), "must be specified"));
  });
  return out;
}

interface Ctx {
  volumes: Map<string, Obj>;
  claims: Set<string>;
  grace: number | undefined;
  restartPolicy: string;
  hostUsers: boolean;
}

function validateContainerCommon(c: Obj, path: string, ctx: Ctx): Errs {
  const out: Errs = [];
  const name = str(c.name);
  if (!name) out.push(required(child(path, "name")));
  else out.push(...validateDNS1123Label(name, child(path, "name")));
  if (!str(c.image)) out.push(required(child(path, "image")));
  const tmp = str(c.terminationMessagePolicy);
  if (tmp === "") out.push(required(child(path, "terminationMessagePolicy")));
  else if (tmp !== "File" && tmp !== "FallbackToLogsOnError")
    out.push(unsupported(child(path, "terminationMessagePolicy"), tmp, ["File", "FallbackToLogsOnError"]));
  out.push(...validateContainerPorts(objs(c.ports), child(path, "ports")));
  out.push(...validateEnv(objs(c.env), child(path, "env")));
  out.push(...validateEnvFrom(objs(c.envFrom), child(path, "envFrom")));
  out.push(...validateVolumeMounts(c, ctx.volumes, child(path, "volumeMounts")));
  out.push(...validateVolumeDevices(c, ctx.volumes, child(path, "volumeDevices")));
  out.push(...validatePullPolicy(str(c.imagePullPolicy), child(path, "imagePullPolicy")));
  out.push(
    ...validateResourceRequirements(
      obj(c.resources),
      validateContainerResourceName,
      ctx.claims,
      child(path, "resources"),
    ),
  );
  out.push(...validateResizePolicy(objs(c.resizePolicy), child(path, "resizePolicy"), ctx.restartPolicy));
  out.push(...validateSecurityContext(c.securityContext, child(path, "securityContext"), ctx.hostUsers));
  return out;
}

function hostPortConflicts(containers: Obj[], path: string): Errs {
  const out: Errs = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    objs(c.ports).forEach((p, pi) => {
      const hp = typeof p.hostPort === "number" ? p.hostPort : 0;
      if (hp === 0) return;
      const k = `${str(p.protocol)}/${str(p.hostIP)}/${hp}`;
      if (seen.has(k)) out.push(duplicate(child(index(child(index(path, ci), "ports"), pi), "hostPort"), q(k)));
      else seen.add(k);
    });
  });
  return out;
}

function validateContainers(containers: Obj[], path: string, ctx: Ctx): Errs {
  if (containers.length === 0) return [required(path)];
  const out: Errs = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const p = index(path, i);
    out.push(...validateContainerCommon(c, p, ctx));
    const name = str(c.name);
    if (names.has(name)) out.push(duplicate(child(p, "name"), q(name)));
    else names.add(name);
    if (isObj(c.lifecycle)) out.push(...validateLifecycle(c.lifecycle, ctx.grace, child(p, "lifecycle")));
    out.push(...validateProbe(c.livenessProbe, ctx.grace, child(p, "livenessProbe"), "liveness"));
    out.push(...validateProbe(c.readinessProbe, ctx.grace, child(p, "readinessProbe"), "readiness"));
    out.push(...validateProbe(c.startupProbe, ctx.grace, child(p, "startupProbe"), "startup"));
    out.push(...validateContainerRestartPolicy(c, p));
  });
  out.push(...hostPortConflicts(containers, path));
  return out;
}

function validateInitContainers(inits: Obj[], regular: Obj[], path: string, ctx: Ctx): Errs {
  const out: Errs = [];
  const names = new Set(regular.map((c) => str(c.name)));
  inits.forEach((c, i) => {
    const p = index(path, i);
    out.push(...validateContainerCommon(c, p, ctx));
    const always = c.restartPolicy === "Always";
    if (!isNil(c.restartPolicy)) {
      if (always) {
        if (len(c.restartPolicyRules) > 0)
          out.push(
            forbidden(
              child(p, "restartPolicyRules"),
              "restartPolicyRules are not allowed for init containers with restart policy Always",
            ),
          );
      } else out.push(...validateContainerRestartPolicy(c, p));
    } else if (len(c.restartPolicyRules) > 0)
      out.push(required(child(p, "restartPolicy"), "must specify restartPolicy when restart rules are used"));
    const name = str(c.name);
    if (names.has(name)) out.push(duplicate(child(p, "name"), q(name)));
    else if (name) names.add(name);
    out.push(...hostPortConflicts([c], path));
    if (always) {
      if (isObj(c.lifecycle)) out.push(...validateLifecycle(c.lifecycle, ctx.grace, child(p, "lifecycle")));
      out.push(...validateProbe(c.livenessProbe, ctx.grace, child(p, "livenessProbe"), "liveness"));
      out.push(...validateProbe(c.readinessProbe, ctx.grace, child(p, "readinessProbe"), "readiness"));
      out.push(...validateProbe(c.startupProbe, ctx.grace, child(p, "startupProbe"), "startup"));
    } else {
      for (const f of ["lifecycle", "livenessProbe", "readinessProbe", "startupProbe"])
        if (!isNil(c[f]))
          out.push(forbidden(child(p, f), "may not be set for init containers without restartPolicy=Always"));
    }
  });
  return out;
}

/** The container fields an ephemeral container may not set, in the Go struct's order. */
const EPHEMERAL_FORBIDDEN = [
  "ports",
  "resources",
  "resizePolicy",
  "restartPolicy",
  "restartPolicyRules",
  "livenessProbe",
  "readinessProbe",
  "startupProbe",
  "lifecycle",
];

function validateEphemeralContainers(ecs: Obj[], containers: Obj[], inits: Obj[], path: string, ctx: Ctx): Errs {
  if (ecs.length === 0) return [];
  const out: Errs = [];
  const other = new Set([...containers, ...inits].map((c) => str(c.name)));
  const all = new Set(other);
  ecs.forEach((ec, i) => {
    const p = index(path, i);
    out.push(...validateContainerCommon(ec, p, ctx), ...imageWhitespace(ec, p));
    const name = str(ec.name);
    if (all.has(name)) out.push(duplicate(child(p, "name"), q(name)));
    else all.add(name);
    const target = str(ec.targetContainerName);
    if (target && !other.has(target)) out.push(notFound(child(p, "targetContainerName"), q(target)));
    for (const f of EPHEMERAL_FORBIDDEN) {
      const v = ec[f];
      const set =
        f === "resources"
          ? len(obj(v).limits) + len(obj(v).requests) + len(obj(v).claims) > 0
          : Array.isArray(v)
            ? v.length > 0
            : !isNil(v);
      if (set) out.push(forbidden(child(p, f), "cannot be set for an Ephemeral Container"));
    }
    objs(ec.volumeMounts).forEach((vm, vi) => {
      const vp = index(child(p, "volumeMounts"), vi);
      if (str(vm.subPath)) out.push(forbidden(child(vp, "subPath"), "cannot be set for an Ephemeral Container"));
      if (str(vm.subPathExpr))
        out.push(forbidden(child(vp, "subPathExpr"), "cannot be set for an Ephemeral Container"));
    });
  });
  return out;
}

function imageWhitespace(c: Obj, path: string): Errs {
  const image = str(c.image);
  return image.trim() !== image
    ? [invalid(child(path, "image"), q(image), "must not have leading or trailing whitespace")]
    : [];
}

// ---- scheduling ----------------------------------------------------------------------------------------

function validateNodeSelectorRequirement(r: Obj, allowInvalidValues: boolean, path: string): Errs {
  const out: Errs = [];
  const op = str(r.operator);
  const values = list(r.values);
  if (op === "In" || op === "NotIn") {
    if (values.length === 0)
      out.push(required(child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (op === "Exists" || op === "DoesNotExist") {
    if (values.length > 0)
      out.push(forbidden(child(path, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  } else if (op === "Gt" || op === "Lt") {
    if (values.length !== 1)
      out.push(required(child(path, "values"), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
  } else out.push(invalid(child(path, "operator"), q(op), "not a valid selector operator"));
  out.push(...validateLabelName(str(r.key), child(path, "key")));
  if (!allowInvalidValues)
    values.forEach((v, i) => {
      out.push(...each(index(child(path, "values"), i), str(v), labelValue(str(v))));
    });
  return out;
}

function validateNodeSelectorTerm(term: Obj, allowInvalidValues: boolean, path: string): Errs {
  const out: Errs = [];
  objs(term.matchExpressions).forEach((r, i) => {
    out.push(...validateNodeSelectorRequirement(r, allowInvalidValues, index(child(path, "matchExpressions"), i)));
  });
  objs(term.matchFields).forEach((r, i) => {
    const p = index(child(path, "matchFields"), i);
    const op = str(r.operator);
    if (op === "In" || op === "NotIn") {
      if (len(r.values) !== 1)
        out.push(
          required(
            child(p, "values"),
            "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
          ),
        );
    } else out.push(invalid(child(p, "operator"), q(op), "not a valid selector operator"));
    if (str(r.key) !== "metadata.name")
      out.push(invalid(child(p, "key"), q(str(r.key)), "not a valid field selector key"));
    else
      list(r.values).forEach((v, vi) => {
        out.push(...each(index(child(p, "values"), vi), str(v), dns1123Subdomain(str(v))));
      });
  });
  return out;
}

function validatePodAffinityTerm(t: Obj, path: string): Errs {
  const out = validateLabelSelector(t.labelSelector, child(path, "labelSelector"));
  out.push(...validateLabelSelector(t.namespaceSelector, child(path, "namespaceSelector")));
  for (const ns of list(t.namespaces)) out.push(...each(child(path, "namespace"), str(ns), dns1123Label(str(ns))));
  for (const [f, ks] of [
    ["matchLabelKeys", t.matchLabelKeys],
    ["mismatchLabelKeys", t.mismatchLabelKeys],
  ] as const) {
    if (len(ks) === 0) continue;
    if (isNil(t.labelSelector))
      out.push(forbidden(child(path, f), "must not be specified when labelSelector is not set"));
    else
      list(ks).forEach((k, i) => {
        out.push(...validateLabelName(str(k), index(child(path, f), i)));
      });
  }
  const mismatch = new Set(list(t.mismatchLabelKeys).map(str));
  list(t.matchLabelKeys).forEach((k, i) => {
    if (mismatch.has(str(k)))
      out.push(
        invalid(
          index(child(path, "matchLabelKeys"), i),
          q(str(k)),
          "exists in both matchLabelKeys and mismatchLabelKeys",
        ),
      );
  });
  if (!str(t.topologyKey)) out.push(required(child(path, "topologyKey"), "can not be empty"));
  out.push(...validateLabelName(str(t.topologyKey), child(path, "topologyKey")));
  return out;
}

function validatePodAffinity(a: unknown, path: string): Errs {
  if (!isObj(a)) return [];
  const out: Errs = [];
  const req = "requiredDuringSchedulingIgnoredDuringExecution";
  const pref = "preferredDuringSchedulingIgnoredDuringExecution";
  objs(a[req]).forEach((t, i) => {
    out.push(...validatePodAffinityTerm(t, index(child(path, req), i)));
  });
  objs(a[pref]).forEach((w, i) => {
    const p = index(child(path, pref), i);
    const weight = typeof w.weight === "number" ? w.weight : 0;
    if (weight <= 0 || weight > 100) out.push(invalid(child(p, "weight"), n(weight), "must be in the range 1-100"));
    out.push(...validatePodAffinityTerm(obj(w.podAffinityTerm), child(p, "podAffinityTerm")));
  });
  return out;
}

function validateAffinity(a: unknown, path: string): Errs {
  if (!isObj(a)) return [];
  const out: Errs = [];
  if (isObj(a.nodeAffinity)) {
    const na = a.nodeAffinity;
    const np = child(path, "nodeAffinity");
    const req = na.requiredDuringSchedulingIgnoredDuringExecution;
    if (isObj(req)) {
      const tp = child(child(np, "requiredDuringSchedulingIgnoredDuringExecution"), "nodeSelectorTerms");
      const terms = objs(req.nodeSelectorTerms);
      if (terms.length === 0) out.push(required(tp, "must have at least one node selector term"));
      terms.forEach((t, i) => {
        out.push(...validateNodeSelectorTerm(t, false, index(tp, i)));
      });
    }
    objs(na.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      const p = index(child(np, "preferredDuringSchedulingIgnoredDuringExecution"), i);
      const weight = typeof t.weight === "number" ? t.weight : 0;
      if (weight <= 0 || weight > 100) out.push(invalid(child(p, "weight"), n(weight), "must be in the range 1-100"));
      out.push(...validateNodeSelectorTerm(obj(t.preference), true, child(p, "preference")));
    });
  }
  out.push(...validatePodAffinity(a.podAffinity, child(path, "podAffinity")));
  out.push(...validatePodAffinity(a.podAntiAffinity, child(path, "podAntiAffinity")));
  return out;
}

const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

export function validateTolerations(tolerations: Obj[], path: string): Errs {
  const out: Errs = [];
  tolerations.forEach((t, i) => {
    const p = index(path, i);
    const k = str(t.key);
    const op = str(t.operator);
    const effect = str(t.effect);
    if (k) out.push(...validateLabelName(k, child(p, "key")));
    if (!k && op !== "Exists")
      out.push(
        invalid(
          child(p, "operator"),
          q(op),
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    if (!isNil(t.tolerationSeconds) && effect !== "NoExecute")
      out.push(invalid(child(p, "effect"), q(effect), "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    if (op === "Equal" || op === "") {
      const msgs = labelValue(str(t.value));
      if (msgs.length) out.push(invalid(child(p, "operator"), q(str(t.value)), msgs.join(";")));
    } else if (op === "Exists") {
      if (str(t.value))
        out.push(invalid(child(p, "operator"), q(str(t.value)), "value must be empty when `operator` is 'Exists'"));
    } else if (op === "Lt" || op === "Gt")
      out.push(unsupported(child(p, "operator"), op, ["Equal", "Exists", "Lt", "Gt"]));
    else out.push(unsupported(child(p, "operator"), op, ["Equal", "Exists"]));
    if (effect && !TAINT_EFFECTS.includes(effect)) out.push(unsupported(child(p, "effect"), effect, TAINT_EFFECTS));
  });
  return out;
}

function validateDNSConfig(spec: Obj, path: string): Errs {
  const dc = spec.dnsConfig;
  if (spec.dnsPolicy === "None") {
    if (!isObj(dc)) return [required(path, "must provide `dnsConfig` when `dnsPolicy` is None")];
    if (len(dc.nameservers) === 0)
      return [
        required(child(path, "nameservers"), "must provide at least one DNS nameserver when `dnsPolicy` is None"),
      ];
  }
  if (!isObj(dc)) return [];
  const out: Errs = [];
  const ns = list(dc.nameservers).map(str);
  if (ns.length > 3) out.push(invalid(child(path, "nameservers"), j(ns), "must not have more than 3 nameservers"));
  ns.forEach((s, i) => {
    out.push(...validateIPForLegacyField(index(child(path, "nameservers"), i), s));
  });
  const searches = list(dc.searches).map(str);
  if (searches.length > 32)
    out.push(invalid(child(path, "searches"), j(searches), "must not have more than 32 search paths"));
  if (searches.join(" ").length > 2048)
    out.push(
      invalid(
        child(path, "searches"),
        j(searches),
        "must not have more than 2048 characters (including spaces) in the search list",
      ),
    );
  searches.forEach((s, i) => {
    if (s === ".") return;
    const v = s.endsWith(".") ? s.slice(0, -1) : s;
    out.push(...each(index(child(path, "searches"), i), v, subdomainWithUnderscore(v)));
  });
  objs(dc.options).forEach((o, i) => {
    if (!str(o.name)) out.push(required(index(child(path, "options"), i), "must not be empty"));
  });
  return out;
}

const SUBDOMAIN_US = /^_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*$/;

function subdomainWithUnderscore(v: string): string[] {
  return [
    ...(v.length > 253 ? ["must be no more than 253 characters"] : []),
    ...(SUBDOMAIN_US.test(v)
      ? []
      : [
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*')",
        ]),
  ];
}

function validateTopologySpreadConstraints(cs: Obj[], path: string): Errs {
  const out: Errs = [];
  cs.forEach((c, i) => {
    const p = index(path, i);
    const maxSkew = typeof c.maxSkew === "number" ? c.maxSkew : 0;
    if (maxSkew <= 0) out.push(invalid(child(p, "maxSkew"), n(maxSkew), "must be greater than zero"));
    if (!str(c.topologyKey)) out.push(required(child(p, "topologyKey"), "can not be empty"));
    const wu = str(c.whenUnsatisfiable);
    if (wu !== "DoNotSchedule" && wu !== "ScheduleAnyway")
      out.push(unsupported(child(p, "whenUnsatisfiable"), wu, ["DoNotSchedule", "ScheduleAnyway"]));
    const rest = cs.slice(i + 1);
    if (rest.some((r) => str(r.topologyKey) === str(c.topologyKey) && str(r.whenUnsatisfiable) === wu))
      out.push(duplicate(child(p, "{topologyKey, whenUnsatisfiable}"), q(`{${str(c.topologyKey)}, ${wu}}`)));
    if (!isNil(c.minDomains)) {
      const md = typeof c.minDomains === "number" ? c.minDomains : 0;
      if (md <= 0) out.push(invalid(child(p, "minDomains"), n(md), "must be greater than zero"));
      if (wu !== "DoNotSchedule")
        out.push(
          invalid(
            child(p, "minDomains"),
            n(md),
            `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${wu}`,
          ),
        );
    }
    for (const f of ["nodeAffinityPolicy", "nodeTaintsPolicy"])
      if (typeof c[f] === "string" && !["Honor", "Ignore"].includes(c[f] as string))
        out.push(unsupported(child(p, f), c[f] as string, ["Honor", "Ignore"]));
    out.push(...validateLabelSelector(c.labelSelector, child(p, "labelSelector")));
  });
  return out;
}

// ---- the pod spec ------------------------------------------------------------------------------------

const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];

/** ValidatePodSpec. `podName`: the pod's own name (generic ephemeral volumes), absent for templates. */
export function validatePodSpec(spec: Obj, podName: string | undefined, path: string, opts: PodOptions): Errs {
  const out: Errs = [];
  if (isNil(spec.terminationGracePeriodSeconds)) out.push(required(child(path, "terminationGracePeriodSeconds")));
  const grace = typeof spec.terminationGracePeriodSeconds === "number" ? spec.terminationGracePeriodSeconds : undefined;
  const hostUsers = spec.hostUsers !== false;
  const vols = validateVolumes(objs(spec.volumes), podName, child(path, "volumes"), opts);
  out.push(...vols.errors);
  const claimNames = new Set(
    objs(spec.resourceClaims)
      .map((c) => str(c.name))
      .filter(Boolean),
  );
  out.push(...validatePodResourceClaims(objs(spec.resourceClaims), child(path, "resourceClaims")));
  const ctx: Ctx = {
    volumes: vols.valid,
    claims: claimNames,
    grace,
    restartPolicy: str(spec.restartPolicy),
    hostUsers,
  };
  const containers = objs(spec.containers);
  const inits = objs(spec.initContainers);
  out.push(...validateContainers(containers, child(path, "containers"), ctx));
  out.push(...validateInitContainers(inits, containers, child(path, "initContainers"), ctx));
  out.push(
    ...validateEphemeralContainers(
      objs(spec.ephemeralContainers),
      containers,
      inits,
      child(path, "ephemeralContainers"),
      ctx,
    ),
  );
  out.push(...validatePodResources(spec, claimNames, path));
  if (spec.hostNetwork === true)
    containers.forEach((c, ci) => {
      objs(c.ports).forEach((p, pi) => {
        const hp = typeof p.hostPort === "number" ? p.hostPort : 0;
        const cp = typeof p.containerPort === "number" ? p.containerPort : 0;
        if ((opts.resourceIsPod || hp !== 0) && hp !== cp)
          out.push(
            invalid(
              child(index(child(index(child(path, "containers"), ci), "ports"), pi), "hostPort"),
              n(hp),
              "must match `containerPort` when `hostNetwork` is true",
            ),
          );
      });
    });
  const rp = str(spec.restartPolicy);
  if (rp === "") out.push(required(child(path, "restartPolicy")));
  else if (!RESTART_POLICIES.includes(rp)) out.push(unsupported(child(path, "restartPolicy"), rp, RESTART_POLICIES));
  const dp = str(spec.dnsPolicy);
  if (dp === "") out.push(required(child(path, "dnsPolicy")));
  else if (!DNS_POLICIES.includes(dp)) out.push(unsupported(child(path, "dnsPolicy"), dp, DNS_POLICIES));
  out.push(...validateLabels(spec.nodeSelector, child(path, "nodeSelector")));
  out.push(...validatePodSecurityContext(spec, child(path, "securityContext")));
  objs(spec.imagePullSecrets).forEach((s, i) => {
    if (Object.keys(s).some((k) => k !== "name"))
      out.push(
        invalid(
          index(child(path, "imagePullSecrets"), i),
          raw(goStructJson("core.LocalObjectReference", s)),
          "only name may be set",
        ),
      );
  });
  out.push(...validateAffinity(spec.affinity, child(path, "affinity")));
  out.push(...validateDNSConfig(spec, child(path, "dnsConfig")));
  objs(spec.readinessGates).forEach((g, i) => {
    out.push(
      ...validateQualifiedName(str(g.conditionType), child(index(child(path, "readinessGates"), i), "conditionType")),
    );
  });
  const gates = new Set<string>();
  objs(spec.schedulingGates).forEach((g, i) => {
    const p = index(child(path, "schedulingGates"), i);
    out.push(...validateQualifiedName(str(g.name), p));
    if (gates.has(str(g.name))) out.push(duplicate(p, q(str(g.name))));
    gates.add(str(g.name));
  });
  out.push(
    ...validateTopologySpreadConstraints(
      objs(spec.topologySpreadConstraints),
      child(path, "topologySpreadConstraints"),
    ),
  );
  if (!hostUsers) {
    if (spec.hostNetwork === true) out.push(forbidden(child(path, "hostNetwork"), "when `hostUsers` is false"));
    if (spec.hostPID === true) out.push(forbidden(child(path, "HostPID"), "when `hostUsers` is false"));
    if (spec.hostIPC === true) out.push(forbidden(child(path, "HostIPC"), "when `hostUsers` is false"));
    visitContainers(spec, path, (c, cp) => {
      if (len(c.volumeDevices) > 0) out.push(forbidden(child(cp, "volumeDevices"), "when `hostUsers` is false"));
    });
  }
  if (typeof spec.hostnameOverride === "string") {
    const h = spec.hostnameOverride;
    const hp = child(path, "hostnameOverride");
    if (spec.setHostnameAsFQDN === true) out.push(forbidden(hp, "may not be specified when setHostnameAsFQDN is true"));
    if (spec.hostNetwork === true) out.push(forbidden(hp, "may not be specified when hostNetwork is true"));
    if (h.length > 64) out.push(tooLong(hp, 64));
    out.push(...validateDNS1123Subdomain(h, hp));
  }
  const sa = str(spec.serviceAccountName);
  if (sa) out.push(...each(child(path, "serviceAccountName"), sa, dns1123Subdomain(sa)));
  const node = str(spec.nodeName);
  if (node) out.push(...each(child(path, "nodeName"), node, dns1123Subdomain(node)));
  if (typeof spec.activeDeadlineSeconds === "number") {
    const v = spec.activeDeadlineSeconds;
    if (v < 1 || v > MAX_INT32)
      out.push(invalid(child(path, "activeDeadlineSeconds"), n(v), inclusiveRange(1, MAX_INT32)));
  }
  if (str(spec.hostname)) out.push(...validateDNS1123Label(str(spec.hostname), child(path, "hostname")));
  if (str(spec.subdomain)) out.push(...validateDNS1123Label(str(spec.subdomain), child(path, "subdomain")));
  out.push(...validateTolerations(objs(spec.tolerations), child(path, "tolerations")));
  objs(spec.hostAliases).forEach((h, i) => {
    const p = index(child(path, "hostAliases"), i);
    out.push(...validateIPForLegacyField(child(p, "ip"), str(h.ip)));
    list(h.hostnames).forEach((name, hi) => {
      out.push(...validateDNS1123Subdomain(str(name), index(child(p, "hostnames"), hi)));
    });
  });
  const pc = str(spec.priorityClassName);
  if (pc) out.push(...each(child(path, "priorityClassName"), pc, dns1123Subdomain(pc)));
  if (typeof spec.runtimeClassName === "string")
    out.push(...each(child(path, "runtimeClassName"), spec.runtimeClassName, dns1123Subdomain(spec.runtimeClassName)));
  if (typeof spec.preemptionPolicy === "string") {
    const pp = spec.preemptionPolicy;
    if (pp === "") out.push(required(child(path, "preemptionPolicy")));
    else if (pp !== "PreemptLowerPriority" && pp !== "Never")
      out.push(notSupported(child(path, "preemptionPolicy"), q(pp), ["PreemptLowerPriority", "Never"]));
  }
  if (isObj(spec.overhead))
    out.push(
      ...validateResourceRequirements(
        { limits: spec.overhead },
        validateContainerResourceName,
        new Set(),
        child(path, "overhead"),
      ),
    );
  if (isObj(spec.os)) {
    const osName = str(spec.os.name);
    if (!osName) out.push(required(child(child(path, "os"), "name")));
    else if (osName !== "linux" && osName !== "windows")
      out.push(unsupported(child(path, "os"), osName, ["linux", "windows"]));
    else if (osName === "linux") {
      if (isObj(obj(spec.securityContext).windowsOptions))
        out.push(
          forbidden(
            child(child(path, "securityContext"), "windowsOptions"),
            "windows options cannot be set for a linux pod",
          ),
        );
      visitContainers(spec, path, (c, cp) => {
        if (isObj(obj(c.securityContext).windowsOptions))
          out.push(
            forbidden(
              child(child(cp, "securityContext"), "windowsOptions"),
              "windows options cannot be set for a linux pod",
            ),
          );
      });
    }
  }
  const volumeByName = new Map(objs(spec.volumes).map((v) => [str(v.name), v]));
  visitContainers(spec, path, (c, cp) => {
    objs(c.env).forEach((e, ei) => {
      const ref = obj(e.valueFrom).fileKeyRef;
      if (!isObj(ref)) return;
      const p = child(child(child(index(child(cp, "env"), ei), "valueFrom"), "fileKeyRef"), "volumeName");
      const name = str(ref.volumeName);
      const vol = volumeByName.get(name);
      if (!vol) out.push(notFound(p, q(name)));
      else if (!isObj(vol.emptyDir)) out.push(invalid(p, q(name), "referenced volume must be of type emptyDir"));
    });
  });
  return out;
}

/** podshelper.VisitContainersWithPath: init containers, containers, then ephemeral containers. */
function visitContainers(spec: Obj, path: string, fn: (c: Obj, path: string) => void): void {
  objs(spec.initContainers).forEach((c, i) => {
    fn(c, index(child(path, "initContainers"), i));
  });
  objs(spec.containers).forEach((c, i) => {
    fn(c, index(child(path, "containers"), i));
  });
  objs(spec.ephemeralContainers).forEach((c, i) => {
    fn(c, index(child(path, "ephemeralContainers"), i));
  });
}

function validatePodResourceClaims(claims: Obj[], path: string): Errs {
  const out: Errs = [];
  const names = new Set<string>();
  claims.forEach((c, i) => {
    const p = index(path, i);
    const name = str(c.name);
    if (!name) out.push(required(child(p, "name")));
    else if (names.has(name)) out.push(duplicate(child(p, "name"), q(name)));
    else {
      out.push(...validateDNS1123Label(name, child(p, "name")));
      names.add(name);
    }
    const shown = () => raw(goStructJson("core.PodResourceClaim", c));
    const hasName = typeof c.resourceClaimName === "string";
    const hasTemplate = typeof c.resourceClaimTemplateName === "string";
    if (hasName && hasTemplate)
      out.push(
        invalid(p, shown(), "at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified"),
      );
    if (!hasName && !hasTemplate)
      out.push(invalid(p, shown(), "must specify one of: `resourceClaimName`, `resourceClaimTemplateName`"));
    if (hasName)
      out.push(
        ...each(child(p, "resourceClaimName"), str(c.resourceClaimName), dns1123Subdomain(str(c.resourceClaimName))),
      );
    if (hasTemplate)
      out.push(
        ...each(
          child(p, "resourceClaimTemplateName"),
          str(c.resourceClaimTemplateName),
          dns1123Subdomain(str(c.resourceClaimTemplateName)),
        ),
      );
  });
  return out;
}

function validatePodResources(spec: Obj, claims: Set<string>, path: string): Errs {
  if (!isObj(spec.resources)) return [];
  const rp = child(path, "resources");
  if (str(obj(spec.os).name) === "windows") return [forbidden(rp, "may not be set for a windows pod")];
  const out: Errs = [];
  if (!isNil(spec.resources.claims))
    out.push(forbidden(child(rp, "claims"), "claims may not be set for Resources at pod-level"));
  out.push(
    ...validateResourceRequirements({ ...spec.resources, claims: undefined }, validatePodResourceName, claims, rp),
  );
  out.push(...validatePodResourceConsistency(spec, rp));
  return out;
}

/**
 * resourcehelper.AggregateContainerRequests: the containers' requests summed, against what init containers
 * need while they run (each with the sidecars started before it).
 */
function aggregateRequests(spec: Obj): Map<string, unknown> {
  const total = new Map<string, unknown>();
  const add = (into: Map<string, unknown>, list: Obj) => {
    for (const r of keys(list)) into.set(r, into.has(r) ? addQuantities(into.get(r), list[r]) : list[r]);
  };
  for (const c of objs(spec.containers)) add(total, obj(obj(c.resources).requests));
  const sidecars = new Map<string, unknown>();
  const initMax = new Map<string, unknown>();
  for (const c of objs(spec.initContainers)) {
    const reqs = obj(obj(c.resources).requests);
    let use: Map<string, unknown>;
    if (c.restartPolicy === "Always") {
      add(total, reqs);
      add(sidecars, reqs);
      use = sidecars;
    } else {
      use = new Map();
      add(use, reqs);
      add(use, Object.fromEntries(sidecars));
    }
    for (const [r, v] of use) if (!initMax.has(r) || cmpQuantity(v, initMax.get(r)) > 0) initMax.set(r, v);
  }
  for (const [r, v] of initMax) if (!total.has(r) || cmpQuantity(v, total.get(r)) > 0) total.set(r, v);
  return total;
}

/** validatePodResourceConsistency, for requests and the containers' own limits. */
function validatePodResourceConsistency(spec: Obj, path: string): Errs {
  const out: Errs = [];
  const podRequests = obj(obj(spec.resources).requests);
  const podLimits = obj(obj(spec.resources).limits);
  const aggregate = aggregateRequests(spec);
  for (const r of [...aggregate.keys()].sort()) {
    if (!(r in podRequests) || cmpQuantity(aggregate.get(r), podRequests[r]) <= 0) continue;
    out.push(
      invalid(
        key(child(path, "requests"), r),
        q(formatQuantity(podRequests[r])),
        `must be greater than or equal to aggregate container requests of ${formatQuantity(aggregate.get(r))}`,
      ),
    );
  }
  objs(spec.containers).forEach((c, i) => {
    const limits = obj(obj(c.resources).limits);
    for (const r of keys(limits)) {
      if (!(r in podLimits) || cmpQuantity(limits[r], podLimits[r]) <= 0) continue;
      out.push(
        invalid(
          `${key(index(child(path, "containers"), i), r)}.limits`,
          q(formatQuantity(limits[r])),
          `must be less than or equal to pod limits of ${formatQuantity(podLimits[r])}`,
        ),
      );
    }
  });
  return out;
}

// ---- templates and pods --------------------------------------------------------------------------------

const MIRROR = "kubernetes.io/config.mirror";
const TOLERATIONS_ANNOTATION = "scheduler.alpha.kubernetes.io/tolerations";
const DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";
const SECCOMP_POD = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER = "container.seccomp.security.alpha.kubernetes.io/";
const APPARMOR_CONTAINER = "container.apparmor.security.beta.kubernetes.io/";

function validSeccompAnnotation(p: string, path: string): Errs {
  if (p === "runtime/default" || p === "docker/default" || p === "unconfined") return [];
  if (p.startsWith("localhost/")) return validateLocalDescendingPath(p.slice("localhost/".length), path);
  return [invalid(path, q(p), "must be a valid seccomp profile")];
}

function hasContainer(spec: Obj, name: string): boolean {
  let found = false;
  visitContainers(spec, "spec", (c) => {
    if (str(c.name) === name) found = true;
  });
  return found;
}

/** ValidatePodSpecificAnnotations. */
export function validatePodSpecificAnnotations(
  annotations: unknown,
  spec: Obj,
  path: string,
  allowInvalidDeletionCost = false,
): Errs {
  const a = obj(annotations);
  const out: Errs = [];
  if (MIRROR in a && !str(spec.nodeName))
    out.push(invalid(key(path, MIRROR), q(str(a[MIRROR])), "must set spec.nodeName if mirror pod annotation is set"));
  if (str(a[TOLERATIONS_ANNOTATION])) {
    try {
      const parsed = JSON.parse(str(a[TOLERATIONS_ANNOTATION])) as unknown;
      if (Array.isArray(parsed) && parsed.length > 0)
        out.push(...validateTolerations(objs(parsed), child(path, TOLERATIONS_ANNOTATION)));
    } catch {
      // Go's decoder words its errors its own way; the field and value are what matter here.
      out.push(invalid(path, q(TOLERATIONS_ANNOTATION), "invalid character in tolerations annotation"));
    }
  }
  if (!allowInvalidDeletionCost && DELETION_COST in a) {
    const v = str(a[DELETION_COST]);
    const ok =
      (v.startsWith("-") || v === "0" || /^[1-9]/.test(v)) &&
      /^-?\d+$/.test(v) &&
      Math.abs(Number(v)) <= 2 ** 31 &&
      Number(v) <= MAX_INT32;
    if (!ok) out.push(invalid(key(path, DELETION_COST), q(v), "must be a 32bit integer"));
  }
  if (SECCOMP_POD in a) out.push(...validSeccompAnnotation(str(a[SECCOMP_POD]), child(path, SECCOMP_POD)));
  for (const k of keys(a))
    if (k.startsWith(SECCOMP_CONTAINER)) out.push(...validSeccompAnnotation(str(a[k]), child(path, k)));
  for (const k of keys(a)) {
    if (!k.startsWith(APPARMOR_CONTAINER)) continue;
    const container = k.slice(APPARMOR_CONTAINER.length);
    if (!hasContainer(spec, container)) out.push(invalid(key(path, k), q(container), "container not found"));
    const p = str(a[k]);
    if (p !== "" && p !== "runtime/default" && p !== "unconfined" && !p.startsWith("localhost/"))
      out.push(invalid(key(path, k), q(p), `invalid AppArmor profile name: ${JSON.stringify(p)}`));
  }
  return out;
}

function seccompMatches(annotation: string, field: Obj, path: string): FieldError | undefined {
  switch (str(field.type)) {
    case "Unconfined":
      return annotation !== "unconfined"
        ? forbidden(child(path, "type"), "seccomp type in annotation and field must match")
        : undefined;
    case "RuntimeDefault":
      return annotation !== "runtime/default" && annotation !== "docker/default"
        ? forbidden(child(path, "type"), "seccomp type in annotation and field must match")
        : undefined;
    case "Localhost":
      if (!annotation.startsWith("localhost/"))
        return forbidden(child(path, "type"), "seccomp type in annotation and field must match");
      if (isNil(field.localhostProfile) || annotation.slice("localhost/".length) !== str(field.localhostProfile))
        return forbidden(child(path, "localhostProfile"), "seccomp profile in annotation and field must match");
  }
  return undefined;
}

function validateSeccompAnnotationsAndFields(meta: Obj, spec: Obj, path: string): Errs {
  const a = obj(meta.annotations);
  const out: Errs = [];
  const podField = obj(spec.securityContext).seccompProfile;
  if (isObj(podField) && SECCOMP_POD in a) {
    const e = seccompMatches(str(a[SECCOMP_POD]), podField, child(child(path, "securityContext"), "seccompProfile"));
    if (e) out.push(e);
  }
  visitContainers(spec, path, (c, cp) => {
    const f = obj(c.securityContext).seccompProfile;
    const k = `${SECCOMP_CONTAINER}${str(c.name)}`;
    if (!isObj(f) || !(k in a)) return;
    const e = seccompMatches(str(a[k]), f, child(child(cp, "securityContext"), "seccompProfile"));
    if (e) out.push(e);
  });
  return out;
}

function validateAppArmorAnnotationsAndFields(meta: Obj, spec: Obj, path: string): Errs {
  if (str(obj(spec.os).name) === "windows") return [];
  const a = obj(meta.annotations);
  const out: Errs = [];
  const podProfile = obj(spec.securityContext).appArmorProfile;
  visitContainers(spec, path, (c, cp) => {
    const own = obj(c.securityContext).appArmorProfile;
    const profile = isObj(own) ? own : podProfile;
    if (!isObj(profile)) return;
    const k = `container.apparmor.security.beta.kubernetes.io/${str(c.name)}`;
    if (!(k in a)) return;
    const ann = str(a[k]);
    const p = child(child(cp, "securityContext"), "appArmorProfile");
    const mismatch = forbidden(child(p, "type"), "apparmor type in annotation and field must match");
    switch (str(profile.type)) {
      case "Unconfined":
        if (ann !== "unconfined") out.push(mismatch);
        break;
      case "RuntimeDefault":
        if (ann !== "runtime/default") out.push(mismatch);
        break;
      case "Localhost":
        if (!ann.startsWith("localhost/")) out.push(mismatch);
        else if (isNil(profile.localhostProfile) || ann.slice("localhost/".length) !== str(profile.localhostProfile))
          out.push(forbidden(child(p, "localhostProfile"), "apparmor profile in annotation and field must match"));
    }
  });
  return out;
}

/** ValidatePodTemplateSpec: a template's labels, annotations and spec (at `path`, e.g. spec.template). */
export function validatePodTemplateSpec(template: Obj, path: string): Errs {
  const meta = obj(template.metadata);
  const spec = obj(template.spec);
  const out = validateLabels(meta.labels, child(path, "labels"));
  out.push(...validateAnnotations(meta.annotations, child(path, "annotations")));
  out.push(...validatePodSpecificAnnotations(meta.annotations, spec, child(path, "annotations")));
  out.push(...validatePodSpec(spec, undefined, child(path, "spec"), {}));
  out.push(...validateSeccompAnnotationsAndFields(meta, spec, child(path, "spec")));
  out.push(...validateAppArmorAnnotationsAndFields(meta, spec, child(path, "spec")));
  if (len(spec.ephemeralContainers) > 0)
    out.push(
      forbidden(child(child(path, "spec"), "ephemeralContainers"), "ephemeral containers not allowed in pod template"),
    );
  return out;
}

/** validatePodMetadataAndSpec without ValidateObjectMeta (metadata-validation.ts does that part). */
export function validatePodMetadataAndSpec(pod: Obj, old?: Obj): Errs {
  const meta = obj(pod.metadata);
  const spec = obj(pod.spec);
  const out = validatePodSpecificAnnotations(meta.annotations, spec, "metadata.annotations", deletionCostInvalid(old));
  out.push(...validatePodSpec(spec, str(meta.name) || undefined, "spec", { resourceIsPod: true }));
  if (!str(spec.serviceAccountName))
    objs(spec.volumes).forEach((v, vi) => {
      objs(obj(v.projected).sources).forEach((s, si) => {
        if (isObj(s.serviceAccountToken))
          out.push(
            forbidden(
              `spec.volumes[${vi}].projected.sources[${si}].serviceAccountToken`,
              "must not be specified when serviceAccountName is not set",
            ),
          );
      });
    });
  objs(spec.containers).forEach((c, i) => {
    out.push(...imageWhitespace(c, `spec.containers[${i}]`));
  });
  objs(spec.initContainers).forEach((c, i) => {
    out.push(...imageWhitespace(c, `spec.initContainers[${i}]`));
  });
  return out;
}

function deletionCostInvalid(old: Obj | undefined): boolean {
  if (!old) return false;
  const a = obj(obj(old.metadata).annotations);
  if (!(DELETION_COST in a)) return false;
  return validatePodSpecificAnnotations({ [DELETION_COST]: a[DELETION_COST] }, {}, "x").length > 0;
}

/** ValidatePodCreate, after ValidateObjectMeta. */
export function podCreateProblems(pod: Obj): Errs {
  const spec = obj(pod.spec);
  const out = validatePodMetadataAndSpec(pod);
  if (len(spec.ephemeralContainers) > 0) out.push(forbidden("spec.ephemeralContainers", "cannot be set on create"));
  if (str(spec.nodeName) && len(spec.schedulingGates) > 0)
    out.push(forbidden("spec.nodeName", "cannot be set until all schedulingGates have been cleared"));
  out.push(...validateSeccompAnnotationsAndFields(obj(pod.metadata), spec, "spec"));
  out.push(...validateAppArmorAnnotationsAndFields(obj(pod.metadata), spec, "spec"));
  return out;
}

const UPDATABLE =
  "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

function containerUpdates(next: Obj[], old: Obj[], path: string): { errs: Errs; stop: boolean } {
  if (next.length !== old.length)
    return { errs: [forbidden(path, "pod updates may not add or remove containers")], stop: true };
  const errs: Errs = [];
  next.forEach((c, i) => {
    if (!str(c.image)) errs.push(required(child(index(path, i), "image")));
    errs.push(...imageWhitespace(c, index(path, i)));
  });
  return { errs, stop: false };
}

/** ValidatePodUpdate, after ValidateObjectMetaUpdate. */
export function podUpdateProblems(pod: Obj, old: Obj): Errs {
  const spec = obj(pod.spec);
  const oldSpec = obj(old.spec);
  const out = validatePodMetadataAndSpec(pod, old);
  out.push(...podAnnotationUpdates(obj(obj(pod.metadata).annotations), obj(obj(old.metadata).annotations)));
  out.push(
    ...validatePodSpecificAnnotations(
      obj(pod.metadata).annotations,
      spec,
      "metadata.annotations",
      deletionCostInvalid(old),
    ),
  );
  for (const f of ["containers", "initContainers"]) {
    const r = containerUpdates(objs(spec[f]), objs(oldSpec[f]), `spec.${f}`);
    out.push(...r.errs);
    if (r.stop) return out;
  }
  if (typeof spec.activeDeadlineSeconds === "number") {
    const v = spec.activeDeadlineSeconds;
    if (v < 0 || v > MAX_INT32) {
      out.push(invalid("spec.activeDeadlineSeconds", n(v), inclusiveRange(0, MAX_INT32)));
      return out;
    }
    if (typeof oldSpec.activeDeadlineSeconds === "number" && oldSpec.activeDeadlineSeconds < v) {
      out.push(invalid("spec.activeDeadlineSeconds", n(v), "must be less than or equal to previous value"));
      return out;
    }
  } else if (!isNil(oldSpec.activeDeadlineSeconds))
    out.push(
      invalid("spec.activeDeadlineSeconds", raw("null"), "must not update from a positive integer to nil value"),
    );
  out.push(...onlyAddedTolerations(objs(spec.tolerations), objs(oldSpec.tolerations)));
  const oldGates = new Set(objs(oldSpec.schedulingGates).map((g) => str(g.name)));
  const added = new Map<string, number>();
  objs(spec.schedulingGates).forEach((g, i) => {
    added.set(str(g.name), i);
  });
  for (const g of oldGates) added.delete(g);
  for (const [g, i] of [...added].sort((a, b) => a[1] - b[1]))
    out.push(
      forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${g}'`),
    );
  if (sameGoValue("core.PodSpec", spec, oldSpec)) return out;
  const munged = mungedSpec(spec, oldSpec);
  if (!sameGoValue("core.PodSpec", munged, oldSpec))
    out.push(
      forbidden(
        "spec",
        `pod updates may not change fields other than ${UPDATABLE}\n${goDiff("core.PodSpec", oldSpec, munged)}`,
      ),
    );
  return out;
}

/** The new spec with what a pod update may change taken from the old one (ValidatePodUpdate's munging). */
function mungedSpec(spec: Obj, oldSpec: Obj): Obj {
  const m: Obj = structuredClone(spec);
  for (const f of ["containers", "initContainers"]) {
    const olds = objs(oldSpec[f]);
    if (Array.isArray(m[f])) m[f] = (m[f] as unknown[]).map((c, i) => ({ ...obj(c), image: olds[i]?.image }));
  }
  if (isNil(oldSpec.activeDeadlineSeconds)) delete m.activeDeadlineSeconds;
  else m.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  m.schedulingGates = oldSpec.schedulingGates;
  m.tolerations = oldSpec.tolerations;
  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldGrace === "number" && oldGrace < 0 && m.terminationGracePeriodSeconds === 1)
    m.terminationGracePeriodSeconds = oldGrace;
  if (len(oldSpec.schedulingGates) > 0) {
    // A gated pod may gain node selector labels and node affinity; kube then compares the rest.
    m.nodeSelector = oldSpec.nodeSelector;
    const oldNA = obj(oldSpec.affinity).nodeAffinity;
    if (isObj(m.affinity)) m.affinity = { ...m.affinity, nodeAffinity: oldNA };
    else if (!isNil(oldNA)) m.affinity = { nodeAffinity: oldNA };
  }
  return m;
}

function onlyAddedTolerations(next: Obj[], old: Obj[]): Errs {
  const comparable = (t: Obj) => goStructJson("core.Toleration", { ...t, tolerationSeconds: undefined });
  const now = next.map(comparable);
  for (const o of old)
    if (!now.includes(comparable(o)))
      return [forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds")];
  return validateTolerations(next, "spec.tolerations");
}

function podAnnotationUpdates(next: Obj, old: Obj): Errs {
  const out: Errs = [];
  for (const k of keys(old)) {
    if (k in next && next[k] === old[k]) continue;
    if (k.startsWith(APPARMOR_CONTAINER))
      out.push(forbidden(key("metadata.annotations", k), "may not remove or update AppArmor annotations"));
    if (k === MIRROR)
      out.push(forbidden(key("metadata.annotations", k), "may not remove or update mirror pod annotation"));
  }
  for (const k of keys(next)) {
    if (k in old) continue;
    if (k.startsWith(APPARMOR_CONTAINER))
      out.push(forbidden(key("metadata.annotations", k), "may not add AppArmor annotations"));
    if (k === MIRROR) out.push(forbidden(key("metadata.annotations", k), "may not add mirror pod annotation"));
  }
  return out;
}
