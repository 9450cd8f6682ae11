// The OpenAPI v3 documents of custom resource group-versions (apiextensions-apiserver pkg/controller/openapi/builder):
// one document per served group-version of established definitions, with the routes kube registers for each
// resource (parameters common to a path's operations at the path) and its schema as kube publishes it (the
// structural schema with int-or-string unfolded, apiVersion, kind and metadata added, embedded resources given
// theirs), plus the meta schemas those refer to, taken from the host's documents. Pure.
import type { ServedDefinition, ServedVersion } from "./custom-resource.ts";
import { isObject, type JSONSchemaProps } from "./types.ts";

type Json = Record<string, unknown>;

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const OBJECT_META_DESCRIPTION =
  "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const LIST_META_DESCRIPTION =
  "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
const API_VERSION = {
  description:
    "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
  type: "string",
};
const KIND = {
  description:
    "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
  type: "string",
};
const EMBEDDED_API_VERSION = {
  description:
    "apiVersion defines the versioned schema of this representation of an object. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
  type: "string",
};
const EMBEDDED_KIND = {
  description:
    "kind is a string value representing the type of this object. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
  type: "string",
};

/** gvkToModelName: the group reversed, then version and kind. */
export const modelName = (group: string, version: string, kind: string) =>
  `${group.split(".").reverse().join(".")}.${version}.${kind}`;

const INT_OR_STRING = [{ type: "integer" }, { type: "string" }];
const isIntOrStringAnyOf = (x: unknown) =>
  Array.isArray(x) &&
  x.length === 2 &&
  JSON.stringify(x[0]) === JSON.stringify(INT_OR_STRING[0]) &&
  JSON.stringify(x[1]) === JSON.stringify(INT_OR_STRING[1]);

/** ToKubeOpenAPI of a nested value validation (allOf/anyOf/oneOf/not members). */
function nested(v: unknown): Json {
  const s = (isObject(v) ? v : {}) as JSONSchemaProps;
  const out: Json = {};
  valueValidation(s, out);
  if (Array.isArray(s["x-kubernetes-validations"]) && s["x-kubernetes-validations"].length)
    out["x-kubernetes-validations"] = s["x-kubernetes-validations"];
  if (isObject(s.items)) out.items = nested(s.items);
  if (isObject(s.properties))
    out.properties = Object.fromEntries(
      Object.keys(s.properties)
        .sort()
        .map((k) => [k, nested((s.properties as Json)[k])]),
    );
  generic(s, out);
  extensions(s, out);
  return out;
}

function generic(s: JSONSchemaProps, out: Json): void {
  if (typeof s.type === "string" && s.type !== "") out.type = s.type;
  if (s.nullable === true) out.nullable = true;
  if (typeof s.description === "string" && s.description !== "") out.description = s.description;
  if (typeof s.title === "string" && s.title !== "") out.title = s.title;
  if (s.default !== undefined && s.default !== null) out.default = s.default;
}

function extensions(s: JSONSchemaProps, out: Json): void {
  if (s["x-kubernetes-preserve-unknown-fields"] === true) out["x-kubernetes-preserve-unknown-fields"] = true;
  if (s["x-kubernetes-embedded-resource"] === true) out["x-kubernetes-embedded-resource"] = true;
  if (s["x-kubernetes-int-or-string"] === true) out["x-kubernetes-int-or-string"] = true;
  if (Array.isArray(s["x-kubernetes-list-map-keys"]) && s["x-kubernetes-list-map-keys"].length)
    out["x-kubernetes-list-map-keys"] = s["x-kubernetes-list-map-keys"];
  if (typeof s["x-kubernetes-list-type"] === "string") out["x-kubernetes-list-type"] = s["x-kubernetes-list-type"];
  if (typeof s["x-kubernetes-map-type"] === "string") out["x-kubernetes-map-type"] = s["x-kubernetes-map-type"];
}

function valueValidation(s: JSONSchemaProps, out: Json): void {
  for (const k of ["format", "pattern"] as const) if (typeof s[k] === "string" && s[k] !== "") out[k] = s[k];
  for (const k of [
    "maximum",
    "minimum",
    "maxLength",
    "minLength",
    "maxItems",
    "minItems",
    "multipleOf",
    "maxProperties",
    "minProperties",
  ] as const)
    if (typeof s[k] === "number") out[k] = s[k];
  for (const k of ["exclusiveMaximum", "exclusiveMinimum", "uniqueItems"] as const) if (s[k] === true) out[k] = true;
  if (Array.isArray(s.enum)) out.enum = s.enum;
  if (Array.isArray(s.required) && s.required.length) out.required = s.required;
  for (const k of ["allOf", "anyOf", "oneOf"] as const)
    if (Array.isArray(s[k]) && s[k].length) out[k] = (s[k] as unknown[]).map(nested);
  if (isObject(s.not)) out.not = nested(s.not);
}

/** Structural.Unfold then ToKubeOpenAPI, with the embedded resources' apiVersion, kind and metadata added. */
export function publishedSchema(s: JSONSchemaProps): Json {
  const out: Json = {};
  if (isObject(s.items)) out.items = publishedSchema(s.items as JSONSchemaProps);
  if (isObject(s.properties))
    out.properties = Object.fromEntries(
      Object.keys(s.properties)
        .sort()
        .map((k) => [k, publishedSchema((s.properties as Json)[k] as JSONSchemaProps)]),
    );
  if (s.additionalProperties !== undefined && s.additionalProperties !== null)
    out.additionalProperties = isObject(s.additionalProperties)
      ? publishedSchema(s.additionalProperties as JSONSchemaProps)
      : s.additionalProperties;
  generic(s, out);
  extensions(s, out);
  valueValidation(s, out);
  if (Array.isArray(s["x-kubernetes-validations"]) && s["x-kubernetes-validations"].length)
    out["x-kubernetes-validations"] = s["x-kubernetes-validations"];
  // Unfold: int-or-string is published as anyOf integer/string.
  if (s["x-kubernetes-int-or-string"] === true) {
    const allOf = Array.isArray(s.allOf) ? s.allOf : [];
    if (!isIntOrStringAnyOf(s.anyOf) && !(allOf.length && isIntOrStringAnyOf((allOf[0] as Json)?.anyOf))) {
      if (!Array.isArray(s.anyOf)) out.anyOf = INT_OR_STRING.map((x) => ({ ...x }));
      else out.allOf = [{ anyOf: INT_OR_STRING.map((x) => ({ ...x })) }, ...((out.allOf as unknown[]) ?? [])];
    }
  }
  if (s["x-kubernetes-embedded-resource"] === true) {
    const props = (out.properties ?? {}) as Json;
    props.apiVersion = { ...EMBEDDED_API_VERSION };
    props.kind = { ...EMBEDDED_KIND };
    props.metadata = { description: OBJECT_META_DESCRIPTION, allOf: [ref(`${META}.ObjectMeta`)] };
    out.properties = props;
    const required = [...((out.required as string[]) ?? [])];
    if (!required.includes("kind")) required.push("kind");
    if (!required.includes("apiVersion")) required.push("apiVersion");
    out.required = required;
  }
  return out;
}

const gvk = (group: string, version: string, kind: string) => ({ group, version, kind });

function resourceSchema(def: ServedDefinition, v: ServedVersion): Json {
  const out: Json = v.props ? publishedSchema(v.props) : { type: "object" };
  if (v.props) {
    const props = (out.properties ?? {}) as Json;
    props.metadata = { description: OBJECT_META_DESCRIPTION, allOf: [ref(`${META}.ObjectMeta`)] };
    props.apiVersion = { ...API_VERSION };
    props.kind = { ...KIND };
    out.properties = props;
  }
  out["x-kubernetes-group-version-kind"] = [{ group: def.group, kind: def.kind, version: v.name }];
  if (v.selectableFields.length)
    out["x-kubernetes-selectable-fields"] = v.selectableFields.map((f) => ({ fieldPath: f }));
  return out;
}

function listSchema(def: ServedDefinition, v: ServedVersion): Json {
  const kindName = typeof def.crd.spec?.names?.kind === "string" ? def.crd.spec.names.kind : def.kind;
  const listKind = typeof def.crd.spec?.names?.listKind === "string" ? def.crd.spec.names.listKind : def.listKind;
  const out: Json = {
    description: `${listKind} is a list of ${kindName}`,
    type: "object",
    required: ["items"],
    properties: {
      apiVersion: { ...API_VERSION },
      items: {
        description: `List of ${def.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
        type: "array",
        items: ref(modelName(def.group, v.name, kindName)),
      },
      kind: { ...KIND },
      metadata: { description: LIST_META_DESCRIPTION, allOf: [ref(`${META}.ListMeta`)] },
    },
    "x-kubernetes-group-version-kind": [{ group: def.group, kind: listKind, version: v.name }],
  };
  if (v.selectableFields.length)
    out["x-kubernetes-selectable-fields"] = v.selectableFields.map((f) => ({ fieldPath: f }));
  return out;
}

/** The query and path parameters kube's routes take, as the host's documents describe them. */
export type ParameterSource = (name: string) => Json | undefined;

const LIST_PARAMS = [
  "allowWatchBookmarks",
  "continue",
  "fieldSelector",
  "labelSelector",
  "limit",
  "resourceVersion",
  "resourceVersionMatch",
  "sendInitialEvents",
  "timeoutSeconds",
  "watch",
];
const PARAMS: Record<string, string[]> = {
  list: LIST_PARAMS,
  deletecollection: LIST_PARAMS,
  post: ["dryRun", "fieldManager", "fieldValidation"],
  put: ["dryRun", "fieldManager", "fieldValidation"],
  patch: ["dryRun", "fieldManager", "fieldValidation", "force"],
  get: ["resourceVersion"],
  delete: [
    "dryRun",
    "gracePeriodSeconds",
    "ignoreStoreReadErrorWithClusterBreakingPotential",
    "orphanDependents",
    "propagationPolicy",
  ],
};

const content = (schema: Json, types = ["application/json", "application/yaml"]) =>
  Object.fromEntries(types.map((t) => [t, { schema }]));
const responses = (codes: [string, string][], schema: Json) => ({
  ...Object.fromEntries(codes.map(([code, description]) => [code, { description, content: content(schema) }])),
  "401": { description: "Unauthorized" },
});

const title = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const article = (noun: string) => (/^[aeiou]/i.test(noun) ? " an " : " a ");

/** One group-version's document for the definitions that serve it. */
export function customResourceDocument(
  defs: ServedDefinition[],
  group: string,
  version: string,
  param: ParameterSource,
  meta: (name: string) => Json | undefined,
): Json {
  const groupId = group
    .split(/[.-]/)
    .map((p, i) => (i === 0 ? p : title(p)))
    .join("");
  const tag = `${groupId}_${version}`;
  const opPrefix = `${title(groupId)}${title(version)}`;
  const paths: Json = {};
  const schemas: Json = {};
  const wanted = new Set<string>();
  const paramOf = (name: string, kind: string): Json => {
    if (name === "name")
      return {
        name: "name",
        in: "path",
        description: `name of the ${kind}`,
        required: true,
        schema: { type: "string", uniqueItems: true },
      };
    const p = param(name);
    return p ? structuredClone(p) : { name, in: "query", schema: { type: "string", uniqueItems: true } };
  };
  for (const def of defs) {
    const v = def.versions.find((x) => x.name === version && x.served);
    if (!v || !def.established || def.group !== group) continue;
    const kind = typeof def.crd.spec?.names?.kind === "string" ? def.crd.spec.names.kind : def.kind;
    const listKind = typeof def.crd.spec?.names?.listKind === "string" ? def.crd.spec.names.listKind : def.listKind;
    const model = modelName(group, version, kind);
    schemas[model] = resourceSchema(def, v);
    schemas[modelName(group, version, listKind)] = listSchema(def, v);
    const sample = ref(model);
    const list = ref(modelName(group, version, listKind));
    const status = ref(`${META}.Status`);
    const patch = ref(`${META}.Patch`);
    const scale = ref("io.k8s.api.autoscaling.v1.Scale");
    wanted
      .add(`${META}.ObjectMeta`)
      .add(`${META}.ListMeta`)
      .add(`${META}.Status`)
      .add(`${META}.Patch`)
      .add(`${META}.DeleteOptions`);
    const namespaced = def.namespaced ? "Namespaced" : "";
    const gvkExt = gvk(group, version, kind);
    type Route = {
      method: string;
      action: string;
      verb: string;
      sub: string;
      returns: Json;
      codes: [string, string][];
      body?: Json;
      bodyTypes?: string[];
      op: string;
    };
    const routesFor = (root: string): [string, Route[]][] => {
      const coll: Route[] = [
        {
          method: "get",
          action: "list",
          verb: "list",
          sub: "",
          returns: list,
          codes: [["200", "OK"]],
          op: `list${opPrefix}${namespaced}${kind}`,
        },
        {
          method: "post",
          action: "post",
          verb: "create",
          sub: "",
          returns: sample,
          codes: [
            ["200", "OK"],
            ["201", "Created"],
            ["202", "Accepted"],
          ],
          body: sample,
          op: `create${opPrefix}${namespaced}${kind}`,
        },
        {
          method: "delete",
          action: "deletecollection",
          verb: "deletecollection",
          sub: "",
          returns: status,
          codes: [["200", "OK"]],
          op: `delete${opPrefix}Collection${namespaced}${kind}`,
        },
      ];
      const item = (sub: string, returns: Json): Route[] => {
        const s = title(sub);
        return [
          {
            method: "get",
            action: "get",
            verb: "read",
            sub,
            returns,
            codes: [["200", "OK"]],
            op: `read${opPrefix}${namespaced}${kind}${s}`,
          },
          {
            method: "put",
            action: "put",
            verb: "replace",
            sub,
            returns,
            codes: [
              ["200", "OK"],
              ["201", "Created"],
            ],
            body: returns,
            op: `replace${opPrefix}${namespaced}${kind}${s}`,
          },
          ...(sub === ""
            ? [
                {
                  method: "delete",
                  action: "delete",
                  verb: "delete",
                  sub,
                  returns: status,
                  codes: [
                    ["200", "OK"],
                    ["202", "Accepted"],
                  ] as [string, string][],
                  body: ref(`${META}.DeleteOptions`),
                  op: `delete${opPrefix}${namespaced}${kind}`,
                },
              ]
            : []),
          {
            method: "patch",
            action: "patch",
            verb: "patch",
            sub,
            returns,
            codes: [["200", "OK"]],
            body: patch,
            bodyTypes: ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json"],
            op: `patch${opPrefix}${namespaced}${kind}${s}`,
          },
        ];
      };
      const out: [string, Route[]][] = [
        [root, coll],
        [`${root}/{name}`, item("", sample)],
      ];
      if (v.status) out.push([`${root}/{name}/status`, item("status", sample)]);
      if (v.scale) {
        out.push([`${root}/{name}/scale`, item("scale", scale)]);
        wanted.add("io.k8s.api.autoscaling.v1.Scale");
      }
      return out;
    };
    const root = def.namespaced
      ? `/apis/${group}/${version}/namespaces/{namespace}/${def.plural}`
      : `/apis/${group}/${version}/${def.plural}`;
    const all: [string, Route[]][] = routesFor(root);
    if (def.namespaced)
      all.unshift([
        `/apis/${group}/${version}/${def.plural}`,
        [
          {
            method: "get",
            action: "list",
            verb: "list",
            sub: "",
            returns: list,
            codes: [["200", "OK"]],
            op: `list${opPrefix}${kind}ForAllNamespaces`,
          },
        ],
      ]);
    for (const [path, routes] of all) {
      const item: Json = {};
      const perOp = routes.map((r) => {
        const names = [
          ...(path.includes("{name}") ? ["name"] : []),
          ...(path.includes("{namespace}") ? ["namespace"] : []),
          "pretty",
          ...(PARAMS[r.action] ?? []),
        ];
        return { r, names };
      });
      const common = perOp[0]?.names.filter((n) => perOp.every((o) => o.names.includes(n))) ?? [];
      for (const { r, names } of perOp) {
        const sub = r.sub ? ` ${r.sub} of` : "";
        const description =
          r.verb === "list"
            ? `list objects of kind ${kind}`
            : r.verb === "create" || r.verb === "delete"
              ? `${r.verb}${sub}${article(kind)}${kind}`
              : r.verb === "deletecollection"
                ? `delete collection of ${kind}`
                : r.verb === "patch"
                  ? `partially update${sub} the specified ${kind}`
                  : `${r.verb}${sub} the specified ${kind}`;
        const params = names
          .filter((n) => !common.includes(n))
          .sort()
          .map((n) => paramOf(n, kind));
        const op: Json = {
          tags: [tag],
          description,
          operationId: r.op,
          ...(params.length ? { parameters: params } : {}),
          ...(r.body
            ? {
                requestBody: {
                  content: content(r.body, r.bodyTypes),
                  ...(r.action === "delete" ? {} : { required: true }),
                },
              }
            : {}),
          responses: responses(r.codes, r.returns),
          "x-kubernetes-action": r.action,
          "x-kubernetes-group-version-kind": gvkExt,
        };
        item[r.method] = op;
      }
      item.parameters = [...common].sort().map((n) => paramOf(n, kind));
      paths[path] = item;
    }
  }
  // The meta schemas the resources refer to, and theirs in turn.
  const queue = [...wanted];
  for (let i = 0; i < queue.length; i++) {
    const name = queue[i] as string;
    if (schemas[name]) continue;
    const s = meta(name);
    if (!s) continue;
    schemas[name] = s;
    for (const m of JSON.stringify(s).matchAll(/"#\/components\/schemas\/([^"]+)"/g))
      if (!queue.includes(m[1] as string)) queue.push(m[1] as string);
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes CRD Swagger", version: "v0.1.0" },
    paths,
    components: { schemas },
  };
}

/** Every served group-version of established definitions, as `apis/<group>/<version>`. */
export function customResourcePaths(defs: ServedDefinition[]): { path: string; group: string; version: string }[] {
  const out = new Map<string, { path: string; group: string; version: string }>();
  for (const d of defs)
    if (d.established)
      for (const v of d.versions)
        if (v.served)
          out.set(`apis/${d.group}/${v.name}`, { path: `apis/${d.group}/${v.name}`, group: d.group, version: v.name });
  return [...out.values()];
}

/** Keeps the served custom resource documents current with the definitions. */
export class CustomResourceOpenAPI {
  private readonly source: { definitions(): ServedDefinition[]; onChange(l: () => void): () => void };
  private readonly target: {
    setCustomDocuments(docs: Map<string, object>): void;
    hostParameter(name: string): Json | undefined;
    readonly typeDefinitions: Record<string, unknown> | undefined;
  };
  private unsubscribe: (() => void) | undefined;
  private pending: NodeJS.Immediate | undefined;

  constructor(source: CustomResourceOpenAPI["source"], target: CustomResourceOpenAPI["target"]) {
    this.source = source;
    this.target = target;
  }

  start(): void {
    this.unsubscribe = this.source.onChange(() => {
      // Many definitions applied at once rebuild the documents once.
      this.pending ??= setImmediate(() => {
        this.pending = undefined;
        this.publish();
      });
    });
    this.publish();
  }

  stop(): void {
    this.unsubscribe?.();
    if (this.pending) clearImmediate(this.pending);
  }

  publish(): void {
    const defs = this.source.definitions();
    const docs = new Map<string, object>();
    for (const { path, group, version } of customResourcePaths(defs))
      docs.set(
        path,
        customResourceDocument(
          defs,
          group,
          version,
          (n) => this.target.hostParameter(n),
          (n) => this.target.typeDefinitions?.[n] as Json | undefined,
        ),
      );
    this.target.setCustomDocuments(docs);
  }
}
