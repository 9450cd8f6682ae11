// Workload defaulting: apps/v1 and batch/v1 SetDefaults_*, the ReplicationController and PodTemplate
// defaulters of core/v1, the pod-template defaults inside each, and the create/update strategy steps
// that look like defaulting to a client (Job selectors, the DaemonSet template-generation annotation).

import { isDeepStrictEqual } from "node:util";
import { canonicalResourceList } from "@evk/kube";
import { defaultClaimSpec, defaultPodTemplate } from "./pod.ts";
import { defaultNil, defaultZero, ensureObj, isObj, listAt, type Obj, objAt, size, stringMap } from "./util.ts";

/** Status fields without omitempty: Go writes them as 0 when unset. */
function statusShape(o: Obj, fields: string[]): void {
  const status = ensureObj(o, "status");
  for (const f of fields) defaultNil(status, f, 0);
}

export function defaultDeployment(d: Obj): void {
  const spec = ensureObj(d, "spec");
  defaultNil(spec, "replicas", 1);
  const strategy = ensureObj(spec, "strategy");
  defaultZero(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") {
    const ru = ensureObj(strategy, "rollingUpdate");
    defaultNil(ru, "maxUnavailable", "25%");
    defaultNil(ru, "maxSurge", "25%");
  }
  defaultNil(spec, "revisionHistoryLimit", 10);
  defaultNil(spec, "progressDeadlineSeconds", 600);
  defaultPodTemplate(ensureObj(spec, "template"));
}

export function defaultReplicaSet(rs: Obj): void {
  const spec = ensureObj(rs, "spec");
  defaultNil(spec, "replicas", 1);
  defaultPodTemplate(ensureObj(spec, "template"));
  statusShape(rs, ["replicas"]);
}

/** A PersistentVolumeClaim as a StatefulSet claim template, defaulted and converted as kube stores it. */
function defaultClaimTemplate(pvc: Obj): void {
  // The apps/v1 conversion sets apiVersion and kind on claim templates (kubernetes#87583).
  pvc.apiVersion = "v1";
  pvc.kind = "PersistentVolumeClaim";
  ensureObj(pvc, "metadata");
  defaultClaimSpec(ensureObj(pvc, "spec"));
  const status = ensureObj(pvc, "status");
  defaultZero(status, "phase", "Pending");
  for (const k of ["capacity", "allocatedResources"])
    if (isObj(status[k])) status[k] = canonicalResourceList(status[k]);
}

export function defaultStatefulSet(sts: Obj): void {
  const spec = ensureObj(sts, "spec");
  defaultZero(spec, "podManagementPolicy", "OrderedReady");
  const strategy = ensureObj(spec, "updateStrategy");
  if (!strategy.type) {
    strategy.type = "RollingUpdate";
    defaultNil(strategy, "rollingUpdate", {});
  }
  const ru = objAt(strategy, "rollingUpdate");
  // MaxUnavailableStatefulSet is off in 1.35, so maxUnavailable gets no default.
  if (strategy.type === "RollingUpdate" && ru) defaultNil(ru, "partition", 0);
  const retention = ensureObj(spec, "persistentVolumeClaimRetentionPolicy");
  defaultZero(retention, "whenDeleted", "Retain");
  defaultZero(retention, "whenScaled", "Retain");
  defaultNil(spec, "replicas", 1);
  defaultNil(spec, "revisionHistoryLimit", 10);
  defaultPodTemplate(ensureObj(spec, "template"));
  for (const t of listAt(spec, "volumeClaimTemplates")) defaultClaimTemplate(t);
  statusShape(sts, ["replicas", "availableReplicas"]);
}

export function defaultDaemonSet(ds: Obj): void {
  const spec = ensureObj(ds, "spec");
  const strategy = ensureObj(spec, "updateStrategy");
  defaultZero(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") {
    const ru = ensureObj(strategy, "rollingUpdate");
    defaultNil(ru, "maxUnavailable", 1);
    defaultNil(ru, "maxSurge", 0);
  }
  defaultNil(spec, "revisionHistoryLimit", 10);
  defaultPodTemplate(ensureObj(spec, "template"));
  statusShape(ds, ["currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady"]);
}

/** apps/v1 carries the internal spec.templateGeneration in this annotation. */
export const TEMPLATE_GENERATION = "deprecated.daemonset.template.generation";

const templateGeneration = (o: Obj | undefined): number => {
  const v = stringMap(objAt(o, "metadata")?.annotations)?.[TEMPLATE_GENERATION];
  return v !== undefined && /^-?\d+$/.test(v) ? Number.parseInt(v, 10) : 0;
};

function setTemplateGeneration(ds: Obj, generation: number): void {
  const meta = ensureObj(ds, "metadata");
  meta.annotations = { ...stringMap(meta.annotations), [TEMPLATE_GENERATION]: String(generation) };
}

/** The DaemonSet strategy on create: templateGeneration starts at 1. */
export function prepareDaemonSetForCreate(ds: Obj): void {
  setTemplateGeneration(ds, Math.max(1, templateGeneration(ds)));
}

/** The DaemonSet strategy on update: templateGeneration is the old one, plus one when the template changed. */
export function prepareDaemonSetForUpdate(ds: Obj, old: Obj): void {
  const before = templateGeneration(old);
  const changed = !isDeepStrictEqual(objAt(objAt(ds, "spec"), "template"), objAt(objAt(old, "spec"), "template"));
  setTemplateGeneration(ds, changed ? before + 1 : before);
}

/** batch/v1 JobSpec defaults shared by nothing else: SetDefaults_Job, in its order. */
export function defaultJob(job: Obj): void {
  const spec = ensureObj(job, "spec");
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  defaultNil(spec, "parallelism", 1);
  defaultNil(spec, "backoffLimit", spec.backoffLimitPerIndex == null ? 6 : 2147483647);
  const template = ensureObj(spec, "template");
  const templateLabels = stringMap(objAt(template, "metadata")?.labels);
  const meta = ensureObj(job, "metadata");
  // Go assigns the template's map itself, so the Job's labels alias its template's: the selector labels the
  // strategy adds to the template next show on the Job too. The alias is kept (structuredClone preserves it)
  // until the create strategy has run; unaliasJobLabels ends it.
  if (templateLabels && size(templateLabels) > 0 && size(meta.labels) === 0) meta.labels = templateLabels;
  defaultNil(spec, "completionMode", "NonIndexed");
  defaultNil(spec, "suspend", false);
  defaultNil(spec, "podReplacementPolicy", spec.podFailurePolicy == null ? "TerminatingOrFailed" : "Failed");
  defaultNil(spec, "manualSelector", false);
  defaultPodFailurePolicy(spec);
  defaultPodTemplate(template);
}

function defaultPodFailurePolicy(jobSpec: Obj): void {
  for (const rule of listAt(objAt(jobSpec, "podFailurePolicy"), "rules"))
    for (const c of listAt(rule, "onPodConditions")) defaultZero(c, "status", "True");
}

export const CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";
export const LEGACY_CONTROLLER_UID_LABEL = "controller-uid";
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
export const LEGACY_JOB_NAME_LABEL = "job-name";

/**
 * The Job strategy on create: unless manualSelector, the pod template gets the job-name and controller-uid
 * labels (legacy and prefixed) and the selector matches on the controller uid.
 */
export function prepareJobForCreate(job: Obj): void {
  const spec = ensureObj(job, "spec");
  if (spec.manualSelector === true) return;
  const meta = ensureObj(job, "metadata");
  const name = String(meta.name ?? "");
  const uid = String(meta.uid ?? "");
  const templateMeta = ensureObj(ensureObj(spec, "template"), "metadata");
  // In place, as Go writes into the map: a Job whose labels alias the template's gets them as well.
  const labels = ensureObj(templateMeta, "labels");
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(k in labels)) labels[k] = name;
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (!(k in labels)) labels[k] = uid;
  const selector = ensureObj(spec, "selector");
  const matchLabels = { ...stringMap(selector.matchLabels) };
  if (!(CONTROLLER_UID_LABEL in matchLabels)) matchLabels[CONTROLLER_UID_LABEL] = uid;
  selector.matchLabels = matchLabels;
}

/** Ends the aliasing defaultJob starts, so later writers of either map do not change the other. */
export function unaliasJobLabels(job: Obj): void {
  const meta = objAt(job, "metadata");
  if (meta && isObj(meta.labels)) meta.labels = { ...meta.labels };
}

export function defaultCronJob(cj: Obj): void {
  const spec = ensureObj(cj, "spec");
  defaultZero(spec, "concurrencyPolicy", "Allow");
  defaultNil(spec, "suspend", false);
  defaultNil(spec, "successfulJobsHistoryLimit", 3);
  defaultNil(spec, "failedJobsHistoryLimit", 1);
  // JobTemplateSpec is a struct with a struct ObjectMeta: Go writes both. Its JobSpec gets no Job defaults.
  const jobTemplate = ensureObj(spec, "jobTemplate");
  ensureObj(jobTemplate, "metadata");
  const jobSpec = ensureObj(jobTemplate, "spec");
  defaultPodFailurePolicy(jobSpec);
  defaultPodTemplate(ensureObj(jobSpec, "template"));
}

export function defaultReplicationController(rc: Obj): void {
  const spec = ensureObj(rc, "spec");
  const template = objAt(spec, "template");
  const labels = stringMap(objAt(template, "metadata")?.labels);
  if (labels && size(labels) > 0) {
    if (size(spec.selector) === 0) spec.selector = { ...labels };
    const meta = ensureObj(rc, "metadata");
    if (size(meta.labels) === 0) meta.labels = { ...labels };
  }
  defaultNil(spec, "replicas", 1);
  if (template) defaultPodTemplate(template);
  statusShape(rc, ["replicas"]);
}

export function defaultPodTemplateObject(pt: Obj): void {
  defaultPodTemplate(ensureObj(pt, "template"));
}
