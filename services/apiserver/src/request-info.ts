// What a request addresses, parsed from its path, method and query the way kube-apiserver's
// RequestInfoFactory does it. Pure: the router and the authorizer read this, nothing else parses paths.

export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";

export interface ResourceRequest {
  kind: "resource";
  verb: Verb;
  /** "" for the core group (/api/v1). */
  group: string;
  version: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface NonResourceRequest {
  kind: "nonresource";
  path: string;
  verb: "get" | "post" | "put" | "patch" | "delete";
}

export type RequestInfo = ResourceRequest | NonResourceRequest;

const namespaceSubresources = new Set(["status", "finalize"]);

const methodVerbs: Record<string, Verb> = { POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" };

export function parseRequest(method: string, path: string, query: URLSearchParams): RequestInfo {
  const nonResource = (): NonResourceRequest => ({
    kind: "nonresource",
    path,
    verb: (method.toLowerCase() === "head" ? "get" : method.toLowerCase()) as NonResourceRequest["verb"],
  });
  const parts = path.split("/").filter((p) => p !== "");
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 3) {
    group = "";
    version = parts[1] as string;
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 4) {
    group = parts[1] as string;
    version = parts[2] as string;
    rest = parts.slice(3);
  } else {
    return nonResource();
  }
  let namespace: string | undefined;
  // /namespaces/{ns}/{resource}... is namespaced; /namespaces, /namespaces/{name} and the namespace's own
  // subresources (/status, /finalize) address namespaces, as in kube-apiserver.
  if (rest[0] === "namespaces" && rest.length >= 3 && !namespaceSubresources.has(rest[2] as string)) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest as [string, string?, string?, ...string[]];
  if (!resource || extra.length > 0) return nonResource();
  const isNamespaceObject = resource === "namespaces" && namespace === undefined;
  let verb: Verb;
  if (method === "GET" || method === "HEAD") {
    const watch = query.get("watch");
    if (watch === "true" || watch === "1") verb = "watch";
    else verb = name ? "get" : "list";
  } else if (method === "DELETE" && !name) {
    verb = "deletecollection";
  } else {
    const v = methodVerbs[method];
    if (!v) return nonResource();
    verb = v;
  }
  return {
    kind: "resource",
    verb,
    group,
    version,
    resource,
    ...(subresource ? { subresource } : {}),
    ...(namespace !== undefined && !isNamespaceObject ? { namespace } : {}),
    ...(name ? { name } : {}),
  };
}
