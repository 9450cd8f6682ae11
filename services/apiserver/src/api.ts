import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { errors, isStatusError, type KubeObject, parseFieldSelector, parseLabelSelector, StatusError } from "@evk/kube";
import type { ObjectRef, Store, WatchCache } from "@evk/store";
import { ACCESS_REVIEWS, answerReview } from "./access-review.ts";
import { decodeObjectBody, decodePatchBody, kindMismatch, mediaTypeOf, unsupportedBodyType } from "./body.ts";
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
import { metadataProblems, metadataUpdateProblems } from "./metadata-validation.ts";
import { isHeld, markTerminating, refuseContentIn, refuseDeletion } from "./namespace-lifecycle.ts";
import type { Schema, SchemaIndex } from "./openapi-schema.ts";
import { applyPatch, type PatchType, patchTypeOf, ReasonlessError } from "./patch.ts";
import { decodeKubeProtobuf } from "./protobuf.ts";
import type { ResourceRequest } from "./request-info.ts";
import { apiVersionOf, lookupResource, NO_DELETECOLLECTION, type ResourceType } from "./resources.ts";
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
import { TABLE_CONTENT_TYPE, tableColumns, toTable, wantsTable } from "./tables/index.ts";
import { answerTokenReview } from "./token-review.ts";
import type { ServiceAccountTokens, TokenRequestBody, UserInfo } from "./tokens.ts";
import { nameCauses, updateResourceVersionProblem } from "./validation.ts";

/** kube-apiserver's limit on request bodies. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = "application/json"): void {
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
  sendJson(res, se.code, se.toStatus());
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
  const prepared = prepareForUpdate(type, cur, next);
  problems.push(...specUpdateProblems(type, cur, prepared));
  if (problems.length) throw errors.invalid(type.kind, cur.metadata.name as string, problems, type.group);
  return prepared;
}

/** Serves the resource API of one virtual cluster from its Store (writes) and WatchCache (reads, watches). */
export class ResourceApi {
  private readonly store: Store;
  private readonly cache: WatchCache;
  private readonly tokens: ServiceAccountTokens | undefined;
  /** Who a bearer token is, as the server authenticates it (for TokenReview); set by the server. */
  reviewToken: ((token: string) => Promise<UserInfo | undefined>) | undefined;
  apiAudiences: string[] = [];

  /** The served OpenAPI schemas (strategic merge patch metadata, field validation), once there are any. */
  private readonly openapi: { readonly schemas: SchemaIndex | undefined } | undefined;

  constructor(
    store: Store,
    cache: WatchCache,
    tokens?: ServiceAccountTokens,
    openapi?: { readonly schemas: SchemaIndex | undefined },
  ) {
    this.store = store;
    this.cache = cache;
    this.tokens = tokens;
    this.openapi = openapi;
  }

  private schemaOf(group: string, version: string, kind: string): { index: SchemaIndex; schema: Schema } | undefined {
    const index = this.openapi?.schemas;
    const schema = index?.kind(group, version, kind);
    return index && schema ? { index, schema } : undefined;
  }

  /** Unknown fields of a create or update body: dropped, refused (Strict) or warned about (Warn). */
  private validateFields(type: ResourceType, obj: KubeObject, query: URLSearchParams, verb: "create" | "update") {
    const directive = fieldValidationOf(query, verb);
    const s = this.schemaOf(type.group, type.version, type.kind);
    return s ? validateBody(s.index, s.schema, type.kind, type.version, obj, directive) : [];
  }

  /** Applies a patch with the kind's strategic-merge metadata and validates the result's fields. */
  private patcher(
    type: { group: string; version: string; kind: string },
    pt: PatchType,
    body: unknown,
    query: URLSearchParams,
  ) {
    const directive = fieldValidationOf(query, "patch");
    const s = this.schemaOf(type.group, type.version, type.kind);
    const out = { warnings: [] as string[] };
    const apply = (cur: KubeObject): KubeObject => {
      // Strategic merge patch consumes its patch (and kube quotes what is left of it), so each try gets a copy.
      const patch = pt === "strategic" ? structuredClone(body) : body;
      const next = applyPatch(cur, pt, patch, s ? s.index.patchMeta(s.schema) : undefined);
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
    setWarnings(res, ["v1 ComponentStatus is deprecated in v1.19+"]);
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
      return this.componentStatuses(info.name, res);
    }
    if (info.group === "authentication.k8s.io" && info.version === "v1" && info.resource === "tokenreviews") {
      if (info.verb !== "create" || info.name || info.namespace || !this.reviewToken)
        throw new StatusError("NotFound", "the server could not find the requested resource");
      const review = await answerTokenReview(
        await readBody(req, { protobuf: true }),
        this.reviewToken,
        this.apiAudiences,
      );
      return sendJson(res, 201, review);
    }
    if (info.group === "authorization.k8s.io" && info.version === "v1" && ACCESS_REVIEWS[info.resource]) {
      createOnly(info, ACCESS_REVIEWS[info.resource]?.namespaced ?? false);
      return sendJson(res, 201, answerReview(info.resource, info.namespace, await readBody(req, { protobuf: true })));
    }
    if (info.group === "" && info.version === "v1" && info.resource === "bindings" && info.namespace && !info.name) {
      if (info.verb !== "create")
        throw new StatusError("MethodNotAllowed", `${info.verb} is not supported on bindings`);
      // The legacy binding endpoint: the pod is named by the Binding itself.
      const b = (await readBody(req)) as Binding | undefined;
      const pods = lookupResource("", "v1", "pods") as ResourceType;
      return this.bind(pods, info.namespace, b?.metadata?.name ?? "", b, res);
    }
    const type = lookupResource(info.group, info.version, info.resource);
    if (!type || (info.subresource && !(type.subresources ?? []).includes(info.subresource))) {
      throw new StatusError("NotFound", "the server could not find the requested resource");
    }
    if (type.namespaced === false && info.namespace)
      throw new StatusError("NotFound", "the server could not find the requested resource");
    // kube routes POST to a collection and PUT and PATCH to an object; the other way round is no method there.
    if (
      !info.subresource &&
      (info.verb === "create" ? Boolean(info.name) : ["update", "patch"].includes(info.verb) && !info.name)
    )
      throw methodNotAllowed();
    if (info.subresource) return this.subresource(type, info, info.subresource, req, res, query);
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
          const table = toTable(
            columns,
            [obj],
            { resourceVersion: obj.metadata.resourceVersion },
            query.get("includeObject"),
          );
          return sendJson(res, 200, table, TABLE_CONTENT_TYPE);
        }
        return sendJson(res, 200, obj);
      }
      case "list": {
        checkListOptions(query, false, fieldLabelConversion(type));
        const list = await this.list(type, info, query);
        const columns = this.tableFor(type, req);
        if (columns)
          return sendJson(
            res,
            200,
            toTable(columns, list.items, list.metadata, query.get("includeObject")),
            TABLE_CONTENT_TYPE,
          );
        return sendJson(res, 200, list);
      }
      case "watch":
        checkListOptions(query, true, fieldLabelConversion(type));
        return this.watch(type, info, req, res, query);
      case "create": {
        const obj = stampRequester(type, this.checkBody(type, info, await readBody(req, { kind: type.kind })), user);
        const undecodable = decodeProblem(type, obj);
        if (undecodable) throw undecodable;
        const warnings = this.validateFields(type, obj, query, "create");
        const name =
          obj.metadata.name ||
          (obj.metadata.generateName ? `${obj.metadata.generateName.slice(0, 58)}${randomSuffix()}` : "");
        await this.requireNamespace(type, info, name);
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
        // Defaulting and admission, the strategy's PrepareForCreate, then what the strategy adds on top.
        let prepared: KubeObject;
        try {
          const admitted = applyDefaults(
            type.group,
            type.resource,
            { ...obj, apiVersion: apiVersionOf(type), kind: type.kind, metadata: meta },
            {
              stage: "admission",
              reads: await admissionReads(this.cache, type.group, type.resource, info.namespace, obj),
            },
          );
          prepared = applyDefaults(type.group, type.resource, prepareForCreate(type, admitted), { stage: "strategy" });
        } catch (err) {
          // Defaulting may trip over what the metadata checks refuse anyway.
          if (metaProblems.length && !isStatusError(err))
            throw errors.invalid(type.kind, name, metaProblems, type.group);
          throw err;
        }
        const causes = createCauses(type, metaProblems, specProblems(type, prepared));
        if (causes.length) throw errors.invalid(type.kind, name, causes, type.group);
        const created = await store.create(ref(name), prepared);
        setWarnings(res, warnings);
        return sendJson(res, 201, created);
      }
      case "update": {
        const obj = this.checkBody(type, info, await readBody(req, { kind: type.kind }));
        const undecodable = decodeProblem(type, obj);
        if (undecodable) throw undecodable;
        const warnings = this.validateFields(type, obj, query, "update");
        if (obj.metadata.name !== info.name)
          throw errors.badRequest(
            `the name of the object (${obj.metadata.name}) does not match the name on the URL (${info.name})`,
          );
        const rv = obj.metadata.resourceVersion;
        const updated = await store.guaranteedUpdate(ref(info.name as string), (cur) => {
          const rvProblem = updateResourceVersionProblem(type, info.name as string, rv);
          if (rvProblem) throw rvProblem;
          // 0, like none, is an unconditional update.
          if (rv && rv !== "0" && rv !== cur.metadata.resourceVersion) throw errors.modified(type, info.name as string);
          const next = applyDefaults(type.group, type.resource, obj, {
            operation: "update",
            old: cur,
            reads: cacheReads(this.cache),
          });
          return checkedUpdate(type, cur, next);
        });
        setWarnings(res, warnings);
        return sendJson(res, 200, await this.finishDeletion(store, ref(info.name as string), updated));
      }
      case "patch": {
        const pt = requirePatchType(req);
        const body = await readBody(req, { patch: pt });
        const patcher = this.patcher(type, pt, body, query);
        const patched = await store.guaranteedUpdate(ref(info.name as string), (cur) => {
          const next = patcher.apply(cur);
          const rv = next.metadata?.resourceVersion;
          if (rv && rv !== cur.metadata.resourceVersion) throw errors.modified(type, info.name as string);
          const defaulted = applyDefaults(type.group, type.resource, next, {
            operation: "update",
            old: cur,
            reads: cacheReads(this.cache),
          });
          return checkedUpdate(type, cur, defaulted);
        });
        setWarnings(res, patcher.warnings);
        return sendJson(res, 200, await this.finishDeletion(store, ref(info.name as string), patched));
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
        for (const item of items as KubeObject[]) {
          try {
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
        return sendJson(res, 200, {
          kind: `${type.kind}List`,
          apiVersion: apiVersionOf(type),
          metadata: {},
          items: deleted,
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
        if (type.resource === "namespaces" && !type.group) {
          refuseDeletion(info.name as string);
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
        const requestedGrace = parseGracePeriod(query.get("gracePeriodSeconds") ?? opts.gracePeriodSeconds);
        const result = await deleteHonouringFinalizers(store, type, ref(info.name as string), {
          check: (cur) => checkPreconditions(type, cur, pre, true),
          extraFinalizers: extra,
          ...(type.resource === "pods" && !type.group
            ? { gracePeriod: (cur: KubeObject) => podGracePeriod(cur, requestedGrace) }
            : {}),
        });
        // kube answers a graceful delete (the object still exists) with 200 and the object.
        return sendJson(res, 200, result);
      }
      default:
        throw new StatusError("MethodNotAllowed", `${info.verb} is not supported on ${type.resource} yet`);
    }
  }

  private async subresource(
    type: ResourceType,
    info: ResourceRequest,
    sub: string,
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
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
        return this.statusWrite(type, info, r, req, res, prepareForStatusUpdate);
      case "ephemeralcontainers":
        if (info.verb === "create" || info.verb === "delete") throw notAllowed();
        return this.statusWrite(type, info, r, req, res, (_t, cur, next) => prepareForEphemeralContainers(cur, next));
      case "finalize":
        if (info.verb !== "update") throw notAllowed();
        return this.statusWrite(type, info, r, req, res, (_t, cur, next) => prepareForFinalize(cur, next));
      case "scale":
        return this.scale(type, info, r, req, res);
      case "eviction":
        if (info.verb !== "create") throw notAllowed();
        return this.evict(r, query, (await readBody(req)) as EvictionBody | undefined, res);
      case "binding":
        if (info.verb !== "create") throw notAllowed();
        return this.bind(type, info.namespace as string, name, (await readBody(req)) as Binding | undefined, res);
      case "token": {
        if (info.verb !== "create") throw notAllowed();
        if (!this.tokens) throw new StatusError("ServiceUnavailable", "service account tokens are not served");
        const body = ((await readBody(req, { protobuf: true })) ?? {}) as TokenRequestBody;
        if (typeof body !== "object" || Array.isArray(body))
          throw errors.badRequest("the request body must be a JSON object");
        const out = await this.tokens.issue(info.namespace as string, name, body);
        if (out.warnings.length)
          res.setHeader(
            "Warning",
            out.warnings.map((w) => `299 - ${JSON.stringify(w)}`),
          );
        return sendJson(res, 201, out.object);
      }
      default:
        throw new StatusError("NotFound", "the server could not find the requested resource");
    }
  }

  /**
   * pods/eviction: delete the pod if its disruption budget allows, charging the budget first so that
   * concurrent evictions cannot overdraw it (eviction.ts decides; a budget write conflict decides again).
   */
  private async evict(r: ObjectRef, query: URLSearchParams, body: EvictionBody | undefined, res: ServerResponse) {
    if (body?.metadata?.name !== undefined && body.metadata.name !== r.name)
      throw errors.badRequest("name in URL does not match name in Eviction object");
    const opts = body?.deleteOptions ?? {};
    const dryRun = isDryRun(query.getAll("dryRun")) || (Array.isArray(opts.dryRun) && isDryRun(opts.dryRun));
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
    strategy: (type: ResourceType, cur: KubeObject, next: KubeObject) => KubeObject,
  ): Promise<void> {
    const name = r.name;
    if (info.verb === "get") return sendJson(res, 200, await this.store.get(r));
    let next: (cur: KubeObject) => KubeObject;
    if (info.verb === "update") {
      const obj = this.checkBody(type, info, await readBody(req, { kind: type.kind }));
      if (obj.metadata.name !== name)
        throw errors.badRequest(
          `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
        );
      next = () => obj;
    } else if (info.verb === "patch") {
      const pt = requirePatchType(req);
      const body = await readBody(req, { patch: pt });
      const s = this.schemaOf(type.group, type.version, type.kind);
      next = (cur) =>
        applyPatch(cur, pt, pt === "strategic" ? structuredClone(body) : body, s?.index.patchMeta(s.schema));
    } else {
      throw new StatusError("MethodNotAllowed", "the server does not allow this method on the requested resource");
    }
    const updated = await this.store.guaranteedUpdate(r, (cur) => {
      const n = next(cur);
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
      const prepared = strategy(type, cur, defaulted);
      const problems = statusUpdateProblems(type, info.subresource ?? "status", cur, prepared);
      if (problems.length) throw errors.invalid(type.kind, name, problems, type.group);
      return prepared;
    });
    return sendJson(res, 200, await this.finishDeletion(this.store, r, updated));
  }

  /** /scale of deployments, replicasets and statefulsets as autoscaling/v1 Scale. */
  private async scale(
    type: ResourceType,
    info: ResourceRequest,
    r: ObjectRef,
    req: IncomingMessage,
    res: ServerResponse,
  ) {
    const notFound = (err: unknown) => {
      throw isStatusError(err, "NotFound") ? errors.notFound(type, r.name) : err;
    };
    if (info.verb === "get") return sendJson(res, 200, toScale(await this.store.get(r).catch(notFound)));
    let desired: (cur: KubeObject) => unknown;
    if (info.verb === "update") {
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
      const s = this.schemaOf("autoscaling", "v1", "Scale");
      desired = (cur) =>
        applyPatch(toScale(cur), pt, pt === "strategic" ? structuredClone(body) : body, s?.index.patchMeta(s.schema));
    } else {
      throw new StatusError("MethodNotAllowed", "the server does not allow this method on the requested resource");
    }
    const updated = await this.store
      .guaranteedUpdate(r, (cur) => {
        const scale = desired(cur) as { metadata?: { resourceVersion?: string } } | undefined;
        const rv = scale?.metadata?.resourceVersion;
        if (rv && rv !== cur.metadata.resourceVersion) throw errors.modified(type, r.name);
        return applyScale(type, cur, scale);
      })
      .catch(notFound);
    return sendJson(res, 200, toScale(updated));
  }

  /** pods/<name>/binding and the legacy namespaces/<ns>/bindings: assigns an unbound pod to a node. */
  private async bind(pods: ResourceType, namespace: string, name: string, b: Binding | undefined, res: ServerResponse) {
    if (typeof b !== "object" || b === null || Array.isArray(b))
      throw errors.badRequest("the request body must be a JSON object");
    if ((b.metadata?.name ?? "") !== name) throw errors.badRequest("name in URL does not match name in Binding object");
    validateBinding(b);
    const pre = {
      ...(b.metadata?.uid ? { uid: b.metadata.uid } : {}),
      ...(b.metadata?.resourceVersion ? { resourceVersion: b.metadata.resourceVersion } : {}),
    };
    await this.store.guaranteedUpdate({ group: "", resource: "pods", namespace, name }, (cur) => {
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

  /** The resource's columns when the client asked for a Table and we print this resource; else plain JSON. */
  private tableFor(type: ResourceType, req: IncomingMessage) {
    if (!wantsTable(req.headers.accept)) return undefined;
    return tableColumns[`${type.group || "core"}/${type.resource}`];
  }

  private checkBody(type: ResourceType, info: ResourceRequest, body: unknown): KubeObject {
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw errors.badRequest("the request body must be a JSON object");
    const obj = body as KubeObject;
    const mismatch = kindMismatch(type, obj);
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
    const keep = (o: KubeObject) => labels.matches(o.metadata.labels) && fields.matches(o);
    const rv = query.get("resourceVersion") ?? "";
    const limit = Number(query.get("limit") ?? 0);
    const cont = query.get("continue") ?? "";
    const listKind = `${type.kind}List`;
    const meta = (revision: number, c?: string, remaining?: number) => ({
      resourceVersion: String(revision),
      ...(c ? { continue: c } : {}),
      ...(remaining !== undefined ? { remainingItemCount: remaining } : {}),
    });
    if (limit > 0 || cont || (rv && query.get("resourceVersionMatch") === "Exact")) {
      const r = await this.store.list(type, {
        ...(info.namespace ? { namespace: info.namespace } : {}),
        ...(limit > 0 ? { limit } : {}),
        ...(cont ? { continue: cont } : {}),
        ...(rv && !cont ? { revision: Number(rv) } : {}),
      });
      // Like kube-apiserver, a filtered page may hold fewer than `limit` items; remainingItemCount is then unknown.
      const items = r.items.filter(keep);
      const remaining = labels.empty && fields.empty ? r.remainingItemCount : undefined;
      return {
        kind: listKind,
        apiVersion: apiVersionOf(type),
        metadata: meta(r.revision, r.continue, remaining),
        items,
      };
    }
    // resourceVersion unset: a consistent read, served from memory once the cache has caught up with etcd.
    if (rv === "") await this.cache.sync();
    else if (rv !== "0") await this.cache.waitForRevision(Number(rv));
    const r = this.cache.list(type, info.namespace);
    const items: KubeObject[] = [];
    for (const i of r.items) if (keep(i.object)) items.push(i.object);
    return { kind: listKind, apiVersion: apiVersionOf(type), metadata: meta(r.revision), items };
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
    res.writeHead(200, {
      "content-type": columns ? TABLE_CONTENT_TYPE : "application/json",
      "transfer-encoding": "chunked",
    });
    // kube-apiserver answers a watch at once; clients wait for these headers before they count the watch
    // as established, and Node would hold them back until the first event.
    res.flushHeaders();
    const write = (line: string) => res.write(`${line}\n`);
    // A Table watch sends each object as a one-row Table; column definitions only in the first event.
    let headersSent = false;
    const objectJson = (ev: { object: KubeObject; json(): string }) => {
      if (!columns) return ev.json();
      const t = toTable(
        columns,
        [ev.object],
        { resourceVersion: ev.object.metadata.resourceVersion },
        query.get("includeObject"),
      );
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
            write(
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
          // Plain JSON watches of one event share its encoded line: a thousand watchers, one encoding.
          if (!columns) res.write(watchLine(ev, kind));
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
        write(
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
