import { type FieldError, forbidden, invalid, n, notSupported, q, raw, required } from "./field-errors.ts";
import {
  child,
  isNil,
  isObj,
  labelSelectorAsSelector,
  len,
  type Obj,
  obj,
  objs,
  percentProblems,
  type Selector,
  selectorValue,
  setSelector,
  str,
  unsupported,
  validateAnnotations as validateAnnotationsAt,
  validateDNS1123Label,
  validateImmutable,
  validateLabelSelector,
  validateLabels,
  validateNonnegative,
} from "./formats.ts";
import { goStructJson, sameGoValue } from "./go-structs.ts";
import { validatePodSpecificAnnotations, validatePodTemplateSpec } from "./pod.ts";
import { validatePersistentVolumeClaimSpec } from "./storage.ts";

// kube-apiserver 1.35's validation of the controllers that stamp out pods: ReplicationControllers and
// PodTemplates (core), Deployments, ReplicaSets, StatefulSets and DaemonSets (pkg/apis/apps/validation).

type Errs = FieldError[];
const num = (v: unknown) => (typeof v === "number" ? v : 0);
const labelsOf = (template: unknown) => obj(obj(obj(template).metadata).labels);

function doesNotMatch(template: unknown, path: string): FieldError {
  const labels = obj(obj(template).metadata).labels;
  return invalid(
    child(path, "metadata.labels"),
    raw(goStructJson("map:s", labels)),
    "`selector` does not match template `labels`",
  );
}

/** The template checks every replicated workload shares (ValidatePodTemplateSpecForReplicaSet and kin). */
function replicatedTemplate(template: unknown, selector: Selector, path: string, kind: string): Errs {
  const out: Errs = [];
  if (!selector.empty && !selector.matches(labelsOf(template))) out.push(doesNotMatch(template, path));
  out.push(...validatePodTemplateSpec(obj(template), path));
  const spec = obj(obj(template).spec);
  if (str(spec.restartPolicy) !== "Always")
    out.push(notSupported(child(path, "spec.restartPolicy"), q(str(spec.restartPolicy)), ["Always"]));
  if (!isNil(spec.activeDeadlineSeconds))
    out.push(forbidden(child(path, "spec.activeDeadlineSeconds"), `activeDeadlineSeconds in ${kind} is not Supported`));
  return out;
}

// ---- core ----------------------------------------------------------------------------------------------

/** ValidatePodTemplate (and its update, which checks the same), after the object's metadata. */
export function podTemplateProblems(pt: Obj): Errs {
  return validatePodTemplateSpec(obj(pt.template), "template");
}

/** ValidateReplicationControllerSpec. */
export function replicationControllerProblems(rc: Obj): Errs {
  const spec = obj(rc.spec);
  const out = validateNonnegative(num(spec.minReadySeconds), "spec.minReadySeconds");
  const sel = setSelector(spec.selector);
  if (sel.empty) out.push(required("spec.selector"));
  if (isNil(spec.replicas)) out.push(required("spec.replicas"));
  else out.push(...validateNonnegative(num(spec.replicas), "spec.replicas"));
  if (!isObj(spec.template)) out.push(required("spec.template"));
  else out.push(...replicatedTemplate(spec.template, sel, "spec.template", "ReplicationController"));
  return out;
}

// ---- apps ----------------------------------------------------------------------------------------------

/** The selector checks of Deployments and ReplicaSets, and the selector to match templates against. */
function requiredSelector(spec: Obj, kind: string): { errs: Errs; selector: Selector | undefined } {
  const errs: Errs = [];
  if (isNil(spec.selector)) errs.push(required("spec.selector"));
  else {
    errs.push(...validateLabelSelector(spec.selector, "spec.selector"));
    const s = obj(spec.selector);
    if (len(s.matchLabels) + len(s.matchExpressions) === 0)
      errs.push(invalid("spec.selector", selectorValue(spec.selector), `empty selector is invalid for ${kind}`));
  }
  return { errs, selector: labelSelectorAsSelector(spec.selector) };
}

function intOrPercent(v: unknown): { value: number; percent: boolean; valid: boolean } {
  if (typeof v === "string") {
    const ok = percentProblems(v).length === 0;
    return { value: ok ? Number.parseInt(v.slice(0, -1), 10) : 0, percent: ok, valid: ok };
  }
  return { value: num(v), percent: false, valid: true };
}

/** The JSON Go prints for an intstr.IntOrString. */
const ios = (v: unknown) => raw(goStructJson("n", v));

function validatePositiveIntOrPercent(v: unknown, path: string): Errs {
  if (typeof v === "string") return percentProblems(v).map((m) => invalid(path, ios(v), m));
  return validateNonnegative(num(v), path);
}

function notMoreThan100Percent(v: unknown, path: string): Errs {
  const p = intOrPercent(v);
  return p.percent && p.value > 100 ? [invalid(path, ios(v), "must not be greater than 100%")] : [];
}

function validateDeploymentStrategy(s: Obj, path: string): Errs {
  const t = str(s.type);
  if (t === "Recreate")
    return isNil(s.rollingUpdate)
      ? []
      : [forbidden(child(path, "rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")];
  if (t === "RollingUpdate") {
    if (!isObj(s.rollingUpdate))
      return [required(child(path, "rollingUpdate"), "this should be defaulted and never be nil")];
    const ru = s.rollingUpdate;
    const rp = child(path, "rollingUpdate");
    const out = [
      ...validatePositiveIntOrPercent(ru.maxUnavailable, child(rp, "maxUnavailable")),
      ...validatePositiveIntOrPercent(ru.maxSurge, child(rp, "maxSurge")),
    ];
    if (intOrPercent(ru.maxUnavailable).value === 0 && intOrPercent(ru.maxSurge).value === 0)
      out.push(invalid(child(rp, "maxUnavailable"), ios(ru.maxUnavailable), "may not be 0 when `maxSurge` is 0"));
    out.push(...notMoreThan100Percent(ru.maxUnavailable, child(rp, "maxUnavailable")));
    return out;
  }
  return [notSupported(path, raw(goStructJson("apps.DeploymentStrategy", s)), ["Recreate", "RollingUpdate"])];
}

/** ValidateDeploymentSpec. */
export function deploymentProblems(d: Obj): Errs {
  const spec = obj(d.spec);
  const out = validateNonnegative(num(spec.replicas), "spec.replicas");
  const { errs, selector } = requiredSelector(spec, "deployment");
  out.push(...errs);
  if (!selector) out.push(invalid("spec.selector", selectorValue(spec.selector), "invalid label selector"));
  else out.push(...replicatedTemplate(spec.template, selector, "spec.template", "ReplicaSet"));
  out.push(...validateDeploymentStrategy(obj(spec.strategy), "spec.strategy"));
  out.push(...validateNonnegative(num(spec.minReadySeconds), "spec.minReadySeconds"));
  if (!isNil(spec.revisionHistoryLimit))
    out.push(...validateNonnegative(num(spec.revisionHistoryLimit), "spec.revisionHistoryLimit"));
  if (isObj(spec.rollbackTo)) out.push(...validateNonnegative(num(spec.rollbackTo.revision), "spec.rollback.version"));
  if (!isNil(spec.progressDeadlineSeconds)) {
    const pds = num(spec.progressDeadlineSeconds);
    out.push(...validateNonnegative(pds, "spec.progressDeadlineSeconds"));
    if (pds <= num(spec.minReadySeconds))
      out.push(invalid("spec.progressDeadlineSeconds", n(pds), "must be greater than minReadySeconds"));
  }
  return out;
}

const selectorImmutable = (next: Obj, old: Obj) =>
  validateImmutable("*metav1.LabelSelector", obj(next.spec).selector, obj(old.spec).selector, "spec.selector");

export function deploymentUpdateProblems(d: Obj, old: Obj): Errs {
  return [...deploymentProblems(d), ...selectorImmutable(d, old)];
}

/** ValidateReplicaSetSpec. */
export function replicaSetProblems(rs: Obj): Errs {
  const spec = obj(rs.spec);
  const out = validateNonnegative(num(spec.replicas), "spec.replicas");
  out.push(...validateNonnegative(num(spec.minReadySeconds), "spec.minReadySeconds"));
  const { errs, selector } = requiredSelector(spec, "deployment");
  out.push(...errs);
  if (!selector) out.push(invalid("spec.selector", selectorValue(spec.selector), "invalid label selector"));
  else out.push(...replicatedTemplate(spec.template, selector, "spec.template", "ReplicaSet"));
  return out;
}

export function replicaSetUpdateProblems(rs: Obj, old: Obj): Errs {
  return [...replicaSetProblems(rs), ...selectorImmutable(rs, old)];
}

function validateRollingUpdateDaemonSet(ru: Obj, path: string): Errs {
  const mu = child(path, "maxUnavailable");
  const ms = child(path, "maxSurge");
  const out = [
    ...validatePositiveIntOrPercent(ru.maxUnavailable, mu),
    ...validatePositiveIntOrPercent(ru.maxSurge, ms),
    ...notMoreThan100Percent(ru.maxUnavailable, mu),
    ...notMoreThan100Percent(ru.maxSurge, ms),
  ];
  const hasUnavailable = intOrPercent(ru.maxUnavailable).value !== 0;
  const hasSurge = intOrPercent(ru.maxSurge).value !== 0;
  if (hasUnavailable && hasSurge)
    out.push(invalid(ms, ios(ru.maxSurge), "may not be set when maxUnavailable is non-zero"));
  else if (!hasUnavailable && !hasSurge) out.push(required(mu, "cannot be 0 when maxSurge is 0"));
  return out;
}

/** apps/v1 keeps the internal spec.templateGeneration in an annotation. */
const templateGeneration = (ds: Obj) =>
  Number(obj(obj(ds.metadata).annotations)["deprecated.daemonset.template.generation"] ?? 0) || 0;

/** ValidateDaemonSetSpec. */
export function daemonSetProblems(ds: Obj): Errs {
  const spec = obj(ds.spec);
  const out = validateLabelSelector(spec.selector, "spec.selector");
  const selector = labelSelectorAsSelector(spec.selector);
  if (selector && !selector.matches(labelsOf(spec.template))) out.push(doesNotMatch(spec.template, "spec.template"));
  const s = obj(spec.selector);
  if (isObj(spec.selector) && len(s.matchLabels) + len(s.matchExpressions) === 0)
    out.push(invalid("spec.selector", selectorValue(spec.selector), "empty selector is invalid for daemonset"));
  out.push(...validatePodTemplateSpec(obj(spec.template), "spec.template"));
  const tspec = obj(obj(spec.template).spec);
  if (str(tspec.restartPolicy) !== "Always")
    out.push(notSupported("spec.template.spec.restartPolicy", q(str(tspec.restartPolicy)), ["Always"]));
  if (!isNil(tspec.activeDeadlineSeconds))
    out.push(
      forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in DaemonSet is not Supported"),
    );
  out.push(...validateNonnegative(num(spec.minReadySeconds), "spec.minReadySeconds"));
  out.push(...validateNonnegative(templateGeneration(ds), "spec.templateGeneration"));
  const us = obj(spec.updateStrategy);
  const t = str(us.type);
  if (t === "RollingUpdate") {
    if (!isObj(us.rollingUpdate)) out.push(required("spec.updateStrategy.rollingUpdate"));
    else out.push(...validateRollingUpdateDaemonSet(us.rollingUpdate, "spec.updateStrategy.rollingUpdate"));
  } else if (t !== "OnDelete")
    out.push(
      notSupported("spec.updateStrategy", raw(goStructJson("apps.DaemonSetUpdateStrategy", us)), [
        "RollingUpdate",
        "OnDelete",
      ]),
    );
  if (!isNil(spec.revisionHistoryLimit))
    out.push(...validateNonnegative(num(spec.revisionHistoryLimit), "spec.revisionHistoryLimit"));
  return out;
}

/** ValidateDaemonSetUpdate: the update rules first, then the spec. */
export function daemonSetUpdateProblems(ds: Obj, old: Obj): Errs {
  // ValidateDaemonSetSpecUpdate's templateGeneration rules hold by construction: the strategy (evk's as
  // kube's) sets it from the old one before validation, so they are not checked again here.
  return [...selectorImmutable(ds, old), ...daemonSetProblems(ds)];
}

const RETENTION = ["Retain", "Delete"];

interface StatefulSetOptions {
  allowInvalidServiceName?: boolean;
  skipTemplate?: boolean;
  skipClaimTemplates?: boolean;
}

/** ValidateStatefulSetSpec (`path` empty: kube's own check of the stored spec, whose paths it ignores). */
function statefulSetSpecProblems(spec: Obj, path: string, o: StatefulSetOptions): Errs {
  const out: Errs = [];
  const at = (p: string) => child(path, p);
  const pmp = str(spec.podManagementPolicy);
  if (pmp === "") out.push(required(at("podManagementPolicy")));
  else if (pmp !== "OrderedReady" && pmp !== "Parallel")
    out.push(invalid(at("podManagementPolicy"), q(pmp), "must be 'OrderedReady' or 'Parallel'"));
  const us = obj(spec.updateStrategy);
  const ut = str(us.type);
  if (ut === "") out.push(required(at("updateStrategy")));
  else if (ut === "OnDelete") {
    if (!isNil(us.rollingUpdate))
      out.push(
        invalid(
          at("updateStrategy.rollingUpdate"),
          raw(goStructJson("*apps.RollingUpdateStatefulSetStrategy", us.rollingUpdate)),
          "only allowed for updateStrategy 'RollingUpdate'",
        ),
      );
  } else if (ut === "RollingUpdate") {
    if (isObj(us.rollingUpdate)) {
      const ru = us.rollingUpdate;
      const rp = at("updateStrategy.rollingUpdate");
      out.push(...validateNonnegative(num(ru.partition), child(rp, "partition")));
      if (!isNil(ru.maxUnavailable)) {
        const mp = child(rp, "maxUnavailable");
        out.push(...validatePositiveIntOrPercent(ru.maxUnavailable, mp));
        if (intOrPercent(ru.maxUnavailable).value === 0) out.push(invalid(mp, ios(ru.maxUnavailable), "cannot be 0"));
        out.push(...notMoreThan100Percent(ru.maxUnavailable, mp));
      }
    }
  } else
    out.push(
      invalid(
        at("updateStrategy"),
        raw(goStructJson("apps.StatefulSetUpdateStrategy", us)),
        "must be 'RollingUpdate' or 'OnDelete'",
      ),
    );
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  if (isObj(retention))
    for (const f of ["whenDeleted", "whenScaled"])
      if (!RETENTION.includes(str(retention[f])))
        out.push(unsupported(at(`persistentVolumeClaimRetentionPolicy.${f}`), str(retention[f]), RETENTION));
  if (!o.skipClaimTemplates)
    objs(spec.volumeClaimTemplates).forEach((t, i) => {
      out.push(...validatePersistentVolumeClaimSpec(obj(t.spec), at(`volumeClaimTemplates[${i}].spec`)));
    });
  out.push(...validateNonnegative(num(spec.replicas), at("replicas")));
  out.push(...validateNonnegative(num(spec.minReadySeconds), at("minReadySeconds")));
  if (isObj(spec.ordinals)) out.push(...validateNonnegative(num(spec.ordinals.start), at("ordinals.start")));
  if (!o.allowInvalidServiceName && str(spec.serviceName))
    out.push(...validateDNS1123Label(str(spec.serviceName), at("serviceName")));
  if (isNil(spec.selector)) out.push(required(at("selector")));
  else {
    out.push(...validateLabelSelector(spec.selector, at("selector")));
    const s = obj(spec.selector);
    if (len(s.matchLabels) + len(s.matchExpressions) === 0)
      out.push(invalid(at("selector"), selectorValue(spec.selector), "empty selector is invalid for statefulset"));
  }
  const selector = labelSelectorAsSelector(spec.selector);
  const template = obj(spec.template);
  if (!selector) out.push(invalid(at("selector"), selectorValue(spec.selector), ""));
  else {
    // The template is checked as the pods will be: hostname and subdomain are the controller's, and the
    // claim templates become volumes.
    let t = template;
    const tspec = obj(template.spec);
    const claims = objs(spec.volumeClaimTemplates);
    if (str(tspec.subdomain) || str(tspec.hostname) || claims.length) {
      const claimNames = claims.map((c) => str(obj(c.metadata).name));
      const volumes = [
        ...[...new Set(claimNames)].map((name) => ({ name, persistentVolumeClaim: { claimName: name } })),
        ...objs(tspec.volumes).filter((v) => !claimNames.includes(str(v.name))),
      ];
      t = {
        ...template,
        spec: { ...tspec, subdomain: undefined, hostname: undefined, ...(claims.length ? { volumes } : {}) },
      };
    }
    const tp = at("template");
    if (!selector.empty && !selector.matches(labelsOf(t))) out.push(doesNotMatch(t, tp));
    if (!o.skipTemplate) out.push(...validatePodTemplateSpec(t, tp));
    const meta = obj(t.metadata);
    out.push(...validateLabels(meta.labels, child(tp, "labels")));
    out.push(...validateAnnotationsAt(meta.annotations, child(tp, "annotations")));
    out.push(...validatePodSpecificAnnotations(meta.annotations, obj(t.spec), child(tp, "annotations")));
  }
  const ts = obj(template.spec);
  if (str(ts.restartPolicy) !== "Always")
    out.push(notSupported(at("template.spec.restartPolicy"), q(str(ts.restartPolicy)), ["Always"]));
  if (!isNil(ts.activeDeadlineSeconds))
    out.push(
      forbidden(at("template.spec.activeDeadlineSeconds"), "activeDeadlineSeconds in StatefulSet is not Supported"),
    );
  return out;
}

export function statefulSetProblems(ss: Obj): Errs {
  return statefulSetSpecProblems(obj(ss.spec), "spec", {});
}

const STATEFULSET_MUTABLE = [
  "replicas",
  "template",
  "updateStrategy",
  "minReadySeconds",
  "ordinals",
  "revisionHistoryLimit",
  "persistentVolumeClaimRetentionPolicy",
];

export function statefulSetUpdateProblems(ss: Obj, old: Obj): Errs {
  const spec = obj(ss.spec);
  const oldSpec = obj(old.spec);
  const o: StatefulSetOptions = { allowInvalidServiceName: true, skipClaimTemplates: true };
  if (statefulSetSpecProblems(oldSpec, "", o).length > 0) o.skipTemplate = true;
  const out = statefulSetSpecProblems(spec, "spec", o);
  const mutable: Obj = {};
  for (const f of STATEFULSET_MUTABLE) mutable[f] = oldSpec[f];
  if (!sameGoValue("apps.StatefulSetSpec", { ...spec, ...mutable }, oldSpec))
    out.push(
      forbidden(
        "spec",
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  return out;
}
