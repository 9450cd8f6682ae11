import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { errors, isStatusError, type KubeObject, parseFieldSelector, parseLabelSelector, StatusError } from "@evk/kube";
import type { ObjectRef, Store, WatchCache } from "@evk/store";
import { applyDefaults } from "./defaults.ts";
import { deleteHonouringFinalizers } from "./deletion.ts";
import { isHeld, markTerminating, refuseContentIn, refuseDeletion } from "./namespace-lifecycle.ts";
import { applyPatch, patchTypeOf } from "./patch.ts";
import type { ResourceRequest } from "./request-info.ts";
import { apiVersionOf, lookupResource, type ResourceType } from "./resources.ts";
import { TABLE_CONTENT_TYPE, tableColumns, toTable, wantsTable } from "./tables.ts";

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

async function readBody(req: IncomingMessage): Promise<unknown> {
  const ct = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
  // Protobuf bodies (typed client-go clients, kubectl's create generators) are not decoded yet; 415 says so
  // plainly instead of a JSON parse error.
  if (ct === "application/vnd.kubernetes.protobuf") {
    throw new StatusError(
      "UnsupportedMediaType",
      "the body of the request was in an unknown format - accepted media types include: application/json, application/json-patch+json, application/merge-patch+json",
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) throw errors.entityTooLarge(MAX_BODY_BYTES);
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw errors.badRequest(
      `the body of the request was in an unknown format - accepted media types include: application/json (${(err as Error).message})`,
    );
  }
}

/** Serves the resource API of one virtual cluster from its Store (writes) and WatchCache (reads, watches). */
export class ResourceApi {
  private readonly store: Store;
  private readonly cache: WatchCache;

  constructor(store: Store, cache: WatchCache) {
    this.store = store;
    this.cache = cache;
  }

  async handle(
    info: ResourceRequest,
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
  ): Promise<void> {
    const type = lookupResource(info.group, info.version, info.resource);
    if (!type || (info.subresource && !(type.subresources ?? []).includes(info.subresource))) {
      throw new StatusError("NotFound", "the server could not find the requested resource");
    }
    if (info.subresource)
      throw new StatusError("MethodNotAllowed", `the ${info.subresource} subresource is not served yet`);
    if (type.namespaced === false && info.namespace)
      throw new StatusError("NotFound", "the server could not find the requested resource");
    const ref = (name: string) => ({
      group: type.group,
      resource: type.resource,
      namespace: type.namespaced ? info.namespace : undefined,
      name,
    });
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
        const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
        const meta = { ...obj.metadata, name, uid: randomUUID(), creationTimestamp: now, generation: 1 };
        if (type.namespaced) meta.namespace = info.namespace;
        delete meta.resourceVersion;
        const created = await this.store.create(
          ref(name),
          applyDefaults(type.group, type.resource, {
            ...obj,
            apiVersion: apiVersionOf(type),
            kind: type.kind,
            metadata: meta,
          }),
        );
        return sendJson(res, 201, created);
      }
      case "update": {
        const obj = this.checkBody(type, info, await readBody(req));
        if (obj.metadata.name !== info.name)
          throw errors.badRequest(
            `the name of the object (${obj.metadata.name}) does not match the name on the URL (${info.name})`,
          );
        const rv = obj.metadata.resourceVersion;
        const updated = await this.store.guaranteedUpdate(ref(info.name as string), (cur) => {
          if (rv && rv !== cur.metadata.resourceVersion) throw errors.modified(type, info.name as string);
          return keepSystemFields(cur, obj);
        });
        return sendJson(res, 200, await this.finishDeletion(ref(info.name as string), updated));
      }
      case "patch": {
        const pt = patchTypeOf(req.headers["content-type"]);
        if (!pt)
          throw new StatusError(
            "UnsupportedMediaType",
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
          );
        const body = await readBody(req);
        const patched = await this.store.guaranteedUpdate(ref(info.name as string), (cur) => {
          const next = applyPatch(cur, pt, body);
          const rv = next.metadata?.resourceVersion;
          if (rv && rv !== cur.metadata.resourceVersion) throw errors.modified(type, info.name as string);
          return keepSystemFields(cur, next);
        });
        return sendJson(res, 200, await this.finishDeletion(ref(info.name as string), patched));
      }
      case "delete": {
        const opts = ((await readBody(req)) ?? {}) as DeleteOptionsBody;
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
          // A namespace goes Terminating; the namespace finalizer empties and removes it.
          const terminating = await this.store.guaranteedUpdate(ref(info.name as string), (cur) => {
            checkPreconditions(type, cur, pre);
            const finalizers = [...new Set([...(cur.metadata.finalizers ?? []), ...extra])];
            return markTerminating({
              ...cur,
              metadata: { ...cur.metadata, ...(finalizers.length ? { finalizers } : {}) },
            });
          });
          return sendJson(res, 200, terminating);
        }
        const result = await deleteHonouringFinalizers(this.store, type, ref(info.name as string), {
          check: (cur) => checkPreconditions(type, cur, pre),
          extraFinalizers: extra,
        });
        return sendJson(res, 200, result);
      }
      default:
        throw new StatusError("MethodNotAllowed", `${info.verb} is not supported on ${type.resource} yet`);
    }
  }

  /** An update that removed the last finalizer of an object being deleted completes the deletion. */
  private async finishDeletion(r: ObjectRef, obj: KubeObject): Promise<KubeObject> {
    if (!obj.metadata.deletionTimestamp || isHeld(obj)) return obj;
    try {
      return await this.store.delete(r, { resourceVersion: obj.metadata.resourceVersion as string });
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

interface DeleteOptionsBody {
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

function keepSystemFields(cur: KubeObject, next: KubeObject): KubeObject {
  return {
    ...next,
    apiVersion: cur.apiVersion,
    kind: cur.kind,
    metadata: {
      ...next.metadata,
      name: cur.metadata.name,
      namespace: cur.metadata.namespace,
      uid: cur.metadata.uid,
      creationTimestamp: cur.metadata.creationTimestamp,
      generation: cur.metadata.generation,
      deletionTimestamp: cur.metadata.deletionTimestamp,
      deletionGracePeriodSeconds: cur.metadata.deletionGracePeriodSeconds,
    },
  };
}

function randomSuffix(): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  let s = "";
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}
