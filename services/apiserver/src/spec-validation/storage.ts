import { cmpQuantity, formatQuantity, quantityValue, signOf } from "@evk/kube";
import { type FieldError, forbidden, invalid, j, q, raw, required, tooLong } from "./field-errors.ts";
import {
  child,
  dns1123Label,
  dns1123Subdomain,
  each,
  IMMUTABLE,
  isNil,
  isObj,
  key,
  keys,
  len,
  list,
  type Obj,
  obj,
  str,
  unsupported,
  validateAnnotations,
  validateLabelSelector,
  validateLabels,
  validateQualifiedName,
} from "./formats.ts";
import { goDiff, goStructJson, sameGoValue } from "./go-structs.ts";

// Volumes and their classes as kube-apiserver 1.35 validates them: PersistentVolumeClaims (and the claim
// templates of StatefulSets and generic ephemeral volumes), PersistentVolumes, StorageClasses.

type Errs = FieldError[];

const ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
const VOLUME_MODES = ["Block", "Filesystem"];
const BETA_CLASS = "volume.beta.kubernetes.io/storage-class";

/** ObjectMeta fields in Go order with the name validateFieldAllowList prints (first letter lower-cased). */
const TEMPLATE_META_FIELDS: [string, string][] = [
  ["name", "name"],
  ["generateName", "generateName"],
  ["namespace", "namespace"],
  ["selfLink", "selfLink"],
  ["uid", "uID"],
  ["resourceVersion", "resourceVersion"],
  ["generation", "generation"],
  ["creationTimestamp", "creationTimestamp"],
  ["deletionTimestamp", "deletionTimestamp"],
  ["deletionGracePeriodSeconds", "deletionGracePeriodSeconds"],
  ["ownerReferences", "ownerReferences"],
  ["finalizers", "finalizers"],
  ["managedFields", "managedFields"],
];

/** ValidateTemplateObjectMeta: only labels and annotations may be set. */
export function validateTemplateObjectMeta(meta: Obj, path: string): Errs {
  const out = validateAnnotations(meta.annotations, child(path, "annotations"));
  out.push(...validateLabels(meta.labels, child(path, "labels")));
  for (const [k, shown] of TEMPLATE_META_FIELDS) {
    const v = meta[k];
    const set = Array.isArray(v) ? v.length > 0 : !isNil(v) && v !== "" && v !== 0;
    if (set) out.push(forbidden(child(path, shown), "cannot be set"));
  }
  return out;
}

function accessModeProblems(modes: unknown[], path: string): Errs {
  const out: Errs = [];
  let rwop = false;
  let other = false;
  for (const m of modes) {
    const mode = str(m);
    if (!ACCESS_MODES.includes(mode)) out.push(unsupported(path, mode, ACCESS_MODES));
    if (mode === "ReadWriteOncePod") rwop = true;
    else if (ACCESS_MODES.includes(mode)) other = true;
  }
  if (rwop && other) out.push(forbidden(path, "may not use ReadWriteOncePod with other access modes"));
  return out;
}

function validateDataSource(ds: Obj, path: string, namespaced: boolean): Errs {
  const out: Errs = [];
  if (!str(ds.name)) out.push(required(child(path, "name")));
  if (!str(ds.kind)) out.push(required(child(path, "kind")));
  const group = str(ds.apiGroup);
  if (!group && str(ds.kind) !== "PersistentVolumeClaim")
    out.push(invalid(path, q(str(ds.kind)), "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  if (group) out.push(...each(child(path, "apiGroup"), group, dns1123Subdomain(group)));
  if (namespaced && str(ds.namespace))
    out.push(...each(child(path, "namespace"), str(ds.namespace), dns1123Label(str(ds.namespace))));
  return out;
}

/** ValidatePersistentVolumeClaimSpec. */
export function validatePersistentVolumeClaimSpec(spec: Obj, path: string): Errs {
  const out: Errs = [];
  const modes = list(spec.accessModes);
  if (modes.length === 0) out.push(required(child(path, "accessModes"), "at least 1 access mode is required"));
  if (!isNil(spec.selector)) out.push(...validateLabelSelector(spec.selector, child(path, "selector")));
  out.push(...accessModeProblems(modes, child(path, "accessModes")));
  const requests = obj(obj(spec.resources).requests);
  const storagePath = key(child(path, "resources"), "storage");
  if (!("storage" in requests)) out.push(required(storagePath));
  else if (signOf(requests.storage) <= 0)
    out.push(invalid(storagePath, q(formatQuantity(requests.storage)), "must be greater than zero"));
  const sc = spec.storageClassName;
  if (typeof sc === "string" && sc) out.push(...each(child(path, "storageClassName"), sc, dns1123Subdomain(sc)));
  if (typeof spec.volumeMode === "string" && !VOLUME_MODES.includes(spec.volumeMode))
    out.push(unsupported(child(path, "volumeMode"), spec.volumeMode, VOLUME_MODES));
  if (isObj(spec.dataSource)) out.push(...validateDataSource(spec.dataSource, child(path, "dataSource"), false));
  if (isObj(spec.dataSourceRef))
    out.push(...validateDataSource(spec.dataSourceRef, child(path, "dataSourceRef"), true));
  const ds = spec.dataSource;
  const ref = spec.dataSourceRef;
  if (isObj(ref) && str(ref.namespace)) {
    if (isObj(ds))
      out.push(
        invalid(path, q(child(path, "dataSource")), "may not be specified when dataSourceRef.namespace is specified"),
      );
  } else if (isObj(ds) && isObj(ref)) {
    const same = (ds.apiGroup ?? null) === (ref.apiGroup ?? null) && ds.kind === ref.kind && ds.name === ref.name;
    if (!same) out.push(invalid(path, q(child(path, "dataSource")), "must match dataSourceRef"));
  }
  const vac = spec.volumeAttributesClassName;
  if (typeof vac === "string" && vac)
    out.push(...each(child(path, "volumeAttributesClassName"), vac, dns1123Subdomain(vac)));
  return out;
}

/** ValidatePersistentVolumeClaim, after ValidateObjectMeta. */
export function pvcCreateProblems(pvc: Obj): Errs {
  return validatePersistentVolumeClaimSpec(obj(pvc.spec), "spec");
}

/** ValidatePersistentVolumeClaimUpdate, after ValidateObjectMetaUpdate. */
export function pvcUpdateProblems(pvc: Obj, old: Obj): Errs {
  const spec = obj(pvc.spec);
  const oldSpec = obj(old.spec);
  const out = validatePersistentVolumeClaimSpec(spec, "spec");
  const newClone: Obj = structuredClone(spec);
  const oldClone: Obj = structuredClone(oldSpec);
  if (!str(oldSpec.volumeName)) oldClone.volumeName = newClone.volumeName;
  const oldAnn = obj(obj(old.metadata).annotations);
  const newAnn = obj(obj(pvc.metadata).annotations);
  const oldSc = oldAnn[BETA_CLASS];
  const upgradeFromAnnotation =
    BETA_CLASS in oldAnn &&
    isNil(oldSpec.storageClassName) &&
    typeof spec.storageClassName === "string" &&
    spec.storageClassName === oldSc &&
    (!(BETA_CLASS in newAnn) || newAnn[BETA_CLASS] === oldSc);
  if (upgradeFromAnnotation) delete newClone.storageClassName;
  else {
    if (str(newAnn[BETA_CLASS]) !== str(oldAnn[BETA_CLASS]))
      out.push(invalid(`metadata.annotations.${BETA_CLASS}`, q(str(newAnn[BETA_CLASS])), IMMUTABLE));
    const fromNil =
      typeof spec.storageClassName === "string" &&
      isNil(oldSpec.storageClassName) &&
      (!(BETA_CLASS in oldAnn) || spec.storageClassName === oldSc);
    if (fromNil) newClone.storageClassName = oldClone.storageClassName;
  }
  const bound = str(obj(pvc.status).phase) === "Bound";
  const requests = obj(obj(newClone.resources).requests);
  if (bound && isObj(obj(newClone.resources).requests))
    newClone.resources = {
      ...obj(newClone.resources),
      requests: { ...requests, storage: obj(obj(oldSpec.resources).requests).storage },
    };
  if (bound) newClone.volumeAttributesClassName = oldClone.volumeAttributesClassName;
  if (!sameGoValue("core.PersistentVolumeClaimSpec", newClone, oldClone))
    out.push(
      forbidden(
        "spec",
        `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${goDiff("core.PersistentVolumeClaimSpec", oldClone, newClone)}`,
      ),
    );
  const newSize = obj(obj(spec.resources).requests).storage;
  const oldSize = obj(obj(oldSpec.resources).requests).storage;
  const statusSize = obj(obj(old.status).capacity).storage;
  if (cmpQuantity(newSize, oldSize) < 0 && cmpQuantity(newSize, statusSize) <= 0)
    out.push(forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"));
  if (!sameGoValue("*s", spec.volumeMode, oldSpec.volumeMode))
    out.push(invalid("volumeMode", raw(goStructJson("*s", spec.volumeMode)), IMMUTABLE));
  if (
    !isNil(obj(old.status).currentVolumeAttributesClassName) &&
    spec.volumeAttributesClassName !== oldSpec.volumeAttributesClassName
  ) {
    if (isNil(spec.volumeAttributesClassName))
      out.push(
        forbidden(
          "spec.volumeAttributesClassName",
          "update to nil is forbidden when status.currentVolumeAttributesClassName is not nil",
        ),
      );
    else if (spec.volumeAttributesClassName === "")
      out.push(
        forbidden(
          "spec.volumeAttributesClassName",
          "update to empty string is forbidden when status.currentVolumeAttributesClassName is not nil",
        ),
      );
  }
  return out;
}

/** ValidatePersistentVolumeSpec's volume sources in its order: [v1 key, path of the "more than 1" error]. */
const PV_SOURCES: [string, string][] = [
  ["hostPath", "hostPath"],
  ["gcePersistentDisk", "gcePersistentDisk"],
  ["awsElasticBlockStore", "awsElasticBlockStore"],
  ["glusterfs", "glusterfs"],
  ["flocker", "flocker"],
  ["nfs", "nfs"],
  ["rbd", "rbd"],
  ["quobyte", "quobyte"],
  ["cephfs", "cephFS"],
  ["iscsi", "iscsi"],
  ["cinder", "cinder"],
  ["fc", "fc"],
  ["flexVolume", "flexVolume"],
  ["azureFile", "azureFile"],
  ["vsphereVolume", "vsphereVolume"],
  ["photonPersistentDisk", "photonPersistentDisk"],
  ["portworxVolume", "portworxVolume"],
  ["azureDisk", "azureDisk"],
  ["scaleIO", "scaleIO"],
  ["local", "local"],
  ["storageos", "storageos"],
  ["csi", "csi"],
];

function pvSource(k: string, s: Obj, path: string, spec: Obj): Errs {
  const out: Errs = [];
  switch (k) {
    case "hostPath":
      if (!str(s.path)) return [required(child(path, "path"))];
      if (str(s.path).split("/").includes(".."))
        out.push(invalid(child(path, "path"), q(str(s.path)), "must not contain '..'"));
      break;
    case "nfs":
      if (!str(s.server)) out.push(required(child(path, "server")));
      if (!str(s.path)) out.push(required(child(path, "path")));
      if (!str(s.path).startsWith("/"))
        out.push(invalid(child(path, "path"), q(str(s.path)), "must be an absolute path"));
      break;
    case "local":
      if (!str(s.path)) out.push(required(child(path, "path")));
      if (!isObj(spec.nodeAffinity)) out.push(required("spec.nodeAffinity", "Local volume requires node affinity"));
      break;
    case "csi": {
      const driver = str(s.driver);
      const dp = child(path, "driver");
      if (!driver) out.push(required(dp));
      else {
        if (driver.length > 63) out.push(tooLong(dp, 63));
        out.push(...dns1123Subdomain(driver.toLowerCase()).map((m) => invalid(dp, q(driver), m)));
      }
      if (!str(s.volumeHandle)) out.push(required(child(path, "volumeHandle")));
      break;
    }
  }
  return out;
}

const RECLAIM = ["Delete", "Recycle", "Retain"];

function validatePersistentVolumeSpec(spec: Obj, path: string): Errs {
  const out: Errs = [];
  const modes = list(spec.accessModes);
  if (modes.length === 0) out.push(required(child(path, "accessModes")));
  out.push(...accessModeProblems(modes, child(path, "accessModes")));
  const capacity = obj(spec.capacity);
  const capPath = child(path, "capacity");
  if (len(capacity) === 0) out.push(required(capPath));
  if (!("storage" in capacity) || len(capacity) > 1)
    out.push({
      ...unsupported(capPath, "", ["storage"]),
      value: isObj(spec.capacity) ? goStructJson("map:q", capacity) : "null",
    });
  for (const r of keys(capacity)) {
    const p = key(capPath, r);
    if (quantityValue(capacity[r]) < 0n)
      out.push(invalid(p, raw(String(quantityValue(capacity[r]))), "must be a valid resource quantity"));
    if (signOf(capacity[r]) <= 0) out.push(invalid(p, q(formatQuantity(capacity[r])), "must be greater than zero"));
  }
  const rp = str(spec.persistentVolumeReclaimPolicy);
  if (rp && !RECLAIM.includes(rp)) out.push(unsupported(child(path, "persistentVolumeReclaimPolicy"), rp, RECLAIM));
  let count = 0;
  for (const [k, forbiddenAt] of PV_SOURCES) {
    if (!isObj(spec[k])) continue;
    if (count > 0) {
      out.push(forbidden(child(path, forbiddenAt), "may not specify more than 1 volume type"));
      continue;
    }
    count++;
    out.push(...pvSource(k, spec[k] as Obj, child(path, k === "cephfs" ? "cephfs" : k), spec));
  }
  if (count === 0) out.push(required(path, "must specify a volume type"));
  if (isObj(spec.hostPath) && str(spec.hostPath.path) === "/" && rp === "Recycle")
    out.push(
      forbidden(child(path, "persistentVolumeReclaimPolicy"), "may not be 'recycle' for a hostPath mount of '/'"),
    );
  const sc = str(spec.storageClassName);
  if (sc) out.push(...each(child(path, "storageClassName"), sc, dns1123Subdomain(sc)));
  if (typeof spec.volumeMode === "string" && !VOLUME_MODES.includes(spec.volumeMode))
    out.push(unsupported(child(path, "volumeMode"), spec.volumeMode, VOLUME_MODES));
  return out;
}

export function pvCreateProblems(pv: Obj): Errs {
  return validatePersistentVolumeSpec(obj(pv.spec), "spec");
}

export function pvUpdateProblems(pv: Obj, old: Obj): Errs {
  const spec = obj(pv.spec);
  const oldSpec = obj(old.spec);
  const out = validatePersistentVolumeSpec(spec, "spec");
  let next = spec;
  if (
    isObj(oldSpec.csi) &&
    isNil(oldSpec.csi.controllerExpandSecretRef) &&
    isObj(spec.csi) &&
    !isNil(spec.csi.controllerExpandSecretRef)
  )
    next = { ...spec, csi: { ...spec.csi, controllerExpandSecretRef: undefined } };
  if (!sameGoValue("core.PersistentVolumeSource", next, oldSpec))
    out.push(
      forbidden(
        "spec.persistentvolumesource",
        `spec.persistentvolumesource is immutable after creation\n${goDiff("core.PersistentVolumeSource", oldSpec, next)}`,
      ),
    );
  if (!sameGoValue("*s", spec.volumeMode, oldSpec.volumeMode))
    out.push(invalid("volumeMode", raw(goStructJson("*s", spec.volumeMode)), IMMUTABLE));
  if (!isNil(oldSpec.volumeAttributesClassName) && isNil(spec.volumeAttributesClassName))
    out.push(forbidden("spec.volumeAttributesClassName", "update from non-nil value to nil is forbidden"));
  return out;
}

const SC_RECLAIM = ["Delete", "Retain"];
const BINDING_MODES = ["Immediate", "WaitForFirstConsumer"];

/** ValidateStorageClass, after ValidateObjectMeta. */
export function storageClassCreateProblems(sc: Obj): Errs {
  const out: Errs = [];
  const provisioner = str(sc.provisioner);
  if (!provisioner) out.push(required("provisioner"));
  else out.push(...validateQualifiedName(provisioner.toLowerCase(), "provisioner"));
  const params = obj(sc.parameters);
  if (len(params) > 512) out.push(tooLong("parameters", 512));
  else {
    let size = 0;
    for (const k of keys(params)) {
      if (k.length < 1) out.push(invalid("parameters", q(k), "field can not be empty."));
      size += Buffer.byteLength(k) + Buffer.byteLength(str(params[k]));
    }
    if (size > 256 * 1024) out.push(tooLong("parameters", 256 * 1024));
  }
  const rp = str(sc.reclaimPolicy);
  if (rp && !SC_RECLAIM.includes(rp)) out.push({ ...unsupported("reclaimPolicy", rp, SC_RECLAIM), value: j(rp).go });
  if (isNil(sc.volumeBindingMode)) out.push(required("volumeBindingMode"));
  else if (!BINDING_MODES.includes(str(sc.volumeBindingMode)))
    out.push({
      ...unsupported("volumeBindingMode", str(sc.volumeBindingMode), BINDING_MODES),
      value: j(sc.volumeBindingMode).go,
    });
  return out;
}

export function storageClassUpdateProblems(sc: Obj, old: Obj): Errs {
  const out = storageClassCreateProblems(sc);
  if (
    goStructJson("map:s", sc.parameters, { stored: true }) !== goStructJson("map:s", old.parameters, { stored: true })
  )
    out.push(forbidden("parameters", "updates to parameters are forbidden."));
  if (str(sc.provisioner) !== str(old.provisioner))
    out.push(forbidden("provisioner", "updates to provisioner are forbidden."));
  if (str(sc.reclaimPolicy) !== str(old.reclaimPolicy))
    out.push(forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
  if (!sameGoValue("*s", sc.volumeBindingMode, old.volumeBindingMode))
    out.push(invalid("volumeBindingMode", raw(goStructJson("*s", sc.volumeBindingMode)), IMMUTABLE));
  return out;
}
