// The kubelet API syncer-pods serves for the virtual nodes, the routes and parameters kube-apiserver uses
// toward a node's kubelet (/containerLogs, /exec, /attach, /portForward), and their translation into the
// host apiserver's pods/log, exec, attach and portforward of the pod's host twin. Pure.

export type KubeletRoute = "containerLogs" | "exec" | "attach" | "portForward";

export interface KubeletRequest {
  route: KubeletRoute;
  /** The virtual pod. */
  namespace: string;
  pod: string;
  /** Given on stream routes: the virtual pod's uid, so that a recreated pod is not reached through its old twin. */
  uid?: string;
  /** Empty for port-forward, which reaches the pod rather than a container. */
  container: string;
  /** The query the host apiserver gets for this pod subresource. */
  hostQuery: [string, string][];
}

/** A request the routes do not take, answered as kubelet's mux answers it. */
export interface KubeletRefusal {
  code: number;
  text: string;
}

const SUBRESOURCE: Record<KubeletRoute, string> = {
  containerLogs: "log",
  exec: "exec",
  attach: "attach",
  portForward: "portforward",
};

/** kube's LogLocation parameters, passed on as they came. */
const LOG_PARAMS = ["follow", "previous", "timestamps", "sinceSeconds", "sinceTime", "tailLines", "limitBytes"];

/** kubelet's stream flags ("1" is on, remotecommand.NewOptions) and the apiserver's names for them. */
const STREAM_FLAGS: [string, string][] = [
  ["input", "stdin"],
  ["output", "stdout"],
  ["error", "stderr"],
  ["tty", "tty"],
];

const notFound: KubeletRefusal = { code: 404, text: "404 page not found\n" };
const notAllowed: KubeletRefusal = { code: 405, text: "405: Method Not Allowed" };

function decode(segments: string[]): string[] | undefined {
  try {
    return segments.map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

/**
 * The route, pod and container of a request on the kubelet API, and what the host's subresource is asked:
 * /containerLogs/{ns}/{pod}/{container} (GET), /exec|attach/{ns}/{pod}[/{uid}]/{container} and
 * /portForward/{ns}/{pod}[/{uid}] (GET or POST, as kubelet routes them).
 */
export function parseKubeletRequest(
  method: string,
  path: string,
  query: URLSearchParams,
): KubeletRequest | KubeletRefusal {
  const parts = decode(path.split("/").slice(1));
  if (!parts || parts.some((p) => p === "")) return notFound;
  const [route, namespace, pod, ...rest] = parts as [string, string?, string?, ...string[]];
  if (namespace === undefined || pod === undefined) return notFound;
  switch (route) {
    case "containerLogs": {
      if (rest.length !== 1) return notFound;
      if (method !== "GET") return notAllowed;
      const container = rest[0] as string;
      const hostQuery: [string, string][] = [["container", container]];
      for (const k of LOG_PARAMS) for (const v of query.getAll(k)) hostQuery.push([k, v]);
      return { route, namespace, pod, container, hostQuery };
    }
    case "exec":
    case "attach": {
      if (rest.length !== 1 && rest.length !== 2) return notFound;
      if (method !== "GET" && method !== "POST") return notAllowed;
      const container = rest[rest.length - 1] as string;
      const hostQuery: [string, string][] = [["container", container]];
      for (const [kubelet, api] of STREAM_FLAGS) if (query.get(kubelet) === "1") hostQuery.push([api, "true"]);
      if (route === "exec") for (const c of query.getAll("command")) hostQuery.push(["command", c]);
      return { route, namespace, pod, ...(rest.length === 2 ? { uid: rest[0] as string } : {}), container, hostQuery };
    }
    case "portForward": {
      if (rest.length > 1) return notFound;
      if (method !== "GET" && method !== "POST") return notAllowed;
      const hostQuery: [string, string][] = query.getAll("port").map((p) => ["ports", p]);
      return {
        route,
        namespace,
        pod,
        ...(rest.length === 1 ? { uid: rest[0] as string } : {}),
        container: "",
        hostQuery,
      };
    }
    default:
      return notFound;
  }
}

export const isRefusal = (r: KubeletRequest | KubeletRefusal): r is KubeletRefusal => "code" in r;

/** The host apiserver path (and query) of the request's subresource on the pod's host twin. */
export function hostRequestPath(r: KubeletRequest, hostNamespace: string, hostPod: string): string {
  const query = r.hostQuery.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  const path = `/api/v1/namespaces/${encodeURIComponent(hostNamespace)}/pods/${encodeURIComponent(hostPod)}/${SUBRESOURCE[r.route]}`;
  return query ? `${path}?${query}` : path;
}

/**
 * A host answer's text as the virtual cluster should read it: the host pod named as the virtual one (with
 * its namespace where the host's is given), so that no host name leaks into a tenant's error.
 */
export function virtualizeText(
  text: string,
  host: { namespace: string; name: string },
  virtual: { namespace: string; name: string },
): string {
  return text
    .replaceAll(`${host.namespace}/${host.name}`, `${virtual.namespace}/${virtual.name}`)
    .replaceAll(host.name, virtual.name);
}
