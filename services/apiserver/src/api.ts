import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { errors, isStatusError, type KubeObject, parseFieldSelector, parseLabelSelector, StatusError } from "@evk/kube";
import type { ObjectRef, Store, WatchCache } from "@evk/store";
import { ACCESS_REVIEWS, answerReview } from "./access-review.ts";
import {
  Admission,
  type Admitted,
  attributesFor,
  beforeSystemFields,
  type Operation,
  withSystemFields,
  writeOptions,
} from "./admission/index.ts";
import { decodeObjectBody, decodePatchBody, kindMismatch, mediaTypeOf, unsupportedBodyType } from "./body.ts";
import { Conversions, inOrder } from "./conversion.ts";
import type { CustomResources } from "./crd/registry.ts";
import { admissionReads, applyDefaults, cacheReads } from "./defaults/index.ts";
import { deleteHonouringFinalizers, podGracePeriod } from "./deletion.ts";
import { dryRunStore, isDryRun } from "./dry-run.ts";
import { budgetsFor, decideEviction, withDisruptionTarget } from "./eviction.ts";
import { fieldLabelConversion } from "./field-labels.ts";
import {
  fieldValidationOf,
  quoteStrategicPatch,
  setWarnings,
  validateBody,
  validatePatched,
} from "./field-validation.ts";
import { checkListOptions, resourceVersionProblem } from "./list-options.ts";
import { decodeApplyBody, strictApplyError } from "./managed-fields/apply-body.ts";
import { checkWriteOptions, FieldManager, forceOf, managerOf } from "./managed-fields/index.ts";
import { metadataProblems, metadataUpdateProblems } from "./metadata-validation.ts";
import { isHeld, markTerminating, refuseContentIn, refuseDeletion } from "./namespace-lifecycle.ts";
import type { Schema, SchemaIndex } from "./openapi-schema.ts";
import { applyPatch, type PatchType, patchTypeOf, ReasonlessError } from "./patch.ts";
import { resize } from "./pod-resize.ts";
import type { PodStreams } from "./pod-streams.ts";
import { decodeKubeProtobuf } from "./protobuf.ts";
import type { ResourceRequest } from "./request-info.ts";
import {
  apiVersionOf,
  componentStatuses,
  lookupResource,
  NO_DELETECOLLECTION,
  type ResourceType,
  requestWarnings,
} from "./resources.ts";
import { negotiateRequest, outputOf, plainJson, sendNegotiated, sendStatus, watchStream } from "./responses.ts";
import {
  createCauses,
  decodeProblem,
  specProblems,
  specUpdateProblems,
  statusUpdateProblems,
} from "./spec-validation/index.ts";
import {
  applyScale,
  type Binding,
  bindPod,
  prepareForCreate,
  prepareForEphemeralContainers,
  prepareForFinalize,
  prepareForStatusUpdate,
  prepareForUpdate,
  stampRequester,
  toScale,
  tracksGeneration,
  validateBinding,
} from "./subresources.ts";
import { type Printer, TABLE_CONTENT_TYPE, tableColumns, toTable } from "./tables/index.ts";
import { answerTokenReview } from "./token-review.ts";
import type { ServiceAccountTokens, TokenRequestBody, UserInfo } from "./tokens.ts";
import { nameCauses, updateResourceVersionProblem } from "./validation.ts";

/** The kinds subresources write when they are not their resource's own, as admission names them. */
const SCALE = { group: "autoscaling", version: "v1", kind: "Scale" };
const EVICTION = { group: "policy", version: "v1", kind: "Eviction" };
const BINDING = { group: "", version: "v1", kind: "Binding" };
const TOKEN_REQUEST = { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" };
/** The legacy namespaces/<ns>/bindings endpoint, a resource of its own to admission. */
const LEGACY_BINDINGS: ResourceType = {
  group: "",
  version: "v1",
  resource: "bindings",
  kind: "Binding",
  singular: "binding",
  namespaced: true,
};

/** A subresource create past mutating admission: its object as admission left it, and the rest to run. */
type SubresourceAdmission = Admitted & { object: KubeObject; warnings: string[] };

/**
 * The object of a create on a subresource as kube's create handler hands it to admission: of the
 * subresource's kind, in the request's namespace, with the system fields wiped unless the storage keeps them
 * (a binding's and a token request's uid is a precondition).
 */
function createdObject(
  body: unknown,
  kind: { group: string; version: string; kind: string },
  namespace: string | undefined,
  keepSystemFields: boolean,
): KubeObject {
  const o = (body && typeof body === "object" && !Array.isArray(body) ? body : {}) as Partial<KubeObject>;
  const metadata: KubeObject["metadata"] = { ...(o.metadata ?? {}) };
  if (namespace && metadata.namespace && metadata.namespace !== namespace)
    throw errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
  if (namespace) metadata.namespace = namespace;
  if (!keepSystemFields) {
    for (const k of ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"])
      delete (metadata as Record<string, unknown>)[k];
  }
  return { ...o, kind: kind.kind, apiVersion: apiVersionOf(kind), metadata };
}

/** kube-apiserver's limit on request bodies. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = "application/json"): void {
  // A request that negotiated protobuf, YAML, indented JSON or a transform (responses.ts).
  const negotiated = outputOf(res.req);
  if (negotiated) {
    sendNegotiated(res, code, body, negotiated);
    return;
  }
  // Go's json.Encoder, which kube-apiserver writes with, ends every document with a newline.
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(code, { "content-type": contentType, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const se = isStatusError(err) ? err : errors.internal((err as Error)?.message ?? String(err));
  if (res.headersSent) {
    res.end();
    return;
  }
  // A Status in the media type the Accept header asks for, transforms aside (kube's ErrorNegotiated).
  if (!plainJson(res.req)) {
    sendStatus(res, se);
    return;
  }
  const text = `${JSON.stringify(se.toStatus())}\n`;
  res.writeHead(se.code, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * A request body. With `kind`, an object of that kind (create, update) in any media type kube takes for one;
 * with `patch`, a patch of that type; each refused in kube's words (body.ts).
 */
async function readBody(
  req: IncomingMessage,
  opts: { protobuf?: boolean; kind?: string; patch?: PatchType } = {},
): Promise<unknown> {
  const ct = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
  // Protobuf bodies (typed client-go clients, kubectl's create generators) become the JSON a Go client would
  // have sent (protobuf.ts); a kind it cannot decode gets a 415 that says why, never a JSON parse error.
  if (ct === "application/vnd.kubernetes.protobuf") return decodeKubeProtobuf(await readRaw(req));
  if (opts.kind !== undefined) {
    // The media type is checked before the body is read, as kube negotiates the decoder first.
    if (!["application/json", "application/yaml"].includes(mediaTypeOf(ct))) throw unsupportedBodyType();
    return decodeObjectBody(await readRaw(req), ct, opts.kind);
  }
  if (opts.patch !== undefined) return decodePatchBody(await readRaw(req), opts.patch);
  const text = (await readRaw(req)).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw errors.badRequest(
      `the body of the request was in an unknown format - accepted media types include: application/json (${(err as Error).message})`,
    );
  }
}

async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) throw errors.entityTooLarge(MAX_BODY_BYTES);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

const watchLines = new WeakMap<object, Map<string, Buffer>>();

/** One watch event's line (`{"type":…,"object":…}` and a newline), encoded once for every watcher. */
function watchLine(ev: { json(): string }, kind: string): Buffer {
  let byKind = watchLines.get(ev);
  if (!byKind) {
    byKind = new Map();
    watchLines.set(ev, byKind);
  }
  let line = byKind.get(kind);
  if (!line) {
    line = Buffer.from(`{"type":"${kind}","object":${ev.json()}}\n`);
    byKind.set(kind, line);
  }
  return line;
}

/** The object an update of the main resource stores, or kube's 422 for metadata or spec it refuses. */
function checkedUpdate(type: ResourceType, cur: KubeObject, next: KubeObject): KubeObject {
  const problems = metadataUpdateProblems(cur, next);
  // kube validates what the strategy's PrepareForUpdate left (status kept, allocated values kept…).
  const b = type.behaviour;
  const prepared = b?.prepareForUpdate ? b.prepareForUpdate(cur, next) : prepareForUpdate(type, cur, next);
  problems.push(...(b?.validateUpdate ? b.validateUpdate(prepared, cur) : specUpdateProblems(type, cur, prepared)));
  if (problems.length) throw errors.invalid(type.kind, cur.metadata.name as string, problems, type.group);
  return prepared;
}

/**
 * A custom resource's server-side apply result as kube's CR field manager leaves it: pruned of fields its
 * schema does not declare, then defaulted (other kinds are left alone).
 */
function decodeApplied(type: ResourceType, obj: KubeObject): void {
  type.behaviour?.decodePatched?.(obj, "Ignore", () => "");
}

/** Serves the resource API of one virtual cluster from its Store (writes) and WatchCache (reads, watches). */
export class ResourceApi {
  private readonly store: Store;
  private readonly cache: WatchCache;
  private readonly tokens: ServiceAccountTokens | undefined;
  /** Who a bearer token is, as the server authenticates it (for TokenReview); set by the server. */
  reviewToken: ((token: string) => Promise<UserInfo | undefined>) | undefined;
  apiAudiences: string[] = [];
  /** pods/log, exec, attach and portforward (pod-streams.ts); set by the server. */
  podStreams: PodStreams | undefined;
  /** Resources served in versions other than the one they are stored in (conversion.ts). */
  readonly conversions = new Conversions();
  /** The custom resources the cluster's CustomResourceDefinitions define, once the server sets them. */
  customResources: CustomResources | undefined;
  /** Admission webhooks and policies (admission/): every write passes through `admission.write`. */
  readonly admission: Admission;

  /** The served OpenAPI schemas (strategic merge patch metadata, field validation), once there are any. */
  private readonly openapi: { readonly schemas: SchemaIndex | undefined } | undefined;
  /** metadata.managedFields of every write, and server-side apply (managed-fields/). */
  private readonly fields: FieldManager;

  constructor(
    store: Store,
    cache: WatchCache,
    tokens?: ServiceAccountTokens,
    openapi?: {
      readonly schemas: SchemaIndex | undefined;
      readonly typeDefinitions?: Record<string, unknown> | undefined;
    },
  ) {
    this.store = store;
    this.cache = cache;
    this.tokens = tokens;
    this.openapi = openapi;
    this.fields = new FieldManager({
      definitions: () => openapi?.typeDefinitions,
      // What kube's field manager sees is the request decoded (defaulted), before admission and the strategy.
      decode: (t, o, now) => applyDefaults(t.group, t.resource, o, { subresource: "decode", now: () => now }),
    });
    this.admission = new Admission(cache, store);
  }

  /** A write's admission attributes: who does what to which object, in kube's terms. */
  private attributes(
    type: ResourceType,
    info: ResourceRequest,
    operation: Operation,
    objects: {
      name?: string;
      object?: unknown;
      oldObject?: unknown;
      options: Record<string, unknown>;
      /** The kind a subresource writes when it is not the resource's own (Scale, Eviction, Binding…). */
      kind?: { group: string; version: string; kind: string };
    },
    user: UserInfo | undefined,
  ) {
    const dryRun = Array.isArray(objects.options.dryRun) && objects.options.dryRun.length > 0;
    return attributesFor(type, {
      ...(info.subresource ? { subresource: info.subresource } : {}),
      ...(objects.kind ? { kind: objects.kind } : {}),
      namespace: type.namespaced ? info.namespace : undefined,
      name: objects.name ?? info.name ?? "",
      operation,
      object: objects.object,
      oldObject: objects.oldObject,
      dryRun,
      options: objects.options,
      user,
    });
  }

  /** The attributes of an UPDATE of the resource or the request's subresource (`kind`: a subresource's own). */
  private updating(
    type: ResourceType,
    info: ResourceRequest,
    query: URLSearchParams,
    user: UserInfo | undefined,
    object: unknown,
    oldObject: unknown,
    kind?: { group: string; version: string; kind: string },
  ) {
    return () =>
      this.attributes(
        type,
        info,
        "UPDATE",
        { object, oldObject, options: writeOptions("UpdateOptions", query), ...(kind ? { kind } : {}) },
        user,
      );
  }

  /** How admission sees a write's objects (the request's version) and how a webhook's patch is decoded. */
  private admissionHooks(type: ResourceType, readmit?: (o: KubeObject) => KubeObject) {
    return {
      view: (o: Record<string, unknown>) => this.served(type, o as KubeObject),
      unview: (o: Record<string, unknown>) => this.conversions.toStorage(type, o as KubeObject),
      decode: (o: Record<string, unknown>) =>
        applyDefaults(type.group, type.resource, o as KubeObject, { subresource: "admission" }),
      ...(readmit ? { readmit: (o: Record<string, unknown>) => readmit(o as KubeObject) } : {}),
    };
  }

  private schemaOf(group: string, version: string, kind: string): { index: SchemaIndex; schema: Schema } | undefined {
    const index = this.openapi?.schemas;
    const schema = index?.kind(group, version, kind);
    return index && schema ? { index, schema } : undefined;
  }

  /** Unknown fields of a create or update body: dropped, refused (Strict) or warned about (Warn). */
  private validateFields(type: ResourceType, obj: KubeObject, query: URLSearchParams, verb: "create" | "update") {
    const directive = fieldValidationOf(query, verb);
    if (type.behaviour?.decode) return type.behaviour.decode(obj, directive);
    const s = this.schemaOf(type.group, type.version, type.kind);
    return s ? validateBody(s.index, s.schema, type.kind, type.version, obj, directive) : [];
  }

  /** Applies a patch with the kind's strategic-merge metadata and validates the result's fields. */
  private patcher(
    type: { group: string; version: string; kind: string; behaviour?: ResourceType["behaviour"] },
    pt: PatchType,
    body: unknown,
    query: URLSearchParams,
  ) {
    const directive = fieldValidationOf(query, "patch");
    // Custom resources have no strategic merge metadata (so kube answers such patches with 415).
    const decodePatched = type.behaviour?.decodePatched?.bind(type.behaviour);
    const s = decodePatched ? undefined : this.schemaOf(type.group, type.version, type.kind);
    const out = { warnings: [] as string[] };
    const apply = (cur: KubeObject): KubeObject => {
      // Strategic merge patch consumes its patch (and kube quotes what is left of it), so each try gets a copy.
      const patch = pt === "strategic" ? structuredClone(body) : body;
      const next = applyPatch(cur, pt, patch, s ? s.index.patchMeta(s.schema) : undefined);
      if (decodePatched) {
        out.warnings = decodePatched(next, directive, () => JSON.stringify(next));
        return next;
      }
      out.warnings = s
        ? validatePatched(
            s.index,
            s.schema,
            next,
            directive,
            pt === "strategic" ? quoteStrategicPatch(patch) : () => JSON.stringify(next),
          )
        : [];
      return next;
    };
    return Object.assign(out, { apply });
  }

  /**
   * The deprecated v1 ComponentStatus: evk's one component behind the API is its etcd, healthy when a
   * quorum read answers. (Its controller-manager, when run, is a client like any other.)
   */
  private async componentStatuses(name: string | undefined, res: ServerResponse): Promise<void> {
    let condition = { type: "Healthy", status: "True", message: "ok" } as Record<string, string>;
    try {
      await this.store.list({ group: "", resource: "namespaces" }, { limit: 1 });
    } catch (err) {
      condition = { type: "Healthy", status: "False", error: (err as Error).message };
    }
    const etcd = { kind: "ComponentStatus", apiVersion: "v1", metadata: { name: "etcd-0" }, conditions: [condition] };
    if (name === undefined)
      return sendJson(res, 200, { kind: "ComponentStatusList", apiVersion: "v1", metadata: {}, items: [etcd] });
    if (name !== "etcd-0") throw errors.notFound({ group: "", resource: "componentstatuses" }, name);
    return sendJson(res, 200, etcd);
  }

  async handle(
    info: ResourceRequest,
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
    user?: UserInfo,
  ): Promise<void> {
    if (info.group === "authentication.k8s.io" && info.version === "v1" && info.resource === "selfsubjectreviews") {
      createOnly(info, false);
      negotiateRequest(req, "authentication.k8s.io/v1", "SelfSubjectReview", info.verb);
      await readBody(req, { protobuf: true });
      return sendJson(res, 201, {
        kind: "SelfSubjectReview",
        apiVersion: "authentication.k8s.io/v1",
        metadata: { creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z") },
        status: { userInfo: user ?? { username: "system:anonymous", groups: ["system:unauthenticated"] } },
      });
    }
    if (info.group === "" && info.version === "v1" && info.resource === "componentstatuses" && !info.namespace) {
      if (info.verb !== "get" && info.verb !== "list")
        throw new StatusError("MethodNotAllowed", `${info.verb} is not supported on componentstatuses`);
      setWarnings(res, requestWarnings(componentStatuses));
      negotiateRequest(req, "v1", "ComponentStatus", info.verb);
      return this.componentStatuses(info.name, res);
    }
    if (info.group === "authentication.k8s.io" && info.version === "v1" && info.resource === "tokenreviews") {
      if (info.verb !== "create" || info.name || info.namespace || !this.reviewToken)
        throw new StatusError("NotFound", "the server could not find the requested resource");
      negotiateRequest(req, "authentication.k8s.io/v1", "TokenReview", info.verb);
      const review = await answerTokenReview(
        await readBody(req, { protobuf: true }),
        this.reviewToken,
        this.apiAudiences,
      );
      return sendJson(res, 201, review);
    }
    if (info.group === "authorization.k8s.io" && info.version === "v1" && ACCESS_REVIEWS[info.resource]) {
      createOnly(info, ACCESS_REVIEWS[info.resource]?.namespaced ?? false);
      negotiateRequest(req, "authorization.k8s.io/v1", "SubjectAccessReview", info.verb);
      return sendJson(res, 201, answerReview(info.resource, info.namespace, await readBody(req, { protobuf: true })));
    }
    if (info.group === "" && info.version === "v1" && info.resource === "bindings" && info.namespace && !info.name) {
      if (info.verb !== "create")
        throw new StatusError("MethodNotAllowed", `${info.verb} is not supported on bindings`);
      negotiateRequest(req, "v1", "Binding", info.verb);
      // The legacy binding endpoint: the pod is named by the Binding itself.
      const b = (await readBody(req)) as Binding | undefined;
      const pods = lookupResource("", "v1", "pods") as ResourceType;
      const name = b?.metadata?.name ?? "";
      const admitted = await this.admitSubresourceCreate(LEGACY_BINDINGS, info, BINDING, b, false, query, user, name);
      return this.bind(pods, info.namespace, name, (admitted.mutated ?? b) as Binding, res, admitted, query);
    }
    let type = lookupResource(info.group, info.version, info.resource, this.customResources);
    if (!type && this.customResources) {
      // A definition established a moment ago may not be in the cache yet: look again once it is as fresh as etcd.
      await this.cache.sync();
      type = lookupResource(info.group, info.version, info.resource, this.customResources);
    }
    if (!type || (info.subresource && !(type.subresources ?? []).includes(info.subresource))) {
      throw new StatusError("NotFound", "the server could not find the requested resource");
    }
    // A custom resource's deprecated version is told before anything is checked (the CRD handler's order).
    if (type.behaviour) setWarnings(res, requestWarnings(type));
    if (type.namespaced === false && info.namespace)
      throw new StatusError("NotFound", "the server could not find the requested resource");
    // kube routes POST to a collection and PUT and PATCH to an object; the other way round is no method there.
    if (
      !info.subresource &&
      (info.verb === "create" ? Boolean(info.name) : ["update", "patch"].includes(info.verb) && !info.name)
    )
      throw methodNotAllowed();
    // go-restful refuses a PATCH's content type (415) before the answer's media type is negotiated (406).
    if (info.verb === "patch") requirePatchType(req);
    // A deprecated kind is told on every route kube has for it (its installer wraps each route's handler).
    if (!type.behaviour && !info.subresource) setWarnings(res, requestWarnings(type));
    negotiateRequest(req, apiVersionOf(type), type.kind, info.verb, info.subresource);
    if (info.subresource) return this.subresource(type, info, info.subresource, req, res, query, user);
    const ref = (name: string) => ({
      group: type.group,
      resource: type.resource,
      namespace: type.namespaced ? info.namespace : undefined,
      name,
    });
    // dryRun=All: every check of a real write, nothing written.
    let store =
      ["create", "update", "patch", "delete"].includes(info.verb) && isDryRun(query.getAll("dryRun"))
        ? dryRunStore(this.store)
        : this.store;
    switch (info.verb) {
      case "get": {
        const rvProblem = resourceVersionProblem(query.get("resourceVersion") ?? "");
        if (rvProblem) throw new ReasonlessError(rvProblem);
        // resourceVersion=0 means "any version": served from memory. Otherwise a quorum read from etcd,
        // as kube-apiserver does for single objects.
        const cached =
          query.get("resourceVersion") === "0" ? this.cache.get(ref(info.name as string))?.object : undefined;
        const obj = cached ?? (await this.store.get(ref(info.name as string)));
        const columns = this.tableFor(type, req);
        if (columns) {
          const table = await this.table(
            type,
            columns,
            [obj],
            { resourceVersion: obj.metadata.resourceVersion },
            query.get("includeObject"),
          );
          return sendJson(res, 200, table, TABLE_CONTENT_TYPE);
        }
        return sendJson(res, 200, await this.served(type, obj));
      }
      case "list": {
        checkListOptions(query, false, fieldLabelConversion(type));
        const list = await this.list(type, info, query);
        const columns = this.tableFor(type, req);
        if (columns)
          return sendJson(
            res,
            200,
            await this.table(type, columns, list.items, list.metadata, query.get("includeObject")),
            TABLE_CONTENT_TYPE,
          );
        return sendJson(res, 200, { ...list, items: await this.servedAll(type, list.items) });
      }
      case "watch":
        checkListOptions(query, true, fieldLabelConversion(type));
        return this.watch(type, info, req, res, query);
      case "create": {
        checkWriteOptions(query, "CreateOptions");
        const given = stampRequester(type, this.checkBody(type, info, await readBody(req, { kind: type.kind })), user);
        const undecodable = decodeProblem(type, given);
        if (undecodable) throw undecodable;
        const warnings = this.validateFields(type, given, query, "create");
        const manager = managerOf(query, req.headers["user-agent"]);
        const created = await this.createObject(type, info, store, query, user, given, warnings, (prepared) =>
          this.fields.created(type, given, manager, prepared),
        );
        setWarnings(res, warnings);
        return sendJson(res, 201, await this.served(type, created));
      }
      case "update": {
        checkWriteOptions(query, "UpdateOptions");
        const given = this.checkBody(type, info, await readBody(req, { kind: type.kind }));
        const undecodable = decodeProblem(type, given);
        if (undecodable) throw undecodable;
        const warnings = this.validateFields(type, given, query, "update");
        const obj = await this.conversions.toStorage(type, given);
        if (obj.metadata.name !== info.name)
          throw errors.badRequest(
            `the name of the object (${obj.metadata.name}) does not match the name on the URL (${info.name})`,
          );
        const rv = obj.metadata.resourceVersion;
        const manager = managerOf(query, req.headers["user-agent"]);
        const updated = await store.guaranteedUpdate(ref(info.name as string), async (cur) => {
          const rvProblem = updateResourceVersionProblem(type, info.name as string, rv);
          if (rvProblem) throw rvProblem;
          // 0, like none, is an unconditional update.
          if (rv && rv !== "0" && rv !== cur.metadata.resourceVersion) throw errors.modified(type, info.name as string);
          const stored = await this.admitUpdate(type, info, query, user, cur, obj, warnings);
          return this.fields.updated(type, await this.served(type, cur), given, manager, stored);
        });
        setWarnings(res, warnings);
        return sendJson(
          res,
          200,
          await this.served(type, await this.finishDeletion(store, ref(info.name as string), updated)),
        );
      }
      case "patch": {
        const pt = requirePatchType(req);
        if (pt === "apply") return this.serverSideApply(type, info, req, res, query, store, user);
        const body = await readBody(req, { patch: pt });
        checkWriteOptions(query, "PatchOptions", pt);
        const patcher = this.patcher(type, pt, body, query);
        const admissionWarnings: string[] = [];
        const manager = managerOf(query, req.headers["user-agent"]);
        const patched = await store.guaranteedUpdate(ref(info.name as string), async (cur) => {
          // The patch applies to the object in the request's version, as kube's does.
          const live = await this.served(type, cur);
          const requested = patcher.apply(live);
          const next = await this.conversions.toStorage(type, requested);
          const rv = next.metadata?.resourceVersion;
          if (rv && rv !== cur.metadata.resourceVersion) throw errors.modified(type, info.name as string);
          admissionWarnings.length = 0;
          const stored = await this.admitUpdate(type, info, query, user, cur, next, admissionWarnings);
          return this.fields.updated(type, live, requested, manager, stored);
        });
        setWarnings(res, [...patcher.warnings, ...admissionWarnings]);
        return sendJson(
          res,
          200,
          await this.served(type, await this.finishDeletion(store, ref(info.name as string), patched)),
        );
      }
      case "deletecollection": {
        if (NO_DELETECOLLECTION.has(`${type.group}/${type.resource}`))
          throw new StatusError("MethodNotAllowed", "the server does not allow this method on the requested resource");
        const opts = ((await readBody(req)) ?? {}) as DeleteOptionsBody;
        if (Array.isArray(opts.dryRun) && isDryRun(opts.dryRun)) store = dryRunStore(this.store);
        const requestedGrace = parseGracePeriod(query.get("gracePeriodSeconds") ?? opts.gracePeriodSeconds);
        const propagation = query.get("propagationPolicy") ?? opts.propagationPolicy;
        const extra =
          propagation === "Orphan" ? ["orphan"] : propagation === "Foreground" ? ["foregroundDeletion"] : [];
        // What the selectors match now (a consistent list), each deleted as a single delete would be.
        const { items } = await this.list(
          type,
          info,
          new URLSearchParams({
            ...(query.get("labelSelector") ? { labelSelector: query.get("labelSelector") as string } : {}),
            ...(query.get("fieldSelector") ? { fieldSelector: query.get("fieldSelector") as string } : {}),
          }),
        );
        const deleted: KubeObject[] = [];
        const warnings: string[] = [];
        for (const item of items as KubeObject[]) {
          try {
            await this.admitDelete(type, info, item.metadata.name as string, query, opts, user, warnings);
            deleted.push(
              await deleteHonouringFinalizers(store, type, ref(item.metadata.name as string), {
                extraFinalizers: extra,
                ...(type.resource === "pods" && !type.group
                  ? { gracePeriod: (cur: KubeObject) => podGracePeriod(cur, requestedGrace) }
                  : {}),
              }),
            );
          } catch (err) {
            if (!isStatusError(err, "NotFound")) throw err; // gone meanwhile: nothing to delete
          }
        }
        setWarnings(res, warnings);
        return sendJson(res, 200, {
          kind: type.listKind ?? `${type.kind}List`,
          apiVersion: apiVersionOf(type),
          metadata: {},
          items: await this.servedAll(type, deleted),
        });
      }
      case "delete": {
        const opts = ((await readBody(req)) ?? {}) as DeleteOptionsBody;
        // kubectl puts a delete's dryRun in the DeleteOptions body.
        if (Array.isArray(opts.dryRun) && isDryRun(opts.dryRun)) store = dryRunStore(this.store);
        const propagation =
          query.get("propagationPolicy") ?? opts.propagationPolicy ?? (opts.orphanDependents ? "Orphan" : undefined);
        if (propagation && !["Orphan", "Foreground", "Background"].includes(propagation)) {
          throw errors.invalid(
            "DeleteOptions",
            "",
            [
              {
                reason: "FieldValueNotSupported",
                message: `Unsupported value: ${JSON.stringify(propagation)}: supported values: "Foreground", "Background", "Orphan", "nil"`,
                field: "propagationPolicy",
              },
            ],
            "meta.k8s.io",
          );
        }
        const pre = {
          ...(opts.preconditions?.uid ? { uid: opts.preconditions.uid } : {}),
          ...(opts.preconditions?.resourceVersion ? { resourceVersion: opts.preconditions.resourceVersion } : {}),
        };
        // Orphan and Foreground are recorded as finalizers, which the garbage collector acts on and removes.
        const extra =
          propagation === "Orphan" ? ["orphan"] : propagation === "Foreground" ? ["foregroundDeletion"] : [];
        const warnings: string[] = [];
        if (type.resource === "namespaces" && !type.group) refuseDeletion(info.name as string);
        const isNamespace = type.resource === "namespaces" && !type.group;
        await this.admitDelete(
          type,
          info,
          info.name as string,
          query,
          opts,
          user,
          warnings,
          isNamespace ? undefined : pre,
        );
        setWarnings(res, warnings);
        if (type.resource === "namespaces" && !type.group) {
          const current = await store.get(ref(info.name as string));
          if (current.metadata.deletionTimestamp) {
            // Already Terminating: kube refuses while content removal is pending, and deletes once
            // /finalize has emptied spec.finalizers (what kube-controller-manager's namespace controller does).
            if (((current.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length > 0)
              throw errors.conflict(
                type,
                info.name as string,
                "The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.",
              );
            const result = await deleteHonouringFinalizers(store, type, ref(info.name as string), {
              check: (cur) => checkPreconditions(type, cur, pre),
              extraFinalizers: extra,
            });
            return sendJson(res, 200, result);
          }
          // A namespace goes Terminating; the namespace finalizer empties and removes it.
          const terminating = await store.guaranteedUpdate(ref(info.name as string), (cur) => {
            checkPreconditions(type, cur, pre);
            const finalizers = [...new Set([...(cur.metadata.finalizers ?? []), ...extra])];
            return markTerminating({
              ...cur,
              metadata: { ...cur.metadata, ...(finalizers.length ? { finalizers } : {}) },
            });
          });
          return sendJson(res, 200, terminating);
        }
        if (type.behaviour?.delete)
          return sendJson(
            res,
            200,
            await this.served(type, await type.behaviour.delete(store, ref(info.name as string), pre)),
          );
        const requestedGrace = parseGracePeriod(query.get("gracePeriodSeconds") ?? opts.gracePeriodSeconds);
        const result = await deleteHonouringFinalizers(store, type, ref(info.name as string), {
          check: (cur) => checkPreconditions(type, cur, pre, true),
          extraFinalizers: extra,
          ...(type.resource === "pods" && !type.group
            ? { gracePeriod: (cur: KubeObject) => podGracePeriod(cur, requestedGrace) }
            : {}),
        });
        // kube answers a graceful delete (the object still exists) with 200 and the object; a delete that
        // removed the object with the object too for some kinds, with a Success Status naming it for the rest.
        const held = result.metadata.deletionTimestamp !== undefined;
        if (!held && !RETURNS_DELETED_OBJECT.has(`${type.group}/${type.resource}`))
          return sendJson(res, 200, {
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Success",
            details: {
              name: result.metadata.name,
              ...(type.group ? { group: type.group } : {}),
              kind: type.resource,
              uid: result.metadata.uid,
            },
          });
        return sendJson(res, 200, await this.served(type, result));
      }
      default:
        throw new StatusError("MethodNotAllowed", `${info.verb} is not supported on ${type.resource} yet`);
    }
  }

  /**
   * PATCH with application/apply-patch+yaml: server-side apply of the body by its fieldManager, creating the
   * object when there is none (managed-fields/ merges it and settles ownership).
   */
  private async serverSideApply(
    type: ResourceType,
    info: ResourceRequest,
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
    store: Store,
    user: UserInfo | undefined,
  ): Promise<void> {
    const raw = await readRaw(req);
    checkWriteOptions(query, "PatchOptions", "apply");
    const directive = fieldValidationOf(query, "patch");
    const force = forceOf(query);
    const manager = query.get("fieldManager") as string;
    const name = info.name as string;
    const r: ObjectRef = {
      group: type.group,
      resource: type.resource,
      namespace: type.namespaced ? info.namespace : undefined,
      name,
    };
    const body = decodeApplyBody(raw);
    const warnings: string[] = [];
    // kube checks the body strictly only once the apply has merged.
    const strictly = () => {
      if (body.duplicates.length === 0 || directive === "Ignore") return;
      if (directive === "Strict") throw strictApplyError(body.duplicates);
      warnings.push(...body.duplicates);
    };
    const matchesRequest = (o: KubeObject, live: KubeObject | undefined) => {
      const m = o.metadata ?? {};
      if (!m.name)
        throw errors.badRequest(
          `the name of the object (${name} based on URL) was undeterminable: name must be provided`,
        );
      if (m.name !== name)
        throw errors.badRequest(`the name of the object (${m.name}) does not match the name on the URL (${name})`);
      if (type.namespaced && m.namespace && m.namespace !== info.namespace)
        throw errors.badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      if (!live && m.uid)
        throw errors.conflict(
          type,
          name,
          `uid mismatch: the provided object specified uid ${m.uid}, and no existing object was found`,
        );
    };
    for (let attempt = 0; ; attempt++) {
      warnings.length = 0;
      const existing = await this.store.get(r).catch((err: unknown) => {
        if (isStatusError(err, "NotFound")) return undefined;
        throw err;
      });
      if (!existing) {
        const applied = this.fields.applied(type, undefined, body.object, manager, force);
        strictly();
        matchesRequest(applied.object, undefined);
        decodeApplied(type, applied.object);
        try {
          const created = await this.createObject(type, info, store, query, user, applied.object, warnings, (p) =>
            applied.finish(p),
          );
          setWarnings(res, warnings);
          return sendJson(res, 201, await this.served(type, created));
        } catch (err) {
          // Created by someone else meanwhile: apply to theirs.
          if (isStatusError(err, "AlreadyExists") && attempt < 3) continue;
          throw err;
        }
      }
      let updated: KubeObject;
      try {
        updated = await store.guaranteedUpdate(r, async (cur) => {
          warnings.length = 0;
          const live = await this.served(type, cur);
          const applied = this.fields.applied(type, live, body.object, manager, force);
          strictly();
          matchesRequest(applied.object, live);
          decodeApplied(type, applied.object);
          const next = await this.conversions.toStorage(type, applied.object);
          const rv = next.metadata?.resourceVersion;
          if (rv && rv !== cur.metadata.resourceVersion) throw errors.modified(type, name);
          return applied.finish(await this.admitUpdate(type, info, query, user, cur, next, warnings));
        });
      } catch (err) {
        // Deleted meanwhile: the apply creates it.
        if (isStatusError(err, "NotFound") && attempt < 3) continue;
        throw err;
      }
      setWarnings(res, warnings);
      return sendJson(res, 200, await this.served(type, await this.finishDeletion(store, r, updated)));
    }
  }

  /**
   * An update of the main resource to `next` (in its storage version) over `cur`, as kube runs one: decoding
   * defaults and built-in admission, webhooks and policies, the strategy and validation. Returns what is to be
   * stored, before its managedFields.
   */
  private admitUpdate(
    type: ResourceType,
    info: ResourceRequest,
    query: URLSearchParams,
    user: UserInfo | undefined,
    cur: KubeObject,
    next: KubeObject,
    warnings: string[],
  ): Promise<KubeObject> {
    const builtIn = (o: KubeObject) =>
      applyDefaults(type.group, type.resource, o, { operation: "update", old: cur, reads: cacheReads(this.cache) });
    const defaulted = builtIn(next);
    return this.admission.write(
      this.updating(type, info, query, user, defaulted, cur),
      this.admissionHooks(type, builtIn),
      (mutated) => checkedUpdate(type, cur, (mutated ?? defaulted) as KubeObject),
      warnings,
    );
  }

  /**
   * A create (POST, or an apply to an object that does not exist yet) from `given`, the request's object:
   * defaulting, admission, the strategy and validation as kube runs them; `stamp` gives the stored object its
   * managedFields.
   */
  private async createObject(
    type: ResourceType,
    info: ResourceRequest,
    store: Store,
    query: URLSearchParams,
    user: UserInfo | undefined,
    given: KubeObject,
    warnings: string[],
    stamp: (prepared: KubeObject) => KubeObject,
  ): Promise<KubeObject> {
    const ref = (name: string) => ({
      group: type.group,
      resource: type.resource,
      namespace: type.namespaced ? info.namespace : undefined,
      name,
    });
    // From here on the object is in its storage version, as kube's is in its internal one.
    const obj = await this.conversions.toStorage(type, given);
    const name =
      obj.metadata.name ||
      (obj.metadata.generateName ? `${obj.metadata.generateName.slice(0, 58)}${randomSuffix()}` : "");
    await this.requireNamespace(type, info, name);
    type.behaviour?.admitCreate?.(name);
    // Reported with the spec's problems: kube validates both after defaulting, admission and PrepareForCreate.
    const metaProblems = [...nameCauses(type, name, obj.metadata.generateName), ...metadataProblems(obj)];
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const meta = {
      ...obj.metadata,
      name,
      uid: randomUUID(),
      creationTimestamp: now,
      ...(tracksGeneration(type) ? { generation: 1 } : { generation: undefined }),
    };
    if (type.namespaced) meta.namespace = info.namespace;
    delete meta.resourceVersion;
    // Defaulting and built-in admission, then (admission.write) mutating webhooks, the strategy's
    // PrepareForCreate with what it adds on top and validation, then validating policies and webhooks.
    const reads = await admissionReads(this.cache, type.group, type.resource, info.namespace, obj);
    const builtIn = (o: KubeObject) => applyDefaults(type.group, type.resource, o, { stage: "admission", reads });
    const defaultingFailed = (err: unknown) => {
      // Defaulting may trip over what the metadata checks refuse anyway.
      if (metaProblems.length && !isStatusError(err)) return errors.invalid(type.kind, name, metaProblems, type.group);
      return err;
    };
    let admitted: KubeObject;
    try {
      admitted = builtIn({
        ...obj,
        apiVersion: apiVersionOf(this.storedType(type)),
        kind: type.kind,
        metadata: meta,
      });
    } catch (err) {
      throw defaultingFailed(err);
    }
    const prepared = await this.admission.write(
      () =>
        this.attributes(
          type,
          info,
          "CREATE",
          {
            name: obj.metadata.name ?? "",
            object: beforeSystemFields(admitted, !obj.metadata.name),
            options: writeOptions("CreateOptions", query),
          },
          user,
        ),
      this.admissionHooks(type, builtIn),
      (mutated) => {
        let out: KubeObject;
        try {
          const o = mutated === undefined ? admitted : (withSystemFields(mutated, admitted) as KubeObject);
          out = type.behaviour?.prepareForCreate
            ? type.behaviour.prepareForCreate(o)
            : applyDefaults(type.group, type.resource, prepareForCreate(type, o), { stage: "strategy" });
        } catch (err) {
          throw defaultingFailed(err);
        }
        const spec = type.behaviour?.validateCreate ? type.behaviour.validateCreate(out) : specProblems(type, out);
        const causes = createCauses(type, metaProblems, spec);
        if (causes.length) throw errors.invalid(type.kind, name, causes, type.group);
        return out;
      },
      warnings,
    );
    const created = await store.create(ref(name), stamp(prepared));
    warnings.push(...(type.behaviour?.warningsOnCreate?.(prepared) ?? []));
    return created;
  }

  /**
   * Admission of a DELETE (or of one object of a deletecollection): webhooks and policies see the object as it
   * is now, after the request's preconditions, as kube's deleteValidation does.
   */
  private async admitDelete(
    type: ResourceType,
    info: ResourceRequest,
    name: string,
    query: URLSearchParams,
    opts: DeleteOptionsBody,
    user: UserInfo | undefined,
    warnings: string[],
    pre?: { uid?: string; resourceVersion?: string },
  ): Promise<void> {
    if (this.admission.idle) return;
    const r = {
      group: type.group,
      resource: type.resource,
      namespace: type.namespaced ? info.namespace : undefined,
      name,
    };
    const cur = await this.store.get(r);
    if (pre) checkPreconditions(type, cur, pre, true);
    const dryRun = query.getAll("dryRun").length ? query.getAll("dryRun") : opts.dryRun;
    const grace = query.get("gracePeriodSeconds") ?? opts.gracePeriodSeconds;
    const options = {
      kind: "DeleteOptions",
      apiVersion: "meta.k8s.io/v1",
      ...(grace !== undefined && grace !== null ? { gracePeriodSeconds: Number(grace) } : {}),
      ...(opts.preconditions ? { preconditions: opts.preconditions } : {}),
      ...(opts.orphanDependents !== undefined ? { orphanDependents: opts.orphanDependents } : {}),
      ...((query.get("propagationPolicy") ?? opts.propagationPolicy)
        ? { propagationPolicy: query.get("propagationPolicy") ?? opts.propagationPolicy }
        : {}),
      ...(dryRun?.length ? { dryRun } : {}),
    };
    await this.admission.write(
      () => this.attributes(type, info, "DELETE", { name, oldObject: cur, options }, user),
      this.admissionHooks(type),
      () => undefined,
      warnings,
    );
  }

  private async subresource(
    type: ResourceType,
    info: ResourceRequest,
    sub: string,
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
    user?: UserInfo,
  ): Promise<void> {
    const name = info.name;
    if (!name) throw new StatusError("NotFound", "the server could not find the requested resource");
    const r: ObjectRef = {
      group: type.group,
      resource: type.resource,
      namespace: type.namespaced ? info.namespace : undefined,
      name,
    };
    const notAllowed = () =>
      new StatusError("MethodNotAllowed", `the server does not allow this method on the requested resource`);
    switch (sub) {
      case "approval": // certificatesigningrequests: the approval conditions live in status
      case "status":
        return this.statusWrite(type, info, r, req, res, user, prepareForStatusUpdate);
      case "ephemeralcontainers":
        if (info.verb === "create" || info.verb === "delete") throw notAllowed();
        return this.statusWrite(type, info, r, req, res, user, (_t, cur, next) =>
          prepareForEphemeralContainers(cur, next),
        );
      case "resize":
        if (!["get", "update", "patch"].includes(info.verb)) throw notAllowed();
        return this.statusWrite(type, info, r, req, res, user, (_t, cur, next) => resize(cur, next));
      case "finalize":
        if (info.verb !== "update") throw notAllowed();
        return this.statusWrite(type, info, r, req, res, user, (_t, cur, next) => prepareForFinalize(cur, next));
      case "scale":
        return this.scale(type, info, r, req, res, user);
      case "eviction": {
        if (info.verb !== "create") throw notAllowed();
        const body = (await readBody(req)) as EvictionBody | undefined;
        const admitted = await this.admitSubresourceCreate(type, info, EVICTION, body, false, query, user);
        return this.evict(r, query, (admitted.mutated ?? body) as EvictionBody | undefined, res, admitted);
      }
      case "binding": {
        if (info.verb !== "create") throw notAllowed();
        const body = (await readBody(req)) as Binding | undefined;
        const admitted = await this.admitSubresourceCreate(type, info, BINDING, body, true, query, user);
        return this.bind(
          type,
          info.namespace as string,
          name,
          (admitted.mutated ?? body) as Binding,
          res,
          admitted,
          query,
        );
      }
      case "log":
      case "exec":
      case "attach":
      case "portforward":
        if (!this.podStreams) throw new StatusError("NotFound", "the server could not find the requested resource");
        return this.podStreams.serve(sub, info, req, res, query, user);
      case "token": {
        if (info.verb !== "create") throw notAllowed();
        if (!this.tokens) throw new StatusError("ServiceUnavailable", "service account tokens are not served");
        const body = ((await readBody(req, { protobuf: true })) ?? {}) as TokenRequestBody;
        if (typeof body !== "object" || Array.isArray(body))
          throw errors.badRequest("the request body must be a JSON object");
        const admitted = await this.admitSubresourceCreate(type, info, TOKEN_REQUEST, body, true, query, user);
        const out = await this.tokens.issue(
          info.namespace as string,
          name,
          (admitted.mutated ?? body) as TokenRequestBody,
          (request) => admitted.validate(request),
        );
        setWarnings(res, [...admitted.warnings, ...out.warnings]);
        return sendJson(res, 201, out.object);
      }
      default:
        throw new StatusError("NotFound", "the server could not find the requested resource");
    }
  }

  /**
   * Mutating admission of a subresource create (an eviction, a binding, a token request), whose object is of its
   * own kind, decoded as kube's create handler decodes it; its validating half is the storage's to run.
   */
  private async admitSubresourceCreate(
    type: ResourceType,
    info: ResourceRequest,
    kind: { group: string; version: string; kind: string },
    body: unknown,
    keepSystemFields: boolean,
    query: URLSearchParams,
    user: UserInfo | undefined,
    name?: string,
  ): Promise<SubresourceAdmission> {
    const object = createdObject(body, kind, type.namespaced ? info.namespace : undefined, keepSystemFields);
    const warnings: string[] = [];
    const admitted = await this.admission.admit(
      () =>
        this.attributes(
          type,
          info,
          "CREATE",
          { ...(name === undefined ? {} : { name }), object, options: writeOptions("CreateOptions", query), kind },
          user,
        ),
      {},
      warnings,
    );
    return {
      mutated: admitted.mutated,
      object: (admitted.mutated ?? object) as KubeObject,
      validate: admitted.validate,
      warnings,
    };
  }

  /**
   * pods/eviction: delete the pod if its disruption budget allows, charging the budget first so that
   * concurrent evictions cannot overdraw it (eviction.ts decides; a budget write conflict decides again).
   */
  private async evict(
    r: ObjectRef,
    query: URLSearchParams,
    body: EvictionBody | undefined,
    res: ServerResponse,
    admitted: SubresourceAdmission,
  ) {
    if (body?.metadata?.name !== undefined && body.metadata.name !== r.name)
      throw errors.badRequest("name in URL does not match name in Eviction object");
    const opts = body?.deleteOptions ?? {};
    // Validating admission sees the request's dryRun in the eviction's own deleteOptions (kube's propagateDryRun).
    const queryDryRun = query.getAll("dryRun");
    await admitted.validate(
      body?.deleteOptions && !body.deleteOptions.dryRun?.length && queryDryRun.length
        ? { ...admitted.object, deleteOptions: { ...body.deleteOptions, dryRun: queryDryRun } }
        : admitted.object,
    );
    setWarnings(res, admitted.warnings);
    const dryRun = isDryRun(queryDryRun) || (Array.isArray(opts.dryRun) && isDryRun(opts.dryRun));
    const store = dryRun ? dryRunStore(this.store) : this.store;
    const pods = lookupResource("", "v1", "pods") as ResourceType;
    const pdbs = { group: "policy", resource: "poddisruptionbudgets", namespace: r.namespace };
    for (let attempt = 0; ; attempt++) {
      const pod = await this.store.get(r);
      const { items } = await this.store.list(pdbs, { namespace: r.namespace });
      const decision = decideEviction(pod, budgetsFor(pod, items as KubeObject[]), new Date());
      if (decision.action === "charge") {
        try {
          await store.update({ ...pdbs, name: decision.budget.metadata.name as string }, decision.budget, {
            resourceVersion: decision.budget.metadata.resourceVersion as string,
          });
        } catch (err) {
          if (isStatusError(err, "Conflict") && attempt < 5) continue;
          throw err;
        }
      }
      if (!pod.metadata.deletionTimestamp)
        await store.guaranteedUpdate(r, (cur) => withDisruptionTarget(cur, new Date()));
      const requestedGrace = parseGracePeriod(opts.gracePeriodSeconds ?? undefined);
      await deleteHonouringFinalizers(store, pods, r, {
        check: (cur) => checkPreconditions(pods, cur, opts.preconditions ?? {}),
        gracePeriod: (cur: KubeObject) => podGracePeriod(cur, requestedGrace),
      });
      return sendJson(res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
    }
  }

  /** GET, PUT and PATCH of a subresource that writes part of the object (status, finalize). */
  private async statusWrite(
    type: ResourceType,
    info: ResourceRequest,
    r: ObjectRef,
    req: IncomingMessage,
    res: ServerResponse,
    user: UserInfo | undefined,
    strategy: (type: ResourceType, cur: KubeObject, next: KubeObject) => KubeObject,
  ): Promise<void> {
    const name = r.name;
    if (info.verb === "get") return sendJson(res, 200, await this.served(type, await this.store.get(r)));
    const query = new URL(req.url ?? "/", "http://localhost").searchParams;
    // dryRun=All: every check of a real write, nothing written.
    const store = isDryRun(query.getAll("dryRun")) ? dryRunStore(this.store) : this.store;
    const target = { ...type, subresource: info.subresource ?? "status" };
    const manager = managerOf(query, req.headers["user-agent"]);
    // Set by an apply: what the apply gives the stored object (its managedFields).
    let applied: ((out: KubeObject) => KubeObject) | undefined;
    const warnings: string[] = [];
    let next: (cur: KubeObject) => KubeObject | Promise<KubeObject>;
    if (info.verb === "update") {
      checkWriteOptions(query, "UpdateOptions");
      const obj = await this.conversions.toStorage(
        type,
        this.checkBody(type, info, await readBody(req, { kind: type.kind })),
      );
      if (obj.metadata.name !== name)
        throw errors.badRequest(
          `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
        );
      next = () => obj;
    } else if (info.verb === "patch" && requirePatchType(req) === "apply") {
      const raw = await readRaw(req);
      checkWriteOptions(query, "PatchOptions", "apply");
      const directive = fieldValidationOf(query, "patch");
      const force = forceOf(query);
      const body = decodeApplyBody(raw);
      next = (cur) => {
        const a = this.fields.applied(target, cur, body.object, query.get("fieldManager") as string, force);
        warnings.length = 0;
        if (body.duplicates.length > 0 && directive === "Strict") throw strictApplyError(body.duplicates);
        if (directive === "Warn") warnings.push(...body.duplicates);
        applied = a.finish;
        return a.object;
      };
    } else if (info.verb === "patch") {
      const pt = requirePatchType(req);
      const body = await readBody(req, { patch: pt });
      checkWriteOptions(query, "PatchOptions", pt);
      const s = this.schemaOf(type.group, type.version, type.kind);
      next = async (cur) =>
        this.conversions.toStorage(
          type,
          applyPatch(
            await this.served(type, cur),
            pt,
            pt === "strategic" ? structuredClone(body) : body,
            s?.index.patchMeta(s.schema),
          ),
        );
    } else {
      throw new StatusError("MethodNotAllowed", "the server does not allow this method on the requested resource");
    }
    const updated = await store.guaranteedUpdate(r, async (cur) => {
      warnings.length = 0;
      const n = await next(cur);
      const rv = n.metadata?.resourceVersion;
      if (rv && rv !== cur.metadata.resourceVersion) throw errors.modified(type, name);
      if (n.metadata?.uid && n.metadata.uid !== cur.metadata.uid)
        throw errors.conflict(
          type,
          name,
          `Precondition failed: UID in precondition: ${n.metadata.uid}, UID in object meta: ${cur.metadata.uid}`,
        );
      // A subresource body is decoded (defaulted) like any other; the strategy then takes only its part.
      const defaulted = applyDefaults(
        type.group,
        type.resource,
        { ...n, metadata: n.metadata ?? {} },
        { operation: "update", old: cur, subresource: info.subresource ?? "status" },
      );
      const b = info.subresource === "status" ? type.behaviour : undefined;
      // Admitted as kube admits a subresource update: webhooks and policies see the whole object.
      const stored = await this.admission.write(
        this.updating(type, info, query, user, defaulted, cur),
        this.admissionHooks(type),
        (mutated) => {
          const given = (mutated ?? defaulted) as KubeObject;
          const prepared = b?.prepareForStatusUpdate
            ? b.prepareForStatusUpdate(cur, given)
            : strategy(type, cur, given);
          const problems = b?.validateStatusUpdate
            ? b.validateStatusUpdate(prepared, cur)
            : statusUpdateProblems(type, info.subresource ?? "status", cur, prepared);
          if (problems.length) throw errors.invalid(type.kind, name, problems, type.group);
          return prepared;
        },
        warnings,
      );
      return applied ? applied(stored) : this.fields.updated(target, cur, defaulted, manager, stored, true);
    });
    setWarnings(res, warnings);
    return sendJson(res, 200, await this.served(type, await this.finishDeletion(store, r, updated)));
  }

  /** /scale of deployments, replicasets and statefulsets as autoscaling/v1 Scale. */
  private async scale(
    type: ResourceType,
    info: ResourceRequest,
    r: ObjectRef,
    req: IncomingMessage,
    res: ServerResponse,
    user: UserInfo | undefined,
  ) {
    const notFound = (err: unknown) => {
      throw isStatusError(err, "NotFound") ? errors.notFound(type, r.name) : err;
    };
    const custom = type.behaviour?.scale;
    const scaleOf = custom ? custom.toScale : toScale;
    if (info.verb === "get") return sendJson(res, 200, scaleOf(await this.store.get(r).catch(notFound)));
    const query = new URL(req.url ?? "/", "http://localhost").searchParams;
    const store = isDryRun(query.getAll("dryRun")) ? dryRunStore(this.store) : this.store;
    const manager = managerOf(query, req.headers["user-agent"]);
    // The parent as stored, with the managedFields of the Scale write.
    let finish: (cur: KubeObject, scale: unknown, out: KubeObject) => KubeObject = (cur, scale, out) =>
      this.fields.scaled(type, cur, scaleOf(cur), scale as KubeObject, manager, out);
    let desired: (cur: KubeObject) => unknown;
    if (info.verb === "patch" && requirePatchType(req) === "apply") {
      const raw = await readRaw(req);
      checkWriteOptions(query, "PatchOptions", "apply");
      const force = forceOf(query);
      const body = decodeApplyBody(raw);
      if (body.duplicates.length > 0 && fieldValidationOf(query, "patch") === "Strict")
        throw strictApplyError(body.duplicates);
      let done: ((out: KubeObject) => KubeObject) | undefined;
      desired = (cur) => {
        const a = this.fields.scaleApplied(type, cur, scaleOf(cur), body.object, manager, force);
        done = a.finish;
        return a.scale;
      };
      finish = (_cur, _scale, out) => (done as (out: KubeObject) => KubeObject)(out);
    } else if (info.verb === "update") {
      checkWriteOptions(query, "UpdateOptions");
      const body = await readBody(req);
      const s = (body ?? {}) as { metadata?: { name?: string } };
      if (s.metadata?.name !== undefined && s.metadata.name !== r.name)
        throw errors.badRequest(
          `the name of the object (${s.metadata.name}) does not match the name on the URL (${r.name})`,
        );
      desired = () => body;
    } else if (info.verb === "patch") {
      const pt: PatchType = requirePatchType(req);
      const body = await readBody(req, { patch: pt });
      checkWriteOptions(query, "PatchOptions", pt);
      // A custom resource's /scale takes no strategic merge patch either.
      const s = custom ? undefined : this.schemaOf("autoscaling", "v1", "Scale");
      desired = (cur) =>
        applyPatch(scaleOf(cur), pt, pt === "strategic" ? structuredClone(body) : body, s?.index.patchMeta(s.schema));
    } else {
      throw new StatusError("MethodNotAllowed", "the server does not allow this method on the requested resource");
    }
    const warnings: string[] = [];
    const updated = await store
      .guaranteedUpdate(r, async (cur) => {
        warnings.length = 0;
        const scale = desired(cur) as { metadata?: { resourceVersion?: string } } | undefined;
        const rv = scale?.metadata?.resourceVersion;
        if (rv && rv !== cur.metadata.resourceVersion) throw errors.modified(type, r.name);
        // Webhooks and policies see Scales: the requested one, then the one the parent would be left with.
        const admitted = await this.admission.admit(
          this.updating(type, info, query, user, scale, scaleOf(cur), SCALE),
          {},
          warnings,
        );
        const given = admitted.mutated ?? scale;
        const out = finish(cur, given, custom ? custom.apply(cur, given) : applyScale(type, cur, given));
        await admitted.validate(scaleOf(out));
        return out;
      })
      .catch(notFound);
    setWarnings(res, warnings);
    return sendJson(res, 200, scaleOf(updated));
  }

  /** pods/<name>/binding and the legacy namespaces/<ns>/bindings: assigns an unbound pod to a node. */
  private async bind(
    pods: ResourceType,
    namespace: string,
    name: string,
    b: Binding | undefined,
    res: ServerResponse,
    admitted: SubresourceAdmission,
    query: URLSearchParams,
  ) {
    if (typeof b !== "object" || b === null || Array.isArray(b))
      throw errors.badRequest("the request body must be a JSON object");
    if ((b.metadata?.name ?? "") !== name) throw errors.badRequest("name in URL does not match name in Binding object");
    validateBinding(b);
    await admitted.validate(admitted.object);
    setWarnings(res, admitted.warnings);
    const pre = {
      ...(b.metadata?.uid ? { uid: b.metadata.uid } : {}),
      ...(b.metadata?.resourceVersion ? { resourceVersion: b.metadata.resourceVersion } : {}),
    };
    const store = isDryRun(query.getAll("dryRun")) ? dryRunStore(this.store) : this.store;
    await store.guaranteedUpdate({ group: "", resource: "pods", namespace, name }, (cur) => {
      checkPreconditions(pods, cur, pre);
      return bindPod(cur, b);
    });
    return sendJson(res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
  }

  /** An update that removed the last finalizer of an object being deleted completes the deletion. */
  private async finishDeletion(store: Store, r: ObjectRef, obj: KubeObject): Promise<KubeObject> {
    if (!obj.metadata.deletionTimestamp || isHeld(obj)) return obj;
    try {
      return await store.delete(r, { resourceVersion: obj.metadata.resourceVersion as string });
    } catch (err) {
      // Changed or gone meanwhile: whoever changed it sees the same rule applied to their write.
      if (isStatusError(err, "Conflict") || isStatusError(err, "NotFound")) return obj;
      throw err;
    }
  }

  /** `type` as stored: itself, unless it is served through a converter from another version. */
  private storedType(type: ResourceType): ResourceType {
    const version = this.conversions.storageVersion(type);
    return version === undefined || version === type.version ? type : { ...type, version };
  }

  /** A stored object in the version `type` serves (a Status or other kind passes through). */
  private served(type: ResourceType, obj: KubeObject): KubeObject | Promise<KubeObject> {
    if (type.behaviour?.served) return type.behaviour.served(obj);
    return obj.kind !== undefined && obj.kind !== type.kind ? obj : this.conversions.toVersion(type, obj);
  }

  private async servedAll(type: ResourceType, objs: KubeObject[]): Promise<KubeObject[]> {
    return this.conversions.converts(type) || type.behaviour?.served
      ? Promise.all(objs.map((o) => this.served(type, o)))
      : objs;
  }

  /**
   * A Table of stored objects. kube prints its internal version, so the cells come from the stored form; an
   * object the client asked to be included is in the request's version.
   */
  private async table(
    type: ResourceType,
    columns: Printer,
    objs: KubeObject[],
    meta: Record<string, unknown>,
    includeObject: string | null,
  ) {
    // Custom resources print the request's version (defaults applied, converted), as kube prints them.
    const t = toTable(columns, type.behaviour?.served ? await this.servedAll(type, objs) : objs, meta, includeObject);
    if (includeObject === "Object" && (this.conversions.converts(type) || type.behaviour?.served)) {
      const served = await this.servedAll(type, objs);
      t.rows.forEach((row, i) => {
        row.object = served[i];
      });
    }
    return t;
  }

  /** The resource's columns when the client asked for a Table and we print this resource; else plain JSON. */
  private tableFor(type: ResourceType, req: IncomingMessage) {
    if (outputOf(req)?.convert?.kind !== "Table") return undefined;
    return type.behaviour?.printer ?? tableColumns[`${type.group || "core"}/${type.resource}`];
  }

  private checkBody(type: ResourceType, info: ResourceRequest, body: unknown): KubeObject {
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw errors.badRequest("the request body must be a JSON object");
    const obj = body as KubeObject;
    const mismatch = type.behaviour?.typeMetaProblem ? type.behaviour.typeMetaProblem(obj) : kindMismatch(type, obj);
    if (mismatch) throw mismatch;
    obj.metadata ??= {};
    if (type.namespaced && obj.metadata.namespace && obj.metadata.namespace !== info.namespace) {
      throw errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    return obj;
  }

  /** The namespace a create goes into must exist and not be terminating. */
  private async requireNamespace(type: ResourceType, info: ResourceRequest, name: string): Promise<void> {
    if (!type.namespaced) return;
    const cached = this.cache.get({ group: "", resource: "namespaces", name: info.namespace as string })?.object;
    // The cache may lag a namespace created (or deleted) a moment ago; etcd is the authority then.
    try {
      const ns =
        cached?.metadata.deletionTimestamp || !cached
          ? await this.store.get({ group: "", resource: "namespaces", name: info.namespace as string })
          : cached;
      refuseContentIn(ns, type.resource, name);
    } catch (err) {
      if (isStatusError(err, "NotFound"))
        throw errors.notFound({ group: "", resource: "namespaces" }, info.namespace as string);
      throw err;
    }
  }

  private async list(type: ResourceType, info: ResourceRequest, query: URLSearchParams) {
    const labels = parseLabelSelector(query.get("labelSelector"));
    const fields = parseFieldSelector(query.get("fieldSelector"), fieldLabelConversion(type));
    const filter =
      labels.empty && fields.empty
        ? undefined
        : (o: KubeObject) => labels.matches(o.metadata.labels) && fields.matches(o);
    const rv = query.get("resourceVersion") ?? "";
    const match = query.get("resourceVersionMatch") ?? "";
    const limit = Number(query.get("limit") ?? 0);
    const cont = query.get("continue") ?? "";
    const namespace = info.namespace ? { namespace: info.namespace } : {};
    // A field selector on one name, where the name makes a key, lists that key alone: one page, whatever the limit.
    const single = fields.name !== undefined && (Boolean(info.namespace) || !type.namespaced) && !cont;
    let page: { items: KubeObject[]; revision: number; continue?: string; remainingItemCount?: number };
    // kube's list delegation: a continue, an exact revision (asked for, or the legacy form: a limit with a
    // resourceVersion other than 0) read etcd at that revision; the rest is served from the watch cache.
    if (cont || match === "Exact" || (match === "" && limit > 0 && rv !== "" && rv !== "0")) {
      page = await this.store.list(type, {
        ...namespace,
        ...(limit > 0 && !single ? { limit } : {}),
        ...(cont ? { continue: cont } : {}),
        ...(rv && !cont ? { revision: Number(rv) } : {}),
        ...(filter ? { filter } : {}),
      });
    } else {
      // resourceVersion unset: a consistent read, served from memory once the cache has caught up with etcd.
      if (rv === "") await this.cache.sync();
      else if (rv !== "0") await this.cache.waitForRevision(Number(rv));
      if (single) {
        const key = { group: type.group, resource: type.resource, ...namespace, name: fields.name as string };
        const o = this.cache.get(key)?.object;
        page = { items: o && filter?.(o) !== false ? [o] : [], revision: this.cache.revision };
      }
      // "Any version" (0) is the whole list: the cacher ignores a limit then.
      else page = this.cache.page(type, { ...namespace, limit: rv === "0" ? 0 : limit, ...(filter ? { filter } : {}) });
    }
    return {
      kind: type.listKind ?? `${type.kind}List`,
      apiVersion: apiVersionOf(type),
      metadata: {
        resourceVersion: String(page.revision),
        ...(page.continue ? { continue: page.continue } : {}),
        ...(page.remainingItemCount !== undefined ? { remainingItemCount: page.remainingItemCount } : {}),
      },
      items: page.items,
    };
  }

  private async watch(
    type: ResourceType,
    info: ResourceRequest,
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
  ): Promise<void> {
    const rv = query.get("resourceVersion") ?? "";
    const timeoutSeconds = Number(query.get("timeoutSeconds") ?? 1800);
    const labels = parseLabelSelector(query.get("labelSelector"));
    const fields = parseFieldSelector(query.get("fieldSelector"), fieldLabelConversion(type));
    const selected = (o: KubeObject | undefined) =>
      o !== undefined && labels.matches(o.metadata.labels) && fields.matches(o);
    // sendInitialEvents (the WatchList protocol, which kubectl --wait and informers use): the current state
    // as ADDED events, then a BOOKMARK annotated k8s.io/initial-events-end, then changes.
    const initialEvents = query.get("sendInitialEvents") === "true";
    let from = 0;
    if (rv !== "" && rv !== "0" && !initialEvents) from = Number(rv);
    else if (rv === "") await this.cache.sync();
    else if (initialEvents && rv !== "0") await this.cache.waitForRevision(Number(rv));
    const columns = this.tableFor(type, req);
    // Protobuf frames, PartialObjectMetadata or Table events (responses.ts); undefined for plain JSON lines.
    const stream = watchStream(req);
    res.writeHead(200, {
      "content-type": stream?.contentType ?? (columns ? TABLE_CONTENT_TYPE : "application/json"),
      "transfer-encoding": "chunked",
    });
    // kube-apiserver answers a watch at once; clients wait for these headers before they count the watch
    // as established, and Node would hold them back until the first event.
    res.flushHeaders();
    const write = stream ? (line: string) => res.write(stream.line(line)) : (line: string) => res.write(`${line}\n`);
    // Objects of a resource served through a converter go out in the request's version, and in event order
    // whether or not the converter answers at once; so does every line after them.
    const converting = this.conversions.converts(type) || Boolean(type.behaviour?.served);
    const order = inOrder();
    const send = (line: () => string | Promise<string>) =>
      order(line, write, (err) => {
        const se = isStatusError(err) ? err : errors.internal((err as Error).message);
        write(JSON.stringify({ type: "ERROR", object: se.toStatus() }));
        close();
      });
    // A Table watch sends each object as a one-row Table; column definitions only in the first event.
    let headersSent = false;
    const objectJson = (ev: { object: KubeObject; json(): string }, served?: KubeObject) => {
      if (!columns) return served ? JSON.stringify(served) : ev.json();
      const t = toTable(
        columns,
        [type.behaviour?.served && served ? served : ev.object],
        { resourceVersion: ev.object.metadata.resourceVersion },
        query.get("includeObject"),
      );
      if (served && query.get("includeObject") === "Object") for (const row of t.rows) row.object = served;
      if (headersSent) t.columnDefinitions = [];
      headersSent = true;
      return JSON.stringify(t);
    };
    const name = info.name ?? fields.name;
    let watcher: { stop(): void } | undefined;
    const close = () => {
      watcher?.stop();
      clearTimeout(timer);
      res.end();
    };
    const timer = setTimeout(close, timeoutSeconds * 1000);
    req.on("close", close);
    try {
      watcher = this.cache.watch(
        type,
        {
          fromRevision: from,
          ...(info.namespace ? { namespace: info.namespace } : {}),
          ...(name ? { name } : {}),
          bookmarks: query.get("allowWatchBookmarks") === "true",
        },
        (ev) => {
          if (ev.type === "BOOKMARK") {
            send(
              () =>
                `{"type":"BOOKMARK","object":{"kind":"${type.kind}","apiVersion":"${apiVersionOf(type)}","metadata":{"resourceVersion":"${ev.revision}"}}}`,
            );
            return;
          }
          // With a selector, an object that starts matching is ADDED and one that stops matching is DELETED.
          const now = ev.type !== "DELETED" && selected(ev.object);
          const before =
            ev.type !== "ADDED" && selected(ev.prevObject ?? (ev.type === "DELETED" ? ev.object : undefined));
          const kind = now && before ? "MODIFIED" : now ? "ADDED" : before ? "DELETED" : undefined;
          if (!kind) return;
          if (converting) {
            const line = (o: KubeObject) => `{"type":"${kind}","object":${objectJson(ev, o)}}`;
            send(() => {
              const o = this.served(type, ev.object);
              return o instanceof Promise ? o.then(line) : line(o);
            });
            return;
          }
          // Plain JSON watches of one event share its encoded line: a thousand watchers, one encoding.
          if (!columns) res.write(stream ? stream.event(ev, kind) : watchLine(ev, kind));
          else write(`{"type":"${kind}","object":${objectJson(ev)}}`);
        },
        (err) => {
          const se = isStatusError(err) ? err : errors.internal(err.message);
          write(JSON.stringify({ type: "ERROR", object: se.toStatus() }));
          close();
        },
      );
      if (initialEvents) {
        // The initial ADDED events were written synchronously by cache.watch above.
        send(() =>
          JSON.stringify({
            type: "BOOKMARK",
            object: {
              kind: type.kind,
              apiVersion: apiVersionOf(type),
              metadata: {
                resourceVersion: String(this.cache.revision),
                annotations: { "k8s.io/initial-events-end": "true" },
              },
            },
          }),
        );
      }
    } catch (err) {
      // A too-old resourceVersion is told inside the stream, as kube-apiserver does: an ERROR event, then close.
      const se = isStatusError(err) ? err : errors.internal((err as Error).message);
      write(JSON.stringify({ type: "ERROR", object: se.toStatus() }));
      close();
    }
  }
}

function parseGracePeriod(v: string | number | undefined): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) {
    throw errors.badRequest(`invalid gracePeriodSeconds: ${JSON.stringify(v)}`);
  }
  return n;
}

interface EvictionBody {
  metadata?: { name?: string };
  deleteOptions?: DeleteOptionsBody | null;
}

interface DeleteOptionsBody {
  dryRun?: string[];
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  orphanDependents?: boolean;
}

/**
 * `beforeDelete`: a DELETE's preconditions, which kube checks first in rest.BeforeDelete, in its own words and
 * qualified by the kind; otherwise storage's check (namespaces, bindings, evictions).
 */
function checkPreconditions(
  type: ResourceType,
  cur: KubeObject,
  pre: { uid?: string; resourceVersion?: string },
  beforeDelete = false,
): void {
  const name = cur.metadata.name as string;
  if (beforeDelete) {
    const byKind = { group: type.group, resource: type.kind };
    if (pre.uid !== undefined && pre.uid !== cur.metadata.uid)
      throw errors.conflict(
        byKind,
        name,
        `the UID in the precondition (${pre.uid}) does not match the UID in record (${cur.metadata.uid ?? ""}). The object might have been deleted and then recreated`,
      );
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== cur.metadata.resourceVersion)
      throw errors.conflict(
        byKind,
        name,
        `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${cur.metadata.resourceVersion}). The object might have been modified`,
      );
    return;
  }
  if (pre.uid !== undefined && pre.uid !== cur.metadata.uid) {
    throw errors.conflict(
      type,
      name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid ?? ""}`,
    );
  }
  if (pre.resourceVersion !== undefined && pre.resourceVersion !== cur.metadata.resourceVersion) {
    throw errors.conflict(
      type,
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion}`,
    );
  }
}

/** Kinds whose store answers a delete with the deleted object (ReturnDeletedObject); the rest answer a Status. */
const RETURNS_DELETED_OBJECT = new Set([
  "/namespaces",
  "/persistentvolumes",
  "/persistentvolumeclaims",
  "/pods",
  "/podtemplates",
  "/resourcequotas",
  "/services",
  "/serviceaccounts",
  "resource.k8s.io/deviceclasses",
  "resource.k8s.io/devicetaintrules",
  "resource.k8s.io/resourceclaims",
  "resource.k8s.io/resourceclaimtemplates",
  "resource.k8s.io/resourceslices",
  "storage.k8s.io/csidrivers",
  "storage.k8s.io/csinodes",
  "storage.k8s.io/storageclasses",
  "storage.k8s.io/volumeattachments",
  "storage.k8s.io/volumeattributesclasses",
]);

const methodNotAllowed = () =>
  new StatusError("MethodNotAllowed", "the server does not allow this method on the requested resource");

/** A create-only resource (the reviews): 404 for paths kube has no route for, 405 for other methods. */
function createOnly(info: ResourceRequest, namespaced: boolean): void {
  if (info.name || Boolean(info.namespace) !== namespaced)
    throw new StatusError("NotFound", "the server could not find the requested resource");
  if (info.verb !== "create") throw methodNotAllowed();
}

function requirePatchType(req: IncomingMessage): PatchType {
  const pt = patchTypeOf(req.headers["content-type"]);
  // kube's router (go-restful) refuses a PATCH whose type no route consumes before any handler runs.
  if (!pt) throw new StatusError("UnsupportedMediaType", "415: Unsupported Media Type", {});
  return pt;
}

function randomSuffix(): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  let s = "";
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}
