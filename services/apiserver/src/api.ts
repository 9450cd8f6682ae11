import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { errors, isStatusError, type KubeObject, parseFieldSelector, parseLabelSelector, StatusError } from "@evk/kube";
import type { ObjectRef, Store, WatchCache } from "@evk/store";
import { ACCESS_REVIEWS, answerReview } from "./access-review.ts";
import { applyDefaults } from "./defaults.ts";
import { deleteHonouringFinalizers, podGracePeriod } from "./deletion.ts";
import { dryRunStore, isDryRun } from "./dry-run.ts";
import {
  fieldValidationOf,
  quoteStrategicPatch,
  setWarnings,
  validateBody,
  validatePatched,
} from "./field-validation.ts";
import { isHeld, markTerminating, refuseContentIn, refuseDeletion } from "./namespace-lifecycle.ts";
import type { Schema, SchemaIndex } from "./openapi-schema.ts";
import { applyPatch, type PatchType, patchTypeOf } from "./patch.ts";
import { decodeKubeProtobuf } from "./protobuf.ts";
import type { ResourceRequest } from "./request-info.ts";
import { apiVersionOf, lookupResource, NO_DELETECOLLECTION, type ResourceType } from "./resources.ts";
import {
  applyScale,
  type Binding,
  bindPod,
  prepareForCreate,
  prepareForEphemeralContainers,
  prepareForFinalize,
  prepareForStatusUpdate,
  prepareForUpdate,
  toScale,
  tracksGeneration,
  validateBinding,
} from "./subresources.ts";
import { TABLE_CONTENT_TYPE, tableColumns, toTable, wantsTable } from "./tables.ts";
import type { ServiceAccountTokens, TokenRequestBody, UserInfo } from "./tokens.ts";
import { validateName } from "./validation.ts";

/** kube-apiserver's limit on request bodies. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = "application/json"): void {
  const text = JSON.stringify(body);
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

async function readBody(req: IncomingMessage, _opts: { protobuf?: boolean } = {}): Promise<unknown> {
  const ct = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
  // Protobuf bodies (typed client-go clients, kubectl's create generators) become the JSON a Go client would
  // have sent (protobuf.ts); a kind it cannot decode gets a 415 that says why, never a JSON parse error.
  if (ct === "application/vnd.kubernetes.protobuf") return decodeKubeProtobuf(await readRaw(req));
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

/** Serves the resource API of one virtual cluster from its Store (writes) and WatchCache (reads, watches). */
export class ResourceApi {
  private readonly store: Store;
  private readonly cache: WatchCache;
  private readonly tokens: ServiceAccountTokens | undefined;

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

  async handle(
    info: ResourceRequest,
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
    user?: UserInfo,
  ): Promise<void> {
    if (info.group === "authentication.k8s.io" && info.version === "v1" && info.resource === "selfsubjectreviews") {
      if (info.verb !== "create" || info.name || info.namespace)
        throw new StatusError("NotFound", "the server could not find the requested resource");
      await readBody(req, { protobuf: true });
      return sendJson(res, 201, {
        kind: "SelfSubjectReview",
        apiVersion: "authentication.k8s.io/v1",
        metadata: { creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z") },
        status: { userInfo: user ?? { username: "system:anonymous", groups: ["system:unauthenticated"] } },
      });
    }
    if (info.group === "authorization.k8s.io" && info.version === "v1" && ACCESS_REVIEWS[info.resource]) {
      const review = ACCESS_REVIEWS[info.resource];
      if (info.verb !== "create" || info.name || Boolean(info.namespace) !== review?.namespaced)
        throw new StatusError("NotFound", "the server could not find the requested resource");
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
    if (info.subresource) return this.subresource(type, info, info.subresource, req, res);
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
        return this.watch(type, info, req, res, query);
      case "create": {
        const obj = this.checkBody(type, info, await readBody(req));
        const warnings = this.validateFields(type, obj, query, "create");
        const name =
          obj.metadata.name || (obj.metadata.generateName ? `${obj.metadata.generateName}${randomSuffix()}` : "");
        await this.requireNamespace(type, info, name);
        if (!name)
          throw errors.invalid(
            type.kind,
            "",
            [{ field: "metadata.name", message: "Required value: name or generateName is required" }],
            type.group,
          );
        validateName(type, name);
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
        const created = await store.create(
          ref(name),
          applyDefaults(
            type.group,
            type.resource,
            prepareForCreate(type, { ...obj, apiVersion: apiVersionOf(type), kind: type.kind, metadata: meta }),
          ),
        );
        setWarnings(res, warnings);
        return sendJson(res, 201, created);
      }
      case "update": {
        const obj = this.checkBody(type, info, await readBody(req));
        const warnings = this.validateFields(type, obj, query, "update");
        if (obj.metadata.name !== info.name)
          throw errors.badRequest(
            `the name of the object (${obj.metadata.name}) does not match the name on the URL (${info.name})`,
          );
        const rv = obj.metadata.resourceVersion;
        const updated = await store.guaranteedUpdate(ref(info.name as string), (cur) => {
          if (rv && rv !== cur.metadata.resourceVersion) throw errors.modified(type, info.name as string);
          return prepareForUpdate(type, cur, obj);
        });
        setWarnings(res, warnings);
        return sendJson(res, 200, await this.finishDeletion(store, ref(info.name as string), updated));
      }
      case "patch": {
        const pt = requirePatchType(req);
        const body = await readBody(req);
        const patcher = this.patcher(type, pt, body, query);
        const patched = await store.guaranteedUpdate(ref(info.name as string), (cur) => {
          const next = patcher.apply(cur);
          const rv = next.metadata?.resourceVersion;
          if (rv && rv !== cur.metadata.resourceVersion) throw errors.modified(type, info.name as string);
          return prepareForUpdate(type, cur, next);
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
          throw errors.invalid("DeleteOptions", "", [
            {
              field: "propagationPolicy",
              message: `Unsupported value: "${propagation}": supported values: "Foreground", "Background", "Orphan"`,
            },
          ]);
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
          check: (cur) => checkPreconditions(type, cur, pre),
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
      const obj = this.checkBody(type, info, await readBody(req));
      if (obj.metadata.name !== name)
        throw errors.badRequest(
          `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
        );
      next = () => obj;
    } else if (info.verb === "patch") {
      const pt = requirePatchType(req);
      const body = await readBody(req);
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
      return strategy(type, cur, { ...n, metadata: n.metadata ?? {} });
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
      const body = await readBody(req);
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
    if (obj.kind !== undefined && obj.kind !== type.kind)
      throw errors.badRequest(`the kind of the object (${obj.kind}) does not match ${type.kind}`);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersionOf(type)) {
      throw errors.badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersionOf(type)})`,
      );
    }
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
    const fields = parseFieldSelector(query.get("fieldSelector"), type.fieldLabels);
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
    const fields = parseFieldSelector(query.get("fieldSelector"), type.fieldLabels);
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
          if (now && before) write(`{"type":"MODIFIED","object":${objectJson(ev)}}`);
          else if (now) write(`{"type":"ADDED","object":${objectJson(ev)}}`);
          else if (before) write(`{"type":"DELETED","object":${objectJson(ev)}}`);
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

interface DeleteOptionsBody {
  dryRun?: string[];
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  orphanDependents?: boolean;
}

function checkPreconditions(
  type: ResourceType,
  cur: KubeObject,
  pre: { uid?: string; resourceVersion?: string },
): void {
  const name = cur.metadata.name as string;
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

function requirePatchType(req: IncomingMessage): PatchType {
  const pt = patchTypeOf(req.headers["content-type"]);
  if (!pt)
    throw new StatusError(
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
    );
  return pt;
}

function randomSuffix(): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  let s = "";
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}
