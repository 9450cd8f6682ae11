// kube validates a v1 CRD in its internal form: v1 → internal conversion moves a schema, subresources, printer
// columns or selectable fields that every version has alike up to the spec (which is why its errors may say
// spec.validation.openAPIV3Schema…), copies versions[0].name to spec.version, and turns the webhook settings
// into conversion.webhookClientConfig. Internal values print in errors as Go's json.Marshal of untagged
// structs. Pure.
import { goJson, goJsonString } from "../spec-validation/field-errors.ts";
import { deepEqual } from "./schema/go-values.ts";
import {
  type ColumnDefinition,
  type CRDNames,
  type CRDSpec,
  isObject,
  type JSONSchemaProps,
  type Subresources,
  type ValidationRule,
  type WebhookClientConfig,
} from "./types.ts";

export interface InternalVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: Subresources;
  additionalPrinterColumns?: ColumnDefinition[];
  selectableFields?: { jsonPath?: string }[];
}

export interface InternalSpec {
  group: string;
  version: string;
  names: CRDNames;
  scope: string;
  validation?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: Subresources;
  versions: InternalVersion[];
  additionalPrinterColumns?: ColumnDefinition[];
  selectableFields?: { jsonPath?: string }[];
  conversion?: { strategy: string; webhookClientConfig?: WebhookClientConfig; conversionReviewVersions?: string[] };
  preserveUnknownFields: boolean;
}

const str = (v: unknown) => (typeof v === "string" ? v : "");
/** Semantic.DeepEqual: nil and empty slices and maps are the same. */
const semanticEqual = (a: unknown, b: unknown): boolean => deepEqual(normalizeEmpty(a), normalizeEmpty(b));
function normalizeEmpty(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.length === 0 ? null : v.map(normalizeEmpty);
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const n = normalizeEmpty(x);
      if (n !== null) out[k] = n;
    }
    return out;
  }
  return v;
}

const objOrUndefined = <T>(v: unknown): T | undefined => (isObject(v) ? (v as T) : undefined);
const listOrUndefined = <T>(v: unknown): T[] | undefined => (Array.isArray(v) && v.length ? (v as T[]) : undefined);

export function toInternal(spec: CRDSpec): InternalSpec {
  const versions: InternalVersion[] = (Array.isArray(spec.versions) ? spec.versions : []).map((v) => {
    const x = isObject(v) ? v : {};
    const out: InternalVersion = {
      name: str(x.name),
      served: x.served === true,
      storage: x.storage === true,
      deprecated: x.deprecated === true,
    };
    if (typeof x.deprecationWarning === "string") out.deprecationWarning = x.deprecationWarning;
    const schema = objOrUndefined<{ openAPIV3Schema?: JSONSchemaProps }>(x.schema);
    if (schema) out.schema = schema;
    const subresources = objOrUndefined<Subresources>(x.subresources);
    if (subresources) out.subresources = subresources;
    const columns = listOrUndefined<ColumnDefinition>(x.additionalPrinterColumns);
    if (columns) out.additionalPrinterColumns = columns;
    const fields = listOrUndefined<{ jsonPath?: string }>(x.selectableFields);
    if (fields) out.selectableFields = fields;
    return out;
  });
  const conversion = isObject(spec.conversion) ? spec.conversion : undefined;
  const out: InternalSpec = {
    group: str(spec.group),
    version: versions[0]?.name ?? "",
    names: isObject(spec.names) ? spec.names : {},
    scope: str(spec.scope),
    versions,
    preserveUnknownFields: spec.preserveUnknownFields === true,
  };
  if (conversion) {
    const webhook = isObject(conversion.webhook) ? conversion.webhook : undefined;
    out.conversion = { strategy: str(conversion.strategy) };
    if (webhook) {
      if (Array.isArray(webhook.conversionReviewVersions))
        out.conversion.conversionReviewVersions = webhook.conversionReviewVersions;
      if (isObject(webhook.clientConfig)) out.conversion.webhookClientConfig = webhook.clientConfig;
    }
  }
  if (versions.length === 0) return out;
  const first = versions[0] as InternalVersion;
  const same = (pick: (v: InternalVersion) => unknown) => versions.every((v) => semanticEqual(pick(v), pick(first)));
  if (same((v) => v.subresources)) {
    if (first.subresources) out.subresources = first.subresources;
    for (const v of versions) delete v.subresources;
  }
  if (same((v) => v.schema)) {
    if (first.schema) out.validation = first.schema;
    for (const v of versions) delete v.schema;
  }
  if (same((v) => v.additionalPrinterColumns)) {
    if (first.additionalPrinterColumns) out.additionalPrinterColumns = first.additionalPrinterColumns;
    for (const v of versions) delete v.additionalPrinterColumns;
  }
  if (same((v) => v.selectableFields)) {
    if (first.selectableFields) out.selectableFields = first.selectableFields;
    for (const v of versions) delete v.selectableFields;
  }
  return out;
}

/** The subresources that apply to a version (top-level unless versions carry their own). */
export function subresourcesFor(spec: InternalSpec, version: string): Subresources | undefined {
  if (!spec.versions.some((v) => v.subresources)) return spec.subresources;
  return spec.versions.find((v) => v.name === version)?.subresources;
}

// ---------------------------------------------------------------------------------------------------------
// Go's json.Marshal of the internal (untagged) structs

type Field = [string, string];
const struct = (fields: Field[]) => `{${fields.map(([k, v]) => `${goJsonString(k)}:${v}`).join(",")}}`;
const s = (v: unknown) => goJsonString(str(v));
const b = (v: unknown) => (v === true ? "true" : "false");
const ptrNum = (v: unknown) => (typeof v === "number" ? JSON.stringify(v) : "null");
const ptrStr = (v: unknown) => (typeof v === "string" ? goJsonString(v) : "null");
const strings = (v: unknown) => (Array.isArray(v) ? `[${v.map((x) => goJsonString(String(x))).join(",")}]` : "null");

export function schemaGoJson(p: unknown): string {
  const x = (isObject(p) ? p : {}) as JSONSchemaProps;
  const list = (v: unknown) => (Array.isArray(v) ? `[${v.map(schemaGoJson).join(",")}]` : "null");
  const map = (v: unknown) =>
    isObject(v)
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${goJsonString(k)}:${schemaGoJson(v[k])}`)
          .join(",")}}`
      : "null";
  const json = (v: unknown) => (v === undefined || v === null ? "null" : goJson(v));
  const items =
    x.items === undefined || x.items === null
      ? "null"
      : Array.isArray(x.items)
        ? struct([
            ["Schema", "null"],
            ["JSONSchemas", list(x.items)],
          ])
        : struct([
            ["Schema", schemaGoJson(x.items)],
            ["JSONSchemas", "null"],
          ]);
  const orBool = (v: unknown) =>
    v === undefined || v === null
      ? "null"
      : typeof v === "boolean"
        ? struct([
            ["Allows", b(v)],
            ["Schema", "null"],
          ])
        : struct([
            ["Allows", "true"],
            ["Schema", schemaGoJson(v)],
          ]);
  const docs = isObject(x.externalDocs)
    ? struct([
        ["Description", s(x.externalDocs.description)],
        ["URL", s(x.externalDocs.url)],
      ])
    : "null";
  const rules = Array.isArray(x["x-kubernetes-validations"])
    ? `[${(x["x-kubernetes-validations"] as ValidationRule[])
        .map((r) =>
          struct([
            ["Rule", s(r.rule)],
            ["Message", s(r.message)],
            ["MessageExpression", s(r.messageExpression)],
            ["Reason", ptrStr(r.reason)],
            ["FieldPath", s(r.fieldPath)],
            ["OptionalOldSelf", typeof r.optionalOldSelf === "boolean" ? b(r.optionalOldSelf) : "null"],
          ]),
        )
        .join(",")}]`
    : "null";
  return struct([
    ["ID", s(x.id)],
    ["Schema", s(x.$schema)],
    ["Ref", ptrStr(x.$ref)],
    ["Description", s(x.description)],
    ["Type", s(x.type)],
    ["Nullable", b(x.nullable)],
    ["Format", s(x.format)],
    ["Title", s(x.title)],
    ["Default", json(x.default)],
    ["Maximum", ptrNum(x.maximum)],
    ["ExclusiveMaximum", b(x.exclusiveMaximum)],
    ["Minimum", ptrNum(x.minimum)],
    ["ExclusiveMinimum", b(x.exclusiveMinimum)],
    ["MaxLength", ptrNum(x.maxLength)],
    ["MinLength", ptrNum(x.minLength)],
    ["Pattern", s(x.pattern)],
    ["MaxItems", ptrNum(x.maxItems)],
    ["MinItems", ptrNum(x.minItems)],
    ["UniqueItems", b(x.uniqueItems)],
    ["MultipleOf", ptrNum(x.multipleOf)],
    ["Enum", Array.isArray(x.enum) ? `[${x.enum.map(json).join(",")}]` : "null"],
    ["MaxProperties", ptrNum(x.maxProperties)],
    ["MinProperties", ptrNum(x.minProperties)],
    ["Required", strings(x.required)],
    ["Items", items],
    ["AllOf", list(x.allOf)],
    ["OneOf", list(x.oneOf)],
    ["AnyOf", list(x.anyOf)],
    ["Not", x.not === undefined || x.not === null ? "null" : schemaGoJson(x.not)],
    ["Properties", map(x.properties)],
    ["AdditionalProperties", orBool(x.additionalProperties)],
    ["PatternProperties", map(x.patternProperties)],
    ["Dependencies", "null"],
    ["AdditionalItems", orBool(x.additionalItems)],
    ["Definitions", map(x.definitions)],
    ["ExternalDocs", docs],
    ["Example", json(x.example)],
    [
      "XPreserveUnknownFields",
      typeof x["x-kubernetes-preserve-unknown-fields"] === "boolean"
        ? b(x["x-kubernetes-preserve-unknown-fields"])
        : "null",
    ],
    ["XEmbeddedResource", b(x["x-kubernetes-embedded-resource"])],
    ["XIntOrString", b(x["x-kubernetes-int-or-string"])],
    ["XListMapKeys", strings(x["x-kubernetes-list-map-keys"])],
    ["XListType", ptrStr(x["x-kubernetes-list-type"])],
    ["XMapType", ptrStr(x["x-kubernetes-map-type"])],
    ["XValidations", rules],
  ]);
}

const subresourcesGoJson = (v: Subresources | undefined) =>
  v
    ? struct([
        ["Status", isObject(v.status) ? "{}" : "null"],
        [
          "Scale",
          isObject(v.scale)
            ? struct([
                ["SpecReplicasPath", s(v.scale.specReplicasPath)],
                ["StatusReplicasPath", s(v.scale.statusReplicasPath)],
                ["LabelSelectorPath", ptrStr(v.scale.labelSelectorPath)],
              ])
            : "null",
        ],
      ])
    : "null";

const columnGoJson = (c: ColumnDefinition) =>
  struct([
    ["Name", s(c.name)],
    ["Type", s(c.type)],
    ["Format", s(c.format)],
    ["Description", s(c.description)],
    ["Priority", String(typeof c.priority === "number" ? c.priority : 0)],
    ["JSONPath", s(c.jsonPath)],
  ]);

/** The internal versions list as json.Marshal prints it (the bad value of spec.versions errors). */
export function versionsGoJson(versions: InternalVersion[]): string {
  return `[${versions
    .map((v) =>
      struct([
        ["Name", s(v.name)],
        ["Served", b(v.served)],
        ["Storage", b(v.storage)],
        ["Deprecated", b(v.deprecated)],
        ["DeprecationWarning", ptrStr(v.deprecationWarning)],
        [
          "Schema",
          v.schema
            ? struct([["OpenAPIV3Schema", v.schema.openAPIV3Schema ? schemaGoJson(v.schema.openAPIV3Schema) : "null"]])
            : "null",
        ],
        ["Subresources", subresourcesGoJson(v.subresources)],
        [
          "AdditionalPrinterColumns",
          v.additionalPrinterColumns ? `[${v.additionalPrinterColumns.map(columnGoJson).join(",")}]` : "null",
        ],
        [
          "SelectableFields",
          v.selectableFields
            ? `[${v.selectableFields.map((f) => struct([["JSONPath", s(f.jsonPath)]])).join(",")}]`
            : "null",
        ],
      ]),
    )
    .join(",")}]`;
}
