import {
  duplicate,
  type FieldError,
  invalid,
  j,
  n,
  notSupported,
  q,
  raw,
  required,
  tooLong,
  tooMany,
} from "./field-errors.ts";
import {
  child,
  dns1123Label as dnsLabelProblems,
  domainPrefixedPath,
  isNil,
  isObj,
  labelSelectorAsSelector,
  list,
  type Obj,
  obj,
  objs,
  selectorValue,
  str,
  validateImmutable,
  validateLabelSelector,
  validateNonnegative,
  validateQualifiedName,
} from "./formats.ts";
import { goStructJson, sameGoValue } from "./go-structs.ts";
import { validatePodTemplateSpec } from "./pod.ts";

// kube-apiserver 1.35's validation of Jobs and CronJobs (pkg/apis/batch/validation), including the cron
// schedule parser kube uses (robfig/cron v3, standard five fields and descriptors) and its messages.

type Errs = FieldError[];
const num = (v: unknown) => (typeof v === "number" ? v : 0);

const LEGACY_UID = "controller-uid";
const LEGACY_NAME = "job-name";
const UID = "batch.kubernetes.io/controller-uid";
const NAME = "batch.kubernetes.io/job-name";

function hasLabel(meta: Obj, path: string, k: string, expected: string): Errs {
  const labels = obj(meta.labels);
  if (!(k in labels)) return [required(`${path}.labels[${k}]`, `must be '${expected}'`)];
  if (labels[k] !== expected)
    return [invalid(`${path}.labels[${k}]`, raw(goStructJson("map:s", labels)), `must be '${expected}'`)];
  return [];
}

function validateGeneratedSelector(job: Obj, prefixedLabels: boolean): Errs {
  const spec = obj(job.spec);
  if (spec.manualSelector === true || isNil(spec.selector)) return [];
  const meta = obj(job.metadata);
  const uid = str(meta.uid);
  const name = str(meta.name);
  const tmeta = obj(obj(spec.template).metadata);
  const tp = "spec.template.metadata";
  const out: Errs = [];
  if (!uid) out.push(required("metadata.uid"));
  out.push(...hasLabel(tmeta, tp, LEGACY_UID, uid), ...hasLabel(tmeta, tp, LEGACY_NAME, name));
  const expected: Obj = { [LEGACY_UID]: uid, [LEGACY_NAME]: name };
  if (prefixedLabels) {
    out.push(...hasLabel(tmeta, tp, UID, uid), ...hasLabel(tmeta, tp, NAME, name));
    expected[UID] = uid;
    expected[NAME] = name;
  }
  const selector = labelSelectorAsSelector(spec.selector);
  if (selector && !selector.matches(expected))
    out.push(invalid("spec.selector", selectorValue(spec.selector), "`selector` not auto-generated"));
  return out;
}

const ACTIONS = ["Count", "FailIndex", "FailJob", "Ignore"];
const CONDITION_STATUS = ["False", "True", "Unknown"];

function goQuotedList(xs: string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(" ")}]`;
}

function validatePodFailurePolicy(spec: Obj, path: string): Errs {
  const pfp = obj(spec.podFailurePolicy);
  const rules = objs(pfp.rules);
  const rp = child(path, "rules");
  const out: Errs = [];
  if (rules.length > 20) out.push(tooMany(rp, rules.length, 20));
  const tspec = obj(obj(spec.template).spec);
  const containers = new Set([...objs(tspec.containers), ...objs(tspec.initContainers)].map((c) => str(c.name)));
  rules.forEach((rule, i) => {
    const p = `${rp}[${i}]`;
    const action = str(rule.action);
    if (action === "") out.push(required(child(p, "action"), `valid values: ${goQuotedList(ACTIONS)}`));
    else if (action === "FailIndex") {
      if (isNil(spec.backoffLimitPerIndex))
        out.push(invalid(child(p, "action"), q(action), "requires the backoffLimitPerIndex to be set"));
    } else if (!ACTIONS.includes(action)) out.push(notSupported(child(p, "action"), q(action), ACTIONS));
    const codes = rule.onExitCodes;
    if (isObj(codes)) {
      const cp = child(p, "onExitCodes");
      const op = str(codes.operator);
      if (op === "") out.push(required(child(cp, "operator"), `valid values: ${goQuotedList(["In", "NotIn"])}`));
      else if (op !== "In" && op !== "NotIn") out.push(notSupported(child(cp, "operator"), q(op), ["In", "NotIn"]));
      if (typeof codes.containerName === "string" && !containers.has(codes.containerName))
        out.push(
          invalid(
            child(cp, "containerName"),
            q(codes.containerName),
            "must be one of the container or initContainer names in the pod template",
          ),
        );
      const values = list(codes.values).map(num);
      const vp = child(cp, "values");
      if (values.length === 0) out.push(invalid(vp, j(codes.values ?? null), "at least one value is required"));
      else if (values.length > 255) out.push(tooMany(vp, values.length, 255));
      const seen = new Set<number>();
      let ordered = true;
      values.forEach((v, vi) => {
        if (op === "In" && v === 0) out.push(invalid(`${vp}[${vi}]`, n(v), "must not be 0 for the In operator"));
        if (seen.has(v)) out.push(duplicate(`${vp}[${vi}]`, n(v)));
        else seen.add(v);
        if (vi > 0 && (values[vi - 1] as number) > v) ordered = false;
      });
      if (!ordered) out.push(invalid(vp, j(values), "must be ordered"));
    }
    const conds = objs(rule.onPodConditions);
    if (conds.length > 0) {
      const cp = child(p, "onPodConditions");
      if (conds.length > 20) out.push(tooMany(cp, conds.length, 20));
      conds.forEach((c, ci) => {
        const pp = `${cp}[${ci}]`;
        out.push(...validateQualifiedName(str(c.type), child(pp, "type")));
        const status = str(c.status);
        if (status === "") out.push(required(child(pp, "status"), `valid values: ${goQuotedList(CONDITION_STATUS)}`));
        else if (!CONDITION_STATUS.includes(status))
          out.push(notSupported(child(pp, "status"), q(status), CONDITION_STATUS));
      });
    }
    if (isObj(codes) && conds.length > 0)
      out.push({
        type: "FieldValueInvalid",
        field: p,
        detail: "specifying both OnExitCodes and OnPodConditions is not supported",
      });
    if (!isObj(codes) && conds.length === 0)
      out.push({
        type: "FieldValueInvalid",
        field: p,
        detail: "specifying one of OnExitCodes and OnPodConditions is required",
      });
  });
  return out;
}

/** validateIndexesFormat: the number of indexes, or why the list does not parse. */
function indexesFormat(text: string, completions: number): { total: number } | { error: string } {
  if (text === "") return { total: 0 };
  let last: number | undefined;
  let total = 0;
  for (const interval of text.split(",")) {
    const parts = interval.split("-");
    if (parts.length > 2)
      return {
        error: `the fragment ${JSON.stringify(interval)} violates the requirement that an index interval can have at most two parts separated by '-'`,
      };
    const parse = (s: string) => (/^[+-]?\d+$/.test(s) ? Number(s) : undefined);
    const x = parse(parts[0] as string);
    if (x === undefined) return { error: `cannot convert string to integer for index: ${JSON.stringify(parts[0])}` };
    if (x >= completions) return { error: `too large index: ${JSON.stringify(parts[0])}` };
    let y = x;
    if (parts.length > 1) {
      const yy = parse(parts[1] as string);
      if (yy === undefined) return { error: `cannot convert string to integer for index: ${JSON.stringify(parts[1])}` };
      if (yy >= completions) return { error: `too large index: ${JSON.stringify(parts[1])}` };
      if (x >= yy) return { error: `non-increasing order, previous: ${x}, current: ${yy}` };
      y = yy;
    }
    if (last !== undefined && last >= x) return { error: `non-increasing order, previous: ${last}, current: ${x}` };
    total += y - x + 1;
    last = y;
  }
  return { total };
}

function validateSuccessPolicy(spec: Obj, path: string): Errs {
  const rules = objs(obj(spec.successPolicy).rules);
  const rp = child(path, "rules");
  const out: Errs = [];
  if (rules.length === 0)
    out.push(required(rp, "at least one rules must be specified when the successPolicy is specified"));
  if (rules.length > 20) out.push(tooMany(rp, rules.length, 20));
  const completions = num(spec.completions);
  rules.forEach((rule, i) => {
    const p = `${rp}[${i}]`;
    if (isNil(rule.succeededCount) && isNil(rule.succeededIndexes))
      out.push(required(p, "at least one of succeededCount or succeededIndexes must be specified"));
    let total = 0;
    if (typeof rule.succeededIndexes === "string") {
      const ip = child(p, "succeededIndexes");
      if (rule.succeededIndexes.length > 64 * 1024) out.push(tooLong(ip, 64 * 1024));
      const r = indexesFormat(rule.succeededIndexes, completions);
      if ("error" in r) out.push(invalid(ip, q(rule.succeededIndexes), `error parsing succeededIndexes: ${r.error}`));
      else total = r.total;
    }
    if (typeof rule.succeededCount === "number") {
      const cp = child(p, "succeededCount");
      const c = rule.succeededCount;
      out.push(...validateNonnegative(c, cp));
      if (c > completions)
        out.push(
          invalid(cp, n(c), `must be less than or equal to ${completions} (the number of specified completions)`),
        );
      if (!isNil(rule.succeededIndexes) && c > total)
        out.push(
          invalid(
            cp,
            n(c),
            `must be less than or equal to ${total} (the number of indexes in the specified succeededIndexes field)`,
          ),
        );
    }
  });
  return out;
}

/** validateJobSpec (a Job's and a CronJob's job template). */
function validateJobSpec(spec: Obj, path: string): Errs {
  const out: Errs = [];
  const at = (f: string) => child(path, f);
  for (const f of [
    "parallelism",
    "completions",
    "activeDeadlineSeconds",
    "backoffLimit",
    "ttlSecondsAfterFinished",
    "backoffLimitPerIndex",
  ])
    if (!isNil(spec[f])) out.push(...validateNonnegative(num(spec[f]), at(f)));
  if (!isNil(spec.maxFailedIndexes)) {
    out.push(...validateNonnegative(num(spec.maxFailedIndexes), at("maxFailedIndexes")));
    if (isNil(spec.backoffLimitPerIndex))
      out.push(required(at("backoffLimitPerIndex"), "when maxFailedIndexes is specified"));
  }
  if (typeof spec.managedBy === "string") {
    out.push(...domainPrefixedPath(at("managedBy"), spec.managedBy));
    if (spec.managedBy.length > 63) out.push(tooLong(at("managedBy"), 63));
  }
  const mode = spec.completionMode;
  if (typeof mode === "string") {
    if (mode !== "NonIndexed" && mode !== "Indexed")
      out.push(notSupported(at("completionMode"), j(mode), ["NonIndexed", "Indexed"]));
    if (mode === "Indexed") {
      if (isNil(spec.completions)) out.push(required(at("completions"), "when completion mode is Indexed"));
      if (num(spec.parallelism) > 100000)
        out.push(
          invalid(
            at("parallelism"),
            n(num(spec.parallelism)),
            "must be less than or equal to 100000 when completion mode is Indexed",
          ),
        );
      if (
        !isNil(spec.completions) &&
        !isNil(spec.maxFailedIndexes) &&
        num(spec.maxFailedIndexes) > num(spec.completions)
      )
        out.push(
          invalid(at("maxFailedIndexes"), n(num(spec.maxFailedIndexes)), "must be less than or equal to completions"),
        );
      if (num(spec.maxFailedIndexes) > 100000)
        out.push(
          invalid(at("maxFailedIndexes"), n(num(spec.maxFailedIndexes)), "must be less than or equal to 100000"),
        );
      if (num(spec.completions) > 100000 && !isNil(spec.backoffLimitPerIndex)) {
        if (isNil(spec.maxFailedIndexes))
          out.push(required(at("maxFailedIndexes"), "must be specified when completions is above 100000"));
        if (num(spec.parallelism) > 10000)
          out.push(
            invalid(
              at("parallelism"),
              n(num(spec.parallelism)),
              "must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index",
            ),
          );
        if (num(spec.maxFailedIndexes) > 10000)
          out.push(
            invalid(
              at("maxFailedIndexes"),
              n(num(spec.maxFailedIndexes)),
              "must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index",
            ),
          );
      }
    }
  }
  if (isNil(mode) || mode === "NonIndexed") {
    if (!isNil(spec.backoffLimitPerIndex))
      out.push(
        invalid(at("backoffLimitPerIndex"), n(num(spec.backoffLimitPerIndex)), "requires indexed completion mode"),
      );
    if (!isNil(spec.maxFailedIndexes))
      out.push(invalid(at("maxFailedIndexes"), n(num(spec.maxFailedIndexes)), "requires indexed completion mode"));
  }
  if (isObj(spec.podFailurePolicy)) out.push(...validatePodFailurePolicy(spec, at("podFailurePolicy")));
  if (isObj(spec.successPolicy)) {
    if (mode !== "Indexed")
      out.push(
        invalid(
          at("successPolicy"),
          raw(goStructJson("batch.SuccessPolicy", spec.successPolicy)),
          "requires indexed completion mode",
        ),
      );
    else out.push(...validateSuccessPolicy(spec, at("successPolicy")));
  }
  if (typeof spec.podReplacementPolicy === "string") {
    const prp = spec.podReplacementPolicy;
    if (isObj(spec.podFailurePolicy)) {
      if (prp !== "Failed") out.push(notSupported(at("podReplacementPolicy"), q(prp), ["Failed"]));
    } else if (prp !== "Failed" && prp !== "TerminatingOrFailed")
      out.push(notSupported(at("podReplacementPolicy"), q(prp), ["Failed", "TerminatingOrFailed"]));
  }
  out.push(...validatePodTemplateSpec(obj(spec.template), at("template")));
  const rp = str(obj(obj(spec.template).spec).restartPolicy);
  const rpPath = at("template.spec.restartPolicy");
  if (rp === "Always" || rp === "") out.push(required(rpPath, 'valid values: "OnFailure", "Never"'));
  else if (rp !== "OnFailure" && rp !== "Never") out.push(notSupported(rpPath, q(rp), ["OnFailure", "Never"]));
  else if (isObj(spec.podFailurePolicy) && rp !== "Never")
    out.push(invalid(rpPath, q(rp), 'only "Never" is supported when podFailurePolicy is specified'));
  return out;
}

/** ValidateJobSpec: validateJobSpec and the selector (which the strategy generated unless manual). */
function jobSpecProblems(spec: Obj): Errs {
  const out = validateJobSpec(spec, "spec");
  if (isNil(spec.selector)) out.push(required("spec.selector"));
  else out.push(...validateLabelSelector(spec.selector, "spec.selector"));
  const selector = labelSelectorAsSelector(spec.selector);
  const labels = obj(obj(spec.template).metadata).labels;
  if (selector && !selector.matches(labels))
    out.push(
      invalid(
        "spec.template.metadata.labels",
        raw(goStructJson("map:s", labels)),
        "`selector` does not match template `labels`",
      ),
    );
  return out;
}

/** ValidateJob, after ValidateObjectMeta. */
export function jobProblems(job: Obj, prefixedLabels = true): Errs {
  const spec = obj(job.spec);
  const out = [...validateGeneratedSelector(job, prefixedLabels), ...jobSpecProblems(spec)];
  if (spec.completionMode === "Indexed" && num(spec.completions) > 0) {
    const name = str(obj(job.metadata).name);
    const host = `${name}-${num(spec.completions) - 1}`;
    if (dnsLabelProblems(host).length)
      out.push(invalid("metadata.name", q(name), `will not able to create pod with invalid DNS label: ${host}`));
  }
  return out;
}

/** The job strategy's ValidateUpdate: ValidateJob, then ValidateJobUpdate (which checks the spec again). */
export function jobUpdateProblems(job: Obj, old: Obj): Errs {
  const spec = obj(job.spec);
  const oldSpec = obj(old.spec);
  const oldLabels = obj(obj(obj(oldSpec.template).metadata).labels);
  const prefixed = UID in oldLabels && NAME in oldLabels;
  const out = jobProblems(job, prefixed);
  out.push(...jobSpecProblems(spec));
  out.push(...validateCompletions(spec, oldSpec));
  out.push(...validateImmutable("*metav1.LabelSelector", spec.selector, oldSpec.selector, "spec.selector"));
  out.push(...validateTemplateUpdate(spec, oldSpec, old));
  out.push(...validateImmutable("*s", spec.completionMode, oldSpec.completionMode, "spec.completionMode"));
  out.push(
    ...validateImmutable(
      "*batch.PodFailurePolicy",
      spec.podFailurePolicy,
      oldSpec.podFailurePolicy,
      "spec.podFailurePolicy",
    ),
  );
  out.push(
    ...validateImmutable("*i", spec.backoffLimitPerIndex, oldSpec.backoffLimitPerIndex, "spec.backoffLimitPerIndex"),
  );
  out.push(...validateImmutable("*s", spec.managedBy, oldSpec.managedBy, "spec.managedBy"));
  out.push(
    ...validateImmutable("*batch.SuccessPolicy", spec.successPolicy, oldSpec.successPolicy, "spec.successPolicy"),
  );
  return out;
}

function validateCompletions(spec: Obj, oldSpec: Obj): Errs {
  if (spec.completionMode !== "Indexed")
    return validateImmutable("*i", spec.completions, oldSpec.completions, "spec.completions");
  if (sameGoValue("*i", spec.completions, oldSpec.completions) || isNil(spec.completions)) return [];
  if (num(spec.completions) !== num(spec.parallelism))
    return [
      invalid("spec.completions", n(num(spec.completions)), "can only be modified in tandem with spec.parallelism"),
    ];
  return [];
}

function validateTemplateUpdate(spec: Obj, oldSpec: Obj, old: Obj): Errs {
  let oldTemplate = obj(oldSpec.template);
  const template = obj(spec.template);
  const suspended = oldSpec.suspend === true;
  // A suspended Job that never started may change where its pods will run.
  if (suspended && isNil(obj(old.status).startTime)) {
    const ts = obj(template.spec);
    const os: Obj = { ...obj(oldTemplate.spec) };
    const oldAffinity = os.affinity;
    if (isNil(ts.affinity) && isObj(oldAffinity)) {
      const rest: Obj = { ...oldAffinity, nodeAffinity: undefined };
      os.affinity = isNil(rest.podAffinity) && isNil(rest.podAntiAffinity) ? undefined : rest;
    } else if (isObj(ts.affinity) && !isObj(oldAffinity)) os.affinity = { nodeAffinity: ts.affinity.nodeAffinity };
    else if (isObj(ts.affinity) && isObj(oldAffinity))
      os.affinity = { ...oldAffinity, nodeAffinity: ts.affinity.nodeAffinity };
    os.nodeSelector = ts.nodeSelector;
    os.tolerations = ts.tolerations;
    os.schedulingGates = ts.schedulingGates;
    const tm = obj(template.metadata);
    oldTemplate = {
      ...oldTemplate,
      metadata: { ...obj(oldTemplate.metadata), annotations: tm.annotations, labels: tm.labels },
      spec: os,
    };
  }
  return validateImmutable("core.PodTemplateSpec", template, oldTemplate, "spec.template");
}

// ---- CronJobs ------------------------------------------------------------------------------------------

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };
const FIELDS: Bounds[] = [{ min: 0, max: 59 }, { min: 0, max: 23 }, { min: 1, max: 31 }, MONTHS, DOW];

/** strconv.Atoi as robfig/cron's mustParseInt words its failures. */
function mustParseInt(expr: string): number | string {
  if (!/^[+-]?\d+$/.test(expr))
    return `failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`;
  const v = Number(expr);
  if (!Number.isSafeInteger(v))
    return `failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: value out of range`;
  if (v < 0) return `negative number (${v}) not allowed: ${expr}`;
  return v;
}

function rangeProblem(expr: string, r: Bounds): string | undefined {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = (rangeAndStep[0] as string).split("-");
  let start: number;
  let end: number;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    start = r.min;
    end = r.max;
  } else {
    const parse = (s: string) => r.names?.[s.toLowerCase()] ?? mustParseInt(s);
    const s = parse(lowAndHigh[0] as string);
    if (typeof s === "string") return s;
    start = s;
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) {
      const e = parse(lowAndHigh[1] as string);
      if (typeof e === "string") return e;
      end = e;
    } else return `too many hyphens: ${expr}`;
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    const st = mustParseInt(rangeAndStep[1] as string);
    if (typeof st === "string") return st;
    step = st;
    if (lowAndHigh.length === 1) end = r.max;
  } else if (rangeAndStep.length > 2) return `too many slashes: ${expr}`;
  if (start < r.min) return `beginning of range (${start}) below minimum (${r.min}): ${expr}`;
  if (end > r.max) return `end of range (${end}) above maximum (${r.max}): ${expr}`;
  if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${expr}`;
  if (step === 0) return `step of range should be a positive number: ${expr}`;
  return undefined;
}

const DESCRIPTORS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

/** cron.ParseStandard's error, if the schedule does not parse. */
export function cronScheduleProblem(schedule: string): string | undefined {
  let spec = schedule;
  if (spec.length === 0) return "empty spec string";
  if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
    const i = spec.indexOf(" ");
    const eq = spec.indexOf("=");
    if (i < 0) return `invalid schedule format: runtime error: slice bounds out of range [:-1]`;
    const loc = spec.slice(eq + 1, i);
    if (!isTimeZone(loc)) return `provided bad location ${loc}: unknown time zone ${loc}`;
    spec = spec.slice(i).trim();
  }
  if (spec.startsWith("@")) {
    if (DESCRIPTORS.includes(spec)) return undefined;
    if (spec.startsWith("@every ")) {
      const d = spec.slice("@every ".length);
      return goDurationValid(d)
        ? undefined
        : `failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(d)}`;
    }
    return `unrecognized descriptor: ${spec}`;
  }
  const fields = spec.split(/[ \t\n\v\f\r\u0085\u00a0]+/).filter((f) => f !== "");
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`;
  for (let i = 0; i < 5; i++)
    for (const expr of (fields[i] as string).split(",").filter((e) => e !== "")) {
      const p = rangeProblem(expr, FIELDS[i] as Bounds);
      if (p) return p;
    }
  return undefined;
}

function goDurationValid(d: string): boolean {
  return d === "0" || /^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(d);
}

const TZ_CHARS = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** time.LoadLocation succeeds: an IANA zone name, spelled exactly. */
export function isTimeZone(tz: string): boolean {
  if (tz === "UTC" || tz === "") return true;
  if (tz === "Local") return true;
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
  } catch {
    return false;
  }
  // Intl is case-insensitive; the zoneinfo files Go reads are not.
  const lower = tz.toLowerCase();
  const known = Intl.supportedValuesOf("timeZone");
  const exact = known.includes(tz);
  return exact || !known.some((k) => k.toLowerCase() === lower);
}

function validateTimeZone(tz: unknown, path: string): Errs {
  if (typeof tz !== "string") return [];
  const shown = j(tz);
  if (tz === "") return [invalid(path, shown, "timeZone must be nil or non-empty string")];
  for (const part of tz.split("/"))
    if (part === "." || part === ".." || part.startsWith("-") || !TZ_CHARS.test(part))
      return [invalid(path, shown, `unknown time zone ${tz}`)];
  const out: Errs = [];
  if (tz.toLowerCase() === "local")
    out.push(
      invalid(path, shown, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"),
    );
  if (!isTimeZone(tz) || tz === "Local") {
    if (tz !== "Local") out.push(invalid(path, shown, `unknown time zone ${tz}`));
  }
  return out;
}

function validateCronJobSpec(spec: Obj, oldSpec: Obj | undefined): Errs {
  const out: Errs = [];
  const schedule = str(spec.schedule);
  if (!schedule) out.push(required("spec.schedule"));
  else {
    const allowTZ = oldSpec !== undefined && str(oldSpec.schedule).includes("TZ");
    const p = cronScheduleProblem(schedule);
    if (p) out.push(invalid("spec.schedule", q(schedule), p));
    if (allowTZ && schedule.includes("TZ") && !isNil(spec.timeZone))
      out.push(invalid("spec.schedule", q(schedule), "cannot use both timeZone field and TZ or CRON_TZ in schedule"));
    else if (!allowTZ && schedule.includes("TZ"))
      out.push(
        invalid("spec.schedule", q(schedule), "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"),
      );
  }
  if (!isNil(spec.startingDeadlineSeconds))
    out.push(...validateNonnegative(num(spec.startingDeadlineSeconds), "spec.startingDeadlineSeconds"));
  if (oldSpec === undefined || (spec.timeZone ?? null) !== (oldSpec.timeZone ?? null))
    out.push(...validateTimeZone(spec.timeZone, "spec.timeZone"));
  const cp = str(spec.concurrencyPolicy);
  if (cp === "") out.push(required("spec.concurrencyPolicy"));
  else if (!["Allow", "Forbid", "Replace"].includes(cp))
    out.push(notSupported("spec.concurrencyPolicy", q(cp), ["Allow", "Forbid", "Replace"]));
  const jt = obj(spec.jobTemplate);
  const jspec = obj(jt.spec);
  out.push(...validateJobSpec(jspec, "spec.jobTemplate.spec"));
  if (!isNil(jspec.selector))
    out.push(
      invalid(
        "spec.jobTemplate.spec.selector",
        raw(goStructJson("*metav1.LabelSelector", jspec.selector)),
        "`selector` will be auto-generated",
      ),
    );
  if (jspec.manualSelector === true)
    out.push(notSupported("spec.jobTemplate.spec.manualSelector", raw("true"), ["nil", "false"]));
  for (const f of ["successfulJobsHistoryLimit", "failedJobsHistoryLimit"])
    if (!isNil(spec[f])) out.push(...validateNonnegative(num(spec[f]), `spec.${f}`));
  return out;
}

/** ValidateCronJobCreate, after ValidateObjectMeta. */
export function cronJobProblems(cj: Obj): Errs {
  const out = validateCronJobSpec(obj(cj.spec), undefined);
  const name = str(obj(cj.metadata).name);
  if (name.length > 52) out.push(invalid("metadata.name", q(name), "must be no more than 52 characters"));
  return out;
}

export function cronJobUpdateProblems(cj: Obj, old: Obj): Errs {
  return validateCronJobSpec(obj(cj.spec), obj(old.spec));
}
