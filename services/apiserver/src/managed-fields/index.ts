// kube-apiserver's field manager (k8s.io/apimachinery/pkg/util/managedfields and the apiserver's handlers)
// for evk's write paths: metadata.managedFields on every create, update, patch and apply of an object and its
// status and scale subresources, and server-side apply itself (merge, conflicts, pruning, the last-applied
// annotation kubectl migrates from). api.ts calls one method per kind of write.
import { errors, goQuote, type KubeObject, StatusError } from "@evk/kube";
import {
  capUpdateManagers,
  conflictError,
  decodeManagedFields,
  emptyManaged,
  encodeManagedFields,
  isReset,
  type Managed,
  type ManagedFieldsEntry,
  managerIdentifier,
  rfc3339,
} from "./entries.ts";
import { goJson } from "./path.ts";
import { ownershipFilter } from "./reset-fields.ts";
import { type Atom, DEDUCED, typeSchemaOf } from "./schema.ts";
import { FieldSet } from "./set.ts";
import { compare, errorsText, goShape, toFieldSet, validate } from "./typed.ts";
import { apply, ConflictsError, type ManagedFields, type UpdaterOptions, update } from "./updater.ts";

export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
const FIELD_MANAGER_MAX_LENGTH = 128;

/** The resource a write goes to, and the subresource ("" for the object itself). */
export interface WriteTarget {
  group: string;
  version: string;
  kind: string;
  resource: string;
  subresource?: string;
}

export interface FieldManagerOptions {
  /** The OpenAPI schemas (v3 components) the types come from; kinds without one are typed by deduction. */
  definitions: () => Record<string, unknown> | undefined;
  /** The request object decoded as kube decodes it (defaulted), before admission and the strategy. */
  decode: (t: WriteTarget, o: KubeObject, now: string) => KubeObject;
  now?: () => Date;
}

type Obj = Record<string, unknown>;

interface Ctx extends UpdaterOptions {
  subresource: string;
  now: string;
}

const apiVersionOf = (t: WriteTarget) => (t.group ? `${t.group}/${t.version}` : t.version);

/** Meta fields no write owns (stripMetaManager). */
const STRIPPED = FieldSet.of(
  ["f:apiVersion"],
  ["f:kind"],
  ["f:metadata"],
  ["f:metadata", "f:name"],
  ["f:metadata", "f:namespace"],
  ["f:metadata", "f:creationTimestamp"],
  ["f:metadata", "f:selfLink"],
  ["f:metadata", "f:uid"],
  ["f:metadata", "f:clusterName"],
  ["f:metadata", "f:generation"],
  ["f:metadata", "f:managedFields"],
  ["f:metadata", "f:resourceVersion"],
);

function strip(fields: ManagedFields, id: string): void {
  const vs = fields.get(id);
  if (!vs) return;
  const set = vs.set.difference(STRIPPED);
  if (set.empty) fields.delete(id);
  else fields.set(id, { ...vs, set });
}

/** The object without its managedFields, which no comparison looks at. */
function bare(o: Obj): Obj {
  const m = o.metadata as Obj | undefined;
  if (!m || !("managedFields" in m)) return o;
  const { managedFields: _m, ...metadata } = m;
  return { ...o, metadata };
}

const TEMPLATE_GENERATION = "deprecated.daemonset.template.generation";

/**
 * The request's object as kube's field manager sees it: converted from kube's internal version, which for a
 * DaemonSet always writes the template generation annotation ("0" when the request has none).
 */
function versionedView(t: WriteTarget, o: Obj): Obj {
  if (t.group !== "apps" || t.resource !== "daemonsets") return o;
  const m = (o.metadata ?? {}) as Obj;
  const a = (m.annotations ?? {}) as Record<string, unknown>;
  const v = a[TEMPLATE_GENERATION];
  const generation = typeof v === "string" && /^[+-]?\d+$/.test(v) ? String(BigInt(v)) : "0";
  if (v === generation) return o;
  return { ...o, metadata: { ...m, annotations: { ...a, [TEMPLATE_GENERATION]: generation } } };
}

/** The object with these managedFields (or none), the key kept where it was. */
export function withManagedFields<T extends KubeObject>(o: T, entries: ManagedFieldsEntry[] | undefined): T {
  const m = o.metadata ?? {};
  if (entries === undefined) {
    if (!("managedFields" in m)) return o;
    const { managedFields: _m, ...metadata } = m;
    return { ...o, metadata };
  }
  return { ...o, metadata: { ...m, managedFields: entries } };
}

/** managerOrUserAgent: the fieldManager parameter, else the User-Agent's product name as kube cuts it. */
export function managerOf(query: URLSearchParams, userAgent: string | undefined): string {
  const m = query.get("fieldManager") ?? "";
  if (m !== "") return m;
  let out = "";
  let bytes = 0;
  for (const ch of (userAgent ?? "").split("/")[0] ?? "") {
    if (!/[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(ch)) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/**
 * The fieldManager and force parameters as kube validates a write's options: 422 on the options kind.
 * `patchType` is "apply" for server-side apply.
 */
export function checkWriteOptions(
  query: URLSearchParams,
  optionsKind: "CreateOptions" | "UpdateOptions" | "PatchOptions",
  patchType?: string,
): void {
  const causes: { reason: string; message: string; field: string }[] = [];
  const manager = query.get("fieldManager") ?? "";
  if (optionsKind === "PatchOptions") {
    if (patchType === "apply") {
      if (manager === "")
        causes.push({
          reason: "FieldValueRequired",
          message: "Required value: is required for apply patch",
          field: "fieldManager",
        });
    } else if (query.has("force"))
      causes.push({
        reason: "FieldValueForbidden",
        message: "Forbidden: may not be specified for non-apply patch",
        field: "force",
      });
  }
  if (Buffer.byteLength(manager) > FIELD_MANAGER_MAX_LENGTH)
    causes.push({
      reason: "FieldValueTooLong",
      message: `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes`,
      field: "fieldManager",
    });
  let i = 0;
  for (const ch of manager) {
    if (!/[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(ch)) {
      const cp = ch.codePointAt(0) as number;
      causes.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: ${goQuote(manager)}: invalid character U+${cp.toString(16).toUpperCase().padStart(4, "0")} (at position ${i})`,
        field: "fieldManager",
      });
    }
    i += Buffer.byteLength(ch);
  }
  if (causes.length === 0) return;
  const text = causes.map((c) => `${c.field}: ${c.message}`);
  throw new StatusError(
    "Invalid",
    `${optionsKind}.meta.k8s.io "" is invalid: ${text.length === 1 ? text[0] : `[${text.join(", ")}]`}`,
    { group: "meta.k8s.io", kind: optionsKind, causes },
  );
}

/** The `force` parameter of an apply as kube's parameter codec reads a bool: only absent, "0" and "false" are false. */
export function forceOf(query: URLSearchParams): boolean {
  const v = query.get("force");
  return v !== null && v !== "0" && v.toLowerCase() !== "false";
}

/** A 500 without a reason: how kube answers the field manager's own errors. */
export class FieldManagerError extends StatusError {
  constructor(message: string) {
    super("InternalError", message);
  }
  override toStatus() {
    const { reason: _, ...rest } = super.toStatus();
    return rest as ReturnType<StatusError["toStatus"]>;
  }
}

export class FieldManager {
  private readonly opts: FieldManagerOptions;
  constructor(opts: FieldManagerOptions) {
    this.opts = opts;
  }

  private atomOf(group: string, version: string, kind: string): Atom {
    const defs = this.opts.definitions();
    return (defs && typeSchemaOf(defs).kind(group, version, kind)) || DEDUCED;
  }

  private ctx(t: WriteTarget, subresource = t.subresource ?? ""): Ctx {
    const version = apiVersionOf(t);
    return {
      atom: this.atomOf(t.group, t.version, t.kind),
      version,
      filter: ownershipFilter(t.group, t.resource, subresource || undefined, version),
      subresource,
      now: rfc3339((this.opts.now ?? (() => new Date()))()),
    };
  }

  /** POST: `out`, the object to store, with the managedFields of the request `requested` creating it. */
  created(t: WriteTarget, requested: KubeObject, manager: string, out: KubeObject): KubeObject {
    try {
      const c = this.ctx(t, "");
      const next = versionedView(t, bare(this.opts.decode(t, requested, c.now) as Obj));
      const managed = liveOrRequested({}, requested.metadata?.managedFields, false);
      return withManagedFields(out, encodeManagedFields(trackUpdate(c, {}, next, managed, manager)));
    } catch {
      return withManagedFields(out, undefined);
    }
  }

  /**
   * PUT, and PATCH other than apply, of the object or a subresource: `out`, the object to store, with
   * managedFields for `requested` (the request's object, or the patched one) written over `live`. `decoded`:
   * `requested` is already defaulted as kube decodes it.
   */
  updated(
    t: WriteTarget,
    live: KubeObject,
    requested: KubeObject,
    manager: string,
    out: KubeObject,
    decoded = false,
  ): KubeObject {
    let result: KubeObject;
    try {
      const c = this.ctx(t);
      const next = versionedView(t, bare((decoded ? requested : this.opts.decode(t, requested, c.now)) as Obj));
      const managed = liveOrRequested(live, requested.metadata?.managedFields, c.subresource !== "");
      result = withManagedFields(out, encodeManagedFields(trackUpdate(c, bare(live), next, managed, manager)));
    } catch {
      result = withManagedFields(out, undefined);
    }
    return keepTimesOfNoop(result, live);
  }

  /**
   * PUT and PATCH of /scale: the parent `out` with the managedFields of the Scale write, which kube tracks on
   * the Scale and maps back to the parent's replicas field.
   */
  scaled(
    t: WriteTarget,
    live: KubeObject,
    liveScale: KubeObject,
    requestedScale: KubeObject,
    manager: string,
    out: KubeObject,
  ): KubeObject {
    let result: KubeObject;
    try {
      const parentVersion = apiVersionOf(t);
      const scaleTarget = { group: "autoscaling", version: "v1", kind: "Scale", resource: t.resource };
      const c: Ctx = { ...this.ctx(scaleTarget, "scale"), filter: undefined };
      const parent = decodeManagedFields(live.metadata.managedFields);
      const scaleManaged = toScaleManaged(parent, parentVersion);
      const tracked = trackUpdate(c, bare(liveScale), bare(requestedScale), scaleManaged, manager);
      // The Scale's entries go through their encoded form, as kube's scale handler takes them.
      const entries = encodeManagedFields(tracked);
      result = withManagedFields(
        out,
        encodeManagedFields(toParentManaged(parent, decodeManagedFields(entries), parentVersion)),
      );
    } catch {
      result = withManagedFields(out, undefined);
    }
    return keepTimesOfNoop(result, live);
  }

  /**
   * Server-side apply of a Scale to /scale of `live`: the merged Scale, and how to finish the parent `out` with
   * the apply's owners of replicas.
   */
  scaleApplied(
    t: WriteTarget,
    live: KubeObject,
    liveScale: KubeObject,
    config: Record<string, unknown>,
    manager: string,
    force: boolean,
  ): { scale: KubeObject; finish: (out: KubeObject) => KubeObject } {
    const parentVersion = apiVersionOf(t);
    const parent = decodeManagedFields(live.metadata.managedFields);
    const scaleTarget = {
      group: "autoscaling",
      version: "v1",
      kind: "Scale",
      resource: t.resource,
      subresource: "scale",
    };
    const a = this.applied(
      scaleTarget,
      withManagedFields(liveScale, encodeManagedFields(toScaleManaged(parent, parentVersion))),
      config,
      manager,
      force,
    );
    const owners = decodeManagedFields(a.object.metadata?.managedFields);
    const entries = encodeManagedFields(toParentManaged(parent, owners, parentVersion));
    return {
      scale: withManagedFields(a.object, undefined),
      finish: (out) => keepTimesOfNoop(withManagedFields(out, entries), live),
    };
  }

  /**
   * Server-side apply of `config` by `manager` to `live` (undefined: the object does not exist yet). Returns the
   * object to write (the merge, before defaulting, admission and validation) and how to finish what is stored.
   */
  applied(
    t: WriteTarget,
    live: KubeObject | undefined,
    config: Record<string, unknown>,
    manager: string,
    force: boolean,
  ): { object: KubeObject; finish: (out: KubeObject) => KubeObject } {
    const c = this.ctx(t);
    const cfg = config as Obj;
    const liveObj = (live ?? {}) as Obj;
    let managed: Managed;
    try {
      managed = decodeManagedFields((liveObj.metadata as Obj | undefined)?.managedFields);
    } catch (err) {
      throw new FieldManagerError(`failed to decode managed fields: ${(err as Error).message}`);
    }
    const gv = typeof cfg.apiVersion === "string" ? cfg.apiVersion : "";
    const kind = typeof cfg.kind === "string" ? cfg.kind : "";
    if (gv !== c.version || kind !== t.kind) throw errors.badRequest(`invalid object type: ${gvkString(gv, kind)}`);
    const inner = (forced: boolean) => applyInner(c, liveObj, cfg, cloneManaged(managed), manager, forced, t);
    let r: { object: Obj; managed: Managed; changed: boolean };
    try {
      r = inner(force);
    } catch (err) {
      if (!(err instanceof ConflictsError)) throw err;
      if (manager !== "kubectl") throw conflictError(err.conflicts);
      const allowed = allowedFromLastApplied(c, liveObj);
      const left = allowed ? err.conflicts.filter((x) => !allowed.has(x.path)) : err.conflicts;
      if (left.length > 0) throw conflictError(left);
      r = inner(true);
    }
    let object = r.object;
    if (manager === "kubectl" && lastAppliedOf(object)) object = withLastApplied(object, cfg);
    const entries = encodeManagedFields(r.managed);
    const finish = (out: KubeObject) => keepTimesOfNoop(withManagedFields(out, entries), live);
    return { object: withManagedFields(object as KubeObject, entries), finish };
  }
}

function cloneManaged(m: Managed): Managed {
  return { fields: new Map(m.fields), times: new Map(m.times) };
}

/** schema.GroupVersionKind's String() of an apiVersion and kind (an unparsable apiVersion counts as none). */
function gvkString(apiVersion: string, kind: string): string {
  const parts = apiVersion.split("/");
  if (apiVersion === "" || parts.length > 2) return `/, Kind=${kind}`;
  const [g, v] = parts.length === 2 ? (parts as [string, string]) : ["", parts[0] as string];
  return `${g}/${v}, Kind=${kind}`;
}

/** decodeLiveOrNew: the request's managedFields when it sends valid ones, a reset when it sends [], else the live. */
function liveOrRequested(live: Obj, requested: unknown, subresource: boolean): Managed {
  const fromLive = () => {
    try {
      return decodeManagedFields((live.metadata as Obj | undefined)?.managedFields);
    } catch {
      return emptyManaged();
    }
  };
  if (subresource) return fromLive();
  if (isReset(requested)) return emptyManaged();
  try {
    const m = decodeManagedFields(requested);
    return m.fields.size === 0 ? fromLive() : m;
  } catch {
    return fromLive();
  }
}

/**
 * FieldManager.Update below the request: skipped for an existing object nobody tracks yet; otherwise the
 * writer (an identifier per manager, operation, version and subresource) gets what it changed.
 */
function trackUpdate(c: Ctx, live: Obj, next: Obj, managed: Managed, manager: string): Managed {
  const uid = (live.metadata as Obj | undefined)?.uid;
  if (managed.fields.size === 0 && typeof uid === "string" && uid !== "") return managed;
  return updateInner(c, live, next, managed, manager);
}

/** capManagers → buildManagerInfo → managedFieldsUpdater → stripMeta → structured merge, for an Update. */
function updateInner(c: Ctx, live: Obj, next: Obj, managed: Managed, manager: string): Managed {
  const id = managerIdentifier({
    manager: manager || "unknown",
    operation: "Update",
    apiVersion: c.version,
    subresource: c.subresource,
  });
  const self = "current-operation";
  const fields = update(c, live, next, managed.fields, self);
  strip(fields, self);
  const times = managed.times;
  const vs = fields.get(self);
  if (vs) {
    fields.delete(self);
    const prev = fields.get(id);
    fields.set(id, prev ? { set: vs.set.union(prev.set), apiVersion: vs.apiVersion, applied: vs.applied } : vs);
    times.set(id, c.now);
  }
  return capUpdateManagers({ fields, times });
}

/** skipNonApplied → buildManagerInfo → managedFieldsUpdater → stripMeta → structured merge, for an Apply. */
function applyInner(
  c: Ctx,
  live: Obj,
  cfg: Obj,
  managed: Managed,
  manager: string,
  force: boolean,
  t: WriteTarget,
): { object: Obj; managed: Managed; changed: boolean } {
  const liveBare = bare(live);
  // An object nobody tracks yet: what it has so far becomes "before-first-apply"'s.
  if (managed.fields.size === 0) managed = updateInner(c, {}, liveBare, managed, "before-first-apply");
  const id = managerIdentifier({ manager, operation: "Apply", subresource: c.subresource });
  const meta = cfg.metadata as Obj | undefined;
  if (meta && meta.managedFields !== undefined && meta.managedFields !== null)
    throw errors.badRequest("metadata.managedFields must be nil");
  const problems = validate(c.atom, cfg);
  if (problems.length > 0) {
    const cm = cfg.metadata as Obj | undefined;
    const ns = typeof cm?.namespace === "string" ? cm.namespace : "";
    const name = typeof cm?.name === "string" ? cm.name : "";
    throw new FieldManagerError(
      `failed to create typed patch object (${ns}/${name}; ${gvkString(c.version, t.kind)}): ${errorsText(problems)}`,
    );
  }
  const r = apply(c, liveBare, cfg, managed.fields, id, force);
  strip(r.managers, id);
  const times = managed.times;
  if (r.object !== undefined) times.set(id, c.now);
  const object = (r.object === undefined ? liveBare : goShape(c.atom, r.object)) as Obj;
  return { object, managed: { fields: r.managers, times }, changed: r.object !== undefined };
}

/** The fields of the last-applied annotation whose values the object still has: conflicts kubectl may take. */
function allowedFromLastApplied(c: Ctx, live: Obj): FieldSet | undefined {
  const text = lastAppliedOf(live);
  if (!text) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof last !== "object" || last === null || (last as Obj).apiVersion !== c.version) return undefined;
  if (validate(c.atom, last).length > 0 || validate(c.atom, bare(live)).length > 0) return undefined;
  const cmp = compare(c.atom, last, bare(live), false, true);
  return toFieldSet(c.atom, last).difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
}

function lastAppliedOf(o: Obj): string | undefined {
  const a = (o.metadata as Obj | undefined)?.annotations as Record<string, string> | undefined;
  const v = a?.[LAST_APPLIED];
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

const ANNOTATIONS_LIMIT = 256 * 1024;

/** lastAppliedUpdater: kubectl's annotation follows what kubectl applied, unless that makes it too large. */
function withLastApplied(o: Obj, cfg: Obj): Obj {
  const copy = structuredClone(cfg);
  const cm = copy.metadata as Obj | undefined;
  const ca = cm?.annotations as Obj | undefined;
  if (ca && typeof ca === "object") delete ca[LAST_APPLIED];
  const value = `${goJson(copy)}\n`;
  const meta = (o.metadata ?? {}) as Obj;
  const annotations: Record<string, string> = {
    ...((meta.annotations as Record<string, string>) ?? {}),
    [LAST_APPLIED]: value,
  };
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) size += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  if (size > ANNOTATIONS_LIMIT) delete annotations[LAST_APPLIED];
  return { ...o, metadata: { ...meta, annotations } };
}

// ---------------------------------------------------------------------------------------------------------
// The scale subresource (managedfields.ScaleHandler)

const REPLICAS = ["f:spec", "f:replicas"];
const SCALE_VERSION = "autoscaling/v1";

/** The versions kube maps a parent's replicas path for (ResourcePathMappings). */
const mapped = (apiVersion: string, parentVersion: string) =>
  apiVersion === parentVersion ||
  (parentVersion.startsWith("apps/") && ["apps/v1beta1", "apps/v1beta2", "apps/v1"].includes(apiVersion));

/** ToSubresource: the managers of the parent's replicas, as owners of the Scale's spec.replicas. */
function toScaleManaged(parent: Managed, parentVersion: string): Managed {
  const out = emptyManaged();
  for (const [id, vs] of parent.fields) {
    if (!mapped(vs.apiVersion, parentVersion) || !vs.set.has(REPLICAS)) continue;
    out.fields.set(id, { set: FieldSet.of(REPLICAS), apiVersion: SCALE_VERSION, applied: vs.applied });
    out.times.set(id, parent.times.get(id));
  }
  // Through the wire form, as the Scale object carries them.
  return decodeManagedFields(encodeManagedFields(out));
}

/** ToParent: the Scale's owners of spec.replicas become the parent's. */
function toParentManaged(parent: Managed, scale: Managed, parentVersion: string): Managed {
  const out = emptyManaged();
  const scaleFields = new Map(scale.fields);
  for (const [id, vs] of parent.fields) {
    // Entries at versions without the mapping are dropped, as kube's handler drops them.
    if (!mapped(vs.apiVersion, parentVersion)) continue;
    if (!vs.set.has(REPLICAS)) {
      out.fields.set(id, vs);
      out.times.set(id, parent.times.get(id));
      continue;
    }
    if (!scaleFields.has(id)) {
      const rest = vs.set.difference(FieldSet.of(REPLICAS));
      if (!rest.empty) {
        out.fields.set(id, { ...vs, set: rest });
        out.times.set(id, parent.times.get(id));
      }
    } else {
      out.fields.set(id, vs);
      out.times.set(id, parent.times.get(id));
      scaleFields.delete(id);
    }
  }
  for (const [id, vs] of scaleFields) {
    if (!vs.set.has(REPLICAS)) continue;
    out.fields.set(id, { set: FieldSet.of(REPLICAS), apiVersion: parentVersion, applied: vs.applied });
    out.times.set(id, parent.times.get(id));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// No-op writes (IgnoreManagedFieldsTimestampsTransformer)

/** A write that changes nothing but managedFields times keeps the old times, so it stays a no-op. */
function keepTimesOfNoop(next: KubeObject, old: KubeObject | undefined): KubeObject {
  if (!old) return next;
  const nf = next.metadata?.managedFields as ManagedFieldsEntry[] | undefined;
  const of = old.metadata?.managedFields as ManagedFieldsEntry[] | undefined;
  if (!nf || !of || nf.length !== of.length || nf.length === 0) return next;
  if (nf.every((e, i) => e.time === of[i]?.time)) return next;
  for (let i = 0; i < nf.length; i++) {
    const { time: _a, ...a } = nf[i] as ManagedFieldsEntry;
    const { time: _b, ...b } = of[i] as ManagedFieldsEntry;
    if (goJson(a) !== goJson(b)) return next;
  }
  if (!sameIgnoringManagedFields(next, old)) return next;
  return withManagedFields(
    next,
    nf.map((e, i) => {
      const t = of[i]?.time;
      const { time: _t, ...rest } = e;
      return t === undefined ? rest : { ...e, time: t };
    }),
  );
}

function sameIgnoringManagedFields(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { managedFields: _m, resourceVersion: _r, ...metadata } = o.metadata ?? {};
    return { ...o, metadata };
  };
  return goJson(strip(a)) === goJson(strip(b));
}
