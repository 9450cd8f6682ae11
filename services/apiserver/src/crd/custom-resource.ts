// Custom resources as kube-apiserver 1.35 serves them (apiextensions-apiserver customresource_handler.go and
// registry/customresource): for each served version of an established definition, a resource type whose
// behaviour decodes bodies against the version's structural schema (pruning, Strict/Warn field validation,
// defaulting), prepares and validates writes with the custom resource strategies (status and generation rules,
// OpenAPI schema, list types, embedded resources, CEL, scale paths), serves stored objects with defaults applied
// and their apiVersion rewritten (conversion strategy None), and prints Tables from additionalPrinterColumns.
import { errors, type FieldLabelConversion, type KubeObject, type StatusCause, StatusError } from "@evk/kube";
import { scanOf } from "../body.ts";
import type { FieldValidation } from "../field-validation.ts";
import type { ResourceType } from "../resources.ts";
import { type FieldError, invalid, toCauses } from "../spec-validation/field-errors.ts";
import { compactMetadata, keepSystemFields } from "../subresources.ts";
import type { ResourceBehaviour } from "./behaviour.ts";
import { hasRules, validateCel } from "./cel.ts";
import { compareKubeAwareVersions } from "./discovery.ts";
import { customResourcePrinter } from "./printer.ts";
import { deepEqual, goNumber } from "./schema/go-values.ts";
import { validateEmbedded, validateListSetsAndMaps } from "./schema/list-type.ts";
import {
  applyDefaults,
  coerceObjectMeta,
  MetadataDecodeError,
  prune,
  pruneDefaults,
  pruneNulls,
} from "./schema/prune.ts";
import { newStructural, type Structural, StructuralError } from "./schema/structural.ts";
import { validateValue } from "./schema/value-validation.ts";
import {
  acceptedNamesOf,
  type ColumnDefinition,
  type CRD,
  isConditionTrue,
  isObject,
  type JSONSchemaProps,
  type ScaleSubresource,
  specOf,
  versionsOf,
} from "./types.ts";

type Json = Record<string, unknown>;

/** One version of a definition, as its custom resources are served in it. */
export interface ServedVersion {
  name: string;
  served: boolean;
  storage: boolean;
  props?: JSONSchemaProps;
  structural?: Structural;
  status: boolean;
  scale?: ScaleSubresource;
  columns?: ColumnDefinition[];
  selectableFields: string[];
  deprecated: boolean;
  deprecationWarning?: string;
}

/** What a definition says about serving its custom resources. */
export interface ServedDefinition {
  crd: CRD;
  name: string;
  uid: string;
  group: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  shortNames?: string[];
  categories?: string[];
  namespaced: boolean;
  versions: ServedVersion[];
  storageVersion: string;
  webhookConversion: boolean;
  namesAccepted: boolean;
  established: boolean;
  terminating: boolean;
}

export function servedDefinition(crd: CRD): ServedDefinition {
  const spec = specOf(crd);
  const names = acceptedNamesOf(crd);
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  const versions: ServedVersion[] = versionsOf(crd).map((v) => {
    const props = isObject(v.schema?.openAPIV3Schema) ? (v.schema?.openAPIV3Schema as JSONSchemaProps) : undefined;
    let structural: Structural | undefined;
    if (props) {
      try {
        structural = pruneDefaults(newStructural(props));
      } catch (err) {
        if (!(err instanceof StructuralError)) throw err;
      }
    }
    const sub = isObject(v.subresources) ? v.subresources : undefined;
    return {
      name: str(v.name),
      served: v.served === true,
      storage: v.storage === true,
      ...(props ? { props } : {}),
      ...(structural ? { structural } : {}),
      status: isObject(sub?.status),
      ...(isObject(sub?.scale) ? { scale: sub?.scale as ScaleSubresource } : {}),
      ...(Array.isArray(v.additionalPrinterColumns) ? { columns: v.additionalPrinterColumns } : {}),
      selectableFields: (Array.isArray(v.selectableFields) ? v.selectableFields : [])
        .map((f) => str(f?.jsonPath).replace(/^\./, ""))
        .filter((f) => f !== ""),
      deprecated: v.deprecated === true,
      ...(typeof v.deprecationWarning === "string" ? { deprecationWarning: v.deprecationWarning } : {}),
    };
  });
  const shortNames = Array.isArray(names.shortNames) && names.shortNames.length ? names.shortNames : undefined;
  const categories = Array.isArray(names.categories) && names.categories.length ? names.categories : undefined;
  return {
    crd,
    name: crd.metadata.name ?? "",
    uid: crd.metadata.uid ?? "",
    group: str(spec.group),
    plural: str(names.plural),
    singular: str(names.singular),
    kind: str(names.kind),
    listKind: str(names.listKind),
    ...(shortNames ? { shortNames } : {}),
    ...(categories ? { categories } : {}),
    namespaced: spec.scope === "Namespaced",
    versions,
    storageVersion: versions.find((v) => v.storage)?.name ?? "",
    webhookConversion: spec.conversion?.strategy === "Webhook",
    namesAccepted: isConditionTrue(crd, "NamesAccepted"),
    established: isConditionTrue(crd, "Established"),
    terminating: isConditionTrue(crd, "Terminating"),
  };
}

const versionOf = (apiVersion: unknown) => (typeof apiVersion === "string" ? (apiVersion.split("/").pop() ?? "") : "");
const isMap = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The 500 a request gets when its objects would have to go through a conversion webhook. */
export function webhookConversionError(def: ServedDefinition, from: string): StatusError {
  return errors.internal(
    `conversion webhook for ${def.group}/${from}, Kind=${def.kind} failed: this server does not call conversion webhooks`,
  );
}

/** An object in another version of its definition as `to`: strategy None rewrites apiVersion, nothing else. */
export function convertVersion(def: ServedDefinition, obj: KubeObject, to: string): KubeObject {
  const from = versionOf(obj.apiVersion);
  if (from === to) return obj;
  if (def.webhookConversion) throw webhookConversionError(def, from);
  return { ...obj, apiVersion: `${def.group}/${to}` };
}

function nestedInt(obj: unknown, path: string): { value: number; found: boolean; error?: string } {
  let cur: unknown = obj;
  const parts = path.replace(/^\./, "").split(".");
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (!isMap(cur)) {
      if (cur === undefined || cur === null) return { value: 0, found: false };
      return {
        value: 0,
        found: false,
        error: `.${parts.slice(0, i).join(".")} accessor error: ${goNumber(0)} is of the type ${goType(cur)}, expected map[string]interface{}`,
      };
    }
    if (!(p in cur)) return { value: 0, found: false };
    cur = cur[p];
  }
  if (typeof cur === "number" && Number.isInteger(cur)) return { value: cur, found: true };
  if (cur === null || cur === undefined) return { value: 0, found: false };
  return {
    value: 0,
    found: false,
    error: `.${parts.join(".")} accessor error: ${printGo(cur)} is of the type ${goType(cur)}, expected int64`,
  };
}

function nestedString(obj: unknown, path: string): { value: string; found: boolean; error?: string } {
  let cur: unknown = obj;
  const parts = path.replace(/^\./, "").split(".");
  for (const p of parts) {
    if (!isMap(cur) || !(p in cur)) return { value: "", found: false };
    cur = cur[p];
  }
  if (typeof cur === "string") return { value: cur, found: true };
  if (cur === null || cur === undefined) return { value: "", found: false };
  return {
    value: "",
    found: false,
    error: `.${parts.join(".")} accessor error: ${printGo(cur)} is of the type ${goType(cur)}, expected string`,
  };
}

const goType = (v: unknown) =>
  typeof v === "string"
    ? "string"
    : typeof v === "boolean"
      ? "bool"
      : typeof v === "number"
        ? Number.isInteger(v)
          ? "int64"
          : "float64"
        : Array.isArray(v)
          ? "[]interface {}"
          : "map[string]interface {}";
const printGo = (v: unknown) => (typeof v === "number" ? goNumber(v) : typeof v === "string" ? v : JSON.stringify(v));

function setNested(obj: Json, path: string, value: unknown): Json {
  const parts = path.replace(/^\./, "").split(".");
  const out = structuredClone(obj);
  let cur: Json = out;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i] as string;
    if (!isMap(cur[p])) cur[p] = {};
    cur = cur[p] as Json;
  }
  cur[parts.at(-1) as string] = value;
  return out;
}

const BLOCKING = new Set([
  "FieldValueNotSupported",
  "FieldValueRequired",
  "FieldValueTooLong",
  "FieldValueTooMany",
  "FieldValueTypeInvalid",
]);
const NOT_CHECKED =
  "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation";

/** kube's default warning for a deprecated version: the newest served, undeprecated, newer version to use. */
export function deprecationWarning(def: ServedDefinition, deprecated: string): string {
  const kind = typeof def.crd.spec?.names?.kind === "string" ? def.crd.spec.names.kind : def.kind;
  const msg = `${def.group}/${deprecated} ${kind} is deprecated`;
  const newer = def.versions
    .filter((v) => v.served && !v.deprecated && compareKubeAwareVersions(deprecated, v.name) < 0)
    .map((v) => v.name)
    .sort((a, b) => -compareKubeAwareVersions(a, b));
  return newer.length ? `${msg}; use ${def.group}/${newer[0]} ${kind}` : msg;
}

/** The behaviour of one served version of a definition. */
export class CustomResourceVersion implements ResourceBehaviour {
  readonly def: ServedDefinition;
  readonly version: ServedVersion;
  readonly printer;
  readonly fieldLabels: FieldLabelConversion;
  readonly scale;
  readonly warnings: string[] | undefined;

  constructor(def: ServedDefinition, version: ServedVersion) {
    this.def = def;
    this.version = version;
    this.warnings = version.deprecated
      ? [version.deprecationWarning ?? deprecationWarning(def, version.name)]
      : undefined;
    this.printer = customResourcePrinter(version.columns);
    this.fieldLabels = {
      labels: ["metadata.name", ...(def.namespaced ? ["metadata.namespace"] : []), ...version.selectableFields],
      refuse: (label: string) => `field label not supported: ${label}`,
    };
    this.scale = version.scale ? this.scaleFor(version.scale) : undefined;
  }

  /** The schema of the version an object is in (objects in the write path are in the storage version). */
  private versionOfObject(obj: KubeObject): ServedVersion {
    const v = versionOf(obj.apiVersion);
    return this.def.versions.find((x) => x.name === v) ?? this.version;
  }

  typeMetaProblem(body: KubeObject): StatusError | undefined {
    const requested = `${this.def.group}/${this.version.name}`;
    const apiVersion = typeof body.apiVersion === "string" && body.apiVersion !== "" ? body.apiVersion : requested;
    const kind = typeof body.kind === "string" && body.kind !== "" ? body.kind : this.def.kind;
    const [group, version] = apiVersion.includes("/")
      ? (apiVersion.split("/", 2) as [string, string])
      : ["", apiVersion];
    if (group !== this.def.group || !this.def.versions.some((v) => v.name === version))
      return errors.badRequest(
        `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${this.def.kind}: request to convert CR from an invalid group/version: ${apiVersion}`,
      );
    if (version !== this.version.name) {
      if (this.def.webhookConversion)
        return errors.badRequest(
          `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${this.def.kind}: conversion webhook for ${this.def.group}/${version}, Kind=${kind} failed: this server does not call conversion webhooks`,
        );
    }
    body.apiVersion = requested;
    if (kind !== this.def.kind)
      return errors.invalid(
        this.def.kind,
        typeof body.metadata?.name === "string" ? body.metadata.name : "",
        [
          {
            reason: "FieldValueInvalid",
            message: `Invalid value: ${JSON.stringify(kind)}: must be ${this.def.kind}`,
            field: "kind",
          },
        ],
        this.def.group,
      );
    body.kind = kind;
    return undefined;
  }

  /** The schema coercion kube's decoder does: metadata through ObjectMeta, pruning, nulls; the unknown paths. */
  private coerce(obj: KubeObject): string[] {
    const unknown: string[] = [];
    if ("metadata" in obj) {
      try {
        const { meta, unknown: metaUnknown } = coerceObjectMeta(obj.metadata);
        obj.metadata = meta;
        unknown.push(...metaUnknown);
      } catch (err) {
        if (!(err instanceof MetadataDecodeError)) throw err;
        throw errors.badRequest(
          `${this.def.kind} in version ${JSON.stringify(this.version.name)} cannot be handled as a ${this.def.kind}: ${err.message}`,
        );
      }
    }
    const s = this.version.structural;
    unknown.push(...prune(obj, s, true));
    pruneNulls(obj, s);
    return unknown;
  }

  decode(body: KubeObject, directive: FieldValidation): string[] {
    const duplicates = (scanOf(body)?.duplicates ?? []).map((d) => `duplicate field ${JSON.stringify(d.path)}`);
    const unknown = this.coerce(body).map((p) => `unknown field ${JSON.stringify(p)}`);
    const issues = [...duplicates, ...unknown];
    if (issues.length && directive === "Strict")
      throw errors.badRequest(
        `${this.def.kind} in version ${JSON.stringify(this.version.name)} cannot be handled as a ${this.def.kind}: strict decoding error: ${issues.join(", ")}`,
      );
    applyDefaults(body, this.version.structural);
    return directive === "Warn" ? issues : [];
  }

  decodePatched(patched: KubeObject, directive: FieldValidation, quoted: () => string): string[] {
    const probe = structuredClone(patched);
    const unknown = this.coerce(probe).map((p) => `unknown field ${JSON.stringify(p)}`);
    if (unknown.length && directive === "Strict") {
      const message = `Invalid value: ${JSON.stringify(quoted())}: strict decoding error: ${unknown.join(", ")}`;
      throw new StatusError("Invalid", ` "" is invalid: patch: ${message}`, {
        causes: [{ reason: "FieldValueInvalid", message, field: "patch" }],
      });
    }
    this.coerce(patched);
    applyDefaults(patched, this.version.structural);
    return directive === "Warn" ? unknown : [];
  }

  admitCreate(name: string): void {
    if (this.def.terminating)
      throw new StatusError(
        "Forbidden",
        `${this.def.plural}.${this.def.group} ${JSON.stringify(name)} is forbidden: create not allowed while custom resource definition is terminating`,
        { name, group: this.def.group, kind: this.def.plural },
      );
  }

  prepareForCreate(obj: KubeObject): KubeObject {
    const v = this.versionOfObject(obj);
    const out = compactMetadata({ ...obj, metadata: { ...obj.metadata, generation: 1 } });
    if (v.status) delete (out as Json).status;
    return out;
  }

  private schemaErrors(obj: KubeObject, old: KubeObject | undefined): FieldError[] {
    const v = this.versionOfObject(obj);
    const errs: FieldError[] = [];
    errs.push(...validateValue(v.props, obj, null, old ? { value: old } : undefined));
    errs.push(...this.scaleSpecErrors(obj, v), ...this.scaleStatusErrors(obj, v));
    return errs;
  }

  private scaleSpecErrors(obj: KubeObject, v: ServedVersion): FieldError[] {
    if (!v.scale?.specReplicasPath) return [];
    const p = v.scale.specReplicasPath;
    const r = nestedInt(obj, p);
    if (r.error) return [invalid(p, { go: String(r.value) }, r.error)];
    if (r.value < 0) return [invalid(p, { go: String(r.value) }, "should be a non-negative integer")];
    if (r.value > 2147483647)
      return [invalid(p, { go: String(r.value) }, "should be less than or equal to 2147483647")];
    return [];
  }

  private scaleStatusErrors(obj: KubeObject, v: ServedVersion): FieldError[] {
    if (!v.scale) return [];
    const errs: FieldError[] = [];
    const p = v.scale.statusReplicasPath ?? "";
    const r = nestedInt(obj, p);
    if (r.error) errs.push(invalid(p, { go: String(r.value) }, r.error));
    else if (r.value < 0) errs.push(invalid(p, { go: String(r.value) }, "should be a non-negative integer"));
    else if (r.value > 2147483647)
      errs.push(invalid(p, { go: String(r.value) }, "should be less than or equal to 2147483647"));
    if (v.scale.labelSelectorPath) {
      const s = nestedString(obj, v.scale.labelSelectorPath);
      if (s.error) errs.push(invalid(v.scale.labelSelectorPath, { go: JSON.stringify(s.value) }, s.error));
    }
    return errs;
  }

  /** CEL last, unless the errors so far would make it meaningless. */
  private withCel(errs: FieldError[], obj: KubeObject, old: KubeObject | undefined): FieldError[] {
    const s = this.versionOfObject(obj).structural;
    if (!hasRules(s)) return errs;
    if (errs.some((e) => BLOCKING.has(e.type))) return [...errs, invalid("<nil>", { go: "null" }, NOT_CHECKED)];
    return [...errs, ...validateCel(s, null, obj, old ? { value: old } : undefined)];
  }

  validateCreate(obj: KubeObject): StatusCause[] {
    const s = this.versionOfObject(obj).structural;
    const errs = [
      ...this.schemaErrors(obj, undefined),
      ...validateEmbedded(null, obj, s, false),
      ...validateListSetsAndMaps(null, s, obj),
    ];
    return toCauses(this.withCel(errs, obj, undefined));
  }

  prepareForUpdate(cur: KubeObject, next: KubeObject): KubeObject {
    const v = this.versionOfObject(next);
    const out = keepSystemFields(cur, next) as Json;
    if (v.status) {
      if ("status" in cur) out.status = cur.status;
      else delete out.status;
    }
    const nonMeta = (o: Json) =>
      Object.fromEntries(Object.entries(o).filter(([k, x]) => k !== "metadata" && x !== undefined));
    const changed = !deepEqual(nonMeta(out), nonMeta(cur as Json));
    const generation = cur.metadata.generation ?? 0;
    return {
      ...(out as KubeObject),
      metadata: { ...(out as KubeObject).metadata, generation: changed ? generation + 1 : generation },
    };
  }

  validateUpdate(next: KubeObject, cur: KubeObject): StatusCause[] {
    const s = this.versionOfObject(next).structural;
    const errs = [...this.schemaErrors(next, cur), ...validateEmbedded(null, next, s, false)];
    if (validateListSetsAndMaps(null, s, cur).length === 0) errs.push(...validateListSetsAndMaps(null, s, next));
    return toCauses(this.withCel(errs, next, cur));
  }

  prepareForStatusUpdate(cur: KubeObject, next: KubeObject): KubeObject {
    const out = structuredClone(cur) as Json;
    const managed = next.metadata?.managedFields;
    if (managed !== undefined) (out.metadata as Json).managedFields = managed;
    if ("status" in next && next.status !== undefined) out.status = next.status;
    else delete out.status;
    return out as KubeObject;
  }

  validateStatusUpdate(next: KubeObject, cur: KubeObject): StatusCause[] {
    const v = this.versionOfObject(next);
    const s = v.structural;
    const errs: FieldError[] = [];
    const properties = v.props?.properties;
    const statusSchema = isObject(properties) ? (properties as Json).status : undefined;
    if ("status" in next && isObject(statusSchema))
      errs.push(
        ...validateValue(
          statusSchema as JSONSchemaProps,
          next.status,
          "status",
          "status" in cur ? { value: cur.status } : undefined,
        ),
      );
    errs.push(...this.scaleStatusErrors(next, v));
    const after = validateListSetsAndMaps(null, s, next);
    if (after.length && validateListSetsAndMaps(null, s, cur).length === 0) errs.push(...after);
    return toCauses(this.withCel(errs, next, cur));
  }

  /** A stored object as served: pruned and defaulted by its version's schema, then in the request's version. */
  served(obj: KubeObject): KubeObject {
    if (typeof obj.kind === "string" && obj.kind !== this.def.kind) return obj;
    const from = this.versionOfObject(obj);
    const out = structuredClone(obj) as KubeObject;
    const s = from.structural;
    if (s) {
      prune(out, s, true);
      pruneNulls(out, s);
      applyDefaults(out, s);
    }
    const converted = convertVersion(this.def, out, this.version.name);
    if (converted !== out && this.version.structural) prune(converted, this.version.structural, true);
    return converted;
  }

  private scaleFor(scale: ScaleSubresource) {
    const specPath = scale.specReplicasPath ?? "";
    const statusPath = scale.statusReplicasPath ?? "";
    const selectorPath = scale.labelSelectorPath ?? "";
    const toScale = (o: KubeObject): KubeObject => {
      const spec = nestedInt(o, specPath);
      const status = nestedInt(o, statusPath);
      const selector = selectorPath ? nestedString(o, selectorPath) : { value: "", found: false };
      const err = spec.error ?? status.error ?? (selector as { error?: string }).error;
      if (err) throw errors.badRequest(err);
      return {
        kind: "Scale",
        apiVersion: "autoscaling/v1",
        metadata: {
          name: o.metadata.name,
          ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
          uid: o.metadata.uid,
          resourceVersion: o.metadata.resourceVersion,
          creationTimestamp: o.metadata.creationTimestamp,
        },
        spec: spec.value ? { replicas: spec.value } : {},
        status: { replicas: status.value, ...(selector.value ? { selector: selector.value } : {}) },
      };
    };
    const apply = (cur: KubeObject, body: unknown): KubeObject => {
      if (!isMap(body)) throw errors.badRequest("the request body must be a JSON object");
      const s = body as { kind?: string; metadata?: { uid?: string }; spec?: { replicas?: unknown } };
      if (s.kind !== undefined && s.kind !== "Scale")
        throw errors.badRequest(`expected input object type to be Scale, but ${s.kind}`);
      const name = cur.metadata.name as string;
      if (s.metadata?.uid && s.metadata.uid !== cur.metadata.uid)
        throw errors.conflict(
          { group: this.def.group, resource: `${this.def.plural}/scale` },
          name,
          `Precondition failed: UID in precondition: ${s.metadata.uid}, UID in object meta: ${cur.metadata.uid}`,
        );
      const found = nestedInt(cur, specPath);
      if (found.error) throw errors.badRequest(found.error);
      const replicas = s.spec?.replicas;
      if (replicas === undefined && !found.found)
        throw errors.badRequest(`the spec replicas field ${JSON.stringify(specPath)} cannot be empty`);
      const value = replicas ?? 0;
      if (typeof value !== "number" || !Number.isInteger(value))
        throw errors.badRequest("unable to decode Scale: spec.replicas must be an integer");
      if (value < 0)
        throw errors.invalid(
          "Scale",
          name,
          [
            {
              reason: "FieldValueInvalid",
              field: "spec.replicas",
              message: `Invalid value: ${value}: must be greater than or equal to 0`,
            },
          ],
          "autoscaling",
        );
      const next = setNested(cur as Json, specPath, value) as KubeObject;
      const prepared = this.prepareForUpdate(cur, next);
      const causes = this.validateUpdate(prepared, cur);
      if (causes.length) throw errors.invalid(this.def.kind, name, causes, this.def.group);
      return prepared;
    };
    return { toScale, apply };
  }
}

/** The resource type one served version of an established definition is requested through. */
export function customResourceType(def: ServedDefinition, version: ServedVersion): ResourceType {
  return {
    group: def.group,
    version: version.name,
    resource: def.plural,
    kind: def.kind,
    singular: def.singular,
    namespaced: def.namespaced,
    ...(def.shortNames ? { shortNames: def.shortNames } : {}),
    ...(def.categories ? { categories: def.categories } : {}),
    subresources: [...(version.status ? ["status"] : []), ...(version.scale ? ["scale"] : [])],
    listKind: def.listKind,
    behaviour: new CustomResourceVersion(def, version),
  };
}

/** Whether a definition's resources are served in `version` (kube's crdHandler checks). */
export function servesVersion(def: ServedDefinition, version: string): boolean {
  return (def.namesAccepted || def.established) && def.versions.some((v) => v.name === version && v.served);
}
